//go:build linux

package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

func TestWriteFileContentAndMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	for i, tc := range []struct {
		mode fs.FileMode
		want fs.FileMode
	}{
		{0o400, 0o400},
		{0o600, 0o600},
		{0o644, 0o644},
		{0o666, 0o666}, // wider than the umask (022) allows at creation
		{0o777, 0o777},
		{0o000, 0o000},
		{0o4750, 0o4750},                // raw set-id bits
		{fs.ModeSetgid | 0o750, 0o2750}, // Go's spelling of the same
		{fs.ModeSticky | 0o644, 0o1644},
	} {
		p := filepath.Join(dir, fmt.Sprintf("f%d", i))
		data := fmt.Sprintf("content %d\n", i)
		if err := h.WriteFile(ctx, p, []byte(data), tc.mode, Owner{}); err != nil {
			t.Fatalf("WriteFile(%v): %v", tc.mode, err)
		}
		if tc.want&0o400 != 0 || os.Geteuid() == 0 {
			assertContent(t, p, data)
		}
		info, err := h.Lstat(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode != tc.want {
			t.Errorf("mode %v written as %04o, want %04o", tc.mode, info.Mode, tc.want)
		}
		if st := sysStat(t, p); st.Mode&0o7777 != uint32(tc.want) {
			t.Errorf("kernel reports %04o, want %04o", st.Mode&0o7777, tc.want)
		}
	}
	assertNoTemps(t, dir)
}

func TestWriteFileEmptyAndLarge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for name, data := range map[string][]byte{"empty": {}, "big": big} {
		p := filepath.Join(dir, name)
		if err := h.WriteFile(ctx, p, data, 0o600, Owner{}); err != nil {
			t.Fatal(err)
		}
		got, err := h.ReadFile(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: read back %d bytes, want %d", name, len(got), len(data))
		}
	}
}

func TestWriteFileOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	named, userName, groupName := nobodyOwner(t)
	for i, owner := range []Owner{named, {User: "65534", Group: "65534"}} {
		p := filepath.Join(dir, fmt.Sprintf("owned%d", i))
		// Set-id bits survive: the chown comes before the final chmod.
		if err := h.WriteFile(ctx, p, []byte("x"), 0o4750, owner); err != nil {
			t.Fatal(err)
		}
		info, err := h.Lstat(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if info.UID != nobodyID || info.GID != nobodyID || info.UserName != userName || info.GroupName != groupName {
			t.Errorf("owner %+v written as %d(%s):%d(%s)", owner, info.UID, info.UserName, info.GID, info.GroupName)
		}
		if info.Mode != 0o4750 {
			t.Errorf("mode %04o, want 4750", info.Mode)
		}
	}

	// Only the group: the user stays the writer's.
	p := filepath.Join(dir, "grouponly")
	if err := h.WriteFile(ctx, p, []byte("x"), 0o640, Owner{Group: "65534"}); err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, p); st.Uid != 0 || st.Gid != nobodyID {
		t.Errorf("owner %d:%d, want 0:%d", st.Uid, st.Gid, nobodyID)
	}

	// Replacing a file owned by someone else gives the new file the requested owner, not the old one.
	if err := h.WriteFile(ctx, p, []byte("y"), 0o600, Owner{User: "root", Group: "root"}); err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, p); st.Uid != 0 || st.Gid != 0 {
		t.Errorf("owner %d:%d after replacing, want 0:0", st.Uid, st.Gid)
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	if err := h.WriteFile(ctx, p, []byte("old\n"), 0o644, Owner{}); err != nil {
		t.Fatal(err)
	}
	before, _ := h.Lstat(ctx, p)
	// A reader that has the old file open keeps seeing the old content: the file is replaced, not
	// rewritten in place.
	reader, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	if err := h.WriteFile(ctx, p, []byte("new content\n"), 0o600, Owner{}); err != nil {
		t.Fatal(err)
	}
	after, _ := h.Lstat(ctx, p)
	if before.Ino == 0 || after.Ino == before.Ino {
		t.Errorf("inode %d -> %d, want a new inode", before.Ino, after.Ino)
	}
	if after.Mode != 0o600 || after.Size != int64(len("new content\n")) {
		t.Errorf("after replace: mode %04o size %d", after.Mode, after.Size)
	}
	assertContent(t, p, "new content\n")
	old := make([]byte, 16)
	n, _ := reader.Read(old)
	if string(old[:n]) != "old\n" {
		t.Errorf("open reader sees %q, want the old content", old[:n])
	}
	assertNoTemps(t, dir)
}

func TestWriteFileConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "shared")
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			errs <- h.WriteFile(ctx, p, bytes.Repeat([]byte{byte('a' + i)}, 4096), 0o600, Owner{})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4096 || len(bytes.Trim(got, string(got[:1]))) != 0 {
		t.Errorf("file is a mix of writers: %d bytes starting %q", len(got), got[:min(8, len(got))])
	}
	assertNoTemps(t, dir)
}

func TestWriteFileRefusesSymlink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	target := filepath.Join(dir, "real.key")
	writeRaw(t, target, "secret", 0o600)
	link := filepath.Join(dir, "private.key")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := h.WriteFile(ctx, link, []byte("attacker"), 0o644, Owner{})
	assertPathErr(t, err, ErrSymlink, "write", link)
	if dest, err := os.Readlink(link); err != nil || dest != target {
		t.Errorf("link now points to %q (%v)", dest, err)
	}
	assertContent(t, target, "secret")
	if st := sysStat(t, target); st.Mode&0o7777 != 0o600 {
		t.Errorf("target mode changed to %04o", st.Mode&0o7777)
	}

	// A dangling link is refused too, and nothing appears where it points.
	dangling := filepath.Join(dir, "dangling")
	nowhere := filepath.Join(dir, "nowhere")
	if err := os.Symlink(nowhere, dangling); err != nil {
		t.Fatal(err)
	}
	err = h.WriteFile(ctx, dangling, []byte("x"), 0o600, Owner{})
	assertPathErr(t, err, ErrSymlink, "write", dangling)
	if _, err := os.Lstat(nowhere); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("link target was created: %v", err)
	}
	assertNoTemps(t, dir)
}

func TestWriteFileRefusesDirectoryAndSpecialFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	sub := filepath.Join(dir, "trusted")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	err := h.WriteFile(ctx, sub, []byte("x"), 0o600, Owner{})
	assertPathErr(t, err, ErrIsDir, "write", sub)
	if fi, err := os.Lstat(sub); err != nil || !fi.IsDir() {
		t.Errorf("directory changed: %v %v", fi, err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err = h.WriteFile(ctx, fifo, []byte("x"), 0o600, Owner{})
	assertPathErr(t, err, ErrNotRegular, "write", fifo)
	if st := sysStat(t, fifo); st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("fifo replaced")
	}
	assertNoTemps(t, dir)
}

func TestWriteFileMissingParent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "certificates", "bolt", "private.key")
	err := h.WriteFile(ctx, p, []byte("x"), 0o600, Owner{})
	assertPathErr(t, err, fs.ErrNotExist, "write", p)
	if _, err := os.Lstat(filepath.Join(dir, "certificates")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("parent was created: %v", err)
	}

	// A parent that is a file.
	file := filepath.Join(dir, "file")
	writeRaw(t, file, "x", 0o600)
	err = h.WriteFile(ctx, file+"/child", []byte("x"), 0o600, Owner{})
	assertPathErr(t, err, ErrNotDir, "write", file+"/child")
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	errInjected := errors.New("injected")
	for _, tc := range []struct {
		name  string
		owner Owner
		ctx   func() context.Context
		// hook runs just before the rename; p is the target.
		hook    func(t *testing.T, p string) error
		wantErr error
		// check looks at the target afterwards.
		check func(t *testing.T, p string)
	}{
		{
			name:    "failure before rename",
			hook:    func(*testing.T, string) error { return errInjected },
			wantErr: errInjected,
			check:   func(t *testing.T, p string) { assertContent(t, p, "original") },
		},
		{
			name: "target swapped for a symlink",
			hook: func(t *testing.T, p string) error {
				if err := os.Rename(p, p+".real"); err != nil {
					t.Fatal(err)
				}
				return os.Symlink(p+".real", p)
			},
			wantErr: ErrSymlink,
			check: func(t *testing.T, p string) {
				if dest, err := os.Readlink(p); err != nil || dest != p+".real" {
					t.Errorf("link changed: %q %v", dest, err)
				}
				assertContent(t, p+".real", "original")
			},
		},
		{
			name: "target swapped for a directory",
			hook: func(t *testing.T, p string) error {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				return os.Mkdir(p, 0o700)
			},
			wantErr: ErrIsDir,
			check: func(t *testing.T, p string) {
				if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
					t.Errorf("directory replaced: %v", err)
				}
			},
		},
		{
			name:    "unknown owner",
			owner:   Owner{User: "neo4jx-no-such-user"},
			wantErr: ErrUnknownOwner,
			check:   func(t *testing.T, p string) { assertContent(t, p, "original") },
		},
		{
			name: "context cancelled",
			ctx: func() context.Context {
				c, cancel := context.WithCancel(ctx)
				cancel()
				return c
			},
			wantErr: context.Canceled,
			check:   func(t *testing.T, p string) { assertContent(t, p, "original") },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newLocal()
			dir := t.TempDir()
			p := filepath.Join(dir, "public.crt")
			writeRaw(t, p, "original", 0o644)
			hookRan := false
			if tc.hook != nil {
				h.beforeRename = func(tmp string) error {
					hookRan = true
					if _, err := os.Lstat(tmp); err != nil {
						t.Errorf("temp file missing in hook: %v", err)
					}
					return tc.hook(t, p)
				}
			}
			c := ctx
			if tc.ctx != nil {
				c = tc.ctx()
			}
			err := h.WriteFile(c, p, []byte("replacement"), 0o600, tc.owner)
			assertPathErr(t, err, tc.wantErr, "write", p)
			if tc.hook != nil && !hookRan {
				t.Error("the failure was not injected after the temp file was made")
			}
			tc.check(t, p)
			assertNoTemps(t, dir)
		})
	}
}

// TestWriteFileTempHasFinalModeAndOwner looks at the temp file at the last moment before the rename:
// it must already have the final mode, owner and content.
func TestWriteFileTempHasFinalModeAndOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "private.key")
	owner, wantUID, wantGID := Owner{}, uint32(os.Geteuid()), uint32(os.Getegid())
	if os.Geteuid() == 0 {
		owner, wantUID, wantGID = Owner{User: "65534", Group: "65534"}, nobodyID, nobodyID
	}
	data := []byte("-----BEGIN PRIVATE KEY-----\n")
	var seen string
	h.beforeRename = func(tmp string) error {
		seen = tmp
		if dir, name := filepath.Split(tmp); !strings.HasPrefix(name, ".private.key"+tempInfix) || filepath.Clean(dir) != filepath.Clean(filepath.Dir(p)) {
			t.Errorf("temp file %s: want .private.key%s<random> beside the target", tmp, tempInfix)
		}
		st := sysStat(t, tmp)
		if st.Mode&0o7777 != 0o400 || st.Uid != wantUID || st.Gid != wantGID || st.Size != int64(len(data)) {
			t.Errorf("temp file before rename: mode %04o owner %d:%d size %d", st.Mode&0o7777, st.Uid, st.Gid, st.Size)
		}
		return nil
	}
	if err := h.WriteFile(ctx, p, data, 0o400, owner); err != nil {
		t.Fatal(err)
	}
	if seen == "" {
		t.Fatal("hook did not run")
	}
	if _, err := os.Lstat(seen); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temp file still there after the rename: %v", err)
	}
}

// TestWriteFileTempNeverWider watches the directory while a 0400 file is written over and over and
// fails if any entry (the temp file at any stage, or the target) is ever more than 0400, or if a temp
// file holds data before it has its final owner.
func TestWriteFileTempNeverWider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "private.key")
	owner, root := Owner{}, os.Geteuid() == 0
	if root {
		owner = Owner{User: "65534", Group: "65534"}
	}

	stop := make(chan struct{})
	var tempsSeen, scans atomic.Int64
	var mu sync.Mutex
	var violations []string
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			d, err := os.Open(dir)
			if err != nil {
				continue
			}
			names, _ := d.Readdirnames(-1)
			d.Close()
			scans.Add(1)
			for _, name := range names {
				var st unix.Stat_t
				if unix.Lstat(filepath.Join(dir, name), &st) != nil {
					continue // renamed or removed meanwhile
				}
				isTemp := strings.Contains(name, tempInfix)
				if isTemp {
					tempsSeen.Add(1)
				}
				bad := ""
				if st.Mode&0o7777&^0o400 != 0 {
					bad = fmt.Sprintf("%s has mode %04o", name, st.Mode&0o7777)
				} else if root && st.Size > 0 && (st.Uid != nobodyID || st.Gid != nobodyID) {
					bad = fmt.Sprintf("%s holds %d bytes while owned by %d:%d", name, st.Size, st.Uid, st.Gid)
				}
				if bad != "" {
					mu.Lock()
					violations = append(violations, bad)
					mu.Unlock()
				}
			}
		}
	})
	for i := range 300 {
		if err := h.WriteFile(ctx, p, fmt.Appendf(nil, "key %d\n", i), 0o400, owner); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(violations) > 0 {
		t.Errorf("%d violations, first: %s", len(violations), violations[0])
	}
	t.Logf("%d directory scans, %d sightings of a temp file", scans.Load(), tempsSeen.Load())
	assertNoTemps(t, dir)
}

func TestMkdir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	for i, tc := range []struct {
		mode fs.FileMode
		want fs.FileMode
	}{
		{0o700, 0o700},
		{0o755, 0o755},
		{0o777, 0o777}, // the umask (022) would make it 0755
		{0o2770, 0o2770},
		{fs.ModeSticky | 0o1777, 0o1777},
	} {
		p := filepath.Join(dir, fmt.Sprintf("d%d", i))
		created, err := h.Mkdir(ctx, p, tc.mode, Owner{})
		if err != nil || !created {
			t.Fatalf("Mkdir(%04o) = %v, %v", tc.mode, created, err)
		}
		info, err := h.Lstat(ctx, p)
		if err != nil || !info.IsDir || info.Mode != tc.want {
			t.Errorf("Mkdir(%v): dir=%v mode %04o (%v), want %04o", tc.mode, info.IsDir, info.Mode, err, tc.want)
		}
	}

	// Existing directory: brought to the mode, created=false, content kept.
	p := filepath.Join(dir, "existing")
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, filepath.Join(p, "keep"), "x", 0o600)
	created, err := h.Mkdir(ctx, p, 0o750, Owner{})
	if err != nil || created {
		t.Fatalf("Mkdir(existing) = %v, %v; want false, nil", created, err)
	}
	if st := sysStat(t, p); st.Mode&0o7777 != 0o750 {
		t.Errorf("existing dir mode %04o, want 0750", st.Mode&0o7777)
	}
	assertContent(t, filepath.Join(p, "keep"), "x")
}

func TestMkdirRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	created, err := h.Mkdir(ctx, link, 0o777, Owner{})
	assertPathErr(t, err, ErrSymlink, "mkdir", link)
	if created {
		t.Error("created = true")
	}
	if st := sysStat(t, real); st.Mode&0o7777 != 0o700 {
		t.Errorf("symlink followed: target mode %04o", st.Mode&0o7777)
	}

	file := filepath.Join(dir, "file")
	writeRaw(t, file, "x", 0o600)
	_, err = h.Mkdir(ctx, file, 0o755, Owner{})
	assertPathErr(t, err, ErrNotDir, "mkdir", file)
	if st := sysStat(t, file); st.Mode&0o7777 != 0o600 {
		t.Errorf("file mode changed to %04o", st.Mode&0o7777)
	}

	missing := filepath.Join(dir, "no", "such")
	_, err = h.Mkdir(ctx, missing, 0o755, Owner{})
	assertPathErr(t, err, fs.ErrNotExist, "mkdir", missing)

	// An unknown owner fails before anything is created.
	p := filepath.Join(dir, "owned")
	_, err = h.Mkdir(ctx, p, 0o755, Owner{Group: "nogroupx-no-such-group"})
	assertPathErr(t, err, ErrUnknownOwner, "mkdir", p)
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("directory created despite the error: %v", err)
	}
}

func TestMkdirOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	owner, userName, groupName := nobodyOwner(t)
	p := filepath.Join(dir, "certificates")
	if created, err := h.Mkdir(ctx, p, 0o2750, owner); err != nil || !created {
		t.Fatalf("Mkdir = %v, %v", created, err)
	}
	info, _ := h.Lstat(ctx, p)
	if info.UID != nobodyID || info.GID != nobodyID || info.UserName != userName || info.GroupName != groupName || info.Mode != 0o2750 {
		t.Errorf("got %d(%s):%d(%s) %04o", info.UID, info.UserName, info.GID, info.GroupName, info.Mode)
	}
	// Back to root on the existing directory.
	if created, err := h.Mkdir(ctx, p, 0o700, Owner{User: "0", Group: "0"}); err != nil || created {
		t.Fatalf("Mkdir(existing) = %v, %v", created, err)
	}
	if st := sysStat(t, p); st.Uid != 0 || st.Gid != 0 || st.Mode&0o7777 != 0o700 {
		t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
	}
}

func TestSetAttr(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	file := filepath.Join(dir, "public.crt")
	writeRaw(t, file, "cert", 0o600)
	sub := filepath.Join(dir, "trusted")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo") // O_PATH: no open for reading, so no blocking
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]fs.FileMode{file: 0o644, sub: 0o2755, fifo: 0o640} {
		if err := h.SetAttr(ctx, p, mode, Owner{}); err != nil {
			t.Fatalf("SetAttr(%s): %v", p, err)
		}
		if st := sysStat(t, p); st.Mode&0o7777 != uint32(mode) {
			t.Errorf("%s: mode %04o, want %04o", p, st.Mode&0o7777, mode)
		}
	}
	assertContent(t, file, "cert")

	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	err := h.SetAttr(ctx, link, 0o666, Owner{})
	assertPathErr(t, err, ErrSymlink, "setattr", link)
	if st := sysStat(t, file); st.Mode&0o7777 != 0o644 {
		t.Errorf("symlink followed: target mode %04o", st.Mode&0o7777)
	}

	missing := filepath.Join(dir, "missing")
	err = h.SetAttr(ctx, missing, 0o600, Owner{})
	assertPathErr(t, err, fs.ErrNotExist, "setattr", missing)
}

func TestSetAttrOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "private.key")
	writeRaw(t, p, "k", 0o644)
	owner, _, _ := nobodyOwner(t)
	if err := h.SetAttr(ctx, p, 0o4700, owner); err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, p); st.Uid != nobodyID || st.Gid != nobodyID || st.Mode&0o7777 != 0o4700 {
		t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
	}
	// Only the user changes; the group is left as it is.
	if err := h.SetAttr(ctx, p, 0o600, Owner{User: "root"}); err != nil {
		t.Fatal(err)
	}
	if st := sysStat(t, p); st.Uid != 0 || st.Gid != nobodyID || st.Mode&0o7777 != 0o600 {
		t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
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

func TestReadFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	content := "dbms.ssl.policy.bolt.enabled=true\r\nno newline at end"
	writeRaw(t, p, content, 0o000) // root reads it anyway; others would get EACCES
	if os.Geteuid() != 0 {
		if err := os.Chmod(p, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.ReadFile(ctx, p)
	if err != nil || string(got) != content {
		t.Errorf("ReadFile = %q, %v", got, err)
	}

	empty := filepath.Join(dir, "empty")
	writeRaw(t, empty, "", 0o600)
	if got, err := h.ReadFile(ctx, empty); err != nil || len(got) != 0 {
		t.Errorf("ReadFile(empty) = %q, %v", got, err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	_, err = h.ReadFile(ctx, link)
	assertPathErr(t, err, ErrSymlink, "read", link)

	_, err = h.ReadFile(ctx, dir)
	assertPathErr(t, err, ErrIsDir, "read", dir)

	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = h.ReadFile(ctx, fifo) // must not block
	assertPathErr(t, err, ErrNotRegular, "read", fifo)

	missing := filepath.Join(dir, "missing")
	_, err = h.ReadFile(ctx, missing)
	assertPathErr(t, err, fs.ErrNotExist, "read", missing)
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

func TestLstat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	p := filepath.Join(dir, "public.crt")
	writeRaw(t, p, "12345", 0o640)
	past := time.Date(2024, 2, 29, 12, 0, 0, 123456789, time.UTC)
	if err := os.Chtimes(p, past, past); err != nil {
		t.Fatal(err)
	}
	info, err := h.Lstat(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	st := sysStat(t, p)
	userName, groupName := fmt.Sprint(st.Uid), fmt.Sprint(st.Gid)
	if u, err := user.LookupId(userName); err == nil {
		userName = u.Username
	}
	if g, err := user.LookupGroupId(groupName); err == nil {
		groupName = g.Name
	}
	want := Info{
		Path: p, Exists: true, Mode: 0o640, UID: os.Geteuid(), GID: int(st.Gid),
		UserName: userName, GroupName: groupName, Size: 5, ModTime: past, Ino: st.Ino,
	}
	if !info.ModTime.Equal(past) {
		t.Errorf("ModTime %v, want %v", info.ModTime, past)
	}
	info.ModTime = past
	if info != want {
		t.Errorf("Lstat = %+v\nwant    %+v", info, want)
	}

	dinfo, err := h.Lstat(ctx, dir)
	if err != nil || !dinfo.Exists || !dinfo.IsDir || dinfo.IsSymlink {
		t.Errorf("Lstat(dir) = %+v, %v", dinfo, err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	linfo, err := h.Lstat(ctx, link)
	if err != nil || !linfo.Exists || !linfo.IsSymlink || linfo.IsDir || linfo.Ino == st.Ino || linfo.Size != int64(len(p)) {
		t.Errorf("Lstat(link) followed or misreported it: %+v, %v", linfo, err)
	}

	for _, missing := range []string{
		filepath.Join(dir, "missing"),
		filepath.Join(dir, "no", "parent"),
		filepath.Join(p, "under-a-file"),
	} {
		info, err := h.Lstat(ctx, missing)
		if err != nil || info.Exists || info.Path != missing {
			t.Errorf("Lstat(%s) = %+v, %v; want Exists=false, nil", missing, info, err)
		}
	}
}

func TestLstatUnnamedOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	ctx := context.Background()
	h := newLocal()
	p := filepath.Join(t.TempDir(), "f")
	writeRaw(t, p, "x", 0o600)
	const id = 54321
	if _, err := user.LookupId(fmt.Sprint(id)); err == nil {
		t.Skipf("uid %d has a name here", id)
	}
	if err := os.Lchown(p, id, id); err != nil {
		t.Fatal(err)
	}
	info, err := h.Lstat(ctx, p)
	if err != nil || info.UserName != "54321" || info.GroupName != "54321" || info.UID != id || info.GID != id {
		t.Errorf("Lstat = %+v, %v", info, err)
	}
	// A name once found comes from the cache, and the cache answers the same.
	if err := os.Lchown(p, 0, 0); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		info, _ = h.Lstat(ctx, p)
		if info.UserName != "root" {
			t.Errorf("UserName = %q, want root", info.UserName)
		}
	}
	if v, ok := h.names.Load(idKey{id: 0}); !ok || v != "root" {
		t.Errorf("cache holds %v, %v", v, ok)
	}
	if _, ok := h.names.Load(idKey{id: id}); ok {
		t.Error("an unnamed id was cached")
	}
}

func TestReadDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	for _, name := range []string{"b.crt", "a.crt", ".hidden", "C.crt"} {
		writeRaw(t, filepath.Join(dir, name), "x", 0o600)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := h.ReadDir(ctx, dir)
	want := []string{".hidden", "C.crt", "a.crt", "b.crt", "sub"}
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ReadDir = %q, %v; want %q", got, err, want)
	}

	empty := filepath.Join(dir, "sub")
	if got, err := h.ReadDir(ctx, empty); err != nil || got == nil || len(got) != 0 {
		t.Errorf("ReadDir(empty) = %#v, %v", got, err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(empty, link); err != nil {
		t.Fatal(err)
	}
	_, err = h.ReadDir(ctx, link)
	assertPathErr(t, err, ErrSymlink, "readdir", link)

	file := filepath.Join(dir, "a.crt")
	_, err = h.ReadDir(ctx, file)
	assertPathErr(t, err, ErrNotDir, "readdir", file)

	missing := filepath.Join(dir, "missing")
	_, err = h.ReadDir(ctx, missing)
	assertPathErr(t, err, fs.ErrNotExist, "readdir", missing)
}

func TestRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()

	file := filepath.Join(dir, "private.key")
	writeRaw(t, file, "k", 0o600)
	if err := h.Remove(ctx, file); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}

	empty := filepath.Join(dir, "revoked")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(empty); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty dir still there: %v", err)
	}

	full := filepath.Join(dir, "trusted")
	if err := os.Mkdir(full, 0o755); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, filepath.Join(full, "ca.crt"), "ca", 0o644)
	err := h.Remove(ctx, full)
	assertPathErr(t, err, ErrNotEmpty, "remove", full)
	assertContent(t, filepath.Join(full, "ca.crt"), "ca")

	target := filepath.Join(dir, "target")
	writeRaw(t, target, "t", 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err = h.Remove(ctx, link)
	assertPathErr(t, err, ErrSymlink, "remove", link)
	if _, err := os.Readlink(link); err != nil {
		t.Errorf("link removed: %v", err)
	}
	assertContent(t, target, "t")

	for _, missing := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "no", "parent")} {
		if err := h.Remove(ctx, missing); err != nil {
			t.Errorf("Remove(%s) = %v, want nil", missing, err)
		}
	}
}

func TestLookupOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	check := func(o Owner, wantUID, wantGID int) {
		t.Helper()
		uid, gid, err := h.LookupOwner(ctx, o)
		if err != nil || uid != wantUID || gid != wantGID {
			t.Errorf("LookupOwner(%+v) = %d, %d, %v; want %d, %d", o, uid, gid, err, wantUID, wantGID)
		}
	}
	check(Owner{}, -1, -1)
	check(Owner{User: "0"}, 0, -1)
	check(Owner{Group: "0"}, -1, 0)
	check(Owner{User: "123456", Group: "654321"}, 123456, 654321) // numbers need no name
	check(Owner{User: "root", Group: "root"}, 0, 0)
	if _, err := user.Lookup("nobody"); err == nil {
		check(Owner{User: "nobody"}, nobodyID, -1)
	}

	for _, tc := range []struct {
		o    Owner
		want string
		is   error
	}{
		{Owner{User: "neo4jx"}, `user "neo4jx" does not exist on host local`, ErrUnknownOwner},
		{Owner{User: "root", Group: "neo4jx"}, `group "neo4jx" does not exist on host local`, ErrUnknownOwner},
		{Owner{User: "4294967295"}, "user id 4294967295 is out of range", nil},
		{Owner{Group: "99999999999"}, "group id 99999999999 is out of range", nil},
	} {
		uid, gid, err := h.LookupOwner(ctx, tc.o)
		if err == nil || err.Error() != tc.want || uid != -1 || gid != -1 {
			t.Errorf("LookupOwner(%+v) = %d, %d, %v; want error %q", tc.o, uid, gid, err, tc.want)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("error %v does not wrap %v", err, tc.is)
		}
	}
}

func TestInvalidPathsAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newLocal()
	dir := t.TempDir()
	for _, p := range []string{"relative", dir + "/../x", dir + "/", dir + "//x", ""} {
		ops := map[string]error{}
		_, ops["lstat"] = h.Lstat(ctx, p)
		_, ops["read"] = h.ReadFile(ctx, p)
		ops["write"] = h.WriteFile(ctx, p, nil, 0o600, Owner{})
		_, ops["mkdir"] = h.Mkdir(ctx, p, 0o700, Owner{})
		ops["setattr"] = h.SetAttr(ctx, p, 0o700, Owner{})
		_, ops["readdir"] = h.ReadDir(ctx, p)
		ops["remove"] = h.Remove(ctx, p)
		_, ops["lock"] = h.Lock(ctx, p, "t", time.Second)
		for op, err := range ops {
			if !errors.Is(err, ErrInvalidPath) {
				t.Errorf("%s(%q) error = %v, want ErrInvalidPath", op, p, err)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("something was created: %v", entries)
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
