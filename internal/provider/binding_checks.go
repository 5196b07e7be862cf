package provider

import (
	"context"
	"fmt"

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
func channelEKUCheck(ctx context.Context, t *target, channel, certPath string) diag.Diagnostics {
	var diags diag.Diagnostics
	if certPath == "" {
		return diags
	}
	data, err := t.Host.ReadFile(ctx, certPath)
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
			diags.AddAttributeError(path.Root("channel"), "Cluster Certificate Lacks clientAuth",
				which+" has an extended key usage without clientAuth, but cluster members also connect to each other as clients, "+
					"so the handshake between members would fail and the cluster could not form. Issue the certificate with extendedKeyUsage serverAuth,clientAuth, or bind another policy.")
		}
		if !pki.HasServerAuthEKU(leaf) {
			diags.AddAttributeError(path.Root("channel"), "Cluster Certificate Lacks serverAuth",
				which+" has an extended key usage without serverAuth, but every member presents it as a server to the others, "+
					"so the handshake between members would fail and the cluster could not form. Issue the certificate with extendedKeyUsage serverAuth,clientAuth, or bind another policy.")
		}
		return diags
	}
	if !pki.HasServerAuthEKU(leaf) {
		diags.AddAttributeWarning(path.Root("channel"), "Certificate Lacks serverAuth",
			fmt.Sprintf("%s has an extended key usage without serverAuth (it is for TLS clients only), but Neo4j presents it as the server's certificate on the %s channel, "+
				"so clients will refuse the handshake. Issue the certificate with extendedKeyUsage serverAuth.", which, channel))
	}
	return diags
}
