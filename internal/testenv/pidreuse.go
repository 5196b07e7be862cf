package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

const lastPidFile = "/proc/sys/kernel/ns_last_pid"

// ClaimPid starts `sleep 600` with the process id pid, which must be free: a stand-in for whatever
// process the kernel hands a freed pid to next, for tests of code that must not signal a pid whose
// process has ended. As root it sets the kernel's last allocated pid (ns_last_pid) to pid-1 just
// before the start; another process on the machine may take the pid first, so it tries a bounded
// number of times. It skips the test when it is not root, the file is not writable here, or the
// pid stays taken. The process is killed when the test ends.
func ClaimPid(t testing.TB, pid int) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to set " + lastPidFile)
	}
	for attempt := 0; attempt < 50; attempt++ {
		cmd := exec.Command("sleep", "600")
		runtime.LockOSThread()
		err := os.WriteFile(lastPidFile, []byte(strconv.Itoa(pid-1)), 0o644)
		if err == nil {
			err = cmd.Start()
		} else {
			runtime.UnlockOSThread()
			t.Skipf("cannot set %s here: %v", lastPidFile, err)
		}
		runtime.UnlockOSThread()
		if err != nil {
			t.Fatal(err)
		}
		if cmd.Process.Pid == pid {
			return cmd
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Skipf("pid %d was taken by another process", pid)
		}
	}
	t.Skipf("could not start a process with pid %d in 50 attempts", pid)
	return nil
}

// Alive reports whether the process pid exists and has not ended (a zombie, ended but not yet
// reaped, is not alive).
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}
