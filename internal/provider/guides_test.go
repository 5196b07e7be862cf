package provider

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/audit"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
	"github.com/dbtls/terraform-provider-dbtls/internal/probe"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// The guides in docs/guides/ each show one configuration, kept in examples/guides/<guide>/main.tf so that
// `make test` formats and validates it. The tests here apply exactly that file with the real Terraform CLI
// and a provider binary built from this tree (dev_overrides, as a user would run it; cli_test.go), against
// a throwaway NEO4J_HOME or local servers, and check what the guide says happens.

// newGuide starts a Terraform working directory holding the guide's example as main.tf. HOME points at an
// empty directory, so nothing of the machine's ~/.postgresql or ~/.terraform.d takes part.
func newGuide(t *testing.T, guide string) *tfCLI {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "guides", guide, "main.tf"))
	must(t, err)
	c := newTFCLI(t, string(src))
	c.env = append(c.env, "HOME="+t.TempDir())
	return c
}

// setVars writes the input variables into terraform.tfvars.json, replacing the previous ones.
func (c *tfCLI) setVars(vars map[string]any) {
	c.t.Helper()
	b, err := json.MarshalIndent(vars, "", "  ")
	must(c.t, err)
	must(c.t, os.WriteFile(filepath.Join(c.dir, "terraform.tfvars.json"), b, 0o600))
}

// apply runs terraform apply and fails the test unless it succeeds.
func (c *tfCLI) apply() string {
	c.t.Helper()
	return c.mustRun("apply", "-auto-approve", "-input=false")
}

// plan runs terraform plan -detailed-exitcode: 0 no changes, 1 error, 2 changes.
func (c *tfCLI) plan(extra ...string) (int, string) {
	c.t.Helper()
	return c.run(append([]string{"plan", "-detailed-exitcode", "-input=false"}, extra...)...)
}

// expectPlan asserts the exit code of terraform plan -detailed-exitcode and returns the output.
func (c *tfCLI) expectPlan(want int, why string) string {
	c.t.Helper()
	code, out := c.plan()
	if code != want {
		c.t.Fatalf("%s: terraform plan -detailed-exitcode exited %d, want %d:\n%s", why, code, want, out)
	}
	return out
}

// output decodes one root module output.
func (c *tfCLI) output(name string, v any) {
	c.t.Helper()
	out := c.mustRun("output", "-json", name)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("terraform output %s: %v\n%s", name, err, out)
	}
}

// mustMatch fails the test unless out matches every pattern.
func mustMatch(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("%s does not match %s:\n%s", what, p, out)
		}
	}
}

// checkWarnings returns the details of the warnings with the given summary in the diagnostics of a
// terraform plan -json run.
func checkWarnings(t *testing.T, jsonLines, summary string) []string {
	t.Helper()
	var details []string
	for _, line := range strings.Split(jsonLines, "\n") {
		var msg struct {
			Type       string `json:"type"`
			Diagnostic struct {
				Severity string `json:"severity"`
				Summary  string `json:"summary"`
				Detail   string `json:"detail"`
			} `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" {
			continue
		}
		if msg.Diagnostic.Severity == "warning" && msg.Diagnostic.Summary == summary {
			details = append(details, msg.Diagnostic.Detail)
		}
	}
	return details
}

// hostCheck runs a check function of the other tests (they take a *terraform.State and ignore it).
func hostCheck(t *testing.T, checks ...func(*terraform.State) error) {
	t.Helper()
	for _, f := range checks {
		if err := f(nil); err != nil {
			t.Error(err)
		}
	}
}

// ---- Migrating a hand-edited neo4j.conf ----

// handEditedBolt is what an administrator added to neo4j.conf to turn on TLS for Bolt.
const handEditedBolt = "\n# TLS for Bolt, set up by hand\n" +
	"dbms.ssl.policy.bolt.enabled=true\n" +
	"dbms.ssl.policy.bolt.base_directory=certificates/bolt\n" +
	"dbms.ssl.policy.bolt.client_auth=NONE\n" +
	"server.bolt.tls_level=OPTIONAL\n"

// The guide's example adopts a hand-made Bolt set-up: the policy and its files are imported, the
// hand-written lines are commented out in favour of the managed block, the next plan is empty, and a
// destroy gives back neo4j.conf byte for byte.
func TestAccGuide_MigratingNeo4jConf(t *testing.T) {
	t.Parallel()
	original := append(append([]byte{}, realisticConf...), handEditedBolt...)
	home := newHome(t, original)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	base := filepath.Join(home, "certificates", "bolt")
	me := currentUser(t)
	ca := pkitest.NewCA(t, "Hand-made CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})
	// The hand-made tree: a key readable by its group, the certificate, the CA under a name of its own.
	for _, d := range []string{"trusted", "revoked"} {
		must(t, os.MkdirAll(filepath.Join(base, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(base, "private.key"), []byte(leaf.KeyPEM(t)), 0o640))
	must(t, os.WriteFile(filepath.Join(base, "public.crt"), []byte(leaf.CertPEM), 0o644))
	must(t, os.WriteFile(filepath.Join(base, "trusted", "ca.crt"), []byte(ca.CertPEM), 0o644))

	c := newGuide(t, "migrating-neo4j-conf")
	c.setVars(map[string]any{
		"neo4j_home": home, "owner": me.user, "group": me.group,
		"certificate_pem": leaf.CertPEM, "private_key_pem": leaf.KeyPEM(t), "ca_certificate_pem": ca.CertPEM,
	})

	code, out := c.plan()
	if code != 2 {
		t.Fatalf("first plan exited %d, want 2:\n%s", code, out)
	}
	mustMatch(t, "the first plan", out,
		`dbtls_ssl_policy\.bolt: Preparing import\.\.\. \[id=bolt\]`,
		`dbtls_policy_certificate\.bolt: Preparing import\.\.\. \[id=bolt\]`,
		`(?s)# dbtls_channel_binding\.bolt will be created.*commented_out += \[\s*\+ "dbms\.ssl\.policy\.bolt\.enabled=true",`,
		`Plan: 2 to import, 1 to add, 2 to change, 0 to destroy\.`,
	)
	c.apply()

	b, err := os.ReadFile(conf)
	must(t, err)
	for _, l := range []string{"dbms.ssl.policy.bolt.enabled=true", "dbms.ssl.policy.bolt.base_directory=certificates/bolt",
		"dbms.ssl.policy.bolt.client_auth=NONE", "server.bolt.tls_level=OPTIONAL"} {
		if !bytes.Contains(b, []byte("\n#dbtls-commented-out[dbtls_channel_binding bolt] "+l+"\n")) {
			t.Errorf("neo4j.conf lacks the commented-out %q:\n%s", l, b)
		}
	}
	hostCheck(t,
		checkFileLines(conf, "server.bolt.tls_level=REQUIRED", "dbms.ssl.policy.bolt.tls_versions=TLSv1.2,TLSv1.3", "dbms.ssl.policy.bolt.enabled=true"),
		checkBlockCount(conf, 1),
		checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
		checkMode(filepath.Join(base, "private.key"), 0o400),
		checkFileEquals(filepath.Join(base, "trusted", "public.crt"), []byte(leaf.CertPEM)),
		checkFileEquals(filepath.Join(base, "trusted", "trusted-"+derShort(ca.Cert)+".crt"), []byte(ca.CertPEM)),
		// Not named as this provider names trusted files: left alone.
		checkFileEquals(filepath.Join(base, "trusted", "ca.crt"), []byte(ca.CertPEM)),
	)
	// With the block removed and the lines restored, the file is the hand-edited one.
	parsed, err := neo4j.ParseConf(b)
	must(t, err)
	restored, err := neo4j.ParseConf(parsed.RestoreCommented(neo4j.BindingBlockID("bolt")))
	must(t, err)
	if got := restored.RemoveBlock(neo4j.BindingBlockID("bolt")); !bytes.Equal(got, original) {
		t.Errorf("neo4j.conf changed outside the block and the commented-out lines:\n%q", got)
	}
	var commented []string
	c.output("commented_out", &commented)
	if strings.Join(commented, "|") != "dbms.ssl.policy.bolt.enabled=true|dbms.ssl.policy.bolt.base_directory=certificates/bolt|dbms.ssl.policy.bolt.client_auth=NONE|server.bolt.tls_level=OPTIONAL" {
		t.Errorf("commented_out = %q", commented)
	}

	c.expectPlan(0, "the plan after the migration")

	// Nothing of the adopted set-up is removed, so the destroy plan has nothing to warn about.
	if _, out := c.run("plan", "-destroy", "-input=false"); strings.Contains(out, "Destroy Leaves neo4j.conf Naming Removed Files") {
		t.Errorf("the destroy plan warns although every file it would leave is adopted:\n%s", out)
	}
	out = c.mustRun("destroy", "-auto-approve")
	mustMatch(t, "destroy", out, `Directory Left In Place`, `File Left In Place`)
	// neo4j.conf is the hand-edited file again, and the adopted key and certificate it names are still
	// there (the key as the last apply wrote it: the same key, PKCS#8, mode 0400), so Neo4j starts as
	// before. What the provider added (the duplicated certificate and the CA under its own name) is gone.
	hostCheck(t,
		checkFileEquals(conf, original),
		checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
		checkFileEquals(filepath.Join(base, "public.crt"), []byte(leaf.CertPEM)),
		checkAbsent(filepath.Join(base, "trusted", "public.crt"), filepath.Join(base, "trusted", "trusted-"+derShort(ca.Cert)+".crt")),
		checkFileEquals(filepath.Join(base, "trusted", "ca.crt"), []byte(ca.CertPEM)),
	)
}

// Files the provider created (nothing was imported) under hand-written lines that a binding commented out:
// the destroy would restore the lines and remove the files they name, so the destroy plan says so. The
// guide's way out, removed blocks, stops managing everything and leaves the host as it is.
func TestAccDestroyWarnsWhenConfNamesRemovedFiles(t *testing.T) {
	t.Parallel()
	original := append(append([]byte{}, realisticConf...), handEditedBolt...)
	home := newHome(t, original)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	base := filepath.Join(home, "certificates", "bolt")
	ca := pkitest.NewCA(t, "Destroy warning CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})
	managed := fmt.Sprintf(`
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

provider "dbtls" {
  neo4j_version = "5.26"
  neo4j_home    = %q
}

resource "dbtls_ssl_policy" "bolt" {
  name = "bolt"
}

resource "dbtls_policy_certificate" "bolt" {
  policy          = dbtls_ssl_policy.bolt.settings
  certificate_pem = %q
  private_key_pem = %q
}

resource "dbtls_channel_binding" "bolt" {
  channel     = "bolt"
  policy      = dbtls_ssl_policy.bolt.settings
  on_conflict = "comment_out"
}
`, home, leaf.CertPEM, leaf.KeyPEM(t))
	c := newTFCLI(t, managed)
	c.mustRun("apply", "-auto-approve", "-input=false")

	code, out := c.run("plan", "-destroy", "-input=false")
	if code != 0 {
		t.Fatalf("plan -destroy exited %d:\n%s", code, out)
	}
	mustMatch(t, "the destroy plan", out,
		`Warning: Destroy Leaves neo4j.conf Naming Removed Files`,
		regexp.QuoteMeta(filepath.Join(base, "private.key")),
		`dbms\.ssl\.policy\.bolt\.base_directory=certificates/bolt`,
		`commented out by\s+dbtls_channel_binding bolt`,
		`removed`,
	)

	// The way out: removed blocks. Terraform forgets the resources; the host keeps every file and line.
	before := snapshot(t, home)
	must(t, os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(fmt.Sprintf(`
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

provider "dbtls" {
  neo4j_version = "5.26"
  neo4j_home    = %q
}

removed {
  from = dbtls_channel_binding.bolt
  lifecycle {
    destroy = false
  }
}

removed {
  from = dbtls_policy_certificate.bolt
  lifecycle {
    destroy = false
  }
}

removed {
  from = dbtls_ssl_policy.bolt
  lifecycle {
    destroy = false
  }
}
`, home)), 0o600))
	out = c.mustRun("apply", "-auto-approve", "-input=false")
	mustMatch(t, "the apply of the removed blocks", out, `0 added, 0 changed, 0 destroyed`)
	if after := snapshot(t, home); after != before {
		t.Errorf("removed blocks changed the host:\n--- before\n%s\n--- after\n%s", before, after)
	}
	if st := c.mustRun("state", "list"); strings.TrimSpace(st) != "" {
		t.Errorf("the state still holds %q", st)
	}
	hostCheck(t, checkFileLines(conf, "dbms.ssl.policy.bolt.enabled=true"), checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()))
}

// ---- Rotating certificates without downtime ----

// The guide's sequence on one member: a renewal for the same key leaves the key file alone; the new CA is
// trusted before anything else changes; a certificate for a new key without a new key_version is refused
// while planning; the new key and certificate replace the old ones in place; then the old CA goes.
func TestAccGuide_RotatingCertificates(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "cluster")
	keyFile, certFile := filepath.Join(base, "private.key"), filepath.Join(base, "public.crt")
	me := currentUser(t)
	oldCA, newCA := pkitest.NewCA(t, "Old cluster CA"), pkitest.NewCA(t, "New cluster CA")
	oldTrust := filepath.Join(base, "trusted", "trusted-"+derShort(oldCA.Cert)+".crt")
	newTrust := filepath.Join(base, "trusted", "trusted-"+derShort(newCA.Cert)+".crt")
	first := oldCA.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})
	renewed := reissue(t, oldCA, first)
	next := newCA.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})

	c := newGuide(t, "rotating-certificates")
	step := func(cas []*pkitest.Pair, leaf *pkitest.Pair, keyVersion int) {
		t.Helper()
		var pems []string
		for _, ca := range cas {
			pems = append(pems, ca.CertPEM)
		}
		c.setVars(map[string]any{
			"neo4j_home": home, "owner": me.user, "group": me.group, "trusted_ca_pems": pems,
			"certificate_pem": leaf.CertPEM, "private_key_pem": leaf.KeyPEM(t), "key_version": keyVersion,
		})
	}
	inPlace := `Plan: 0 to add, 1 to change, 0 to destroy\.`

	step([]*pkitest.Pair{oldCA}, first, 1)
	c.apply()
	hostCheck(t, checkKeyFile(keyFile, first.Key.Public()), checkFileEquals(certFile, []byte(first.CertPEM)), checkAbsent(newTrust))
	keyIno := inode(t, keyFile)

	// A renewal for the same key: the certificate changes, the key file is not even rewritten.
	step([]*pkitest.Pair{oldCA}, renewed, 1)
	mustMatch(t, "the renewal's plan", c.expectPlan(2, "renewal"), inPlace)
	c.apply()
	hostCheck(t, checkFileEquals(certFile, []byte(renewed.CertPEM)), checkInode(t, keyFile, &keyIno))

	// 1. Trust the new CA next to the old one.
	step([]*pkitest.Pair{oldCA, newCA}, renewed, 1)
	mustMatch(t, "the trust overlap's plan", c.expectPlan(2, "trust overlap"), inPlace, `\+ "`+regexp.QuoteMeta(newTrust)+`"`)
	c.apply()
	hostCheck(t, checkFileEquals(newTrust, []byte(newCA.CertPEM)), checkFileEquals(oldTrust, []byte(oldCA.CertPEM)),
		checkInode(t, keyFile, &keyIno), checkFileEquals(certFile, []byte(renewed.CertPEM)))

	// 2a. A certificate for a new key with the old key_version: refused while planning, nothing written.
	before := snapshot(t, home)
	step([]*pkitest.Pair{oldCA, newCA}, next, 1)
	code, out := c.plan()
	if code != 1 {
		t.Fatalf("a new key without a new key_version planned with exit %d, want 1:\n%s", code, out)
	}
	mustMatch(t, "the refused plan", out, `Certificate Does Not Match The Key On The Host`)
	if after := snapshot(t, home); after != before {
		t.Errorf("a refused plan changed the host")
	}

	// 2b. The new key and certificate, with a new key_version: both replaced, in place.
	step([]*pkitest.Pair{oldCA, newCA}, next, 2)
	mustMatch(t, "the rotation's plan", c.expectPlan(2, "rotation"), inPlace)
	c.apply()
	hostCheck(t, checkKeyFile(keyFile, next.Key.Public()), checkMode(keyFile, 0o400), checkFileEquals(certFile, []byte(next.CertPEM)),
		checkFileEquals(filepath.Join(base, "trusted", "public.crt"), []byte(next.CertPEM)), checkFileEquals(oldTrust, []byte(oldCA.CertPEM)))
	var got struct {
		Issuer string `json:"issuer"`
	}
	c.output("certificate", &got)
	if got.Issuer != "CN=New cluster CA,O=dbtls tests" {
		t.Errorf("output certificate.issuer = %q", got.Issuer)
	}

	// 3. Once every member presents a certificate from the new CA: drop the old one.
	step([]*pkitest.Pair{newCA}, next, 2)
	mustMatch(t, "the clean-up's plan", c.expectPlan(2, "old CA removed"), inPlace, `- "`+regexp.QuoteMeta(oldTrust)+`"`)
	c.apply()
	hostCheck(t, checkAbsent(oldTrust), checkFileEquals(newTrust, []byte(newCA.CertPEM)), checkKeyFile(keyFile, next.Key.Public()))
	c.expectPlan(0, "after the rotation")
}

// ---- Neon and PostgreSQL: from sslmode=require to verify-full ----

// The guide's example against local PostgreSQL servers standing in for Neon: hostssl only (Neon refuses
// plaintext), and one that also accepts plaintext. The provider's "system trust store" is the test CAs
// (Go reads SSL_CERT_FILE and SSL_CERT_DIR), as Neon's public CA is in a real one.
func TestAccGuide_NeonVerifyFull(t *testing.T) {
	endpointAccParallel(t)
	neon := sharedEndpointServer(t, "hostssl-only")
	lax := sharedEndpointServer(t, "tls-and-plain")
	c := newGuide(t, "neon-verify-full")
	roots := testenv.WriteFile(t, t.TempDir(), "roots.pem", []byte(neon.caPEM+lax.caPEM))
	c.env = append(c.env, "SSL_CERT_FILE="+roots, "SSL_CERT_DIR="+t.TempDir())
	url := func(s *endpointServer, mode string) string {
		return fmt.Sprintf("postgresql://app:secret@localhost:%d/appdb?hostaddr=127.0.0.1&sslmode=%s", s.srv.Port, mode)
	}
	type result struct {
		asDeployed []string
		compliant  bool
		out        string
	}
	run := func(databaseURL string) result {
		t.Helper()
		c.setVars(map[string]any{"database_url": databaseURL})
		r := result{out: c.apply()}
		c.output("as_deployed", &r.asDeployed)
		c.output("verify_full_compliant", &r.compliant)
		return r
	}
	codes := func(vs []string) string {
		var out []string
		for _, v := range vs {
			code, _, _ := strings.Cut(v, ":")
			out = append(out, code)
		}
		return strings.Join(out, ",")
	}

	// sslmode=require: encrypted, but nobody checks who answers. verify-full connects.
	r := run(url(neon, "require"))
	if codes(r.asDeployed) != "VERIFICATION_SKIPPED" || !r.compliant {
		t.Errorf("sslmode=require: as_deployed %q, verify_full compliant %v", r.asDeployed, r.compliant)
	}
	if strings.Contains(r.out, "Check block assertion failed") {
		t.Errorf("a check failed:\n%s", r.out)
	}
	var fixed string
	c.output("verify_full_url", &fixed)
	if want := strings.Replace(url(neon, "require"), "sslmode=require", "sslmode=verify-full", 1) + "&sslrootcert=system"; fixed != want {
		t.Errorf("verify_full_url = %q, want %q", fixed, want)
	}

	// sslmode=disable (or a driver that never asks for TLS): refused, the "SSL Required" case; the
	// verify-full string made from it works.
	r = run(url(neon, "disable"))
	if codes(r.asDeployed) != "NOT_CONNECTABLE,TLS_NOT_REQUIRED" || !r.compliant {
		t.Errorf("sslmode=disable: as_deployed %q, verify_full compliant %v", r.asDeployed, r.compliant)
	}

	// A server that also accepts plaintext: both checks fail, as warnings; the apply goes on.
	r = run(url(lax, "require"))
	if codes(r.asDeployed) != "VERIFICATION_SKIPPED,PLAINTEXT_ACCEPTED" || r.compliant {
		t.Errorf("lax server: as_deployed %q, verify_full compliant %v", r.asDeployed, r.compliant)
	}
	mustMatch(t, "the apply against a lax server", r.out,
		`(?s)Warning: Check block assertion failed.*The server accepts sessions without TLS`,
		`(?s)Warning: Check block assertion failed.*PLAINTEXT_ACCEPTED: `)
	if strings.Contains(r.out, "secret") {
		t.Errorf("the password appears in Terraform's output:\n%s", r.out)
	}
}

// ---- Drift detection on a schedule ----

// The guide's scheduled plan: exit 0 and no warning when host and endpoint are as declared; exit 2 with
// the repairs when the host drifted; exit 1 when a foreign line collides with a binding; exit 0 with a
// check warning naming the violation when the endpoint drifted.
func TestAccGuide_DriftDetection(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	base := filepath.Join(home, "certificates", "bolt")
	me := currentUser(t)
	ca := pkitest.NewCA(t, "Drift guide CA")
	leaf := ca.Issue(t, pkitest.Options{})
	serverTLS := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Cert.Raw}, PrivateKey: leaf.Key}}, MinVersion: tls.VersionTLS13}
	strict := testenv.StartBolt(t, testenv.BoltConfig{TLS: serverTLS})
	optional := testenv.StartBolt(t, testenv.BoltConfig{TLS: serverTLS, AllowPlaintext: true})
	boltURL := func(s *testenv.BoltServer) string {
		_, port, err := net.SplitHostPort(s.Addr)
		must(t, err)
		return "neo4j+s://localhost:" + port
	}
	vars := map[string]any{
		"neo4j_home": home, "owner": me.user, "group": me.group, "certificate_pem": leaf.CertPEM,
		"private_key_pem": leaf.KeyPEM(t), "ca_certificate_pem": ca.CertPEM, "bolt_url": boltURL(strict),
	}
	c := newGuide(t, "drift-detection")
	c.setVars(vars)
	c.apply()

	scheduled := func(want int, why string) string {
		t.Helper()
		code, out := c.plan("-json")
		if code != want {
			t.Fatalf("%s: the scheduled plan exited %d, want %d:\n%s", why, code, want, out)
		}
		return out
	}
	if w := checkWarnings(t, scheduled(0, "converged"), "Check block assertion failed"); len(w) != 0 {
		t.Errorf("converged, but a check failed: %q", w)
	}

	// The host drifts: a directory's mode, the key's mode, a line inside the binding's block.
	must(t, os.Chmod(filepath.Join(base, "trusted"), 0o700))
	must(t, os.Chmod(filepath.Join(base, "private.key"), 0o644))
	b, err := os.ReadFile(conf)
	must(t, err)
	must(t, os.WriteFile(conf, bytes.Replace(b, []byte("server.bolt.tls_level=REQUIRED"), []byte("server.bolt.tls_level=OPTIONAL"), 1), 0o640))
	owner := me.user + ":" + me.group
	out := c.expectPlan(2, "drifted host")
	mustMatch(t, "the plan of a drifted host", out,
		`# dbtls_ssl_policy\.bolt will be updated in-place`,
		regexp.QuoteMeta(`"drwx------ `+owner+`" -> "drwxr-xr-x `+owner+`"`),
		`# dbtls_policy_certificate\.bolt will be updated in-place`,
		regexp.QuoteMeta(`"-rw-r--r-- `+owner+`" -> "-r-------- `+owner+`"`),
		`# dbtls_channel_binding\.bolt will be updated in-place`,
		`- server\.bolt\.tls_level=OPTIONAL`,
		`\+ server\.bolt\.tls_level=REQUIRED`,
		`Plan: 0 to add, 3 to change, 0 to destroy\.`,
	)
	c.apply()
	hostCheck(t, checkDir(filepath.Join(base, "trusted"), 0o755, -1, -1), checkMode(filepath.Join(base, "private.key"), 0o400),
		checkFileLines(conf, "server.bolt.tls_level=REQUIRED"))
	scheduled(0, "repaired")

	// A foreign line sets a key the binding owns: the plan fails and names the line.
	b, err = os.ReadFile(conf)
	must(t, err)
	must(t, os.WriteFile(conf, append(append([]byte{}, b...), "\nserver.bolt.tls_level=OPTIONAL\n"...), 0o640))
	code, out := c.plan()
	if code != 1 {
		t.Fatalf("a colliding foreign line: exit %d, want 1:\n%s", code, out)
	}
	mustMatch(t, "the plan with a colliding line", out, `(?s)Conflicting Setting In neo4j\.conf.*server\.bolt\.tls_level`)
	must(t, os.WriteFile(conf, b, 0o640))
	scheduled(0, "the foreign line removed")

	// The endpoint drifts: Bolt also accepts plaintext. Nothing to change, so the exit code stays 0; the
	// check's warning says why.
	vars["bolt_url"] = boltURL(optional)
	c.setVars(vars)
	w := checkWarnings(t, scheduled(0, "endpoint drift"), "Check block assertion failed")
	if len(w) != 1 || !strings.HasPrefix(w[0], "PLAINTEXT_ACCEPTED: ") {
		t.Errorf("check warnings %q, want one PLAINTEXT_ACCEPTED", w)
	}
}

// The drift guide's table of violation codes is every code of internal/probe, in the order they are
// reported, so that it cannot fall behind the data source.
func TestDriftGuideListsViolationCodes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "templates", "guides", "drift-detection.md.tmpl"))
	must(t, err)
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\|")
	var documented []string
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented = append(documented, m[1])
	}
	var codes []string
	for _, c := range probe.ViolationCodes {
		codes = append(codes, c.Code)
	}
	if strings.Join(documented, ",") != strings.Join(codes, ",") {
		t.Errorf("the drift guide's violation codes are\n  %v\nbut internal/probe reports\n  %v", documented, codes)
	}
}

// ---- Securing a Neo4j 5 cluster ----

// The guide's example on three members (the three ports of the shared sshd, each with a NEO4J_HOME of
// its own), logging in as a deploy user with sudo where the machine has one: Bolt and HTTPS with
// separate "public" certificates, cluster and backup with the cluster CA; the next plan is empty and a
// destroy leaves the members as they were.
func TestAccGuide_SecuringNeo4j5Cluster(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	sshd := testenv.SharedSSHD(t)
	tf := newGuide(t, "securing-neo4j-5-cluster")
	module, err := filepath.Abs(filepath.Join("..", "..", "examples", "modules", "neo4j-cluster-tls"))
	must(t, err)
	main := filepath.Join(tf.dir, "main.tf")
	src, err := os.ReadFile(main)
	must(t, err)
	must(t, os.WriteFile(main, []byte(strings.Replace(string(src), `"../../modules/neo4j-cluster-tls"`, strconv.Quote(module), 1)), 0o600))

	user, sudo := sshd.User, false
	if sshd.SudoUser != "" {
		user, sudo = sshd.SudoUser, true
	}
	// A user with a group of the same name, as the module takes owner for both (neo4j:neo4j on a real
	// member); the tests run as root.
	requireRoot(t)
	owner := "postgres"
	clusterCA := pkitest.NewCA(t, "cluster CA")
	publicCA := pkitest.NewCA(t, "public CA")
	members, certs, keys, pubCerts, pubKeys := map[string]any{}, map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
	var knownHosts strings.Builder
	homes := map[string]string{}
	before := map[string]string{}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("graph-%d", i+1)
		home := newHome(t, []byte("# Neo4j 5\nserver.default_listen_address=0.0.0.0\n"))
		homes[name], before[name] = home, snapshot(t, home)
		members[name] = map[string]any{"host": sshd.Host, "port": sshd.Ports[i], "neo4j_home": home}
		leaf := clusterCA.Issue(t, pkitest.Options{CommonName: name + ".internal"})
		pub := publicCA.Issue(t, pkitest.Options{CommonName: name + ".example.com", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		certs[name], keys[name] = leaf.CertPEM, leaf.KeyPEM(t)
		pubCerts[name], pubKeys[name] = pub.CertPEM, pub.KeyPEM(t)
		knownHosts.WriteString(sshd.KnownHostsFor(sshd.Ports[i]))
	}
	tf.setVars(map[string]any{
		"members": members, "ssh_user": user, "ssh_private_key": sshd.ClientKey, "known_hosts": knownHosts.String(),
		"sudo": sudo, "owner": owner, "cluster_ca_pem": clusterCA.CertPEM,
		"member_certificates_pem": certs, "member_private_keys_pem": keys,
		"public_certificates_pem": pubCerts, "public_private_keys_pem": pubKeys,
	})
	tf.mustRun("get")
	tf.apply()
	for name, home := range homes {
		conf := filepath.Join(home, "conf", "neo4j.conf")
		hostCheck(t,
			checkFileLines(conf, "server.bolt.tls_level=REQUIRED", "server.https.enabled=true", "dbms.ssl.policy.bolt.client_auth=NONE",
				"dbms.ssl.policy.cluster.client_auth=REQUIRE", "dbms.ssl.policy.backup.client_auth=REQUIRE"),
			checkBlockCount(conf, 4),
			checkFileMode(filepath.Join(home, "certificates", "cluster_policy", "private.key"), 0o400),
		)
		got, err := os.ReadFile(filepath.Join(home, "certificates", "client_policy", "public.crt"))
		must(t, err)
		if strings.TrimSpace(string(got)) != strings.TrimSpace(pubCerts[name]) {
			t.Errorf("%s: Bolt/HTTPS do not present the public certificate", name)
		}
		got, err = os.ReadFile(filepath.Join(home, "certificates", "cluster_policy", "public.crt"))
		must(t, err)
		if strings.TrimSpace(string(got)) != strings.TrimSpace(certs[name]) {
			t.Errorf("%s: the cluster channel does not present the cluster certificate", name)
		}
	}
	tf.expectPlan(0, "right after apply")
	tf.mustRun("destroy", "-auto-approve", "-input=false")
	// The lock file beside neo4j.conf stays by design (removing it would race with waiting writers).
	withoutLock := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, ".neo4j.conf.dbtls.lock") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	for name, home := range homes {
		if after := withoutLock(snapshot(t, home)); after != before[name] {
			t.Errorf("%s: destroy did not give the member back as it was:\n--- before\n%s\n--- after\n%s", name, before[name], after)
		}
	}
}

// ---- Auditing a Neo4j host against the security checklist ----

// The guide's example on a stock 5.26 neo4j.conf: the scheduled plan is empty and no check fails; the
// host opened to the network makes the check warn with the two 3a findings (still exit code 0); undone,
// the warning goes.
func TestAccGuide_Neo4jSecurityAudit(t *testing.T) {
	t.Parallel()
	stock, err := os.ReadFile(filepath.Join("..", "audit", "testdata", "neo4j-5.26.conf"))
	must(t, err)
	home := newHome(t, stock)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	me := currentUser(t)
	c := newGuide(t, "neo4j-security-audit")
	c.setVars(map[string]any{"neo4j_home": home, "neo4j_user": me.user})
	c.apply()
	scheduled := func(why string) []string {
		t.Helper()
		code, out := c.plan("-json")
		if code != 0 {
			t.Fatalf("%s: the scheduled plan exited %d, want 0:\n%s", why, code, out)
		}
		return checkWarnings(t, out, "Check block assertion failed")
	}
	if w := scheduled("stock"); len(w) != 0 {
		t.Errorf("a stock host fails a check: %q", w)
	}
	must(t, os.WriteFile(conf, bytes.Replace(stock, []byte("#server.default_listen_address=0.0.0.0"), []byte("server.default_listen_address=0.0.0.0"), 1), 0o640))
	w := scheduled("opened")
	if len(w) != 1 || !strings.Contains(w[0], "BOLT_PLAINTEXT_OFF_LOOPBACK (checklist 3a)") || !strings.Contains(w[0], "HTTP_OFF_LOOPBACK (checklist 3a)") {
		t.Errorf("check warnings %q, want the two 3a findings", w)
	}
	must(t, os.WriteFile(conf, stock, 0o640))
	if w := scheduled("closed again"); len(w) != 0 {
		t.Errorf("check warnings after the fix: %q", w)
	}
}

// The audit guide's table of finding codes is every code of internal/audit, in its order.
func TestAuditGuideListsCodes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "templates", "guides", "neo4j-security-audit.md.tmpl"))
	must(t, err)
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([0-9a-z—]+) \\| (error|warning|info) \\|")
	var documented []string
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented = append(documented, m[1]+"/"+m[2]+"/"+m[3])
	}
	var codes []string
	for _, c := range audit.Codes {
		item := c.ChecklistItem
		if item == "" {
			item = "—"
		}
		codes = append(codes, c.Code+"/"+item+"/"+string(c.Severity))
	}
	if strings.Join(documented, ",") != strings.Join(codes, ",") {
		t.Errorf("the audit guide's codes are\n  %v\nbut internal/audit reports\n  %v", documented, codes)
	}
}
