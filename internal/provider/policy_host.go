package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// preflight checks the host before anything is written: NEO4J_HOME exists, no managed directory (or
// a directory on the way to it) is a symlink or a file, the owner and group exist, and on 3.5 the
// config file exists and no line the policy writes is already set elsewhere in it.
func (r *sslPolicyResource) preflight(ctx context.Context, t *target, p *neo4j.Policy, m sslPolicyResourceModel, creating bool) diag.Diagnostics {
	var diags diag.Diagnostics
	info, err := t.Host.Lstat(ctx, t.Neo4jHome)
	switch {
	case err != nil:
		diags.Append(diagCannotInspectNeo4jHome.plain(hostErrDetail(t, err)))
		return diags
	case !info.Exists:
		diags.Append(diagNeo4jHomeDoesNotExist.attr(path.Root("neo4j_home"),
			fmt.Sprintf("The directory %s does not exist on %s. Set neo4j_home (on the provider or this resource) to the Neo4j installation's home directory.", t.Neo4jHome, t.Host.ID())))
		return diags
	}
	for _, dir := range p.Directories() {
		if d := checkDirChain(ctx, t.Host, t.Neo4jHome, dir); d != "" {
			diags.Append(diagUnsafePathOnTheHost.attr(path.Root("base_directory"), d))
			return diags
		}
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{User: m.Owner.ValueString()}); err != nil {
		diags.Append(diagUnknownOwner.attr(path.Root("owner"), fmt.Sprintf("%s. Give a user that exists on the target, by name or numeric id.", err)))
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{Group: m.Group.ValueString()}); err != nil {
		diags.Append(diagUnknownGroup.attr(path.Root("group"), fmt.Sprintf("%s. Give a group that exists on the target, by name or numeric id.", err)))
	}
	diags.Append(checkOwnerPermitted(ctx, t, m.Owner.ValueString(), m.Group.ValueString())...)
	lines := p.Lines()
	if len(lines) == 0 || diags.HasError() {
		return diags
	}
	conf, _, err := r.data.confs.Load(ctx, t.Host, t.ConfigFile)
	switch {
	case errors.Is(err, deploy.ErrConfMissing):
		diags.Append(diagConfigFileNotFound.attr(path.Root("config_file"), missingConfigDetail(t)))
		return diags
	case err != nil:
		diags.Append(diagCannotReadConfigFile.attr(path.Root("config_file"), hostErrDetail(t, err)))
		return diags
	}
	diags.Append(blockConflicts(conf, t, neo4j.PolicyBlockID(p.Name), lines, creating)...)
	if !diags.HasError() {
		if _, err := conf.SetBlock(neo4j.PolicyBlockID(p.Name), lines); err != nil {
			if d, ok := continuationDiag(t, path.Root("config_file"), err); ok {
				diags.Append(d)
			}
		}
	}
	return diags
}

// blockConflicts reports every key of lines that is set elsewhere in the file, and (when creating) a
// block with the same id that another resource already owns.
func blockConflicts(conf *neo4j.Conf, t *target, id string, lines []string, creating bool) diag.Diagnostics {
	var diags diag.Diagnostics
	if creating {
		if bs := conf.Block(id); len(bs) > 0 {
			diags.Append(diagManagedBlockAlreadyExists.plain(
				fmt.Sprintf("%s already has a managed block %q at line %d, so another resource (or an earlier Terraform state) owns these lines. "+
					"Import it (terraform import) instead of creating it again, or remove the block from the file.", t.ConfigFile, id, bs[0].StartLine)))
			return diags
		}
	}
	keys := make([]string, 0, len(lines))
	for _, l := range lines {
		k, _, _ := strings.Cut(l, "=")
		keys = append(keys, k)
	}
	for _, c := range conf.Conflicts(id, keys) {
		where := "outside the managed blocks"
		if c.BlockID != "" {
			where = fmt.Sprintf("in the managed block %q", c.BlockID)
		}
		diags.Append(diagConflictingSettingInNeo4jConf.plain(
			fmt.Sprintf("The key %q is set on line %d of %s%s, %s. This resource must write it too, and Neo4j 5 refuses to start with a duplicated key (earlier versions pick one silently). "+
				"Remove that line from the file (or the resource that owns the other block), then plan again.", c.Key, c.Line, t.ConfigFile, lineAsWritten(conf, c.Line, c.Key, c.Value), where)))
	}
	return diags
}

// checkDirChain refuses a managed directory, or any directory between NEO4J_HOME and it, that is a
// symlink or not a directory (deploy.CheckChain). It returns "" when the chain is safe.
func checkDirChain(ctx context.Context, h host.Host, home, dir string) string {
	return deploy.CheckChain(ctx, h, home, dir)
}

// apply makes the host match a planned policy: the directories (created, or their mode and owner
// repaired), then the managed block (set on 3.5, removed elsewhere). priv records what earlier applies
// created and adopted; the returned copy adds the directories created now and the existing ones
// managed for the first time now (with their mode and owner before, for destroy). A failed apply
// removes what it created and restores what it adopted.
func (r *sslPolicyResource) apply(ctx context.Context, t *target, p *neo4j.Policy, m sslPolicyResourceModel, priv policyPrivate, creating bool) (policyPrivate, diag.Diagnostics) {
	var diags diag.Diagnostics
	owner := host.Owner{User: m.Owner.ValueString(), Group: m.Group.ValueString()}
	tree := t.dirTree(p.Directories())
	tflog.Debug(ctx, "ensuring the policy's directories", map[string]any{"host": t.Host.ID(), "policy": p.Name, "directories": p.Directories()})
	ch, err := tree.Ensure(ctx, neo4j.DirMode, owner, priv.Created, priv.Adopted)
	if err != nil {
		diags.Append(diagCannotCreatePolicyDirectory.plain(hostErrDetail(t, err)))
		return priv, diags
	}
	{
		name := p.Name
		lines := p.Lines()
		refused, err := r.data.editConfChecked(ctx, t, lockHolder("applying dbtls_ssl_policy "+name), func(c *neo4j.Conf) ([]byte, diag.Diagnostics, error) {
			id := neo4j.PolicyBlockID(name)
			if len(lines) == 0 {
				return c.RemoveBlock(id), nil, nil
			}
			if d := blockConflicts(c, t, id, lines, creating); d.HasError() {
				return nil, d, nil
			}
			out, err := c.SetBlock(id, lines)
			return out, nil, err
		})
		switch {
		case refused.HasError():
			diags.Append(refused...)
		case err == nil:
		case errors.Is(err, deploy.ErrConfMissing) && len(lines) == 0:
			// Nothing to write and nothing to remove.
		case errors.Is(err, deploy.ErrConfMissing):
			diags.Append(diagConfigFileNotFound.attr(path.Root("config_file"), missingConfigDetail(t)))
		default:
			if d, ok := continuationDiag(t, path.Root("config_file"), err); ok {
				diags.Append(d)
				break
			}
			diags.Append(diagCannotWriteNeo4jConf.plain(hostErrDetail(t, err)))
		}
	}
	if diags.HasError() {
		// Leave the host as it was: remove what this apply created, deepest first.
		tree.Rollback(ctx, ch)
		return priv, diags
	}
	priv.Created = append(slices.Clone(priv.Created), ch.Created...)
	if len(ch.Adopted) > 0 {
		priv.Adopted = maps.Clone(priv.Adopted)
		if priv.Adopted == nil {
			priv.Adopted = map[string]adoptedDir{}
		}
		maps.Copy(priv.Adopted, ch.Adopted)
	}
	return priv, diags
}

// checkTakeover refuses (or, with adopt_existing, warns about) taking over a managed directory that
// exists with another mode or owner than the policy sets, and that this resource neither created nor
// adopted before.
func checkTakeover(ctx context.Context, t *target, p *neo4j.Policy, m sslPolicyResourceModel, priv policyPrivate) diag.Diagnostics {
	var diags diag.Diagnostics
	uid, gid, err := t.Host.LookupOwner(ctx, host.Owner{User: m.Owner.ValueString(), Group: m.Group.ValueString()})
	if err != nil {
		return diags // preflight reports it
	}
	want := dirEntry(fs.ModeDir|neo4j.DirMode, m.Owner.ValueString(), m.Group.ValueString())
	known := func(dir string) bool {
		_, adopted := priv.Adopted[dir]
		return adopted || slices.Contains(priv.Created, dir)
	}
	for _, info := range t.dirTree(p.Directories()).Foreign(ctx, neo4j.DirMode, uid, gid, known) {
		dir := info.Path
		now := fmt.Sprintf("%s %s:%s (uid %d, gid %d)", (fs.ModeDir | info.Mode).String(), info.UserName, info.GroupName, info.UID, info.GID)
		if m.AdoptExisting.ValueBool() {
			diags.Append(diagExistingDirectoryTakenOver.attr(path.Root("adopt_existing"),
				fmt.Sprintf("%s on %s already exists as %s, and this policy changes it to %s (adopt_existing = true). Destroy restores its mode and owner and leaves the directory in place.",
					dir, t.Host.ID(), now, want)))
			continue
		}
		diags.Append(diagExistingDirectoryWouldBeTakenOver.attr(path.Root("base_directory"),
			fmt.Sprintf("%s on %s already exists as %s, and this policy would change it to %s. The provider does not take over a directory it did not create without being told: "+
				"it may belong to something else (with base_directory = \"etc\" under neo4j_home = \"/\" it would be /etc). Nothing was changed. "+
				"Set adopt_existing = true to take it over (destroy then restores its mode and owner), give the directory mode 0755 and the policy's owner and group by hand, "+
				"or choose another base_directory (or trusted_dir, revoked_dir).", dir, t.Host.ID(), now, want)))
	}
	return diags
}

// restoreAdopted gives adopted directories back the mode and owner they had before the policy managed
// them (deploy.RestoreAdopted); a directory that is gone or no longer a directory is left alone, one
// that cannot be restored gets a warning.
func restoreAdopted(ctx context.Context, h host.Host, adopted map[string]adoptedDir) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, e := range deploy.RestoreAdopted(ctx, h, adopted) {
		diags.Append(diagCannotRestoreAdoptedDirectory.plain(
			fmt.Sprintf("%s on %s existed before this policy and should get back mode %04o and owner %d:%d, but: %s. Restore them by hand.", e.Dir, h.ID(), e.Was.Mode, e.Was.UID, e.Was.GID, e.Err)))
	}
	return diags
}

// recordAdopted adds the existing managed directories of an imported policy to adopted, as they are now.
func recordAdopted(ctx context.Context, d *providerData, state sslPolicyResourceModel, adopted map[string]adoptedDir) map[string]adoptedDir {
	settings := settingsOf(state.Settings)
	t, diags := d.targetOf(ctx, settings, state.SSH)
	if diags.HasError() {
		return adopted
	}
	return t.dirTree(settings.Directories()).Record(ctx, adopted)
}

// removeDirectories removes the policy's directories (deepest first) and the parents this resource
// created, each only when empty and only when this resource created it (deploy.DirTree.Remove).
// Everything else stays, with a warning that says why.
func removeDirectories(ctx context.Context, t *target, dirs []string, created []string) diag.Diagnostics {
	var diags diag.Diagnostics
	id := t.Host.ID()
	tflog.Debug(ctx, "removing the policy's directories", map[string]any{"host": id, "directories": dirs, "created": created})
	for _, l := range t.dirTree(dirs).Remove(ctx, created) {
		switch l.Reason {
		case deploy.LeftPreexisting:
			diags.Append(diagDirectoryLeftInPlace.plain(
				fmt.Sprintf("%s on %s existed before this policy was created (or imported), so destroy leaves it. Remove it by hand if it is no longer needed.", l.Dir, id)))
		case deploy.LeftNotEmpty:
			diags.Append(diagDirectoryLeftInPlace.plain(
				fmt.Sprintf("%s on %s still holds files this resource did not write (%s), so destroy leaves it and them.", l.Dir, id, strings.Join(l.Names, ", "))))
		default:
			diags.Append(diagDirectoryLeftInPlace.plain(fmt.Sprintf("Cannot remove %s on %s: %s.", l.Dir, id, l.Err)))
		}
	}
	return diags
}

// readRendered returns the lines of the policy's managed block as the file has them now: "" when the
// block (or the file) is missing; every copy's lines when the block is duplicated.
func (r *sslPolicyResource) readRendered(ctx context.Context, t *target, name string) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	conf, _, err := r.data.confs.Load(ctx, t.Host, t.ConfigFile)
	switch {
	case errors.Is(err, deploy.ErrConfMissing):
		return "", diags
	case err != nil:
		diags.Append(diagCannotReadNeo4jConf.plain(hostErrDetail(t, err)))
		return "", diags
	}
	var lines []string
	for _, b := range conf.Block(neo4j.PolicyBlockID(name)) {
		lines = append(lines, b.Lines...)
	}
	return joinLines(lines), diags
}

// readDirectories describes each directory as the host has it, in the same form as the plan.
func readDirectories(ctx context.Context, h host.Host, dirs []string, owner, group string) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]string{}
	for _, o := range (deploy.DirTree{Host: h, Dirs: dirs}).Observe(ctx) {
		d, info := o.Path, o.Info
		switch {
		case o.Err != nil:
			diags.Append(diagCannotInspectDirectory.plain(fmt.Sprintf("Cannot inspect %s on %s: %s.", d, h.ID(), o.Err)))
			continue
		case !info.Exists:
			out[d] = "missing"
			continue
		case info.IsSymlink:
			out[d] = "symlink"
			continue
		case !info.IsDir:
			out[d] = "not a directory"
			continue
		}
		u, g := "", ""
		if owner != "" {
			u = observedID(owner, info.UserName, info.UID)
		}
		if group != "" {
			g = observedID(group, info.GroupName, info.GID)
		}
		out[d] = dirEntry(fs.ModeDir|info.Mode, u, g)
	}
	m, d := types.MapValueFrom(ctx, types.StringType, out)
	diags.Append(d...)
	return m, diags
}

// dirTree is the tree of dirs below the target's NEO4J_HOME.
func (t *target) dirTree(dirs []string) deploy.DirTree {
	return deploy.DirTree{Host: t.Host, Home: t.Neo4jHome, Dirs: dirs, Log: tfLogger{}}
}

// observedID renders an observed owner in the declared form: the declared string when it names the
// same id (by name or number), otherwise the observed name.
func observedID(declared, name string, id int) string {
	if declared == name || declared == strconv.Itoa(id) {
		return declared
	}
	return name
}

// dirEntry renders a mode and owner like `ls -l`: "drwxr-xr-x neo4j:neo4j". Unmanaged owner or group
// are left out.
func dirEntry(mode fs.FileMode, owner, group string) string {
	s := mode.String()
	switch {
	case owner != "" && group != "":
		s += " " + owner + ":" + group
	case owner != "":
		s += " " + owner
	case group != "":
		s += " :" + group
	}
	return s
}
