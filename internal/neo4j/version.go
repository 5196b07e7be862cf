// Package neo4j is the Neo4j domain: supported versions, the catalogue of SSL policy settings per
// version, how a policy or a channel binding becomes neo4j.conf lines and directories, and the managed
// blocks those lines live in. It knows nothing of Terraform.
package neo4j

import (
	"fmt"
	"strconv"
	"strings"
)

// Family groups the versions that share setting names and semantics.
type Family int

const (
	// Family35 is Neo4j 3.5: named policies, `bolt.ssl_policy=<name>` bindings.
	Family35 Family = 35
	// Family4 is Neo4j 4.0 to 4.4: policies are scopes, `dbms.connector.*` keys.
	Family4 Family = 4
	// Family5 is Neo4j 5.x (and the calendar versions that continue it): scopes, `server.*` keys.
	Family5 Family = 5
)

// DefaultVersion is the version assumed when the provider's neo4j_version is unset.
const DefaultVersion = "5.26"

// Version is a supported Neo4j version (major.minor).
type Version struct {
	Major, Minor int
	// Calendar is true for Neo4j's calendar versions (2025.01 and later), which continue 5.x.
	Calendar bool
	raw      string
}

// SupportedVersionsText describes the accepted versions for documentation and errors.
const SupportedVersionsText = `"3.5", "4.0" to "4.4", "5" (meaning 5.26), "5.0" to "5.26", or a calendar version "2025.01" and later`

// ParseVersion parses a neo4j_version value. It accepts "3.5", "4.0"-"4.4", "5" (= 5.26), "5.0"-"5.26",
// and calendar versions "YYYY.MM" from 2025.01 (which keep the 5.x settings). A patch level
// ("5.26.3") is accepted and ignored.
func ParseVersion(s string) (Version, error) {
	raw := strings.TrimSpace(s)
	if raw == "5" {
		return Version{Major: 5, Minor: 26, raw: raw}, nil
	}
	parts := strings.Split(raw, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("%q is not a Neo4j version; use %s", s, SupportedVersionsText)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || p[0] == '+' {
			return Version{}, fmt.Errorf("%q is not a Neo4j version; use %s", s, SupportedVersionsText)
		}
		nums[i] = n
	}
	v := Version{Major: nums[0], Minor: nums[1], raw: raw}
	switch {
	case v.Major == 3 && v.Minor == 5:
	case v.Major == 4 && v.Minor <= 4:
	case v.Major == 5 && v.Minor <= 26:
	case v.Major >= 2025 && v.Major < 2100 && v.Minor >= 1 && v.Minor <= 12:
		v.Calendar = true
	default:
		return Version{}, fmt.Errorf("Neo4j %q is not supported; use %s", s, SupportedVersionsText)
	}
	return v, nil
}

// MustParseVersion is ParseVersion for constants in tests and tables.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Family reports the settings family of v.
func (v Version) Family() Family {
	switch v.Major {
	case 3:
		return Family35
	case 4:
		return Family4
	default:
		return Family5
	}
}

// AtLeast reports whether v is major.minor or later (calendar versions are later than every 5.x).
func (v Version) AtLeast(major, minor int) bool {
	if v.Major != major {
		return v.Major > major
	}
	return v.Minor >= minor
}

// String returns the version as it was given.
func (v Version) String() string {
	if v.raw != "" {
		return v.raw
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// SupportsTLS13 reports whether the version accepts TLSv1.3 in tls_versions (5.24 and later).
func (v Version) SupportsTLS13() bool { return v.AtLeast(5, 24) }
