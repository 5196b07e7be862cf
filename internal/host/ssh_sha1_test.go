package host

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// TestSSHSHA1HostKeySignatures reproduces the finding that a server signing its host key with SHA-1
// (`ssh-rsa`) was accepted: against an sshd whose HostKeyAlgorithms is ssh-rsa only, the dial is now
// refused without AllowSHA1HostKeySignatures and succeeds with it. OpenSSH's own client, the
// reference, is asked the same questions and must answer the same way.
func TestSSHSHA1HostKeySignatures(t *testing.T) {
	t.Parallel()
	s := testenv.StartSSHD(t, testenv.SSHDOptions{HostKeyAlgorithms: "ssh-rsa"})
	for _, known := range []struct{ name, lines string }{
		{"every host key known", s.KnownHostsFor(s.Port())},
		{"only the RSA key known", s.KnownHostsFor(s.Port(), "ssh-rsa")},
	} {
		t.Run(known.name, func(t *testing.T) {
			cfg := rootSSHConfig(s, s.Port())
			cfg.KnownHosts = known.lines
			before, _ := s.Logins()
			_, err := DialSSH(context.Background(), cfg)
			var sha1 *SHA1HostKeyError
			if !errors.As(err, &sha1) {
				t.Fatalf("dial without the opt-in = %v, want a SHA1HostKeyError", err)
			}
			if !strings.Contains(err.Error(), "ssh-rsa") || !strings.Contains(err.Error(), "SHA-1") {
				t.Errorf("message does not say what was offered and why it is refused: %s", err)
			}
			if !permanent(err) || transient(err) {
				t.Errorf("a SHA-1 refusal must not be retried: permanent %v, transient %v", permanent(err), transient(err))
			}
			if after, _ := s.Logins(); after != before {
				t.Errorf("the refused dial logged in (%d logins before, %d after)", before, after)
			}

			cfg.AllowSHA1HostKeySignatures = true
			h, err := DialSSH(context.Background(), cfg)
			if err != nil {
				t.Fatalf("dial with the opt-in: %v", err)
			}
			defer h.Close()
			if _, err := h.Lstat(context.Background(), "/"); err != nil {
				t.Fatal(err)
			}
		})
	}

	// The cross-check: OpenSSH's client (8.8 and later) refuses the same server by default and accepts it
	// with ssh-rsa added back.
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Log("OpenSSH client not installed: skipping the cross-check")
		return
	}
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(s.KnownHostsFor(s.Port(), "ssh-rsa")), 0o600); err != nil {
		t.Fatal(err)
	}
	openssh := func(extra ...string) error {
		args := []string{"-F", "/dev/null", "-p", strconv.Itoa(s.Port()), "-i", s.ClientKeyPath, "-o", "UserKnownHostsFile=" + kh,
			"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"}
		args = append(args, extra...)
		args = append(args, s.User+"@"+s.Host, "true")
		out, err := exec.Command("ssh", args...).CombinedOutput()
		if err != nil {
			return errors.New(string(out))
		}
		return nil
	}
	if err := openssh(); err == nil || !strings.Contains(err.Error(), "no matching host key type") {
		t.Errorf("OpenSSH's client by default: %v, want it to refuse the ssh-rsa-only server too", err)
	}
	if err := openssh("-o", "HostKeyAlgorithms=+ssh-rsa"); err != nil {
		t.Errorf("OpenSSH's client with HostKeyAlgorithms=+ssh-rsa: %v", err)
	}
}
