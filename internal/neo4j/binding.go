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
// Bolt use TLS, so it requires it (Neo4j's own default is OPTIONAL on 3.5 and DISABLED later).
const DefaultTLSLevel = "REQUIRED"

// BindingBlockID is the managed-block id of a channel binding; one per channel per file.
func BindingBlockID(channel string) string { return "dbtls_channel_binding " + channel }

// channel35Keys are the 3.5 keys that apply a named policy to a channel.
var channel35Keys = map[string]string{
	"bolt":    "bolt.ssl_policy",
	"https":   "https.ssl_policy",
	"cluster": "causal_clustering.ssl_policy",
	"backup":  "dbms.backup.ssl_policy",
}

// Binding is a policy applied to one channel of one Neo4j version.
type Binding struct {
	Channel  string
	TLSLevel string // bolt only
	Policy   *Policy
}

// ResolveBinding checks a channel and tls_level against the policy's version.
func ResolveBinding(p *Policy, channel string, tlsLevel *string) (*Binding, []*FieldError) {
	var errs []*FieldError
	v := p.Version
	if !slices.Contains(Channels, channel) {
		errs = append(errs, &FieldError{Field: "channel", Summary: "Unknown Channel", Detail: fmt.Sprintf("channel %q is not one of %s.", channel, strings.Join(Channels, ", "))})
		return nil, errs
	}
	if channel == "fabric" && v.Family() != Family4 {
		errs = append(errs, &FieldError{Field: "channel", Summary: "Channel Not In This Neo4j Version",
			Detail: fmt.Sprintf("The fabric channel exists only in Neo4j 4.x, but the policy targets Neo4j %s. Remove this binding, or bind bolt, https, cluster or backup.", v)})
		return nil, errs
	}
	b := &Binding{Channel: channel, Policy: p}
	if channel == "bolt" {
		b.TLSLevel = DefaultTLSLevel
		if tlsLevel != nil {
			b.TLSLevel = *tlsLevel
		}
		if !slices.Contains(TLSLevels, b.TLSLevel) {
			errs = append(errs, &FieldError{Field: "tls_level", Summary: "Invalid TLS Level", Detail: fmt.Sprintf("tls_level %q is not one of %s.", b.TLSLevel, strings.Join(TLSLevels, ", "))})
			return nil, errs
		}
		if b.TLSLevel == "DISABLED" {
			errs = append(errs, &FieldError{Field: "tls_level", Summary: "Bolt TLS Disabled", Warning: true,
				Detail: "tls_level = \"DISABLED\" makes the Bolt connector ignore the bound policy and accept only plaintext. Use REQUIRED (or OPTIONAL while clients migrate)."})
		}
	} else if tlsLevel != nil {
		errs = append(errs, &FieldError{Field: "tls_level", Summary: "tls_level Is For Bolt Only",
			Detail: fmt.Sprintf("tls_level sets the Bolt connector's TLS level, but this binding is for the %s channel. Remove tls_level.", channel)})
		return nil, errs
	}
	return b, errs
}

// Lines renders the binding for its version. 3.5: the channel's `*.ssl_policy=<name>` key (and the
// Bolt tls_level or the HTTPS connector); 4.x and 5.x: every policy suffix under
// `dbms.ssl.policy.<channel>.` with `enabled=true`, and the connector keys named for that version.
func (b *Binding) Lines() []string {
	v := b.Policy.Version
	var lines []string
	switch v.Family() {
	case Family35:
		lines = append(lines, channel35Keys[b.Channel]+"="+b.Policy.Name)
	default:
		lines = append(lines, b.Policy.ScopeLines(b.Channel)...)
	}
	connector := "dbms.connector."
	if v.Family() == Family5 {
		connector = "server."
	}
	switch b.Channel {
	case "bolt":
		lines = append(lines, connector+"bolt.tls_level="+b.TLSLevel)
	case "https":
		lines = append(lines, connector+"https.enabled=true")
	}
	return lines
}

// PolicyFromSettings rebuilds a resolved policy from the settings map a dbtls_ssl_policy exposes.
func PolicyFromSettings(s map[string]string) (*Policy, error) {
	for _, k := range []string{"name", "neo4j_version", "neo4j_home", "base_directory", "private_key", "public_certificate", "trusted_dir", "revoked_dir", "client_auth", "tls_versions", "trust_all", "verify_hostname"} {
		if s[k] == "" {
			return nil, fmt.Errorf("the policy has no %q; pass the settings attribute of a dbtls_ssl_policy", k)
		}
	}
	v, err := ParseVersion(s["neo4j_version"])
	if err != nil {
		return nil, fmt.Errorf("the policy's neo4j_version is not valid: %w", err)
	}
	p := &Policy{
		Name: s["name"], Version: v, Home: s["neo4j_home"],
		BaseDirectory: s["base_directory"], PrivateKey: s["private_key"], PublicCertificate: s["public_certificate"],
		TrustedDir: s["trusted_dir"], RevokedDir: s["revoked_dir"], ClientAuth: s["client_auth"],
		TLSVersions: splitComma(s["tls_versions"]), TrustAll: s["trust_all"] == "true", VerifyHostname: s["verify_hostname"] == "true",
		AllowKeyGeneration: s["allow_key_generation"] == "true",
		BasePath:           s["base_directory_path"], PrivateKeyPath: s["private_key_path"], PublicCertificatePath: s["public_certificate_path"],
		TrustedPath: s["trusted_dir_path"], RevokedPath: s["revoked_dir_path"],
	}
	if c, ok := s["ciphers"]; ok && c != "" {
		p.Ciphers = splitComma(c)
	}
	return p, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
