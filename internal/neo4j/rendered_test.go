package neo4j

import (
	"math/rand"
	"strings"
	"testing"
)

// renderedMatrix renders every line the provider can write: for each version, a policy at its
// defaults and one with every attribute set, bound to every channel the version has (Bolt at each
// tls_level), plus the 3.5 policy blocks.
func renderedMatrix(t *testing.T) []string {
	t.Helper()
	const home = "/var/lib/neo4j"
	var lines []string
	for _, vs := range []string{"3.5", "4.0", "4.4", "5.0", "5.23", "5.24", "5.26", "2025.01"} {
		v := MustParseVersion(vs)
		inputs := []PolicyInput{{Name: "client_policy"}, {
			Name: "full-policy_2", BaseDirectory: ptr("certs/full"), PrivateKey: ptr("k.pem"), PublicCertificate: ptr("c.pem"),
			TrustedDir: ptr("ca"), RevokedDir: ptr("crl"), ClientAuth: ptr("OPTIONAL"), TLSVersions: []string{"TLSv1.2"},
			Ciphers: []string{"TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}, TrustAll: ptr(true), VerifyHostname: ptr(true),
		}}
		if v.Family() == Family35 {
			inputs[1].TrustedDir, inputs[1].RevokedDir = ptr(home+"/certs/full/ca"), ptr(home+"/certs/full/crl")
			inputs[1].PrivateKey, inputs[1].PublicCertificate = ptr(home+"/certs/full/k.pem"), ptr(home+"/certs/full/c.pem")
			inputs[1].AllowKeyGeneration = ptr(true)
			// 3.5's Bolt and HTTPS servers take only a client_auth=NONE policy (the others are refused).
			inputs = append(inputs, PolicyInput{Name: "none_policy", ClientAuth: ptr("NONE")})
		}
		for _, in := range inputs {
			p, problems := ResolvePolicy(v, home, in)
			if p == nil {
				t.Fatalf("%s: %+v does not resolve: %v", vs, in, problems)
			}
			lines = append(lines, p.Lines()...)
			for _, ch := range Channels {
				levels := []*string{nil}
				if ch == "bolt" {
					for _, l := range TLSLevels {
						levels = append(levels, ptr(l))
					}
				}
				for _, l := range levels {
					b, problems := ResolveBinding(p, ch, l)
					if b == nil {
						refused35 := v.Family() == Family35 && (ch == "bolt" || ch == "https") && p.ClientAuth != "NONE"
						if ch != "fabric" && !refused35 {
							t.Fatalf("%s %s: %v", vs, ch, problems)
						}
						continue
					}
					lines = append(lines, b.Lines()...)
				}
			}
		}
	}
	if len(lines) < 100 {
		t.Fatalf("only %d lines rendered", len(lines))
	}
	return lines
}

// Every managed key resolves, for Neo4j, to exactly the value the provider renders: each rendered
// line read with the Properties grammar is one setting with the line's own key and value, and the
// whole matrix written as a file reads the same in java.util.Properties.
func TestRenderedLinesReadAsWritten(t *testing.T) {
	lines := renderedMatrix(t)
	for _, l := range lines {
		if err := CheckPlainLine(l); err != nil {
			t.Errorf("rendered line: %v", err)
		}
	}
	// The lines inside a managed block, as SetBlock writes them, read the same.
	out, err := mustParseConf(t, []byte("# neo4j.conf\n")).SetBlock(confIDBolt, lines)
	if err != nil {
		t.Fatal(err)
	}
	settings := mustParseConf(t, out).Settings()
	if len(settings) != len(lines) {
		t.Fatalf("%d settings read from %d rendered lines", len(settings), len(lines))
	}
	var want strings.Builder
	for i, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		if settings[i].Key != k || settings[i].Value != v || settings[i].BlockID != confIDBolt {
			t.Errorf("line %q reads as %#v", l, settings[i])
		}
		want.WriteString("K " + showJava(k) + " V " + showJava(v) + "\n")
	}
	if java := javaProperties(t, [][]byte{out})[0]; java != want.String() {
		t.Errorf("java.util.Properties reads the rendered block differently:\n%s\nwant\n%s", java, want.String())
	}
}

// The values issue 10 names are refused where they are declared, so they are never rendered.
func TestEscapedValuesRefused(t *testing.T) {
	v := MustParseVersion("4.4")
	for _, tc := range []struct {
		field string
		in    PolicyInput
	}{
		{"trusted_dir", PolicyInput{Name: "p", TrustedDir: ptr(`\u002e\u002e/elsewhere`)}},
		{"revoked_dir", PolicyInput{Name: "p", RevokedDir: ptr(`revoked\`)}},
		{"base_directory", PolicyInput{Name: "p", BaseDirectory: ptr(`certificates\p`)}},
		{"private_key", PolicyInput{Name: "p", PrivateKey: ptr(`private.key\`)}},
		{"public_certificate", PolicyInput{Name: "p", PublicCertificate: ptr(`\u0070ublic.crt`)}},
		{"trusted_dir", PolicyInput{Name: "p", TrustedDir: ptr(" trusted")}},
		{"revoked_dir", PolicyInput{Name: "p", RevokedDir: ptr("revoked\t")}},
		{"ciphers", PolicyInput{Name: "p", Ciphers: []string{`TLS_AES_256_GCM_SHA384\`}}},
	} {
		p, problems := ResolvePolicy(v, "/var/lib/neo4j", tc.in)
		if p != nil {
			t.Errorf("%s %+v resolved to lines %q", tc.field, tc.in, p.ScopeLines("bolt"))
			continue
		}
		found := false
		for _, e := range problems {
			if e.Field == tc.field && !e.Warning() {
				found = true
			}
		}
		if !found {
			t.Errorf("%+v: no error for %s: %v", tc.in, tc.field, problems)
		}
	}
}

// Whatever checkValue accepts, Neo4j reads as written: random values over an alphabet of the
// characters Properties treats specially.
func TestCheckValueAcceptsOnlyPlain(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	alphabet := []byte("ab/.:=#! \t\f\\u0e\r\n\xe9")
	accepted := 0
	for i := 0; i < 20000; i++ {
		v := make([]byte, 1+r.Intn(8))
		for j := range v {
			v[j] = alphabet[r.Intn(len(alphabet))]
		}
		if checkValue(string(v)) != "" {
			continue
		}
		accepted++
		if err := CheckPlainLine("dbms.ssl.policy.bolt.trusted_dir=" + string(v)); err != nil {
			t.Errorf("checkValue accepts %q, but %v", v, err)
		}
	}
	if accepted < 100 {
		t.Fatalf("only %d values accepted: the generator is broken", accepted)
	}
}
