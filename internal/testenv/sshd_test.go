package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshdLogin logs in to port as user with the server's client key, verifying the host key with
// knownHosts.
func sshdLogin(t *testing.T, s *SSHD, port int, user, knownHosts string) (*ssh.Client, error) {
	t.Helper()
	signer, err := ssh.ParsePrivateKey([]byte(s.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	f := t.TempDir() + "/known_hosts"
	if err := os.WriteFile(f, []byte(knownHosts), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(f)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)), &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb, Timeout: 10 * time.Second,
	})
}

func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	out, err := sess.Output(cmd)
	if err != nil {
		t.Fatalf("%s: %v: %s", cmd, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}

// trickyScript is a command for the sudo test user's rule with every character that sudoers or
// fnmatch treat specially.
const trickyScript = `printf '%s|%s\n' "a=b:c,d [x] *? \\ (!) #;" "$1"`

func TestMain(m *testing.M) {
	code := m.Run()
	StopSharedSSHD()
	if err := LeftAsFound(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// runErr runs cmd in a new session of c and returns its output and error.
func runErr(c *ssh.Client, cmd string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	return strings.TrimSpace(string(out)), err
}

func TestSSHD(t *testing.T) {
	s := StartSSHD(t, SSHDOptions{Ports: 3, SudoUser: true, SudoCommands: [][]string{
		{"/usr/bin/id", "-un"},
		{"/bin/sh", "-c", trickyScript, "x", "*"},
	}})
	if len(s.Ports) != 3 || s.Ports[0] == s.Ports[1] {
		t.Fatalf("ports %v", s.Ports)
	}
	if types := s.HostKeyTypes(); len(types) != 2 {
		t.Errorf("host key types %v", types)
	}
	if !strings.HasPrefix(s.HostKey(""), "ssh-ed25519 AAAA") {
		t.Errorf("HostKey = %q", s.HostKey(""))
	}
	if n := strings.Count(s.KnownHosts(), "\n"); n != 6 {
		t.Errorf("KnownHosts has %d lines:\n%s", n, s.KnownHosts())
	}

	for _, port := range s.Ports {
		c, err := sshdLogin(t, s, port, s.User, s.KnownHostsFor(port))
		if err != nil {
			t.Fatalf("port %d: %v\n%s", port, err, s.Log())
		}
		if got := run(t, c, "id -un"); got != s.User {
			t.Errorf("logged in as %q, want %q", got, s.User)
		}
		c.Close()
	}
	// Only this port's key is known for this port.
	if _, err := sshdLogin(t, s, s.Ports[1], s.User, s.KnownHostsFor(s.Ports[0])); err == nil {
		t.Error("host key of another port accepted")
	}
	if n, err := s.Connections(s.Ports[0]); err != nil || n != 1 {
		t.Errorf("Connections(port 0) = %d, %v; want 1", n, err)
	}
	if n, err := s.Connections(0); err != nil || n != 4 {
		t.Errorf("Connections(all) = %d, %v; want 4", n, err)
	}
	if n, err := s.Logins(); err != nil || n != 3 {
		t.Errorf("Logins() = %d, %v; want 3", n, err)
	}

	if s.SudoUser == "" {
		t.Logf("no sudo user: %s", s.SudoUnavailable)
	} else {
		c, err := sshdLogin(t, s, s.Port(), s.SudoUser, s.KnownHosts())
		if err != nil {
			t.Fatalf("login as %s: %v\n%s", s.SudoUser, err, s.Log())
		}
		if got := run(t, c, "id -un; sudo -n id -un"); got != s.SudoUser+"\nroot" {
			t.Errorf("sudo user: %q", got)
		}
		// Exactly the commands of the rule: the tricky one as written, with any arguments after
		// it; not another command, not other arguments, not the script changed by a byte.
		want := "a=b:c,d [x] *? \\ (!) #;|arg one"
		if got := run(t, c, "sudo -n sh -c "+shellWord(trickyScript)+" x 'arg one'"); got != want {
			t.Errorf("sudo sh -c <tricky script> = %q, want %q", got, want)
		}
		for _, cmd := range []string{"sudo -n id", "sudo -n id -u", "sudo -n true", "sudo -n sh -c " + shellWord(trickyScript+" ") + " x y",
			"sudo -n sh -c " + shellWord(trickyScript+"; id") + " x y", "sudo -n sh -c id"} {
			if out, err := runErr(c, cmd); err == nil {
				rule, _ := os.ReadFile(sudoersPath(s.SudoUser))
				t.Errorf("%s: allowed (%q); the rule lets in more than it lists:\n%s", cmd, out, rule)
			}
		}
		c.Close()
	}

	// A killed server refuses connections and ends the sessions it had; a restart serves again.
	c, err := sshdLogin(t, s, s.Port(), s.User, s.KnownHosts())
	if err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if s.Running() {
		t.Error("Running after Kill")
	}
	if _, err := c.NewSession(); err == nil {
		sess, _ := c.NewSession()
		if sess != nil {
			if _, err := sess.Output("true"); err == nil {
				t.Error("a session of the killed server still works")
			}
		}
	}
	if _, err := net.DialTimeout("tcp", s.Addr(0), time.Second); err == nil {
		t.Error("port still accepts connections after Kill")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	c, err = sshdLogin(t, s, s.Port(), s.User, s.KnownHosts())
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	c.Close()
	if n, _ := s.Connections(s.Port()); n != 4 {
		t.Errorf("Connections after restart = %d, want 4 (the count spans restarts)", n)
	}

	dir := s.Dir
	s.Stop()
	if _, err := net.DialTimeout("tcp", s.Addr(0), time.Second); err == nil {
		t.Error("port still accepts connections after Stop")
	}
	if entries, err := os.ReadDir(dir); err == nil || !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", dir, entries)
	}
}

func TestSSHDEncryptedClientKey(t *testing.T) {
	s := SharedSSHD(t)
	pemKey, err := s.EncryptedClientKey("secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssh.ParsePrivateKey([]byte(pemKey)); err == nil {
		t.Fatal("encrypted key parsed without a passphrase")
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase([]byte(pemKey), []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := ssh.ParsePrivateKey([]byte(s.ClientKey))
	if !bytes.Equal(signer.PublicKey().Marshal(), plain.PublicKey().Marshal()) {
		t.Error("encrypted key is another key")
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

// Without sshd the SSH tests are skipped, saying what to install, unless CI is set: then they fail.
// Any other failure to start sshd fails them everywhere.
func TestSkipOrFatal(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		err      error
		wantSkip bool
	}{
		{"", ErrNoSSHD, true},
		{"false", ErrNoSSHD, true},
		{"0", ErrNoSSHD, true},
		{"1", ErrNoSSHD, false},
		{"true", ErrNoSSHD, false},
		{"", fmt.Errorf("sshd exited during start-up"), false},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		skipOrFatal(r, "starting sshd", tc.err)
		switch {
		case tc.wantSkip && (r.skipped == "" || r.failed != ""):
			t.Errorf("CI=%q, %v: skipped %q, failed %q; want a skip", tc.ci, tc.err, r.skipped, r.failed)
		case !tc.wantSkip && (r.failed == "" || r.skipped != ""):
			t.Errorf("CI=%q, %v: skipped %q, failed %q; want a failure", tc.ci, tc.err, r.skipped, r.failed)
		}
		if tc.wantSkip && !strings.Contains(r.skipped, "apt-get install -y openssh-server") {
			t.Errorf("skip message %q does not say what to install", r.skipped)
		}
	}
}
