//go:build linux

package deploy

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// observeOneByOne is what Observe answered before it sent its requests together: per path, an
// Lstat, then for a regular file a ReadFile.
func observeOneByOne(ctx context.Context, h host.Host, paths []string, sum func(string, []byte) string) []ObservedFile {
	var out []ObservedFile
	for _, p := range paths {
		o := ObservedFile{Path: p}
		o.Info, o.Err = h.Lstat(ctx, p)
		if o.Err == nil && o.Info.Exists && !o.Info.IsSymlink && !o.Info.IsDir {
			if data, err := h.ReadFile(ctx, p); err != nil {
				o.ReadErr = err
			} else {
				o.Sum = sum(p, data)
			}
		}
		out = append(out, o)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestObserveBatchEqualsOneByOne: Observe and DirTree.Observe, which send their requests together,
// answer exactly what one call per path answers, on both hosts, bare and through the view the
// provider uses (Logged(Beneath(h, home))): regular files, an empty one, a symlink, a directory, a
// FIFO, a missing file, a file below a missing directory, a relative path, and a path through a
// symlink that leads out of home.
func TestObserveBatchEqualsOneByOne(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		ctx := context.Background()
		home, outside := t.TempDir(), t.TempDir()
		must(t, os.MkdirAll(filepath.Join(home, "certificates", "bolt"), 0o750))
		writeFile(t, filepath.Join(home, "neo4j.conf"), "server.bolt.tls_level=REQUIRED\n", 0o644)
		writeFile(t, filepath.Join(home, "certificates", "bolt", "private.key"), "key bytes\n", 0o400)
		writeFile(t, filepath.Join(home, "certificates", "bolt", "public.crt"), "", 0o644)
		writeFile(t, filepath.Join(outside, "secret"), "outside\n", 0o600)
		must(t, os.Symlink(filepath.Join(home, "neo4j.conf"), filepath.Join(home, "certificates", "bolt", "link.crt")))
		must(t, os.Symlink(outside, filepath.Join(home, "certificates", "escape")))
		must(t, syscall.Mkfifo(filepath.Join(home, "certificates", "bolt", "fifo"), 0o600))
		paths := []string{
			filepath.Join(home, "neo4j.conf"),
			filepath.Join(home, "certificates", "bolt", "private.key"),
			filepath.Join(home, "certificates", "bolt", "public.crt"),
			filepath.Join(home, "certificates", "bolt", "link.crt"),
			filepath.Join(home, "certificates", "bolt"),
			filepath.Join(home, "certificates", "bolt", "fifo"),
			filepath.Join(home, "certificates", "bolt", "missing.crt"),
			filepath.Join(home, "certificates", "gone", "public.crt"),
			filepath.Join(home, "neo4j.conf", "below.crt"),
			"certificates/relative.crt",
			filepath.Join(home, "certificates", "escape"),
			filepath.Join(home, "certificates", "escape", "secret"),
		}
		sum := func(p string, data []byte) string { return fmt.Sprintf("%s %x", filepath.Base(p), sha256.Sum256(data)) }
		log := &recorder{}
		for _, v := range []struct {
			name string
			h    host.Host
		}{{"bare", h}, {"view", host.Logged(host.Beneath(h, home), log)}} {
			got, want := Observe(ctx, v.h, paths, sum), observeOneByOne(ctx, v.h, paths, sum)
			if len(got) != len(want) {
				t.Fatalf("%s: %d answers, want %d", v.name, len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Path != w.Path || g.Info != w.Info || errText(g.Err) != errText(w.Err) || errText(g.ReadErr) != errText(w.ReadErr) || g.Sum != w.Sum {
					t.Errorf("%s: Observe[%d]\n got %+v\nwant %+v", v.name, i, g, w)
				}
			}
			sums := 0
			for _, o := range got {
				if o.Sum != "" {
					sums++
				}
			}
			if sums != 4 { // neo4j.conf, private.key, public.crt (empty) and the secret beyond the link, as the single calls see them
				t.Errorf("%s: %d files summed, want 4: %+v", v.name, sums, got)
			}
			tree := DirTree{Host: v.h, Home: home, Dirs: paths}
			dirs := tree.Observe(ctx)
			for i, p := range paths {
				info, err := v.h.Lstat(ctx, p)
				if dirs[i].Path != p || dirs[i].Info != info || errText(dirs[i].Err) != errText(err) {
					t.Errorf("%s: DirTree.Observe[%d] = %+v, want %+v, %v", v.name, i, dirs[i], info, err)
				}
			}
		}
		// Through the view: one log line per batch (the files' lstats and reads together, the tree's
		// lstats) besides the single calls of the comparison.
		lines := strings.Join(log.all(), "\n")
		if n, m := strings.Count(lines, "host lstat batch"), strings.Count(lines, "host read file with lstat batch"); n != 1 || m != 1 {
			t.Errorf("%d lstat batches and %d read batches logged, want 1 and 1:\n%s", n, m, lines)
		}
		if n := strings.Count(lines, "host read file batch"); n != 0 {
			t.Errorf("%d separate read batches logged, want none:\n%s", n, lines)
		}
		if strings.Contains(lines, "key bytes") || strings.Contains(lines, "outside") {
			t.Errorf("the log carries file content:\n%s", lines)
		}
	})
}
