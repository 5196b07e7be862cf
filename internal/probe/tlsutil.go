package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clientCipherSuites is what the probes offer for TLS 1.0-1.2: everything Go implements except RC4 and
// 3DES, close to what an OpenSSL 3 client (libpq) or a JVM offers by default. Go's default list leaves out
// RSA key exchange and CBC-SHA256, which real clients still offer; a server that only speaks those must
// not look unreachable.
var clientCipherSuites = func() []uint16 {
	var ids []uint16
	for _, cs := range tls.CipherSuites() {
		if !supportsOnly13(cs) {
			ids = append(ids, cs.ID)
		}
	}
	for _, cs := range tls.InsecureCipherSuites() {
		if strings.Contains(cs.Name, "RC4") || strings.Contains(cs.Name, "3DES") {
			continue
		}
		ids = append(ids, cs.ID)
	}
	return ids
}()

// tls12Suites is every TLS 1.0-1.2 suite Go can offer, by IANA name (the names Java and Neo4j use too).
var tls12Suites = func() map[string]uint16 {
	m := map[string]uint16{}
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if !supportsOnly13(cs) {
				m[cs.Name] = cs.ID
			}
		}
	}
	return m
}()

// supportsOnly13 reports a TLS 1.3 suite.
func supportsOnly13(cs *tls.CipherSuite) bool {
	for _, v := range cs.SupportedVersions {
		if v != tls.VersionTLS13 {
			return false
		}
	}
	return true
}

// handshakeRecord captures what a TLS client saw of the server, including on handshakes that fail after
// the server's certificate arrived (a version that is offered but a client certificate that is refused).
type handshakeRecord struct {
	mu            sync.Mutex
	seen          bool // the server's certificate arrived: ServerHello negotiated a version and suite
	state         tls.ConnectionState
	certRequested bool
}

// instrument wraps cfg's callbacks; verify, when set, is the real certificate check.
func (r *handshakeRecord) instrument(cfg *tls.Config, verify func(tls.ConnectionState) error, clientCert *tls.Certificate) {
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		r.mu.Lock()
		r.seen = true
		r.state = cs
		r.mu.Unlock()
		if verify != nil {
			return verify(cs)
		}
		return nil
	}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		r.mu.Lock()
		r.certRequested = true
		r.mu.Unlock()
		if clientCert != nil {
			return clientCert, nil
		}
		return &tls.Certificate{}, nil
	}
}

func (r *handshakeRecord) snapshot() (seen bool, state tls.ConnectionState, requested bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen, r.state, r.certRequested
}

// attemptDeadline is the earlier of the overall deadline and now+limit (limit 0: no extra limit).
func attemptDeadline(ctx context.Context, limit time.Duration) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(30 * time.Second)
	}
	if limit > 0 {
		if l := time.Now().Add(limit); l.Before(d) {
			d = l
		}
	}
	return d
}

// dial opens a TCP connection whose every read and write ends by deadline, and which is closed as soon as
// ctx is done, so no probe outlives the data source's timeout.
func dial(ctx context.Context, addr string, deadline time.Time) (net.Conn, func(), error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		cancel()
		return nil, func() {}, err
	}
	_ = conn.SetDeadline(deadline)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	stop := context.AfterFunc(dctx, func() { _ = conn.Close() })
	return conn, func() { stop(); cancel(); _ = conn.Close() }, nil
}

// isRemoteAlert reports a TLS alert sent by the server.
func isRemoteAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isClosed reports the server hanging up: EOF, reset, broken pipe.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// describeNetErr turns a connection error into a short sentence of our own.
func describeNetErr(err error) string {
	switch {
	case err == nil:
		return ""
	case isTimeout(err):
		return "no answer before the deadline"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case isClosed(err):
		return "the server closed the connection"
	case isRemoteAlert(err):
		var op *net.OpError
		errors.As(err, &op)
		return "the server sent the TLS alert \"" + strings.TrimPrefix(op.Err.Error(), "tls: ") + "\""
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve " + dnsErr.Name
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "dial ") {
		msg = msg[i+2:]
	}
	return msg
}
