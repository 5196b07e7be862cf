package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const policyAddr = "dbtls_ssl_policy.example"

// The seed's Example 7.26 on Neo4j 3.5: certificates/example_policy with trusted/ and revoked/, all
// 0755, and the base_directory line in neo4j.conf.
func TestAccSSLPolicy_Example726On35(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		base := filepath.Join(home, "certificates", "example_policy")
		me := currentUser(t)
		cfg := providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name  = "example_policy"
  owner = "` + me.user + `"
  group = "` + me.group + `"
}
`
		wantLines := []string{
			"dbms.ssl.policy.example_policy.base_directory=certificates/example_policy",
			// Neo4j 3.x parses these two as absolute paths, like trusted_dir and revoked_dir.
			"dbms.ssl.policy.example_policy.private_key=" + base + "/private.key",
			"dbms.ssl.policy.example_policy.public_certificate=" + base + "/public.crt",
			"dbms.ssl.policy.example_policy.trusted_dir=" + base + "/trusted",
			"dbms.ssl.policy.example_policy.revoked_dir=" + base + "/revoked",
			"dbms.ssl.policy.example_policy.client_auth=REQUIRE",
			"dbms.ssl.policy.example_policy.tls_versions=TLSv1.2",
			"dbms.ssl.policy.example_policy.trust_all=false",
			"dbms.ssl.policy.example_policy.verify_hostname=false",
			"dbms.ssl.policy.example_policy.allow_key_generation=false",
		}
		steps := []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionCreate),
					// Known while planning: the plan already shows the lines.
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("rendered"), knownvalue.StringExact(strings.Join(wantLines, "\n"))),
					plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("base_directory"), knownvalue.StringExact("certificates/example_policy")),
				}},
				Check: resource.ComposeTestCheckFunc(
					checkDir(base, 0o755, -1, -1),
					checkDir(filepath.Join(base, "trusted"), 0o755, -1, -1),
					checkDir(filepath.Join(base, "revoked"), 0o755, -1, -1),
					checkFileLines(conf, append(wantLines,
						"# BEGIN dbtls managed block: dbtls_ssl_policy example_policy",
						"# END dbtls managed block: dbtls_ssl_policy example_policy")...),
					checkBytesOutsideBlocks(conf, realisticConf),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("id"), knownvalue.StringExact("example_policy")),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("client_auth"), knownvalue.StringExact("REQUIRE")),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tls_versions"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.2")})),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("allow_key_generation"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("config_file"), knownvalue.StringExact(conf)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("trusted_dir_path"), knownvalue.StringExact(base+"/trusted")),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("directories"), knownvalue.MapExact(map[string]knownvalue.Check{
						base:              knownvalue.StringExact("drwxr-xr-x " + me.user + ":" + me.group),
						base + "/trusted": knownvalue.StringExact("drwxr-xr-x " + me.user + ":" + me.group),
						base + "/revoked": knownvalue.StringExact("drwxr-xr-x " + me.user + ":" + me.group),
					})),
				},
			},
			{
				ResourceName:      policyAddr,
				ImportState:       true,
				ImportStateId:     "example_policy",
				ImportStateVerify: true,
			},
		}
		if tr := transportOfHome(home); tr.sshd != nil {
			// The import ID can name the host: ssh://user@host:port/<name>.
			steps = append(steps, resource.TestStep{
				ResourceName:            policyAddr,
				ImportState:             true,
				ImportStateId:           fmt.Sprintf("ssh://%s@%s:%d/example_policy", tr.sshd.User, tr.sshd.Host, tr.port),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"ssh"},
			})
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: resource.ComposeTestCheckFunc(
				checkAbsent(base),
				checkFileEquals(conf, realisticConf),
				checkDir(filepath.Join(home, "certificates"), 0o755, -1, -1),
			),
			Steps: steps,
		})
	})
}

// The same declaration on 4.4 and 5.x: each version's defaults, no lines written by the policy.
func TestAccSSLPolicy_DefaultsPerVersion(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		for _, tc := range []struct {
			version     string
			tlsVersions []string
		}{
			{"4.4", []string{"TLSv1.2"}},
			{"5.20", []string{"TLSv1.2"}},
			{"5.26", []string{"TLSv1.2", "TLSv1.3"}},
		} {
			t.Run(tc.version, func(t *testing.T) {
				home := newHome(t, realisticConf)
				conf := filepath.Join(home, "conf", "neo4j.conf")
				base := filepath.Join(home, "certificates", "example_policy")
				me := currentUser(t)
				var tlsChecks []knownvalue.Check
				for _, v := range tc.tlsVersions {
					tlsChecks = append(tlsChecks, knownvalue.StringExact(v))
				}
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy:             resource.ComposeTestCheckFunc(checkAbsent(base), checkFileEquals(conf, realisticConf)),
					Steps: []resource.TestStep{
						{
							Config: providerBlock(tc.version, home) + `
resource "dbtls_ssl_policy" "example" {
  name  = "example_policy"
  owner = "` + me.user + `"
  group = "` + me.group + `"
}
`,
							Check: resource.ComposeTestCheckFunc(
								checkDir(base, 0o755, -1, -1),
								checkDir(filepath.Join(base, "trusted"), 0o755, -1, -1),
								checkDir(filepath.Join(base, "revoked"), 0o755, -1, -1),
								checkFileEquals(conf, realisticConf),
							),
							ConfigStateChecks: []statecheck.StateCheck{
								// 4.x/5.x: client_auth defaults per scope, so an unset one stays null (and empty in settings).
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("client_auth"), knownvalue.Null()),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("client_auth"), knownvalue.StringExact("")),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tls_versions"), knownvalue.ListExact(tlsChecks)),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("trusted_dir"), knownvalue.StringExact("trusted")),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("allow_key_generation"), knownvalue.Null()),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("rendered"), knownvalue.StringExact("")),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("tls_versions"), knownvalue.StringExact(strings.Join(tc.tlsVersions, ","))),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("neo4j_version"), knownvalue.StringExact(tc.version)),
								statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("settings").AtMapKey("trusted_dir"), knownvalue.StringExact("trusted")),
							},
						},
						{
							ResourceName:      policyAddr,
							ImportState:       true,
							ImportStateId:     "example_policy",
							ImportStateVerify: true,
						},
					},
				})
			})
		}
	})
}

// Drift on the host plans an Update that repairs it, and the next plan is empty.
func TestAccSSLPolicy_Drift(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		base := filepath.Join(home, "certificates", "example_policy")
		cfg := providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name         = "example_policy"
  client_auth  = "NONE"
  owner        = "nobody"
  group        = "nogroup"
}
`
		requireRoot(t)
		converged := resource.ComposeTestCheckFunc(
			checkDir(base, 0o755, 65534, 65534),
			checkDir(filepath.Join(base, "trusted"), 0o755, 65534, 65534),
			checkDir(filepath.Join(base, "revoked"), 0o755, 65534, 65534),
			checkFileLines(conf, "dbms.ssl.policy.example_policy.client_auth=NONE",
				"# BEGIN dbtls managed block: dbtls_ssl_policy example_policy"),
			checkBytesOutsideBlocks(conf, realisticConf),
		)
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate)}}
		editConf := func(from, to string) func() {
			return func() {
				b, err := os.ReadFile(conf)
				must(t, err)
				if !strings.Contains(string(b), from) {
					t.Fatalf("neo4j.conf has no %q", from)
				}
				must(t, os.WriteFile(conf, []byte(strings.Replace(string(b), from, to, 1)), 0o640))
			}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             resource.ComposeTestCheckFunc(checkAbsent(base), checkFileEquals(conf, realisticConf)),
			Steps: []resource.TestStep{
				{Config: cfg, Check: converged},
				{
					PreConfig:        func() { must(t, os.RemoveAll(filepath.Join(base, "trusted"))) },
					Config:           cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate), plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("directories").AtMapKey(base+"/trusted"), knownvalue.StringExact("drwxr-xr-x nobody:nogroup"))}},
					Check:            converged,
				},
				{
					PreConfig:        func() { must(t, os.Chmod(base, 0o700)) },
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            converged,
				},
				{
					PreConfig:        func() { must(t, os.Chown(filepath.Join(base, "revoked"), 0, 0)) },
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            converged,
				},
				{
					PreConfig:        editConf("example_policy.client_auth=NONE", "example_policy.client_auth=OPTIONAL"),
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            converged,
				},
				{
					// Someone deleted the whole block, markers included.
					PreConfig:        func() { must(t, os.WriteFile(conf, realisticConf, 0o640)) },
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            converged,
				},
				{
					// Someone duplicated the block by hand.
					PreConfig: func() {
						b, err := os.ReadFile(conf)
						must(t, err)
						i := strings.Index(string(b), "# BEGIN dbtls")
						must(t, os.WriteFile(conf, append(b, []byte("\n"+string(b[i:]))...), 0o640))
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            converged,
				},
			},
		})
	})
}

// A realistic neo4j.conf (comments, repeated jvm.additional, Latin-1 byte, no trailing newline), in LF
// and CRLF, is byte-identical after apply and destroy; the block uses the file's line endings.
func TestAccSSLPolicy_ConfBytesKept(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		for name, original := range map[string][]byte{"lf": realisticConf, "crlf": crlf(realisticConf), "eol": append(append([]byte{}, realisticConf...), '\n')} {
			t.Run(name, func(t *testing.T) {
				home := newHome(t, original)
				conf := filepath.Join(home, "conf", "neo4j.conf")
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy:             checkFileEquals(conf, original),
					Steps: []resource.TestStep{{
						Config: providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "a" {
  name = "client_policy"
}
resource "dbtls_ssl_policy" "b" {
  name           = "cluster_policy"
  base_directory = "certificates/cluster"
}
`,
						Check: resource.ComposeTestCheckFunc(
							checkBytesOutsideBlocks(conf, original),
							func(*terraform.State) error {
								b, err := os.ReadFile(conf)
								if err != nil {
									return err
								}
								if name == "crlf" && strings.Count(string(b), "\n") != strings.Count(string(b), "\r\n") {
									return fmt.Errorf("CRLF file got LF lines:\n%q", b)
								}
								if name != "crlf" && strings.Contains(string(b), "\r") {
									return fmt.Errorf("LF file got CR bytes")
								}
								return nil
							},
						),
					}},
				})
			})
		}
	})
}

// checkBytesOutsideBlocks asserts that removing every managed block from the file gives back the
// original bytes exactly.
func checkBytesOutsideBlocks(p string, original []byte) func(*terraform.State) error {
	return func(*terraform.State) error {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		c, err := parseConfForTest(got)
		if err != nil {
			return err
		}
		if string(c) != string(original) {
			return fmt.Errorf("bytes outside the managed blocks changed:\n--- got (blocks removed)\n%q\n--- want\n%q", c, original)
		}
		return nil
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown to another user")
	}
}
