package host

import (
	"errors"
	"testing"
)

func TestCleanAbs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/", "/", true},
		{"/var/lib/neo4j", "/var/lib/neo4j", true},
		{"/var/lib/neo4j/", "/var/lib/neo4j", true},
		{"//var///lib/./neo4j", "/var/lib/neo4j", true},
		{"/var/lib/neo4j/.", "/var/lib/neo4j", true},
		{"/a/..b/c..", "/a/..b/c..", true}, // ".." only as a whole element is refused
		{"/a/.../b", "/a/.../b", true},
		{"", "", false},
		{"var/lib/neo4j", "", false},
		{"./neo4j", "", false},
		{"~/neo4j", "", false},
		{"/var/lib/neo4j/../../etc/shadow", "", false},
		{"/..", "", false},
		{"/a/b/..", "", false},
		{"/a/../a/b", "", false}, // refused even though it would clean to a harmless path
		{"/a\x00b", "", false},
	} {
		got, err := CleanAbs(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("CleanAbs(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("CleanAbs(%q) = %q, nil; want an error", tc.in, got)
		} else if !errors.Is(err, ErrInvalidPath) {
			t.Errorf("CleanAbs(%q) error %v does not wrap ErrInvalidPath", tc.in, err)
		}
	}
}

func TestCleanAbsErrorNamesThePath(t *testing.T) {
	t.Parallel()
	_, err := CleanAbs("conf/neo4j.conf")
	if err == nil || err.Error() != `path "conf/neo4j.conf" is not absolute: invalid path` {
		t.Errorf("error = %v", err)
	}
}

func TestWithin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		root, p string
		want    bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/b/", true},
		{"/a/b/", "/a/b", true},
		{"/a/b", "/a/b/c", true},
		{"/a/b", "/a/b/c/d.pem", true},
		{"/a/b", "/a/bc", false},
		{"/a/b", "/a/b.lock", false},
		{"/a/b", "/a", false},
		{"/a/b", "/", false},
		{"/a/b", "/a/b/../c", false},
		{"/a/b", "/a/b/c/../../b/d", true},
		{"/a/b", "/a/c/../b/d", true},
		{"/", "/anything", true},
		{"/", "/", true},
		{"/a/b", "a/b/c", false},
		{"a/b", "a/b/c", false},
		{"/a/b", "", false},
		{"", "/a", false},
	} {
		if got := Within(tc.root, tc.p); got != tc.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tc.root, tc.p, got, tc.want)
		}
	}
}

func TestLockFile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/etc/neo4j/neo4j.conf":       "/etc/neo4j/.neo4j.conf.dbtls.lock",
		"/var/lib/neo4j/certificates": "/var/lib/neo4j/.certificates.dbtls.lock",
		"/x":                          "/.x.dbtls.lock",
	} {
		if got := LockFile(in); got != want {
			t.Errorf("LockFile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/", "/a", "/a/b.c", "/a/.b"} {
		if err := checkPath("op", p); err != nil {
			t.Errorf("checkPath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "a", "./a", "/a/", "/a//b", "/a/./b", "/a/../b", "/a\x00"} {
		err := checkPath("op", p)
		var pe *PathError
		if !errors.Is(err, ErrInvalidPath) || !errors.As(err, &pe) || pe.Path != p {
			t.Errorf("checkPath(%q) = %v, want a *PathError wrapping ErrInvalidPath", p, err)
		}
	}
}
