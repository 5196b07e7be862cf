//go:build linux

package host

// The conformance suite: the same behavioural tests against every implementation of Host. The SSH
// host talks to a real OpenSSH server on this machine (internal/testenv), so what it did is checked
// with os.* on the same files, exactly as for the local host.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	// The sudo test user may run what the provider runs through sudo, and nothing else.
	testenv.SharedSSHDOptions.SudoUser = true
	testenv.SharedSSHDOptions.SudoCommands = SudoCommands()
	code := m.Run()
	sshTestPool.Close()
	testenv.StopSharedSSHD()
	if err := testenv.LeftAsFound(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// sshTestPool holds the shared connections of the tests, as the provider's pool would.
var sshTestPool = NewPool()

// rootSSHConfig logs in to port of s as its user (root when the tests run as root).
func rootSSHConfig(s *testenv.SSHD, port int) SSHConfig {
	return SSHConfig{
		Host:       s.Host,
		Port:       port,
		User:       s.User,
		PrivateKey: s.ClientKey,
		KnownHosts: s.KnownHostsFor(port),
		// Generous: the dial deadline and the lock's guard against a host that stopped answering
		// derive from it, and a test machine under a CPU hog can take many seconds to start a remote
		// shell. Tests of those deadlines set their own, shorter value.
		Timeout: 60 * time.Second,
	}
}

// hostImpl is one implementation under test.
type hostImpl struct {
	name string
	// shared returns a host that other tests use at the same time.
	shared func(t *testing.T) Host
	// private returns a host of the test's own (its own connection), and a setter of its
	// beforeRename hook.
	private func(t *testing.T) (Host, func(func(tmp string) error))
	// wholeSeconds: ModTime has whole seconds only; noInodes: Info.Ino is always 0.
	wholeSeconds, noInodes bool
}

func sharedSSHHost(t *testing.T) *SSHHost {
	t.Helper()
	s := testenv.SharedSSHD(t)
	h, err := sshTestPool.Get(context.Background(), rootSSHConfig(s, s.Port()))
	if err != nil {
		t.Fatalf("connecting to the test sshd: %v", err)
	}
	return h.(*SSHHost)
}

func privateSSHHost(t *testing.T) *SSHHost {
	t.Helper()
	s := testenv.SharedSSHD(t)
	h, err := DialSSH(context.Background(), rootSSHConfig(s, s.Port()))
	if err != nil {
		t.Fatalf("connecting to the test sshd: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

var hostImpls = []hostImpl{
	{
		name:   "local",
		shared: func(*testing.T) Host { return NewLocal() },
		private: func(*testing.T) (Host, func(func(string) error)) {
			l := newLocal()
			return l, func(f func(string) error) { l.beforeRename = f }
		},
	},
	{
		name:   "ssh",
		shared: func(t *testing.T) Host { return sharedSSHHost(t) },
		private: func(t *testing.T) (Host, func(func(string) error)) {
			h := privateSSHHost(t)
			return h, func(f func(string) error) { h.beforeRename = f }
		},
		wholeSeconds: true,
		noInodes:     true,
	},
}

// forEachHost runs fn as a parallel subtest per implementation.
func forEachHost(t *testing.T, fn func(t *testing.T, im hostImpl, h Host)) {
	t.Helper()
	for _, im := range hostImpls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			fn(t, im, im.shared(t))
		})
	}
}

func TestHostWriteFileContentAndMode(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		for i, tc := range []struct {
			mode fs.FileMode
			want fs.FileMode
		}{
			{0o400, 0o400}, {0o600, 0o600}, {0o644, 0o644},
			{0o666, 0o666}, // wider than the umask (022) allows at creation
			{0o777, 0o777}, {0o000, 0o000},
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
	})
}

func TestHostWriteFileEmptyAndLarge(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
			if !bytes.Equal(got, data) || got == nil {
				t.Errorf("%s: read back %d bytes (nil: %v), want %d", name, len(got), got == nil, len(data))
			}
			if onDisk, _ := os.ReadFile(p); !bytes.Equal(onDisk, data) {
				t.Errorf("%s: %d bytes on disk, want %d", name, len(onDisk), len(data))
			}
		}
	})
}

func TestHostWriteFileOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
			if st := sysStat(t, p); st.Mode&0o7777 != 0o4750 || st.Uid != nobodyID {
				t.Errorf("kernel reports %04o owned by %d", st.Mode&0o7777, st.Uid)
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
		// Replacing a file owned by someone else gives the new file the requested owner.
		if err := h.WriteFile(ctx, p, []byte("y"), 0o600, Owner{User: "root", Group: "root"}); err != nil {
			t.Fatal(err)
		}
		if st := sysStat(t, p); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("owner %d:%d after replacing, want 0:0", st.Uid, st.Gid)
		}
	})
}

func TestHostWriteFileReplacesAtomically(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		p := filepath.Join(dir, "neo4j.conf")
		if err := h.WriteFile(ctx, p, []byte("old\n"), 0o644, Owner{}); err != nil {
			t.Fatal(err)
		}
		before := sysStat(t, p)
		reader, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		if err := h.WriteFile(ctx, p, []byte("new content\n"), 0o600, Owner{}); err != nil {
			t.Fatal(err)
		}
		after := sysStat(t, p)
		if after.Ino == before.Ino {
			t.Errorf("inode %d kept: the file was rewritten in place, not replaced", after.Ino)
		}
		if after.Mode&0o7777 != 0o600 || after.Size != int64(len("new content\n")) {
			t.Errorf("after replace: mode %04o size %d", after.Mode&0o7777, after.Size)
		}
		assertContent(t, p, "new content\n")
		old := make([]byte, 16)
		n, _ := reader.Read(old)
		if string(old[:n]) != "old\n" {
			t.Errorf("open reader sees %q, want the old content", old[:n])
		}
		assertNoTemps(t, dir)
	})
}

func TestHostWriteFileConcurrentWriters(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		p := filepath.Join(dir, "shared")
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				errs <- h.WriteFile(ctx, p, bytes.Repeat([]byte{byte('a' + i)}, 40000), 0o600, Owner{})
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
		if len(got) != 40000 || len(bytes.Trim(got, string(got[:1]))) != 0 {
			t.Errorf("file is a mix of writers: %d bytes starting %q", len(got), got[:min(8, len(got))])
		}
		assertNoTemps(t, dir)
	})
}

func TestHostWriteFileRefusesSymlink(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
	})
}

func TestHostWriteFileRefusesDirectoryAndSpecialFiles(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
	})
}

func TestHostWriteFileMissingParent(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		p := filepath.Join(dir, "certificates", "bolt", "private.key")
		err := h.WriteFile(ctx, p, []byte("x"), 0o600, Owner{})
		assertPathErr(t, err, fs.ErrNotExist, "write", p)
		if _, err := os.Lstat(filepath.Join(dir, "certificates")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("parent was created: %v", err)
		}
		file := filepath.Join(dir, "file")
		writeRaw(t, file, "x", 0o600)
		for _, p := range []string{file + "/child", file + "/a/child"} {
			err = h.WriteFile(ctx, p, []byte("x"), 0o600, Owner{})
			assertPathErr(t, err, ErrNotDir, "write", p)
		}
	})
}

func TestHostWriteFileFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	errInjected := errors.New("injected")
	for _, im := range hostImpls {
		for _, tc := range []struct {
			name    string
			owner   Owner
			cancel  bool
			hook    func(t *testing.T, p string) error
			wantErr error
			check   func(t *testing.T, p string)
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
				name:    "context cancelled",
				cancel:  true,
				wantErr: context.Canceled,
				check:   func(t *testing.T, p string) { assertContent(t, p, "original") },
			},
		} {
			t.Run(im.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				h, setHook := im.private(t)
				dir := t.TempDir()
				p := filepath.Join(dir, "public.crt")
				writeRaw(t, p, "original", 0o644)
				hookRan := false
				if tc.hook != nil {
					setHook(func(tmp string) error {
						hookRan = true
						if _, err := os.Lstat(tmp); err != nil {
							t.Errorf("temp file missing in hook: %v", err)
						}
						return tc.hook(t, p)
					})
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.cancel {
					cancel()
				}
				err := h.WriteFile(ctx, p, []byte("replacement"), 0o600, tc.owner)
				assertPathErr(t, err, tc.wantErr, "write", p)
				if tc.hook != nil && !hookRan {
					t.Error("the failure was not injected after the temp file was made")
				}
				tc.check(t, p)
				assertNoTemps(t, dir)
			})
		}
	}
}

// TestHostWriteFileTempHasFinalModeAndOwner looks at the temp file at the last moment before the
// rename: it must already have the final mode, owner and content.
func TestHostWriteFileTempHasFinalModeAndOwner(t *testing.T) {
	t.Parallel()
	for _, im := range hostImpls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			h, setHook := im.private(t)
			dir := t.TempDir()
			p := filepath.Join(dir, "private.key")
			owner, wantUID, wantGID := Owner{}, uint32(os.Geteuid()), uint32(os.Getegid())
			if os.Geteuid() == 0 {
				owner, wantUID, wantGID = Owner{User: "65534", Group: "65534"}, nobodyID, nobodyID
			}
			data := []byte("-----BEGIN PRIVATE KEY-----\n")
			var seen string
			setHook(func(tmp string) error {
				seen = tmp
				if d, name := filepath.Split(tmp); !strings.HasPrefix(name, ".private.key"+tempInfix) || filepath.Clean(d) != dir {
					t.Errorf("temp file %s: want .private.key%s<random> beside the target", tmp, tempInfix)
				}
				st := sysStat(t, tmp)
				if st.Mode&0o7777 != 0o400 || st.Uid != wantUID || st.Gid != wantGID || st.Size != int64(len(data)) {
					t.Errorf("temp file before rename: mode %04o owner %d:%d size %d", st.Mode&0o7777, st.Uid, st.Gid, st.Size)
				}
				return nil
			})
			if err := h.WriteFile(context.Background(), p, data, 0o400, owner); err != nil {
				t.Fatal(err)
			}
			if seen == "" {
				t.Fatal("hook did not run")
			}
			if _, err := os.Lstat(seen); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("temp file still there after the rename: %v", err)
			}
		})
	}
}

// TestHostWriteFileTempNeverWider watches the directory while a 0400 file is written over and over
// and fails if any entry is ever more than 0400, or holds data before it has its final owner. Over
// SFTP this is what proves that the temp file is created with its mode rather than chmodded after.
// It runs alone (not in parallel): its watcher spins on a CPU.
func TestHostWriteFileTempNeverWider(t *testing.T) {
	for _, im := range hostImpls {
		t.Run(im.name, func(t *testing.T) { testTempNeverWider(t, im, im.shared(t)) })
	}
}

func testTempNeverWider(t *testing.T, im hostImpl, h Host) {
	{
		ctx := context.Background()
		dir := t.TempDir()
		p := filepath.Join(dir, "private.key")
		owner, root := Owner{}, os.Geteuid() == 0
		if root {
			owner = Owner{User: "65534", Group: "65534"}
		}
		stop := make(chan struct{})
		var tempsSeen atomic.Int64
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
				for _, name := range names {
					var st unix.Stat_t
					if unix.Lstat(filepath.Join(dir, name), &st) != nil {
						continue
					}
					if strings.Contains(name, tempInfix) {
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
		rounds := 200
		if im.name == "ssh" {
			rounds = 100
		}
		if testing.Short() { // make unit: the edit loop
			rounds /= 5
		}
		for i := range rounds {
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
		t.Logf("%d sightings of a temp file", tempsSeen.Load())
		assertNoTemps(t, dir)
	}
}

func TestHostMkdir(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		for i, tc := range []struct {
			mode fs.FileMode
			want fs.FileMode
		}{
			{0o700, 0o700}, {0o755, 0o755},
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
			if st := sysStat(t, p); st.Mode&0o7777 != uint32(tc.want) {
				t.Errorf("kernel reports %04o, want %04o", st.Mode&0o7777, tc.want)
			}
		}
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
	})
}

func TestHostMkdirRefusals(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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

		p := filepath.Join(dir, "owned")
		_, err = h.Mkdir(ctx, p, 0o755, Owner{Group: "nogroupx-no-such-group"})
		assertPathErr(t, err, ErrUnknownOwner, "mkdir", p)
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("directory created despite the error: %v", err)
		}
	})
}

func TestHostMkdirOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		if created, err := h.Mkdir(ctx, p, 0o700, Owner{User: "0", Group: "0"}); err != nil || created {
			t.Fatalf("Mkdir(existing) = %v, %v", created, err)
		}
		if st := sysStat(t, p); st.Uid != 0 || st.Gid != 0 || st.Mode&0o7777 != 0o700 {
			t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
		}
	})
}

func TestHostSetAttr(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		file := filepath.Join(dir, "public.crt")
		writeRaw(t, file, "cert", 0o600)
		sub := filepath.Join(dir, "trusted")
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(dir, "fifo") // must not be opened (it would block)
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
	})
}

func TestHostSetAttrOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		p := filepath.Join(t.TempDir(), "private.key")
		writeRaw(t, p, "k", 0o644)
		owner, _, _ := nobodyOwner(t)
		if err := h.SetAttr(ctx, p, 0o4700, owner); err != nil {
			t.Fatal(err)
		}
		if st := sysStat(t, p); st.Uid != nobodyID || st.Gid != nobodyID || st.Mode&0o7777 != 0o4700 {
			t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
		}
		if err := h.SetAttr(ctx, p, 0o600, Owner{User: "root"}); err != nil {
			t.Fatal(err)
		}
		if st := sysStat(t, p); st.Uid != 0 || st.Gid != nobodyID || st.Mode&0o7777 != 0o600 {
			t.Errorf("got %d:%d %04o", st.Uid, st.Gid, st.Mode&0o7777)
		}
	})
}

func TestHostReadFile(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		p := filepath.Join(dir, "neo4j.conf")
		content := "dbms.ssl.policy.bolt.enabled=true\r\nno newline at end \xe9"
		writeRaw(t, p, content, 0o400)
		got, err := h.ReadFile(ctx, p)
		if err != nil || string(got) != content {
			t.Errorf("ReadFile = %q, %v", got, err)
		}
		empty := filepath.Join(dir, "empty")
		writeRaw(t, empty, "", 0o600)
		if got, err := h.ReadFile(ctx, empty); err != nil || got == nil || len(got) != 0 {
			t.Errorf("ReadFile(empty) = %#v, %v", got, err)
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
		// A file over the bound is refused before it is read (a sparse file: no disk is used).
		huge := filepath.Join(dir, "huge")
		writeRaw(t, huge, "", 0o600)
		if err := os.Truncate(huge, MaxReadSize+1); err != nil {
			t.Fatal(err)
		}
		_, err = h.ReadFile(ctx, huge)
		assertPathErr(t, err, ErrTooLarge, "read", huge)
		_, _, data, rerrs := ReadFileInfos(ctx, h, []string{p, huge})
		if rerrs[0] != nil || string(data[0]) != content {
			t.Errorf("ReadFileInfos beside a file too large: %q, %v", data[0], rerrs[0])
		}
		assertPathErr(t, rerrs[1], ErrTooLarge, "read", huge)
		// At the bound exactly, a file is read whole.
		atBound := filepath.Join(dir, "at-bound")
		writeRaw(t, atBound, "", 0o600)
		if err := os.Truncate(atBound, MaxReadSize); err != nil {
			t.Fatal(err)
		}
		if got, err := h.ReadFile(ctx, atBound); err != nil || len(got) != MaxReadSize {
			t.Errorf("ReadFile of %d bytes: %d bytes, %v", MaxReadSize, len(got), err)
		}
	})
}

func TestHostLstat(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, im hostImpl, h Host) {
		ctx := context.Background()
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
		_, userName, groupName := ownerNames(t, int(st.Uid), int(st.Gid))
		wantTime, wantIno := past, st.Ino
		if im.wholeSeconds {
			wantTime = past.Truncate(time.Second)
		}
		if im.noInodes {
			wantIno = 0
		}
		want := Info{
			Path: p, Exists: true, Mode: 0o640, UID: os.Geteuid(), GID: int(st.Gid),
			UserName: userName, GroupName: groupName, Size: 5, ModTime: wantTime, Ino: wantIno,
		}
		if !info.ModTime.Equal(wantTime) {
			t.Errorf("ModTime %v, want %v", info.ModTime, wantTime)
		}
		info.ModTime = wantTime
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
		if err != nil || !linfo.Exists || !linfo.IsSymlink || linfo.IsDir || linfo.Size != int64(len(p)) {
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
	})
}

// ownerNames returns the names of uid and gid on this machine (the numbers when unnamed).
func ownerNames(t *testing.T, uid, gid int) (Owner, string, string) {
	t.Helper()
	l := newLocal()
	u, g := l.idName(false, uid), l.idName(true, gid)
	return Owner{User: u, Group: g}, u, g
}

func TestHostLstatUnnamedOwner(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		p := filepath.Join(t.TempDir(), "f")
		writeRaw(t, p, "x", 0o600)
		const id = 54321
		if _, u, _ := ownerNames(t, id, id); u != "54321" {
			t.Skipf("uid %d has a name here", id)
		}
		if err := os.Lchown(p, id, id); err != nil {
			t.Fatal(err)
		}
		info, err := h.Lstat(ctx, p)
		if err != nil || info.UserName != "54321" || info.GroupName != "54321" || info.UID != id || info.GID != id {
			t.Errorf("Lstat = %+v, %v", info, err)
		}
		if err := os.Lchown(p, 0, 0); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if info, _ = h.Lstat(ctx, p); info.UserName != "root" || info.GroupName != "root" {
				t.Errorf("owner names %q:%q, want root:root", info.UserName, info.GroupName)
			}
		}
	})
}

func TestHostReadDir(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
	})
}

func TestHostRemove(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
	})
}

func TestHostLookupOwner(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		check(Owner{User: "123456", Group: "654321"}, 123456, 654321)
		check(Owner{User: "root", Group: "root"}, 0, 0)
		check(Owner{User: "root", Group: "root"}, 0, 0) // cached
		nobody, _, _ := nobodyOwner(t)
		check(nobody, nobodyID, nobodyID)
		for _, tc := range []struct {
			o    Owner
			want string
			is   error
		}{
			{Owner{User: "neo4jx"}, `user "neo4jx" does not exist on host ` + h.ID(), ErrUnknownOwner},
			{Owner{User: "root", Group: "neo4jx"}, `group "neo4jx" does not exist on host ` + h.ID(), ErrUnknownOwner},
			{Owner{User: "it's; rm -rf /"}, `user "it's; rm -rf /" does not exist on host ` + h.ID(), ErrUnknownOwner},
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
	})
}

func TestHostInvalidPathsAreRefused(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("something was created: %v", entries)
		}
	})
}

// holderRE matches the record of holder in a lock file as any implementation writes it: the holder,
// the pid and machine of the process, the target when it is remote, and the time.
func holderRE(holder string) *regexp.Regexp {
	host, _ := os.Hostname()
	return regexp.MustCompile(`^` + regexp.QuoteMeta(holder) + ` \(pid ` + fmt.Sprint(os.Getpid()) +
		` on ` + regexp.QuoteMeta(host) + `(?: over (ssh://\S+))? since (\S+)\)$`)
}

func checkHolder(t *testing.T, record, holder string, owner Host) {
	t.Helper()
	m := holderRE(holder).FindStringSubmatch(record)
	if m == nil {
		t.Fatalf("holder record %q, want it to match %s", record, holderRE(holder))
	}
	if _, remote := owner.(*SSHHost); remote != (m[1] != "") || (remote && m[1] != owner.ID()) {
		t.Errorf("holder record %q names target %q, want %q", record, m[1], owner.ID())
	}
	if ts, err := time.Parse(time.RFC3339, m[2]); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("holder time %q: %v", m[2], err)
	}
}

func TestHostLockContention(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		blocked := make(chan struct{})
		go func() {
			u, err := h.Lock(withLockWaitHook(ctx, func() { close(blocked) }), p, "second", time.Minute)
			second <- result{u, err, released.Load()}
		}()
		select { // the second waits before the first lets go
		case <-blocked:
		case r := <-second:
			t.Fatalf("second did not wait for the first: %v", r.err)
		}
		select {
		case r := <-second:
			t.Fatalf("second got the lock while the first held it: %v", r.err)
		default:
		}
		rec, _ := os.ReadFile(LockFile(p))
		checkHolder(t, strings.TrimSpace(string(rec)), "first", h)
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
		rec, _ = os.ReadFile(LockFile(p))
		checkHolder(t, strings.TrimSpace(string(rec)), "second", h)
		if err := r.u.Unlock(); err != nil {
			t.Fatal(err)
		}
	})
}

// lockers returns the hosts that contend for one lock in the cross tests: for each implementation a
// shared host and a private one (for SSH another connection, so that the wait happens on the
// server rather than in this process).
func lockers(t *testing.T) map[string]Host {
	t.Helper()
	m := map[string]Host{}
	for _, im := range hostImpls {
		m[im.name] = im.shared(t)
		m[im.name+"-private"], _ = im.private(t)
	}
	return m
}

// TestHostLockMutualExclusion has workers on every implementation (and several connections)
// increment a counter under the lock with a read-modify-write that would lose updates without it.
func TestHostLockMutualExclusion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "counter")
	var inside atomic.Int32
	var counter int // guarded by the host lock only
	hosts := lockers(t)
	const perHost, rounds = 2, 3
	errs := make(chan error, len(hosts)*perHost)
	for name, h := range hosts {
		for w := range perHost {
			go func() {
				for range rounds {
					u, err := h.Lock(ctx, p, fmt.Sprintf("%s worker %d", name, w), 20*time.Second)
					if err != nil {
						errs <- err
						return
					}
					if n := inside.Add(1); n != 1 {
						errs <- fmt.Errorf("%d holders at once", n)
					}
					c := counter
					time.Sleep(200 * time.Microsecond)
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
	}
	for range len(hosts) * perHost {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if want := len(hosts) * perHost * rounds; counter != want {
		t.Errorf("counter = %d, want %d", counter, want)
	}
}

// TestHostLockTimeoutNamesHolder: every implementation waiting on every other (local waits on an
// SSH holder and the other way round: the same flock on the same machine) times out after the
// timeout with the holder's record.
func TestHostLockTimeoutNamesHolder(t *testing.T) {
	t.Parallel()
	hosts := lockers(t)
	for holderName, holderHost := range hosts {
		for waiterName, waiter := range hosts {
			t.Run(holderName+" holds, "+waiterName+" waits", func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				p := filepath.Join(t.TempDir(), "neo4j.conf")
				const holder = "dbtls_channel_binding.bolt (terraform apply)"
				u, err := holderHost.Lock(ctx, p, holder, time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					if err := u.Unlock(); err != nil {
						t.Error(err)
					}
				}()
				for _, timeout := range []time.Duration{0, 150 * time.Millisecond} {
					start := time.Now()
					var blocked atomic.Pointer[time.Time]
					wctx := withLockWaitHook(ctx, func() { now := time.Now(); blocked.Store(&now) })
					_, err = waiter.Lock(wctx, p, "other", timeout)
					end := time.Now()
					var lte *LockTimeoutError
					if !errors.As(err, &lte) {
						t.Fatalf("Lock(timeout %v) = %v, want *LockTimeoutError", timeout, err)
					}
					// Never before the timeout, counted from the call; and not much after it, counted
					// from the moment the waiter was blocked (over SSH, the dial, the session and the
					// remote shell come first, and take what a loaded machine makes of them).
					if waited := end.Sub(start); waited < timeout {
						t.Errorf("timeout %v: gave up after %v", timeout, waited)
					}
					b := blocked.Load()
					if b == nil {
						t.Fatalf("timeout %v: the lock wait hook was not called", timeout)
					}
					if waited, limit := end.Sub(*b), lockWaitLimit(timeout); waited > limit {
						t.Errorf("timeout %v: waited %v after being blocked (limit %v)", timeout, waited, limit)
					}
					checkHolder(t, lte.Holder, holder, holderHost)
					if lte.Path != LockFile(p) || lte.Timeout != timeout {
						t.Errorf("LockTimeoutError = %+v", lte)
					}
					if want := "lock " + LockFile(p) + " is still held by " + holder; !strings.HasPrefix(err.Error(), want) {
						t.Errorf("message %q, want prefix %q", err, want)
					}
				}
			})
		}
	}
}

// withLockWaitHook returns ctx with f as its lock wait hook (see lockWaitStarted).
func withLockWaitHook(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, lockWaitKey{}, f)
}

// lockWaitLimit is how long a blocked waiter may take to give up after its timeout: three times the
// timeout and five seconds more, which no scheduling delay of a busy machine comes near, while a
// waiter that ignored its timeout would.
func lockWaitLimit(timeout time.Duration) time.Duration { return 3*timeout + 5*time.Second }

func TestHostLockContextCancel(t *testing.T) {
	t.Parallel()
	hosts := lockers(t)
	for _, im := range hostImpls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			holder, waiter := hosts[im.name], hosts[im.name+"-private"]
			p := filepath.Join(t.TempDir(), "neo4j.conf")
			u, err := holder.Lock(context.Background(), p, "holder", time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []Host{holder, waiter} { // the same host (a wait in this process), another
				// Cancelled once the waiter is blocked; the wait ends on the cancellation, not on
				// the minute's timeout.
				var cancelled atomic.Pointer[time.Time]
				ctx, cancel := context.WithCancel(context.Background())
				ctx = withLockWaitHook(ctx, func() {
					now := time.Now()
					cancelled.Store(&now)
					cancel()
				})
				_, err = w.Lock(ctx, p, "waiter", time.Minute)
				end := time.Now()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Lock = %v, want context.Canceled", err)
				}
				if c := cancelled.Load(); c == nil {
					t.Fatal("the lock wait hook was not called")
				} else if waited, limit := end.Sub(*c), lockWaitLimit(0); waited > limit {
					t.Errorf("cancel took %v to end the wait (limit %v)", waited, limit)
				}
				if _, err = w.Lock(ctx, p, "waiter", time.Minute); !errors.Is(err, context.Canceled) {
					t.Errorf("Lock(cancelled ctx) = %v", err)
				}
			}
			// The abandoned waits do not hold on to the lock once it is free.
			if err := u.Unlock(); err != nil {
				t.Fatal(err)
			}
			for _, w := range []Host{holder, waiter} {
				u, err := w.Lock(context.Background(), p, "after", 5*time.Second)
				if err != nil {
					t.Fatalf("Lock after the cancelled waits: %v", err)
				}
				if err := u.Unlock(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestHostLockFileLifecycle(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		if rec, err := os.ReadFile(lp); err != nil || len(rec) != 0 {
			t.Errorf("lock file after Unlock: %q, %v", rec, err)
		}
		u, err = h.Lock(ctx, p, "again", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Unlock(); err != nil {
			t.Fatal(err)
		}
		assertNoTemps(t, dir)
	})
}

func TestHostLockRefusesSymlinkAndMissingParent(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
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
		if st := sysStat(t, victim); st.Mode&0o7777 != 0o644 {
			t.Errorf("victim mode %04o", st.Mode&0o7777)
		}
		missing := filepath.Join(dir, "no", "neo4j.conf")
		_, err = h.Lock(ctx, missing, "me", time.Second)
		assertPathErr(t, err, os.ErrNotExist, "lock", LockFile(missing))
	})
}
