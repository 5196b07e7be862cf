//go:build linux

package host

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sftpStartServer is an SSH server in this process that lets any key in and accepts the sftp
// subsystem, then behaves as serve says instead of running an SFTP server. It stands for a host
// whose sshd starts the SFTP server badly: through a login shell that fails, or that takes longer
// than the connection's timeout.
func sftpStartServer(t *testing.T, serve func(ch ssh.Channel)) SSHConfig {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil }}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for nch := range chans {
					if nch.ChannelType() != "session" {
						_ = nch.Reject(ssh.UnknownChannelType, "sessions only")
						continue
					}
					ch, creqs, err := nch.Accept()
					if err != nil {
						continue
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for req := range creqs {
							ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
							_ = req.Reply(ok, nil)
							if ok {
								serve(ch)
							}
						}
					}()
				}
			}()
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	line := knownhosts.Line([]string{knownhosts.Normalize(addr.String())}, signer.PublicKey())
	return SSHConfig{Host: "127.0.0.1", Port: addr.Port, User: "root", PrivateKey: otherPrivateKey(t), KnownHosts: line + "\n", Timeout: 60 * time.Second}
}

// TestSSHSFTPStartFailureSaysWhy: a server that ends the SFTP session before the version exchange
// (a login shell that failed to start the server) gives an error that quotes what it said on
// stderr; one that never answers gives, after the connection's timeout, an error that says so and
// names the shell's startup files, not the SFTP client's "server unexpectedly closed connection"
// that closing the session at the deadline causes.
func TestSSHSFTPStartFailureSaysWhy(t *testing.T) {
	t.Parallel()
	t.Run("closed with stderr", func(t *testing.T) {
		t.Parallel()
		cfg := sftpStartServer(t, func(ch ssh.Channel) {
			_, _ = ch.Stderr().Write([]byte("bash: /usr/lib/openssh/sftp-server: No such file or directory\n"))
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{127}))
			ch.Close()
		})
		_, err := DialSSH(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "starting the SFTP server on "+cfg.ID()) ||
			!strings.Contains(err.Error(), "the server's stderr: bash: /usr/lib/openssh/sftp-server: No such file or directory") {
			t.Fatalf("DialSSH = %v", err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		cfg := sftpStartServer(t, func(ssh.Channel) {}) // reads nothing, writes nothing
		// Short, so the test does not wait long; the handshake before it is in this process.
		cfg.Timeout = 3 * time.Second
		_, err := DialSSH(context.Background(), cfg)
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "starting the SFTP server on "+cfg.ID()) ||
			!strings.Contains(err.Error(), "sent no version within 3s") || !strings.Contains(err.Error(), "~/.bashrc") ||
			strings.Contains(err.Error(), "unexpectedly closed") {
			t.Fatalf("DialSSH = %v", err)
		}
	})
}
