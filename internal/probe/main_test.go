package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAllPostgres()
	fixtureMu.Lock()
	for _, f := range fixtures {
		if f.dir != "" {
			_ = os.RemoveAll(f.dir)
		}
	}
	fixtureMu.Unlock()
	os.Exit(code)
}

// pgFixture is a shared PostgreSQL server and the files its tests use.
type pgFixture struct {
	ca, other *testenv.CA
	leaf      *testenv.Leaf
	clientCA  *testenv.CA
	srv       *testenv.PGServer
	dir       string // ca.crt (right CA), other.crt (unrelated CA)
	err       error
}

func (f *pgFixture) file(name string) string { return filepath.Join(f.dir, name) }

var (
	fixtureMu sync.Mutex
	fixtures  = map[string]*pgFixture{}
	fixtureOn = map[string]*sync.Once{}
)

// pgShared starts one server per configuration name for the whole package:
//
//	hostssl:    TLS, certificate for localhost/127.0.0.1 from ca; hostssl trust, hostnossl reject
//	clientcert: as hostssl, plus ssl_ca_file; hostssl with the "cert" method (client certificates)
//	anyplain:   TLS, but "host ... trust": plaintext accepted too
//	clientcert-verify-full: as clientcert, with "trust clientcert=verify-full" instead of the cert method
//	legacy-tls: TLS 1.0 and 1.1 only, at OpenSSL security level 0 (so the server signs its key exchange with
//	            SHA-1); "host ... trust"
//	expired:    as hostssl, with a leaf that expired 29 days ago
func pgShared(t testing.TB, name string) *pgFixture {
	t.Helper()
	if !testenv.HaveServerBinaries() {
		t.Skip("PostgreSQL 15 server binaries, psql or openssl missing")
	}
	fixtureMu.Lock()
	once, ok := fixtureOn[name]
	if !ok {
		once = &sync.Once{}
		fixtureOn[name] = once
	}
	fixtureMu.Unlock()
	once.Do(func() {
		f := &pgFixture{ca: testenv.NewCA("probe test CA"), other: testenv.NewCA("unrelated CA")}
		f.leaf = f.ca.Issue(testenv.Localhost())
		dir, err := os.MkdirTemp("", "dbtls-probe-fixture-")
		if err != nil {
			f.err = err
		} else {
			f.dir = dir
			_ = os.WriteFile(f.file("ca.crt"), f.ca.CertPEM, 0o600)
			_ = os.WriteFile(f.file("other.crt"), f.other.CertPEM, 0o600)
			cfg := testenv.PGConfig{SSL: true, Cert: f.leaf.ChainPEM, Key: f.leaf.KeyPEM}
			switch name {
			case "hostssl":
			case "clientcert":
				f.clientCA = testenv.NewCA("client CA")
				cfg.CA = f.clientCA.CertPEM
				cfg.HBA = []string{"hostssl all all 127.0.0.1/32 cert", "hostnossl all all 127.0.0.1/32 reject"}
			case "anyplain":
				cfg.HBA = testenv.HBAAnyTrust
			case "clientcert-verify-full":
				f.clientCA = testenv.NewCA("client CA")
				cfg.CA = f.clientCA.CertPEM
				cfg.HBA = []string{"hostssl all all 127.0.0.1/32 trust clientcert=verify-full", "hostnossl all all 127.0.0.1/32 reject"}
			case "legacy-tls":
				cfg.MinProtocol, cfg.MaxProtocol, cfg.Ciphers = "TLSv1", "TLSv1.1", "HIGH:MEDIUM:!aNULL:@SECLEVEL=0"
				cfg.HBA = testenv.HBAAnyTrust
			case "expired":
				o := testenv.Localhost()
				o.NotBefore, o.Validity = time.Now().Add(-30*24*time.Hour), 24*time.Hour
				f.leaf = f.ca.Issue(o)
				cfg.Cert, cfg.Key = f.leaf.ChainPEM, f.leaf.KeyPEM
			default:
				panic("unknown fixture " + name)
			}
			f.srv, f.err = testenv.StartPostgres(cfg)
		}
		fixtureMu.Lock()
		fixtures[name] = f
		fixtureMu.Unlock()
	})
	fixtureMu.Lock()
	f := fixtures[name]
	fixtureMu.Unlock()
	if f.err != nil {
		t.Fatalf("fixture %s: %v", name, f.err)
	}
	return f
}

// answerTimeout is the probe timeout for servers that answer (or refuse, or hang up): the verdict
// comes from what they do, and a deadline that a loaded machine could reach first would race it.
// It is never reached, so it costs nothing.
const answerTimeout = 2 * time.Minute

// probeURL runs the probe with the default expectations.
func probeURL(t testing.TB, url, home string, timeout time.Duration, mod func(*Options)) *Report {
	t.Helper()
	tg, err := ParseURL(url)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", url, err)
	}
	o := Options{Target: tg, HomeDir: home, Timeout: timeout, Expect: DefaultExpectations()}
	if mod != nil {
		mod(&o)
	}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run(%q): %v", url, err)
	}
	return r
}

// oracleCase is one connection string compared with psql.
type oracleCase struct {
	name, url, home string
}

// compareWithPsql runs the probe and psql on every case, at most 6 at a time, and fails on any
// disagreement about connectable.
func compareWithPsql(t *testing.T, cases []oracleCase) {
	t.Helper()
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ps := testenv.Psql(context.Background(), c.url, c.home, answerTimeout)
			r := probeURL(t, c.url, c.home, answerTimeout, nil)
			if testing.Verbose() {
				t.Logf("%-40s psql=%-5v probe=%v", c.name, ps.Connected, r.Connectable)
			}
			if r.Connectable != ps.Connected {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%s: probe connectable=%v, psql connected=%v\n  url: %s\n  psql: %s\n  probe: %v",
					c.name, r.Connectable, ps.Connected, c.url, ps.Output, r.Violations))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d connection strings compared with psql", len(cases))
}
