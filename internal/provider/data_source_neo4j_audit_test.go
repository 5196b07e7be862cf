package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// stockConf reads a stock neo4j.conf test fixture of internal/audit.
func stockConf(t *testing.T, version string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "audit", "testdata", "neo4j-"+version+".conf"))
	must(t, err)
	return data
}

// checkAuditCodes compares the codes of a dbtls_neo4j_audit's findings with want (sorted).
func checkAuditCodes(name string, want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		var got []string
		for k, v := range rs.Primary.Attributes {
			if strings.HasPrefix(k, "findings.") && strings.HasSuffix(k, ".code") {
				got = append(got, v)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s: codes %v, want %v\nsummary: %s", name, got, want, rs.Primary.Attributes["summary"])
		}
		return nil
	}
}

// The audit of a 5.26 host opened to the network, with a world-writable neo4j.conf and plugins
// directory and a Bolt policy whose certificate is self-signed and whose key any user can read, locally
// and over SSH: the exact codes, the verdict, the effective settings, and nothing on the host changed.
func TestAccNeo4jAudit_OpenHost(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		conf := []byte(strings.Replace(string(stockConf(t, "5.26")), "#server.default_listen_address=0.0.0.0", "server.default_listen_address=0.0.0.0", 1))
		home := newHome(t, conf)
		confPath := filepath.Join(home, "conf", "neo4j.conf")
		must(t, os.Chmod(confPath, 0o646))
		must(t, os.Mkdir(filepath.Join(home, "plugins"), 0o777))
		must(t, os.Chmod(filepath.Join(home, "plugins"), 0o777))
		// A Bolt policy with a self-signed certificate and a key every user can read.
		conf = append(conf, "\ndbms.ssl.policy.bolt.enabled=true\n"...)
		must(t, os.WriteFile(confPath, conf, 0o646))
		must(t, os.Chmod(confPath, 0o646))
		ca := pkitest.NewCA(t, "self-signed")
		bolt := filepath.Join(home, "certificates", "bolt")
		must(t, os.MkdirAll(bolt, 0o755))
		must(t, os.WriteFile(filepath.Join(bolt, "public.crt"), []byte(ca.CertPEM), 0o644))
		must(t, os.WriteFile(filepath.Join(bolt, "private.key"), []byte(ca.KeyPEM(t)), 0o644))
		before := snapshot(t, home)
		cfg := providerBlock("5.26", home) + `
data "dbtls_neo4j_audit" "a" {
  neo4j_user = "root"
}
data "dbtls_neo4j_audit" "ignoring" {
  neo4j_user = "root"
  ignore     = ["HTTP_OFF_LOOPBACK", "BOLT_PLAINTEXT_OFF_LOOPBACK", "CONF_WORLD_WRITABLE", "DIR_WRITABLE"]
}
`
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					checkAuditCodes("data.dbtls_neo4j_audit.a", "BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED",
						"CERT_SELF_SIGNED", "CONF_WORLD_WRITABLE", "DIR_WRITABLE", "HTTP_OFF_LOOPBACK", "KEY_PERMISSIONS"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "passed", "false"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.default_listen_address", "0.0.0.0"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.bolt.tls_level", "DISABLED"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.directories.import", "import"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "findings.0.severity", "error"),
					resource.TestMatchResourceAttr("data.dbtls_neo4j_audit.a", "summary", regexp.MustCompile(`^Neo4j 5\.26 at .*: 5 errors, 1 warning, 1 note\. .*Not passed`)),
					checkAuditCodes("data.dbtls_neo4j_audit.ignoring", "BROWSER_CREDENTIALS_RETAINED", "CERT_SELF_SIGNED", "KEY_PERMISSIONS"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.ignoring", "passed", "false"),
					func(*terraform.State) error {
						if after := snapshot(t, home); after != before {
							return fmt.Errorf("the audit changed the host:\n%s\n---\n%s", before, after)
						}
						return nil
					},
				),
			}},
		})
	})
}

// The untouched stock files of every family pass (the Browser note aside).
func TestAccNeo4jAudit_StockFiles(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"3.5", "4.4", "5.26"} {
		t.Run(v, func(t *testing.T) { testAuditStock(t, v) })
	}
}

func testAuditStock(t *testing.T, v string) {
	{
		home := newHome(t, stockConf(t, v))
		want := []string{"BROWSER_CREDENTIALS_RETAINED"}
		if v == "3.5" {
			want = append(want, "HTTPS_WITHOUT_POLICY")
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: providerBlock(v, home) + "data \"dbtls_neo4j_audit\" \"a\" {\n  neo4j_user = \"root\"\n}\n",
				Check: resource.ComposeTestCheckFunc(
					checkAuditCodes("data.dbtls_neo4j_audit.a", want...),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "passed", "true"),
				),
			}},
		})
	}
}

// Refusals: an unknown ignore code (while planning), a missing, binary or oversized neo4j.conf, and
// fail_on_finding with an error finding. Nothing is written.
func TestAccNeo4jAudit_Refusals(t *testing.T) {
	home := newHome(t, []byte("server.directories.import=import\nserver.http.listen_address=0.0.0.0:7474\n"))
	missing := newHome(t, nil)
	binary := newHome(t, []byte("a=b\n\x00\x00ELF"))
	big := newHome(t, []byte{})
	f, err := os.OpenFile(filepath.Join(big, "conf", "neo4j.conf"), os.O_WRONLY, 0)
	must(t, err)
	must(t, f.Truncate(50<<20))
	must(t, f.Close())
	before := snapshot(t, home)
	audit := func(h, extra string) string {
		return providerBlock("5.26", h) + "data \"dbtls_neo4j_audit\" \"a\" {\n  neo4j_user = \"root\"\n" + extra + "}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: audit(home, `  ignore = ["HTTP_OFF_LOOPBACK", "NOT_A_CODE"]`+"\n"), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Unknown Finding Code.*"NOT_A_CODE".*BACKUP_NOT_LOOPBACK`)},
			{Config: audit(missing, ""), ExpectError: regexp.MustCompile(`(?s)Cannot Audit Config File.*does\s+not\s+exist.*neo4j_home`)},
			{Config: audit(binary, ""), ExpectError: regexp.MustCompile(`(?s)Cannot Audit Config File.*not\s+a\s+text\s+file.*NUL\s+byte`)},
			{Config: audit(big, ""), ExpectError: regexp.MustCompile(`(?s)Cannot Audit Config File.*52428800\s+bytes.*10\s+MiB`)},
			{Config: audit(home, "  fail_on_finding = true\n"),
				ExpectError: regexp.MustCompile(`(?s)Neo4j Host Fails The Security Checklist.*HTTP_OFF_LOOPBACK\s+\(item\s+3a\)`)},
			{Config: audit(home, "  fail_on_finding = true\n  ignore = [\"HTTP_OFF_LOOPBACK\"]\n"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "passed", "true"),
					func(*terraform.State) error {
						if after := snapshot(t, home); after != before {
							return fmt.Errorf("the audit changed the host")
						}
						return nil
					},
				)},
		},
	})
}

// The loop: the audit of a 5.26 host opened to the network flags plaintext Bolt and HTTP; applying a
// quickstart-like configuration (CA-issued certificates, Bolt REQUIRED, HTTPS with the HTTP connector
// turned off, the cluster channel encrypted) clears every TLS finding (3a, 3b, 3d, 3e) and changes
// nothing else the audit reports.
func TestAccNeo4jAudit_Loop(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		conf := []byte(strings.Replace(string(stockConf(t, "5.26")), "#server.default_listen_address=0.0.0.0", "server.default_listen_address=0.0.0.0", 1))
		home := newHome(t, conf)
		ca := pkitest.NewCA(t, "loop CA")
		leaf := ca.Issue(t, pkitest.Options{CommonName: "localhost", DNSNames: []string{"localhost"}})
		auditBlock := `
data "dbtls_neo4j_audit" "a" {
  neo4j_user = "root"
%s}
`
		quickstart := `
variable "cert" { type = string }
variable "ca" { type = string }
variable "key" {
  type      = string
  ephemeral = true
}
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
resource "dbtls_ssl_policy" "cluster" {
  name        = "cluster_policy"
  client_auth = "REQUIRE"
}
resource "dbtls_policy_certificate" "client" {
  policy                   = dbtls_ssl_policy.client.settings
  certificate_pem          = var.cert
  private_key_wo           = var.key
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca]
}
resource "dbtls_policy_certificate" "cluster" {
  policy                   = dbtls_ssl_policy.cluster.settings
  certificate_pem          = var.cert
  private_key_wo           = var.key
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca]
}
resource "dbtls_channel_binding" "bolt" {
  channel   = "bolt"
  policy    = dbtls_ssl_policy.client.settings
  tls_level = "REQUIRED"
}
resource "dbtls_channel_binding" "https" {
  channel        = "https"
  policy         = dbtls_ssl_policy.client.settings
  http_connector = "disabled"
  # The stock file sets server.http.enabled and server.https.enabled itself.
  on_conflict = "comment_out"
}
resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster.settings
}
`
		after := fmt.Sprintf(auditBlock, "  depends_on = [dbtls_policy_certificate.client, dbtls_policy_certificate.cluster, dbtls_channel_binding.bolt, dbtls_channel_binding.https, dbtls_channel_binding.cluster]\n")
		v := config.Variables{"cert": config.StringVariable(leaf.CertPEM), "ca": config.StringVariable(ca.CertPEM), "key": config.StringVariable(leaf.KeyPEM(t))}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: providerBlock("5.26", home) + fmt.Sprintf(auditBlock, ""),
					Check:  checkAuditCodes("data.dbtls_neo4j_audit.a", "BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED", "HTTP_OFF_LOOPBACK"),
				},
				{
					Config:          providerBlock("5.26", home) + quickstart + after,
					ConfigVariables: v,
					Check: resource.ComposeTestCheckFunc(
						checkAuditCodes("data.dbtls_neo4j_audit.a", "BROWSER_CREDENTIALS_RETAINED"),
						resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "passed", "true"),
						resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.http.enabled", "false"),
						resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.bolt.tls_level", "REQUIRED"),
						resource.TestCheckResourceAttr("dbtls_channel_binding.https", "http_connector", "disabled"),
						func(*terraform.State) error { httpsTail(t, home); return nil },
					),
				},
			},
		})
	})
}

// httpsTail checks that the https binding's block in the file ends with the connector lines.
func httpsTail(t *testing.T, home string) string {
	data, err := os.ReadFile(filepath.Join(home, "conf", "neo4j.conf"))
	must(t, err)
	var tail []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "# BEGIN dbtls managed block: dbtls_channel_binding https"):
			in = true
		case strings.HasPrefix(l, "# END dbtls managed block: dbtls_channel_binding https"):
			in = false
		case in && !strings.HasPrefix(l, "dbms.ssl.policy.https.enabled") && !strings.HasPrefix(l, "dbms.ssl.policy.https.base_directory"):
			tail = append(tail, l)
		}
	}
	if n := len(tail); n < 2 || tail[n-2] != "server.https.enabled=true" || tail[n-1] != "server.http.enabled=false" {
		t.Errorf("the https block does not end with the connector lines: %q", tail)
	}
	return strings.Join(tail, "\n")
}

// http_connector: only on an https binding, one of its modes, rendered with each version's names.
func TestDiagnosticsHTTPConnector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version, channel, mode string
		want                   string // a summary, or the connector line
	}{
		{"5.26", "bolt", "disabled", "E:http_connector Is For HTTPS Only"},
		{"5.26", "https", "off", "E:Invalid HTTP Connector Mode"},
		{"3.5", "https", "disabled", "dbms.connector.http.enabled=false"},
		{"4.4", "https", "loopback", "dbms.connector.http.listen_address=127.0.0.1:7474"},
		{"5.26", "https", "disabled", "server.http.enabled=false"},
		{"2025.01", "https", "loopback", "server.http.listen_address=127.0.0.1:7474"},
	} {
		in := neo4j.PolicyInput{Name: "p"}
		if tc.version == "3.5" {
			in.ClientAuth = ptrTo("NONE")
		}
		p, problems := neo4j.ResolvePolicy(neo4j.MustParseVersion(tc.version), "/var/lib/neo4j", in)
		if p == nil {
			t.Fatal(problems)
		}
		b, problems := neo4j.ResolveBinding(p, tc.channel, nil)
		if b == nil {
			t.Fatal(problems)
		}
		if e := b.SetHTTPConnector(tc.mode); e != nil {
			var diags diag.Diagnostics
			appendFieldErrors(&diags, []*neo4j.FieldError{e})
			wantSummary(t, tc.channel, diags, tc.want)
			continue
		}
		lines := b.Lines()
		if got := lines[len(lines)-1]; got != tc.want {
			t.Errorf("%s %s %s: last line %q, want %q", tc.version, tc.channel, tc.mode, got, tc.want)
		}
		if _, ok := b.ConflictKeys()[strings.SplitN(tc.want, "=", 2)[0]]; !ok {
			t.Errorf("%s: %s is not among the conflict keys", tc.version, tc.want)
		}
	}
}

func ptrTo(s string) *string { return &s }

// The data source's own ssh block overrides the provider's target: with the provider on the local
// machine, an ssh block whose known_hosts lacks the server's key is refused before anything is read,
// and the right one audits the host over SSH.
func TestAccNeo4jAudit_SSHOverride(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	sshd := testenv.SharedSSHD(t)
	home := newHome(t, []byte("server.directories.import=import\nserver.http.listen_address=0.0.0.0:7474\n"))
	good := transport{name: "ssh", sshd: sshd, port: sshd.Ports[0]}.sshBlock()
	bad := strings.Replace(good, sshd.KnownHostsFor(sshd.Ports[0]), sshd.KnownHostsFor(sshd.Ports[1]), 1)
	cfg := func(block string) string {
		return providerBlock("5.26", home) + "data \"dbtls_neo4j_audit\" \"a\" {\n  neo4j_user = \"root\"\n" + block + "}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg(bad), ExpectError: regexp.MustCompile(`(?s)Cannot Reach Target.*not\s+in\s+known_hosts`)},
			{Config: cfg(good), Check: checkAuditCodes("data.dbtls_neo4j_audit.a", "BROWSER_CREDENTIALS_RETAINED", "HTTP_OFF_LOOPBACK")},
		},
	})
}
