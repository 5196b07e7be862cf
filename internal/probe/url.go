package probe

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kind is the protocol family of a target.
type Kind int

const (
	// KindPostgres is PostgreSQL (postgresql:// and postgres:// URIs, key=value connection strings).
	KindPostgres Kind = iota + 1
	// KindBolt is Neo4j's Bolt protocol (neo4j://, bolt:// and their +s / +ssc variants).
	KindBolt
	// KindHTTPS is TLS followed by one HTTP request (https://).
	KindHTTPS
)

func (k Kind) String() string {
	switch k {
	case KindPostgres:
		return "postgresql"
	case KindBolt:
		return "bolt"
	case KindHTTPS:
		return "https"
	}
	return "unknown"
}

// SSLMode is libpq's sslmode.
type SSLMode string

// The sslmode values libpq knows, weakest first.
const (
	SSLDisable    SSLMode = "disable"
	SSLAllow      SSLMode = "allow"
	SSLPrefer     SSLMode = "prefer"
	SSLRequire    SSLMode = "require"
	SSLVerifyCA   SSLMode = "verify-ca"
	SSLVerifyFull SSLMode = "verify-full"
)

// SSLModes lists the sslmode values, weakest first.
var SSLModes = []SSLMode{SSLDisable, SSLAllow, SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull}

// rank orders the modes; require and stronger refuse plaintext.
func (m SSLMode) rank() int {
	for i, v := range SSLModes {
		if v == m {
			return i
		}
	}
	return -1
}

// BoltTLS is what a Neo4j driver does about TLS for a URI scheme.
type BoltTLS int

const (
	// BoltPlain: neo4j:// and bolt:// without driver-side TLS configuration: plaintext.
	BoltPlain BoltTLS = iota
	// BoltVerify: neo4j+s:// and bolt+s://: TLS with full certificate and host name verification.
	BoltVerify
	// BoltSelfSigned: neo4j+ssc:// and bolt+ssc://: TLS, any certificate accepted.
	BoltSelfSigned
)

// Default ports.
const (
	DefaultPostgresPort = 5432
	DefaultBoltPort     = 7687
	DefaultHTTPSPort    = 443
)

// SystemRootCert is the sslrootcert value that selects the operating system's trust store (libpq 16+).
const SystemRootCert = "system"

// Target is a parsed endpoint URL: where to connect and what the client demands.
type Target struct {
	Kind   Kind
	Scheme string // as written in a URI ("postgresql", "neo4j+s", ...); "" for a key=value string

	Host     string // the host name the client verifies and sends as SNI (libpq's host)
	HostAddr string // libpq's hostaddr: the numeric address actually dialled, when given
	Port     int

	// PostgreSQL (libpq parameters).
	User           string
	DBName         string
	SSLMode        SSLMode
	SSLModeSet     bool // sslmode was written in the URL (otherwise the default, prefer)
	SSLRootCert    string
	SSLCert        string
	SSLKey         string
	SSLCRL         string
	SSLCRLDir      string
	SSLSNI         bool
	SSLCertMode    string // "", "disable", "allow", "require" (libpq 16+)
	Direct         bool   // sslnegotiation=direct (libpq 17+)
	MinTLS         uint16 // ssl_min_protocol_version (default TLS 1.2)
	MaxTLS         uint16 // ssl_max_protocol_version (0: no maximum)
	ConnectTimeout time.Duration

	// Libpq is the libpq major version modelled (0: 16 or later).
	Libpq int

	// Neo4j.
	BoltTLS BoltTLS
	Routing bool // neo4j:// schemes (as opposed to bolt://)

	// HTTPS: the request target, path and query.
	RequestURI string
}

// Address is the host:port the probes dial.
func (t *Target) Address() string {
	h := t.HostAddr
	if h == "" {
		h = t.Host
	}
	return net.JoinHostPort(h, strconv.Itoa(t.Port))
}

// Display is a short, password-free name of the target for messages: scheme://host:port.
func (t *Target) Display() string {
	scheme := t.Scheme
	if scheme == "" {
		scheme = "postgresql"
	}
	h := t.Host
	if h == "" {
		h = t.HostAddr
	}
	s := scheme + "://" + net.JoinHostPort(h, strconv.Itoa(t.Port))
	if t.HostAddr != "" && t.Host != "" {
		s += " (hostaddr " + t.HostAddr + ")"
	}
	return s
}

// SystemTrustStore reports whether sslrootcert selects the operating system's trust store: the value
// "system" under libpq 16 and later; libpq 15 reads it as a file name.
func (t *Target) SystemTrustStore() bool {
	return t.SSLRootCert == SystemRootCert && (t.Libpq == NewestLibpq || t.Libpq >= 16)
}

// RequiresTLS reports whether the client refuses to run the session without TLS.
func (t *Target) RequiresTLS() bool {
	switch t.Kind {
	case KindPostgres:
		return t.SSLMode.rank() >= SSLRequire.rank()
	case KindBolt:
		return t.BoltTLS != BoltPlain
	default:
		return true
	}
}

// ParseError is malformed or unsupported input in an endpoint URL.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return e.Msg }

func perr(format string, args ...any) error { return &ParseError{Msg: fmt.Sprintf(format, args...)} }

// ParseURL parses an endpoint URL: a PostgreSQL URI or key=value connection string (libpq's syntax and
// parameter names), a Neo4j driver URI, or an https:// URL. Values are checked as libpq checks them, and
// the features the probe cannot reproduce (several hosts, Unix-domain sockets, service files, GSSAPI
// encryption) are refused rather than silently ignored.
func ParseURL(raw string) (*Target, error) { return ParseURLForLibpq(raw, 0) }

// NewestLibpq is the libpq major version whose behaviour ParseURL models: 16 and later (sslrootcert=system,
// sslcertmode), with 17's sslnegotiation=direct.
const NewestLibpq = 0

// MinLibpq is the oldest libpq major version the probe can model.
const MinLibpq = 15

// ParseURLForLibpq is ParseURL for a PostgreSQL client linked against libpq of the given major version
// (0: 16 or later). Under 15, sslrootcert=system names a file called "system" (the trust store needs
// 16), and the parameters added in 16 (sslcertmode) and 17 (sslnegotiation) are unknown, so libpq
// refuses the URL; under 16, sslnegotiation is unknown.
func ParseURLForLibpq(raw string, libpq int) (*Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, perr("the URL is empty")
	}
	if strings.HasPrefix(s, "postgresql://") || strings.HasPrefix(s, "postgres://") {
		opts, err := parsePostgresURI(s)
		if err != nil {
			return nil, err
		}
		t, err := postgresTarget(opts, libpq)
		if err != nil {
			return nil, err
		}
		t.Scheme = s[:strings.Index(s, "://")]
		return t, nil
	}
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], "= \t\n") {
		return parseOtherURL(s, strings.ToLower(s[:i]))
	}
	opts, err := parseConninfo(s)
	if err != nil {
		return nil, err
	}
	return postgresTarget(opts, libpq)
}

// libpqKeywords are the connection parameters libpq accepts. Those with true are used by the probe; the
// others are accepted and have no bearing on TLS negotiation or on the server's pg_hba decision.
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true, "sslcrl": true, "sslcrldir": true,
	"sslsni": true, "sslnegotiation": true, "sslcertmode": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "connect_timeout": true, "gssencmode": true, "service": true,
	"password": false, "passfile": false, "require_auth": false, "channel_binding": false, "options": false,
	"application_name": false, "fallback_application_name": false, "keepalives": false,
	"keepalives_idle": false, "keepalives_interval": false, "keepalives_count": false,
	"tcp_user_timeout": false, "replication": false, "sslcompression": false, "sslpassword": false,
	"sslkeylogfile": false, "requirepeer": false, "krbsrvname": false, "gsslib": false,
	"gssdelegation": false, "target_session_attrs": false, "load_balance_hosts": false,
	"client_encoding": false, "min_protocol_version": false, "max_protocol_version": false,
	"scram_client_key": false, "scram_server_key": false,
}

// parseConninfo reads a key=value connection string the way libpq's conninfo_parse does: keywords and
// values separated by "=" with optional white space around it, values either bare (ending at white space,
// with backslash escaping the next character) or single-quoted (with \' and \\ escapes).
func parseConninfo(s string) (map[string]string, error) {
	opts := map[string]string{}
	i, n := 0, len(s)
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	for {
		for i < n && isSpace(s[i]) {
			i++
		}
		if i >= n {
			break
		}
		start := i
		for i < n && !isSpace(s[i]) && s[i] != '=' {
			i++
		}
		key := s[start:i]
		for i < n && isSpace(s[i]) {
			i++
		}
		if i >= n || s[i] != '=' {
			// The word is not quoted: it may be a fragment of an unquoted password.
			return nil, perr("missing \"=\" after the word at byte %d of the connection string (quote values with spaces in single quotes)", start+1)
		}
		i++ // '='
		for i < n && isSpace(s[i]) {
			i++
		}
		var val strings.Builder
		if i < n && s[i] == '\'' {
			i++
			closed := false
			for i < n {
				c := s[i]
				if c == '\\' {
					i++
					if i < n {
						val.WriteByte(s[i])
						i++
					}
					continue
				}
				if c == '\'' {
					i++
					closed = true
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return nil, perr("unterminated quoted string in the connection string (value of %q)", key)
			}
		} else {
			for i < n && !isSpace(s[i]) {
				if s[i] == '\\' {
					i++
					if i < n {
						val.WriteByte(s[i])
						i++
					}
					continue
				}
				val.WriteByte(s[i])
				i++
			}
		}
		if key == "" {
			return nil, perr("a connection string parameter has an empty name")
		}
		if _, ok := libpqKeywords[key]; !ok {
			return nil, perr("invalid connection option %s", quoteKeyword(key))
		}
		if strings.IndexByte(val.String(), 0) >= 0 {
			return nil, perr("the value of %q contains a NUL byte", key)
		}
		opts[key] = val.String()
	}
	if len(opts) == 0 {
		return nil, perr("the connection string has no parameters")
	}
	return opts, nil
}

// quoteKeyword quotes an unknown parameter name only when it looks like one: a malformed string can make
// a fragment of a password look like a keyword, and that must not end up in an error message.
func quoteKeyword(k string) string {
	if len(k) > 0 && len(k) <= 40 && strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_0123456789") == "" {
		return strconv.Quote(k)
	}
	return "(not shown: it does not look like a parameter name)"
}

// uriDecode undoes percent-encoding as libpq's conninfo_uri_decode does: "%XY" with two hex digits, "%00"
// forbidden, "+" left alone.
func uriDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", perr("invalid percent-encoding: a %% not followed by two hex digits")
		}
		v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if v == 0 {
			return "", perr("forbidden value %%00 in a percent-encoded value")
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// parsePostgresURI reads postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
// following libpq's conninfo_uri_parse_options, including its quirks (the credentials are looked for up
// to the first "/", and "ssl=true" means sslmode=require).
func parsePostgresURI(s string) (map[string]string, error) {
	opts := map[string]string{}
	store := func(key, raw string, decode bool) error {
		v := raw
		if decode {
			var err error
			if v, err = uriDecode(raw); err != nil {
				return err
			}
		}
		if v != "" {
			opts[key] = v
		}
		return nil
	}
	rest := s[strings.Index(s, "://")+3:]

	// Credentials: look ahead for "@" before any "/".
	if at := strings.IndexAny(rest, "@/"); at >= 0 && rest[at] == '@' {
		cred := rest[:at]
		user, pass, hasPass := strings.Cut(cred, ":")
		if err := store("user", user, true); err != nil {
			return nil, err
		}
		if hasPass {
			if err := store("password", pass, true); err != nil {
				return nil, err
			}
		}
		rest = rest[at+1:]
	}

	// netloc[:port] pairs separated by commas.
	var hosts, ports []string
	var term byte
	for {
		var host string
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, perr("end of string reached when looking for the matching \"]\" of an IPv6 host address")
			}
			host = rest[1:end]
			if host == "" {
				return nil, perr("an IPv6 host address may not be empty")
			}
			rest = rest[end+1:]
			if rest != "" && !strings.ContainsRune(":/?,", rune(rest[0])) {
				return nil, perr("unexpected character %q after an IPv6 host address (expected \":\" or \"/\")", rest[0])
			}
		} else {
			end := strings.IndexAny(rest, ":/?,")
			if end < 0 {
				end = len(rest)
			}
			host, rest = rest[:end], rest[end:]
		}
		hosts = append(hosts, host)
		term = 0
		if rest != "" {
			term, rest = rest[0], rest[1:]
		}
		port := ""
		if term == ':' {
			end := strings.IndexAny(rest, "/?,")
			if end < 0 {
				end = len(rest)
			}
			port, rest = rest[:end], rest[end:]
			term = 0
			if rest != "" {
				term, rest = rest[0], rest[1:]
			}
		}
		ports = append(ports, port)
		if term != ',' {
			break
		}
	}
	if h := strings.Join(hosts, ","); strings.Trim(h, ",") != "" || len(hosts) > 1 {
		if err := store("host", h, true); err != nil {
			return nil, err
		}
	}
	if p := strings.Join(ports, ","); strings.Trim(p, ",") != "" || len(ports) > 1 {
		if err := store("port", p, true); err != nil {
			return nil, err
		}
	}
	if term == '/' {
		db := rest
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			db, rest, term = rest[:q], rest[q+1:], '?'
		} else {
			rest, term = "", 0
		}
		if err := store("dbname", db, true); err != nil {
			return nil, err
		}
	}
	if term == '?' {
		for rest != "" {
			param := rest
			if amp := strings.IndexByte(rest, '&'); amp >= 0 {
				param, rest = rest[:amp], rest[amp+1:]
			} else {
				rest = ""
			}
			key, val, ok := strings.Cut(param, "=")
			if !ok {
				return nil, perr("missing key/value separator \"=\" in URI query parameter %q", param)
			}
			if strings.Contains(val, "=") {
				return nil, perr("extra key/value separator \"=\" in URI query parameter %q", key)
			}
			k, err := uriDecode(key)
			if err != nil {
				return nil, err
			}
			v, err := uriDecode(val)
			if err != nil {
				return nil, err
			}
			if k == "ssl" && v == "true" {
				k, v = "sslmode", "require"
			}
			if _, known := libpqKeywords[k]; !known {
				return nil, perr("invalid URI query parameter %s", quoteKeyword(k))
			}
			opts[k] = v
		}
	}
	return opts, nil
}

// tlsVersionByName maps the spellings PostgreSQL, Java and OpenSSL use for protocol versions.
var tlsVersionByName = map[string]uint16{
	"tlsv1": tls.VersionTLS10, "tlsv1.0": tls.VersionTLS10,
	"tlsv1.1": tls.VersionTLS11, "tlsv1.2": tls.VersionTLS12, "tlsv1.3": tls.VersionTLS13,
}

// ParseTLSVersion accepts TLSv1 (or TLSv1.0), TLSv1.1, TLSv1.2 and TLSv1.3, in any case.
func ParseTLSVersion(s string) (uint16, bool) {
	v, ok := tlsVersionByName[strings.ToLower(strings.TrimSpace(s))]
	return v, ok
}

// TLSVersionName is the name libpq, Java and OpenSSL use: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.
func TLSVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// ProbedTLSVersions are the versions the scan tries, oldest first.
var ProbedTLSVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

func postgresTarget(o map[string]string, libpq int) (*Target, error) {
	t := &Target{Kind: KindPostgres, Port: DefaultPostgresPort, SSLMode: SSLPrefer, SSLSNI: true, MinTLS: tls.VersionTLS12, Libpq: libpq}
	for _, p := range []struct {
		key   string
		since int
	}{{"sslcertmode", 16}, {"sslnegotiation", 17}} {
		if _, ok := o[p.key]; ok && libpq != NewestLibpq && libpq < p.since {
			return nil, perr("%s is a libpq %d parameter: a client with libpq %d refuses the URL (invalid connection option %q)", p.key, p.since, libpq, p.key)
		}
	}

	if svc := o["service"]; svc != "" {
		return nil, perr("service=%q needs a pg_service.conf lookup, which the probe does not do: write the parameters out", svc)
	}
	t.Host, t.HostAddr = o["host"], o["hostaddr"]
	if strings.Contains(t.Host, ",") || strings.Contains(t.HostAddr, ",") || strings.Contains(o["port"], ",") {
		return nil, perr("the URL names several hosts; libpq would try them in turn, the probe checks one endpoint: give one host per data source")
	}
	if strings.HasPrefix(t.Host, "/") || strings.HasPrefix(t.Host, "@") {
		return nil, perr("host %q is a Unix-domain socket, which has no TLS; give a TCP host name or address", t.Host)
	}
	if t.Host == "" && t.HostAddr == "" {
		return nil, perr("the URL names no host (libpq would use a local Unix-domain socket, which has no TLS)")
	}
	if t.HostAddr != "" && net.ParseIP(t.HostAddr) == nil {
		return nil, perr("hostaddr %q is not a numeric IP address", t.HostAddr)
	}
	if p := o["port"]; p != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return nil, perr("invalid port %q", p)
		}
		t.Port = n
	}
	t.User, t.DBName = o["user"], o["dbname"]

	if m, ok := o["sslmode"]; ok && m != "" {
		t.SSLMode = SSLMode(m)
		t.SSLModeSet = true
		if t.SSLMode.rank() < 0 {
			return nil, perr("invalid sslmode value %q (one of disable, allow, prefer, require, verify-ca, verify-full)", m)
		}
	}
	t.SSLRootCert, t.SSLCert, t.SSLKey = o["sslrootcert"], o["sslcert"], o["sslkey"]
	t.SSLCRL, t.SSLCRLDir = o["sslcrl"], o["sslcrldir"]
	if t.SystemTrustStore() {
		// libpq 16+: the system store implies, and demands, verify-full.
		if !t.SSLModeSet {
			t.SSLMode = SSLVerifyFull
		} else if t.SSLMode != SSLVerifyFull {
			return nil, perr("sslrootcert=system requires sslmode=verify-full (libpq refuses %q with the system trust store)", t.SSLMode)
		}
	}
	switch v := o["sslsni"]; v {
	case "", "1":
	case "0":
		t.SSLSNI = false
	default:
		return nil, perr("invalid sslsni value %q (0 or 1)", v)
	}
	switch v := o["sslnegotiation"]; v {
	case "", "postgres":
	case "direct":
		if t.SSLMode.rank() < SSLRequire.rank() {
			return nil, perr("sslnegotiation=direct needs sslmode require, verify-ca or verify-full (not %q)", t.SSLMode)
		}
		t.Direct = true
	default:
		return nil, perr("invalid sslnegotiation value %q (postgres or direct)", v)
	}
	switch v := o["sslcertmode"]; v {
	case "", "allow", "disable", "require":
		t.SSLCertMode = v
	default:
		return nil, perr("invalid sslcertmode value %q (disable, allow or require)", v)
	}
	if v := o["ssl_min_protocol_version"]; v != "" {
		ver, ok := ParseTLSVersion(v)
		if !ok {
			return nil, perr("invalid ssl_min_protocol_version value %q (TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)", v)
		}
		t.MinTLS = ver
	}
	if v := o["ssl_max_protocol_version"]; v != "" {
		ver, ok := ParseTLSVersion(v)
		if !ok {
			return nil, perr("invalid ssl_max_protocol_version value %q (TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)", v)
		}
		t.MaxTLS = ver
		if ver < t.MinTLS {
			return nil, perr("invalid SSL protocol version range: ssl_max_protocol_version is below ssl_min_protocol_version")
		}
	}
	if v := strings.TrimSpace(o["connect_timeout"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, perr("invalid integer value %q for connect_timeout", v)
		}
		if n > 0 {
			if n < 2 { // libpq treats 1 as 2 seconds
				n = 2
			}
			t.ConnectTimeout = time.Duration(n) * time.Second
		}
	}
	switch v := o["gssencmode"]; v {
	case "", "disable", "prefer", "allow":
	case "require":
		return nil, perr("gssencmode=require asks for GSSAPI encryption instead of TLS, which the probe cannot check")
	default:
		return nil, perr("invalid gssencmode value %q", v)
	}
	return t, nil
}

func parseOtherURL(s, scheme string) (*Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, perr("cannot parse the URL: %v", err)
	}
	t := &Target{Scheme: scheme}
	switch scheme {
	case "neo4j", "bolt":
		t.Kind, t.BoltTLS, t.Port = KindBolt, BoltPlain, DefaultBoltPort
	case "neo4j+s", "bolt+s":
		t.Kind, t.BoltTLS, t.Port = KindBolt, BoltVerify, DefaultBoltPort
	case "neo4j+ssc", "bolt+ssc":
		t.Kind, t.BoltTLS, t.Port = KindBolt, BoltSelfSigned, DefaultBoltPort
	case "https":
		t.Kind, t.Port = KindHTTPS, DefaultHTTPSPort
	case "http":
		return nil, perr("http:// has no TLS to check; use https://")
	default:
		return nil, perr("unsupported scheme %q: use postgresql://, postgres://, a key=value connection string, "+
			"neo4j://, neo4j+s://, neo4j+ssc://, bolt://, bolt+s://, bolt+ssc:// or https://", scheme)
	}
	t.Routing = strings.HasPrefix(scheme, "neo4j")
	if u.Opaque != "" {
		return nil, perr("the URL has no host (write %s://host:port)", scheme)
	}
	t.Host = u.Hostname()
	if t.Host == "" {
		return nil, perr("the URL names no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, perr("invalid port %q", p)
		}
		t.Port = n
	}
	if t.Kind == KindBolt {
		if u.Path != "" && u.Path != "/" {
			return nil, perr("a Neo4j URI has no path (got %q)", u.Path)
		}
		// A routing context (the query) is allowed on neo4j:// URIs only; the probe does not need it.
		if u.RawQuery != "" && !t.Routing {
			return nil, perr("%s:// URIs take no routing context (query %q)", scheme, u.RawQuery)
		}
		if u.User != nil {
			return nil, perr("credentials in a Neo4j URI are not supported (drivers take them separately)")
		}
		return t, nil
	}
	t.RequestURI = u.RequestURI()
	if u.User != nil {
		return nil, perr("credentials in an https:// URL are not supported")
	}
	return t, nil
}
