//go:build linux

package host

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// nobody is the unprivileged owner the root-only tests chown to.
const nobodyID = 65534

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to change owners")
	}
}

// nobodyOwner returns the names of uid/gid 65534 on this machine, or the numbers when unnamed.
func nobodyOwner(t testing.TB) (Owner, string, string) {
	t.Helper()
	userName, groupName := "65534", "65534"
	if u, err := user.LookupId("65534"); err == nil {
		userName = u.Username
	}
	if g, err := user.LookupGroupId("65534"); err == nil {
		groupName = g.Name
	}
	return Owner{User: userName, Group: groupName}, userName, groupName
}

func sysStat(t testing.TB, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatalf("lstat %s: %v", p, err)
	}
	return st
}

// assertNoTemps fails when dir holds a temp file of WriteFile.
func assertNoTemps(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), tempInfix) {
			t.Errorf("temp file %s left in %s", e.Name(), dir)
		}
	}
}

func writeRaw(t testing.TB, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func assertContent(t testing.TB, p, want string) {
	t.Helper()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading %s: %v", p, err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", p, got, want)
	}
}

func assertPathErr(t testing.TB, err error, target error, op, p string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
	var pe *PathError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *PathError", err)
	}
	if pe.Op != op || pe.Path != p {
		t.Errorf("PathError{Op: %q, Path: %q}, want {%q, %q}", pe.Op, pe.Path, op, p)
	}
}

func TestLocalID(t *testing.T) {
	t.Parallel()
	if got := NewLocal().ID(); got != "local" {
		t.Errorf("ID() = %q", got)
	}
}

func TestChmodViaProc(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	writeRaw(t, p, "x", 0o600)
	fd, err := unix.Open(p, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := chmodViaProc(fd, 0o640); err != nil {
		if _, serr := os.Stat("/proc/self/fd"); serr != nil {
			t.Skip("no /proc here")
		}
		t.Fatal(err)
	}
	if st := sysStat(t, p); st.Mode&0o7777 != 0o640 {
		t.Errorf("mode %04o", st.Mode&0o7777)
	}
}

func TestOpenNoFollowSwappedPath(t *testing.T) {
	t.Parallel()
	// The descriptor-level check in ReadFile: O_NOFOLLOW alone must refuse a final symlink.
	dir := t.TempDir()
	target := filepath.Join(dir, "t")
	writeRaw(t, target, "x", 0o600)
	link := filepath.Join(dir, "l")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := openNoFollow(link, unix.O_RDONLY); !errors.Is(err, ErrSymlink) {
		t.Errorf("openNoFollow(link) error = %v, want ErrSymlink", err)
	}
	if _, err := openNoFollow(target, unix.O_RDONLY|unix.O_DIRECTORY); !errors.Is(err, ErrNotDir) {
		t.Errorf("openNoFollow(file, O_DIRECTORY) error = %v, want ErrNotDir", err)
	}
}

func TestSysMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[fs.FileMode]uint32{
		0o644:                    0o644,
		0o4755:                   0o4755,
		fs.ModeSetuid | 0o755:    0o4755,
		fs.ModeSetgid | 0o750:    0o2750,
		fs.ModeSticky | 0o777:    0o1777,
		fs.ModeDir | 0o755:       0o755,
		fs.ModePerm | fs.ModeDir: 0o777,
	} {
		if got := sysMode(in); got != want {
			t.Errorf("sysMode(%v) = %04o, want %04o", in, got, want)
		}
	}
}

func BenchmarkLstat(b *testing.B) {
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(b.TempDir(), "neo4j.conf")
	writeRaw(b, p, "x", 0o644)
	for b.Loop() {
		if _, err := h.Lstat(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteFile(b *testing.B) {
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(b.TempDir(), "public.crt")
	data := bytes.Repeat([]byte("x"), 1024)
	for b.Loop() {
		if err := h.WriteFile(ctx, p, data, 0o644, Owner{}); err != nil {
			b.Fatal(err)
		}
	}
}
