// Package audit holds a Neo4j host to Neo4j's security checklist (Operations Manual, "Security
// checklist", security/checklist.adoc; the seed document 001): it reads neo4j.conf once as Neo4j reads
// it, fills in the catalogue's default for every setting that is absent, stats a bounded set of paths
// (the config file, the keys and certificates of the bound SSL policies, bin, lib and plugins) and
// reports findings. It writes nothing and takes no lock. It knows nothing of Terraform.
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	posix "path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// Severity of a finding.
type Severity string

// The severities. Only errors make an audit fail (Passed is false).
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is one thing the checklist would flag.
type Finding struct {
	Code          string
	Severity      Severity
	ChecklistItem string // the checklist's item ("1b", "3a"); "" for a finding about reading the file itself
	Setting       string // the neo4j.conf key it concerns, or ""
	Path          string // the host path it concerns, or ""
	Line          int    // 1-based line of neo4j.conf it comes from; 0 when it does not come from a line
	Message       string
	Fix           string
}

// Report is the result of an audit.
type Report struct {
	Findings []Finding
	// Passed is true when no finding is an error.
	Passed  bool
	Summary string
	// Effective holds the resolved values of the settings the checks read (the file's last line for a
	// key, else Neo4j's default); a setting that is absent and has no default is left out.
	Effective map[string]string
}

// Options say what to audit.
type Options struct {
	Version    neo4j.Version
	Neo4jHome  string // absolute
	ConfigFile string // absolute
	// Neo4jUser is the operating system user Neo4j runs as (name or numeric id); "" means "neo4j".
	Neo4jUser        string
	MinDaysRemaining int
	Ignore           []string
	Now              time.Time // zero: time.Now()
}

// MaxConfSize bounds the neo4j.conf the audit reads; a larger file is refused before it is read.
// Neo4j's own file is about 20 KiB.
const MaxConfSize = 10 << 20

// maxCertSize bounds a key or certificate file the audit reads.
const maxCertSize = 1 << 20

// maxDirEntries bounds the entries of bin, lib and plugins the audit stats (each).
const maxDirEntries = 256

// ConfError is a neo4j.conf the audit cannot read at all. Kind is one of "missing", "unreadable",
// "binary", "too large", "not a regular file".
type ConfError struct {
	Path string
	Kind string
	Err  error
}

func (e *ConfError) Error() string {
	switch e.Kind {
	case "missing":
		return fmt.Sprintf("%s does not exist", e.Path)
	case "too large":
		return fmt.Sprintf("%s is %v bytes long; a neo4j.conf is audited up to %d bytes (10 MiB)", e.Path, e.Err, MaxConfSize)
	case "binary":
		return fmt.Sprintf("%s is not a text file: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s cannot be read: %v", e.Path, e.Err)
}

func (e *ConfError) Unwrap() error { return e.Err }

// Run audits the host.
func Run(ctx context.Context, h host.Host, o Options) (*Report, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Neo4jUser == "" {
		o.Neo4jUser = "neo4j"
	}
	for _, c := range o.Ignore {
		if !KnownCode(c) {
			return nil, fmt.Errorf("unknown finding code %q", c)
		}
	}
	data, info, err := readConf(ctx, h, o.ConfigFile)
	if err != nil {
		return nil, err
	}
	conf, err := neo4j.ParseConf(data)
	if err != nil {
		return nil, &ConfError{Path: o.ConfigFile, Kind: "unreadable", Err: err}
	}
	a := &auditor{ctx: ctx, h: h, o: o, v: o.Version, conf: newSettings(conf, o.Version)}
	a.checkFile(conf, info)
	a.checkNetwork()
	a.checkCluster()
	a.checkCertificates()
	a.checkDirectories()
	a.checkExtensions()
	a.checkJMX()
	a.checkBrowserAndVersion()

	r := &Report{Passed: true, Effective: a.conf.effective()}
	for _, f := range a.findings {
		if slices.Contains(o.Ignore, f.Code) {
			continue
		}
		r.Findings = append(r.Findings, f)
		if f.Severity == Error {
			r.Passed = false
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		return severityRank(r.Findings[i].Severity) < severityRank(r.Findings[j].Severity)
	})
	r.Summary = summarize(o, r)
	return r, nil
}

func severityRank(s Severity) int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// readConf reads the config file once, refusing anything but a bounded regular text file.
func readConf(ctx context.Context, h host.Host, file string) ([]byte, host.Info, error) {
	info, err := h.Lstat(ctx, file)
	if err != nil {
		return nil, info, &ConfError{Path: file, Kind: "unreadable", Err: err}
	}
	switch {
	case !info.Exists:
		return nil, info, &ConfError{Path: file, Kind: "missing", Err: fs.ErrNotExist}
	case info.IsSymlink:
		return nil, info, &ConfError{Path: file, Kind: "unreadable", Err: host.ErrSymlink}
	case info.IsDir:
		return nil, info, &ConfError{Path: file, Kind: "not a regular file", Err: host.ErrIsDir}
	case info.Size > MaxConfSize:
		return nil, info, &ConfError{Path: file, Kind: "too large", Err: fmt.Errorf("%d", info.Size)}
	}
	data, err := h.ReadFile(ctx, file)
	if err != nil {
		return nil, info, &ConfError{Path: file, Kind: "unreadable", Err: err}
	}
	if len(data) > MaxConfSize { // grew between the stat and the read
		return nil, info, &ConfError{Path: file, Kind: "too large", Err: fmt.Errorf("%d", len(data))}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, info, &ConfError{Path: file, Kind: "binary", Err: fmt.Errorf("it holds a NUL byte at offset %d", i)}
	}
	return data, info, nil
}

// IsMissing reports whether err is a ConfError for a config file that does not exist.
func IsMissing(err error) bool {
	var ce *ConfError
	return errors.As(err, &ce) && ce.Kind == "missing"
}

type auditor struct {
	ctx      context.Context
	h        host.Host
	o        Options
	v        neo4j.Version
	conf     *settings
	findings []Finding
}

func (a *auditor) add(f Finding) { a.findings = append(a.findings, f) }

// resolvePath resolves a path setting's value against NEO4J_HOME.
func (a *auditor) resolvePath(p string) string {
	if posix.IsAbs(p) {
		return posix.Clean(p)
	}
	return posix.Join(a.o.Neo4jHome, p)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func summarize(o Options, r *Report) string {
	count := map[Severity]int{}
	for _, f := range r.Findings {
		count[f.Severity]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Neo4j %s at %s (%s) against the security checklist: ", o.Version, o.Neo4jHome, o.ConfigFile)
	if len(r.Findings) == 0 {
		b.WriteString("no findings.")
	} else {
		fmt.Fprintf(&b, "%s, %s, %s.", plural(count[Error], "error", "errors"), plural(count[Warning], "warning", "warnings"), plural(count[Info], "note", "notes"))
		var codes []string
		for _, f := range r.Findings {
			where := f.Setting
			if where == "" {
				where = f.Path
			}
			if f.Line > 0 {
				where += fmt.Sprintf(" line %d", f.Line)
			}
			c := fmt.Sprintf("%s %s (item %s", f.Severity, f.Code, f.ChecklistItem)
			if f.ChecklistItem == "" {
				c = fmt.Sprintf("%s %s (", f.Severity, f.Code)
			} else if where != "" {
				c += ", "
			}
			codes = append(codes, c+where+")")
		}
		b.WriteString(" Findings: " + strings.Join(codes, "; ") + ".")
	}
	if len(o.Ignore) > 0 {
		fmt.Fprintf(&b, " Ignored codes: %s.", strings.Join(o.Ignore, ", "))
	}
	if r.Passed {
		b.WriteString(" Passed: no error findings.")
	} else {
		b.WriteString(" Not passed: fix the error findings or list their codes in ignore.")
	}
	return b.String()
}
