package neo4j

import (
	"fmt"
	"slices"
	"strings"
)

// Channels are the traffic a policy can be applied to; fabric exists only on 4.x.
var Channels = []string{"bolt", "https", "cluster", "backup", "fabric"}

// TLSLevels are the values of the Bolt connector's tls_level.
var TLSLevels = []string{"REQUIRED", "OPTIONAL", "DISABLED"}

// DefaultTLSLevel is what a Bolt binding renders when tls_level is unset: a binding exists to make
// Bolt use TLS, so it requires it, which is stricter than Neo4j's own default (the catalogue:
// OPTIONAL on 3.5, DISABLED later).
const DefaultTLSLevel = "REQUIRED"

// BindingBlockID is the managed-block id of a channel binding; one per channel per file.
func BindingBlockID(channel string) string { return "dbtls_channel_binding " + channel }

// HTTPConnectorModes are what an HTTPS binding may do with the plaintext HTTP connector: turn it off
// (`<http.enabled>=false`) or bind it to loopback (`<http.listen_address>=127.0.0.1:<default port>`).
var HTTPConnectorModes = []string{"disabled", "loopback"}

// Binding is a policy applied to one channel of one Neo4j version.
type Binding struct {
	Channel  string
	TLSLevel string // bolt only
	// HTTPConnector is "" (the HTTP connector is left as it is) or one of HTTPConnectorModes; https only.
	HTTPConnector string
	Policy        *Policy
}

// SetHTTPConnector sets what an HTTPS binding does with the plaintext HTTP connector (mode "" leaves it).
func (b *Binding) SetHTTPConnector(mode string) *FieldError {
	switch {
	case mode == "":
	case b.Channel != "https":
		return &FieldError{Field: "http_connector", Summary: SummaryHttpConnectorIsForHTTPSOnly,
			Detail: fmt.Sprintf("http_connector turns off (or binds to loopback) the plaintext HTTP connector that HTTPS replaces, but this binding is for the %s channel. Remove http_connector, or set it on the https binding.", b.Channel)}
	case !slices.Contains(HTTPConnectorModes, mode):
		return &FieldError{Field: "http_connector", Summary: SummaryInvalidHTTPConnectorMode,
			Detail: fmt.Sprintf("http_connector %q is not one of %s.", mode, strings.Join(HTTPConnectorModes, ", "))}
	}
	b.HTTPConnector = mode
	return nil
}

// httpConnectorLine renders the HTTP connector line of an HTTPS binding, or "".
func (b *Binding) httpConnectorLine() string {
	v := b.Policy.Version
	switch b.HTTPConnector {
	case "disabled":
		return NameOf(SettingHTTPEnabled, v, "") + "=false"
	case "loopback":
		port, _ := DefaultOf(SettingHTTPListen, v, "") // ":7474"
		return NameOf(SettingHTTPListen, v, "") + "=127.0.0.1" + port
	}
	return ""
}

// ResolveBinding checks a channel and tls_level against the policy's version.
func ResolveBinding(p *Policy, channel string, tlsLevel *string) (*Binding, []*FieldError) {
	var errs []*FieldError
	v := p.Version
	if !slices.Contains(Channels, channel) {
		errs = append(errs, &FieldError{Field: "channel", Summary: SummaryUnknownChannel, Detail: fmt.Sprintf("channel %q is not one of %s.", channel, strings.Join(Channels, ", "))})
		return nil, errs
	}
	if !Exists(BindingSetting(channel), v) {
		errs = append(errs, &FieldError{Field: "channel", Summary: SummaryChannelNotInThisNeo4jVersion,
			Detail: fmt.Sprintf("The %s channel exists only in Neo4j %s, but the policy targets Neo4j %s. Remove this binding, or bind %s.", channel, rangeText(BindingSetting(channel)), v, strings.Join(ChannelsOf(v), ", "))})
		return nil, errs
	}
	b := &Binding{Channel: channel, Policy: p}
	if channel == "bolt" {
		b.TLSLevel = DefaultTLSLevel
		if tlsLevel != nil {
			b.TLSLevel = *tlsLevel
		}
		if !slices.Contains(TLSLevels, b.TLSLevel) {
			errs = append(errs, &FieldError{Field: "tls_level", Summary: SummaryInvalidTLSLevel, Detail: fmt.Sprintf("tls_level %q is not one of %s.", b.TLSLevel, strings.Join(TLSLevels, ", "))})
			return nil, errs
		}
		if b.TLSLevel == "DISABLED" {
			errs = append(errs, &FieldError{Field: "tls_level", Summary: SummaryBoltTLSDisabled,
				Detail: "tls_level = \"DISABLED\" makes the Bolt connector ignore the bound policy and accept only plaintext. Use REQUIRED (or OPTIONAL while clients migrate)."})
		}
	} else if tlsLevel != nil {
		errs = append(errs, &FieldError{Field: "tls_level", Summary: SummaryTlsLevelIsForBoltOnly,
			Detail: fmt.Sprintf("tls_level sets the Bolt connector's TLS level, but this binding is for the %s channel. Remove tls_level.", channel)})
		return nil, errs
	}
	// Neo4j 3.5 Operations Manual, SSL framework (the paragraph after the legacy policy example, seed
	// 000, after Example 7.27): the Bolt and HTTPS servers do not support client authentication, so the
	// policy they use must set client_auth=NONE. Neo4j 3.5 defaults client_auth to REQUIRE (catalogue).
	for _, rule := range ClientAuthRules {
		if !inRange(v, rule.From, rule.To) || !slices.Contains(rule.Channels, channel) {
			continue
		}
		if e := checkClientAuthRule(p, channel, rule); e != nil {
			return nil, append(errs, e)
		}
	}
	if w := weakerClientAuth(p, channel); w != nil {
		errs = append(errs, w)
	}
	return b, errs
}

// weakerClientAuth warns when a policy bound to a scope whose Neo4j default is REQUIRE (cluster and
// backup on 4.x and later, the catalogue) declares a weaker client_auth: members or backup clients
// would then be accepted without a certificate.
func weakerClientAuth(p *Policy, channel string) *FieldError {
	if NamedPolicies(p.Version) || p.ClientAuth == "" {
		return nil
	}
	def, ok := DefaultOf(SettingID(SuffixClientAuth), p.Version, channel)
	if !ok || def != "REQUIRE" || p.ClientAuth == "REQUIRE" {
		return nil
	}
	return &FieldError{Field: "policy", Summary: SummaryClientAuthenticationWeakerThanTheScopeSDefault,
		Detail: fmt.Sprintf("The policy %q has client_auth = %q, and this binding applies it to the %s scope, where Neo4j %s requires a client certificate by default (REQUIRE). "+
			"Peers on this channel would then be accepted without proving who they are. Bind a policy with client_auth = \"REQUIRE\" (or leave client_auth unset), "+
			"unless peers are authenticated another way.", p.Name, p.ClientAuth, channel, p.Version)}
}

// checkClientAuthRule refuses a policy whose client_auth (declared, or Neo4j's default) is not the one
// the rule requires on the channel.
func checkClientAuthRule(p *Policy, channel string, rule ClientAuthRule) *FieldError {
	v := p.Version
	// On 3.5 a policy left at the default carries Neo4j's default in its settings already.
	ca := p.ClientAuth
	if ca == "" {
		ca, _ = DefaultOf(SettingID(SuffixClientAuth), v, channel)
	}
	def, _ := DefaultOf(SettingID(SuffixClientAuth), v, channel)
	what := fmt.Sprintf("has client_auth = %q (as set, or Neo4j %s's default %q when unset)", ca, v, def)
	if ca != rule.Require {
		return &FieldError{Field: "policy", Summary: SummaryNeo4j35BoltAndHTTPSNeedClientAuthNONE,
			Detail: fmt.Sprintf("The policy %q %s, but the Neo4j 3.5 Operations Manual (SSL framework, \"The legacy SSL system\") states that the Bolt and HTTPS servers "+
				"do not support client authentication, so a policy they use must set client_auth=NONE explicitly; otherwise Neo4j does not start. "+
				"Set client_auth = \"NONE\" on that dbtls_ssl_policy, or bind a separate policy with client_auth = \"NONE\" to %s.", p.Name, what, channel)}
	}
	return nil
}

// Lines renders the binding for its version from the catalogue. 3.5: the channel's `*.ssl_policy=<name>`
// key; 4.x and later: `dbms.ssl.policy.<channel>.enabled=true` and every policy suffix under
// `dbms.ssl.policy.<channel>.`. Then the connector key: the Bolt tls_level, or the HTTPS connector.
func (b *Binding) Lines() []string {
	v := b.Policy.Version
	var lines []string
	bind, _ := LookupRow(BindingSetting(b.Channel), v, "")
	if bind.Type == TypeString {
		lines = append(lines, bind.Name+"="+b.Policy.Name)
	} else {
		lines = append(lines, b.Policy.ScopeLines(b.Channel)...)
	}
	switch b.Channel {
	case "bolt":
		lines = append(lines, NameOf(SettingBoltTLSLevel, v, "")+"="+b.TLSLevel)
	case "https":
		lines = append(lines, NameOf(SettingHTTPSEnabled, v, "")+"=true")
		if l := b.httpConnectorLine(); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// ConflictKeys maps every key that sets what the binding sets to the key the binding writes: its own
// keys, and the names the catalogue says the same setting had before a rename (a
// `dbms.connector.bolt.tls_level` line left in a 5.x file sets what `server.bolt.tls_level` sets).
func (b *Binding) ConflictKeys() map[string]string {
	v := b.Policy.Version
	out := map[string]string{}
	for _, l := range b.Lines() {
		k, _, _ := strings.Cut(l, "=")
		out[k] = k
	}
	for _, s := range []SettingID{SettingBoltTLSLevel, SettingHTTPSEnabled, SettingHTTPEnabled, SettingHTTPListen} {
		name := NameOf(s, v, "")
		if _, ours := out[name]; !ours {
			continue
		}
		for _, alias := range AliasesOf(s, v) {
			out[alias] = name
		}
	}
	return out
}

// PolicyFromSettings rebuilds a resolved policy from the settings map a dbtls_ssl_policy exposes.
func PolicyFromSettings(s map[string]string) (*Policy, error) {
	// client_auth may be empty (Neo4j's default for the scope); maps written by earlier releases carry
	// a value for every suffix and are read as declared.
	ps, _ := DecodePolicySettings(s)
	if missing := ps.Missing(RequiredKeys); len(missing) > 0 {
		return nil, fmt.Errorf("the policy has no %q; pass the settings attribute of a dbtls_ssl_policy", missing[0])
	}
	v, err := ParseVersion(ps.Neo4jVersion)
	if err != nil {
		return nil, fmt.Errorf("the policy's neo4j_version is not valid: %w", err)
	}
	x := ps.Suffixes
	p := &Policy{
		Name: ps.Name, Version: v, Home: ps.Neo4jHome,
		BaseDirectory: x[SuffixBaseDirectory], PrivateKey: x[SuffixPrivateKey], PublicCertificate: x[SuffixPublicCertificate],
		TrustedDir: x[SuffixTrustedDir], RevokedDir: x[SuffixRevokedDir], ClientAuth: x[SuffixClientAuth],
		TLSVersions: SplitList(x[SuffixTLSVersions]), TrustAll: x[SuffixTrustAll] == "true", VerifyHostname: x[SuffixVerifyHostname] == "true",
		AllowKeyGeneration: x[SuffixAllowKeyGeneration] == "true",
		BasePath:           ps.BaseDirectoryPath, PrivateKeyPath: ps.PrivateKeyPath, PublicCertificatePath: ps.PublicCertificatePath,
		TrustedPath: ps.TrustedDirPath, RevokedPath: ps.RevokedDirPath,
	}
	if c := x[SuffixCiphers]; c != "" {
		p.Ciphers = SplitList(c)
	}
	if te := x[SuffixTrustExpired]; te != "" {
		p.TrustExpired = new(te == "true")
	}
	return p, nil
}

// SplitList returns the items of a comma-separated list value (tls_versions, ciphers and the like),
// each trimmed of spaces, empty items dropped.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
