package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestPostgresWithTLS(t *testing.T) {
	if !HaveServerBinaries() {
		t.Skip("PostgreSQL 15 server binaries, psql or openssl missing")
	}
	t.Parallel()
	ca := NewCA("testenv CA")
	leaf := ca.Issue(Localhost())
	s, err := StartPostgres(PGConfig{SSL: true, Cert: leaf.ChainPEM, Key: leaf.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	home := t.TempDir()
	root := WriteFile(t, home, "root.crt", ca.CertPEM)
	ctx := context.Background()
	ok := Psql(ctx, fmt.Sprintf("host=localhost hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=verify-full sslrootcert=%s", s.Port, root), home, 5*time.Second)
	if !ok.Connected {
		t.Fatalf("psql verify-full with the right CA did not connect: %s", ok.Output)
	}
	plain := Psql(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", s.Port), home, 5*time.Second)
	if plain.Connected {
		t.Fatalf("psql sslmode=disable connected to a hostssl-only server")
	}
}
