package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// PGBin is where Debian installs the PostgreSQL 15 server binaries.
const PGBin = "/usr/lib/postgresql/15/bin"

// HaveServerBinaries reports whether PostgreSQL, psql and openssl are installed.
func HaveServerBinaries() bool {
	if _, err := os.Stat(filepath.Join(PGBin, "postgres")); err != nil {
		return false
	}
	for _, b := range []string{"psql", "openssl"} {
		if _, err := exec.LookPath(b); err != nil {
			return false
		}
	}
	return os.Geteuid() == 0 || os.Getenv("USER") == "postgres"
}

// PGConfig describes a throwaway PostgreSQL server.
type PGConfig struct {
	// SSL turns ssl on with Cert (chain) and Key.
	SSL  bool
	Cert []byte
	Key  []byte
	// CA, when set, becomes ssl_ca_file: the server then asks clients for certificates.
	CA []byte
	// MinProtocol is ssl_min_protocol_version (default TLSv1.2), MaxProtocol ssl_max_protocol_version.
	MinProtocol string
	MaxProtocol string
	// Ciphers is ssl_ciphers (e.g. "HIGH:MEDIUM:@SECLEVEL=0" for a server that still signs TLS 1.0/1.1
	// key exchanges with OpenSSL 3).
	Ciphers string
	// HBA are the pg_hba.conf lines; default: "hostssl all all 127.0.0.1/32 trust" and
	// "hostnossl all all 127.0.0.1/32 reject".
	HBA []string
}

// HBA line sets for the usual set-ups.
var (
	HBASSLOnly  = []string{"hostssl all all 127.0.0.1/32 trust", "hostnossl all all 127.0.0.1/32 reject"}
	HBAAnyTrust = []string{"host all all 127.0.0.1/32 trust"}
)

// PGServer is a running server.
type PGServer struct {
	Port int
	Dir  string // data directory's parent; owned by postgres, removed on Stop
	proc *Process
}

// Addr is 127.0.0.1:port.
func (s *PGServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Stop shuts the server down (fast shutdown) and removes its files.
func (s *PGServer) Stop() {
	if s != nil && s.proc != nil {
		s.proc.Stop()
	}
}

var (
	templateOnce sync.Once
	templateDir  string
	templateErr  error
	pgMu         sync.Mutex
	pgServers    []*PGServer
)

// template runs initdb once per test binary; servers start from copies of it.
func template() (string, error) {
	templateOnce.Do(func() {
		cred, uid, gid, err := postgresUser()
		if err != nil {
			templateErr = err
			return
		}
		dir, err := os.MkdirTemp("", "dbtls-pgtemplate-")
		if err != nil {
			templateErr = err
			return
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			templateErr = err
			return
		}
		if _, err := removeOnExit(dir, cred); err != nil {
			templateErr = err
			return
		}
		cmd := exec.Command(filepath.Join(PGBin, "initdb"), "-D", filepath.Join(dir, "data"), "--no-sync",
			"-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C"}
		if out, err := cmd.CombinedOutput(); err != nil {
			templateErr = fmt.Errorf("initdb: %v\n%s", err, out)
			return
		}
		templateDir = filepath.Join(dir, "data")
	})
	return templateDir, templateErr
}

// StartPostgres starts a server on a free loopback port and waits until it accepts connections.
func StartPostgres(cfg PGConfig) (*PGServer, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startPostgres(cfg)
		if err == nil {
			pgMu.Lock()
			pgServers = append(pgServers, s)
			pgMu.Unlock()
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, lastErr
}

// StopAllPostgres stops every server this binary started (for TestMain).
func StopAllPostgres() {
	pgMu.Lock()
	servers := pgServers
	pgServers = nil
	pgMu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.Stop() }()
	}
	wg.Wait()
}

func startPostgres(cfg PGConfig) (*PGServer, error) {
	tmpl, err := template()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := postgresUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dbtls-pg-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*PGServer, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return fail(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := exec.Command("cp", "-a", tmpl, data).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("copying the template: %v: %s", err, out))
	}
	hba := cfg.HBA
	if hba == nil {
		hba = HBASSLOnly
	}
	if err := writeFileOwned(filepath.Join(data, "pg_hba.conf"), []byte(strings.Join(hba, "\n")+"\n"), 0o600, uid, gid); err != nil {
		return fail(err)
	}
	port, err := FreePort()
	if err != nil {
		return fail(err)
	}
	args := []string{filepath.Join(PGBin, "postgres"), "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=" + dir, "-c", "max_connections=200", "-c", "shared_buffers=16MB",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "autovacuum=off",
		"-c", "logging_collector=off", "-c", "max_wal_senders=0", "-c", "wal_level=minimal",
		"-c", "log_min_messages=warning", "-c", "log_min_error_statement=panic"}
	if cfg.SSL {
		if err := writeFileOwned(filepath.Join(data, "server.crt"), cfg.Cert, 0o644, uid, gid); err != nil {
			return fail(err)
		}
		if err := writeFileOwned(filepath.Join(data, "server.key"), cfg.Key, 0o600, uid, gid); err != nil {
			return fail(err)
		}
		args = append(args, "-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key")
		if cfg.CA != nil {
			if err := writeFileOwned(filepath.Join(data, "ca.crt"), cfg.CA, 0o644, uid, gid); err != nil {
				return fail(err)
			}
			args = append(args, "-c", "ssl_ca_file=ca.crt")
		}
		if cfg.MinProtocol != "" {
			args = append(args, "-c", "ssl_min_protocol_version="+cfg.MinProtocol)
		}
		if cfg.MaxProtocol != "" {
			args = append(args, "-c", "ssl_max_protocol_version="+cfg.MaxProtocol)
		}
		if cfg.Ciphers != "" {
			args = append(args, "-c", "ssl_ciphers="+cfg.Ciphers)
		}
	} else {
		args = append(args, "-c", "ssl=off")
	}
	logFile := filepath.Join(dir, "postgres.log")
	if err := writeFileOwned(logFile, nil, 0o644, uid, gid); err != nil {
		return fail(err)
	}
	proc, err := Start(args, ProcessOptions{Log: logFile, Signal: "INT", CleanDir: dir, Cred: cred, Env: []string{"LANG=C"}})
	if err != nil {
		return fail(err)
	}
	s := &PGServer{Port: port, Dir: dir, proc: proc}
	err = waitFor(60*time.Second, func() (bool, error) {
		log, _ := os.ReadFile(logFile)
		if strings.Contains(string(log), "database system is ready to accept connections") {
			return true, nil
		}
		if strings.Contains(string(log), "FATAL") || proc.Exited() {
			return false, fmt.Errorf("postgres did not start:\n%s", log)
		}
		return false, nil
	})
	if err != nil {
		proc.Stop()
		return nil, err
	}
	return s, nil
}
