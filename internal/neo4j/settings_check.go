package neo4j

import (
	"fmt"
	posix "path"
	"slices"
	"sort"
	"strings"
)

// SystemDirectories are the directories neo4j_home may never be. Every directory a policy manages lies
// strictly below neo4j_home, so with neo4j_home = "/" a base_directory of "etc" would make /etc a
// policy directory (re-moded and re-owned). The list holds the top-level directories of the
// Filesystem Hierarchy Standard and the well-known system directories one level below /usr, /usr/local
// and /var; it is closed under parents, so no listed directory can become a managed directory below
// an accepted neo4j_home. Only these exact paths are refused: a Neo4j installation below them
// (/var/lib/neo4j, /usr/share/neo4j, /opt/neo4j) is what neo4j_home normally is.
var SystemDirectories = []string{
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libexec", "/libx32", "/media", "/mnt", "/opt", "/proc", "/root", "/run",
	"/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
	"/usr/bin", "/usr/etc", "/usr/include", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/libx32", "/usr/local",
	"/usr/sbin", "/usr/share", "/usr/src",
	"/usr/local/bin", "/usr/local/etc", "/usr/local/lib", "/usr/local/sbin", "/usr/local/share",
	"/var/backups", "/var/cache", "/var/lib", "/var/local", "/var/lock", "/var/log", "/var/mail", "/var/opt", "/var/run",
	"/var/spool", "/var/tmp",
}

// IsSystemDirectory reports whether dir (absolute) is one of SystemDirectories.
func IsSystemDirectory(dir string) bool {
	return slices.Contains(SystemDirectories, posix.Clean(dir))
}

// CheckHome refuses a neo4j_home that is a system directory. It returns "" when home is acceptable,
// otherwise the detail of a diagnostic.
func CheckHome(home string) string {
	if !IsSystemDirectory(home) {
		return ""
	}
	return fmt.Sprintf("neo4j_home is %s, a system directory. Every directory a policy manages lies below neo4j_home and is "+
		"created, re-moded (0755) and re-owned by the provider, so a system directory there (for example %s with base_directory = %q) "+
		"would be taken over. Set neo4j_home to the Neo4j installation's own directory, such as /var/lib/neo4j (Debian and RPM packages) "+
		"or the directory a tarball was unpacked to. Refused: /, the top-level system directories (/bin, /boot, /dev, /etc, /home, /lib*, /media, "+
		"/mnt, /opt, /proc, /root, /run, /sbin, /srv, /sys, /tmp, /usr, /var) and the system directories directly below /usr, /usr/local and /var.",
		posix.Clean(home), posix.Join(posix.Clean(home), "etc"), "etc")
}

// CheckSettings rebuilds a policy from the settings map a dbtls_ssl_policy exposes and checks it the way
// dbtls_policy_certificate, dbtls_channel_binding and dbtls_endpoint must, since such a map crosses
// module and state boundaries (module outputs, terraform_remote_state, merge) and may have been edited
// on the way: the declared suffixes go through ResolvePolicy again (the same errors and warnings as the
// policy resource, neo4j_home included), and every derived value (the absolute `*_path` entries, and
// each suffix's resolved value) must equal what the declared suffixes resolve to inside the map's
// neo4j_home. The problems name settings-map keys as their Field. The policy is nil when any is an
// error.
func CheckSettings(s map[string]string) (*Policy, []*FieldError) {
	var errs []*FieldError
	fail := func(field string, summary *Summary, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	ps, _ := DecodePolicySettings(s)
	if missing := ps.Missing(RequiredKeys); len(missing) > 0 {
		fail("", SummaryInvalidPolicySettings, "The policy map has no %s, so it is not the settings of a dbtls_ssl_policy. Pass the settings attribute of a dbtls_ssl_policy: policy = dbtls_ssl_policy.<name>.settings.", strings.Join(missing, ", "))
		return nil, errs
	}
	v, err := ParseVersion(ps.Neo4jVersion)
	if err != nil {
		fail(KeyNeo4jVersion, SummaryInvalidPolicySettings, "The policy's neo4j_version is not valid: %s.", err)
		return nil, errs
	}
	home := ps.Neo4jHome
	if !posix.IsAbs(home) || posix.Clean(home) != home || !isASCIIPrintable(home) {
		fail(KeyNeo4jHome, SummaryInvalidPolicySettings, "The policy's neo4j_home %q is not a clean absolute path. Set policy to the settings of a dbtls_ssl_policy.", home)
		return nil, errs
	}
	if msg := CheckHome(home); msg != "" {
		fail(KeyNeo4jHome, SummaryNeo4jHomeIsASystemDirectory, "%s", msg)
		return nil, errs
	}
	in, probs := inputFromSettings(s, v)
	if len(probs) > 0 {
		return nil, probs
	}
	p, probs := ResolvePolicy(v, home, in)
	errs = append(errs, probs...)
	if p == nil {
		return nil, errs
	}
	// Every derived value must be what the declared ones resolve to.
	want := p.Settings()
	keys := append(slices.Clone(DerivedKeys), KeyBaseDirectory, KeyPrivateKey, KeyPublicCertificate, KeyTrustedDir, KeyRevokedDir)
	for _, k := range keys {
		if s[k] != want[k] {
			fail(k, SummaryPolicySettingsWereEdited,
				"The policy's %s is %q, but its declared suffixes resolve to %q inside neo4j_home %s. The map was changed after dbtls_ssl_policy produced it "+
					"(for example with merge()), and the provider writes files and lines only where the policy's own declaration puts them. "+
					"Pass the settings of a dbtls_ssl_policy unchanged, and change the policy's attributes instead.", k, s[k], want[k], home)
		}
	}
	// Keys the version does not have, other than the provider's own.
	var unknown []string
	for k := range s {
		if _, ok := want[k]; ok || slices.Contains(LocationKeys, k) {
			continue
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		fail(k, SummaryUnknownPolicySetting, "The policy map has %q, which dbtls_ssl_policy does not produce for Neo4j %s. Remove it from the map, and set the policy's attributes instead.", k, v)
	}
	for _, e := range errs {
		if !e.Warning() {
			return nil, errs
		}
	}
	return p, errs
}

// inputFromSettings turns a settings map back into a declaration: every suffix it carries is taken as
// declared; client_auth empty (Neo4j's default for the scope) and ciphers or trust_expired absent stay
// unset.
func inputFromSettings(s map[string]string, v Version) (PolicyInput, []*FieldError) {
	var errs []*FieldError
	in := PolicyInput{Name: s[KeyName]}
	str := func(k string) *string {
		val, ok := s[k]
		if !ok {
			return nil
		}
		return &val
	}
	boolean := func(k string) *bool {
		val, ok := s[k]
		if !ok {
			return nil
		}
		if val != "true" && val != "false" {
			errs = append(errs, &FieldError{Field: k, Summary: SummaryInvalidPolicySettings,
				Detail: fmt.Sprintf("The policy's %s is %q; it must be \"true\" or \"false\".", k, val)})
			return nil
		}
		b := val == "true"
		return &b
	}
	in.BaseDirectory = str(KeyBaseDirectory)
	in.PrivateKey = str(KeyPrivateKey)
	in.PublicCertificate = str(KeyPublicCertificate)
	in.TrustedDir = str(KeyTrustedDir)
	in.RevokedDir = str(KeyRevokedDir)
	if ca := s[KeyClientAuth]; ca != "" {
		in.ClientAuth = &ca
	}
	in.TLSVersions = strings.Split(s[KeyTLSVersions], ",")
	if c, ok := s[KeyCiphers]; ok {
		in.Ciphers = []string{}
		if c != "" {
			in.Ciphers = strings.Split(c, ",")
		}
	}
	in.TrustAll = boolean(KeyTrustAll)
	in.VerifyHostname = boolean(KeyVerifyHostname)
	in.TrustExpired = boolean(KeyTrustExpired)
	in.AllowKeyGeneration = boolean(KeyAllowKeyGeneration)
	return in, errs
}

// CheckSettingValues checks the policy values a partial map carries (an expectation for dbtls_endpoint,
// which need not be a whole policy) with ResolvePolicy's rules: it reports only the problems of the
// keys present. A map carrying neo4j_home or a `*_path` key claims to be a whole policy: use
// CheckSettings.
func CheckSettingValues(s map[string]string) []*FieldError {
	v := MustParseVersion(DefaultVersion)
	if s[KeyNeo4jVersion] != "" {
		pv, err := ParseVersion(s[KeyNeo4jVersion])
		if err != nil {
			return []*FieldError{{Field: KeyNeo4jVersion, Summary: SummaryInvalidPolicySettings, Detail: fmt.Sprintf("The policy's neo4j_version is not valid: %s.", err)}}
		}
		v = pv
	}
	in, errs := inputFromSettings(s, v)
	if len(errs) > 0 {
		return errs
	}
	in.Name = "policy"
	in.BaseDirectory, in.PrivateKey, in.PublicCertificate, in.TrustedDir, in.RevokedDir = nil, nil, nil, nil, nil
	if _, ok := s[KeyTLSVersions]; !ok {
		in.TLSVersions = nil
	}
	if !SuffixAllowKeyGeneration.Exists(v) && s[KeyAllowKeyGeneration] == "" {
		in.AllowKeyGeneration = nil
	}
	_, probs := ResolvePolicy(v, "/nonexistent/neo4j", in)
	var out []*FieldError
	for _, p := range probs {
		if _, ok := s[p.Field]; ok {
			out = append(out, p)
		}
	}
	return out
}
