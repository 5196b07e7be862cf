package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// An owner or group the writing user cannot set is refused while planning, with the fix; the tests run as
// root, so the local identity is given.
func TestOwnerNeedsRoot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt := localTarget("5.26", newHome(t, realisticConf))
	deploy := func() (int, []int) { return 4242, []int{4242} }
	root := func() (int, []int) { return 0, []int{0} }

	d := checkOwnerPermittedAs(ctx, tgt, "root", "", deploy)
	wantExactly(t, "another owner, not root", d, "E:Owner Needs Root")
	if msg := d[0].Detail(); !strings.Contains(msg, `owner = "root" is uid 0`) || !strings.Contains(msg, "uid 4242") ||
		!strings.Contains(msg, "Run Terraform as root") || !strings.Contains(msg, "leave owner unset") {
		t.Errorf("detail: %s", msg)
	}
	wantExactly(t, "a group it is not in, not root", checkOwnerPermittedAs(ctx, tgt, "", "0", deploy), "E:Group Needs Root")
	wantExactly(t, "both", checkOwnerPermittedAs(ctx, tgt, "0", "0", deploy), "E:Owner Needs Root", "E:Group Needs Root")
	wantExactly(t, "itself and its own group", checkOwnerPermittedAs(ctx, tgt, "4242", "4242", deploy))
	wantExactly(t, "nothing to set", checkOwnerPermittedAs(ctx, tgt, "", "", deploy))
	wantExactly(t, "root may", checkOwnerPermittedAs(ctx, tgt, "4242", "4242", root))
	// A name that does not resolve is the Unknown Owner check's business.
	wantExactly(t, "unknown name", checkOwnerPermittedAs(ctx, tgt, "no-such-user-dbtls", "", deploy))

	// Over SSH with sudo, root writes: nothing to refuse whatever the local identity.
	sudo := *tgt
	sudo.SSH = &host.SSHConfig{Host: "graph-1.internal", User: "deploy", Sudo: true}
	wantExactly(t, "ssh with sudo", checkOwnerPermittedAs(ctx, &sudo, "0", "0", deploy))
}

// wantExactly asserts the diagnostics' summaries, in order ("E:"/"W:" prefixed), and nothing else.
func wantExactly(t *testing.T, what string, ds diag.Diagnostics, want ...string) {
	t.Helper()
	if got := summariesOf(ds); !slices.Equal(got, want) {
		t.Errorf("%s: diagnostics %q, want %q", what, got, want)
	}
}

// A managed block whose END marker was lost (a hand edit that deleted it) stops the plan with the line
// and what to do about it, and nothing is written.
func TestAccBrokenEndMarkerNamesTheFix(t *testing.T) {
	t.Parallel()
	broken := append(append([]byte{}, realisticConf...),
		"\n# BEGIN dbtls managed block: dbtls_channel_binding bolt\nserver.bolt.tls_level=REQUIRED\n"...)
	home := newHome(t, broken)
	before := snapshot(t, home)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("5.26", home) + `
resource "dbtls_ssl_policy" "bolt" {
  name = "bolt"
}

resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.bolt.settings
}
`,
			ExpectError: regexp.MustCompile(`(?s)Cannot Read Config File.*line\s+27:\s+managed\s+block\s+"dbtls_channel_binding\s+bolt"\s+has\s+no\s+END\s+marker.*Nothing\s+was\s+written\.\s+Open\s+\S+neo4j\.conf\s+at\s+line\s+27\s+and\s+mend\s+the\s+markers.*#\s+END\s+dbtls\s+managed\s+block:\s+<resource>\s+<name>.*Restore\s+a\s+lost\s+END\s+line`),
		}},
		CheckDestroy: func(*terraform.State) error {
			if after := snapshot(t, home); after != before {
				return fmt.Errorf("a refused plan changed the host:\n--- before\n%s\n--- after\n%s", before, after)
			}
			return nil
		},
	})
}

// An empty CA in trusted_certificates_pem is one error, not two, and messages about certificate_pem name
// the attribute as it is written.
func TestAccCertificateInputMessages(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	ca := pkitest.NewCA(t, "Messages CA")
	leaf := ca.Issue(t, pkitest.Options{})
	c := newTFCLI(t, `
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

variable "home" { type = string }
variable "cert" { type = string }
variable "key" { type = string }
variable "ca_pem" { type = string }

provider "dbtls" {
  neo4j_home = var.home
}

resource "dbtls_ssl_policy" "p" {
  name = "p"
}

resource "dbtls_policy_certificate" "p" {
  policy                   = dbtls_ssl_policy.p.settings
  certificate_pem          = var.cert
  private_key_pem          = var.key
  trusted_certificates_pem = [var.ca_pem]
}
`)
	before := snapshot(t, home)
	c.setVars(map[string]any{"home": home, "cert": leaf.CertPEM, "key": leaf.KeyPEM(t), "ca_pem": ""})
	code, out := c.plan()
	if code != 1 || strings.Count(out, "Error: ") != 1 {
		t.Errorf("ca_pem = \"\": exit %d, want 1 with one error:\n%s", code, out)
	}
	mustMatch(t, "the plan with an empty CA", out, `(?s)Error: Invalid Trusted Certificate.*A value of trusted_certificates_pem does not parse`)

	c.setVars(map[string]any{"home": home, "cert": "not a certificate", "key": leaf.KeyPEM(t), "ca_pem": ca.CertPEM})
	code, out = c.plan()
	if code != 1 || strings.Contains(out, "Certificate_pem") {
		t.Errorf("a bad certificate_pem: exit %d:\n%s", code, out)
	}
	mustMatch(t, "the plan with a bad certificate", out, `(?s)Error: Invalid Certificate.*The value of certificate_pem does not parse`)
	if after := snapshot(t, home); after != before {
		t.Errorf("a refused plan changed the host")
	}
}
