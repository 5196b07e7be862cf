package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// Neo4j 3.5: the Bolt and HTTPS servers do not support client authentication, so a policy bound to
// them must set client_auth = NONE (3.5 Operations Manual, SSL framework, after the legacy policy
// example). A policy left at 3.5's default (REQUIRE) or set to OPTIONAL is refused at plan time, and
// the file keeps exactly what the earlier step wrote.
func TestAccChannelBinding_35RequirePolicyOnBolt(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		for _, tc := range []struct{ channel, clientAuth string }{
			{"bolt", ""},
			{"https", `client_auth = "REQUIRE"`},
			{"bolt", `client_auth = "OPTIONAL"`},
		} {
			t.Run(tc.channel+" "+tc.clientAuth, func(t *testing.T) {
				home := newHome(t, realisticConf)
				conf := filepath.Join(home, "conf", "neo4j.conf")
				base := providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "client" {
  name = "client_policy"
  ` + tc.clientAuth + `
}
`
				binding := `
resource "dbtls_channel_binding" "x" {
  channel = "` + tc.channel + `"
  policy  = dbtls_ssl_policy.client.settings
}
`
				var before []byte
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy:             checkFileEquals(conf, realisticConf),
					Steps: []resource.TestStep{
						{Config: base, Check: func(*terraform.State) error {
							var err error
							before, err = os.ReadFile(conf)
							return err
						}},
						{
							Config:      base + binding,
							ExpectError: regexp.MustCompile(`(?s)Neo4j 3.5 Bolt And HTTPS Need client_auth NONE.*client_policy.*do\s+not\s+support\s+client\s+authentication.*client_auth\s+=\s+"NONE"`),
						},
						{Config: base, Check: func(*terraform.State) error {
							// Nothing of the refused binding reached the file.
							if err := checkNoLineMatches(conf, `ssl_policy=`, `tls_level`, `https\.enabled`)(nil); err != nil {
								return err
							}
							return checkFileEquals(conf, before)(nil)
						}},
					},
				})
			})
		}
	})
}

// Upgrading: a state written by the previous release, whose defaults were client_auth = REQUIRE for
// every scope and verify_hostname = false on every version, plans an in-place Update (no replacement,
// no error) to Neo4j's defaults, applies, and then plans nothing.
//
// The first step writes exactly the previous release's state and file for a policy that leaves
// client_auth and verify_hostname unset: the previous release resolved them to REQUIRE and false and
// stored those values in the attributes, in settings and in the rendered lines. A state does not record
// whether a value was configured or computed, so declaring the old values reproduces that state
// byte for byte; the second step then drops the declarations, as an upgraded configuration does.
func TestAccUpgrade_ChangedDefaultsPlanInPlaceUpdate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version   string
		oldDecl   string   // the previous release's resolved defaults, declared
		newLines  []string // what the bindings write after the upgrade
		goneLines []string
	}{
		{
			version: "5.26", oldDecl: `client_auth = "REQUIRE"`,
			newLines:  []string{"dbms.ssl.policy.bolt.client_auth=OPTIONAL", "dbms.ssl.policy.cluster.client_auth=REQUIRE", "dbms.ssl.policy.bolt.verify_hostname=false"},
			goneLines: []string{`dbms\.ssl\.policy\.bolt\.client_auth=REQUIRE`},
		},
		{
			version: "2025.01", oldDecl: "client_auth = \"REQUIRE\"\n  verify_hostname = false",
			newLines: []string{"dbms.ssl.policy.bolt.client_auth=OPTIONAL", "dbms.ssl.policy.cluster.client_auth=REQUIRE",
				"dbms.ssl.policy.bolt.verify_hostname=true", "dbms.ssl.policy.cluster.verify_hostname=true"},
			goneLines: []string{`dbms\.ssl\.policy\.bolt\.client_auth=REQUIRE`, `verify_hostname=false`},
		},
	} {
		t.Run(tc.version, func(t *testing.T) {
			t.Parallel()
			home := newHome(t, realisticConf)
			conf := filepath.Join(home, "conf", "neo4j.conf")
			me := currentUser(t)
			cfg := func(decl string) string {
				return providerBlock(tc.version, home) + `
resource "dbtls_ssl_policy" "client" {
  name    = "client_policy"
  owner   = "` + me.user + `"
  group   = "` + me.group + `"
  ciphers = ["TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
  ` + decl + `
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.client.settings
}
resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.client.settings
}
`
			}
			oldBolt := "dbms.ssl.policy.bolt.client_auth=REQUIRE"
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkFileEquals(conf, realisticConf),
				Steps: []resource.TestStep{
					{
						// The previous release's state and file.
						Config: cfg(tc.oldDecl),
						Check: resource.ComposeTestCheckFunc(
							checkFileLines(conf, oldBolt, "dbms.ssl.policy.cluster.client_auth=REQUIRE", "dbms.ssl.policy.bolt.verify_hostname=false"),
							resource.TestCheckResourceAttr("dbtls_ssl_policy.client", "client_auth", "REQUIRE"),
							resource.TestCheckResourceAttr("dbtls_ssl_policy.client", "settings.client_auth", "REQUIRE"),
							resource.TestCheckResourceAttr("dbtls_ssl_policy.client", "verify_hostname", "false"),
						),
					},
					{
						// The upgraded configuration: in-place updates only.
						Config: cfg(""),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("dbtls_ssl_policy.client", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction("dbtls_channel_binding.bolt", plancheck.ResourceActionUpdate),
							plancheck.ExpectResourceAction("dbtls_channel_binding.cluster", plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue("dbtls_ssl_policy.client", tfjsonpath.New("client_auth"), knownvalue.Null()),
							plancheck.ExpectKnownValue("dbtls_ssl_policy.client", tfjsonpath.New("settings").AtMapKey("client_auth"), knownvalue.StringExact("")),
							plancheck.ExpectKnownValue("dbtls_channel_binding.bolt", tfjsonpath.New("rendered"),
								knownvalue.StringRegexp(regexp.MustCompile(regexp.QuoteMeta("dbms.ssl.policy.bolt.client_auth=OPTIONAL")))),
						}},
						Check: resource.ComposeTestCheckFunc(
							checkFileLines(conf, tc.newLines...),
							checkNoLineMatches(conf, tc.goneLines...),
						),
					},
					{
						Config: cfg(""),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
						}},
					},
				},
			})
		})
	}
}

// Upgrading a Neo4j 3.5 policy: the previous release wrote relative private_key and public_certificate
// lines, which 3.5 cannot load. A block in that shape, imported (the path a state lost or written by
// hand takes), plans an in-place Update that writes the absolute paths, then nothing.
func TestAccUpgrade_35PolicyBlockFromPreviousRelease(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	base := filepath.Join(home, "certificates", "example_policy")
	me := currentUser(t)
	// The lines the previous release rendered for this declaration (its TestResolvePolicyDefaults).
	oldLines := []string{
		"dbms.ssl.policy.example_policy.base_directory=certificates/example_policy",
		"dbms.ssl.policy.example_policy.private_key=private.key",
		"dbms.ssl.policy.example_policy.public_certificate=public.crt",
		"dbms.ssl.policy.example_policy.trusted_dir=" + base + "/trusted",
		"dbms.ssl.policy.example_policy.revoked_dir=" + base + "/revoked",
		"dbms.ssl.policy.example_policy.client_auth=REQUIRE",
		"dbms.ssl.policy.example_policy.tls_versions=TLSv1.2",
		"dbms.ssl.policy.example_policy.trust_all=false",
		"dbms.ssl.policy.example_policy.verify_hostname=false",
		"dbms.ssl.policy.example_policy.allow_key_generation=false",
	}
	cfg := providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name  = "example_policy"
  owner = "` + me.user + `"
  group = "` + me.group + `"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					for _, d := range []string{base, base + "/trusted", base + "/revoked"} {
						must(t, os.MkdirAll(d, 0o755))
					}
					block := "\n# BEGIN dbtls managed block: dbtls_ssl_policy example_policy\n" + strings.Join(oldLines, "\n") +
						"\n# END dbtls managed block: dbtls_ssl_policy example_policy\n"
					must(t, os.WriteFile(conf, append(append([]byte{}, realisticConf...), block...), 0o640))
				},
				Config:             cfg,
				ResourceName:       policyAddr,
				ImportState:        true,
				ImportStateId:      "example_policy",
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					checkFileLines(conf, "dbms.ssl.policy.example_policy.private_key="+base+"/private.key",
						"dbms.ssl.policy.example_policy.public_certificate="+base+"/public.crt"),
					checkNoLineMatches(conf, `private_key=private\.key`, `public_certificate=public\.crt`),
				),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A line left under a setting's 4.x name on a 5.x host sets what the binding's 5.x key sets: it is a
// conflict like any other, and the message names both keys.
func TestBindingConflictAcrossRename(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	tgt := localTarget("5.26", home)
	p, _ := neo4j.ResolvePolicy(tgt.Version, home, neo4j.PolicyInput{Name: "p"})
	b, _ := neo4j.ResolveBinding(p, "bolt", nil)
	conf, err := neo4j.ParseConf([]byte("server.memory.heap.max_size=512m\ndbms.connector.bolt.tls_level=DISABLED\n"))
	must(t, err)
	_, diags := bindingConflicts(conf, tgt, b, "error", true)
	if len(diags) != 1 || diags[0].Summary() != "Conflicting Setting In neo4j.conf" ||
		!strings.Contains(diags[0].Detail(), `"dbms.connector.bolt.tls_level"`) || !strings.Contains(diags[0].Detail(), `"server.bolt.tls_level"`) ||
		!strings.Contains(diags[0].Detail(), "line 2") {
		t.Fatalf("diagnostics %v", diags)
	}
	// With comment_out, the old-name line is the one commented out.
	commented, diags := bindingConflicts(conf, tgt, b, "comment_out", true)
	if diags.HasError() || len(commented) != 1 || commented[0] != "dbms.connector.bolt.tls_level=DISABLED" {
		t.Fatalf("commented %q, diagnostics %v", commented, diags)
	}
}
