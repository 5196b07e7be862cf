package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// A peer that never answers in the protocol the URL names may be another kind of server on that port: an
// HTTP server, an SSH daemon, a TLS terminator. The probes of a protocol cannot tell that from a silent
// or slow server: PostgreSQL's SSLRequest and Bolt's handshake carry no line break, so an HTTP server
// just waits for the rest of its request line. identifyPeer settles it with one extra connection, and
// only when no probe has heard the protocol yet: it sends the protocol's opening bytes followed by an
// empty line, which completes a (malformed) HTTP request, and classifies whatever comes back. A server of
// the protocol answers the opening bytes before it would read the empty line, so it is recognised as
// itself; the empty line is sent only to a peer that has not answered so far.

// spokeFlag records that a probe heard the protocol (an answer to the SSLRequest or the StartupMessage,
// a Bolt version reply), so identification is not needed.
type spokeFlag struct{ atomic.Bool }

func (s *spokeFlag) set() {
	if s != nil {
		s.Store(true)
	}
}

func (s *spokeFlag) heard() bool { return s != nil && s.Load() }

// emptyLine ends an HTTP request line and its header section.
var emptyLine = []byte("\r\n\r\n")

// identifyPeer waits until the other probes are done (othersDone) or a third of the time left has passed,
// whichever comes first; then, unless a probe heard the protocol, it asks the peer what it is. The result
// is our description of a foreign peer ("" when it may well be a server of the protocol, or nothing could
// be told). The peer's own bytes are never repeated.
func identifyPeer(ctx context.Context, t *Target, serverName string, spoke *spokeFlag, othersDone <-chan struct{}) string {
	if t.Kind != KindPostgres && t.Kind != KindBolt {
		return ""
	}
	deadline := attemptDeadline(ctx, 0)
	timer := time.NewTimer(time.Until(deadline) / 3)
	defer timer.Stop()
	select {
	case <-othersDone:
	case <-timer.C:
	case <-ctx.Done():
		return ""
	}
	if spoke.heard() {
		return ""
	}
	conn, done, err := dial(ctx, t.Address(), deadline)
	if err != nil {
		return ""
	}
	defer done()
	c := conn
	var hello []byte
	switch t.Kind {
	case KindPostgres:
		hello, _ = (&pgproto3.SSLRequest{}).Encode(nil)
	default:
		hello = boltHandshake()
		if t.BoltTLS != BoltPlain {
			// G402: identification only; nothing is sent that needs a verified peer.
			tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: serverName, MinVersion: tls.VersionTLS10}) //nolint:gosec // see above
			_ = conn.SetDeadline(time.Now().Add(time.Until(deadline) / 2))
			err := tc.Handshake()
			_ = conn.SetDeadline(deadline)
			var rhe tls.RecordHeaderError
			switch {
			case err == nil:
				c = tc
			case errors.As(err, &rhe):
				// The peer answered the ClientHello with something that is not TLS.
				return describeForeign(t.Kind, rhe.RecordHeader[:], false)
			case isTimeout(err):
				// No answer to the ClientHello: an HTTP server may still be reading its request line.
				if _, err := conn.Write(emptyLine); err != nil {
					return ""
				}
				b := make([]byte, 16)
				return describeForeign(t.Kind, b[:readSome(conn, b)], false)
			default:
				return ""
			}
		}
	}
	if _, err := c.Write(hello); err != nil {
		return ""
	}
	// Give the peer half the time left to answer the opening bytes as a server of the protocol would.
	first := make([]byte, 16)
	_ = c.SetReadDeadline(time.Now().Add(time.Until(deadline) / 2))
	n, _ := c.Read(first)
	if n == 0 {
		if spoke.heard() {
			return ""
		}
		_ = c.SetReadDeadline(deadline)
		if _, err := c.Write(emptyLine); err != nil {
			return ""
		}
		n = readSome(c, first)
		if n == 0 {
			return ""
		}
	}
	if spoke.heard() {
		return ""
	}
	return describeForeign(t.Kind, first[:n], c != conn)
}

// readSome reads until buf is full, the peer stops, or the deadline.
func readSome(c net.Conn, buf []byte) int {
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			break
		}
		if n >= 5 {
			break
		}
	}
	return n
}

// describeForeign says what answered, or "" when the bytes may be the protocol's own answer.
func describeForeign(k Kind, b []byte, overTLS bool) string {
	if len(b) == 0 {
		return ""
	}
	switch k {
	case KindPostgres:
		if b[0] == 'S' || b[0] == 'N' || b[0] == 'E' {
			if !bytes.HasPrefix(b, []byte("SSH-")) {
				return ""
			}
		}
	case KindBolt:
		if len(b) < 4 || (b[0] == 0 && b[1] == 0) {
			return ""
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte("HTTP/")):
		if overTLS {
			return "an HTTPS server answered (an HTTP status line inside TLS)"
		}
		return "an HTTP server answered (an HTTP status line)"
	case bytes.HasPrefix(b, []byte("SSH-")):
		return "an SSH server answered (its version banner)"
	case len(b) >= 2 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03:
		return "a TLS server answered in TLS: the port expects a TLS handshake from the first byte"
	}
	return "the peer answered with bytes that are not " + protocolName(k)
}

func protocolName(k Kind) string {
	if k == KindBolt {
		return "Bolt"
	}
	return "PostgreSQL's protocol"
}
