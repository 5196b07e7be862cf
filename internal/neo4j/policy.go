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
	SuffixTrustExpired       Suffix = "trust_expired"
	SuffixAllowKeyGeneration Suffix = "allow_key_generation"
)

// AllSuffixes lists every suffix the provider knows, in render order.
var AllSuffixes = []Suffix{
	SuffixBaseDirectory, SuffixPrivateKey, SuffixPublicCertificate, SuffixTrustedDir, SuffixRevokedDir,
	SuffixClientAuth, SuffixTLSVersions, SuffixCiphers, SuffixTrustAll, SuffixVerifyHostname,
	SuffixTrustExpired, SuffixAllowKeyGeneration,
}

// Exists reports whether the suffix exists in the given version's settings (the catalogue).
func (s Suffix) Exists(v Version) bool { return Exists(SettingID(s), v) }

// ClientAuthValues are the client_auth values Neo4j accepts.
var ClientAuthValues = []string{"NONE", "OPTIONAL", "REQUIRE"}

// TLSVersionValues are the protocol names the provider accepts in tls_versions.
var TLSVersionValues = []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

// DefaultTLSVersions is Neo4j's tls_versions default for a version (the catalogue).
func DefaultTLSVersions(v Version) []string {
	d, _ := DefaultOf(SettingID(SuffixTLSVersions), v, "")
	return SplitList(d)
}

// Scopes lists the channels (4.x/5.x policy scopes) of a version; 3.5 binds by channel too.
func Scopes(v Version) []string { return ChannelsOf(v) }

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
	TrustExpired       *bool // nil: no line (Neo4j's default)
	AllowKeyGeneration *bool
}

// Policy is a resolved policy: every suffix has its value for the version, and the absolute paths of
// what it names on the host are known.
type Policy struct {
	Name    string
	Version Version
	Home    string

	BaseDirectory     string // as written in neo4j.conf
	PrivateKey        string
	PublicCertificate string
	TrustedDir        string
	RevokedDir        string
	// ClientAuth is "" when the policy leaves it to Neo4j's default for the scope it is bound to
	// (4.x and later: OPTIONAL for bolt and https, REQUIRE for cluster and backup).
	ClientAuth         string
	TLSVersions        []string
	Ciphers            []string // nil when unset
	TrustAll           bool
	VerifyHostname     bool
	TrustExpired       *bool // nil when unset: no line
	AllowKeyGeneration bool  // 3.5 only

	BasePath              string // absolute on the host
	PrivateKeyPath        string
	PublicCertificatePath string
	TrustedPath           string
	RevokedPath           string
}

// FieldError is a problem with one declared attribute, phrased for a plan-time diagnostic.
type FieldError struct {
	Field   string   // the attribute, e.g. "tls_versions"
	Summary *Summary // declared in summaries.go, with the severity
	Detail  string   // what happened, why, what to do
}

// Warning reports whether the problem is a warning (its summary's severity), not an error.
func (e *FieldError) Warning() bool { return e.Summary.Warning() }

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
	fail := func(field string, summary *Summary, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	warn := fail // the summary gives the severity; warn names it at the call

	if err := ValidatePolicyName(in.Name); err != nil {
		fail("name", SummaryInvalidPolicyName, "%s.", err)
	}
	if in.Name != "" && in.Name == ReservedPolicyName(v) {
		fail("name", SummaryReservedPolicyName, `On Neo4j 3.5 the name "legacy" is the built-in legacy SSL policy (certificates/neo4j.key, neo4j.cert), which this provider does not manage. Choose another name.`)
	}

	if msg := CheckHome(home); msg != "" {
		fail("neo4j_home", SummaryNeo4jHomeIsASystemDirectory, "%s", msg)
		return nil, errs
	}

	p := &Policy{Name: in.Name, Version: v, Home: home}

	p.BaseDirectory = deref(in.BaseDirectory, "certificates/"+in.Name)
	p.PrivateKey = deref(in.PrivateKey, "private.key")
	p.PublicCertificate = deref(in.PublicCertificate, "public.crt")
	// client_auth: Neo4j's default when it does not depend on the scope (3.5: REQUIRE); otherwise ""
	// and the binding renders the scope's default.
	defClientAuth, _ := DefaultOf(SettingID(SuffixClientAuth), v, "")
	p.ClientAuth = deref(in.ClientAuth, defClientAuth)
	p.TrustAll = derefBoolDefault(in.TrustAll, v, SuffixTrustAll)
	p.VerifyHostname = derefBoolDefault(in.VerifyHostname, v, SuffixVerifyHostname)

	// base_directory: relative to NEO4J_HOME, or absolute inside it.
	if msg := checkValue(p.BaseDirectory); msg != "" {
		fail("base_directory", SummaryInvalidBaseDirectory, "base_directory %s.", msg)
	} else if abs, msg := resolveUnder(home, home, p.BaseDirectory); msg != "" {
		fail("base_directory", SummaryBaseDirectoryOutsideNeo4jHome, "base_directory %q %s. Use a path relative to neo4j_home (%s), such as \"certificates/%s\", or point neo4j_home at the installation that holds it.", p.BaseDirectory, msg, home, in.Name)
	} else if abs == home {
		fail("base_directory", SummaryInvalidBaseDirectory, "base_directory %q is neo4j_home itself; a policy needs a directory of its own, such as \"certificates/%s\".", p.BaseDirectory, in.Name)
	} else {
		p.BasePath = abs
	}

	// private_key, public_certificate: files inside the base directory.
	// On 3.5 a configured file path must be absolute (the catalogue's TypeAbsPath), so the line always
	// carries the absolute path; 4.x and later resolve a relative value against base_directory.
	for _, f := range []struct {
		field  string
		in     *string
		def    string
		val    *string
		abs    *string
		suffix Suffix
	}{{"private_key", in.PrivateKey, "private.key", &p.PrivateKey, &p.PrivateKeyPath, SuffixPrivateKey},
		{"public_certificate", in.PublicCertificate, "public.crt", &p.PublicCertificate, &p.PublicCertificatePath, SuffixPublicCertificate}} {
		val := *f.val
		if msg := checkValue(val); msg != "" {
			fail(f.field, SummaryInvalidFileName, "%s %s.", f.field, msg)
			continue
		}
		absOnly := rowType(f.suffix, v) == TypeAbsPath
		if absOnly && f.in != nil && !posix.IsAbs(val) {
			fail(f.field, SummaryNeo4j35NeedsAnAbsolutePath, "On Neo4j 3.5 a configured %s must be an absolute path (Neo4j 3.x reads it with the same absolute-path parser as trusted_dir and revoked_dir, and refuses to start otherwise), but %q is relative. Give the absolute path, e.g. %q, or leave %s unset for <base_directory>/%s.", f.field, val, posix.Join(p.BasePath, val), f.field, f.def)
			continue
		}
		if p.BasePath == "" {
			continue
		}
		abs, msg := resolveUnder(p.BasePath, p.BasePath, val)
		if msg != "" || abs == p.BasePath {
			if msg == "" {
				msg = "names the base directory itself"
			}
			fail(f.field, SummaryPathEscapesThePolicyDirectory, "%s %q %s; the provider writes key material only inside the policy's base_directory. Give a file name relative to base_directory, such as %q, or an absolute path inside it.", f.field, val, msg, posix.Base(val))
			continue
		}
		*f.abs = abs
		if absOnly && f.in == nil {
			*f.val = abs
		}
	}
	if p.PrivateKeyPath != "" && p.PrivateKeyPath == p.PublicCertificatePath {
		fail("public_certificate", SummaryKeyAndCertificateShareAPath, "private_key and public_certificate both name %q; they must be two files.", p.PrivateKeyPath)
	}

	// trusted_dir, revoked_dir.
	for _, d := range []struct {
		field  string
		in     *string
		def    string
		dst    *string
		abs    *string
		suffix Suffix
	}{{"trusted_dir", in.TrustedDir, "trusted", &p.TrustedDir, &p.TrustedPath, SuffixTrustedDir}, {"revoked_dir", in.RevokedDir, "revoked", &p.RevokedDir, &p.RevokedPath, SuffixRevokedDir}} {
		val := deref(d.in, d.def)
		if msg := checkValue(val); msg != "" {
			fail(d.field, SummaryInvalidDirectory, "%s %s.", d.field, msg)
			continue
		}
		absOnly := rowType(d.suffix, v) == TypeAbsPath
		if absOnly && d.in != nil && !posix.IsAbs(val) {
			fail(d.field, SummaryNeo4j35NeedsAnAbsolutePath, "On Neo4j 3.5 a configured %s must be an absolute path (the 3.5 manual: \"If configured, this must be an absolute path\"), but %q is relative. Give the absolute path, e.g. %q, or leave %s unset for <base_directory>/%s.", d.field, val, posix.Join(p.BasePath, val), d.field, d.def)
			continue
		}
		if p.BasePath == "" {
			continue
		}
		abs, msg := resolveUnder(home, p.BasePath, val)
		if msg != "" {
			fail(d.field, SummaryDirectoryOutsideNeo4jHome, "%s %q %s. Use a path relative to base_directory, such as %q.", d.field, val, msg, d.def)
			continue
		}
		if abs == p.BasePath || abs == home {
			fail(d.field, SummaryInvalidDirectory, "%s %q resolves to %s, which is not a directory of its own. Use a subdirectory, such as %q.", d.field, val, abs, d.def)
			continue
		}
		*d.abs = abs
		if absOnly {
			// 3.5 accepts these two only as absolute paths, so the line always carries one.
			*d.dst = abs
		} else {
			*d.dst = val
		}
	}
	if p.TrustedPath != "" && p.TrustedPath == p.RevokedPath {
		fail("revoked_dir", SummaryTrustedAndRevokedShareADirectory, "trusted_dir and revoked_dir both resolve to %s; Neo4j reads certificates from one and CRLs from the other. Give them separate directories.", p.TrustedPath)
	}
	for _, f := range []string{p.PrivateKeyPath, p.PublicCertificatePath} {
		if f != "" && (f == p.TrustedPath || f == p.RevokedPath) {
			fail("private_key", SummaryFileAndDirectoryShareAPath, "%s is both a file and a directory of this policy.", f)
		}
	}

	// client_auth.
	if p.ClientAuth != "" && !slices.Contains(ClientAuthValues, p.ClientAuth) {
		fail("client_auth", SummaryInvalidClientAuthentication, "client_auth %q is not one of %s.", p.ClientAuth, strings.Join(ClientAuthValues, ", "))
	}

	// tls_versions.
	if in.TLSVersions == nil {
		p.TLSVersions = DefaultTLSVersions(v)
	} else {
		p.TLSVersions = slices.Clone(in.TLSVersions)
		if len(p.TLSVersions) == 0 {
			fail("tls_versions", SummaryNoTLSVersion, "tls_versions is empty, so no connection could be made. List at least one of %s, or leave it unset for Neo4j %s's default (%s).", strings.Join(TLSVersionValues, ", "), v, strings.Join(DefaultTLSVersions(v), ","))
		}
		seen := map[string]bool{}
		for _, t := range p.TLSVersions {
			switch {
			case !slices.Contains(TLSVersionValues, t):
				fail("tls_versions", SummaryUnknownTLSVersion, "tls_versions has %q, which is not a protocol Neo4j knows. Use %s (the names are case-sensitive).", t, strings.Join(TLSVersionValues, ", "))
			case seen[t]:
				fail("tls_versions", SummaryDuplicatedTLSVersion, "tls_versions lists %q twice.", t)
			case t == "TLSv1.3" && !v.SupportsTLS13():
				warn("tls_versions", SummaryTLSv13DependsOnTheJavaRuntime, "tls_versions has TLSv1.3. Neo4j %s accepts any protocol name here (its default is TLSv1.2; TLSv1.3 is in the default only from Neo4j %s), so TLSv1.3 works only if the Java runtime Neo4j runs on supports it (Java 11 and later, Java 8 from update 261). Check the runtime, or list TLSv1.2 as well so that clients can fall back.", v, TLS13Native)
			case t == "TLSv1" || t == "TLSv1.1":
				warn("tls_versions", SummaryDeprecatedTLSVersion, "tls_versions has %s, which current Java runtimes disable and which RFC 8996 deprecates. Prefer TLSv1.2 and TLSv1.3.", t)
			}
			seen[t] = true
		}
	}

	if slices.Contains(p.TLSVersions, "TLSv1.2") && slices.Contains(p.TLSVersions, "TLSv1.3") && in.Ciphers == nil && v.SupportsTLS13() {
		warn("ciphers", SummaryTLSv12AndTLSv13WithoutCiphers, "The policy allows TLSv1.2 and TLSv1.3 (Neo4j %s's default) but lists no ciphers. The Operations Manual (SSL framework, from 5.24) asks for explicit cipher suites when both versions are enabled; otherwise Neo4j may use every cipher the Java runtime offers for them. Set ciphers, for example [\"TLS_AES_256_GCM_SHA384\", \"TLS_AES_128_GCM_SHA256\", \"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\", \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"], or set tls_versions to one version.", v)
	}

	// ciphers.
	if in.Ciphers != nil {
		p.Ciphers = slices.Clone(in.Ciphers)
		if len(p.Ciphers) == 0 {
			fail("ciphers", SummaryNoCipher, "ciphers is empty, so no connection could be made. List cipher suites, or leave it unset for the Java platform's defaults.")
		}
		seen := map[string]bool{}
		for _, c := range p.Ciphers {
			if c == "" || strings.ContainsAny(c, ", \t\r\n#=\\") || !isASCIIPrintable(c) {
				fail("ciphers", SummaryInvalidCipherName, "ciphers has %q; a cipher suite name is one word such as TLS_AES_256_GCM_SHA384 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.", c)
			} else if seen[c] {
				fail("ciphers", SummaryDuplicatedCipher, "ciphers lists %q twice.", c)
			}
			seen[c] = true
			for _, r := range cipherRulesFor(v) {
				if !slices.Contains(r.Suites, c) {
					continue
				}
				if r.Refuse {
					fail("ciphers", SummaryCipherNotSupportedByThisNeo4jVersion, "ciphers has %s, but %s. Remove it (the others are %s), and prefer GCM suites such as TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.", c, r.Why, strings.Join(otherThan(r.Suites, c), ", "))
				} else {
					warn("ciphers", SummaryInsecureCBCCipher, "ciphers has %s: %s.", c, r.Why)
				}
			}
		}
	}

	// trust_all.
	if p.TrustAll {
		warn("trust_all", SummaryPolicyTrustsAnyone, "trust_all = true makes Neo4j accept any peer certificate, which disables authentication of clients and cluster members. Keep it false and put the peers' CA in trusted_dir instead.")
	}

	// trust_expired: only where Neo4j has it.
	if in.TrustExpired != nil {
		if !SuffixTrustExpired.Exists(v) {
			r, _ := LookupRow(SettingID(SuffixTrustExpired), MustParseVersion(NewestKnownVersion), "")
			fail("trust_expired", SummarySettingNotInThisNeo4jVersion, "trust_expired exists from Neo4j %s, but the target runs Neo4j %s, which would ignore (5.x) or refuse it. Remove the attribute, or set neo4j_version to the version the host really runs.", r.From, v)
		} else {
			p.TrustExpired = new(*in.TrustExpired)
			if *in.TrustExpired {
				warn("trust_expired", SummaryPolicyTrustsExpiredCertificates, "trust_expired = true accepts peer certificates whose validity has ended. Set it to false to refuse them, and renew the certificates in trusted_dir.")
			}
		}
	}

	// allow_key_generation: 3.5 only.
	if in.AllowKeyGeneration != nil {
		if !SuffixAllowKeyGeneration.Exists(v) {
			fail("allow_key_generation", SummarySettingNotInThisNeo4jVersion, "allow_key_generation exists only in Neo4j 3.5; Neo4j %s removed it (and silently ignores unknown SSL settings). Remove the attribute, and give the key and certificate with dbtls_policy_certificate.", v)
		} else {
			p.AllowKeyGeneration = *in.AllowKeyGeneration
			if p.AllowKeyGeneration {
				warn("allow_key_generation", SummarySelfSignedKeyGeneration, "allow_key_generation = true lets Neo4j generate a self-signed key pair on startup; Neo4j recommends keeping it false.")
			}
		}
	}

	for _, e := range errs {
		if !e.Warning() {
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

// value returns the policy's own value of a suffix: "" when it leaves the suffix to Neo4j (client_auth
// on 4.x+, ciphers, trust_expired unset).
func (p *Policy) value(s Suffix) string {
	switch s {
	case SuffixBaseDirectory:
		return p.BaseDirectory
	case SuffixPrivateKey:
		return p.PrivateKey
	case SuffixPublicCertificate:
		return p.PublicCertificate
	case SuffixTrustedDir:
		return p.TrustedDir
	case SuffixRevokedDir:
		return p.RevokedDir
	case SuffixClientAuth:
		return p.ClientAuth
	case SuffixTLSVersions:
		return strings.Join(p.TLSVersions, ",")
	case SuffixCiphers:
		return strings.Join(p.Ciphers, ",")
	case SuffixTrustAll:
		return strconv.FormatBool(p.TrustAll)
	case SuffixVerifyHostname:
		return strconv.FormatBool(p.VerifyHostname)
	case SuffixTrustExpired:
		if p.TrustExpired == nil {
			return ""
		}
		return strconv.FormatBool(*p.TrustExpired)
	case SuffixAllowKeyGeneration:
		return strconv.FormatBool(p.AllowKeyGeneration)
	}
	return ""
}

// Suffixes returns every suffix the policy renders for a scope ("" on 3.5), in render order: the
// policy's value, or Neo4j's default for the version and scope when the policy leaves it open; a
// suffix without either (ciphers, trust_expired unset) is left out, as is one the version lacks.
func (p *Policy) Suffixes(scope string) []SuffixValue {
	var out []SuffixValue
	for _, s := range AllSuffixes {
		row, ok := LookupRow(SettingID(s), p.Version, scope)
		if !ok {
			continue
		}
		val := p.value(s)
		if val == "" {
			if row.OnlyWhenSet {
				continue
			}
			d, ok := DefaultOf(SettingID(s), p.Version, scope)
			if !ok {
				continue
			}
			val = d
		}
		out = append(out, SuffixValue{s, val})
	}
	return out
}

// PolicyBlockID is the managed-block id of a 3.5 policy's lines.
func PolicyBlockID(name string) string { return "dbtls_ssl_policy " + name }

// Lines returns the neo4j.conf lines the policy resource itself owns: on 3.5 its
// `dbms.ssl.policy.<name>.*` lines; on 4.x and 5.x none (the bindings write them per scope).
func (p *Policy) Lines() []string {
	if !NamedPolicies(p.Version) {
		return nil
	}
	return p.linesFor(p.Name, "", false)
}

// ScopeLines returns the lines that apply the policy to a 4.x/5.x scope: `enabled=true` and every
// suffix under `dbms.ssl.policy.<scope>.`, with Neo4j's defaults for that scope where the policy
// leaves a suffix open.
func (p *Policy) ScopeLines(scope string) []string {
	return p.linesFor(scope, scope, true)
}

func (p *Policy) linesFor(x, scope string, enabled bool) []string {
	var lines []string
	if enabled {
		lines = append(lines, NameOf(BindingSetting(scope), p.Version, scope)+"=true")
	}
	for _, s := range p.Suffixes(scope) {
		lines = append(lines, NameOf(SettingID(s.Suffix), p.Version, x)+"="+s.Value)
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

// Settings returns the policy as a flat map, the contract between dbtls_ssl_policy and its consumers:
// every suffix the version has, as the policy resolved it (tls_versions and ciphers as comma-separated
// lists), where an empty value means "Neo4j's default for the scope the policy is bound to"
// (client_auth on 4.x and later when unset); ciphers and trust_expired are present only when set. Plus
// the policy's name, version, neo4j_home and the absolute paths. The keys are the codec's
// (settings_contract.go); the map has no location keys.
func (p *Policy) Settings() map[string]string {
	return SettingsOf(p).Encode()
}

func deref(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// derefBoolDefault returns b, or Neo4j's default of the suffix in v.
func derefBoolDefault(b *bool, v Version, s Suffix) bool {
	if b != nil {
		return *b
	}
	d, _ := DefaultOf(SettingID(s), v, "")
	return d == "true"
}

// rowType is the catalogue's value type of a suffix in v.
func rowType(s Suffix, v Version) Type {
	r, _ := LookupRow(SettingID(s), v, "")
	return r.Type
}

func otherThan(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

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
