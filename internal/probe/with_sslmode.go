package probe

import (
	"fmt"
	"net/url"
	"strings"
)

// StrongSSLModes are the sslmodes WithSSLMode accepts: the ones under which libpq never sends a
// session in plaintext.
var StrongSSLModes = []string{"require", "verify-ca", "verify-full"}

// WithSSLMode returns a PostgreSQL connection string (URI or key=value) with sslmode set to mode,
// replacing any sslmode already there and keeping every other byte. For verify-full without a root
// certificate (sslrootcert), it adds sslrootcert=system, so the server is verified against the
// operating system's trust store as libpq 16 and later do for that value. Modes weaker than require
// are refused: they are the "SSL Required" class of mistakes this exists to prevent.
func WithSSLMode(raw, mode string) (string, error) {
	if err := CheckStrongSSLMode(mode); err != nil {
		return "", err
	}
	if scheme := uriScheme(raw); scheme != "" && scheme != "postgresql" && scheme != "postgres" {
		return "", fmt.Errorf("%s:// is not a PostgreSQL connection string: with_sslmode takes a postgresql:// or postgres:// URI, or a key=value string (host=... dbname=...)", scheme)
	}
	t, err := ParseURL(raw)
	if err != nil {
		return "", err
	}
	addRoot := mode == "verify-full" && t.SSLRootCert == ""
	if t.Scheme != "" {
		return uriWithSSLMode(raw, mode, addRoot), nil
	}
	return conninfoWithSSLMode(raw, mode, addRoot), nil
}

// SSLModeProblem tells a weak sslmode (one libpq knows that can send the session in plaintext) from a
// value libpq does not know at all.
type SSLModeProblem struct {
	Mode    string
	Unknown bool   // not an sslmode libpq knows
	Suggest string // for an unknown mode: the known one it was probably meant to be
}

func (e *SSLModeProblem) Error() string {
	if e.Unknown {
		msg := fmt.Sprintf("%q is not an sslmode libpq knows", e.Mode)
		if e.Suggest != "" {
			msg += fmt.Sprintf(": write %q", e.Suggest)
		}
		return msg + fmt.Sprintf(" (the modes are %s, in lower case with hyphens)", strings.Join(sslModeNames(), ", "))
	}
	return fmt.Sprintf("sslmode %q can send the session in plaintext: use %s (verify-full also checks the host name)", e.Mode, orList(StrongSSLModes))
}

// CheckStrongSSLMode accepts require, verify-ca and verify-full; anything else is an *SSLModeProblem.
func CheckStrongSSLMode(mode string) error {
	if containsStr(StrongSSLModes, mode) {
		return nil
	}
	for _, m := range SSLModes {
		if string(m) == mode {
			return &SSLModeProblem{Mode: mode}
		}
	}
	p := &SSLModeProblem{Mode: mode, Unknown: true}
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(mode)), "_", "-")
	for _, m := range SSLModes {
		if string(m) == norm {
			p.Suggest = norm
		}
	}
	return p
}

func sslModeNames() []string {
	out := make([]string, len(SSLModes))
	for i, m := range SSLModes {
		out[i] = string(m)
	}
	return out
}

// orList writes "a, b or c".
func orList(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// uriScheme is the lower-cased scheme of a URI ("" for a key=value string), by ParseURL's rule.
func uriScheme(raw string) string {
	s := strings.TrimSpace(raw)
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], "= \t\n") {
		return strings.ToLower(s[:i])
	}
	return ""
}

func uriWithSSLMode(raw, mode string, addRoot bool) string {
	base, frag, hasFrag := strings.Cut(raw, "#")
	path, query, _ := strings.Cut(base, "?")
	var params []string
	for _, p := range strings.Split(query, "&") {
		if p == "" {
			continue
		}
		k, _, _ := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil && dk == "sslmode" {
			continue
		}
		params = append(params, p)
	}
	params = append(params, "sslmode="+mode)
	if addRoot {
		params = append(params, "sslrootcert=system")
	}
	out := path + "?" + strings.Join(params, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// conninfoWithSSLMode removes every sslmode=... word of a key=value string and appends the new one.
func conninfoWithSSLMode(raw, mode string, addRoot bool) string {
	var b strings.Builder
	for _, w := range conninfoWords(raw) {
		if w.key == "sslmode" {
			continue
		}
		b.WriteString(raw[w.start:w.end])
		b.WriteByte(' ')
	}
	b.WriteString("sslmode=" + mode)
	if addRoot {
		b.WriteString(" sslrootcert=system")
	}
	return b.String()
}

type conninfoWord struct {
	key        string
	start, end int // the whole "key = value" span
}

// conninfoWords splits a key=value string (already validated by ParseURL) into its words.
func conninfoWords(s string) []conninfoWord {
	var out []conninfoWord
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }
	i, n := 0, len(s)
	for {
		for i < n && isSpace(s[i]) {
			i++
		}
		if i >= n {
			return out
		}
		start := i
		for i < n && !isSpace(s[i]) && s[i] != '=' {
			i++
		}
		key := s[start:i]
		for i < n && s[i] != '=' {
			i++
		}
		i++ // '='
		for i < n && isSpace(s[i]) {
			i++
		}
		if i < n && s[i] == '\'' {
			i++
			for i < n && s[i] != '\'' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i++ // closing quote
		} else {
			for i < n && !isSpace(s[i]) {
				if s[i] == '\\' {
					i++
				}
				i++
			}
		}
		if i > n {
			i = n
		}
		out = append(out, conninfoWord{key: key, start: start, end: i})
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
