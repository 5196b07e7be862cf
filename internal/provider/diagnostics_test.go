package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// The Diagnostics guide (templates/guides/diagnostics.md.tmpl) lists every error and warning summary the
// provider can emit, generated from the declarations of diagnostics.go. What keeps the declarations
// honest:
//   - every diagnostic of this package is built through a declaration (diagX.attr, .plain, ...), whose
//     severity it takes: .golangci.yml's forbidigo rules refuse any other way to build one outside
//     diagnostics.go;
//   - internal/neo4j's problems carry a *neo4j.Summary (declared there with its severity, never a
//     literal), and TestDiagnosticsDocumented fails unless each has exactly one declaration here;
//   - a declaration nothing uses is an unused variable (the unused linter); an internal/neo4j summary
//     nothing reports fails internal/neo4j's TestSummariesReported;
//   - TestDiagnosticsDocumented fails on a duplicate, on a declaration without When, Fix or Test, on a
//     declaration not named for its summary, and when the test a declaration names does not exist or
//     does not mention the summary (so that it can check for it).
// TestDiagnosticsTableGenerated fails when the guide's table is stale.

// diagnosticsDoc is the template that holds the table.
const diagnosticsDoc = "../../" + DiagnosticsTemplate

// camelWords is a summary's words in CamelCase: "Invalid neo4j_home" -> "InvalidNeo4jHome".
func camelWords(summary string) string {
	out := ""
	for _, w := range regexp.MustCompile(`[^A-Za-z0-9]+`).Split(summary, -1) {
		if w != "" {
			out += strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return out
}

// kindIdent is the name a summary's declaration has in diagnostics.go: diag and its words in CamelCase.
func kindIdent(summary string) string { return "diag" + camelWords(summary) }

// declarationRE matches a named declaration of diagnostics.go: its name, and its summary (a literal) or
// the internal/neo4j summary it takes.
var declarationRE = regexp.MustCompile(`(?m)^\t(\w+)\s*= (?:declare\(diagnosticKind\{\n\t\tSummary:\s*"((?:[^"\\]|\\.)*)"|declareNeo4j\(neo4j\.(\w+),)`)

func TestDiagnosticsDocumented(t *testing.T) {
	t.Parallel()
	if len(diagnosticKinds) < 50 {
		t.Fatalf("only %d declarations: the registry is broken", len(diagnosticKinds))
	}
	declared := map[string]*diagnosticKind{}
	for _, k := range diagnosticKinds {
		if _, dup := declared[k.Summary]; dup {
			t.Errorf("diagnostics.go declares %q twice", k.Summary)
		}
		declared[k.Summary] = k
		if k.When == "" || k.Fix == "" {
			t.Errorf("the declaration of %q needs When and Fix: the guide's row says when it appears and what to do", k.Summary)
		}
		if k.Test == "" {
			t.Errorf("the declaration of %q has no Test: name the test that triggers it", k.Summary)
		}
		if k.Severity != sevError && k.Severity != sevWarning && k.Severity != sevError|sevWarning {
			t.Errorf("the declaration of %q has no severity", k.Summary)
		}
	}

	// internal/neo4j's summaries: each declared here once, with its severity.
	if len(neo4jKinds) != len(neo4j.Summaries()) {
		t.Errorf("diagnostics.go declares %d of internal/neo4j's summaries with declareNeo4j, but it has %d", len(neo4jKinds), len(neo4j.Summaries()))
	}
	for _, s := range neo4j.Summaries() {
		k, ok := neo4jKinds[s]
		want := sevError
		if s.Warning() {
			want = sevWarning
		}
		switch {
		case !ok:
			t.Errorf("internal/neo4j reports %q, which diagnostics.go does not declare: declare it with declareNeo4j(neo4j.Summary%s, ...) (that adds its row to %s)", s, camelWords(s.String()), diagnosticsDoc)
		case k.Summary != s.String() || k.Severity != want:
			t.Errorf("diagnostics.go declares %q (%s) for internal/neo4j's %q (%s)", k.Summary, k.Severity, s, want)
		}
	}

	// Each named declaration is named for its summary, and no test uses it: the unused linter then
	// refuses a declaration the provider no longer emits.
	src, err := os.ReadFile("diagnostics.go")
	must(t, err)
	var tests strings.Builder
	testFiles, err := filepath.Glob("*_test.go")
	must(t, err)
	for _, f := range testFiles {
		b, err := os.ReadFile(f)
		must(t, err)
		tests.Write(b)
	}
	named := 0
	for _, m := range declarationRE.FindAllStringSubmatch(string(src), -1) {
		name, summary := m[1], m[2]
		if m[3] != "" {
			summary = ""
			for s := range neo4jKinds {
				if "Summary"+camelWords(s.String()) == m[3] {
					summary = s.String()
				}
			}
			if summary == "" {
				t.Errorf("diagnostics.go declares %s from neo4j.%s, which is not named for its summary (internal/neo4j's TestSummaryNames)", name, m[3])
				continue
			}
		} else {
			summary = strings.ReplaceAll(summary, `\"`, `"`)
		}
		named++
		if name != "_" && name != kindIdent(summary) {
			t.Errorf("diagnostics.go declares %q as %s: name it %s", summary, name, kindIdent(summary))
		}
		if name != "_" && regexp.MustCompile(`\b`+name+`\b`).MatchString(tests.String()) {
			t.Errorf("a test uses %s: check for its summary %q instead, so that only the provider's own code counts as its use", name, summary)
		}
	}
	if named != len(diagnosticKinds) {
		t.Errorf("found %d declarations in diagnostics.go, but diagnosticKinds has %d: declare each as `diagX = declare(diagnosticKind{Summary: \"...\", ...})` or `diagX = declareNeo4j(neo4j.SummaryX, diagnosticKind{...})`", named, len(diagnosticKinds))
	}

	// The test each declaration names triggers it and mentions its summary.
	bodies := testFunctionSources(t)
	for _, k := range diagnosticKinds {
		s, test := k.Summary, k.Test
		if strings.HasPrefix(test, "unreachable: ") || strings.HasPrefix(test, "untested: ") {
			continue
		}
		body, ok := bodies[test]
		switch {
		case !ok:
			t.Errorf("the declaration of %q names %s, but there is no such test in this package", s, test)
		case !strings.Contains(strings.ReplaceAll(body, `\`, ""), s):
			t.Errorf("%s is named for %q, but never mentions it, so it cannot check for it", test, s)
		}
	}
}

// The guide's table is what diagnostics-docs writes from the declarations.
func TestDiagnosticsTableGenerated(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(diagnosticsDoc)
	must(t, err)
	want, err := neo4j.ReplaceMarkedRegion(string(b), DiagnosticsSource, DiagnosticsRegion, DiagnosticsTableMarkdown())
	must(t, err)
	if want != string(b) {
		t.Errorf("the table of %s is stale: run `make generate` (go generate ./internal/provider/) and commit it", diagnosticsDoc)
	}
}

// testFuncRE matches the first line of a top-level Test function, and topLevelRE the start of any
// top-level declaration or comment (gofmt-ed source: at the start of a line, which the Terraform
// configurations in raw strings never begin with these words).
var (
	testFuncRE = regexp.MustCompile(`(?m)^func (Test\w*)\(`)
	topLevelRE = regexp.MustCompile(`(?m)^(func|type|var|const|//) `)
)

// testFunctionSources returns the text of every Test function in this package's _test.go files: from
// its func line to the next top-level declaration or comment.
func testFunctionSources(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	must(t, err)
	out := map[string]string{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		must(t, err)
		src := string(b)
		for _, loc := range testFuncRE.FindAllStringSubmatchIndex(src, -1) {
			body := src[loc[0]:]
			if end := topLevelRE.FindStringIndex(body[1:]); end != nil {
				body = body[:end[0]+1]
			}
			out[src[loc[2]:loc[3]]] = body
		}
	}
	return out
}

// ---- Tests for the summaries no other test triggers ----

// summariesOf lists a diagnostics' summaries, "E:" for errors and "W:" for warnings.
func summariesOf(ds diag.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		sev := "W:"
		if d.Severity() == diag.SeverityError {
			sev = "E:"
		}
		out = append(out, sev+d.Summary())
	}
	return out
}

// wantSummary fails unless ds holds the summary with the severity ("E:..." or "W:...").
func wantSummary(t *testing.T, what string, ds diag.Diagnostics, want string) {
	t.Helper()
	if !slices.Contains(summariesOf(ds), want) {
		t.Errorf("%s: diagnostics %q, want %q", what, summariesOf(ds), want)
	}
}

// canceled is a context whose every host operation fails: the local host checks it first.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// localTarget is the local machine with NEO4J_HOME home and its conf/neo4j.conf, for version v.
func localTarget(v, home string) *target {
	return &target{Version: neo4j.MustParseVersion(v), Neo4jHome: home, ConfigFile: filepath.Join(home, "conf", "neo4j.conf"), Host: host.NewLocal()}
}

func TestDiagnosticsTargetFields(t *testing.T) {
	t.Parallel()
	var diags diag.Diagnostics
	validateTargetFields(types.StringNull(), types.StringValue("var/lib/neo4j"), types.StringValue("/etc/neo4j/../neo4j.conf"), path.Empty(), &diags)
	wantSummary(t, "relative neo4j_home", diags, "E:Invalid neo4j_home")
	wantSummary(t, "config_file with ..", diags, "E:Invalid Config File")

	diags = nil
	newerVersionWarning(types.StringValue("2099.01"), &diags)
	wantSummary(t, "calendar version after the catalogue", diags, "W:Neo4j Version Newer Than The Catalogue")
	diags = nil
	newerVersionWarning(types.StringValue(neo4j.NewestKnownVersion), &diags)
	if len(diags) != 0 {
		t.Errorf("the newest known version warns: %v", diags)
	}

	_, diags = newTestProviderData().targetFromSettings(context.Background(), map[string]string{"name": "p"}, nil)
	wantSummary(t, "settings without neo4j_version", diags, "E:Corrupt State")
}

// nullSSH is an ssh block with every field null, as Terraform decodes one that sets nothing.
func nullSSH() *sshModel {
	return &sshModel{Host: types.StringNull(), Port: types.Int64Null(), User: types.StringNull(), PrivateKey: types.StringNull(),
		PrivateKeyPassphrase: types.StringNull(), Agent: types.BoolNull(), KnownHosts: types.StringNull(), HostKey: types.StringNull(),
		Sudo: types.BoolNull(), Timeout: types.StringNull()}
}

func TestDiagnosticsSSH(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := nullSSH()
	m.Host, m.Timeout = types.StringValue("graph-1.internal"), types.StringValue("soon")
	_, diags := sshConfigFrom(m, nil, path.Root("ssh"))
	wantSummary(t, "timeout soon", diags, "E:Invalid SSH Timeout")
	// No user, no known_hosts, no credentials.
	wantSummary(t, "a host alone", diags, "E:Invalid SSH Configuration")

	// The provider's block is a template without host, and the resource adds none.
	d := newTestProviderData()
	d.defaults = targetSpec{Version: "5.26", Neo4jHome: "/var/lib/neo4j", SSH: &host.SSHConfig{User: "deploy", Agent: true}}
	_, diags = d.resolveTarget(ctx, types.StringNull(), types.StringNull(), nil)
	wantSummary(t, "no host anywhere", diags, "E:SSH Host Missing")

	// A policy on another host: its settings must say how to reach it, and credentials must exist.
	remote := "ssh://deploy@graph-1.internal:22"
	d = newTestProviderData()
	_, diags = d.sshFromSettings(map[string]string{"target": remote}, nil)
	wantSummary(t, "settings without ssh", diags, "E:Policy Settings Without Connection")
	_, diags = d.sshFromSettings(map[string]string{"target": remote, "ssh": `{"host":"graph-1.internal","user":"deploy"}`}, nil)
	wantSummary(t, "no credentials", diags, "E:No SSH Credentials")
	own := nullSSH()
	own.Host, own.User, own.Agent = types.StringValue("graph-2.internal"), types.StringValue("deploy"), types.BoolValue(true)
	_, diags = d.sshFromSettings(map[string]string{"target": remote, "ssh": `{"host":"graph-1.internal","user":"deploy"}`}, own)
	wantSummary(t, "another host than the policy's", diags, "E:SSH Target Differs From The Policy's")
}

// The policy's checks of the host, each with the condition that provokes it.
func TestDiagnosticsPolicyHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := newHome(t, realisticConf)
	r := &sslPolicyResource{data: newTestProviderData()}
	model := sslPolicyResourceModel{Owner: types.StringNull(), Group: types.StringNull()}
	resolve := func(v string, tgt *target) *neo4j.Policy {
		t.Helper()
		p, problems := neo4j.ResolvePolicy(tgt.Version, tgt.Neo4jHome, neo4j.PolicyInput{Name: "p"})
		if p == nil {
			t.Fatalf("ResolvePolicy: %v", problems)
		}
		return p
	}

	gone := localTarget("5.26", filepath.Join(home, "gone"))
	wantSummary(t, "missing home", r.preflight(ctx, gone, resolve("5.26", gone), model, true), "E:neo4j_home Does Not Exist")
	tgt := localTarget("5.26", home)
	pol := resolve("5.26", tgt)
	wantSummary(t, "host unreachable", r.preflight(canceled(), tgt, pol, model, true), "E:Cannot Inspect neo4j_home")
	bad := model
	bad.Group = types.StringValue("no-such-group-dbtls")
	wantSummary(t, "unknown group", r.preflight(ctx, tgt, pol, bad, true), "E:Unknown Group")
	_, diags := r.apply(canceled(), tgt, pol, model, policyPrivate{}, true)
	wantSummary(t, "host unreachable", diags, "E:Cannot Create Policy Directory")
	_, diags = readDirectories(canceled(), tgt.Host, pol.Directories(), "", "")
	wantSummary(t, "host unreachable", diags, "E:Cannot Inspect Directory")

	// Neo4j 3.5: the policy writes lines, so a config file that cannot be read or written stops it.
	t35 := localTarget("3.5", home)
	p35 := resolve("3.5", t35)
	realConf := filepath.Join(home, "conf", "neo4j.conf.real")
	must(t, os.Rename(t35.ConfigFile, realConf))
	must(t, os.Symlink(realConf, t35.ConfigFile))
	wantSummary(t, "symlinked neo4j.conf", r.preflight(ctx, t35, p35, model, true), "E:Cannot Read Config File")
	_, diags = r.readRendered(ctx, t35, "p")
	wantSummary(t, "symlinked neo4j.conf", diags, "E:Cannot Read neo4j.conf")
	must(t, os.Remove(t35.ConfigFile))
	must(t, os.Rename(realConf, t35.ConfigFile))

	// The write of neo4j.conf fails: the directories created for the policy are removed again.
	before := snapshot(t, filepath.Join(home, "certificates"))
	failing := *t35
	failing.Host = failingHost{Host: host.NewLocal(), failPath: t35.ConfigFile}
	_, diags = r.apply(ctx, &failing, p35, model, policyPrivate{}, true)
	wantSummary(t, "neo4j.conf not writable", diags, "E:Cannot Write neo4j.conf")
	if after := snapshot(t, filepath.Join(home, "certificates")); after != before {
		t.Errorf("a failed apply left directories behind:\n--- before\n%s\n--- after\n%s", before, after)
	}
	hostCheck(t, checkFileEquals(t35.ConfigFile, realisticConf))
}

func TestDiagnosticsImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := newHome(t, realisticConf)
	d := newTestProviderData()
	d.defaults = targetSpec{Version: "5.26", Neo4jHome: home}

	var resp resource.ImportStateResponse
	(&sslPolicyResource{data: d}).ImportState(ctx, resource.ImportStateRequest{ID: "../etc"}, &resp)
	wantSummary(t, "policy import ID ../etc", resp.Diagnostics, "E:Invalid Import ID")
	resp = resource.ImportStateResponse{}
	(&channelBindingResource{data: d}).ImportState(ctx, resource.ImportStateRequest{ID: "telnet"}, &resp)
	wantSummary(t, "binding import ID telnet", resp.Diagnostics, "E:Invalid Import ID")

	// No directory to import.
	m := sslPolicyResourceModel{Name: types.StringValue("p"), BaseDirectory: types.StringNull()}
	wantSummary(t, "policy without directory", (&sslPolicyResource{data: d}).fillImported(ctx, &m), "E:Cannot Import Policy")
	// A directory, but no certificate in it.
	must(t, os.MkdirAll(filepath.Join(home, "certificates", "p"), 0o755))
	resp = resource.ImportStateResponse{}
	(&policyCertificateResource{data: d}).ImportState(ctx, resource.ImportStateRequest{ID: "p"}, &resp)
	wantSummary(t, "certificate missing", resp.Diagnostics, "E:Cannot Import Certificate")
}

// privateState stands in for the framework's private state.
type privateState struct{ raw []byte }

func (p privateState) GetKey(context.Context, string) ([]byte, diag.Diagnostics) { return p.raw, nil }

func TestDiagnosticsPrivateState(t *testing.T) {
	t.Parallel()
	garbled := privateState{raw: []byte("{not json")}
	_, diags := getPrivate(context.Background(), garbled)
	wantSummary(t, "policy", diags, "W:Unreadable Private State")
	_, diags = getCertPrivate(context.Background(), garbled)
	wantSummary(t, "certificate", diags, "W:Unreadable Private State")
}

// Every rule of neo4j.ResolvePolicy, with the summary it reports.
func TestDiagnosticsPolicyRules(t *testing.T) {
	t.Parallel()
	const home = "/var/lib/neo4j"
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	for _, tc := range []struct {
		version string
		in      neo4j.PolicyInput
		want    string
	}{
		{"5.26", neo4j.PolicyInput{Name: "../etc"}, "E:Invalid Policy Name"},
		{"3.5", neo4j.PolicyInput{Name: "legacy"}, "E:Reserved Policy Name"},
		{"5.26", neo4j.PolicyInput{Name: "p", BaseDirectory: s(".")}, "E:Invalid Base Directory"},
		{"5.26", neo4j.PolicyInput{Name: "p", BaseDirectory: s("/etc/neo4j-certs")}, "E:Base Directory Outside neo4j_home"},
		{"5.26", neo4j.PolicyInput{Name: "p", PrivateKey: s("")}, "E:Invalid File Name"},
		{"5.26", neo4j.PolicyInput{Name: "p", PrivateKey: s("/etc/ssl/key.pem")}, "E:Path Escapes The Policy Directory"},
		{"5.26", neo4j.PolicyInput{Name: "p", PrivateKey: s("both.pem"), PublicCertificate: s("both.pem")}, "E:Key And Certificate Share A Path"},
		{"5.26", neo4j.PolicyInput{Name: "p", TrustedDir: s(".")}, "E:Invalid Directory"},
		{"3.5", neo4j.PolicyInput{Name: "p", TrustedDir: s("trusted")}, "E:Neo4j 3.5 Needs An Absolute Path"},
		{"5.26", neo4j.PolicyInput{Name: "p", RevokedDir: s("/etc/crls")}, "E:Directory Outside neo4j_home"},
		{"5.26", neo4j.PolicyInput{Name: "p", TrustedDir: s("ca"), RevokedDir: s("ca")}, "E:Trusted And Revoked Share A Directory"},
		{"5.26", neo4j.PolicyInput{Name: "p", PrivateKey: s("trusted")}, "E:File And Directory Share A Path"},
		{"5.26", neo4j.PolicyInput{Name: "p", ClientAuth: s("SOMETIMES")}, "E:Invalid Client Authentication"},
		{"5.26", neo4j.PolicyInput{Name: "p", TLSVersions: []string{}}, "E:No TLS Version"},
		{"5.26", neo4j.PolicyInput{Name: "p", TLSVersions: []string{"SSLv3"}}, "E:Unknown TLS Version"},
		{"5.26", neo4j.PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.2", "TLSv1.2"}}, "E:Duplicated TLS Version"},
		{"5.20", neo4j.PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.3"}}, "W:TLSv1.3 Depends On The Java Runtime"},
		{"5.26", neo4j.PolicyInput{Name: "p"}, "W:TLSv1.2 And TLSv1.3 Without Ciphers"},
		{"2025.01", neo4j.PolicyInput{Name: "p", Ciphers: []string{"TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"}}, "E:Cipher Not Supported By This Neo4j Version"},
		{"2025.10", neo4j.PolicyInput{Name: "p", Ciphers: []string{"TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"}}, "W:Insecure CBC Cipher"},
		{"5.26", neo4j.PolicyInput{Name: "p", TrustExpired: b(true)}, "W:Policy Trusts Expired Certificates"},
		{"5.23", neo4j.PolicyInput{Name: "p", TrustExpired: b(false)}, "E:Setting Not In This Neo4j Version"},
		{"5.26", neo4j.PolicyInput{Name: "p", TLSVersions: []string{"TLSv1.1", "TLSv1.2"}}, "W:Deprecated TLS Version"},
		{"5.26", neo4j.PolicyInput{Name: "p", Ciphers: []string{}}, "E:No Cipher"},
		{"5.26", neo4j.PolicyInput{Name: "p", Ciphers: []string{"TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"}}, "E:Invalid Cipher Name"},
		{"5.26", neo4j.PolicyInput{Name: "p", Ciphers: []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"}}, "E:Duplicated Cipher"},
		{"5.26", neo4j.PolicyInput{Name: "p", TrustAll: b(true)}, "W:Policy Trusts Anyone"},
		{"5.26", neo4j.PolicyInput{Name: "p", AllowKeyGeneration: b(false)}, "E:Setting Not In This Neo4j Version"},
		{"3.5", neo4j.PolicyInput{Name: "p", AllowKeyGeneration: b(true)}, "W:Self-Signed Key Generation"},
	} {
		_, problems := neo4j.ResolvePolicy(neo4j.MustParseVersion(tc.version), home, tc.in)
		var diags diag.Diagnostics
		appendFieldErrors(&diags, problems)
		wantSummary(t, fmt.Sprintf("%s %+v", tc.version, tc.in), diags, tc.want)
	}
}

// Every rule of neo4j.ResolveBinding, with the summary it reports.
func TestDiagnosticsBindingRules(t *testing.T) {
	t.Parallel()
	level := func(v string) *string { return &v }
	for _, tc := range []struct {
		version, channel string
		tlsLevel         *string
		want             string
	}{
		{"5.26", "telnet", nil, "E:Unknown Channel"},
		{"5.26", "fabric", nil, "E:Channel Not In This Neo4j Version"},
		{"5.26", "bolt", level("ALWAYS"), "E:Invalid TLS Level"},
		{"5.26", "bolt", level("DISABLED"), "W:Bolt TLS Disabled"},
		{"5.26", "https", level("REQUIRED"), "E:tls_level Is For Bolt Only"},
	} {
		p, problems := neo4j.ResolvePolicy(neo4j.MustParseVersion(tc.version), "/var/lib/neo4j", neo4j.PolicyInput{Name: "p"})
		if p == nil {
			t.Fatal(problems)
		}
		_, problems = neo4j.ResolveBinding(p, tc.channel, tc.tlsLevel)
		var diags diag.Diagnostics
		appendFieldErrors(&diags, problems)
		wantSummary(t, tc.channel, diags, tc.want)
	}
}

// A key the binding writes, set in a managed block of another resource.
func TestDiagnosticsBindingConflicts(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	tgt := localTarget("5.26", home)
	p, _ := neo4j.ResolvePolicy(tgt.Version, home, neo4j.PolicyInput{Name: "p"})
	b, _ := neo4j.ResolveBinding(p, "bolt", nil)
	other := neo4j.PolicyBlockID("legacy_tls")
	conf, err := neo4j.ParseConf([]byte("server.memory.heap.max_size=512m\n" + neo4j.BeginMarker(other) + "\nserver.bolt.tls_level=OPTIONAL\n" + neo4j.EndMarker(other) + "\n"))
	must(t, err)
	_, diags := bindingConflicts(conf, tgt, b, "comment_out", true)
	wantSummary(t, "key in another block", diags, "E:Conflicting Managed Blocks")
}

func TestDiagnosticsKeyChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wo, pem, version bool
		want             string
	}{
		{true, true, true, "E:Conflicting Private Key Attributes"},
		{false, false, false, "E:Missing Private Key"},
		{true, false, false, "E:Missing private_key_wo_version"},
		{false, true, true, "E:private_key_wo_version Without private_key_wo"},
	} {
		m := policyCertificateResourceModel{PrivateKeyWO: types.StringNull(), PrivateKeyPEM: types.StringNull(), PrivateKeyWOVersion: types.StringNull()}
		if tc.wo {
			m.PrivateKeyWO = types.StringValue("key")
		}
		if tc.pem {
			m.PrivateKeyPEM = types.StringValue("key")
		}
		if tc.version {
			m.PrivateKeyWOVersion = types.StringValue("1")
		}
		wantSummary(t, fmt.Sprintf("%+v", tc), validateKeyChoice(m), tc.want)
	}
}

func TestDiagnosticsCertificateMaterial(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ca := pkitest.NewCA(t, "Material CA")
	leaf := ca.Issue(t, pkitest.Options{})

	m := policyCertificateResourceModel{CertificatePEM: types.StringValue(leaf.CertPEM), RevocationListsPEM: types.SetNull(types.StringType),
		TrustedCertificatesPEM: types.SetValueMust(types.StringType, []attr.Value{types.StringValue("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")})}
	_, diags := parseCertMaterial(ctx, m)
	wantSummary(t, "garbage in trusted_certificates_pem", diags, "E:Invalid Trusted Certificate")

	// A CRL whose next update is past.
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-72 * time.Hour), NextUpdate: time.Now().Add(-time.Hour),
	}, ca.Cert, ca.Key)
	must(t, err)
	crl, err := x509.ParseRevocationList(der)
	must(t, err)
	diags = checkCertMaterial(&certMaterial{chain: []*x509.Certificate{leaf.Cert}, trusted: []*x509.Certificate{ca.Cert}, crls: []*x509.RevocationList{crl}}, true, 0, time.Now())
	wantSummary(t, "stale CRL", diags, "W:Revocation List Out Of Date")

	// A new certificate while the key stays, and the key on the host cannot be read.
	home := newHome(t, realisticConf)
	wantSummary(t, "no key on the host", checkCertHostKeyMatches(ctx, localTarget("5.26", home), filepath.Join(home, "certificates", "p", "private.key"), leaf.Cert),
		"E:Cannot Read The Key On The Host")

	// The key named like the certificate's copy in trusted/.
	base := filepath.Join(home, "certificates", "p")
	s := map[string]string{"neo4j_home": home, "private_key_path": filepath.Join(base, "trusted", "public.crt"),
		"public_certificate_path": filepath.Join(base, "public.crt"), "trusted_dir_path": filepath.Join(base, "trusted"), "revoked_dir_path": filepath.Join(base, "revoked")}
	wantSummary(t, "key at the trusted copy's path", checkCertLayout(s, certLayout(s, &certMaterial{chain: []*x509.Certificate{leaf.Cert}})), "E:Two Files At One Path")
}

// The certificate's checks of the host before it writes.
func TestDiagnosticsCertificateHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "p")
	ca := pkitest.NewCA(t, "Host CA")
	leaf := ca.Issue(t, pkitest.Options{})
	s := map[string]string{
		"name": "p", "neo4j_version": "5.26", "neo4j_home": home, "target": "local", "base_directory": "certificates/p",
		"base_directory_path": base, "private_key_path": filepath.Join(base, "private.key"), "public_certificate_path": filepath.Join(base, "public.crt"),
		"trusted_dir_path": filepath.Join(base, "trusted"), "revoked_dir_path": filepath.Join(base, "revoked"),
	}
	policy, diags := types.MapValueFrom(ctx, types.StringType, s)
	if diags.HasError() {
		t.Fatal(diags)
	}
	m := policyCertificateResourceModel{Policy: policy, CertificatePEM: types.StringValue(leaf.CertPEM), Owner: types.StringNull(), Group: types.StringNull(),
		TrustedCertificatesPEM: types.SetNull(types.StringType), RevocationListsPEM: types.SetNull(types.StringType)}
	mat, diags := parseCertMaterial(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	key, diags := parseCertKey(leaf.KeyPEM(t), path.Root("private_key_wo"))
	if diags.HasError() {
		t.Fatal(diags)
	}
	tgt := localTarget("5.26", home)
	r := &policyCertificateResource{}

	_, diags = r.apply(ctx, tgt, m, mat, key, nil, certificatePrivate{})
	wantSummary(t, "no policy directories", diags, "E:Policy Directory Missing")
	for _, d := range []string{"trusted", "revoked"} {
		must(t, os.MkdirAll(filepath.Join(base, d), 0o755))
	}
	_, diags = r.apply(canceled(), tgt, m, mat, key, nil, certificatePrivate{})
	wantSummary(t, "host unreachable", diags, "E:Cannot Inspect Policy Directory")
	_, diags = observeCertFiles(canceled(), tgt.Host, []string{s["public_certificate_path"]}, s["private_key_path"], "", "", certificatePrivate{})
	wantSummary(t, "host unreachable", diags, "E:Cannot Inspect Certificate File")

	must(t, os.Symlink("/etc/hostname", s["public_certificate_path"]))
	before := snapshot(t, home)
	_, diags = r.apply(ctx, tgt, m, mat, key, nil, certificatePrivate{})
	wantSummary(t, "symlink at public.crt", diags, "E:Cannot Read Certificate File")
	if after := snapshot(t, home); after != before {
		t.Errorf("a refused apply changed the host:\n--- before\n%s\n--- after\n%s", before, after)
	}
}

// What destroy cannot do, run as a user would: a certificate file replaced by a symlink or a directory,
// and a neo4j.conf replaced by a symlink, so that neither block can be removed.
func TestAccDiagnostics_DestroyRefusals(t *testing.T) {
	t.Parallel()
	home := newHome(t, realisticConf)
	base := filepath.Join(home, "certificates", "p")
	conf := filepath.Join(home, "conf", "neo4j.conf")
	ca := pkitest.NewCA(t, "Destroy CA")
	leaf := ca.Issue(t, pkitest.Options{})
	c := newTFCLI(t, `
terraform {
  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}
`+providerBlock("5.26", home)+`
variable "cert" {
  type = string
}
variable "key" {
  type      = string
  ephemeral = true
}
resource "dbtls_ssl_policy" "p" {
  name = "p"
}
resource "dbtls_policy_certificate" "p" {
  policy                 = dbtls_ssl_policy.p.settings
  certificate_pem        = var.cert
  private_key_wo         = var.key
  private_key_wo_version = 1
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.p.settings
}
`)
	c.setVars(map[string]any{"cert": leaf.CertPEM, "key": leaf.KeyPEM(t)})
	c.apply()

	// The certificate: a symlink where public.crt was (never removed through), a directory where the
	// copy in trusted/ was (not this resource's).
	cert, copyPath := filepath.Join(base, "public.crt"), filepath.Join(base, "trusted", "public.crt")
	must(t, os.Remove(cert))
	must(t, os.Symlink("/etc/hostname", cert))
	must(t, os.Remove(copyPath))
	must(t, os.MkdirAll(filepath.Join(copyPath, "sub"), 0o755))
	code, out := c.run("destroy", "-auto-approve", "-refresh=false", "-target=dbtls_policy_certificate.p")
	if code != 1 {
		t.Fatalf("destroy exited %d, want 1:\n%s", code, out)
	}
	mustMatch(t, "destroying the certificate", out, `Error: Cannot Remove Certificate File`, `Warning: File Left In Place`)
	hostCheck(t, checkAbsent(filepath.Join(base, "private.key")))
	c.mustRun("state", "rm", "dbtls_policy_certificate.p")

	// neo4j.conf: a symlink, which the provider never writes through.
	realConf := conf + ".real"
	must(t, os.Rename(conf, realConf))
	must(t, os.Symlink(realConf, conf))
	code, out = c.run("destroy", "-auto-approve", "-refresh=false", "-target=dbtls_channel_binding.bolt")
	if code != 1 {
		t.Fatalf("destroy exited %d, want 1:\n%s", code, out)
	}
	mustMatch(t, "destroying the binding", out, `Error: Cannot Remove The Binding From neo4j\.conf`)
	c.mustRun("state", "rm", "dbtls_channel_binding.bolt")
	code, out = c.run("destroy", "-auto-approve", "-refresh=false")
	if code != 1 {
		t.Fatalf("destroy exited %d, want 1:\n%s", code, out)
	}
	mustMatch(t, "destroying the policy", out, `Error: Cannot Remove The Policy's Lines From neo4j\.conf`)
	b, err := os.ReadFile(realConf)
	must(t, err)
	if !bytes.Contains(b, []byte(neo4j.BeginMarker(neo4j.BindingBlockID("bolt")))) {
		t.Errorf("the binding's block was removed through the symlink")
	}
}
