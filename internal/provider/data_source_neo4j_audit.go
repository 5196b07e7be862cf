package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/audit"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

var (
	_ datasource.DataSource                   = (*neo4jAuditDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*neo4jAuditDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*neo4jAuditDataSource)(nil)
)

// NewNeo4jAuditDataSource is the constructor the provider registers.
func NewNeo4jAuditDataSource() datasource.DataSource { return &neo4jAuditDataSource{} }

// auditDefaultMinDays is min_days_remaining's default.
const auditDefaultMinDays = 30

type neo4jAuditDataSource struct {
	data *providerData
}

type neo4jAuditModel struct {
	Neo4jVersion     types.String `tfsdk:"neo4j_version"`
	Neo4jHome        types.String `tfsdk:"neo4j_home"`
	ConfigFile       types.String `tfsdk:"config_file"`
	Neo4jUser        types.String `tfsdk:"neo4j_user"`
	SSH              *sshModel    `tfsdk:"ssh"`
	Ignore           types.List   `tfsdk:"ignore"`
	MinDaysRemaining types.Int64  `tfsdk:"min_days_remaining"`
	FailOnFinding    types.Bool   `tfsdk:"fail_on_finding"`

	Findings          types.List   `tfsdk:"findings"`
	Passed            types.Bool   `tfsdk:"passed"`
	Summary           types.String `tfsdk:"summary"`
	EffectiveSettings types.Map    `tfsdk:"effective_settings"`
}

type auditFindingModel struct {
	Code          types.String `tfsdk:"code"`
	Severity      types.String `tfsdk:"severity"`
	ChecklistItem types.String `tfsdk:"checklist_item"`
	Setting       types.String `tfsdk:"setting"`
	Path          types.String `tfsdk:"path"`
	Line          types.Int64  `tfsdk:"line"`
	Message       types.String `tfsdk:"message"`
	Fix           types.String `tfsdk:"fix"`
}

var auditFindingType = map[string]attr.Type{
	"code": types.StringType, "severity": types.StringType, "checklist_item": types.StringType,
	"setting": types.StringType, "path": types.StringType, "line": types.Int64Type,
	"message": types.StringType, "fix": types.StringType,
}

func (d *neo4jAuditDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_neo4j_audit"
}

func (d *neo4jAuditDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// auditCodesMarkdown lists the finding codes for the schema documentation.
func auditCodesMarkdown() string {
	var b strings.Builder
	for _, c := range audit.Codes {
		item := c.ChecklistItem
		if item == "" {
			item = "none"
		}
		fmt.Fprintf(&b, "\n  - `%s` (%s, item %s): %s", c.Code, c.Severity, item, c.Meaning)
	}
	return b.String()
}

// sshDataSourceBlock is the ssh override block of a data source (the same fields as a resource's).
func sshDataSourceBlock(what string) schema.SingleNestedBlock {
	attrs := func(withSudo bool) map[string]schema.Attribute {
		return sshAttributes(
			func(doc string, sensitive, capped bool) schema.Attribute {
				return schema.StringAttribute{MarkdownDescription: doc, Optional: true, Sensitive: sensitive, Validators: sizeCap(capped)}
			},
			func(doc string) schema.Attribute {
				return schema.Int64Attribute{MarkdownDescription: doc, Optional: true}
			},
			func(doc string) schema.Attribute {
				return schema.BoolAttribute{MarkdownDescription: doc, Optional: true}
			},
			withSudo)
	}
	return schema.SingleNestedBlock{
		MarkdownDescription: what,
		Attributes:          attrs(true),
		Blocks: map[string]schema.Block{
			"bastion": schema.SingleNestedBlock{
				MarkdownDescription: "A jump host to reach the target through, with the same connection fields.",
				Attributes:          attrs(false),
			},
		},
	}
}

func (d *neo4jAuditDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Holds a Neo4j host to Neo4j's security checklist (Operations Manual, *Security checklist*) while " +
			"planning: it reads `neo4j.conf` once, as Neo4j reads it, gives every absent setting Neo4j's default for " +
			"`neo4j_version`, stats the keys and certificates of the bound SSL policies, `neo4j.conf`, and `bin`, `lib` " +
			"and `plugins` (each directory and up to 256 of its entries), and reports what the checklist would flag. " +
			"Nothing on the host is written or locked.\n\n" +
			"Findings are results, not errors: `passed` is `false` when one is an error. Only unreadable input " +
			"(a missing, binary or over 10 MiB `neo4j.conf`), an unknown code in `ignore`, or `fail_on_finding = true` " +
			"with an error finding makes the read fail. Use it from a `check` block for scheduled plans (see the guide " +
			"*Auditing a Neo4j host against the security checklist*).",
		Attributes: map[string]schema.Attribute{
			"neo4j_version": schema.StringAttribute{
				MarkdownDescription: "The Neo4j version the host runs, as for the provider: " + neo4j.SupportedVersionsText +
					". A patch level (`5.26.3`) is used by the `OUTDATED_PATCH` check. Default: the provider's.",
				Optional: true,
			},
			"neo4j_home": schema.StringAttribute{
				MarkdownDescription: "Overrides the provider's `neo4j_home`: relative paths in `neo4j.conf` resolve against it, and `bin` is looked for in it.",
				Optional:            true,
			},
			"config_file": schema.StringAttribute{
				MarkdownDescription: "Overrides the provider's `config_file`. Default `<neo4j_home>/conf/neo4j.conf`.",
				Optional:            true,
			},
			"neo4j_user": schema.StringAttribute{
				MarkdownDescription: "The operating system user Neo4j runs as, by name or numeric id: keys should belong to it, and only it and root may own or write `bin`, `lib` and `plugins`. Default `neo4j`.",
				Optional:            true,
			},
			"ignore": schema.ListAttribute{
				MarkdownDescription: "Finding codes to leave out of `findings` and `passed` (accepted risks). Each must be one of the codes listed under `findings`; an unknown code is an error while planning.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"min_days_remaining": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("A bound policy's certificate that expires within this many days is a `CERT_EXPIRING` warning. Default `%d`.", auditDefaultMinDays),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"fail_on_finding": schema.BoolAttribute{
				MarkdownDescription: "Make the read fail (an error, which stops a plan) when a finding of severity `error` remains after `ignore`, that is when `passed` is false. Default `false`: findings are reported for `check` blocks and conditions to act on.",
				Optional:            true,
			},

			"findings": schema.ListNestedAttribute{
				MarkdownDescription: "What the checklist flags, errors first. `code` is stable; `message` may change. The codes:" + auditCodesMarkdown(),
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"code":           schema.StringAttribute{MarkdownDescription: "The stable finding code.", Computed: true},
					"severity":       schema.StringAttribute{MarkdownDescription: "`error`, `warning` or `info`.", Computed: true},
					"checklist_item": schema.StringAttribute{MarkdownDescription: "The checklist item, numbered as the Operations Manual's security checklist (`1b`, `3a`); empty for a finding about the file itself (`DUPLICATE_KEY`, `CONF_UNLOADABLE`).", Computed: true},
					"setting":        schema.StringAttribute{MarkdownDescription: "The `neo4j.conf` key concerned, or empty.", Computed: true},
					"path":           schema.StringAttribute{MarkdownDescription: "The host path concerned, or empty.", Computed: true},
					"line":           schema.Int64Attribute{MarkdownDescription: "The `neo4j.conf` line it comes from; null when it comes from a default.", Computed: true},
					"message":        schema.StringAttribute{MarkdownDescription: "What is wrong and why it matters.", Computed: true},
					"fix":            schema.StringAttribute{MarkdownDescription: "The setting, command or dbtls resource that resolves it.", Computed: true},
				}},
			},
			"passed": schema.BoolAttribute{
				MarkdownDescription: "No finding of severity `error` (after `ignore`).",
				Computed:            true,
			},
			"summary": schema.StringAttribute{
				MarkdownDescription: "One readable paragraph: the target, the counts per severity, each finding's code and where it comes from, and the verdict.",
				Computed:            true,
			},
			"effective_settings": schema.MapAttribute{
				MarkdownDescription: "The resolved values of the settings the checks read, keyed by their name in this Neo4j version: the file's last line for a key, else Neo4j's default. A setting that is absent and has no default (such as the import directory) is left out. Holds no secrets.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"ssh": sshDataSourceBlock("Overrides the provider's `ssh` block for this audit: any field given here replaces the provider's, so `ssh { host = each.value }` audits each member of a cluster.")},
	}
}

func (d *neo4jAuditDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m neo4jAuditModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTargetFields(m.Neo4jVersion, m.Neo4jHome, m.ConfigFile, path.Empty(), &resp.Diagnostics)
	newerVersionWarning(m.Neo4jVersion, &resp.Diagnostics)
	m.ignoreCodes(&resp.Diagnostics)
}

// ignoreCodes returns the known ignore codes, reporting unknown ones against the attribute.
func (m *neo4jAuditModel) ignoreCodes(diags interface {
	Append(...diag.Diagnostic)
}) ([]string, bool) {
	if m.Ignore.IsUnknown() {
		return nil, false
	}
	var out []string
	complete := true
	for i, e := range m.Ignore.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			complete = false
			continue
		}
		if s.IsNull() {
			continue
		}
		if !audit.KnownCode(s.ValueString()) {
			diags.Append(diagUnknownFindingCode.attr(path.Root("ignore").AtListIndex(i),
				fmt.Sprintf("ignore lists %q, which is not a finding code of dbtls_neo4j_audit, so it would silently ignore nothing. Use one of: %s.",
					s.ValueString(), strings.Join(audit.CodeNames(), ", "))))
			continue
		}
		out = append(out, s.ValueString())
	}
	return out, complete
}

func (d *neo4jAuditDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m neo4jAuditModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.Append(diagProviderNotConfigured.plain("The dbtls provider was not configured before this data source was read. This is a bug in the provider or Terraform: report it."))
		return
	}
	ignore, _ := m.ignoreCodes(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	t, diags := d.data.resolveTarget(ctx, m.Neo4jHome, m.ConfigFile, m.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Neo4jVersion.IsNull() && m.Neo4jVersion.ValueString() != "" {
		v, err := neo4j.ParseVersion(m.Neo4jVersion.ValueString())
		if err != nil {
			resp.Diagnostics.Append(diagUnsupportedNeo4jVersion.attr(path.Root("neo4j_version"), err.Error()))
			return
		}
		t.Version = v
	}
	minDays := int64(auditDefaultMinDays)
	if !m.MinDaysRemaining.IsNull() {
		minDays = m.MinDaysRemaining.ValueInt64()
	}
	report, err := audit.Run(ctx, t.Host, audit.Options{
		Version: t.Version, Neo4jHome: t.Neo4jHome, ConfigFile: t.ConfigFile,
		Neo4jUser: m.Neo4jUser.ValueString(), MinDaysRemaining: int(minDays), Ignore: ignore,
	})
	if err != nil {
		var ce *audit.ConfError
		detail := fmt.Sprintf("The audit of %s on %s could not start: %s.", t.ConfigFile, t.Host.ID(), err)
		if errors.As(err, &ce) {
			switch ce.Kind {
			case "missing":
				detail += " A missing file usually means neo4j_home or config_file points at the wrong place; Debian and RPM packages use /etc/neo4j/neo4j.conf."
			case "too large", "binary":
				detail += " config_file must name Neo4j's neo4j.conf, a text file of a few dozen KiB."
			default:
				detail += " Give the user Terraform runs as (or the SSH user; sudo = true reads as root) read access, or point config_file at the file Neo4j reads (a symbolic link is not followed)."
			}
		}
		resp.Diagnostics.Append(diagCannotAuditConfigFile.attr(path.Root("config_file"), detail+" Nothing was changed on the host."))
		return
	}
	findings := make([]auditFindingModel, 0, len(report.Findings))
	for _, f := range report.Findings {
		line := types.Int64Null()
		if f.Line > 0 {
			line = types.Int64Value(int64(f.Line))
		}
		findings = append(findings, auditFindingModel{
			Code: types.StringValue(f.Code), Severity: types.StringValue(string(f.Severity)),
			ChecklistItem: types.StringValue(f.ChecklistItem), Setting: types.StringValue(f.Setting),
			Path: types.StringValue(f.Path), Line: line, Message: types.StringValue(f.Message), Fix: types.StringValue(f.Fix),
		})
	}
	list, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: auditFindingType}, findings)
	resp.Diagnostics.Append(diags...)
	eff, diags := types.MapValueFrom(ctx, types.StringType, report.Effective)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Findings, m.Passed, m.Summary, m.EffectiveSettings = list, types.BoolValue(report.Passed), types.StringValue(report.Summary), eff
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	if m.FailOnFinding.ValueBool() && !report.Passed {
		var lines []string
		for _, f := range report.Findings {
			if f.Severity == audit.Error {
				lines = append(lines, fmt.Sprintf("%s (item %s): %s Fix: %s", f.Code, f.ChecklistItem, f.Message, f.Fix))
			}
		}
		resp.Diagnostics.Append(diagNeo4jHostFailsTheSecurityChecklist.plain(
			fmt.Sprintf("The audit of %s on %s has error findings, and fail_on_finding is true. Fix them, list accepted codes in ignore, "+
				"or set fail_on_finding = false to report without failing.\n\n%s\n\n%s", t.ConfigFile, t.Host.ID(), strings.Join(lines, "\n"), report.Summary)))
	}
}
