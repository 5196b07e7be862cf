//go:build linux

package host

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// noRecheck makes a waiter rely on inotify alone: were it polling, it would wake after an hour.
// The waiters of these tests wait as long, so that only an event can give them the lock.
const noRecheck = time.Hour

// wokenBy returns the waiter's result, or fails the test when it was not woken: a minute after the
// release, far beyond any scheduling delay, it still waits for its hour.
func wokenBy(t *testing.T, res <-chan error, release string) {
	t.Helper()
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("waiter after %s: %v", release, err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the waiter was not woken by %s", release)
	}
}

// waitForWaiter starts Lock(p) on l in a goroutine and returns once the waiter is blocked, with a
// channel that delivers its result.
func waitForWaiter(t *testing.T, l *local, p string, timeout time.Duration) <-chan error {
	t.Helper()
	blocked := make(chan struct{})
	ctx := withLockWaitHook(context.Background(), func() { close(blocked) })
	res := make(chan error, 1)
	go func() {
		u, err := l.Lock(ctx, p, "waiter", timeout)
		if err == nil {
			err = u.Unlock()
		}
		res <- err
	}()
	select {
	case <-blocked:
	case err := <-res:
		t.Fatalf("Lock returned %v before it waited", err)
	}
	return res
}

// TestLocalLockWakesOnUnlock: a waiter gets the lock when the holder in this process unlocks, woken
// by the release itself (its recheck is an hour away).
func TestLocalLockWakesOnUnlock(t *testing.T) {
	t.Parallel()
	l := newLocal()
	l.lockRecheck = noRecheck
	p := filepath.Join(t.TempDir(), "neo4j.conf")
	holder, err := newLocal().Lock(context.Background(), p, "holder", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res := waitForWaiter(t, l, p, noRecheck)
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	wokenBy(t, res, "the unlock")
}

// TestLocalLockWakesOnHolderExit: a waiter gets the lock when another process that holds it dies
// without unlocking (the kernel releases it on the last close, which inotify reports).
func TestLocalLockWakesOnHolderExit(t *testing.T) {
	t.Parallel()
	l := newLocal()
	l.lockRecheck = noRecheck
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
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			_ = cmd.Process.Kill() // still our unreaped child: the pid is its own
			_ = cmd.Wait()
		}
	})
	if s, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(s) != "ready" {
		t.Fatalf("child said %q", s)
	}
	res := waitForWaiter(t, l, p, noRecheck)
	_ = stdin.Close() // the child exits without unlocking
	waited = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	wokenBy(t, res, "the holder's exit")
}

// tryLockNB takes the lock of p with LOCK_NB on a descriptor of its own, and reports whether it
// was free.
func tryLockNB(t *testing.T, p string) bool {
	t.Helper()
	fd, err := openLockFile(LockFile(p))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil
}

// TestLocalLockGivenUpLeavesNothing: a waiter that timed out or was cancelled leaves nothing that
// waits on: no watch, and nothing that takes the lock once it comes free (a fresh LOCK_NB gets it
// at once). Not parallel, so that no other test's waiters are watching files meanwhile.
func TestLocalLockGivenUpLeavesNothing(t *testing.T) {
	l := newLocal()
	l.lockRecheck = noRecheck
	ctx := context.Background()
	for _, how := range []string{"timeout", "cancel"} {
		t.Run(how, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "neo4j.conf")
			holder, err := newLocal().Lock(ctx, p, "the holder", time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if how == "timeout" {
				_, err = l.Lock(ctx, p, "waiter", 100*time.Millisecond)
				var lte *LockTimeoutError
				if !errors.As(err, &lte) || !strings.HasPrefix(lte.Holder, "the holder (pid ") {
					t.Fatalf("Lock = %v, want a *LockTimeoutError naming the holder", err)
				}
			} else {
				// Two waiters: one cancelled while it waits, then one that must still get the
				// lock when the holder unlocks (and unlocks it again).
				cctx, cancel := context.WithCancel(ctx)
				blocked, done := make(chan struct{}), make(chan error, 1)
				go func() {
					_, err := l.Lock(withLockWaitHook(cctx, func() { close(blocked) }), p, "cancelled waiter", noRecheck)
					done <- err
				}()
				<-blocked
				res := waitForWaiter(t, l, p, noRecheck)
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled Lock = %v", err)
				}
				if err := holder.Unlock(); err != nil {
					t.Fatal(err)
				}
				wokenBy(t, res, "the unlock")
			}
			if err := holder.Unlock(); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if !tryLockNB(t, p) {
					t.Fatal("the lock is held after every holder and waiter is done")
				}
			}
		})
	}
	if n := lockWatches.watching(); n != 0 {
		t.Errorf("%d lock files still watched after every waiter returned", n)
	}
}
