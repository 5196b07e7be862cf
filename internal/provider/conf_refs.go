package provider

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// A destroy restores neo4j.conf to the lines that were there before the provider came: the hand-written
// lines outside every managed block stay, and the lines a binding commented out come back. Those lines
// may name the policy's key and certificate; if destroy removes files they name, Neo4j does not start
// afterwards. warnConfNamesRemoved says so while planning the destroy, and again when it runs.

// confRef is a line of neo4j.conf that outlives every dbtls resource.
type confRef struct {
	line     int
	text     string
	restored string // the block whose destroy restores it, "" for a line that was never commented out
}

func (c confRef) String() string {
	if c.restored != "" {
		return fmt.Sprintf("line %d `%s` (commented out by %s, restored when it is destroyed)", c.line, c.text, c.restored)
	}
	return fmt.Sprintf("line %d `%s`", c.line, c.text)
}

// survivingPolicyLines returns, per policy scope (or 3.5 policy name), the dbms.ssl.policy.* lines that
// stay in neo4j.conf once every managed block is gone.
func survivingPolicyLines(conf *neo4j.Conf) map[string][]confRef {
	out := map[string][]confRef{}
	add := func(key, value string, ref confRef) {
		rest, ok := strings.CutPrefix(key, "dbms.ssl.policy.")
		if !ok {
			return
		}
		i := strings.LastIndex(rest, ".")
		if i <= 0 {
			return
		}
		ref.text = key + "=" + value
		out[rest[:i]] = append(out[rest[:i]], ref)
	}
	for _, s := range conf.Settings() {
		if s.BlockID == "" {
			add(s.Key, s.Value, confRef{line: s.Line})
		}
	}
	seen := map[string]bool{}
	for _, b := range conf.Blocks() {
		if seen[b.ID] {
			continue
		}
		seen[b.ID] = true
		for _, c := range conf.Commented(b.ID) {
			k, v, ok := strings.Cut(c.Original, "=")
			if !ok {
				continue
			}
			add(strings.TrimSpace(k), strings.TrimSpace(v), confRef{line: c.Line, restored: b.ID})
		}
	}
	return out
}

// policyFilesNamed resolves one scope's surviving lines as Neo4j does (base_directory against
// NEO4J_HOME, default certificates/<scope> when the scope is enabled; private_key and public_certificate
// against the base directory, default private.key and public.crt) and returns the paths among files
// that they name.
func policyFilesNamed(home, scope string, refs []confRef, files []string) []string {
	values := map[string]string{}
	for _, r := range refs {
		k, v, _ := strings.Cut(r.text, "=")
		values[strings.TrimPrefix(k, "dbms.ssl.policy."+scope+".")] = v
	}
	base, ok := values[string(neo4j.SuffixBaseDirectory)]
	if !ok {
		if values["enabled"] != "true" {
			return nil
		}
		base = "certificates/" + scope
	}
	resolve := func(root, p string) string {
		if path.IsAbs(p) {
			return path.Clean(p)
		}
		return path.Join(root, p)
	}
	baseDir := resolve(home, base)
	var named []string
	for _, suffix := range []struct{ key, def string }{{string(neo4j.SuffixPrivateKey), "private.key"}, {string(neo4j.SuffixPublicCertificate), "public.crt"}} {
		v, ok := values[suffix.key]
		if !ok {
			v = suffix.def
		}
		if p := resolve(baseDir, v); slices.Contains(files, p) && !slices.Contains(named, p) {
			named = append(named, p)
		}
	}
	return named
}

// warnConfNamesRemoved warns when the files a destroy of this certificate removes are named by lines of
// neo4j.conf that outlive every dbtls resource. Nothing here fails a destroy: a host or file that cannot
// be read gives no warning.
func (r *policyCertificateResource) warnConfNamesRemoved(ctx context.Context, state policyCertificateResourceModel, priv certificatePrivate) diag.Diagnostics {
	var removed []string
	for p := range state.Files.Elements() {
		if !slices.Contains(priv.Adopted, p) {
			removed = append(removed, p)
		}
	}
	if len(removed) == 0 {
		return nil
	}
	t, d := r.data.targetOf(ctx, settingsOf(state.Policy), state.SSH)
	if d.HasError() {
		return nil
	}
	data, err := t.Host.ReadFile(ctx, t.ConfigFile)
	if err != nil {
		return nil
	}
	conf, err := neo4j.ParseConf(data)
	if err != nil {
		return nil
	}
	var named []string
	var lines []string
	scopes := survivingPolicyLines(conf)
	names := make([]string, 0, len(scopes))
	for scope := range scopes {
		names = append(names, scope)
	}
	slices.Sort(names)
	for _, scope := range names {
		n := policyFilesNamed(t.Neo4jHome, scope, scopes[scope], removed)
		if len(n) == 0 {
			continue
		}
		named = append(named, n...)
		for _, ref := range scopes[scope] {
			lines = append(lines, ref.String())
		}
	}
	if len(named) == 0 {
		return nil
	}
	slices.Sort(named)
	named = slices.Compact(named)
	var diags diag.Diagnostics
	diags.Append(diagDestroyLeavesNeo4jConfNamingRemovedFiles.plain(
		fmt.Sprintf("Destroying this resource removes %s on %s, which it created. Once every dbtls resource is destroyed, %s still has lines that name them:\n  %s\n"+
			"Neo4j would then fail to start. To stop managing the files without deleting them, replace the resource block with a removed block "+
			"(`removed { from = <address> lifecycle { destroy = false } }`, Terraform 1.7 and later) and apply; or change or remove those lines before the destroy.",
			strings.Join(named, ", "), t.Host.ID(), t.ConfigFile, strings.Join(lines, "\n  "))))
	return diags
}
