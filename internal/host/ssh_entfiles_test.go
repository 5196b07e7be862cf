//go:build linux

package host

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// getentID asks this machine's getent (the oracle: the SSH host is this machine) for the id of a
// user or group name.
func getentID(t *testing.T, db, name string) int {
	t.Helper()
	out, err := exec.Command("getent", db, name).Output()
	if err != nil {
		t.Fatalf("getent %s %s: %v", db, name, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ":")
	id, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("getent %s %s: %q", db, name, out)
	}
	return id
}

func connOf(t *testing.T, h *SSHHost) *sshConn {
	t.Helper()
	c, err := h.conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSSHOwnerFromFiles: names in /etc/passwd and /etc/group resolve, both ways, without a command
// session; a name the files lack still goes to getent (one session) and is refused when unknown.
func TestSSHOwnerFromFiles(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	ctx := context.Background()
	s := testenv.SharedSSHD(t)
	names := []string{"root", "nobody"}
	if s.SudoUser != "" {
		names = append(names, s.SudoUser)
	}
	for _, n := range names {
		group := n
		if n == "nobody" {
			group = "nogroup"
		}
		uid, gid, err := h.LookupOwner(ctx, Owner{User: n, Group: group})
		if err != nil || uid != getentID(t, "passwd", n) || gid != getentID(t, "group", group) {
			t.Errorf("LookupOwner(%s:%s) = %d, %d, %v", n, group, uid, gid, err)
		}
	}
	p := filepath.Join(t.TempDir(), "f")
	writeRaw(t, p, "x", 0o600)
	if err := os.Lchown(p, getentID(t, "passwd", "nobody"), getentID(t, "group", "nogroup")); err != nil {
		t.Fatal(err)
	}
	if info, err := h.Lstat(ctx, p); err != nil || info.UserName != "nobody" || info.GroupName != "nogroup" {
		t.Errorf("Lstat = %+v, %v; want nobody:nogroup", info, err)
	}
	c := connOf(t, h)
	if n := c.execs.Load(); n != 0 {
		t.Errorf("%d command sessions for names in /etc/passwd and /etc/group, want 0", n)
	}
	_, _, err := h.LookupOwner(ctx, Owner{User: "dbtls-no-such-user"})
	if !errors.Is(err, ErrUnknownOwner) {
		t.Errorf("LookupOwner(missing) = %v, want ErrUnknownOwner", err)
	}
	if n := c.execs.Load(); n != 1 {
		t.Errorf("%d command sessions after a name missing from the files, want 1 (getent)", n)
	}
}

// entFixture writes an nsswitch.conf, passwd and group of the test's own and points h at them.
func entFixture(t *testing.T, h *SSHHost, nsswitch, passwd, group string) {
	t.Helper()
	dir := t.TempDir()
	var paths [3]string
	for i, c := range []string{nsswitch, passwd, group} {
		paths[i] = filepath.Join(dir, strconv.Itoa(i))
		if c != "-" {
			writeRaw(t, paths[i], c, 0o644)
		}
	}
	h.entFileOverride = &paths
	// A connection reads the files when it is made: the next operation makes one that reads these.
	h.mu.Lock()
	c := h.cur
	h.mu.Unlock()
	if c != nil {
		h.drop(c)
	}
}

const (
	fixturePasswd = "# comment\n+nisuser::0:0:::\ndbtlsfiles:x:4242:4243::/:/bin/false\ndbtlsfiles:x:4300:4300::/:/bin/false\nbroken:x:notanumber\n"
	fixtureGroup  = "dbtlsgrp:x:4243:\n"
)

// TestSSHOwnerFilesFallback: what the files do not have (here: root, which the test files lack)
// still resolves through getent; what only the files have resolves without it; and files that
// nsswitch.conf does not consult first, or that cannot be read, are not used at all.
func TestSSHOwnerFilesFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("files first", func(t *testing.T) {
		t.Parallel()
		h := privateSSHHost(t)
		entFixture(t, h, "passwd: files systemd\ngroup:  files [NOTFOUND=return]\n", fixturePasswd, fixtureGroup)
		uid, gid, err := h.LookupOwner(ctx, Owner{User: "dbtlsfiles", Group: "dbtlsgrp"})
		if err != nil || uid != 4242 || gid != 4243 {
			t.Errorf("LookupOwner(dbtlsfiles:dbtlsgrp) = %d, %d, %v; want 4242, 4243 from the files", uid, gid, err)
		}
		c := connOf(t, h)
		if n := c.execs.Load(); n != 0 {
			t.Errorf("%d command sessions, want 0", n)
		}
		if uid, gid, err := h.LookupOwner(ctx, Owner{User: "root", Group: "root"}); err != nil || uid != 0 || gid != 0 {
			t.Errorf("LookupOwner(root:root) = %d, %d, %v; want 0, 0 through getent", uid, gid, err)
		}
		if n := c.execs.Load(); n != 1 {
			t.Errorf("%d command sessions, want 1 (getent for root)", n)
		}
		for _, o := range []Owner{{User: "nisuser"}, {User: "broken"}, {Group: "dbtls-no-such-group"}} {
			if _, _, err := h.LookupOwner(ctx, o); !errors.Is(err, ErrUnknownOwner) {
				t.Errorf("LookupOwner(%+v) = %v, want ErrUnknownOwner", o, err)
			}
		}
		if requireRootOK() {
			p := filepath.Join(t.TempDir(), "f")
			writeRaw(t, p, "x", 0o600)
			if err := os.Lchown(p, 4242, 4243); err != nil {
				t.Fatal(err)
			}
			if info, err := h.Lstat(ctx, p); err != nil || info.UserName != "dbtlsfiles" || info.GroupName != "dbtlsgrp" {
				t.Errorf("Lstat = %+v, %v; want dbtlsfiles:dbtlsgrp (the first entry for 4242)", info, err)
			}
		}
	})
	for _, tc := range []struct{ name, nsswitch, passwd string }{
		{"another source first", "passwd: ldap files\ngroup: sss files\n", fixturePasswd},
		{"passwd missing", "passwd: files\ngroup: files\n", "-"},
		{"no sources", "passwd:\ngroup:\n", fixturePasswd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := privateSSHHost(t)
			entFixture(t, h, tc.nsswitch, tc.passwd, fixtureGroup)
			if _, _, err := h.LookupOwner(ctx, Owner{User: "dbtlsfiles"}); !errors.Is(err, ErrUnknownOwner) {
				t.Errorf("LookupOwner(dbtlsfiles) = %v; the files must not be used, so getent must refuse it", err)
			}
			if uid, gid, err := h.LookupOwner(ctx, Owner{User: "root", Group: "root"}); err != nil || uid != 0 || gid != 0 {
				t.Errorf("LookupOwner(root:root) = %d, %d, %v; want 0, 0 through getent", uid, gid, err)
			}
		})
	}
}

func requireRootOK() bool { return os.Geteuid() == 0 }

func TestFilesFirst(t *testing.T) {
	for _, tc := range []struct {
		conf, db string
		want     bool
	}{
		{"passwd: files systemd\n", "passwd", true},
		{"passwd:compat\n", "passwd", true},
		{"passwd: [NOTFOUND=continue] files\n", "passwd", true},
		{"passwd: sss files\n", "passwd", false},
		{"passwd: files\ngroup: ldap files\n", "group", false},
		{"# passwd: ldap\nhosts: dns\n", "passwd", true}, // not mentioned: the C library's default reads the files
		{"passwd:\n", "passwd", false},
		{"passwdx: ldap\n", "passwd", true},
	} {
		if got := filesFirst(tc.conf, tc.db); got != tc.want {
			t.Errorf("filesFirst(%q, %s) = %v, want %v", tc.conf, tc.db, got, tc.want)
		}
	}
}

// TestSSHReadSmallFile: a user or group file larger than the bound is not read (the names then come
// from getent, as for a file that cannot be read).
func TestSSHReadSmallFile(t *testing.T) {
	t.Parallel()
	c := connOf(t, sharedSSHHost(t))
	p := filepath.Join(t.TempDir(), "passwd")
	writeRaw(t, p, "root:x:0:0::/root:/bin/sh\n", 0o644)
	if data, err := c.readSmallFile(p, 26); err != nil || string(data) != "root:x:0:0::/root:/bin/sh\n" {
		t.Errorf("readSmallFile at the bound = %q, %v", data, err)
	}
	if data, err := c.readSmallFile(p, 25); err == nil || data != nil || !strings.Contains(err.Error(), "26 bytes") {
		t.Errorf("readSmallFile above the bound = %q, %v; want an error naming the size", data, err)
	}
}
