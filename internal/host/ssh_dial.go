package host

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Dial retries: transient network failures (refused, reset, timed out, closed before the banner)
// are retried this many times in all, with a growing pause; host key, authentication and
// configuration errors never are.
const (
	dialAttempts  = 3
	dialFirstWait = 200 * time.Millisecond
)

// keepaliveInterval is how often an idle connection is probed (keepalive@openssh.com); a probe
// unanswered within the configured timeout closes the connection, so that no SFTP request waits on
// a dead peer for ever.
var keepaliveInterval = 15 * time.Second

// probeKey is a key that is in nobody's known_hosts, used to ask the callback which keys it knows.
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return key
})

// dialStats counts connection attempts and established connections (handshake done).
type dialStats struct {
	attempts    atomic.Int64
	established atomic.Int64
}

// liveClient is one established SSH connection. done is closed when it has ended.
type liveClient struct {
	client *ssh.Client
	done   chan struct{}
	once   sync.Once
	closed atomic.Bool
}

func (l *liveClient) alive() bool {
	if l.closed.Load() {
		return false
	}
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

func (l *liveClient) close() {
	l.closed.Store(true)
	l.once.Do(func() { l.client.Close() })
}

// jumpFunc returns the connection to tunnel through (a bastion), or is nil for a direct dial.
type jumpFunc func(ctx context.Context) (*ssh.Client, error)

// dialSSH connects and authenticates to cfg, directly or through jump, retrying transient network
// failures. The returned client is watched: done closes when the connection ends, and keepalives
// close a connection whose peer stopped answering.
func dialSSH(ctx context.Context, cfg SSHConfig, jump jumpFunc, stats *dialStats) (*liveClient, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := cfg.hostKeyDB()
	if err != nil {
		return nil, err
	}
	if len(db.known) == 0 && !db.authorities {
		return nil, cfg.unknownHostError() // refuse before sending a byte
	}
	var lastErr error
	wait := dialFirstWait
	attempts := 0
	for attempt := 1; attempt <= dialAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("connecting to %s: %w (after: %v)", cfg.route(), ctx.Err(), lastErr)
			case <-t.C:
			}
			wait *= 3
		}
		if stats != nil {
			stats.attempts.Add(1)
		}
		attempts++
		lc, err := dialOnce(ctx, cfg, db, jump)
		if err == nil {
			if stats != nil {
				stats.established.Add(1)
			}
			return lc, nil
		}
		lastErr = err
		if !transient(err) || ctx.Err() != nil {
			break
		}
	}
	if transient(lastErr) {
		return nil, fmt.Errorf("connecting to %s failed after %d attempts: %w", cfg.route(), attempts, lastErr)
	}
	return nil, lastErr
}

// dialOnce makes one attempt: TCP (or a channel through the bastion), then the SSH handshake under
// a deadline.
func dialOnce(ctx context.Context, cfg SSHConfig, db *hostKeyDB, jump jumpFunc) (*liveClient, error) {
	timeout := cfg.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := cfg.Addr()

	var conn net.Conn
	var err error
	if jump != nil {
		var via *ssh.Client
		if via, err = jump(ctx); err != nil {
			return nil, &jumpError{target: cfg.ID(), err: err}
		}
		conn, err = via.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, &netError{op: "opening a tunnel through the bastion to " + addr, err: err}
		}
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, &netError{op: "dialling " + addr, err: err}
		}
	}

	auth, methods, cleanup, err := cfg.authMethods()
	if err != nil {
		conn.Close()
		return nil, err
	}
	defer cleanup()

	var hostKeyErr error
	clientConfig := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth,
		HostKeyCallback:   db.verify(addr, &hostKeyErr),
		HostKeyAlgorithms: db.algorithms(cfg.AllowSHA1HostKeySignatures),
		ClientVersion:     "SSH-2.0-dbtls",
		Timeout:           timeout,
	}
	// The handshake deadline: a channel through a bastion has no SetDeadline, so close the
	// connection instead, which ends the handshake in either case.
	var expired atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		expired.Store(true)
		conn.Close()
	})
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, clientConfig)
	stopped := stop()
	if err == nil && !stopped {
		err = errors.New("handshake deadline reached")
	}
	if err != nil {
		conn.Close()
		switch {
		case hostKeyErr != nil:
			return nil, hostKeyErr
		case sha1OnlyHostKeyError(addr, err, cfg.AllowSHA1HostKeySignatures) != nil:
			return nil, sha1OnlyHostKeyError(addr, err, cfg.AllowSHA1HostKeySignatures)
		case strings.Contains(err.Error(), "unable to authenticate") || strings.Contains(err.Error(), "authentication"):
			return nil, &AuthError{User: cfg.User, Addr: addr, Methods: methods, Err: err}
		case expired.Load():
			return nil, &netError{op: "SSH handshake with " + addr, err: fmt.Errorf("no answer within %s: %w", timeout, os.ErrDeadlineExceeded)}
		}
		return nil, &netError{op: "SSH handshake with " + addr, err: err}
	}
	lc := &liveClient{client: ssh.NewClient(c, chans, reqs), done: make(chan struct{})}
	go func() {
		_ = lc.client.Wait()
		close(lc.done)
	}()
	go keepalive(lc, timeout)
	return lc, nil
}

// keepalive probes the connection while it lives and closes it when a probe goes unanswered.
func keepalive(lc *liveClient, timeout time.Duration) {
	t := time.NewTicker(keepaliveInterval)
	defer t.Stop()
	for {
		select {
		case <-lc.done:
			return
		case <-t.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := lc.client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				lc.close()
				return
			}
		case <-time.After(timeout):
			lc.close()
			return
		case <-lc.done:
			return
		}
	}
}

// authMethods builds one publickey method from the private key and the agent's keys (the library
// tries each method name only once, so all keys go into one method), and names what is offered.
func (c SSHConfig) authMethods() ([]ssh.AuthMethod, []string, func(), error) {
	var signers []ssh.Signer
	var methods []string
	cleanup := func() {}
	if c.PrivateKey != "" {
		s, err := c.signer()
		if err != nil {
			return nil, nil, cleanup, err
		}
		signers = append(signers, s)
		methods = append(methods, "publickey (private_key "+s.PublicKey().Type()+" "+ssh.FingerprintSHA256(s.PublicKey())+")")
	}
	if c.Agent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, nil, cleanup, &ConfigError{Target: c.ID(), Msg: "agent = true, but SSH_AUTH_SOCK is not set"}
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, nil, cleanup, &ConfigError{Target: c.ID(), Msg: "cannot reach the SSH agent at SSH_AUTH_SOCK", Err: err}
		}
		cleanup = func() { conn.Close() }
		agentSigners, err := agent.NewClient(conn).Signers()
		if err != nil {
			cleanup()
			return nil, nil, func() {}, &ConfigError{Target: c.ID(), Msg: "listing the SSH agent's keys", Err: err}
		}
		signers = append(signers, agentSigners...)
		methods = append(methods, fmt.Sprintf("publickey (agent, %d keys)", len(agentSigners)))
	}
	return []ssh.AuthMethod{ssh.PublicKeys(signers...)}, methods, cleanup, nil
}

// netError is a failure to reach or talk to a host.
type netError struct {
	op  string
	err error
}

func (e *netError) Error() string { return e.op + ": " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// jumpError is a failure to reach the bastion. The bastion's connection has retried already, so
// the target does not retry it again.
type jumpError struct {
	target string
	err    error
}

func (e *jumpError) Error() string { return "bastion for " + e.target + ": " + e.err.Error() }
func (e *jumpError) Unwrap() error { return e.err }

// transient reports whether a dial failure may go away by itself: the network or the server's
// connection throttling, not a verdict on keys or configuration.
func transient(err error) bool {
	var (
		hk   *HostKeyError
		sha1 *SHA1HostKeyError
		auth *AuthError
		cfg  *ConfigError
		ne   *netError
		oce  *ssh.OpenChannelError
		je   *jumpError
	)
	switch {
	case err == nil, errors.As(err, &hk), errors.As(err, &sha1), errors.As(err, &auth), errors.As(err, &cfg), errors.As(err, &je):
		return false
	case errors.As(err, &oce):
		return oce.Reason == ssh.ConnectionFailed // refused or unreachable behind the bastion
	case !errors.As(err, &ne):
		return false
	}
	var timeout interface{ Timeout() bool }
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &timeout) && timeout.Timeout())
}

// permanent reports whether a connection error is a verdict that must not be retried by later
// operations either (it is kept and returned again).
func permanent(err error) bool {
	var (
		hk   *HostKeyError
		sha1 *SHA1HostKeyError
		auth *AuthError
		cfg  *ConfigError
		sudo *SudoError
	)
	return errors.As(err, &hk) || errors.As(err, &sha1) || errors.As(err, &auth) || errors.As(err, &cfg) || errors.As(err, &sudo)
}
