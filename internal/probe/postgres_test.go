package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// libpq looks for ~/.postgresql/root.crt when sslrootcert is not given; require then verifies like
// verify-ca. For every sslmode, home (no root file, the right CA, an unrelated CA) and host name
// (matching, or another name via hostaddr) the probe must agree with psql run with the same HOME.
func TestPostgresRootCertInHomeAgreesWithPsql(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	homes := map[string]string{"no-root": t.TempDir(), "home-right-ca": t.TempDir(), "home-unrelated-ca": t.TempDir()}
	for name, pem := range map[string][]byte{"home-right-ca": f.ca.CertPEM, "home-unrelated-ca": f.other.CertPEM} {
		if err := os.MkdirAll(filepath.Join(homes[name], ".postgresql"), 0o700); err != nil {
			t.Fatal(err)
		}
		testenv.WriteFile(t, filepath.Join(homes[name], ".postgresql"), "root.crt", pem)
	}
	var cases []oracleCase
	for _, mode := range SSLModes {
		for homeName, home := range homes {
			for _, host := range []string{"localhost", "db.example.test"} {
				cases = append(cases, oracleCase{
					name: fmt.Sprintf("%s/%s/%s", mode, homeName, host),
					url:  fmt.Sprintf("host=%s hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=%s", host, f.srv.Port, mode),
					home: home,
				})
			}
		}
	}
	compareWithPsql(t, cases)
}

// Revocation lists: libpq loads sslcrl (or sslcrldir) only with a root certificate and then checks every
// certificate of the chain; psql decides what that means.
func TestPostgresRevocationAgreesWithPsql(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	dir := t.TempDir()
	crls := map[string]string{
		"clean-crl":   testenv.WriteFile(t, dir, "clean.crl", f.ca.CRL()),
		"revoked-crl": testenv.WriteFile(t, dir, "revoked.crl", f.ca.CRL(f.leaf.Cert)),
		"foreign-crl": testenv.WriteFile(t, dir, "foreign.crl", f.other.CRL()),
		"missing-crl": filepath.Join(dir, "does-not-exist.crl"),
	}
	emptyDir := t.TempDir()
	home := t.TempDir()
	var cases []oracleCase
	for _, mode := range []SSLMode{SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull} {
		for name, crl := range crls {
			cases = append(cases, oracleCase{name: string(mode) + "/" + name, home: home,
				url: fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=%s sslrootcert=%s sslcrl=%s",
					f.srv.Port, mode, f.file("ca.crt"), crl)})
		}
		cases = append(cases, oracleCase{name: string(mode) + "/empty-crldir", home: home,
			url: fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=%s sslrootcert=%s sslcrldir=%s",
				f.srv.Port, mode, f.file("ca.crt"), emptyDir)})
	}
	compareWithPsql(t, cases)

	r := probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslrootcert=%s sslcrl=%s",
		f.srv.Port, f.file("ca.crt"), crls["revoked-crl"]), home, answerTimeout, nil)
	if r.Revoked == nil || !*r.Revoked || !slices.Contains(codes(r), CodeCertificateRevoked) {
		t.Errorf("revoked leaf: revoked=%v violations=%v", r.Revoked, r.Violations)
	}
	r = probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslrootcert=%s sslcrl=%s",
		f.srv.Port, f.file("ca.crt"), crls["clean-crl"]), home, answerTimeout, nil)
	if r.Revoked == nil || *r.Revoked || !r.Compliant {
		t.Errorf("clean CRL: revoked=%v compliant=%v violations=%v", r.Revoked, r.Compliant, r.Violations)
	}
}

// A server with ssl_ca_file asks for client certificates without demanding them in the handshake; pg_hba's
// "cert" method then refuses a session without one, so a client without a certificate is refused: REQUIRE. Client certificates come from sslcert/sslkey (with
// libpq's key file permission rule) or from client_certificate_pem.
func TestPostgresClientCertificates(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "clientcert")
	client := f.clientCA.Issue(testenv.LeafOptions{CommonName: "postgres", Client: true})
	dir := t.TempDir()
	cert := testenv.WriteFile(t, dir, "client.crt", client.CertPEM)
	key := testenv.WriteFile(t, dir, "client.key", client.KeyPEM)
	loose := testenv.WriteFile(t, dir, "loose.key", client.KeyPEM)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	base := fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslrootcert=%s", f.srv.Port, f.file("ca.crt"))
	var cases []oracleCase
	for _, mode := range []SSLMode{SSLPrefer, SSLRequire, SSLVerifyFull} {
		cases = append(cases,
			oracleCase{name: string(mode) + "/no-cert", home: home, url: base + " sslmode=" + string(mode)},
			oracleCase{name: string(mode) + "/cert", home: home, url: fmt.Sprintf("%s sslmode=%s sslcert=%s sslkey=%s", base, mode, cert, key)},
			oracleCase{name: string(mode) + "/loose-key", home: home, url: fmt.Sprintf("%s sslmode=%s sslcert=%s sslkey=%s", base, mode, cert, loose)},
			oracleCase{name: string(mode) + "/missing-key", home: home, url: fmt.Sprintf("%s sslmode=%s sslcert=%s sslkey=%s", base, mode, cert, key+".nope")},
		)
	}
	compareWithPsql(t, cases)

	r := probeURL(t, base+" sslmode=verify-full", home, answerTimeout, func(o *Options) {
		o.ClientCertificatePEM, o.ClientKeyPEM = string(client.CertPEM), string(client.KeyPEM)
		_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"})
	})
	if !r.Connectable || r.ClientAuth != string(ClientAuthRequire) || !r.Compliant {
		t.Errorf("with client_certificate_pem: connectable=%v client_auth=%q violations=%v", r.Connectable, r.ClientAuth, r.Violations)
	}
	// sslcertmode=require (libpq 16; the psql here is 15, so no oracle): the server must ask and the
	// client must have a certificate to send.
	r = probeURL(t, fmt.Sprintf("%s sslmode=verify-full sslcertmode=require sslcert=%s sslkey=%s", base, cert, key), home, answerTimeout, nil)
	if !r.Connectable {
		t.Errorf("sslcertmode=require with a certificate: %v", r.Violations)
	}
	plain := pgShared(t, "hostssl")
	r = probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslcertmode=require sslrootcert=%s sslcert=%s sslkey=%s",
		plain.srv.Port, plain.file("ca.crt"), cert, key), home, answerTimeout, nil)
	if r.Connectable || !strings.Contains(strings.Join(r.Violations, " "), "did not ask for a client certificate") {
		t.Errorf("sslcertmode=require, server without ssl_ca_file: %v", r.Violations)
	}

	r = probeURL(t, base+" sslmode=verify-full", home, answerTimeout, func(o *Options) {
		_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "REQUIRE"})
	})
	if r.Connectable || slices.Contains(codes(r), CodeClientAuthMismatch) || !strings.Contains(strings.Join(r.Violations, " "), "a valid client certificate is required") {
		t.Errorf("without a client certificate: connectable=%v violations=%v", r.Connectable, r.Violations)
	}
	r = probeURL(t, base+" sslmode=verify-full", home, 5*time.Second, func(o *Options) {
		_ = o.Expect.ApplyPolicy(map[string]string{"client_auth": "OPTIONAL"})
	})
	if !slices.Contains(codes(r), CodeClientAuthMismatch) {
		t.Errorf("OPTIONAL expected of a server that refuses clients without a certificate: %v", r.Violations)
	}
}

// The report's facts on a hostssl-only server match what openssl s_client -starttls postgres sees, and on
// a server that also accepts plaintext the plaintext check says so.
func TestPostgresReportFacts(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	home := t.TempDir()
	url := fmt.Sprintf("postgresql://postgres@localhost:%d/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=%s", f.srv.Port, f.file("ca.crt"))
	r := probeURL(t, url, home, answerTimeout, nil)
	if !r.Connectable || !r.Compliant || len(r.Violations) != 0 {
		t.Fatalf("verify-full against hostssl-only: connectable=%v violations=%v\n%s", r.Connectable, r.Violations, r.Summary)
	}
	sc := testenv.SClient(context.Background(), f.srv.Addr(), "-starttls", "postgres", "-servername", "localhost")
	iana, err := testenv.IANACipherName(context.Background(), sc.Cipher)
	if err != nil {
		t.Fatalf("s_client cipher %q: %v\n%s", sc.Cipher, err, sc.Output)
	}
	if r.TLSVersion != sc.Protocol || r.CipherSuite != iana {
		t.Errorf("probe saw %s %s, s_client %s %s (%s)", r.TLSVersion, r.CipherSuite, sc.Protocol, sc.Cipher, iana)
	}
	if !slices.Equal(r.OfferedTLSVersions, []string{"TLSv1.2", "TLSv1.3"}) {
		t.Errorf("offered %v, want TLSv1.2 and TLSv1.3 (PostgreSQL's default minimum)", r.OfferedTLSVersions)
	}
	if r.PlaintextAccepted == nil || *r.PlaintextAccepted || r.ClientAuth != "NONE" || r.ChainVerified == nil || !*r.ChainVerified ||
		r.HostnameVerified == nil || !*r.HostnameVerified || len(r.Certificates) != 1 || r.DaysRemaining == nil || *r.DaysRemaining < 8 {
		t.Errorf("facts: %+v", r)
	}
	if r.Certificates[0].SHA256 != strings.ToLower(r.Certificates[0].SHA256) || r.Certificates[0].DNSNames[0] != "localhost" {
		t.Errorf("certificate summary: %+v", r.Certificates[0])
	}

	p := pgShared(t, "anyplain")
	r = probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslrootcert=%s", p.srv.Port, p.file("ca.crt")), home, answerTimeout, nil)
	if !r.Connectable || r.PlaintextAccepted == nil || !*r.PlaintextAccepted || !slices.Equal(codes(r), []string{CodePlaintextAccepted}) {
		t.Errorf("host trust: connectable=%v plaintext=%v violations=%v", r.Connectable, r.PlaintextAccepted, r.Violations)
	}
	r = probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslrootcert=%s", p.srv.Port, p.file("ca.crt")), home, answerTimeout, func(o *Options) {
		o.Expect.Plaintext = PlaintextAny
	})
	if !r.Compliant {
		t.Errorf("plaintext = any: violations=%v", r.Violations)
	}
}

// sslrootcert=system (libpq 16+) uses the operating system's store, which does not hold the test CA; the
// psql here (libpq 15) does not know the value, so there is no oracle for it.
func TestPostgresSystemRoots(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	r := probeURL(t, fmt.Sprintf("postgresql://postgres@localhost:%d/postgres?hostaddr=127.0.0.1&sslrootcert=system", f.srv.Port), t.TempDir(), answerTimeout, nil)
	if r.Connectable || !slices.Contains(codes(r), CodeChainUnverified) {
		t.Errorf("system roots: connectable=%v violations=%v", r.Connectable, r.Violations)
	}
}

// sslnegotiation=direct (libpq 17) against PostgreSQL 15, which does not support it: a bounded refusal.
func TestPostgresDirectNegotiation(t *testing.T) {
	t.Parallel()
	f := pgShared(t, "hostssl")
	start := time.Now()
	r := probeURL(t, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres sslmode=verify-full sslnegotiation=direct sslrootcert=%s",
		f.srv.Port, f.file("ca.crt")), t.TempDir(), answerTimeout, nil)
	if r.Connectable {
		t.Errorf("direct TLS to PostgreSQL 15 connected: %s", r.Summary)
	}
	// The server refuses: the verdict comes from it, not from the deadline.
	if all := strings.Join(r.Violations, "\n") + r.Summary; strings.Contains(all, "before the deadline") {
		t.Errorf("took %s, and the verdict names the deadline:\n%s", time.Since(start), all)
	}
}
