//go:build linux

package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSSHLockAnswersLs: while a lock is held on the connection, replacing a file asks its remote
// shell for the link count and ACL mark instead of opening a command session, and still refuses a
// file with another hard link or an ACL (writing nothing); after Unlock, a command session answers
// again, and the lock is free.
func TestSSHLockAnswersLs(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	requireTool(t, "setfacl", "acl")
	h := privateSSHHost(t)
	ctx := context.Background()
	dir := t.TempDir()
	conf := filepath.Join(dir, "neo4j.conf")
	writeRaw(t, conf, "old\n", 0o640)
	if _, err := h.Lstat(ctx, conf); err != nil { // the connection, and owner names from the files
		t.Fatal(err)
	}
	c := connOf(t, h)
	u, err := h.Lock(ctx, conf, "writer", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	before := c.execs.Load()
	for i := range 3 {
		if err := h.WriteFile(ctx, conf, []byte(strings.Repeat("new\n", i+1)), 0o640, Owner{User: "root"}); err != nil {
			t.Fatal(err)
		}
	}
	assertContent(t, conf, "new\nnew\nnew\n")
	odd := filepath.Join(dir, "it's a \\ file -x")
	writeRaw(t, odd, "x", 0o600)
	if err := h.WriteFile(ctx, odd, []byte("y"), 0o600, Owner{}); err != nil {
		t.Fatal(err)
	}
	assertContent(t, odd, "y")

	other := filepath.Join(dir, "neo4j.conf.backup")
	if err := os.Link(conf, other); err != nil {
		t.Fatal(err)
	}
	err = h.WriteFile(ctx, conf, []byte("refused\n"), 0o640, Owner{})
	var hl *HardLinkError
	if !errors.As(err, &hl) || hl.Links != 2 {
		t.Errorf("error = %v, want a *HardLinkError with 2 links", err)
	}
	assertContent(t, conf, "new\nnew\nnew\n")
	if err := os.Remove(other); err != nil {
		t.Fatal(err)
	}
	runTool(t, "setfacl", "-m", "u:nobody:r--", conf)
	err = h.WriteFile(ctx, conf, []byte("refused\n"), 0o640, Owner{})
	assertPathErr(t, err, ErrACLOverSFTP, "write", conf)
	assertContent(t, conf, "new\nnew\nnew\n")
	runTool(t, "setfacl", "-b", conf)
	assertNoTemps(t, dir)
	if n := c.execs.Load() - before; n != 0 {
		t.Errorf("%d command sessions while a lock was held, want 0", n)
	}

	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if !tryLockNB(t, conf) {
		t.Error("the lock is still held after Unlock")
	}
	if err := h.WriteFile(ctx, conf, []byte("after\n"), 0o640, Owner{}); err != nil {
		t.Fatal(err)
	}
	assertContent(t, conf, "after\n")
	if n := c.execs.Load() - before; n != 1 {
		t.Errorf("%d command sessions for a write without a lock, want 1 (ls)", n)
	}
}
