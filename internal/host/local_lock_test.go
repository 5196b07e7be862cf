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
	"strings"
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
	case <-time.After(time.Minute): // only for a child that never says anything
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
