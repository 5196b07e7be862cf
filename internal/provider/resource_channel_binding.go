package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

var (
	_ resource.Resource                   = (*channelBindingResource)(nil)
	_ resource.ResourceWithConfigure      = (*channelBindingResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*channelBindingResource)(nil)
	_ resource.ResourceWithImportState    = (*channelBindingResource)(nil)
	_ resource.ResourceWithValidateConfig = (*channelBindingResource)(nil)
)

// OnConflict values: what a binding does with a foreign neo4j.conf line that sets one of its keys.
var onConflictValues = []string{"error", "comment_out"}

// NewChannelBindingResource is the constructor the provider registers.
func NewChannelBindingResource() resource.Resource { return &channelBindingResource{} }

type channelBindingResource struct {
	data *providerData
}

func (r *channelBindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_channel_binding"
}

func (r *channelBindingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"ssh": sshResourceBlock("Overrides the provider's `ssh` block for this resource, as on `dbtls_ssl_policy`: the host given here (or the provider's) is where this resource writes, and the policy's `settings` must name the same host. A policy on another host than the provider's is accepted only when this block names it (for example `ssh { host = each.value.host }`), so a settings map alone never moves a write. A `private_key` given here is stored in the state (marked sensitive); prefer the provider's `ssh` block for credentials.")},
		MarkdownDescription: "Applies a `dbtls_ssl_policy` to one channel (Bolt, HTTPS, intra-cluster, backup, or fabric on 4.x) by writing a managed block " +
			"into the policy's `neo4j.conf`, with the keys of the Neo4j version the policy was resolved for: on 3.5 `bolt.ssl_policy=<name>` and friends; " +
			"on 4.x and 5.x every suffix of the policy under `dbms.ssl.policy.<channel>.` with `enabled=true`, where a suffix the policy leaves unset gets Neo4j's own default for that version and scope " +
			"(for example `client_auth` `OPTIONAL` on bolt and https, `REQUIRE` on cluster and backup). A Bolt binding also sets the connector's " +
			"TLS level, an HTTPS binding enables the HTTPS connector. One binding per channel per file. Edits of one file are serialised through a lock on the host, " +
			"so any number of bindings and policies (and provider processes) can write into the same `neo4j.conf` at once.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The channel.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"channel": schema.StringAttribute{
				MarkdownDescription: "The channel: " + backtickList(neo4j.Channels) + " (`fabric` on Neo4j 4.x only). Changing it replaces the binding.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.OneOf(neo4j.Channels...)},
			},
			"policy": schema.MapAttribute{
				MarkdownDescription: "The `settings` of the `dbtls_ssl_policy` to apply. The binding writes into that policy's `config_file`, on its target, for its Neo4j version.",
				ElementType:         types.StringType,
				Required:            true,
			},
			"tls_level": schema.StringAttribute{
				MarkdownDescription: "Bolt only: the connector's TLS level, " + backtickList(neo4j.TLSLevels) + " (`dbms.connector.bolt.tls_level` on 3.5 and 4.x, " +
					"`server.bolt.tls_level` on 5.x). Default `" + neo4j.DefaultTLSLevel + "`: a binding exists to make Bolt use TLS, so it is stricter than Neo4j's own default (`OPTIONAL` on 3.5, `DISABLED` later). " +
					"Neo4j 3.5 compares the value case-sensitively; the provider accepts only the upper-case names.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.OneOf(neo4j.TLSLevels...)},
			},
			"http_connector": schema.StringAttribute{
				MarkdownDescription: "HTTPS only: what to do with the plaintext HTTP connector that HTTPS replaces. `disabled` writes `dbms.connector.http.enabled=false` " +
					"(3.5 and 4.x) or `server.http.enabled=false` (5.x and later); `loopback` writes the HTTP connector's listen address as `127.0.0.1:7474` " +
					"(`dbms.connector.http.listen_address` or `server.http.listen_address`), so only local clients reach it. Unset: the HTTP connector is left as it is " +
					"(Neo4j enables it by default, which `dbtls_neo4j_audit` reports as `HTTP_OFF_LOOPBACK` on a host listening on the network).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(neo4j.HTTPConnectorModes...)},
			},
			"on_conflict": schema.StringAttribute{
				MarkdownDescription: "What to do when a key this binding writes is already set on a line outside the managed blocks: `error` (the default; the plan fails naming the line) " +
					"or `comment_out` (the line is commented out with a marker naming this binding, and restored on destroy). A key set in another managed block is always an error.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.OneOf(onConflictValues...)},
			},
			"config_file": schema.StringAttribute{
				MarkdownDescription: "The `neo4j.conf` the binding writes into: " + consumerConfigFileDescription("binding"),
				Optional:            true, Computed: true,
			},
			"neo4j_home": consumerHomeAttribute("binding"),
			"rendered": schema.StringAttribute{
				MarkdownDescription: "The exact lines of the binding's managed block, one per line. Known at plan time; after a refresh it holds what the file really has, so a hand edit shows up as an update.",
				Computed:            true,
			},
			"commented_out": schema.ListAttribute{
				MarkdownDescription: "The foreign lines this binding has commented out (with `on_conflict = \"comment_out\"`), as they were; destroy restores them.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (r *channelBindingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *channelBindingResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
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

func (r *channelBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	// The models are read straight from the request's values and only the attributes whose value
	// changes are written back, so a plan that changes nothing writes nothing (see modelAttr).
	planned, diags := bindingModelFrom(ctx, req.Plan.Raw, req.Plan.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan := planned
	if plan.OnConflict.IsNull() || plan.OnConflict.IsUnknown() {
		plan.OnConflict = types.StringValue("error")
	}
	if plan.Policy.IsUnknown() || plan.Channel.IsUnknown() || !mapKnown(plan.Policy) {
		resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.Plan, planned.attrs(), plan.attrs())...)
		return
	}
	cfg, diags := bindingModelFrom(ctx, req.Config.Raw, req.Config.GetAttribute)
	resp.Diagnostics.Append(diags...)
	b, t, diags := r.resolve(ctx, plan.Policy, plan.Channel.ValueString(), optString(cfg.TLSLevel), optString(cfg.HTTPConn), bindingOwnTarget(cfg))
	resp.Diagnostics.Append(diags...)
	if b == nil {
		return
	}
	setPlannedBinding(&plan, b, t)
	// The certificate on the host is read now, while the config file is checked, and judged below.
	eku := startChannelEKUCheck(ctx, t, r.data.certs, b.Channel, b.Policy.PublicCertificatePath)

	var state *channelBindingResourceModel
	if !req.State.Raw.IsNull() {
		s, diags := bindingModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
		resp.Diagnostics.Append(diags...)
		state = &s
		if !state.ConfigFile.IsNull() && !state.ConfigFile.Equal(plan.ConfigFile) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("config_file"))
		}
	}

	// Check the file while planning: conflicts are a plan-time error, and the lines to comment out are
	// known before apply.
	conf, _, err := r.data.confs.Load(ctx, t.Host, t.ConfigFile)
	switch {
	case errors.Is(err, deploy.ErrConfMissing):
		resp.Diagnostics.Append(diagConfigFileNotFound.attr(path.Root("policy"), missingConfigDetail(t)))
		return
	case err != nil:
		resp.Diagnostics.Append(diagCannotReadConfigFile.attr(path.Root("policy"), hostErrDetail(t, err)))
		return
	}
	resp.Diagnostics.Append(plainLinesDiags(b.Lines())...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The edit apply will make, on the file as it is now: conflicts, lines to comment out, and lines
	// that a trailing backslash would join to the block are all known before anything is written.
	_, commented, diags, err := bindingEdit(conf, t, b, plan.OnConflict.ValueString(), state == nil || !state.ConfigFile.Equal(plan.ConfigFile))
	resp.Diagnostics.Append(diags...)
	if d, ok := continuationDiag(t, path.Root("policy"), err); ok {
		resp.Diagnostics.Append(d)
	} else if err != nil {
		resp.Diagnostics.Append(diagCannotWriteNeo4jConf.attr(path.Root("policy"), hostErrDetail(t, err)))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(confProblemWarnings(conf, t)...)
	resp.Diagnostics.Append(foreignPolicyWarnings(conf, t, b)...)
	resp.Diagnostics.Append(eku()...)
	if resp.Diagnostics.HasError() {
		return
	}
	var d diag.Diagnostics
	plan.CommentedOut, d = types.ListValueFrom(ctx, types.StringType, commented)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.Plan, planned.attrs(), plan.attrs())...)
}

func (r *channelBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Plan, req.Config, &resp.State, &resp.Diagnostics, true)
}

func (r *channelBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Plan, req.Config, &resp.State, &resp.Diagnostics, false)
}

// write applies a planned binding: under the file's lock it re-reads neo4j.conf, checks conflicts
// again, comments out foreign lines when asked to, and sets the block.
func (r *channelBindingResource) write(ctx context.Context, planIn tfsdkGetter, cfgIn tfsdkGetter, state tfsdkSetter, diags *diag.Diagnostics, creating bool) {
	var plan, cfg channelBindingResourceModel
	diags.Append(planIn.Get(ctx, &plan)...)
	diags.Append(cfgIn.Get(ctx, &cfg)...)
	if diags.HasError() {
		return
	}
	b, t, d := r.resolve(ctx, plan.Policy, plan.Channel.ValueString(), optString(cfg.TLSLevel), optString(cfg.HTTPConn), bindingOwnTarget(cfg))
	diags.Append(d...)
	if b == nil {
		return
	}
	if d := plainLinesDiags(b.Lines()); d.HasError() {
		diags.Append(d...)
		return
	}
	var commented []string
	refused, err := r.data.editConfChecked(ctx, t, lockHolder("applying dbtls_channel_binding "+b.Channel), func(c *neo4j.Conf) ([]byte, diag.Diagnostics, error) {
		out, cl, d, err := bindingEdit(c, t, b, plan.OnConflict.ValueString(), creating)
		if d.HasError() {
			return nil, d, nil
		}
		commented = cl
		return out, nil, err
	})
	switch {
	case refused.HasError():
		diags.Append(refused...)
		return
	case err == nil:
	case errors.Is(err, deploy.ErrConfMissing):
		diags.Append(diagConfigFileNotFound.attr(path.Root("policy"), missingConfigDetail(t)))
		return
	default:
		if d, ok := continuationDiag(t, path.Root("policy"), err); ok {
			diags.Append(d)
			return
		}
		diags.Append(diagCannotWriteNeo4jConf.plain(hostErrDetail(t, err)))
		return
	}
	setPlannedBinding(&plan, b, t)
	var ld diag.Diagnostics
	plan.CommentedOut, ld = types.ListValueFrom(ctx, types.StringType, commented)
	diags.Append(ld...)
	diags.Append(state.Set(ctx, &plan)...)
}

func (r *channelBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// As in ModifyPlan, a refresh that finds the file as the state says writes nothing.
	was, diags := bindingModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	state := was
	t, diags := r.stateTarget(ctx, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	channel := state.Channel.ValueString()
	id := neo4j.BindingBlockID(channel)
	conf, _, err := r.data.confs.Load(ctx, t.Host, t.ConfigFile)
	var lines, commented []string
	switch {
	case errors.Is(err, deploy.ErrConfMissing):
	case err != nil:
		resp.Diagnostics.Append(diagCannotReadNeo4jConf.plain(hostErrDetail(t, err)))
		return
	default:
		for _, b := range conf.Block(id) {
			lines = append(lines, b.Lines...)
		}
		for _, c := range conf.Commented(id) {
			commented = append(commented, c.Original)
		}
	}
	state.Rendered = types.StringValue(joinLines(lines))
	state.CommentedOut, diags = types.ListValueFrom(ctx, types.StringType, commented)
	resp.Diagnostics.Append(diags...)
	if state.OnConflict.IsNull() {
		state.OnConflict = types.StringValue("error")
	}
	if state.HTTPConn.IsNull() && channel == "https" {
		// After an import, take the HTTP connector line from the block.
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			switch {
			case strings.HasSuffix(k, "http.enabled") && v == "false":
				state.HTTPConn = types.StringValue("disabled")
			case strings.HasSuffix(k, "http.listen_address"):
				state.HTTPConn = types.StringValue("loopback")
			}
		}
	}
	if state.TLSLevel.IsNull() && channel == "bolt" {
		// After an import, take the level from the block.
		for _, l := range lines {
			if k, v, ok := strings.Cut(l, "="); ok && strings.HasSuffix(k, "bolt.tls_level") {
				state.TLSLevel = types.StringValue(v)
			}
		}
	}
	resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.State, was.attrs(), state.attrs())...)
}

func (r *channelBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state channelBindingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	t, diags := r.stateTarget(ctx, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := neo4j.BindingBlockID(state.Channel.ValueString())
	err := r.data.editConf(ctx, t, lockHolder("destroying dbtls_channel_binding "+state.Channel.ValueString()), func(c *neo4j.Conf) ([]byte, error) {
		if err := c.CheckRemove(id); err != nil {
			return nil, err
		}
		c, err := c.Reparse(c.RemoveBlock(id))
		if err != nil {
			return nil, err
		}
		return c.RestoreCommented(id), nil
	})
	if d, ok := continuationDiagFor(t, path.Root("channel"), err, "destroy"); ok {
		resp.Diagnostics.Append(d)
		return
	}
	if err != nil && !errors.Is(err, deploy.ErrConfMissing) {
		resp.Diagnostics.Append(diagCannotRemoveTheBindingFromNeo4jConf.plain(hostErrDetail(t, err)))
	}
}

// ImportState accepts "<channel>" (the provider's config_file) or "<channel>,<config_file>". The
// policy is not recorded in the file on every version, so the next plan sets it from the
// configuration (an in-place update that rewrites the same block).
func (r *channelBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	channel, file, _ := strings.Cut(req.ID, ",")
	if !containsString(neo4j.Channels, channel) {
		resp.Diagnostics.Append(diagInvalidImportID.plain(fmt.Sprintf("The import ID is \"<channel>\" or \"<channel>,<config_file>\" with channel one of %s, but it is %q.", strings.Join(neo4j.Channels, ", "), req.ID)))
		return
	}
	if file == "" && r.data != nil {
		t, diags := r.data.resolveTarget(ctx, types.StringNull(), types.StringNull(), nil)
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		file = t.ConfigFile
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), channel)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("channel"), channel)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("config_file"), file)...)
}

// resolve turns a policy's settings and a channel into a binding and its target, after checking the
// settings as every consumer does (checkConsumedPolicy).
func (r *channelBindingResource) resolve(ctx context.Context, policy types.Map, channel string, tlsLevel, httpConnector *string, own consumerTarget) (*neo4j.Binding, *target, diag.Diagnostics) {
	settings := stringMap(policy)
	p, diags := r.data.checkConsumedPolicy(settings, own)
	if p == nil {
		return nil, nil, diags
	}
	t, d := r.data.targetOf(ctx, decodeSettings(settings), own.SSH)
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, diags
	}
	b, problems := neo4j.ResolveBinding(p, channel, tlsLevel)
	if b != nil && httpConnector != nil {
		if e := b.SetHTTPConnector(*httpConnector); e != nil {
			problems = append(problems, e)
			b = nil
		}
	}
	appendFieldErrors(&diags, problems)
	return b, t, diags
}

// stateTarget finds the file a binding in state wrote to.
func (r *channelBindingResource) stateTarget(ctx context.Context, state channelBindingResourceModel) (*target, diag.Diagnostics) {
	if state.Policy.IsNull() {
		t, diags := r.data.resolveTarget(ctx, types.StringNull(), types.StringNull(), state.SSH)
		if t != nil && !state.ConfigFile.IsNull() {
			t.ConfigFile = state.ConfigFile.ValueString()
		}
		return t, diags
	}
	return r.data.targetOf(ctx, settingsOf(state.Policy), state.SSH)
}
