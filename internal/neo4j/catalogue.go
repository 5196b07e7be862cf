package neo4j

//go:generate go run ../../internal/cmd/catalogue-docs -root ../..

import "strings"

// This file is the settings catalogue: every neo4j.conf setting the provider renders or checks, as
// data. A row says what a setting is called in a range of Neo4j versions, how Neo4j parses its value,
// and Neo4j's own default there (per scope where the default depends on it). Rendering, validation,
// conflict detection and the generated documentation all read this table; nothing else in the
// package may encode a version fact.
//
// Sources (the Operations Manual, github.com/neo4j/docs-operations, read at the branch or tag named):
//   [35-all]   3.5  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [35-ssl]   3.5  modules/ROOT/pages/security/ssl-framework.adoc
//   [40-ssl]   4.0  modules/ROOT/pages/security/ssl-framework.adoc ("Define SSL policies" table)
//   [40-all]   4.0  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [44-ssl]   4.4  modules/ROOT/pages/security/ssl-framework.adoc
//   [44-all]   4.4  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [44-fips]  4.4  modules/ROOT/pages/security/ssl-fips-compatibility.adoc (TLSv1.2,TLSv1.3 in every scope)
//   [50-all]   5.0.0 modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [50-mig]   5.0.0 modules/ROOT/pages/tools/neo4j-admin/migrate-configuration.adoc (dbms.connector.* -> server.*)
//   [523-ssl]  5.23.0 modules/ROOT/pages/security/ssl-framework.adoc (tls_versions default TLSv1.2)
//   [524-ssl]  5.24.1 modules/ROOT/pages/security/ssl-framework.adoc (TLSv1.2,TLSv1.3 "Supported from Neo4j 5.24",
//              and: with both versions, specify the ciphers)
//   [2501-cdr] 2025.01.0 modules/ROOT/pages/changes-deprecations-removals.adoc ("SSL framework": the four CBC
//              suites no longer supported; verify_hostname default changed from false to true)
//   [2501-ssl] 2025.01.0 modules/ROOT/pages/security/ssl-framework.adoc (verify_hostname default `true`)
//   [2607-chg] 2026.07.0 modules/ROOT/pages/changes-2025-2026.adoc ("Neo4j 2025.10": the four CBC suites removed
//              from the Java 21 defaults, still usable when configured explicitly; first in the manual at 2025.11.2)
//   [2607-cfg] 2026.07.0 modules/ROOT/pages/configuration/configuration-settings.adoc
//   [4x-src]   Neo4j 4.x source, org/neo4j/configuration/ssl/SslPolicyScope.java: FABRIC(NONE, client only)
//   [524-src]  Neo4j 5.24+ source, SslPolicyConfig.java: trust_expired, a boolean, default true (not in the manual)

// Type is how Neo4j parses a setting's value.
type Type string

// The value types of the catalogue.
const (
	TypeBool    Type = "boolean"
	TypeEnum    Type = "enum"              // one of Values
	TypeList    Type = "list"              // comma-separated strings
	TypeString  Type = "string"            // free text (a policy name)
	TypePath    Type = "path"              // relative values resolve against Base
	TypeAbsPath Type = "absolute path"     // 3.x: a configured value must be absolute ("Paths must be absolute")
	TypeDirPath Type = "path to directory" // as TypePath, naming a directory
)

// SettingID identifies one thing the provider configures, whatever Neo4j calls it in a version: a
// policy suffix ("client_auth"), or a channel key ("bolt.binding", "bolt.tls_level").
type SettingID string

// The non-suffix settings. A policy suffix is its own Setting (SettingID(SuffixClientAuth)).
const (
	SettingBoltTLSLevel     SettingID = "bolt.tls_level"    // the Bolt connector's TLS level
	SettingHTTPSEnabled     SettingID = "https.enabled"     // the HTTPS connector
	SettingStrictValidation SettingID = "strict_validation" // refuses unknown (5.x: and duplicated) keys
)

// BindingSetting is the setting that applies a policy to a channel: 3.5 `<channel key>=<policy name>`,
// 4.x+ `dbms.ssl.policy.<channel>.enabled=true`.
func BindingSetting(channel string) SettingID { return SettingID(channel + ".binding") }

// Row is one line of the catalogue. From and To bound the versions it covers (inclusive; "" is
// unbounded); Scope, when set, limits the row to one channel's policy (the scope-dependent defaults of
// 4.x and later). Name may hold <policy> (3.5: the policy's name) or <scope> (4.x+: the channel).
type Row struct {
	Setting SettingID
	Name    string
	From    string
	To      string
	Scope   string
	Type    Type
	Values  []string // enum values; for lists, the items the provider knows
	// CaseSensitive: Neo4j compares enum values exactly (3.x); 4.x and later ignore case.
	CaseSensitive bool
	// Default is Neo4j's value when the line is absent; "" when there is none (or it is derived, see
	// DefaultNote).
	Default     string
	DefaultNote string
	// OnlyWhenSet: the provider writes the line only when the user declared the attribute; otherwise
	// it writes Neo4j's default explicitly.
	OnlyWhenSet bool
	// RenamedFrom is the name the previous version range used for the same setting; RemovedIn the first
	// version without it.
	RenamedFrom string
	RemovedIn   string
	Source      string
}

// Catalogue is every setting the provider renders or checks, per version range.
var Catalogue = []Row{
	// ---- policy suffixes: 3.5 names a policy, 4.0 and later name a scope (= channel) ----
	//    setting                     name                                        from      to        scope      type         values / default
	{Setting: "base_directory", Name: "dbms.ssl.policy.<policy>.base_directory", From: "3.5", To: "3.5", Type: TypeDirPath, DefaultNote: "mandatory, relative to NEO4J_HOME", Source: "[35-ssl] [35-all]"},
	{Setting: "base_directory", Name: "dbms.ssl.policy.<scope>.base_directory", From: "4.0", Type: TypeDirPath, Default: "certificates/<scope>", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "private_key", Name: "dbms.ssl.policy.<policy>.private_key", From: "3.5", To: "3.5", Type: TypeAbsPath, DefaultNote: "<base_directory>/private.key", Source: "[35-ssl] [35-all]; absolute: 3.x parses it like trusted_dir"},
	{Setting: "private_key", Name: "dbms.ssl.policy.<scope>.private_key", From: "4.0", Type: TypePath, Default: "private.key", DefaultNote: "relative to base_directory", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "public_certificate", Name: "dbms.ssl.policy.<policy>.public_certificate", From: "3.5", To: "3.5", Type: TypeAbsPath, DefaultNote: "<base_directory>/public.crt", Source: "[35-ssl] [35-all]; absolute: 3.x parses it like trusted_dir"},
	{Setting: "public_certificate", Name: "dbms.ssl.policy.<scope>.public_certificate", From: "4.0", Type: TypePath, Default: "public.crt", DefaultNote: "relative to base_directory", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "trusted_dir", Name: "dbms.ssl.policy.<policy>.trusted_dir", From: "3.5", To: "3.5", Type: TypeAbsPath, DefaultNote: "<base_directory>/trusted", Source: "[35-ssl] (\"If configured, this must be an absolute path\")"},
	{Setting: "trusted_dir", Name: "dbms.ssl.policy.<scope>.trusted_dir", From: "4.0", Type: TypeDirPath, Default: "trusted", DefaultNote: "relative to base_directory", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "revoked_dir", Name: "dbms.ssl.policy.<policy>.revoked_dir", From: "3.5", To: "3.5", Type: TypeAbsPath, DefaultNote: "<base_directory>/revoked", Source: "[35-ssl] (\"If configured, this must be an absolute path\")"},
	{Setting: "revoked_dir", Name: "dbms.ssl.policy.<scope>.revoked_dir", From: "4.0", Type: TypeDirPath, Default: "revoked", DefaultNote: "relative to base_directory", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<policy>.client_auth", From: "3.5", To: "3.5", Type: TypeEnum, Values: ClientAuthValues, CaseSensitive: true, Default: "REQUIRE", Source: "[35-all] [35-ssl]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<scope>.client_auth", From: "4.0", Scope: "bolt", Type: TypeEnum, Values: ClientAuthValues, Default: "OPTIONAL", Source: "[40-ssl] [44-ssl] [2607-cfg]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<scope>.client_auth", From: "4.0", Scope: "https", Type: TypeEnum, Values: ClientAuthValues, Default: "OPTIONAL", Source: "[40-ssl] [44-ssl] [2607-cfg]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<scope>.client_auth", From: "4.0", Scope: "cluster", Type: TypeEnum, Values: ClientAuthValues, Default: "REQUIRE", Source: "[40-ssl] [44-ssl] [2607-cfg]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<scope>.client_auth", From: "4.0", Scope: "backup", Type: TypeEnum, Values: ClientAuthValues, Default: "REQUIRE", Source: "[40-ssl] [44-ssl] [2607-cfg]"},
	{Setting: "client_auth", Name: "dbms.ssl.policy.<scope>.client_auth", From: "4.0", To: "4.4", Scope: "fabric", Type: TypeEnum, Values: ClientAuthValues, Default: "NONE", Source: "[4x-src] (the manual is silent for fabric)"},
	{Setting: "tls_versions", Name: "dbms.ssl.policy.<policy>.tls_versions", From: "3.5", To: "3.5", Type: TypeList, Values: TLSVersionValues, Default: "TLSv1.2", Source: "[35-all] [35-ssl]"},
	{Setting: "tls_versions", Name: "dbms.ssl.policy.<scope>.tls_versions", From: "4.0", To: "5.23", Type: TypeList, Values: TLSVersionValues, Default: "TLSv1.2", Source: "[40-ssl] [523-ssl]"},
	{Setting: "tls_versions", Name: "dbms.ssl.policy.<scope>.tls_versions", From: "5.24", Type: TypeList, Values: TLSVersionValues, Default: "TLSv1.2,TLSv1.3", Source: "[524-ssl] [2607-cfg]"},
	{Setting: "ciphers", Name: "dbms.ssl.policy.<policy>.ciphers", From: "3.5", To: "3.5", Type: TypeList, DefaultNote: "the Java platform's", OnlyWhenSet: true, Source: "[35-all] [35-ssl]"},
	{Setting: "ciphers", Name: "dbms.ssl.policy.<scope>.ciphers", From: "4.0", Type: TypeList, DefaultNote: "the Java platform's", OnlyWhenSet: true, Source: "[40-ssl] [2607-cfg]"},
	{Setting: "trust_all", Name: "dbms.ssl.policy.<policy>.trust_all", From: "3.5", To: "3.5", Type: TypeBool, Default: "false", Source: "[35-all] [35-ssl]"},
	{Setting: "trust_all", Name: "dbms.ssl.policy.<scope>.trust_all", From: "4.0", Type: TypeBool, Default: "false", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "verify_hostname", Name: "dbms.ssl.policy.<policy>.verify_hostname", From: "3.5", To: "3.5", Type: TypeBool, Default: "false", Source: "[35-all] [35-ssl]"},
	{Setting: "verify_hostname", Name: "dbms.ssl.policy.<scope>.verify_hostname", From: "4.0", To: "5.26", Type: TypeBool, Default: "false", Source: "[40-ssl] [44-ssl] [524-ssl]"},
	{Setting: "verify_hostname", Name: "dbms.ssl.policy.<scope>.verify_hostname", From: "2025.01", Type: TypeBool, Default: "true", Source: "[2501-cdr] [2501-ssl]"},
	{Setting: "trust_expired", Name: "dbms.ssl.policy.<scope>.trust_expired", From: "5.24", Type: TypeBool, Default: "true", OnlyWhenSet: true, Source: "[524-src]"},
	{Setting: "allow_key_generation", Name: "dbms.ssl.policy.<policy>.allow_key_generation", From: "3.5", To: "3.5", Type: TypeBool, Default: "false", RemovedIn: "4.0", Source: "[35-all] [35-ssl]; absent from [40-ssl]"},

	// ---- applying a policy to a channel ----
	{Setting: "bolt.binding", Name: "bolt.ssl_policy", From: "3.5", To: "3.5", Type: TypeString, Default: "legacy", Source: "[35-all] [35-ssl] (Example 7.27)"},
	{Setting: "https.binding", Name: "https.ssl_policy", From: "3.5", To: "3.5", Type: TypeString, Default: "legacy", Source: "[35-all] [35-ssl] (Example 7.27)"},
	{Setting: "cluster.binding", Name: "causal_clustering.ssl_policy", From: "3.5", To: "3.5", Type: TypeString, DefaultNote: "none: not secured", Source: "[35-all] [35-ssl] (Example 7.27)"},
	{Setting: "backup.binding", Name: "dbms.backup.ssl_policy", From: "3.5", To: "3.5", Type: TypeString, DefaultNote: "none: not secured", Source: "[35-all] [35-ssl] (Example 7.27)"},
	{Setting: "bolt.binding", Name: "dbms.ssl.policy.bolt.enabled", From: "4.0", Type: TypeBool, Default: "false", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "https.binding", Name: "dbms.ssl.policy.https.enabled", From: "4.0", Type: TypeBool, Default: "false", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "cluster.binding", Name: "dbms.ssl.policy.cluster.enabled", From: "4.0", Type: TypeBool, Default: "false", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "backup.binding", Name: "dbms.ssl.policy.backup.enabled", From: "4.0", Type: TypeBool, Default: "false", Source: "[40-ssl] [2607-cfg]"},
	{Setting: "fabric.binding", Name: "dbms.ssl.policy.fabric.enabled", From: "4.0", To: "4.4", Type: TypeBool, Default: "false", RemovedIn: "5.0", Source: "[40-ssl] [44-ssl]; 5.x scopes lack fabric [2607-cfg]"},

	// ---- connectors and validation ----
	{Setting: SettingBoltTLSLevel, Name: "dbms.connector.bolt.tls_level", From: "3.5", To: "3.5", Type: TypeEnum, Values: TLSLevels, CaseSensitive: true, Default: "OPTIONAL", Source: "[35-all]"},
	{Setting: SettingBoltTLSLevel, Name: "dbms.connector.bolt.tls_level", From: "4.0", To: "4.4", Type: TypeEnum, Values: TLSLevels, Default: "DISABLED", Source: "[40-all] [44-all]"},
	{Setting: SettingBoltTLSLevel, Name: "server.bolt.tls_level", From: "5.0", Type: TypeEnum, Values: TLSLevels, Default: "DISABLED", RenamedFrom: "dbms.connector.bolt.tls_level", Source: "[50-all] [2607-cfg]"},
	{Setting: SettingHTTPSEnabled, Name: "dbms.connector.https.enabled", From: "3.5", To: "3.5", Type: TypeBool, Default: "true", Source: "[35-all]"},
	{Setting: SettingHTTPSEnabled, Name: "dbms.connector.https.enabled", From: "4.0", To: "4.4", Type: TypeBool, Default: "false", Source: "[40-all] [44-all]"},
	{Setting: SettingHTTPSEnabled, Name: "server.https.enabled", From: "5.0", Type: TypeBool, Default: "false", RenamedFrom: "dbms.connector.https.enabled", Source: "[50-all] [50-mig] [2607-cfg]"},
	{Setting: SettingStrictValidation, Name: "dbms.config.strict_validation", From: "3.5", To: "4.4", Type: TypeBool, Default: "false", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingStrictValidation, Name: "server.config.strict_validation.enabled", From: "5.0", Type: TypeBool, Default: "true", RenamedFrom: "dbms.config.strict_validation", Source: "[50-all] [2607-cfg] (also refuses duplicated keys)"},
}

// CipherRule is a version fact about specific cipher suites.
type CipherRule struct {
	From, To string
	Suites   []string
	Refuse   bool // the version does not support them; otherwise a warning
	Why      string
	Source   string
}

// cbcSuites are the four TLSv1.2 CBC suites [2501-cdr] lists.
var cbcSuites = []string{
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
}

// CipherRules are the cipher facts per version range.
var CipherRules = []CipherRule{
	{From: "2025.01", To: "2025.09", Suites: cbcSuites, Refuse: true,
		Why:    "Neo4j 2025.01 no longer supports these CBC-based suites (Operations Manual 2025.01, \"Changes, deprecations and removals\", SSL framework)",
		Source: "[2501-cdr]"},
	{From: "2025.10", Suites: cbcSuites,
		Why:    "from Neo4j 2025.10 these insecure CBC-based suites are removed from the Java 21 defaults and work only when listed explicitly (Operations Manual 2026.07, \"Changes 2025-2026\", Neo4j 2025.10); prefer GCM suites",
		Source: "[2607-chg]"},
}

// ClientAuthRule is a version's constraint on the client_auth of a policy bound to some channels.
type ClientAuthRule struct {
	From, To string
	Channels []string
	Require  string // the only client_auth the channels accept
	Source   string
}

// ClientAuthRules lists the channels that accept only one client_auth. On 3.5 the Bolt and HTTPS servers do not support client authentication, so a policy
// they use must set client_auth=NONE [35-ssl] ("The legacy SSL system", the paragraph after the legacy
// policy definition; seed 000, after Example 7.27).
var ClientAuthRules = []ClientAuthRule{
	{From: "3.5", To: "3.5", Channels: []string{"bolt", "https"}, Require: "NONE", Source: "[35-ssl]"},
}

// NamedPolicies reports whether v names policies freely (3.5: `dbms.ssl.policy.<policy>.*`, written by
// the policy itself) rather than by scope (4.0 and later, written by each binding).
func NamedPolicies(v Version) bool {
	r, _ := LookupRow(SettingID(SuffixBaseDirectory), v, "")
	return strings.Contains(r.Name, "<policy>")
}

// ReservedPolicyName returns the name of the built-in policy of v ("legacy" on 3.5, the default of
// bolt.ssl_policy [35-all]), or "".
func ReservedPolicyName(v Version) string {
	if r, ok := LookupRow(BindingSetting("bolt"), v, ""); ok && r.Type == TypeString {
		return r.Default
	}
	return ""
}

// TLS13Native is the first version whose tls_versions default includes TLSv1.3 [524-ssl]; before it
// TLSv1.3 is valid (a free list [35-all] [40-ssl]; [44-fips] prescribes TLSv1.2,TLSv1.3 on 4.4) but
// depends on the Java runtime.
const TLS13Native = "5.24"

// ---- lookups ----

// inRange reports whether v lies in [from, to].
func inRange(v Version, from, to string) bool {
	if from != "" && v.Less(mustRangeBound(from)) {
		return false
	}
	if to != "" && mustRangeBound(to).Less(v) {
		return false
	}
	return true
}

// LookupRow returns the catalogue row of a setting for a version and scope ("" for a scope-independent
// question, or on 3.5). A scope-specific row wins over a general one.
func LookupRow(s SettingID, v Version, scope string) (Row, bool) {
	var general *Row
	for i := range Catalogue {
		r := &Catalogue[i]
		if r.Setting != s || !inRange(v, r.From, r.To) {
			continue
		}
		switch r.Scope {
		case scope:
			if scope != "" {
				return *r, true
			}
			general = r
		case "":
			general = r
		}
	}
	if general == nil {
		return Row{}, false
	}
	return *general, true
}

// Exists reports whether the setting exists in version v (for any scope).
func Exists(s SettingID, v Version) bool {
	for _, r := range Catalogue {
		if r.Setting == s && inRange(v, r.From, r.To) {
			return true
		}
	}
	return false
}

// NameOf returns the setting's neo4j.conf name in v, with <policy> and <scope> replaced by x.
func NameOf(s SettingID, v Version, x string) string {
	r, ok := LookupRow(s, v, "")
	if !ok {
		r, ok = LookupRow(s, v, x)
	}
	if !ok {
		return ""
	}
	return expandName(r.Name, x)
}

// DefaultOf returns Neo4j's default of a setting in v for a scope; ok is false when Neo4j has none.
func DefaultOf(s SettingID, v Version, scope string) (string, bool) {
	r, found := LookupRow(s, v, scope)
	if !found || r.Default == "" {
		return "", false
	}
	return expandName(r.Default, scope), true
}

// AliasesOf returns the other names that set the same thing as the setting's name in v: the names it
// was renamed from. Neo4j 5 refuses such a line under strict validation, and earlier versions may
// read it instead of ours.
func AliasesOf(s SettingID, v Version) []string {
	r, ok := LookupRow(s, v, "")
	if !ok || r.RenamedFrom == "" {
		return nil
	}
	return []string{r.RenamedFrom}
}

func expandName(name, x string) string {
	name = strings.ReplaceAll(name, "<policy>", x)
	return strings.ReplaceAll(name, "<scope>", x)
}

// rangeText describes the versions a setting exists in: "4.x" for a whole numbered family, else
// "<from> to <to>" or "<from> and later".
func rangeText(s SettingID) string {
	var parts []string
	for _, r := range Catalogue {
		if r.Setting != s {
			continue
		}
		switch {
		case r.From == "4.0" && r.To == "4.4":
			parts = append(parts, "4.x")
		case r.To == "":
			parts = append(parts, r.From+" and later")
		case r.From == r.To:
			parts = append(parts, r.From)
		default:
			parts = append(parts, r.From+" to "+r.To)
		}
	}
	return strings.Join(parts, ", ")
}

// ChannelsOf lists the channels a version can bind, in catalogue order.
func ChannelsOf(v Version) []string {
	var out []string
	for _, c := range Channels {
		if Exists(BindingSetting(c), v) {
			out = append(out, c)
		}
	}
	return out
}

// RowFor finds the catalogue row whose name, instantiated for x, is key in version v.
func RowFor(key string, v Version, x string) (Row, bool) {
	for _, r := range Catalogue {
		if inRange(v, r.From, r.To) && expandName(r.Name, x) == key && (r.Scope == "" || r.Scope == x) {
			return r, true
		}
	}
	return Row{}, false
}

// cipherRulesFor returns the rules that apply to v.
func cipherRulesFor(v Version) []CipherRule {
	var out []CipherRule
	for _, r := range CipherRules {
		if inRange(v, r.From, r.To) {
			out = append(out, r)
		}
	}
	return out
}
