package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

// exchange sends one GET and reads the status line, the headers and the start of the body. Over TLS any
// HTTP answer means the session works, except the 400 a proxy that verifies client certificates (nginx's
// ssl_verify_client on) sends a client without one; in plaintext only a status below 400 counts as the
// server serving plain HTTP (a 400 "plain HTTP request sent to HTTPS port" is a refusal). The server's
// text is only matched, never repeated.
func (hp httpsProtocol) exchange(conn net.Conn, overTLS bool) exchangeResult {
	uri := hp.requestURI
	if uri == "" {
		uri = "/"
	}
	req := "GET " + uri + " HTTP/1.1\r\nHost: " + hp.hostHeader + "\r\nUser-Agent: dbtls-endpoint-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	ans, err := readHTTPAnswer(conn)
	if err != nil {
		return exchangeResult{err: err, timeout: isTimeout(err)}
	}
	if !overTLS {
		return exchangeResult{answered: true, accepted: ans.status < 400, detail: fmt.Sprintf("plain HTTP status %d", ans.status)}
	}
	switch ans.cert {
	case httpNoCertificate:
		return exchangeResult{answered: true, certRequired: true,
			detail: fmt.Sprintf("HTTP status %d: the server requires a client certificate and none was sent", ans.status)}
	case httpBadCertificate:
		return exchangeResult{answered: true, certRequired: true,
			detail: fmt.Sprintf("HTTP status %d: the server refused the client certificate", ans.status)}
	}
	return exchangeResult{answered: true, accepted: true, detail: fmt.Sprintf("HTTP status %d", ans.status)}
}

// httpCertAnswer is what an HTTP error page says about the client certificate.
type httpCertAnswer int

const (
	httpCertUnknown httpCertAnswer = iota
	httpNoCertificate
	httpBadCertificate
)

type httpAnswer struct {
	status int
	cert   httpCertAnswer
}

// readHTTPAnswer reads one response head (bounded to 64 KiB) and, for a 400, up to 4 KiB of the body: nginx
// answers a TLS client without the certificate ssl_verify_client on demands with 400 and the page "No
// required SSL certificate was sent" (and "The SSL certificate error" for one that does not verify).
// Errors are in our words: a malformed answer's bytes are not repeated.
func readHTTPAnswer(r io.Reader) (httpAnswer, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, 64<<10), 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		var ne net.Error
		if isTimeout(err) || isClosed(err) || isRemoteAlert(err) || errors.As(err, &ne) {
			return httpAnswer{}, err // a connection error: no server text in it
		}
		return httpAnswer{}, errors.New("the answer is not valid HTTP")
	}
	defer func() { _ = resp.Body.Close() }()
	ans := httpAnswer{status: resp.StatusCode}
	if resp.StatusCode == http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		switch {
		case bytes.Contains(body, []byte("No required SSL certificate was sent")):
			ans.cert = httpNoCertificate
		case bytes.Contains(body, []byte("The SSL certificate error")):
			ans.cert = httpBadCertificate
		}
	}
	return ans, nil
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
		if why, ok := certRejection(&rec, clientCert != nil, err); ok {
			return pathOutcome{reason: why}
		}
		return pathOutcome{reason: "TLS handshake failed: " + describeTLSErr(err)}
	}
	ex := hp.exchange(tc, true)
	if why, ok := certRejection(&rec, clientCert != nil, ex.err); ok && !ex.answered {
		return pathOutcome{tls: true, reason: why}
	}
	return exchangeOutcome(ex, true)
}
