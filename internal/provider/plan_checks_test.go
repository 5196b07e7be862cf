package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// An owner or group the writing user cannot set is refused while planning, with the fix; the tests run as
// root, so the local identity is given.
func TestOwnerNeedsRoot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt := localTarget("5.26", newHome(t, realisticConf))
	deploy := func() (int, []int) { return 4242, []int{4242} }
	root := func() (int, []int) { return 0, []int{0} }

	d := checkOwnerPermittedAs(ctx, tgt, "root", "", deploy)
	wantExactly(t, "another owner, not root", d, "E:Owner Needs Root")
	if msg := d[0].Detail(); !strings.Contains(msg, `owner = "root" is uid 0`) || !strings.Contains(msg, "uid 4242") ||
		!strings.Contains(msg, "Run Terraform as root") || !strings.Contains(msg, "leave owner unset") {
		t.Errorf("detail: %s", msg)
	}
	wantExactly(t, "a group it is not in, not root", checkOwnerPermittedAs(ctx, tgt, "", "0", deploy), "E:Group Needs Root")
	wantExactly(t, "both", checkOwnerPermittedAs(ctx, tgt, "0", "0", deploy), "E:Owner Needs Root", "E:Group Needs Root")
	wantExactly(t, "itself and its own group", checkOwnerPermittedAs(ctx, tgt, "4242", "4242", deploy))
	wantExactly(t, "nothing to set", checkOwnerPermittedAs(ctx, tgt, "", "", deploy))
	wantExactly(t, "root may", checkOwnerPermittedAs(ctx, tgt, "4242", "4242", root))
	// A name that does not resolve is the Unknown Owner check's business.
	wantExactly(t, "unknown name", checkOwnerPermittedAs(ctx, tgt, "no-such-user-dbtls", "", deploy))

	// Over SSH with sudo, root writes: nothing to refuse whatever the local identity.
	sudo := *tgt
	sudo.SSH = &host.SSHConfig{Host: "graph-1.internal", User: "deploy", Sudo: true}
	wantExactly(t, "ssh with sudo", checkOwnerPermittedAs(ctx, &sudo, "0", "0", deploy))
}

// wantExactly asserts the diagnostics' summaries, in order ("E:"/"W:" prefixed), and nothing else.
func wantExactly(t *testing.T, what string, ds diag.Diagnostics, want ...string) {
	t.Helper()
	if got := summariesOf(ds); !slices.Equal(got, want) {
		t.Errorf("%s: diagnostics %q, want %q", what, got, want)
	}
}
