package neo4j

import (
	"slices"
	"strings"
	"testing"
)

func TestBindingLinesPerVersion(t *testing.T) {
	for _, tc := range []struct {
		version, channel string
		level            *string
		want             []string
	}{
		{"3.5", "bolt", nil, []string{"bolt.ssl_policy=client_policy", "dbms.connector.bolt.tls_level=REQUIRED"}},
		{"3.5", "https", nil, []string{"https.ssl_policy=client_policy", "dbms.connector.https.enabled=true"}},
		{"3.5", "cluster", nil, []string{"causal_clustering.ssl_policy=client_policy"}},
		{"3.5", "backup", nil, []string{"dbms.backup.ssl_policy=client_policy"}},
		// client_auth unset: Neo4j's scope default (OPTIONAL for bolt/https, REQUIRE for cluster/backup,
		// NONE for the 4.x fabric scope).
		{"4.4", "bolt", ptr("OPTIONAL"), append(scopeLines("bolt", "TLSv1.2", "OPTIONAL"), "dbms.connector.bolt.tls_level=OPTIONAL")},
		{"4.4", "fabric", nil, scopeLines("fabric", "TLSv1.2", "NONE")},
		{"4.4", "cluster", nil, scopeLines("cluster", "TLSv1.2", "REQUIRE")},
		{"5.26", "https", nil, append(scopeLines("https", "TLSv1.2,TLSv1.3", "OPTIONAL"), "server.https.enabled=true")},
		{"5.26", "bolt", nil, append(scopeLines("bolt", "TLSv1.2,TLSv1.3", "OPTIONAL"), "server.bolt.tls_level=REQUIRED")},
	} {
		in := PolicyInput{Name: "client_policy"}
		if tc.version == "3.5" {
			// 3.5 Bolt and HTTPS need client_auth=NONE (3.5 manual, SSL framework).
			in.ClientAuth = ptr("NONE")
		}
		p, probs := ResolvePolicy(MustParseVersion(tc.version), "/n", in)
		if p == nil {
			t.Fatal(probs)
		}
		// Through the settings map, as the binding resource gets it.
		p2, err := PolicyFromSettings(p.Settings())
		if err != nil {
			t.Fatal(err)
		}
		b, probs := ResolveBinding(p2, tc.channel, tc.level)
		if b == nil {
			t.Fatalf("%s %s: %v", tc.version, tc.channel, probs)
		}
		if got := b.Lines(); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s:\n%s\nwant\n%s", tc.version, tc.channel, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

func scopeLines(scope, tls, clientAuth string) []string {
	p := "dbms.ssl.policy." + scope + "."
	return []string{p + "enabled=true", p + "base_directory=certificates/client_policy", p + "private_key=private.key",
		p + "public_certificate=public.crt", p + "trusted_dir=trusted", p + "revoked_dir=revoked", p + "client_auth=" + clientAuth,
		p + "tls_versions=" + tls, p + "trust_all=false", p + "verify_hostname=false"}
}

func TestBindingRefusals(t *testing.T) {
	for _, tc := range []struct {
		version, channel string
		level            *string
		field            string
	}{
		{"5.26", "fabric", nil, "channel"},
		{"3.5", "fabric", nil, "channel"},
		{"5.26", "telnet", nil, "channel"},
		{"5.26", "https", ptr("REQUIRED"), "tls_level"},
		{"5.26", "bolt", ptr("required"), "tls_level"},
	} {
		p, _ := ResolvePolicy(MustParseVersion(tc.version), "/n", PolicyInput{Name: "x"})
		b, probs := ResolveBinding(p, tc.channel, tc.level)
		if b != nil || len(probs) == 0 || probs[0].Field != tc.field {
			t.Errorf("%s %s %v: binding %v, problems %+v", tc.version, tc.channel, tc.level, b, probs)
		}
	}
	p, _ := ResolvePolicy(MustParseVersion("5.26"), "/n", PolicyInput{Name: "x"})
	if b, probs := ResolveBinding(p, "bolt", ptr("DISABLED")); b == nil || len(probs) != 1 || !probs[0].Warning() {
		t.Errorf("DISABLED must warn, not refuse: %v %+v", b, probs)
	}
	if _, err := PolicyFromSettings(map[string]string{"name": "x"}); err == nil {
		t.Error("PolicyFromSettings accepted a map that is not a policy's settings")
	}
}
