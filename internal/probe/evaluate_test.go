package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func codes(r *Report) []string {
	var out []string
	for _, v := range r.Violations {
		code, _, _ := strings.Cut(v, ":")
		out = append(out, code)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("evaluate CA")
	leaf := ca.Issue(testenv.Localhost())
	now := time.Now()
	mustParse := func(s string) *Target {
		tg, err := ParseURL(s)
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	good := func(url string) *Facts {
		return &Facts{
			Target: mustParse(url), Connectable: true, SessionTLS: true,
			TLS: tlsFacts{available: boolPtr(true), seen: true, version: tls.VersionTLS13, cipher: tls.TLS_AES_128_GCM_SHA256,
				peer: []*x509.Certificate{leaf.Cert, ca.Cert}, clientAuth: ClientAuthNone},
			Scan:          map[uint16]versionScan{tls.VersionTLS10: scanRefused, tls.VersionTLS11: scanRefused, tls.VersionTLS12: scanOffered, tls.VersionTLS13: scanOffered},
			Plaintext:     plaintextFacts{accepted: boolPtr(false)},
			ChainVerified: boolPtr(true), HostnameVerified: boolPtr(true),
		}
	}
	days := func(n int64) *int64 { return &n }
	tests := []struct {
		name   string
		facts  func() *Facts
		expect func(*Expectations)
		want   []string
	}{
		{"verify-full, all good", func() *Facts { return good("host=localhost sslmode=verify-full") }, nil, nil},
		{"bolt+s, all good", func() *Facts { return good("bolt+s://localhost") }, nil, nil},
		{"not connectable", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			f.Connectable, f.Reason = false, "the server refused a TLS session"
			return f
		}, nil, []string{CodeNotConnectable}},
		{"require without root", func() *Facts {
			f := good("host=localhost sslmode=require")
			f.VerificationSkipped = "sslmode=require does not verify"
			return f
		}, nil, []string{CodeVerificationSkipped}},
		{"prefer in plaintext", func() *Facts {
			f := good("host=localhost")
			f.SessionTLS = false
			f.Plaintext.accepted = boolPtr(true)
			return f
		}, nil, []string{CodeTLSNotRequired, CodeSessionUnencrypted, CodePlaintextAccepted}},
		{"plaintext accepted but any", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			f.Plaintext.accepted = boolPtr(true)
			return f
		}, func(e *Expectations) { e.Plaintext = PlaintextAny }, nil},
		{"plaintext expected but refused", func() *Facts { return good("neo4j+s://localhost") },
			func(e *Expectations) { e.Plaintext = PlaintextAccepted }, []string{CodePlaintextRejected}},
		{"plaintext unknown", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			f.Plaintext.accepted = nil
			return f
		}, nil, []string{CodeProbeIncomplete}},
		{"TLS unavailable", func() *Facts {
			f := good("host=localhost sslmode=disable")
			f.SessionTLS = false
			f.TLS = tlsFacts{available: boolPtr(false), unavailableBy: "N"}
			f.Plaintext.accepted = boolPtr(true)
			return f
		}, nil, []string{CodeTLSNotRequired, CodeSessionUnencrypted, CodeTLSUnavailable, CodePlaintextAccepted}},
		{"TLS 1.0 offered", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			f.Scan[tls.VersionTLS10] = scanOffered
			return f
		}, nil, []string{CodeTLSVersionNotAllowed}},
		{"policy wants 1.3 only", func() *Facts { return good("neo4j+s://localhost") },
			func(e *Expectations) { _ = e.ApplyPolicy(map[string]string{"name": "bolt", "tls_versions": "TLSv1.3"}) },
			[]string{CodeTLSVersionNotAllowed}},
		{"expect wants 1.2 and 1.3, 1.3 missing", func() *Facts {
			f := good("neo4j+s://localhost")
			f.TLS.version = tls.VersionTLS12
			f.TLS.cipher = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
			f.Scan[tls.VersionTLS13] = scanRefused
			return f
		}, func(e *Expectations) { e.TLSVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13} }, []string{CodeTLSVersionMissing}},
		{"version scan unknown", func() *Facts {
			f := good("neo4j+s://localhost")
			f.Scan[tls.VersionTLS11] = scanUnknown
			return f
		}, nil, []string{CodeProbeIncomplete}},
		{"cipher outside list", func() *Facts { return good("neo4j+s://localhost") },
			func(e *Expectations) { e.Ciphers = []string{"TLS_AES_256_GCM_SHA384"} }, []string{CodeCipherNotAllowed}},
		{"weak TLS 1.2 suite accepted", func() *Facts {
			f := good("neo4j+s://localhost")
			f.DisallowedCipher = "TLS_RSA_WITH_AES_128_CBC_SHA"
			return f
		}, func(e *Expectations) { e.Ciphers = []string{"TLS_AES_128_GCM_SHA256"} }, []string{CodeCipherNotAllowed}},
		{"client auth", func() *Facts { return good("neo4j+s://localhost") },
			func(e *Expectations) { _ = e.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"}) }, []string{CodeClientAuthMismatch}},
		{"chain and host", func() *Facts {
			f := good("bolt+ssc://localhost")
			f.ChainVerified, f.ChainProblem = boolPtr(false), "unknown authority"
			f.HostnameVerified, f.HostnameProblem = boolPtr(false), "other host"
			f.VerificationSkipped = "bolt+ssc:// accepts any certificate"
			return f
		}, nil, []string{CodeVerificationSkipped, CodeChainUnverified, CodeHostnameMismatch}},
		{"trust_all and no verify_hostname", func() *Facts {
			f := good("bolt+s://localhost")
			f.ChainVerified, f.HostnameVerified = boolPtr(false), boolPtr(false)
			return f
		}, func(e *Expectations) {
			_ = e.ApplyPolicy(map[string]string{"trust_all": "true", "verify_hostname": "false"})
		}, nil},
		{"revoked", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			f.Revoked, f.RevokedSubject = boolPtr(true), "CN=localhost"
			return f
		}, nil, []string{CodeCertificateRevoked}},
		{"expiring and pinned", func() *Facts { return good("host=localhost sslmode=verify-full") }, func(e *Expectations) {
			e.MinDaysRemaining = days(60)
			e.CertificateSHA256 = strings.Repeat("ab", 32)
		}, []string{CodeCertificateExpiring, CodeCertificateMismatch}},
		{"pin matches", func() *Facts { return good("host=localhost sslmode=verify-full") }, func(e *Expectations) {
			e.CertificateSHA256 = pki.SHA256Fingerprint(leaf.Cert)
			e.MinDaysRemaining = days(5)
		}, nil},
		{"expired", func() *Facts {
			f := good("host=localhost sslmode=verify-full")
			old := *leaf.Cert
			old.NotAfter = now.Add(-48 * time.Hour)
			f.TLS.peer = []*x509.Certificate{&old}
			return f
		}, nil, []string{CodeCertificateExpired}},
		{"CVE-2021-23222", func() *Facts {
			f := good("host=localhost sslmode=require")
			f.Connectable, f.Reason, f.Trailing = false, "bytes after S", true
			f.TLS = tlsFacts{trailing: true, err: "bytes after S"}
			return f
		}, nil, []string{CodeNotConnectable, CodeSSLResponseInjection}},
		{"plain bolt", func() *Facts {
			f := good("bolt://localhost")
			f.SessionTLS = false
			return f
		}, nil, []string{CodeTLSNotRequired, CodeSessionUnencrypted}},
	}
	for _, tc := range tests {
		e := DefaultExpectations()
		if tc.expect != nil {
			tc.expect(&e)
		}
		r := Evaluate(tc.facts(), e, now)
		if got := codes(r); !slices.Equal(got, tc.want) {
			t.Errorf("%s: codes %v, want %v\n%s", tc.name, got, tc.want, strings.Join(r.Violations, "\n"))
		}
		if r.Compliant != (r.Connectable && len(r.Violations) == 0) {
			t.Errorf("%s: compliant %v with connectable %v and %d violations", tc.name, r.Compliant, r.Connectable, len(r.Violations))
		}
		if r.Summary == "" {
			t.Errorf("%s: empty summary", tc.name)
		}
	}
}

// Every code the evaluator can produce is documented, once.
func TestViolationCodesDocumented(t *testing.T) {
	t.Parallel()
	all := []string{CodeNotConnectable, CodeNotPostgreSQL, CodeNotBolt, CodeSSLResponseInjection, CodeTLSNotRequired, CodeSessionUnencrypted,
		CodeVerificationSkipped, CodeTLSUnavailable, CodePlaintextAccepted, CodePlaintextRejected, CodeChainUnverified,
		CodeHostnameMismatch, CodeCertificateRevoked, CodeCertificateExpired, CodeCertificateExpiring,
		CodeCertificateMismatch, CodeTLSVersionNotAllowed, CodeTLSVersionMissing, CodeCipherNotAllowed,
		CodeClientAuthMismatch, CodeProbeIncomplete}
	var documented []string
	for _, c := range ViolationCodes {
		documented = append(documented, c.Code)
		if c.Meaning == "" {
			t.Errorf("%s has no meaning", c.Code)
		}
	}
	if !slices.Equal(all, documented) {
		t.Errorf("documented codes %v, want %v", documented, all)
	}
}

func TestExpectationsInput(t *testing.T) {
	t.Parallel()
	e := DefaultExpectations()
	if err := e.ApplyPolicy(map[string]string{"name": "p", "tls_versions": "TLSv1.2, TLSv1.3", "ciphers": "TLS_AES_256_GCM_SHA384",
		"client_auth": "require", "trust_all": "false", "verify_hostname": "true", "neo4j_version": "5.26", "base_directory": "x"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.TLSVersions, []uint16{tls.VersionTLS12, tls.VersionTLS13}) || e.ClientAuth != ClientAuthRequire || !e.ChainMustVerify || !e.HostnameMustMatch {
		t.Errorf("policy: %+v", e)
	}
	for _, bad := range []map[string]string{{"tls_versions": "SSLv3"}, {"ciphers": "aes128-sha"}, {"client_auth": "MAYBE"}, {"trust_all": "yes please"}} {
		e := DefaultExpectations()
		err := e.ApplyPolicy(bad)
		var fe *FieldError
		if err == nil || !errorsAs(err, &fe) {
			t.Errorf("ApplyPolicy(%v) = %v", bad, err)
		}
	}
	for _, bad := range []ExpectInput{{Plaintext: "sometimes"}, {CertificateSHA256: "abc"}, {TLSVersionsSet: true}, {MinDaysRemaining: new(int64)}} {
		e := DefaultExpectations()
		if bad.MinDaysRemaining != nil {
			*bad.MinDaysRemaining = -1
		}
		if err := e.ApplyExpect(bad); err == nil {
			t.Errorf("ApplyExpect(%+v) accepted", bad)
		}
	}
	e = DefaultExpectations()
	if err := e.ApplyExpect(ExpectInput{CertificateSHA256: strings.ToUpper(strings.Repeat("ab:", 31) + "ab")}); err != nil || e.CertificateSHA256 != strings.Repeat("ab", 32) {
		t.Errorf("fingerprint with colons: %v %q", err, e.CertificateSHA256)
	}
}

func errorsAs(err error, target **FieldError) bool {
	return errors.As(err, target)
}

// The "server requires TLS" reason: only for sslmode=disable, only when the plaintext refusal said so and
// TLS was seen; never for a refusal of another kind.
func TestTLSRequiredHint(t *testing.T) {
	t.Parallel()
	facts := func(mode string, tlsRequired, tlsSeen bool) *Facts {
		tg, err := ParseURL("host=db.example user=app sslmode=" + mode)
		if err != nil {
			t.Fatal(err)
		}
		return &Facts{Target: tg, Reason: "the server refused a plaintext session (SQLSTATE 08P01: PgBouncer requires TLS (client_tls_sslmode))",
			TLS:       tlsFacts{available: boolPtr(tlsSeen), seen: tlsSeen, version: tls.VersionTLS13},
			Plaintext: plaintextFacts{accepted: boolPtr(false), tlsRequired: tlsRequired}, Scan: map[uint16]versionScan{}}
	}
	for _, tc := range []struct {
		mode              string
		tlsRequired, seen bool
		want              bool
	}{
		{"disable", true, true, true},
		{"disable", false, true, false},
		{"disable", true, false, false},
		{"prefer", true, true, false},
		{"allow", true, true, false},
	} {
		r := Evaluate(facts(tc.mode, tc.tlsRequired, tc.seen), DefaultExpectations(), time.Now())
		got := strings.Contains(r.Violations[0], "the server requires TLS") && strings.Contains(r.Summary, "use sslmode=verify-full")
		if got != tc.want || !strings.HasPrefix(r.Violations[0], CodeNotConnectable+": ") || !strings.Contains(r.Violations[0], "PgBouncer requires TLS") {
			t.Errorf("%+v: %v\n%s", tc, r.Violations, r.Summary)
		}
	}
}

// A client certificate refusal reads the same whichever way the server broke off.
func TestCertRejectionIsStable(t *testing.T) {
	t.Parallel()
	asked := &handshakeRecord{certRequested: true}
	notAsked := &handshakeRecord{}
	alert := &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}
	alert2 := &net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}
	reset := &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	var texts []string
	for _, err := range []error{alert, alert2, io.EOF, io.ErrUnexpectedEOF, reset} {
		why, ok := certRejection(asked, false, err)
		if !ok {
			t.Errorf("%v: not a rejection", err)
		}
		texts = append(texts, why)
	}
	if len(slices.Compact(slices.Clone(texts))) != 1 || texts[0] != "the server requires a client certificate: it asked for one and refused the session without it" {
		t.Errorf("texts differ: %q", texts)
	}
	if why, _ := certRejection(asked, true, alert); why != "the server asked for a client certificate and refused the session with the one sent" {
		t.Errorf("with a certificate: %q", why)
	}
	for _, tc := range []struct {
		rec *handshakeRecord
		err error
	}{
		{notAsked, alert}, {asked, nil}, {asked, os.ErrDeadlineExceeded}, {asked, errors.New("the certificate chain does not lead to a root")},
	} {
		if why, ok := certRejection(tc.rec, false, tc.err); ok {
			t.Errorf("%v (asked %v): %q", tc.err, tc.rec.certRequested, why)
		}
	}
}
