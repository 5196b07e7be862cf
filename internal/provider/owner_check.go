package provider

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// Only root may give a file to another user, and a user may give a file only to a group it belongs to
// (chown(2)). The provider writes every file as the user it runs as (locally) or logs in as (over SSH
// without sudo), then chowns it; an owner or group that user cannot set would fail only halfway through
// an apply ("chown ...: operation not permitted"). checkOwnerPermitted says so while planning.

// localIdentity is the effective user and groups of the provider on this machine.
func localIdentity() (uid int, gids []int) {
	gids, _ = os.Getgroups()
	return os.Geteuid(), append(gids, os.Getegid())
}

// checkOwnerPermitted refuses an owner (and, on the local machine, a group) the writing user cannot set.
// Names that do not resolve are left to the Unknown Owner / Unknown Group checks.
func checkOwnerPermitted(ctx context.Context, t *target, owner, group string) diag.Diagnostics {
	return checkOwnerPermittedAs(ctx, t, owner, group, localIdentity)
}

// checkOwnerPermittedAs is checkOwnerPermitted with the local identity given (tests run as root).
func checkOwnerPermittedAs(ctx context.Context, t *target, owner, group string, identity func() (int, []int)) diag.Diagnostics {
	if owner == "" && group == "" {
		return nil
	}
	var uid int
	var gids []int // nil: not known (over SSH), so the group is not checked
	var who, fix string
	if t.SSH == nil {
		uid, gids = identity()
		who = fmt.Sprintf("the provider runs as uid %d on this machine, not as root", uid)
		fix = "Run Terraform as root (for example with sudo)"
	} else {
		if t.SSH.Sudo {
			return nil
		}
		u, _, err := t.Host.LookupOwner(ctx, host.Owner{User: t.SSH.User})
		if err != nil {
			return nil
		}
		uid = u
		who = fmt.Sprintf("the provider writes on %s as the SSH user %q (uid %d) without sudo", t.Host.ID(), t.SSH.User, uid)
		fix = "Set sudo = true in the ssh block (the user needs passwordless sudo), or log in as root"
	}
	if uid == 0 {
		return nil
	}
	var diags diag.Diagnostics
	if owner != "" {
		if want, _, err := t.Host.LookupOwner(ctx, host.Owner{User: owner}); err == nil && want != uid {
			diags.Append(diagOwnerNeedsRoot.attr(path.Root("owner"),
				fmt.Sprintf("owner = %q is uid %d, but %s: only root may give a file to another user, so the apply would fail with \"operation not permitted\". "+
					"%s; or leave owner unset, and the files belong to the user who applies.", owner, want, who, fix)))
		}
	}
	if group != "" && gids != nil {
		if _, want, err := t.Host.LookupOwner(ctx, host.Owner{Group: group}); err == nil && !slices.Contains(gids, want) {
			diags.Append(diagGroupNeedsRoot.attr(path.Root("group"),
				fmt.Sprintf("group = %q is gid %d, which %s is not a member of: only root may give a file to a group its user does not belong to, so the apply would fail with \"operation not permitted\". "+
					"%s; give one of the user's groups; or leave group unset.", group, want, who, fix)))
		}
	}
	return diags
}
