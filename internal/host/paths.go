package host

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrInvalidPath is returned for a path that is not absolute and clean, or that holds a ".."
// element or a NUL byte.
var ErrInvalidPath = errors.New("invalid path")

// CleanAbs checks a path given by a user and returns it cleaned. It refuses a relative path and any
// ".." element in the raw input (so that "/etc/neo4j/../shadow" is an error, not "/etc/shadow"),
// and returns path.Clean of the rest ("/a//b/./c/" becomes "/a/b/c"). Paths are POSIX paths on the
// target host, whatever the machine running the provider.
func CleanAbs(p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("empty path: %w", ErrInvalidPath)
	case strings.IndexByte(p, 0) >= 0:
		return "", fmt.Errorf("path %q holds a NUL byte: %w", p, ErrInvalidPath)
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("path %q is not absolute: %w", p, ErrInvalidPath)
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "", fmt.Errorf("path %q holds a \"..\" element: %w", p, ErrInvalidPath)
		}
	}
	return path.Clean(p), nil
}

// Within reports whether p, once cleaned, is root itself or lies under it. It is purely lexical:
// it does not look at the filesystem, and "/a/bc" is not within "/a/b". Both paths must be
// absolute; a relative one is never within anything.
func Within(root, p string) bool {
	if !strings.HasPrefix(root, "/") || !strings.HasPrefix(p, "/") {
		return false
	}
	root, p = path.Clean(root), path.Clean(p)
	if root == "/" || p == root {
		return true
	}
	return strings.HasPrefix(p, root+"/")
}

// LockFile names the lock file that Host.Lock uses for the file at p: ".<base>.dbtls.lock" in the
// same directory. Lock files are left in place after use (see Host.Lock).
func LockFile(p string) string {
	return path.Join(path.Dir(p), "."+path.Base(p)+lockSuffix)
}

const (
	// lockSuffix ends the name of every lock file.
	lockSuffix = ".dbtls.lock"
	// tempInfix sits between ".<base>" and a random suffix in the name of a temp file.
	tempInfix = ".dbtls-tmp-"
)

// checkPath refuses a path that is not absolute and clean: the interface takes clean absolute
// paths only, so anything else is a caller's bug and must not reach the filesystem.
func checkPath(op, p string) error {
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.IndexByte(p, 0) >= 0 {
		return &PathError{Op: op, Path: p, Err: ErrInvalidPath}
	}
	return nil
}

// begin checks the path and the context before any operation touches the filesystem.
func begin(ctx context.Context, op, p string) error {
	if err := checkPath(op, p); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &PathError{Op: op, Path: p, Err: err}
	}
	return nil
}

func pathErr(op, p string, err error) error { return &PathError{Op: op, Path: p, Err: err} }

// idKey is a user (group=false) or group id, the key of the id -> name caches.
type idKey struct {
	group bool
	id    int
}
