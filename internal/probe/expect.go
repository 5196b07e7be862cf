package probe

import (
	"crypto/tls"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// Plaintext expectations.
const (
	PlaintextRejected = "rejected"
	PlaintextAccepted = "accepted"
	PlaintextAny      = "any"
)

// PlaintextValues lists the values of expect.plaintext.
var PlaintextValues = []string{PlaintextRejected, PlaintextAccepted, PlaintextAny}

// Expectations are what the endpoint is held to besides what the URL itself demands.
type Expectations struct {
	// TLSVersions, when set, is exactly the set of versions the server must offer. Unset, TLSv1 and
	// TLSv1.1 are flagged (RFC 8996 deprecates them).
	TLSVersions []uint16
	// Ciphers, when set, are the only suites (IANA names) the server may negotiate.
	Ciphers []string
	// ClientAuth, when set, is the demand for client certificates the server must make.
	ClientAuth ClientAuth
	// Plaintext is PlaintextRejected (default), PlaintextAccepted or PlaintextAny.
	Plaintext string
	// MinDaysRemaining, when set, is the least number of days the server certificate must still be valid.
	MinDaysRemaining *int64
	// CertificateSHA256, when set, pins the server certificate (lowercase hex).
	CertificateSHA256 string
	// ChainMustVerify (default true) demands a chain to a trusted root; a policy with trust_all=true
	// clears it.
	ChainMustVerify bool
	// HostnameMustMatch (default true) demands a certificate valid for the host; a policy with
	// verify_hostname=false clears it.
	HostnameMustMatch bool
	// PolicyName names the policy the expectations came from, for messages.
	PolicyName string
}

// DefaultExpectations holds an endpoint to: plaintext refused, a verifiable chain for the host, and no
// TLS version older than 1.2.
func DefaultExpectations() Expectations {
	return Expectations{Plaintext: PlaintextRejected, ChainMustVerify: true, HostnameMustMatch: true}
}

// FieldError is invalid input in one field of the policy map or the expect block.
type FieldError struct {
	Field string // the policy key or expect attribute
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

var cipherNameRE = regexp.MustCompile(`^(TLS|SSL)_[A-Z0-9_]+$`)

// ParseTLSVersionList reads versions from a list of names (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3).
func ParseTLSVersionList(names []string) ([]uint16, error) {
	var out []uint16
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		v, ok := ParseTLSVersion(n)
		if !ok {
			return nil, fmt.Errorf("unknown TLS version %q (TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)", n)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no TLS version given")
	}
	slices.Sort(out)
	return out, nil
}

// ParseCipherList checks cipher suite names (IANA/Java spelling, as Neo4j's ciphers setting takes them).
func ParseCipherList(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !cipherNameRE.MatchString(n) {
			return nil, fmt.Errorf("%q is not an IANA cipher suite name such as TLS_AES_256_GCM_SHA384", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cipher suite given")
	}
	return out, nil
}

// ParseClientAuth accepts NONE, OPTIONAL or REQUIRE (any case).
func ParseClientAuth(s string) (ClientAuth, error) {
	v := ClientAuth(strings.ToUpper(strings.TrimSpace(s)))
	if !slices.Contains(ClientAuthValues, string(v)) {
		return "", fmt.Errorf("%q is not one of %s", s, strings.Join(ClientAuthValues, ", "))
	}
	return v, nil
}

// ApplyPolicy takes expectations from a dbtls_ssl_policy's settings: tls_versions and ciphers
// (comma-separated), client_auth, and trust_all / verify_hostname, which say how a peer using the same
// policy verifies this endpoint's certificate. Path keys and unknown keys are ignored.
func (e *Expectations) ApplyPolicy(settings map[string]string) error {
	e.PolicyName = settings[neo4j.KeyName]
	if v, ok := settings[neo4j.KeyTLSVersions]; ok && strings.TrimSpace(v) != "" {
		vs, err := ParseTLSVersionList(strings.Split(v, ","))
		if err != nil {
			return &FieldError{Field: neo4j.KeyTLSVersions, Msg: err.Error()}
		}
		e.TLSVersions = vs
	}
	if v, ok := settings[neo4j.KeyCiphers]; ok && strings.TrimSpace(v) != "" {
		cs, err := ParseCipherList(strings.Split(v, ","))
		if err != nil {
			return &FieldError{Field: neo4j.KeyCiphers, Msg: err.Error()}
		}
		e.Ciphers = cs
	}
	if v, ok := settings[neo4j.KeyClientAuth]; ok && strings.TrimSpace(v) != "" {
		ca, err := ParseClientAuth(v)
		if err != nil {
			return &FieldError{Field: neo4j.KeyClientAuth, Msg: err.Error()}
		}
		e.ClientAuth = ca
	}
	for _, key := range []string{neo4j.KeyTrustAll, neo4j.KeyVerifyHostname} {
		v, ok := settings[key]
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return &FieldError{Field: key, Msg: fmt.Sprintf("%q is not true or false", v)}
		}
		if key == neo4j.KeyTrustAll {
			e.ChainMustVerify = !b
		} else {
			e.HostnameMustMatch = b
		}
	}
	return nil
}

// ExpectInput is the expect block as written; empty fields leave the expectation as it was.
type ExpectInput struct {
	TLSVersions       []string
	TLSVersionsSet    bool
	Ciphers           []string
	CiphersSet        bool
	ClientAuth        string
	Plaintext         string
	MinDaysRemaining  *int64
	CertificateSHA256 string
}

// ApplyExpect lays the expect block over the expectations (it wins over a policy).
func (e *Expectations) ApplyExpect(in ExpectInput) error {
	if in.TLSVersionsSet {
		vs, err := ParseTLSVersionList(in.TLSVersions)
		if err != nil {
			return &FieldError{Field: neo4j.KeyTLSVersions, Msg: err.Error()}
		}
		e.TLSVersions = vs
	}
	if in.CiphersSet {
		cs, err := ParseCipherList(in.Ciphers)
		if err != nil {
			return &FieldError{Field: neo4j.KeyCiphers, Msg: err.Error()}
		}
		e.Ciphers = cs
	}
	if in.ClientAuth != "" {
		ca, err := ParseClientAuth(in.ClientAuth)
		if err != nil {
			return &FieldError{Field: neo4j.KeyClientAuth, Msg: err.Error()}
		}
		e.ClientAuth = ca
	}
	if in.Plaintext != "" {
		p := strings.ToLower(strings.TrimSpace(in.Plaintext))
		if !slices.Contains(PlaintextValues, p) {
			return &FieldError{Field: "plaintext", Msg: fmt.Sprintf("%q is not one of %s", in.Plaintext, strings.Join(PlaintextValues, ", "))}
		}
		e.Plaintext = p
	}
	if in.MinDaysRemaining != nil {
		if *in.MinDaysRemaining < 0 {
			return &FieldError{Field: "min_days_remaining", Msg: "must not be negative"}
		}
		d := *in.MinDaysRemaining
		e.MinDaysRemaining = &d
	}
	if in.CertificateSHA256 != "" {
		fp := pki.NormalizeFingerprint(in.CertificateSHA256)
		if len(fp) != 64 {
			return &FieldError{Field: "certificate_sha256", Msg: "must be a SHA-256 fingerprint: 64 hex digits, with or without colons"}
		}
		e.CertificateSHA256 = fp
	}
	return nil
}

// cipherIDs maps the TLS 1.3 suites too, for naming what was negotiated.
func cipherName(id uint16) string { return tls.CipherSuiteName(id) }
