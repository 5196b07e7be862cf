package probe

import (
	"strings"
	"testing"
)

func TestWithSSLMode(t *testing.T) {
	for _, tc := range []struct{ in, mode, want string }{
		{"postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/db", "verify-full",
			"postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/db?sslmode=verify-full&sslrootcert=system"},
		{"postgresql://app:p%40ss@db.example.com:5433/db?sslmode=disable&application_name=x", "require",
			"postgresql://app:p%40ss@db.example.com:5433/db?application_name=x&sslmode=require"},
		{"postgres://h/db?sslmode=prefer&sslrootcert=/etc/ca.pem", "verify-full",
			"postgres://h/db?sslrootcert=/etc/ca.pem&sslmode=verify-full"},
		{"postgresql://h/db?ssl%6dode=allow", "verify-ca", "postgresql://h/db?sslmode=verify-ca"},
		{"host=db.example.com dbname=app sslmode=disable", "verify-full",
			"host=db.example.com dbname=app sslmode=verify-full sslrootcert=system"},
		{"host=db password='a b\\' c' sslmode = prefer port=5432", "require",
			"host=db password='a b\\' c' port=5432 sslmode=require"},
		{"host=db sslrootcert=/ca.pem", "verify-full", "host=db sslrootcert=/ca.pem sslmode=verify-full"},
	} {
		got, err := WithSSLMode(tc.in, tc.mode)
		if err != nil {
			t.Errorf("WithSSLMode(%q, %q): %v", tc.in, tc.mode, err)
			continue
		}
		if got != tc.want {
			t.Errorf("WithSSLMode(%q, %q) =\n %q\nwant\n %q", tc.in, tc.mode, got, tc.want)
		}
		// The result means what it says to the same parser the endpoint check uses.
		parsed, err := ParseURL(got)
		if err != nil {
			t.Errorf("result %q does not parse: %v", got, err)
			continue
		}
		if string(parsed.SSLMode) != tc.mode {
			t.Errorf("result %q parses to sslmode %q", got, parsed.SSLMode)
		}
	}
}

func TestWithSSLModeRefusals(t *testing.T) {
	for _, tc := range []struct{ in, mode, err string }{
		{"postgresql://h/db", "prefer", `sslmode "prefer" can send the session in plaintext: use require, verify-ca or verify-full`},
		{"postgresql://h/db", "disable", "can send the session in plaintext"},
		{"postgresql://h/db", "VERIFY-FULL", `"VERIFY-FULL" is not an sslmode libpq knows: write "verify-full" (the modes are disable, allow, prefer, require, verify-ca, verify-full, in lower case with hyphens)`},
		{"postgresql://h/db", "verify_full", `"verify_full" is not an sslmode libpq knows: write "verify-full"`},
		{"postgresql://h/db", "strict", `"strict" is not an sslmode libpq knows`},
		{"neo4j+s://h:7687", "require", "neo4j+s:// is not a PostgreSQL connection string: with_sslmode takes a postgresql:// or postgres:// URI, or a key=value string"},
		{"https://h/", "require", "https:// is not a PostgreSQL connection string"},
		{"mysql://h/db", "require", "mysql:// is not a PostgreSQL connection string"},
		{"postgresql://h/db?sslmode=verify-full&port=x", "require", ""},
		{"host=db nonsense", "require", ""},
	} {
		_, err := WithSSLMode(tc.in, tc.mode)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("WithSSLMode(%q, %q) error = %v, want one containing %q", tc.in, tc.mode, err, tc.err)
			continue
		}
		// The scheme error lists only what the function accepts; no message ends in a period (Terraform
		// adds one) or names an unknown mode "weak".
		if msg := err.Error(); strings.Contains(msg, "neo4j://") || strings.Contains(msg, "bolt://") || strings.HasSuffix(msg, ".") ||
			(strings.Contains(msg, "not an sslmode") && strings.Contains(msg, "plaintext")) {
			t.Errorf("WithSSLMode(%q, %q) error = %q", tc.in, tc.mode, msg)
		}
	}
}
