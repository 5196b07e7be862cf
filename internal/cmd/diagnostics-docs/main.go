// Command diagnostics-docs writes the table of the Diagnostics guide, generated from the provider's
// declarations of its diagnostics (internal/provider/diagnostics.go), into its marked region of
// templates/guides/diagnostics.md.tmpl. `make generate` runs it through go generate, before tfplugindocs
// renders docs/.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/provider"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	path := filepath.Join(*root, provider.DiagnosticsTemplate)
	data, err := os.ReadFile(path) // #nosec G304 -- the guide's template, under -root
	if err != nil {
		fail(err)
	}
	text, err := neo4j.ReplaceMarkedRegion(string(data), provider.DiagnosticsSource, provider.DiagnosticsRegion, provider.DiagnosticsTableMarkdown())
	if err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
	if text == string(data) {
		return
	}
	// The template exists (it was just read), so WriteFile keeps its mode; 0600 applies only to a new file.
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil { // #nosec G703 -- the same template path read above, under -root
		fail(err)
	}
	fmt.Println("diagnostics-docs: wrote", path)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "diagnostics-docs:", err)
	os.Exit(1)
}
