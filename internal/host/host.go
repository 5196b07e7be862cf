// Package host is the machine a resource writes to: one small interface with a local implementation
// (and, later, an SSH/SFTP one). Every implementation follows the same rules: files are written
// atomically with their final mode from the first byte, managed paths are never followed through a
// symlink, and edits of a shared file are serialised with a lock that lives on the host itself.
package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// Owner names the owner and group of a path, each by name or by numeric id. An empty field means
// "leave as it is" (for a new path: whatever the writing process gets).
type Owner struct {
	User  string
	Group string
}

// IsZero reports whether neither user nor group is set.
func (o Owner) IsZero() bool { return o.User == "" && o.Group == "" }

// Info is what Lstat reports about a path. A missing path is not an error: Exists is false.
type Info struct {
	Path      string
	Exists    bool
	IsDir     bool
	IsSymlink bool
	// Mode holds the permission bits only (0o7777 mask).
	Mode fs.FileMode
	UID  int
	GID  int
	// UserName and GroupName are the names of UID and GID on the host, or the number as a
	// string when the host has no name for it.
	UserName  string
	GroupName string
	Size      int64
	ModTime   time.Time
	// Ino is the inode number where the host has one (0 otherwise); with Size and ModTime it lets a
	// caller tell whether a file changed since it was last read without reading it again.
	Ino uint64
}

// Host is one target machine. Paths are absolute and clean. Implementations must be safe for
// concurrent use by many goroutines.
type Host interface {
	// ID names the target for humans and for cache keys: "local", or "ssh://user@host:port".
	ID() string

	// Lstat reports on path without following a final symlink.
	Lstat(ctx context.Context, path string) (Info, error)

	// ReadFile returns the content of a regular file. It refuses a symlink (ErrSymlink).
	ReadFile(ctx context.Context, path string) ([]byte, error)

	// WriteFile replaces path atomically: a temp file in the same directory, created with mode
	// (never wider, not even for a moment), written, fsynced, chowned, renamed over path, then the
	// directory fsynced. It refuses when path is a symlink or a directory. On error no temp file is
	// left behind and path is unchanged.
	WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode, owner Owner) error

	// Mkdir creates one directory level with mode and owner. When path is already a directory it
	// sets mode and owner on it and reports created=false. A symlink at path is ErrSymlink; a
	// non-directory is ErrNotDir. The parent must exist.
	Mkdir(ctx context.Context, path string, mode fs.FileMode, owner Owner) (created bool, err error)

	// SetAttr sets mode and owner of an existing path (never through a symlink).
	SetAttr(ctx context.Context, path string, mode fs.FileMode, owner Owner) error

	// ReadDir lists the names in a directory (not "." or ".."), sorted.
	ReadDir(ctx context.Context, path string) ([]string, error)

	// Remove removes a file or an empty directory. A missing path is not an error. A non-empty
	// directory is ErrNotEmpty and stays.
	Remove(ctx context.Context, path string) error

	// Lock takes the host-wide exclusive lock named by path (a lock file beside the file it
	// guards), waiting up to timeout. holder describes the caller; it is recorded so that a
	// caller that times out can name who holds the lock (a *LockTimeoutError).
	Lock(ctx context.Context, path string, holder string, timeout time.Duration) (Unlocker, error)

	// LookupOwner resolves an owner given by name or number to numeric ids on the host. An empty
	// field resolves to -1 ("unchanged").
	LookupOwner(ctx context.Context, o Owner) (uid, gid int, err error)
}

// Unlocker releases a lock taken with Host.Lock.
type Unlocker interface {
	Unlock() error
}

var (
	// ErrSymlink is returned when a managed path is a symbolic link.
	ErrSymlink = errors.New("is a symbolic link")
	// ErrNotDir is returned when a path that must be a directory is something else.
	ErrNotDir = errors.New("is not a directory")
	// ErrNotEmpty is returned by Remove for a directory that still has entries.
	ErrNotEmpty = errors.New("directory is not empty")
	// ErrNotExist is returned when a path that must exist does not.
	ErrNotExist = fs.ErrNotExist
	// ErrIsDir is returned when a path that must be a regular file is a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrNotRegular is returned when a path that must be a regular file is a FIFO, socket or device.
	ErrNotRegular = errors.New("is not a regular file")
	// ErrUnknownOwner is wrapped by LookupOwner when a user or group name does not exist on the
	// host; the message reads `user "neo4j" does not exist on host local`.
	ErrUnknownOwner = errors.New("does not exist")
)

// LockTimeoutError is returned by Lock when the lock could not be taken within the timeout.
type LockTimeoutError struct {
	Path    string
	Holder  string // as recorded by the holder; empty when unknown
	Timeout time.Duration
}

func (e *LockTimeoutError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "an unknown process"
	}
	return fmt.Sprintf("lock %s is still held by %s after %s", e.Path, holder, e.Timeout)
}

// PathError wraps an error with the operation and the path it concerns.
type PathError struct {
	Op   string
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// lockWaitKey carries, in a Lock's context, a function called once when the wait for the lock
// begins: locally when the lock is found held, over SSH when a slot of this process is found taken
// or the remote flock starts. It lets tests measure a wait from the moment the waiter is blocked
// rather than from the call (which over SSH includes dialling, a session and a remote shell).
type lockWaitKey struct{}

// lockWaitStarted returns a function that calls ctx's lock wait hook the first time it is called,
// and does nothing when ctx has none.
func lockWaitStarted(ctx context.Context) func() {
	f, _ := ctx.Value(lockWaitKey{}).(func())
	if f == nil {
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(f) }
}
