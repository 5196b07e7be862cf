package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Neo4j 3.5: the Bolt and HTTPS servers do not support client authentication, so a policy bound to
// them must set client_auth = NONE (3.5 Operations Manual, SSL framework, after the legacy policy
// example). A policy left at 3.5's default (REQUIRE) or set to OPTIONAL is refused at plan time, and
// the file keeps exactly what the earlier step wrote.
func TestAccChannelBinding_35RequirePolicyOnBolt(t *testing.T) {
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
							ExpectError: regexp.MustCompile(`(?s)Neo4j 3.5 Bolt And HTTPS Need client_auth NONE.*client_policy.*do not support client\s+authentication.*client_auth = "NONE"`),
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
