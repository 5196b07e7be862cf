package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// examples/modules/neo4j-cluster-tls applied to three "hosts": the three ports of the shared sshd,
// each with a NEO4J_HOME of its own, configured with for_each from one provider configuration whose
// ssh block gives the credentials and known_hosts.
func TestAccModuleNeo4jClusterTLS(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	sshd := testenv.SharedSSHD(t)
	if len(sshd.Ports) < 3 {
		t.Fatalf("the shared sshd has %d ports, want 3", len(sshd.Ports))
	}
	_, file, _, _ := runtime.Caller(0)
	module := filepath.Join(filepath.Dir(file), "..", "..", "examples", "modules", "neo4j-cluster-tls")
	me := currentUser(t)
	ca := pkitest.NewCA(t, "cluster CA")

	var members, certs, keys, knownHosts strings.Builder
	homes := map[string]string{}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("graph-%d", i+1)
		home := newHome(t, []byte("# Neo4j 5\nserver.default_listen_address=0.0.0.0\n"))
		homes[name] = home
		leaf := ca.Issue(t, pkitest.Options{CommonName: name + ".internal"})
		fmt.Fprintf(&members, "    %q = { host = %q, port = %d, neo4j_home = %q }\n", name, sshd.Host, sshd.Ports[i], home)
		fmt.Fprintf(&certs, "    %q = <<-EOT\n%sEOT\n", name, leaf.CertPEM)
		fmt.Fprintf(&keys, "    %q = <<-EOT\n%s\nEOT\n", name, strings.TrimSpace(leaf.KeyPEM(t)))
		knownHosts.WriteString(sshd.KnownHostsFor(sshd.Ports[i]))
	}
	config := fmt.Sprintf(`
provider "dbtls" {
  neo4j_version = "5.26"
  ssh {
    user        = %q
    private_key = <<-EOT
%s
EOT
    known_hosts = <<-EOT
%s
EOT
  }
}

module "graph_tls" {
  source = %q

  members = {
%s  }
  certificates_pem = {
%s  }
  private_keys_pem = {
%s  }
  ca_certificate_pem = <<-EOT
%sEOT
  owner = %q
}
`, sshd.User, sshd.ClientKey, knownHosts.String(), module, members.String(), certs.String(), keys.String(), ca.CertPEM, me.user)

	checkMembers := func(*terraform.State) error {
		for name, home := range homes {
			conf := filepath.Join(home, "conf", "neo4j.conf")
			for _, check := range []func(*terraform.State) error{
				checkFileLines(conf, "server.bolt.tls_level=REQUIRED", "server.https.enabled=true",
					"dbms.ssl.policy.bolt.tls_versions=TLSv1.3", "dbms.ssl.policy.cluster.client_auth=REQUIRE",
					"dbms.ssl.policy.backup.base_directory=certificates/cluster_policy"),
				checkBlockCount(conf, 4),
				checkFileMode(filepath.Join(home, "certificates", "client_policy", "private.key"), 0o400),
				checkFileMode(filepath.Join(home, "certificates", "cluster_policy", "trusted", "public.crt"), 0o644),
			} {
				if err := check(nil); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		return nil
	}
	// terraform-plugin-testing does not install modules, so this test drives the CLI itself, with the
	// provider built as a binary.
	tf := newTFCLI(t, "terraform {\n  required_providers {\n    dbtls = { source = \"dbtls/dbtls\" }\n  }\n}\n"+config)
	tf.mustRun("get")
	tf.mustRun("apply", "-auto-approve")
	if err := checkMembers(nil); err != nil {
		t.Fatal(err)
	}
	if code, out := tf.run("plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan after apply is not empty (exit %d):\n%s", code, out)
	}
	// One SSH connection per host for the whole apply, shared by its 24 resources.
	tf.mustRun("destroy", "-auto-approve")
	for name, home := range homes {
		if _, err := os.Stat(filepath.Join(home, "certificates", "client_policy")); !os.IsNotExist(err) {
			t.Errorf("%s: client_policy still exists after destroy", name)
		}
		if err := checkBlockCount(filepath.Join(home, "conf", "neo4j.conf"), 0)(nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func checkFileMode(p string, mode os.FileMode) func(*terraform.State) error {
	return func(*terraform.State) error {
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() || info.Mode().Perm() != mode {
			return fmt.Errorf("%s is %s, want a regular file with mode %o", p, info.Mode(), mode)
		}
		return nil
	}
}
