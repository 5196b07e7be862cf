package provider

import (
	"fmt"
	posix "path"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// consumerTarget is what a resource that consumes a policy's settings says itself about where it
// writes: its own ssh block, neo4j_home and config_file (null when unset, then the provider's apply).
type consumerTarget struct {
	SSH        *sshModel
	Neo4jHome  types.String
	ConfigFile types.String
}

// known reports whether every part of the consumer's own target is known.
func (c consumerTarget) known() bool {
	return c.SSH.known() && !c.Neo4jHome.IsUnknown() && !c.ConfigFile.IsUnknown()
}

// consumerHomeAttribute is the neo4j_home attribute of a resource that consumes a policy's settings.
func consumerHomeAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "The `neo4j_home` this " + what + " expects its policy in. Unset: the provider's. The policy's `settings` must name the same " +
			"`neo4j_home`, host (see `ssh`) and `config_file`: a policy that lives elsewhere is refused unless this resource says so itself, " +
			"since a settings map can come from another configuration or be edited on the way. Not `/` or a system directory.",
		Optional: true,
	}
}

// consumerConfigFileDescription describes the config_file attribute of a consumer.
func consumerConfigFileDescription(what string) string {
	return "The `neo4j.conf` this " + what + " expects its policy to use. Unset: the provider's `config_file`, or `<neo4j_home>/conf/neo4j.conf` " +
		"when this resource sets `neo4j_home`. The policy's `settings` must name the same file."
}

// checkConsumedPolicy re-validates a policy's settings map as a consumer (dbtls_policy_certificate,
// dbtls_channel_binding) gets it, before the consumer writes anything: the map must be what a
// dbtls_ssl_policy produces (neo4j.CheckSettings: the same errors and warnings as the policy resource,
// and no edited derived path), and it must live where this resource itself points (own ssh,
// neo4j_home and config_file, else the provider's). The policy is nil when any problem is an error.
func (d *providerData) checkConsumedPolicy(s map[string]string, own consumerTarget) (*neo4j.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
	p, problems := neo4j.CheckSettings(s)
	appendPolicyMapProblems(&diags, problems)
	if p == nil {
		return nil, diags
	}
	diags.Append(d.checkPolicyLocation(decodeSettings(s), own)...)
	if diags.HasError() {
		return nil, diags
	}
	return p, diags
}

// appendPolicyMapProblems reports problems of a settings map at the map key they concern.
func appendPolicyMapProblems(diags *diag.Diagnostics, problems []*neo4j.FieldError) {
	for _, p := range problems {
		at := path.Root("policy")
		if p.Field != "" && p.Field != "policy" {
			at = at.AtMapKey(p.Field)
		}
		diags.Append(fieldError(at, p))
	}
}

// checkPolicyLocation refuses a policy map that lives on another host, in another neo4j_home or with
// another config file than this resource's own target. The resource's own ssh block, neo4j_home and
// config_file are how a configuration says explicitly that a policy lives elsewhere than the provider's
// defaults; a map alone never moves where a resource writes.
func (d *providerData) checkPolicyLocation(s neo4j.PolicySettings, own consumerTarget) diag.Diagnostics {
	var diags diag.Diagnostics
	if !own.known() {
		return diags
	}
	sshCfg, sd := sshConfigFrom(own.SSH, d.defaults.SSH, path.Root("ssh"))
	diags.Append(sd...)
	if diags.HasError() {
		return diags
	}
	wantTarget := neo4j.TargetLocal
	if sshCfg != nil {
		wantTarget = ""
		if sshCfg.Host != "" {
			wantTarget = sshCfg.ID()
		}
	}
	mapTarget := s.Target()
	if mapTarget == "" {
		mapTarget = neo4j.TargetLocal
	}
	if mapTarget != wantTarget {
		mine := "the provider's target"
		if own.SSH.isSet() {
			mine = "its own ssh block"
		}
		if wantTarget == "" {
			wantTarget = "no host (the provider's ssh block has none)"
		}
		diags.Append(diagPolicyLivesOnAnotherHost.attr(path.Root("policy").AtMapKey(neo4j.KeyTarget),
			fmt.Sprintf("The policy's settings say it lives on %s, but this resource targets %s (%s). A settings map can come from another configuration or be "+
				"edited on the way, so it never decides alone where this resource writes. If the policy is meant to be on %s, say so on this resource: "+
				"an ssh block with its host (and port and user where they differ from the provider's), for example ssh { host = ... }; the credentials still come "+
				"from the provider. Otherwise pass the settings of a policy on this resource's host.", mapTarget, wantTarget, mine, mapTarget)))
	}

	wantHome := d.defaults.Neo4jHome
	if !own.Neo4jHome.IsNull() && own.Neo4jHome.ValueString() != "" {
		wantHome = own.Neo4jHome.ValueString()
	}
	wantHome = posix.Clean(wantHome)
	if s.Neo4jHome != wantHome {
		mine := "the provider's neo4j_home"
		if !own.Neo4jHome.IsNull() {
			mine = "its own neo4j_home"
		}
		diags.Append(diagPolicyLivesInAnotherNeo4jHome.attr(path.Root("policy").AtMapKey(neo4j.KeyNeo4jHome),
			fmt.Sprintf("The policy's settings say its neo4j_home is %s, but this resource's is %s (%s). A settings map can come from another configuration or be "+
				"edited on the way, so it never decides alone where this resource writes. If the policy is meant to be in %s, set neo4j_home = %q on this resource; "+
				"otherwise pass the settings of a policy in %s.", s.Neo4jHome, wantHome, mine, s.Neo4jHome, s.Neo4jHome, wantHome)))
		return diags
	}

	// config_file as resolveTarget derives it.
	wantConf := d.defaults.ConfigFile
	if !own.Neo4jHome.IsNull() && own.Neo4jHome.ValueString() != "" {
		wantConf = ""
	}
	if !own.ConfigFile.IsNull() && own.ConfigFile.ValueString() != "" {
		wantConf = own.ConfigFile.ValueString()
	}
	if wantConf == "" {
		wantConf = defaultConfigFile(wantHome)
	}
	wantConf = posix.Clean(wantConf)
	if got := s.ConfigFile(); got != "" && got != wantConf {
		diags.Append(diagPolicyUsesAnotherConfigFile.attr(path.Root("policy").AtMapKey(neo4j.KeyConfigFile),
			fmt.Sprintf("The policy's settings name %s as its neo4j.conf, but this resource's is %s. A settings map never decides alone which file a resource edits: "+
				"if the policy really uses %s, set config_file = %q on this resource; otherwise pass the settings of the policy that uses %s.", got, wantConf, got, got, wantConf)))
	}
	return diags
}

// decodeSettings decodes a settings map a resource holds (its own, or the policy it consumes). What
// the map lacks is not reported here: neo4j.CheckSettings, checkCertPolicySettings and sshOf report
// it where it matters.
func decodeSettings(m map[string]string) neo4j.PolicySettings {
	s, _ := neo4j.DecodePolicySettings(m)
	return s
}

// settingsOf decodes a settings attribute (see decodeSettings).
func settingsOf(m types.Map) neo4j.PolicySettings {
	return decodeSettings(stringMap(m))
}
