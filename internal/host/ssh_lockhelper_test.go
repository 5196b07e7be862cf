//go:build linux

package host

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// TestSSHLockAnswersLs: while a lock is held on the connection, replacing a file asks the
// connection's lock helper for the link count and ACL mark instead of opening a command session,
// and still refuses a file with another hard link or an ACL (writing nothing); after Unlock, the
// lock is free and the helper, which outlives its locks, still answers.
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
	if n := c.execs.Load() - before; n != 0 {
		t.Errorf("%d command sessions for a write without a lock, want 0 (the lock helper still runs and answers ls)", n)
	}
}

// TestSSHLockHelperTwoLocks: one connection holds the locks of two files at once through its one
// lock helper (a single command session for both), each excluding a local holder on this machine,
// which names the SSH holder when it times out; releasing one leaves the other held; released,
// the lock files are empty again.
func TestSSHLockHelperTwoLocks(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")
	if _, err := h.Lstat(ctx, a); err != nil { // the connection
		t.Fatal(err)
	}
	c := connOf(t, h)
	before := c.execs.Load()
	ua, err := h.Lock(ctx, a, "holder of a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ub, err := h.Lock(ctx, b, "holder of b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.execs.Load() - before; n != 1 {
		t.Errorf("%d command sessions for two locks, want 1 (the lock helper)", n)
	}
	if pids := lockPIDs(t, LockFile(a)); len(pids) != 0 {
		t.Errorf("the lock script runs for a free lock: %v", pids)
	}
	for p, holder := range map[string]string{a: "holder of a", b: "holder of b"} {
		_, err := NewLocal().Lock(ctx, p, "local", 50*time.Millisecond)
		var lte *LockTimeoutError
		if !errors.As(err, &lte) {
			t.Fatalf("local Lock of %s while the helper holds it: %v", p, err)
		}
		checkHolder(t, lte.Holder, holder, h)
	}
	if err := ua.Unlock(); err != nil {
		t.Fatal(err)
	}
	if !tryLockNB(t, a) {
		t.Error("a is still held after its Unlock")
	}
	if tryLockNB(t, b) {
		t.Error("b was released with a")
	}
	if err := ub.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := ub.Unlock(); err != nil { // a second Unlock does nothing
		t.Fatal(err)
	}
	if !tryLockNB(t, b) {
		t.Error("b is still held after its Unlock")
	}
	for _, p := range []string{a, b} {
		if rec, err := os.ReadFile(LockFile(p)); err != nil || len(rec) != 0 {
			t.Errorf("lock file of %s after Unlock: %q, %v", p, rec, err)
		}
	}
	// The same files again, on the same helper (its descriptors were given back).
	for range 3 {
		u, err := h.Lock(ctx, a, "again", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Unlock(); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.execs.Load() - before; n != 1 {
		t.Errorf("%d command sessions in all, want 1", n)
	}
}

// TestSSHLockHelperConnectionDies: a lock held by the helper is released when the connection ends
// without a word (the provider died, the network went away): the server ends the helper's session,
// and the kernel releases the locks of the helper's descriptors. A local flock from the test tells.
func TestSSHLockHelperConnectionDies(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")
	ua, err := h.Lock(ctx, a, "dying", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Lock(ctx, b, "dying", time.Minute); err != nil {
		t.Fatal(err)
	}
	if tryLockNB(t, a) || tryLockNB(t, b) {
		t.Fatal("the locks are not held")
	}
	c := connOf(t, h)
	_ = c.lc.client.Close() // the TCP connection, with no SSH goodbye
	pollUntil(t, "the server releases the locks of the ended connection", func() bool { return tryLockNB(t, a) && tryLockNB(t, b) })
	// The caller learns that the lock may have been lost.
	if err := ua.Unlock(); err == nil || !strings.Contains(err.Error(), "may have been lost") {
		t.Errorf("Unlock after the connection died: %v", err)
	}
	// The host dials again, and the next lock has a helper of its own.
	u, err := h.Lock(ctx, a, "after", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if tryLockNB(t, a) {
		t.Error("the lock taken on the new connection is not held")
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestSSHLockHelperTimeoutNamesHolder: a lock held through one connection's helper is busy for the
// helper of another; the waiter waits (the wait hook runs), then times out naming the holder, with
// a timeout and without (no wait at all).
func TestSSHLockHelperTimeoutNamesHolder(t *testing.T) {
	t.Parallel()
	holder, waiter := privateSSHHost(t), privateSSHHost(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "neo4j.conf")
	u, err := holder.Lock(ctx, p, "the holder", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := u.Unlock(); err != nil {
			t.Error(err)
		}
	}()
	for _, timeout := range []time.Duration{0, 200 * time.Millisecond} {
		waited := false
		_, err := waiter.Lock(withLockWaitHook(ctx, func() { waited = true }), p, "waiter", timeout)
		var lte *LockTimeoutError
		if !errors.As(err, &lte) {
			t.Fatalf("Lock with timeout %s = %v, want *LockTimeoutError", timeout, err)
		}
		checkHolder(t, lte.Holder, "the holder", holder)
		if !waited {
			t.Errorf("timeout %s: the wait hook did not run", timeout)
		}
	}
}

// TestSSHLockHelperUnavailable: where the helper cannot start (here its script fails at once, as
// sudo does with a rule that names only the lock script), locks and ls queries use sessions of their
// own, as before the helper, and still exclude a local holder.
func TestSSHLockHelperUnavailable(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	h := newSSHHost(rootSSHConfig(s, s.Port()), nil, &dialStats{})
	h.lockHelperScript = "echo refused >&2; exit 1"
	defer h.shutdown()
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	writeRaw(t, p, "old\n", 0o644)
	u, err := h.Lock(ctx, p, "fallback", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c := connOf(t, h)
	if c.helperErr == nil || !strings.Contains(c.helperErr.Error(), "refused") {
		t.Errorf("helper error %v, want the script's stderr", c.helperErr)
	}
	if len(lockPIDs(t, LockFile(p))) == 0 {
		t.Error("no lock script runs for the lock")
	}
	_, err = NewLocal().Lock(ctx, p, "local", 50*time.Millisecond)
	var lte *LockTimeoutError
	if !errors.As(err, &lte) {
		t.Fatalf("local Lock while the session holds it: %v", err)
	}
	checkHolder(t, lte.Holder, "fallback", h)
	before := c.execs.Load()
	if err := h.WriteFile(ctx, p, []byte("new\n"), 0o644, Owner{}); err != nil {
		t.Fatal(err)
	}
	if n := c.execs.Load() - before; n != 0 {
		t.Errorf("%d command sessions for ls while a lock script runs, want 0 (its shell answers)", n)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if !tryLockNB(t, p) {
		t.Error("the lock is still held after Unlock")
	}
	if err := h.WriteFile(ctx, p, []byte("newer\n"), 0o644, Owner{}); err != nil {
		t.Fatal(err)
	}
	if n := c.execs.Load() - before; n != 1 {
		t.Errorf("%d command sessions, want 1 (ls without a lock)", n)
	}
	assertContent(t, p, "newer\n")
}

// TestLockHelperWithoutFlock runs the helper with a PATH that has no flock: a lock request is
// answered "noflock" before anything is touched, and the helper goes on answering.
func TestLockHelperWithoutFlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lp := filepath.Join(dir, ".f.dbtls.lock")
	cmd := exec.Command("/bin/sh", "-c", lockHelperCommand, "dbtls-lock-helper")
	cmd.Env = []string{"PATH=" + dir}
	cmd.Stdin = strings.NewReader("L3\n" + lp + "\nrec\nL4\n" + lp + "\nrec\n")
	out, err := cmd.Output()
	if err != nil || string(out) != "ready\nnoflock\nnoflock\n" {
		t.Errorf("helper without flock: %q, %v", out, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("created: %v", entries)
	}
}

// pollUntil waits for cond, which an event on the server makes true (the server ending a session's
// processes); nothing here tells the test when. It gives up only near the test binary's own deadline
// (go test -timeout), so a busy machine slows the test down instead of failing it.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, bounded := t.Deadline()
	for !cond() {
		if bounded && time.Until(deadline) < 30*time.Second {
			t.Fatalf("still waiting for this when the test binary's timeout is near: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
