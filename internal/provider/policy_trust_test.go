package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// trustPolicyConfig is a provider on home, a policy "p" owned by the test user, and consumers whose
// policy is the expression policyExpr (for example a merge() of the policy's settings).
func trustPolicyConfig(home string, me osUser, policyExpr, certExtra, bindingExtra string) string {
	return providerBlock("5.26", home) + fmt.Sprintf(`
variable "cert" {
  type = string
}
variable "key" {
  type      = string
  ephemeral = true
}

resource "dbtls_ssl_policy" "p" {
  name    = "p"
  owner   = %[1]q
  group   = %[2]q
  ciphers = ["TLS_AES_256_GCM_SHA384"]
}

resource "dbtls_policy_certificate" "p" {
  policy                 = %[3]s
  certificate_pem        = var.cert
  private_key_wo         = var.key
  private_key_wo_version = 1
%[4]s
}

resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = %[3]s
%[5]s
  depends_on = [dbtls_policy_certificate.p]
}
`, me.user, me.group, policyExpr, certExtra, bindingExtra)
}

// Issue 14, finding 1: a consumer given an edited copy of a policy's settings map wrote the key outside
// NEO4J_HOME, overwrote a foreign file (and deleted it on destroy), and rendered NONE and TLSv1 without
// a warning. Every such map is now refused while planning, and nothing is written anywhere.
func TestAccPolicyMap_EditedSettingsRefused(t *testing.T) {
	t.Parallel()
	me := currentUser(t)
	ca := pkitest.NewCA(t, "Trust CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph.internal"})
	for _, tc := range []struct {
		name  string
		merge func(elsewhere string) string
		err   string
	}{
		{
			// The issue's example, verbatim but for the directory.
			name: "issue example",
			merge: func(elsewhere string) string {
				return fmt.Sprintf(`{ neo4j_home = "/", private_key_path = %q, public_certificate_path = %q, client_auth = "NONE", tls_versions = "TLSv1" }`,
					filepath.Join(elsewhere, "stolen.key"), filepath.Join(elsewhere, "victim.crt"))
			},
			err: `(?s)neo4j_home Is A System Directory.*neo4j_home is /, a system directory`,
		},
		{
			name: "key path moved outside neo4j_home",
			merge: func(elsewhere string) string {
				return fmt.Sprintf(`{ private_key_path = %q }`, filepath.Join(elsewhere, "stolen.key"))
			},
			err: `(?s)Policy Settings Were Edited.*private_key_path is.*stolen.key.*declared suffixes resolve to`,
		},
		{
			name: "certificate path moved onto a foreign file",
			merge: func(elsewhere string) string {
				return fmt.Sprintf(`{ public_certificate_path = %q }`, filepath.Join(elsewhere, "victim.crt"))
			},
			err: `(?s)Policy Settings Were Edited.*public_certificate_path`,
		},
		{
			name:  "another host",
			merge: func(string) string { return `{ target = "ssh://deploy@graph-9.internal:22" }` },
			err:   `(?s)Policy Lives On Another Host.*graph-9.internal.*ssh \{ host = \.\.\. \}`,
		},
		{
			name: "another config file",
			merge: func(elsewhere string) string {
				return fmt.Sprintf(`{ config_file = %q }`, filepath.Join(elsewhere, "victim.crt"))
			},
			err: `(?s)Policy Uses Another Config File.*victim.crt`,
		},
		{
			name:  "unknown key",
			merge: func(string) string { return `{ private_key_password = "x" }` },
			err:   `(?s)Unknown Policy Setting.*private_key_password`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := newHome(t, realisticConf)
			elsewhere := t.TempDir()
			must(t, os.WriteFile(filepath.Join(elsewhere, "victim.crt"), []byte("a foreign certificate\n"), 0o644))
			before, beforeElsewhere := snapshot(t, home), snapshot(t, elsewhere)
			expr := "merge(dbtls_ssl_policy.p.settings, " + tc.merge(elsewhere) + ")"
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if after := snapshot(t, home); after != before {
						return fmt.Errorf("neo4j_home changed:\n--- before\n%s\n--- after\n%s", before, after)
					}
					if after := snapshot(t, elsewhere); after != beforeElsewhere {
						return fmt.Errorf("the directory outside neo4j_home changed:\n--- before\n%s\n--- after\n%s", beforeElsewhere, after)
					}
					return nil
				},
				Steps: []resource.TestStep{{
					Config:          trustPolicyConfig(home, me, expr, "", ""),
					ConfigVariables: vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t)),
					ExpectError:     regexp.MustCompile(tc.err),
				}},
			})
		})
	}
}

// A policy in another neo4j_home than the provider's is refused by its consumers until they name that
// neo4j_home themselves; then they write there.
func TestAccPolicyMap_OtherHomeNeedsExplicitOverride(t *testing.T) {
	me := currentUser(t)
	ca := pkitest.NewCA(t, "Trust CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph.internal"})
	home, other := newHome(t, realisticConf), newHome(t, realisticConf)
	before := snapshot(t, home)
	cfg := func(extra string) string {
		c := trustPolicyConfig(home, me, "dbtls_ssl_policy.p.settings", extra, extra)
		return strings.Replace(c, "  ciphers = [", fmt.Sprintf("  neo4j_home = %q\n  ciphers = [", other), 1)
	}
	v := vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := os.Stat(filepath.Join(other, "certificates", "p")); !os.IsNotExist(err) {
				return fmt.Errorf("the policy directory is still there after destroy (%v)", err)
			}
			if after := snapshot(t, home); after != before {
				return fmt.Errorf("the provider's neo4j_home changed")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(""), ConfigVariables: v,
				ExpectError: regexp.MustCompile(`(?s)Policy Lives In Another neo4j_home.*set\s+neo4j_home =.*on this\s+resource`),
			},
			{
				PreConfig: func() {
					if after := snapshot(t, home); after != before {
						t.Fatal("the refused plan changed the provider's neo4j_home")
					}
					if _, err := os.Stat(filepath.Join(other, "certificates", "p")); !os.IsNotExist(err) {
						t.Fatal("the refused plan created the policy directory")
					}
				},
				Config:          cfg(fmt.Sprintf("  neo4j_home = %q", other)),
				ConfigVariables: v,
				Check: resource.ComposeTestCheckFunc(
					checkKeyFile(filepath.Join(other, "certificates", "p", "private.key"), leaf.Key.Public()),
					checkFileLines(filepath.Join(other, "conf", "neo4j.conf"), "dbms.ssl.policy.bolt.base_directory=certificates/p"),
				),
			},
		},
	})
}

// neo4j_home may not be / or a system directory, on the provider or on a resource: with neo4j_home = "/"
// and base_directory = "etc" the plan was a chown of /etc. (The unknown owner makes sure that, should the
// check ever regress, the plan still stops before writing into the real /etc or /usr.)
func TestAccPolicy_SystemDirectoryHomeRefused(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	before := snapshot(t, home)
	etc := snapshot(t, "/etc/apt")
	for _, tc := range []struct{ name, config string }{
		{"provider", `provider "dbtls" {
  neo4j_home = "/"
}
resource "dbtls_ssl_policy" "p" {
  name           = "p"
  base_directory = "etc"
  owner          = "no-such-user-dbtls"
}
`},
		{"resource", providerBlock("5.26", home) + `
resource "dbtls_ssl_policy" "p" {
  name           = "p"
  neo4j_home     = "/usr"
  base_directory = "lib"
  owner          = "no-such-user-dbtls"
}
`},
		{"consumer", providerBlock("5.26", home) + `
resource "dbtls_channel_binding" "bolt" {
  channel    = "bolt"
  neo4j_home = "/etc"
  policy     = { name = "p" }
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if snapshot(t, home) != before || snapshot(t, "/etc/apt") != etc {
						return fmt.Errorf("a refused plan changed the host")
					}
					return nil
				},
				Steps: []resource.TestStep{{
					Config:      tc.config,
					ExpectError: regexp.MustCompile(`(?s)neo4j_home Is A System Directory.*system directory`),
				}},
			})
		})
	}
}

// dbtls_endpoint checks a whole settings map as the resources do.
func TestAccEndpoint_EditedPolicyMapRefused(t *testing.T) {
	home := newHome(t, realisticConf)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("5.26", home) + `
resource "dbtls_ssl_policy" "p" {
  name = "p"
}

data "dbtls_endpoint" "bolt" {
  url     = "neo4j+s://127.0.0.1:1"
  timeout = "2s"
  policy  = merge(dbtls_ssl_policy.p.settings, { private_key_path = "/elsewhere/stolen.key" })
}
`,
			ExpectError: regexp.MustCompile(`(?s)Policy Settings Were Edited.*private_key_path`),
		}},
	})
}

// The consumers' check of a policy map, in isolation: the policy resource's warnings come through the
// map, the binding adds its scope's, and the resource's own target decides where it may write.
func TestDiagnosticsPolicyMap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := newHome(t, realisticConf)
	d := &providerData{defaults: targetSpec{Version: "5.26", Neo4jHome: home}, hosts: newHostPool(), confs: newConfCache()}
	none := "NONE"
	p, probs := neo4j.ResolvePolicy(neo4j.MustParseVersion("5.26"), home, neo4j.PolicyInput{Name: "p", ClientAuth: &none,
		TLSVersions: []string{"TLSv1", "TLSv1.2"}, Ciphers: []string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}})
	if p == nil {
		t.Fatal(probs)
	}
	s := p.Settings()
	s["target"], s["config_file"] = "local", filepath.Join(home, "conf", "neo4j.conf")
	policy, diags := types.MapValueFrom(ctx, types.StringType, s)
	if diags.HasError() {
		t.Fatal(diags)
	}
	unset := consumerTarget{Neo4jHome: types.StringNull(), ConfigFile: types.StringNull()}
	r := &channelBindingResource{data: d}
	b, _, diags := r.resolve(ctx, policy, "cluster", nil, nil, unset)
	if b == nil || diags.HasError() {
		t.Fatalf("binding refused: %v", diags)
	}
	wantSummary(t, "NONE on the cluster scope", diags, "W:Client Authentication Weaker Than The Scope's Default")
	wantSummary(t, "TLSv1 through the map", diags, "W:Deprecated TLS Version")

	// The resource's own neo4j_home decides: the policy's is accepted, another refused.
	if _, diags := d.checkConsumedPolicy(s, consumerTarget{Neo4jHome: types.StringValue(home), ConfigFile: types.StringNull()}); diags.HasError() {
		t.Errorf("own neo4j_home equal to the policy's: %v", diags)
	}
	_, diags = d.checkConsumedPolicy(s, consumerTarget{Neo4jHome: types.StringValue("/srv/neo4j"), ConfigFile: types.StringNull()})
	wantSummary(t, "own neo4j_home elsewhere", diags, "E:Policy Lives In Another neo4j_home")
	// A policy on an SSH host is refused by a consumer of the local provider.
	s2 := maps.Clone(s)
	s2["target"] = "ssh://deploy@graph-1.internal:22"
	_, diags = d.checkConsumedPolicy(s2, unset)
	wantSummary(t, "policy on another host", diags, "E:Policy Lives On Another Host")
	s2 = maps.Clone(s)
	s2["config_file"] = "/etc/neo4j/neo4j.conf"
	_, diags = d.checkConsumedPolicy(s2, unset)
	wantSummary(t, "another config file", diags, "E:Policy Uses Another Config File")
	_, diags = d.checkConsumedPolicy(s2, consumerTarget{Neo4jHome: types.StringNull(), ConfigFile: types.StringValue("/etc/neo4j/neo4j.conf")})
	if diags.HasError() {
		t.Errorf("own config_file equal to the policy's: %v", diags)
	}
	var vd diag.Diagnostics
	validateTargetFields(types.StringNull(), types.StringValue("/"), types.StringNull(), path.Empty(), &vd)
	wantSummary(t, "neo4j_home /", vd, "E:neo4j_home Is A System Directory")
}
