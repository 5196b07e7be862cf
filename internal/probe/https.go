package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// httpsProtocol probes an HTTPS port (Neo4j's 7473, or any web endpoint) with one request.
type httpsProtocol struct {
	addr       string
	serverName string
	hostHeader string
	requestURI string
}

func (hp httpsProtocol) openTLS(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	return dial(ctx, hp.addr, deadline)
}

func (hp httpsProtocol) openPlain(ctx context.Context, deadline time.Time) (net.Conn, func(), error) {
	return dial(ctx, hp.addr, deadline)
}

func (hp httpsProtocol) baseTLS() *tls.Config {
	return &tls.Config{ServerName: hp.serverName, NextProtos: []string{"http/1.1"}}
}

// exchange sends one HEAD-less GET and reads the status line and headers. Over TLS any HTTP answer means
// the session works; in plaintext only a status below 400 counts as the server serving plain HTTP (a 400
// "plain HTTP request sent to HTTPS port" is a refusal).
func (hp httpsProtocol) exchange(conn net.Conn, overTLS bool) exchangeResult {
	uri := hp.requestURI
	if uri == "" {
		uri = "/"
	}
	req := "GET " + uri + " HTTP/1.1\r\nHost: " + hp.hostHeader + "\r\nUser-Agent: dbtls-endpoint-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	status, err := readHTTPStatus(conn)
	if err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	if overTLS {
		return exchangeResult{answered: true, accepted: true, detail: fmt.Sprintf("HTTP status %d", status)}
	}
	return exchangeResult{answered: true, accepted: status < 400, detail: fmt.Sprintf("plain HTTP status %d", status)}
}

// readHTTPStatus reads one response head (bounded to 64 KiB) and returns its status code.
func readHTTPStatus(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, 64<<10), 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		if strings.Contains(err.Error(), "malformed HTTP") {
			return 0, fmt.Errorf("the answer is not HTTP")
		}
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func httpsClientPath(ctx context.Context, hp httpsProtocol, trust *trustStore, clientCert *tls.Certificate, now time.Time) pathOutcome {
	deadline := attemptDeadline(ctx, 0)
	conn, done, err := hp.openTLS(ctx, deadline)
	if err != nil {
		return pathOutcome{reason: "cannot connect: " + describeNetErr(err)}
	}
	defer done()
	cfg := hp.baseTLS()
	cfg.InsecureSkipVerify = true
	var rec handshakeRecord
	rec.instrument(cfg, goStyleVerifier(trust, hp.serverName, now), clientCert)
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		return pathOutcome{reason: "TLS handshake failed: " + describeTLSErr(err)}
	}
	return exchangeOutcome(hp.exchange(tc, true), true)
}
