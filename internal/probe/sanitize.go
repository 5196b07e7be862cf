package probe

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// Text a server chose (a certificate's subject, issuer and names) reaches Terraform's state, plan output,
// check messages and diagnostics. A terminal would obey an escape sequence in it, and a bidirectional
// override would make it read differently from what it is, so every such character is escaped before the
// text leaves this package. Error texts a server sends (PostgreSQL's messages, an HTTP status line or
// headers, a Bolt failure) are never repeated at all: they are only matched, and reported in our words.

// EscapeServerText escapes what a terminal or a reader could be fooled by: C0 and C1 control characters
// (ESC included), DEL, the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), the zero-width and separator characters (U+200B-U+200D, U+2028, U+2029, U+2060, U+FEFF),
// and bytes that are not UTF-8. Each becomes \xNN (below U+0080 and invalid bytes) or \uNNNN. Everything
// else, a backslash included, is kept, so escaping twice changes nothing.
func EscapeServerText(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && escapedRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case escapedRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if escapedRune(r) {
			return true
		}
	}
	return false
}

func escapedRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c, r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}

// printable is EscapeServerText for a one-line message: cut after 200 characters.
func printable(s string) string {
	s = EscapeServerText(s)
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "..."
	}
	return s
}

// escapeLines escapes each line of a multi-line text of ours, keeping its line breaks.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = EscapeServerText(l)
	}
	return strings.Join(lines, "\n")
}

// escapeSummary escapes the server-chosen fields of a certificate summary; the PEM is base64 of the DER.
func escapeSummary(s pki.Summary) pki.Summary {
	s.Subject = EscapeServerText(s.Subject)
	s.Issuer = EscapeServerText(s.Issuer)
	dns := make([]string, len(s.DNSNames))
	for i, n := range s.DNSNames {
		dns[i] = EscapeServerText(n)
	}
	s.DNSNames = dns
	return s
}

// escapeReport is the last step of Evaluate: whatever path a server's text took into the report, it
// leaves escaped.
func escapeReport(r *Report) {
	for i, c := range r.Certificates {
		r.Certificates[i] = escapeSummary(c)
	}
	for i, v := range r.Violations {
		r.Violations[i] = EscapeServerText(v)
	}
	r.Summary = escapeLines(r.Summary)
}
