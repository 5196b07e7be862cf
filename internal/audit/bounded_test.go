//go:build linux

package audit

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// countingHost counts the calls the audit makes, and fails any that would write or lock.
type countingHost struct {
	host.Host
	t     testing.TB
	mu    sync.Mutex
	calls map[string]int
	reads map[string]int
}

func (c *countingHost) count(op, p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
	if op == "ReadFile" {
		c.reads[p]++
	}
}

func (c *countingHost) Lstat(ctx context.Context, p string) (host.Info, error) {
	c.count("Lstat", p)
	return c.Host.Lstat(ctx, p)
}

func (c *countingHost) ReadFile(ctx context.Context, p string) ([]byte, error) {
	c.count("ReadFile", p)
	return c.Host.ReadFile(ctx, p)
}

func (c *countingHost) ReadDir(ctx context.Context, p string) ([]string, error) {
	c.count("ReadDir", p)
	return c.Host.ReadDir(ctx, p)
}

func (c *countingHost) WriteFile(context.Context, string, []byte, fs.FileMode, host.Owner) error {
	c.t.Error("the audit wrote a file")
	return fmt.Errorf("refused")
}

func (c *countingHost) Mkdir(context.Context, string, fs.FileMode, host.Owner) (bool, error) {
	c.t.Error("the audit made a directory")
	return false, fmt.Errorf("refused")
}

func (c *countingHost) SetAttr(context.Context, string, fs.FileMode, host.Owner) error {
	c.t.Error("the audit changed a mode")
	return fmt.Errorf("refused")
}

func (c *countingHost) Remove(context.Context, string) error {
	c.t.Error("the audit removed a path")
	return fmt.Errorf("refused")
}

func (c *countingHost) Lock(context.Context, string, string, time.Duration) (host.Unlocker, error) {
	c.t.Error("the audit took a lock")
	return nil, fmt.Errorf("refused")
}

// benchHome is a 5.26 NEO4J_HOME from the stock file with a Bolt policy bound and n files in each of
// bin, lib and plugins.
func benchHome(t testing.TB, n int) string {
	data, err := os.ReadFile(filepath.Join("testdata", "neo4j-5.26.conf"))
	if err != nil {
		t.Fatal(err)
	}
	h := t.TempDir()
	for _, d := range []string{"conf", "certificates/bolt", "bin", "lib", "plugins"} {
		if err := os.MkdirAll(filepath.Join(h, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(h, p), []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("conf/neo4j.conf", string(data)+"\ndbms.ssl.policy.bolt.enabled=true\n", 0o640)
	ca := pkitest.NewCA(t, "bench CA")
	leaf := ca.Issue(t, pkitest.Options{CommonName: "localhost"})
	write("certificates/bolt/public.crt", leaf.CertPEM, 0o644)
	write("certificates/bolt/private.key", leaf.KeyPEM(t), 0o400)
	for _, d := range []string{"bin", "lib", "plugins"} {
		for i := range n {
			write(fmt.Sprintf("%s/f%03d.jar", d, i), "x", 0o644)
		}
	}
	return h
}

// The audit reads neo4j.conf once, stats a bounded set of paths (at most 256 entries per directory),
// and never writes or locks.
func TestAuditIsBounded(t *testing.T) {
	h := benchHome(t, 300)
	c := &countingHost{Host: host.NewLocal(), t: t, calls: map[string]int{}, reads: map[string]int{}}
	conf := filepath.Join(h, "conf", "neo4j.conf")
	r, err := Run(context.Background(), c, Options{Version: neo4j.MustParseVersion("5.26"), Neo4jHome: h, ConfigFile: conf, Neo4jUser: "root", MinDaysRemaining: 30})
	if err != nil {
		t.Fatal(err)
	}
	if c.reads[conf] != 1 {
		t.Errorf("neo4j.conf read %d times, want once", c.reads[conf])
	}
	if c.calls["ReadFile"] != 3 { // neo4j.conf, the certificate, the key
		t.Errorf("%d reads, want 3: %v", c.calls["ReadFile"], c.reads)
	}
	// conf, cert, key; bin, lib, plugins and 256 entries of each.
	if max := 3 + 3*(1+maxDirEntries); c.calls["Lstat"] > max {
		t.Errorf("%d stats, want at most %d", c.calls["Lstat"], max)
	}
	if find(r, "DIR_WRITABLE") != nil {
		t.Errorf("unexpected %v", codes(r))
	}
}

func benchmarkAudit(b *testing.B, h host.Host, home string) {
	o := Options{Version: neo4j.MustParseVersion("5.26"), Neo4jHome: home, ConfigFile: filepath.Join(home, "conf", "neo4j.conf"), Neo4jUser: "root"}
	for b.Loop() {
		if _, err := Run(context.Background(), h, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuditLocal(b *testing.B) { benchmarkAudit(b, host.NewLocal(), benchHome(b, 50)) }

func BenchmarkAuditSSH(b *testing.B) {
	s := testenv.SharedSSHD(b)
	port := s.Ports[0]
	h, err := host.DialSSH(context.Background(), host.SSHConfig{Host: s.Host, Port: port, User: s.User, PrivateKey: s.ClientKey, KnownHosts: s.KnownHostsFor(port), Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	benchmarkAudit(b, h, benchHome(b, 50))
}
