package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// lockHelperScript is the connection's lock helper: one shell per SSH connection, started on the
// first lock or `ls -ldn` query and kept until the connection ends, which takes requests on stdin,
// one at a time, and answers each on stdout:
//
//	L<n>, the lock file, the holder record  take flock(2) on the lock file without waiting, on
//	                                          descriptor n (3 to 9): "ok", "busy" (someone holds it),
//	                                          "symlink", "open <error>", "swapped", "record" or "noflock"
//	U<n>                                      empty the lock file held on descriptor n, close it
//	                                          (which releases the lock), "unlocked"
//	Q, a path                                 the output of `ls -ldn -- path` and a line "#<exit status>"
//	                                          (see checkLinksAndACL)
//
// The lock is the one the local host and the one-lock script (lockScript) take, on the same file, so
// all of them exclude each other. It belongs to the descriptor the shell keeps open (flock -n only
// takes it for that open file description and exits), so it is held exactly as long as the shell
// keeps that descriptor: until U<n>, or until the shell ends. The shell ends when its stdin does —
// the provider closes it, or the connection dies and the server closes it — and the kernel then
// releases every lock it held, even when the shell is killed before it can empty the lock files
// (it empties them when it can). A dead provider therefore never leaves a lock held.
//
// The helper never waits for a lock and never signals a process: a lock found busy is waited for in
// a session of its own by lockScript, which the caller falls back to (as it does when the helper
// cannot start, say because a sudoers rule names only lockScript). Paths and records are single
// lines; a path with a line break is never sent here.
const lockHelperScript = `umask 077
command -v flock >/dev/null 2>&1 && fl=1 || fl=
held=
lock() { n=$1; IFS= read -r lp && IFS= read -r rec || return 1; if [ -z "$fl" ]; then echo noflock; elif [ -L "$lp" ]; then echo symlink; elif ! eval "command exec $n<>\"\$lp\"" 2>/dev/null; then printf 'open %s\n' "$( { eval ": <>\"\$lp\""; } 2>&1 | tr '\n' ' ')"; elif ! flock -x -n "$n"; then eval "exec $n<&-"; echo busy; elif [ -L "$lp" ] || ! [ "$lp" -ef "/proc/self/fd/$n" ]; then eval "exec $n<&-"; echo swapped; elif ! printf '%s\n' "$rec" >"/proc/self/fd/$n"; then eval "exec $n<&-"; echo record; else held="$held $n"; echo ok; fi; }
unlock() { n=$1; case "$held " in *" $n "*) : >"/proc/self/fd/$n"; eval "exec $n<&-"; held=${held%% $n*}${held#* $n};; esac; echo unlocked; }
query() { IFS= read -r q || return 1; ls -ldn -- "$q" 2>&1; echo "#$?"; }
echo ready || exit 1
while IFS= read -r op; do case $op in L[3-9]) lock "${op#L}" || break;; U[3-9]) unlock "${op#U}";; Q) query || break;; *) echo unknown;; esac; done
for n in $held; do : >"/proc/self/fd/$n"; done
`

// lockHelperCommand is the helper as the one line that runs (every line of lockHelperScript ends a
// complete command), with $0 "dbtls-lock-helper" and no other argument: the command line is fixed,
// so a sudoers rule names it exactly (see SudoCommands).
var lockHelperCommand = strings.ReplaceAll(strings.TrimSpace(lockHelperScript), "\n", "; ")

// lockHelperSlots are the descriptors the helper holds locks on: single digits, which every POSIX
// shell accepts in a redirection.
var lockHelperSlots = []int{3, 4, 5, 6, 7, 8, 9}

// lockHelper is the running helper of one connection.
type lockHelper struct {
	mu     sync.Mutex // one request at a time
	sess   *ssh.Session
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *tailBuffer
	grace  time.Duration
	slots  chan int      // the free descriptors
	ended  chan struct{} // closed when the remote shell has ended
	broken bool          // a request went wrong: no more are sent, the session is closed
}

// errHelperGone means the helper cannot answer (it ended, or an answer did not come in time).
var errHelperGone = errors.New("the connection's lock helper has ended")

// lockHelper returns the connection's helper, starting it on first use; nil when it cannot run
// there (the reason is kept, and it is not tried again on this connection), in which case the
// caller uses a session of its own.
func (h *SSHHost) lockHelper(ctx context.Context, c *sshConn) *lockHelper {
	c.helperMu.Lock()
	defer c.helperMu.Unlock()
	if c.helper != nil && !c.helper.gone() {
		return c.helper
	}
	c.helper = nil
	if c.helperErr != nil || ctx.Err() != nil {
		return nil
	}
	lh, err := h.startLockHelper(c)
	if err != nil {
		c.helperErr = err
		return nil
	}
	c.helper = lh
	return lh
}

func (h *SSHHost) startLockHelper(c *sshConn) (*lockHelper, error) {
	c.execs.Add(1)
	sess, err := c.lc.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("opening a session: %w", err)
	}
	lh := &lockHelper{sess: sess, stderr: &tailBuffer{}, grace: h.cfg.timeout(),
		slots: make(chan int, len(lockHelperSlots)), ended: make(chan struct{})}
	for _, n := range lockHelperSlots {
		lh.slots <- n
	}
	if lh.stdin, err = sess.StdinPipe(); err != nil {
		sess.Close()
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	sess.Stderr = lh.stderr
	lh.out = bufio.NewReader(stdout)
	script := lockHelperCommand
	if h.lockHelperScript != "" {
		script = h.lockHelperScript
	}
	cmd := "sh -c " + shellQuote(script) + " dbtls-lock-helper"
	if h.cfg.Sudo {
		cmd = h.sudo + " " + cmd
	}
	if err := sess.Start(cmd); err != nil {
		sess.Close()
		return nil, err
	}
	go func() {
		_ = sess.Wait()
		close(lh.ended)
	}()
	line, err := lh.answer(func(r *bufio.Reader) (string, error) { return r.ReadString('\n') })
	if err != nil || strings.TrimSpace(line) != "ready" {
		lh.close()
		select { // its stderr, which says why, is complete once the session has ended
		case <-lh.ended:
		case <-time.After(lh.grace):
		}
		detail := strings.TrimSpace(lh.stderr.String())
		if detail == "" && err != nil {
			detail = err.Error()
		}
		return nil, fmt.Errorf("the lock helper did not start: %s", detail)
	}
	return lh, nil
}

func (lh *lockHelper) gone() bool {
	lh.mu.Lock()
	defer lh.mu.Unlock()
	if lh.broken {
		return true
	}
	select {
	case <-lh.ended:
		return true
	default:
		return false
	}
}

// close ends the helper: closing its stdin ends the remote shell, which releases every lock it
// holds; the session goes with it.
func (lh *lockHelper) close() {
	lh.broken = true
	_ = lh.stdin.Close()
	_ = lh.sess.Close()
}

// answer reads one answer with read, bounded by the grace period; on an error or when the bound
// passes, the helper is closed (the answer may still come, and would be taken for the next one's).
// The caller holds mu, or is the only one to know lh.
func (lh *lockHelper) answer(read func(*bufio.Reader) (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := read(lh.out)
		ch <- result{s, err}
	}()
	t := time.NewTimer(lh.grace)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			lh.close()
			return "", fmt.Errorf("%w: %v", errHelperGone, r.err)
		}
		return r.s, nil
	case <-t.C:
		lh.close()
		return "", fmt.Errorf("%w: no answer within %s", errHelperGone, lh.grace)
	}
}

// request sends req (whole lines) and reads its answer with read.
func (lh *lockHelper) request(req string, read func(*bufio.Reader) (string, error)) (string, error) {
	lh.mu.Lock()
	defer lh.mu.Unlock()
	if lh.broken {
		return "", errHelperGone
	}
	if _, err := io.WriteString(lh.stdin, req); err != nil {
		lh.close()
		return "", fmt.Errorf("%w: %v", errHelperGone, err)
	}
	return lh.answer(read)
}

func readLine(r *bufio.Reader) (string, error) {
	s, err := r.ReadString('\n')
	return strings.TrimSpace(s), err
}

// ls answers `ls -ldn -- p` (see lsLong).
func (lh *lockHelper) ls(p string) (string, int, error) {
	var rc int
	out, err := lh.request("Q\n"+p+"\n", func(r *bufio.Reader) (string, error) {
		var b strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			if st, isStatus := strings.CutPrefix(line, "#"); isStatus {
				rc, err = strconv.Atoi(strings.TrimSpace(st))
				return b.String(), err
			}
			b.WriteString(line)
		}
	})
	return out, rc, err
}

// helperLock is a lock held by the connection's helper on descriptor slot.
type helperLock struct {
	lh      *lockHelper
	slot    int
	path    string
	release func()
	once    sync.Once
	err     error
}

// tryLock asks the helper for the lock of lp without waiting. It returns the held lock; or
// busy = true when another holder has it, for the caller to wait in a session of its own; or the
// helper's answer that refuses the lock file (see lockStatusErr). errHelperGone means the helper
// could not answer. When every descriptor of the helper holds a lock, it returns nothing at all:
// the caller takes this one in a session of its own.
func (lh *lockHelper) tryLock(lp, record string) (u *helperLock, busy bool, refused string, err error) {
	var slot int
	select {
	case slot = <-lh.slots:
	default:
		return nil, false, "", nil
	}
	st, err := lh.request(fmt.Sprintf("L%d\n%s\n%s\n", slot, lp, record), readLine)
	if err != nil {
		return nil, false, "", err
	}
	if st == "ok" {
		return &helperLock{lh: lh, slot: slot, path: lp}, false, "", nil
	}
	lh.slots <- slot
	if st == "busy" {
		return nil, true, "", nil
	}
	return nil, false, st, nil
}

// Unlock empties the lock file and closes the helper's descriptor on it, which releases the lock.
// When the helper has ended meanwhile (the connection died), the lock was released then: the error
// says it may have been lost before this Unlock.
func (l *helperLock) Unlock() error {
	l.once.Do(func() {
		defer l.release()
		st, err := l.lh.request(fmt.Sprintf("U%d\n", l.slot), readLine)
		switch {
		case err != nil:
			l.err = pathErr("unlock", l.path, fmt.Errorf("%v; the lock is released, but it may have been lost before", err))
		case st != "unlocked":
			l.err = pathErr("unlock", l.path, fmt.Errorf("unexpected answer %q from the lock helper", st))
		default:
			l.lh.slots <- l.slot
		}
	})
	return l.err
}
