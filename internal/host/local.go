//go:build linux

package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/user"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// local is the machine the provider runs on.
//
// Every operation works on the final path component without following it: files and directories
// are opened with O_NOFOLLOW (or O_PATH|O_NOFOLLOW) and changed through the descriptor, so a
// symlink swapped in between a check and a change is never followed. Changes are made relative to
// a descriptor on the parent directory (local_write.go). Symlinks in the parent directories are
// followed, as the kernel does, except below the root of a view from Beneath, which callers use to
// keep managed paths inside declared directories (see also Within and CleanAbs).
type local struct {
	// names caches id -> name lookups for Lstat (key idKey, value string). Only hits are cached, so
	// a user created later is still found.
	names    sync.Map
	hostname string

	// beforeRename, when set (tests only), runs after the temp file is complete and before the
	// target is re-checked and replaced; an error aborts the write.
	beforeRename func(tmp string) error
	// lockRecheck, when set (tests only), replaces the constant lockRecheck.
	lockRecheck time.Duration
}

var _ Host = (*local)(nil)

// NewLocal returns the local machine as a Host. Its ID is "local". It is safe for concurrent use.
func NewLocal() Host { return newLocal() }

func newLocal() *local {
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "localhost"
	}
	return &local{hostname: name}
}

func (l *local) ID() string { return "local" }

func (l *local) recheck() time.Duration {
	if l.lockRecheck > 0 {
		return l.lockRecheck
	}
	return lockRecheck
}

// parentErr describes a missing parent directory (wrapping ErrNotExist) or one that is not a
// directory (ErrNotDir).
func parentErr(p string, errno error) error {
	switch {
	case errors.Is(errno, unix.ENOENT):
		return fmt.Errorf("parent directory %s: %w", path.Dir(p), ErrNotExist)
	case errors.Is(errno, unix.ENOTDIR):
		return fmt.Errorf("parent directory %s: %w", path.Dir(p), ErrNotDir)
	}
	return errno
}

// sysMode turns mode into the kernel's permission bits. Both spellings of the special bits are
// accepted: the raw 0o7000 bits (as Info.Mode reports them) and fs.ModeSetuid, fs.ModeSetgid,
// fs.ModeSticky.
func sysMode(m fs.FileMode) uint32 {
	b := uint32(m & 0o7777)
	if m&fs.ModeSetuid != 0 {
		b |= unix.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		b |= unix.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		b |= unix.S_ISVTX
	}
	return b
}

// typeErr maps a non-regular file type to the error that refuses it, or nil for a regular file.
func typeErr(st *unix.Stat_t) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return ErrSymlink
	case unix.S_IFDIR:
		return ErrIsDir
	}
	return ErrNotRegular
}

// Lstat reports on p without following a final symlink. A missing path, or one whose parent is
// missing or not a directory, has Exists=false and no error.
func (l *local) Lstat(ctx context.Context, p string) (Info, error) {
	const op = "lstat"
	if err := begin(ctx, op, p); err != nil {
		return Info{Path: p}, err
	}
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		if err == unix.ENOENT || err == unix.ENOTDIR {
			return Info{Path: p}, nil
		}
		return Info{Path: p}, pathErr(op, p, err)
	}
	typ := st.Mode & unix.S_IFMT
	uid, gid := int(st.Uid), int(st.Gid)
	return Info{
		Path:      p,
		Exists:    true,
		IsDir:     typ == unix.S_IFDIR,
		IsSymlink: typ == unix.S_IFLNK,
		Mode:      fs.FileMode(st.Mode & 0o7777),
		UID:       uid,
		GID:       gid,
		UserName:  l.idName(false, uid),
		GroupName: l.idName(true, gid),
		Size:      st.Size,
		ModTime:   time.Unix(st.Mtim.Unix()),
		Ino:       st.Ino,
	}, nil
}

// idName returns the name of a user or group id, or the number when the host has no name for it.
func (l *local) idName(group bool, id int) string {
	k := idKey{group: group, id: id}
	if v, ok := l.names.Load(k); ok {
		return v.(string)
	}
	s := strconv.Itoa(id)
	name := ""
	if group {
		if g, err := user.LookupGroupId(s); err == nil {
			name = g.Name
		}
	} else if u, err := user.LookupId(s); err == nil {
		name = u.Username
	}
	if name == "" {
		return s
	}
	l.names.Store(k, name)
	return name
}

// LookupOwner resolves o to numeric ids. A field made of digits is an id as it is; anything else is
// a name looked up on this machine. An empty field is -1.
func (l *local) LookupOwner(ctx context.Context, o Owner) (uid, gid int, err error) {
	if err := ctx.Err(); err != nil {
		return -1, -1, err
	}
	if uid, err = l.lookupID(false, o.User); err != nil {
		return -1, -1, err
	}
	if gid, err = l.lookupID(true, o.Group); err != nil {
		return -1, -1, err
	}
	return uid, gid, nil
}

func (l *local) lookupID(group bool, s string) (int, error) {
	kind := "user"
	if group {
		kind = "group"
	}
	if s == "" {
		return -1, nil
	}
	if strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == math.MaxUint32 { // (uid_t)-1 means "unchanged" to the kernel
			return -1, fmt.Errorf("%s id %s is out of range", kind, s)
		}
		return int(n), nil
	}
	var idStr string
	var err error
	if group {
		var g *user.Group
		if g, err = user.LookupGroup(s); err == nil {
			idStr = g.Gid
		}
	} else {
		var u *user.User
		if u, err = user.Lookup(s); err == nil {
			idStr = u.Uid
		}
	}
	if err != nil {
		var unknownUser user.UnknownUserError
		var unknownGroup user.UnknownGroupError
		if errors.As(err, &unknownUser) || errors.As(err, &unknownGroup) {
			return -1, fmt.Errorf("%s %q %w on host %s", kind, s, ErrUnknownOwner, l.ID())
		}
		return -1, fmt.Errorf("looking up %s %q on host %s: %w", kind, s, l.ID(), err)
	}
	id, err := strconv.Atoi(idStr)
	if err != nil {
		return -1, fmt.Errorf("%s %q has the non-numeric id %q on host %s", kind, s, idStr, l.ID())
	}
	return id, nil
}

// ReadFile returns the content of the regular file p, refusing a symlink, a directory and any
// other kind of file.
func (l *local) ReadFile(ctx context.Context, p string) ([]byte, error) {
	const op = "read"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	// Refuse special files before opening them: opening a device can have side effects.
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return nil, pathErr(op, p, err)
	}
	if err := typeErr(&st); err != nil {
		return nil, pathErr(op, p, err)
	}
	fd, err := openNoFollow(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY)
	if err != nil {
		return nil, pathErr(op, p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	// Check again through the descriptor: p may have been swapped since the Lstat.
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, pathErr(op, p, err)
	}
	if err := typeErr(&st); err != nil {
		return nil, pathErr(op, p, err)
	}
	if st.Size > MaxReadSize {
		return nil, pathErr(op, p, ErrTooLarge)
	}
	data := make([]byte, 0, st.Size+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, pathErr(op, p, err)
		}
		if len(data) > MaxReadSize {
			return nil, pathErr(op, p, ErrTooLarge)
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// openNoFollow opens p with O_NOFOLLOW|O_CLOEXEC and flags, reporting a final symlink as
// ErrSymlink (the kernel says ELOOP).
func openNoFollow(p string, flags int) (int, error) {
	for {
		fd, err := unix.Open(p, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		switch err {
		case nil:
			return fd, nil
		case unix.EINTR:
			continue
		case unix.ELOOP, unix.ENOTDIR:
			var st unix.Stat_t
			if unix.Lstat(p, &st) == nil {
				switch st.Mode & unix.S_IFMT {
				case unix.S_IFLNK:
					return -1, ErrSymlink
				case unix.S_IFDIR:
				default:
					if flags&unix.O_DIRECTORY != 0 {
						return -1, ErrNotDir
					}
				}
			}
		}
		return -1, err
	}
}

// ReadDir lists the names in directory p, sorted. A symlink at p is refused.
func (l *local) ReadDir(ctx context.Context, p string) ([]string, error) {
	const op = "readdir"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	fd, err := openNoFollow(p, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, pathErr(op, p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, pathErr(op, p, err)
	}
	if names == nil {
		names = []string{}
	}
	sort.Strings(names)
	return names, nil
}

// Lock takes an exclusive flock(2) on LockFile(p) (".<base>.dbtls.lock" beside p, created 0600
// if missing, never through a symlink), waiting until timeout or until ctx is done: woken by
// inotify when the lock file is closed or changed, not by polling (see lockRecheck). flock locks
// belong to an open file description, so two goroutines of one process exclude each other just as
// two processes do, and the kernel releases the lock of a process that dies.
//
// The holder records holder, its pid, the host name and the time in the lock file, which a waiter
// that times out reads into a *LockTimeoutError. Unlock empties the file but leaves it in place:
// removing it would let a waiter that has it open lock a file that a newcomer no longer finds, and
// then both would hold "the" lock. Never delete lock files while the provider may run.
func (l *local) Lock(ctx context.Context, p string, holder string, timeout time.Duration) (Unlocker, error) {
	const op = "lock"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	lp := LockFile(p)
	fd, err := openLockFile(lp)
	if err != nil {
		return nil, pathErr(op, lp, err)
	}
	deadline := time.Now().Add(timeout)
	waiting := lockWaitStarted(ctx)
	var lw *lockWatch
	defer func() { lockWatches.release(lw) }()
	for watched := false; ; {
		changed := lockWatches.changed(lw)
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EWOULDBLOCK {
			unix.Close(fd)
			return nil, pathErr(op, lp, fmt.Errorf("flock: %w", err))
		}
		waiting()
		if !watched {
			// Watch from now on, then try again: a release before the watch began is seen by
			// that try, one after it by the watch.
			watched, lw = true, lockWatches.watch(fd)
			continue
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			who := readHolder(fd)
			unix.Close(fd)
			return nil, &LockTimeoutError{Path: lp, Holder: who, Timeout: timeout}
		}
		timer := time.NewTimer(min(l.recheck(), remaining))
		select {
		case <-ctx.Done():
			timer.Stop()
			unix.Close(fd)
			return nil, pathErr(op, lp, ctx.Err())
		case <-changed:
			timer.Stop()
		case <-timer.C:
		}
	}
	record := fmt.Sprintf("%s (pid %d on %s since %s)\n",
		holder, os.Getpid(), l.hostname, time.Now().UTC().Format(time.RFC3339))
	if err := writeHolder(fd, record); err != nil {
		unix.Close(fd) // releases the lock too
		return nil, pathErr(op, lp, err)
	}
	return &localLock{fd: fd, path: lp}, nil
}

func openLockFile(lp string) (int, error) {
	for {
		fd, err := unix.Open(lp, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0o600)
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.ELOOP:
			return -1, ErrSymlink
		case unix.ENOENT, unix.ENOTDIR:
			return -1, parentErr(lp, err)
		default:
			return -1, err
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return -1, err
		}
		if err := typeErr(&st); err != nil {
			unix.Close(fd)
			return -1, err
		}
		return fd, nil
	}
}

func writeHolder(fd int, record string) error {
	if err := unix.Ftruncate(fd, 0); err != nil {
		return fmt.Errorf("truncating lock file: %w", err)
	}
	if _, err := unix.Pwrite(fd, []byte(record), 0); err != nil {
		return fmt.Errorf("recording lock holder: %w", err)
	}
	return nil
}

// readHolder returns what the current holder recorded, or "" when nothing is recorded (yet).
func readHolder(fd int) string {
	buf := make([]byte, 4096)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		return ""
	}
	return strings.TrimSpace(string(buf[:n]))
}

// localLock is a held Lock. Unlock empties the lock file and releases the lock; a second Unlock
// does nothing.
type localLock struct {
	mu   sync.Mutex
	fd   int // -1 once released
	path string
}

func (k *localLock) Unlock() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fd < 0 {
		return nil
	}
	fd := k.fd
	k.fd = -1
	err := unix.Ftruncate(fd, 0)
	if uerr := unix.Flock(fd, unix.LOCK_UN); err == nil {
		err = uerr
	}
	if cerr := unix.Close(fd); err == nil { // closing releases the lock in any case
		err = cerr
	}
	if err != nil {
		return pathErr("unlock", k.path, err)
	}
	return nil
}
