// Package probe checks live database endpoints: PostgreSQL (SSLRequest, direct TLS, plaintext startup),
// Neo4j Bolt and HTTPS. It gathers facts with concurrent, deadline-bounded connections and evaluates them
// against what the URL demands (libpq's sslmode, a Neo4j driver's scheme) and against declared
// expectations, producing a Report. It knows nothing of Terraform.
package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// DefaultTimeout bounds a whole probe when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Options describe one probe.
type Options struct {
	Target *Target
	// CACertificatesPEM are trust anchors. For PostgreSQL they stand in for the root certificate file
	// (so sslmode=require verifies like verify-ca, as libpq does with a root file); for Neo4j and HTTPS
	// they replace the system trust store.
	CACertificatesPEM string
	// ClientCertificatePEM and ClientKeyPEM are presented when the server asks for a client certificate.
	ClientCertificatePEM string
	ClientKeyPEM         string
	// ServerName replaces the URL's host as the name verified and sent in SNI.
	ServerName string
	// Timeout bounds everything; the result is ready by then.
	Timeout time.Duration
	// HomeDir is where libpq would look for .postgresql/root.crt, root.crl, postgresql.crt and
	// postgresql.key; empty means no home directory.
	HomeDir string
	// Expect holds the expectations (DefaultExpectations, then a policy, then the expect block).
	Expect Expectations
	// Now is the time certificates are judged at; zero means time.Now().
	Now time.Time
}

// InputError is malformed input in one of the Options, named by Field.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// inputs are the Options, parsed.
type inputs struct {
	target     *Target
	caCerts    []*x509.Certificate
	clientCert *tls.Certificate
	serverName string
	home       string
	now        time.Time
}

// Prepare checks the Options without touching the network.
func Prepare(o Options) error {
	_, err := prepare(o)
	return err
}

func prepare(o Options) (*inputs, error) {
	if o.Target == nil {
		return nil, &InputError{Field: "url", Msg: "no target"}
	}
	if err := checkInputFiles(o.Target); err != nil {
		return nil, err
	}
	for _, f := range []struct{ field, v string }{
		{"ca_certificates_pem", o.CACertificatesPEM}, {"client_certificate_pem", o.ClientCertificatePEM}, {"client_key_pem", o.ClientKeyPEM},
	} {
		if err := pki.CheckSize(int64(len(f.v)), pki.MaxPEMSize); err != nil {
			return nil, &InputError{Field: f.field, Msg: fmt.Sprintf("the value is %d bytes, over the cap of %s", len(f.v), pki.HumanSize(pki.MaxPEMSize))}
		}
	}
	in := &inputs{target: o.Target, serverName: strings.TrimSpace(o.ServerName), home: o.HomeDir, now: o.Now}
	if in.now.IsZero() {
		in.now = time.Now()
	}
	if strings.TrimSpace(o.CACertificatesPEM) != "" {
		certs, err := parseCertificates([]byte(o.CACertificatesPEM))
		if err != nil {
			return nil, &InputError{Field: "ca_certificates_pem", Msg: err.Error()}
		}
		// They replace sslrootcert=system (which with_sslmode adds to a verify-full URL), not a file the URL
		// names: that would be two roots for one client.
		if o.Target.Kind == KindPostgres && o.Target.SSLRootCert != "" && o.Target.SSLRootCert != SystemRootCert {
			return nil, &InputError{Field: "ca_certificates_pem", Msg: fmt.Sprintf("the URL sets sslrootcert=%s too; give the trust anchors one way "+
				"(ca_certificates_pem replaces sslrootcert=system only)", o.Target.SSLRootCert)}
		}
		in.caCerts = certs
	}
	certSet, keySet := strings.TrimSpace(o.ClientCertificatePEM) != "", strings.TrimSpace(o.ClientKeyPEM) != ""
	switch {
	case certSet && keySet:
		cert, err := tls.X509KeyPair([]byte(o.ClientCertificatePEM), []byte(o.ClientKeyPEM))
		if err != nil {
			return nil, &InputError{Field: "client_certificate_pem", Msg: "the certificate and key do not form a usable pair: " + sanitizeKeyErr(err)}
		}
		in.clientCert = &cert
	case certSet:
		return nil, &InputError{Field: "client_key_pem", Msg: "client_certificate_pem is set, so client_key_pem must be too"}
	case keySet:
		return nil, &InputError{Field: "client_certificate_pem", Msg: "client_key_pem is set, so client_certificate_pem must be too"}
	}
	if o.Timeout < 0 {
		return nil, &InputError{Field: "timeout", Msg: "must be positive"}
	}
	return in, nil
}

// sanitizeKeyErr keeps crypto/tls's message, which never contains key material.
func sanitizeKeyErr(err error) string { return strings.TrimPrefix(err.Error(), "tls: ") }

// Run probes the endpoint and evaluates the result. Only invalid Options are errors: an endpoint that
// refuses, fails verification or does not answer yields a Report with Connectable false.
func Run(ctx context.Context, o Options) (*Report, error) {
	in, err := prepare(o)
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	f := gather(ctx, in, o.Expect)
	return Evaluate(f, o.Expect, in.now), nil
}

// gather runs the probes concurrently: the client's path, a fact-finding handshake, the plaintext check,
// one handshake per older TLS version, and the cipher check when suites are expected.
func gather(ctx context.Context, in *inputs, e Expectations) *Facts {
	t := in.target
	f := &Facts{Target: t, Scan: map[uint16]versionScan{}}

	var pr protocol
	var path func() pathOutcome
	var factsTrust *trustStore
	var trustErr error
	var pg *postgres
	spoke := &spokeFlag{}
	name := t.Host
	if in.serverName != "" {
		name = in.serverName
	}
	verifyHost := func(leaf *x509.Certificate) (*bool, string) { return nil, "" }

	switch t.Kind {
	case KindPostgres:
		pg = newPostgres(ctx, t, in)
		pg.spoke = spoke
		pr = pgProtocol{p: pg}
		path = func() pathOutcome {
			o := pg.clientPath(ctx)
			if o.trailing {
				f.Trailing = true
			}
			return pathOutcome{ok: o.ok, tls: o.tls, reason: o.reason}
		}
		if pg.rootFile.exists && pg.rootFile.store != nil {
			factsTrust = pg.rootFile.store
		} else {
			factsTrust, trustErr = systemTrustStore()
		}
		verifyHost = func(leaf *x509.Certificate) (*bool, string) {
			if pg.host == "" {
				return nil, ""
			}
			ok, err := libpqHostMatch(leaf, pg.host)
			if err != nil {
				return boolPtr(false), err.Error()
			}
			return boolPtr(ok), ""
		}
		f.VerificationSkipped = postgresSkips(t, pg)
		f.ClientChecks = postgresClientChecks(t, pg)
	case KindBolt, KindHTTPS:
		if in.caCerts != nil {
			factsTrust = newTrustStore("ca_certificates_pem", in.caCerts, false)
		} else {
			factsTrust, trustErr = systemTrustStore()
		}
		verifyHost = func(leaf *x509.Certificate) (*bool, string) {
			if err := leaf.VerifyHostname(name); err != nil {
				return boolPtr(false), fmt.Sprintf("the server certificate is not valid for host %q (names: %s)", name, certNames(leaf))
			}
			return boolPtr(true), ""
		}
		f.ClientChecks = goClientChecks(t, factsTrust, trustErr)
		if t.Kind == KindBolt {
			bp := boltProtocol{addr: t.Address(), serverName: name, spoke: spoke}
			pr = bp
			path = func() pathOutcome { return boltClientPath(ctx, bp, t.BoltTLS, factsTrust, in.clientCert, in.now) }
			if t.BoltTLS == BoltSelfSigned {
				f.VerificationSkipped = t.Scheme + ":// accepts any server certificate: neither the chain nor the host name is checked; use " + strings.TrimSuffix(t.Scheme, "+ssc") + "+s://"
			}
		} else {
			hp := httpsProtocol{addr: t.Address(), serverName: name, hostHeader: hostHeader(t), requestURI: t.RequestURI}
			pr = hp
			path = func() pathOutcome { return httpsClientPath(ctx, hp, factsTrust, in.clientCert, in.now) }
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	// Identification waits for the other probes (or a third of the time) and asks the peer what it is
	// only when none of them heard the protocol.
	othersDone := make(chan struct{})
	identified := make(chan string, 1)
	go func() { identified <- identifyPeer(ctx, t, name, spoke, othersDone) }()
	run := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	run(func() {
		o := path()
		mu.Lock()
		f.Connectable, f.SessionTLS, f.Reason = o.ok, o.tls, o.reason
		mu.Unlock()
	})
	run(func() {
		tf := observeTLS(ctx, pr)
		mu.Lock()
		f.TLS = tf
		mu.Unlock()
	})
	run(func() {
		pf := observePlaintext(ctx, pr)
		mu.Lock()
		f.Plaintext = pf
		mu.Unlock()
	})
	for _, v := range ProbedTLSVersions[:3] {
		run(func() {
			s := scanVersion(ctx, pr, v)
			mu.Lock()
			f.Scan[v] = s
			mu.Unlock()
		})
	}
	if e.Ciphers != nil {
		var disallowed []uint16
		for name, id := range tls12Suites {
			if !containsString(e.Ciphers, name) {
				disallowed = append(disallowed, id)
			}
		}
		if len(disallowed) > 0 {
			run(func() {
				id, accepted, ok := acceptsSuites(ctx, pr, disallowed)
				mu.Lock()
				f.CipherChecked = ok
				f.CipherCheckFailed = !ok
				if accepted {
					f.DisallowedCipher = cipherName(id)
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	close(othersDone)
	f.Foreign = <-identified

	// TLS 1.3 needs no handshake of its own: a server that has it picks it when offered everything.
	if f.TLS.seen {
		if f.TLS.version == tls.VersionTLS13 {
			f.Scan[tls.VersionTLS13] = scanOffered
		} else {
			f.Scan[tls.VersionTLS13] = scanRefused
		}
	}

	if len(f.TLS.peer) > 0 {
		leaf := f.TLS.peer[0]
		switch {
		case trustErr != nil:
			f.ChainProblem = trustErr.Error()
		case factsTrust != nil:
			f.TrustSource = factsTrust.source
			chain, err := factsTrust.verify(f.TLS.peer, in.now)
			f.ChainVerified = boolPtr(err == nil)
			if err != nil {
				f.ChainProblem = err.Error()
				// Revocation is still judged against the CRL issuer, whatever else is wrong.
				chain = issuerChain(f.TLS.peer, factsTrust.certs)
			}
			if pg != nil && len(pg.crls.crls) > 0 {
				rr := checkRevocation(chain, pg.crls.crls, in.now, true)
				switch {
				case rr.Revoked:
					f.Revoked, f.RevokedSubject = boolPtr(true), rr.RevokedSubject
				case rr.Problem == "":
					f.Revoked = boolPtr(false)
				}
			}
		}
		f.HostnameVerified, f.HostnameProblem = verifyHost(leaf)
	}
	return f
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hostHeader(t *Target) string {
	h := t.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if t.Port != DefaultHTTPSPort {
		h = fmt.Sprintf("%s:%d", h, t.Port)
	}
	return h
}

// postgresSkips says what libpq skips for the sslmode.
func postgresSkips(t *Target, pg *postgres) string {
	if t.SSLMode == SSLDisable || t.SSLMode == SSLVerifyFull {
		return ""
	}
	if t.SSLMode == SSLVerifyCA {
		return "sslmode=verify-ca does not check the host name: any certificate from the CA is accepted; use verify-full"
	}
	if pg.rootFile.exists {
		return fmt.Sprintf("sslmode=%s with a root certificate file verifies like verify-ca: the host name is not checked; use verify-full", t.SSLMode)
	}
	return fmt.Sprintf("sslmode=%s does not verify the server certificate (no root certificate file): a man in the middle would go unnoticed; use verify-full with sslrootcert (or sslrootcert=system)", t.SSLMode)
}

// postgresClientChecks says what libpq does with this URL: whether it insists on TLS, whether it checks
// the chain (whenever a root certificate file is there, as libpq does) and the host name (verify-full).
func postgresClientChecks(t *Target, pg *postgres) string {
	var tlsWord string
	switch t.SSLMode {
	case SSLDisable:
		return "no TLS (sslmode=disable): nothing is checked"
	case SSLAllow:
		tlsWord = "TLS only if the server refuses plaintext"
	case SSLPrefer:
		tlsWord = "TLS if the server offers it, else plaintext"
	default:
		tlsWord = "TLS required"
	}
	if t.Direct {
		tlsWord += " (direct TLS)"
	}
	if pg.initErr != nil {
		return tlsWord + "; it stops before TLS: " + pg.initErr.Error()
	}
	chain := "certificate chain NOT checked (no root certificate)"
	if pg.rootFile.exists && pg.rootFile.store != nil {
		chain = "certificate chain checked against " + pg.rootFile.store.source
	}
	host := "host name NOT checked"
	if t.SSLMode == SSLVerifyFull {
		host = "host name checked"
	}
	return tlsWord + "; " + chain + "; " + host
}

// goClientChecks says what a Neo4j driver (for its URI scheme) or an HTTPS client checks.
func goClientChecks(t *Target, trust *trustStore, trustErr error) string {
	if t.Kind == KindBolt {
		switch t.BoltTLS {
		case BoltPlain:
			return "no TLS (" + t.Scheme + "://): nothing is checked"
		case BoltSelfSigned:
			return "TLS required; any certificate accepted: chain and host name NOT checked"
		}
	}
	against := "the system trust store"
	if trust != nil {
		against = trust.source
	} else if trustErr != nil {
		against = "the system trust store (which cannot be loaded)"
	}
	return "TLS required; certificate chain checked against " + against + "; host name checked"
}
