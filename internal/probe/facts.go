package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"time"
)

// protocol is what the generic TLS probes need from PostgreSQL, Bolt or HTTPS.
type protocol interface {
	// openTLS dials and does what comes before the ClientHello (PostgreSQL's SSLRequest); it returns
	// errNoTLS when the server declines TLS.
	openTLS(ctx context.Context, deadline time.Time) (net.Conn, func(), error)
	// openPlain dials for a session without TLS.
	openPlain(ctx context.Context, deadline time.Time) (net.Conn, func(), error)
	// baseTLS carries the protocol's SNI and ALPN.
	baseTLS() *tls.Config
	// exchange runs the first application exchange: StartupMessage, Bolt handshake or an HTTP request.
	exchange(conn net.Conn, overTLS bool) exchangeResult
}

// exchangeResult is the outcome of a protocol's first exchange.
type exchangeResult struct {
	answered bool   // the server answered in the protocol
	accepted bool   // and let the session go on (pg_hba accepted, a Bolt version agreed, HTTP status < 400)
	detail   string // our words, never the server's
	err      error
	timeout  bool
	// certRequired: the server refused because no valid client certificate was sent (PostgreSQL's
	// clientcert, an HTTP 400 "No required SSL certificate was sent" from nginx).
	certRequired bool
	// tlsRequired: the server refused a plaintext session because it is not encrypted.
	tlsRequired bool
}

// tlsFacts is what one handshake without a client certificate and without verification shows.
type tlsFacts struct {
	available     *bool // nil: could not tell
	unavailableBy string
	trailing      bool // PostgreSQL: bytes after the 'S' (CVE-2021-23222)
	seen          bool
	version       uint16
	cipher        uint16
	alpn          string
	peer          []*x509.Certificate
	certRequested bool
	clientAuth    ClientAuth // "" when it could not be told
	exchange      exchangeResult
	err           string
	timeout       bool
}

// ClientAuth is the server's demand for client certificates, in Neo4j's words.
type ClientAuth string

// ClientAuth values.
const (
	ClientAuthNone     ClientAuth = "NONE"
	ClientAuthOptional ClientAuth = "OPTIONAL"
	ClientAuthRequire  ClientAuth = "REQUIRE"
)

// ClientAuthValues lists the values, for validators and documentation.
var ClientAuthValues = []string{string(ClientAuthNone), string(ClientAuthOptional), string(ClientAuthRequire)}

func boolPtr(b bool) *bool { return &b }

// observeTLS handshakes without a client certificate, accepting any server certificate, offering every
// version from TLS 1.0 (so the server picks its highest), then runs the protocol's first exchange. A
// CertificateRequest followed by a refusal (an alert in the handshake, or after it in TLS 1.3) means the
// server requires client certificates; followed by a working session, that they are optional.
func observeTLS(ctx context.Context, pr protocol) tlsFacts {
	var f tlsFacts
	deadline := attemptDeadline(ctx, 0)
	conn, done, err := pr.openTLS(ctx, deadline)
	if err != nil {
		switch {
		case errors.Is(err, errNoTLS):
			f.available = boolPtr(false)
			f.unavailableBy = "the server answered N to the SSL request"
		case errors.Is(err, errSSLTrailing):
			f.trailing = true
			f.err = "the server sent unencrypted bytes after its answer to the SSL request (CVE-2021-23222)"
		default:
			f.err = describeNetErr(err)
			f.timeout = isTimeout(err)
		}
		return f
	}
	defer done()
	cfg := pr.baseTLS()
	cfg.InsecureSkipVerify = true // facts only; verification is judged separately
	cfg.MinVersion = tls.VersionTLS10
	cfg.CipherSuites = clientCipherSuites
	cfg.Renegotiation = tls.RenegotiateNever
	var rec handshakeRecord
	rec.instrument(cfg, nil, nil)
	tc := tls.Client(conn, cfg)
	herr := tc.Handshake()
	seen, state, requested := rec.snapshot()
	f.seen, f.certRequested = seen, requested
	if seen {
		f.available = boolPtr(true)
		f.version, f.cipher, f.alpn = state.Version, state.CipherSuite, state.NegotiatedProtocol
		f.peer = state.PeerCertificates
	}
	if herr != nil {
		f.err = "TLS handshake failed: " + describeTLSErr(herr)
		f.timeout = isTimeout(herr)
		if seen && requested && (isRemoteAlert(herr) || isClosed(herr)) {
			f.clientAuth = ClientAuthRequire
		}
		if !seen && !isTimeout(herr) && !isRemoteAlert(herr) {
			var rhe tls.RecordHeaderError
			if errors.As(herr, &rhe) {
				f.available = boolPtr(false)
				f.unavailableBy = "the server does not answer in TLS"
			}
		}
		return f
	}
	f.exchange = pr.exchange(tc, true)
	switch {
	case !requested:
		f.clientAuth = ClientAuthNone
	case f.exchange.certRequired:
		// The handshake went through, but the session is refused for want of a certificate: what a
		// client without one gets is a refusal (PostgreSQL's clientcert=verify-ca/verify-full, nginx's
		// ssl_verify_client on).
		f.clientAuth = ClientAuthRequire
	case f.exchange.answered:
		f.clientAuth = ClientAuthOptional
	case f.exchange.err != nil && (isRemoteAlert(f.exchange.err) || isClosed(f.exchange.err) || alertInText(f.exchange.err)):
		f.clientAuth = ClientAuthRequire
	}
	return f
}

// certRejection words a session the server broke off after asking for a client certificate: a TLS alert
// or a hang-up, in the handshake (TLS 1.2) or on the first read after it (TLS 1.3, where the client's
// handshake ends before the server has judged its certificate). Whatever the timing and whichever alert,
// the verdict reads the same. Our own verification failures and timeouts are not rejections.
func certRejection(rec *handshakeRecord, sent bool, err error) (string, bool) {
	if err == nil || isTimeout(err) || (!isRemoteAlert(err) && !isClosed(err)) {
		return "", false
	}
	if _, _, requested := rec.snapshot(); !requested {
		return "", false
	}
	if sent {
		return "the server asked for a client certificate and refused the session with the one sent", true
	}
	return "the server requires a client certificate: it asked for one and refused the session without it", true
}

// alertInText catches TLS alerts that reached us wrapped in an exchange error message.
func alertInText(err error) bool {
	s := err.Error()
	for _, sub := range []string{"TLS alert", "certificate required", "bad certificate", "closed the connection"} {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// versionScan is the result of offering one protocol version only.
type versionScan int

const (
	scanUnknown versionScan = iota
	scanOffered
	scanRefused
)

// scanVersion offers exactly one TLS version. The server offers it when its certificate arrives under
// that version, even if the handshake then fails for another reason (a required client certificate).
func scanVersion(ctx context.Context, pr protocol, v uint16) versionScan {
	deadline := attemptDeadline(ctx, 0)
	conn, done, err := pr.openTLS(ctx, deadline)
	if err != nil {
		return scanUnknown
	}
	defer done()
	cfg := pr.baseTLS()
	cfg.InsecureSkipVerify = true
	cfg.MinVersion, cfg.MaxVersion = v, v
	cfg.CipherSuites = clientCipherSuites
	var rec handshakeRecord
	rec.instrument(cfg, nil, nil)
	herr := tls.Client(conn, cfg).Handshake()
	if seen, state, _ := rec.snapshot(); seen && state.Version == v {
		return scanOffered
	}
	if herr == nil {
		return scanOffered
	}
	if isTimeout(herr) {
		return scanUnknown
	}
	return scanRefused
}

// acceptsSuites offers only the given TLS 1.2 suites and returns the one the server picked, if any.
func acceptsSuites(ctx context.Context, pr protocol, suites []uint16) (uint16, bool, bool) {
	deadline := attemptDeadline(ctx, 0)
	conn, done, err := pr.openTLS(ctx, deadline)
	if err != nil {
		return 0, false, false
	}
	defer done()
	cfg := pr.baseTLS()
	cfg.InsecureSkipVerify = true
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	cfg.CipherSuites = suites
	var rec handshakeRecord
	rec.instrument(cfg, nil, nil)
	herr := tls.Client(conn, cfg).Handshake()
	if seen, state, _ := rec.snapshot(); seen {
		return state.CipherSuite, true, true
	}
	if herr == nil {
		return 0, false, true
	}
	return 0, false, !isTimeout(herr)
}

// plaintextFacts says whether the server runs the protocol's session without TLS.
type plaintextFacts struct {
	accepted *bool
	detail   string
	// tlsRequired: the refusal said the session must be encrypted.
	tlsRequired bool
}

func observePlaintext(ctx context.Context, pr protocol) plaintextFacts {
	deadline := attemptDeadline(ctx, 0)
	conn, done, err := pr.openPlain(ctx, deadline)
	if err != nil {
		return plaintextFacts{detail: describeNetErr(err)}
	}
	defer done()
	ex := pr.exchange(conn, false)
	switch {
	case ex.answered:
		return plaintextFacts{accepted: boolPtr(ex.accepted), detail: ex.detail, tlsRequired: ex.tlsRequired}
	case ex.timeout:
		return plaintextFacts{detail: "no answer in plaintext before the deadline"}
	case ex.err != nil:
		// A server that only speaks TLS hangs up or answers garbage: it does not run plaintext sessions.
		return plaintextFacts{accepted: boolPtr(false), detail: "no plaintext session: " + ex.err.Error()}
	}
	return plaintextFacts{}
}
