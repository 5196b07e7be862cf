package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	providerschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	resourceschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// sshModel is the `ssh` block of the provider and of every resource; its `bastion` block has the same
// connection fields.
type sshModel struct {
	Host                 types.String  `tfsdk:"host"`
	Port                 types.Int64   `tfsdk:"port"`
	User                 types.String  `tfsdk:"user"`
	PrivateKey           types.String  `tfsdk:"private_key"`
	PrivateKeyPassphrase types.String  `tfsdk:"private_key_passphrase"`
	Agent                types.Bool    `tfsdk:"agent"`
	KnownHosts           types.String  `tfsdk:"known_hosts"`
	HostKey              types.String  `tfsdk:"host_key"`
	Sudo                 types.Bool    `tfsdk:"sudo"`
	Timeout              types.String  `tfsdk:"timeout"`
	AllowSHA1            types.Bool    `tfsdk:"allow_sha1_host_key_signatures"`
	Bastion              *bastionModel `tfsdk:"bastion"`
}

type bastionModel struct {
	Host                 types.String `tfsdk:"host"`
	Port                 types.Int64  `tfsdk:"port"`
	User                 types.String `tfsdk:"user"`
	PrivateKey           types.String `tfsdk:"private_key"`
	PrivateKeyPassphrase types.String `tfsdk:"private_key_passphrase"`
	Agent                types.Bool   `tfsdk:"agent"`
	KnownHosts           types.String `tfsdk:"known_hosts"`
	HostKey              types.String `tfsdk:"host_key"`
	Timeout              types.String `tfsdk:"timeout"`
	AllowSHA1            types.Bool   `tfsdk:"allow_sha1_host_key_signatures"`
}

// sshFieldDocs describes the connection fields once, for the provider's and the resources' schemas.
var sshFieldDocs = map[string]string{
	"host":                   "Host name or address of the target.",
	"port":                   "SSH port. Default `22`.",
	"user":                   "User to log in as.",
	"private_key":            "Private key (PEM or OpenSSH format) to authenticate with, e.g. `file(\"~/.ssh/id_ed25519\")`.",
	"private_key_passphrase": "Passphrase of an encrypted `private_key`.",
	"agent":                  "Authenticate with the keys of the SSH agent at `SSH_AUTH_SOCK`. Default `false`.",
	"known_hosts":            "known_hosts content (e.g. `file(\"~/.ssh/known_hosts\")`) the host key must match. Host keys are always verified: an unknown host or a mismatched key is an error before anything is read or written. Only the key types recorded for the host are offered.",
	"host_key":               "One pinned public key (`ssh-ed25519 AAAA...`) instead of `known_hosts`.",
	"sudo": "Read and write as root through `sudo -n` (the SFTP server runs under sudo), so files can be owned by the `neo4j` user while logging in as a deploy user. " +
		"The login user needs passwordless sudo for exactly four things: the `sftp-server` binary, the provider's one-line lock helper (`/bin/sh -c ... dbtls-lock-helper`: one per connection, it takes free locks with `flock -n` and runs the `ls` checks), its one-line `flock` lock script (`/bin/sh -c ... dbtls-lock ...`: waits for a busy lock), and `ls -ldn -- <file>` (the hard-link and ACL check before a file is replaced, when the helper is not allowed). Default `false`.",
	"timeout": "Dial and handshake deadline, as a Go duration. Default `30s`.",
	"allow_sha1_host_key_signatures": "Accept a host key signed with SHA-1 (the `ssh-rsa` algorithm). Default `false`: for an RSA host key only " +
		"`rsa-sha2-256` and `rsa-sha2-512` are offered, as OpenSSH 8.8 and later do, and a server that signs with SHA-1 only is refused before " +
		"anything is read or written (`Cannot Reach Target`). Set it to `true` only for a legacy server (OpenSSH before 7.2) that cannot be " +
		"upgraded; the host key is still verified against `known_hosts` or `host_key`.",
}

// sshAttributes lists the connection fields as attributes of one schema package: str, i64 and bool
// build an optional attribute of that type (capped, when capped is set, at maxPEMInput: keys and
// known_hosts text). sudo belongs to the target only, not to a bastion.
func sshAttributes[A any](str func(doc string, sensitive, capped bool) A, i64, boolean func(doc string) A, withSudo bool) map[string]A {
	attrs := map[string]A{}
	for _, name := range []string{"host", "user", "timeout"} {
		attrs[name] = str(sshFieldDocs[name], false, false)
	}
	for _, name := range []string{"known_hosts", "host_key"} {
		attrs[name] = str(sshFieldDocs[name]+" At most 1 MiB.", false, true)
	}
	attrs["private_key"] = str(sshFieldDocs["private_key"]+" At most 1 MiB.", true, true)
	attrs["private_key_passphrase"] = str(sshFieldDocs["private_key_passphrase"], true, false)
	attrs["port"] = i64(sshFieldDocs["port"])
	attrs["agent"] = boolean(sshFieldDocs["agent"])
	attrs["allow_sha1_host_key_signatures"] = boolean(sshFieldDocs["allow_sha1_host_key_signatures"])
	if withSudo {
		attrs["sudo"] = boolean(sshFieldDocs["sudo"])
	}
	return attrs
}

func sshProviderBlock() providerschema.SingleNestedBlock {
	attrs := func(withSudo bool) map[string]providerschema.Attribute {
		return sshAttributes(
			func(doc string, sensitive, capped bool) providerschema.Attribute {
				return providerschema.StringAttribute{MarkdownDescription: doc, Optional: true, Sensitive: sensitive, Validators: sizeCap(capped)}
			},
			func(doc string) providerschema.Attribute {
				return providerschema.Int64Attribute{MarkdownDescription: doc, Optional: true}
			},
			func(doc string) providerschema.Attribute {
				return providerschema.BoolAttribute{MarkdownDescription: doc, Optional: true}
			},
			withSudo)
	}
	return providerschema.SingleNestedBlock{
		MarkdownDescription: "Connect to the target over SSH (SFTP for files) instead of writing to the local machine. " +
			"One connection per distinct target is shared by every resource of the provider.",
		Attributes: attrs(true),
		Blocks: map[string]providerschema.Block{
			"bastion": providerschema.SingleNestedBlock{
				MarkdownDescription: "A jump host to reach the target through, with the same connection fields (its host key is verified the same way).",
				Attributes:          attrs(false),
			},
		},
	}
}

func sshResourceBlock(what string) resourceschema.SingleNestedBlock {
	attrs := func(withSudo bool) map[string]resourceschema.Attribute {
		return sshAttributes(
			func(doc string, sensitive, capped bool) resourceschema.Attribute {
				return resourceschema.StringAttribute{MarkdownDescription: doc, Optional: true, Sensitive: sensitive, Validators: sizeCap(capped)}
			},
			func(doc string) resourceschema.Attribute {
				return resourceschema.Int64Attribute{MarkdownDescription: doc, Optional: true}
			},
			func(doc string) resourceschema.Attribute {
				return resourceschema.BoolAttribute{MarkdownDescription: doc, Optional: true}
			},
			withSudo)
	}
	return resourceschema.SingleNestedBlock{
		MarkdownDescription: what,
		Attributes:          attrs(true),
		Blocks: map[string]resourceschema.Block{
			"bastion": resourceschema.SingleNestedBlock{
				MarkdownDescription: "A jump host to reach the target through, with the same connection fields.",
				Attributes:          attrs(false),
			},
		},
	}
}

// isSet reports whether an ssh block was written at all (a SingleNestedBlock that is absent decodes
// to a nil pointer; one with every field null counts as absent too).
func (m *sshModel) isSet() bool {
	return m != nil && (!m.Host.IsNull() || !m.User.IsNull() || !m.PrivateKey.IsNull() || !m.KnownHosts.IsNull() ||
		!m.HostKey.IsNull() || !m.Agent.IsNull() || !m.Port.IsNull() || !m.Sudo.IsNull() || !m.AllowSHA1.IsNull() || m.Bastion != nil)
}

func (m *sshModel) known() bool {
	if m == nil {
		return true
	}
	vals := []attr.Value{m.Host, m.Port, m.User, m.PrivateKey, m.PrivateKeyPassphrase, m.Agent, m.KnownHosts, m.HostKey, m.Sudo, m.Timeout, m.AllowSHA1}
	if b := m.Bastion; b != nil {
		vals = append(vals, b.Host, b.Port, b.User, b.PrivateKey, b.PrivateKeyPassphrase, b.Agent, b.KnownHosts, b.HostKey, b.Timeout, b.AllowSHA1)
	}
	for _, v := range vals {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// sshConfigFrom turns an ssh block into a host.SSHConfig; base (the provider's block) fills every
// field the block leaves unset, so a resource can override only `host`.
func sshConfigFrom(m *sshModel, base *host.SSHConfig, at path.Path) (*host.SSHConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !m.isSet() {
		return base, diags
	}
	cfg := host.SSHConfig{}
	if base != nil {
		cfg = *base
	}
	diags.Append(overlaySSH(&cfg, m, at)...)
	if b := m.Bastion; b != nil {
		bc := host.SSHConfig{}
		if cfg.Bastion != nil {
			bc = *cfg.Bastion
		}
		diags.Append(overlaySSH(&bc, b.asSSH(), at.AtName("bastion"))...)
		cfg.Bastion = &bc
	}
	// A block without host is a template (usually the provider's: credentials and known_hosts) that
	// resources complete with their own host; it is checked once a host is known.
	if cfg.Host != "" {
		if err := cfg.Validate(); err != nil {
			diags.Append(diagInvalidSSHConfiguration.attr(at, err.Error()+"."))
		}
	}
	return &cfg, diags
}

// overlaySSH copies the fields a block sets over cfg (the bastion is handled by the caller).
func overlaySSH(cfg *host.SSHConfig, m *sshModel, at path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	setStr(&cfg.Host, m.Host)
	setStr(&cfg.User, m.User)
	setStr(&cfg.PrivateKey, m.PrivateKey)
	setStr(&cfg.PrivateKeyPassphrase, m.PrivateKeyPassphrase)
	setStr(&cfg.KnownHosts, m.KnownHosts)
	setStr(&cfg.HostKey, m.HostKey)
	if !m.Port.IsNull() && !m.Port.IsUnknown() {
		cfg.Port = int(m.Port.ValueInt64())
	}
	if !m.Agent.IsNull() && !m.Agent.IsUnknown() {
		cfg.Agent = m.Agent.ValueBool()
	}
	if !m.Sudo.IsNull() && !m.Sudo.IsUnknown() {
		cfg.Sudo = m.Sudo.ValueBool()
	}
	if !m.AllowSHA1.IsNull() && !m.AllowSHA1.IsUnknown() {
		cfg.AllowSHA1HostKeySignatures = m.AllowSHA1.ValueBool()
	}
	if !m.Timeout.IsNull() && !m.Timeout.IsUnknown() {
		d, err := time.ParseDuration(m.Timeout.ValueString())
		if err != nil || d <= 0 {
			diags.Append(diagInvalidSSHTimeout.attr(at.AtName("timeout"), fmt.Sprintf("timeout %q is not a positive duration such as \"30s\" or \"2m\".", m.Timeout.ValueString())))
		}
		cfg.Timeout = d
	}
	return diags
}

// asSSH views a bastion block as an ssh block without sudo or a further bastion.
func (b *bastionModel) asSSH() *sshModel {
	return &sshModel{
		Host: b.Host, Port: b.Port, User: b.User, PrivateKey: b.PrivateKey, PrivateKeyPassphrase: b.PrivateKeyPassphrase,
		Agent: b.Agent, KnownHosts: b.KnownHosts, HostKey: b.HostKey, Sudo: types.BoolNull(), Timeout: b.Timeout, AllowSHA1: b.AllowSHA1,
	}
}

func setStr(dst *string, v types.String) {
	if !v.IsNull() && !v.IsUnknown() {
		*dst = v.ValueString()
	}
}

// publicOf is the public part of an SSH target, as a policy's settings carry it (neo4j.PublicSSH) so
// that the certificates and bindings that consume them reach the same host, with credentials from
// their own ssh block or the provider's.
func publicOf(c *host.SSHConfig) *neo4j.PublicSSH {
	if c == nil {
		return nil
	}
	p := &neo4j.PublicSSH{Host: c.Host, Port: c.Port, User: c.User, KnownHosts: c.KnownHosts, HostKey: c.HostKey, Sudo: c.Sudo, AllowSHA1: c.AllowSHA1HostKeySignatures}
	if c.Timeout > 0 {
		p.Timeout = c.Timeout.String()
	}
	p.Bastion = publicOf(c.Bastion)
	return p
}

// withCredentials rebuilds a connection from its public part and the credentials of creds (a
// resource's or the provider's ssh configuration).
func withCredentials(p *neo4j.PublicSSH, creds *host.SSHConfig) host.SSHConfig {
	c := host.SSHConfig{Host: p.Host, Port: p.Port, User: p.User, KnownHosts: p.KnownHosts, HostKey: p.HostKey, Sudo: p.Sudo, AllowSHA1HostKeySignatures: p.AllowSHA1}
	if d, err := time.ParseDuration(p.Timeout); err == nil {
		c.Timeout = d
	}
	if creds != nil {
		c.PrivateKey, c.PrivateKeyPassphrase, c.Agent = creds.PrivateKey, creds.PrivateKeyPassphrase, creds.Agent
	}
	if p.Bastion != nil {
		var bcreds *host.SSHConfig
		if creds != nil {
			bcreds = creds.Bastion
			if bcreds == nil {
				bcreds = creds
			}
		}
		b := withCredentials(p.Bastion, bcreds)
		c.Bastion = &b
	}
	return c
}

// sizeCap is the validators of an ssh string attribute: the PEM cap for keys and known_hosts text.
func sizeCap(capped bool) []validator.String {
	if !capped {
		return nil
	}
	return []validator.String{pemSize()}
}
