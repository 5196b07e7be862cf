// Command terraform-provider-dbtls serves the dbtls Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/dbtls/terraform-provider-dbtls/internal/provider"
)

// version is set by the release build (goreleaser ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	quietSDKLogs()
	lessGC()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/dbtls/dbtls",
		Debug:   debug,
	})
	if err != nil {
		// The plugin server has not started, so tflog has no sink yet.
		log.Fatal(err.Error())
	}
}

// quietSDKLogs turns the plugin SDK's own trace logging off when the user asked for no logs at all.
// The SDK logs every RPC and value at TRACE by default and Terraform discards it unless TF_LOG is set;
// producing it costs a third of a no-op plan's time. Any TF_LOG* variable keeps the defaults.
func quietSDKLogs() {
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "TF_LOG") {
			return
		}
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(k, "off")
	}
}

// lessGC lets the heap grow further between collections unless GOGC says otherwise. A provider
// process lives for one Terraform operation and allocates mostly short-lived protocol values; with
// the default, a third of a no-op plan's CPU went to the collector. The heap stays small either way
// (tens of MiB for hundreds of resources).
func lessGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
