package neo4j

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// summaryDeclRE matches a declaration of summaries.go: its name and its text.
var summaryDeclRE = regexp.MustCompile(`(?m)^\t(Summary\w+)\s*= declareSummary\("((?:[^"\\]|\\.)*)", (true|false)\)$`)

func summaryDecls(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("summaries.go")
	if err != nil {
		t.Fatal(err)
	}
	decls := summaryDeclRE.FindAllStringSubmatch(string(b), -1)
	if len(decls) != len(Summaries()) {
		t.Fatalf("found %d declarations in summaries.go, but Summaries() has %d: declare each as `SummaryX = declareSummary(\"...\", warning)`", len(decls), len(Summaries()))
	}
	return decls
}

// Each summary is declared once, in Title Case, and named Summary and its words in CamelCase (the
// provider's declarations are found by that name).
func TestSummaryNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range Summaries() {
		if seen[s.String()] {
			t.Errorf("summaries.go declares %q twice", s)
		}
		seen[s.String()] = true
	}
	for _, d := range summaryDecls(t) {
		want := "Summary"
		for _, w := range regexp.MustCompile(`[^A-Za-z0-9]+`).Split(d[2], -1) {
			if w != "" {
				want += strings.ToUpper(w[:1]) + w[1:]
			}
		}
		if d[1] != want {
			t.Errorf("summaries.go declares %q as %s: name it %s", d[2], d[1], want)
		}
	}
}

// Every declared summary is reported somewhere in this package (a summary nothing reports would keep a
// stale row in the provider's Diagnostics guide).
func TestSummariesReported(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "summaries.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for _, d := range summaryDecls(t) {
		if !regexp.MustCompile(`\b` + d[1] + `\b`).MatchString(src.String()) {
			t.Errorf("summaries.go declares %s (%q), which this package no longer reports: remove it, and its row in internal/provider/diagnostics.go", d[1], d[2])
		}
	}
}
