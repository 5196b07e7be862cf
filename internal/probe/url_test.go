package probe

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Target
	}{
		{"postgresql://app@db.example.com/appdb?sslmode=verify-full&sslrootcert=system", Target{
			Kind: KindPostgres, Scheme: "postgresql", Host: "db.example.com", Port: 5432, User: "app", DBName: "appdb",
			SSLMode: SSLVerifyFull, SSLModeSet: true, SSLRootCert: "system", SSLSNI: true, MinTLS: tls.VersionTLS12}},
		{"postgres://u:p%40ss@[::1]:6543/d%20b?ssl=true", Target{
			Kind: KindPostgres, Scheme: "postgres", Host: "::1", Port: 6543, User: "u", DBName: "d b",
			SSLMode: SSLRequire, SSLModeSet: true, SSLSNI: true, MinTLS: tls.VersionTLS12}},
		{"postgresql://db.example.test:5433?hostaddr=127.0.0.1&sslmode=require&sslsni=0&connect_timeout=1&ssl_min_protocol_version=TLSv1.3", Target{
			Kind: KindPostgres, Scheme: "postgresql", Host: "db.example.test", HostAddr: "127.0.0.1", Port: 5433,
			SSLMode: SSLRequire, SSLModeSet: true, MinTLS: tls.VersionTLS13, ConnectTimeout: 2 * time.Second}},
		{"postgresql://h/db?sslmode=require&sslnegotiation=direct&sslcert=/c&sslkey=/k&sslcrl=/crl&sslcrldir=/d", Target{
			Kind: KindPostgres, Scheme: "postgresql", Host: "h", Port: 5432, DBName: "db", SSLMode: SSLRequire, SSLModeSet: true,
			SSLCert: "/c", SSLKey: "/k", SSLCRL: "/crl", SSLCRLDir: "/d", SSLSNI: true, Direct: true, MinTLS: tls.VersionTLS12}},
		{"host=db.internal port=5432 user=app dbname='my db' sslmode=verify-ca sslrootcert='/etc/ssl/it\\'s.pem'", Target{
			Kind: KindPostgres, Host: "db.internal", Port: 5432, User: "app", DBName: "my db", SSLMode: SSLVerifyCA,
			SSLModeSet: true, SSLRootCert: "/etc/ssl/it's.pem", SSLSNI: true, MinTLS: tls.VersionTLS12}},
		{"  hostaddr = 10.0.0.5   user=a\\ b  ", Target{
			Kind: KindPostgres, HostAddr: "10.0.0.5", Port: 5432, User: "a b", SSLMode: SSLPrefer, SSLSNI: true, MinTLS: tls.VersionTLS12}},
		{"host=h sslrootcert=system", Target{
			Kind: KindPostgres, Host: "h", Port: 5432, SSLMode: SSLVerifyFull, SSLRootCert: "system", SSLSNI: true, MinTLS: tls.VersionTLS12}},
		{"neo4j+s://graph-1.internal", Target{Kind: KindBolt, Scheme: "neo4j+s", Host: "graph-1.internal", Port: 7687, BoltTLS: BoltVerify, Routing: true}},
		{"bolt+ssc://10.1.2.3:7688", Target{Kind: KindBolt, Scheme: "bolt+ssc", Host: "10.1.2.3", Port: 7688, BoltTLS: BoltSelfSigned}},
		{"NEO4J://g?policy=eu", Target{Kind: KindBolt, Scheme: "neo4j", Host: "g", Port: 7687, BoltTLS: BoltPlain, Routing: true}},
		{"https://graph.example.com:7473/db/neo4j/tx?x=1", Target{Kind: KindHTTPS, Scheme: "https", Host: "graph.example.com", Port: 7473, RequestURI: "/db/neo4j/tx?x=1"}},
	}
	for _, tc := range tests {
		got, err := ParseURL(tc.in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.in, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("ParseURL(%q)\n got %+v\nwant %+v", tc.in, *got, tc.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"postgresql://", "no host"},
		{"postgresql:///db", "no host"},
		{"postgresql://h1,h2/db", "several hosts"},
		{"host=a,b", "several hosts"},
		{"postgresql://%2Fvar%2Frun%2Fpostgresql/db", "Unix-domain socket"},
		{"host=/tmp", "Unix-domain socket"},
		{"postgresql://h/db?sslmode=strict", "invalid sslmode"},
		{"postgresql://h/db?foo=bar", "invalid URI query parameter \"foo\""},
		{"postgresql://h/db?sslmode", "missing key/value separator"},
		{"postgresql://h/db?sslmode=a=b", "extra key/value separator"},
		{"postgresql://h/db?user=%zz", "percent-encoding"},
		{"postgresql://h/db?user=%00", "%00"},
		{"postgresql://[::1/db", "matching \"]\""},
		{"postgresql://[]/db", "may not be empty"},
		{"postgresql://[::1]x/db", "unexpected character"},
		{"postgresql://h:99999/db", "invalid port"},
		{"postgresql://h:abc/db", "invalid port"},
		{"host=h sslmode=prefer sslnegotiation=direct", "sslnegotiation=direct needs"},
		{"host=h sslnegotiation=fast", "invalid sslnegotiation"},
		{"host=h sslmode=require sslrootcert=system", "requires sslmode=verify-full"},
		{"host=h sslsni=yes", "invalid sslsni"},
		{"host=h ssl_min_protocol_version=SSLv3", "invalid ssl_min_protocol_version"},
		{"host=h ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2", "range"},
		{"host=h connect_timeout=soon", "connect_timeout"},
		{"host=h gssencmode=require", "GSSAPI"},
		{"host=h service=prod", "pg_service.conf"},
		{"host=h hostaddr=db.internal", "not a numeric IP"},
		{"host=h dbname='unterminated", "unterminated quoted string"},
		{"host=h password=secret word", "missing \"=\" after the word at byte"},
		{"host=h nosuch=1", "invalid connection option \"nosuch\""},
		{"mydb", "missing \"=\""},
		{"http://h", "no TLS"},
		{"mysql://h", "unsupported scheme"},
		{"neo4j+s://", "no host"},
		{"bolt://h/db", "no path"},
		{"bolt://h?x=1", "no routing context"},
		{"bolt+s://h:0", "invalid port"},
		{"neo4j://user:pw@h", "credentials"},
		{"https://u:p@h/", "credentials"},
	}
	for _, tc := range tests {
		_, err := ParseURL(tc.in)
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) {
			t.Errorf("ParseURL(%q) = %v, want a ParseError containing %q", tc.in, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q) error %q does not contain %q", tc.in, err, tc.want)
		}
	}
}

// A malformed string must not turn a password fragment into an error message.
func TestParseURLErrorsDoNotLeakPasswords(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"host=h password=hunter2 secretword",
		"host=h password=hunter2 secret word",
		"postgresql://u:hunter2@h/db?hunter%zz=1",
	} {
		_, err := ParseURL(in)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", in)
			continue
		}
		for _, s := range []string{"hunter2", "secret"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("ParseURL(%q) error %q repeats %q", in, err, s)
			}
		}
	}
}

func TestTargetDisplayHasNoPassword(t *testing.T) {
	t.Parallel()
	tg, err := ParseURL("postgresql://app:hunter2@db.example.com:5433/db?hostaddr=10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tg.Display(), "postgresql://db.example.com:5433 (hostaddr 10.0.0.1)"; got != want {
		t.Errorf("Display() = %q, want %q", got, want)
	}
	if tg.Address() != "10.0.0.1:5433" {
		t.Errorf("Address() = %q", tg.Address())
	}
}

// FuzzParseURL: any input gives a target or a ParseError, never a panic, and a target always names
// something to dial with a valid port and a known kind.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"postgresql://app:pw@db.example.com:5432/db?sslmode=verify-full&sslrootcert=system",
		"postgres://[::1]:5432,h2:5433/db?ssl=true",
		"host=h port=5432 dbname='a \\' b' sslmode=require",
		"postgresql://%2Ftmp/db", "postgresql://u@/d?host=h&port=1",
		"neo4j+s://h:7687?policy=x", "bolt+ssc://[fe80::1%25eth0]:7687", "https://h/p?q#f",
		"host=h sslnegotiation=direct sslmode=verify-ca", "x='", "=", "postgresql://h?&", "postgresql://@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseURL(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseURL(%q) returned a %T, not a ParseError: %v", s, err, err)
			}
			return
		}
		if tg.Port < 1 || tg.Port > 65535 {
			t.Fatalf("ParseURL(%q): port %d", s, tg.Port)
		}
		if tg.Host == "" && tg.HostAddr == "" {
			t.Fatalf("ParseURL(%q): nothing to dial", s)
		}
		if tg.Kind != KindPostgres && tg.Kind != KindBolt && tg.Kind != KindHTTPS {
			t.Fatalf("ParseURL(%q): kind %v", s, tg.Kind)
		}
		_ = tg.Display()
		_ = tg.Address()
	})
}
