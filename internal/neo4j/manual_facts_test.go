package neo4j

import (
	"slices"
	"strings"
	"testing"
)

// The facts below are taken from Neo4j's Operations Manual and written out literally, independent of
// the catalogue, so that a wrong catalogue row fails here. Each cites the page and branch/tag of
// github.com/neo4j/docs-operations (or the seed 000, the 3.5 manual's SSL framework chapter).

// resolve is ResolvePolicy that fails the test on an error.
func resolve(t *testing.T, version string, in PolicyInput) *Policy {
	t.Helper()
	p, probs := ResolvePolicy(MustParseVersion(version), "/var/lib/neo4j", in)
	if p == nil {
		t.Fatalf("%s %s: %v", version, in.Name, probs)
	}
	return p
}

// bind is ResolveBinding (through the settings map) that fails the test on an error.
func bind(t *testing.T, p *Policy, channel string) []string {
	t.Helper()
	p2, err := PolicyFromSettings(p.Settings())
	if err != nil {
		t.Fatal(err)
	}
	b, probs := ResolveBinding(p2, channel, nil)
	if b == nil {
		t.Fatalf("%s %s: %v", p.Version, channel, probs)
	}
	return b.Lines()
}

func lineValue(lines []string, key string) (string, bool) {
	for _, l := range lines {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// Defect 1. Neo4j 3.x parses private_key and public_certificate with the same absolute-path parser as
// trusted_dir and revoked_dir ("If configured, this must be an absolute path": 3.5 branch,
// modules/ROOT/pages/security/ssl-framework.adoc, "Define SSL policies" table; the parser is shared in
// SslPolicyConfig of 3.5), and loads every policy with a base_directory at startup.
func TestManual35PolicyPathsAreAbsolute(t *testing.T) {
	p := resolve(t, "3.5", PolicyInput{Name: "example_policy"})
	for _, suffix := range []string{"private_key", "public_certificate", "trusted_dir", "revoked_dir"} {
		v, ok := lineValue(p.Lines(), "dbms.ssl.policy.example_policy."+suffix)
		if ok && !strings.HasPrefix(v, "/var/lib/neo4j/certificates/example_policy/") {
			t.Errorf("3.5 %s = %q: not an absolute path, Neo4j 3.5 would not start", suffix, v)
		}
	}
	// An absolute value inside the base directory is accepted and written as given.
	p = resolve(t, "3.5", PolicyInput{Name: "example_policy", PrivateKey: ptr("/var/lib/neo4j/certificates/example_policy/key.pem")})
	if v, _ := lineValue(p.Lines(), "dbms.ssl.policy.example_policy.private_key"); v != "/var/lib/neo4j/certificates/example_policy/key.pem" {
		t.Errorf("3.5 absolute private_key rendered as %q", v)
	}
	// A relative configured value would make 3.5 refuse to start: refused at plan time.
	if q, _ := ResolvePolicy(MustParseVersion("3.5"), "/var/lib/neo4j", PolicyInput{Name: "p", PublicCertificate: ptr("chain.pem")}); q != nil {
		t.Error("3.5 accepted a relative public_certificate")
	}
}

// Seed 000 (3.5 manual, SSL framework), Example 7.26 "Define a policy": the simplest policy is its
// base directory, certificates/example_policy relative to neo4j-home, with trusted/ and revoked/ inside.
func TestManualExample726(t *testing.T) {
	p := resolve(t, "3.5", PolicyInput{Name: "example_policy"})
	if v, _ := lineValue(p.Lines(), "dbms.ssl.policy.example_policy.base_directory"); v != "certificates/example_policy" {
		t.Errorf("base_directory = %q, want the example's certificates/example_policy", v)
	}
	want := []string{"/var/lib/neo4j/certificates/example_policy", "/var/lib/neo4j/certificates/example_policy/trusted", "/var/lib/neo4j/certificates/example_policy/revoked"}
	if got := p.Directories(); !slices.Equal(got, want) {
		t.Errorf("directories %v, want the example's %v", got, want)
	}
	if p.PrivateKeyPath != "/var/lib/neo4j/certificates/example_policy/private.key" || p.PublicCertificatePath != "/var/lib/neo4j/certificates/example_policy/public.crt" {
		t.Errorf("key %s, certificate %s: the example copies private.key and public.crt into the base directory", p.PrivateKeyPath, p.PublicCertificatePath)
	}
}

// Seed 000, Example 7.27 "Apply an SSL policy": client_policy on Bolt and HTTPS, cluster_policy on
// intra-cluster traffic, backup_policy on backup, with the four keys of the example. The paragraph
// after the legacy-policy example says the Bolt and HTTPS servers need client_auth=NONE, so the client
// policy sets it; the cluster and backup policies keep 3.5's default (REQUIRE).
func TestManualExample727(t *testing.T) {
	client := resolve(t, "3.5", PolicyInput{Name: "client_policy", ClientAuth: ptr("NONE")})
	cluster := resolve(t, "3.5", PolicyInput{Name: "cluster_policy"})
	backup := resolve(t, "3.5", PolicyInput{Name: "backup_policy"})
	got := map[string]string{}
	for _, c := range []struct {
		p  *Policy
		ch string
	}{{client, "bolt"}, {client, "https"}, {cluster, "cluster"}, {backup, "backup"}} {
		for _, l := range bind(t, c.p, c.ch) {
			k, v, _ := strings.Cut(l, "=")
			got[k] = v
		}
	}
	for k, v := range map[string]string{
		"bolt.ssl_policy":              "client_policy",
		"https.ssl_policy":             "client_policy",
		"causal_clustering.ssl_policy": "cluster_policy",
		"dbms.backup.ssl_policy":       "backup_policy",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (Example 7.27)", k, got[k], v)
		}
	}
	// The policies load: every path line of each block is absolute, client_auth as the manual asks.
	for _, p := range []*Policy{client, cluster, backup} {
		for _, l := range p.Lines() {
			k, v, _ := strings.Cut(l, "=")
			if strings.HasSuffix(k, "_dir") || strings.HasSuffix(k, ".private_key") || strings.HasSuffix(k, ".public_certificate") {
				if !strings.HasPrefix(v, "/") {
					t.Errorf("%s: %s is not absolute", p.Name, l)
				}
			}
		}
	}
	if v, _ := lineValue(client.Lines(), "dbms.ssl.policy.client_policy.client_auth"); v != "NONE" {
		t.Errorf("client_policy client_auth = %q", v)
	}
}

// Defect 3, 3.5 half. Seed 000 (3.5 ssl-framework.adoc, "The legacy SSL system"): the HTTPS and Bolt
// servers do not support client authentication; the policy they use must set client_auth=NONE. 3.5's
// default is REQUIRE (3.5 all-settings.adoc, dbms.ssl.policy.<policyname>.client_auth).
func TestManual35BoltHTTPSNeedClientAuthNone(t *testing.T) {
	for _, ca := range []*string{nil, ptr("REQUIRE"), ptr("OPTIONAL")} {
		p := resolve(t, "3.5", PolicyInput{Name: "client_policy", ClientAuth: ca})
		for _, ch := range []string{"bolt", "https"} {
			b, probs := ResolveBinding(p, ch, nil)
			if b != nil || len(probs) != 1 || probs[0].Field != "policy" || !strings.Contains(probs[0].Detail, "client_auth = \"NONE\"") {
				t.Errorf("3.5 %s with client_auth %v: %v %+v; want a refusal naming the fix", ch, ca, b, probs)
			}
		}
		// cluster and backup support mutual authentication.
		if b, probs := ResolveBinding(p, "cluster", nil); b == nil {
			t.Errorf("3.5 cluster refused: %v", probs)
		}
	}
}

// Defect 3, 4.x/5.x half. Scope defaults for client_auth: "OPTIONAL for bolt and https; REQUIRE for
// cluster and backup" (4.0 and 4.4 branches, 5.26.2 and 2026.07.0 tags,
// modules/ROOT/pages/security/ssl-framework.adoc, the suffix table). The 4.x fabric scope defaults to
// NONE (Neo4j 4.x SslPolicyScope.java: FABRIC(NONE), a client-only scope; the manual is silent).
func TestManualClientAuthScopeDefaults(t *testing.T) {
	want := map[string]string{"bolt": "OPTIONAL", "https": "OPTIONAL", "cluster": "REQUIRE", "backup": "REQUIRE"}
	for _, version := range []string{"4.0", "4.4", "5.0", "5.26", "2025.01", "2026.07"} {
		p := resolve(t, version, PolicyInput{Name: "p"})
		for ch, ca := range want {
			if v, _ := lineValue(bind(t, p, ch), "dbms.ssl.policy."+ch+".client_auth"); v != ca {
				t.Errorf("%s %s: client_auth = %q, want Neo4j's scope default %q", version, ch, v, ca)
			}
		}
		// A declared value wins over the scope default.
		q := resolve(t, version, PolicyInput{Name: "p", ClientAuth: ptr("REQUIRE")})
		if v, _ := lineValue(bind(t, q, "bolt"), "dbms.ssl.policy.bolt.client_auth"); v != "REQUIRE" {
			t.Errorf("%s: declared REQUIRE rendered %q", version, v)
		}
	}
	p := resolve(t, "4.4", PolicyInput{Name: "p"})
	if v, _ := lineValue(bind(t, p, "fabric"), "dbms.ssl.policy.fabric.client_auth"); v != "NONE" {
		t.Errorf("4.4 fabric client_auth = %q, want NONE", v)
	}
}

// Defect 2. "Starting from 2025.01, the default value of dbms.ssl.policy.*.verify_hostname is changed
// from false to true" (2025.01.0 tag, modules/ROOT/pages/changes-deprecations-removals.adoc, SSL
// framework; the ssl-framework.adoc table of 2025.01.0 gives `true`). Up to 5.26 it is `false`
// (5.26.2 tag, ssl-framework.adoc).
func TestManualVerifyHostnameDefault(t *testing.T) {
	for version, want := range map[string]string{"3.5": "false", "4.4": "false", "5.26": "false", "2025.01": "true", "2026.07": "true"} {
		p := resolve(t, version, PolicyInput{Name: "p"})
		var got string
		if version == "3.5" {
			got, _ = lineValue(p.Lines(), "dbms.ssl.policy.p.verify_hostname")
		} else {
			got, _ = lineValue(bind(t, p, "cluster"), "dbms.ssl.policy.cluster.verify_hostname")
		}
		if got != want && got != "" {
			t.Errorf("%s: verify_hostname = %q, want Neo4j's default %q (or no line)", version, got, want)
		}
		if version == "2025.01" && got == "false" {
			t.Error("2025.01: writing verify_hostname=false turns off the hostname check Neo4j makes by default")
		}
	}
}

// Defect 4. tls_versions is a free comma-separated list on 4.x/5.x ("A comma-separated list of allowed
// TLS versions", 4.4 branch ssl-framework.adoc), and the 4.4 FIPS page prescribes
// `dbms.ssl.policy.bolt.tls_versions=TLSv1.2,TLSv1.3` (4.4 branch,
// modules/ROOT/pages/security/ssl-fips-compatibility.adoc). So TLSv1.3 below 5.24 is accepted, with a
// warning about the Java runtime. The default is TLSv1.2 up to 5.23 and TLSv1.2,TLSv1.3 from 5.24
// (5.23.0 and 5.24.1 tags, ssl-framework.adoc).
func TestManualTLSVersions(t *testing.T) {
	for _, version := range []string{"3.5", "4.4", "5.23"} {
		p, probs := ResolvePolicy(MustParseVersion(version), "/n", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.2", "TLSv1.3"}})
		if p == nil || len(probs) != 1 || !probs[0].Warning() || probs[0].Field != "tls_versions" {
			t.Errorf("%s TLSv1.2,TLSv1.3: policy %v, problems %+v; want it accepted with one warning", version, p != nil, probs)
		}
	}
	p := resolve(t, "4.4", PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.2", "TLSv1.3"}})
	if v, _ := lineValue(bind(t, p, "bolt"), "dbms.ssl.policy.bolt.tls_versions"); v != "TLSv1.2,TLSv1.3" {
		t.Errorf("4.4 tls_versions rendered %q, want the FIPS page's TLSv1.2,TLSv1.3", v)
	}
	for version, want := range map[string]string{"4.4": "TLSv1.2", "5.23": "TLSv1.2", "5.24": "TLSv1.2,TLSv1.3", "2026.07": "TLSv1.2,TLSv1.3"} {
		p := resolve(t, version, PolicyInput{Name: "p"})
		if v, _ := lineValue(bind(t, p, "bolt"), "dbms.ssl.policy.bolt.tls_versions"); v != want {
			t.Errorf("%s default tls_versions %q, want %q", version, v, want)
		}
	}
	// From 5.24, both versions without ciphers: the manual asks for explicit ciphers (5.24.1,
	// ssl-framework.adoc, the tls_versions row): a warning on ciphers.
	_, probs := ResolvePolicy(MustParseVersion("5.24"), "/n", PolicyInput{Name: "p"})
	if len(probs) != 1 || probs[0].Field != "ciphers" || !probs[0].Warning() {
		t.Errorf("5.24 default tls_versions without ciphers: %+v, want one warning on ciphers", probs)
	}
	if _, probs := ResolvePolicy(MustParseVersion("5.24"), "/n", PolicyInput{Name: "p", Ciphers: []string{"TLS_AES_256_GCM_SHA384"}}); len(probs) != 0 {
		t.Errorf("5.24 with ciphers: %+v, want no warning", probs)
	}
}

// The four CBC suites "no longer supported from Neo4j 2025.01" (2025.01.0 tag,
// changes-deprecations-removals.adoc, SSL framework); from 2025.10 they are out of the Java 21 defaults
// but usable when configured explicitly (2026.07.0 tag, changes-2025-2026.adoc, "Neo4j 2025.10").
func TestManualCBCSuites(t *testing.T) {
	suites := []string{"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
		"TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"}
	for _, c := range suites {
		p, probs := ResolvePolicy(MustParseVersion("2025.01"), "/n", PolicyInput{Name: "p", Ciphers: []string{c}})
		if p != nil || len(probs) == 0 || !strings.Contains(probs[0].Detail, c) {
			t.Errorf("2025.01 %s: accepted or unnamed: %+v", c, probs)
		}
		if p, _ := ResolvePolicy(MustParseVersion("5.26"), "/n", PolicyInput{Name: "p", Ciphers: []string{c}}); p == nil {
			t.Errorf("5.26 refused %s", c)
		}
		p, probs = ResolvePolicy(MustParseVersion("2025.10"), "/n", PolicyInput{Name: "p", Ciphers: []string{c}})
		if p == nil || len(probs) != 1 || !probs[0].Warning() {
			t.Errorf("2025.10 %s: %+v, want accepted with a warning", c, probs)
		}
	}
}

// trust_expired exists from 5.24 (Neo4j source, SslPolicyConfig; default true), not before; it is
// written only when declared.
func TestTrustExpired(t *testing.T) {
	if p, probs := ResolvePolicy(MustParseVersion("5.23"), "/n", PolicyInput{Name: "p", TrustExpired: ptr(false)}); p != nil || probs[0].Field != "trust_expired" {
		t.Errorf("5.23 accepted trust_expired: %+v", probs)
	}
	p := resolve(t, "5.24", PolicyInput{Name: "p", TrustExpired: ptr(false)})
	if v, ok := lineValue(bind(t, p, "cluster"), "dbms.ssl.policy.cluster.trust_expired"); !ok || v != "false" {
		t.Errorf("5.24 trust_expired = %q, %v", v, ok)
	}
	p = resolve(t, "5.24", PolicyInput{Name: "p"})
	if _, ok := lineValue(bind(t, p, "cluster"), "dbms.ssl.policy.cluster.trust_expired"); ok {
		t.Error("unset trust_expired rendered")
	}
}

// Versions: the manual's newest tag is 2026.07.0; 4.x ended with 4.4, 5.x with 5.26, then calendar
// versions YYYY.MM from 2025.01.
func TestVersionsKnownAndNewer(t *testing.T) {
	if NewestKnownVersion != "2026.07" {
		t.Errorf("NewestKnownVersion = %s", NewestKnownVersion)
	}
	v, err := ParseVersion("2026.08")
	if err != nil || !v.Newer || v.Family() != Family5 || !strings.Contains(v.NewerVersionWarning(), "2026.07") {
		t.Errorf("2026.08: %v %v %q", v, err, v.NewerVersionWarning())
	}
	if v := MustParseVersion("2026.07"); v.Newer || v.NewerVersionWarning() != "" {
		t.Error("2026.07 is known, not newer")
	}
	for in, want := range map[string]string{
		"2025.13": "month from 01 to 12",
		"2025.00": "month from 01 to 12",
		"2024.12": "starting with 2025.01",
		"5.27":    "ended with 5.26",
		"4.5":     "ended with 4.4",
		"3.4":     "oldest version",
	} {
		_, err := ParseVersion(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseVersion(%q) = %v, want an error saying %q", in, err, want)
		}
	}
	known := KnownVersions()
	if known[0].String() != "3.5" || known[len(known)-1].String() != "2026.07" || len(known) != 1+5+27+19 {
		t.Errorf("known versions %v .. %v (%d)", known[0], known[len(known)-1], len(known))
	}
}

// Renames: 5.0 renamed dbms.connector.bolt.tls_level to server.bolt.tls_level and
// dbms.connector.https.enabled to server.https.enabled (5.0.0 tag, all-settings.adoc;
// migrate-configuration.adoc shows "dbms.connector.https.enabled=false MIGRATED -> server.https.enabled=false").
// A line under the old name on a 5.x host conflicts with ours.
func TestBindingConflictKeysAcrossRenames(t *testing.T) {
	p := resolve(t, "5.26", PolicyInput{Name: "p"})
	for ch, old := range map[string]string{"bolt": "dbms.connector.bolt.tls_level", "https": "dbms.connector.https.enabled"} {
		b, _ := ResolveBinding(p, ch, nil)
		keys := b.ConflictKeys()
		if keys[old] != "server."+strings.TrimPrefix(old, "dbms.connector.") {
			t.Errorf("%s: %s maps to %q", ch, old, keys[old])
		}
	}
	q := resolve(t, "4.4", PolicyInput{Name: "p"})
	b, _ := ResolveBinding(q, "bolt", nil)
	if k := b.ConflictKeys(); len(k) != len(b.Lines()) {
		t.Errorf("4.4 has no renamed keys, got %v", k)
	}
	// Against a parsed file.
	conf, err := ParseConf([]byte("dbms.connector.bolt.tls_level=DISABLED\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = ResolveBinding(p, "bolt", nil)
	var keys []string
	for k := range b.ConflictKeys() {
		keys = append(keys, k)
	}
	if cs := conf.Conflicts(BindingBlockID("bolt"), keys); len(cs) != 1 || cs[0].Key != "dbms.connector.bolt.tls_level" {
		t.Errorf("conflicts %v", cs)
	}
}
