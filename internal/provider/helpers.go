package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func hostErrDetail(t *target, err error) string {
	var lt *host.LockTimeoutError
	if errors.As(err, &lt) {
		return fmt.Sprintf("Another writer holds the lock on %s on %s: %s. Wait for it to finish and apply again; if no other Terraform run is active, the holder may be stuck.", t.ConfigFile, t.Host.ID(), err)
	}
	if errors.Is(err, host.ErrSymlink) {
		return fmt.Sprintf("On %s: %s. The provider never follows a symlink at a managed path; replace it with a real file or directory.", t.Host.ID(), err)
	}
	var pe *neo4j.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("On %s: %s.\n\n%s", t.Host.ID(), err, brokenMarkerFix(t, pe))
	}
	return fmt.Sprintf("On %s: %s.", t.Host.ID(), err)
}

// brokenMarkerFix says what to do with a neo4j.conf whose managed block markers do not pair up. The
// provider never guesses where a block ends: it could take lines it does not own.
func brokenMarkerFix(t *target, pe *neo4j.ParseError) string {
	return fmt.Sprintf("Nothing was written. Open %s at line %d and mend the markers by hand: every `%s <resource> <name>` line needs "+
		"its own `%s <resource> <name>` line (same resource and name) after the block's last setting, and blocks do not nest. "+
		"Restore a lost END line where the block ends, or delete a stray marker line together with the settings of its half-block "+
		"(the resource writes its block again on the next apply). Then run the plan again.",
		t.ConfigFile, pe.Line, neo4j.BeginMarker("")[:len(neo4j.BeginMarker(""))-1], neo4j.EndMarker("")[:len(neo4j.EndMarker(""))-1])
}

func appendFieldErrors(diags *diag.Diagnostics, problems []*neo4j.FieldError) {
	for _, p := range problems {
		diags.Append(fieldError(path.Root(p.Field), p))
	}
}

func fieldErrorsText(problems []*neo4j.FieldError) string {
	var parts []string
	for _, p := range problems {
		if !p.Warning() {
			parts = append(parts, p.Detail)
		}
	}
	return strings.Join(parts, " ")
}

func stringMap(m types.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

func optString(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

func optBool(v types.Bool) *bool {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	b := v.ValueBool()
	return &b
}

func backtickList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

type tfsdkGetter interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

type tfsdkSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

func mapKnown(m types.Map) bool {
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}
