package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSupervisorStopsItsChild: Stop signals a child that still runs, and the supervisor ends
// because the child did (a child left running would keep Stop waiting for its 20 s fallback).
func TestSupervisorStopsItsChild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	p, err := Start([]string{"/bin/sh", "-c", `echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep 600`, pidFile},
		ProcessOptions{Log: filepath.Join(dir, "log")})
	if err != nil {
		t.Fatal(err)
	}
	pid := waitForPidFile(t, pidFile)
	p.Stop()
	if !p.Exited() {
		t.Fatal("the supervisor still runs after Stop")
	}
	// Had the supervisor not signalled it, the child would outlive Stop (which then kills only the
	// supervisor).
	if Alive(pid) {
		t.Fatalf("the child %d still runs after Stop", pid)
	}
}

// TestSupervisorLeavesReusedPidAlone: once the supervised child has ended, its pid is free and may
// be handed to any process (or thread) on the machine; Stop must not signal that process. The test
// makes the reuse happen on purpose: as root it sets the kernel's last pid (ns_last_pid) so that a
// decoy process gets the ended child's pid, then stops the supervisor and checks the decoy lives.
func TestSupervisorLeavesReusedPidAlone(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	p, err := Start([]string{"/bin/sh", "-c", `echo $$ >"$0.tmp" && mv "$0.tmp" "$0"`, pidFile},
		ProcessOptions{Log: filepath.Join(dir, "log")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	pid := waitForPidFile(t, pidFile)
	for Alive(pid) { // ended, and reaped by the supervisor's shell
		time.Sleep(10 * time.Millisecond)
	}

	decoy := ClaimPid(t, pid)
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = decoy.Wait(); close(done) }()
	defer func() { _ = decoy.Process.Kill(); <-done }()

	p.Stop()
	select {
	case <-done:
		t.Errorf("the supervisor signalled pid %d after its child had ended, and killed the process that has the pid now: %v", pid, waitErr)
		return
	default:
	}
	// The signal, if one was sent, has been delivered by now (kill returns after queuing it and
	// the supervisor has exited); confirm with the kernel that the decoy is not dying.
	if !Alive(pid) {
		t.Errorf("the decoy %d is gone after Stop", pid)
	}
	_ = syscall.Kill(pid, 0)
}

func waitForPidFile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: a loaded machine starts shells slowly
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never wrote %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
