package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Every refusal is a plan-time error that names the attribute and the fix, and leaves the host
// exactly as it was (no directory, no byte of neo4j.conf, not even outside neo4j_home).
func TestAccSSLPolicy_Refusals(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		confWithForeignKey := append(append([]byte{}, realisticConf...), []byte("\ndbms.ssl.policy.example_policy.client_auth=NONE\n")...)
		for _, tc := range []struct {
			name    string
			version string
			conf    []byte // nil: no neo4j.conf at all
			body    string // resource arguments besides name
			rname   string // policy name, default example_policy
			setup   func(t *testing.T, home, outside string)
			err     string
		}{
			{name: "bad client_auth", version: "5.26", body: `client_auth = "SOMETIMES"`, err: `(?s)client_auth.*value must be one of`},
			{name: "unknown TLS version", version: "5.26", body: `tls_versions = ["TLSv1.4"]`, err: `(?s)tls_versions.*value must be one of`},
			// TLSv1.3 before 5.24 is no longer refused (a warning: Neo4j's tls_versions is a free list); the
			// version rules that remain refusals:
			{name: "CBC cipher on 2025.01", version: "2025.01", body: `ciphers = ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"]`, err: `(?s)Cipher Not Supported By This Neo4j Version.*TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256`},
			{name: "trust_expired before 5.24", version: "5.23", body: `trust_expired = false`, err: `(?s)Setting Not In This Neo4j Version.*trust_expired exists from Neo4j 5.24`},
			{name: "relative private_key on 3.5", version: "3.5", body: `private_key = "private.key"`, err: `(?s)Neo4j 3.5 Needs An Absolute Path.*private_key`},
			{name: "allow_key_generation on 5.x", version: "5.26", body: `allow_key_generation = false`, err: `(?s)allow_key_generation exists only in Neo4j.*3.5`},
			{name: "allow_key_generation on 4.4", version: "4.4", body: `allow_key_generation = true`, err: `Setting Not In This Neo4j Version`},
			{name: "dotdot in name", version: "3.5", rname: "../etc", err: `(?s)name.*must consist of letters, digits`},
			{name: "dotdot in base_directory", version: "5.26", body: `base_directory = "certificates/../../etc"`, err: `(?s)base_directory.*has a ".." element`},
			{name: "absolute base_directory outside home", version: "5.26", body: `base_directory = "/etc/neo4j-certs"`, err: `(?s)Base Directory Outside neo4j_home.*relative to neo4j_home`},
			{name: "absolute private_key", version: "5.26", body: `private_key = "/etc/ssl/private/key.pem"`, err: `(?s)Path Escapes The Policy Directory`},
			{name: "relative trusted_dir on 3.5", version: "3.5", body: `trusted_dir = "trusted"`, err: `(?s)Neo4j 3.5 Needs An Absolute Path`},
			{name: "unknown owner", version: "5.26", body: `owner = "no-such-user-dbtls"`, err: `(?s)Unknown Owner.*no-such-user-dbtls`},
			{name: "missing config_file on 3.5", version: "3.5", conf: []byte{}, err: `(?s)Config File Not Found.*does not exist on local.*neo4j_home`},
			{name: "duplicated key outside the block", version: "3.5", conf: confWithForeignKey, err: `(?s)Conflicting Setting In neo4j.conf.*dbms.ssl.policy.example_policy.client_auth.*line 27`},
			{
				name: "symlink at the base directory", version: "5.26",
				setup: func(t *testing.T, home, outside string) {
					must(t, os.Symlink(outside, filepath.Join(home, "certificates", "example_policy")))
				},
				err: `(?s)Unsafe Path On The Host.*example_policy.*symbolic link`,
			},
			{
				name: "symlink on the way to the base directory", version: "3.5",
				setup: func(t *testing.T, home, outside string) {
					must(t, os.Remove(filepath.Join(home, "certificates")))
					must(t, os.Symlink(outside, filepath.Join(home, "certificates")))
				},
				err: `(?s)Unsafe Path On The Host.*certificates.*symbolic link`,
			},
			{
				name: "existing block of another resource", version: "3.5",
				conf: append(append([]byte{}, realisticConf...), []byte("\n# BEGIN dbtls managed block: dbtls_ssl_policy example_policy\ndbms.ssl.policy.example_policy.base_directory=x\n# END dbtls managed block: dbtls_ssl_policy example_policy\n")...),
				err:  `(?s)Managed Block Already Exists.*terraform import`,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				conf := tc.conf
				if conf == nil {
					conf = realisticConf
				}
				home := newHome(t, conf)
				if tc.conf != nil && len(tc.conf) == 0 {
					must(t, os.Remove(filepath.Join(home, "conf", "neo4j.conf")))
				}
				outside := t.TempDir()
				must(t, os.WriteFile(filepath.Join(outside, "keep.txt"), []byte("foreign"), 0o600))
				if tc.setup != nil {
					tc.setup(t, home, outside)
				}
				before, beforeOutside := snapshot(t, home), snapshot(t, outside)
				name := tc.rname
				if name == "" {
					name = "example_policy"
				}
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
					CheckDestroy: func(*terraform.State) error {
						if after := snapshot(t, home); after != before {
							return fmt.Errorf("neo4j_home changed:\n--- before\n%s\n--- after\n%s", before, after)
						}
						if after := snapshot(t, outside); after != beforeOutside {
							return fmt.Errorf("a directory outside neo4j_home changed")
						}
						return nil
					},
					Steps: []resource.TestStep{{
						Config: providerBlock(tc.version, home) + fmt.Sprintf(`
resource "dbtls_ssl_policy" "example" {
  name = %q
  %s
}
`, name, tc.body),
						ExpectError: regexp.MustCompile(tc.err),
					}},
				})
			})
		}
	})
}

// An unsupported neo4j_version is a plan-time error naming the attribute and the supported versions.
func TestAccProvider_UnsupportedVersion(t *testing.T) {
	home := newHome(t, realisticConf)
	before := snapshot(t, home)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if snapshot(t, home) != before {
				return fmt.Errorf("neo4j_home changed")
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: providerBlock("6.1", home) + `
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Unsupported Neo4j Version.*"6.1".*"3.5", "4.0" to "4.4"`),
		}},
	})
}
