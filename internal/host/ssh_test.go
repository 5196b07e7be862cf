//go:build linux

package host

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// otherKey returns a fresh ed25519 public key (one that no server has).
func otherKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// otherPrivateKey returns the PEM of a fresh client key that authorized_keys does not hold.
func otherPrivateKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return string(mustPEM(t, priv))
}

func mustPEM(t *testing.T, priv any) []byte {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block)
}

func rsaPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// knownHostsLine records the server's ed25519 key for port (whether or not it listens there).
func knownHostsLine(t *testing.T, s *testenv.SSHD, port int) string {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey("")))
	if err != nil {
		t.Fatal(err)
	}
	return knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(s.Host, fmt.Sprint(port)))}, k) + "\n"
}

// refusedBeforeAnything runs every writing operation on a host whose connection must fail and
// checks that each fails with want and that nothing appeared in dir.
func refusedBeforeAnything(t *testing.T, h Host, dir string, want any) {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(dir, "private.key")
	errs := map[string]error{}
	errs["write"] = h.WriteFile(ctx, p, []byte("secret"), 0o600, Owner{})
	_, errs["mkdir"] = h.Mkdir(ctx, filepath.Join(dir, "sub"), 0o700, Owner{})
	_, errs["lock"] = h.Lock(ctx, p, "me", time.Second)
	_, errs["read"] = h.ReadFile(ctx, p)
	_, errs["lstat"] = h.Lstat(ctx, p)
	for op, err := range errs {
		if !errors.As(err, want) {
			t.Errorf("%s: error %v, want a %T", op, err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("something was written: %v", entries)
	}
}

func TestSSHUnknownHost(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	cfg := rootSSHConfig(s, s.Ports[0])
	cfg.KnownHosts = s.KnownHostsFor(s.Ports[1]) // another "host"
	p := NewPool()
	defer p.Close()
	_, err := p.Get(context.Background(), cfg)
	var hk *HostKeyError
	if !errors.As(err, &hk) || !hk.Unknown {
		t.Fatalf("Get = %v, want an unknown-host *HostKeyError", err)
	}
	if !strings.Contains(err.Error(), "not in known_hosts") || !strings.Contains(err.Error(), cfg.Addr()) {
		t.Errorf("message %q", err)
	}
	// Refused before dialling, and not retried by later calls either.
	h := newSSHHost(cfg, nil, &dialStats{})
	refusedBeforeAnything(t, h, t.TempDir(), &hk)
	if st := p.Stats(); st.Dials != 0 || st.Connections != 0 {
		t.Errorf("stats %+v: an unknown host was dialled", st)
	}
	if n := h.stats.attempts.Load(); n != 0 {
		t.Errorf("%d dials for an unknown host", n)
	}
}

func TestSSHHostKeyMismatch(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	addr := knownhosts.Normalize(net.JoinHostPort(s.Host, fmt.Sprint(s.Port())))
	for name, mutate := range map[string]func(*SSHConfig){
		"known_hosts": func(c *SSHConfig) { c.KnownHosts = knownhosts.Line([]string{addr}, otherKey(t)) + "\n" },
		"host_key":    func(c *SSHConfig) { c.KnownHosts, c.HostKey = "", string(ssh.MarshalAuthorizedKey(otherKey(t))) },
		"revoked": func(c *SSHConfig) {
			c.KnownHosts = s.KnownHostsFor(s.Port(), ssh.KeyAlgoED25519) + "@revoked * " + s.HostKey(ssh.KeyAlgoED25519) + "\n"
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := rootSSHConfig(s, s.Port())
			mutate(&cfg)
			stats := &dialStats{}
			h := newSSHHost(cfg, nil, stats)
			var hk *HostKeyError
			refusedBeforeAnything(t, h, t.TempDir(), &hk)
			if hk == nil {
				t.Fatal("no host key error")
			}
			if hk.Unknown {
				t.Errorf("mismatch reported as unknown: %v", hk)
			}
			if n := stats.attempts.Load(); n != 1 {
				t.Errorf("%d dials, want 1: a host key failure is never retried", n)
			}
			if want := map[string]string{"known_hosts": "known for it (known_hosts or host_key) are ssh-ed25519 SHA256:", "host_key": "are ssh-ed25519 SHA256:",
				"revoked": "presented the revoked ssh-ed25519"}[name]; !strings.Contains(hk.Error(), want) {
				t.Errorf("message %q does not contain %q", hk, want)
			}
		})
	}
}

func TestSSHPinnedHostKey(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	for _, keyType := range s.HostKeyTypes() {
		for _, pin := range []string{s.HostKey(keyType), "[127.0.0.1]:" + fmt.Sprint(s.Port()) + " " + s.HostKey(keyType)} {
			cfg := rootSSHConfig(s, s.Port())
			cfg.KnownHosts, cfg.HostKey = "", pin
			h, err := DialSSH(context.Background(), cfg)
			if err != nil {
				t.Fatalf("pinned %q: %v", pin, err)
			}
			h.Close()
		}
	}
}

// TestSSHHostKeyAlgorithms: known_hosts records only the server's ECDSA key while the server also
// has an ed25519 key, which the library prefers. Only the recorded algorithm may be offered
// (golang/go#49631), or verification fails against a perfectly good known_hosts.
func TestSSHHostKeyAlgorithms(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	cfg := rootSSHConfig(s, s.Port())
	cfg.KnownHosts = s.KnownHostsFor(s.Port(), ssh.KeyAlgoECDSA256)
	h, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with only the ECDSA key known: %v", err)
	}
	defer h.Close()
	if _, err := h.Lstat(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
	db, err := cfg.hostKeyDB()
	if err != nil {
		t.Fatal(err)
	}
	if got := db.algorithms(false); len(got) != 1 || got[0] != ssh.KeyAlgoECDSA256 {
		t.Errorf("algorithms %v, want only %s", got, ssh.KeyAlgoECDSA256)
	}

	// The control: the library's defaults fail against the same known_hosts.
	f := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(f, []byte(cfg.KnownHosts), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, _ := knownhosts.New(f)
	signer, _ := ssh.ParsePrivateKey([]byte(s.ClientKey))
	c, err := ssh.Dial("tcp", cfg.Addr(), &ssh.ClientConfig{User: cfg.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb})
	if err == nil {
		c.Close()
		t.Log("control: the library's defaults picked the known key by chance")
	}

	// An RSA key known: the SHA-2 signature algorithms are offered, and SHA-1 (ssh-rsa) only when
	// allowed.
	db.known = []knownhosts.KnownKey{{Key: rsaPublicKey(t)}}
	if got := strings.Join(db.algorithms(false), ","); got != "rsa-sha2-512,rsa-sha2-256" {
		t.Errorf("RSA algorithms %s", got)
	}
	if got := strings.Join(db.algorithms(true), ","); got != "rsa-sha2-512,rsa-sha2-256,ssh-rsa" {
		t.Errorf("RSA algorithms with SHA-1 allowed %s", got)
	}
}

func TestSSHAuthFailure(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	cfg := rootSSHConfig(s, s.Port())
	cfg.PrivateKey = otherPrivateKey(t)
	p := NewPool()
	defer p.Close()
	_, err := p.Get(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("Get = %v, want *AuthError", err)
	}
	msg := err.Error()
	for _, want := range []string{cfg.User + "@" + cfg.Addr(), "publickey (private_key ssh-ed25519 SHA256:", "attempted methods"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	// Never retried, not even by the next Get.
	if _, err := p.Get(context.Background(), cfg); !errors.As(err, &ae) {
		t.Errorf("second Get = %v", err)
	}
	if st := p.Stats(); st.Dials != 1 || st.Connections != 0 {
		t.Errorf("stats %+v, want exactly one dial", st)
	}
}

func TestSSHEncryptedKey(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	enc, err := s.EncryptedClientKey("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	cfg := rootSSHConfig(s, s.Port())
	cfg.PrivateKey, cfg.PrivateKeyPassphrase = enc, "correct horse"
	h, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()

	cfg.PrivateKeyPassphrase = ""
	var ce *ConfigError
	if err := cfg.Validate(); !errors.As(err, &ce) || !strings.Contains(err.Error(), "private_key_passphrase") {
		t.Errorf("Validate without passphrase = %v", err)
	}
	cfg.PrivateKeyPassphrase = "wrong"
	if err := cfg.Validate(); !errors.As(err, &ce) {
		t.Errorf("Validate with a wrong passphrase = %v", err)
	}
}

// TestSSHAgent authenticates with a key held by an agent at SSH_AUTH_SOCK. Not parallel: it sets
// the environment.
func TestSSHAgent(t *testing.T) {
	s := testenv.SharedSSHD(t)
	keyring := agent.NewKeyring()
	raw, err := ssh.ParseRawPrivateKey([]byte(s.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg := rootSSHConfig(s, s.Port())
	cfg.PrivateKey, cfg.Agent = "", true
	h, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()

	// A wrong private key first, then the agent's: both are tried in one publickey method.
	cfg.PrivateKey = otherPrivateKey(t)
	if h, err = DialSSH(context.Background(), cfg); err != nil {
		t.Fatalf("private key and agent: %v", err)
	}
	h.Close()

	t.Setenv("SSH_AUTH_SOCK", "")
	var ce *ConfigError
	if _, err := DialSSH(context.Background(), cfg); !errors.As(err, &ce) || !strings.Contains(err.Error(), "SSH_AUTH_SOCK") {
		t.Errorf("agent without SSH_AUTH_SOCK: %v", err)
	}
}

// TestSSHPoolOneConnection: 50 concurrent Gets and operations for one target open one connection,
// as the server's log confirms.
func TestSSHPoolOneConnection(t *testing.T) {
	t.Parallel()
	s := testenv.StartSSHD(t)
	cfg := rootSSHConfig(s, s.Port())
	p := NewPool()
	defer p.Close()
	dir := t.TempDir()
	const n = 50
	hosts := make([]Host, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			h, err := p.Get(context.Background(), cfg)
			if err != nil {
				errs <- err
				return
			}
			hosts[i] = h
			errs <- h.WriteFile(context.Background(), filepath.Join(dir, fmt.Sprint(i)), []byte("x"), 0o600, Owner{User: "root"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hosts {
		if h != hosts[0] {
			t.Fatal("Get returned different hosts for one target")
		}
	}
	if st := p.Stats(); st.Dials != 1 || st.Connections != 1 || st.Targets != 1 {
		t.Errorf("stats %+v, want one dial and one connection", st)
	}
	if c, err := s.Connections(s.Port()); err != nil || c != 1 {
		t.Errorf("sshd accepted %d connections (%v), want 1", c, err)
	}
	if got := hosts[0].ID(); got != "ssh://"+s.User+"@"+cfg.Addr() {
		t.Errorf("ID = %q", got)
	}

	// The same target with another timeout is the same entry; with sudo, or another key, not.
	same := cfg
	same.Timeout = 3 * time.Second
	if h, err := p.Get(context.Background(), same); err != nil || h != hosts[0] {
		t.Errorf("same target, other timeout: %v, %v", h == hosts[0], err)
	}
	for name, mutate := range map[string]func(*SSHConfig){
		"sudo":        func(c *SSHConfig) { c.Sudo = true },
		"private key": func(c *SSHConfig) { c.PrivateKey = otherPrivateKey(t) },
		"known_hosts": func(c *SSHConfig) { c.KnownHosts += "# another line\n" },
		"user":        func(c *SSHConfig) { c.User = "other" },
		"bastion":     func(c *SSHConfig) { b := *c; c.Bastion = &b },
	} {
		c := cfg
		mutate(&c)
		if c.poolKey() == cfg.poolKey() {
			t.Errorf("another %s, the same pool key", name)
		}
	}
}

// TestSSHBastion reaches the server through itself as the jump host.
func TestSSHBastion(t *testing.T) {
	t.Parallel()
	s := testenv.StartSSHD(t, testenv.SSHDOptions{Ports: 2})
	bastion := rootSSHConfig(s, s.Ports[0])
	target := rootSSHConfig(s, s.Ports[1])
	target.Bastion = &bastion
	direct := rootSSHConfig(s, s.Ports[1])
	if target.ID() != direct.ID() || target.poolKey() == direct.poolKey() {
		t.Errorf("ID %q / %q; pool keys %q / %q: want the same ID, different keys", target.ID(), direct.ID(), target.poolKey(), direct.poolKey())
	}
	p := NewPool()
	defer p.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			h, err := p.Get(ctx, target)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := h.Lstat(ctx, "/"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	h, err := p.Get(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "via-bastion")
	if err := h.WriteFile(ctx, f, []byte("x"), 0o640, Owner{}); err != nil {
		t.Fatal(err)
	}
	assertContent(t, f, "x")
	if st := p.Stats(); st.Connections != 2 || st.Targets != 1 {
		t.Errorf("stats %+v, want two connections (bastion and target) for one target", st)
	}
	// The target's connection came in through the bastion (from sshd itself), one each.
	if n, _ := s.Connections(s.Ports[0]); n != 1 {
		t.Errorf("bastion port: %d connections", n)
	}
	if n, _ := s.Connections(s.Ports[1]); n != 1 {
		t.Errorf("target port: %d connections", n)
	}

	// A second target behind the same bastion shares the bastion's connection.
	other := rootSSHConfig(s, s.Ports[0])
	other.Bastion = &bastion
	if _, err := p.Get(ctx, other); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Connections != 3 {
		t.Errorf("stats %+v, want three connections", st)
	}

	// The target's host key is verified too, under the same rules.
	bad := target
	bad.KnownHosts = s.KnownHostsFor(s.Ports[0])
	var hk *HostKeyError
	if _, err := p.Get(ctx, bad); !errors.As(err, &hk) || !hk.Unknown {
		t.Errorf("target behind the bastion with an unknown key: %v", err)
	}
	// And the bastion's.
	badBastion := bastion
	badBastion.KnownHosts = s.KnownHostsFor(s.Ports[1])
	bad = target
	bad.Bastion = &badBastion
	if _, err := p.Get(ctx, bad); !errors.As(err, &hk) {
		t.Errorf("bastion with an unknown key: %v", err)
	}
	// A refused port behind the bastion is a network error, retried, with a clear message.
	closed := rootSSHConfig(s, closedPort(t))
	closed.KnownHosts = knownHostsLine(t, s, closed.Port)
	closed.Bastion = &bastion
	if _, err := p.Get(ctx, closed); err == nil || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("closed port behind the bastion: %v", err)
	}
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestSSHTransientRetry(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	cfg := rootSSHConfig(s, closedPort(t))
	cfg.KnownHosts = knownHostsLine(t, s, cfg.Port)
	p := NewPool()
	defer p.Close()
	start := time.Now()
	_, err := p.Get(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("Get = %v", err)
	}
	// The pauses between attempts are the only waits (a refused connection is answered at once):
	// never shorter than them, and within three times them and five seconds more on a busy machine.
	if d := time.Since(start); d < dialPauses() || d > 3*dialPauses()+5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if st := p.Stats(); st.Dials != 3 {
		t.Errorf("stats %+v, want 3 dials", st)
	}
	// A network error is not kept: the next Get tries again.
	if _, err := p.Get(context.Background(), cfg); err == nil {
		t.Fatal("second Get succeeded")
	}
	if st := p.Stats(); st.Dials != 6 {
		t.Errorf("stats %+v, want 6 dials", st)
	}
	// Cancelling ends the backoff.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Get(ctx, cfg); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with a short context = %v", err)
	}
}

// TestSSHHandshakeDeadline: a server that accepts connections but never speaks is given up after
// the timeout, per attempt.
func TestSSHHandshakeDeadline(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	cfg := rootSSHConfig(s, l.Addr().(*net.TCPAddr).Port)
	cfg.KnownHosts = knownHostsLine(t, s, cfg.Port)
	cfg.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err = DialSSH(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("DialSSH = %v", err)
	}
	// Three attempts, each given up after the timeout, and the pauses between them.
	if d, least := time.Since(start), dialAttempts*cfg.Timeout+dialPauses(); d < least || d > 3*least+5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// dialPauses is the sum of the pauses between dial attempts.
func dialPauses() time.Duration {
	var sum time.Duration
	for i, wait := 1, dialFirstWait; i < dialAttempts; i, wait = i+1, wait*3 {
		sum += wait
	}
	return sum
}

// TestSSHReconnect: a connection that dies is replaced by the next operation; an operation that
// was in flight on it is retried once on the new one.
func TestSSHReconnect(t *testing.T) {
	t.Parallel()
	s := testenv.StartSSHD(t)
	p := NewPool()
	defer p.Close()
	ctx := context.Background()
	g, err := p.Get(ctx, rootSSHConfig(s, s.Port()))
	if err != nil {
		t.Fatal(err)
	}
	h := g.(*SSHHost)
	dir := t.TempDir()
	h.mu.Lock()
	h.cur.lc.close() // the network drops the connection
	h.mu.Unlock()
	if err := h.WriteFile(ctx, filepath.Join(dir, "a"), []byte("a"), 0o600, Owner{}); err != nil {
		t.Fatalf("write after the connection died: %v", err)
	}
	if st := p.Stats(); st.Connections != 2 {
		t.Errorf("stats %+v, want a second connection", st)
	}
	if h2, _ := p.Get(ctx, rootSSHConfig(s, s.Port())); h2 != g {
		t.Error("the pool made a new host instead of reconnecting the old one")
	}
}

// TestSSHServerKilledMidWrite: the server dies while a file is being written. The write fails
// clearly, the target is unchanged, and once the server is back the next write converges and the
// temp file left by the dead connection is removed.
func TestSSHServerKilledMidWrite(t *testing.T) {
	t.Parallel()
	s := testenv.StartSSHD(t)
	cfg := rootSSHConfig(s, s.Port())
	cfg.Timeout = 2 * time.Second
	h, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "public.crt")
	writeRaw(t, p, "original", 0o644)
	var tmpSeen string
	h.beforeRename = func(tmp string) error {
		tmpSeen = tmp
		s.Kill()
		return nil
	}
	err = h.WriteFile(ctx, p, []byte("replacement"), 0o600, Owner{})
	if err == nil {
		t.Fatal("the write succeeded with the server killed before the rename")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say that the server is unreachable", err)
	}
	assertContent(t, p, "original")
	if tmpSeen == "" {
		t.Fatal("hook did not run")
	}
	h.beforeRename = nil
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := h.WriteFile(ctx, p, []byte("replacement"), 0o600, Owner{}); err != nil {
		t.Fatalf("write after the restart: %v", err)
	}
	assertContent(t, p, "replacement")
	assertNoTemps(t, dir)
}

func TestSSHCapabilities(t *testing.T) {
	t.Parallel()
	h := sharedSSHHost(t)
	caps, err := h.Capabilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !caps.PosixRename || !caps.Fsync || !caps.DirSync || !caps.LSetStat || !strings.HasPrefix(caps.ServerVersion, "SSH-2.0-OpenSSH") ||
		caps.SFTPServer != "sftp subsystem" {
		t.Errorf("capabilities %+v", caps)
	}
	if w := caps.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	if w := (SSHCapabilities{}).Warnings(); len(w) != 3 || !strings.Contains(w[0], "posix-rename@openssh.com") {
		t.Errorf("warnings of a bare server: %q", w)
	}
}

// TestSSHNoPosixRename: a server without posix-rename@openssh.com gets no write at all.
func TestSSHNoPosixRename(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	c, err := h.conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.s.caps.PosixRename = false
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	err = h.WriteFile(context.Background(), p, []byte("x"), 0o600, Owner{})
	if err == nil || !strings.Contains(err.Error(), "posix-rename@openssh.com") || !strings.Contains(err.Error(), h.ID()) {
		t.Errorf("WriteFile = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("written: %v", entries)
	}
}

// TestSSHSudo logs in as a non-root user with passwordless sudo and writes root-only places and
// files owned by another user.
func TestSSHSudo(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	if s.SudoUser == "" {
		t.Skipf("no sudo test user: %s", s.SudoUnavailable)
	}
	ctx := context.Background()
	dir := t.TempDir() // root's, 0700
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := rootSSHConfig(s, s.Port())
	cfg.User = s.SudoUser

	// Without sudo the login user cannot write there.
	plain, err := DialSSH(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	err = plain.WriteFile(ctx, filepath.Join(dir, "f"), []byte("x"), 0o600, Owner{})
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("write without sudo: %v, want a permission error", err)
	}

	cfg.Sudo = true
	h, err := DialSSH(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	caps, _ := h.Capabilities(ctx)
	if !strings.HasPrefix(caps.SFTPServer, "sudo -n /") || !caps.PosixRename {
		t.Errorf("capabilities %+v", caps)
	}
	owner, _, _ := nobodyOwner(t)
	sub := filepath.Join(dir, "certificates")
	if _, err := h.Mkdir(ctx, sub, 0o750, owner); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(sub, "private.key")
	if err := h.WriteFile(ctx, p, []byte("key"), 0o400, owner); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]uint32{sub: 0o750, p: 0o400} {
		if st := sysStat(t, path); st.Uid != nobodyID || st.Gid != nobodyID || st.Mode&0o7777 != mode {
			t.Errorf("%s: %d:%d %04o", path, st.Uid, st.Gid, st.Mode&0o7777)
		}
	}
	if got, err := h.ReadFile(ctx, p); err != nil || string(got) != "key" {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
	// The lock runs through sudo as well, and excludes a local root holder.
	u, err := h.Lock(ctx, p, "sudo holder", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// It is held by the connection's lock helper, which sudo runs as well (SudoCommands lists it).
	if c := connOf(t, h); c.helper == nil || c.helperErr != nil {
		t.Errorf("no lock helper through sudo: %v", c.helperErr)
	}
	_, err = NewLocal().Lock(ctx, p, "local", 50*time.Millisecond)
	var lte *LockTimeoutError
	if !errors.As(err, &lte) || !strings.HasPrefix(lte.Holder, "sudo holder (pid ") {
		t.Errorf("local Lock while the sudo session holds it: %v", err)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, LockFile(p)); st.Uid != 0 || st.Mode&0o7777 != 0o600 {
		t.Errorf("lock file %d %04o", st.Uid, st.Mode&0o7777)
	}
	if err := h.Remove(ctx, p); err != nil {
		t.Fatal(err)
	}
	assertNoTemps(t, sub)
}

// lockPIDs returns the processes of this machine that run the lock script for lp.
func lockPIDs(t *testing.T, lp string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	pids := map[string]bool{}
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, []byte("dbtls-lock\x00"+lp+"\x00")) {
			pids[e.Name()] = true
		}
	}
	return pids
}

// TestSSHLockAbandonedWaitEnds: a wait given up by the caller (its context ends) ends on the server
// too, instead of holding a session there until its timeout, and never takes the lock afterwards.
// The waiter's connection helper finds the lock busy, so the wait runs the lock script in a session
// of its own.
func TestSSHLockAbandonedWaitEnds(t *testing.T) {
	t.Parallel()
	holder, waiter := privateSSHHost(t), privateSSHHost(t)
	p := filepath.Join(t.TempDir(), "neo4j.conf")
	lp := LockFile(p)
	u, err := holder.Lock(context.Background(), p, "holder", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The holder's lock is held by its connection's lock helper, whose command line names no lock
	// file: no process runs the lock script for lp yet.
	held := lockPIDs(t, lp)
	if len(held) != 0 {
		t.Fatalf("lock script processes for a lock the helper holds: %v", held)
	}
	if tryLockNB(t, p) {
		t.Fatal("the holder's lock is not held")
	}
	others := func() []string {
		var out []string
		for pid := range lockPIDs(t, lp) {
			if !held[pid] {
				out = append(out, pid)
			}
		}
		return out
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blocked := make(chan struct{})
	ctx = withLockWaitHook(ctx, func() { close(blocked) })
	result := make(chan error, 1)
	go func() {
		_, err := waiter.Lock(ctx, p, "waiter", time.Hour)
		result <- err
	}()
	// The waiter's script says it waits for flock on the server; then its processes are there.
	select {
	case <-blocked:
	case err := <-result:
		t.Fatalf("Lock returned before waiting: %v", err)
	}
	// The hook runs when the waiter's helper finds the lock busy; the lock script that waits starts
	// a moment later.
	pollUntil(t, "a lock command of the waiter runs on the server", func() bool { return len(others()) > 0 })
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock = %v", err)
	}
	// Only a server that never ends the abandoned command keeps this loop going.
	deadline := time.Now().Add(time.Minute)
	for len(others()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned wait still runs on the server: pids %v (the holder's: %v)", others(), held)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if rec, _ := os.ReadFile(lp); len(rec) != 0 {
		t.Errorf("lock file after unlock: %q", rec)
	}
	// Unlock waited for the remote command to end.
	if pids := lockPIDs(t, lp); len(pids) != 0 {
		t.Errorf("lock processes after Unlock: %v", pids)
	}
}

// TestSSHSudoRefused: sudo that refuses (here: asked to run as a user that does not exist) is a
// clear error that quotes sudo, not a hang, and it is not retried.
func TestSSHSudoRefused(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	cfg := rootSSHConfig(s, s.Port())
	cfg.Sudo = true
	stats := &dialStats{}
	h := newSSHHost(cfg, nil, stats)
	h.sudo = "sudo -n -u dbtls-no-such-user"
	defer h.shutdown()
	var se *SudoError
	refusedBeforeAnything(t, h, t.TempDir(), &se)
	if msg := se.Error(); !strings.Contains(msg, "sudo: unknown user") || !strings.Contains(msg, h.ID()) {
		t.Errorf("message %q", msg)
	}
	if n := stats.attempts.Load(); n != 1 {
		t.Errorf("%d dials, want 1", n)
	}
}

func TestSSHConfigValidate(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	good := rootSSHConfig(s, s.Port())
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mutate func(*SSHConfig)
		want   string
	}{
		"no host":          {func(c *SSHConfig) { c.Host = "" }, "host is required"},
		"bad host":         {func(c *SSHConfig) { c.Host = "a b" }, "is not a host name"},
		"no user":          {func(c *SSHConfig) { c.User = "" }, "user is required"},
		"bad port":         {func(c *SSHConfig) { c.Port = 70000 }, "out of range"},
		"no host keys":     {func(c *SSHConfig) { c.KnownHosts = "" }, "host keys are always verified"},
		"both host keys":   {func(c *SSHConfig) { c.HostKey = s.HostKey("") }, "either known_hosts or host_key"},
		"no auth":          {func(c *SSHConfig) { c.PrivateKey = "" }, "no authentication method"},
		"bad key":          {func(c *SSHConfig) { c.PrivateKey = "not a key" }, "private_key cannot be parsed"},
		"stray passphrase": {func(c *SSHConfig) { c.PrivateKey, c.Agent, c.PrivateKeyPassphrase = "", true, "x" }, "without private_key"},
		"bad known_hosts":  {func(c *SSHConfig) { c.KnownHosts = "host ssh-ed25519 !!!" }, "known_hosts cannot be parsed"},
		"bad host_key":     {func(c *SSHConfig) { c.KnownHosts, c.HostKey = "", "nonsense" }, "host_key cannot be parsed"},
		"bad bastion": {func(c *SSHConfig) {
			b := *c
			b.User = ""
			c.Bastion = &b
		}, "bastion: ssh configuration"},
	} {
		c := good
		tc.mutate(&c)
		err := c.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want a *ConfigError with %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "BEGIN") {
			t.Errorf("%s: the message shows key material: %v", name, err)
		}
	}
	if id := (SSHConfig{Host: "::1", User: "deploy"}).ID(); id != "ssh://deploy@[::1]:22" {
		t.Errorf("ID = %q", id)
	}
	if k := good.poolKey(); strings.Contains(k, "PRIVATE KEY") {
		t.Errorf("pool key holds the key: %q", k)
	}
}

// TestSFTPWriter checks the request rewriting on hand-made frames.
func TestSFTPWriter(t *testing.T) {
	t.Parallel()
	frame := func(typ byte, parts ...[]byte) []byte {
		b := []byte{0, 0, 0, 0, typ}
		for _, p := range parts {
			b = append(b, p...)
		}
		binary.BigEndian.PutUint32(b, uint32(len(b)-4))
		return b
	}
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	str := func(s string) []byte { return append(u32(uint32(len(s))), s...) }
	id := u32(7)

	var out bytes.Buffer
	w := newSFTPWriter(nopWriteCloser{&out})
	done := w.createMode('o', "/d/.f.dbtls-tmp-1", 0o400)
	open := frame(fxpOpen, id, str("/d/.f.dbtls-tmp-1"), u32(0x1a), u32(0))
	// Written in two pieces, as pkg/sftp does (header, then payload).
	if _, err := w.Write(open[:7]); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Fatal("a partial frame was sent")
	}
	if _, err := w.Write(open[7:]); err != nil {
		t.Fatal(err)
	}
	done()
	if want := frame(fxpOpen, id, str("/d/.f.dbtls-tmp-1"), u32(0x1a), u32(attrPerms), u32(0o400)); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("open:\n got %x\nwant %x", out.Bytes(), want)
	}

	cases := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"open without create", frame(fxpOpen, id, str("/x"), u32(0x01), u32(0)), frame(fxpOpen, id, str("/x"), u32(0x01), u32(0))},
		{"create, unregistered", frame(fxpOpen, id, str("/x"), u32(0x0a), u32(0)), frame(fxpOpen, id, str("/x"), u32(0x0a), u32(attrPerms), u32(0o600))},
		{"mkdir", frame(fxpMkdir, id, str("/d"), u32(0)), frame(fxpMkdir, id, str("/d"), u32(attrPerms), u32(0o700))},
		{"setstat without lsetstat", frame(fxpSetstat, id, str("/p"), u32(attrPerms), u32(0o644)), frame(fxpSetstat, id, str("/p"), u32(attrPerms), u32(0o644))},
		{"write", frame(6, id, str("h"), make([]byte, 8), str("data")), frame(6, id, str("h"), make([]byte, 8), str("data"))},
	}
	for _, tc := range cases {
		out.Reset()
		if _, err := w.Write(tc.in); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), tc.want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.name, out.Bytes(), tc.want)
		}
	}
	w.lsetstat.Store(true)
	out.Reset()
	if _, err := w.Write(frame(fxpSetstat, id, str("/p"), u32(attrPerms), u32(0o644))); err != nil {
		t.Fatal(err)
	}
	if want := frame(fxpExtended, id, str("lsetstat@openssh.com"), str("/p"), u32(attrPerms), u32(0o644)); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("lsetstat:\n got %x\nwant %x", out.Bytes(), want)
	}
	// Two frames in one write, both sent.
	out.Reset()
	two := append(frame(fxpMkdir, id, str("/a"), u32(0)), frame(fxpMkdir, id, str("/b"), u32(0))...)
	if _, err := w.Write(two); err != nil {
		t.Fatal(err)
	}
	if want := append(frame(fxpMkdir, id, str("/a"), u32(attrPerms), u32(0o700)), frame(fxpMkdir, id, str("/b"), u32(attrPerms), u32(0o700))...); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("two frames:\n got %x\nwant %x", out.Bytes(), want)
	}
	if _, err := w.Write([]byte{0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("an absurd frame length was accepted")
	}
}

type nopWriteCloser struct{ *bytes.Buffer }

func (nopWriteCloser) Close() error { return nil }

// TestSSHCertAuthorityLines: an @cert-authority line that covers the host lets the handshake decide
// (a host certificate may vouch for it); one for other hosts does not, and the host stays unknown.
func TestSSHCertAuthorityLines(t *testing.T) {
	t.Parallel()
	ca := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(otherKey(t))))
	for _, tc := range []struct {
		host, lines string
		authorities bool
	}{
		{"graph-1.example.com", "@cert-authority *.example.com " + ca, true},
		{"graph-1.example.com", "@cert-authority *.example.org " + ca, false},
		{"10.0.0.7", "@cert-authority 10.0.0.* " + ca, true},
		{"10.0.0.7", "# comment\n", false},
	} {
		cfg := SSHConfig{Host: tc.host, User: "deploy", Agent: true, KnownHosts: tc.lines}
		db, err := cfg.hostKeyDB()
		if err != nil {
			t.Fatal(err)
		}
		// (knownhosts lists a matching authority's key among the host's keys too.)
		algs := db.algorithms(false)
		if db.authorities != tc.authorities || len(algs) == 0 || slices.Contains(algs, ssh.KeyAlgoRSA) || slices.Contains(algs, ssh.CertAlgoRSAv01) {
			t.Errorf("%s with %q: authorities %v, known %d, algorithms %v", tc.host, tc.lines, db.authorities, len(db.known), algs)
		}
		if algs := db.algorithms(true); !slices.Contains(algs, ssh.KeyAlgoRSA) || !slices.Contains(algs, ssh.CertAlgoRSAv01) {
			t.Errorf("%s with SHA-1 allowed: algorithms %v", tc.host, algs)
		}
	}
}

// TestLockScriptWithoutFlock runs the lock script with a PATH that has no flock: it says so
// before touching anything.
func TestLockScriptWithoutFlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lp := filepath.Join(dir, ".f.dbtls.lock")
	cmd := exec.Command("/bin/sh", "-c", lockCommand, "dbtls-lock", lp, "rec", "1")
	cmd.Env = []string{"PATH=" + dir}
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "noflock" {
		t.Errorf("script without flock: %q, %v", out, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("created: %v", entries)
	}
}

// TestSSHLockSlotsBusyNamesHolder: a waiter that cannot even ask for the lock, because every lock
// session of its connection is busy with other locks, still names the holder of the lock it wanted.
// The waiter's connection has no lock helper (as with a sudoers rule that names only the lock
// script), so that its locks are held in sessions.
func TestSSHLockSlotsBusyNamesHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.SharedSSHD(t)
	h, other := newSSHHost(rootSSHConfig(s, s.Port()), nil, &dialStats{}), privateSSHHost(t)
	h.lockHelperScript = "exit 1"
	t.Cleanup(h.shutdown) // after the unlocks below (cleanups run last first)
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	u, err := other.Lock(ctx, p, "the holder", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := u.Unlock(); err != nil {
			t.Error(err)
		}
	}()
	for i := range lockSessions {
		busy, err := h.Lock(ctx, filepath.Join(dir, fmt.Sprintf("busy%d.conf", i)), "busy", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := busy.Unlock(); err != nil {
				t.Error(err)
			}
		})
	}
	_, err = h.Lock(ctx, p, "waiter", 0)
	var lte *LockTimeoutError
	if !errors.As(err, &lte) {
		t.Fatalf("Lock with every session busy = %v, want *LockTimeoutError", err)
	}
	checkHolder(t, lte.Holder, "the holder", other)
}

// TestLockScriptLeavesReusedPidAlone: releasing a lock must not signal the pid flock had. flock has
// ended by then and its pid is free; the test hands it to a decoy process (testenv.ClaimPid) and
// checks that the release leaves the decoy running. A flock wrapper records flock's pid (exec keeps
// it).
func TestLockScriptLeavesReusedPidAlone(t *testing.T) {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	realFlock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("no flock here")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	must(os.Mkdir(bin, 0o755))
	pidFile := filepath.Join(dir, "flock.pid")
	must(os.WriteFile(filepath.Join(bin, "flock"), []byte("#!/bin/sh\necho $$ >"+pidFile+"\nexec "+realFlock+` "$@"`+"\n"), 0o755))
	lp := filepath.Join(dir, ".f.dbtls.lock")
	cmd := exec.Command("/bin/sh", "-c", lockCommand, "dbtls-lock", lp, "rec", "60")
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	stdin, err := cmd.StdinPipe()
	must(err)
	stdout, err := cmd.StdoutPipe()
	must(err)
	must(cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	var said []string
	for sc.Scan() && sc.Text() != "ok" {
		said = append(said, sc.Text())
	}
	if len(said) == 0 || said[len(said)-1] != "locked" {
		t.Fatalf("the lock script said %q, not locked and ok", said)
	}
	b, err := os.ReadFile(pidFile)
	must(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	must(err)
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			break // flock ended and was reaped: its pid is free
		}
		time.Sleep(10 * time.Millisecond)
	}
	decoy := testenv.ClaimPid(t, pid)
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = decoy.Wait(); close(done) }()
	defer func() { _ = decoy.Process.Kill(); <-done }()

	must(stdin.Close()) // Unlock
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the lock script: %v", err)
	}
	select {
	case <-done:
		t.Errorf("releasing the lock signalled pid %d, which flock had, and stopped the process that has it now: %v", pid, waitErr)
	default:
		if !testenv.Alive(pid) {
			t.Errorf("the decoy %d is gone after the release", pid)
		}
	}
}
