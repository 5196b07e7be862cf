package neo4j

import (
	"slices"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in     string
		family Family
		tls13  bool
		err    bool
	}{
		{in: "3.5", family: Family35},
		{in: "3.5.35", family: Family35},
		{in: "4.0", family: Family4},
		{in: "4.4", family: Family4},
		{in: "5", family: Family5, tls13: true},
		{in: "5.0", family: Family5},
		{in: "5.23", family: Family5},
		{in: "5.24", family: Family5, tls13: true},
		{in: "5.26", family: Family5, tls13: true},
		{in: "2025.01", family: Family5, tls13: true},
		{in: "2025.10", family: Family5, tls13: true},
		{in: "3.4", err: true},
		{in: "4.5", err: true},
		{in: "5.27", err: true},
		{in: "6.0", err: true},
		{in: "2025.13", err: true},
		{in: "", err: true},
		{in: "5.x", err: true},
		{in: "+5.1", err: true},
		{in: "5.-1", err: true},
	} {
		v, err := ParseVersion(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("ParseVersion(%q) = %v, want an error", tc.in, v)
			} else if !strings.Contains(err.Error(), `"3.5"`) {
				t.Errorf("ParseVersion(%q) error %q does not list the supported versions", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tc.in, err)
			continue
		}
		if v.Family() != tc.family || v.SupportsTLS13() != tc.tls13 {
			t.Errorf("ParseVersion(%q) = family %d tls13 %v, want %d %v", tc.in, v.Family(), v.SupportsTLS13(), tc.family, tc.tls13)
		}
		if v.String() != tc.in {
			t.Errorf("String() = %q, want %q", v.String(), tc.in)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestResolvePolicyDefaults(t *testing.T) {
	home := "/var/lib/neo4j"
	p, probs := ResolvePolicy(MustParseVersion("3.5"), home, PolicyInput{Name: "example_policy"})
	if p == nil {
		t.Fatal(probs)
	}
	want := []string{
		"dbms.ssl.policy.example_policy.base_directory=certificates/example_policy",
		// Neo4j 3.x parses these two with the same absolute-path parser as trusted_dir (issue 10, defect 1).
		"dbms.ssl.policy.example_policy.private_key=/var/lib/neo4j/certificates/example_policy/private.key",
		"dbms.ssl.policy.example_policy.public_certificate=/var/lib/neo4j/certificates/example_policy/public.crt",
		"dbms.ssl.policy.example_policy.trusted_dir=/var/lib/neo4j/certificates/example_policy/trusted",
		"dbms.ssl.policy.example_policy.revoked_dir=/var/lib/neo4j/certificates/example_policy/revoked",
		"dbms.ssl.policy.example_policy.client_auth=REQUIRE",
		"dbms.ssl.policy.example_policy.tls_versions=TLSv1.2",
		"dbms.ssl.policy.example_policy.trust_all=false",
		"dbms.ssl.policy.example_policy.verify_hostname=false",
		"dbms.ssl.policy.example_policy.allow_key_generation=false",
	}
	if got := p.Lines(); !slices.Equal(got, want) {
		t.Errorf("3.5 lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	p5, probs := ResolvePolicy(MustParseVersion("5.26"), home, PolicyInput{Name: "client", Ciphers: []string{"TLS_AES_256_GCM_SHA384"}})
	if p5 == nil {
		t.Fatal(probs)
	}
	if p5.Lines() != nil {
		t.Errorf("5.x policy owns lines: %v", p5.Lines())
	}
	wantScope := []string{
		"dbms.ssl.policy.bolt.enabled=true",
		"dbms.ssl.policy.bolt.base_directory=certificates/client",
		"dbms.ssl.policy.bolt.private_key=private.key",
		"dbms.ssl.policy.bolt.public_certificate=public.crt",
		"dbms.ssl.policy.bolt.trusted_dir=trusted",
		"dbms.ssl.policy.bolt.revoked_dir=revoked",
		// Neo4j's scope default for bolt (Operations Manual 5.x, SSL framework): OPTIONAL.
		"dbms.ssl.policy.bolt.client_auth=OPTIONAL",
		"dbms.ssl.policy.bolt.tls_versions=TLSv1.2,TLSv1.3",
		"dbms.ssl.policy.bolt.ciphers=TLS_AES_256_GCM_SHA384",
		"dbms.ssl.policy.bolt.trust_all=false",
		"dbms.ssl.policy.bolt.verify_hostname=false",
	}
	if got := p5.ScopeLines("bolt"); !slices.Equal(got, wantScope) {
		t.Errorf("5.x scope lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantScope, "\n"))
	}
	for _, l := range p5.ScopeLines("bolt") {
		if strings.Contains(l, "allow_key_generation") {
			t.Errorf("5.x renders a 3.5-only suffix: %s", l)
		}
	}
	s := p5.Settings()
	for k, v := range map[string]string{
		// client_auth unset: empty, the scope's default applies at the binding.
		"name": "client", "neo4j_version": "5.26", "tls_versions": "TLSv1.2,TLSv1.3", "client_auth": "",
		"base_directory_path": "/var/lib/neo4j/certificates/client", "trusted_dir_path": "/var/lib/neo4j/certificates/client/trusted",
		"private_key_path": "/var/lib/neo4j/certificates/client/private.key",
	} {
		if s[k] != v {
			t.Errorf("settings[%q] = %q, want %q", k, s[k], v)
		}
	}
	if _, ok := s["allow_key_generation"]; ok {
		t.Error("5.x settings carry allow_key_generation")
	}
}

func TestResolvePolicyRefusals(t *testing.T) {
	home := "/var/lib/neo4j"
	for _, tc := range []struct {
		name    string
		version string
		in      PolicyInput
		field   string
		warning bool
	}{
		{"bad name", "5.26", PolicyInput{Name: "a/b"}, "name", false},
		{"legacy on 3.5", "3.5", PolicyInput{Name: "legacy"}, "name", false},
		{"dotdot base", "5.26", PolicyInput{Name: "p", BaseDirectory: ptr("../x")}, "base_directory", false},
		{"base outside home", "5.26", PolicyInput{Name: "p", BaseDirectory: ptr("/etc/x")}, "base_directory", false},
		{"base is home", "5.26", PolicyInput{Name: "p", BaseDirectory: ptr(".")}, "base_directory", false},
		{"home prefix trick", "5.26", PolicyInput{Name: "p", BaseDirectory: ptr("/var/lib/neo4j-other/x")}, "base_directory", false},
		{"non-ascii", "5.26", PolicyInput{Name: "p", BaseDirectory: ptr("certificates/caf\u00e9")}, "base_directory", false},
		{"blank", "5.26", PolicyInput{Name: "p", PrivateKey: ptr(" key.pem")}, "private_key", false},
		{"key absolute", "5.26", PolicyInput{Name: "p", PrivateKey: ptr("/k.pem")}, "private_key", false},
		{"key dotdot", "5.26", PolicyInput{Name: "p", PublicCertificate: ptr("../c.pem")}, "public_certificate", false},
		{"key equals cert", "5.26", PolicyInput{Name: "p", PrivateKey: ptr("x.pem"), PublicCertificate: ptr("x.pem")}, "public_certificate", false},
		{"relative trusted on 3.5", "3.5", PolicyInput{Name: "p", TrustedDir: ptr("trusted")}, "trusted_dir", false},
		{"trusted outside home", "4.4", PolicyInput{Name: "p", TrustedDir: ptr("/etc/ssl/certs")}, "trusted_dir", false},
		{"trusted equals revoked", "4.4", PolicyInput{Name: "p", TrustedDir: ptr("x"), RevokedDir: ptr("x")}, "revoked_dir", false},
		{"trusted is base", "4.4", PolicyInput{Name: "p", TrustedDir: ptr(".")}, "trusted_dir", false},
		{"client_auth", "5.26", PolicyInput{Name: "p", ClientAuth: ptr("require")}, "client_auth", false},
		{"empty tls", "5.26", PolicyInput{Name: "p", TLSVersions: []string{}}, "tls_versions", false},
		{"tls typo", "5.26", PolicyInput{Name: "p", TLSVersions: []string{"TLS1.2"}}, "tls_versions", false},
		// TLSv1.3 below 5.24 is valid (a free list; the 4.4 FIPS page prescribes TLSv1.2,TLSv1.3): a warning.
		{"tls13 on 4.4", "4.4", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.3"}}, "tls_versions", true},
		{"tls13 on 5.23", "5.23", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.2", "TLSv1.3"}}, "tls_versions", true},
		{"tls dup", "5.26", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.2", "TLSv1.2"}}, "tls_versions", false},
		{"cipher with comma", "5.26", PolicyInput{Name: "p", Ciphers: []string{"A,B"}}, "ciphers", false},
		{"akg on 5", "5.26", PolicyInput{Name: "p", AllowKeyGeneration: ptr(false)}, "allow_key_generation", false},
		{"tls1.1 warns", "5.26", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.1", "TLSv1.2"}}, "tls_versions", true},
		{"trust_all warns", "5.26", PolicyInput{Name: "p", TrustAll: ptr(true)}, "trust_all", true},
		{"akg true warns on 3.5", "3.5", PolicyInput{Name: "p", AllowKeyGeneration: ptr(true)}, "allow_key_generation", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, probs := ResolvePolicy(MustParseVersion(tc.version), home, tc.in)
			var found bool
			for _, e := range probs {
				if e.Field == tc.field && e.Warning() == tc.warning {
					found = true
					if e.Summary == nil || e.Summary.String() == "" || e.Detail == "" {
						t.Errorf("problem without summary or detail: %+v", e)
					}
				}
			}
			if !found {
				t.Fatalf("no %s on %s; got %+v", map[bool]string{true: "warning", false: "error"}[tc.warning], tc.field, probs)
			}
			if tc.warning && p == nil {
				t.Errorf("a warning alone must not refuse the policy")
			}
			if !tc.warning && p != nil {
				t.Errorf("an error must refuse the policy")
			}
		})
	}
}

func TestResolvePolicyAbsolutePathsInsideHome(t *testing.T) {
	p, probs := ResolvePolicy(MustParseVersion("3.5"), "/opt/neo4j", PolicyInput{
		Name: "c", BaseDirectory: ptr("/opt/neo4j/certs/c"), TrustedDir: ptr("/opt/neo4j/certs/shared-trust"),
	})
	if p == nil {
		t.Fatal(probs)
	}
	if p.TrustedPath != "/opt/neo4j/certs/shared-trust" || p.TrustedDir != p.TrustedPath {
		t.Errorf("trusted = %q (%q)", p.TrustedDir, p.TrustedPath)
	}
	if p.RevokedDir != "/opt/neo4j/certs/c/revoked" {
		t.Errorf("3.5 revoked_dir must be rendered absolute, got %q", p.RevokedDir)
	}
	if got := p.Directories(); !slices.Equal(got, []string{"/opt/neo4j/certs/c", "/opt/neo4j/certs/shared-trust", "/opt/neo4j/certs/c/revoked"}) {
		t.Errorf("Directories() = %v", got)
	}
}
