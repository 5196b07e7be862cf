package probe

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

func encode(t testing.TB, msgs ...pgproto3.BackendMessage) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestReadSSLResponse(t *testing.T) {
	t.Parallel()
	errResp := encode(t, &pgproto3.ErrorResponse{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"})
	tests := []struct {
		in       []byte
		answer   byte
		trailing int
		sqlstate string
	}{
		{[]byte("S"), 'S', 0, ""},
		{[]byte("N"), 'N', 0, ""},
		{append([]byte("S"), 0x16, 0x03), 'S', 2, ""},
		{errResp, 'E', 0, "53300"},
		{[]byte("E\x00\x00"), 'E', 0, ""},
		{[]byte("EFATAL: old protocol\x00"), 'E', 0, ""},
		{[]byte("H"), 'H', 0, ""},
	}
	for _, tc := range tests {
		got, err := readSSLResponse(bytes.NewReader(tc.in))
		if err != nil {
			t.Errorf("readSSLResponse(%q): %v", tc.in, err)
			continue
		}
		if got.answer != tc.answer || got.trailing != tc.trailing || got.sqlstate != tc.sqlstate {
			t.Errorf("readSSLResponse(%q) = %+v, want answer %c trailing %d sqlstate %q", tc.in, got, tc.answer, tc.trailing, tc.sqlstate)
		}
	}
	if _, err := readSSLResponse(bytes.NewReader(nil)); err == nil {
		t.Error("readSSLResponse(empty) succeeded")
	}
}

func TestReadStartupReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       []byte
		accepted bool
		sqlstate string
		err      bool
	}{
		{"trust", encode(t, &pgproto3.AuthenticationOk{}, &pgproto3.ParameterStatus{Name: "a", Value: "b"}), true, "", false},
		{"scram", encode(t, &pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}), true, "", false},
		{"md5", encode(t, &pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}}), true, "", false},
		{"after negotiate", encode(t, &pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0}, &pgproto3.AuthenticationOk{}), true, "", false},
		{"hba reject", encode(t, &pgproto3.ErrorResponse{Severity: "FATAL", Code: "28000", Message: "no pg_hba.conf entry"}), false, "28000", false},
		{"bad sqlstate", encode(t, &pgproto3.ErrorResponse{Severity: "FATAL", Code: "<b>x", Message: "x"}), false, "", false},
		{"ready first", encode(t, &pgproto3.ReadyForQuery{TxStatus: 'I'}), false, "", true},
		{"huge", []byte{'E', 0x7f, 0xff, 0xff, 0xff}, false, "", true},
		{"short", []byte{'R', 0, 0}, false, "", true},
		{"empty", nil, false, "", true},
	}
	for _, tc := range tests {
		got, err := readStartupReply(bytes.NewReader(tc.in))
		if (err != nil) != tc.err {
			t.Errorf("%s: error %v, want error %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && (got.accepted != tc.accepted || got.sqlstate != tc.sqlstate) {
			t.Errorf("%s: %+v, want accepted %v sqlstate %q", tc.name, got, tc.accepted, tc.sqlstate)
		}
	}
}

func TestParseBoltReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []byte
		want string
		err  string
	}{
		{[]byte{0, 0, 4, 5}, "5.4", ""},
		{[]byte{0, 0, 8, 5}, "5.8", ""},
		{[]byte{0, 0, 4, 4}, "4.4", ""},
		{[]byte{0, 0, 2, 4}, "4.2", ""},
		{[]byte{0, 0, 0, 3}, "3.0", ""},
		{[]byte{0, 0, 0, 0}, "", "none of the proposed"},
		{[]byte{0, 0, 9, 5}, "", "not proposed"},
		{[]byte{0, 0, 0, 2}, "", "not proposed"},
		{[]byte("HTTP"), "", "not a Bolt version"},
		{[]byte{0, 0, 1}, "", "3 bytes"},
	}
	for _, tc := range tests {
		v, err := parseBoltReply(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("parseBoltReply(%v): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseBoltReply(%v) = %v, %v; want error containing %q", tc.in, v, err, tc.err)
		case tc.err == "" && v.String() != tc.want:
			t.Errorf("parseBoltReply(%v) = %s, want %s", tc.in, v, tc.want)
		}
	}
}

func TestReadHTTPAnswer(t *testing.T) {
	t.Parallel()
	if a, err := readHTTPAnswer(strings.NewReader("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n")); err != nil || a.status != 204 || a.cert != httpCertUnknown {
		t.Errorf("got %+v, %v", a, err)
	}
	if _, err := readHTTPAnswer(strings.NewReader("\x15\x03\x03\x00\x02\x02\x46")); err == nil {
		t.Error("a TLS alert parsed as HTTP")
	}
	if _, err := readHTTPAnswer(strings.NewReader("HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Long: a\r\n", 10000))); err == nil {
		t.Error("an endless header was accepted")
	}
	// nginx 1.22's page for ssl_verify_client on without a certificate, and for one that does not verify.
	page := func(text string) string {
		body := "<html>\r\n<head><title>400 " + text + "</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>" +
			text + "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		return fmt.Sprintf("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}
	if a, err := readHTTPAnswer(strings.NewReader(page("No required SSL certificate was sent"))); err != nil || a.status != 400 || a.cert != httpNoCertificate {
		t.Errorf("no certificate page: %+v, %v", a, err)
	}
	if a, err := readHTTPAnswer(strings.NewReader(page("The SSL certificate error"))); err != nil || a.cert != httpBadCertificate {
		t.Errorf("certificate error page: %+v, %v", a, err)
	}
	if a, err := readHTTPAnswer(strings.NewReader(page("Bad Request"))); err != nil || a.cert != httpCertUnknown {
		t.Errorf("plain 400: %+v, %v", a, err)
	}
	// Header bytes of a malformed answer are never repeated, escaped or not.
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nX-Evil\x1b[31m: \u202eabc\r\n\r\n",
		"HTTP/1.1 2\x1b[2J0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\x1b]0;owned\x07 no colon\r\n\r\n",
	} {
		_, err := readHTTPAnswer(strings.NewReader(raw))
		if err == nil || err.Error() != "the answer is not valid HTTP" {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

// FuzzServerReply feeds arbitrary bytes to every parser of server answers: the answer to an SSLRequest,
// the answer to a StartupMessage, the Bolt version and an HTTP response head. None may panic or read
// beyond its bounds; an accepted startup reply always comes from an authentication request.
func FuzzServerReply(f *testing.F) {
	seeds := [][]byte{
		[]byte("S"), []byte("N"), []byte("SE\x00\x00\x00\x08"),
		encode(f, &pgproto3.AuthenticationOk{}),
		encode(f, &pgproto3.ErrorResponse{Severity: "FATAL", Code: "28000", Message: "no pg_hba.conf entry"}),
		encode(f, &pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: []string{"_pq_.x"}}),
		{0, 0, 4, 5}, {0, 0, 0, 0}, []byte("HTTP/1.0 200 ok\r\n\r\n"),
		{'R', 0, 0, 0, 8, 0, 0, 0, 99}, {'E', 0xff, 0xff, 0xff, 0xff},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := readSSLResponse(bytes.NewReader(data)); err == nil {
			if r.trailing < 0 || r.trailing > len(data) {
				t.Fatalf("trailing %d for %d bytes", r.trailing, len(data))
			}
			if r.sqlstate != "" && cleanSQLState(r.sqlstate) != r.sqlstate {
				t.Fatalf("unclean SQLSTATE %q", r.sqlstate)
			}
		}
		if r, err := readStartupReply(bytes.NewReader(data)); err == nil && r.accepted && (len(data) == 0 || !bytes.Contains(data, []byte{'R'})) {
			t.Fatalf("accepted without an authentication request: %q", data)
		} else if err == nil {
			_ = r.describe()
		}
		if len(data) >= 4 {
			_, _ = parseBoltReply(data[:4])
		}
		_, _ = readBoltReply(bytes.NewReader(data))
		_, _ = readHTTPAnswer(io.LimitReader(bytes.NewReader(data), 1<<16))
	})
}

// Refusals are glossed by SQLSTATE and message (PostgreSQL 15's and PgBouncer 1.18's English texts); the
// words never contain the message itself.
func TestClassifyRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code, msg, want string
		tlsRequired     bool
		certRequired    bool
	}{
		{"28000", `no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "postgres", no encryption`, "without encryption", true, false},
		{"28000", `pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption`, "without encryption", true, false},
		{"28000", `no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "postgres", SSL off`, "without encryption", true, false},
		{"28000", `no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "postgres", SSL encryption`, "no entry that accepts it", false, false},
		{"28000", `pg_hba.conf rejects connection for host "127.0.0.1", user "x", database "y", SSL encryption`, "reject line", false, false},
		{"28000", "connection requires a valid client certificate", "a valid client certificate is required", false, true},
		{"28000", `certificate authentication failed for user "postgres"`, "common name does not match", false, false},
		{"28000", "something else entirely", "SQLSTATE 28000: the server refused the client's authorization", false, false},
		{"08P01", "SSL required", "PgBouncer requires TLS", true, false},
		{"08P01", `no such user: "x"`, "no such user", false, false},
		{"08P01", "TLS connection required", "PgBouncer requires TLS for this user", true, false},
		{"08P01", "TLS client certificate required", "PgBouncer requires a client certificate", false, true},
		{"08P01", "TLS certificate name mismatch", "common name does not match", false, false},
		{"08P01", "pgbouncer cannot connect to server", "cannot connect to its server", false, false},
		{"08P01", "bad packet", "protocol violation", false, false},
		{"28P01", `password authentication failed for user "postgres"`, "password authentication failed", false, false},
		{"", "no pg_hba.conf entry", "without a valid SQLSTATE", false, false},
	} {
		r := classifyRefusal(tc.code, tc.msg)
		if !strings.Contains(r.words, tc.want) || r.tlsRequired != tc.tlsRequired || r.certRequired != tc.certRequired {
			t.Errorf("%s %q: %+v, want %q tls=%v cert=%v", tc.code, tc.msg, r, tc.want, tc.tlsRequired, tc.certRequired)
		}
		if tc.msg != "" && strings.Contains(r.words, tc.msg) {
			t.Errorf("%s %q: the message is repeated in %q", tc.code, tc.msg, r.words)
		}
	}
}
