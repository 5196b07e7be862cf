package provider

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// Every resource's acceptance tests run twice: against the local machine and against the same
// machine through a real OpenSSH server on loopback (the shared sshd of this package, started on
// first use), so the SSH transport is held to exactly the local host's behaviour. The files land in
// the same paths either way, so the tests' checks on the filesystem work for both.

func TestMain(m *testing.M) {
	// The sudo test user may run what the provider runs through sudo, and nothing else.
	testenv.SharedSSHDOptions.SudoUser = true
	testenv.SharedSSHDOptions.SudoCommands = host.SudoCommands()
	code := m.Run()
	testenv.StopSharedSSHD()
	if err := testenv.LeftAsFound(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// transport is how the provider reaches the test's NEO4J_HOME.
type transport struct {
	name string
	sshd *testenv.SSHD // nil: the local machine
	port int
}

// sshBlock is the provider's ssh block for this transport ("" for local).
func (tr transport) sshBlock() string {
	if tr.sshd == nil {
		return ""
	}
	return fmt.Sprintf(`
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
`, tr.sshd.Host, tr.port, tr.sshd.User, tr.sshd.ClientKey, tr.sshd.KnownHostsFor(tr.port))
}

var (
	// homeTransports remembers which transport each test's NEO4J_HOME is reached through, so that
	// providerBlock renders the right provider block without every helper passing it along.
	homeTransports sync.Map // home -> transport
	testTransports sync.Map // *testing.T -> transport
)

// eachTransport runs f as two subtests, "local" and "ssh".
func eachTransport(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, tr := range []transport{{name: "local"}, {name: "ssh"}} {
		t.Run(tr.name, func(t *testing.T) {
			if tr.name == "ssh" {
				if os.Getenv("TF_ACC") == "" {
					t.Skip("acceptance test: set TF_ACC=1")
				}
				tr.sshd = testenv.SharedSSHD(t)
				tr.port = tr.sshd.Ports[0]
			}
			testTransports.Store(t, tr)
			t.Cleanup(func() { testTransports.Delete(t) })
			f(t)
		})
	}
}

func bindHomeTransport(t *testing.T, home string) {
	if v, ok := testTransports.Load(t); ok {
		homeTransports.Store(home, v)
	}
}

func transportOfHome(home string) transport {
	if v, ok := homeTransports.Load(home); ok {
		return v.(transport)
	}
	return transport{name: "local"}
}
