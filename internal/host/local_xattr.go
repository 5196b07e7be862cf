//go:build linux

package host

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// xattr is one extended attribute of a file.
type xattr struct {
	name  string
	value []byte
}

// readXattrs returns the extended attributes of the file at p (followed: callers pass a
// /proc/self/fd path), in the order the filesystem lists them. Which ones are visible depends on
// the caller: every process sees user.*, security.* and the POSIX ACLs (system.posix_acl_access),
// only a process with CAP_SYS_ADMIN sees trusted.*. security.capability is left out: the kernel
// removes it from a file whenever the file is written, so it cannot survive a rewrite anyway.
func readXattrs(p string) ([]xattr, error) {
	names, err := listXattrs(p)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil // a filesystem without extended attributes has none to keep
		}
		return nil, err
	}
	var out []xattr
	for _, name := range names {
		if name == "security.capability" {
			continue
		}
		v, err := getXattr(p, name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		out = append(out, xattr{name: name, value: v})
	}
	return out, nil
}

// readXattrsAt reads the extended attributes of the regular file name in dirFD through a descriptor
// opened for reading (where /proc is missing); st is what an O_PATH descriptor on it reported, and
// the file opened must be that one.
func readXattrsAt(dirFD int, name string, st *unix.Stat_t) ([]xattr, error) {
	fd, err := unix.Openat(dirFD, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil {
		return nil, err
	}
	if now.Dev != st.Dev || now.Ino != st.Ino {
		return nil, errors.New("the file was replaced while it was inspected")
	}
	n, err := unix.Flistxattr(fd, nil)
	if err == unix.ENOTSUP || (err == nil && n == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n+256)
	if n, err = unix.Flistxattr(fd, buf); err != nil {
		return nil, err
	}
	var out []xattr
	for _, a := range strings.Split(string(buf[:n]), "\x00") {
		if a == "" || a == "security.capability" {
			continue
		}
		v, err := fgetXattr(fd, a)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", a, err)
		}
		out = append(out, xattr{name: a, value: v})
	}
	return out, nil
}

func listXattrs(p string) ([]string, error) {
	for {
		n, err := unix.Listxattr(p, nil)
		if err != nil || n == 0 {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = unix.Listxattr(p, buf)
		if err == unix.ERANGE {
			continue // grew meanwhile
		}
		if err != nil {
			return nil, err
		}
		var names []string
		for _, s := range strings.Split(string(buf[:n]), "\x00") {
			if s != "" {
				names = append(names, s)
			}
		}
		return names, nil
	}
}

func getXattr(p, name string) ([]byte, error) {
	for {
		n, err := unix.Getxattr(p, name, nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = unix.Getxattr(p, name, buf)
		if err == unix.ERANGE {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// writeXattrs sets attrs on the open file fd. One the new file already has with the same value (such
// as the SELinux label a new file in the directory gets anyway) is not set again, which would need a
// relabel permission for nothing. A failure is an error that names the attribute: a rewrite that
// cannot keep an ACL or a security label must not happen.
func writeXattrs(fd int, attrs []xattr) error {
	for _, a := range attrs {
		if has, err := fgetXattr(fd, a.name); err == nil && bytes.Equal(has, a.value) {
			continue
		}
		if err := unix.Fsetxattr(fd, a.name, a.value, 0); err != nil {
			return fmt.Errorf("the current file has the extended attribute %s (%s), which cannot be set on its replacement (%w), "+
				"so it is left unchanged rather than lose it", a.name, xattrKind(a.name), err)
		}
	}
	return nil
}

func fgetXattr(fd int, name string) ([]byte, error) {
	for {
		n, err := unix.Fgetxattr(fd, name, nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = unix.Fgetxattr(fd, name, buf)
		if err == unix.ERANGE {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// xattrKind says in words what an extended attribute is.
func xattrKind(name string) string {
	switch {
	case name == "system.posix_acl_access":
		return "its POSIX ACL"
	case name == "security.selinux":
		return "its SELinux label"
	case strings.HasPrefix(name, "security."):
		return "a security label"
	case strings.HasPrefix(name, "trusted."):
		return "a trusted attribute"
	}
	return "a user attribute"
}
