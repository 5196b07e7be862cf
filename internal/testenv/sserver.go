package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SServer is an `openssl s_server -www` on a loopback port: an independent TLS peer (OpenSSL 3, not
// Go) that answers "GET /" over TLS with a status page.
type SServer struct {
	Port int
	proc *Process
}

// Addr is 127.0.0.1:port.
func (s *SServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// StartSServer runs openssl s_server with leaf's certificate and key and the extra arguments (e.g.
// "-no_tls1_3", "-cipher", "...", "-Verify", "1", "-verify_return_error", "-CAfile", path). It is stopped
// when the test ends.
func StartSServer(tb testing.TB, leaf *Leaf, extra ...string) *SServer {
	tb.Helper()
	dir := tb.TempDir()
	cert := WriteFile(tb, dir, "server.crt", leaf.ChainPEM)
	key := WriteFile(tb, dir, "server.key", leaf.KeyPEM)
	var lastLog string
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		logFile := filepath.Join(dir, fmt.Sprintf("s_server-%d.log", attempt))
		args := append([]string{"openssl", "s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port),
			"-cert", cert, "-key", key, "-www", "-no_dhe"}, extra...)
		proc, err := Start(args, ProcessOptions{Log: logFile, Signal: "TERM"})
		if err != nil {
			tb.Fatal(err)
		}
		err = waitFor(10*time.Second, func() (bool, error) {
			log, _ := os.ReadFile(logFile)
			if strings.Contains(string(log), "ACCEPT") {
				return true, nil
			}
			if proc.Exited() {
				return false, fmt.Errorf("s_server exited")
			}
			return false, nil
		})
		if err == nil {
			s := &SServer{Port: port, proc: proc}
			tb.Cleanup(proc.Stop)
			return s
		}
		proc.Stop()
		log, _ := os.ReadFile(logFile)
		lastLog = string(log)
	}
	tb.Fatalf("openssl s_server did not start:\n%s", lastLog)
	return nil
}

// SClientResult is what `openssl s_client` reports.
type SClientResult struct {
	Connected bool   // the handshake completed and the server answered "GET /" with HTTP
	Protocol  string // e.g. TLSv1.3
	Cipher    string // OpenSSL's name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 or TLS_AES_256_GCM_SHA384
	Output    string
}

// SClient connects with `openssl s_client`, sends "GET /" and reads the answer. extra are s_client
// arguments such as "-tls1_2" or "-cert", path, "-key", path.
func SClient(ctx context.Context, addr string, extra ...string) SClientResult {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	args := append([]string{"s_client", "-connect", addr, "-ign_eof"}, extra...)
	cmd := exec.CommandContext(ctx, "openssl", args...)
	cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C"}
	out, _ := cmd.CombinedOutput()
	r := SClientResult{Output: string(out)}
	sc := bufio.NewScanner(strings.NewReader(r.Output))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Protocol  :"), strings.HasPrefix(line, "Protocol version:"):
			r.Protocol = strings.TrimSpace(line[strings.Index(line, ":")+1:])
		case strings.HasPrefix(line, "Cipher    :"), strings.HasPrefix(line, "Ciphersuite:"):
			r.Cipher = strings.TrimSpace(line[strings.Index(line, ":")+1:])
		case strings.HasPrefix(line, "New, ") && strings.Contains(line, "Cipher is "):
			if r.Cipher == "" {
				r.Cipher = strings.TrimSpace(line[strings.Index(line, "Cipher is ")+len("Cipher is "):])
			}
			if r.Protocol == "" {
				r.Protocol = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "New, "), ", Cipher is "+r.Cipher))
			}
		}
	}
	r.Connected = strings.Contains(r.Output, "HTTP/1.0 200 ok")
	return r
}

// IANACipherName maps an OpenSSL cipher name to its IANA name with `openssl ciphers -stdname`.
func IANACipherName(ctx context.Context, openssl string) (string, error) {
	if strings.HasPrefix(openssl, "TLS_") {
		return openssl, nil
	}
	out, err := exec.CommandContext(ctx, "openssl", "ciphers", "-stdname", openssl+":@SECLEVEL=0").Output()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == openssl {
			return f[0], nil
		}
	}
	return "", fmt.Errorf("openssl does not know %q", openssl)
}
