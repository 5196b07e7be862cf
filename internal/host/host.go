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
	// directory fsynced. It refuses when path is a symlink or a directory, and when it is a file with
	// more than one hard link (*HardLinkError: replacing one name would split the file). What else
	// the old file carries is kept: the local host copies its extended attributes (POSIX ACL,
	// SELinux label, user.* and trusted.*) onto the replacement; the SSH host, which cannot, refuses
	// a file with an ACL (ErrACLOverSFTP). On error no temp file is left behind and path is
	// unchanged.
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
	// ErrTooLarge is returned by ReadFile (and the batched reads) for a file larger than MaxReadSize:
	// it is refused before it is read, or as soon as it grows past the limit while being read.
	ErrTooLarge = fmt.Errorf("is larger than %d MiB, the most the provider reads of one file; "+
		"check that the path names the file meant (neo4j.conf, a certificate, a key or a CRL)", MaxReadSize>>20)
	// ErrUnknownOwner is wrapped by LookupOwner when a user or group name does not exist on the
	// host; the message reads `user "neo4j" does not exist on host local`.
	ErrUnknownOwner = errors.New("does not exist")
)

// MaxReadSize bounds what ReadFile reads of one file. The files the provider reads (neo4j.conf,
// certificates and their bundles, CRLs, /etc/passwd and /etc/group) are far smaller; the bound keeps a
// wrong or hostile path (a log, a disk image) from filling the provider's memory.
const MaxReadSize = 64 << 20

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

// Beneath returns a view of h in which WriteFile, Mkdir, SetAttr and Remove of a path below root
// never pass through a symlink, or anything but a real directory, between root and the path's last
// component; such a path is refused with a *BeneathError (which wraps ErrSymlink or ErrNotDir).
// root itself, and the directories above it, are resolved as usual. Every other operation, and
// every path not below root, behaves exactly as on h.
//
// The local host enforces this in the kernel: it reaches the directory from a descriptor on root
// (openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or openat with O_NOFOLLOW|O_DIRECTORY per
// component where openat2 is missing) and creates, renames or removes relative to that directory's
// descriptor, so a component swapped for a symlink at any moment changes nothing. SFTP has no such
// calls: the SSH host checks every component before the change and again after it, and undoes a
// change found to have gone through a swapped component (a *BeneathError wrapping ErrPathChanged).
// That is best effort: the window between the check and the change remains.
//
// A root of "/" (or one that is not a clean absolute path) confines nothing: h is returned.
func Beneath(h Host, root string) Host {
	b, ok := h.(interface{ beneath(root string) Host })
	if !ok || root == "/" || checkPath("beneath", root) != nil {
		return h
	}
	return b.beneath(root)
}

// ErrPathChanged is wrapped by a *BeneathError when a directory component below the root turned
// into a symlink (or stopped being a directory) while a change was made: over SFTP, found by the
// check after it; locally, when the component keeps changing while it is being opened.
var ErrPathChanged = errors.New("changed while the file was written (a directory was replaced by a symlink)")

// BeneathError refuses a path below a Beneath root that passes through a symlink or a
// non-directory (Err is ErrSymlink or ErrNotDir), or whose directories changed during an SFTP
// write (ErrPathChanged).
type BeneathError struct {
	Root string // the directory nothing below which is resolved through a symlink
	Path string // the component at fault
	Err  error
}

func (e *BeneathError) Error() string {
	if errors.Is(e.Err, ErrPathChanged) {
		return fmt.Sprintf("directory %s %s, so the change was not made (over SFTP, what had gone through it was removed again, as far as SFTP allows). "+
			"Another process is changing the directories below %s: find out which before applying again", e.Path, e.Err, e.Root)
	}
	return fmt.Sprintf("directory %s %s, and nothing below %s is reached through a symlink or a non-directory, "+
		"so that a file meant for it cannot be sent elsewhere; replace it with a real directory", e.Path, e.Err, e.Root)
}
func (e *BeneathError) Unwrap() error { return e.Err }

// HardLinkError refuses to replace a file that has more than one name (hard link): an atomic
// replacement gives one name a new file while the others keep the old content, which would split
// the file silently.
type HardLinkError struct {
	Path  string
	Links uint64
}

func (e *HardLinkError) Error() string {
	return fmt.Sprintf("the file has %d hard links, and replacing it would give this name a new file while the other names keep the old content, "+
		"so it is left unchanged. Make it a file of its own (copy it next to itself and move the copy over it), or point the configuration at the file the other names are meant to share", e.Links)
}

// ErrACLOverSFTP refuses to replace, over SFTP, a file that carries a POSIX ACL (or another
// extended access control or attribute shown as "+" by ls -l): SFTP can neither read nor set
// extended attributes, so the replacement would silently lose it.
var ErrACLOverSFTP = errors.New("the file carries a POSIX ACL or other extended access control (ls -l shows \"+\"), " +
	"which SFTP can neither read nor copy to a replacement, so it is left unchanged rather than lose it. " +
	"Grant access through the file's owner and group instead and remove the ACL (setfacl -b), or manage the file from the host itself (a local target)")
