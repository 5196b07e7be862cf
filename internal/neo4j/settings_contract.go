package neo4j

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The settings contract: the flat map a dbtls_ssl_policy exposes as its `settings` attribute and
// dbtls_policy_certificate, dbtls_channel_binding and dbtls_endpoint consume. This file is the only place
// that spells its keys; everything else encodes a PolicySettings or decodes one. The map is part of
// states and module outputs written by earlier releases, so its keys and value formats never change:
// the policy's suffixes under their suffix names, the identity keys below, the absolute paths under
// `<suffix>_path`, and the location keys the policy resource adds.
const (
	// KeyName, KeyNeo4jVersion and KeyNeo4jHome identify the policy and the installation it belongs to.
	KeyName         = "name"
	KeyNeo4jVersion = "neo4j_version"
	KeyNeo4jHome    = "neo4j_home"

	// The declared suffixes travel under their own names.
	KeyBaseDirectory      = string(SuffixBaseDirectory)
	KeyPrivateKey         = string(SuffixPrivateKey)
	KeyPublicCertificate  = string(SuffixPublicCertificate)
	KeyTrustedDir         = string(SuffixTrustedDir)
	KeyRevokedDir         = string(SuffixRevokedDir)
	KeyClientAuth         = string(SuffixClientAuth)
	KeyTLSVersions        = string(SuffixTLSVersions)
	KeyCiphers            = string(SuffixCiphers)
	KeyTrustAll           = string(SuffixTrustAll)
	KeyVerifyHostname     = string(SuffixVerifyHostname)
	KeyTrustExpired       = string(SuffixTrustExpired)
	KeyAllowKeyGeneration = string(SuffixAllowKeyGeneration)

	// The absolute paths the suffixes resolve to inside neo4j_home.
	KeyBaseDirectoryPath     = "base_directory_path"
	KeyPrivateKeyPath        = "private_key_path"
	KeyPublicCertificatePath = "public_certificate_path"
	KeyTrustedDirPath        = "trusted_dir_path"
	KeyRevokedDirPath        = "revoked_dir_path"

	// Where the policy lives and who owns its files, added by the policy resource.
	KeyConfigFile = "config_file"
	KeyTarget     = "target"
	KeySSH        = "ssh"
	KeyOwner      = "owner"
	KeyGroup      = "group"
)

// TargetLocal is the target of a policy on the provider's own machine.
const TargetLocal = "local"

// RequiredKeys are the keys a map must carry, non-empty, to be the settings of a dbtls_ssl_policy
// (client_auth may be empty: Neo4j's default for the scope). CheckSettings and PolicyFromSettings
// refuse a map without them.
var RequiredKeys = []string{KeyName, KeyNeo4jVersion, KeyNeo4jHome, KeyBaseDirectory, KeyPrivateKey, KeyPublicCertificate,
	KeyTrustedDir, KeyRevokedDir, KeyTLSVersions, KeyTrustAll, KeyVerifyHostname}

// CertificateKeys are the keys dbtls_policy_certificate needs from its policy, non-empty, in the order
// its diagnostic lists the missing ones.
var CertificateKeys = []string{KeyName, KeyNeo4jVersion, KeyNeo4jHome, KeyTarget, KeyBaseDirectory, KeyBaseDirectoryPath,
	KeyPrivateKeyPath, KeyPublicCertificatePath, KeyTrustedDirPath, KeyRevokedDirPath}

// DerivedKeys are the keys ResolvePolicy derives from the declared suffixes: a map whose value
// differs from the derivation was edited after dbtls_ssl_policy produced it.
var DerivedKeys = []string{KeyBaseDirectoryPath, KeyPrivateKeyPath, KeyPublicCertificatePath, KeyTrustedDirPath, KeyRevokedDirPath}

// DirectoryKeys are the keys naming the directories a policy manages, in creation order.
var DirectoryKeys = []string{KeyBaseDirectoryPath, KeyTrustedDirPath, KeyRevokedDirPath}

// LocationKeys are the keys the policy resource adds beside the policy's own; a consumer checks them
// against its own target.
var LocationKeys = []string{KeyConfigFile, KeyTarget, KeySSH, KeyOwner, KeyGroup}

// PolicyMoveKeys force a new dbtls_ssl_policy when their value in the state (where present) differs
// from the plan: the policy moved to another directory, config file or host.
var PolicyMoveKeys = []string{KeyBaseDirectoryPath, KeyTrustedDirPath, KeyRevokedDirPath, KeyConfigFile, KeyTarget}

// CertificateMoveKeys force a new dbtls_policy_certificate when they change: they place its files.
var CertificateMoveKeys = []string{KeyTarget, KeyNeo4jHome, KeyBaseDirectoryPath, KeyPrivateKeyPath, KeyPublicCertificatePath,
	KeyTrustedDirPath, KeyRevokedDirPath}

// PublicSSH is the part of an SSH target that is not secret: what a policy's settings carry (as JSON
// under KeySSH) so that its consumers reach the same host with credentials of their own.
type PublicSSH struct {
	Host       string     `json:"host"`
	Port       int        `json:"port,omitempty"`
	User       string     `json:"user"`
	KnownHosts string     `json:"known_hosts,omitempty"`
	HostKey    string     `json:"host_key,omitempty"`
	Sudo       bool       `json:"sudo,omitempty"`
	Timeout    string     `json:"timeout,omitempty"`
	AllowSHA1  bool       `json:"allow_sha1_host_key_signatures,omitempty"`
	Bastion    *PublicSSH `json:"bastion,omitempty"`
}

// PolicyLocation is where a policy lives and who owns its files.
type PolicyLocation struct {
	ConfigFile string
	// Target is the host's ID ("local", or the SSH target's); empty in a map that has none.
	Target string
	// SSH is nil for a local policy, and when the map's ssh entry is missing or unreadable.
	SSH          *PublicSSH
	Owner, Group string
}

// PolicySettings is the decoded settings map.
type PolicySettings struct {
	Name, Neo4jVersion, Neo4jHome string
	// Suffixes holds the suffixes the map carries, with their values as written: tls_versions and
	// ciphers comma-separated, booleans "true" or "false", client_auth empty for the scope's default.
	// An absent suffix is unset.
	Suffixes map[Suffix]string
	// The absolute paths.
	BaseDirectoryPath, PrivateKeyPath, PublicCertificatePath, TrustedDirPath, RevokedDirPath string
	// Location is nil in a map without location keys (a Policy's own Settings).
	Location *PolicyLocation
	// Extra holds the keys outside the contract, so that a check can name them and Encode keeps them.
	Extra map[string]string
	// present records which keys the decoded map had.
	present map[string]bool
}

// SettingsError is what DecodePolicySettings found wrong with a map: required keys it lacks (or has
// empty) and an ssh entry that is not a target's JSON. The settings it returns alongside hold
// everything else.
type SettingsError struct {
	Missing []string
	SSH     error
}

func (e *SettingsError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "the policy has no "+strings.Join(e.Missing, ", "))
	}
	if e.SSH != nil {
		parts = append(parts, fmt.Sprintf("the policy's %s is not readable: %s", KeySSH, e.SSH))
	}
	return strings.Join(parts, "; ")
}

// SettingsOf is a resolved policy's settings, without a location.
func SettingsOf(p *Policy) PolicySettings {
	s := PolicySettings{
		Name: p.Name, Neo4jVersion: p.Version.String(), Neo4jHome: p.Home,
		Suffixes:          map[Suffix]string{},
		BaseDirectoryPath: p.BasePath, PrivateKeyPath: p.PrivateKeyPath, PublicCertificatePath: p.PublicCertificatePath,
		TrustedDirPath: p.TrustedPath, RevokedDirPath: p.RevokedPath,
	}
	for _, x := range AllSuffixes {
		if !x.Exists(p.Version) {
			continue
		}
		val := p.value(x)
		if val == "" && (x == SuffixCiphers || x == SuffixTrustExpired) {
			continue
		}
		s.Suffixes[x] = val
	}
	return s
}

// Encode is the settings map. Identity keys and paths are always present, suffixes as Suffixes has
// them, location keys when Location is set (ssh only for an SSH target), and Extra as it is.
func (s PolicySettings) Encode() map[string]string {
	m := map[string]string{
		KeyName:                  s.Name,
		KeyNeo4jVersion:          s.Neo4jVersion,
		KeyNeo4jHome:             s.Neo4jHome,
		KeyBaseDirectoryPath:     s.BaseDirectoryPath,
		KeyPrivateKeyPath:        s.PrivateKeyPath,
		KeyPublicCertificatePath: s.PublicCertificatePath,
		KeyTrustedDirPath:        s.TrustedDirPath,
		KeyRevokedDirPath:        s.RevokedDirPath,
	}
	for x, v := range s.Suffixes {
		m[string(x)] = v
	}
	if l := s.Location; l != nil {
		m[KeyConfigFile] = l.ConfigFile
		m[KeyTarget] = l.Target
		m[KeyOwner] = l.Owner
		m[KeyGroup] = l.Group
		if l.SSH != nil {
			m[KeySSH] = EncodeSSH(l.SSH)
		}
	}
	for k, v := range s.Extra {
		m[k] = v
	}
	return m
}

// EncodeSSH is the JSON a settings map carries for an SSH target.
func EncodeSSH(p *PublicSSH) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// DecodePolicySettings reads a settings map. It never fails outright: the settings hold whatever the
// map has, and the error (a *SettingsError) says which RequiredKeys are missing or empty and whether
// the ssh entry could not be read. Keys outside the contract go to Extra.
func DecodePolicySettings(m map[string]string) (PolicySettings, error) {
	s := PolicySettings{Suffixes: map[Suffix]string{}, present: map[string]bool{}}
	var serr SettingsError
	for k := range m {
		s.present[k] = true
	}
	s.Name, s.Neo4jVersion, s.Neo4jHome = m[KeyName], m[KeyNeo4jVersion], m[KeyNeo4jHome]
	s.BaseDirectoryPath, s.PrivateKeyPath, s.PublicCertificatePath = m[KeyBaseDirectoryPath], m[KeyPrivateKeyPath], m[KeyPublicCertificatePath]
	s.TrustedDirPath, s.RevokedDirPath = m[KeyTrustedDirPath], m[KeyRevokedDirPath]
	for _, x := range AllSuffixes {
		if v, ok := m[string(x)]; ok {
			s.Suffixes[x] = v
		}
	}
	if slices.ContainsFunc(LocationKeys, s.Has) {
		l := &PolicyLocation{ConfigFile: m[KeyConfigFile], Target: m[KeyTarget], Owner: m[KeyOwner], Group: m[KeyGroup]}
		if raw, ok := m[KeySSH]; ok {
			var p PublicSSH
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				serr.SSH = err
			} else {
				l.SSH = &p
			}
		}
		s.Location = l
	}
	for k, v := range m {
		if !isContractKey(k) {
			if s.Extra == nil {
				s.Extra = map[string]string{}
			}
			s.Extra[k] = v
		}
	}
	serr.Missing = s.Missing(RequiredKeys)
	if len(serr.Missing) > 0 || serr.SSH != nil {
		return s, &serr
	}
	return s, nil
}

func isContractKey(k string) bool {
	switch k {
	case KeyName, KeyNeo4jVersion, KeyNeo4jHome, KeyBaseDirectoryPath, KeyPrivateKeyPath, KeyPublicCertificatePath,
		KeyTrustedDirPath, KeyRevokedDirPath:
		return true
	}
	return slices.Contains(LocationKeys, k) || slices.Contains(AllSuffixes, Suffix(k))
}

// Has reports whether the decoded map had key k.
func (s PolicySettings) Has(k string) bool { return s.present[k] }

// Value is the value of key k as the settings have it ("" when absent).
func (s PolicySettings) Value(k string) string {
	switch k {
	case KeyName:
		return s.Name
	case KeyNeo4jVersion:
		return s.Neo4jVersion
	case KeyNeo4jHome:
		return s.Neo4jHome
	case KeyBaseDirectoryPath:
		return s.BaseDirectoryPath
	case KeyPrivateKeyPath:
		return s.PrivateKeyPath
	case KeyPublicCertificatePath:
		return s.PublicCertificatePath
	case KeyTrustedDirPath:
		return s.TrustedDirPath
	case KeyRevokedDirPath:
		return s.RevokedDirPath
	}
	if slices.Contains(LocationKeys, k) {
		if s.Location == nil {
			return ""
		}
		switch k {
		case KeyConfigFile:
			return s.Location.ConfigFile
		case KeyTarget:
			return s.Location.Target
		case KeyOwner:
			return s.Location.Owner
		case KeyGroup:
			return s.Location.Group
		case KeySSH:
			if s.Location.SSH == nil {
				return ""
			}
			return EncodeSSH(s.Location.SSH)
		}
	}
	if v, ok := s.Suffixes[Suffix(k)]; ok {
		return v
	}
	return s.Extra[k]
}

// Missing lists the keys of keys whose value is empty, in the order given.
func (s PolicySettings) Missing(keys []string) []string {
	var out []string
	for _, k := range keys {
		if s.Value(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// Suffix is the value of suffix x and whether the map carries it.
func (s PolicySettings) Suffix(x Suffix) (string, bool) {
	v, ok := s.Suffixes[x]
	return v, ok
}

// Target is the policy's host ID, "" when the map names none.
func (s PolicySettings) Target() string {
	if s.Location == nil {
		return ""
	}
	return s.Location.Target
}

// ConfigFile is the policy's neo4j.conf, "" when the map names none.
func (s PolicySettings) ConfigFile() string {
	if s.Location == nil {
		return ""
	}
	return s.Location.ConfigFile
}

// SSH is the policy's SSH target, nil when the map has none (or an unreadable one).
func (s PolicySettings) SSH() *PublicSSH {
	if s.Location == nil {
		return nil
	}
	return s.Location.SSH
}

// Owner is the owner of the policy's files, "" when the map does not say.
func (s PolicySettings) Owner() string {
	if s.Location == nil {
		return ""
	}
	return s.Location.Owner
}

// Group is the group of the policy's files, "" when the map does not say.
func (s PolicySettings) Group() string {
	if s.Location == nil {
		return ""
	}
	return s.Location.Group
}

// Directories are the absolute directories the settings name, in creation order, skipping empty ones.
func (s PolicySettings) Directories() []string {
	var out []string
	for _, k := range DirectoryKeys {
		if v := s.Value(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ChangedKeys lists the keys of keys whose value differs between old and s; with onlyPresent, only
// keys old had count.
func (s PolicySettings) ChangedKeys(old PolicySettings, keys []string, onlyPresent bool) []string {
	var out []string
	for _, k := range keys {
		if onlyPresent && !old.Has(k) {
			continue
		}
		if old.Value(k) != s.Value(k) {
			out = append(out, k)
		}
	}
	return out
}

// Keys is every key of the encoded map, sorted.
func (s PolicySettings) Keys() []string {
	return slices.Sorted(maps.Keys(s.Encode()))
}

// IsWholePolicy reports whether a map claims to be a dbtls_ssl_policy's settings (it carries
// neo4j_home or a derived path), rather than a partial set of expectations.
func IsWholePolicy(m map[string]string) bool {
	if _, ok := m[KeyNeo4jHome]; ok {
		return true
	}
	for _, k := range DerivedKeys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}
