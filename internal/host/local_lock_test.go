//go:build linux

package host

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// helperEnv carries the guarded path to the child process of TestLockCrossProcess.
const helperEnv = "DBTLS_HOST_TEST_LOCK_HELPER"

// TestHelperProcess is not a test: TestLockCrossProcess runs it as a child process that takes the
// lock, says "ready", and exits without unlocking when its stdin is closed.
func TestHelperProcess(t *testing.T) {
	p := os.Getenv(helperEnv)
	if p == "" {
		t.Skip("helper process for TestLockCrossProcess")
	}
	_, err := NewLocal().Lock(context.Background(), p, "child process holder", 10*time.Second)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0) // no Unlock: the kernel releases the lock of a process that is gone
}

func TestLockCrossProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "neo4j.conf")

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+p)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s != "ready" {
			t.Fatalf("child said %q (stderr: %s)", s, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("child did not take the lock (stderr: %s)", stderr.String())
	}

	start := time.Now()
	_, err = h.Lock(ctx, p, "parent", 150*time.Millisecond)
	var lte *LockTimeoutError
	if !errors.As(err, &lte) {
		t.Fatalf("Lock while the child holds it = %v, want *LockTimeoutError", err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", waited)
	}
	wantHolder := fmt.Sprintf("child process holder (pid %d on ", cmd.Process.Pid)
	if !strings.HasPrefix(lte.Holder, wantHolder) {
		t.Errorf("Holder = %q, want it to start with %q", lte.Holder, wantHolder)
	}
	if lte.Path != LockFile(p) || lte.Timeout != 150*time.Millisecond {
		t.Errorf("LockTimeoutError = %+v", lte)
	}
	if !strings.Contains(err.Error(), "child process holder") {
		t.Errorf("message %q does not name the holder", err)
	}

	// The child dies holding the lock; the kernel releases it and the parent gets it.
	_ = stdin.Close()
	exited = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v (stderr: %s)", err, stderr.String())
	}
	u, err := h.Lock(ctx, p, "parent", 5*time.Second)
	if err != nil {
		t.Fatalf("Lock after the child exited: %v", err)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockContention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "neo4j.conf")

	first, err := h.Lock(ctx, p, "first", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var released atomic.Bool
	type result struct {
		u            Unlocker
		err          error
		afterRelease bool
	}
	second := make(chan result, 1)
	go func() {
		u, err := h.Lock(ctx, p, "second", 10*time.Second)
		second <- result{u, err, released.Load()}
	}()

	// While the second waits, the lock file names the first.
	time.Sleep(30 * time.Millisecond) // give the second goroutine time to start waiting
	select {
	case r := <-second:
		t.Fatalf("second got the lock while the first held it: %v", r.err)
	default:
	}
	if rec, _ := os.ReadFile(LockFile(p)); !strings.HasPrefix(string(rec), "first (pid ") {
		t.Errorf("lock file holds %q while the first holds the lock", rec)
	}

	released.Store(true)
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	r := <-second
	if r.err != nil {
		t.Fatalf("second: %v", r.err)
	}
	if !r.afterRelease {
		t.Error("second got the lock before the first released it")
	}
	if rec, _ := os.ReadFile(LockFile(p)); !strings.HasPrefix(string(rec), "second (pid ") {
		t.Errorf("lock file holds %q while the second holds the lock", rec)
	}
	if err := r.u.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockMutualExclusion has many goroutines increment a counter under the lock with a
// read-modify-write that would lose updates without it.
func TestLockMutualExclusion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "counter")
	var inside atomic.Int32
	var counter int // guarded by the host lock only
	const workers, rounds = 8, 10
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for range rounds {
				u, err := h.Lock(ctx, p, fmt.Sprint("worker ", w), 10*time.Second)
				if err != nil {
					errs <- err
					return
				}
				if n := inside.Add(1); n != 1 {
					errs <- fmt.Errorf("%d holders at once", n)
				}
				c := counter
				time.Sleep(100 * time.Microsecond)
				counter = c + 1
				inside.Add(-1)
				if err := u.Unlock(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if counter != workers*rounds {
		t.Errorf("counter = %d, want %d", counter, workers*rounds)
	}
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "neo4j.conf")
	u, err := h.Lock(ctx, p, "dbtls_channel_binding.bolt (terraform apply)", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = u.Unlock() }()

	for _, timeout := range []time.Duration{0, 80 * time.Millisecond} {
		start := time.Now()
		_, err = h.Lock(ctx, p, "other", timeout)
		var lte *LockTimeoutError
		if !errors.As(err, &lte) {
			t.Fatalf("Lock(timeout %v) = %v, want *LockTimeoutError", timeout, err)
		}
		if waited := time.Since(start); waited < timeout || waited > timeout+2*time.Second {
			t.Errorf("timeout %v: waited %v", timeout, waited)
		}
		host, _ := os.Hostname()
		re := regexp.MustCompile(`^dbtls_channel_binding\.bolt \(terraform apply\) \(pid ` + fmt.Sprint(os.Getpid()) +
			` on ` + regexp.QuoteMeta(host) + ` since (\S+)\)$`)
		m := re.FindStringSubmatch(lte.Holder)
		if m == nil {
			t.Fatalf("Holder = %q, want it to match %s", lte.Holder, re)
		}
		if ts, err := time.Parse(time.RFC3339, m[1]); err != nil || time.Since(ts) > time.Minute {
			t.Errorf("holder time %q: %v", m[1], err)
		}
		if want := "lock " + LockFile(p) + " is still held by dbtls_channel_binding.bolt"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("message %q, want prefix %q", err, want)
		}
	}
}

func TestLockContextCancel(t *testing.T) {
	t.Parallel()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "neo4j.conf")
	u, err := h.Lock(context.Background(), p, "holder", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = u.Unlock() }()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = h.Lock(ctx, p, "waiter", time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock = %v, want context.Canceled", err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("cancel took %v to end the wait", waited)
	}

	_, err = h.Lock(ctx, p, "waiter", time.Minute) // already cancelled
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Lock(cancelled ctx) = %v", err)
	}
}

func TestLockFileLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	lp := filepath.Join(dir, ".neo4j.conf.dbtls.lock")

	u, err := h.Lock(ctx, p, "me", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, lp); st.Mode&0o7777 != 0o600 {
		t.Errorf("lock file mode %04o, want 0600", st.Mode&0o7777)
	}
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lock touched the guarded file: %v", err)
	}
	if err := u.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := u.Unlock(); err != nil {
		t.Errorf("second Unlock = %v, want nil", err)
	}
	// Left in place, emptied.
	if rec, err := os.ReadFile(lp); err != nil || len(rec) != 0 {
		t.Errorf("lock file after Unlock: %q, %v", rec, err)
	}
	// Free again: a zero timeout succeeds at once.
	u, err = h.Lock(ctx, p, "again", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Unlock(); err != nil {
		t.Error(err)
	}
}

func TestLockRefusesSymlinkAndMissingParent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	victim := filepath.Join(dir, "victim")
	writeRaw(t, victim, "keep", 0o644)
	if err := os.Symlink(victim, LockFile(p)); err != nil {
		t.Fatal(err)
	}
	_, err := h.Lock(ctx, p, "me", time.Second)
	assertPathErr(t, err, ErrSymlink, "lock", LockFile(p))
	assertContent(t, victim, "keep")

	missing := filepath.Join(dir, "no", "neo4j.conf")
	_, err = h.Lock(ctx, missing, "me", time.Second)
	assertPathErr(t, err, os.ErrNotExist, "lock", LockFile(missing))
}
