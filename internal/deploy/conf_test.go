//go:build linux

package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

func TestConfStoreEditWritesBlockKeepingModeAndOtherLines(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		file := filepath.Join(dir, "neo4j.conf")
		writeFile(t, file, "server.default_listen_address=0.0.0.0\n", 0o640)
		log := &recorder{}
		c := NewConfStore()
		c.Log = log
		ctx := context.Background()
		must(t, c.Edit(ctx, h, file, "test", func(conf *neo4j.Conf) ([]byte, error) {
			return conf.SetBlock("policy x", []string{"a.b=c"})
		}))
		got := readFile(t, file)
		if !strings.HasPrefix(got, "server.default_listen_address=0.0.0.0\n") || !strings.Contains(got, "a.b=c\n") {
			t.Fatalf("file after edit:\n%s", got)
		}
		if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 {
			t.Fatalf("mode %v, want 0640", fi.Mode().Perm())
		}
		// The cache sees the write.
		conf, _, err := c.Load(ctx, h, file)
		must(t, err)
		if len(conf.Block("policy x")) != 1 {
			t.Fatalf("cached parse misses the block: %q", conf.Bytes())
		}
		lines := strings.Join(log.all(), "\n")
		if !strings.Contains(lines, "neo4j.conf written") || !strings.Contains(lines, "bytes:") || !strings.Contains(lines, h.ID()) {
			t.Fatalf("log lacks the write:\n%s", lines)
		}
		if strings.Contains(lines, "a.b=c") {
			t.Fatalf("log carries file content:\n%s", lines)
		}
	})
}

func TestConfStoreEditSameBytesWritesNothing(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, "a=b\n", 0o644)
		before, err := os.Stat(file)
		must(t, err)
		c := NewConfStore()
		must(t, c.Edit(context.Background(), h, file, "test", func(conf *neo4j.Conf) ([]byte, error) { return conf.Bytes(), nil }))
		after, err := os.Stat(file)
		must(t, err)
		if !os.SameFile(before, after) {
			t.Fatal("an edit that changed nothing replaced the file")
		}
	})
}

func TestConfStoreRefusals(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		c := NewConfStore()
		ctx := context.Background()
		missing := filepath.Join(dir, "missing.conf")
		if err := c.Edit(ctx, h, missing, "test", func(conf *neo4j.Conf) ([]byte, error) { return []byte("x=y\n"), nil }); !errors.Is(err, ErrConfMissing) {
			t.Fatalf("missing file: %v, want ErrConfMissing", err)
		}
		if _, err := os.Lstat(missing); !os.IsNotExist(err) {
			t.Fatal("an edit of a missing file created it")
		}
		real := filepath.Join(dir, "real.conf")
		writeFile(t, real, "a=b\n", 0o644)
		link := filepath.Join(dir, "link.conf")
		must(t, os.Symlink(real, link))
		if _, _, err := c.Load(ctx, h, link); !errors.Is(err, host.ErrSymlink) {
			t.Fatalf("symlink: %v, want ErrSymlink", err)
		}
		// An edit that fails writes nothing.
		boom := errors.New("boom")
		if err := c.Edit(ctx, h, real, "test", func(*neo4j.Conf) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("failing edit: %v", err)
		}
		if got := readFile(t, real); got != "a=b\n" {
			t.Fatalf("a failed edit changed the file: %q", got)
		}
	})
}

func TestConfStoreLoadRereadsChangedFile(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, "a=b\n", 0o644)
		c := NewConfStore()
		ctx := context.Background()
		first, _, err := c.Load(ctx, h, file)
		must(t, err)
		again, _, err := c.Load(ctx, h, file)
		must(t, err)
		if first != again {
			t.Fatal("an unchanged file was parsed twice")
		}
		writeFile(t, file, "a=b\nc=d\n", 0o644) // another size: seen even with whole-second times
		changed, _, err := c.Load(ctx, h, file)
		must(t, err)
		if string(changed.Bytes()) != "a=b\nc=d\n" {
			t.Fatalf("stale parse after a change: %q", changed.Bytes())
		}
	})
}

func TestConfStoreConcurrentEditsKeepEveryBlock(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, "", 0o644)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := NewConfStore() // separate caches, as separate provider processes have
				id := "b" + string(rune('a'+i))
				errs <- c.Edit(ctx, h, file, "writer "+id, func(conf *neo4j.Conf) ([]byte, error) {
					return conf.SetBlock(id, []string{id + ".k=v"})
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		got := readFile(t, file)
		for i := range 8 {
			if id := "b" + string(rune('a'+i)); !strings.Contains(got, id+".k=v\n") {
				t.Fatalf("block %s lost:\n%s", id, got)
			}
		}
	})
}

func TestRemoveStaleTemps(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		stale := filepath.Join(dir, ".private.key"+TempInfix+"abc")
		other := filepath.Join(dir, ".other.key"+TempInfix+"abc")
		keep := filepath.Join(dir, "private.key")
		for _, p := range []string{stale, other, keep} {
			writeFile(t, p, "x", 0o600)
		}
		RemoveStaleTemps(context.Background(), h, []string{keep})
		if _, err := os.Lstat(stale); !os.IsNotExist(err) {
			t.Fatal("the stale temp file of private.key stayed")
		}
		for _, p := range []string{other, keep} {
			if _, err := os.Lstat(p); err != nil {
				t.Fatalf("%s was removed: %v", p, err)
			}
		}
		RemoveStaleTempsIn(context.Background(), h, dir)
		if _, err := os.Lstat(other); !os.IsNotExist(err) {
			t.Fatal("RemoveStaleTempsIn left a temp file")
		}
		if _, err := os.Lstat(keep); err != nil {
			t.Fatal("RemoveStaleTempsIn removed a file that is not a temp file")
		}
	})
}

// countingReads is a host that counts ReadFile calls.
type countingReads struct {
	host.Host
	reads atomic.Int64
}

func (h *countingReads) ReadFile(ctx context.Context, path string) ([]byte, error) {
	h.reads.Add(1)
	return h.Host.ReadFile(ctx, path)
}

// After an edit, the store holds the parse of what it wrote: the next Load (the plan of the next
// resource) neither reads nor parses the file again, and sees exactly the file's bytes. A change by
// another writer is still seen (another stat), and an edit still reads the file afresh under the
// lock.
func TestConfStoreEditKeepsWhatItWrote(t *testing.T) {
	forEachHost(t, func(t *testing.T, inner host.Host) {
		h := &countingReads{Host: inner}
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, "a=b\n", 0o644)
		c := NewConfStore()
		ctx := context.Background()
		for _, id := range []string{"policy x", "policy y"} {
			before := h.reads.Load()
			must(t, c.Edit(ctx, h, file, "test", func(conf *neo4j.Conf) ([]byte, error) {
				return conf.SetBlock(id, []string{id[len("policy "):] + "=1"})
			}))
			if n := h.reads.Load() - before; n != 1 {
				t.Fatalf("an edit read the file %d times, want once (under the lock)", n)
			}
			before = h.reads.Load()
			conf, _, err := c.Load(ctx, h, file)
			must(t, err)
			if n := h.reads.Load() - before; n != 0 {
				t.Fatalf("Load after an edit read the file %d times, want none", n)
			}
			if got := readFile(t, file); string(conf.Bytes()) != got {
				t.Fatalf("Load after an edit = %q, file %q", conf.Bytes(), got)
			}
		}
		writeFile(t, file, "a=b\nc=d\n", 0o644) // another writer, another size
		conf, _, err := c.Load(ctx, h, file)
		must(t, err)
		if string(conf.Bytes()) != "a=b\nc=d\n" {
			t.Fatalf("stale parse after another writer: %q", conf.Bytes())
		}
	})
}
