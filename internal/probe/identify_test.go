package probe

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// A PostgreSQL or Neo4j URL that points at an HTTP(S) server is reported as such: NOT_POSTGRESQL or
// NOT_BOLT next to NOT_CONNECTABLE, never "Plaintext: rejected" or any other verdict about a server of
// the protocol, and the HTTP server's own text never reaches the report.
func TestWrongProtocolPeers(t *testing.T) {
	t.Parallel()
	const body = "HTTP-SERVER-TEXT"
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) })
	quiet := func(s *httptest.Server) *httptest.Server {
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // the probes' handshakes are not the test's news
		t.Cleanup(s.Close)
		return s
	}
	plain := quiet(httptest.NewUnstartedServer(handler)) // 127.0.0.1:0
	plain.Start()
	secure := quiet(httptest.NewUnstartedServer(handler))
	secure.StartTLS()
	host := func(s *httptest.Server) string {
		return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	}

	for _, tc := range []struct {
		url   string
		codes []string
		peer  string
	}{
		{"postgresql://postgres@" + host(plain) + "/postgres?sslmode=require", []string{CodeNotConnectable, CodeNotPostgreSQL, CodeVerificationSkipped}, "an HTTP server answered"},
		{"host=127.0.0.1 port=" + strings.Split(host(plain), ":")[1] + " user=postgres sslmode=prefer", []string{CodeNotConnectable, CodeNotPostgreSQL, CodeTLSNotRequired, CodeVerificationSkipped}, "an HTTP server answered"},
		{"bolt://" + host(plain), []string{CodeNotConnectable, CodeNotBolt, CodeTLSNotRequired}, "an HTTP server answered"},
		{"neo4j+s://" + host(plain), []string{CodeNotConnectable, CodeNotBolt}, "an HTTP server answered"},
		{"neo4j+s://" + host(secure), []string{CodeNotConnectable, CodeNotBolt}, "an HTTPS server answered"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			r := probeURL(t, tc.url, t.TempDir(), 10*time.Second, nil)
			if got := codes(r); !slices.Equal(got, tc.codes) {
				t.Errorf("codes %v, want %v\n%s", got, tc.codes, strings.Join(r.Violations, "\n"))
			}
			if r.Connectable || r.Compliant || r.PlaintextAccepted != nil {
				t.Errorf("connectable=%v compliant=%v plaintext_accepted=%v", r.Connectable, r.Compliant, r.PlaintextAccepted)
			}
			all := strings.Join(r.Violations, "\n") + "\n" + r.Summary
			if !strings.Contains(all, tc.peer) {
				t.Errorf("the report does not say %q:\n%s", tc.peer, all)
			}
			for _, bad := range []string{"Plaintext: rejected", "Plaintext: ACCEPTED", body, "400 Bad Request"} {
				if strings.Contains(all, bad) {
					t.Errorf("the report contains %q:\n%s", bad, all)
				}
			}
		})
	}
}

// describeForeign leaves every answer a server of the protocol can give alone.
func TestDescribeForeign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind Kind
		in   string
		want string
	}{
		{KindPostgres, "S", ""},
		{KindPostgres, "N", ""},
		{KindPostgres, "E\x00\x00\x00\x10", ""},
		{KindPostgres, "HTTP/1.1 400 Bad Request", "an HTTP server answered"},
		{KindPostgres, "SSH-2.0-OpenSSH_9.2", "an SSH server answered"},
		{KindPostgres, "\x15\x03\x01\x00\x02", "a TLS server answered in TLS"},
		{KindPostgres, "\x01\x02\x03", "not PostgreSQL's protocol"},
		{KindBolt, "\x00\x00\x08\x05", ""},
		{KindBolt, "\x00\x00\x00\x00", ""},
		{KindBolt, "HTTP/1.0 400", "an HTTP server answered"},
		{KindBolt, "\x7f\x7f\x7f\x7f", "not Bolt"},
		{KindBolt, "", ""},
	} {
		got := describeForeign(tc.kind, []byte(tc.in), false)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("describeForeign(%v, %q) = %q, want %q", tc.kind, tc.in, got, tc.want)
		}
	}
}

// The summary keeps apart what a client with the URL checks and what the probe checked on its own:
// sslmode=require verifies nothing, while the probe found the chain and host name fine.
func TestSummarySeparatesClientFromProbe(t *testing.T) {
	t.Parallel()
	tg, err := ParseURL("postgresql://u@localhost/db?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	pg := &postgres{t: tg}
	ca := testenv.NewCA("summary CA")
	leaf := ca.Issue(testenv.Localhost())
	f := &Facts{Target: tg, Connectable: true, SessionTLS: true, ChainVerified: boolPtr(true), HostnameVerified: boolPtr(true),
		TrustSource: "the system trust store", VerificationSkipped: "sslmode=require does not verify the server certificate",
		ClientChecks: postgresClientChecks(tg, pg), Plaintext: plaintextFacts{accepted: boolPtr(false)},
		TLS:  tlsFacts{available: boolPtr(true), seen: true, version: tls.VersionTLS13, cipher: tls.TLS_AES_128_GCM_SHA256, peer: []*x509.Certificate{leaf.Cert}, clientAuth: ClientAuthNone},
		Scan: map[uint16]versionScan{tls.VersionTLS10: scanRefused, tls.VersionTLS11: scanRefused, tls.VersionTLS12: scanOffered}}
	r := Evaluate(f, DefaultExpectations(), time.Now())
	for _, want := range []string{
		"What a client given this URL checks: TLS required; certificate chain NOT checked (no root certificate); host name NOT checked\n",
		"What the probe saw (its own checks, whatever the URL asks):\n",
		"  Plaintext: rejected\n",
		"  Certificate: CN=localhost, issued by CN=summary CA,O=dbtls tests, ",
		"; chain verified against the system trust store; host name matches\n",
	} {
		if !strings.Contains(r.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.Summary)
		}
	}
	if !slices.Equal(codes(r), []string{CodeVerificationSkipped}) {
		t.Errorf("codes %v", codes(r))
	}
}
