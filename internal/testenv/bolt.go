package testenv

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// BoltConfig describes a Bolt listener.
//
// No Neo4j server can run on the test machines, so this listener stands in for Neo4j's Bolt connector:
// TLS (crypto/tls) on the port, then the Bolt handshake: the client sends the magic 60 60 B0 17 and four
// 4-byte version proposals ([reserved, range, minor, major]); the server answers with one 4-byte version,
// all zero when it supports none of them. That is all the endpoint probe needs; it never goes further.
type BoltConfig struct {
	TLS *tls.Config // certificate, client authentication, versions, suites; nil: plaintext only
	// AllowPlaintext also completes the handshake without TLS on the same port (Neo4j's
	// server.bolt.tls_level=OPTIONAL).
	AllowPlaintext bool
	// Versions the server supports as major<<8|minor; default 5.0-5.4 and 4.4.
	Versions []uint16
}

// BoltServer is a running listener.
type BoltServer struct {
	Addr string
	l    net.Listener
	wg   sync.WaitGroup
}

// StartBolt listens on 127.0.0.1 until the test ends.
func StartBolt(tb testing.TB, cfg BoltConfig) *BoltServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Versions == nil {
		cfg.Versions = []uint16{0x0500, 0x0501, 0x0502, 0x0503, 0x0504, 0x0404}
	}
	s := &BoltServer{Addr: l.Addr().String(), l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				serveBolt(c, cfg)
			}()
		}
	}()
	tb.Cleanup(func() { _ = l.Close(); s.wg.Wait() })
	return s
}

// bufConn lets a peeked connection be handed to crypto/tls.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

func serveBolt(c net.Conn, cfg BoltConfig) {
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	var conn net.Conn = bufConn{Conn: c, r: br}
	switch {
	case first[0] == 0x16 && cfg.TLS != nil:
		tc := tls.Server(conn, cfg.TLS)
		if err := tc.Handshake(); err != nil {
			return
		}
		conn = tc
	case first[0] == 0x60 && (cfg.AllowPlaintext || cfg.TLS == nil):
	default:
		return // Neo4j drops a connection that speaks neither
	}
	hs := make([]byte, 20)
	if _, err := io.ReadFull(conn, hs); err != nil {
		return
	}
	if !bytes.Equal(hs[:4], []byte{0x60, 0x60, 0xB0, 0x17}) {
		return
	}
	answer := []byte{0, 0, 0, 0}
	for i := 0; i < 4; i++ {
		p := hs[4+4*i : 8+4*i]
		major, minor, rng := p[3], p[2], p[1]
		best := -1
		for _, v := range cfg.Versions {
			vm, vn := byte(v>>8), byte(v)
			if vm == major && vn <= minor && int(vn) >= int(minor)-int(rng) && int(vn) > best {
				best = int(vn)
			}
		}
		if best >= 0 {
			answer = []byte{0, 0, byte(best), major}
			break
		}
	}
	if _, err := conn.Write(answer); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, conn) // until the client hangs up
}
