package probe

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// Violation codes. Each violation is "<CODE>: <explanation>"; the codes are stable, the explanations not.
const (
	CodeNotConnectable       = "NOT_CONNECTABLE"
	CodeNotPostgreSQL        = "NOT_POSTGRESQL"
	CodeNotBolt              = "NOT_BOLT"
	CodeSSLResponseInjection = "SSL_RESPONSE_INJECTION"
	CodeTLSNotRequired       = "TLS_NOT_REQUIRED"
	CodeSessionUnencrypted   = "SESSION_UNENCRYPTED"
	CodeVerificationSkipped  = "VERIFICATION_SKIPPED"
	CodeTLSUnavailable       = "TLS_UNAVAILABLE"
	CodePlaintextAccepted    = "PLAINTEXT_ACCEPTED"
	CodePlaintextRejected    = "PLAINTEXT_REJECTED"
	CodeChainUnverified      = "CHAIN_UNVERIFIED"
	CodeHostnameMismatch     = "HOSTNAME_MISMATCH"
	CodeCertificateRevoked   = "CERTIFICATE_REVOKED"
	CodeCertificateExpired   = "CERTIFICATE_EXPIRED"
	CodeCertificateExpiring  = "CERTIFICATE_EXPIRING"
	CodeCertificateMismatch  = "CERTIFICATE_MISMATCH"
	CodeTLSVersionNotAllowed = "TLS_VERSION_NOT_ALLOWED"
	CodeTLSVersionMissing    = "TLS_VERSION_MISSING"
	CodeCipherNotAllowed     = "CIPHER_NOT_ALLOWED"
	CodeClientAuthMismatch   = "CLIENT_AUTH_MISMATCH"
	CodeProbeIncomplete      = "PROBE_INCOMPLETE"
)

// ViolationCodes documents every code, in the order violations are reported.
var ViolationCodes = []struct{ Code, Meaning string }{
	{CodeNotConnectable, "a client given this URL would not get through: negotiation, certificate or host name verification failed, the server refused the session (a PostgreSQL refusal is glossed by its SQLSTATE and message; one that needs TLS names the sslmode that works), a client certificate was required and none (or a refused one) was sent, or it did not answer in time. The reason follows."},
	{CodeNotPostgreSQL, "a `postgresql://` URL (or key=value string) points at a peer that answers, but not as a PostgreSQL server: an HTTP or SSH server, a TLS terminator, or something else. Check the host and port."},
	{CodeNotBolt, "a Neo4j URL points at a peer that answers, but not with Bolt: an HTTP(S) server, an SSH server, or something else. Check the host and port (Bolt listens on 7687 by default; 7473 and 7474 are HTTPS and HTTP)."},
	{CodeSSLResponseInjection, "the server sent bytes after its one-byte answer to the SSL request, which a man in the middle could have injected (CVE-2021-23222)."},
	{CodeTLSNotRequired, "the URL lets the client run without TLS (`sslmode` `disable`, `allow` or `prefer`; `neo4j://` or `bolt://`)."},
	{CodeSessionUnencrypted, "the client's session would actually run in plaintext."},
	{CodeVerificationSkipped, "the URL makes the client skip the certificate check (`sslmode=require` without a root certificate, `+ssc` schemes) or the host name check (`verify-ca`, or `require` with a root certificate file)."},
	{CodeTLSUnavailable, "the server does not offer TLS at all."},
	{CodePlaintextAccepted, "the server accepts sessions without TLS (pg_hba.conf for this user and database, a plaintext Bolt handshake, or plain HTTP) while `expect.plaintext` is `rejected` (the default)."},
	{CodePlaintextRejected, "`expect.plaintext` is `accepted` but the server refuses sessions without TLS."},
	{CodeChainUnverified, "the server's certificate chain does not lead to a trusted root (the root certificate file, `ca_certificates_pem`, or the system trust store)."},
	{CodeHostnameMismatch, "the server certificate is not valid for the host name."},
	{CodeCertificateRevoked, "a certificate of the chain is listed in a certificate revocation list (`sslcrl`, `sslcrldir`)."},
	{CodeCertificateExpired, "the server certificate has expired or is not valid yet."},
	{CodeCertificateExpiring, "the server certificate expires in fewer days than `expect.min_days_remaining`."},
	{CodeCertificateMismatch, "the server certificate's SHA-256 fingerprint is not `expect.certificate_sha256`."},
	{CodeTLSVersionNotAllowed, "the server offers a TLS version outside the expected set (by default TLSv1 and TLSv1.1 are not allowed)."},
	{CodeTLSVersionMissing, "the server does not offer a TLS version the expectations list."},
	{CodeCipherNotAllowed, "the server negotiated or accepted a cipher suite outside the expected list."},
	{CodeClientAuthMismatch, "the server's demand for client certificates (NONE, OPTIONAL, REQUIRE) differs from the expected one."},
	{CodeProbeIncomplete, "a check needed by the expectations could not finish before the timeout, so compliance cannot be established."},
}

// Facts are what the probes observed about one endpoint.
type Facts struct {
	Target *Target

	// The client's path (libpq or a Neo4j driver given exactly this URL).
	Connectable bool
	SessionTLS  bool
	Reason      string
	Trailing    bool // CVE-2021-23222

	TLS tlsFacts

	Scan map[uint16]versionScan

	Plaintext plaintextFacts

	CipherChecked     bool
	DisallowedCipher  string
	CipherCheckFailed bool

	TrustSource      string
	ChainVerified    *bool
	ChainProblem     string
	HostnameVerified *bool
	HostnameProblem  string
	Revoked          *bool
	RevokedSubject   string

	VerificationSkipped string

	// ClientChecks says, in our words, what a client given exactly this URL checks (TLS, chain, host
	// name); the probe's own observations are the other fields.
	ClientChecks string

	// Foreign is set when the peer answered, but not in the URL's protocol: what answered.
	Foreign string
}

// Report is the verdict on an endpoint.
type Report struct {
	Connectable        bool
	Compliant          bool
	Violations         []string
	TLSVersion         string
	CipherSuite        string
	OfferedTLSVersions []string
	ClientAuth         string
	PlaintextAccepted  *bool
	ChainVerified      *bool
	HostnameVerified   *bool
	Revoked            *bool
	DaysRemaining      *int64
	Certificates       []pki.Summary
	Summary            string
}

// Evaluate turns facts and expectations into the report. It is the only place verdicts are made.
func Evaluate(f *Facts, e Expectations, now time.Time) *Report {
	r := &Report{Connectable: f.Connectable, ChainVerified: f.ChainVerified, HostnameVerified: f.HostnameVerified,
		Revoked: f.Revoked, PlaintextAccepted: f.Plaintext.accepted, ClientAuth: string(f.TLS.clientAuth)}
	var v []string
	add := func(code, format string, args ...any) { v = append(v, code+": "+fmt.Sprintf(format, args...)) }
	var incomplete []string
	t := f.Target

	// What the URL itself allows is a verdict whoever answers.
	tlsNotRequired := func() {
		if t.RequiresTLS() {
			return
		}
		switch t.Kind {
		case KindPostgres:
			add(CodeTLSNotRequired, "sslmode=%s lets the client fall back to, or use, plaintext; use verify-full (or at least require)", t.SSLMode)
		default:
			add(CodeTLSNotRequired, "%s:// is plaintext; use %s+s:// (or %s+ssc:// for a self-signed certificate)", t.Scheme, t.Scheme, t.Scheme)
		}
	}
	if f.Foreign != "" {
		// Nothing the probes saw is about a server of the protocol: no verdict on plaintext, versions
		// or certificates, only what answered.
		r.PlaintextAccepted = nil
		r.ClientAuth = ""
		add(CodeNotConnectable, "%s", foreignReason(t))
		code := CodeNotPostgreSQL
		if t.Kind == KindBolt {
			code = CodeNotBolt
		}
		add(code, "%s, not %s: check the host and port", f.Foreign, serverNoun(t.Kind))
		tlsNotRequired()
		if f.VerificationSkipped != "" {
			add(CodeVerificationSkipped, "%s", f.VerificationSkipped)
		}
		if f.TLS.seen {
			// The TLS layer's facts are true of whatever answered; they are reported, not judged.
			r.TLSVersion, r.CipherSuite = TLSVersionName(f.TLS.version), cipherName(f.TLS.cipher)
			for _, c := range f.TLS.peer {
				r.Certificates = append(r.Certificates, pki.Summarize(c))
			}
			if len(f.TLS.peer) > 0 {
				d := pki.DaysRemaining(f.TLS.peer[0], now)
				r.DaysRemaining = &d
			}
		}
		r.Violations = v
		r.Connectable, r.Compliant = false, false
		r.Summary = summarize(f, r)
		escapeReport(r)
		return r
	}
	if !f.Connectable {
		reason := f.Reason
		if hint := tlsRequiredHint(f); hint != "" {
			reason = hint + " (" + reason + ")"
		}
		add(CodeNotConnectable, "%s", reason)
	}
	if f.Trailing || f.TLS.trailing {
		add(CodeSSLResponseInjection, "the server sent unencrypted bytes after its one-byte answer to the SSL request")
	}
	tlsNotRequired()
	if f.Connectable && !f.SessionTLS {
		add(CodeSessionUnencrypted, "the client's session would run in plaintext")
	}
	if f.VerificationSkipped != "" {
		add(CodeVerificationSkipped, "%s", f.VerificationSkipped)
	}
	if f.TLS.available != nil && !*f.TLS.available {
		add(CodeTLSUnavailable, "%s", f.TLS.unavailableBy)
	}

	switch {
	case f.Plaintext.accepted == nil:
		if e.Plaintext != PlaintextAny {
			incomplete = append(incomplete, "the plaintext check ("+orDefault(f.Plaintext.detail, "no result")+")")
		}
	case *f.Plaintext.accepted && e.Plaintext == PlaintextRejected:
		add(CodePlaintextAccepted, "%s", plaintextWords(t, f.Plaintext.detail))
	case !*f.Plaintext.accepted && e.Plaintext == PlaintextAccepted:
		add(CodePlaintextRejected, "the server refuses sessions without TLS")
	}

	// Offered versions: the scan, plus what the main handshake negotiated.
	offered := map[uint16]versionScan{}
	for ver, s := range f.Scan {
		offered[ver] = s
	}
	if f.TLS.seen {
		offered[f.TLS.version] = scanOffered
	}
	for _, ver := range ProbedTLSVersions {
		if offered[ver] == scanOffered {
			r.OfferedTLSVersions = append(r.OfferedTLSVersions, TLSVersionName(ver))
		}
	}

	if f.TLS.seen {
		r.TLSVersion = TLSVersionName(f.TLS.version)
		r.CipherSuite = cipherName(f.TLS.cipher)
		for _, c := range f.TLS.peer {
			r.Certificates = append(r.Certificates, pki.Summarize(c))
		}
		var leaf *x509.Certificate
		if len(f.TLS.peer) > 0 {
			leaf = f.TLS.peer[0]
			d := pki.DaysRemaining(leaf, now)
			r.DaysRemaining = &d
		}
		if e.ChainMustVerify && f.ChainVerified != nil && !*f.ChainVerified {
			add(CodeChainUnverified, "%s", f.ChainProblem)
		}
		if e.HostnameMustMatch && f.HostnameVerified != nil && !*f.HostnameVerified {
			add(CodeHostnameMismatch, "%s", f.HostnameProblem)
		}
		if f.Revoked != nil && *f.Revoked {
			add(CodeCertificateRevoked, "%q is listed in a revocation list", printable(f.RevokedSubject))
		}
		if leaf != nil {
			switch {
			case now.After(leaf.NotAfter):
				add(CodeCertificateExpired, "the server certificate expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339))
			case now.Before(leaf.NotBefore):
				add(CodeCertificateExpired, "the server certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
			case e.MinDaysRemaining != nil && *r.DaysRemaining < *e.MinDaysRemaining:
				add(CodeCertificateExpiring, "the server certificate expires in %d days (on %s), fewer than the %d expected", *r.DaysRemaining, leaf.NotAfter.UTC().Format("2006-01-02"), *e.MinDaysRemaining)
			}
			if e.CertificateSHA256 != "" && pki.SHA256Fingerprint(leaf) != e.CertificateSHA256 {
				add(CodeCertificateMismatch, "the server certificate's SHA-256 is %s, not the expected %s", pki.SHA256Fingerprint(leaf), e.CertificateSHA256)
			}
		}

		allowed := e.TLSVersions
		if allowed == nil {
			allowed = []uint16{0x0303, 0x0304}
		}
		for _, ver := range ProbedTLSVersions {
			if offered[ver] == scanOffered && !slices.Contains(allowed, ver) {
				add(CodeTLSVersionNotAllowed, "the server offers %s%s", TLSVersionName(ver), fromWhere(e, e.TLSVersions != nil, "tls_versions"))
			}
		}
		if e.TLSVersions != nil {
			for _, ver := range e.TLSVersions {
				switch offered[ver] {
				case scanRefused:
					add(CodeTLSVersionMissing, "the server does not offer %s%s", TLSVersionName(ver), fromWhere(e, true, "tls_versions"))
				case scanUnknown:
					incomplete = append(incomplete, "the "+TLSVersionName(ver)+" check")
				}
			}
		} else {
			for _, ver := range []uint16{0x0301, 0x0302} {
				if offered[ver] == scanUnknown {
					incomplete = append(incomplete, "the "+TLSVersionName(ver)+" check")
				}
			}
		}

		if e.Ciphers != nil {
			if !slices.Contains(e.Ciphers, r.CipherSuite) {
				add(CodeCipherNotAllowed, "the server negotiated %s%s", r.CipherSuite, fromWhere(e, true, "ciphers"))
			}
			switch {
			case f.DisallowedCipher != "" && f.DisallowedCipher != r.CipherSuite:
				add(CodeCipherNotAllowed, "the server accepts %s when a client offers only suites outside the list%s", f.DisallowedCipher, fromWhere(e, true, "ciphers"))
			case f.CipherCheckFailed:
				incomplete = append(incomplete, "the cipher suite check")
			}
		}
		if e.ClientAuth != "" {
			switch {
			case f.TLS.clientAuth == "":
				incomplete = append(incomplete, "the client certificate check")
			case f.TLS.clientAuth != e.ClientAuth:
				add(CodeClientAuthMismatch, "the server's client certificate demand is %s, not %s%s", f.TLS.clientAuth, e.ClientAuth, fromWhere(e, true, "client_auth"))
			}
		}
	} else if f.TLS.available == nil || *f.TLS.available {
		incomplete = append(incomplete, "the TLS facts ("+orDefault(f.TLS.err, "no handshake")+")")
	}

	if f.Connectable && len(incomplete) > 0 {
		add(CodeProbeIncomplete, "could not finish %s before the timeout or because the server broke off", strings.Join(incomplete, ", "))
	}
	r.Violations = v
	if r.Violations == nil {
		r.Violations = []string{}
	}
	r.Compliant = f.Connectable && len(v) == 0
	r.Summary = summarize(f, r)
	escapeReport(r)
	return r
}

// tlsRequiredHint says, in a user's words, that a PostgreSQL server refuses unencrypted sessions and
// offers TLS, and which sslmode gets through: what a client with sslmode=disable needs to hear. (allow and
// prefer try TLS themselves; when that fails, the reason is the failure.)
func tlsRequiredHint(f *Facts) string {
	t := f.Target
	if t.Kind != KindPostgres || t.SSLMode != SSLDisable || f.Connectable || !f.Plaintext.tlsRequired || !f.TLS.seen {
		return ""
	}
	return "the server requires TLS (it refuses unencrypted sessions and offers TLS), but sslmode=disable never uses it: use sslmode=verify-full (or at least sslmode=require)"
}

// foreignReason is the NOT_CONNECTABLE explanation for a peer of another protocol.
func foreignReason(t *Target) string {
	return fmt.Sprintf("%s is not %s (see %s)", t.Address(), serverNoun(t.Kind), map[Kind]string{KindPostgres: CodeNotPostgreSQL, KindBolt: CodeNotBolt}[t.Kind])
}

func serverNoun(k Kind) string {
	if k == KindBolt {
		return "a Neo4j Bolt server"
	}
	return "a PostgreSQL server"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func fromWhere(e Expectations, explicit bool, key string) string {
	if !explicit {
		return " (deprecated by RFC 8996)"
	}
	if e.PolicyName != "" {
		return fmt.Sprintf(" (expected by %s of policy %q or the expect block)", key, e.PolicyName)
	}
	return " (expected by " + key + ")"
}

func plaintextWords(t *Target, detail string) string {
	switch t.Kind {
	case KindPostgres:
		who := "this user and database"
		if t.User != "" {
			who = fmt.Sprintf("user %q", t.User)
			if t.DBName != "" {
				who += fmt.Sprintf(" and database %q", t.DBName)
			}
		}
		return "the server accepts unencrypted sessions for " + who + " (pg_hba.conf has a host or hostnossl line for it; use hostssl)"
	case KindBolt:
		return "the Bolt port also completes a plaintext handshake (server.bolt.tls_level is OPTIONAL, not REQUIRED)"
	}
	return "the port also serves plain HTTP (" + detail + ")"
}

func summarize(f *Facts, r *Report) string {
	t := f.Target
	var b strings.Builder
	mode := ""
	switch t.Kind {
	case KindPostgres:
		mode = "sslmode=" + string(t.SSLMode)
		if t.Direct {
			mode += ", sslnegotiation=direct"
		}
	case KindBolt:
		mode = map[BoltTLS]string{BoltPlain: "no TLS", BoltVerify: "TLS, verified", BoltSelfSigned: "TLS, any certificate"}[t.BoltTLS]
	case KindHTTPS:
		mode = "TLS, verified"
	}
	fmt.Fprintf(&b, "%s (%s): ", t.Display(), mode)
	switch {
	case f.Foreign != "":
		b.WriteString("NOT connectable: not " + serverNoun(t.Kind) + "\n")
	case r.Connectable && f.SessionTLS:
		b.WriteString("connectable over TLS\n")
	case r.Connectable:
		b.WriteString("connectable in PLAINTEXT\n")
	case tlsRequiredHint(f) != "":
		b.WriteString("NOT connectable: " + tlsRequiredHint(f) + "\n")
	default:
		b.WriteString("NOT connectable: " + f.Reason + "\n")
	}
	if f.ClientChecks != "" {
		b.WriteString("What a client given this URL checks: " + f.ClientChecks + "\n")
	}
	b.WriteString("What the probe saw (its own checks, whatever the URL asks):\n")
	if f.Foreign != "" {
		b.WriteString("  Peer: " + f.Foreign + "\n")
	}
	switch {
	case f.TLS.seen:
		fmt.Fprintf(&b, "  TLS: %s, %s; offered: %s; client certificates: %s\n", r.TLSVersion, r.CipherSuite,
			orDefault(strings.Join(r.OfferedTLSVersions, ", "), "?"), orDefault(r.ClientAuth, "unknown"))
	case f.TLS.available != nil && !*f.TLS.available && f.Foreign == "":
		b.WriteString("  TLS: not offered (" + f.TLS.unavailableBy + ")\n")
	default:
		b.WriteString("  TLS: unknown (" + orDefault(f.TLS.err, "no handshake") + ")\n")
	}
	switch {
	case f.Foreign != "":
		b.WriteString("  Plaintext: not checked (the peer is not " + serverNoun(t.Kind) + ")\n")
	case f.Plaintext.accepted == nil:
		b.WriteString("  Plaintext: unknown\n")
	case *f.Plaintext.accepted:
		b.WriteString("  Plaintext: ACCEPTED\n")
	default:
		b.WriteString("  Plaintext: rejected\n")
	}
	if len(f.TLS.peer) > 0 {
		leaf := f.TLS.peer[0]
		chain := tri(f.ChainVerified, "verified", "NOT verified")
		if f.TrustSource != "" && f.ChainVerified != nil {
			chain += " against " + f.TrustSource
		}
		fmt.Fprintf(&b, "  Certificate: %s, issued by %s, %d days left; chain %s; host name %s", printable(leaf.Subject.String()),
			printable(leaf.Issuer.String()), *r.DaysRemaining, chain, tri(f.HostnameVerified, "matches", "does NOT match"))
		if f.Revoked != nil {
			b.WriteString("; " + tri(f.Revoked, "REVOKED", "not revoked"))
		}
		b.WriteString("\n")
	}
	if len(r.Violations) == 0 {
		b.WriteString("Compliant: yes")
	} else {
		noun := "violations"
		if len(r.Violations) == 1 {
			noun = "violation"
		}
		fmt.Fprintf(&b, "Compliant: no (%d %s)", len(r.Violations), noun)
	}
	return b.String()
}

func tri(p *bool, yes, no string) string {
	switch {
	case p == nil:
		return "not checked"
	case *p:
		return yes
	}
	return no
}
