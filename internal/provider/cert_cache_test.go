package provider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// readCounter is a host that counts ReadFile calls.
type readCounter struct {
	host.Host
	reads atomic.Int64
}

func (r *readCounter) ReadFile(ctx context.Context, p string) ([]byte, error) {
	r.reads.Add(1)
	return r.Host.ReadFile(ctx, p)
}

// TestCertCache: a certificate read by the certificate resource in this run is served again while a
// fresh lstat finds it unchanged and it was not forgotten; a file rewritten, or swapped for a symlink, is read again (and the
// symlink refused as ReadFile refuses it); the key is never kept; without a cache every check reads.
func TestCertCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "public.crt"), filepath.Join(dir, "private.key")
	must(t, os.WriteFile(certPath, []byte("certificate one\n"), 0o644))
	must(t, os.WriteFile(keyPath, []byte("the key\n"), 0o600))
	h := &readCounter{Host: host.NewLocal()}
	c := &certCache{}

	if _, diags := observeCertFilesKeeping(ctx, h, []string{certPath, keyPath}, keyPath, "", "", certificatePrivate{}, c, keyPath); diags.HasError() {
		t.Fatal(diags)
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Fatalf("asked to keep the key, the cache holds %d entries", n)
	}
	if _, diags := observeCertFilesKeeping(ctx, h, []string{certPath, keyPath}, keyPath, "", "", certificatePrivate{}, c, certPath); diags.HasError() {
		t.Fatal(diags)
	}
	before := h.reads.Load()
	got, err := c.readFile(ctx, h, certPath)
	if err != nil || string(got) != "certificate one\n" || h.reads.Load() != before {
		t.Fatalf("unchanged: %q, %v, %d reads; want the kept content and no read", got, err, h.reads.Load()-before)
	}
	if got, err := c.readFile(ctx, h, keyPath); err != nil || string(got) != "the key\n" || h.reads.Load() != before+1 {
		t.Fatalf("key: %q, %v; want it read from the host", got, err)
	}
	// Forgotten (the certificate resource is about to write it): read again.
	c.forget(h, certPath)
	before = h.reads.Load()
	if got, err := c.readFile(ctx, h, certPath); err != nil || string(got) != "certificate one\n" || h.reads.Load() != before+1 {
		t.Fatalf("forgotten: %q, %v, %d reads; want it read", got, err, h.reads.Load()-before)
	}
	if _, diags := observeCertFilesKeeping(ctx, h, []string{certPath, keyPath}, keyPath, "", "", certificatePrivate{}, c, certPath); diags.HasError() {
		t.Fatal(diags)
	}

	// Rewritten (another size, another time): read again.
	must(t, os.WriteFile(certPath, []byte("certificate number two\n"), 0o644))
	must(t, os.Chtimes(certPath, time.Now().Add(time.Hour), time.Now().Add(time.Hour)))
	before = h.reads.Load()
	if got, err := c.readFile(ctx, h, certPath); err != nil || string(got) != "certificate number two\n" || h.reads.Load() != before+1 {
		t.Fatalf("rewritten: %q, %v, %d reads; want the new content, read", got, err, h.reads.Load()-before)
	}

	// Kept, then swapped for a symlink: refused as ReadFile refuses it.
	if _, diags := observeCertFilesKeeping(ctx, h, []string{certPath}, keyPath, "", "", certificatePrivate{}, c, certPath); diags.HasError() {
		t.Fatal(diags)
	}
	must(t, os.Remove(certPath))
	must(t, os.Symlink(keyPath, certPath))
	if got, err := c.readFile(ctx, h, certPath); !errors.Is(err, host.ErrSymlink) || got != nil {
		t.Fatalf("symlink: %q, %v; want ErrSymlink", got, err)
	}

	// No cache: a read every time.
	before = h.reads.Load()
	var none *certCache
	none.put(h, keyPath, host.Info{Exists: true}, []byte("x"))
	if _, err := none.readFile(ctx, h, keyPath); err != nil || h.reads.Load() != before+1 {
		t.Fatalf("nil cache: %v, %d reads", err, h.reads.Load()-before)
	}
}
