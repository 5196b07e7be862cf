package testenv

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Hostile is a misbehaving server.
type Hostile string

// The hostile servers.
const (
	// HostileSilent accepts and never says anything.
	HostileSilent Hostile = "silent"
	// HostileSlowDrip answers "S", then the start of a TLS record, one byte every 100 ms, forever.
	HostileSlowDrip Hostile = "slow-drip"
	// HostileSSLTrailing answers the SSLRequest with "S" plus injected bytes in the same write
	// (CVE-2021-23222), counts the answer as sent (HostileServer.Sent), then hangs up: the verdict
	// comes from the bytes, never from the client's deadline.
	HostileSSLTrailing Hostile = "ssl-trailing"
	// HostileAnswerN answers "N" to an SSLRequest and refuses whatever follows with an ErrorResponse.
	HostileAnswerN Hostile = "answer-n"
	// HostileErrorResponse answers anything with an ErrorResponse carrying text that must never be echoed.
	HostileErrorResponse Hostile = "error-response"
	// HostileHugeChain does TLS (after "S" for an SSLRequest) with a certificate chain far beyond any
	// sane size.
	HostileHugeChain Hostile = "huge-chain"
	// HostileMidHandshakeClose reads the ClientHello, sends half a ServerHello and closes; it hangs up
	// at once on a first message that is not a TLS handshake record.
	HostileMidHandshakeClose Hostile = "close-mid-handshake"
	// HostileGarbage sends random non-TLS bytes right after accepting.
	HostileGarbage Hostile = "garbage"
	// HostileTerminalText does TLS (after "S" for an SSLRequest) with a certificate whose subject, issuer
	// and DNS names hold terminal escape sequences and bidirectional overrides (HostileCertificateText),
	// then answers an HTTP request with such text in its status line and headers, and anything else with
	// an ErrorResponse carrying it.
	HostileTerminalText Hostile = "terminal-text"
)

// HostileCertificateText is the common name of HostileTerminalText's certificate: a colour change, a
// window title change, a right-to-left override and a left-to-right isolate.
const HostileCertificateText = "db\x1b[31m.example\x1b]0;owned\x07\u202egnp.exe\u2066x"

// AllHostile lists every hostile server.
var AllHostile = []Hostile{HostileSilent, HostileSlowDrip, HostileSSLTrailing, HostileAnswerN,
	HostileErrorResponse, HostileHugeChain, HostileMidHandshakeClose, HostileGarbage, HostileTerminalText}

// HostileSecret is the text HostileErrorResponse puts in its error; reports must never contain it.
const HostileSecret = "HOSTILE-SERVER-TEXT <script>alert(1)</script>"

var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F}

// HostileServer is a running hostile server.
type HostileServer struct {
	Addr string // "127.0.0.1:port"
	sent atomic.Int64
}

// Sent counts the connections on which the server has written everything it means to send before
// hanging up (only HostileSSLTrailing counts them): a test waits on this event, not on a deadline.
func (s *HostileServer) Sent() int { return int(s.sent.Load()) }

// StartHostile runs the hostile server until the test ends and returns its address.
func StartHostile(tb testing.TB, kind Hostile) string {
	tb.Helper()
	return StartHostileServer(tb, kind).Addr
}

// StartHostileServer runs the hostile server until the test ends.
func StartHostileServer(tb testing.TB, kind Hostile) *HostileServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var hugeCfg *tls.Config
	if kind == HostileHugeChain {
		leaf := SelfSigned(Localhost())
		cert := leaf.TLSCertificate()
		// 1000 copies of the certificate: a Certificate message of some 400 KiB, beyond what any client takes.
		for i := 0; i < 1000; i++ {
			cert.Certificate = append(cert.Certificate, leaf.Cert.Raw)
		}
		hugeCfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if kind == HostileTerminalText {
		ca := NewCA("CA \u202eevil\x1b[2J")
		leaf := ca.Issue(LeafOptions{CommonName: HostileCertificateText, DNSNames: []string{"a\x1b[5m.example", "localhost"}})
		leaf.ChainPEM = append(append([]byte{}, leaf.ChainPEM...), ca.CertPEM...)
		hugeCfg = &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}}
	}
	srv := &HostileServer{Addr: l.Addr().String()}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				serveHostile(c, kind, hugeCfg, done, &srv.sent)
			}()
		}
	}()
	tb.Cleanup(func() {
		close(done)
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return srv
}

// errorResponse builds a PostgreSQL ErrorResponse by hand: hostile servers are not bound by any library.
func errorResponse(code, msg string) []byte {
	var body bytes.Buffer
	for _, f := range []struct {
		t byte
		v string
	}{{'S', "FATAL"}, {'V', "FATAL"}, {'C', code}, {'M', msg}} {
		body.WriteByte(f.t)
		body.WriteString(f.v)
		body.WriteByte(0)
	}
	body.WriteByte(0)
	n := body.Len() + 4
	return append([]byte{'E', byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, body.Bytes()...)
}

func serveHostile(c net.Conn, kind Hostile, hugeCfg *tls.Config, done chan struct{}, sent *atomic.Int64) {
	br := bufio.NewReader(c)
	// isSSLRequest reads past a PostgreSQL SSLRequest if the client starts with one. Every client
	// speaks first here, and a PostgreSQL message starts with a zero byte (its length), which no TLS
	// record, HTTP request or Bolt preamble does: the first byte decides, with no timer involved.
	isSSLRequest := func() bool {
		if first, err := br.Peek(1); err != nil || first[0] != 0 {
			return false
		}
		b, _ := br.Peek(8)
		if bytes.Equal(b, sslRequest) {
			_, _ = br.Discard(8)
			return true
		}
		return false
	}
	switch kind {
	case HostileSilent:
		_, _ = io.Copy(io.Discard, br)
	case HostileSlowDrip:
		drip := append([]byte{'S', 0x16, 0x03, 0x03, 0x40, 0x00}, bytes.Repeat([]byte{0x02}, 64)...)
		for _, b := range drip {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
		_, _ = io.Copy(io.Discard, br)
	case HostileSSLTrailing:
		if _, err := io.ReadFull(br, make([]byte, 8)); err != nil {
			return
		}
		if _, err := c.Write(append([]byte{'S'}, errorResponse("28000", HostileSecret)...)); err != nil {
			return
		}
		sent.Add(1)
		// Hang up the sending side only, and read until the client closes: closing with unread
		// bytes would reset the connection, and a reset may drop what was sent.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, br)
	case HostileAnswerN:
		if _, err := io.ReadFull(br, make([]byte, 8)); err != nil {
			return
		}
		_, _ = c.Write([]byte{'N'})
		_, _ = br.ReadByte()
		_, _ = c.Write(errorResponse("28000", HostileSecret))
	case HostileErrorResponse:
		_, _ = br.ReadByte()
		_, _ = c.Write(errorResponse("08P01", HostileSecret))
	case HostileHugeChain:
		if isSSLRequest() {
			_, _ = c.Write([]byte{'S'})
		}
		_ = tls.Server(bufConn{Conn: c, r: br}, hugeCfg).Handshake()
	case HostileMidHandshakeClose:
		if isSSLRequest() {
			_, _ = c.Write([]byte{'S'})
		}
		// Read the ClientHello record header and body, answer with half a ServerHello, hang up.
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 0x16 {
			return
		}
		_, _ = io.ReadFull(br, make([]byte, int(hdr[3])<<8|int(hdr[4])))
		_, _ = c.Write([]byte{0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03})
	case HostileTerminalText:
		if isSSLRequest() {
			_, _ = c.Write([]byte{'S'})
		}
		tc := tls.Server(bufConn{Conn: c, r: br}, hugeCfg)
		if tc.Handshake() != nil {
			return
		}
		tr := bufio.NewReader(tc)
		first, err := tr.Peek(1)
		if err != nil {
			return
		}
		if first[0] == 'G' {
			_, _ = tc.Write([]byte("HTTP/1.1 400 \x1b[31m" + HostileSecret + "\r\nX-Evil\x1b]0;t\x07: \u202e" + HostileSecret + "\r\nContent-Length: 0\r\n\r\n"))
			return
		}
		_, _ = tc.Write(errorResponse("28000", "\x1b[31m"+HostileSecret+"\u202e"))
	case HostileGarbage:
		g := make([]byte, 4096)
		for i := range g {
			g[i] = byte(i*7919 + 13)
		}
		g[0] = 'Q'
		_, _ = c.Write(g)
		time.Sleep(200 * time.Millisecond)
	}
}
