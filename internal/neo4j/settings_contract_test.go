package neo4j

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sort"
	"testing"
)

// The wire format of the settings map, spelled out here on purpose: the codec's constants must keep
// these exact strings, since states and module outputs of every earlier release carry them.
var wireKeys = map[string]string{
	KeyName: "name", KeyNeo4jVersion: "neo4j_version", KeyNeo4jHome: "neo4j_home",
	KeyBaseDirectory: "base_directory", KeyPrivateKey: "private_key", KeyPublicCertificate: "public_certificate",
	KeyTrustedDir: "trusted_dir", KeyRevokedDir: "revoked_dir", KeyClientAuth: "client_auth", KeyTLSVersions: "tls_versions",
	KeyCiphers: "ciphers", KeyTrustAll: "trust_all", KeyVerifyHostname: "verify_hostname", KeyTrustExpired: "trust_expired",
	KeyAllowKeyGeneration: "allow_key_generation",
	KeyBaseDirectoryPath:  "base_directory_path", KeyPrivateKeyPath: "private_key_path", KeyPublicCertificatePath: "public_certificate_path",
	KeyTrustedDirPath: "trusted_dir_path", KeyRevokedDirPath: "revoked_dir_path",
	KeyConfigFile: "config_file", KeyTarget: "target", KeySSH: "ssh", KeyOwner: "owner", KeyGroup: "group",
}

func TestSettingsKeysAreTheWireFormat(t *testing.T) {
	if len(wireKeys) != 25 {
		t.Fatalf("two key constants share a value: %d distinct keys, want 25", len(wireKeys))
	}
	for k, want := range wireKeys {
		if k != want {
			t.Errorf("key constant %q, want %q", k, want)
		}
	}
	want := []string{"name", "neo4j_version", "neo4j_home", "base_directory", "private_key", "public_certificate", "trusted_dir", "revoked_dir", "tls_versions", "trust_all", "verify_hostname"}
	if !slices.Equal(RequiredKeys, want) {
		t.Errorf("RequiredKeys = %v, want %v", RequiredKeys, want)
	}
	want = []string{"name", "neo4j_version", "neo4j_home", "target", "base_directory", "base_directory_path", "private_key_path", "public_certificate_path", "trusted_dir_path", "revoked_dir_path"}
	if !slices.Equal(CertificateKeys, want) {
		t.Errorf("CertificateKeys = %v, want %v", CertificateKeys, want)
	}
	want = []string{"base_directory_path", "trusted_dir_path", "revoked_dir_path", "config_file", "target"}
	if !slices.Equal(PolicyMoveKeys, want) {
		t.Errorf("PolicyMoveKeys = %v, want %v", PolicyMoveKeys, want)
	}
	want = []string{"target", "neo4j_home", "base_directory_path", "private_key_path", "public_certificate_path", "trusted_dir_path", "revoked_dir_path"}
	if !slices.Equal(CertificateMoveKeys, want) {
		t.Errorf("CertificateMoveKeys = %v, want %v", CertificateMoveKeys, want)
	}
}

// legacySettings is the settings map as releases before the codec built it (Policy.Settings plus the
// keys dbtls_ssl_policy added), written out independently of the codec: the oracle for byte-identical
// encoding.
func legacySettings(p *Policy, loc map[string]string, ssh any) map[string]string {
	m := map[string]string{"name": p.Name, "neo4j_version": p.Version.String(), "neo4j_home": p.Home}
	for _, s := range AllSuffixes {
		if !s.Exists(p.Version) {
			continue
		}
		val := p.value(s)
		if val == "" && (s == SuffixCiphers || s == SuffixTrustExpired) {
			continue
		}
		m[string(s)] = val
	}
	m["base_directory_path"], m["private_key_path"], m["public_certificate_path"] = p.BasePath, p.PrivateKeyPath, p.PublicCertificatePath
	m["trusted_dir_path"], m["revoked_dir_path"] = p.TrustedPath, p.RevokedPath
	maps.Copy(m, loc)
	if ssh != nil {
		b, _ := json.Marshal(ssh)
		m["ssh"] = string(b)
	}
	return m
}

// legacySSH is the struct earlier releases marshalled into the ssh entry.
type legacySSH struct {
	Host       string     `json:"host"`
	Port       int        `json:"port,omitempty"`
	User       string     `json:"user"`
	KnownHosts string     `json:"known_hosts,omitempty"`
	HostKey    string     `json:"host_key,omitempty"`
	Sudo       bool       `json:"sudo,omitempty"`
	Timeout    string     `json:"timeout,omitempty"`
	AllowSHA1  bool       `json:"allow_sha1_host_key_signatures,omitempty"`
	Bastion    *legacySSH `json:"bastion,omitempty"`
}

func contractPolicies(t *testing.T) []*Policy {
	t.Helper()
	var out []*Policy
	for _, v := range KnownVersions() {
		for _, in := range []PolicyInput{
			{Name: "p"},
			{Name: "q", BaseDirectory: ptr("/srv/neo4j/tls/q"), ClientAuth: ptr("OPTIONAL"), Ciphers: []string{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"},
				TLSVersions: []string{"TLSv1.2"}, TrustAll: ptr(false), VerifyHostname: ptr(true)},
		} {
			if SuffixTrustExpired.Exists(v) {
				in.TrustExpired = ptr(false)
			}
			if SuffixAllowKeyGeneration.Exists(v) {
				in.AllowKeyGeneration = ptr(false)
			}
			p, probs := ResolvePolicy(v, "/srv/neo4j", in)
			if p == nil {
				t.Fatalf("%s: %+v", v, probs)
			}
			out = append(out, p)
		}
	}
	return out
}

// Every version, with and without location, local and over SSH (with a bastion): Encode gives the map
// earlier releases wrote, byte for byte, and Decode reads it back to the same settings.
func TestSettingsRoundTrip(t *testing.T) {
	pub := &PublicSSH{Host: "graph-1.internal", Port: 2222, User: "deploy", HostKey: "ssh-ed25519 AAAAC3Nza", Sudo: true, Timeout: "30s",
		Bastion: &PublicSSH{Host: "jump.internal", User: "ops", KnownHosts: "/etc/ssh/known"}}
	old := &legacySSH{Host: "graph-1.internal", Port: 2222, User: "deploy", HostKey: "ssh-ed25519 AAAAC3Nza", Sudo: true, Timeout: "30s",
		Bastion: &legacySSH{Host: "jump.internal", User: "ops", KnownHosts: "/etc/ssh/known"}}
	locMap := map[string]string{"config_file": "/srv/neo4j/conf/neo4j.conf", "target": "local", "owner": "neo4j", "group": ""}
	for _, p := range contractPolicies(t) {
		for _, c := range []struct {
			name string
			loc  *PolicyLocation
			want map[string]string
		}{
			{"policy", nil, legacySettings(p, nil, nil)},
			{"local", &PolicyLocation{ConfigFile: "/srv/neo4j/conf/neo4j.conf", Target: "local", Owner: "neo4j"}, legacySettings(p, locMap, nil)},
			{"ssh", &PolicyLocation{ConfigFile: "/srv/neo4j/conf/neo4j.conf", Target: "deploy@graph-1.internal:2222", SSH: pub, Owner: "neo4j"},
				legacySettings(p, map[string]string{"config_file": "/srv/neo4j/conf/neo4j.conf", "target": "deploy@graph-1.internal:2222", "owner": "neo4j", "group": ""}, old)},
		} {
			s := SettingsOf(p)
			s.Location = c.loc
			got := s.Encode()
			if !maps.Equal(got, c.want) {
				t.Errorf("%s %s %s: Encode = %v, want %v", p.Version, p.Name, c.name, got, c.want)
			}
			if c.loc == nil && !maps.Equal(p.Settings(), c.want) {
				t.Errorf("%s %s: Policy.Settings differs from the earlier releases' map", p.Version, p.Name)
			}
			back, err := DecodePolicySettings(got)
			if err != nil {
				t.Fatalf("%s %s %s: %v", p.Version, p.Name, c.name, err)
			}
			if again := back.Encode(); !maps.Equal(again, got) {
				t.Errorf("%s %s %s: Decode then Encode = %v, want %v", p.Version, p.Name, c.name, again, got)
			}
			if (back.Location == nil) != (c.loc == nil) || (c.loc != nil && c.loc.SSH != nil && *back.SSH().Bastion != *pub.Bastion) {
				t.Errorf("%s %s %s: location decoded as %+v", p.Version, p.Name, c.name, back.Location)
			}
			// Every key of the map is readable by its name, with the value the map has.
			for k, v := range got {
				if !back.Has(k) || back.Value(k) != v {
					t.Errorf("%s %s %s: key %s reads %q (present %v), want %q", p.Version, p.Name, c.name, k, back.Value(k), back.Has(k), v)
				}
			}
			if back.Extra != nil {
				t.Errorf("%s %s %s: keys outside the contract: %v", p.Version, p.Name, c.name, back.Extra)
			}
			rebuilt, err := PolicyFromSettings(got)
			if err != nil || !maps.Equal(rebuilt.Settings(), p.Settings()) {
				t.Errorf("%s %s %s: PolicyFromSettings: %v", p.Version, p.Name, c.name, err)
			}
		}
	}
}

// Every key the contract names turns up in some encoded map, and every key of every encoded map is a
// contract key.
func TestSettingsEveryKey(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range contractPolicies(t) {
		s := SettingsOf(p)
		s.Location = &PolicyLocation{Target: "x", SSH: &PublicSSH{Host: "h"}}
		for k := range s.Encode() {
			if _, ok := wireKeys[k]; !ok {
				t.Errorf("%s: encoded key %q is not a contract key", p.Version, k)
			}
			seen[k] = true
		}
	}
	for k := range wireKeys {
		if !seen[k] {
			t.Errorf("contract key %q is never encoded", k)
		}
	}
}

// Maps written by earlier releases: a value for every suffix (client_auth "REQUIRE" rather than empty),
// no location keys at all, or location keys without ssh. They decode, and the policy they describe is
// the one they were written for.
func TestSettingsOlderMaps(t *testing.T) {
	old := map[string]string{
		"name": "bolt", "neo4j_version": "4.4", "neo4j_home": "/var/lib/neo4j",
		"base_directory": "certificates/bolt", "private_key": "private.key", "public_certificate": "public.crt",
		"trusted_dir": "trusted", "revoked_dir": "revoked", "client_auth": "REQUIRE", "tls_versions": "TLSv1.2",
		"trust_all": "false", "verify_hostname": "false",
		"base_directory_path": "/var/lib/neo4j/certificates/bolt", "private_key_path": "/var/lib/neo4j/certificates/bolt/private.key",
		"public_certificate_path": "/var/lib/neo4j/certificates/bolt/public.crt", "trusted_dir_path": "/var/lib/neo4j/certificates/bolt/trusted",
		"revoked_dir_path": "/var/lib/neo4j/certificates/bolt/revoked",
	}
	s, err := DecodePolicySettings(old)
	if err != nil {
		t.Fatal(err)
	}
	if s.Location != nil || s.Target() != "" || s.SSH() != nil || s.ConfigFile() != "" || s.Owner() != "" {
		t.Errorf("a map without location keys decoded with a location: %+v", s.Location)
	}
	if ca, ok := s.Suffix(SuffixClientAuth); !ok || ca != "REQUIRE" {
		t.Errorf("client_auth = %q, %v", ca, ok)
	}
	if _, ok := s.Suffix(SuffixCiphers); ok {
		t.Error("ciphers absent from the map, but decoded as present")
	}
	if !maps.Equal(s.Encode(), old) {
		t.Errorf("Encode = %v, want the map as it was", s.Encode())
	}
	if got := s.Directories(); !slices.Equal(got, []string{old["base_directory_path"], old["trusted_dir_path"], old["revoked_dir_path"]}) {
		t.Errorf("Directories = %v", got)
	}
	if p, probs := CheckSettings(old); p == nil || p.ClientAuth != "REQUIRE" {
		t.Errorf("CheckSettings refused an earlier release's map: %+v", probs)
	}
	p, err := PolicyFromSettings(old)
	if err != nil || p.ClientAuth != "REQUIRE" || p.PrivateKeyPath != old["private_key_path"] {
		t.Errorf("PolicyFromSettings: %+v, %v", p, err)
	}

	// With location keys but a local target (no ssh entry).
	withLoc := maps.Clone(old)
	withLoc["target"], withLoc["config_file"], withLoc["owner"], withLoc["group"] = "local", "/var/lib/neo4j/conf/neo4j.conf", "neo4j", "adm"
	s, err = DecodePolicySettings(withLoc)
	if err != nil {
		t.Fatal(err)
	}
	if s.Target() != "local" || s.ConfigFile() != "/var/lib/neo4j/conf/neo4j.conf" || s.Owner() != "neo4j" || s.Group() != "adm" || s.SSH() != nil {
		t.Errorf("location decoded as %+v", s.Location)
	}
	if !maps.Equal(s.Encode(), withLoc) {
		t.Errorf("Encode = %v, want %v", s.Encode(), withLoc)
	}

	// An ssh entry as an earlier release wrote it, including a field the current struct may not set.
	withSSH := maps.Clone(withLoc)
	withSSH["target"], withSSH["ssh"] = "deploy@graph-1.internal:22", `{"host":"graph-1.internal","user":"deploy","sudo":true,"bastion":{"host":"jump","user":"ops"}}`
	s, err = DecodePolicySettings(withSSH)
	if err != nil {
		t.Fatal(err)
	}
	if ssh := s.SSH(); ssh == nil || ssh.Host != "graph-1.internal" || ssh.User != "deploy" || !ssh.Sudo || ssh.Bastion == nil || ssh.Bastion.Host != "jump" {
		t.Errorf("ssh decoded as %+v", s.SSH())
	}
	if got := EncodeSSH(s.SSH()); got != withSSH["ssh"] {
		t.Errorf("EncodeSSH = %s, want %s", got, withSSH["ssh"])
	}
}

// A malformed ssh entry: the error says so, the rest of the map still decodes, and SSH is nil.
func TestSettingsMalformedSSH(t *testing.T) {
	p := contractPolicies(t)[0]
	for _, raw := range []string{"", "{", `"graph-1"`, `{"host": 7}`, `[]`} {
		m := p.Settings()
		m["target"], m["ssh"] = "deploy@graph-1:22", raw
		s, err := DecodePolicySettings(m)
		var se *SettingsError
		if !errors.As(err, &se) || se.SSH == nil || len(se.Missing) != 0 {
			t.Errorf("ssh %q: error %v, want an ssh error only", raw, err)
			continue
		}
		if s.SSH() != nil || s.Target() != "deploy@graph-1:22" || s.Name != p.Name || s.PrivateKeyPath != p.PrivateKeyPath {
			t.Errorf("ssh %q: decoded %+v / %+v", raw, s, s.Location)
		}
	}
	// JSON that parses but names no host decodes; the consumer refuses it (no host to reach).
	m := p.Settings()
	m["target"], m["ssh"] = "x", "null"
	if s, err := DecodePolicySettings(m); err != nil || s.SSH() == nil || s.SSH().Host != "" {
		t.Errorf("null ssh: %+v, %v", s.SSH(), err)
	}
}

// Missing required keys are listed in RequiredKeys' order; empty values count as missing. The
// certificate's list adds the target and the paths.
func TestSettingsMissingKeys(t *testing.T) {
	_, err := DecodePolicySettings(map[string]string{"name": "p", "trust_all": "", "neo4j_home": "/srv/neo4j"})
	var se *SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SettingsError", err)
	}
	want := []string{"neo4j_version", "base_directory", "private_key", "public_certificate", "trusted_dir", "revoked_dir", "tls_versions", "trust_all", "verify_hostname"}
	if !slices.Equal(se.Missing, want) || se.SSH != nil {
		t.Errorf("Missing = %v, want %v", se.Missing, want)
	}
	if se.Error() == "" {
		t.Error("empty error text")
	}
	p := contractPolicies(t)[0]
	s, err := DecodePolicySettings(p.Settings())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Missing(CertificateKeys); !slices.Equal(got, []string{"target"}) {
		t.Errorf("a policy's own map lacks %v for a certificate, want [target]", got)
	}
	m := p.Settings()
	m["target"] = "local"
	delete(m, "private_key_path")
	s, _ = DecodePolicySettings(m)
	if got := s.Missing(CertificateKeys); !slices.Equal(got, []string{"private_key_path"}) {
		t.Errorf("Missing(CertificateKeys) = %v", got)
	}
	if _, err := PolicyFromSettings(map[string]string{"name": "x"}); err == nil {
		t.Error("PolicyFromSettings accepted a map without the required keys")
	}
}

// Keys outside the contract are kept (so CheckSettings can name them) and encoded back.
func TestSettingsExtraKeys(t *testing.T) {
	p := contractPolicies(t)[0]
	m := p.Settings()
	m["colour"] = "blue"
	s, err := DecodePolicySettings(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Extra["colour"] != "blue" || s.Value("colour") != "blue" || !maps.Equal(s.Encode(), m) {
		t.Errorf("extra key lost: %v", s.Extra)
	}
	if s.Location != nil {
		t.Error("an extra key made a location")
	}
	keys := s.Keys()
	if !sort.StringsAreSorted(keys) || !slices.Contains(keys, "colour") {
		t.Errorf("Keys = %v", keys)
	}
}

// ChangedKeys: with onlyPresent, a key the old map lacks never counts (the policy resource's rule:
// a state from a release without the key is not a move); without it, every difference does.
func TestSettingsChangedKeys(t *testing.T) {
	p := contractPolicies(t)[0]
	oldMap := p.Settings()
	old, _ := DecodePolicySettings(oldMap)
	newMap := p.Settings()
	newMap["target"], newMap["config_file"] = "local", "/srv/neo4j/conf/neo4j.conf"
	cur, _ := DecodePolicySettings(newMap)
	if got := cur.ChangedKeys(old, PolicyMoveKeys, true); len(got) != 0 {
		t.Errorf("onlyPresent: %v changed, want none", got)
	}
	if got := cur.ChangedKeys(old, CertificateMoveKeys, false); !slices.Equal(got, []string{"target"}) {
		t.Errorf("all keys: %v changed, want [target]", got)
	}
	oldMap["target"] = "deploy@graph-1:22"
	old, _ = DecodePolicySettings(oldMap)
	if got := cur.ChangedKeys(old, PolicyMoveKeys, true); !slices.Equal(got, []string{"target"}) {
		t.Errorf("moved host: %v changed, want [target]", got)
	}
}
