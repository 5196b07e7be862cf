package provider

import (
	"context"
	"fmt"
	"net"
	posix "path"
	"strconv"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// fillImported completes an imported state: the policy is resolved from the provider's target, with
// the lines of its managed block (3.5) as the declaration, and owner and group from the host.
func (r *sslPolicyResource) fillImported(ctx context.Context, state *sslPolicyResourceModel) diag.Diagnostics {
	return r.data.importPolicy(ctx, state)
}

// importPolicy resolves an imported policy (state holds its name, base directory and ssh block) from
// the provider's target: the lines of its managed block (3.5) are the declaration, owner and group
// come from the host. dbtls_policy_certificate's import uses it too.
func (d *providerData) importPolicy(ctx context.Context, state *sslPolicyResourceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	t, dd := d.resolveTarget(ctx, types.StringNull(), types.StringNull(), state.SSH)
	diags.Append(dd...)
	if diags.HasError() {
		return diags
	}
	name := state.Name.ValueString()
	in := neo4j.PolicyInput{Name: name}
	if !state.BaseDirectory.IsNull() {
		in.BaseDirectory = new(state.BaseDirectory.ValueString())
	}
	if neo4j.NamedPolicies(t.Version) {
		conf, _, err := d.confs.Load(ctx, t.Host, t.ConfigFile)
		if err == nil {
			for _, b := range conf.Block(neo4j.PolicyBlockID(name)) {
				applyImportedLines(&in, name, b.Lines)
			}
			// Blocks written by earlier releases carry relative private_key/public_certificate values,
			// which 3.5 cannot load: take the default (an absolute path in the base directory) instead,
			// and the next plan shows the corrected lines as an update.
			for _, f := range []**string{&in.PrivateKey, &in.PublicCertificate} {
				if *f != nil && !posix.IsAbs(**f) {
					*f = nil
				}
			}
		}
	}
	pol, problems := neo4j.ResolvePolicy(t.Version, t.Neo4jHome, in)
	if pol == nil {
		diags.Append(diagCannotImportPolicy.plain(fmt.Sprintf("The policy %q found on %s does not resolve: %s", name, t.Host.ID(), fieldErrorsText(problems))))
		return diags
	}
	info, err := t.Host.Lstat(ctx, pol.BasePath)
	if err != nil || !info.Exists {
		diags.Append(diagCannotImportPolicy.plain(fmt.Sprintf("The policy's base directory %s does not exist on %s. Import a policy whose directory exists, or let Terraform create it.", pol.BasePath, t.Host.ID())))
		return diags
	}
	state.Owner = types.StringValue(info.UserName)
	state.Group = types.StringValue(info.GroupName)
	state.Neo4jHome = types.StringNull()
	state.ConfigFile = types.StringNull()
	diags.Append(setPlannedPolicy(ctx, state, pol, t)...)
	if in.Ciphers == nil {
		state.Ciphers = types.ListNull(types.StringType)
	}
	return diags
}

// applyImportedLines turns a 3.5 block's `dbms.ssl.policy.<name>.<suffix>=<value>` lines into a
// declaration.
func applyImportedLines(in *neo4j.PolicyInput, name string, lines []string) {
	prefix := "dbms.ssl.policy." + name + "."
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok || !strings.HasPrefix(strings.TrimSpace(k), prefix) {
			continue
		}
		v = strings.TrimSpace(v)
		switch neo4j.Suffix(strings.TrimPrefix(strings.TrimSpace(k), prefix)) {
		case neo4j.SuffixBaseDirectory:
			in.BaseDirectory = new(v)
		case neo4j.SuffixPrivateKey:
			in.PrivateKey = new(v)
		case neo4j.SuffixPublicCertificate:
			in.PublicCertificate = new(v)
		case neo4j.SuffixTrustedDir:
			in.TrustedDir = new(v)
		case neo4j.SuffixRevokedDir:
			in.RevokedDir = new(v)
		case neo4j.SuffixClientAuth:
			in.ClientAuth = new(v)
		case neo4j.SuffixTLSVersions:
			in.TLSVersions = neo4j.SplitList(v)
		case neo4j.SuffixCiphers:
			in.Ciphers = neo4j.SplitList(v)
		case neo4j.SuffixTrustAll:
			in.TrustAll = new(v == "true")
		case neo4j.SuffixVerifyHostname:
			in.VerifyHostname = new(v == "true")
		case neo4j.SuffixTrustExpired:
			in.TrustExpired = new(v == "true")
		case neo4j.SuffixAllowKeyGeneration:
			in.AllowKeyGeneration = new(v == "true")
		}
	}
}

// importSSHTarget parses "[user@]host[:port]" into an ssh block that sets only those fields.
func importSSHTarget(s string) (*sshModel, error) {
	user, hostport, found := strings.Cut(s, "@")
	if !found {
		user, hostport = "", s
	}
	h, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		h, portStr = hostport, ""
	}
	if h == "" {
		return nil, fmt.Errorf("no host")
	}
	m := &sshModel{
		Host: types.StringValue(h), Port: types.Int64Null(), User: types.StringNull(),
		PrivateKey: types.StringNull(), PrivateKeyPassphrase: types.StringNull(), Agent: types.BoolNull(),
		KnownHosts: types.StringNull(), HostKey: types.StringNull(), Sudo: types.BoolNull(), Timeout: types.StringNull(),
	}
	if user != "" {
		m.User = types.StringValue(user)
	}
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("bad port %q", portStr)
		}
		m.Port = types.Int64Value(int64(p))
	}
	return m, nil
}
