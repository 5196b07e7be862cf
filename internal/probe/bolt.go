package probe

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// boltMagic opens every Bolt connection ("GoGoBolt").
var boltMagic = []byte{0x60, 0x60, 0xB0, 0x17}

// boltProposals are the four versions a current driver proposes, each as [reserved, range, minor, major]:
// 5.8 down to 5.0, 4.4 down to 4.2, 4.1, and 3.0 (Neo4j 3.5).
var boltProposals = [4][4]byte{{0, 8, 8, 5}, {0, 2, 4, 4}, {0, 0, 1, 4}, {0, 0, 0, 3}}

// boltHandshake is the client's first 20 bytes.
func boltHandshake() []byte {
	b := append([]byte{}, boltMagic...)
	for _, p := range boltProposals {
		b = append(b, p[:]...)
	}
	return b
}

// BoltVersion is an agreed protocol version.
type BoltVersion struct{ Major, Minor byte }

func (v BoltVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// parseBoltReply checks the server's 4-byte answer: all zero means no proposed version is supported; any
// other answer must be one of the versions proposed.
func parseBoltReply(b []byte) (BoltVersion, error) {
	if len(b) != 4 {
		return BoltVersion{}, fmt.Errorf("the Bolt answer has %d bytes, not 4", len(b))
	}
	v := binary.BigEndian.Uint32(b)
	if v == 0 {
		return BoltVersion{}, errors.New("the server supports none of the proposed Bolt versions")
	}
	if b[0] != 0 || b[1] != 0 {
		return BoltVersion{}, errors.New("the server's answer is not a Bolt version")
	}
	got := BoltVersion{Major: b[3], Minor: b[2]}
	for _, p := range boltProposals {
		if p[3] == got.Major && got.Minor <= p[2] && int(got.Minor) >= int(p[2])-int(p[1]) {
			return got, nil
		}
	}
	return BoltVersion{}, fmt.Errorf("the server answered Bolt %s, which was not proposed", got)
}

// readBoltReply reads exactly the 4-byte answer.
func readBoltReply(r io.Reader) (BoltVersion, error) {
	b := make([]byte, 4)
	if _, err := io.ReadFull(r, b); err != nil {
		return BoltVersion{}, err
	}
	return parseBoltReply(b)
}

// boltProtocol probes a Neo4j Bolt port.
type boltProtocol struct {
	addr       string
	serverName string
	spoke      *spokeFlag // set when any probe hears a Bolt version reply
}

func (bp boltProtocol) openTLS(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	return dial(ctx, bp.addr, deadline)
}

func (bp boltProtocol) openPlain(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	return dial(ctx, bp.addr, deadline)
}

func (bp boltProtocol) baseTLS() *tls.Config { return &tls.Config{ServerName: bp.serverName} }

func (bp boltProtocol) exchange(conn net.Conn, _ bool) exchangeResult {
	if _, err := conn.Write(boltHandshake()); err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	b := make([]byte, 4)
	if _, err := io.ReadFull(conn, b); err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	v, err := parseBoltReply(b)
	if err != nil {
		if binary.BigEndian.Uint32(b) == 0 {
			bp.spoke.set()
			return exchangeResult{answered: true, detail: err.Error()}
		}
		return exchangeResult{err: err}
	}
	bp.spoke.set()
	return exchangeResult{answered: true, accepted: true, detail: "Bolt " + v.String() + " agreed"}
}

// boltClientPath is what a Neo4j driver does for the URI scheme: +s verifies the chain against the trust
// anchors and the host name, +ssc accepts any certificate, and the plain schemes use no TLS.
func boltClientPath(ctx context.Context, bp boltProtocol, mode BoltTLS, trust *trustStore, clientCert *tls.Certificate, now time.Time) pathOutcome {
	deadline := attemptDeadline(ctx, 0)
	if mode == BoltPlain {
		conn, done, err := bp.openPlain(ctx, deadline)
		if err != nil {
			return pathOutcome{reason: "cannot connect: " + describeNetErr(err)}
		}
		defer done()
		return exchangeOutcome(bp.exchange(conn, false), false)
	}
	conn, done, err := bp.openTLS(ctx, deadline)
	if err != nil {
		return pathOutcome{reason: "cannot connect: " + describeNetErr(err)}
	}
	defer done()
	cfg := bp.baseTLS()
	cfg.InsecureSkipVerify = true
	var verify func(tls.ConnectionState) error
	if mode == BoltVerify {
		verify = goStyleVerifier(trust, bp.serverName, now)
	}
	var rec handshakeRecord
	rec.instrument(cfg, verify, clientCert)
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		if why, ok := certRejection(&rec, clientCert != nil, err); ok {
			return pathOutcome{reason: why}
		}
		return pathOutcome{reason: "TLS handshake failed: " + describeTLSErr(err)}
	}
	ex := bp.exchange(tc, true)
	if why, ok := certRejection(&rec, clientCert != nil, ex.err); ok && !ex.answered {
		return pathOutcome{tls: true, reason: why}
	}
	return exchangeOutcome(ex, true)
}

// pathOutcome is the verdict of a client's path.
type pathOutcome struct {
	ok     bool
	tls    bool
	reason string
}

func exchangeOutcome(ex exchangeResult, overTLS bool) pathOutcome {
	switch {
	case ex.answered && ex.accepted:
		return pathOutcome{ok: true, tls: overTLS}
	case ex.answered:
		return pathOutcome{tls: overTLS, reason: ex.detail}
	case ex.timeout:
		return pathOutcome{tls: overTLS, reason: "no answer before the deadline"}
	case ex.err != nil:
		return pathOutcome{tls: overTLS, reason: describeNetErr(ex.err)}
	}
	return pathOutcome{tls: overTLS, reason: "no answer"}
}

// goStyleVerifier checks the chain against trust and the host name by RFC 6125 (subjectAltName only), as
// Go and Java drivers and HTTPS clients do.
func goStyleVerifier(trust *trustStore, host string, now time.Time) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if trust == nil {
			return errors.New("no trust anchors to verify against")
		}
		if _, err := trust.verify(cs.PeerCertificates, now); err != nil {
			return err
		}
		if err := cs.PeerCertificates[0].VerifyHostname(host); err != nil {
			return fmt.Errorf("the server certificate is not valid for host %q (names: %s)", host, certNames(cs.PeerCertificates[0]))
		}
		return nil
	}
}
