package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// foreignOwner is the uid and gid a pre-existing directory gets in these tests: nobody's when the
// tests run as root (only root can give a directory away), otherwise the test user's own.
func foreignOwner() (int, int) {
	if os.Geteuid() == 0 {
		return 65534, 65534
	}
	return os.Geteuid(), os.Getegid()
}

// Issue 14, finding 3: a 0700 directory named as base_directory became 0755 and was re-owned, with no
// plan warning and no restore on destroy. Now it is refused without adopt_existing (nothing changes),
// taken over with it, and given back its mode and owner on destroy.
func TestAccSSLPolicy_AdoptExisting(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T) {
		me := currentUser(t)
		home := newHome(t, realisticConf)
		base := filepath.Join(home, "certificates", "example_policy")
		must(t, os.Mkdir(base, 0o700))
		must(t, os.Chmod(base, 0o700))
		must(t, os.WriteFile(filepath.Join(base, "notes.txt"), []byte("someone else's\n"), 0o600))
		uid, gid := foreignOwner()
		must(t, os.Chown(base, uid, gid))
		must(t, os.Chown(filepath.Join(base, "notes.txt"), uid, gid))
		before := snapshot(t, filepath.Join(home, "certificates"))
		beforeConf := snapshot(t, filepath.Join(home, "conf"))
		cfg := func(adopt string) string {
			return providerBlock("5.26", home) + fmt.Sprintf(`
resource "dbtls_ssl_policy" "example" {
  name    = "example_policy"
  owner   = %q
  group   = %q
  ciphers = ["TLS_AES_256_GCM_SHA384"]
  %s
}
`, me.user, me.group, adopt)
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: resource.ComposeTestCheckFunc(
				// Restored: the mode and owner it had, the foreign file still there, the policy's own
				// subdirectories gone.
				checkDir(base, 0o700, uid, gid),
				checkAbsent(filepath.Join(base, "trusted"), filepath.Join(base, "revoked")),
				func(*terraform.State) error {
					// (conf/ gains the lock file of neo4j.conf, which stays.)
					if after := snapshot(t, filepath.Join(home, "certificates")); after != before {
						return fmt.Errorf("destroy did not give the directory back as it was:\n--- before\n%s\n--- after\n%s", before, after)
					}
					return nil
				},
			),
			Steps: []resource.TestStep{
				{
					Config:      cfg(""),
					ExpectError: regexp.MustCompile(`(?s)Existing Directory Would Be Taken Over.*example_policy.*drwx------.*adopt_existing = true`),
				},
				{
					PreConfig: func() {
						if after := snapshot(t, filepath.Join(home, "certificates")); after != before || snapshot(t, filepath.Join(home, "conf")) != beforeConf {
							t.Fatalf("the refused plan changed the host:\n--- before\n%s\n--- after\n%s", before, after)
						}
					},
					Config:      cfg("adopt_existing = false"),
					ExpectError: regexp.MustCompile(`(?s)Existing Directory Would Be Taken Over`),
				},
				{
					Config: cfg("adopt_existing = true"),
					Check: resource.ComposeTestCheckFunc(
						checkDir(base, 0o755, os.Geteuid(), os.Getegid()),
						checkDir(filepath.Join(base, "trusted"), 0o755, os.Geteuid(), os.Getegid()),
					),
				},
				// No change, no warning needed: the next plan is empty.
				{Config: cfg("adopt_existing = true"), PlanOnly: true},
			},
		})
	})
}

// A directory that already has the policy's mode and owner is used as it is, without adopt_existing;
// destroy leaves it (it was not created by the policy).
func TestAccSSLPolicy_ExistingMatchingDirectory(t *testing.T) {
	me := currentUser(t)
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "example_policy")
	must(t, os.Mkdir(base, 0o755))
	must(t, os.Chmod(base, 0o755))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDir(base, 0o755, os.Geteuid(), os.Getegid()),
		Steps: []resource.TestStep{{
			Config: providerBlock("5.26", home) + fmt.Sprintf(`
resource "dbtls_ssl_policy" "example" {
  name    = "example_policy"
  owner   = %q
  group   = %q
  ciphers = ["TLS_AES_256_GCM_SHA384"]
}
`, me.user, me.group),
			Check: checkDir(filepath.Join(base, "revoked"), 0o755, -1, -1),
		}},
	})
}

// setAttrFailingHost fails every SetAttr.
type setAttrFailingHost struct{ host.Host }

func (setAttrFailingHost) SetAttr(context.Context, string, fs.FileMode, host.Owner) error {
	return errors.New("injected failure")
}

// The takeover check and the restore, in isolation.
func TestDiagnosticsTakeover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := newHome(t, realisticConf)
	tgt := localTarget("5.26", home)
	p, probs := neo4j.ResolvePolicy(tgt.Version, home, neo4j.PolicyInput{Name: "p"})
	if p == nil {
		t.Fatal(probs)
	}
	must(t, os.Mkdir(p.BasePath, 0o700))
	must(t, os.Chmod(p.BasePath, 0o700))
	m := sslPolicyResourceModel{Owner: types.StringNull(), Group: types.StringNull(), AdoptExisting: types.BoolValue(false)}
	wantSummary(t, "0700 base directory", checkTakeover(ctx, tgt, p, m, policyPrivate{}), "E:Existing Directory Would Be Taken Over")
	m.AdoptExisting = types.BoolValue(true)
	wantSummary(t, "0700 base directory, adopt_existing", checkTakeover(ctx, tgt, p, m, policyPrivate{}), "W:Existing Directory Taken Over")
	// Adopted or created before: no diagnostic.
	if d := checkTakeover(ctx, tgt, p, m, policyPrivate{Created: []string{p.BasePath}}); len(d) != 0 {
		t.Errorf("a directory this policy created: %v", d)
	}
	m.AdoptExisting = types.BoolValue(false)
	if d := checkTakeover(ctx, tgt, p, m, policyPrivate{Adopted: map[string]adoptedDir{p.BasePath: {Mode: 0o700}}}); len(d) != 0 {
		t.Errorf("a directory adopted before: %v", d)
	}

	// Restore: back to the recorded mode; a failure is a warning that says what to do.
	must(t, os.Chmod(p.BasePath, 0o755))
	var st syscall.Stat_t
	must(t, syscall.Stat(p.BasePath, &st))
	adopted := map[string]adoptedDir{p.BasePath: {Mode: 0o700, UID: int(st.Uid), GID: int(st.Gid)}}
	if d := restoreAdopted(ctx, tgt.Host, adopted); len(d) != 0 {
		t.Fatal(d)
	}
	must(t, checkDir(p.BasePath, 0o700, int(st.Uid), int(st.Gid))(nil))
	must(t, os.Chmod(p.BasePath, 0o755))
	wantSummary(t, "restore fails", restoreAdopted(ctx, setAttrFailingHost{tgt.Host}, adopted), "W:Cannot Restore Adopted Directory")

	// A certificate file with other content: refused, or replaced with a warning.
	leaf := pkitest.NewCA(t, "Takeover CA").Issue(t, pkitest.Options{})
	certPath := filepath.Join(p.BasePath, "public.crt")
	must(t, os.WriteFile(certPath, []byte("hand-placed\n"), 0o644))
	files := []certFile{{path: certPath, data: []byte(leaf.CertPEM), mode: certFileMode, role: certRoleCert}}
	wantSummary(t, "foreign certificate", checkForeignCertFiles(ctx, tgt, files, leaf.Cert, false), "E:Existing File Would Be Overwritten")
	wantSummary(t, "foreign certificate, adopt_existing", checkForeignCertFiles(ctx, tgt, files, leaf.Cert, true), "W:Existing File Replaced")
	must(t, os.WriteFile(certPath, []byte(leaf.CertPEM), 0o644))
	if d := checkForeignCertFiles(ctx, tgt, files, leaf.Cert, false); len(d) != 0 {
		t.Errorf("the same certificate already there: %v", d)
	}
}

// Issue 14, finding 3: a hand-placed private.key and public.crt in the policy directory were replaced
// without a word. Now the plan refuses (nothing changes) unless adopt_existing = true, which warns,
// replaces them, and leaves them on destroy.
func TestAccPolicyCertificate_AdoptExisting(t *testing.T) {
	me := currentUser(t)
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "example_policy")
	must(t, os.Mkdir(base, 0o755))
	must(t, os.Chmod(base, 0o755))
	ca := pkitest.NewCA(t, "Adopt CA")
	handPlaced, leaf := ca.Issue(t, pkitest.Options{CommonName: "old.internal"}), ca.Issue(t, pkitest.Options{CommonName: "graph.internal"})
	keyFile, certFile := filepath.Join(base, "private.key"), filepath.Join(base, "public.crt")
	must(t, os.WriteFile(keyFile, []byte(handPlaced.KeyPEM(t)), 0o400))
	must(t, os.WriteFile(certFile, []byte(handPlaced.CertPEM), 0o644))
	before := snapshot(t, home)
	v := vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			// Adopted files stay, as the last apply wrote them.
			checkKeyFile(keyFile, leaf.Key.Public()),
			checkFileEquals(certFile, []byte(leaf.CertPEM)),
		),
		Steps: []resource.TestStep{
			{
				Config: certConfig("5.26", home, me, woBody(1, "")), ConfigVariables: v,
				ExpectError: regexp.MustCompile(`(?s)Existing File Would Be Overwritten.*private.key.*another key than the\s+certificate's`),
			},
			{
				PreConfig: func() {
					if after := snapshot(t, home); after != before {
						t.Fatalf("the refused plan changed the host:\n--- before\n%s\n--- after\n%s", before, after)
					}
				},
				Config: certConfig("5.26", home, me, woBody(1, "  adopt_existing = true\n")), ConfigVariables: v,
				Check: resource.ComposeTestCheckFunc(
					checkKeyFile(keyFile, leaf.Key.Public()),
					checkFileEquals(certFile, []byte(leaf.CertPEM)),
				),
			},
		},
	})
}

// The same files, already holding what would be written, need no opt-in.
func TestAccPolicyCertificate_ExistingIdenticalFiles(t *testing.T) {
	me := currentUser(t)
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "example_policy")
	must(t, os.Mkdir(base, 0o755))
	must(t, os.Chmod(base, 0o755))
	ca := pkitest.NewCA(t, "Adopt CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph.internal"})
	must(t, os.WriteFile(filepath.Join(base, "private.key"), []byte(leaf.KeyPEM(t)), 0o400))
	must(t, os.WriteFile(filepath.Join(base, "public.crt"), []byte(leaf.CertPEM), 0o644))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: certConfig("5.26", home, me, woBody(1, "")), ConfigVariables: vars("cert", leaf.CertPEM, "key", leaf.KeyPEM(t)),
			Check: checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
		}},
	})
}
