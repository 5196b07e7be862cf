//go:build linux

package host

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The local host changes files through descriptors: the directory of a path is opened once (with
// O_PATH), and the target is inspected, the temp file created, filled and renamed, a directory made
// or an entry removed relative to that descriptor. Nothing is looked up by path again between the
// checks and the change, so a directory swapped for a symlink meanwhile changes nothing. In a view
// from Beneath, the directory itself is reached from the root's descriptor without following any
// symlink below the root (openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the kernel has it,
// otherwise one openat(O_NOFOLLOW|O_DIRECTORY) per component).

// localBeneath is the local host with writes below root confined to real directories (see
// Beneath).
type localBeneath struct {
	*local
	root string
}

var _ Host = localBeneath{}

func (l *local) beneath(root string) Host { return localBeneath{local: l, root: root} }

func (b localBeneath) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode, owner Owner) error {
	return b.writeFile(ctx, b.root, p, data, mode, owner)
}

func (b localBeneath) Mkdir(ctx context.Context, p string, mode fs.FileMode, owner Owner) (bool, error) {
	return b.mkdir(ctx, b.root, p, mode, owner)
}

func (b localBeneath) SetAttr(ctx context.Context, p string, mode fs.FileMode, owner Owner) error {
	return b.setAttr(ctx, b.root, p, mode, owner)
}

func (b localBeneath) Remove(ctx context.Context, p string) error {
	return b.remove(ctx, b.root, p)
}

// openParent returns an O_PATH descriptor on p's directory. When root is set and the directory lies
// below it, the directory is reached from root without following a symlink; otherwise (and for
// root itself and the directories above it) the path is resolved as the kernel does.
func openParent(root, p string) (int, error) {
	dir := path.Dir(p)
	if root == "" || dir == root || !Within(root, dir) {
		fd, err := openDirPath(dir)
		if err != nil {
			return -1, parentErr(p, err)
		}
		return fd, nil
	}
	rootFD, err := openDirPath(root)
	if err != nil {
		return -1, parentErr(root+"/.", err) // "parent directory <root>: ..."
	}
	defer unix.Close(rootFD)
	return openBeneath(rootFD, root, dir[len(root)+1:])
}

func openDirPath(dir string) (int, error) {
	for {
		fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// openBeneath opens rel (clean, relative, no "..") below the directory rootFD as a directory,
// refusing a symlink or a non-directory in any component.
func openBeneath(rootFD int, root, rel string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for attempt := 0; attempt < 3; attempt++ {
		fd, err := unix.Openat2(rootFD, rel, &how)
		if err == nil {
			return fd, nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			break
		}
	}
	// No openat2 (Linux < 5.6, or a seccomp filter refusing it), or it refused the path: walk the
	// components one by one, which also names the component at fault.
	return walkBeneath(rootFD, root, rel)
}

// walkBeneath opens rel below rootFD one component at a time with O_NOFOLLOW|O_DIRECTORY.
func walkBeneath(rootFD int, root, rel string) (int, error) {
	fd, err := unix.Dup(rootFD)
	if err != nil {
		return -1, err
	}
	cur := root
	for _, el := range strings.Split(rel, "/") {
		cur = path.Join(cur, el)
		next, err := openComponent(fd, root, cur, el)
		unix.Close(fd)
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// openComponent opens the directory el in fd (cur is its path, for messages) without following
// a symlink.
func openComponent(fd int, root, cur, el string) (int, error) {
	for attempt := 0; ; attempt++ {
		next, err := unix.Openat(fd, el, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		switch {
		case err == nil:
			return next, nil
		case err == unix.EINTR:
			continue
		case err == unix.ENOENT:
			return -1, fmt.Errorf("directory %s: %w", cur, ErrNotExist)
		case err != unix.ENOTDIR && err != unix.ELOOP:
			return -1, fmt.Errorf("opening directory %s: %w", cur, err)
		}
		// A symlink or another non-directory; say which.
		var st unix.Stat_t
		if serr := unix.Fstatat(fd, el, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil {
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFLNK:
				return -1, &BeneathError{Root: root, Path: cur, Err: ErrSymlink}
			case unix.S_IFDIR:
				// A directory again by now: the entry is being swapped. Look again, then give up.
				if attempt < 3 {
					continue
				}
				return -1, &BeneathError{Root: root, Path: cur, Err: ErrPathChanged}
			}
		}
		return -1, &BeneathError{Root: root, Path: cur, Err: ErrNotDir}
	}
}

// syncDirFD flushes the entries of the directory an O_PATH descriptor refers to.
func syncDirFD(dirFD int) error {
	fd, err := unix.Openat(dirFD, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = unix.Fsync(fd)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// WriteFile replaces p atomically (see writeFile).
func (l *local) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode, owner Owner) error {
	return l.writeFile(ctx, "", p, data, mode, owner)
}

// writeFile replaces p atomically, working relative to a descriptor on p's directory throughout.
//
// The current file is inspected first: it must be missing or a regular file with a single link
// (replacing one name of a hard-linked file would split it: the other names would keep the old
// content), and its extended attributes are read: POSIX ACLs (system.posix_acl_access),
// security.selinux, user.* and, for root, trusted.*.
//
// The new content goes into an unnamed O_TMPFILE in the same directory where the filesystem
// offers one (a process killed while writing then leaves nothing behind), otherwise into
// ".<base>.dbtls-tmp-<random>" created with O_EXCL|O_NOFOLLOW. Either is created with at most mode
// (the umask can only narrow it), then chowned, chmodded to exactly mode, given the old file's
// extended attributes, chmodded to mode again (an ACL brings its own mask; the mode given wins, so
// named ACL entries are kept but never grant more than the group bits), then written and fsynced:
// no byte of content is ever readable by anyone the final file would not let read it. The unnamed
// file is then linked under a temp name, p is checked again, the temp name is renamed over p and
// the directory is fsynced. On any error before the rename the temp file is removed and p is
// unchanged; if only the final directory fsync fails, the new content is in place and the error
// says so.
func (l *local) writeFile(ctx context.Context, root, p string, data []byte, mode fs.FileMode, owner Owner) error {
	const op = "write"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	base := path.Base(p)
	dirFD, err := openParent(root, p)
	if err != nil {
		return pathErr(op, p, err)
	}
	defer unix.Close(dirFD)
	attrs, err := inspectWriteTarget(dirFD, p, true)
	if err != nil {
		return pathErr(op, p, err)
	}
	uid, gid, err := l.LookupOwner(ctx, owner)
	if err != nil {
		return pathErr(op, p, err)
	}
	perm := sysMode(mode)

	t, err := newTemp(dirFD, path.Dir(p), base, perm&0o777)
	if err != nil {
		return pathErr(op, p, err)
	}
	err = fillTemp(t.fd, data, perm, uid, gid, attrs)
	if err == nil {
		err = t.link()
	}
	if cerr := t.close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", t.path(), cerr)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && l.beforeRename != nil {
		err = l.beforeRename(t.path())
	}
	if err == nil {
		_, err = inspectWriteTarget(dirFD, p, false)
	}
	if err == nil {
		if rerr := unix.Renameat(dirFD, t.name, dirFD, base); rerr != nil {
			err = fmt.Errorf("renaming %s: %w", t.path(), rerr)
		}
	}
	if err != nil {
		t.remove()
		return pathErr(op, p, err)
	}
	if err := syncDirFD(dirFD); err != nil {
		return pathErr(op, p, fmt.Errorf("new content is in place, but syncing directory %s failed: %w", path.Dir(p), err))
	}
	return nil
}

// inspectWriteTarget allows a missing entry or a regular file with one link, and refuses anything
// else. With withAttrs it returns the extended attributes of an existing file.
func inspectWriteTarget(dirFD int, p string, withAttrs bool) ([]xattr, error) {
	base := path.Base(p)
	fd, err := unix.Openat(dirFD, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if err := typeErr(&st); err != nil {
		return nil, err
	}
	if st.Nlink > 1 {
		return nil, &HardLinkError{Path: p, Links: uint64(st.Nlink)} //nolint:unconvert // uint32 on some architectures
	}
	if !withAttrs {
		return nil, nil
	}
	var attrs []xattr
	if haveProcFD() {
		attrs, err = readXattrs("/proc/self/fd/" + strconv.Itoa(fd))
	} else {
		attrs, err = readXattrsAt(dirFD, base, &st)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the extended attributes (ACLs, security labels) of the current file, to keep them: %w", err)
	}
	return attrs, nil
}

// temp is a temp file being written: an unnamed O_TMPFILE (name "" until link) or a named file.
type temp struct {
	dirFD int
	dir   string
	fd    int
	base  string
	name  string
	// unnamed: fd is an O_TMPFILE that link gives a name.
	unnamed bool
}

func (t *temp) path() string { return path.Join(t.dir, t.name) }

// haveProcFD reports whether /proc/self/fd is there, through which an unnamed temp file is given
// its name and the extended attributes of a file open with O_PATH are read.
var haveProcFD = sync.OnceValue(func() bool {
	return unix.Access("/proc/self/fd", unix.F_OK) == nil
})

// newTemp creates the temp file for base in the directory dirFD (dir is its path, for messages).
func newTemp(dirFD int, dir, base string, perm uint32) (*temp, error) {
	if haveProcFD() {
		fd, err := unix.Openat(dirFD, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, perm)
		if err == nil {
			return &temp{dirFD: dirFD, dir: dir, fd: fd, base: base, name: tempName(base), unnamed: true}, nil
		}
	}
	// No O_TMPFILE on this filesystem (EOPNOTSUPP, or EISDIR/EINVAL from older kernels): a named one.
	for attempt := 0; ; attempt++ {
		name := tempName(base)
		fd, err := unix.Openat(dirFD, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
		switch {
		case err == nil:
			return &temp{dirFD: dirFD, dir: dir, fd: fd, base: base, name: name}, nil
		case (err == unix.EEXIST && attempt < 5) || err == unix.EINTR:
			continue
		}
		return nil, fmt.Errorf("creating temp file %s: %w", path.Join(dir, name), err)
	}
}

func tempName(base string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "." + base + tempInfix + hex.EncodeToString(b[:])
}

// link gives an unnamed temp file its name (a named one has it already).
func (t *temp) link() error {
	if !t.unnamed {
		return nil
	}
	for attempt := 0; ; attempt++ {
		err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(t.fd), t.dirFD, t.name, unix.AT_SYMLINK_FOLLOW)
		switch {
		case err == nil:
			t.unnamed = false
			return nil
		case (err == unix.EEXIST && attempt < 5) || err == unix.EINTR:
			t.name = tempName(t.base)
			continue
		}
		return fmt.Errorf("linking the temp file as %s: %w", t.path(), err)
	}
}

func (t *temp) close() error {
	if t.fd < 0 {
		return nil
	}
	err := unix.Close(t.fd)
	t.fd = -1
	return err
}

// remove discards the temp file.
func (t *temp) remove() {
	_ = t.close()
	if !t.unnamed {
		_ = unix.Unlinkat(t.dirFD, t.name, 0)
	}
}

// fillTemp gives the temp file its owner and mode, the old file's extended attributes, then its
// content, and flushes it to disk. Owner and mode come first so that no byte of data is ever
// readable by anyone the final file would not let read it; chown comes before chmod because chown
// may clear the set-id bits, and those are set last, once the content is complete.
func fillTemp(fd int, data []byte, perm uint32, uid, gid int, attrs []xattr) error {
	if uid != -1 || gid != -1 {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return fmt.Errorf("chown to %d:%d: %w", uid, gid, err)
		}
	}
	if err := unix.Fchmod(fd, perm&^(unix.S_ISUID|unix.S_ISGID)); err != nil {
		return fmt.Errorf("chmod to %04o: %w", perm, err)
	}
	if len(attrs) > 0 {
		if err := writeXattrs(fd, attrs); err != nil {
			return err
		}
		// An ACL carries its own mask (the group bits): the mode given decides.
		if err := unix.Fchmod(fd, perm&^(unix.S_ISUID|unix.S_ISGID)); err != nil {
			return fmt.Errorf("chmod to %04o: %w", perm, err)
		}
	}
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing temp file: %w", err)
		}
		data = data[n:]
	}
	// A write by a process without CAP_FSETID clears the set-id bits: set them again, and only now
	// that the content is complete.
	if perm&(unix.S_ISUID|unix.S_ISGID) != 0 {
		if err := unix.Fchmod(fd, perm); err != nil {
			return fmt.Errorf("chmod to %04o: %w", perm, err)
		}
	}
	if err := unix.Fsync(fd); err != nil {
		return fmt.Errorf("fsync of temp file: %w", err)
	}
	return nil
}

// Mkdir creates the directory p with exactly mode and owner, or brings an existing directory to
// them (created=false). If a directory it created cannot be given its mode and owner, it is removed
// again.
func (l *local) Mkdir(ctx context.Context, p string, mode fs.FileMode, owner Owner) (bool, error) {
	return l.mkdir(ctx, "", p, mode, owner)
}

func (l *local) mkdir(ctx context.Context, root, p string, mode fs.FileMode, owner Owner) (bool, error) {
	const op = "mkdir"
	if err := begin(ctx, op, p); err != nil {
		return false, err
	}
	uid, gid, err := l.LookupOwner(ctx, owner)
	if err != nil {
		return false, pathErr(op, p, err)
	}
	dirFD, err := openParent(root, p)
	if err != nil {
		return false, pathErr(op, p, err)
	}
	defer unix.Close(dirFD)
	base := path.Base(p)
	perm := sysMode(mode)
	created := true
	// Created with the permission bits only, further narrowed by the umask; the exact mode follows.
	if err := unix.Mkdirat(dirFD, base, perm&0o777); err != nil {
		if err != unix.EEXIST { // mkdir never follows a final symlink: setAttrAt sorts out what is there
			return false, pathErr(op, p, err)
		}
		created = false
	}
	if err := setAttrAt(dirFD, base, perm, uid, gid, true); err != nil {
		if created {
			_ = unix.Unlinkat(dirFD, base, unix.AT_REMOVEDIR)
		}
		return false, pathErr(op, p, err)
	}
	if created {
		if err := syncDirFD(dirFD); err != nil {
			return true, pathErr(op, p, fmt.Errorf("syncing directory %s: %w", path.Dir(p), err))
		}
	}
	return created, nil
}

// SetAttr sets mode and owner of p, which may be any kind of file but a symlink.
func (l *local) SetAttr(ctx context.Context, p string, mode fs.FileMode, owner Owner) error {
	return l.setAttr(ctx, "", p, mode, owner)
}

func (l *local) setAttr(ctx context.Context, root, p string, mode fs.FileMode, owner Owner) error {
	const op = "setattr"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	uid, gid, err := l.LookupOwner(ctx, owner)
	if err != nil {
		return pathErr(op, p, err)
	}
	dirFD, err := openParent(root, p)
	if err != nil {
		return pathErr(op, p, err)
	}
	defer unix.Close(dirFD)
	if err := setAttrAt(dirFD, path.Base(p), sysMode(mode), uid, gid, false); err != nil {
		return pathErr(op, p, err)
	}
	return nil
}

// setAttrAt changes owner and mode of name in dirFD through an O_PATH|O_NOFOLLOW descriptor, so
// nothing is followed and nothing is opened for I/O (a device or FIFO is safe too). When the owner
// changes, the mode is first narrowed to what both the old and the new mode allow, so that the new
// owner never gets more than the new mode and the old owner never keeps more than it.
func setAttrAt(dirFD int, name string, perm uint32, uid, gid int, mustBeDir bool) error {
	fd, err := unix.Openat(dirFD, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	switch typ := st.Mode & unix.S_IFMT; {
	case typ == unix.S_IFLNK:
		return ErrSymlink
	case mustBeDir && typ != unix.S_IFDIR:
		return ErrNotDir
	}
	cur := st.Mode & 0o7777
	chown := (uid != -1 && int64(uid) != int64(st.Uid)) || (gid != -1 && int64(gid) != int64(st.Gid))
	if chown {
		if both := cur & perm; both != cur {
			if err := chmodFD(fd, both); err != nil {
				return err
			}
		}
		if err := unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH); err != nil {
			return fmt.Errorf("chown to %d:%d: %w", uid, gid, err)
		}
	}
	if chown || cur != perm {
		if err := chmodFD(fd, perm); err != nil {
			return err
		}
	}
	return nil
}

// chmodFD sets the mode of the file an O_PATH descriptor refers to: with fchmodat2(AT_EMPTY_PATH)
// where the kernel has it (Linux 6.6+), otherwise through /proc/self/fd (what glibc does too).
func chmodFD(fd int, perm uint32) error {
	err := unix.Fchmodat(fd, "", perm, unix.AT_EMPTY_PATH)
	switch err {
	case nil:
		return nil
	case unix.EOPNOTSUPP, unix.ENOSYS, unix.EPERM, unix.EINVAL:
		// No fchmodat2, or a seccomp filter that refuses it (EPERM); a real EPERM recurs below.
		return chmodViaProc(fd, perm)
	}
	return fmt.Errorf("chmod to %04o: %w", perm, err)
}

func chmodViaProc(fd int, perm uint32) error {
	if err := unix.Chmod("/proc/self/fd/"+strconv.Itoa(fd), perm); err != nil {
		return fmt.Errorf("chmod to %04o via /proc/self/fd: %w", perm, err)
	}
	return nil
}

// Remove removes the file or empty directory p. A missing p is not an error; a symlink is refused
// (a link at a managed path was not made by us), and a non-empty directory is ErrNotEmpty.
func (l *local) Remove(ctx context.Context, p string) error {
	return l.remove(ctx, "", p)
}

func (l *local) remove(ctx context.Context, root, p string) error {
	const op = "remove"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	dirFD, err := openParent(root, p)
	if err != nil {
		if errors.Is(err, ErrNotExist) || errors.Is(err, unix.ENOENT) ||
			(errors.Is(err, ErrNotDir) && !errors.As(err, new(*BeneathError))) {
			return nil
		}
		return pathErr(op, p, err)
	}
	defer unix.Close(dirFD)
	base := path.Base(p)
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return nil
		}
		return pathErr(op, p, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return pathErr(op, p, ErrSymlink)
	case unix.S_IFDIR:
		err := unix.Unlinkat(dirFD, base, unix.AT_REMOVEDIR)
		switch err {
		case nil, unix.ENOENT:
		case unix.ENOTEMPTY, unix.EEXIST:
			return pathErr(op, p, ErrNotEmpty)
		default:
			return pathErr(op, p, err)
		}
	default:
		if err := unix.Unlinkat(dirFD, base, 0); err != nil && err != unix.ENOENT {
			return pathErr(op, p, err)
		}
	}
	if err := syncDirFD(dirFD); err != nil {
		return pathErr(op, p, fmt.Errorf("syncing directory %s: %w", path.Dir(p), err))
	}
	return nil
}
