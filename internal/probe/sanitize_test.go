package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func TestEscapeServerText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"CN=db.example.com,O=Acme", "CN=db.example.com,O=Acme"},
		{"Zürich – ok 日本", "Zürich – ok 日本"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"t\x1b]0;owned\x07x", `t\x1b]0;owned\x07x`},
		{"line\nbreak\r\ttab\x00nul\x7fdel", `line\x0abreak\x0d\x09tab\x00nul\x7fdel`},
		{"c1\u0085\u009b[2J", `c1\u0085\u009b[2J`},
		{"\u202egnp.exe", `\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c`},
		{"zero\u200bwidth\ufeff\u2028", `zero\u200bwidth\ufeff\u2028`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`already \x1b escaped`, `already \x1b escaped`},
	} {
		got := EscapeServerText(tc.in)
		if got != tc.want {
			t.Errorf("EscapeServerText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := EscapeServerText(got); again != got {
			t.Errorf("escaping %q twice changed it: %q", tc.in, again)
		}
	}
	long := strings.Repeat("é", 300)
	if got := printable(long); !strings.HasSuffix(got, "...") || len([]rune(got)) != 203 {
		t.Errorf("printable cut %d runes", len([]rune(got)))
	}
}

// hasRaw reports a character a terminal or a reader could be fooled by.
func hasRaw(s string) bool {
	return strings.ContainsFunc(s, escapedRune)
}

// A certificate whose subject, issuer and names carry escape sequences and bidi overrides, and an HTTP
// answer and a PostgreSQL error carrying them too: nothing raw reaches the report (so neither state nor
// diagnostics), the certificate fields keep the text escaped, and the server's error text is not repeated.
func TestServerTextEscaped(t *testing.T) {
	t.Parallel()
	addr := testenv.StartHostile(t, testenv.HostileTerminalText)
	for _, url := range []string{
		"https://" + addr + "/",
		"postgresql://postgres@" + addr + "/postgres?sslmode=require",
		"postgresql://postgres@" + addr + "/postgres?sslmode=verify-ca",
		"bolt+s://" + addr,
	} {
		r := probeURL(t, url, t.TempDir(), 3*time.Second, func(o *Options) {
			if strings.Contains(url, "verify-ca") {
				o.CACertificatesPEM = string(testenv.NewCA("unrelated").CertPEM)
			}
		})
		if len(r.Certificates) != 2 {
			t.Fatalf("%s: %d certificates\n%s", url, len(r.Certificates), r.Summary)
		}
		c := r.Certificates[0]
		fields := append([]string{r.Summary, c.Subject, c.Issuer, r.Certificates[1].Subject}, r.Violations...)
		fields = append(fields, c.DNSNames...)
		for _, f := range fields {
			if hasRaw(strings.ReplaceAll(f, "\n", " ")) {
				t.Errorf("%s: raw control or bidi character in %q", url, f)
			}
			if strings.Contains(f, testenv.HostileSecret) {
				t.Errorf("%s: the server's error text was repeated: %q", url, f)
			}
		}
		// (The subject's string form escapes the ";" of the title sequence as "\;".)
		for _, want := range []string{`CN=db\x1b[31m.example\x1b]0`, `owned\x07\u202egnp.exe\u2066x`} {
			if !strings.Contains(c.Subject, want) || !strings.Contains(r.Summary, want) {
				t.Errorf("%s: subject %q (summary %q) does not hold the escaped %q", url, c.Subject, r.Summary, want)
			}
		}
		if !strings.Contains(c.Issuer, `\u202eevil\x1b[2J`) || c.DNSNames[0] != `a\x1b[5m.example` {
			t.Errorf("%s: issuer %q, names %q", url, c.Issuer, c.DNSNames)
		}
		if r.Connectable {
			t.Errorf("%s: connectable", url)
		}
		if testing.Verbose() {
			t.Logf("%s: %v\n%s", url, r.Violations, r.Summary)
		}
	}
}
