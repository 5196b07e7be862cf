package probe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func violationText(r *Report) string { return strings.Join(r.Violations, "\n") }

// PgBouncer with client_tls_sslmode=require refuses a plaintext client with SQLSTATE 08P01 "SSL required".
// Every sslmode agrees with psql; sslmode=disable is told, in the user's words, that the server requires
// TLS and which sslmode fixes it.
func TestPgBouncerRequiresTLSAgreesWithPsql(t *testing.T) {
	t.Parallel()
	up := pgShared(t, "anyplain")
	b := testenv.StartPgBouncer(t, testenv.PgBouncerConfig{Upstream: up.srv, ClientTLSMode: "require", Cert: up.leaf.ChainPEM, Key: up.leaf.KeyPEM})
	home := t.TempDir()
	base := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslrootcert=%s", b.Port, up.file("ca.crt"))
	var cases []oracleCase
	for _, mode := range SSLModes {
		cases = append(cases, oracleCase{name: "pgbouncer-require/" + string(mode), home: home, url: base + " sslmode=" + string(mode)})
	}
	compareWithPsql(t, cases)

	ps := testenv.Psql(context.Background(), base+" sslmode=disable", home, 10*time.Second)
	if ps.Connected || !strings.Contains(ps.Output, "SSL required") {
		t.Fatalf("psql sslmode=disable: connected=%v %s", ps.Connected, ps.Output)
	}
	r := probeURL(t, base+" sslmode=disable", home, 5*time.Second, nil)
	want := "the server requires TLS (it refuses unencrypted sessions and offers TLS), but sslmode=disable never uses it: use sslmode=verify-full (or at least sslmode=require)"
	if r.Connectable || !strings.Contains(violationText(r), want) || !strings.Contains(r.Summary, "NOT connectable: "+want) {
		t.Errorf("sslmode=disable: %v\n%s", r.Violations, r.Summary)
	}
	if !strings.Contains(violationText(r), "SQLSTATE 08P01: PgBouncer requires TLS (client_tls_sslmode)") || strings.Contains(violationText(r), "SSL required") {
		t.Errorf("the refusal is not glossed in our words: %v", r.Violations)
	}
	if r.PlaintextAccepted == nil || *r.PlaintextAccepted {
		t.Errorf("plaintext_accepted = %v", r.PlaintextAccepted)
	}
	r = probeURL(t, base+" sslmode=verify-full", home, 5*time.Second, nil)
	if !r.Connectable || !r.Compliant {
		t.Errorf("verify-full: %v\n%s", r.Violations, r.Summary)
	}
	// PgBouncer asks for a certificate it does not need (libusual's TLS verifies optionally): openssl
	// s_client sees the request too, and the session goes on without one.
	sc := testenv.SClient(context.Background(), b.Addr(), "-starttls", "postgres", "-msg")
	asked := strings.Contains(sc.Output, "CertificateRequest")
	if want := map[bool]string{true: "OPTIONAL", false: "NONE"}[asked]; r.ClientAuth != want {
		t.Errorf("client_auth %q; s_client saw a certificate request: %v\n%s", r.ClientAuth, asked, sc.Output)
	}
}

// PgBouncer with client_tls_sslmode=verify-full demands a client certificate in the handshake; in TLS 1.3 the
// refusal arrives after the client's handshake ended, as an alert or a hang-up depending on timing. The
// verdict text is the same every time, and psql agrees on who gets through.
func TestPgBouncerClientCertificateAgreesWithPsql(t *testing.T) {
	t.Parallel()
	up := pgShared(t, "anyplain")
	clientCA := testenv.NewCA("pgbouncer client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "postgres", Client: true})
	b := testenv.StartPgBouncer(t, testenv.PgBouncerConfig{Upstream: up.srv, ClientTLSMode: "verify-full",
		Cert: up.leaf.ChainPEM, Key: up.leaf.KeyPEM, CA: clientCA.CertPEM})
	dir := t.TempDir()
	cert := testenv.WriteFile(t, dir, "client.crt", client.CertPEM)
	key := testenv.WriteFile(t, dir, "client.key", client.KeyPEM)
	home := t.TempDir()
	base := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslrootcert=%s", b.Port, up.file("ca.crt"))
	var cases []oracleCase
	for _, mode := range []SSLMode{SSLDisable, SSLPrefer, SSLRequire, SSLVerifyFull} {
		cases = append(cases,
			oracleCase{name: "pgbouncer-verify-full/" + string(mode) + "/no-cert", home: home, url: base + " sslmode=" + string(mode)},
			oracleCase{name: "pgbouncer-verify-full/" + string(mode) + "/cert", home: home, url: fmt.Sprintf("%s sslmode=%s sslcert=%s sslkey=%s", base, mode, cert, key)})
	}
	compareWithPsql(t, cases)

	const want = "NOT_CONNECTABLE: the server requires a client certificate: it asked for one and refused the session without it"
	for i := 0; i < 5; i++ {
		r := probeURL(t, base+" sslmode=verify-full", home, 5*time.Second, func(o *Options) {
			_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"})
		})
		if r.Connectable || r.ClientAuth != string(ClientAuthRequire) || len(r.Violations) != 1 || r.Violations[0] != want {
			t.Fatalf("attempt %d without a certificate: client_auth=%q violations=%q", i, r.ClientAuth, r.Violations)
		}
	}
	r := probeURL(t, fmt.Sprintf("%s sslmode=verify-full sslcert=%s sslkey=%s", base, cert, key), home, 5*time.Second, nil)
	if !r.Connectable || r.ClientAuth != string(ClientAuthRequire) {
		t.Errorf("with a certificate: client_auth=%q %v", r.ClientAuth, r.Violations)
	}
	// A certificate from another CA: refused the same way, whatever the timing.
	stranger := testenv.NewCA("stranger").Issue(testenv.LeafOptions{CommonName: "postgres", Client: true})
	for i := 0; i < 3; i++ {
		r = probeURL(t, base+" sslmode=verify-full", home, 5*time.Second, func(o *Options) {
			o.ClientCertificatePEM, o.ClientKeyPEM = string(stranger.CertPEM), string(stranger.KeyPEM)
		})
		if r.Connectable || !slices.Contains(r.Violations, "NOT_CONNECTABLE: the server asked for a client certificate and refused the session with the one sent") {
			t.Fatalf("attempt %d with a foreign certificate: %q", i, r.Violations)
		}
	}
}

// pg_hba.conf's clientcert=verify-full (and the cert method, which implies it) lets the handshake through
// without a certificate and refuses the startup with SQLSTATE 28000 "connection requires a valid client
// certificate": a client without one is refused, so the demand is REQUIRE.
func TestPostgresClientCertVerifyFull(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "clientcert-verify-full")
	client := f.clientCA.Issue(testenv.LeafOptions{CommonName: "postgres", Client: true})
	dir := t.TempDir()
	cert := testenv.WriteFile(t, dir, "client.crt", client.CertPEM)
	key := testenv.WriteFile(t, dir, "client.key", client.KeyPEM)
	home := t.TempDir()
	base := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslrootcert=%s", f.srv.Port, f.file("ca.crt"))
	var cases []oracleCase
	for _, mode := range []SSLMode{SSLPrefer, SSLRequire, SSLVerifyFull} {
		cases = append(cases,
			oracleCase{name: string(mode) + "/no-cert", home: home, url: base + " sslmode=" + string(mode)},
			oracleCase{name: string(mode) + "/cert", home: home, url: fmt.Sprintf("%s sslmode=%s sslcert=%s sslkey=%s", base, mode, cert, key)})
	}
	compareWithPsql(t, cases)
	ps := testenv.Psql(context.Background(), base+" sslmode=verify-full", home, 10*time.Second)
	if ps.Connected || !strings.Contains(ps.Output, "connection requires a valid client certificate") {
		t.Fatalf("psql without a certificate: %s", ps.Output)
	}
	r := probeURL(t, base+" sslmode=verify-full", home, 5*time.Second, func(o *Options) {
		_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"})
	})
	if r.Connectable || r.ClientAuth != string(ClientAuthRequire) || slices.Contains(codes(r), CodeClientAuthMismatch) ||
		!strings.Contains(violationText(r), "SQLSTATE 28000: a valid client certificate is required") {
		t.Errorf("without a certificate: client_auth=%q %v", r.ClientAuth, r.Violations)
	}
	r = probeURL(t, fmt.Sprintf("%s sslmode=verify-full sslcert=%s sslkey=%s", base, cert, key), home, 5*time.Second, func(o *Options) {
		_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"})
	})
	if !r.Connectable || !r.Compliant {
		t.Errorf("with a certificate: %v", r.Violations)
	}
}

// A server that only speaks TLS 1.0/1.1 (and signs its key exchange, as OpenSSL 3 only does below its
// default security level): libpq with OpenSSL 3 cannot make the session, whatever ssl_min_protocol_version
// says, and with sslmode=prefer falls back to plaintext. The probe agrees with psql on both connectable
// and whether the session is encrypted, and openssl s_client shows the reason.
func TestPostgresLegacyTLSAgreesWithPsql(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "legacy-tls")
	home := t.TempDir()
	base := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslrootcert=%s", f.srv.Port, f.file("ca.crt"))
	type result struct{ connected, tls bool }
	for _, c := range []struct {
		name, url string
		want      result
	}{
		{"prefer", base + " sslmode=prefer", result{true, false}},
		{"prefer/min-TLSv1", base + " sslmode=prefer ssl_min_protocol_version=TLSv1", result{true, false}},
		{"allow/min-TLSv1", base + " sslmode=allow ssl_min_protocol_version=TLSv1", result{true, false}},
		{"require/min-TLSv1", base + " sslmode=require ssl_min_protocol_version=TLSv1", result{false, false}},
		{"verify-full/min-TLSv1", base + " sslmode=verify-full ssl_min_protocol_version=TLSv1", result{false, false}},
		{"verify-full", base + " sslmode=verify-full", result{false, false}},
	} {
		ps, psTLS := testenv.PsqlSSL(context.Background(), c.url, home, 10*time.Second)
		r := probeURL(t, c.url, home, 5*time.Second, nil)
		got := result{r.Connectable, r.Connectable && !slices.Contains(codes(r), CodeSessionUnencrypted)}
		if (result{ps.Connected, psTLS}) != c.want {
			t.Errorf("%s: psql connected=%v tls=%v, want %+v (the oracle changed?): %s", c.name, ps.Connected, psTLS, c.want, ps.Output)
		}
		if got != (result{ps.Connected, psTLS}) {
			t.Errorf("%s: probe connectable=%v tls=%v, psql %v %v\n  psql: %s\n  probe: %v", c.name, got.connected, got.tls, ps.Connected, psTLS, ps.Output, r.Violations)
		}
		if strings.Contains(c.name, "require/min-TLSv1") && !strings.Contains(violationText(r), "legacy sigalg disallowed or unsupported") {
			t.Errorf("%s: the reason is not OpenSSL's security level: %v", c.name, r.Violations)
		}
		if !slices.Contains(r.OfferedTLSVersions, "TLSv1.1") || slices.Contains(r.OfferedTLSVersions, "TLSv1.2") {
			t.Errorf("%s: offered %v", c.name, r.OfferedTLSVersions)
		}
	}
	sc := testenv.SClient(context.Background(), f.srv.Addr(), "-starttls", "postgres", "-tls1_1")
	if sc.Connected || !strings.Contains(sc.Output, "legacy sigalg disallowed") {
		t.Errorf("openssl s_client -tls1_1 (OpenSSL 3, default security level): %s", sc.Output)
	}
}

// PostgreSQL with "hostnossl ... reject" refuses an unencrypted session (SQLSTATE 28000, "no encryption"): psql
// with sslmode=disable fails, and the probe says the server requires TLS and which sslmode fixes it.
func TestPostgresRequiresTLSSaysWhichSSLMode(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	home := t.TempDir()
	url := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", f.srv.Port)
	ps := testenv.Psql(context.Background(), url, home, 10*time.Second)
	if ps.Connected || !strings.Contains(ps.Output, "no encryption") {
		t.Fatalf("psql: %s", ps.Output)
	}
	r := probeURL(t, url, home, 5*time.Second, nil)
	if r.Connectable || !strings.Contains(violationText(r), "the server requires TLS") || !strings.Contains(violationText(r), "use sslmode=verify-full (or at least sslmode=require)") ||
		!strings.Contains(violationText(r), "SQLSTATE 28000: pg_hba.conf does not let this host, user and database in without encryption") {
		t.Errorf("%v\n%s", r.Violations, r.Summary)
	}
	for _, mode := range []SSLMode{SSLAllow, SSLPrefer} {
		if r := probeURL(t, strings.Replace(url, "sslmode=disable", "sslmode="+string(mode), 1), home, 5*time.Second, nil); !r.Connectable ||
			strings.Contains(violationText(r), "the server requires TLS") {
			t.Errorf("sslmode=%s: %v", mode, r.Violations)
		}
	}
}

// A leaf that has expired and is revoked: the chain does not verify, and the CRL still names it.
func TestPostgresExpiredAndRevoked(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "expired")
	dir := t.TempDir()
	crl := testenv.WriteFile(t, dir, "revoked.crl", f.ca.CRL(f.leaf.Cert))
	home := t.TempDir()
	url := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=verify-full sslrootcert=%s sslcrl=%s", f.srv.Port, f.file("ca.crt"), crl)
	compareWithPsql(t, []oracleCase{{name: "expired-revoked", url: url, home: home}})
	r := probeURL(t, url, home, 5*time.Second, nil)
	if r.Revoked == nil || !*r.Revoked || !slices.Contains(codes(r), CodeCertificateRevoked) || !slices.Contains(codes(r), CodeCertificateExpired) ||
		r.ChainVerified == nil || *r.ChainVerified {
		t.Errorf("expired and revoked: revoked=%v chain=%v violations=%v", r.Revoked, r.ChainVerified, r.Violations)
	}
}

// nginx: ssl_verify_client on finishes the handshake without a certificate and answers HTTP 400 "No
// required SSL certificate was sent"; optional lets such a client through; without a client CA nothing is
// asked. Each verdict is compared with curl.
func TestNginxClientAuthAgreesWithCurl(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("nginx CA")
	leaf := ca.Issue(testenv.Localhost())
	clientCA := testenv.NewCA("nginx client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "client", Client: true})
	dir := t.TempDir()
	caFile := testenv.WriteFile(t, dir, "ca.crt", ca.CertPEM)
	certFile := testenv.WriteFile(t, dir, "client.crt", client.CertPEM)
	keyFile := testenv.WriteFile(t, dir, "client.key", client.KeyPEM)
	stranger := testenv.NewCA("stranger CA").Issue(testenv.LeafOptions{CommonName: "client", Client: true})
	strangerCert := testenv.WriteFile(t, dir, "stranger.crt", stranger.CertPEM)
	strangerKey := testenv.WriteFile(t, dir, "stranger.key", stranger.KeyPEM)
	for _, c := range []struct {
		verify   string
		withCert bool
		want     ClientAuth
		stranger bool
	}{
		{"on", false, ClientAuthRequire, false},
		{"on", true, ClientAuthRequire, false},
		{"on", true, ClientAuthRequire, true},
		{"optional", false, ClientAuthOptional, false},
		{"optional", true, ClientAuthOptional, false},
		{"", false, ClientAuthNone, false},
	} {
		name := fmt.Sprintf("ssl_verify_client=%s/cert=%v/stranger=%v", orDefault(c.verify, "off"), c.withCert, c.stranger)
		cfg := testenv.NginxConfig{Cert: leaf.ChainPEM, Key: leaf.KeyPEM}
		if c.verify != "" {
			cfg.CA, cfg.VerifyClient = clientCA.CertPEM, c.verify
		}
		n := testenv.StartNginx(t, cfg)
		url := "https://localhost:" + portOf(n.Addr()) + "/"
		var extra []string
		pemCert, pemKey := client.CertPEM, client.KeyPEM
		switch {
		case c.stranger:
			extra = []string{"--cert", strangerCert, "--key", strangerKey}
			pemCert, pemKey = stranger.CertPEM, stranger.KeyPEM
		case c.withCert:
			extra = []string{"--cert", certFile, "--key", keyFile}
		}
		cr := testenv.Curl(context.Background(), url, caFile, append(extra, "--resolve", "localhost:"+portOf(n.Addr())+":127.0.0.1")...)
		r := probeURL(t, url, t.TempDir(), 5*time.Second, func(o *Options) {
			o.CACertificatesPEM = string(ca.CertPEM)
			if c.withCert {
				o.ClientCertificatePEM, o.ClientKeyPEM = string(pemCert), string(pemKey)
			}
			_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": string(c.want)})
		})
		if r.Connectable != cr.Through() {
			t.Errorf("%s: probe connectable=%v, curl exit %d status %d: %s\n  probe: %v", name, r.Connectable, cr.Exit, cr.Status, cr.Output, r.Violations)
		}
		if r.ClientAuth != string(c.want) {
			t.Errorf("%s: client_auth %q, want %q", name, r.ClientAuth, c.want)
		}
		if c.verify == "on" && !c.withCert {
			if cr.Status != 400 || !strings.Contains(cr.Body, "No required SSL certificate was sent") {
				t.Errorf("%s: curl got %d %q (the oracle changed?)", name, cr.Status, cr.Body)
			}
			if !strings.Contains(violationText(r), "HTTP status 400: the server requires a client certificate and none was sent") ||
				strings.Contains(violationText(r)+r.Summary, "No required SSL") {
				t.Errorf("%s: %v", name, r.Violations)
			}
		} else if c.stranger {
			if cr.Status != 400 || !strings.Contains(cr.Body, "The SSL certificate error") {
				t.Errorf("%s: curl got %d %q (the oracle changed?)", name, cr.Status, cr.Body)
			}
			if !strings.Contains(violationText(r), "HTTP status 400: the server refused the client certificate") {
				t.Errorf("%s: %v", name, r.Violations)
			}
		} else if !r.Compliant {
			t.Errorf("%s: %v", name, r.Violations)
		}
	}
}
