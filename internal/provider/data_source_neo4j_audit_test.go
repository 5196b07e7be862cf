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

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
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
// directory, locally and over SSH: the exact codes, the verdict, the effective settings, and nothing
// on the host changed.
func TestAccNeo4jAudit_OpenHost(t *testing.T) {
	eachTransport(t, func(t *testing.T) {
		conf := []byte(strings.Replace(string(stockConf(t, "5.26")), "#server.default_listen_address=0.0.0.0", "server.default_listen_address=0.0.0.0", 1))
		home := newHome(t, conf)
		confPath := filepath.Join(home, "conf", "neo4j.conf")
		must(t, os.Chmod(confPath, 0o646))
		must(t, os.Mkdir(filepath.Join(home, "plugins"), 0o777))
		must(t, os.Chmod(filepath.Join(home, "plugins"), 0o777))
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
						"CONF_WORLD_WRITABLE", "DIR_WRITABLE", "HTTP_OFF_LOOPBACK"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "passed", "false"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.default_listen_address", "0.0.0.0"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.bolt.tls_level", "DISABLED"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "effective_settings.server.directories.import", "import"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.a", "findings.0.severity", "error"),
					resource.TestMatchResourceAttr("data.dbtls_neo4j_audit.a", "summary", regexp.MustCompile(`^Neo4j 5\.26 at .*: 4 errors, 0 warnings, 1 note\. .*Not passed`)),
					checkAuditCodes("data.dbtls_neo4j_audit.ignoring", "BROWSER_CREDENTIALS_RETAINED"),
					resource.TestCheckResourceAttr("data.dbtls_neo4j_audit.ignoring", "passed", "true"),
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
