package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

var (
	_ resource.Resource                   = (*sslPolicyResource)(nil)
	_ resource.ResourceWithConfigure      = (*sslPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*sslPolicyResource)(nil)
	_ resource.ResourceWithImportState    = (*sslPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*sslPolicyResource)(nil)
)

// NewSSLPolicyResource is the constructor the provider registers.
func NewSSLPolicyResource() resource.Resource { return &sslPolicyResource{} }

type sslPolicyResource struct {
	data *providerData
}

var policyNameValidatorRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

func (r *sslPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ssl_policy"
}

func (r *sslPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"ssh": sshResourceBlock("Overrides the provider's `ssh` block for this policy: any field given here replaces the provider's, so `ssh { host = each.value }` is enough to `for_each` over the members of a cluster. Changing the target replaces the policy.")},
		MarkdownDescription: "A Neo4j SSL policy: its directory tree on the target (`base_directory`, `trusted/` and `revoked/`, " +
			"mode `0755`, owned by `owner`:`group`) and its settings for the Neo4j version the target runs. " +
			"On Neo4j 3.5 it also writes its `dbms.ssl.policy.<name>.*` lines into `neo4j.conf` as one managed block; " +
			"on 4.x and 5.x a policy is applied per scope, so `dbtls_channel_binding` writes the lines and this resource exposes them in `settings`. " +
			"The key and certificates are written by `dbtls_policy_certificate`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The policy name.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The policy name: on Neo4j 3.5 the `<name>` in `dbms.ssl.policy.<name>.*`; on every version the last element " +
					"of the default `base_directory`. Letters, digits, `_` and `-`. Changing it replaces the policy.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.RegexMatches(policyNameValidatorRE, "must consist of letters, digits, '_' and '-' and start with a letter, digit or '_'"),
					stringvalidator.LengthBetween(1, 100),
				},
			},
			"base_directory": schema.StringAttribute{
				MarkdownDescription: "`base_directory`: the policy's directory, relative to `neo4j_home` or absolute inside it. Default `certificates/<name>`. " +
					"Changing it replaces the policy.",
				Optional: true, Computed: true,
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "`private_key`: the key file, a name relative to `base_directory` or an absolute path inside it. Default `private.key`. " +
					"Neo4j 3.5 accepts a configured value only as an absolute path, so on 3.5 the default is `<base_directory>/private.key` as an absolute path and a configured value must be absolute.",
				Optional: true, Computed: true,
			},
			"public_certificate": schema.StringAttribute{
				MarkdownDescription: "`public_certificate`: the certificate file, a name relative to `base_directory` or an absolute path inside it. Default `public.crt`; absolute on 3.5 as for `private_key`.",
				Optional:            true, Computed: true,
			},
			"trusted_dir": schema.StringAttribute{
				MarkdownDescription: "`trusted_dir`: the directory of trusted certificates. Default `trusted` (inside `base_directory`). " +
					"Neo4j 3.5 accepts a configured value only as an absolute path, so on 3.5 the provider always renders the absolute path. Changing it replaces the policy.",
				Optional: true, Computed: true,
			},
			"revoked_dir": schema.StringAttribute{
				MarkdownDescription: "`revoked_dir`: the directory of certificate revocation lists. Default `revoked` (inside `base_directory`); absolute on 3.5 as for `trusted_dir`. " +
					"Changing it replaces the policy.",
				Optional: true, Computed: true,
			},
			"client_auth": schema.StringAttribute{
				MarkdownDescription: "`client_auth`: whether peers must present a certificate: " + backtickList(neo4j.ClientAuthValues) + ". " +
					"Unset: Neo4j's own default. On 3.5 that is `REQUIRE` (and a policy bound to bolt or https must set `NONE`, since 3.5's Bolt and HTTPS servers do not support client authentication); " +
					"on 4.x and later it depends on the scope the policy is bound to (`OPTIONAL` for bolt and https, `REQUIRE` for cluster and backup, `NONE` for fabric), " +
					"so the attribute stays null and each `dbtls_channel_binding` writes its scope's default.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.OneOf(neo4j.ClientAuthValues...)},
			},
			"tls_versions": schema.ListAttribute{
				MarkdownDescription: "`tls_versions`: the protocol versions allowed, from " + backtickList(neo4j.TLSVersionValues) + ". " +
					"Default: Neo4j's, `[\"TLSv1.2\"]`, and `[\"TLSv1.2\", \"TLSv1.3\"]` from Neo4j 5.24 (then set `ciphers` too, as the manual advises: a warning otherwise). " +
					"TLSv1.3 before 5.24 is accepted with a warning: it works when the Java runtime supports it.",
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(stringvalidator.OneOf(neo4j.TLSVersionValues...)),
				},
			},
			"ciphers": schema.ListAttribute{
				MarkdownDescription: "`ciphers`: the cipher suites allowed, by their Java/IANA names. Unset: no line is written and the Java platform's defaults apply. " +
					"The four CBC suites Neo4j 2025.01 no longer supports are refused on 2025.01 to 2025.09, and a warning from 2025.10 (which allows them only when listed explicitly).",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues()},
			},
			"trust_all": schema.BoolAttribute{
				MarkdownDescription: "`trust_all`: trust any peer certificate, which disables authentication (a warning when true). Default `false`.",
				Optional:            true, Computed: true,
			},
			"verify_hostname": schema.BoolAttribute{
				MarkdownDescription: "`verify_hostname`: check that a peer's certificate matches its host name. Default: Neo4j's, `false` up to 5.26 and `true` from 2025.01.",
				Optional:            true, Computed: true,
			},
			"trust_expired": schema.BoolAttribute{
				MarkdownDescription: "`trust_expired`, Neo4j 5.24 and later: whether peer certificates past their validity are still trusted. Unset: no line is written, and Neo4j's default (`true`) applies. " +
					"An error on versions without the setting.",
				Optional: true,
			},
			"allow_key_generation": schema.BoolAttribute{
				MarkdownDescription: "`allow_key_generation`, Neo4j 3.5 only: let Neo4j generate a self-signed pair on startup. Default `false` on 3.5; " +
					"an error on 4.x and 5.x, which removed it.",
				Optional: true, Computed: true,
			},
			"owner": schema.StringAttribute{
				MarkdownDescription: "Owner of the directories (and the default owner of the files `dbtls_policy_certificate` writes), by name or numeric id, usually `neo4j`. " +
					"A user other than the one that writes needs root: run Terraform as root, or set `sudo = true` in the `ssh` block (the plan refuses it otherwise). " +
					"Unset: the owner is left as created and not checked for drift.",
				Optional: true,
			},
			"group": schema.StringAttribute{
				MarkdownDescription: "Group of the directories, by name or numeric id, usually `neo4j`. Unset: left as created and not checked for drift.",
				Optional:            true,
			},
			"neo4j_home": schema.StringAttribute{
				MarkdownDescription: "Overrides the provider's `neo4j_home` for this policy. Changing it replaces the policy. Not `/` or a system directory. " +
					"The certificates and bindings of a policy with its own `neo4j_home` must set the same `neo4j_home` themselves.",
				Optional: true,
			},
			"config_file": schema.StringAttribute{
				MarkdownDescription: "Overrides the provider's `config_file` for this policy. Changing it replaces the policy.",
				Optional:            true,
			},
			"adopt_existing": schema.BoolAttribute{
				MarkdownDescription: "Whether the policy may take over a directory (`base_directory`, `trusted_dir`, `revoked_dir`) that already exists with another mode than `0755` " +
					"or another owner or group than `owner`/`group`. Default `false`: the plan is refused with an error naming the directory, its mode and owner. " +
					"With `true` the plan warns instead, the apply changes the directory, and destroy restores the mode and owner it had (recorded in the resource's private state) " +
					"and leaves the directory in place. A directory that already matches, or one this resource created, needs no opt-in. An import adopts what it finds.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(false),
			},
			"settings": schema.MapAttribute{
				MarkdownDescription: "The policy as resolved for the target's Neo4j version, for `dbtls_channel_binding`, `dbtls_policy_certificate` and `dbtls_endpoint`: " +
					"every suffix (`base_directory`, `private_key`, `public_certificate`, `trusted_dir`, `revoked_dir`, `client_auth`, `tls_versions` and `ciphers` as comma-separated lists, " +
					"`trust_all`, `verify_hostname`, and `allow_key_generation` on 3.5), plus `name`, `neo4j_version`, `neo4j_home`, `config_file`, `target`, `owner`, `group` " +
					"and the absolute paths `base_directory_path`, `private_key_path`, `public_certificate_path`, `trusted_dir_path`, `revoked_dir_path`. Known at plan time.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"rendered": schema.StringAttribute{
				MarkdownDescription: "The exact `neo4j.conf` lines this resource owns, one per line: on 3.5 the `dbms.ssl.policy.<name>.*` lines of its managed block; " +
					"empty on 4.x and 5.x. After a refresh it holds what the file really contains, so a hand edit shows up in the plan.",
				Computed: true,
			},
			"directories": schema.MapAttribute{
				MarkdownDescription: "Each managed directory's absolute path mapped to its type, mode and `owner:group` as in `ls -l` (for example `drwxr-xr-x neo4j:neo4j`). " +
					"After a refresh it holds what the host really has (`missing` for an absent directory), so drift shows up in the plan as an update that repairs it.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

func (r *sslPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *sslPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Only the two attributes it checks, straight from the config (see modelAttr).
	var home, conf types.String
	obj, diags := rawObject(req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(readModelAttrs(ctx, obj, []modelAttr{{"neo4j_home", types.StringType, &home}, {"config_file", types.StringType, &conf}})...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTargetFields(types.StringNull(), home, conf, path.Empty(), &resp.Diagnostics)
}

// ModifyPlan resolves the policy for the target's Neo4j version while planning, so the plan shows
// every default, the settings and the exact lines; and it checks the host, so a refusal happens
// before anything is written.
func (r *sslPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	// The models are read straight from the request's values and only the attributes whose value
	// changes are written back, so a plan that changes nothing writes nothing (see modelAttr).
	cfg, diags := policyModelFrom(ctx, req.Config.Raw, req.Config.GetAttribute)
	resp.Diagnostics.Append(diags...)
	planned, diags := policyModelFrom(ctx, req.Plan.Raw, req.Plan.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !policyConfigKnown(cfg) {
		return
	}
	t, diags := r.data.resolveTarget(ctx, cfg.Neo4jHome, cfg.ConfigFile, cfg.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := policyInputFrom(ctx, cfg)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	pol, problems := neo4j.ResolvePolicy(t.Version, t.Neo4jHome, in)
	appendFieldErrors(&resp.Diagnostics, problems)
	if pol == nil {
		return
	}
	plan := planned
	resp.Diagnostics.Append(setPlannedPolicy(ctx, &plan, pol, t)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var state *sslPolicyResourceModel
	if !req.State.Raw.IsNull() {
		s, diags := policyModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		state = &s
		// A policy that moves (another directory, config file or host) is a new policy.
		if len(settingsOf(plan.Settings).ChangedKeys(settingsOf(state.Settings), neo4j.PolicyMoveKeys, true)) > 0 {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("settings"))
		}
	}
	resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.Plan, planned.attrs(), plan.attrs())...)

	// Check the host only when something will be written.
	if state != nil && state.Rendered.Equal(plan.Rendered) && state.Directories.Equal(plan.Directories) &&
		state.Owner.Equal(plan.Owner) && state.Group.Equal(plan.Group) {
		return
	}
	resp.Diagnostics.Append(r.preflight(ctx, t, pol, plan, state == nil)...)
	if !resp.Diagnostics.HasError() {
		priv, diags := getPrivate(ctx, req.Private)
		resp.Diagnostics.Append(diags...)
		resp.Diagnostics.Append(checkTakeover(ctx, t, pol, plan, priv)...)
	}
}

func (r *sslPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan sslPolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	t, pol, diags := r.resolvePlanned(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.preflight(ctx, t, pol, plan, true)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkTakeover(ctx, t, pol, plan, policyPrivate{})...)
	if resp.Diagnostics.HasError() {
		return
	}
	priv, diags := r.apply(ctx, t, pol, plan, policyPrivate{}, true)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setPrivate(ctx, resp.Private, priv)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *sslPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// As in ModifyPlan, a refresh that finds the host as the state says writes nothing.
	was, diags := policyModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	state := was
	priv, diags := getPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)

	imported := priv.Imported
	if imported {
		resp.Diagnostics.Append(r.fillImported(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		priv.Imported = false
		// An import adopts the directories it finds: destroy restores them as they are now.
		priv.Adopted = recordAdopted(ctx, r.data, state, priv.Adopted)
		resp.Diagnostics.Append(setPrivate(ctx, resp.Private, priv)...)
	}

	settings := settingsOf(state.Settings)
	t, diags := r.data.targetOf(ctx, settings, state.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The directories and the managed block are read at the same time: over SSH the lstats of the
	// directories go out while neo4j.conf is read, instead of before it.
	var (
		dirs             types.Map
		rendered         string
		dirDiags, rDiags diag.Diagnostics
		readingDirs      = make(chan struct{})
	)
	go func() {
		defer close(readingDirs)
		dirs, dirDiags = readDirectories(ctx, t.Host, settings.Directories(), state.Owner.ValueString(), state.Group.ValueString())
	}()
	rendered, rDiags = r.readRendered(ctx, t, settings.Name)
	<-readingDirs
	resp.Diagnostics.Append(dirDiags...)
	resp.Diagnostics.Append(rDiags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Directories = dirs
	state.Rendered = types.StringValue(rendered)
	if state.AdoptExisting.IsNull() {
		// Imported, or written by a release without the attribute.
		state.AdoptExisting = types.BoolValue(false)
	}
	if imported {
		// The import filled in the whole model, its ssh block included.
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.State, was.attrs(), state.attrs())...)
}

func (r *sslPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan sslPolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	priv, diags := getPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	t, pol, diags := r.resolvePlanned(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.preflight(ctx, t, pol, plan, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkTakeover(ctx, t, pol, plan, priv)...)
	if resp.Diagnostics.HasError() {
		return
	}
	priv, diags = r.apply(ctx, t, pol, plan, priv, false)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setPrivate(ctx, resp.Private, priv)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *sslPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state sslPolicyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	priv, diags := getPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	settings := settingsOf(state.Settings)
	t, diags := r.data.targetOf(ctx, settings, state.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := settings.Name

	// The block first: a conf that names directories which are gone would stop Neo4j, the reverse not.
	err := r.data.editConf(ctx, t, lockHolder("destroying dbtls_ssl_policy "+name), func(c *neo4j.Conf) ([]byte, error) {
		if err := c.CheckRemove(neo4j.PolicyBlockID(name)); err != nil {
			return nil, err
		}
		return c.RemoveBlock(neo4j.PolicyBlockID(name)), nil
	})
	if d, ok := continuationDiagFor(t, path.Root("name"), err, "destroy"); ok {
		resp.Diagnostics.Append(d)
		return
	}
	switch {
	case errors.Is(err, deploy.ErrConfMissing):
		tflog.Debug(ctx, "config file missing at destroy; no block to remove", map[string]any{"config_file": t.ConfigFile})
	case err != nil:
		resp.Diagnostics.Append(diagCannotRemoveThePolicySLinesFromNeo4jConf.plain(hostErrDetail(t, err)))
		return
	}
	resp.Diagnostics.Append(removeDirectories(ctx, t, settings.Directories(), priv.Created)...)
	resp.Diagnostics.Append(restoreAdopted(ctx, t.Host, priv.Adopted)...)
}

// ImportState accepts "<name>" or "<name>,<base_directory>"; the rest is read from the host (on 3.5,
// from the policy's managed block) or takes the version's defaults.
func (r *sslPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if strings.HasPrefix(id, "ssh://") {
		// ssh://[user@]host[:port]/<name>[,<base_directory>]: the policy lives on that host, reached
		// with the provider's ssh credentials.
		rest := strings.TrimPrefix(id, "ssh://")
		hostPart, after, ok := strings.Cut(rest, "/")
		m, err := importSSHTarget(hostPart)
		if !ok || err != nil {
			resp.Diagnostics.Append(diagInvalidImportID.plain(fmt.Sprintf("An import ID naming a host is \"ssh://[user@]host[:port]/<name>[,<base_directory>]\", such as \"ssh://deploy@graph-1.internal:22/client_policy\", but it is %q.", req.ID)))
			return
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("ssh"), m)...)
		id = after
	}
	name, base, _ := strings.Cut(id, ",")
	if err := neo4j.ValidatePolicyName(name); err != nil {
		resp.Diagnostics.Append(diagInvalidImportID.plain(fmt.Sprintf("The import ID is \"<name>\" or \"<name>,<base_directory>\" (for example \"client_policy\"), but %s.", err)))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	if base != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("base_directory"), base)...)
	}
	resp.Diagnostics.Append(setPrivate(ctx, resp.Private, policyPrivate{Imported: true})...)
}

// resolvePlanned re-resolves the policy from a planned model (whose values are already resolved).
func (r *sslPolicyResource) resolvePlanned(ctx context.Context, plan sslPolicyResourceModel) (*target, *neo4j.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.data == nil {
		diags.Append(diagProviderNotConfigured.plain("The dbtls provider was not configured before this resource was applied. This is a bug in the provider or Terraform."))
		return nil, nil, diags
	}
	t, d := r.data.resolveTarget(ctx, plan.Neo4jHome, plan.ConfigFile, plan.SSH)
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, diags
	}
	in, d := policyInputFrom(ctx, plan)
	diags.Append(d...)
	if !neo4j.SuffixAllowKeyGeneration.Exists(t.Version) {
		in.AllowKeyGeneration = nil
	}
	pol, problems := neo4j.ResolvePolicy(t.Version, t.Neo4jHome, in)
	if pol == nil {
		appendFieldErrors(&diags, problems)
	}
	return t, pol, diags
}
