package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// readmeBlock returns the first ```terraform block after the heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	must(t, err)
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no heading %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```terraform\n")
	if !ok {
		t.Fatalf("README.md has no terraform block after %q", heading)
	}
	block, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatalf("the terraform block after %q in README.md is not closed", heading)
	}
	return block + "\n"
}

// The README's first configuration runs as pasted: it validates, and applied to a throwaway NEO4J_HOME
// with the key given as its ephemeral variable (through the environment, as the README says) it writes
// the policy, the key and the Bolt block, plans empty afterwards and destroys cleanly. No owner is set,
// so it also runs where no neo4j user exists.
func TestAccREADMEFirstConfiguration(t *testing.T) {
	t.Parallel()
	c := newTFCLI(t, readmeBlock(t, "## A first configuration"))
	c.env = append(c.env, "HOME="+t.TempDir())
	c.mustRun("validate")

	home := newHome(t, realisticConf)
	before := snapshot(t, home)
	ca := pkitest.NewCA(t, "README CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "graph-1.internal"})
	c.env = append(c.env, "TF_VAR_private_key_pem="+leaf.KeyPEM(t))
	c.setVars(map[string]any{"neo4j_home": home, "certificate_pem": leaf.CertPEM, "ca_pem": ca.CertPEM})
	out := c.apply()
	mustMatch(t, "the apply", out, `Apply complete! Resources: 3 added, 0 changed, 0 destroyed\.`)
	base := filepath.Join(home, "certificates", "client_policy")
	conf := filepath.Join(home, "conf", "neo4j.conf")
	hostCheck(t,
		checkKeyFile(filepath.Join(base, "private.key"), leaf.Key.Public()),
		checkMode(filepath.Join(base, "private.key"), 0o400),
		checkFileEquals(filepath.Join(base, "public.crt"), []byte(leaf.CertPEM)),
		checkFileLines(conf, "server.bolt.tls_level=REQUIRED", "dbms.ssl.policy.bolt.tls_versions=TLSv1.3"),
	)
	state := c.mustRun("state", "pull")
	if strings.Contains(state, "PRIVATE KEY") {
		t.Errorf("the key reached the state")
	}
	c.expectPlan(0, "right after the apply")
	c.mustRun("destroy", "-auto-approve", "-input=false")
	var keep []string
	for _, l := range strings.Split(snapshot(t, home), "\n") {
		if !strings.Contains(l, ".neo4j.conf.dbtls.lock") {
			keep = append(keep, l)
		}
	}
	if after := strings.Join(keep, "\n"); after != before {
		t.Errorf("destroy did not give the home back:\n--- before\n%s\n--- after\n%s", before, after)
	}
}

// docs/index.md links to every page of docs/ (GitHub readers have no other way around), and every
// relative link in it and in README.md leads to a file that exists.
func TestDocsIndexLinksEveryPage(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	link := regexp.MustCompile(`\]\(([^)#\s]+)\)`)
	linked := map[string]bool{}
	for _, doc := range []string{"docs/index.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join(root, doc))
		must(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			p := filepath.Join(root, filepath.Dir(doc), target)
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links to %s, which does not exist", doc, target)
			}
			if doc == "docs/index.md" {
				linked[filepath.Clean(p)] = true
			}
		}
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	must(t, err)
	if len(pages) < 10 {
		t.Fatalf("found only %d pages under docs/", len(pages))
	}
	for _, p := range pages {
		if !linked[filepath.Clean(p)] {
			t.Errorf("docs/index.md does not link to %s", strings.TrimPrefix(p, root+"/"))
		}
	}
}
