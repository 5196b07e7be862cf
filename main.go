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
		Address: provider.Address(),
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

// lessGC lets the heap grow further between collections, and caps it with a soft memory limit. A
// provider process lives for one Terraform operation and allocates mostly short-lived protocol values;
// with the default GOGC, a third of a no-op plan's CPU went to the collector, so GOGC is raised to 400
// (the heap may grow to five times what is live before a collection). That alone lets a large plan
// use five times its live heap too: 513 MiB peak RSS at 1,000 policies. The memory limit makes the
// collector work harder only as the heap nears it, so small and medium plans keep the cheap setting
// and a large one stays near the limit instead of growing with GOGC. It is soft: a live heap above it
// is not an error; the runtime then bounds the collector's share of CPU.
//
// A GOGC or GOMEMLIMIT set by the user is left alone (the runtime has applied it already).
func lessGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// memoryLimit is the soft limit lessGC sets: 256 MiB. A plan of 1,000 policies peaked at 513 MiB
// with GOGC=400 alone, which puts its live heap near a fifth of that, about 100 MiB: the limit leaves
// it room (the collector runs more often than GOGC=400 would, never as often as the default), and
// is small enough for a CI runner or a container that also runs Terraform.
const memoryLimit = 256 << 20
