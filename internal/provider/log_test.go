package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// TestAccProviderLogTrace applies a policy and its certificate with the real Terraform CLI and
// TF_LOG=TRACE, the log going to a file of the test's own (TF_LOG_PATH, in the environment of that
// terraform process only), and reads that file: the debug lines of the reconcile layer and of the
// host boundary are there (host, file, bytes, lock waits); no byte of the private key is anywhere in
// the log, and no line of a certificate's body is in the provider's own lines.
func TestAccProviderLogTrace(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		me := currentUser(t)
		ca := pkitest.NewCA(t, "Log CA")
		leaf := ca.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})
		needles := secretNeedles(t, leaf)
		c := newTFCLI(t, "terraform {\n  required_providers {\n    dbtls = { source = \"dbtls/dbtls\" }\n  }\n}\n"+
			certConfig("3.5", home, me, woBody(1, "  trusted_certificates_pem = [var.ca]\n")))
		logFile := filepath.Join(t.TempDir(), "terraform.log")
		c.env = append(c.env, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile,
			"TF_VAR_cert="+leaf.CertPEM, "TF_VAR_key="+leaf.LegacyKeyPEM(t), "TF_VAR_ca="+ca.CertPEM)
		c.mustRun("apply", "-auto-approve", "-input=false")
		b, err := os.ReadFile(logFile)
		must(t, err)
		// The key, written through private_key_wo, reaches no line of the log, whoever wrote it.
		keyBody := slices.DeleteFunc(slices.Clone(needles), func(n string) bool { return n == "PRIVATE KEY" })
		if n := findSecret(b, keyBody); n != "" {
			t.Errorf("the TRACE log holds private key material (%.20q...)", n)
		}
		// The provider's own lines (logger "dbtls") carry no key and no certificate body. (At TRACE the
		// framework logs attribute paths that include set elements, and Terraform logs values, so
		// certificate bodies appear in their lines; neither is this provider's to change.)
		own := providerLogRecords(string(b))
		if n := findSecret([]byte(own), needles); n != "" {
			t.Errorf("the provider's log lines hold private key material (%.20q...)", n)
		}
		for _, p := range []string{leaf.CertPEM, ca.CertPEM} {
			for _, l := range strings.Split(p, "\n") {
				if len(l) >= 16 && !strings.HasPrefix(l, "-----") && strings.Contains(own, l) {
					t.Errorf("the provider's log lines hold a line of a certificate's body (%.20q...)", l)
				}
			}
		}
		log := own
		base := filepath.Join(home, "certificates", "example_policy")
		// What an operator needs when an apply fails: every step, with its host, file, size and time.
		for _, want := range []string{
			"editing neo4j.conf", "neo4j.conf locked", "lock_wait=", "neo4j.conf written", "host lock taken", "host lock released",
			"ensuring the policy's directories", "policy directories ensured", "host mkdir",
			"writing the policy's certificate files", "file set written", "host write file", "bytes=",
			filepath.Join(base, "private.key"), filepath.Join(home, "conf", "neo4j.conf"), "duration=",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("the provider's TRACE log lacks %q", want)
			}
		}
		if t.Failed() {
			t.Logf("log file %s (%d bytes), the provider's lines:\n%s", logFile, len(b), own)
		}
	})
}

// logRecordStart matches the first line of an hclog record; the lines after it, up to the next such
// line, continue it (multi-line values).
var logRecordStart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\S+ \[[A-Z]+\] `)

// providerLogRecords returns the records the provider's own logger ("dbtls") wrote, continuation
// lines included.
func providerLogRecords(log string) string {
	var out strings.Builder
	mine := false
	for _, l := range strings.Split(log, "\n") {
		if loc := logRecordStart.FindStringIndex(l); loc != nil {
			// Terraform writes what the provider logged as "provider.terraform-provider-dbtls: <message>:
			// <fields>", where @module names the provider's logger.
			rest := l[loc[1]:]
			mine = strings.HasPrefix(rest, "provider.terraform-provider-dbtls: ") && strings.Contains(rest, "@module=dbtls ")
		}
		if mine {
			out.WriteString(l)
			out.WriteByte('\n')
		}
	}
	return out.String()
}
