package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// BenchmarkReportVsBareHandshake compares the full report (client path, plaintext check, version scan,
// chain, evaluation) against the local PostgreSQL with one bare TLS handshake to the same server
// (SSLRequest, handshake with verification, close). The target is a ratio of at most 4.
//
//	go test ./internal/probe -run '^$' -bench ReportVsBareHandshake -benchtime 200x
func BenchmarkReportVsBareHandshake(b *testing.B) {
	f := pgShared(b, "hostssl")
	url := fmt.Sprintf("postgresql://postgres@localhost:%d/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=%s", f.srv.Port, f.file("ca.crt"))
	tg, err := ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Target: tg, HomeDir: b.TempDir(), Timeout: 10 * time.Second, Expect: DefaultExpectations()}
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	bare := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, done, err := dial(ctx, f.srv.Addr(), attemptDeadline(ctx, 0))
		if err != nil {
			b.Fatal(err)
		}
		defer done()
		req, _ := (&pgproto3.SSLRequest{}).Encode(nil)
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		if r, err := readSSLResponse(conn); err != nil || r.answer != 'S' {
			b.Fatalf("SSL answer %v %v", r, err)
		}
		if err := tls.Client(conn, &tls.Config{ServerName: "localhost", RootCAs: roots}).Handshake(); err != nil {
			b.Fatal(err)
		}
	}
	// Warm both paths up (first connections to a fresh server are slower).
	bare()
	if _, err := Run(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	var tBare, tReport time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := time.Now()
		bare()
		tBare += time.Since(s)
		s = time.Now()
		r, err := Run(context.Background(), opts)
		tReport += time.Since(s)
		if err != nil || !r.Compliant {
			b.Fatalf("report: %v %v", err, r.Violations)
		}
	}
	b.ReportMetric(float64(tBare.Microseconds())/float64(b.N)/1000, "handshake-ms")
	b.ReportMetric(float64(tReport.Microseconds())/float64(b.N)/1000, "report-ms")
	b.ReportMetric(float64(tReport)/float64(tBare), "ratio")
}
