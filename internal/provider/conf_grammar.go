package provider

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// Neo4j reads neo4j.conf with java.util.Properties (internal/neo4j/properties.go), so what a line
// sets is its decoded key, whatever the separator, escapes or continuation lines. These helpers turn
// what that grammar finds into diagnostics.

// continuationDiag is the diagnostic for an edit refused because a line ending in a backslash would
// run into (or out of) a managed block; ok is false for any other error.
func continuationDiag(t *target, attr path.Path, err error) (diag.Diagnostic, bool) {
	return continuationDiagFor(t, attr, err, "apply")
}

// continuationDiagFor is continuationDiag for the command to run again ("apply" or "destroy").
func continuationDiagFor(t *target, attr path.Path, err error, again string) (diag.Diagnostic, bool) {
	var ce *neo4j.ContinuationError
	if !errors.As(err, &ce) {
		return nil, false
	}
	return diagLineContinuesAcrossAManagedBlock.attr(attr,
		fmt.Sprintf("Line %d of %s: %s. Neo4j reads neo4j.conf with java.util.Properties, where a line that ends in an odd number of backslashes "+
			"continues onto the next line, even a comment line. Writing (or removing) the managed block there would change what Neo4j reads, so nothing was written. "+
			"Remove the trailing backslash (or end the setting with an empty line after it), then %s again.", ce.Line, t.ConfigFile, ce.Msg, again)), true
}

// lineAsWritten quotes a line of the file when it is not plainly "key=value", so that a diagnostic
// shows both what Neo4j reads and what the file says.
func lineAsWritten(conf *neo4j.Conf, line int, key, value string) string {
	raw := conf.Line(line)
	if strings.TrimSpace(raw) == key+"="+value {
		return ""
	}
	if len(raw) > 160 {
		raw = raw[:160] + "..."
	}
	return fmt.Sprintf(" (written %q, which Neo4j reads as %q)", raw, key+"="+value)
}

// confProblemWarnings warns about lines Neo4j cannot load at all (a malformed \uXXXX escape).
func confProblemWarnings(conf *neo4j.Conf, t *target) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, p := range conf.Problems() {
		diags.Append(diagNeo4jConfLineNeo4jCannotLoad.plain(
			fmt.Sprintf("Line %d of %s: %s. Neo4j will not start with this file, whatever this resource writes. Fix the escape (\\u is followed by exactly four hex digits) or remove the line.",
				p.Line, t.ConfigFile, p.Msg)))
	}
	return diags
}

// foreignPolicyWarnings warns about lines outside the managed blocks that set a suffix of the
// policy a binding applies, which neither the binding nor (on 3.5) the policy's own block writes:
// Neo4j applies them to the bound policy, so they silently change it.
func foreignPolicyWarnings(conf *neo4j.Conf, t *target, b *neo4j.Binding) diag.Diagnostics {
	var diags diag.Diagnostics
	scope := b.Channel
	if b.Policy.Version.Family() == neo4j.Family35 {
		scope = b.Policy.Name
	}
	prefix := "dbms.ssl.policy." + scope + "."
	written := append(keysOf(b.Lines()), keysOf(b.Policy.Lines())...)
	for _, s := range conf.Settings() {
		if s.BlockID != "" || !strings.HasPrefix(s.Key, prefix) || slices.Contains(written, s.Key) {
			continue
		}
		suffix := strings.TrimPrefix(s.Key, prefix)
		fix := fmt.Sprintf("If the policy should have it, set %s on the dbtls_ssl_policy (the binding then writes it, and this line becomes a conflict to resolve); otherwise remove the line.", suffix)
		if !slices.Contains(neo4j.AllSuffixes, neo4j.Suffix(suffix)) {
			fix = fmt.Sprintf("The provider does not manage %s: remove the line, or keep it knowing that it changes the policy.", suffix)
		}
		shown, written := s.Key+"="+s.Value, lineAsWritten(conf, s.Line, s.Key, s.Value)
		if strings.Contains(suffix, "password") {
			// private_key_password and the like: name the line, never its value.
			shown, written = s.Key+"=(value not shown)", ""
		}
		diags.Append(diagForeignSettingChangesTheBoundPolicy.attr(path.Root("policy"),
			fmt.Sprintf("Line %d of %s sets %q%s, outside the managed blocks. This binding does not write %s, so Neo4j applies that line to the policy bound to %s (%q), "+
				"and the policy in effect is not the one declared. %s", s.Line, t.ConfigFile, shown, written,
				suffix, b.Channel, b.Policy.Name, fix)))
	}
	return diags
}

// plainLinesDiags refuses rendered lines that Neo4j would not read as written. ResolvePolicy refuses
// such values where they are declared, and again when a binding re-checks its policy map
// (neo4j.CheckSettings); this is the last check before the lines are written.
func plainLinesDiags(lines []string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, l := range lines {
		if err := neo4j.CheckPlainLine(l); err != nil {
			diags.Append(diagPolicyValueNeo4jWouldReadDifferently.attr(path.Root("policy"),
				fmt.Sprintf("%s. Neo4j reads neo4j.conf with java.util.Properties, where a backslash starts an escape (or, at the end, continues the line) and blanks around a value are not kept as written. "+
					"Pass the settings attribute of a dbtls_ssl_policy unchanged, and declare the value there without backslashes or surrounding blanks.", err)))
		}
	}
	return diags
}

// keysOf returns the keys of rendered `key=value` lines.
func keysOf(lines []string) []string {
	keys := make([]string, 0, len(lines))
	for _, l := range lines {
		k, _, _ := strings.Cut(l, "=")
		keys = append(keys, k)
	}
	return keys
}
