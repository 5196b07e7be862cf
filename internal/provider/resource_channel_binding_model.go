package provider

import (
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
