package provider

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

const certAddr = "dbtls_policy_certificate.example"

// certConfig is a provider, a policy "example_policy" owned by the test user, and a
// dbtls_policy_certificate with body. The PEM values come in as variables: cert, key (ephemeral, for
// private_key_wo), key_pem (not ephemeral, for private_key_pem), ca and crl.
func certConfig(version, home string, me osUser, body string) string {
	return providerBlock(version, home) + fmt.Sprintf(`
variable "cert" {
  type    = string
  default = null
}
variable "key" {
  type      = string
  default   = null
  ephemeral = true
}
variable "key_pem" {
  type      = string
  default   = null
  sensitive = true
}
variable "other" {
  type    = string
  default = null
}
variable "ca" {
  type    = string
  default = null
}
variable "crl" {
  type    = string
  default = null
}

resource "dbtls_ssl_policy" "example" {
  name  = "example_policy"
  owner = %q
  group = %q
}

resource "dbtls_policy_certificate" "example" {
  policy = dbtls_ssl_policy.example.settings
%s
}
`, me.user, me.group, body)
}

// woBody is the write-only form with version v.
func woBody(v int, extra string) string {
	return fmt.Sprintf("  certificate_pem        = var.cert\n  private_key_wo         = var.key\n  private_key_wo_version = %d\n%s", v, extra)
}

// vars builds the step's variables from PEM strings.
func vars(kv ...string) config.Variables {
	out := config.Variables{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = config.StringVariable(kv[i+1])
	}
	return out
}

// listing describes every entry under base as "<mode> <relative path>", sorted, like `ls -lR`.
func listing(t *testing.T, base string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == base {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		lines = append(lines, info.Mode().String()+" "+rel)
		return nil
	})
	if err != nil {
		return "error: " + err.Error()
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][11:] < lines[j][11:] })
	return strings.Join(lines, "\n")
}

func checkListing(t *testing.T, base string, want ...string) func(*terraform.State) error {
	want = slices.Clone(want)
	sort.Slice(want, func(i, j int) bool { return want[i][11:] < want[j][11:] })
	return func(*terraform.State) error {
		if got := listing(t, base); got != strings.Join(want, "\n") {
			return fmt.Errorf("listing of %s:\n%s\nwant:\n%s", base, got, strings.Join(want, "\n"))
		}
		return nil
	}
}

// checkKeyFile asserts that p holds exactly one PKCS#8 "PRIVATE KEY" block whose public half is pub.
func checkKeyFile(p string, pub crypto.PublicKey) func(*terraform.State) error {
	return func(*terraform.State) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		block, rest := pem.Decode(b)
		if block == nil || block.Type != "PRIVATE KEY" || len(strings.TrimSpace(string(rest))) != 0 {
			return fmt.Errorf("%s is not one PKCS#8 PRIVATE KEY block", p)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if !k.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			return fmt.Errorf("%s holds another key than the one given", p)
		}
		return nil
	}
}

// checkMode asserts a path's permission bits.
func checkMode(p string, mode fs.FileMode) func(*terraform.State) error {
	return func(*terraform.State) error {
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if info.Mode().Perm() != mode || !info.Mode().IsRegular() {
			return fmt.Errorf("%s is %s, want %s", p, info.Mode(), mode)
		}
		return nil
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	info, err := os.Lstat(p)
	must(t, err)
	return info.Sys().(*syscall.Stat_t).Ino
}

func checkInode(t *testing.T, p string, want *uint64) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := inode(t, p); got != *want {
			return fmt.Errorf("%s was rewritten (inode %d, was %d), but only its mode needed repair", p, got, *want)
		}
		return nil
	}
}

// secretNeedles are strings that would betray the key: its PEM body lines in every encoding, the
// private scalar in hex and base64, and the words PRIVATE KEY.
func secretNeedles(t *testing.T, p *pkitest.Pair) []string {
	t.Helper()
	needles := []string{"PRIVATE KEY"}
	for _, enc := range []string{p.KeyPEM(t), p.LegacyKeyPEM(t)} {
		for _, l := range strings.Split(enc, "\n") {
			if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
				needles = append(needles, l)
			}
		}
	}
	var d []byte
	switch k := p.Key.(type) {
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		must(t, err)
		d = b
	case *rsa.PrivateKey:
		d = k.D.Bytes()
	}
	needles = append(needles, hex.EncodeToString(d), base64.StdEncoding.EncodeToString(d), base64.RawURLEncoding.EncodeToString(d))
	return needles
}

// findSecret returns the first needle in blob. It also looks into every JSON string of blob that is
// base64 (a state file's "private" field is base64 of JSON whose values are base64 again), to any
// depth.
func findSecret(blob []byte, needles []string) string {
	for _, n := range needles {
		if strings.Contains(string(blob), n) {
			return n
		}
	}
	var doc any
	if json.Unmarshal(blob, &doc) != nil {
		return ""
	}
	found := ""
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			if found != "" || len(x) < 8 {
				return
			}
			if dec, err := base64.StdEncoding.DecodeString(x); err == nil {
				found = findSecret(dec, needles)
			}
		}
	}
	walk(doc)
	return found
}

type noSecretCheck struct{ needles []string }

func (c noSecretCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if n := findSecret(b, c.needles); n != "" {
		resp.Error = fmt.Errorf("terraform show -json holds private key material (%.20q...)", n)
	}
}

func (c noSecretCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if n := findSecret(b, c.needles); n != "" {
		resp.Error = fmt.Errorf("the plan holds private key material (%.20q...)", n)
	}
}

// checkNoSecretInFile reads the state file the harness keeps under workDir.
func checkNoSecretInFile(workDir string, needles []string) func(*terraform.State) error {
	return func(*terraform.State) error {
		files, err := filepath.Glob(filepath.Join(workDir, "work*", "terraform.tfstate"))
		if err != nil || len(files) != 1 {
			return fmt.Errorf("want one state file under %s, found %v (%v)", workDir, files, err)
		}
		p := files[0]
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "dbtls_policy_certificate") {
			return fmt.Errorf("%s does not hold the resource; the check would prove nothing", p)
		}
		if n := findSecret(b, needles); n != "" {
			return fmt.Errorf("the state file %s holds private key material (%.20q...)", p, n)
		}
		return nil
	}
}

func shortDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:16]
}

func derShort(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])[:16]
}

// The seed's Example 7.26 on Neo4j 3.5 with a write-only key given in SEC1: the listing exactly as the
// seed shows it, the key on disk is the given key as PKCS#8, and neither the plan, `terraform show
// -json` nor the state file (private state included) holds a byte of the key. Then trusted
// certificates and a CRL, an import, and a destroy that leaves nothing.
func TestAccPolicyCertificate_SeedListing35(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		me := currentUser(t)
		ca := pkitest.NewCA(t, "Example CA")
		leaf := ca.Issue(t, pkitest.Options{CommonName: "graph-1.internal", IPAddresses: nil})
		peerCA := pkitest.NewCA(t, "Peer CA")
		crl := ca.CRL(t, ca.Issue(t, pkitest.Options{CommonName: "revoked.internal"}).Cert)
		workDir := t.TempDir() // the harness keeps its state file in <workDir>/work*/terraform.tfstate
		needles := secretNeedles(t, leaf)
		v := vars("cert", leaf.CertPEM, "key", leaf.LegacyKeyPEM(t), "ca", ca.CertPEM, "other", peerCA.CertPEM, "crl", crl)
		entry := func(mode string) string { return mode + " " + me.user + ":" + me.group }

		step1 := certConfig("3.5", home, me, woBody(1, ""))
		step2 := certConfig("3.5", home, me, woBody(1, "  trusted_certificates_pem = [var.ca, var.other]\n  revocation_lists_pem     = [var.crl]\n"))
		noSecret := noSecretCheck{needles}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			WorkingDir:               workDir,
			CheckDestroy:             checkAbsent(base),
			Steps: []resource.TestStep{
				{
					Config:          step1,
					ConfigVariables: v,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionCreate),
						noSecret,
						// Known while planning: the file names, modes and digests.
						plancheck.ExpectKnownValue(certAddr, tfjsonpath.New("files").AtMapKey(base+"/public.crt"),
							knownvalue.StringExact(entry("-rw-r--r--")+" sha256:"+shortDigest(leaf.CertPEM))),
						plancheck.ExpectKnownValue(certAddr, tfjsonpath.New("certificate_sha256"), knownvalue.StringExact(fmt.Sprintf("%x", sha256.Sum256(leaf.Cert.Raw)))),
					}},
					Check: resource.ComposeTestCheckFunc(
						checkListing(t, base,
							"-r-------- private.key",
							"-rw-r--r-- public.crt",
							"drwxr-xr-x revoked",
							"drwxr-xr-x trusted",
							"-rw-r--r-- trusted/public.crt",
						),
						checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
						checkFileEquals(filepath.Join(base, "public.crt"), []byte(leaf.CertPEM)),
						checkFileEquals(filepath.Join(base, "trusted", "public.crt"), []byte(leaf.CertPEM)),
						checkNoSecretInFile(workDir, needles),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						noSecret,
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("id"), knownvalue.StringExact("example_policy")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("subject"), knownvalue.StringExact("CN=graph-1.internal")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("issuer"), knownvalue.StringExact("CN=Example CA,O=dbtls tests")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("serial_number"), knownvalue.StringExact(leaf.Cert.SerialNumber.String())),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("dns_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("graph-1.internal")})),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("ip_addresses"), knownvalue.ListExact([]knownvalue.Check{})),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("not_after"), knownvalue.StringExact(leaf.Cert.NotAfter.UTC().Format(time.RFC3339))),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("key_algorithm"), knownvalue.StringExact("ECDSA")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("private_key_wo"), knownvalue.Null()),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("owner"), knownvalue.StringExact(me.user)),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("files"), knownvalue.MapExact(map[string]knownvalue.Check{
							base + "/private.key":        knownvalue.StringExact(entry("-r--------")),
							base + "/public.crt":         knownvalue.StringExact(entry("-rw-r--r--") + " sha256:" + shortDigest(leaf.CertPEM)),
							base + "/trusted/public.crt": knownvalue.StringExact(entry("-rw-r--r--") + " sha256:" + shortDigest(leaf.CertPEM)),
						})),
					},
				},
				{
					Config:          step2,
					ConfigVariables: v,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate), noSecret,
					}},
					Check: resource.ComposeTestCheckFunc(
						checkListing(t, base,
							"-r-------- private.key",
							"-rw-r--r-- public.crt",
							"drwxr-xr-x revoked",
							"-rw-r--r-- revoked/revoked-"+shortDER(t, crl)+".crl",
							"drwxr-xr-x trusted",
							"-rw-r--r-- trusted/public.crt",
							"-rw-r--r-- trusted/trusted-"+derShort(ca.Cert)+".crt",
							"-rw-r--r-- trusted/trusted-"+derShort(peerCA.Cert)+".crt",
						),
						checkFileEquals(filepath.Join(base, "trusted", "trusted-"+derShort(peerCA.Cert)+".crt"), []byte(peerCA.CertPEM)),
						checkFileEquals(filepath.Join(base, "revoked", "revoked-"+shortDER(t, crl)+".crl"), []byte(crl)),
						checkNoSecretInFile(workDir, needles),
					),
					ConfigStateChecks: []statecheck.StateCheck{noSecret},
				},
				{
					// The import ID is the policy's; the key is not read into the state, so its entry is
					// unverified and the next apply writes it again.
					Config:            step2,
					ConfigVariables:   v,
					ResourceName:      certAddr,
					ImportState:       true,
					ImportStateId:     "example_policy",
					ImportStateVerify: true,
					ImportStateVerifyIgnore: []string{
						"private_key_wo_version",
						"files." + base + "/private.key",
					},
				},
			},
		})
	})
}

// wrapRE compiles an error pattern in which a space also matches the line breaks Terraform puts
// into long diagnostics.
func wrapRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// shortDER is the first 16 hex digits of the SHA-256 of the DER inside a one-block PEM.
func shortDER(t *testing.T, p string) string {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("not PEM")
	}
	sum := sha256.Sum256(b.Bytes)
	return hex.EncodeToString(sum[:])[:16]
}

// Drift on the host plans an Update that repairs it, and the next plan is empty: a replaced
// certificate, a key made world-readable (repaired in place, without the key), a deleted trusted copy,
// a key file replaced by another key. On 5.x the public certificate is duplicated into trusted/ too.
func TestAccPolicyCertificate_Drift(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		keyFile, certFile, copyFile := filepath.Join(base, "private.key"), filepath.Join(base, "public.crt"), filepath.Join(base, "trusted", "public.crt")
		me := currentUser(t)
		ca := pkitest.NewCA(t, "Drift CA")
		leaf := ca.Issue(t, pkitest.Options{KeyType: pkitest.RSA})
		intruder := ca.Issue(t, pkitest.Options{CommonName: "intruder"})
		cfg := certConfig("5.26", home, me, woBody(1, "  trusted_certificates_pem = [var.ca]\n"))
		v := vars("cert", leaf.CertPEM+ca.CertPEM, "key", leaf.LegacyKeyPEM(t), "ca", ca.CertPEM)
		chain := []byte(leaf.CertPEM + ca.CertPEM)
		converged := resource.ComposeTestCheckFunc(
			checkListing(t, base,
				"-r-------- private.key",
				"-rw-r--r-- public.crt",
				"drwxr-xr-x revoked",
				"drwxr-xr-x trusted",
				"-rw-r--r-- trusted/public.crt",
				"-rw-r--r-- trusted/trusted-"+derShort(ca.Cert)+".crt",
			),
			checkKeyFile(keyFile, leaf.Key.Public()),
			checkFileEquals(certFile, chain),
			checkFileEquals(copyFile, chain),
		)
		update := func(path, want string) resource.ConfigPlanChecks {
			return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("dbtls_ssl_policy.example", plancheck.ResourceActionNoop),
				plancheck.ExpectKnownValue(certAddr, tfjsonpath.New("files").AtMapKey(path), knownvalue.StringExact(want)),
			}}
		}
		owner := me.user + ":" + me.group
		var keyIno uint64
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkAbsent(base),
			Steps: []resource.TestStep{
				{Config: cfg, ConfigVariables: v, Check: converged},
				{
					PreConfig:        func() { must(t, os.WriteFile(certFile, []byte(intruder.CertPEM), 0o644)) },
					Config:           cfg,
					ConfigVariables:  v,
					ConfigPlanChecks: update(certFile, "-rw-r--r-- "+owner+" sha256:"+shortDigest(string(chain))),
					Check:            converged,
				},
				{
					PreConfig: func() {
						must(t, os.Chmod(keyFile, 0o644))
						keyIno = inode(t, keyFile)
					},
					Config:           cfg,
					ConfigVariables:  v,
					ConfigPlanChecks: update(keyFile, "-r-------- "+owner),
					Check:            resource.ComposeTestCheckFunc(converged, checkMode(keyFile, 0o400), checkInode(t, keyFile, &keyIno)),
				},
				{
					PreConfig:        func() { must(t, os.Remove(copyFile)) },
					Config:           cfg,
					ConfigVariables:  v,
					ConfigPlanChecks: update(copyFile, "-rw-r--r-- "+owner+" sha256:"+shortDigest(string(chain))),
					Check:            converged,
				},
				{
					// Another valid key, same mode and owner: only the digest in private state can tell.
					PreConfig:        func() { must(t, os.WriteFile(keyFile, []byte(intruder.KeyPEM(t)), 0o400)) },
					Config:           cfg,
					ConfigVariables:  v,
					ConfigPlanChecks: update(keyFile, "-r-------- "+owner),
					Check:            converged,
				},
				{
					// The refresh shows what the host had.
					PreConfig:          func() { must(t, os.Remove(keyFile)) },
					RefreshState:       true,
					Check:              resource.TestCheckResourceAttr(certAddr, "files."+keyFile, "missing"),
					ExpectNonEmptyPlan: true,
				},
				{Config: cfg, ConfigVariables: v, Check: converged},
			},
		})
	})
}

// Rotation is in place: a new certificate for the same key leaves the key file alone; a new pair with
// a bumped private_key_wo_version writes both; a new certificate whose key is not being written is
// refused while planning; trusted certificates no longer declared are removed.
func TestAccPolicyCertificate_Rotation(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		keyFile, certFile := filepath.Join(base, "private.key"), filepath.Join(base, "public.crt")
		me := currentUser(t)
		ca := pkitest.NewCA(t, "Rotation CA")
		ca2 := pkitest.NewCA(t, "Next CA")
		a := ca.Issue(t, pkitest.Options{})
		a2 := reissue(t, ca, a) // a renewed certificate for key A
		b := ca2.Issue(t, pkitest.Options{KeyType: pkitest.RSA})
		c := ca.Issue(t, pkitest.Options{})
		inplace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate)}}
		var keyIno uint64
		var before string
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkAbsent(base),
			Steps: []resource.TestStep{
				{
					Config:          certConfig("4.4", home, me, woBody(1, "  trusted_certificates_pem = [var.ca]\n")),
					ConfigVariables: vars("cert", a.CertPEM, "key", a.KeyPEM(t), "ca", ca.CertPEM),
					Check: resource.ComposeTestCheckFunc(checkKeyFile(keyFile, a.Key.Public()), func(*terraform.State) error {
						keyIno = inode(t, keyFile)
						return nil
					}),
				},
				{
					// Renewal: same key, new certificate; the configured key is not even read.
					Config:           certConfig("4.4", home, me, woBody(1, "  trusted_certificates_pem = [var.ca]\n")),
					ConfigVariables:  vars("cert", a2.CertPEM, "key", c.KeyPEM(t), "ca", ca.CertPEM),
					ConfigPlanChecks: inplace,
					Check: resource.ComposeTestCheckFunc(
						checkFileEquals(certFile, []byte(a2.CertPEM)),
						checkKeyFile(keyFile, a.Key.Public()),
						checkInode(t, keyFile, &keyIno),
					),
				},
				{
					// A certificate for another key without a version bump: refused, nothing written.
					PreConfig:       func() { before = snapshot(t, home) },
					Config:          certConfig("4.4", home, me, woBody(1, "  trusted_certificates_pem = [var.ca]\n")),
					ConfigVariables: vars("cert", c.CertPEM, "key", c.KeyPEM(t), "ca", ca.CertPEM),
					ExpectError:     wrapRE(`(?s)Error running pre-apply plan.*Certificate Does Not Match The Key On The Host.*bump private_key_wo_version`),
				},
				{
					// A new pair from a new CA with a bumped version: both written, the old CA's file removed.
					PreConfig: func() {
						if after := snapshot(t, home); after != before {
							t.Errorf("a refused plan changed the host:\n--- before\n%s\n--- after\n%s", before, after)
						}
					},
					Config:           certConfig("4.4", home, me, woBody(2, "  trusted_certificates_pem = [var.ca]\n")),
					ConfigVariables:  vars("cert", b.CertPEM, "key", b.LegacyKeyPEM(t), "ca", ca2.CertPEM),
					ConfigPlanChecks: inplace,
					Check: resource.ComposeTestCheckFunc(
						checkKeyFile(keyFile, b.Key.Public()),
						checkFileEquals(certFile, []byte(b.CertPEM)),
						checkAbsent(filepath.Join(base, "trusted", "trusted-"+derShort(ca.Cert)+".crt")),
						checkFileEquals(filepath.Join(base, "trusted", "trusted-"+derShort(ca2.Cert)+".crt"), []byte(ca2.CertPEM)),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("key_algorithm"), knownvalue.StringExact("RSA")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("private_key_wo_version"), knownvalue.StringExact("2")),
					},
				},
			},
		})
	})
}

// reissue makes a new certificate for p's key, signed by ca.
func reissue(t *testing.T, ca, p *pkitest.Pair) *pkitest.Pair {
	t.Helper()
	tmpl := *p.Cert
	tmpl.SerialNumber = new(big.Int).Add(p.Cert.SerialNumber, big.NewInt(1))
	tmpl.Subject.CommonName = "renewed"
	tmpl.NotAfter = time.Now().Add(60 * 24 * time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.Cert, p.Key.Public(), ca.Key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return &pkitest.Pair{Cert: cert, Key: p.Key, CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// private_key_pem (stored in the state, Sensitive) on 4.4, with owner and group given on the resource.
func TestAccPolicyCertificate_PrivateKeyPEM(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		me := currentUser(t)
		ca := pkitest.NewCA(t, "PEM CA")
		leaf := ca.Issue(t, pkitest.Options{})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkAbsent(base),
			Steps: []resource.TestStep{{
				Config: certConfig("4.4", home, me, `  certificate_pem = var.cert
  private_key_pem = var.key_pem
  owner           = "`+me.user+`"
  group           = "`+me.group+`"
  min_days_remaining = 10
`),
				ConfigVariables: vars("cert", leaf.CertPEM, "key_pem", leaf.KeyPEM(t)),
				Check: resource.ComposeTestCheckFunc(
					checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
					checkMode(filepath.Join(base, "private.key"), 0o400),
					checkMode(filepath.Join(base, "public.crt"), 0o644),
					checkMode(filepath.Join(base, "trusted", "public.crt"), 0o644),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("private_key_pem"), knownvalue.StringExact(leaf.KeyPEM(t))),
					statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("min_days_remaining"), knownvalue.Int64Exact(10)),
				},
			}},
		})
	})
}

// Every refusal is an error while planning that names the attribute and the fix, and nothing is
// written: not the certificate's files, and not the policy's directories either.
func TestAccPolicyCertificate_Refusals(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		ca := pkitest.NewCA(t, "Refusal CA")
		leaf := ca.Issue(t, pkitest.Options{})
		other := ca.Issue(t, pkitest.Options{CommonName: "other"})
		expired := ca.Issue(t, pkitest.Options{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
		future := ca.Issue(t, pkitest.Options{NotBefore: time.Now().Add(24 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour)})
		ed := ca.Issue(t, pkitest.Options{KeyType: pkitest.Ed25519})
		wo := woBody(1, "")
		for _, tc := range []struct {
			name string
			body string
			vars config.Variables
			err  string
		}{
			{"key for another certificate", wo, vars("cert", leaf.CertPEM, "key", other.KeyPEM(t)),
				`(?s)Private Key Does Not Match The Certificate.*private_key_wo.*CN=localhost`},
			{"garbage certificate PEM", wo, vars("cert", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", "key", leaf.KeyPEM(t)),
				`(?s)Invalid Certificate.*certificate_pem.*line 1 \(CERTIFICATE\): malformed PEM block`},
			{"garbage key", wo, vars("cert", leaf.CertPEM, "key", "hunter2"),
				`(?s)Invalid Private Key.*private_key_wo.*no PEM block`},
			{"private key inside certificate_pem", wo, vars("cert", leaf.CertPEM+leaf.KeyPEM(t), "key", leaf.KeyPEM(t)),
				`(?s)Invalid Certificate.*a private key where only CERTIFICATE blocks belong`},
			{"expired certificate", wo, vars("cert", expired.CertPEM, "key", expired.KeyPEM(t)),
				`(?s)Certificate Has Expired.*Issue a new certificate`},
			{"certificate not yet valid", wo, vars("cert", future.CertPEM, "key", future.KeyPEM(t)),
				`Certificate Not Yet Valid`},
			{"both key attributes", wo + "  private_key_pem = var.key_pem\n", vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t), "key_pem", leaf.KeyPEM(t)),
				`(?s)Conflicting Private Key Attributes.*Set exactly one`},
			{"neither key attribute", "  certificate_pem = var.cert\n", vars("cert", leaf.CertPEM),
				`(?s)Missing Private Key.*private_key_wo`},
			{"write-only key without version", "  certificate_pem = var.cert\n  private_key_wo = var.key\n", vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t)),
				`Missing private_key_wo_version`},
			{"Ed25519", wo, vars("cert", ed.CertPEM, "key", ed.KeyPEM(t)),
				`Unsupported Key Type`},
			{"encrypted key", wo, vars("cert", leaf.CertPEM, "key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8=\n-----END ENCRYPTED PRIVATE KEY-----\n"),
				`(?s)Encrypted Private Key.*private_key_password`},
			{"garbage CRL", wo + "  revocation_lists_pem = [var.crl]\n", vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t), "crl", leaf.CertPEM),
				`(?s)Invalid Certificate Revocation List.*revocation_lists_pem.*only X509 CRL blocks`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				home := newHome(t, realisticConf)
				me := currentUser(t)
				before := snapshot(t, home)
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy: func(*terraform.State) error {
						if after := snapshot(t, home); after != before {
							return fmt.Errorf("neo4j_home changed:\n--- before\n%s\n--- after\n%s", before, after)
						}
						return nil
					},
					Steps: []resource.TestStep{{
						Config:          certConfig("5.26", home, me, tc.body),
						ConfigVariables: tc.vars,
						// Refused while planning: nothing was applied, not even the policy.
						ExpectError: wrapRE(`(?s)Error running pre-apply plan.*` + strings.TrimPrefix(tc.err, "(?s)")),
					}},
				})
			})
		}
	})
}

// failingHost fails WriteFile for one path, to prove that apply restores what it had changed.
type failingHost struct {
	host.Host
	failPath string
}

func (h failingHost) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode, o host.Owner) error {
	if p == h.failPath {
		return fmt.Errorf("injected failure writing %s", p)
	}
	return h.Host.WriteFile(ctx, p, data, mode, o)
}

// A write that fails half way through a rotation leaves the old pair and the old trusted files in
// place: the key already replaced is restored, new files are removed.
func TestPolicyCertificateApplyRollsBack(t *testing.T) {
	home := t.TempDir()
	base := filepath.Join(home, "certificates", "p")
	for _, d := range []string{"trusted", "revoked"} {
		must(t, os.MkdirAll(filepath.Join(base, d), 0o755))
	}
	ca := pkitest.NewCA(t, "Rollback CA")
	old, next := ca.Issue(t, pkitest.Options{}), ca.Issue(t, pkitest.Options{})
	keyFile, certFile := filepath.Join(base, "private.key"), filepath.Join(base, "public.crt")
	must(t, os.WriteFile(keyFile, []byte(old.KeyPEM(t)), 0o400))
	must(t, os.WriteFile(certFile, []byte(old.CertPEM), 0o644))
	before := snapshot(t, home)

	s := map[string]string{
		"name": "p", "neo4j_version": "5.26", "neo4j_home": home, "target": "local", "base_directory": "certificates/p",
		"base_directory_path": base, "private_key_path": keyFile, "public_certificate_path": certFile,
		"trusted_dir_path": filepath.Join(base, "trusted"), "revoked_dir_path": filepath.Join(base, "revoked"),
	}
	ctx := context.Background()
	policy, diags := types.MapValueFrom(ctx, types.StringType, s)
	if diags.HasError() {
		t.Fatal(diags)
	}
	m := policyCertificateResourceModel{
		Policy: policy, CertificatePEM: types.StringValue(next.CertPEM), Owner: types.StringNull(), Group: types.StringNull(),
		TrustedCertificatesPEM: types.SetValueMust(types.StringType, []attr.Value{types.StringValue(ca.CertPEM)}),
		RevocationListsPEM:     types.SetNull(types.StringType),
	}
	mat, diags := parseCertMaterial(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	key, diags := parseCertKey(next.KeyPEM(t), path.Root("private_key_wo"))
	if diags.HasError() {
		t.Fatal(diags)
	}
	tgt := &target{Neo4jHome: home, Host: failingHost{Host: host.NewLocal(), failPath: certFile}}
	r := &policyCertificateResource{}
	_, diags = r.apply(ctx, tgt, m, mat, key, nil, certificatePrivate{})
	if !diags.HasError() || diags[0].Summary() != "Cannot Write Certificate File" || !strings.Contains(fmt.Sprint(diags), "injected failure") || !strings.Contains(fmt.Sprint(diags), "restored") {
		t.Fatalf("diags = %v", diags)
	}
	if after := snapshot(t, home); after != before {
		t.Fatalf("the host changed:\n--- before\n%s\n--- after\n%s", before, after)
	}

	// Without the failure the same apply succeeds and records the key's digest.
	tgt.Host = host.NewLocal()
	priv, diags := r.apply(ctx, tgt, m, mat, key, nil, certificatePrivate{})
	if diags.HasError() {
		t.Fatal(diags)
	}
	b, err := os.ReadFile(keyFile)
	must(t, err)
	if priv.KeyDigest == "" || certKeyDigest(priv.KeySalt, b) != priv.KeyDigest || strings.Contains(priv.KeySalt+priv.KeyDigest, string(b[30:60])) {
		t.Fatalf("private state %+v does not describe the key file", priv)
	}
	must(t, checkKeyFile(keyFile, next.Key.Public())(nil))
}

// The warnings and errors of the material check, in isolation.
func TestCheckCertMaterial(t *testing.T) {
	root := pkitest.NewCA(t, "Root")
	inter := root.IssueIntermediate(t, "Intermediate")
	leaf := inter.Issue(t, pkitest.Options{NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	stranger := pkitest.NewCA(t, "Stranger")
	crlOK, err := x509.ParseRevocationList(pemDER(t, inter.CRL(t)))
	must(t, err)
	crlStranger, err := x509.ParseRevocationList(pemDER(t, stranger.CRL(t)))
	must(t, err)
	now := time.Now()
	for _, tc := range []struct {
		name    string
		mat     certMaterial
		writing bool
		minDays int64
		want    []string // summaries, "E:" for errors, "W:" for warnings
	}{
		{"fine", certMaterial{chain: []*x509.Certificate{leaf.Cert, inter.Cert}, trusted: []*x509.Certificate{root.Cert}, crls: []*x509.RevocationList{crlOK}}, true, 5, nil},
		{"expires soon", certMaterial{chain: []*x509.Certificate{leaf.Cert}}, true, 30, []string{"W:Certificate Expires Soon"}},
		{"chain out of order", certMaterial{chain: []*x509.Certificate{leaf.Cert, root.Cert, inter.Cert}}, true, 0, []string{"W:Certificate Chain Out Of Order"}},
		{"CRL without trusted signer", certMaterial{chain: []*x509.Certificate{leaf.Cert}, crls: []*x509.RevocationList{crlStranger}}, true, 0, []string{"W:Revocation List Without A Trusted Signer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range checkCertMaterial(&tc.mat, tc.writing, tc.minDays, now) {
				sev := "W:"
				if d.Severity() == diag.SeverityError {
					sev = "E:"
				}
				got = append(got, sev+d.Summary())
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// An expired certificate is an error only when it is about to be written.
	expired := root.Issue(t, pkitest.Options{NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(-time.Hour)})
	for writing, want := range map[bool]diag.Severity{true: diag.SeverityError, false: diag.SeverityWarning} {
		ds := checkCertMaterial(&certMaterial{chain: []*x509.Certificate{expired.Cert}}, writing, 30, now)
		if len(ds) != 1 || ds[0].Severity() != want || ds[0].Summary() != "Certificate Has Expired" {
			t.Errorf("writing=%v: %v", writing, ds)
		}
	}
}

func pemDER(t *testing.T, s string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("not PEM")
	}
	return b.Bytes
}

// When the key file is written from the configuration.
func TestCertKeyMustBeWritten(t *testing.T) {
	st := policyCertificateResourceModel{PrivateKeyPEM: types.StringNull(), PrivateKeyWOVersion: types.StringValue("1")}
	same := st
	bumped := st
	bumped.PrivateKeyWOVersion = types.StringValue("2")
	toPEM := st
	toPEM.PrivateKeyPEM, toPEM.PrivateKeyWOVersion = types.StringValue("k"), types.StringNull()
	for _, tc := range []struct {
		name  string
		state *policyCertificateResourceModel
		plan  policyCertificateResourceModel
		entry string
		want  bool
	}{
		{"create", nil, same, "", true},
		{"unchanged", &st, same, "-r-------- neo4j:neo4j", false},
		{"mode drift only", &st, same, "-rw-r--r-- root:root", false},
		{"version bumped", &st, bumped, "-r-------- neo4j:neo4j", true},
		{"switched to private_key_pem", &st, toPEM, "-r-------- neo4j:neo4j", true},
		{"replaced on the host", &st, same, "-r-------- neo4j:neo4j " + keyContentChanged, true},
		{"after import", &st, same, "-r-------- neo4j:neo4j " + keyContentUnverified, true},
		{"missing", &st, same, "missing", true},
		{"symlink", &st, same, "symlink", true},
	} {
		if got := certKeyMustBeWritten(tc.state, tc.plan, tc.entry); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
