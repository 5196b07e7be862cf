package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// Neo4j reads neo4j.conf with java.util.Properties: "key value", "key:value" and "key   value" set
// the key as much as "key=value" does. Each hand edit appended after an apply is a conflict the next
// plan reports, naming the line as written; with on_conflict = "comment_out" the plan is an Update
// that comments it out.
func TestAccChannelBinding_HandEditsAsNeo4jReadsThem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ version, tlsLevelKey string }{
		{"4.4", "dbms.connector.bolt.tls_level"},
		{"5.26", "server.bolt.tls_level"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			home := newHome(t, realisticConf)
			conf := filepath.Join(home, "conf", "neo4j.conf")
			cfg := providerBlock(tc.version, home) + fmt.Sprintf(boltOnly, "")
			var applied []byte
			appendLine := func(line string) func() {
				return func() { must(t, os.WriteFile(conf, append(append([]byte{}, applied...), "\n"+line+"\n"...), 0o640)) }
			}
			steps := []resource.TestStep{{Config: cfg, Check: func(*terraform.State) error {
				var err error
				applied, err = os.ReadFile(conf)
				return err
			}}}
			for _, edit := range []struct{ line, key string }{
				{tc.tlsLevelKey + " DISABLED", tc.tlsLevelKey},
				{"dbms.ssl.policy.bolt.client_auth:NONE", "dbms.ssl.policy.bolt.client_auth"},
				{"dbms.ssl.policy.bolt.trust_all   true", "dbms.ssl.policy.bolt.trust_all"},
				{"dbms.ssl.policy.bolt.trust\\u005fall=true", "dbms.ssl.policy.bolt.trust_all"},
				{"dbms.ssl.policy.bolt.\\\n    client_auth = NONE", "dbms.ssl.policy.bolt.client_auth"},
			} {
				steps = append(steps, resource.TestStep{
					PreConfig: appendLine(edit.line),
					Config:    cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
					ExpectError: regexp.MustCompile(`(?s)Conflicting Setting In neo4j.conf.*` + regexp.QuoteMeta(edit.key) + `.*line\s+(\d+).*written`),
				})
			}
			// Drift with comment_out: the plan is an Update, and the apply comments the line out.
			steps = append(steps, resource.TestStep{
				PreConfig: appendLine("dbms.ssl.policy.bolt.client_auth:NONE"),
				Config:    providerBlock(tc.version, home) + fmt.Sprintf(boltOnly, `on_conflict = "comment_out"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dbtls_channel_binding.bolt", plancheck.ResourceActionUpdate),
				}},
				Check: checkFileLines(conf, "#dbtls-commented-out[dbtls_channel_binding bolt] dbms.ssl.policy.bolt.client_auth:NONE"),
			}, resource.TestStep{
				// Back to the applied file, without the hand edit.
				PreConfig: func() { must(t, os.WriteFile(conf, applied, 0o640)) },
				Config:    cfg,
			})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkFileEquals(conf, realisticConf),
				Steps:                    steps,
			})
		})
	}
}

// A foreign line ending in a backslash continues, for Neo4j, onto the next line, marker or not: a
// binding refuses at plan to put its block after it (nothing written), and refuses to keep its block
// under a line that a hand edit made continue into it.
func TestAccChannelBinding_ContinuationLines(t *testing.T) {
	original := append(append([]byte{}, realisticConf...), "\nserver.jvm.additional=-Dx=1 \\\n"...)
	home := newHome(t, original)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	fixed := append(append([]byte{}, realisticConf...), "\nserver.jvm.additional=-Dx=1\n"...)
	var applied []byte
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkFileEquals(conf, fixed),
		Steps: []resource.TestStep{
			{
				Config:      providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
				ExpectError: regexp.MustCompile(`(?s)Line Continues Across A Managed Block.*line\s+\d+.*server\.jvm\.additional.*backslash`),
			},
			{
				Config:   providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
				PlanOnly: true, ExpectNonEmptyPlan: true, ExpectError: regexp.MustCompile(`Line Continues Across A Managed Block`),
				PreConfig: func() {
					if b, _ := os.ReadFile(conf); string(b) != string(original) {
						t.Error("a refused plan changed neo4j.conf")
					}
					if _, err := os.Stat(filepath.Join(home, "certificates", "client_policy")); !os.IsNotExist(err) {
						t.Error("a refused plan created the policy directory")
					}
				},
			},
			{
				PreConfig: func() { must(t, os.WriteFile(conf, fixed, 0o640)) },
				Config:    providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
				Check: func(*terraform.State) error {
					var err error
					applied, err = os.ReadFile(conf)
					return err
				},
			},
			{
				// A hand edit makes the last foreign line continue into the block's BEGIN marker.
				PreConfig: func() {
					must(t, os.WriteFile(conf, []byte(strings.Replace(string(applied), "-Dx=1\n", "-Dx=1\\\n", 1)), 0o640))
				},
				Config:   providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
				PlanOnly: true, ExpectNonEmptyPlan: true, ExpectError: regexp.MustCompile(`(?s)Line Continues Across A Managed Block.*marker`),
			},
			{
				// Removing the block would join that line to whatever follows it: destroy refuses too,
				// and leaves the file as it is.
				Config: providerBlock("4.4", home) + `
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Line Continues Across A Managed Block.*destroy\s+again`),
			},
			{
				PreConfig: func() {
					want := strings.Replace(string(applied), "-Dx=1\n", "-Dx=1\\\n", 1)
					if b, _ := os.ReadFile(conf); string(b) != want {
						t.Errorf("a refused destroy changed neo4j.conf:\n%q\nwant\n%q", b, want)
					}
				},
				Config:   providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
				PlanOnly: true, ExpectNonEmptyPlan: true, ExpectError: regexp.MustCompile(`Line Continues Across A Managed Block`),
			},
			{
				PreConfig: func() { must(t, os.WriteFile(conf, applied, 0o640)) },
				Config:    providerBlock("4.4", home) + fmt.Sprintf(boltOnly, ""),
			},
		},
	})
}

// Values Neo4j would decode are refused at plan, naming the attribute, and nothing is written.
func TestAccSSLPolicy_EscapedValuesRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ attr, value, err string }{
		{"trusted_dir", `\\u002e\\u002e/elsewhere`, `(?s)Invalid Directory.*trusted_dir.*backslash`},
		{"revoked_dir", `revoked\\`, `(?s)Invalid Directory.*revoked_dir.*backslash`},
		{"private_key", `private\\u002ekey`, `(?s)Invalid File Name.*private_key.*backslash`},
		{"revoked_dir", `revoked `, `(?s)Invalid Directory.*revoked_dir.*blanks`},
	} {
		t.Run(tc.attr+" "+tc.value, func(t *testing.T) {
			home := newHome(t, realisticConf)
			conf := filepath.Join(home, "conf", "neo4j.conf")
			cfg := providerBlock("4.4", home) + fmt.Sprintf(`
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
  %s = %q
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.client.settings
}
`, tc.attr, strings.ReplaceAll(tc.value, `\\`, `\`))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkFileEquals(conf, realisticConf),
				Steps: []resource.TestStep{
					{Config: cfg, ExpectError: regexp.MustCompile(tc.err)},
					{
						Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true, ExpectError: regexp.MustCompile(tc.err),
						PreConfig: func() {
							if b, _ := os.ReadFile(conf); string(b) != string(realisticConf) {
								t.Error("a refused plan changed neo4j.conf")
							}
							if _, err := os.Stat(filepath.Join(home, "certificates", "client_policy")); !os.IsNotExist(err) {
								t.Error("a refused plan created the policy directory")
							}
						},
					},
				},
			})
		})
	}
}

// A settings map edited by hand goes through ResolvePolicy's checks again in the binding
// (neo4j.CheckSettings), which refuses at plan a value Neo4j would read differently; the rendered
// lines are checked once more before they are written (plainLinesDiags, TestDiagnosticsConfGrammar).
func TestAccChannelBinding_PolicyValueReadDifferently(t *testing.T) {
	home := newHome(t, realisticConf)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	cfg := providerBlock("4.4", home) + `
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = merge(dbtls_ssl_policy.client.settings, { trusted_dir = "\\u002e\\u002e/elsewhere" })
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkFileEquals(conf, realisticConf),
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)Invalid Directory.*trusted_dir.*backslash`),
		}},
	})
}

// Plan-time diagnostics of the grammar, on the file as it is.
func TestDiagnosticsConfGrammar(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	tgt := localTarget("4.4", home)
	none := "NONE"
	p, _ := neo4j.ResolvePolicy(tgt.Version, home, neo4j.PolicyInput{Name: "client_policy", ClientAuth: &none})
	b, _ := neo4j.ResolveBinding(p, "bolt", nil)

	// A suffix of the bound scope that the binding does not write (ciphers is unset), set outside the
	// blocks: the policy in effect is not the one declared.
	conf, err := neo4j.ParseConf([]byte("a=1\ndbms.ssl.policy.bolt.ciphers:TLS_RSA_WITH_AES_128_CBC_SHA\ndbms.ssl.policy.bolt.private_key_password=secret\ndbms.ssl.policy.https.ciphers=X\n"))
	must(t, err)
	ds := foreignPolicyWarnings(conf, tgt, b)
	wantSummary(t, "foreign ciphers line", ds, "W:Foreign Setting Changes The Bound Policy")
	if len(ds) != 2 || !strings.Contains(ds[0].Detail(), "Line 2") || !strings.Contains(ds[0].Detail(), "set ciphers on the dbtls_ssl_policy") ||
		!strings.Contains(ds[0].Detail(), `written "dbms.ssl.policy.bolt.ciphers:TLS_RSA_WITH_AES_128_CBC_SHA"`) ||
		!strings.Contains(ds[1].Detail(), "does not manage private_key_password") || strings.Contains(ds[1].Detail(), "secret") {
		t.Errorf("foreign policy warnings = %v", ds)
	}
	// Once the policy sets ciphers, the binding writes it: no warning (the line is a conflict).
	p2, _ := neo4j.ResolvePolicy(tgt.Version, home, neo4j.PolicyInput{Name: "client_policy", Ciphers: []string{"TLS_AES_128_GCM_SHA256"}})
	b2, _ := neo4j.ResolveBinding(p2, "bolt", nil)
	if ds := foreignPolicyWarnings(conf, tgt, b2); len(ds) != 1 {
		t.Errorf("with ciphers set: %v", ds)
	}
	if cf := conf.Conflicts(neo4j.BindingBlockID("bolt"), keysOf(b2.Lines())); len(cf) != 1 || cf[0].Line != 2 {
		t.Errorf("with ciphers set, Conflicts = %#v", cf)
	}

	// A line Neo4j cannot load at all.
	bad, err := neo4j.ParseConf([]byte("a=1\nk=\\u00G1\n"))
	must(t, err)
	wantSummary(t, "malformed \\u", confProblemWarnings(bad, tgt), "W:neo4j.conf Line Neo4j Cannot Load")

	// A continuation into the block, at plan as at apply.
	cont, err := neo4j.ParseConf([]byte("a=1\\\n"))
	must(t, err)
	_, _, ds, err = bindingEdit(cont, tgt, b, "error", true)
	d, ok := continuationDiag(tgt, path.Root("policy"), err)
	if !ok || ds.HasError() {
		t.Fatalf("bindingEdit = %v, %v", ds, err)
	}
	wantSummary(t, "continuation", diag.Diagnostics{d}, "E:Line Continues Across A Managed Block")

	// A hand-made policy map with a value Neo4j would decode.
	wantSummary(t, "escaped value", plainLinesDiags([]string{`dbms.ssl.policy.bolt.trusted_dir=\u002e\u002e/x`}), "E:Policy Value Neo4j Would Read Differently")
}
