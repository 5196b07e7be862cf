package probe

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// Every hostile server, probed as PostgreSQL (require and prefer), Bolt and HTTPS, gives a result within
// the timeout plus one second, no panic, no connection, and never repeats the server's text.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	var wg sync.WaitGroup
	for _, kind := range testenv.AllHostile {
		addr := testenv.StartHostile(t, kind)
		for _, url := range []string{
			"postgresql://postgres@" + addr + "/postgres?sslmode=require",
			"postgresql://postgres@" + addr + "/postgres?sslmode=prefer",
			"bolt+s://" + addr,
			"https://" + addr + "/",
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				r := probeURL(t, url, t.TempDir(), timeout, nil)
				took := time.Since(start)
				name := fmt.Sprintf("%s %s", kind, url)
				if took > timeout+time.Second {
					t.Errorf("%s: took %s", name, took)
				}
				if r.Connectable || r.Compliant {
					t.Errorf("%s: connectable=%v compliant=%v", name, r.Connectable, r.Compliant)
				}
				if !slices.Contains(codes(r), CodeNotConnectable) {
					t.Errorf("%s: violations %v", name, r.Violations)
				}
				all := strings.Join(r.Violations, "\n") + r.Summary
				if strings.Contains(all, "HOSTILE") || strings.Contains(all, "<script>") {
					t.Errorf("%s: the server's text reached the report:\n%s", name, all)
				}
				if kind == testenv.HostileSSLTrailing && strings.HasPrefix(url, "postgresql") && !slices.Contains(codes(r), CodeSSLResponseInjection) {
					t.Errorf("%s: CVE-2021-23222 not reported: %v", name, r.Violations)
				}
				if testing.Verbose() {
					t.Logf("%s (%s): %v", name, took.Round(time.Millisecond), r.Violations)
				}
			}()
		}
	}
	wg.Wait()
}

// Nothing listening: a quick, clean refusal.
func TestRefusedConnection(t *testing.T) {
	t.Parallel()
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r := probeURL(t, fmt.Sprintf("postgresql://u@127.0.0.1:%d/db?sslmode=verify-full", port), t.TempDir(), 2*time.Second, nil)
	if r.Connectable || !strings.Contains(strings.Join(r.Violations, " "), "refused") {
		t.Errorf("violations %v", r.Violations)
	}
}
