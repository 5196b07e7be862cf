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
	if !containsStr(StrongSSLModes, mode) {
		return "", fmt.Errorf("sslmode %q is not allowed here: use one of %s (disable, allow and prefer can send the session in plaintext)", mode, strings.Join(StrongSSLModes, ", "))
	}
	t, err := ParseURL(raw)
	if err != nil {
		return "", err
	}
	if t.Kind != KindPostgres {
		return "", fmt.Errorf("sslmode applies to PostgreSQL connection strings (postgresql://..., postgres://... or key=value), not to %s URLs", t.Kind)
	}
	addRoot := mode == "verify-full" && t.SSLRootCert == ""
	if t.Scheme != "" {
		return uriWithSSLMode(raw, mode, addRoot), nil
	}
	return conninfoWithSSLMode(raw, mode, addRoot), nil
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
