package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/pkg/sftp"
)

// SSHHost is a machine reached over SSH, with files through SFTP. It follows the same rules as the
// local host (see Host and local.go) as closely as SFTP allows:
//
//   - WriteFile creates ".<base>.dbtls-tmp-<hex>" beside the target with O_CREAT|O_EXCL|O_WRONLY and
//     the final permission bits in the OPEN request itself (see sftpWriter), so the server creates
//     it with that mode, never wider; then, through the open handle, chown, chmod, write, the set-id
//     bits again, fsync (fsync@openssh.com), close, a last check of the target, and an atomic
//     posix-rename@openssh.com over it. Without posix-rename it refuses to write. On error the temp
//     file is removed; if the connection died and it could not be, it is removed as soon as the
//     host is reached again. The directory is fsynced through a handle on it where the server
//     allows (OpenSSH's sftp-server does): see Capabilities.
//   - Symlinks: SFTP has no O_NOFOLLOW, so every operation Lstats the final component first and
//     refuses a symlink there. Between that check and the operation, a process on the host that can
//     write to the directory could swap in a symlink, and the server would follow it for open,
//     opendir and (without lsetstat@openssh.com) setstat; the local host has no such window since
//     it works through O_NOFOLLOW/O_PATH descriptors. Writes never follow one: the temp file is
//     created with O_EXCL and the rename replaces a link rather than following it. Mode and owner
//     changes never follow one when the server offers lsetstat@openssh.com (OpenSSH 8.0+), which
//     is then used instead of setstat. Reads and directory listings are the residual risk; keep
//     managed directories writable by trusted users only, as for any root-owned configuration.
//   - Extended attributes: SFTP can neither read nor set them, so a replaced file cannot keep its
//     POSIX ACL, SELinux label or user.* attributes as it does locally. Before replacing a file,
//     WriteFile runs `ls -ldn` on the host (SFTP shows no link count either; the remote shell of a
//     lock held on the connection runs it when there is one, see lockScript) and refuses a file
//     with more than one hard link (*HardLinkError) or one that GNU ls marks with "+", an ACL
//     (ErrACLOverSFTP). What ls does not show is lost silently: user.* and trusted.* attributes, and
//     a label set by hand (the replacement gets the label the host's policy gives new files in that
//     directory). BusyBox ls shows no "+", so ACLs go unnoticed there.
//   - Beneath: SFTP cannot resolve a path relative to a directory handle, so a view from Beneath
//     checks every directory component with lstat (and the directory's realpath) before a change
//     (for WriteFile: before the temp file is created and again before the rename) and after it, and
//     undoes a change that went through a swapped component: best effort (ssh_beneath.go).
//   - Info.ModTime has whole seconds and Info.Ino is 0 (SFTP v3 carries neither more).
//   - Lock holds flock(2) on the lock file on the host, so it excludes the local implementation
//     running on that machine and any other provider process (see Lock): a free lock through the
//     connection's lock helper, one shell for the whole connection (ssh_lockhelper.go), a busy one
//     through the lock script in a session of its own for as long as it waits and holds.
//   - Names of users and groups come from the host's /etc/passwd and /etc/group, read over SFTP once
//     per connection when /etc/nsswitch.conf consults the files first; a name or id not found there
//     (a user from LDAP, say) is looked up with `getent` on the host. Both are cached per host.
//
// An SSHHost keeps one SSH connection with one SFTP session; it dials lazily (singleflight), redials
// once a connection has died, and retries an operation once when the connection was lost under
// it (every operation is idempotent). Host key, authentication, sudo and configuration errors are
// kept and returned again without dialling. It is safe for concurrent use.
type SSHHost struct {
	cfg    SSHConfig
	id     string
	jump   jumpFunc
	stats  *dialStats
	pooled bool
	own    *Pool // the private pool of a host from DialSSH (its bastions), closed with it

	mu      sync.Mutex
	cur     *sshConn
	call    *connCall
	permErr error
	closed  bool
	orphans []string // temp files a lost connection left behind

	names    sync.Map // idKey -> string; hits only, as local
	entMu    sync.Mutex
	entCalls map[string]*entCall // getent lookups in flight
	ids      sync.Map            // nameKey -> int; hits only
	hostname string              // of the machine running the provider, for lock records

	plMu   sync.Mutex
	plocks map[string]*procLock

	// sudo is the command prefix for sudo = true (sudoCommand; tests change it).
	sudo string

	// beforeRename, when set (tests only), runs after the temp file is complete and before the
	// target is re-checked and replaced; an error aborts the write.
	beforeRename func(tmp string) error
	// entFileOverride, when set (tests only), replaces entPaths.
	entFileOverride *[3]string
	// lockHelperScript, when set (tests only), is the shell script run as the lock helper instead
	// of lockHelperCommand.
	lockHelperScript string
	// afterChecks, when set (tests only), runs in WriteFile after the target and its directories
	// were checked and before the temp file is created.
	afterChecks func()
}

var _ Host = (*SSHHost)(nil)

type nameKey struct {
	group bool
	name  string
}

// errHostClosed is returned by operations on a closed host.
var errHostClosed = errors.New("the SSH host has been closed")

// sshConn is one established connection: the SSH client, its SFTP session and the budgets for
// further sessions. OpenSSH allows 10 sessions per connection (MaxSessions): the SFTP session, the
// lock helper, up to lockSessions lock scripts and up to execSessions short commands stay within it.
type sshConn struct {
	lc       *liveClient
	s        *sftpSession
	sftpDone chan struct{}
	execSem  chan struct{}
	lockSem  chan struct{}

	// execs counts the command sessions opened (tests).
	execs atomic.Int64
	// closing counts the file handles being closed without waiting (see readRegular).
	closing sync.WaitGroup
	// helpers holds the locks held on this connection (*sshLock), whose remote shells answer ls
	// queries (see checkLinksAndACL).
	helpers sync.Map
	// The connection's lock helper (ssh_lockhelper.go), started on first use; helperErr says why
	// it cannot run here, after which locks and queries use sessions of their own.
	helperMu  sync.Mutex
	helper    *lockHelper
	helperErr error
	// The host's user and group files, read once (see entFiles).
	entOnce sync.Once
	ent     *entFiles
}

const (
	lockSessions = 6
	execSessions = 2
)

func (c *sshConn) sftp() *sftp.Client { return c.s.client }

func (c *sshConn) alive() bool {
	select {
	case <-c.sftpDone:
		return false
	default:
		return c.lc.alive()
	}
}

// close ends the connection: the SSH connection first, which ends every channel (so the SFTP
// client's close cannot wait on a hung server), then the SFTP client.
func (c *sshConn) close() {
	c.lc.close()
	c.s.close()
}

// lost reports whether err means that the connection (or its SFTP server) is gone.
func (c *sshConn) lost(err error) bool {
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	return !c.alive()
}

type connCall struct {
	done chan struct{}
	c    *sshConn
	err  error
}

// DialSSH connects to cfg and returns the host with its own connection (and its own connections
// to bastions), which Close ends. Providers share connections through a Pool instead.
func DialSSH(ctx context.Context, cfg SSHConfig) (*SSHHost, error) {
	p := NewPool()
	h, err := p.get(ctx, cfg)
	if err != nil {
		p.Close()
		return nil, err
	}
	h.own = p
	return h, nil
}

func newSSHHost(cfg SSHConfig, jump jumpFunc, stats *dialStats) *SSHHost {
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "localhost"
	}
	return &SSHHost{cfg: cfg, id: cfg.ID(), jump: jump, stats: stats, hostname: name, plocks: map[string]*procLock{}, sudo: sudoCommand}
}

// ID is "ssh://user@host:port".
func (h *SSHHost) ID() string { return h.id }

// Config returns the configuration the host was made from.
func (h *SSHHost) Config() SSHConfig { return h.cfg }

// Capabilities reports what the SFTP server of the current connection offers (connecting first
// if there is no live connection).
func (h *SSHHost) Capabilities(ctx context.Context) (SSHCapabilities, error) {
	c, err := h.conn(ctx)
	if err != nil {
		return SSHCapabilities{}, err
	}
	return c.s.caps, nil
}

// Close ends the connection of a host made by DialSSH. Hosts from a Pool belong to the pool, which
// closes them; Close on them does nothing.
func (h *SSHHost) Close() error {
	if h.own == nil {
		return nil
	}
	return h.own.Close()
}

// shutdown closes the connection for good (Pool.Close).
func (h *SSHHost) shutdown() {
	h.mu.Lock()
	h.closed = true
	c := h.cur
	h.cur = nil
	h.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// conn returns the live connection, dialling (once for all concurrent callers) when there is none.
func (h *SSHHost) conn(ctx context.Context) (*sshConn, error) {
	h.mu.Lock()
	switch {
	case h.closed:
		h.mu.Unlock()
		return nil, errHostClosed
	case h.cur != nil && h.cur.alive():
		c := h.cur
		h.mu.Unlock()
		return c, nil
	case h.permErr != nil:
		err := h.permErr
		h.mu.Unlock()
		return nil, err
	}
	if old := h.cur; old != nil {
		h.cur = nil
		go old.close()
	}
	call := h.call
	if call == nil {
		call = &connCall{done: make(chan struct{})}
		h.call = call
		// The dial belongs to every caller waiting for it, so it does not end with this one's
		// context; it has its own deadlines.
		go h.dial(context.WithoutCancel(ctx), call)
	}
	h.mu.Unlock()
	select {
	case <-call.done:
		return call.c, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (h *SSHHost) dial(ctx context.Context, call *connCall) {
	c, err := h.connect(ctx)
	h.mu.Lock()
	h.call = nil
	var orphans []string
	switch {
	case err == nil && h.closed:
		go c.close()
		c, err = nil, errHostClosed
	case err == nil:
		h.cur = c
		orphans, h.orphans = h.orphans, nil
	case permanent(err):
		h.permErr = err
	}
	h.mu.Unlock()
	for _, tmp := range orphans {
		if st, lerr := c.lstat(tmp); lerr == nil && st != nil && fileType(st.Mode) == typeRegular &&
			strings.Contains(path.Base(tmp), tempInfix) {
			_ = c.sftp().Remove(tmp)
		}
	}
	call.c, call.err = c, err
	close(call.done)
}

// connect dials and starts the SFTP session.
func (h *SSHHost) connect(ctx context.Context) (*sshConn, error) {
	lc, err := dialSSH(ctx, h.cfg, h.jump, h.stats)
	if err != nil {
		return nil, err
	}
	s, err := openSFTP(ctx, h.cfg, lc.client, h.sudo)
	if err != nil {
		lc.close()
		return nil, err
	}
	c := &sshConn{lc: lc, s: s, sftpDone: make(chan struct{}),
		execSem: make(chan struct{}, execSessions), lockSem: make(chan struct{}, lockSessions)}
	go func() {
		_ = s.client.Wait()
		close(c.sftpDone)
	}()
	// Nearly every operation reports owner names, so the files that hold them are read now, while
	// the directory fsync probe and the first operation's own requests go out, rather than after
	// the first operation's first answer.
	go c.entFiles(h.entPaths())
	s.probeDirSync()
	return c, nil
}

// drop forgets a connection that was found dead, so that the next operation dials again.
func (h *SSHHost) drop(c *sshConn) {
	h.mu.Lock()
	if h.cur == c {
		h.cur = nil
	}
	h.mu.Unlock()
	c.close()
}

// with runs fn on the live connection, once more on a fresh connection if the first was lost
// under it.
func (h *SSHHost) with(ctx context.Context, fn func(c *sshConn) error) error {
	for attempt := 0; ; attempt++ {
		c, err := h.conn(ctx)
		if err != nil {
			return err
		}
		err = fn(c)
		if err == nil || attempt > 0 || !c.lost(err) || ctx.Err() != nil {
			return err
		}
		h.drop(c)
	}
}

// opErr makes err a *PathError for op and p unless it is one already.
func opErr(op, p string, err error) error {
	var pe *PathError
	if err == nil || errors.As(err, &pe) {
		return err
	}
	return pathErr(op, p, err)
}

// File types in SFTP attributes (the POSIX S_IFMT bits).
const (
	typeMask    = 0o170000
	typeRegular = 0o100000
	typeDir     = 0o040000
	typeSymlink = 0o120000
)

func fileType(mode uint32) uint32 { return mode & typeMask }

// typeErrMode maps a non-regular file type to the error that refuses it, or nil for a regular file.
func typeErrMode(mode uint32) error {
	switch fileType(mode) {
	case typeRegular:
		return nil
	case typeSymlink:
		return ErrSymlink
	case typeDir:
		return ErrIsDir
	}
	return ErrNotRegular
}

// permBits turns mode into POSIX permission bits, accepting both spellings of the special bits
// (as sysMode does for the local host).
func permBits(m fs.FileMode) uint32 {
	b := uint32(m & 0o7777)
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// lstat returns the attributes of p without following a final symlink, or nil when p does not
// exist (or its parent does not).
func (c *sshConn) lstat(p string) (*sftp.FileStat, error) {
	fi, err := c.sftp().Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st, ok := fi.Sys().(*sftp.FileStat)
	if !ok {
		return nil, fmt.Errorf("lstat: the server sent no attributes")
	}
	return st, nil
}

// parentErr explains why p's parent cannot hold p: it is missing (ErrNotExist) or it, or an
// ancestor, is not a directory (ErrNotDir). nil means the parent is a directory.
func (c *sshConn) parentErr(p string) error {
	dir := path.Dir(p)
	for d := dir; ; d = path.Dir(d) {
		fi, err := c.sftp().Stat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if d == "/" {
				return fmt.Errorf("parent directory %s: %w", dir, ErrNotExist)
			}
			continue
		case err != nil:
			return fmt.Errorf("parent directory %s: %w", dir, err)
		case !fi.IsDir():
			return fmt.Errorf("parent directory %s: %w", dir, ErrNotDir)
		case d != dir:
			return fmt.Errorf("parent directory %s: %w", dir, ErrNotExist)
		}
		return nil
	}
}

// checkWriteTarget allows a missing path or a regular file, and refuses anything else.
func (c *sshConn) checkWriteTarget(p string) error {
	st, err := c.lstat(p)
	if err != nil || st == nil {
		return err
	}
	return typeErrMode(st.Mode)
}

// syncDir flushes a directory's entries where the server can fsync a directory handle.
func (c *sshConn) syncDir(dir string) error {
	if !c.s.caps.DirSync {
		return nil
	}
	f, err := c.sftp().Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lstat reports on p without following a final symlink. A missing path, or one whose parent is
// missing or not a directory, has Exists=false and no error. ModTime has whole seconds; Ino is 0.
func (h *SSHHost) Lstat(ctx context.Context, p string) (Info, error) {
	const op = "lstat"
	if err := begin(ctx, op, p); err != nil {
		return Info{Path: p}, err
	}
	info := Info{Path: p}
	err := h.with(ctx, func(c *sshConn) error {
		st, err := c.lstat(p)
		if err != nil || st == nil {
			return err
		}
		info, err = h.info(ctx, c, p, st)
		return err
	})
	if err != nil {
		return Info{Path: p}, opErr(op, p, err)
	}
	return info, nil
}

// info makes the Info of p from its attributes st, with the names of its owner and group.
func (h *SSHHost) info(ctx context.Context, c *sshConn, p string, st *sftp.FileStat) (Info, error) {
	uid, gid := int(st.UID), int(st.GID)
	user, group, err := h.idNames(ctx, c, uid, gid)
	if err != nil {
		return Info{Path: p}, err
	}
	typ := fileType(st.Mode)
	return Info{
		Path: p, Exists: true, IsDir: typ == typeDir, IsSymlink: typ == typeSymlink,
		Mode: fs.FileMode(st.Mode & 0o7777), UID: uid, GID: gid, UserName: user, GroupName: group,
		Size: int64(st.Size), ModTime: st.ModTime(),
	}, nil
}

// ReadFile returns the content of the regular file p, refusing a symlink, a directory and any
// other kind of file (checked before opening, and again on the open handle).
//
// It costs three round trips, not one per request: an lstat (which must come before the open:
// opening a FIFO would block the SFTP server), the open, then one wave that carries the fstat of
// the handle, the reads of the size the lstat reported (split into concurrent requests for a large
// file) and a read just past it that expects end of file. The close is not waited for.
func (h *SSHHost) ReadFile(ctx context.Context, p string) ([]byte, error) {
	const op = "read"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	var data []byte
	err := h.with(ctx, func(c *sshConn) error {
		var err error
		data, err = c.readFile(p)
		return err
	})
	if err != nil {
		return nil, opErr(op, p, err)
	}
	return data, nil
}

// readFile is ReadFile on this connection: the lstat that refuses all but a regular file, then
// readRegular.
func (c *sshConn) readFile(p string) ([]byte, error) {
	st, err := c.lstatRegular(p)
	if err != nil {
		return nil, err
	}
	return c.readLstated(p, st)
}

// lstatRegular is the lstat that must come before opening p: it refuses a missing path and all but a
// regular file.
func (c *sshConn) lstatRegular(p string) (*sftp.FileStat, error) {
	st, err := c.lstat(p)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return nil, ErrNotExist
	}
	if err := typeErrMode(st.Mode); err != nil {
		return nil, err
	}
	return st, nil
}

// readLstated reads p, found a regular file with attributes st by an lstat just before.
func (c *sshConn) readLstated(p string, st *sftp.FileStat) ([]byte, error) {
	if st.Size > MaxReadSize {
		return nil, ErrTooLarge
	}
	return c.readRegular(p, int64(st.Size))
}

// readChunk is the size of the reads readRegular sends once the size it expected is exceeded.
const readChunk = 32 << 10

// readRegular opens p (found a regular file of size bytes by an lstat just before) and reads it
// whole: the fstat that makes sure the handle is a regular file, the reads of [0, size) and a read
// at size that should find end of file all go out together. A file that grew since the lstat is
// read on until end of file; one that shrank ends early, as the server reports. The handle is
// closed without waiting for the answer (nothing here depends on it).
func (c *sshConn) readRegular(p string, size int64) ([]byte, error) {
	f, err := c.sftp().Open(p)
	if err != nil {
		return nil, err
	}
	c.closing.Add(1)
	defer func() {
		go func() {
			defer c.closing.Done()
			_ = f.Close()
		}()
	}()
	var (
		wg       sync.WaitGroup
		fi       fs.FileInfo
		statErr  error
		buf      = make([]byte, size)
		n        int
		readErr  error
		probe    [1]byte
		pn       int
		probeErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		fi, statErr = f.Stat()
	}()
	go func() {
		defer wg.Done()
		pn, probeErr = f.ReadAt(probe[:], size)
	}()
	if size > 0 {
		n, readErr = f.ReadAt(buf, 0)
	}
	wg.Wait()
	switch {
	case statErr != nil:
		return nil, statErr
	case !fi.Mode().IsRegular():
		return nil, ErrNotRegular
	case readErr != nil && !errors.Is(readErr, io.EOF):
		return nil, readErr
	case n < len(buf):
		// The file shrank since the lstat: the server said where it ends.
		return buf[:n], nil
	case pn == 0 && errors.Is(probeErr, io.EOF):
		return buf, nil
	case probeErr != nil && !errors.Is(probeErr, io.EOF):
		return nil, probeErr
	}
	// The file grew: read on from size until end of file.
	out := bytes.NewBuffer(buf)
	chunk := make([]byte, readChunk)
	for off := size; ; {
		k, err := f.ReadAt(chunk, off)
		out.Write(chunk[:k])
		off += int64(k)
		if off > MaxReadSize {
			return nil, ErrTooLarge
		}
		if errors.Is(err, io.EOF) {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// WriteFile replaces p atomically: see SSHHost. On any error before the rename the temp file is
// removed and p is unchanged; if only the directory fsync fails, the new content is in place and
// the error says so.
func (h *SSHHost) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode, owner Owner) error {
	const op = "write"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	return opErr(op, p, h.with(ctx, func(c *sshConn) error {
		return h.writeFile(ctx, c, "", p, data, mode, owner)
	}))
}

// writeFile replaces p; with root set, the directories between root and p are checked before and
// after (see sshBeneath).
func (h *SSHHost) writeFile(ctx context.Context, c *sshConn, root, p string, data []byte, mode fs.FileMode, owner Owner) error {
	if !c.s.caps.PosixRename {
		return fmt.Errorf("the SFTP server of %s (%s, %s) does not offer posix-rename@openssh.com, "+
			"so files cannot be replaced atomically there; refusing to write", h.id, c.s.caps.SFTPServer, c.s.caps.ServerVersion)
	}
	dir, base := path.Dir(p), path.Base(p)
	realDir, err := c.checkBeneath(root, dir)
	if err != nil {
		return err
	}
	if err := c.parentErr(p); err != nil {
		return err
	}
	st, err := c.lstat(p)
	if err != nil {
		return err
	}
	if st != nil {
		if err := typeErrMode(st.Mode); err != nil {
			return err
		}
		// SFTP shows neither the link count nor ACLs: ask ls.
		if err := h.checkLinksAndACL(ctx, c, p); err != nil {
			return err
		}
	}
	uid, gid, err := h.lookupOwner(ctx, c, owner)
	if err != nil {
		return err
	}
	perm := permBits(mode)
	if h.afterChecks != nil {
		h.afterChecks()
	}

	tmp, f, err := c.createTemp(dir, base, perm&0o777)
	if err != nil {
		return err
	}
	err = fillRemote(f, data, perm, uid, gid, c.s.caps.Fsync)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", tmp, cerr)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && h.beforeRename != nil {
		err = h.beforeRename(tmp)
	}
	if err == nil {
		// Below a Beneath root, a directory swapped since the first check means the temp file
		// went elsewhere: it is removed below through the same path, which leads there.
		err = c.recheckBeneath(root, dir, realDir)
	}
	if err == nil {
		err = c.checkWriteTarget(p)
	}
	if err == nil {
		if rerr := c.sftp().PosixRename(tmp, p); rerr != nil {
			err = fmt.Errorf("renaming %s: %w", tmp, rerr)
		}
	}
	if err != nil {
		if rerr := c.sftp().Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			h.mu.Lock()
			h.orphans = append(h.orphans, tmp)
			h.mu.Unlock()
		}
		return err
	}
	if err := c.recheckBeneath(root, dir, realDir); err != nil {
		c.undoMisdirected(p, int64(len(data)))
		return err
	}
	if err := c.syncDir(dir); err != nil {
		return fmt.Errorf("new content is in place, but syncing directory %s failed: %w", dir, err)
	}
	return nil
}

// undoMisdirected removes what a write below a Beneath root left at p after a directory component
// was found swapped: the regular file of the size written that p now leads to (through the swapped
// component, where the write went). Best effort: SFTP cannot tell whose file it is.
func (c *sshConn) undoMisdirected(p string, size int64) {
	if fi, err := c.sftp().Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
		_ = c.sftp().Remove(p)
	}
}

// createTemp creates a new, empty temp file for base in dir, with perm from the start (further
// narrowed by the server's umask).
func (c *sshConn) createTemp(dir, base string, perm uint32) (string, *sftp.File, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	tmp := path.Join(dir, "."+base+tempInfix+hex.EncodeToString(b[:]))
	done := c.s.writer.createMode('o', tmp, perm)
	f, err := c.sftp().OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	done()
	if err != nil {
		return "", nil, fmt.Errorf("creating temp file %s: %w", tmp, err)
	}
	return tmp, f, nil
}

// fillRemote gives the temp file its owner and mode, then its content, and flushes it: the same
// order as the local host, all through the open handle.
func fillRemote(f *sftp.File, data []byte, perm uint32, uid, gid int, fsync bool) error {
	if uid != -1 || gid != -1 {
		// -1 is (uid_t)-1 on the server: "unchanged".
		if err := f.Chown(uid, gid); err != nil {
			return fmt.Errorf("chown to %d:%d: %w", uid, gid, err)
		}
	}
	if err := f.Chmod(fs.FileMode(perm &^ 0o6000)); err != nil {
		return fmt.Errorf("chmod to %04o: %w", perm, err)
	}
	if len(data) > 0 {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("writing temp file: %w", err)
		}
	}
	if perm&0o6000 != 0 {
		if err := f.Chmod(fs.FileMode(perm)); err != nil {
			return fmt.Errorf("chmod to %04o: %w", perm, err)
		}
	}
	if fsync {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("fsync of temp file: %w", err)
		}
	}
	return nil
}

// Mkdir creates the directory p with exactly mode and owner, or brings an existing directory to
// them (created=false). If a directory it created cannot be given its mode and owner, it is
// removed again.
func (h *SSHHost) Mkdir(ctx context.Context, p string, mode fs.FileMode, owner Owner) (bool, error) {
	return h.mkdir(ctx, "", p, mode, owner)
}

func (h *SSHHost) mkdir(ctx context.Context, root, p string, mode fs.FileMode, owner Owner) (bool, error) {
	const op = "mkdir"
	if err := begin(ctx, op, p); err != nil {
		return false, err
	}
	var created bool
	err := h.with(ctx, func(c *sshConn) error {
		created = false
		uid, gid, err := h.lookupOwner(ctx, c, owner)
		if err != nil {
			return err
		}
		perm := permBits(mode)
		realDir, err := c.checkBeneath(root, path.Dir(p))
		if err != nil {
			return err
		}
		st, err := c.lstat(p)
		if err != nil {
			return err
		}
		if st == nil {
			done := c.s.writer.createMode('d', p, perm&0o777)
			merr := c.sftp().Mkdir(p)
			done()
			if merr == nil {
				created = true
			} else {
				// Something appeared meanwhile (setAttr sorts out what), or the parent is wrong.
				if st, err = c.lstat(p); err != nil {
					return err
				}
				if st == nil {
					if perr := c.parentErr(p); perr != nil {
						return perr
					}
					return merr
				}
			}
		}
		if err := c.setAttr(p, st, perm, uid, gid, true); err != nil {
			if created {
				_ = c.sftp().RemoveDirectory(p)
				created = false
			}
			return err
		}
		if err := c.recheckBeneath(root, path.Dir(p), realDir); err != nil {
			if created {
				_ = c.sftp().RemoveDirectory(p)
				created = false
			}
			return err
		}
		if created {
			if err := c.syncDir(path.Dir(p)); err != nil {
				return fmt.Errorf("syncing directory %s: %w", path.Dir(p), err)
			}
		}
		return nil
	})
	if err != nil {
		return created, opErr(op, p, err)
	}
	return created, nil
}

// SetAttr sets mode and owner of p, which may be any kind of file but a symlink.
func (h *SSHHost) SetAttr(ctx context.Context, p string, mode fs.FileMode, owner Owner) error {
	return h.setAttrPath(ctx, "", p, mode, owner)
}

func (h *SSHHost) setAttrPath(ctx context.Context, root, p string, mode fs.FileMode, owner Owner) error {
	const op = "setattr"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	return opErr(op, p, h.with(ctx, func(c *sshConn) error {
		uid, gid, err := h.lookupOwner(ctx, c, owner)
		if err != nil {
			return err
		}
		if _, err := c.checkBeneath(root, path.Dir(p)); err != nil {
			return err
		}
		return c.setAttr(p, nil, permBits(mode), uid, gid, false)
	}))
}

// setAttr changes owner and mode of p (st: its attributes, if just read). As on the local host,
// when the owner changes, the mode is first narrowed to what both the old and the new mode allow.
func (c *sshConn) setAttr(p string, st *sftp.FileStat, perm uint32, uid, gid int, mustBeDir bool) error {
	if st == nil {
		var err error
		if st, err = c.lstat(p); err != nil {
			return err
		}
		if st == nil {
			return ErrNotExist
		}
	}
	switch typ := fileType(st.Mode); {
	case typ == typeSymlink:
		return ErrSymlink
	case mustBeDir && typ != typeDir:
		return ErrNotDir
	}
	cur := st.Mode & 0o7777
	chown := (uid != -1 && uint32(uid) != st.UID) || (gid != -1 && uint32(gid) != st.GID)
	if chown {
		if both := cur & perm; both != cur {
			if err := c.sftp().Chmod(p, fs.FileMode(both)); err != nil {
				return fmt.Errorf("chmod to %04o: %w", both, err)
			}
		}
		if err := c.sftp().Chown(p, uid, gid); err != nil {
			return fmt.Errorf("chown to %d:%d: %w", uid, gid, err)
		}
	}
	if chown || cur != perm {
		if err := c.sftp().Chmod(p, fs.FileMode(perm)); err != nil {
			return fmt.Errorf("chmod to %04o: %w", perm, err)
		}
	}
	return nil
}

// ReadDir lists the names in directory p, sorted. A symlink at p is refused.
func (h *SSHHost) ReadDir(ctx context.Context, p string) ([]string, error) {
	const op = "readdir"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	var names []string
	err := h.with(ctx, func(c *sshConn) error {
		st, err := c.lstat(p)
		switch {
		case err != nil:
			return err
		case st == nil:
			return ErrNotExist
		case fileType(st.Mode) == typeSymlink:
			return ErrSymlink
		case fileType(st.Mode) != typeDir:
			return ErrNotDir
		}
		entries, err := c.sftp().ReadDir(p)
		if err != nil {
			return err
		}
		names = make([]string, 0, len(entries))
		for _, e := range entries {
			if n := e.Name(); n != "." && n != ".." {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		return nil
	})
	if err != nil {
		return nil, opErr(op, p, err)
	}
	return names, nil
}

// Remove removes the file or empty directory p. A missing p is not an error; a symlink is refused,
// and a non-empty directory is ErrNotEmpty.
func (h *SSHHost) Remove(ctx context.Context, p string) error {
	return h.remove(ctx, "", p)
}

func (h *SSHHost) remove(ctx context.Context, root, p string) error {
	const op = "remove"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	return opErr(op, p, h.with(ctx, func(c *sshConn) error {
		if _, err := c.checkBeneath(root, path.Dir(p)); err != nil {
			return err
		}
		st, err := c.lstat(p)
		switch {
		case err != nil:
			return err
		case st == nil:
			return nil
		}
		switch fileType(st.Mode) {
		case typeSymlink:
			return ErrSymlink
		case typeDir:
			if err := c.sftp().RemoveDirectory(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				// SFTP v3 reports ENOTEMPTY as a generic failure: look.
				if entries, lerr := c.sftp().ReadDir(p); lerr == nil && len(entries) > 0 {
					return ErrNotEmpty
				}
				return err
			}
		default:
			if err := c.sftp().Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if err := c.syncDir(path.Dir(p)); err != nil {
			return fmt.Errorf("syncing directory %s: %w", path.Dir(p), err)
		}
		return nil
	}))
}
