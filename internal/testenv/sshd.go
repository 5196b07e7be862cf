package testenv

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is a throwaway OpenSSH server (Debian's openssh-server) listening on one or more loopback
// ports, with host keys and a client key made for this run. Tests reach it as User with ClientKey
// and verify it with KnownHosts (or HostKey). Several ports stand for several "hosts" of one
// machine. Everything it creates lives in Dir, which Stop removes.
//
// CI installs the server with `apt-get install -y openssh-server` (and `sudo` for the sudo tests).
type SSHD struct {
	Host  string // "127.0.0.1"
	Ports []int
	// User is the login user: root when the tests run as root, otherwise the current user (a
	// non-root sshd can only log in the user it runs as).
	User string
	// ClientKey is the unencrypted OpenSSH PEM of the client key (also at ClientKeyPath), which
	// authorized_keys lets in for User and SudoUser.
	ClientKey     string
	ClientKeyPath string
	// SudoUser is a non-root login with passwordless sudo, or "" with the reason in
	// SudoUnavailable. Only made when SSHDOptions.SudoUser asks for it.
	SudoUser        string
	SudoUnavailable string
	Dir             string
	LogPath         string

	hostKeys   map[string]ssh.PublicKey // by type: ssh-ed25519, ecdsa-sha2-nistp256 (and ssh-rsa)
	hostKeyAlg string                   // SSHDOptions.HostKeyAlgorithms
	clientPriv crypto.PrivateKey
	cfgPath    string
	sshdPath   string

	mu        sync.Mutex
	proc      *Process // the supervisor running sshd (see supervise.go)
	starts    int
	removeDir func()
	probes    map[int]int // readiness connections per port, not counted by Connections
}

// SSHDOptions shapes a server.
type SSHDOptions struct {
	// Ports is the number of listening ports (default 1).
	Ports int
	// SudoUser asks for a non-root login user that may run SudoCommands as root through sudo
	// without a password, and nothing else: made for this test binary when running as root with
	// sudo installed, and removed by StopSharedSSHD (see ensureSudoUser); otherwise
	// SSHD.SudoUnavailable says why there is none.
	SudoUser bool
	// SudoCommands are the commands the sudo user may run (see SudoersRule), such as
	// host.SudoCommands(): what the provider runs through sudo.
	SudoCommands [][]string
	// HostKeyAlgorithms, when set, gives the server an RSA host key too and becomes its
	// HostKeyAlgorithms line: "ssh-rsa" makes a legacy server that signs its host key with SHA-1 only.
	HostKeyAlgorithms string
}

// sshdStartTimeout bounds how long a start waits for every port to answer with an SSH banner.
const sshdStartTimeout = 15 * time.Second

// ErrNoSSHD is NewSSHD's error on a machine without OpenSSH's server.
var ErrNoSSHD = errors.New("OpenSSH's sshd is not installed (apt-get install -y openssh-server)")

// InCI reports whether the tests run in CI (the CI variable set, and not to "0" or "false"): there a
// missing test tool is a failure, never a reason to skip.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// skipOrFatal ends a test that cannot have its sshd: skipped when sshd is not installed (make test's
// preflight has said so once, with the command that installs it), unless in CI; failed otherwise.
func skipOrFatal(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, ErrNoSSHD) && !InCI() {
		t.Skipf("%v: SSH tests are skipped (with CI=1 this fails)", err)
		return
	}
	t.Fatalf("%s: %v", what, err)
}

// StartSSHD starts a server for one test and stops it when the test ends.
func StartSSHD(t testing.TB, opts ...SSHDOptions) *SSHD {
	t.Helper()
	var o SSHDOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := NewSSHD(o)
	if err != nil {
		skipOrFatal(t, "starting sshd", err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// SharedSSHDOptions are the options of the shared server (three ports by default); set them in
// TestMain before the first SharedSSHD call, SudoUser and SudoCommands included.
var SharedSSHDOptions = SSHDOptions{Ports: 3}

var shared struct {
	once sync.Once
	mu   sync.Mutex
	s    *SSHD
	err  error
}

// SharedSSHD returns the test package's server, started on first use. Call StopSharedSSHD from
// TestMain after m.Run. Tests must not stop or restart it (start their own with StartSSHD).
func SharedSSHD(t testing.TB) *SSHD {
	t.Helper()
	shared.once.Do(func() {
		s, err := NewSSHD(SharedSSHDOptions)
		shared.mu.Lock()
		shared.s, shared.err = s, err
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.err != nil {
		skipOrFatal(t, "starting the shared sshd", shared.err)
	}
	return shared.s
}

// StopSharedSSHD stops the shared server if it was started, and removes the sudo test user: call it
// from TestMain after m.Run, then LeftAsFound.
func StopSharedSSHD() {
	shared.mu.Lock()
	s := shared.s
	shared.mu.Unlock()
	if s != nil {
		s.Stop()
	}
	RemoveSudoUser()
}

// NewSSHD starts a server that is not tied to a test; the caller must Stop it.
func NewSSHD(opts SSHDOptions) (*SSHD, error) {
	sshdPath := "/usr/sbin/sshd"
	if _, err := os.Stat(sshdPath); err != nil {
		p, lerr := exec.LookPath("sshd")
		if lerr != nil {
			return nil, ErrNoSSHD
		}
		sshdPath = p
	}
	if opts.Ports <= 0 {
		opts.Ports = 1
	}
	s := &SSHD{Host: "127.0.0.1", sshdPath: sshdPath, hostKeys: map[string]ssh.PublicKey{}, probes: map[int]int{}, hostKeyAlg: opts.HostKeyAlgorithms}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s.User = u.Username
	if os.Geteuid() == 0 {
		s.User = "root"
		// sshd's privilege separation directory; the distribution's unit creates it at boot.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, err
		}
	}
	if opts.SudoUser {
		s.SudoUser, s.SudoUnavailable = ensureSudoUser(opts.SudoCommands)
	}

	dir, err := os.MkdirTemp("", "dbtls-sshd-")
	if err != nil {
		return nil, err
	}
	s.Dir = dir
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	// Removed by Stop, or by the supervisor when the test binary ends without calling it.
	if s.removeDir, err = removeOnExit(dir, nil); err != nil {
		return nil, err
	}
	// The sudo user reads authorized_keys (sshd opens it as the user).
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if err := s.makeKeys(); err != nil {
		return nil, err
	}
	s.LogPath = filepath.Join(dir, "sshd.log")
	s.cfgPath = filepath.Join(dir, "sshd_config")

	var lastErr error
	for range 5 { // another process may take a port between picking and binding it
		ports, err := freePorts(opts.Ports)
		if err != nil {
			return nil, err
		}
		if err := s.writeConfig(ports); err != nil {
			return nil, err
		}
		s.Ports = ports
		if lastErr = s.start(); lastErr == nil {
			ok = true
			return s, nil
		}
		if !strings.Contains(lastErr.Error(), "already in use") {
			break
		}
	}
	return nil, lastErr
}

func (s *SSHD) makeKeys() error {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	keys := map[string]crypto.PrivateKey{"ssh_host_ed25519_key": edPriv, "ssh_host_ecdsa_key": ecPriv}
	if s.hostKeyAlg != "" {
		rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		keys["ssh_host_rsa_key"] = rsaPriv
	}
	for name, priv := range keys {
		if err := writeKey(filepath.Join(s.Dir, name), priv, 0o600); err != nil {
			return err
		}
		signer, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			return err
		}
		s.hostKeys[signer.PublicKey().Type()] = signer.PublicKey()
	}

	_, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	s.clientPriv = clientPriv
	s.ClientKeyPath = filepath.Join(s.Dir, "client_key")
	if err := writeKey(s.ClientKeyPath, clientPriv, 0o600); err != nil {
		return err
	}
	pemBytes, err := os.ReadFile(s.ClientKeyPath)
	if err != nil {
		return err
	}
	s.ClientKey = string(pemBytes)
	signer, err := ssh.NewSignerFromKey(clientPriv)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, "authorized_keys"), ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644)
}

func writeKey(path string, priv crypto.PrivateKey, mode os.FileMode) error {
	block, err := ssh.MarshalPrivateKey(priv, "dbtls-test")
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(block), mode)
}

// EncryptedClientKey returns the client key as an OpenSSH PEM encrypted with passphrase.
func (s *SSHD) EncryptedClientKey(passphrase string) (string, error) {
	block, err := ssh.MarshalPrivateKeyWithPassphrase(s.clientPriv, "dbtls-test", []byte(passphrase))
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(block)), nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (s *SSHD) writeConfig(ports []int) error {
	// internal-sftp: the same code as sftp-server, without starting the login shell for every
	// connection (sshd runs other subsystems through it, and root's ~/.bashrc can be slow).
	// The sudo tests run the sftp-server binary themselves.
	const sftpServer = "internal-sftp"
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "ListenAddress 127.0.0.1:%d\n", p)
	}
	fmt.Fprintf(&b, "HostKey %s\nHostKey %s\n", filepath.Join(s.Dir, "ssh_host_ed25519_key"), filepath.Join(s.Dir, "ssh_host_ecdsa_key"))
	if s.hostKeyAlg != "" {
		fmt.Fprintf(&b, "HostKey %s\nHostKeyAlgorithms %s\n", filepath.Join(s.Dir, "ssh_host_rsa_key"), s.hostKeyAlg)
	}
	fmt.Fprintf(&b, "PidFile %s\n", filepath.Join(s.Dir, "sshd.pid"))
	fmt.Fprintf(&b, "AuthorizedKeysFile %s\n", filepath.Join(s.Dir, "authorized_keys"))
	fmt.Fprintf(&b, "Subsystem sftp %s\n", sftpServer)
	// SetEnv SHLVL=1 makes the login shell (bash) believe it is nested, so it skips ~/.bashrc for
	// the commands sshd starts. The test machine's root ~/.bashrc can be slow and serialised across
	// processes (pyenv's init takes one machine-wide lock; see scripts/bench-fleet.sh), which made
	// every lock and owner-lookup session of the tests wait on it under load. The provider's own
	// handling of slow startup files is tested without this sshd (TestSSHSFTPStartFailureSaysWhy).
	b.WriteString(`SetEnv SHLVL=1
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100
LogLevel VERBOSE
PerSourcePenalties no
`)
	cfg := b.String()
	// Drop options this sshd does not know (PerSourcePenalties exists from OpenSSH 9.8 on, and must
	// be off there: the tests' deliberate authentication failures would otherwise block loopback).
	for range 5 {
		if err := os.WriteFile(s.cfgPath, []byte(cfg), 0o644); err != nil {
			return err
		}
		out, err := exec.Command(s.sshdPath, "-t", "-f", s.cfgPath).CombinedOutput()
		if err == nil {
			return nil
		}
		m := regexp.MustCompile(`(?:Bad configuration option|Unsupported option):? (\w+)`).FindSubmatch(out)
		if m == nil {
			return fmt.Errorf("sshd -t rejects the test configuration: %v: %s", err, out)
		}
		var kept []string
		for line := range strings.SplitSeq(cfg, "\n") {
			if !strings.HasPrefix(strings.ToLower(line), strings.ToLower(string(m[1]))+" ") {
				kept = append(kept, line)
			}
		}
		cfg = strings.Join(kept, "\n")
	}
	return errors.New("sshd -t keeps rejecting the test configuration")
}

// start runs sshd (under the package's supervisor, so that it ends with the test binary) and
// waits until every port answers with an SSH banner. sshd appends its log, and that of every
// connection, to LogPath (-E).
func (s *SSHD) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logStart := int64(0)
	if fi, err := os.Stat(s.LogPath); err == nil {
		logStart = fi.Size()
	}
	s.starts++
	out := filepath.Join(s.Dir, fmt.Sprintf("sshd.%d.out", s.starts))
	proc, err := Start([]string{s.sshdPath, "-D", "-E", s.LogPath, "-f", s.cfgPath}, ProcessOptions{Log: out})
	if err != nil {
		return fmt.Errorf("starting %s: %w", s.sshdPath, err)
	}
	s.proc = proc
	failure := func() string {
		o, _ := os.ReadFile(out)
		return strings.TrimSpace(string(o) + "\n" + s.logSince(logStart))
	}
	pending := slices.Clone(s.Ports)
	err = waitFor(sshdStartTimeout, func() (bool, error) {
		for len(pending) > 0 {
			if ready, _ := s.probe(pending[0]); !ready {
				break
			}
			pending = pending[1:]
		}
		if len(pending) == 0 {
			return true, nil
		}
		// The supervisor outlives sshd.
		if !sshdUnder(proc) {
			time.Sleep(50 * time.Millisecond) // let the supervisor start it, or its log settle
			if !sshdUnder(proc) {
				return false, fmt.Errorf("sshd exited during start-up: %s", failure())
			}
		}
		return false, nil
	})
	if err != nil {
		s.killLocked()
		if strings.Contains(err.Error(), "timed out") {
			err = fmt.Errorf("sshd did not answer on port %d within %s: %s", pending[0], sshdStartTimeout, failure())
		}
		return err
	}
	return nil
}

// probe connects to port and reads the banner; a connection made counts as a probe.
func (s *SSHD) probe(port int) (bool, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)), time.Second)
	if err != nil {
		return false, err
	}
	defer c.Close()
	s.probes[port]++
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false, err
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return false, fmt.Errorf("unexpected banner %q", line)
	}
	return true, nil
}

func (s *SSHD) logSince(off int64) string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil || int64(len(data)) < off {
		return ""
	}
	return strings.TrimSpace(string(data[off:]))
}

// Port is the first port.
func (s *SSHD) Port() int { return s.Ports[0] }

// Addr is "127.0.0.1:port" of the i-th port.
func (s *SSHD) Addr(i int) string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Ports[i])) }

// HostKeyTypes lists the types of the server's host keys, sorted.
func (s *SSHD) HostKeyTypes() []string {
	var types []string
	for t := range s.hostKeys {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// HostKey returns the host key of type keyType ("ssh-ed25519" when empty) in authorized_keys
// form: "ssh-ed25519 AAAA...".
func (s *SSHD) HostKey(keyType string) string {
	if keyType == "" {
		keyType = ssh.KeyAlgoED25519
	}
	k := s.hostKeys[keyType]
	if k == nil {
		return ""
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// KnownHosts returns known_hosts lines for every port and every host key.
func (s *SSHD) KnownHosts() string {
	var b strings.Builder
	for _, p := range s.Ports {
		b.WriteString(s.KnownHostsFor(p))
	}
	return b.String()
}

// KnownHostsFor returns known_hosts lines for port with the host keys of the given types (all when
// none are given).
func (s *SSHD) KnownHostsFor(port int, keyTypes ...string) string {
	if len(keyTypes) == 0 {
		keyTypes = s.HostKeyTypes()
	}
	addr := knownhosts.Normalize(net.JoinHostPort(s.Host, strconv.Itoa(port)))
	var b strings.Builder
	for _, t := range keyTypes {
		if k := s.hostKeys[t]; k != nil {
			b.WriteString(knownhosts.Line([]string{addr}, k) + "\n")
		}
	}
	return b.String()
}

var connLine = regexp.MustCompile(`Connection from \S+ port \d+ on \S+ port (\d+)`)

// Connections counts the TCP connections the server accepted on port (any port when 0), as its
// log records them, not counting its own readiness probes.
func (s *SSHD) Connections(port int) (int, error) {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range connLine.FindAllSubmatch(data, -1) {
		if p, _ := strconv.Atoi(string(m[1])); port == 0 || p == port {
			n++
		}
	}
	s.mu.Lock()
	for p, k := range s.probes {
		if port == 0 || p == port {
			n -= k
		}
	}
	s.mu.Unlock()
	return n, nil
}

// Logins counts successful public key logins (all ports).
func (s *SSHD) Logins() (int, error) {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return 0, err
	}
	return bytes.Count(data, []byte("Accepted publickey for ")), nil
}

// Log returns the server's log so far.
func (s *SSHD) Log() string {
	data, _ := os.ReadFile(s.LogPath)
	return string(data)
}

// Running reports whether sshd is up (its listener process exists).
func (s *SSHD) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && sshdUnder(s.proc)
}

// sshdUnder reports whether the supervisor p has a live sshd below it.
func sshdUnder(p *Process) bool {
	for _, pid := range descendants(p.cmd.Process.Pid) {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(comm)) == "sshd" {
			stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			if i := bytes.LastIndexByte(stat, ')'); i >= 0 && !bytes.HasPrefix(bytes.TrimSpace(stat[i+1:]), []byte("Z")) {
				return true
			}
		}
	}
	return false
}

// Kill stops the server the hard way: the listener and every connection and session under it get
// SIGKILL, as a crash or a power cut of the host would do it. Files stay, so Restart can start it
// again.
func (s *SSHD) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *SSHD) killLocked() {
	if s.proc == nil {
		return
	}
	// Per-connection processes leave sshd's process group (setsid), so find the whole tree under
	// the supervisor first, then kill it. A supervisor that has ended has been reaped, and its pid
	// may be another process's now: its tree is not ours.
	if !s.proc.Exited() {
		for _, pid := range descendants(s.proc.cmd.Process.Pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	s.proc.Stop()
	s.proc = nil
}

// Restart kills the server if it runs and starts it again on the same ports with the same keys.
func (s *SSHD) Restart() error {
	s.Kill()
	return s.start()
}

// Stop kills the server and removes its directory.
func (s *SSHD) Stop() {
	s.Kill()
	if s.removeDir != nil {
		s.removeDir()
	}
}

// descendants lists the processes below pid (from /proc), children before grandchildren.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses, so cut at the last ")".
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], child)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// The sudo test user: one per test binary, made on the first SSHDOptions.SudoUser request (as root,
// with sudo installed), allowed to run exactly the commands the requests list through
// /etc/sudoers.d/<name> (NOPASSWD, as root, nothing else), and removed with that file by
// StopSharedSSHD, or by a supervisor when the binary ends without calling it (a crash, a timeout).
// Several test binaries running at once each have their own.
var sudoUser struct {
	mu      sync.Mutex
	name    string     // "" until made
	cmds    [][]string // the union of the commands asked for
	rule    string     // what the sudoers file holds
	remover *Process   // runs the removal when stopped or when the binary ends
}

// SudoUserName is the name of this test binary's sudo test user.
func SudoUserName() string { return "dbtls-sudo-" + strconv.Itoa(os.Getpid()) }

func sudoersPath(name string) string { return "/etc/sudoers.d/" + name }

// ensureSudoUser makes the sudo test user unless it exists, and lets it run cmds as well; it returns
// the name, or "" and why there is none.
func ensureSudoUser(cmds [][]string) (string, string) {
	if os.Geteuid() != 0 {
		return "", "the tests do not run as root, so no sudo test user can be created"
	}
	for _, tool := range []string{"sudo", "visudo"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", tool + " is not installed (apt-get install -y sudo)"
		}
	}
	if len(cmds) == 0 {
		return "", "SSHDOptions.SudoCommands is empty: the sudo test user would have nothing to run"
	}
	sudoUser.mu.Lock()
	defer sudoUser.mu.Unlock()
	name := SudoUserName()
	if sudoUser.name == "" {
		// The remover first, so that a user made is a user removed, however the binary ends.
		remover, err := Start([]string{"true"}, ProcessOptions{Log: "/dev/null", After: removeSudoUserScript(name)})
		if err != nil {
			return "", fmt.Sprintf("starting the remover of the sudo test user: %v", err)
		}
		var out []byte
		for range 50 { // other test processes may hold the passwd lock for a moment
			// "*": no password, but not locked ("!"), which sshd without PAM would refuse.
			cmd := exec.Command("useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh",
				"--user-group", "--password", "*", name)
			out, err = cmd.CombinedOutput()
			if err == nil || bytes.Contains(out, []byte("already exists")) {
				err = nil
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			remover.Stop()
			return "", fmt.Sprintf("useradd %s failed: %v: %s", name, err, bytes.TrimSpace(out))
		}
		sudoUser.name, sudoUser.remover = name, remover
	}
	for _, c := range cmds {
		if !slices.ContainsFunc(sudoUser.cmds, func(have []string) bool { return slices.Equal(have, c) }) {
			sudoUser.cmds = append(sudoUser.cmds, c)
		}
	}
	rule := SudoersRule(name, sudoUser.cmds)
	if rule != sudoUser.rule {
		if err := installSudoers(sudoersPath(name), rule); err != nil {
			return "", err.Error()
		}
		sudoUser.rule = rule
	}
	return name, ""
}

// removeSudoUserScript removes the sudoers file, then the user and its group (userdel -f: even
// while a session of it is still ending), retrying while another process holds the passwd lock.
func removeSudoUserScript(name string) string {
	return fmt.Sprintf(`rm -f %s
i=0
while [ $i -lt 100 ] && id %s >/dev/null 2>&1; do userdel -f %s || sleep 0.1; i=$((i+1)); done
`, shellWord(sudoersPath(name)), shellWord(name), shellWord(name))
}

func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// installSudoers writes rule to path after visudo has accepted it: a file in /etc/sudoers.d that
// sudo cannot parse would stop sudo for everyone on the machine.
func installSudoers(path, rule string) error {
	tmp := filepath.Join(os.TempDir(), "dbtls-sudoers-"+strconv.Itoa(os.Getpid()))
	defer os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(rule), 0o440); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if out, err := exec.Command("visudo", "-c", "-q", "-f", tmp).CombinedOutput(); err != nil {
		return fmt.Errorf("visudo rejects the sudo test user's rule %q: %v: %s", rule, err, bytes.TrimSpace(out))
	}
	next := path + ".new" // sudo skips names with a dot
	if err := os.WriteFile(next, []byte(rule), 0o440); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(next, path); err != nil {
		os.Remove(next)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// SudoersRule is a sudoers rule that lets user run exactly cmds as root without a password. Each
// command is an argument vector with an absolute path first; a last argument "*" stands for any
// further arguments, and a command without arguments may be run with none only.
func SudoersRule(user string, cmds [][]string) string {
	specs := make([]string, 0, len(cmds))
	for _, c := range cmds {
		spec := sudoersEscape(c[0], false)
		switch {
		case len(c) == 1:
			spec += ` ""`
		default:
			for i, a := range c[1:] {
				spec += " " + sudoersEscape(a, i == len(c)-2 && a == "*")
			}
		}
		specs = append(specs, spec)
	}
	return user + " ALL=(root) NOPASSWD: " + strings.Join(specs, ", ") + "\n"
}

// sudoersEscape writes s as a word of a sudoers command: sudo matches arguments with fnmatch(3), so
// its special characters are escaped first, then the characters the sudoers grammar reserves.
// A wildcard s is kept as it is.
func sudoersEscape(s string, wildcard bool) string {
	if wildcard {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\\\`) // fnmatch's escaped backslash, each backslash escaped for sudoers
			continue
		case strings.ContainsRune(`*?[]`, r):
			b.WriteString(`\\`) // fnmatch's backslash, escaped for sudoers
		case strings.ContainsRune(`,:=!# `, r):
			b.WriteByte('\\') // reserved by the sudoers grammar (a space would end the word)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RemoveSudoUser removes this test binary's sudo test user and its sudoers file, if it made them.
func RemoveSudoUser() {
	sudoUser.mu.Lock()
	defer sudoUser.mu.Unlock()
	if sudoUser.remover != nil {
		sudoUser.remover.Stop()
	}
	sudoUser.name, sudoUser.cmds, sudoUser.rule, sudoUser.remover = "", nil, "", nil
}

// LeftAsFound reports what the tests of this binary left on the machine that was not there before:
// for now, the sudo test user, its group and its sudoers file. Call it from TestMain after
// StopSharedSSHD.
func LeftAsFound() error {
	name := SudoUserName()
	var left []string
	if _, err := user.Lookup(name); err == nil {
		left = append(left, "the user "+name)
	}
	if _, err := user.LookupGroup(name); err == nil {
		left = append(left, "the group "+name)
	}
	if _, err := os.Lstat(sudoersPath(name)); err == nil {
		left = append(left, sudoersPath(name))
	}
	if len(left) > 0 {
		return fmt.Errorf("the tests left %s on the machine", strings.Join(left, ", "))
	}
	return nil
}
