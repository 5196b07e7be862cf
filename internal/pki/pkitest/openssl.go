package pkitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// OpenSSL makes keys and certificates with the openssl command line, which (unlike Go's crypto) still
// signs with MD5 and SHA-1 and makes RSA keys of any size: weak material made by an independent
// implementation, and `openssl verify -auth_level 2` as a second opinion on verdicts. Files live in
// Dir, named <name>.key and <name>.crt.
type OpenSSL struct {
	t   testing.TB
	Dir string
}

// Extension files for Issue.
const (
	LeafExt         = "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost\n"
	ClientOnlyExt   = "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:localhost\n"
	IntermediateExt = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
)

// NewOpenSSL skips the test when openssl is not installed.
func NewOpenSSL(t testing.TB) *OpenSSL {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	return &OpenSSL{t: t, Dir: t.TempDir()}
}

// Path is the path of a file in Dir.
func (o *OpenSSL) Path(name string) string { return filepath.Join(o.Dir, name) }

// Run runs openssl in Dir and fails the test when it fails.
func (o *OpenSSL) Run(args ...string) string {
	o.t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = o.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		o.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Key makes <name>.key: spec is "rsa:<bits>" or "ec:<curve>" ("ec:P-256", "ec:secp224r1").
func (o *OpenSSL) Key(name, spec string) {
	o.t.Helper()
	alg, param, _ := strings.Cut(spec, ":")
	if alg == "rsa" {
		o.Run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:"+param, "-out", name+".key")
		return
	}
	o.Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:"+param, "-out", name+".key")
}

// Root makes a self-signed CA certificate <name>.crt for a new key, signed with digest ("sha256", "sha1", "md5").
func (o *OpenSSL) Root(name, keySpec, digest string) {
	o.t.Helper()
	o.Key(name, keySpec)
	o.Run("req", "-x509", "-new", "-key", name+".key", "-subj", "/CN="+name, "-days", "30", "-"+digest,
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", name+".crt")
}

// Issue makes <name>.crt for a new key, signed by issuer with digest; ext is the extensions file's content.
func (o *OpenSSL) Issue(name, keySpec, issuer, digest, ext string) {
	o.t.Helper()
	o.Key(name, keySpec)
	o.Run("req", "-new", "-key", name+".key", "-subj", "/CN="+name, "-out", name+".csr")
	if err := os.WriteFile(o.Path(name+".ext"), []byte(ext), 0o600); err != nil {
		o.t.Fatal(err)
	}
	o.Run("x509", "-req", "-in", name+".csr", "-CA", issuer+".crt", "-CAkey", issuer+".key", "-CAcreateserial",
		"-days", "30", "-"+digest, "-extfile", name+".ext", "-out", name+".crt")
}

// CertPEM is the named certificates, in order, as one PEM text.
func (o *OpenSSL) CertPEM(names ...string) string {
	o.t.Helper()
	var b strings.Builder
	for _, n := range names {
		data, err := os.ReadFile(o.Path(n + ".crt"))
		if err != nil {
			o.t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// KeyPEM is <name>.key (PKCS#8).
func (o *OpenSSL) KeyPEM(name string) string {
	o.t.Helper()
	data, err := os.ReadFile(o.Path(name + ".key"))
	if err != nil {
		o.t.Fatal(err)
	}
	return string(data)
}

// VerifyLevel2 runs `openssl verify -auth_level 2` on leaf with root as the trust anchor and the given
// untrusted intermediates: "" when it verifies, otherwise its complaint.
func (o *OpenSSL) VerifyLevel2(leaf, root string, intermediates ...string) string {
	o.t.Helper()
	args := []string{"verify", "-auth_level", "2", "-CAfile", root + ".crt"}
	for _, i := range intermediates {
		args = append(args, "-untrusted", i+".crt")
	}
	cmd := exec.Command("openssl", append(args, leaf+".crt")...)
	cmd.Dir = o.Dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		return ""
	}
	return string(out)
}
