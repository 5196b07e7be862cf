package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// sslResponse is the server's answer to an SSLRequest.
type sslResponse struct {
	answer   byte   // 'S', 'N', 'E' or whatever else arrived first
	trailing int    // bytes that arrived together with an 'S' (CVE-2021-23222: must be none)
	sqlstate string // for 'E', when the ErrorResponse could be decoded
	banner   bool   // the read began with an SSH version banner ("SSH-"), not an answer that starts with 'S'
}

// isPostgres reports an answer a PostgreSQL server (or a man in the middle posing as one) gives.
func (r sslResponse) isPostgres() bool {
	return !r.banner && (r.answer == 'S' || r.answer == 'N' || r.answer == 'E')
}

// maxServerMessage bounds the body of any message the probes accept from a server.
const maxServerMessage = 32 << 10

// readSSLResponse reads the answer to an SSLRequest with one read, as libpq fills its buffer: a server
// must send exactly one byte, so anything else in that read after an 'S' was not protected by TLS and
// may have been injected by a man in the middle (CVE-2021-23222).
func readSSLResponse(r io.Reader) (sslResponse, error) {
	buf := make([]byte, 1024)
	var n int
	var err error
	for n == 0 && err == nil {
		n, err = r.Read(buf)
	}
	if n == 0 {
		return sslResponse{}, err
	}
	resp := sslResponse{answer: buf[0], banner: bytes.HasPrefix(buf[:n], []byte("SSH-"))}
	switch buf[0] {
	case 'S', 'N':
		resp.trailing = n - 1
	case 'E':
		// An ErrorResponse (a server that cannot fork a backend, or a very old one). Only its SQLSTATE is
		// kept: error text from an unauthenticated server is never repeated (CVE-2024-10977).
		fe := pgproto3.NewFrontend(io.MultiReader(bytes.NewReader(buf[:n]), r), io.Discard)
		fe.SetMaxBodyLen(maxServerMessage)
		if msg, err := fe.Receive(); err == nil {
			if e, ok := msg.(*pgproto3.ErrorResponse); ok {
				resp.sqlstate = cleanSQLState(e.Code)
			}
		}
	}
	return resp, nil
}

// startupReply is what the server said to a StartupMessage: the first authentication request means a
// pg_hba.conf line other than "reject" matched; an ErrorResponse means the session was refused.
type startupReply struct {
	accepted bool
	authType uint32
	sqlstate string
	// message is the server's text: matched by classifyRefusal, never repeated.
	message string
}

func (r startupReply) describe() string {
	if r.accepted {
		return "the server accepted the session (" + authTypeName(r.authType) + ")"
	}
	return "the server refused the session (" + classifyRefusal(r.sqlstate, r.message).words + ")"
}

// readStartupReply reads messages until the first authentication request or error.
func readStartupReply(r io.Reader) (startupReply, error) {
	fe := pgproto3.NewFrontend(r, io.Discard)
	fe.SetMaxBodyLen(maxServerMessage)
	for i := 0; i < 16; i++ {
		msg, err := fe.Receive()
		if err != nil {
			return startupReply{}, err
		}
		switch m := msg.(type) {
		case *pgproto3.NegotiateProtocolVersion, *pgproto3.NoticeResponse:
			continue
		case *pgproto3.ErrorResponse:
			return startupReply{sqlstate: cleanSQLState(m.Code), message: m.Message}, nil
		case pgproto3.AuthenticationResponseMessage:
			return startupReply{accepted: true, authType: fe.GetAuthType()}, nil
		default:
			return startupReply{}, fmt.Errorf("unexpected %T before authentication", msg)
		}
	}
	return startupReply{}, errors.New("too many messages before authentication")
}

// cleanSQLState keeps a SQLSTATE only when it looks like one (five digits or capitals).
func cleanSQLState(code string) string {
	if len(code) != 5 {
		return ""
	}
	for _, c := range code {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return ""
		}
	}
	return code
}

var sqlStateMeaning = map[string]string{
	"28000": "the server refused the client's authorization (no pg_hba.conf entry accepts it, or a reject line, or a client certificate problem)",
	"28P01": "password authentication failed",
	"3D000": "the database does not exist",
	"53300": "too many connections",
	"57P03": "the server cannot accept connections now",
	"08P01": "protocol violation (PgBouncer uses it for every refusal)",
	"08004": "the server rejected the connection",
	"0A000": "feature not supported",
	"XX000": "internal error",
}

// refusal is a server's ErrorResponse in our words.
type refusal struct {
	words string
	// tlsRequired: the server refuses the session because it is not encrypted (pg_hba.conf has no
	// entry for "no encryption", PgBouncer's client_tls_sslmode).
	tlsRequired bool
	// certRequired: the session needs a valid client certificate and none (or no valid one) was sent.
	certRequired bool
}

// refusalMessages gloss an ErrorResponse by its SQLSTATE and the (English) message PostgreSQL 12-17 or
// PgBouncer sends. The message is only matched: the server's text is never repeated (it comes from an
// unauthenticated peer, CVE-2024-10977). A server with another lc_messages falls back to the SQLSTATE.
var refusalMessages = []struct {
	code, contains string
	r              refusal
}{
	// PostgreSQL's auth.c: ClientAuthentication and its "no pg_hba.conf entry" / "rejects" reports.
	{"28000", "connection requires a valid client certificate", refusal{words: "a valid client certificate is required (clientcert or the cert method in pg_hba.conf), and none was sent", certRequired: true}},
	{"28000", "certificate authentication failed", refusal{words: "the client certificate's common name does not match the user (the cert method in pg_hba.conf)"}},
	{"28000", "certificate validation (clientcert=verify-full) failed", refusal{words: "the client certificate's common name does not match the user (clientcert=verify-full in pg_hba.conf)"}},
	{"28000", "root certificate store is available", refusal{words: "pg_hba.conf demands client certificates, but the server has no ssl_ca_file"}},
	{"28000", ", no encryption", refusal{words: "pg_hba.conf does not let this host, user and database in without encryption", tlsRequired: true}},
	{"28000", ", SSL off", refusal{words: "pg_hba.conf does not let this host, user and database in without encryption", tlsRequired: true}},
	{"28000", "no pg_hba.conf entry", refusal{words: "pg_hba.conf has no entry that accepts it"}},
	{"28000", "pg_hba.conf rejects connection", refusal{words: "a pg_hba.conf reject line matches it"}},
	// PgBouncer's client.c refuses with 08P01 and a short text.
	{"08P01", "SSL required", refusal{words: "PgBouncer requires TLS (client_tls_sslmode)", tlsRequired: true}},
	{"08P01", "TLS connection required", refusal{words: "PgBouncer requires TLS for this user (auth_type cert, or a hostssl line of auth_hba_file)", tlsRequired: true}},
	{"08P01", "TLS client certificate required", refusal{words: "PgBouncer requires a client certificate (auth_type cert), and none was sent", certRequired: true}},
	{"08P01", "TLS certificate name mismatch", refusal{words: "the client certificate's common name does not match the user (PgBouncer's auth_type cert)"}},
	{"08P01", "no such user", refusal{words: "PgBouncer knows no such user"}},
	{"08P01", "no such database", refusal{words: "PgBouncer knows no such database"}},
	{"08P01", "max_client_conn", refusal{words: "PgBouncer allows no more connections (max_client_conn)"}},
	{"08P01", "cannot connect", refusal{words: "PgBouncer cannot connect to its server"}},
	{"08P01", "server login has been failing", refusal{words: "PgBouncer's logins to its server keep failing"}},
}

// classifyRefusal words an ErrorResponse by its SQLSTATE and message.
func classifyRefusal(code, message string) refusal {
	for _, m := range refusalMessages {
		if m.code == code && strings.Contains(message, m.contains) {
			r := m.r
			r.words = "SQLSTATE " + code + ": " + r.words
			return r
		}
	}
	return refusal{words: describeSQLState(code)}
}

func describeSQLState(code string) string {
	if code == "" {
		return "an error without a valid SQLSTATE"
	}
	if m, ok := sqlStateMeaning[code]; ok {
		return "SQLSTATE " + code + ": " + m
	}
	return "SQLSTATE " + code
}

func authTypeName(t uint32) string {
	switch t {
	case pgproto3.AuthTypeOk:
		return "no password needed"
	case pgproto3.AuthTypeCleartextPassword:
		return "asks for a cleartext password"
	case pgproto3.AuthTypeMD5Password:
		return "asks for an MD5 password"
	case pgproto3.AuthTypeSASL:
		return "asks for SCRAM authentication"
	case pgproto3.AuthTypeGSS:
		return "asks for GSSAPI authentication"
	}
	return fmt.Sprintf("authentication request %d", t)
}

// postgres probes a PostgreSQL server.
type postgres struct {
	t          *Target
	user, db   string
	host       string // the name verified and sent as SNI (server_name overrides the URL's host)
	rootFile   rootFile
	crls       crlSet
	clientCert *tls.Certificate
	initErr    error // what libpq's initialize_SSL would fail with
	now        time.Time
	spoke      *spokeFlag // set when any probe hears PostgreSQL's protocol
}

func newPostgres(ctx context.Context, t *Target, in *inputs) *postgres {
	p := &postgres{t: t, user: t.User, db: t.DBName, host: t.Host, now: in.now}
	if in.serverName != "" {
		p.host = in.serverName
	}
	if p.user == "" {
		// libpq falls back to the operating system user name.
		if u, err := user.Current(); err == nil {
			p.user = u.Username
		}
	}

	// Root certificates: ca_certificates_pem stands in for the root file; otherwise sslrootcert, the
	// system store (sslrootcert=system) or ~/.postgresql/root.crt.
	switch {
	case in.caCerts != nil:
		p.rootFile = rootFile{path: "ca_certificates_pem", exists: true,
			store: newTrustStore("ca_certificates_pem", in.caCerts, true)}
	case t.SystemTrustStore():
		ts, err := systemTrustStore()
		p.rootFile = rootFile{path: SystemRootCert, exists: err == nil, store: ts, err: err}
	default:
		p.rootFile = loadRootFile(ctx, t.SSLRootCert, in.home)
	}
	if p.rootFile.exists {
		p.crls = loadCRLs(ctx, t.SSLCRL, t.SSLCRLDir, in.home)
		p.crls.crls = append(p.crls.crls, p.rootFile.crls...)
	}

	switch {
	case p.rootFile.err != nil:
		p.initErr = p.rootFile.err
	case !p.rootFile.exists && (t.SSLMode == SSLVerifyCA || t.SSLMode == SSLVerifyFull):
		if p.rootFile.path == "" {
			p.initErr = errors.New("could not get home directory to locate root certificate file; provide sslrootcert or ca_certificates_pem, or change sslmode")
		} else if t.SSLRootCert == SystemRootCert {
			p.initErr = fmt.Errorf("root certificate file %q does not exist: libpq %d reads sslrootcert=system as a file name (the system trust store needs libpq 16 or later); give ca_certificates_pem or the path of a root certificate file", p.rootFile.path, t.Libpq)
		} else {
			p.initErr = fmt.Errorf("root certificate file %q does not exist; provide the file (or ca_certificates_pem, or sslrootcert=system) or change sslmode", p.rootFile.path)
		}
	}

	// Client certificate: client_certificate_pem, else sslcert (default ~/.postgresql/postgresql.crt).
	if t.SSLCertMode != "disable" {
		if in.clientCert != nil {
			p.clientCert = in.clientCert
		} else if cert, err := loadLibpqClientCert(ctx, t, in.home); err != nil {
			if p.initErr == nil {
				p.initErr = err
			}
		} else {
			p.clientCert = cert
		}
	}
	return p
}

// loadLibpqClientCert follows libpq: a missing certificate file is fine; a certificate without its key,
// or a key readable by group or others, is an error.
func loadLibpqClientCert(ctx context.Context, t *Target, home string) (*tls.Certificate, error) {
	certPath, keyPath := t.SSLCert, t.SSLKey
	if certPath == "" && home != "" {
		certPath = filepath.Join(home, ".postgresql", "postgresql.crt")
	}
	if keyPath == "" && home != "" {
		keyPath = filepath.Join(home, ".postgresql", "postgresql.key")
	}
	if certPath == "" {
		return nil, nil
	}
	certPEM, err := readInputFile(ctx, certPath, maxInputFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not read certificate file %q: %v", certPath, err)
	}
	st, err := os.Stat(keyPath)
	if err != nil {
		return nil, fmt.Errorf("certificate present, but not private key file %q", keyPath)
	}
	if keyFileTooOpen(st) {
		return nil, fmt.Errorf("private key file %q has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if owned by root", keyPath)
	}
	keyPEM, err := readInputFile(ctx, keyPath, maxInputFile)
	if err != nil {
		return nil, fmt.Errorf("could not read private key file %q: %v", keyPath, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("could not load client certificate %q with key %q: %v", certPath, keyPath, err)
	}
	return &cert, nil
}

// sni is libpq's rule: send the host name unless sslsni=0 or the host is a literal address.
func (p *postgres) sni() string {
	h := p.host
	if !p.t.SSLSNI || h == "" || strings.Trim(h, "0123456789.") == "" || strings.Contains(h, ":") {
		return ""
	}
	return h
}

// libpqTLSConfig is the TLS client libpq would be: it verifies the chain only when a root certificate
// file exists (whatever the sslmode: require then acts as verify-ca) and checks the host name only for
// verify-full.
func (p *postgres) libpqTLSConfig(rec *handshakeRecord) *tls.Config {
	cfg := &tls.Config{
		// G402: crypto/tls's own verification is replaced, not skipped: VerifyConnection (installed by
		// rec.instrument below) checks the chain and the host name as libpq does for the sslmode, which
		// crypto/tls's settings cannot express.
		InsecureSkipVerify: true, //nolint:gosec // see above
		ServerName:         p.sni(),
		MinVersion:         p.t.MinTLS,
		MaxVersion:         p.t.MaxTLS,
		CipherSuites:       clientCipherSuites,
		Renegotiation:      tls.RenegotiateNever,
	}
	if p.t.Direct {
		cfg.NextProtos = []string{"postgresql"}
	}
	rec.instrument(cfg, p.verifyLikeLibpq, p.clientCert)
	return cfg
}

// errLegacySigalg is OpenSSL 3's refusal of a TLS 1.0/1.1 server key exchange: those versions sign it with
// MD5-SHA1 (or SHA-1), whose strength OpenSSL 3.0 rates below its default security level 1, so libpq (which
// leaves the level alone) fails with "legacy sigalg disallowed or unsupported". A TLS 1.0/1.1 suite with RSA
// key exchange signs nothing and still works; in TLS 1.2 OpenSSL 3 offers no SHA-1 signature algorithm,
// which crypto/tls (since Go 1.25) does not either.
var errLegacySigalg = errors.New("libpq with OpenSSL 3 refuses the server's TLS 1.0/1.1 key exchange: its MD5-SHA1 signature is below " +
	"OpenSSL's default security level 1 (\"legacy sigalg disallowed or unsupported\"); enable TLS 1.2 or later on the server")

// signedKeyExchange reports a TLS 1.0-1.2 suite whose server key exchange is signed (ECDHE; crypto/tls has
// no DHE suites).
func signedKeyExchange(suite uint16) bool {
	return strings.HasPrefix(tls.CipherSuiteName(suite), "TLS_ECDHE_")
}

func (p *postgres) verifyLikeLibpq(cs tls.ConnectionState) error {
	if cs.Version < tls.VersionTLS12 && signedKeyExchange(cs.CipherSuite) {
		return errLegacySigalg
	}
	if p.rootFile.exists && p.rootFile.store != nil {
		chain, err := p.rootFile.store.verify(cs.PeerCertificates, p.now)
		if err != nil {
			return err
		}
		if p.crls.enabled {
			r := checkRevocation(chain, p.crls.crls, p.now, true)
			if r.Revoked {
				return fmt.Errorf("the certificate %q is revoked", r.RevokedSubject)
			}
			if r.Problem != "" {
				return fmt.Errorf("revocation check failed: %s (libpq checks every certificate of the chain)", r.Problem)
			}
		}
	}
	if p.t.SSLMode == SSLVerifyFull {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the server sent no certificate")
		}
		if _, err := libpqHostMatch(cs.PeerCertificates[0], p.host); err != nil {
			return err
		}
	}
	return nil
}

// pgOutcome is one step of libpq's connection sequence.
type pgOutcome struct {
	ok       bool
	tls      bool
	reason   string
	refused  bool    // the server answered the StartupMessage with an ErrorResponse
	refusal  refusal // what it meant
	timeout  bool
	trailing bool
	err      error // the connection error that ended it, if any
}

// clientPath follows libpq's PQconnectPoll for the sslmode, fallbacks included, and says whether a
// libpq client would get through to authentication.
func (p *postgres) clientPath(ctx context.Context) pgOutcome {
	deadline := attemptDeadline(ctx, p.t.ConnectTimeout) // libpq's connect_timeout covers the whole sequence for one address
	switch {
	case p.t.SSLMode == SSLDisable:
		return p.plainSession(ctx, deadline)
	case p.t.SSLMode == SSLAllow:
		out := p.plainSession(ctx, deadline)
		if out.ok || !out.refused {
			return out
		}
		// allow: the server refused plaintext, so try again with TLS on a new connection.
		retry := p.sslSession(ctx, deadline, false)
		retry.reason = prefixReason("plaintext refused, then TLS: ", retry)
		return retry
	case p.t.Direct:
		return p.directSession(ctx, deadline)
	default:
		return p.sslSession(ctx, deadline, p.t.SSLMode == SSLPrefer)
	}
}

func prefixReason(prefix string, o pgOutcome) string {
	if o.ok {
		return ""
	}
	return prefix + o.reason
}

func (p *postgres) plainSession(ctx context.Context, deadline time.Time) pgOutcome {
	conn, done, err := dial(ctx, p.t.Address(), deadline)
	if err != nil {
		return pgOutcome{reason: "cannot connect: " + describeNetErr(err), timeout: isTimeout(err)}
	}
	defer done()
	return p.startup(conn, false)
}

// startup sends the StartupMessage and reads the verdict of pg_hba.conf.
func (p *postgres) startup(conn net.Conn, overTLS bool) pgOutcome {
	params := map[string]string{"user": p.user, "application_name": "dbtls_endpoint"}
	if p.db != "" {
		params["database"] = p.db
	}
	msg, err := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params}).Encode(nil)
	if err != nil {
		return pgOutcome{reason: "cannot encode the startup message: " + err.Error()}
	}
	if _, err := conn.Write(msg); err != nil {
		return pgOutcome{reason: "sending the startup message failed: " + describeNetErr(err), timeout: isTimeout(err), tls: overTLS, err: err}
	}
	reply, err := readStartupReply(conn)
	if err != nil {
		return pgOutcome{reason: "no valid answer to the startup message: " + describeNetErr(err), timeout: isTimeout(err), tls: overTLS, err: err}
	}
	p.spoke.set()
	_, _ = conn.Write([]byte{'X', 0, 0, 0, 4}) // Terminate, so the server logs no broken connection
	if reply.accepted {
		return pgOutcome{ok: true, tls: overTLS}
	}
	where := "a plaintext session"
	if overTLS {
		where = "a TLS session"
	}
	rf := classifyRefusal(reply.sqlstate, reply.message)
	return pgOutcome{refused: true, tls: overTLS, refusal: rf, reason: "the server refused " + where + " (" + rf.words + ")"}
}

// sslSession sends an SSLRequest and goes on as libpq does; with preferFallback (sslmode=prefer) a TLS
// failure or a refused TLS session is retried in plaintext on a new connection.
func (p *postgres) sslSession(ctx context.Context, deadline time.Time, preferFallback bool) pgOutcome {
	conn, done, err := dial(ctx, p.t.Address(), deadline)
	if err != nil {
		return pgOutcome{reason: "cannot connect: " + describeNetErr(err), timeout: isTimeout(err)}
	}
	defer done()
	req, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	if _, err := conn.Write(req); err != nil {
		return pgOutcome{reason: "sending the SSL request failed: " + describeNetErr(err), timeout: isTimeout(err)}
	}
	resp, err := readSSLResponse(conn)
	if err != nil {
		return pgOutcome{reason: "no answer to the SSL request: " + describeNetErr(err), timeout: isTimeout(err)}
	}
	if resp.isPostgres() {
		p.spoke.set()
	}
	fallback := func(why string) pgOutcome {
		if !preferFallback {
			return pgOutcome{reason: why}
		}
		done()
		out := p.plainSession(ctx, deadline)
		out.reason = prefixReason(why+"; the plaintext retry (sslmode=prefer): ", out)
		return out
	}
	if resp.banner {
		return pgOutcome{reason: "invalid answer to the SSL request (an SSH version banner)"}
	}
	switch resp.answer {
	case 'S':
		if resp.trailing > 0 {
			return pgOutcome{trailing: true, reason: fmt.Sprintf("the server sent %d unencrypted bytes after its one-byte answer to the SSL request (CVE-2021-23222)", resp.trailing)}
		}
		if p.initErr != nil {
			return fallback(p.initErr.Error())
		}
		var rec handshakeRecord
		tc := tls.Client(conn, p.libpqTLSConfig(&rec))
		if err := tc.Handshake(); err != nil {
			if isTimeout(err) {
				return pgOutcome{reason: "TLS handshake: " + describeNetErr(err), timeout: true}
			}
			if why, ok := certRejection(&rec, p.clientCert != nil, err); ok {
				return fallback(why)
			}
			return fallback("TLS handshake failed: " + describeTLSErr(err))
		}
		if why := p.certModeProblem(&rec); why != "" {
			return fallback(why)
		}
		out := p.startup(tc, true)
		if why, ok := certRejection(&rec, p.clientCert != nil, out.err); ok {
			// TLS 1.3: libpq's handshake had ended, so the alert (or hang-up) is a read error while it waits
			// for the answer to its startup packet; only an ErrorResponse there makes prefer retry in plaintext.
			return pgOutcome{tls: true, reason: why}
		}
		if out.refused {
			return fallback(out.reason)
		}
		return out
	case 'N':
		if p.t.SSLMode.rank() >= SSLRequire.rank() {
			return pgOutcome{reason: "the server does not support SSL (answered N), but sslmode=" + string(p.t.SSLMode) + " requires it"}
		}
		return p.startup(conn, false)
	case 'E':
		return pgOutcome{reason: "the server answered the SSL request with an error (" + describeSQLState(resp.sqlstate) + ")"}
	default:
		return pgOutcome{reason: fmt.Sprintf("invalid answer to the SSL request (byte 0x%02x)", resp.answer)}
	}
}

// directSession is sslnegotiation=direct (libpq 17): TLS right away with ALPN "postgresql", no fallback.
func (p *postgres) directSession(ctx context.Context, deadline time.Time) pgOutcome {
	if p.initErr != nil {
		return pgOutcome{reason: p.initErr.Error()}
	}
	conn, done, err := dial(ctx, p.t.Address(), deadline)
	if err != nil {
		return pgOutcome{reason: "cannot connect: " + describeNetErr(err), timeout: isTimeout(err)}
	}
	defer done()
	var rec handshakeRecord
	tc := tls.Client(conn, p.libpqTLSConfig(&rec))
	if err := tc.Handshake(); err != nil {
		if why, ok := certRejection(&rec, p.clientCert != nil, err); ok {
			return pgOutcome{reason: why}
		}
		return pgOutcome{reason: "direct TLS handshake failed: " + describeTLSErr(err), timeout: isTimeout(err)}
	}
	if tc.ConnectionState().NegotiatedProtocol != "postgresql" {
		return pgOutcome{reason: "the server completed a direct TLS handshake without agreeing to ALPN \"postgresql\""}
	}
	if why := p.certModeProblem(&rec); why != "" {
		return pgOutcome{reason: why}
	}
	out := p.startup(tc, true)
	if why, ok := certRejection(&rec, p.clientCert != nil, out.err); ok {
		return pgOutcome{tls: true, reason: why}
	}
	return out
}

// certModeProblem is libpq 16's sslcertmode=require: the server must have asked for a certificate and the
// client must have sent one.
func (p *postgres) certModeProblem(rec *handshakeRecord) string {
	if p.t.SSLCertMode != "require" {
		return ""
	}
	if _, _, requested := rec.snapshot(); !requested {
		return "sslcertmode=require, but the server did not ask for a client certificate"
	}
	if p.clientCert == nil {
		return "sslcertmode=require, but there is no client certificate to send"
	}
	return ""
}

// describeTLSErr words handshake failures; certificate problems found by our own checks read as is.
func describeTLSErr(err error) string {
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ve) {
		return ve.Err.Error()
	}
	var ce x509.CertificateInvalidError
	if errors.As(err, &ce) {
		return ce.Error()
	}
	if isRemoteAlert(err) || isTimeout(err) || isClosed(err) {
		return describeNetErr(err)
	}
	return strings.TrimPrefix(err.Error(), "tls: ")
}

// pgProtocol adapts PostgreSQL to the generic TLS probes.
type pgProtocol struct{ p *postgres }

var (
	errNoTLS        = errors.New("the server does not offer TLS")
	errSSLTrailing  = errors.New("unencrypted bytes after the answer to the SSL request")
	errSSLErrorResp = errors.New("an error in answer to the SSL request")
	errSSLInvalid   = errors.New("an invalid answer to the SSL request")
)

func (pp pgProtocol) openTLS(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	conn, done, err := dial(ctx, pp.p.t.Address(), deadline)
	if err != nil {
		return nil, done, err
	}
	if pp.p.t.Direct {
		return conn, done, nil
	}
	req, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	if _, err := conn.Write(req); err != nil {
		done()
		return nil, func() {}, err
	}
	resp, err := readSSLResponse(conn)
	if err != nil {
		done()
		return nil, func() {}, err
	}
	if resp.isPostgres() {
		pp.p.spoke.set()
	}
	switch {
	case resp.banner:
		err = errSSLInvalid
	case resp.answer == 'S' && resp.trailing > 0:
		err = errSSLTrailing
	case resp.answer == 'S':
		return conn, done, nil
	case resp.answer == 'N':
		err = errNoTLS
	case resp.answer == 'E':
		err = errSSLErrorResp
	default:
		err = errSSLInvalid
	}
	done()
	return nil, func() {}, err
}

func (pp pgProtocol) openPlain(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	return dial(ctx, pp.p.t.Address(), deadline)
}

func (pp pgProtocol) baseTLS() *tls.Config {
	cfg := &tls.Config{ServerName: pp.p.sni()}
	if pp.p.t.Direct {
		cfg.NextProtos = []string{"postgresql"}
	}
	return cfg
}

func (pp pgProtocol) exchange(conn net.Conn, overTLS bool) exchangeResult {
	out := pp.p.startup(conn, overTLS)
	switch {
	case out.ok:
		return exchangeResult{answered: true, accepted: true, detail: "accepted by pg_hba.conf"}
	case out.refused:
		return exchangeResult{answered: true, detail: out.reason, tlsRequired: out.refusal.tlsRequired, certRequired: out.refusal.certRequired}
	}
	return exchangeResult{err: errors.New(out.reason), timeout: out.timeout}
}
