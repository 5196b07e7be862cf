package neo4j

import (
	"fmt"
	"os"
	posix "path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestConformanceMatrix renders every known version × channel × attribute (at its default and at a
// non-default value) × Bolt tls_level, and checks every line the provider would write against the
// catalogue's type for that key, parsed the way that Neo4j version parses it:
//   - 3.x: configured file paths must be absolute; enums (tls_level, client_auth) are case-sensitive;
//   - 4.x and later: enums case-insensitive (we still write the canonical upper-case names), lists
//     comma-separated;
//   - 5.x (strict validation on by default): every key is one Neo4j knows, and no key appears twice in
//     the file all the bindings of one policy produce.
//
// It also checks the defaults principle: a suffix the policy leaves unset is written with Neo4j's
// default for that version and scope, or not at all.
func TestConformanceMatrix(t *testing.T) {
	const home = "/var/lib/neo4j"
	versions := append(KnownVersions(), MustParseVersion("2027.03")) // one newer than the catalogue
	var renders, lines int
	for _, v := range versions {
		for _, variant := range policyVariants(v, home) {
			p, probs := ResolvePolicy(v, home, variant.in)
			if p == nil {
				t.Fatalf("%s %s: policy refused: %v", v, variant.name, probs)
			}
			var file []string
			file = append(file, p.Lines()...)
			if v.Family() == Family35 {
				checkLines(t, v, p, "", p.Lines(), variant)
			} else if len(p.Lines()) != 0 {
				t.Errorf("%s: a 4.x+ policy owns lines: %v", v, p.Lines())
			}
			// Through the settings map, as the binding resource gets the policy.
			p2, err := PolicyFromSettings(p.Settings())
			if err != nil {
				t.Fatalf("%s %s: %v", v, variant.name, err)
			}
			for _, ch := range ChannelsOf(v) {
				levels := []*string{nil}
				if ch == "bolt" {
					levels = []*string{nil, ptr("REQUIRED"), ptr("OPTIONAL"), ptr("DISABLED")}
				}
				for _, lvl := range levels {
					b, probs := ResolveBinding(p2, ch, lvl)
					if refuses35(v, ch, p2) {
						if b != nil || len(probs) == 0 || probs[len(probs)-1].Field != "policy" {
							t.Errorf("%s %s %s: 3.5 bolt/https with client_auth %q must be refused, got %v %v", v, variant.name, ch, p2.ClientAuth, b, probs)
						}
						continue
					}
					if b == nil {
						t.Fatalf("%s %s %s: binding refused: %v", v, variant.name, ch, probs)
					}
					bl := b.Lines()
					renders++
					lines += len(bl)
					checkLines(t, v, p2, ch, bl, variant)
					if lvl == nil {
						file = append(file, bl...)
					}
				}
			}
			// The whole file the policy and one binding per channel produce: no key twice.
			seen := map[string]bool{}
			for _, l := range file {
				k, _, _ := strings.Cut(l, "=")
				if seen[k] {
					t.Errorf("%s %s: key %s written twice; Neo4j 5 refuses duplicates", v, variant.name, k)
				}
				seen[k] = true
			}
		}
	}
	t.Logf("%d versions, %d bindings rendered, %d lines checked", len(versions), renders, lines)
	if renders < 1000 {
		t.Errorf("the matrix rendered only %d bindings", renders)
	}
}

type policyVariant struct {
	name string
	in   PolicyInput
	// set lists the suffixes the variant declares; every other suffix must render Neo4j's default.
	set []Suffix
}

// policyVariants returns the default policy and, for each attribute the version has, one policy that
// sets it to a non-default value (several for enums and lists).
func policyVariants(v Version, home string) []policyVariant {
	name := "pol"
	base := posix.Join(home, "certificates", name)
	file := func(rel string) *string {
		if v.Family() == Family35 {
			return ptr(posix.Join(base, rel)) // 3.x: a configured path must be absolute
		}
		return ptr(rel)
	}
	out := []policyVariant{{name: "defaults", in: PolicyInput{Name: name}}}
	add := func(n string, s Suffix, f func(*PolicyInput)) {
		if !s.Exists(v) {
			return
		}
		in := PolicyInput{Name: name}
		f(&in)
		out = append(out, policyVariant{name: n, in: in, set: []Suffix{s}})
	}
	add("base_directory", SuffixBaseDirectory, func(in *PolicyInput) { in.BaseDirectory = ptr("certs/" + name) })
	add("private_key", SuffixPrivateKey, func(in *PolicyInput) { in.PrivateKey = file("key.pem") })
	add("public_certificate", SuffixPublicCertificate, func(in *PolicyInput) { in.PublicCertificate = file("chain.pem") })
	add("trusted_dir", SuffixTrustedDir, func(in *PolicyInput) { in.TrustedDir = file("ca") })
	add("revoked_dir", SuffixRevokedDir, func(in *PolicyInput) { in.RevokedDir = file("crl") })
	for _, ca := range ClientAuthValues {
		add("client_auth="+ca, SuffixClientAuth, func(in *PolicyInput) { in.ClientAuth = ptr(ca) })
	}
	for _, tv := range [][]string{{"TLSv1.2"}, {"TLSv1.3"}, {"TLSv1.2", "TLSv1.3"}} {
		add("tls_versions="+strings.Join(tv, ","), SuffixTLSVersions, func(in *PolicyInput) { in.TLSVersions = tv })
	}
	add("ciphers", SuffixCiphers, func(in *PolicyInput) {
		in.Ciphers = []string{"TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}
	})
	add("trust_all", SuffixTrustAll, func(in *PolicyInput) { in.TrustAll = ptr(true) })
	for _, b := range []bool{true, false} {
		add(fmt.Sprintf("verify_hostname=%v", b), SuffixVerifyHostname, func(in *PolicyInput) { in.VerifyHostname = ptr(b) })
		add(fmt.Sprintf("trust_expired=%v", b), SuffixTrustExpired, func(in *PolicyInput) { in.TrustExpired = ptr(b) })
	}
	add("allow_key_generation", SuffixAllowKeyGeneration, func(in *PolicyInput) { in.AllowKeyGeneration = ptr(true) })
	return out
}

// refuses35 reports whether a 3.5 bolt/https binding must be refused: the policy's client_auth
// (Neo4j 3.5's default REQUIRE when unset) is not NONE.
func refuses35(v Version, ch string, p *Policy) bool {
	return v.Family() == Family35 && (ch == "bolt" || ch == "https") && p.ClientAuth != "NONE"
}

// checkLines checks rendered lines against the catalogue, with the parsing rules of v.
func checkLines(t *testing.T, v Version, p *Policy, scope string, lines []string, variant policyVariant) {
	t.Helper()
	x := scope
	if v.Family() == Family35 {
		x = p.Name
	}
	rendered := map[Suffix]string{}
	for _, l := range lines {
		key, val, ok := strings.Cut(l, "=")
		if !ok || key == "" || strings.TrimSpace(key) != key || strings.TrimSpace(val) != val || val == "" {
			t.Errorf("%s %s %s: malformed line %q", v, variant.name, scope, l)
			continue
		}
		row, ok := RowFor(key, v, x)
		if !ok {
			row, ok = RowFor(key, v, "")
		}
		if !ok {
			t.Errorf("%s %s %s: %q is not a setting of Neo4j %s", v, variant.name, scope, key, v)
			continue
		}
		if msg := checkValueType(v, row, val, p.Name); msg != "" {
			t.Errorf("%s %s %s: %s: %s", v, variant.name, scope, l, msg)
		}
		for _, s := range AllSuffixes {
			if row.Setting == SettingID(s) {
				rendered[s] = val
			}
		}
	}
	// The defaults principle: an unset suffix is Neo4j's default for this version and scope, or absent.
	for _, s := range AllSuffixes {
		if slices.Contains(variant.set, s) || s == SuffixBaseDirectory {
			continue
		}
		got, present := rendered[s]
		if v.Family() != Family35 && scope == "" {
			continue
		}
		if v.Family() == Family35 && scope != "" {
			continue // 3.5 bindings name the policy; its block carries the suffixes
		}
		want, hasDefault := DefaultOf(SettingID(s), v, scope)
		row, exists := LookupRow(SettingID(s), v, scope)
		switch {
		case !exists:
			if present {
				t.Errorf("%s %s %s: %s rendered though Neo4j %s lacks it", v, variant.name, scope, s, v)
			}
		case !present:
			if hasDefault && !row.OnlyWhenSet {
				t.Errorf("%s %s %s: %s missing; want Neo4j's default %q", v, variant.name, scope, s, want)
			}
		case row.Type == TypeAbsPath:
			// 3.5: the derived default <base_directory>/<name>, written absolute.
			if !strings.HasPrefix(got, p.BasePath+"/") {
				t.Errorf("%s %s: %s = %q, want an absolute path under %s", v, variant.name, s, got, p.BasePath)
			}
		case !hasDefault:
			t.Errorf("%s %s %s: %s = %q rendered though unset and without a Neo4j default", v, variant.name, scope, s, got)
		case got != want:
			t.Errorf("%s %s %s: unset %s rendered %q, but Neo4j's default is %q", v, variant.name, scope, s, got, want)
		}
	}
}

// checkValueType parses val as Neo4j v would parse a value of the row's type.
func checkValueType(v Version, row Row, val, policyName string) string {
	switch row.Type {
	case TypeBool:
		if val != "true" && val != "false" {
			return "not a boolean"
		}
	case TypeEnum:
		ok := false
		for _, e := range row.Values {
			if val == e || (!row.CaseSensitive && strings.EqualFold(val, e)) {
				ok = true
			}
		}
		if !ok {
			return fmt.Sprintf("not one of %v (case-sensitive: %v)", row.Values, row.CaseSensitive)
		}
		if v.Family() == Family35 && !row.CaseSensitive {
			return "3.x enums are case-sensitive, but the catalogue row says otherwise"
		}
	case TypeList:
		for _, item := range strings.Split(val, ",") {
			if item == "" || strings.TrimSpace(item) != item {
				return "not a comma-separated list of non-empty items"
			}
			if row.Values != nil && !slices.Contains(row.Values, item) {
				return fmt.Sprintf("item %q not one of %v", item, row.Values)
			}
		}
	case TypeAbsPath:
		if !posix.IsAbs(val) || posix.Clean(val) != val {
			return "Neo4j 3.x needs an absolute path here (\"Paths must be absolute\")"
		}
	case TypePath, TypeDirPath:
		if slices.Contains(strings.Split(val, "/"), "..") {
			return "a path with .."
		}
	case TypeString:
		if val != policyName {
			return fmt.Sprintf("names policy %q, not %q", val, policyName)
		}
	default:
		return "unknown type " + string(row.Type)
	}
	return ""
}

// TestCatalogueRowsWellFormed checks the table itself: every row cites a source, ranges are ordered,
// ranges of one setting and scope do not overlap, and every known version has each always-present
// setting.
func TestCatalogueRowsWellFormed(t *testing.T) {
	for i, r := range Catalogue {
		if r.Source == "" || r.Name == "" || r.Type == "" {
			t.Errorf("row %d (%s) lacks a source, name or type", i, r.Setting)
		}
		if r.From != "" && r.To != "" && mustRangeBound(r.To).Less(mustRangeBound(r.From)) {
			t.Errorf("row %d (%s): range %s..%s is reversed", i, r.Setting, r.From, r.To)
		}
		if r.Type == TypeEnum && len(r.Values) == 0 {
			t.Errorf("row %d (%s): enum without values", i, r.Setting)
		}
	}
	for _, v := range KnownVersions() {
		count := map[string]int{}
		for _, r := range Catalogue {
			if inRange(v, r.From, r.To) {
				count[string(r.Setting)+"/"+r.Scope]++
			}
		}
		for k, n := range count {
			if n > 1 {
				t.Errorf("%s: %d rows for %s", v, n, k)
			}
		}
		for _, s := range []SettingID{"base_directory", "client_auth", "tls_versions", "trust_all", "verify_hostname",
			SettingBoltTLSLevel, SettingHTTPSEnabled, SettingStrictValidation, BindingSetting("bolt")} {
			if !Exists(s, v) {
				t.Errorf("%s: the catalogue has no %s", v, s)
			}
		}
	}
}

// TestGeneratedDocsUpToDate fails when a template's generated region differs from what the catalogue
// generates now (run `make generate`).
func TestGeneratedDocsUpToDate(t *testing.T) {
	for tmpl, regions := range GeneratedRegions {
		data, err := os.ReadFile(filepath.Join("..", "..", tmpl))
		if err != nil {
			t.Fatal(err)
		}
		for name, gen := range regions {
			want, err := ReplaceRegion(string(data), name, gen())
			if err != nil {
				t.Fatalf("%s: %v", tmpl, err)
			}
			if want != string(data) {
				t.Errorf("%s: the %s region is out of date; run make generate", tmpl, name)
			}
		}
	}
}
