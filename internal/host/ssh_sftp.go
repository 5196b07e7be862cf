package host

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SSHCapabilities says what the SFTP server of a connection offers, so that the provider can warn
// about what it cannot guarantee there.
type SSHCapabilities struct {
	// ServerVersion is the server's SSH banner, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3".
	ServerVersion string
	// SFTPServer is how files are reached: "sftp subsystem", or "sudo -n <sftp-server>".
	SFTPServer string
	// PosixRename: posix-rename@openssh.com, the atomic replace. Without it WriteFile refuses to
	// write (a plain SFTP rename fails when the target exists, and a remove-then-rename is not
	// atomic).
	PosixRename bool
	// Fsync: fsync@openssh.com; file content is flushed to disk before the rename. Without it the
	// write is still atomic, but not durable across a power loss.
	Fsync bool
	// DirSync: directories can be opened and fsynced, so a rename, a new directory or a removal is
	// durable when WriteFile, Mkdir or Remove returns.
	DirSync bool
	// LSetStat: lsetstat@openssh.com; SetAttr and Mkdir change modes and owners without following
	// a symlink that appears at the path after it was checked.
	LSetStat bool
}

// Warnings lists, in words for a diagnostic, what the server lacks.
func (c SSHCapabilities) Warnings() []string {
	var w []string
	if !c.PosixRename {
		w = append(w, "the SFTP server does not offer posix-rename@openssh.com: files cannot be replaced atomically, so writes are refused")
	}
	if !c.Fsync {
		w = append(w, "the SFTP server does not offer fsync@openssh.com: written files are not flushed to disk before they replace the old ones")
	} else if !c.DirSync {
		w = append(w, "the SFTP server cannot fsync directories: a replaced or removed file may not survive a power loss")
	}
	if !c.LSetStat {
		w = append(w, "the SFTP server does not offer lsetstat@openssh.com: mode and owner changes rely on a check for symlinks just before them")
	}
	return w
}

// SFTP protocol numbers used below (draft-ietf-secsh-filexfer-02 and OpenSSH's PROTOCOL).
const (
	fxpOpen      = 3
	fxpSetstat   = 9
	fxpMkdir     = 14
	fxpExtended  = 200
	fxfCreat     = 0x08
	attrPerms    = 0x04
	maxSFTPFrame = 1 << 20 // far above what pkg/sftp sends (32 KiB data packets)
)

// sftpWriter carries pkg/sftp's requests to the server and completes two of them, because the
// library cannot express them:
//
//   - OPEN with O_CREAT and MKDIR are sent without attributes, which makes the server create the
//     file 0666 or the directory 0777 (less its umask) before the client can chmod it; a reader
//     could open the temp file in that window and read the key written later. The writer adds the
//     permissions registered for the path (or 0600/0700 when none are), so that the server's
//     open(2)/mkdir(2) creates it with the final mode (never wider) from the start.
//   - SETSTAT (chmod/chown by path) follows a symlink at the path. When the server offers
//     lsetstat@openssh.com, the writer sends that instead, which never follows one.
//
// Requests are framed (uint32 length, type, payload); every other request passes unchanged.
type sftpWriter struct {
	w        io.WriteCloser
	lsetstat atomic.Bool

	mu    sync.Mutex // serialises Write and guards buf
	buf   []byte
	modes sync.Map // "o"+path or "d"+path -> uint32 permission bits
	// sent counts the requests sent (tests).
	sent atomic.Int64
}

func newSFTPWriter(w io.WriteCloser) *sftpWriter { return &sftpWriter{w: w} }

// createMode registers the mode that the next OPEN(O_CREAT) ("o") or MKDIR ("d") of path gets;
// the returned function removes it again.
func (s *sftpWriter) createMode(kind byte, path string, perm uint32) func() {
	key := string(kind) + path
	s.modes.Store(key, perm)
	return func() { s.modes.CompareAndDelete(key, perm) }
}

func (s *sftpWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, b...)
	for len(s.buf) >= 4 {
		n := int(binary.BigEndian.Uint32(s.buf))
		if n < 1 || n > maxSFTPFrame {
			return 0, fmt.Errorf("sftp: refusing to send a request of %d bytes", n)
		}
		if len(s.buf) < 4+n {
			break
		}
		if _, err := s.w.Write(s.rewrite(s.buf[:4+n])); err != nil {
			return 0, err
		}
		s.sent.Add(1)
		rest := copy(s.buf, s.buf[4+n:])
		s.buf = s.buf[:rest]
	}
	return len(b), nil
}

func (s *sftpWriter) Close() error { return s.w.Close() }

// rewrite returns the frame to send for frame (which it may return as it is).
func (s *sftpWriter) rewrite(frame []byte) []byte {
	typ := frame[4]
	if typ != fxpOpen && typ != fxpMkdir && typ != fxpSetstat {
		return frame
	}
	body := frame[5:] // uint32 id, string path, ...
	if len(body) < 8 {
		return frame
	}
	plen := int(binary.BigEndian.Uint32(body[4:]))
	if 8+plen > len(body) {
		return frame
	}
	path := string(body[8 : 8+plen])
	rest := body[8+plen:]
	switch typ {
	case fxpSetstat:
		if !s.lsetstat.Load() {
			return frame
		}
		const name = "lsetstat@openssh.com"
		out := make([]byte, 0, len(frame)+4+len(name))
		out = binary.BigEndian.AppendUint32(out, 0)
		out = append(out, fxpExtended)
		out = append(out, body[:4]...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(name)))
		out = append(out, name...)
		out = append(out, body[4:]...)
		binary.BigEndian.PutUint32(out, uint32(len(out)-4))
		return out
	case fxpOpen:
		// uint32 pflags, then ATTRS: only an empty one (flags 0) on a creating open is completed.
		if len(rest) != 8 || binary.BigEndian.Uint32(rest)&fxfCreat == 0 || binary.BigEndian.Uint32(rest[4:]) != 0 {
			return frame
		}
		return withPerms(frame, len(frame)-4, s.perm('o', path, 0o600))
	default: // fxpMkdir: ATTRS only
		if len(rest) != 4 || binary.BigEndian.Uint32(rest) != 0 {
			return frame
		}
		return withPerms(frame, len(frame)-4, s.perm('d', path, 0o700))
	}
}

func (s *sftpWriter) perm(kind byte, path string, def uint32) uint32 {
	if v, ok := s.modes.Load(string(kind) + path); ok {
		return v.(uint32)
	}
	return def
}

// withPerms replaces the empty ATTRS at offset attrs (a zero flags word ending the frame) with
// one that carries perm.
func withPerms(frame []byte, attrs int, perm uint32) []byte {
	out := make([]byte, 0, len(frame)+4)
	out = append(out, frame[:attrs]...)
	out = binary.BigEndian.AppendUint32(out, attrPerms)
	out = binary.BigEndian.AppendUint32(out, perm)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

// sftpServerPaths are where distributions install OpenSSH's sftp-server.
var sftpServerPaths = []string{
	"/usr/lib/openssh/sftp-server",     // Debian, Ubuntu
	"/usr/libexec/openssh/sftp-server", // RHEL, Fedora, SUSE
	"/usr/lib/ssh/sftp-server",         // Arch, Alpine
	"/usr/libexec/sftp-server",         // BSDs, macOS
	"/usr/lib/sftp-server",
}

// sudoCommand prefixes the commands that run as root with sudo = true: -n, so that sudo fails
// instead of waiting for a password.
const sudoCommand = "sudo -n"

// sftpServerLine starts the line sudoSFTPCommand writes before the SFTP stream.
const sftpServerLine = "dbtls: sftp-server "

// sudoSFTPCommand runs the first sftp-server found as root through sudo (never a password
// prompt), after naming it in a line on stdout: the SFTP server speaks only once the client has,
// so the line comes first, and the client reads it before the SFTP stream (stderr would arrive in
// no particular order with stdout).
func sudoSFTPCommand(sudo string) string {
	script := "for p in " + strings.Join(sftpServerPaths, " ") + " \"$(command -v sftp-server)\"; do " +
		"if [ -n \"$p\" ] && [ -x \"$p\" ]; then echo \"" + sftpServerLine + "$p\"; exec " + sudo + " \"$p\"; fi; done; " +
		"echo \"dbtls: no sftp-server binary found (looked in " + strings.Join(sftpServerPaths, ", ") + " and PATH)\" >&2; exit 127"
	return "sh -c " + shellQuote(script)
}

// SudoError is a failure to run a command through sudo (sudo = true): sudo wants a password, is
// not installed, the user may not run it, or no sftp-server exists. It is not retried.
type SudoError struct {
	Target string // "ssh://user@host:port"
	Detail string // what sudo or the shell said
	Err    error
}

func (e *SudoError) Error() string {
	msg := "sudo = true on " + e.Target + ": could not run sftp-server or flock through `sudo -n`"
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg + "; the login user needs passwordless sudo"
}
func (e *SudoError) Unwrap() error { return e.Err }

// tailBuffer keeps the last bytes written to it (a session's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 8 << 10

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// stderrQuoteMax bounds how much of a failed SFTP start's stderr an error quotes (the end of it).
const stderrQuoteMax = 400

// sftpSession is the SFTP client of one connection.
type sftpSession struct {
	client  *sftp.Client
	writer  *sftpWriter
	session *ssh.Session
	stderr  *tailBuffer
	caps    SSHCapabilities
	// probing counts the directory handle of the fsync probe being closed (tests wait for it).
	probing sync.WaitGroup
}

// openSFTP starts the SFTP server (the sftp subsystem, or sftp-server through sudo -n) and
// learns what it offers, except DirSync (see probeDirSync). The version exchange is bounded by timeout.
func openSFTP(ctx context.Context, cfg SSHConfig, client *ssh.Client, sudo string) (*sftpSession, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("opening an SFTP session on %s: %w", cfg.ID(), err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	stderr := &tailBuffer{}
	var stderrDone chan struct{}
	if cfg.Sudo {
		sess.Stderr = stderr
	} else {
		// RequestSubsystem, unlike Start, does not copy the session's stderr anywhere: read it
		// here, so that what the login shell or the server says is kept, and so that it never
		// fills the channel's window.
		pipe, err := sess.StderrPipe()
		if err != nil {
			sess.Close()
			return nil, err
		}
		stderrDone = make(chan struct{})
		go func() {
			defer close(stderrDone)
			_, _ = io.Copy(stderr, pipe)
		}()
	}
	s := &sftpSession{session: sess, stderr: stderr, writer: newSFTPWriter(stdin)}
	if cfg.Sudo {
		err = sess.Start(sudoSFTPCommand(sudo))
		s.caps.SFTPServer = sudo + " sftp-server"
	} else {
		err = sess.RequestSubsystem("sftp")
		s.caps.SFTPServer = "sftp subsystem"
	}
	if err != nil {
		sess.Close()
		return nil, fmt.Errorf("starting the SFTP server on %s (%s): %w", cfg.ID(), s.caps.SFTPServer, err)
	}

	timer := time.AfterFunc(cfg.timeout(), func() { sess.Close() })
	stopCtx := context.AfterFunc(ctx, func() { sess.Close() })
	serverOut := stdout
	if cfg.Sudo {
		// The line naming the sftp-server binary (after whatever the login shell's rc files may
		// have printed), then the SFTP stream, buffered past the line.
		br := bufio.NewReader(stdout)
		for {
			var line string
			if line, err = br.ReadString('\n'); err != nil {
				break
			}
			if path, ok := strings.CutPrefix(strings.TrimSpace(line), sftpServerLine); ok {
				s.caps.SFTPServer = sudo + " " + path
				break
			}
		}
		serverOut = br
	}
	if err == nil {
		s.client, err = sftp.NewClientPipe(serverOut, s.writer)
	}
	timerStopped, ctxStopped := timer.Stop(), stopCtx()
	if !timerStopped || !ctxStopped {
		// The session was closed here, which the SFTP client sees as the server closing it: say
		// what happened instead.
		if err == nil {
			s.client.Close()
		}
		err = fmt.Errorf("the SFTP server sent no version within %s (%w); sshd starts it through the login user's shell, "+
			"so slow shell startup files (~/.bashrc, which bash also reads for commands run over SSH) delay it", cfg.timeout(), os.ErrDeadlineExceeded)
		if !ctxStopped {
			err = ctx.Err()
		}
	}
	if err != nil {
		sess.Close()
		if cfg.Sudo {
			waitForStderr(sess, cfg.timeout())
			var detail []string
			for line := range strings.SplitSeq(stderr.String(), "\n") {
				if strings.TrimSpace(line) != "" {
					detail = append(detail, strings.TrimSpace(line))
				}
			}
			return nil, &SudoError{Target: cfg.ID(), Detail: strings.Join(detail, "; "), Err: err}
		}
		if timerStopped && ctxStopped {
			// The server ended the session itself: what the shell or the server said on stderr
			// before it (all of it has arrived once the channel is closed) explains why, e.g. a
			// missing sftp-server or a shell that failed. The bound only keeps a server that never
			// closes the channel from hanging the caller.
			select {
			case <-stderrDone:
			case <-time.After(cfg.timeout()):
			}
		}
		if said := strings.Join(strings.Fields(stderr.String()), " "); said != "" {
			if len(said) > stderrQuoteMax {
				said = "..." + said[len(said)-stderrQuoteMax:]
			}
			err = fmt.Errorf("%w (the server's stderr: %s)", err, said)
		}
		return nil, fmt.Errorf("starting the SFTP server on %s: %w", cfg.ID(), err)
	}
	s.caps.ServerVersion = string(client.ServerVersion())
	has := func(name string) bool {
		v, ok := s.client.HasExtension(name)
		return ok && v == "1"
	}
	s.caps.PosixRename = has("posix-rename@openssh.com")
	s.caps.Fsync = has("fsync@openssh.com")
	s.caps.LSetStat = has("lsetstat@openssh.com")
	s.writer.lsetstat.Store(s.caps.LSetStat)
	return s, nil
}

// probeDirSync learns whether directories can be fsynced (SSHCapabilities.DirSync); the caller
// runs it once, after openSFTP and before the session's capabilities are used.
func (s *sftpSession) probeDirSync() {
	if !s.caps.Fsync {
		return
	}
	// A directory can be fsynced only through a handle, which OpenSSH's server gives for any path
	// open(2) accepts with O_RDONLY; other servers refuse directories. The handle's close is not
	// waited for: nothing depends on its answer.
	if f, err := s.client.Open("/"); err == nil {
		s.caps.DirSync = true
		s.probing.Add(1)
		go func() {
			defer s.probing.Done()
			_ = f.Close()
		}()
	}
}

func (s *sftpSession) close() {
	s.client.Close()
	s.session.Close()
}

// waitForStderr waits for a failed session to deliver its exit and the rest of its stderr, which
// explains the failure (sudo's refusal, say). The remote process has normally exited already, so
// this returns at once; the bound (the connection's timeout, not a guess at how fast a busy machine
// is) only keeps a remote that never exits from hanging the caller.
func waitForStderr(sess *ssh.Session, bound time.Duration) {
	done := make(chan struct{})
	go func() {
		_ = sess.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(bound):
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
