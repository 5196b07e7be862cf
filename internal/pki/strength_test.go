package pki

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

func chainOf(t *testing.T, o *pkitest.OpenSSL, names ...string) []*x509.Certificate {
	t.Helper()
	c, err := ParseCertificateChain([]byte(o.CertPEM(names...)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kinds(ws []Weakness) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Kind+"@"+string(rune('0'+w.Index)))
	}
	return strings.Join(out, ",")
}

func TestChainWeaknesses(t *testing.T) {
	o := pkitest.NewOpenSSL(t)
	o.Root("root", "rsa:2048", "sha256")
	o.Root("sha1root", "rsa:2048", "sha1")
	o.Root("ecroot", "ec:P-256", "sha256")

	o.Issue("good", "rsa:2048", "root", "sha256", pkitest.LeafExt)
	o.Issue("goodec", "ec:P-256", "ecroot", "sha256", pkitest.LeafExt)
	o.Issue("rsa1024", "rsa:1024", "root", "sha256", pkitest.LeafExt)
	o.Issue("rsa512", "rsa:512", "root", "sha256", pkitest.LeafExt)
	o.Issue("sha1leaf", "rsa:2048", "root", "sha1", pkitest.LeafExt)
	o.Issue("md5leaf", "rsa:2048", "root", "md5", pkitest.LeafExt)
	o.Issue("p224", "ec:secp224r1", "ecroot", "sha256", pkitest.LeafExt)
	o.Issue("underSHA1Root", "rsa:2048", "sha1root", "sha256", pkitest.LeafExt)
	o.Issue("sha1inter", "rsa:2048", "root", "sha1", pkitest.IntermediateExt)
	o.Issue("viaSHA1Inter", "rsa:2048", "sha1inter", "sha256", pkitest.LeafExt)
	o.Issue("cainter", "rsa:2048", "root", "sha256", pkitest.IntermediateExt)

	for _, tc := range []struct {
		name  string
		chain []string
		want  string // kinds@index
		// openssl verify -auth_level 2 (root, intermediates): whether it must refuse too.
		root          string
		intermediates []string
		osslRefuses   string // a substring of its complaint; "" when it must accept
	}{
		{name: "RSA 2048 SHA-256", chain: []string{"good", "root"}, root: "root"},
		{name: "ECDSA P-256", chain: []string{"goodec"}, root: "ecroot"},
		{name: "RSA 1024 leaf", chain: []string{"rsa1024"}, want: "key@0", root: "root", osslRefuses: "key too weak"},
		{name: "RSA 512 leaf", chain: []string{"rsa512"}, want: "key@0", root: "root", osslRefuses: "key too weak"},
		{name: "SHA-1 signed leaf", chain: []string{"sha1leaf"}, want: "signature@0", root: "root", osslRefuses: "digest algorithm too weak"},
		{name: "MD5 signed leaf", chain: []string{"md5leaf"}, want: "signature@0", root: "root", osslRefuses: "digest algorithm too weak"},
		// OpenSSL's level 2 accepts P-224 (112-bit security); the provider asks for P-256.
		{name: "ECDSA P-224 leaf", chain: []string{"p224"}, want: "key@0", root: "ecroot"},
		// A self-signed root's own SHA-1 signature is not judged, here or by OpenSSL.
		{name: "SHA-1 self-signed root in the chain", chain: []string{"underSHA1Root", "sha1root"}, root: "sha1root"},
		{name: "SHA-1 signed intermediate", chain: []string{"viaSHA1Inter", "sha1inter", "root"}, want: "signature@1",
			root: "root", intermediates: []string{"sha1inter"}, osslRefuses: "digest algorithm too weak"},
		// A CA certificate as the leaf: OpenSSL verifies it (it is a valid CA), the provider refuses to serve it.
		{name: "CA certificate as leaf", chain: []string{"cainter", "root"}, want: "ca-leaf@0", root: "root"},
		{name: "self-signed CA as leaf", chain: []string{"root"}, want: "ca-leaf@0", root: "root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := ChainWeaknesses(chainOf(t, o, tc.chain...))
			if got := kinds(ws); got != tc.want {
				t.Errorf("weaknesses = %q, want %q (%+v)", got, tc.want, ws)
			}
			for _, w := range ws {
				if w.What == "" || w.Cert == nil {
					t.Errorf("weakness without a description: %+v", w)
				}
			}
			complaint := o.VerifyLevel2(tc.chain[0], tc.root, tc.intermediates...)
			switch {
			case tc.osslRefuses == "" && complaint != "":
				t.Errorf("openssl verify -auth_level 2 refuses what the test expects it to accept: %s", complaint)
			case tc.osslRefuses != "" && !strings.Contains(complaint, tc.osslRefuses):
				t.Errorf("openssl verify -auth_level 2 = %q, want a refusal containing %q", complaint, tc.osslRefuses)
			}
		})
	}

	// The CA-as-leaf verdict against openssl's own reading of the certificate.
	if text := o.Run("x509", "-in", "cainter.crt", "-noout", "-text"); !strings.Contains(text, "CA:TRUE") {
		t.Errorf("openssl does not see cainter.crt as a CA:\n%s", text)
	}
}

func TestKeyWeaknessMessages(t *testing.T) {
	o := pkitest.NewOpenSSL(t)
	o.Root("root", "rsa:2048", "sha256")
	o.Issue("rsa1024", "rsa:1024", "root", "sha256", pkitest.LeafExt)
	o.Issue("p224", "ec:secp224r1", "root", "sha256", pkitest.LeafExt)
	if got := KeyWeakness(chainOf(t, o, "rsa1024")[0].PublicKey); !strings.Contains(got, "RSA 1024-bit") || !strings.Contains(got, "2048") {
		t.Errorf("RSA-1024: %q", got)
	}
	if got := KeyWeakness(chainOf(t, o, "p224")[0].PublicKey); !strings.Contains(got, "P-224") || !strings.Contains(got, "P-256") {
		t.Errorf("P-224: %q", got)
	}
	if got := KeyWeakness(chainOf(t, o, "root")[0].PublicKey); got != "" {
		t.Errorf("RSA-2048: %q", got)
	}
	for _, alg := range []x509.SignatureAlgorithm{x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD2WithRSA} {
		if !WeakSignatureAlgorithm(alg) {
			t.Errorf("%s not weak", alg)
		}
	}
	for _, alg := range []x509.SignatureAlgorithm{x509.SHA256WithRSA, x509.ECDSAWithSHA256, x509.PureEd25519, x509.SHA256WithRSAPSS} {
		if WeakSignatureAlgorithm(alg) {
			t.Errorf("%s weak", alg)
		}
	}
}
