//go:build linux

package deploy

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

func TestChainBelow(t *testing.T) {
	if got := ChainBelow("/h", "/h/a/b"); !slices.Equal(got, []string{"/h/a", "/h/a/b"}) {
		t.Fatalf("ChainBelow: %v", got)
	}
	if got := ChainBelow("/h", "/h"); got != nil {
		t.Fatalf("ChainBelow of home itself: %v", got)
	}
}

func TestDirTreeEnsureObserveRemove(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		home := t.TempDir()
		ctx := context.Background()
		pre := filepath.Join(home, "certificates")
		must(t, os.Mkdir(pre, 0o700))
		base := filepath.Join(pre, "p")
		dirs := []string{base, filepath.Join(base, "trusted"), filepath.Join(base, "revoked")}
		log := &recorder{}
		tree := DirTree{Host: h, Home: home, Dirs: dirs, Log: log}
		ch, err := tree.Ensure(ctx, 0o755, host.Owner{}, nil, nil)
		must(t, err)
		if !slices.Equal(ch.Created, dirs) {
			t.Fatalf("created %v, want %v", ch.Created, dirs)
		}
		if len(ch.Adopted) != 0 {
			t.Fatalf("adopted %v: certificates/ is not managed, only passed through", ch.Adopted)
		}
		for _, o := range tree.Observe(ctx) {
			if o.Err != nil || !o.Info.IsDir || o.Info.Mode != 0o755 {
				t.Fatalf("observed %s: %+v %v", o.Path, o.Info, o.Err)
			}
		}
		// Again: nothing new, and a mode changed by hand is repaired.
		must(t, os.Chmod(base, 0o700))
		again, err := tree.Ensure(ctx, 0o755, host.Owner{}, ch.Created, nil)
		must(t, err)
		if len(again.Created) != 0 || len(again.Adopted) != 0 {
			t.Fatalf("second ensure: %+v", again)
		}
		if fi, _ := os.Stat(base); fi.Mode().Perm() != 0o755 {
			t.Fatalf("mode not repaired: %v", fi.Mode().Perm())
		}
		// Remove: a directory with a foreign file stays, the others go, and certificates/ (not
		// created) is never touched.
		foreign := filepath.Join(base, "trusted", "someone-else.crt")
		writeFile(t, foreign, "x", 0o644)
		left := tree.Remove(ctx, ch.Created)
		var reasons []string
		for _, l := range left {
			reasons = append(reasons, filepath.Base(l.Dir)+":"+[]string{"pre", "notempty", "error"}[l.Reason])
		}
		slices.Sort(reasons)
		if !slices.Equal(reasons, []string{"p:notempty", "trusted:notempty"}) {
			t.Fatalf("left %v", reasons)
		}
		if _, err := os.Lstat(filepath.Join(base, "revoked")); !os.IsNotExist(err) {
			t.Fatal("revoked/ stayed")
		}
		if _, err := os.Lstat(pre); err != nil {
			t.Fatal("a directory the tree did not create was removed")
		}
		lines := strings.Join(log.all(), "\n")
		if !strings.Contains(lines, "policy directories ensured") || !strings.Contains(lines, "policy directories removed") {
			t.Fatalf("log:\n%s", lines)
		}
	})
}

func TestDirTreeAdoptsAndRestores(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		home := t.TempDir()
		ctx := context.Background()
		base := filepath.Join(home, "base")
		must(t, os.Mkdir(base, 0o700))
		must(t, os.Chmod(base, 0o700))
		tree := DirTree{Host: h, Home: home, Dirs: []string{base}}
		if f := tree.Foreign(ctx, 0o755, -1, -1, func(string) bool { return false }); len(f) != 1 || f[0].Path != base {
			t.Fatalf("Foreign: %+v", f)
		}
		if f := tree.Foreign(ctx, 0o755, -1, -1, func(string) bool { return true }); len(f) != 0 {
			t.Fatalf("Foreign with every directory known: %+v", f)
		}
		ch, err := tree.Ensure(ctx, 0o755, host.Owner{}, nil, nil)
		must(t, err)
		if a, ok := ch.Adopted[base]; !ok || a.Mode != 0o700 {
			t.Fatalf("adopted: %+v", ch.Adopted)
		}
		if rec := tree.Record(ctx, nil); rec[base].Mode != 0o755 {
			t.Fatalf("Record: %+v", rec)
		}
		if errs := RestoreAdopted(ctx, h, ch.Adopted); len(errs) != 0 {
			t.Fatal(errs)
		}
		if fi, _ := os.Stat(base); fi.Mode().Perm() != 0o700 {
			t.Fatalf("not restored: %v", fi.Mode().Perm())
		}
		// Remove leaves an adopted directory.
		if left := tree.Remove(ctx, nil); len(left) != 1 || left[0].Reason != LeftPreexisting {
			t.Fatalf("Remove: %+v", left)
		}
	})
}

func TestDirTreeRefusesSymlinkAndRollsBack(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		home := t.TempDir()
		elsewhere := t.TempDir()
		ctx := context.Background()
		must(t, os.Symlink(elsewhere, filepath.Join(home, "link")))
		if msg := CheckChain(ctx, h, home, filepath.Join(home, "link", "p")); !strings.Contains(msg, "symbolic link") {
			t.Fatalf("CheckChain: %q", msg)
		}
		writeFile(t, filepath.Join(home, "file"), "x", 0o644)
		if msg := CheckChain(ctx, h, home, filepath.Join(home, "file", "p")); !strings.Contains(msg, "not a directory") {
			t.Fatalf("CheckChain: %q", msg)
		}
		if msg := CheckChain(ctx, h, home, filepath.Join(home, "new", "p")); msg != "" {
			t.Fatalf("CheckChain of a missing chain: %q", msg)
		}
		// The first directory is created, the second fails (its parent is a file): the first goes again.
		ok := filepath.Join(home, "ok")
		tree := DirTree{Host: host.Beneath(h, home), Home: home, Dirs: []string{ok, filepath.Join(home, "file", "p")}}
		ch, err := tree.Ensure(ctx, 0o755, host.Owner{}, nil, nil)
		if err == nil {
			t.Fatal("Ensure through a file succeeded")
		}
		if len(ch.Created) != 0 {
			t.Fatalf("a failed Ensure reported %v", ch.Created)
		}
		if _, err := os.Lstat(ok); !os.IsNotExist(err) {
			t.Fatal("a failed Ensure left a directory it created")
		}
		entries, _ := os.ReadDir(elsewhere)
		if len(entries) != 0 {
			t.Fatal("something was written through the symlink")
		}
	})
}
