package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/crypto/ssh"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// An unknown host and a mismatched host key are errors before anything is read or written, and they
// are not retried.
func TestAccSSH_HostKeyRefusals(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	sshd := testenv.SharedSSHD(t)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	sshPub, err := ssh.NewPublicKey(pub)
	must(t, err)
	wrongKey := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	port := sshd.Ports[0]
	for _, tc := range []struct {
		name, knownHosts, err string
	}{
		{"unknown host", sshd.KnownHostsFor(sshd.Ports[1]), `(?s)Cannot Reach Target.*not in known_hosts.*nothing was read or written`},
		{"wrong host key", fmt.Sprintf("[%s]:%d %s\n", sshd.Host, port, wrongKey), `(?s)Cannot Reach Target.*host key verification failed.*man in the middle`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := newHome(t, realisticConf)
			before := snapshot(t, home)
			cfg := fmt.Sprintf(`
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = %q
  ssh {
    host        = %q
    port        = %d
    user        = %q
    private_key = <<-EOT
%s
EOT
    known_hosts = <<-EOT
%s
EOT
  }
}
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`, home, sshd.Host, port, sshd.User, sshd.ClientKey, tc.knownHosts)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if snapshot(t, home) != before {
						return fmt.Errorf("neo4j_home changed although the host key was refused")
					}
					return nil
				},
				Steps: []resource.TestStep{{Config: cfg, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
}

// Logging in as a deploy user and writing as root through sudo: the tree ends up owned by the
// requested owner and neo4j.conf keeps its owner and mode.
func TestAccSSH_SudoDeployUser(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	requireRoot(t)
	sshd := testenv.SharedSSHD(t)
	if sshd.SudoUser == "" {
		t.Skipf("no sudo user on this machine: %s", sshd.SudoUnavailable)
	}
	home := newHome(t, realisticConf)
	conf := home + "/conf/neo4j.conf"
	base := home + "/certificates/example_policy"
	cfg := fmt.Sprintf(`
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = %q
  ssh {
    host        = %q
    port        = %d
    user        = %q
    sudo        = true
    private_key = <<-EOT
%s
EOT
    known_hosts = <<-EOT
%s
EOT
  }
}
resource "dbtls_ssl_policy" "example" {
  name  = "example_policy"
  owner = "nobody"
  group = "nogroup"
}
`, home, sshd.Host, sshd.Ports[2], sshd.SudoUser, sshd.ClientKey, sshd.KnownHostsFor(sshd.Ports[2]))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkAbsent(base), checkFileEquals(conf, realisticConf)),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeTestCheckFunc(
				checkDir(base, 0o755, 65534, 65534),
				checkDir(base+"/trusted", 0o755, 65534, 65534),
				checkFileLines(conf, "dbms.ssl.policy.example_policy.base_directory=certificates/example_policy"),
				func(*terraform.State) error {
					info, err := os.Stat(conf)
					if err != nil {
						return err
					}
					if info.Mode().Perm() != 0o640 {
						return fmt.Errorf("neo4j.conf mode changed to %o", info.Mode().Perm())
					}
					return nil
				},
			),
		}},
	})
}
