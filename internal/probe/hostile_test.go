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

// Every hostile server, probed as PostgreSQL (require and prefer), Bolt and HTTPS, gives a result
// with no panic, no connection, and never repeats the server's text.
//
// Only the servers that stall (silent, slow drip) leave the verdict to the deadline, and get a
// short timeout; the verdict is the same however late it comes. Every other server answers or
// hangs up, and the probe of it must reach its verdict on what the server did, not on the clock:
// it gets a timeout no busy machine comes near, and a verdict that names the deadline fails. The
// CVE-2021-23222 server counts the answers it has sent, and the verdict is checked against that
// event.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	const stallTimeout = 2 * time.Second
	stalls := map[testenv.Hostile]bool{testenv.HostileSilent: true, testenv.HostileSlowDrip: true}
	var wg sync.WaitGroup
	for _, kind := range testenv.AllHostile {
		srv := testenv.StartHostileServer(t, kind)
		addr := srv.Addr
		timeout := answerTimeout
		if stalls[kind] {
			timeout = stallTimeout
		}
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
				if limit := 3*timeout + 5*time.Second; took > limit {
					t.Errorf("%s: took %s (limit %s)", name, took, limit)
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
				if !stalls[kind] && strings.Contains(all, "before the deadline") {
					t.Errorf("%s: a server that answers got a verdict from the deadline:\n%s", name, all)
				}
				if kind == testenv.HostileSSLTrailing && strings.HasPrefix(url, "postgresql") {
					if srv.Sent() == 0 {
						t.Errorf("%s: the server never sent its answer", name)
					} else if !slices.Contains(codes(r), CodeSSLResponseInjection) {
						t.Errorf("%s: CVE-2021-23222 not reported: %v", name, r.Violations)
					}
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
	r := probeURL(t, fmt.Sprintf("postgresql://u@127.0.0.1:%d/db?sslmode=verify-full", port), t.TempDir(), answerTimeout, nil)
	if r.Connectable || !strings.Contains(strings.Join(r.Violations, " "), "refused") {
		t.Errorf("violations %v", r.Violations)
	}
}
