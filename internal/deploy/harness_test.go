//go:build linux

package deploy

// The reconcile layer's tests run against every host.Host implementation, as internal/host's
// conformance suite does: the local machine, and a real OpenSSH server on this machine
// (internal/testenv). What a step did is checked with os.* on the same files.

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testPool.Close()
	testenv.StopSharedSSHD()
	if err := testenv.LeftAsFound(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

var testPool = host.NewPool()

func sshHost(t *testing.T) host.Host {
	t.Helper()
	s := testenv.SharedSSHD(t)
	h, err := testPool.Get(context.Background(), host.SSHConfig{
		Host: s.Host, Port: s.Port(), User: s.User, PrivateKey: s.ClientKey, KnownHosts: s.KnownHostsFor(s.Port()),
		// Generous: a busy test machine can take many seconds to start a remote shell.
		Timeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatalf("connecting to the test sshd: %v", err)
	}
	return h
}

// forEachHost runs fn as a parallel subtest per host implementation.
func forEachHost(t *testing.T, fn func(t *testing.T, h host.Host)) {
	t.Helper()
	impls := []struct {
		name string
		get  func(t *testing.T) host.Host
	}{
		{"local", func(*testing.T) host.Host { return host.NewLocal() }},
		{"ssh", sshHost},
	}
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			fn(t, im.get(t))
		})
	}
}

// recorder is a Logger that keeps what it was given.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Debug(_ context.Context, msg string, fields map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf("%s %v", msg, fields))
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	must(t, os.WriteFile(p, []byte(content), mode))
	must(t, os.Chmod(p, mode))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}
