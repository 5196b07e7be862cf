//go:build linux

package host

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %v", msg, fields))
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestLoggedReportsWithoutContent(t *testing.T) {
	dir := t.TempDir()
	log := &logLines{}
	h := Logged(Beneath(NewLocal(), dir), log)
	ctx := context.Background()
	secret := "-----BEGIN PRIVATE KEY-----\nTUFURVJJQUwgTk9UIFRPIExPRw==\n-----END PRIVATE KEY-----\n"
	p := filepath.Join(dir, "sub", "private.key")
	if _, err := h.Mkdir(ctx, filepath.Join(dir, "sub"), 0o755, Owner{}); err != nil {
		t.Fatal(err)
	}
	if err := h.WriteFile(ctx, p, []byte(secret), 0o400, Owner{}); err != nil {
		t.Fatal(err)
	}
	if b, err := h.ReadFile(ctx, p); err != nil || string(b) != secret {
		t.Fatalf("read back %q, %v", b, err)
	}
	if _, err := h.Lstat(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove(ctx, p); err != nil {
		t.Fatal(err)
	}
	got := log.text()
	for _, want := range []string{"host mkdir", "host write file", "bytes:" + fmt.Sprint(len(secret)), "host read file", "host lstat", "host remove", "host:local", p} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TUFURVJJQUwg") || strings.Contains(got, "BEGIN") {
		t.Fatalf("log carries file content:\n%s", got)
	}
	if Logged(h, nil) != h {
		t.Fatal("Logged with a nil logger wraps")
	}
}

func TestLoggedLockReportsWait(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "neo4j.conf")
	ctx := context.Background()
	first, err := NewLocal().Lock(ctx, file, "first", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	log := &logLines{}
	h := Logged(NewLocal(), log)
	waiting := make(chan struct{})
	var once sync.Once
	wctx := withLockWaitHook(ctx, func() { once.Do(func() { close(waiting) }) })
	done := make(chan error, 1)
	go func() {
		u, err := h.Lock(wctx, file, "second", time.Minute)
		if err == nil {
			err = u.Unlock()
		}
		done <- err
	}()
	<-waiting // the caller's own hook still runs
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := log.text()
	for _, want := range []string{"host lock busy, waiting", "host lock taken", "lock_wait:", "host lock released", file} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}
