package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// supervisorScript runs "$@" in the background with its output in $LOG, waits for its stdin to close
// (the test binary ended or called Stop), then sends $SIG to the process if it is still this shell's
// child, waits for it, removes $CLEAN and runs the shell command $AFTER (each when set).
//
// The shell reaps a child that has ended at once (dash on SIGCHLD), and its pid is then free: on a
// machine with pid_max 32768 and a test run that starts tens of thousands of processes, that pid
// soon names another process, or a thread of a test binary, and a signal sent to it kills the
// whole binary ("signal: terminated" after PASS, seen in CI). So the signal goes only to a pid
// whose parent is this shell, read from /proc just before.
const supervisorScript = `"$@" >"$LOG" 2>&1 </dev/null &
pid=$!
cat >/dev/null
st=
{ read -r st </proc/"$pid"/stat; } 2>/dev/null
set -- ${st##*") "}
if [ "${2-}" = "$$" ]; then kill -s "$SIG" "$pid" 2>/dev/null; fi
wait "$pid" 2>/dev/null
if [ -n "$CLEAN" ]; then rm -rf -- "$CLEAN"; fi
if [ -n "$AFTER" ]; then sh -c "$AFTER" >/dev/null 2>&1; fi
`

// Process is a supervised external process.
type Process struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	Log   string
	once  sync.Once
	done  chan struct{}
}

// ProcessOptions tune Start.
type ProcessOptions struct {
	Log      string              // where the process's output goes (required)
	Signal   string              // stop signal, default TERM
	CleanDir string              // removed after the process exits
	After    string              // a shell command run last, after the clean-up
	Cred     *syscall.Credential // run as this user
	Env      []string
}

// Start runs argv under the supervisor.
func Start(argv []string, o ProcessOptions) (*Process, error) {
	if o.Signal == "" {
		o.Signal = "TERM"
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", supervisorScript, "supervisor"}, argv...)...)
	cmd.Env = append(append([]string{}, o.Env...), "LOG="+o.Log, "SIG="+o.Signal, "CLEAN="+o.CleanDir, "AFTER="+o.After,
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	cmd.Dir = "/"
	if o.Cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.Cred}
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, stdin: stdin, Log: o.Log, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Stop ends the process, waits for the supervisor (at most 20 s) and so for the clean-up.
func (p *Process) Stop() {
	p.once.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
		}
	})
}

// Exited reports whether the supervisor has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// removeOnExit removes dir when the test binary exits (or when the returned function is called).
func removeOnExit(dir string, cred *syscall.Credential) (func(), error) {
	p, err := Start([]string{"true"}, ProcessOptions{Log: "/dev/null", CleanDir: dir, Cred: cred})
	if err != nil {
		return nil, err
	}
	return p.Stop, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// postgresUser is the account PostgreSQL runs as (initdb and postgres refuse root).
func postgresUser() (*syscall.Credential, int, int, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

// waitFor polls cond every 20 ms until it returns true or an error, or timeout passes.
func waitFor(timeout time.Duration, cond func() (bool, error)) error {
	end := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(end) {
			return errors.New("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFileOwned(path string, data []byte, mode os.FileMode, uid, gid int) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

// ProcessTempDir makes a directory that lives as long as the test binary: it is removed when the binary
// exits, however it exits. For fixtures shared by the tests of a package without TestMain.
func ProcessTempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if _, err := removeOnExit(dir, nil); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
