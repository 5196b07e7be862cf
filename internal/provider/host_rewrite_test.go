package provider

// What a rewrite of a file on the host must keep or refuse (ACLs, extended attributes, hard links),
// and the temp files a killed write leaves, through Terraform, locally and over SSH.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// hostTool runs an oracle command (getfacl, setfacl, getfattr, setfattr) and returns its output.
func hostTool(t *testing.T, pkg, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (Debian: apt-get install -y %s); .ci/run installs it", name, pkg)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// aclAndXattrs is getfacl's and getfattr's view of p.
func aclAndXattrs(t *testing.T, p string) string {
	return hostTool(t, "acl", "getfacl", "--absolute-names", "--numeric", p) +
		hostTool(t, "attr", "getfattr", "--absolute-names", "--dump", "--match=-", "--encoding=hex", p)
}

// snapshotNoLocks is snapshot without the lock files a refused apply leaves beside neo4j.conf (by
// design: see host.Lock).
func snapshotNoLocks(t *testing.T, root string) string {
	var keep []string
	for _, l := range strings.Split(snapshot(t, root), "\n") {
		if !strings.Contains(l, ".dbtls.lock ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// A neo4j.conf whose ACL denies a group (though "other" may read it) and grants a user, with a user
// attribute. Locally, one apply and one destroy keep all of it byte for byte. Over SSH, where SFTP
// can copy none of it, the apply is refused with the reason and nothing is written.
func TestAccSSLPolicy_ConfACLKept(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("setting ACLs for other users needs root")
		}
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		must(t, os.Chmod(conf, 0o644))
		hostTool(t, "acl", "setfacl", "-m", "u:nobody:rw-,g:nogroup:---", conf)
		hostTool(t, "attr", "setfattr", "-n", "user.dbtls.note", "-v", "keep me", conf)
		attrs := aclAndXattrs(t, conf)
		if !strings.Contains(attrs, "group:65534:---") || !strings.Contains(attrs, "user.dbtls.note") {
			t.Fatalf("the fixture did not take:\n%s", attrs)
		}
		keep := func(*terraform.State) error {
			if got := aclAndXattrs(t, conf); got != attrs {
				return fmt.Errorf("ACL or extended attributes of neo4j.conf changed:\n%s\nwant:\n%s", got, attrs)
			}
			return nil
		}
		cfg := providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`
		if transportOfHome(home).name == "ssh" {
			before := snapshotNoLocks(t, home)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(s *terraform.State) error {
					if after := snapshotNoLocks(t, home); after != before {
						return fmt.Errorf("a refused apply changed neo4j_home:\n--- before\n%s\n--- after\n%s", before, after)
					}
					return keep(s)
				},
				Steps: []resource.TestStep{{
					Config:      cfg,
					ExpectError: regexp.MustCompile(`(?s)Cannot Write neo4j.conf.*POSIX ACL.*left unchanged`),
				}},
			})
			return
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: resource.ComposeTestCheckFunc(keep, func(*terraform.State) error {
				if b, _ := os.ReadFile(conf); string(b) != string(realisticConf) {
					return fmt.Errorf("destroy did not restore neo4j.conf:\n%s", b)
				}
				return nil
			}),
			Steps: []resource.TestStep{{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(keep,
					checkFileLines(conf, "dbms.ssl.policy.example_policy.base_directory=certificates/example_policy"),
				),
			}},
		})
	})
}

// A hard-linked neo4j.conf is never replaced (the names would part silently): the apply is refused
// with the reason, and both names keep the old content.
func TestAccSSLPolicy_HardLinkedConfRefused(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		conf := filepath.Join(home, "conf", "neo4j.conf")
		backup := filepath.Join(home, "conf", "neo4j.conf.orig")
		must(t, os.Link(conf, backup))
		before := snapshotNoLocks(t, home)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				if after := snapshotNoLocks(t, home); after != before {
					return fmt.Errorf("a refused apply changed neo4j_home:\n--- before\n%s\n--- after\n%s", before, after)
				}
				a, err1 := os.Stat(conf)
				b, err2 := os.Stat(backup)
				if err1 != nil || err2 != nil || !os.SameFile(a, b) {
					return fmt.Errorf("neo4j.conf and its second name no longer share one file (%v, %v)", err1, err2)
				}
				return nil
			},
			Steps: []resource.TestStep{{
				Config: providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Cannot Write neo4j.conf.*2 hard links.*left unchanged`),
			}},
		})
	})
}

// Temp files a killed write left beside the key and the certificate (the key's is a full copy of a
// key) are removed by the next apply, and by destroy, which then removes the policy's directories.
func TestAccPolicyCertificate_StaleTempsRemoved(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		me := currentUser(t)
		ca := pkitest.NewCA(t, "Leftover CA")
		a := ca.Issue(t, pkitest.Options{})
		a2 := reissue(t, ca, a)
		keyTemp := filepath.Join(base, ".private.key.dbtls-tmp-0123456789abcdef")
		certTemp := filepath.Join(base, ".public.crt.dbtls-tmp-fedcba9876543210")
		trustedTemp := filepath.Join(base, "trusted", ".trusted-0011223344556677.crt.dbtls-tmp-00ff00ff00ff00ff")
		plant := func(paths ...string) func() {
			return func() {
				for _, p := range paths {
					must(t, os.WriteFile(p, []byte(a.KeyPEM(t)), 0o400))
				}
			}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             checkAbsent(base),
			Steps: []resource.TestStep{
				{
					Config:          certConfig("5.26", home, me, woBody(1, "")),
					ConfigVariables: vars("cert", a.CertPEM, "key", a.KeyPEM(t)),
				},
				{
					// A renewal (an update) after a killed write: the leftovers go.
					PreConfig:        plant(keyTemp, certTemp),
					Config:           certConfig("5.26", home, me, woBody(1, "")),
					ConfigVariables:  vars("cert", a2.CertPEM, "key", a.KeyPEM(t)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate)}},
					Check:            resource.ComposeTestCheckFunc(checkAbsent(keyTemp, certTemp), checkFileEquals(filepath.Join(base, "public.crt"), []byte(a2.CertPEM))),
				},
				{
					// Leftovers again, then destroy (after this step): they must not keep the directories.
					PreConfig:       plant(keyTemp, trustedTemp),
					Config:          certConfig("5.26", home, me, woBody(1, "")),
					ConfigVariables: vars("cert", a2.CertPEM, "key", a.KeyPEM(t)),
				},
			},
		})
	})
}

// neo4j.conf stays writable through a symlinked conf/ (packages link it to /etc/neo4j): the
// confinement below neo4j_home covers the policy's directories and files, not the installation's
// own configuration directory.
func TestAccSSLPolicy_SymlinkedConfDir(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		home := newHome(t, nil)
		etc := t.TempDir()
		conf := filepath.Join(etc, "neo4j.conf")
		must(t, os.WriteFile(conf, realisticConf, 0o640))
		must(t, os.Remove(filepath.Join(home, "conf")))
		must(t, os.Symlink(etc, filepath.Join(home, "conf")))
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             resource.ComposeTestCheckFunc(checkFileEquals(conf, realisticConf), checkAbsent(filepath.Join(home, "certificates", "example_policy"))),
			Steps: []resource.TestStep{{
				Config: providerBlock("3.5", home) + `
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`,
				Check: resource.ComposeTestCheckFunc(
					checkFileLines(conf, "dbms.ssl.policy.example_policy.base_directory=certificates/example_policy"),
					checkDir(filepath.Join(home, "certificates", "example_policy"), 0o755, -1, -1),
				),
			}},
		})
	})
}

// Every change a resource makes through its target below neo4j_home is confined (host.Beneath), even
// one the plan-time checks could not see coming: a certificates/ swapped for a symlink after them.
func TestTargetConfinesChangesBelowHome(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	outside := t.TempDir()
	must(t, os.Symlink(outside, filepath.Join(home, "certificates")))
	tgt := newTarget(neo4j.MustParseVersion("5.26"), home, filepath.Join(home, "conf", "neo4j.conf"), host.NewLocal(), nil)
	ctx := context.Background()
	key := filepath.Join(home, "certificates", "private.key")
	if err := tgt.Host.WriteFile(ctx, key, []byte("secret"), 0o400, host.Owner{}); !errors.Is(err, host.ErrSymlink) {
		t.Fatalf("WriteFile through the swapped directory: %v, want ErrSymlink", err)
	}
	if _, err := tgt.Host.Mkdir(ctx, filepath.Join(home, "certificates", "bolt"), 0o755, host.Owner{}); !errors.Is(err, host.ErrSymlink) {
		t.Fatalf("Mkdir through the swapped directory: %v, want ErrSymlink", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("%s holds %d entries", outside, len(entries))
	}
	if tgt.confHost() == tgt.Host {
		t.Error("neo4j.conf must be edited through the unconfined host")
	}
}
