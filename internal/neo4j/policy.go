package neo4j

import (
	"fmt"
	posix "path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Suffix is one `dbms.ssl.policy.<X>.<suffix>` setting the provider manages.
type Suffix string

// The suffixes, in the order they are rendered.
const (
	SuffixBaseDirectory      Suffix = "base_directory"
	SuffixPrivateKey         Suffix = "private_key"
	SuffixPublicCertificate  Suffix = "public_certificate"
	SuffixTrustedDir         Suffix = "trusted_dir"
	SuffixRevokedDir         Suffix = "revoked_dir"
	SuffixClientAuth         Suffix = "client_auth"
	SuffixTLSVersions        Suffix = "tls_versions"
	SuffixCiphers            Suffix = "ciphers"
	SuffixTrustAll           Suffix = "trust_all"
	SuffixVerifyHostname     Suffix = "verify_hostname"
	SuffixAllowKeyGeneration Suffix = "allow_key_generation"
)

// AllSuffixes lists every suffix the provider knows, in render order.
var AllSuffixes = []Suffix{
	SuffixBaseDirectory, SuffixPrivateKey, SuffixPublicCertificate, SuffixTrustedDir, SuffixRevokedDir,
	SuffixClientAuth, SuffixTLSVersions, SuffixCiphers, SuffixTrustAll, SuffixVerifyHostname,
	SuffixAllowKeyGeneration,
}

// Exists reports whether the suffix exists in the given version's settings.
func (s Suffix) Exists(v Version) bool {
	if s == SuffixAllowKeyGeneration {
		return v.Family() == Family35
	}
	return true
}

// ClientAuthValues are the client_auth values Neo4j accepts.
var ClientAuthValues = []string{"NONE", "OPTIONAL", "REQUIRE"}

// TLSVersionValues are the protocol names the provider accepts in tls_versions.
var TLSVersionValues = []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

// DefaultClientAuth is the client_auth a policy gets when none is declared. Neo4j 3.5 defaults to
// REQUIRE; 4.x and 5.x default per scope (OPTIONAL for bolt and https, REQUIRE for cluster and
// backup), but a policy has no scope until it is bound, so the provider resolves to the strictest.
const DefaultClientAuth = "REQUIRE"

// DefaultTLSVersions is Neo4j's tls_versions default for a version.
func DefaultTLSVersions(v Version) []string {
	if v.SupportsTLS13() {
		return []string{"TLSv1.2", "TLSv1.3"}
	}
	return []string{"TLSv1.2"}
}

// Scopes lists the channels (4.x/5.x policy scopes) of a version; 3.5 binds by channel too.
func Scopes(v Version) []string {
	if v.Family() == Family4 {
		return []string{"bolt", "https", "cluster", "backup", "fabric"}
	}
	return []string{"bolt", "https", "cluster", "backup"}
}

// PolicyInput is a policy as declared; nil or empty fields take the version's defaults.
type PolicyInput struct {
	Name               string
	BaseDirectory      *string
	PrivateKey         *string
	PublicCertificate  *string
	TrustedDir         *string
	RevokedDir         *string
	ClientAuth         *string
	TLSVersions        []string // nil: default
	Ciphers            []string // nil: JVM default, no line written
	TrustAll           *bool
	VerifyHostname     *bool
	AllowKeyGeneration *bool
}

// Policy is a resolved policy: every suffix has its value for the version, and the absolute paths of
// what it names on the host are known.
type Policy struct {
	Name    string
	Version Version
	Home    string

	BaseDirectory      string // as written in neo4j.conf
	PrivateKey         string
	PublicCertificate  string
	TrustedDir         string
	RevokedDir         string
	ClientAuth         string
	TLSVersions        []string
	Ciphers            []string // nil when unset
	TrustAll           bool
	VerifyHostname     bool
	AllowKeyGeneration bool // 3.5 only

	BasePath              string // absolute on the host
	PrivateKeyPath        string
	PublicCertificatePath string
	TrustedPath           string
	RevokedPath           string
}

// FieldError is a problem with one declared attribute, phrased for a plan-time diagnostic.
type FieldError struct {
	Field   string // the attribute, e.g. "tls_versions"
	Summary string // Title Case
	Detail  string // what happened, why, what to do
	Warning bool   // a warning, not an error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Detail }

var policyNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// ValidatePolicyName checks a policy name independently of the version.
func ValidatePolicyName(name string) error {
	if !policyNameRE.MatchString(name) || len(name) > 100 {
		return fmt.Errorf("%q is not a valid policy name: use letters, digits, '_' and '-' (it becomes part of a neo4j.conf key and a directory name)", name)
	}
	return nil
}

// ResolvePolicy applies the version's defaults and rules to a declared policy. home is NEO4J_HOME
// (absolute). It returns every problem found (warnings included); the policy is nil when any is an
// error.
func ResolvePolicy(v Version, home string, in PolicyInput) (*Policy, []*FieldError) {
	var errs []*FieldError
	fail := func(field, summary, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	warn := func(field, summary, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...), Warning: true})
	}

	if err := ValidatePolicyName(in.Name); err != nil {
		fail("name", "Invalid Policy Name", "%s.", err)
	}
	if v.Family() == Family35 && in.Name == "legacy" {
		fail("name", "Reserved Policy Name", `On Neo4j 3.5 the name "legacy" is the built-in legacy SSL policy (certificates/neo4j.key, neo4j.cert), which this provider does not manage. Choose another name.`)
	}

	p := &Policy{Name: in.Name, Version: v, Home: home}

	p.BaseDirectory = deref(in.BaseDirectory, "certificates/"+in.Name)
	p.PrivateKey = deref(in.PrivateKey, "private.key")
	p.PublicCertificate = deref(in.PublicCertificate, "public.crt")
	p.ClientAuth = deref(in.ClientAuth, DefaultClientAuth)
	p.TrustAll = derefBool(in.TrustAll)
	p.VerifyHostname = derefBool(in.VerifyHostname)

	// base_directory: relative to NEO4J_HOME, or absolute inside it.
	if msg := checkValue(p.BaseDirectory); msg != "" {
		fail("base_directory", "Invalid Base Directory", "base_directory %s.", msg)
	} else if abs, msg := resolveUnder(home, home, p.BaseDirectory); msg != "" {
		fail("base_directory", "Base Directory Outside neo4j_home", "base_directory %q %s. Use a path relative to neo4j_home (%s), such as \"certificates/%s\", or point neo4j_home at the installation that holds it.", p.BaseDirectory, msg, home, in.Name)
	} else if abs == home {
		fail("base_directory", "Invalid Base Directory", "base_directory %q is neo4j_home itself; a policy needs a directory of its own, such as \"certificates/%s\".", p.BaseDirectory, in.Name)
	} else {
		p.BasePath = abs
	}

	// private_key, public_certificate: files inside the base directory.
	for _, f := range []struct {
		field string
		val   string
		dst   *string
	}{{"private_key", p.PrivateKey, &p.PrivateKeyPath}, {"public_certificate", p.PublicCertificate, &p.PublicCertificatePath}} {
		if msg := checkValue(f.val); msg != "" {
			fail(f.field, "Invalid File Name", "%s %s.", f.field, msg)
			continue
		}
		if posix.IsAbs(f.val) {
			fail(f.field, "Path Escapes The Policy Directory", "%s %q is absolute; the provider writes key material only inside the policy's base_directory. Give a name relative to it, such as %q.", f.field, f.val, posix.Base(f.val))
			continue
		}
		if p.BasePath == "" {
			continue
		}
		abs, msg := resolveUnder(p.BasePath, p.BasePath, f.val)
		if msg != "" || abs == p.BasePath {
			if msg == "" {
				msg = "names the base directory itself"
			}
			fail(f.field, "Path Escapes The Policy Directory", "%s %q %s. Give a file name relative to base_directory, such as %q.", f.field, f.val, msg, posix.Base(f.val))
			continue
		}
		*f.dst = abs
	}
	if p.PrivateKeyPath != "" && p.PrivateKeyPath == p.PublicCertificatePath {
		fail("public_certificate", "Key And Certificate Share A Path", "private_key and public_certificate both name %q; they must be two files.", p.PrivateKeyPath)
	}

	// trusted_dir, revoked_dir.
	for _, d := range []struct {
		field string
		in    *string
		def   string
		dst   *string
		abs   *string
	}{{"trusted_dir", in.TrustedDir, "trusted", &p.TrustedDir, &p.TrustedPath}, {"revoked_dir", in.RevokedDir, "revoked", &p.RevokedDir, &p.RevokedPath}} {
		val := deref(d.in, d.def)
		if msg := checkValue(val); msg != "" {
			fail(d.field, "Invalid Directory", "%s %s.", d.field, msg)
			continue
		}
		if v.Family() == Family35 && d.in != nil && !posix.IsAbs(val) {
			fail(d.field, "Neo4j 3.5 Needs An Absolute Path", "On Neo4j 3.5 a configured %s must be an absolute path (the 3.5 manual: \"If configured, this must be an absolute path\"), but %q is relative. Give the absolute path, e.g. %q, or leave %s unset for <base_directory>/%s.", d.field, val, posix.Join(p.BasePath, val), d.field, d.def)
			continue
		}
		if p.BasePath == "" {
			continue
		}
		abs, msg := resolveUnder(home, p.BasePath, val)
		if msg != "" {
			fail(d.field, "Directory Outside neo4j_home", "%s %q %s. Use a path relative to base_directory, such as %q.", d.field, val, msg, d.def)
			continue
		}
		if abs == p.BasePath || abs == home {
			fail(d.field, "Invalid Directory", "%s %q resolves to %s, which is not a directory of its own. Use a subdirectory, such as %q.", d.field, val, abs, d.def)
			continue
		}
		*d.abs = abs
		if v.Family() == Family35 {
			// 3.5 accepts these two only as absolute paths, so the line always carries one.
			*d.dst = abs
		} else {
			*d.dst = val
		}
	}
	if p.TrustedPath != "" && p.TrustedPath == p.RevokedPath {
		fail("revoked_dir", "Trusted And Revoked Share A Directory", "trusted_dir and revoked_dir both resolve to %s; Neo4j reads certificates from one and CRLs from the other. Give them separate directories.", p.TrustedPath)
	}
	for _, f := range []string{p.PrivateKeyPath, p.PublicCertificatePath} {
		if f != "" && (f == p.TrustedPath || f == p.RevokedPath) {
			fail("private_key", "File And Directory Share A Path", "%s is both a file and a directory of this policy.", f)
		}
	}

	// client_auth.
	if !slices.Contains(ClientAuthValues, p.ClientAuth) {
		fail("client_auth", "Invalid Client Authentication", "client_auth %q is not one of %s.", p.ClientAuth, strings.Join(ClientAuthValues, ", "))
	}

	// tls_versions.
	if in.TLSVersions == nil {
		p.TLSVersions = DefaultTLSVersions(v)
	} else {
		p.TLSVersions = slices.Clone(in.TLSVersions)
		if len(p.TLSVersions) == 0 {
			fail("tls_versions", "No TLS Version", "tls_versions is empty, so no connection could be made. List at least one of %s, or leave it unset for Neo4j %s's default (%s).", strings.Join(TLSVersionValues, ", "), v, strings.Join(DefaultTLSVersions(v), ","))
		}
		seen := map[string]bool{}
		for _, t := range p.TLSVersions {
			switch {
			case !slices.Contains(TLSVersionValues, t):
				fail("tls_versions", "Unknown TLS Version", "tls_versions has %q, which is not a protocol Neo4j knows. Use %s (the names are case-sensitive).", t, strings.Join(TLSVersionValues, ", "))
			case seen[t]:
				fail("tls_versions", "Duplicated TLS Version", "tls_versions lists %q twice.", t)
			case t == "TLSv1.3" && !v.SupportsTLS13():
				fail("tls_versions", "TLSv1.3 Needs Neo4j 5.24", "tls_versions has TLSv1.3, which this provider renders only for Neo4j 5.24 and later, but the target runs Neo4j %s. Use TLSv1.2, or set neo4j_version to the version the host really runs.", v)
			case t == "TLSv1" || t == "TLSv1.1":
				warn("tls_versions", "Deprecated TLS Version", "tls_versions has %s, which current Java runtimes disable and which RFC 8996 deprecates. Prefer TLSv1.2 and TLSv1.3.", t)
			}
			seen[t] = true
		}
	}

	// ciphers.
	if in.Ciphers != nil {
		p.Ciphers = slices.Clone(in.Ciphers)
		if len(p.Ciphers) == 0 {
			fail("ciphers", "No Cipher", "ciphers is empty, so no connection could be made. List cipher suites, or leave it unset for the Java platform's defaults.")
		}
		seen := map[string]bool{}
		for _, c := range p.Ciphers {
			if c == "" || strings.ContainsAny(c, ", \t\r\n#=\\") || !isASCIIPrintable(c) {
				fail("ciphers", "Invalid Cipher Name", "ciphers has %q; a cipher suite name is one word such as TLS_AES_256_GCM_SHA384 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.", c)
			} else if seen[c] {
				fail("ciphers", "Duplicated Cipher", "ciphers lists %q twice.", c)
			}
			seen[c] = true
		}
	}

	// trust_all.
	if p.TrustAll {
		warn("trust_all", "Policy Trusts Anyone", "trust_all = true makes Neo4j accept any peer certificate, which disables authentication of clients and cluster members. Keep it false and put the peers' CA in trusted_dir instead.")
	}

	// allow_key_generation: 3.5 only.
	if in.AllowKeyGeneration != nil {
		if v.Family() != Family35 {
			fail("allow_key_generation", "Setting Not In This Neo4j Version", "allow_key_generation exists only in Neo4j 3.5; Neo4j %s removed it (and silently ignores unknown SSL settings). Remove the attribute, and give the key and certificate with dbtls_policy_certificate.", v)
		} else {
			p.AllowKeyGeneration = *in.AllowKeyGeneration
			if p.AllowKeyGeneration {
				warn("allow_key_generation", "Self-Signed Key Generation", "allow_key_generation = true lets Neo4j generate a self-signed key pair on startup; Neo4j recommends keeping it false.")
			}
		}
	}

	for _, e := range errs {
		if !e.Warning {
			return nil, errs
		}
	}
	return p, errs
}

// SuffixValue is one suffix and its value.
type SuffixValue struct {
	Suffix Suffix
	Value  string
}

// Suffixes returns every suffix the policy sets for its version, in render order. ciphers is left
// out when unset (the JVM default applies), allow_key_generation outside 3.5.
func (p *Policy) Suffixes() []SuffixValue {
	out := []SuffixValue{
		{SuffixBaseDirectory, p.BaseDirectory},
		{SuffixPrivateKey, p.PrivateKey},
		{SuffixPublicCertificate, p.PublicCertificate},
		{SuffixTrustedDir, p.TrustedDir},
		{SuffixRevokedDir, p.RevokedDir},
		{SuffixClientAuth, p.ClientAuth},
		{SuffixTLSVersions, strings.Join(p.TLSVersions, ",")},
	}
	if p.Ciphers != nil {
		out = append(out, SuffixValue{SuffixCiphers, strings.Join(p.Ciphers, ",")})
	}
	out = append(out,
		SuffixValue{SuffixTrustAll, strconv.FormatBool(p.TrustAll)},
		SuffixValue{SuffixVerifyHostname, strconv.FormatBool(p.VerifyHostname)},
	)
	if p.Version.Family() == Family35 {
		out = append(out, SuffixValue{SuffixAllowKeyGeneration, strconv.FormatBool(p.AllowKeyGeneration)})
	}
	return out
}

// PolicyBlockID is the managed-block id of a 3.5 policy's lines.
func PolicyBlockID(name string) string { return "dbtls_ssl_policy " + name }

// Lines returns the neo4j.conf lines the policy resource itself owns: on 3.5 its
// `dbms.ssl.policy.<name>.*` lines; on 4.x and 5.x none (the bindings write them per scope).
func (p *Policy) Lines() []string {
	if p.Version.Family() != Family35 {
		return nil
	}
	return p.linesFor(p.Name, false)
}

// ScopeLines returns the lines that apply the policy to a 4.x/5.x scope: every resolved suffix under
// `dbms.ssl.policy.<scope>.` plus `enabled=true`.
func (p *Policy) ScopeLines(scope string) []string {
	return p.linesFor(scope, true)
}

func (p *Policy) linesFor(x string, enabled bool) []string {
	prefix := "dbms.ssl.policy." + x + "."
	var lines []string
	if enabled {
		lines = append(lines, prefix+"enabled=true")
	}
	for _, s := range p.Suffixes() {
		lines = append(lines, prefix+string(s.Suffix)+"="+s.Value)
	}
	return lines
}

// Directories returns the absolute directories the policy manages, in creation order: the base
// directory, then trusted and revoked.
func (p *Policy) Directories() []string {
	return []string{p.BasePath, p.TrustedPath, p.RevokedPath}
}

// DirMode is the mode Neo4j's manuals give every policy directory.
const DirMode = 0o755

// Settings returns the policy as a flat map: every resolved suffix (tls_versions and ciphers as
// comma-separated lists), plus "name", "neo4j_version" and the absolute paths (`<suffix>_path`).
func (p *Policy) Settings() map[string]string {
	m := map[string]string{
		"name":          p.Name,
		"neo4j_version": p.Version.String(),
		"neo4j_home":    p.Home,
	}
	for _, s := range p.Suffixes() {
		m[string(s.Suffix)] = s.Value
	}
	m["base_directory_path"] = p.BasePath
	m["private_key_path"] = p.PrivateKeyPath
	m["public_certificate_path"] = p.PublicCertificatePath
	m["trusted_dir_path"] = p.TrustedPath
	m["revoked_dir_path"] = p.RevokedPath
	return m
}

func deref(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

func derefBool(b *bool) bool { return b != nil && *b }

// checkValue refuses what cannot be written as a neo4j.conf value or a path: empty values,
// surrounding blanks, control and non-ASCII characters (neo4j.conf is read as ISO-8859-1),
// backslashes (escapes and continuations for java.util.Properties), and any ".." element. A value it
// accepts is read by Neo4j exactly as written (TestRenderedLinesReadAsWritten). It returns "" when
// the value is acceptable.
func checkValue(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.TrimSpace(s) != s:
		return fmt.Sprintf("%q has leading or trailing blanks; Neo4j drops them at the start of a value and keeps them at its end", s)
	case !isASCIIPrintable(s):
		return fmt.Sprintf("%q has control or non-ASCII characters", s)
	case strings.Contains(s, `\`):
		// Neo4j reads neo4j.conf with java.util.Properties (see properties.go): a backslash starts an
		// escape, and at the end of a value continues it onto the next line.
		return fmt.Sprintf("%q has a backslash, which Neo4j reads as an escape (such as \\u002e for '.') or, at the end of the value, as a continuation that swallows the next line of neo4j.conf; write the path with '/' and without escapes", s)
	}
	for _, el := range strings.Split(s, "/") {
		if el == ".." {
			return fmt.Sprintf("%q has a \"..\" element; paths may not climb out of the directories they are declared in", s)
		}
	}
	return ""
}

// resolveUnder resolves p (relative to base, or absolute) and checks it lies inside root. It returns
// a message fragment when it does not.
func resolveUnder(root, base, p string) (string, string) {
	abs := p
	if !posix.IsAbs(p) {
		abs = posix.Join(base, p)
	}
	abs = posix.Clean(abs)
	if abs != root && !strings.HasPrefix(abs, strings.TrimSuffix(root, "/")+"/") {
		return "", fmt.Sprintf("resolves to %s, outside %s", abs, root)
	}
	return abs, ""
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
