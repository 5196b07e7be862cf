package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// channelEKUCheck judges the extended key usage of the certificate already on the host for the channel
// it is bound to. Every channel presents it as a server's certificate, so one without serverAuth is a
// warning on bolt, https and backup (clients refuse the handshake, but the server starts). On cluster
// the members also connect to each other as clients, so Neo4j needs both serverAuth and clientAuth:
// a certificate lacking either is an error, as the cluster could not form. A certificate not yet
// written is checked by dbtls_policy_certificate instead.
//
// The certificate is taken from certs when the dbtls_policy_certificate resource read it in this run
// and it is unchanged since (see certCache); certs may be nil.
func channelEKUCheck(ctx context.Context, t *target, certs *certCache, channel, certPath string) diag.Diagnostics {
	var diags diag.Diagnostics
	if certPath == "" {
		return diags
	}
	data, err := certs.readFile(ctx, t.Host, certPath)
	if err != nil || len(data) > maxPEMInput {
		return diags
	}
	chain, err := pki.ParseCertificateChain(data)
	if err != nil || len(chain) == 0 {
		return diags
	}
	leaf := chain[0]
	which := fmt.Sprintf("The certificate %s (subject %q) on %s", certPath, leaf.Subject.String(), t.Host.ID())
	if channel == "cluster" {
		if !pki.HasClientAuthEKU(leaf) {
			diags.Append(diagClusterCertificateLacksClientAuth.attr(path.Root("channel"),
				which+" has an extended key usage without clientAuth, but cluster members also connect to each other as clients, "+
					"so the handshake between members would fail and the cluster could not form. Issue the certificate with extendedKeyUsage serverAuth,clientAuth, or bind another policy."))
		}
		if !pki.HasServerAuthEKU(leaf) {
			diags.Append(diagClusterCertificateLacksServerAuth.attr(path.Root("channel"),
				which+" has an extended key usage without serverAuth, but every member presents it as a server to the others, "+
					"so the handshake between members would fail and the cluster could not form. Issue the certificate with extendedKeyUsage serverAuth,clientAuth, or bind another policy."))
		}
		return diags
	}
	if !pki.HasServerAuthEKU(leaf) {
		diags.Append(diagCertificateLacksServerAuth.attr(path.Root("channel"),
			fmt.Sprintf("%s has an extended key usage without serverAuth (it is for TLS clients only), but Neo4j presents it as the server's certificate on the %s channel, "+
				"so clients will refuse the handshake. Issue the certificate with extendedKeyUsage serverAuth.", which, channel)))
	}
	return diags
}

// startChannelEKUCheck runs channelEKUCheck in the background and returns the wait for its
// diagnostics: over SSH the certificate's read (three round trips) then overlaps the plan's other
// checks of the host instead of following them. Not waiting for it is fine: it ends by itself.
func startChannelEKUCheck(ctx context.Context, t *target, certs *certCache, channel, certPath string) func() diag.Diagnostics {
	done := make(chan diag.Diagnostics, 1)
	go func() { done <- channelEKUCheck(ctx, t, certs, channel, certPath) }()
	return func() diag.Diagnostics { return <-done }
}

// bindingEdit computes the file with the binding's block in it: conflicts checked (errors, or with
// comment_out the foreign lines commented out), then the block set. It returns the new bytes and the
// lines the binding has commented out, as they were. Planning runs it on the file as it is; applying
// runs it again under the file's lock. The error is a *neo4j.ContinuationError when Neo4j would read
// the result differently from what it means.
func bindingEdit(c *neo4j.Conf, t *target, b *neo4j.Binding, onConflict string, creating bool) ([]byte, []string, diag.Diagnostics, error) {
	id := neo4j.BindingBlockID(b.Channel)
	lines := b.Lines()
	_, diags := bindingConflicts(c, t, b, onConflict, creating)
	if diags.HasError() {
		return nil, nil, diags, nil
	}
	if onConflict == "comment_out" {
		var foreign []int
		for _, cf := range c.Conflicts(id, conflictKeyList(b)) {
			if cf.BlockID == "" {
				foreign = append(foreign, cf.Line)
			}
		}
		if len(foreign) > 0 {
			out, err := c.CommentOut(id, foreign)
			if err != nil {
				return nil, nil, diags, err
			}
			if c, err = c.Reparse(out); err != nil {
				return nil, nil, diags, err
			}
		}
	}
	var commented []string
	for _, cl := range c.Commented(id) {
		commented = append(commented, cl.Original)
	}
	out, err := c.SetBlock(id, lines)
	return out, commented, diags, err
}

// bindingConflicts checks the file for a binding: another binding of the same channel (when
// creating), a key set in another managed block (always an error), and foreign lines setting one
// of its keys (an error, or with comment_out the lines to comment out). It returns the foreign lines
// that are (or will be) commented out by this binding.
func bindingConflicts(conf *neo4j.Conf, t *target, b *neo4j.Binding, onConflict string, creating bool) ([]string, diag.Diagnostics) {
	var diags diag.Diagnostics
	id := neo4j.BindingBlockID(b.Channel)
	if creating {
		if bs := conf.Block(id); len(bs) > 0 {
			first := "another binding"
			for _, l := range bs[0].Lines {
				if k, v, ok := strings.Cut(l, "="); ok && (strings.HasSuffix(k, ".ssl_policy") || strings.HasSuffix(k, ".base_directory")) {
					first = fmt.Sprintf("the binding of policy %q", policyNameOf(k, v))
				}
			}
			diags.Append(diagChannelAlreadyBound.attr(path.Root("channel"),
				fmt.Sprintf("The %s channel in %s is already bound by %s (managed block %q at line %d). Neo4j accepts one policy per channel: "+
					"remove the other dbtls_channel_binding, or import it (terraform import ... %s) instead of declaring a second one.",
					b.Channel, t.ConfigFile, first, id, bs[0].StartLine, b.Channel)))
			return nil, diags
		}
	}
	var commented []string
	for _, c := range conf.Commented(id) {
		commented = append(commented, c.Original)
	}
	ours := b.ConflictKeys()
	for _, c := range conf.Conflicts(id, conflictKeyList(b)) {
		key := fmt.Sprintf("%q", c.Key)
		if ours[c.Key] != c.Key {
			key = fmt.Sprintf("%q (the name of %q before Neo4j renamed it; both set the same thing)", c.Key, ours[c.Key])
		}
		switch {
		case c.BlockID != "":
			diags.Append(diagConflictingManagedBlocks.attr(path.Root("channel"),
				fmt.Sprintf("The key %s is set on line %d of %s by the managed block %q, and this binding must set it too. Two resources cannot own one key: "+
					"remove one of them.", key, c.Line, t.ConfigFile, c.BlockID)))
		case onConflict == "comment_out":
			commented = append(commented, conf.Line(c.Line))
		default:
			diags.Append(diagConflictingSettingInNeo4jConf.attr(path.Root("on_conflict"),
				fmt.Sprintf("The key %s is set on line %d of %s%s, outside the managed blocks, and this binding must write it too. Neo4j 5 refuses to start with a duplicated key "+
					"(earlier versions pick one silently). Remove the line, or set on_conflict = \"comment_out\" to have it commented out now and restored on destroy.",
					key, c.Line, t.ConfigFile, lineAsWritten(conf, c.Line, c.Key, c.Value))))
		}
	}
	return commented, diags
}

// policyNameOf names the policy behind a binding line: the 3.5 value, or the base directory.
func policyNameOf(key, value string) string {
	if strings.HasSuffix(key, ".ssl_policy") {
		return value
	}
	return value[strings.LastIndex(value, "/")+1:]
}

// conflictKeyList lists every key that conflicts with the binding: its own and their former names.
func conflictKeyList(b *neo4j.Binding) []string {
	m := b.ConflictKeys()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
