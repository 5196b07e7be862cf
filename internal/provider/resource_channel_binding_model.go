package provider

import (
	"context"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type channelBindingResourceModel struct {
	ID           types.String `tfsdk:"id"`
	Channel      types.String `tfsdk:"channel"`
	Policy       types.Map    `tfsdk:"policy"`
	TLSLevel     types.String `tfsdk:"tls_level"`
	HTTPConn     types.String `tfsdk:"http_connector"`
	OnConflict   types.String `tfsdk:"on_conflict"`
	ConfigFile   types.String `tfsdk:"config_file"`
	Neo4jHome    types.String `tfsdk:"neo4j_home"`
	Rendered     types.String `tfsdk:"rendered"`
	CommentedOut types.List   `tfsdk:"commented_out"`
	SSH          *sshModel    `tfsdk:"ssh"`
}

// attrs lists the model's attributes (every field but the ssh block) for readModel and
// setChangedAttrs; TestModelAttrs checks it against the schema.
func (m *channelBindingResourceModel) attrs() []modelAttr {
	str := types.StringType
	return []modelAttr{
		{"id", str, &m.ID},
		{"channel", str, &m.Channel},
		{"policy", types.MapType{ElemType: types.StringType}, &m.Policy},
		{"tls_level", str, &m.TLSLevel},
		{"http_connector", str, &m.HTTPConn},
		{"on_conflict", str, &m.OnConflict},
		{"config_file", str, &m.ConfigFile},
		{"neo4j_home", str, &m.Neo4jHome},
		{"rendered", str, &m.Rendered},
		{"commented_out", types.ListType{ElemType: types.StringType}, &m.CommentedOut},
	}
}

// bindingModelFrom reads a whole model from a config, plan or state, as its Get would (see modelAttr).
func bindingModelFrom(ctx context.Context, raw tftypes.Value, get func(context.Context, path.Path, any) diag.Diagnostics) (channelBindingResourceModel, diag.Diagnostics) {
	var m channelBindingResourceModel
	diags := readModel(ctx, raw, get, m.attrs(), &m.SSH)
	return m, diags
}

// bindingOwnTarget is what a binding's configuration says about its target.
func bindingOwnTarget(cfg channelBindingResourceModel) consumerTarget {
	return consumerTarget{SSH: cfg.SSH, Neo4jHome: cfg.Neo4jHome, ConfigFile: cfg.ConfigFile}
}

func setPlannedBinding(m *channelBindingResourceModel, b *neo4j.Binding, t *target) {
	m.ID = types.StringValue(b.Channel)
	m.ConfigFile = types.StringValue(t.ConfigFile)
	m.Rendered = types.StringValue(joinLines(b.Lines()))
	if b.Channel == "bolt" {
		m.TLSLevel = types.StringValue(b.TLSLevel)
	} else {
		m.TLSLevel = types.StringNull()
	}
	if m.OnConflict.IsNull() || m.OnConflict.IsUnknown() {
		m.OnConflict = types.StringValue("error")
	}
}
