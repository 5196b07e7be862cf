//go:build linux

package host

// What a rewrite must keep or refuse (ACLs, extended attributes, hard links), and writes below a
// Beneath root that never leave it, against every implementation.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
	"golang.org/x/sys/unix"
)

// requireTool fails the test when a command the test uses as an oracle is missing.
func requireTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (Debian: apt-get install -y %s); .ci/run installs it", name, pkg)
	}
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// aclOf is getfacl's view of p (numeric ids, so that it does not depend on name lookups).
func aclOf(t *testing.T, p string) string {
	return runTool(t, "getfacl", "--absolute-names", "--numeric", p)
}

// xattrsOf is getfattr's view of every extended attribute of p, values in hex.
func xattrsOf(t *testing.T, p string) string {
	return runTool(t, "getfattr", "--absolute-names", "--dump", "--match=-", "--encoding=hex", p)
}

// exchange swaps the names a and b atomically (renameat2 RENAME_EXCHANGE).
func exchange(t testing.TB, a, b string) {
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Errorf("exchanging %s and %s: %v", a, b, err)
	}
}

func assertEmptyDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s must stay empty, but holds %s", dir, strings.Join(names, ", "))
	}
}

// A neo4j.conf whose ACL denies a group (though "other" may read) and grants a user, with user.* and
// trusted.* attributes: locally, one rewrite keeps all of it byte for byte; over SFTP, where none of
// it can be copied, the rewrite is refused and nothing is written.
func TestHostWriteFileKeepsACLAndXattrs(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	requireTool(t, "setfacl", "acl")
	requireTool(t, "getfacl", "acl")
	requireTool(t, "setfattr", "attr")
	requireTool(t, "getfattr", "attr")
	forEachHost(t, func(t *testing.T, im hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		conf := filepath.Join(dir, "neo4j.conf")
		writeRaw(t, conf, "dbms.security.ldap.authorization.system_password=secret\n", 0o644)
		runTool(t, "setfacl", "-m", "u:nobody:rw-,g:nogroup:---", conf)
		runTool(t, "setfattr", "-n", "user.dbtls.note", "-v", "keep me", conf)
		runTool(t, "setfattr", "-n", "trusted.dbtls.note", "-v", "keep me too", conf)
		aclBefore, attrsBefore := aclOf(t, conf), xattrsOf(t, conf)
		if !strings.Contains(aclBefore, "group:65534:---") || !strings.Contains(attrsBefore, "trusted.dbtls.note") {
			t.Fatalf("the fixture did not take:\n%s\n%s", aclBefore, attrsBefore)
		}
		mode := os.FileMode(sysStat(t, conf).Mode & 0o7777) // the ACL mask shows as the group bits

		err := h.WriteFile(ctx, conf, []byte("new content\n"), mode, Owner{})
		if im.name == "ssh" {
			assertPathErr(t, err, ErrACLOverSFTP, "write", conf)
			assertContent(t, conf, "dbms.security.ldap.authorization.system_password=secret\n")
		} else {
			if err != nil {
				t.Fatal(err)
			}
			assertContent(t, conf, "new content\n")
		}
		if got := aclOf(t, conf); got != aclBefore {
			t.Errorf("ACL changed:\n%s\nwant:\n%s", got, aclBefore)
		}
		if got := xattrsOf(t, conf); got != attrsBefore {
			t.Errorf("extended attributes changed:\n%s\nwant:\n%s", got, attrsBefore)
		}
		if got := os.FileMode(sysStat(t, conf).Mode & 0o7777); got != mode {
			t.Errorf("mode = %04o, want %04o", got, mode)
		}
		assertNoTemps(t, dir)
	})
}

// The mode a caller gives wins over an ACL's mask: named entries stay, but grant no more than the
// group bits.
func TestLocalWriteFileNarrowerModeThanACL(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	requireTool(t, "setfacl", "acl")
	requireTool(t, "getfacl", "acl")
	dir := t.TempDir()
	key := filepath.Join(dir, "private.key")
	writeRaw(t, key, "old key\n", 0o640)
	runTool(t, "setfacl", "-m", "u:nobody:r--", key)
	if err := NewLocal().WriteFile(context.Background(), key, []byte("new key\n"), 0o600, Owner{}); err != nil {
		t.Fatal(err)
	}
	if got := sysStat(t, key).Mode & 0o7777; got != 0o600 {
		t.Errorf("mode = %04o, want 0600", got)
	}
	acl := aclOf(t, key)
	if !strings.Contains(acl, "user:65534:r--") || !strings.Contains(acl, "mask::---") {
		t.Errorf("want the named entry kept under an empty mask, got:\n%s", acl)
	}
}

// Over SFTP, extended attributes that ls does not reveal are lost by a rewrite: the documented
// limitation, checked so that the documentation stays true.
func TestSSHWriteFileDropsUserXattrs(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	requireTool(t, "setfattr", "attr")
	requireTool(t, "getfattr", "attr")
	h := sharedSSHHost(t)
	p := filepath.Join(t.TempDir(), "public.crt")
	writeRaw(t, p, "old\n", 0o644)
	runTool(t, "setfattr", "-n", "user.dbtls.note", "-v", "x", p)
	if err := h.WriteFile(context.Background(), p, []byte("new\n"), 0o644, Owner{}); err != nil {
		t.Fatal(err)
	}
	if got := xattrsOf(t, p); strings.Contains(got, "user.dbtls.note") {
		t.Errorf("SFTP kept a user attribute, so the documented limitation is out of date:\n%s", got)
	}
}

// A file with a second name is never replaced: the names would part silently.
func TestHostWriteFileRefusesHardLink(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		conf := filepath.Join(dir, "neo4j.conf")
		writeRaw(t, conf, "old\n", 0o640)
		other := filepath.Join(dir, "neo4j.conf.backup")
		if err := os.Link(conf, other); err != nil {
			t.Fatal(err)
		}
		err := h.WriteFile(ctx, conf, []byte("new\n"), 0o640, Owner{})
		var hl *HardLinkError
		if !errors.As(err, &hl) || hl.Links != 2 {
			t.Fatalf("error = %v, want a *HardLinkError with 2 links", err)
		}
		if !strings.Contains(err.Error(), "2 hard links") || !strings.Contains(err.Error(), "left unchanged") {
			t.Errorf("error %q does not explain itself", err)
		}
		assertPathErr(t, err, err, "write", conf)
		assertContent(t, conf, "old\n")
		assertContent(t, other, "old\n")
		a, _ := os.Stat(conf)
		b, _ := os.Stat(other)
		if !os.SameFile(a, b) {
			t.Error("the two names no longer share one file")
		}
		assertNoTemps(t, dir)
	})
}

// Beneath refuses a symlink or a non-directory between the root and the path, for every change,
// and leaves paths outside the root (and the root itself) alone.
func TestHostBeneathRefusesSymlinkComponent(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		outside := filepath.Join(dir, "outside")
		for _, d := range []string{home, outside} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		certs := filepath.Join(home, "certificates")
		if err := os.Symlink(outside, certs); err != nil {
			t.Fatal(err)
		}
		b := Beneath(h, home)
		key := filepath.Join(certs, "private.key")
		err := b.WriteFile(ctx, key, []byte("secret"), 0o600, Owner{})
		var be *BeneathError
		if !errors.As(err, &be) || be.Path != certs || be.Root != home {
			t.Fatalf("WriteFile error = %v, want a *BeneathError naming %s", err, certs)
		}
		assertPathErr(t, err, ErrSymlink, "write", key)
		if _, err := b.Mkdir(ctx, filepath.Join(certs, "bolt"), 0o755, Owner{}); !errors.Is(err, ErrSymlink) {
			t.Errorf("Mkdir through the link: error = %v, want ErrSymlink", err)
		}
		assertEmptyDir(t, outside)

		victim := filepath.Join(outside, "victim")
		writeRaw(t, victim, "theirs", 0o600)
		if err := b.SetAttr(ctx, filepath.Join(certs, "victim"), 0o644, Owner{}); !errors.Is(err, ErrSymlink) {
			t.Errorf("SetAttr through the link: error = %v, want ErrSymlink", err)
		}
		if err := b.Remove(ctx, filepath.Join(certs, "victim")); !errors.Is(err, ErrSymlink) {
			t.Errorf("Remove through the link: error = %v, want ErrSymlink", err)
		}
		if st := sysStat(t, victim); st.Mode&0o7777 != 0o600 {
			t.Errorf("the file outside changed mode to %04o", st.Mode&0o7777)
		}

		// A deeper component, and a file where a directory should be.
		if err := os.Remove(certs); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(certs, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(certs, "bolt")); err != nil {
			t.Fatal(err)
		}
		if err := b.WriteFile(ctx, filepath.Join(certs, "bolt", "k"), []byte("s"), 0o600, Owner{}); !errors.Is(err, ErrSymlink) {
			t.Errorf("deeper link: error = %v, want ErrSymlink", err)
		}
		writeRaw(t, filepath.Join(certs, "https"), "", 0o644)
		if err := b.WriteFile(ctx, filepath.Join(certs, "https", "k"), []byte("s"), 0o600, Owner{}); !errors.Is(err, ErrNotDir) {
			t.Errorf("file as a directory: error = %v, want ErrNotDir", err)
		}
		if err := os.Remove(victim); err != nil {
			t.Fatal(err)
		}
		assertEmptyDir(t, outside)

		// The root itself may be reached through a symlink; paths outside the root are not confined.
		homeLink := filepath.Join(dir, "home-link")
		if err := os.Symlink(home, homeLink); err != nil {
			t.Fatal(err)
		}
		if err := Beneath(h, homeLink).WriteFile(ctx, filepath.Join(homeLink, "certificates", "ok"), []byte("ok"), 0o600, Owner{}); err != nil {
			t.Errorf("a symlink above the root must be followed: %v", err)
		}
		assertContent(t, filepath.Join(certs, "ok"), "ok")
		if err := b.WriteFile(ctx, filepath.Join(dir, "elsewhere"), []byte("x"), 0o600, Owner{}); err != nil {
			t.Errorf("a path outside the root: %v", err)
		}
		if made, err := b.Mkdir(ctx, filepath.Join(certs, "cluster"), 0o700, Owner{}); err != nil || !made {
			t.Errorf("Mkdir below the root = %v, %v", made, err)
		}
		if err := b.Remove(ctx, filepath.Join(certs, "cluster")); err != nil {
			t.Errorf("Remove below the root: %v", err)
		}
		if Beneath(h, "/") != h {
			t.Error(`Beneath(h, "/") must confine nothing`)
		}
	})
}

// A directory component swapped for a symlink after the checks and before the file is created:
// locally the write goes where the checks looked (the directory descriptor); over SFTP the check
// after the write finds the swap and removes what went outside.
func TestHostBeneathSwapDuringWrite(t *testing.T) {
	t.Parallel()
	for _, im := range hostImpls {
		t.Run(im.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			home := filepath.Join(dir, "home")
			outside := filepath.Join(dir, "outside")
			certs := filepath.Join(home, "certificates")
			for _, d := range []string{home, outside, certs} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			spare := filepath.Join(home, "spare")
			if err := os.Symlink(outside, spare); err != nil {
				t.Fatal(err)
			}
			swap := func() { exchange(t, certs, spare) } // certs becomes the link, spare the real directory
			h, setHook := im.private(t)
			if s, ok := h.(*SSHHost); ok {
				s.afterChecks = swap
			} else {
				setHook(func(string) error { swap(); return nil })
			}
			key := filepath.Join(certs, "private.key")
			err := Beneath(h, home).WriteFile(ctx, key, []byte("secret key"), 0o600, Owner{})
			assertEmptyDir(t, outside)
			if im.name == "ssh" {
				assertPathErr(t, err, ErrPathChanged, "write", key)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertContent(t, filepath.Join(spare, "private.key"), "secret key")
		})
	}
}

// The race of finding 4, locally: a goroutine swaps certificates/ and a symlink to another directory
// in a tight loop while the key is written again and again; nothing, not even a temp file, ever
// appears in the other directory.
func TestLocalBeneathRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	outside := filepath.Join(dir, "outside")
	certs := filepath.Join(home, "certificates")
	for _, d := range []string{home, outside, certs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spare := filepath.Join(home, "spare")
	if err := os.Symlink(outside, spare); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var swaps atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			exchange(t, certs, spare)
			swaps.Add(1)
		}
	}()
	halt := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer halt() // also when the test fails early
	b := Beneath(NewLocal(), home)
	var wrote, refused int
	for i := 0; i < 400; i++ {
		err := b.WriteFile(ctx, filepath.Join(certs, "private.key"), []byte("secret key"), 0o600, Owner{})
		switch {
		case err == nil:
			wrote++
		case errors.Is(err, ErrSymlink) || errors.Is(err, ErrPathChanged):
			refused++
		default:
			t.Errorf("write %d: unexpected error %v", i, err)
		}
		if entries, _ := os.ReadDir(outside); len(entries) > 0 {
			t.Fatalf("after write %d, %s holds %s", i, outside, entries[0].Name())
		}
	}
	halt()
	assertEmptyDir(t, outside)
	if wrote == 0 || swaps.Load() == 0 {
		t.Fatalf("the race did not run: %d writes, %d refused, %d swaps", wrote, refused, swaps.Load())
	}
	t.Logf("%d writes, %d refused through the link, %d swaps", wrote, refused, swaps.Load())
}

// Where /proc is missing, extended attributes are read through a descriptor opened for reading: the
// same attributes as through /proc/self/fd.
func TestLocalReadXattrsWithoutProc(t *testing.T) {
	t.Parallel()
	requireTool(t, "setfattr", "attr")
	requireTool(t, "setfacl", "acl")
	dir := t.TempDir()
	p := filepath.Join(dir, "neo4j.conf")
	writeRaw(t, p, "x\n", 0o640)
	runTool(t, "setfattr", "-n", "user.dbtls.note", "-v", "kept", p)
	runTool(t, "setfacl", "-m", "u:nobody:r--", p)
	dirFD, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dirFD)
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD, "neo4j.conf", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
	viaFD, err := readXattrsAt(dirFD, "neo4j.conf", &st)
	if err != nil {
		t.Fatal(err)
	}
	viaPath, err := readXattrs(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(viaFD) != 2 || len(viaFD) != len(viaPath) {
		t.Fatalf("read %d attributes through the descriptor, %d by path, want 2 each", len(viaFD), len(viaPath))
	}
	for i := range viaFD {
		if viaFD[i].name != viaPath[i].name || string(viaFD[i].value) != string(viaPath[i].value) {
			t.Errorf("attribute %d: %s=%x through the descriptor, %s=%x by path", i, viaFD[i].name, viaFD[i].value, viaPath[i].name, viaPath[i].value)
		}
	}
}

// With sudo = true the link count and ACL check runs through sudo too: it works in a directory only
// root can read, and still refuses a second hard link there.
func TestSSHSudoReplaceChecksLinks(t *testing.T) {
	t.Parallel()
	s := testenv.SharedSSHD(t)
	if s.SudoUser == "" {
		t.Skipf("no sudo test user: %s", s.SudoUnavailable)
	}
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := rootSSHConfig(s, s.Port())
	cfg.User, cfg.Sudo = s.SudoUser, true
	h, err := DialSSH(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p := filepath.Join(dir, "neo4j.conf")
	writeRaw(t, p, "old\n", 0o600)
	if err := h.WriteFile(ctx, p, []byte("new\n"), 0o600, Owner{}); err != nil {
		t.Fatalf("replacing a root-only file through sudo: %v", err)
	}
	assertContent(t, p, "new\n")
	if err := os.Link(p, filepath.Join(dir, "second")); err != nil {
		t.Fatal(err)
	}
	var hl *HardLinkError
	if err := h.WriteFile(ctx, p, []byte("newer\n"), 0o600, Owner{}); !errors.As(err, &hl) {
		t.Fatalf("error = %v, want a *HardLinkError", err)
	}
	assertContent(t, p, "new\n")
	assertNoTemps(t, dir)
}
