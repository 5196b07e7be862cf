package provider

import tfaddr "github.com/hashicorp/terraform-registry-address"

// Namespace and Type are the provider's source address without a host: `source = "dbtls/dbtls"`.
const (
	Namespace = "dbtls"
	Type      = "dbtls"
)

// Address is the provider's full address (host/namespace/type) as Terraform and OpenTofu resolve the
// short source "dbtls/dbtls": the host is the registry address library's default, so no host name is
// spelled out here. main passes it to the plugin server (used for debug reattachment), and
// `make install` asks for it (internal/cmd/provider-address) to find the implied local mirror
// directory.
func Address() string {
	return tfaddr.NewProvider(tfaddr.DefaultProviderRegistryHost, Namespace, Type).String()
}
