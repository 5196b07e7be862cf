package neo4j

import (
	"fmt"
	"slices"
	"strings"
)

// The documentation tables are generated from the catalogue (go generate, run by `make generate`) into
// marked regions of the resource templates, so the docs cannot drift from the code.

// GeneratedRegions maps a template (relative to the repository root) to the regions generated into it.
var GeneratedRegions = map[string]map[string]func() string{
	"templates/resources/channel_binding.md.tmpl": {"channel-table": ChannelTableMarkdown},
	"templates/resources/ssl_policy.md.tmpl":      {"defaults-table": DefaultsTableMarkdown},
}

// versionSpan is a run of consecutive known versions.
type versionSpan struct{ from, to Version }

func (s versionSpan) String() string {
	newest := MustParseVersion(NewestKnownVersion)
	switch {
	case s.from == s.to && s.to != newest:
		return s.from.String()
	case s.to == newest:
		return s.from.String() + " and later"
	default:
		return s.from.String() + "–" + s.to.String()
	}
}

// spans groups the known versions into runs over which key(v) is the same.
func spans(key func(Version) string) []versionSpan {
	var out []versionSpan
	prev := ""
	for _, v := range KnownVersions() {
		k := key(v)
		if len(out) > 0 && k == prev {
			out[len(out)-1].to = v
			continue
		}
		out = append(out, versionSpan{v, v})
		prev = k
	}
	return out
}

// channelCell describes what a binding of channel writes in v.
func channelCell(ch string, v Version) string {
	bind, ok := LookupRow(BindingSetting(ch), v, "")
	if !ok {
		return "refused: no such channel"
	}
	var parts []string
	if bind.Type == TypeString {
		parts = append(parts, "`"+bind.Name+"=<name>`")
	} else {
		parts = append(parts, "`"+bind.Name+"=true`", "`dbms.ssl.policy."+ch+".*`")
	}
	switch ch {
	case "bolt":
		parts = append(parts, "`"+NameOf(SettingBoltTLSLevel, v, "")+"=<tls_level>`")
	case "https":
		parts = append(parts, "`"+NameOf(SettingHTTPSEnabled, v, "")+"=true`")
	}
	return strings.Join(parts, ", ")
}

// ChannelTableMarkdown is the channel × version table of dbtls_channel_binding.
func ChannelTableMarkdown() string {
	return versionTable("channel", Channels, func(ch string) string { return ch }, channelCell)
}

// versionTable writes a Markdown table with one row per element of rows (labelled by label) and one
// column per span of known versions in which every cell of the column reads the same.
func versionTable[R any](header string, rows []R, label func(R) string, cell func(R, Version) string) string {
	sp := spans(func(v Version) string {
		var k []string
		for _, r := range rows {
			k = append(k, cell(r, v))
		}
		return strings.Join(k, "|")
	})
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |", header)
	for _, s := range sp {
		fmt.Fprintf(&b, " Neo4j %s |", s)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(sp)) + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", label(r))
		for _, s := range sp {
			fmt.Fprintf(&b, " %s |", cell(r, s.from))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// defaultCell describes Neo4j's default of a suffix in v, per scope where it depends on one.
func defaultCell(s Suffix, v Version) string {
	if !s.Exists(v) {
		return "—"
	}
	if r, ok := LookupRow(SettingID(s), v, ""); ok {
		return describeDefault(r)
	}
	byValue := map[string][]string{}
	var order []string
	for _, ch := range ChannelsOf(v) {
		r, ok := LookupRow(SettingID(s), v, ch)
		if !ok {
			continue
		}
		d := describeDefault(r)
		if _, seen := byValue[d]; !seen {
			order = append(order, d)
		}
		byValue[d] = append(byValue[d], ch)
	}
	var parts []string
	for _, d := range order {
		parts = append(parts, strings.Join(byValue[d], ", ")+": "+d)
	}
	return strings.Join(parts, "; ")
}

func describeDefault(r Row) string {
	var d string
	switch {
	case r.Default != "":
		d = "`" + r.Default + "`"
	case strings.HasPrefix(r.DefaultNote, "<"):
		d = "`" + r.DefaultNote + "`"
	case r.DefaultNote != "":
		d = r.DefaultNote
	default:
		d = "none"
	}
	if r.Default != "" && r.DefaultNote != "" {
		d += " (" + r.DefaultNote + ")"
	}
	if r.Type == TypeAbsPath {
		d += "; a configured value must be absolute"
	}
	if r.OnlyWhenSet {
		d += "; written only when set"
	}
	return d
}

// DefaultsTableMarkdown is the per-version table of Neo4j's defaults for every policy suffix.
func DefaultsTableMarkdown() string {
	var suffixes []Suffix
	for _, s := range AllSuffixes {
		if s != SuffixBaseDirectory {
			suffixes = append(suffixes, s)
		}
	}
	return versionTable("suffix", suffixes, func(s Suffix) string { return "`" + string(s) + "`" }, defaultCell)
}

// Region markers are Go template comments, which tfplugindocs drops from the generated page. source
// names the Go file the region is generated from.
func regionBegin(source, name string) string {
	return "{{/* BEGIN generated from " + source + ": " + name + " */}}"
}
func regionEnd(name string) string { return "{{/* END generated: " + name + " */}}" }

// ReplaceRegion returns text with the region name's content, generated from the catalogue, replaced.
func ReplaceRegion(text, name, content string) (string, error) {
	return ReplaceMarkedRegion(text, "internal/neo4j/catalogue.go", name, content)
}

// ReplaceMarkedRegion returns text with the content of the region name, generated from the Go file
// source (relative to the repository root), replaced.
func ReplaceMarkedRegion(text, source, name, content string) (string, error) {
	begin, end := regionBegin(source, name), regionEnd(name)
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no region %q (%s ... %s)", name, begin, end)
	}
	return text[:i+len(begin)] + "\n" + content + text[j:], nil
}

// RegionNames lists the generated region names of a template, sorted.
func RegionNames(template string) []string {
	var out []string
	for n := range GeneratedRegions[template] {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
