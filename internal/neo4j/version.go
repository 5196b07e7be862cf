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

// NewestKnownVersion is the newest Neo4j version the catalogue has facts for: the newest tag of the
// Operations Manual sources it was checked against (2026.07.0). A later calendar version is accepted
// with a warning and rendered with the newest known facts.
const NewestKnownVersion = "2026.07"

// Last minors of the numbered families: 4.x ended with 4.4 and 5.x with 5.26, after which Neo4j moved
// to calendar versions (Operations Manual tags 4.4, 5.26.x and 2025.01.0).
const (
	last4Minor = 4
	last5Minor = 26
)

// Version is a supported Neo4j version (major.minor).
type Version struct {
	Major, Minor int
	// Calendar is true for Neo4j's calendar versions (2025.01 and later), which continue 5.x.
	Calendar bool
	// Newer is true for a calendar version later than NewestKnownVersion.
	Newer bool
	raw   string
}

// SupportedVersionsText describes the accepted versions for documentation and errors.
const SupportedVersionsText = `"3.5", "4.0" to "4.4", "5" (meaning 5.26), "5.0" to "5.26", or a calendar version "2025.01" to "` +
	NewestKnownVersion + `" (a later calendar version is accepted with a warning)`

// ParseVersion parses a neo4j_version value. It accepts "3.5", "4.0"-"4.4", "5" (= 5.26), "5.0"-"5.26",
// and calendar versions "YYYY.MM" from 2025.01 (which keep the 5.x settings); a calendar version after
// NewestKnownVersion is accepted with Newer set. A patch level ("5.26.3") is accepted and ignored.
func ParseVersion(s string) (Version, error) {
	raw := strings.TrimSpace(s)
	if raw == "5" {
		return Version{Major: 5, Minor: last5Minor, raw: raw}, nil
	}
	v, ok := parseNumbers(raw)
	if !ok {
		return Version{}, fmt.Errorf("%q is not a Neo4j version; use %s", s, SupportedVersionsText)
	}
	bad := func(why string) (Version, error) {
		return Version{}, fmt.Errorf("Neo4j %q is not supported: %s. Use %s", s, why, SupportedVersionsText)
	}
	switch {
	case v.Major < 3 || v.Major == 3 && v.Minor < 5:
		return bad("the oldest version this provider knows is 3.5")
	case v.Major == 3 && v.Minor == 5:
	case v.Major == 3:
		return bad("Neo4j 3.x ended with 3.5")
	case v.Major == 4 && v.Minor > last4Minor:
		return bad(fmt.Sprintf("Neo4j 4.x ended with 4.%d", last4Minor))
	case v.Major == 4:
	case v.Major == 5 && v.Minor > last5Minor:
		return bad(fmt.Sprintf("Neo4j 5.x ended with 5.%d; the release after it is the calendar version 2025.01", last5Minor))
	case v.Major == 5:
	case v.Major < 2025:
		return bad("after 5.26 Neo4j uses calendar versions YYYY.MM, starting with 2025.01")
	case v.Major > 2099:
		return bad(fmt.Sprintf("%d is not a plausible release year", v.Major))
	case v.Minor < 1 || v.Minor > 12:
		return bad(fmt.Sprintf("a calendar version is YYYY.MM with the month from 01 to 12, and %d is not a month", v.Minor))
	default:
		v.Calendar = true
		v.Newer = mustRangeBound(NewestKnownVersion).Less(v)
	}
	return v, nil
}

// parseNumbers reads "major.minor" or "major.minor.patch" of non-negative decimal numbers.
func parseNumbers(raw string) (Version, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || p[0] == '+' || p[0] == '-' {
			return Version{}, false
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1], raw: raw}, true
}

// mustRangeBound parses a catalogue version bound ("3.5", "5.24", "2025.01").
func mustRangeBound(s string) Version {
	v, ok := parseNumbers(s)
	if !ok {
		panic("neo4j: bad catalogue version " + s)
	}
	v.Calendar = v.Major >= 2025
	return v
}

// MustParseVersion is ParseVersion for constants in tests and tables.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// NewerVersionWarning returns the detail of the warning for a version newer than the catalogue, or "".
func (v Version) NewerVersionWarning() string {
	if !v.Newer {
		return ""
	}
	return fmt.Sprintf("Neo4j %s is newer than %s, the newest version this provider's settings catalogue knows. "+
		"The provider renders the settings of Neo4j %s; if Neo4j %s renamed or changed any of them, the host may not start or may use other defaults. "+
		"Check the release notes of Neo4j %s, or upgrade the provider.", v, NewestKnownVersion, NewestKnownVersion, v, v)
}

// KnownVersions lists every version the catalogue knows, oldest first: 3.5, 4.0-4.4, 5.0-5.26 and the
// calendar versions up to NewestKnownVersion.
func KnownVersions() []Version {
	out := []Version{MustParseVersion("3.5")}
	for m := 0; m <= last4Minor; m++ {
		out = append(out, MustParseVersion(fmt.Sprintf("4.%d", m)))
	}
	for m := 0; m <= last5Minor; m++ {
		out = append(out, MustParseVersion(fmt.Sprintf("5.%d", m)))
	}
	newest := mustRangeBound(NewestKnownVersion)
	for y := 2025; y <= newest.Major; y++ {
		for m := 1; m <= 12 && (y < newest.Major || m <= newest.Minor); m++ {
			out = append(out, MustParseVersion(fmt.Sprintf("%d.%02d", y, m)))
		}
	}
	return out
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

// Less reports whether v is an earlier version than w (calendar versions are later than every 5.x).
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AtLeast reports whether v is major.minor or later (calendar versions are later than every 5.x).
func (v Version) AtLeast(major, minor int) bool {
	return !v.Less(Version{Major: major, Minor: minor})
}

// String returns the version as it was given.
func (v Version) String() string {
	if v.raw != "" {
		return v.raw
	}
	if v.Calendar {
		return fmt.Sprintf("%d.%02d", v.Major, v.Minor)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// SupportsTLS13 reports whether the version's tls_versions default includes TLSv1.3 (5.24 and later,
// TLS13Native); earlier versions accept it when the Java runtime does.
func (v Version) SupportsTLS13() bool { return !v.Less(mustRangeBound(TLS13Native)) }
