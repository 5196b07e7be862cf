package provider

import (
	"context"
	"encoding/json"
	"io/fs"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type sslPolicyResourceModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	BaseDirectory      types.String `tfsdk:"base_directory"`
	PrivateKey         types.String `tfsdk:"private_key"`
	PublicCertificate  types.String `tfsdk:"public_certificate"`
	TrustedDir         types.String `tfsdk:"trusted_dir"`
	RevokedDir         types.String `tfsdk:"revoked_dir"`
	ClientAuth         types.String `tfsdk:"client_auth"`
	TLSVersions        types.List   `tfsdk:"tls_versions"`
	Ciphers            types.List   `tfsdk:"ciphers"`
	TrustAll           types.Bool   `tfsdk:"trust_all"`
	VerifyHostname     types.Bool   `tfsdk:"verify_hostname"`
	TrustExpired       types.Bool   `tfsdk:"trust_expired"`
	AllowKeyGeneration types.Bool   `tfsdk:"allow_key_generation"`
	Owner              types.String `tfsdk:"owner"`
	Group              types.String `tfsdk:"group"`
	Neo4jHome          types.String `tfsdk:"neo4j_home"`
	ConfigFile         types.String `tfsdk:"config_file"`
	SSH                *sshModel    `tfsdk:"ssh"`
	Settings           types.Map    `tfsdk:"settings"`
	Rendered           types.String `tfsdk:"rendered"`
	Directories        types.Map    `tfsdk:"directories"`
	AdoptExisting      types.Bool   `tfsdk:"adopt_existing"`
}

// attrs lists the model's attributes (every field but the ssh block) for readModelAttrs and
// setChangedAttrs; TestModelAttrs checks it against the schema.
func (m *sslPolicyResourceModel) attrs() []modelAttr {
	str, boolean := types.StringType, types.BoolType
	strList, strMap := types.ListType{ElemType: types.StringType}, types.MapType{ElemType: types.StringType}
	return []modelAttr{
		{"id", str, &m.ID},
		{"name", str, &m.Name},
		{"base_directory", str, &m.BaseDirectory},
		{"private_key", str, &m.PrivateKey},
		{"public_certificate", str, &m.PublicCertificate},
		{"trusted_dir", str, &m.TrustedDir},
		{"revoked_dir", str, &m.RevokedDir},
		{"client_auth", str, &m.ClientAuth},
		{"tls_versions", strList, &m.TLSVersions},
		{"ciphers", strList, &m.Ciphers},
		{"trust_all", boolean, &m.TrustAll},
		{"verify_hostname", boolean, &m.VerifyHostname},
		{"trust_expired", boolean, &m.TrustExpired},
		{"allow_key_generation", boolean, &m.AllowKeyGeneration},
		{"owner", str, &m.Owner},
		{"group", str, &m.Group},
		{"neo4j_home", str, &m.Neo4jHome},
		{"config_file", str, &m.ConfigFile},
		{"settings", strMap, &m.Settings},
		{"rendered", str, &m.Rendered},
		{"directories", strMap, &m.Directories},
		{"adopt_existing", boolean, &m.AdoptExisting},
	}
}

// policyModelFrom reads a whole model from a config, plan or state (the same as its Get, for a
// fraction of the cost; see modelAttr). A null value gives a model of nulls.
func policyModelFrom(ctx context.Context, raw tftypes.Value, get func(context.Context, path.Path, any) diag.Diagnostics) (sslPolicyResourceModel, diag.Diagnostics) {
	var m sslPolicyResourceModel
	diags := readModel(ctx, raw, get, m.attrs(), &m.SSH)
	return m, diags
}

// policyPrivate is kept in the resource's private state: which directories this resource created
// (destroy removes only those), which existed before it managed them and with what mode and owner
// (destroy restores those), and whether the state came from an import.
type policyPrivate struct {
	Created  []string              `json:"created,omitempty"`
	Adopted  map[string]adoptedDir `json:"adopted,omitempty"`
	Imported bool                  `json:"imported,omitempty"`
}

// adoptedDir is an existing directory's mode and owner before the policy first managed it.
type adoptedDir = deploy.AdoptedDir

const privateKey = "dbtls"

func policyConfigKnown(m sslPolicyResourceModel) bool {
	for _, v := range []attr.Value{m.Name, m.BaseDirectory, m.PrivateKey, m.PublicCertificate, m.TrustedDir, m.RevokedDir,
		m.ClientAuth, m.TLSVersions, m.Ciphers, m.TrustAll, m.VerifyHostname, m.TrustExpired, m.AllowKeyGeneration, m.Owner, m.Group,
		m.Neo4jHome, m.ConfigFile} {
		if v.IsUnknown() {
			return false
		}
	}
	if !m.SSH.known() {
		return false
	}
	for _, l := range []types.List{m.TLSVersions, m.Ciphers} {
		for _, e := range l.Elements() {
			if e.IsUnknown() {
				return false
			}
		}
	}
	return true
}

func policyInputFrom(ctx context.Context, m sslPolicyResourceModel) (neo4j.PolicyInput, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := neo4j.PolicyInput{
		Name:               m.Name.ValueString(),
		BaseDirectory:      optString(m.BaseDirectory),
		PrivateKey:         optString(m.PrivateKey),
		PublicCertificate:  optString(m.PublicCertificate),
		TrustedDir:         optString(m.TrustedDir),
		RevokedDir:         optString(m.RevokedDir),
		ClientAuth:         optString(m.ClientAuth),
		TrustAll:           optBool(m.TrustAll),
		VerifyHostname:     optBool(m.VerifyHostname),
		TrustExpired:       optBool(m.TrustExpired),
		AllowKeyGeneration: optBool(m.AllowKeyGeneration),
	}
	if !m.TLSVersions.IsNull() {
		in.TLSVersions = []string{}
		diags.Append(m.TLSVersions.ElementsAs(ctx, &in.TLSVersions, false)...)
	}
	if !m.Ciphers.IsNull() {
		in.Ciphers = []string{}
		diags.Append(m.Ciphers.ElementsAs(ctx, &in.Ciphers, false)...)
	}
	return in, diags
}

// setPlannedPolicy writes a resolved policy into the model: every default, settings, rendered lines
// and the directories as they must be.
func setPlannedPolicy(ctx context.Context, m *sslPolicyResourceModel, p *neo4j.Policy, t *target) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(p.Name)
	m.BaseDirectory = types.StringValue(p.BaseDirectory)
	m.PrivateKey = types.StringValue(p.PrivateKey)
	m.PublicCertificate = types.StringValue(p.PublicCertificate)
	m.TrustedDir = types.StringValue(p.TrustedDir)
	m.RevokedDir = types.StringValue(p.RevokedDir)
	// An unset client_auth on 4.x and later stays null: the scope it is bound to decides.
	m.ClientAuth = types.StringNull()
	if p.ClientAuth != "" {
		m.ClientAuth = types.StringValue(p.ClientAuth)
	}
	m.TrustAll = types.BoolValue(p.TrustAll)
	m.VerifyHostname = types.BoolValue(p.VerifyHostname)
	if neo4j.SuffixAllowKeyGeneration.Exists(p.Version) {
		m.AllowKeyGeneration = types.BoolValue(p.AllowKeyGeneration)
	} else {
		m.AllowKeyGeneration = types.BoolNull()
	}
	var d diag.Diagnostics
	m.TLSVersions, d = types.ListValueFrom(ctx, types.StringType, p.TLSVersions)
	diags.Append(d...)

	settings := neo4j.SettingsOf(p)
	settings.Location = &neo4j.PolicyLocation{ConfigFile: t.ConfigFile, Target: t.Host.ID(), SSH: publicOf(t.SSH),
		Owner: m.Owner.ValueString(), Group: m.Group.ValueString()}
	m.Settings, d = types.MapValueFrom(ctx, types.StringType, settings.Encode())
	diags.Append(d...)
	m.Rendered = types.StringValue(joinLines(p.Lines()))

	dirs := map[string]string{}
	want := dirEntry(fs.ModeDir|neo4j.DirMode, m.Owner.ValueString(), m.Group.ValueString())
	for _, dir := range p.Directories() {
		dirs[dir] = want
	}
	m.Directories, d = types.MapValueFrom(ctx, types.StringType, dirs)
	diags.Append(d...)
	return diags
}

func getPrivate(ctx context.Context, p interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) (policyPrivate, diag.Diagnostics) {
	var out policyPrivate
	raw, diags := p.GetKey(ctx, privateKey)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			diags.Append(diagUnreadablePrivateState.plain("The resource's private state could not be read; destroy will treat every directory as pre-existing: " + err.Error()))
		}
	}
	return out, diags
}

func setPrivate(ctx context.Context, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, v policyPrivate) diag.Diagnostics {
	raw, err := json.Marshal(v)
	if err != nil {
		var diags diag.Diagnostics
		diags.Append(diagCannotSavePrivateState.plain(err.Error()))
		return diags
	}
	return p.SetKey(ctx, privateKey, raw)
}
