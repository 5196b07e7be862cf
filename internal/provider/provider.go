// Package provider is the Terraform surface of dbtls: it maps configuration to the domain packages
// (neo4j, pki, host, probe) and their errors to diagnostics, and nothing more.
package provider

import (
	"context"
	"fmt"
	posix "path"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

var (
	_ provider.Provider                   = (*dbtlsProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*dbtlsProvider)(nil)
	_ provider.ProviderWithFunctions      = (*dbtlsProvider)(nil)
)

// DefaultNeo4jHome is the provider's neo4j_home when none is configured (Debian/RPM packages).
const DefaultNeo4jHome = "/var/lib/neo4j"

// New returns a constructor for the provider, as providerserver.Serve and the tests want it.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &dbtlsProvider{version: version}
	}
}

type dbtlsProvider struct {
	version string
}

type dbtlsProviderModel struct {
	Neo4jVersion types.String `tfsdk:"neo4j_version"`
	Neo4jHome    types.String `tfsdk:"neo4j_home"`
	ConfigFile   types.String `tfsdk:"config_file"`
	SSH          *sshModel    `tfsdk:"ssh"`
}

func (p *dbtlsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "dbtls"
	resp.Version = p.version
}

func (p *dbtlsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The dbtls provider renders Neo4j's SSL framework onto hosts (the policy directory tree, " +
			"keys and certificates, and the `neo4j.conf` lines) and checks that live database endpoints enforce " +
			"the TLS they were declared with. Without an `ssh` block the target is the machine that runs Terraform.",
		Attributes: map[string]schema.Attribute{
			"neo4j_version": schema.StringAttribute{
				MarkdownDescription: "The Neo4j version the target runs, as major.minor: " + neo4j.SupportedVersionsText +
					". It decides which settings exist, their names and their defaults. Default `" + neo4j.DefaultVersion + "`.",
				Optional: true,
			},
			"neo4j_home": schema.StringAttribute{
				MarkdownDescription: "Absolute path of NEO4J_HOME on the target. Relative policy paths resolve against it, " +
					"and every directory the provider manages must lie inside it. Default `" + DefaultNeo4jHome + "`. " +
					"Not `/` or a system directory such as `/etc`, `/usr` or `/var/lib` (the list is in the Diagnostics guide, `neo4j_home Is A System Directory`).",
				Optional: true,
			},
			"config_file": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the `neo4j.conf` the provider edits. It must exist: the provider " +
					"never creates it. Default `<neo4j_home>/conf/neo4j.conf`.",
				Optional: true,
			},
		},
		Blocks: map[string]schema.Block{"ssh": sshProviderBlock()},
	}
}

func (p *dbtlsProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg dbtlsProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTargetFields(cfg.Neo4jVersion, cfg.Neo4jHome, cfg.ConfigFile, path.Empty(), &resp.Diagnostics)
	// Said once, while validating (plan and apply), not again in Configure.
	newerVersionWarning(cfg.Neo4jVersion, &resp.Diagnostics)
}

func (p *dbtlsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg dbtlsProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTargetFields(cfg.Neo4jVersion, cfg.Neo4jHome, cfg.ConfigFile, path.Empty(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sshCfg, diags := sshConfigFrom(cfg.SSH, nil, path.Root("ssh"))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{
		defaults: targetSpec{
			Version:    stringOr(cfg.Neo4jVersion, neo4j.DefaultVersion),
			Neo4jHome:  stringOr(cfg.Neo4jHome, DefaultNeo4jHome),
			ConfigFile: cfg.ConfigFile.ValueString(),
			SSH:        sshCfg,
		},
		hosts: newHostPool(),
		confs: newConfCache(),
		certs: &certCache{},
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *dbtlsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewSSLPolicyResource,
		NewChannelBindingResource,
		NewPolicyCertificateResource,
	}
}

func (p *dbtlsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewEndpointDataSource,
		NewNeo4jAuditDataSource,
	}
}

func (p *dbtlsProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewWithSSLModeFunction,
	}
}

func stringOr(v types.String, def string) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return def
	}
	return v.ValueString()
}

// defaultConfigFile is the config_file used when none is given: <neo4j_home>/conf/neo4j.conf.
func defaultConfigFile(home string) string { return posix.Join(home, "conf", "neo4j.conf") }

// configuredData is what every resource and data source does in Configure: take the provider's data
// (nil before the provider is configured, e.g. while validating).
func configuredData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.Append(diagUnexpectedProviderData.plain(fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", v)))
		return nil
	}
	return data
}
