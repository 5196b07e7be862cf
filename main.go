// Command terraform-provider-dbtls serves the dbtls Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/dbtls/terraform-provider-dbtls/internal/provider"
)

// version is set by the release build (goreleaser ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/dbtls/dbtls",
		Debug:   debug,
	})
	if err != nil {
		// The plugin server has not started, so tflog has no sink yet.
		log.Fatal(err.Error())
	}
}
