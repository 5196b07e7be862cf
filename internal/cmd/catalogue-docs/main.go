// Command catalogue-docs writes the tables generated from the Neo4j settings catalogue into the marked
// regions of the resource documentation templates. `make generate` runs it through go generate
// (internal/neo4j/catalogue.go), before tfplugindocs renders docs/.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	var templates []string
	for t := range neo4j.GeneratedRegions {
		templates = append(templates, t)
	}
	slices.Sort(templates)
	for _, t := range templates {
		path := filepath.Join(*root, t)
		data, err := os.ReadFile(path) // #nosec G304 -- one of the templates neo4j.GeneratedRegions names, under -root
		if err != nil {
			fail(err)
		}
		text := string(data)
		for _, name := range neo4j.RegionNames(t) {
			if text, err = neo4j.ReplaceRegion(text, name, neo4j.GeneratedRegions[t][name]()); err != nil {
				fail(fmt.Errorf("%s: %w", path, err))
			}
		}
		if text == string(data) {
			continue
		}
		// The template exists (it was just read), so WriteFile keeps its mode; 0600 applies only to a new file.
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil { // #nosec G703 -- the same template path read above, under -root
			fail(err)
		}
		fmt.Println("catalogue-docs: wrote", path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "catalogue-docs:", err)
	os.Exit(1)
}
