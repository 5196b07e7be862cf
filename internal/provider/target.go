package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	posix "path"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// providerData is what Configure hands to every resource and data source: the provider-level target
// defaults, one host per distinct target, and one parsed copy of each neo4j.conf.
type providerData struct {
	defaults targetSpec
	hosts    *hostPool
	confs    *deploy.ConfStore
	// certs keeps the public certificates read in this run, for the bindings' checks.
	certs *certCache
}

// targetSpec is where a resource writes: which Neo4j, where it lives, on which machine. The provider
// gives the defaults; a resource may override neo4j_home and config_file (and, later, the connection).
type targetSpec struct {
	Version    string
	Neo4jHome  string
	ConfigFile string          // "" means <Neo4jHome>/conf/neo4j.conf
	SSH        *host.SSHConfig // nil: the local machine
}

// target is a resolved targetSpec.
type target struct {
	Version    neo4j.Version
	Neo4jHome  string
	ConfigFile string
	// Host is the machine, with every change below Neo4jHome confined to real directories
	// (host.Beneath): a directory swapped for a symlink can never send a key elsewhere.
	Host host.Host
	SSH  *host.SSHConfig // the connection, nil for the local machine
	// raw is the machine without that confinement, for neo4j.conf: its directory is the
	// installation's, which may well be reached through a symlink (conf/ -> /etc/neo4j). nil: Host.
	raw host.Host
}

// newTarget confines h below home (see target.Host). Every operation on the target's hosts is logged
// at debug level (host.Logged): which host, which path, bytes, durations, lock waits.
func newTarget(v neo4j.Version, home, configFile string, h host.Host, ssh *host.SSHConfig) *target {
	return &target{Version: v, Neo4jHome: home, ConfigFile: configFile, Host: host.Logged(host.Beneath(h, home), tfLogger{}), SSH: ssh, raw: host.Logged(h, tfLogger{})}
}

// confHost is the host neo4j.conf is edited through.
func (t *target) confHost() host.Host {
	if t.raw != nil {
		return t.raw
	}
	return t.Host
}

// resolveTarget merges a resource's overrides into the provider's defaults. A resource that
// overrides neo4j_home without config_file gets <its neo4j_home>/conf/neo4j.conf.
func (d *providerData) resolveTarget(ctx context.Context, home, configFile types.String, ssh *sshModel) (*target, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := d.defaults
	sshCfg, sd := sshConfigFrom(ssh, d.defaults.SSH, path.Root("ssh"))
	diags.Append(sd...)
	if diags.HasError() {
		return nil, diags
	}
	spec.SSH = sshCfg
	if sshCfg != nil && sshCfg.Host == "" {
		diags.Append(diagSSHHostMissing.attr(path.Root("ssh"),
			"The provider's ssh block has no host, and this resource does not set one. Set host in the resource's ssh block (ssh { host = ... }) or in the provider's."))
		return nil, diags
	}
	if !home.IsNull() && home.ValueString() != "" {
		spec.Neo4jHome = home.ValueString()
		if spec.ConfigFile != "" && (configFile.IsNull() || configFile.ValueString() == "") {
			spec.ConfigFile = ""
		}
	}
	if !configFile.IsNull() && configFile.ValueString() != "" {
		spec.ConfigFile = configFile.ValueString()
	}
	if spec.ConfigFile == "" {
		spec.ConfigFile = defaultConfigFile(spec.Neo4jHome)
	}
	v, err := neo4j.ParseVersion(spec.Version)
	if err != nil {
		diags.Append(diagUnsupportedNeo4jVersion.attr(path.Root("neo4j_version"), err.Error()))
		return nil, diags
	}
	h, err := d.hosts.get(ctx, spec.SSH)
	if err != nil {
		diags.Append(diagCannotReachTarget.attr(path.Root("ssh"), sshErrDetail(err)))
		return nil, diags
	}
	diags.Append(d.hosts.capabilityWarnings(ctx, h)...)
	return newTarget(v, posix.Clean(spec.Neo4jHome), posix.Clean(spec.ConfigFile), h, spec.SSH), diags
}

// targetFromSettings finds the target a resource was created on from the settings it stored (a
// policy's own, or the policy settings a certificate or binding consumed), so Read and Delete act where
// Create wrote even when the provider's defaults have changed since.
func (d *providerData) targetFromSettings(ctx context.Context, s map[string]string, own *sshModel) (*target, diag.Diagnostics) {
	return d.targetOf(ctx, decodeSettings(s), own)
}

// targetOf is targetFromSettings for decoded settings.
func (d *providerData) targetOf(ctx context.Context, s neo4j.PolicySettings, own *sshModel) (*target, diag.Diagnostics) {
	var diags diag.Diagnostics
	v, err := neo4j.ParseVersion(s.Neo4jVersion)
	if err != nil {
		diags.Append(diagCorruptState.plain(fmt.Sprintf("The state's settings have no valid neo4j_version (%s). Remove the resource from state and import it again.", err)))
		return nil, diags
	}
	sshCfg, sd := d.sshOf(s, own)
	diags.Append(sd...)
	if diags.HasError() {
		return nil, diags
	}
	h, err := d.hosts.get(ctx, sshCfg)
	if err != nil {
		diags.Append(diagCannotReachTarget.attr(path.Root("ssh"), sshErrDetail(err)))
		return nil, diags
	}
	return newTarget(v, s.Neo4jHome, s.ConfigFile(), h, sshCfg), diags
}

// validateTargetFields checks neo4j_version, neo4j_home and config_file wherever they are given
// (provider or resource), while planning.
func validateTargetFields(version, home, configFile types.String, base path.Path, diags *diag.Diagnostics) {
	if !version.IsNull() && !version.IsUnknown() {
		if _, err := neo4j.ParseVersion(version.ValueString()); err != nil {
			diags.Append(diagUnsupportedNeo4jVersion.attr(base.AtName("neo4j_version"), err.Error()))
		}
	}
	if badPath(home) {
		diags.Append(diagInvalidNeo4jHome.attr(base.AtName("neo4j_home"),
			fmt.Sprintf("neo4j_home must be an absolute path without \"..\" elements, such as \"/var/lib/neo4j\", but it is %q.", home.ValueString())))
	}
	if !badPath(home) && !home.IsNull() && !home.IsUnknown() {
		if msg := neo4j.CheckHome(home.ValueString()); msg != "" {
			diags.Append(diagNeo4jHomeIsASystemDirectory.attr(base.AtName("neo4j_home"), msg))
		}
	}
	if badPath(configFile) {
		diags.Append(diagInvalidConfigFile.attr(base.AtName("config_file"),
			fmt.Sprintf("config_file must be an absolute path without \"..\" elements, such as \"/etc/neo4j/neo4j.conf\", but it is %q.", configFile.ValueString())))
	}
}

// newerVersionWarning warns about a calendar version after the catalogue's newest, which is rendered
// with the newest known facts.
func newerVersionWarning(version types.String, diags *diag.Diagnostics) {
	if version.IsNull() || version.IsUnknown() {
		return
	}
	if v, err := neo4j.ParseVersion(version.ValueString()); err == nil && v.Newer {
		diags.Append(diagNeo4jVersionNewerThanTheCatalogue.attr(path.Root("neo4j_version"), v.NewerVersionWarning()))
	}
}

// badPath reports a known path that is not absolute and clean.
func badPath(v types.String) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	_, err := host.CleanAbs(v.ValueString())
	return err != nil
}

// hostPool hands out one host.Host per distinct target, shared by every resource of the provider
// process.
type hostPool struct {
	mu     sync.Mutex
	local  host.Host
	ssh    *host.Pool
	warned map[string]bool // SSH targets whose missing SFTP extensions were reported
}

// capabilityWarnings reports, once per target and provider process, what an SSH server lacks
// (posix-rename, fsync, directory fsync), so a user learns that writes there are refused or not
// durable.
func (p *hostPool) capabilityWarnings(ctx context.Context, h host.Host) diag.Diagnostics {
	var diags diag.Diagnostics
	sh, ok := h.(*host.SSHHost)
	if !ok {
		return diags
	}
	p.mu.Lock()
	if p.warned == nil {
		p.warned = map[string]bool{}
	}
	seen := p.warned[h.ID()]
	p.warned[h.ID()] = true
	p.mu.Unlock()
	if seen {
		return diags
	}
	caps, err := sh.Capabilities(ctx)
	if err != nil {
		return diags
	}
	for _, w := range caps.Warnings() {
		diags.Append(diagSFTPServerLacksAnExtension.plain(fmt.Sprintf("On %s (%s): %s.", h.ID(), caps.ServerVersion, w)))
	}
	return diags
}

func newHostPool() *hostPool { return &hostPool{ssh: host.NewPool()} }

// get returns the local host for a nil connection, otherwise the pool's shared connection to it
// (dialled on first use, with the host key verified before anything else happens).
func (p *hostPool) get(ctx context.Context, c *host.SSHConfig) (host.Host, error) {
	if c != nil {
		return p.ssh.Get(ctx, *c)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.local == nil {
		p.local = host.NewLocal()
	}
	return p.local, nil
}

// newConfCache is the provider process's store of parsed neo4j.conf files.
func newConfCache() *deploy.ConfStore {
	c := deploy.NewConfStore()
	c.Log = tfLogger{}
	return c
}

// editConf changes the target's neo4j.conf safely against every other writer (deploy.ConfStore.Edit):
// under the host's lock for the file, from a fresh parse, written atomically with the file's own mode
// and owner. edit returning the same bytes writes nothing.
func (d *providerData) editConf(ctx context.Context, t *target, holder string, edit func(*neo4j.Conf) ([]byte, error)) error {
	tflog.Debug(ctx, "editing neo4j.conf", map[string]any{"host": t.Host.ID(), "file": t.ConfigFile, "holder": holder})
	err := d.confs.Edit(ctx, t.confHost(), t.ConfigFile, holder, edit)
	if err != nil {
		tflog.Debug(ctx, "neo4j.conf not edited", map[string]any{"host": t.Host.ID(), "file": t.ConfigFile, "error": err.Error()})
	}
	return err
}

// errEditRefused ends an edit of neo4j.conf whose checks refused it; editConfChecked returns the
// checks' diagnostics instead.
var errEditRefused = errors.New("the edit of neo4j.conf was refused by its checks")

// editConfChecked is editConf for an edit whose checks, run on the fresh parse under the lock, may
// refuse it: edit returns error diagnostics (and no bytes) to leave the file as it is, and
// editConfChecked returns them, with a nil error.
func (d *providerData) editConfChecked(ctx context.Context, t *target, holder string, edit func(*neo4j.Conf) ([]byte, diag.Diagnostics, error)) (diag.Diagnostics, error) {
	var refused diag.Diagnostics
	err := d.editConf(ctx, t, holder, func(c *neo4j.Conf) ([]byte, error) {
		out, diags, err := edit(c)
		if diags.HasError() {
			refused = diags
			return nil, errEditRefused
		}
		return out, err
	})
	if errors.Is(err, errEditRefused) {
		return refused, nil
	}
	return nil, err
}

// lockHolder describes this process for a lock file, so a waiter that times out can name it.
func lockHolder(what string) string {
	hn, _ := os.Hostname()
	return fmt.Sprintf("terraform-provider-dbtls (pid %d on %s) %s", os.Getpid(), hn, what)
}

// missingConfigDetail explains a missing config_file: usually a wrong neo4j_home.
func missingConfigDetail(t *target) string {
	return fmt.Sprintf("The config file %s does not exist on %s, so the lines this resource owns cannot be written. "+
		"The provider never creates neo4j.conf: a missing file usually means neo4j_home (%s) or config_file points at the wrong place. "+
		"Set config_file to the neo4j.conf the server reads (Debian and RPM packages use /etc/neo4j/neo4j.conf).",
		t.ConfigFile, t.Host.ID(), t.Neo4jHome)
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }

// sshFromSettings rebuilds the connection a policy's settings name. The settings carry only what is
// not secret (host, port, user, known_hosts, sudo, bastion); the credentials come from the consuming
// resource's own ssh block when it has one, else from the provider's.
func (d *providerData) sshFromSettings(s map[string]string, own *sshModel) (*host.SSHConfig, diag.Diagnostics) {
	return d.sshOf(decodeSettings(s), own)
}

// sshOf is sshFromSettings for decoded settings.
func (d *providerData) sshOf(s neo4j.PolicySettings, own *sshModel) (*host.SSHConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	tgt := s.Target()
	if tgt == "" || tgt == neo4j.TargetLocal {
		return nil, diags
	}
	// The provider's own connection when the policy is on the provider's host: its known_hosts and
	// host_key, not the ones a settings map carries, verify the host.
	if !own.isSet() && d.defaults.SSH != nil && d.defaults.SSH.Host != "" && d.defaults.SSH.ID() == tgt {
		return d.defaults.SSH, diags
	}
	if own.isSet() {
		cfg, d := sshConfigFrom(own, d.defaults.SSH, path.Root("ssh"))
		diags.Append(d...)
		if cfg != nil && cfg.ID() != tgt {
			diags.Append(diagSSHTargetDiffersFromThePolicyS.attr(path.Root("ssh"),
				fmt.Sprintf("This resource's ssh block connects to %s, but its policy lives on %s. Files of a policy are written where the policy is: "+
					"point the ssh block at the same host, or leave only the credentials in it.", cfg.ID(), tgt)))
		}
		return cfg, diags
	}
	// An ssh entry that is missing or not a target's JSON decodes to nil.
	pub := s.SSH()
	if pub == nil || pub.Host == "" {
		diags.Append(diagPolicySettingsWithoutConnection.attr(path.Root("policy"),
			fmt.Sprintf("The policy lives on %s, but its settings do not say how to reach it. Pass the settings attribute of a dbtls_ssl_policy.", tgt)))
		return nil, diags
	}
	cfg := withCredentials(pub, d.defaults.SSH)
	if cfg.PrivateKey == "" && !cfg.Agent {
		diags.Append(diagNoSSHCredentials.attr(path.Root("ssh"),
			fmt.Sprintf("The policy lives on %s, and neither this resource's ssh block nor the provider's gives a private_key or agent = true to log in with. "+
				"Add an ssh block with the credentials to the provider (or to this resource).", tgt)))
		return nil, diags
	}
	return &cfg, diags
}

// sshErrDetail explains a connection failure; host key and authentication errors are never retried.
func sshErrDetail(err error) string {
	var hk *host.HostKeyError
	var ae *host.AuthError
	var sha1 *host.SHA1HostKeyError
	switch {
	case errors.As(err, &sha1):
		return fmt.Sprintf("%s. SHA-1 signatures can be forged by collision, so they no longer prove the host's identity; nothing was read or written. "+
			"Enable rsa-sha2-256/rsa-sha2-512 on the server (OpenSSH 7.2 or later does by default; remove a HostKeyAlgorithms line that limits it to ssh-rsa), "+
			"or, for a legacy host that cannot be upgraded, set allow_sha1_host_key_signatures = true in its ssh block.", err)
	case errors.As(err, &hk) && hk.Unknown:
		return fmt.Sprintf("%s. The host is not in known_hosts, so nothing was read or written. Add its key to known_hosts (ssh-keyscan shows it; check it out of band) or pin it with host_key.", err)
	case errors.As(err, &hk):
		return fmt.Sprintf("%s. The host presented a key other than the one recorded, which is what a man in the middle looks like; nothing was read or written. If the host was reinstalled, update known_hosts or host_key after checking the new key out of band.", err)
	case errors.As(err, &ae):
		return fmt.Sprintf("%s. Check user, private_key (and its passphrase) or agent; authentication errors are not retried.", err)
	}
	return err.Error() + "."
}
