package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NeedBinary skips the test when the program at path is missing and CI is unset, and fails it when CI is
// set (CI installs the Debian package pkg).
func NeedBinary(tb testing.TB, path, pkg string) {
	tb.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	msg := fmt.Sprintf("%s is missing: install the Debian package %s (apt-get install -y %s)", path, pkg, pkg)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// peerDir makes a directory below tb.TempDir() that the account cred can use (the test's own temporary
// directories are root's, mode 0700).
func peerDir(tb testing.TB, uid, gid int) string {
	tb.Helper()
	base := tb.TempDir()
	for d := base; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			tb.Fatal(err)
		}
	}
	dir := filepath.Join(base, "peer")
	if err := os.Mkdir(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// waitListening waits until addr accepts TCP connections, the process exits (its log, which the supervisor
// outlives, holds failMark), or 30 s pass.
func waitListening(addr string, proc *Process, log, failMark string) error {
	return waitFor(30*time.Second, func() (bool, error) {
		if proc.Exited() {
			return false, fmt.Errorf("exited")
		}
		if b, _ := os.ReadFile(log); strings.Contains(string(b), failMark) {
			return false, fmt.Errorf("failed")
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil, nil // not listening yet: wait
	})
}

// PgBouncerPath is where Debian's pgbouncer package installs it.
const PgBouncerPath = "/usr/sbin/pgbouncer"

// PgBouncerConfig describes a throwaway PgBouncer in front of a PostgreSQL server.
type PgBouncerConfig struct {
	// Upstream is the PostgreSQL server every database goes to (its pg_hba.conf must trust 127.0.0.1).
	Upstream *PGServer
	// ClientTLSMode is client_tls_sslmode (default disable); Cert and Key its certificate chain and key.
	ClientTLSMode string
	Cert, Key     []byte
	// CA is client_tls_ca_file, the client certificate authority (verify-ca and verify-full need it).
	CA []byte
	// Protocols is client_tls_protocols (default PgBouncer's "secure": TLS 1.2 and 1.3).
	Protocols string
	// Ciphers is client_tls_ciphers.
	Ciphers string
	// AuthType is auth_type (default trust; cert, which PgBouncer allows only with client_tls_sslmode
	// verify-full, takes the client certificate's common name as the user).
	AuthType string
}

// PgBouncer is a running PgBouncer.
type PgBouncer struct {
	Port int
	Log  string
}

// Addr is 127.0.0.1:port.
func (b *PgBouncer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port)) }

// StartPgBouncer runs PgBouncer as the postgres user (it refuses root) with its configuration in a
// temporary directory, the user postgres in its auth_file ("trust" authentication unless AuthType says
// otherwise), and stops it when the test ends.
func StartPgBouncer(tb testing.TB, cfg PgBouncerConfig) *PgBouncer {
	tb.Helper()
	NeedBinary(tb, PgBouncerPath, "pgbouncer")
	cred, uid, gid, err := postgresUser()
	if err != nil {
		tb.Fatal(err)
	}
	dir := peerDir(tb, uid, gid)
	mode := cfg.ClientTLSMode
	if mode == "" {
		mode = "disable"
	}
	var lines []string
	add := func(k, v string) { lines = append(lines, k+" = "+v) }
	add("listen_addr", "127.0.0.1")
	add("unix_socket_dir", "")
	authType := cfg.AuthType
	if authType == "" {
		authType = "trust"
	}
	add("auth_type", authType)
	add("auth_file", filepath.Join(dir, "users.txt"))
	add("pidfile", "")
	add("logfile", "")
	add("pool_mode", "session")
	add("ignore_startup_parameters", "extra_float_digits")
	add("client_tls_sslmode", mode)
	if cfg.Cert != nil {
		add("client_tls_cert_file", filepath.Join(dir, "server.crt"))
		add("client_tls_key_file", filepath.Join(dir, "server.key"))
	}
	if cfg.CA != nil {
		add("client_tls_ca_file", filepath.Join(dir, "ca.crt"))
	}
	if cfg.Protocols != "" {
		add("client_tls_protocols", cfg.Protocols)
	}
	if cfg.Ciphers != "" {
		add("client_tls_ciphers", cfg.Ciphers)
	}
	files := map[string][]byte{"users.txt": []byte("\"postgres\" \"\"\n"), "server.crt": cfg.Cert, "server.key": cfg.Key, "ca.crt": cfg.CA}
	for name, data := range files {
		if data == nil {
			continue
		}
		if err := writeFileOwned(filepath.Join(dir, name), data, 0o600, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	var lastLog string
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		ini := fmt.Sprintf("[databases]\n* = host=127.0.0.1 port=%d\n\n[pgbouncer]\nlisten_port = %d\n%s\n", cfg.Upstream.Port, port, strings.Join(lines, "\n"))
		iniPath := filepath.Join(dir, "pgbouncer.ini")
		if err := writeFileOwned(iniPath, []byte(ini), 0o600, uid, gid); err != nil {
			tb.Fatal(err)
		}
		logFile := filepath.Join(dir, fmt.Sprintf("pgbouncer-%d.log", attempt))
		if err := writeFileOwned(logFile, nil, 0o600, uid, gid); err != nil {
			tb.Fatal(err)
		}
		proc, err := Start([]string{PgBouncerPath, iniPath}, ProcessOptions{Log: logFile, Signal: "INT", Cred: cred})
		if err != nil {
			tb.Fatal(err)
		}
		b := &PgBouncer{Port: port, Log: logFile}
		if err := waitListening(b.Addr(), proc, logFile, "FATAL"); err == nil {
			tb.Cleanup(proc.Stop)
			return b
		}
		proc.Stop()
		log, _ := os.ReadFile(logFile)
		lastLog = string(log)
	}
	tb.Fatalf("pgbouncer did not start:\n%s", lastLog)
	return nil
}

// NginxPath is where Debian's nginx-light package installs nginx.
const NginxPath = "/usr/sbin/nginx"

// NginxConfig describes a throwaway nginx HTTPS server answering "ok" on every path.
type NginxConfig struct {
	Cert, Key []byte
	// CA is ssl_client_certificate; VerifyClient is ssl_verify_client (on, optional; default off).
	CA           []byte
	VerifyClient string
	// Protocols is ssl_protocols (default TLSv1.2 TLSv1.3).
	Protocols string
}

// Nginx is a running nginx.
type Nginx struct {
	Port int
	Dir  string
}

// Addr is 127.0.0.1:port.
func (n *Nginx) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port)) }

// StartNginx runs nginx in the foreground as nobody, with its configuration, pid file, logs and temporary
// paths in a temporary directory, and stops it when the test ends.
func StartNginx(tb testing.TB, cfg NginxConfig) *Nginx {
	tb.Helper()
	NeedBinary(tb, NginxPath, "nginx-light")
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	dir := peerDir(tb, 65534, 65534)
	for name, data := range map[string][]byte{"server.crt": cfg.Cert, "server.key": cfg.Key, "ca.crt": cfg.CA} {
		if data != nil {
			if err := writeFileOwned(filepath.Join(dir, name), data, 0o600, 65534, 65534); err != nil {
				tb.Fatal(err)
			}
		}
	}
	protocols := cfg.Protocols
	if protocols == "" {
		protocols = "TLSv1.2 TLSv1.3"
	}
	var client string
	if cfg.CA != nil {
		client = fmt.Sprintf("ssl_client_certificate %s/ca.crt;\n    ssl_verify_client %s;\n", dir, orOff(cfg.VerifyClient))
	}
	var lastLog string
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		errorLog := filepath.Join(dir, fmt.Sprintf("error-%d.log", attempt))
		conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[5]s info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d ssl;
    ssl_certificate %[1]s/server.crt;
    ssl_certificate_key %[1]s/server.key;
    ssl_protocols %[3]s;
    %[4]s
    location / { return 200 "ok\n"; }
  }
}
`, dir, port, protocols, client, errorLog)
		confPath := filepath.Join(dir, "nginx.conf")
		if err := writeFileOwned(confPath, []byte(conf), 0o600, 65534, 65534); err != nil {
			tb.Fatal(err)
		}
		logFile := filepath.Join(dir, fmt.Sprintf("nginx-%d.log", attempt))
		if err := writeFileOwned(logFile, nil, 0o600, 65534, 65534); err != nil {
			tb.Fatal(err)
		}
		proc, err := Start([]string{NginxPath, "-p", dir, "-e", errorLog, "-c", confPath}, ProcessOptions{Log: logFile, Signal: "QUIT", Cred: cred})
		if err != nil {
			tb.Fatal(err)
		}
		n := &Nginx{Port: port, Dir: dir}
		if err := waitListening(n.Addr(), proc, errorLog, "[emerg]"); err == nil {
			tb.Cleanup(proc.Stop)
			return n
		}
		proc.Stop()
		log, _ := os.ReadFile(logFile)
		elog, _ := os.ReadFile(errorLog)
		lastLog = string(log) + string(elog)
	}
	tb.Fatalf("nginx did not start:\n%s", lastLog)
	return nil
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// CurlResult is what curl got.
type CurlResult struct {
	Exit   int    // curl's exit status (0: an HTTP answer arrived)
	Status int    // the HTTP status, 0 without one
	Body   string // the start of the body
	Output string // stderr, for failure messages
}

// Through reports what a client gets through to: an HTTP answer below 400.
func (c CurlResult) Through() bool { return c.Exit == 0 && c.Status > 0 && c.Status < 400 }

// Curl fetches url with curl, verifying against the CA file (no system store) with the extra arguments
// (e.g. "--cert", path, "--key", path, "--resolve", ...).
func Curl(ctx context.Context, url, caFile string, extra ...string) CurlResult {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	args := append([]string{"-sS", "--max-time", "10", "--cacert", caFile, "--capath", "/nonexistent", "-o", "-", "-w", "\n%{http_code}"}, extra...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, "curl", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	res := CurlResult{Output: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Exit = ee.ExitCode()
	} else if err != nil {
		res.Exit = -1
	}
	s := string(out)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		res.Status, _ = strconv.Atoi(strings.TrimSpace(s[i+1:]))
		res.Body = s[:i]
	}
	if len(res.Body) > 4096 {
		res.Body = res.Body[:4096]
	}
	return res
}
