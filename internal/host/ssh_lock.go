package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// lockScript runs on the host with $1 the lock file, $2 the holder record (without its time) and
// $3 the timeout in seconds. It opens the lock file (refusing a symlink, created 0600 if missing)
// and waits for flock(2) through flock(1) — the same lock the local host takes, so a provider
// writing locally on that machine and one writing over SSH exclude each other. flock runs in the
// background on the shell's descriptor (the lock belongs to the open file description, so the
// shell holds it once flock has it), while a watcher reads stdin: when stdin ends (Unlock, an
// abandoned wait, or the connection dying) the watcher stops a flock still waiting, and the shell
// empties the lock file and exits, which releases the lock. Once locked, the shell checks that the
// path still names the locked file, records the holder in it, and says "ok". Before flock starts
// it says "waiting" (the moment the wait begins, for the lock wait hook). On timeout it says
// "timeout" followed by the current holder's record and a line "#end".
//
// Once the lock is held, the watcher also answers the one query the SSH host would otherwise start a
// command session for: each line on stdin is a path, answered with the output of `ls -ldn` for it
// and a line "#<exit status>" (see checkLinksAndACL). A writer that holds a lock on the connection
// saves a session, and the login shell's start, per file it replaces.
//
// The watcher signals flock only while flock is still the shell's child ($$ is the shell's pid in
// the watcher too): once flock has ended, the shell has reaped it and its pid is free, and on a
// busy host it soon belongs to another process, which a plain kill would stop when the lock is
// released. Without /proc the watcher signals nothing, and an abandoned flock waits out its
// timeout.
const lockScript = `lp=$1 rec=$2 t=$3
command -v flock >/dev/null 2>&1 || { echo noflock; exit 0; }
umask 077
if [ -L "$lp" ]; then echo symlink; exit 0; fi
command exec 9<>"$lp" || { echo open; exit 0; }
exec 8<&0
echo waiting || exit 1
flock -x -w "$t" 9 >/dev/null 2>&1 & fl=$!
{ while IFS= read -r q <&8; do ls -ldn -- "$q" 2>&1; echo "#$?"; done; st=; { read -r st </proc/"$fl"/stat; } 2>/dev/null; set -- ${st##*") "}; if [ "${2-}" = "$$" ]; then kill "$fl" >/dev/null 2>&1; fi; } 2>/dev/null & w=$!
exec 8<&-
if ! wait "$fl"; then echo timeout; cat <&9; echo; echo "#end"; exit 0; fi
if [ -L "$lp" ] || ! [ "$lp" -ef /proc/self/fd/9 ]; then echo swapped; exit 0; fi
echo locked || exit 1
printf '%s since %s)\n' "$rec" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/proc/self/fd/9 || exit 1
echo ok || exit 1
wait "$w"
: >/proc/self/fd/9
`

// lockCommand is the lock script as the one line that runs: every line of lockScript ends a
// complete command, so "; " joins them. One line, so that a sudoers rule can name it exactly (see
// SudoCommands).
var lockCommand = strings.ReplaceAll(strings.TrimSpace(lockScript), "\n", "; ")

// SudoCommands lists every command that sudo = true runs through `sudo -n`, each as its argument
// vector, for a sudoers rule that allows exactly these and nothing else: the sftp-server binary at
// each place the provider looks for it (with no arguments); sh running the connection's lock helper
// (lockHelperCommand, fixed, no further arguments), which takes free locks and answers the ls
// queries; sh running the lock script, which waits for a busy lock, whose last arguments (the lock
// file, the holder, the timeout) vary, written "*"; and ls reading the link count and ACL mark of a
// file about to be replaced when the helper cannot run (checkLinksAndACL; its path varies, "*";
// sudo resolves `ls` through its secure_path, so both usual places are listed). A rule without the
// helper still works, one session per lock and query as before it. Lookups of owners and groups
// (getent) run as the login user.
func SudoCommands() [][]string {
	var cmds [][]string
	for _, p := range sftpServerPaths {
		cmds = append(cmds, []string{p})
	}
	cmds = append(cmds, []string{"/bin/sh", "-c", lockHelperCommand, "dbtls-lock-helper"})
	cmds = append(cmds, []string{"/bin/sh", "-c", lockCommand, "dbtls-lock", "*"})
	for _, ls := range []string{"/usr/bin/ls", "/bin/ls"} {
		cmds = append(cmds, []string{ls, "-ldn", "--", "*"})
	}
	return cmds
}

// procLock serialises the goroutines of this process that want the same lock file on one host, so
// that only one of them holds a remote session for it; the others wait here.
type procLock struct {
	ch     chan struct{} // holds a token while a goroutine of this process has or is taking the lock
	mu     sync.Mutex
	record string // the holder's record once it has the lock
}

func (h *SSHHost) procLock(lp string) *procLock {
	h.plMu.Lock()
	defer h.plMu.Unlock()
	pl := h.plocks[lp]
	if pl == nil {
		pl = &procLock{ch: make(chan struct{}, 1)}
		h.plocks[lp] = pl
	}
	return pl
}

var errWaitTimeout = errors.New("timed out")

// acquireSlot takes a slot of sem (a channel used as a semaphore) by deadline or until ctx ends;
// it calls waiting when the slot is not free at once.
func acquireSlot(ctx context.Context, sem chan struct{}, deadline time.Time, waiting func()) error {
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	waiting()
	remaining := time.Until(deadline)
	if remaining <= 0 {
		return errWaitTimeout
	}
	t := time.NewTimer(remaining)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return nil
	case <-t.C:
		return errWaitTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (pl *procLock) holder() string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.record
}

func (pl *procLock) setHolder(s string) {
	pl.mu.Lock()
	pl.record = s
	pl.mu.Unlock()
}

func (pl *procLock) release() {
	pl.setHolder("")
	<-pl.ch
}

// Lock takes the exclusive lock of LockFile(p) on the host, waiting up to timeout: flock(2) on the
// lock file, held by a remote `flock` (util-linux) for as long as the lock is held. It is the lock
// the local host takes, so local and remote writers of the same machine exclude each other. The
// holder is recorded in the lock file as holder, the pid and machine of this process, the target
// and the time; a waiter that times out names it in a *LockTimeoutError. A free lock is taken by the
// connection's lock helper (lockHelperScript: one shell for every lock and ls query of the
// connection, no session per lock); a busy one is waited for, and then held, by lockScript in an
// SSH session of its own (at most lockSessions at once; more waiters queue here), as is every lock
// when the helper cannot run there. If the connection ends, the server ends the remote commands
// and their locks are released. With sudo the commands run through sudo -n.
func (h *SSHHost) Lock(ctx context.Context, p string, holder string, timeout time.Duration) (Unlocker, error) {
	const op = "lock"
	if err := begin(ctx, op, p); err != nil {
		return nil, err
	}
	lp := LockFile(p)
	deadline := time.Now().Add(timeout)
	pl := h.procLock(lp)
	waiting := lockWaitStarted(ctx)
	switch err := acquireSlot(ctx, pl.ch, deadline, waiting); {
	case errors.Is(err, errWaitTimeout):
		return nil, &LockTimeoutError{Path: lp, Holder: pl.holder(), Timeout: timeout}
	case err != nil:
		return nil, pathErr(op, lp, err)
	}
	var u Unlocker
	err := h.with(ctx, func(c *sshConn) error {
		var err error
		u, err = h.lockRemote(ctx, c, pl, lp, holder, deadline, timeout, waiting)
		return err
	})
	if err != nil {
		pl.release()
		var lte *LockTimeoutError
		if errors.As(err, &lte) {
			return nil, lte
		}
		return nil, opErr(op, lp, err)
	}
	return u, nil
}

func (h *SSHHost) lockRemote(ctx context.Context, c *sshConn, pl *procLock, lp, holder string, deadline time.Time, timeout time.Duration, waiting func()) (Unlocker, error) {
	const op = "lock"
	// The checks the script cannot make as precisely: the parent, and a lock file of another kind.
	st, err := c.lstat(lp)
	switch {
	case err != nil:
		return nil, pathErr(op, lp, err)
	case st == nil:
		if perr := c.parentErr(lp); perr != nil {
			return nil, pathErr(op, lp, perr)
		}
		done := c.s.writer.createMode('o', lp, 0o600)
		if f, err := c.sftp().OpenFile(lp, os.O_WRONLY|os.O_CREATE|os.O_EXCL); err == nil {
			f.Close()
		}
		done()
	default:
		if err := typeErrMode(st.Mode); err != nil {
			return nil, pathErr(op, lp, err)
		}
	}

	record := fmt.Sprintf("%s (pid %d on %s over %s", holder, os.Getpid(), h.hostname, h.id)
	// The connection's lock helper takes a free lock without a session of its own; a lock found
	// busy is waited for in a session that runs lockScript (so is every lock when the helper
	// cannot run, e.g. when a sudoers rule allows only lockScript).
	if !strings.ContainsAny(lp, "\n\r") {
		if lh := h.lockHelper(ctx, c); lh != nil {
			rec := strings.NewReplacer("\n", " ", "\r", " ").Replace(record) + " since " + time.Now().UTC().Format(time.RFC3339) + ")"
			u, busy, refused, err := lh.tryLock(lp, rec)
			switch {
			case u != nil:
				pl.setHolder(rec)
				u.release = pl.release
				return u, nil
			case refused != "":
				return nil, pathErr(op, lp, lockStatusErr(h.id, refused))
			case busy:
				waiting()
				if time.Until(deadline) <= 0 {
					return nil, &LockTimeoutError{Path: lp, Holder: c.lockFileHolder(lp), Timeout: timeout}
				}
			case err != nil && c.lost(err):
				return nil, pathErr(op, lp, err)
			}
		}
	}

	switch err := acquireSlot(ctx, c.lockSem, deadline, waiting); {
	case errors.Is(err, errWaitTimeout):
		// Every lock session of this connection is busy with other locks until the deadline: this
		// one was never asked for. Who holds it, if anyone does, is what its lock file says.
		return nil, &LockTimeoutError{Path: lp, Holder: c.lockFileHolder(lp), Timeout: timeout}
	case err != nil:
		return nil, pathErr(op, lp, err)
	}
	releaseSlot := func() { <-c.lockSem }

	sess, err := c.lc.client.NewSession()
	if err != nil {
		releaseSlot()
		return nil, pathErr(op, lp, fmt.Errorf("opening a session: %w", err))
	}
	fail := func(err error) (Unlocker, error) {
		sess.Close()
		releaseSlot()
		return nil, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail(pathErr(op, lp, err))
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fail(pathErr(op, lp, err))
	}
	stderr := &tailBuffer{}
	sess.Stderr = stderr

	remaining := max(time.Until(deadline), 0)
	cmd := "sh -c " + shellQuote(lockCommand) + " dbtls-lock " + shellQuote(lp) + " " + shellQuote(record) +
		" " + fmt.Sprintf("%.3f", remaining.Seconds())
	if h.cfg.Sudo {
		cmd = h.sudo + " " + cmd
	}
	if err := sess.Start(cmd); err != nil {
		return fail(pathErr(op, lp, fmt.Errorf("starting flock: %w", err)))
	}

	type reply struct {
		status string
		rest   string
		err    error
	}
	r := bufio.NewReader(stdout)
	replies := make(chan reply, 1)
	go func() {
		line, err := r.ReadString('\n')
		status := strings.TrimSpace(line)
		if err == nil && status == "waiting" {
			waiting()
			line, err = r.ReadString('\n')
			status = strings.TrimSpace(line)
		}
		switch {
		case err != nil:
			replies <- reply{err: err}
		case status == "locked":
			line, err = r.ReadString('\n')
			replies <- reply{status: strings.TrimSpace(line), err: err}
		case status == "timeout":
			// The holder's record, up to the line "#end" (not to the end of the output: the
			// watcher, which answers queries, keeps it open until the session ends).
			var rest strings.Builder
			for {
				line, err := r.ReadString('\n')
				if err != nil || strings.TrimSpace(line) == "#end" {
					break
				}
				rest.WriteString(line)
			}
			replies <- reply{status: status, rest: strings.TrimSpace(rest.String())}
		default:
			replies <- reply{status: status}
		}
	}()
	// The remote flock gives up at the deadline; this bound only catches a host that stopped
	// answering altogether.
	guard := time.NewTimer(remaining + h.cfg.timeout())
	defer guard.Stop()
	var rep reply
	select {
	case rep = <-replies:
	case <-ctx.Done():
		return fail(pathErr(op, lp, ctx.Err()))
	case <-guard.C:
		return fail(pathErr(op, lp, fmt.Errorf("no answer from flock on %s", h.id)))
	}
	switch {
	case rep.status == "ok":
		pl.setHolder(record + " since " + time.Now().UTC().Format(time.RFC3339) + ")")
		l := &sshLock{sess: sess, stdin: stdin, out: r, path: lp, c: c,
			release: func() { releaseSlot(); pl.release() },
			exited:  make(chan error, 1), grace: h.cfg.timeout()}
		go func() { l.exited <- sess.Wait() }()
		c.helpers.Store(l, struct{}{})
		return l, nil
	case rep.status == "timeout":
		sess.Close()
		releaseSlot()
		return nil, &LockTimeoutError{Path: lp, Holder: rep.rest, Timeout: timeout}
	case rep.status == "open":
		return fail(pathErr(op, lp, lockStatusErr(h.id, "open "+stderr.String())))
	case rep.status == "symlink" || rep.status == "noflock" || rep.status == "swapped":
		return fail(pathErr(op, lp, lockStatusErr(h.id, rep.status)))
	}
	waitForStderr(sess, h.cfg.timeout())
	detail := stderr.String()
	if detail == "" && rep.err != nil {
		detail = rep.err.Error()
	}
	if h.cfg.Sudo && strings.Contains(detail, "sudo") {
		return fail(pathErr(op, lp, &SudoError{Target: h.id, Detail: detail}))
	}
	return fail(pathErr(op, lp, fmt.Errorf("taking the lock with flock on %s failed: %s", h.id, detail)))
}

// lockStatusErr is the error for a refusal of the lock script or the lock helper: status is their
// answer ("open" followed by the error of the shell).
func lockStatusErr(id, status string) error {
	switch {
	case status == "symlink":
		return ErrSymlink
	case status == "noflock":
		return fmt.Errorf("flock is not installed on %s (it is part of util-linux); locking shared files there needs it", id)
	case strings.HasPrefix(status, "open"):
		return fmt.Errorf("cannot open the lock file on %s: %s", id, strings.TrimSpace(strings.TrimPrefix(status, "open")))
	case status == "swapped":
		return errors.New("the lock file was replaced while it was being locked")
	case status == "record":
		return errors.New("cannot record the holder in the lock file")
	}
	return fmt.Errorf("unexpected answer %q from the lock helper on %s", status, id)
}

// lockFileHolder reads the holder record in the lock file lp over SFTP ("" when it is empty, which
// is when nobody holds the lock, or when it cannot be read).
func (c *sshConn) lockFileHolder(lp string) string {
	f, err := c.sftp().Open(lp)
	if err != nil {
		return ""
	}
	defer f.Close()
	rec, _ := io.ReadAll(io.LimitReader(f, 4096))
	return strings.TrimSpace(string(rec))
}

// sshLock is a held remote lock. Unlock ends the remote command's stdin, which empties the lock
// file and releases the lock, and waits for it to exit.
type sshLock struct {
	mu      sync.Mutex // held by Unlock and by a query
	sess    *ssh.Session
	stdin   io.WriteCloser
	out     *bufio.Reader // the remote shell's stdout after "ok": answers to queries
	path    string
	c       *sshConn
	release func()
	exited  chan error
	grace   time.Duration
	done    bool
	broken  bool // a query went wrong: its answer may still come, so no more are asked
}

// lsQuery asks the held lock's remote shell for `ls -ldn -- p` (see lockScript), saving a command
// session. ok is false when this lock cannot answer (released, busy answering another caller past
// the bound, or a path the line protocol cannot carry); the caller then runs ls itself.
func (l *sshLock) lsQuery(p string) (out string, rc int, ok bool) {
	if strings.ContainsAny(p, "\n\r") || !l.mu.TryLock() {
		return "", 0, false
	}
	defer l.mu.Unlock()
	if l.done || l.broken {
		return "", 0, false
	}
	type answer struct {
		out string
		rc  int
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		if _, err := io.WriteString(l.stdin, p+"\n"); err != nil {
			ch <- answer{err: err}
			return
		}
		var b strings.Builder
		for {
			line, err := l.out.ReadString('\n')
			if err != nil {
				ch <- answer{err: err}
				return
			}
			if st, isStatus := strings.CutPrefix(line, "#"); isStatus {
				rc, err := strconv.Atoi(strings.TrimSpace(st))
				ch <- answer{out: b.String(), rc: rc, err: err}
				return
			}
			b.WriteString(line)
		}
	}()
	t := time.NewTimer(l.grace)
	defer t.Stop()
	select {
	case a := <-ch:
		if a.err != nil {
			l.broken = true
			return "", 0, false
		}
		return a.out, a.rc, true
	case <-t.C:
		l.broken = true // the answer may still arrive; the reader goroutine takes it
		return "", 0, false
	}
}

func (l *sshLock) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil
	}
	l.done = true
	l.c.helpers.Delete(l)
	defer l.release()
	defer l.sess.Close()
	// Closing stdin tells the remote flock to let go; whether it did is what its exit status says.
	_ = l.stdin.Close()
	var err error
	select {
	case werr := <-l.exited:
		if werr != nil {
			err = fmt.Errorf("the remote flock ended with %v; the lock is released, but it may have been lost before", werr)
		}
	case <-time.After(l.grace):
		err = fmt.Errorf("the remote flock did not end within %s after the unlock", l.grace)
	}
	if err != nil {
		return pathErr("unlock", l.path, err)
	}
	return nil
}
