package neo4j

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// A policy's own settings map passes CheckSettings on every version, and rebuilds the same policy.
func TestCheckSettingsRoundTrip(t *testing.T) {
	for _, ver := range []string{"3.5", "4.4", "5.0", "5.26", "2025.01", "2025.10"} {
		v := MustParseVersion(ver)
		in := PolicyInput{Name: "p", Ciphers: []string{"TLS_AES_256_GCM_SHA384"}}
		if SuffixTrustExpired.Exists(v) {
			in.TrustExpired = ptr(false)
		}
		p, probs := ResolvePolicy(v, "/srv/neo4j", in)
		if p == nil {
			t.Fatal(ver, probs)
		}
		s := p.Settings()
		// The keys the provider adds beside the policy's own are accepted.
		s["config_file"], s["target"], s["owner"], s["group"] = "/srv/neo4j/conf/neo4j.conf", "local", "neo4j", "neo4j"
		p2, probs := CheckSettings(s)
		if p2 == nil {
			t.Fatalf("%s: %+v", ver, probs)
		}
		for _, pr := range probs {
			if !pr.Warning() {
				t.Errorf("%s: %+v", ver, pr)
			}
		}
		if !maps.Equal(p2.Settings(), p.Settings()) {
			t.Errorf("%s: rebuilt %v, want %v", ver, p2.Settings(), p.Settings())
		}
		if !slices.Equal(p2.ScopeLines("bolt"), p.ScopeLines("bolt")) || !slices.Equal(p2.Lines(), p.Lines()) {
			t.Errorf("%s: rebuilt policy renders other lines", ver)
		}
	}
}

// The example: merge(dbtls_ssl_policy.p.settings, { neo4j_home = "/", private_key_path = ...,
// public_certificate_path = ..., client_auth = "NONE", tls_versions = "TLSv1" }), and each edit alone.
func TestCheckSettingsRefusesEditedMaps(t *testing.T) {
	p, _ := ResolvePolicy(MustParseVersion("5.26"), "/srv/neo4j", PolicyInput{Name: "p"})
	base := p.Settings()
	edit := func(kv ...string) map[string]string {
		s := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			s[kv[i]] = kv[i+1]
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		s       map[string]string
		field   string
		summary string
	}{
		{"issue example", edit("neo4j_home", "/", "private_key_path", "/elsewhere/stolen.key", "public_certificate_path", "/elsewhere/victim.crt",
			"client_auth", "NONE", "tls_versions", "TLSv1"), "neo4j_home", "neo4j_home Is A System Directory"},
		{"key path moved", edit("private_key_path", "/elsewhere/stolen.key"), "private_key_path", "Policy Settings Were Edited"},
		{"key path moved inside home", edit("private_key_path", "/srv/neo4j/conf/stolen.key"), "private_key_path", "Policy Settings Were Edited"},
		{"certificate path moved", edit("public_certificate_path", "/elsewhere/victim.crt"), "public_certificate_path", "Policy Settings Were Edited"},
		{"trusted path moved", edit("trusted_dir_path", "/srv/neo4j/data"), "trusted_dir_path", "Policy Settings Were Edited"},
		{"base path moved", edit("base_directory_path", "/srv/neo4j"), "base_directory_path", "Policy Settings Were Edited"},
		{"home moved under the paths", edit("neo4j_home", "/data"), "base_directory_path", "Policy Settings Were Edited"},
		{"suffix escapes", edit("private_key", "/etc/shadow"), "private_key", "Path Escapes The Policy Directory"},
		{"home /etc", edit("neo4j_home", "/etc"), "neo4j_home", "neo4j_home Is A System Directory"},
		{"home relative", edit("neo4j_home", "srv/neo4j"), "neo4j_home", "Invalid Policy Settings"},
		{"unknown key", edit("private_key_password", "x"), "private_key_password", "Unknown Policy Setting"},
		{"3.5 key on 5", edit("allow_key_generation", "true"), "allow_key_generation", "Setting Not In This Neo4j Version"},
		{"bad bool", edit("trust_all", "yes"), "trust_all", "Invalid Policy Settings"},
		{"bad client_auth", edit("client_auth", "none"), "client_auth", "Invalid Client Authentication"},
		{"not a policy", map[string]string{"name": "p"}, "", "Invalid Policy Settings"},
	} {
		got, probs := CheckSettings(tc.s)
		if got != nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		found := false
		for _, pr := range probs {
			if !pr.Warning() && pr.Field == tc.field && pr.Summary.String() == tc.summary {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: problems %+v, want error %q on %q", tc.name, probs, tc.summary, tc.field)
		}
	}
}

// Values a policy resource warns about warn through the map too.
func TestCheckSettingsWarnsAsThePolicyDoes(t *testing.T) {
	p, _ := ResolvePolicy(MustParseVersion("5.26"), "/srv/neo4j", PolicyInput{Name: "p", Ciphers: []string{"TLS_AES_256_GCM_SHA384"}})
	s := p.Settings()
	s["tls_versions"], s["trust_all"], s["client_auth"] = "TLSv1,TLSv1.2", "true", "NONE"
	got, probs := CheckSettings(s)
	if got == nil {
		t.Fatal(probs)
	}
	var warned []string
	for _, pr := range probs {
		if pr.Warning() {
			warned = append(warned, pr.Summary.String())
		}
	}
	for _, w := range []string{"Deprecated TLS Version", "Policy Trusts Anyone"} {
		if !slices.Contains(warned, w) {
			t.Errorf("warnings %v lack %q", warned, w)
		}
	}
	// client_auth NONE applied to the cluster scope, whose default is REQUIRE.
	b, probs := ResolveBinding(got, "cluster", nil)
	if b == nil || len(probs) != 1 || !probs[0].Warning() || probs[0].Summary.String() != "Client Authentication Weaker Than The Scope's Default" {
		t.Errorf("cluster binding of a NONE policy: %v %+v", b, probs)
	}
	if b, probs := ResolveBinding(got, "bolt", nil); b == nil || len(probs) != 0 {
		t.Errorf("bolt binding of a NONE policy: %v %+v", b, probs)
	}
	// A partial map (dbtls_endpoint's expectations) is checked for the keys it has.
	probs = CheckSettingValues(map[string]string{"tls_versions": "TLSv1.1", "trust_all": "true"})
	if len(probs) != 2 || probs[0].Summary.String() != "Deprecated TLS Version" || probs[1].Summary.String() != "Policy Trusts Anyone" {
		t.Errorf("partial map: %+v", probs)
	}
	if IsWholePolicy(map[string]string{"tls_versions": "TLSv1.3"}) || !IsWholePolicy(s) {
		t.Error("IsWholePolicy")
	}
}

func TestCheckHome(t *testing.T) {
	for _, d := range []string{"/", "/etc", "/etc/", "/usr", "/usr/local", "/var", "/var/lib", "/lib", "/lib64", "/libx32", "/root", "/boot", "/dev", "/proc", "/sys", "/bin", "/sbin", "/home", "/tmp"} {
		if CheckHome(d) == "" {
			t.Errorf("CheckHome(%q) accepted a system directory", d)
		}
	}
	for _, d := range []string{"/var/lib/neo4j", "/usr/share/neo4j", "/opt/neo4j", "/srv/neo4j", "/home/neo4j/neo4j-enterprise-5.26.0", "/library"} {
		if msg := CheckHome(d); msg != "" {
			t.Errorf("CheckHome(%q) = %s", d, msg)
		}
	}
	// Closed under parents: no listed directory's parent is accepted.
	for _, d := range SystemDirectories {
		for p := d; p != "/"; p = p[:max(strings.LastIndex(p, "/"), 1)] {
			if !IsSystemDirectory(p) {
				t.Errorf("%s is listed but its parent %s is not", d, p)
			}
		}
	}
	if _, probs := ResolvePolicy(MustParseVersion("5.26"), "/", PolicyInput{Name: "p", BaseDirectory: ptr("etc")}); len(probs) != 1 || probs[0].Field != "neo4j_home" {
		t.Errorf("neo4j_home / with base_directory etc: %+v", probs)
	}
}
