package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// example727 is the seed's Example 7.27: client_policy for Bolt and HTTPS, cluster_policy for
// intra-cluster, backup_policy for backup.
const example727 = `
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
resource "dbtls_ssl_policy" "cluster" {
  name = "cluster_policy"
}
resource "dbtls_ssl_policy" "backup" {
  name = "backup_policy"
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.client.settings
}
resource "dbtls_channel_binding" "https" {
  channel = "https"
  policy  = dbtls_ssl_policy.client.settings
}
resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster.settings
}
resource "dbtls_channel_binding" "backup" {
  channel = "backup"
  policy  = dbtls_ssl_policy.backup.settings
}
`

func TestAccChannelBinding_Example727On35(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkFileEquals(conf, realisticConf),
			Steps: []resource.TestStep{
				{
					Config: providerBlock("3.5", home) + example727,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue("dbtls_channel_binding.bolt", tfjsonpath.New("rendered"),
							knownvalue.StringExact("bolt.ssl_policy=client_policy\ndbms.connector.bolt.tls_level=REQUIRED")),
					}},
					Check: resource.ComposeTestCheckFunc(
						checkFileLines(conf,
							"bolt.ssl_policy=client_policy",
							"https.ssl_policy=client_policy",
							"causal_clustering.ssl_policy=cluster_policy",
							"dbms.backup.ssl_policy=backup_policy",
							"dbms.connector.bolt.tls_level=REQUIRED",
							"dbms.connector.https.enabled=true",
							"dbms.ssl.policy.client_policy.base_directory=certificates/client_policy",
							"dbms.ssl.policy.client_policy.client_auth=NONE",
							"dbms.ssl.policy.cluster_policy.base_directory=certificates/cluster_policy",
							"dbms.ssl.policy.backup_policy.base_directory=certificates/backup_policy",
						),
						checkNoLineMatches(conf, `^dbms\.ssl\.policy\.(bolt|https|cluster|backup)\.`, `^server\.bolt\.tls_level`, `^server\.https\.enabled`),
						checkBytesOutsideBlocks(conf, realisticConf),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("dbtls_channel_binding.https", tfjsonpath.New("rendered"), knownvalue.StringExact("https.ssl_policy=client_policy\ndbms.connector.https.enabled=true")),
						statecheck.ExpectKnownValue("dbtls_channel_binding.cluster", tfjsonpath.New("rendered"), knownvalue.StringExact("causal_clustering.ssl_policy=cluster_policy")),
						statecheck.ExpectKnownValue("dbtls_channel_binding.backup", tfjsonpath.New("rendered"), knownvalue.StringExact("dbms.backup.ssl_policy=backup_policy")),
						statecheck.ExpectKnownValue("dbtls_channel_binding.https", tfjsonpath.New("tls_level"), knownvalue.Null()),
						statecheck.ExpectKnownValue("dbtls_channel_binding.bolt", tfjsonpath.New("config_file"), knownvalue.StringExact(conf)),
					},
				},
				{
					ResourceName:            "dbtls_channel_binding.bolt",
					ImportState:             true,
					ImportStateId:           "bolt",
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"policy"},
				},
			},
		})
	})
}

// The same declaration on 4.4 and 5.26: every line of every binding, and no 3.5 key anywhere.
func TestAccChannelBinding_Example727On4And5(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		for _, tc := range []struct{ version, connector, tls string }{
			{"4.4", "dbms.connector.", "TLSv1.2"},
			{"5.26", "server.", "TLSv1.2,TLSv1.3"},
		} {
			t.Run(tc.version, func(t *testing.T) {
				home := newHome(t, realisticConf)
				conf := filepath.Join(home, "conf", "neo4j.conf")
				scope := func(channel, policy, clientAuth string) []string {
					p := "dbms.ssl.policy." + channel + "."
					return []string{
						p + "enabled=true",
						p + "base_directory=certificates/" + policy,
						p + "private_key=private.key",
						p + "public_certificate=public.crt",
						p + "trusted_dir=trusted",
						p + "revoked_dir=revoked",
						p + "client_auth=" + clientAuth,
						p + "tls_versions=" + tc.tls,
						p + "trust_all=false",
						p + "verify_hostname=false",
					}
				}
				bolt := append(scope("bolt", "client_policy", "NONE"), tc.connector+"bolt.tls_level=REQUIRED")
				https := append(scope("https", "client_policy", "NONE"), tc.connector+"https.enabled=true")
				cluster := scope("cluster", "cluster_policy", "REQUIRE")
				backup := scope("backup", "backup_policy", "REQUIRE")
				all := append(append(append(append([]string{}, bolt...), https...), cluster...), backup...)
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy:             checkFileEquals(conf, realisticConf),
					Steps: []resource.TestStep{{
						Config: providerBlock(tc.version, home) + example727,
						Check: resource.ComposeTestCheckFunc(
							checkFileLines(conf, all...),
							checkNoLineMatches(conf, `^(bolt|https|causal_clustering|dbms\.backup)\.ssl_policy`, `allow_key_generation`, `^dbms\.ssl\.policy\.(client|cluster|backup)_policy\.`),
							checkBlockCount(conf, 4),
							checkBytesOutsideBlocks(conf, realisticConf),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("dbtls_channel_binding.bolt", tfjsonpath.New("rendered"), knownvalue.StringExact(strings.Join(bolt, "\n"))),
							statecheck.ExpectKnownValue("dbtls_channel_binding.https", tfjsonpath.New("rendered"), knownvalue.StringExact(strings.Join(https, "\n"))),
							statecheck.ExpectKnownValue("dbtls_channel_binding.cluster", tfjsonpath.New("rendered"), knownvalue.StringExact(strings.Join(cluster, "\n"))),
							statecheck.ExpectKnownValue("dbtls_channel_binding.backup", tfjsonpath.New("rendered"), knownvalue.StringExact(strings.Join(backup, "\n"))),
						},
					}},
				})
				if tc.version == "5.26" {
					for _, l := range all {
						if strings.HasPrefix(l, "dbms.connector.") {
							t.Errorf("5.x rendered a 4.x connector key: %s", l)
						}
					}
				}
			})
		}
	})
}

const boltOnly = `
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
resource "dbtls_channel_binding" "bolt" {
  channel     = "bolt"
  policy      = dbtls_ssl_policy.client.settings
  tls_level   = "REQUIRED"
  %s
}
`

func TestAccChannelBinding_Drift(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		cfg := providerBlock("5.26", home) + fmt.Sprintf(boltOnly, "")
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("dbtls_channel_binding.bolt", plancheck.ResourceActionUpdate)}}
		converged := resource.ComposeTestCheckFunc(
			checkFileLines(conf, "server.bolt.tls_level=REQUIRED", "dbms.ssl.policy.bolt.enabled=true"),
			checkBlockCount(conf, 1),
			checkBytesOutsideBlocks(conf, realisticConf),
		)
		var applied []byte
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkFileEquals(conf, realisticConf),
			Steps: []resource.TestStep{
				{Config: cfg, Check: resource.ComposeTestCheckFunc(converged, func(*terraform.State) error {
					var err error
					applied, err = os.ReadFile(conf)
					return err
				})},
				{
					PreConfig: func() {
						must(t, os.WriteFile(conf, []byte(strings.Replace(string(applied), "server.bolt.tls_level=REQUIRED", "server.bolt.tls_level=DISABLED", 1)), 0o640))
					},
					Config: cfg, ConfigPlanChecks: update, Check: converged,
				},
				{
					PreConfig: func() { must(t, os.WriteFile(conf, realisticConf, 0o640)) },
					Config:    cfg, ConfigPlanChecks: update, Check: converged,
				},
				{
					PreConfig: func() {
						i := strings.Index(string(applied), "# BEGIN dbtls")
						must(t, os.WriteFile(conf, append(append([]byte{}, applied...), []byte("\n"+string(applied[i:]))...), 0o640))
					},
					Config: cfg, ConfigPlanChecks: update, Check: converged,
				},
			},
		})
	})
}

// A foreign line that sets a key the binding writes: an error naming the line (file unchanged), or
// with on_conflict = "comment_out" commented out and restored byte for byte on destroy.
func TestAccChannelBinding_Conflicts(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		original := append(append([]byte{}, realisticConf...), []byte("\r\nserver.bolt.tls_level=OPTIONAL\r\n  dbms.ssl.policy.bolt.enabled = false")...)
		home := newHome(t, original)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkFileEquals(conf, original),
			Steps: []resource.TestStep{
				{
					Config:      providerBlock("5.26", home) + fmt.Sprintf(boltOnly, ""),
					ExpectError: regexp.MustCompile(`(?s)Conflicting Setting In neo4j.conf.*server.bolt.tls_level.*line 27.*comment_out`),
				},
				{
					// Refused at plan time: nothing was written, not even the policy.
					Config:   providerBlock("5.26", home) + fmt.Sprintf(boltOnly, ""),
					PlanOnly: true, ExpectNonEmptyPlan: true, ExpectError: regexp.MustCompile(`Conflicting Setting`),
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
					Config: providerBlock("5.26", home) + fmt.Sprintf(boltOnly, `on_conflict = "comment_out"`),
					Check: resource.ComposeTestCheckFunc(
						checkFileLines(conf,
							"#dbtls-commented-out[dbtls_channel_binding bolt] server.bolt.tls_level=OPTIONAL",
							"#dbtls-commented-out[dbtls_channel_binding bolt]   dbms.ssl.policy.bolt.enabled = false",
							"server.bolt.tls_level=REQUIRED"),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("dbtls_channel_binding.bolt", tfjsonpath.New("commented_out"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact("server.bolt.tls_level=OPTIONAL"), knownvalue.StringExact("  dbms.ssl.policy.bolt.enabled = false"),
						})),
					},
				},
			},
		})
	})
}

func TestAccChannelBinding_Refusals(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		for _, tc := range []struct {
			name, version, body, err string
		}{
			{"second binding for a channel", "5.26", `
resource "dbtls_channel_binding" "bolt2" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.client.settings
  depends_on = [dbtls_channel_binding.bolt]
}`, `(?s)Channel Already Bound.*bolt.*client_policy`},
			{"fabric on 5.x", "5.26", `
resource "dbtls_channel_binding" "fabric" {
  channel = "fabric"
  policy  = dbtls_ssl_policy.client.settings
}`, `(?s)fabric channel exists only in Neo4j 4.x`},
			{"fabric on 3.5", "3.5", `
resource "dbtls_channel_binding" "fabric" {
  channel = "fabric"
  policy  = dbtls_ssl_policy.client.settings
}`, `(?s)fabric channel exists only in Neo4j 4.x`},
			{"tls_level on https", "5.26", `
resource "dbtls_channel_binding" "https" {
  channel   = "https"
  policy    = dbtls_ssl_policy.client.settings
  tls_level = "REQUIRED"
}`, `(?s)tls_level Is For Bolt Only`},
			{"bad tls_level", "5.26", `
resource "dbtls_channel_binding" "x" {
  channel   = "bolt"
  policy    = { name = "x" }
  tls_level = "ALWAYS"
}`, `(?s)tls_level.*value must be one of`},
			{"not a policy", "5.26", `
resource "dbtls_channel_binding" "x" {
  channel = "cluster"
  policy  = { name = "x" }
}`, `(?s)Invalid Policy Settings.*settings attribute of a\s+dbtls_ssl_policy`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				home := newHome(t, realisticConf)
				conf := filepath.Join(home, "conf", "neo4j.conf")
				base := providerBlock(tc.version, home) + `
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.client.settings
}
`
				if tc.version == "3.5" {
					base = strings.Replace(base, "resource \"dbtls_channel_binding\" \"bolt\"", "resource \"dbtls_channel_binding\" \"unused\"", 1)
				}
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
						{Config: base + tc.body, ExpectError: regexp.MustCompile(tc.err)},
						{Config: base, Check: func(*terraform.State) error {
							// The refused binding left the file as the first step wrote it.
							return checkFileEquals(conf, before)(nil)
						}},
					},
				})
			})
		}
	})
}

// checkNoLineMatches fails when any line of the file matches one of the patterns.
func checkNoLineMatches(p string, patterns ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, pat := range patterns {
			re := regexp.MustCompile(pat)
			for i, l := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
				if re.MatchString(l) {
					return fmt.Errorf("%s line %d %q matches %s", p, i+1, l, pat)
				}
			}
		}
		return nil
	}
}

// checkBlockCount asserts the number of managed blocks in the file.
func checkBlockCount(p string, n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if got := strings.Count(string(b), "# BEGIN dbtls managed block:"); got != n {
			return fmt.Errorf("%s has %d managed blocks, want %d", p, got, n)
		}
		return nil
	}
}
