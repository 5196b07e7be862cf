package neo4j

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// This file edits neo4j.conf through managed blocks. A resource owns exactly one block: the lines
// between two single comment lines that name it,
//
//	# BEGIN dbtls managed block: <id>
//	...
//	# END dbtls managed block: <id>
//
// Every byte outside the blocks is kept exactly as it was (comments, CRLF or mixed line endings,
// ISO-8859-1 bytes, a missing final newline, blank lines, repeated keys). The file is handled as
// bytes throughout; Go strings are only used as byte sequences and are never decoded as UTF-8.
//
// Lines end at '\n'. A line's ending is "\r\n" when the byte before the '\n' is '\r', "\n"
// otherwise, and empty for a last line that has no '\n'. A lone '\r' elsewhere is part of the line.
// These are the lines the file is edited and reported by ("line 12"). What a line sets is judged as
// Neo4j reads it (properties.go: separators, escapes, continuations, and a lone '\r' ending a line
// there too), and an edit Neo4j would read differently from what it means is refused
// (ContinuationError).
//
// End-of-file rule: a block whose END marker is the last bytes of the file, with no line ending
// after it, owns the line ending just before its BEGIN marker. SetBlock writes such a block when it
// appends to a non-empty file that does not end with a newline, and RemoveBlock removes that ending
// together with the block, so that removing a block restores the original bytes exactly.

const (
	beginMarkerPrefix = "# BEGIN dbtls managed block:"
	endMarkerPrefix   = "# END dbtls managed block:"
	// maxBlockIDLen bounds a block id; real ids are "<resource type> <name>".
	maxBlockIDLen = 256
)

// BeginMarker returns the line that opens the managed block id.
func BeginMarker(id string) string { return beginMarkerPrefix + " " + id }

// EndMarker returns the line that closes the managed block id.
func EndMarker(id string) string { return endMarkerPrefix + " " + id }

// ValidateBlockID checks that id can name a managed block: 1 to 256 printable ASCII characters
// (space included), not starting or ending with a space.
func ValidateBlockID(id string) error {
	if id == "" {
		return fmt.Errorf("managed block id is empty")
	}
	if len(id) > maxBlockIDLen {
		return fmt.Errorf("managed block id is %d bytes long; at most %d are allowed", len(id), maxBlockIDLen)
	}
	for i := 0; i < len(id); i++ {
		if b := id[i]; b < 0x20 || b > 0x7e {
			return fmt.Errorf("managed block id %q contains byte 0x%02x at offset %d; only printable ASCII is allowed", id, b, i)
		}
	}
	if id[0] == ' ' || id[len(id)-1] == ' ' {
		return fmt.Errorf("managed block id %q starts or ends with a space", id)
	}
	return nil
}

// ParseError reports a malformed managed block structure in neo4j.conf.
type ParseError struct {
	Line int // 1-based
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("neo4j.conf line %d: %s", e.Line, e.Msg)
}

type lineKind uint8

const (
	kindText lineKind = iota
	kindBegin
	kindEnd
)

// confLine locates one line in the file: content is data[start:contentEnd], its ending is
// data[contentEnd:end] ("\r\n", "\n" or "").
type confLine struct {
	start, contentEnd, end int
	kind                   lineKind
	block                  int // index into Conf.blocks, or -1 outside every block
}

type confBlock struct {
	id         string
	begin, end int // 0-based indexes into Conf.lines of the marker lines
}

// Conf is a parsed neo4j.conf. It is immutable: SetBlock and RemoveBlock return new file bytes.
type Conf struct {
	data   []byte
	lines  []confLine
	blocks []confBlock
	crlf   int // lines ending in "\r\n"
	lf     int // lines ending in a bare "\n"

	propOnce   sync.Once
	props      []PropEntry // the settings as Neo4j reads them, parsed on first use
	keyHashes  []uint64    // keyHash of each entry of props, for Conflicts
	propsReady atomic.Bool // props and keyHashes are set

	derived atomic.Pointer[derivation] // the last edit of this file parsed by derive (conf_edit.go)
	base    *derivation                // when set, props are spliced from the file this one is an edit of
}

// ParseConf parses neo4j.conf bytes. It fails only when the managed block structure is malformed (a
// BEGIN without END, an END without BEGIN, a BEGIN inside a block, an END naming another block, or
// a marker with an invalid id); the error is a *ParseError naming the 1-based line.
func ParseConf(data []byte) (*Conf, error) {
	c := &Conf{data: bytes.Clone(data)}
	if c.data == nil {
		c.data = []byte{}
	}
	c.lines = make([]confLine, 0, bytes.Count(c.data, []byte{'\n'})+1)
	if err := c.scan(0, len(c.data)); err != nil {
		return nil, err
	}
	return c, nil
}

// scan parses the lines of c.data[from:to], which start outside every managed block (from is 0 or
// the start of a line), and appends them and their blocks to c.lines and c.blocks, numbering them
// after the lines already there. to is the end of a line ('\n' included) or of the data. A block
// still open at to is an error, as at the end of the file.
func (c *Conf) scan(from, to int) error {
	d := c.data[:to]
	open := -1 // index of the open block, -1 when outside
	for start := from; start < len(d); {
		l := confLine{start: start, block: -1}
		if i := bytes.IndexByte(d[start:], '\n'); i >= 0 {
			l.end = start + i + 1
			l.contentEnd = start + i
			if i > 0 && d[start+i-1] == '\r' {
				l.contentEnd--
				c.crlf++
			} else {
				c.lf++
			}
		} else {
			l.end, l.contentEnd = len(d), len(d)
		}
		start = l.end
		lineNo := len(c.lines) + 1

		kind, id, isMarker := parseMarker(d[l.start:l.contentEnd])
		if isMarker {
			if err := ValidateBlockID(id); err != nil {
				return &ParseError{Line: lineNo, Msg: fmt.Sprintf("managed block marker has an invalid id: %v", err)}
			}
		}
		switch kind {
		case kindBegin:
			if open >= 0 {
				b := c.blocks[open]
				return &ParseError{Line: lineNo, Msg: fmt.Sprintf(
					"managed block %q begins inside managed block %q, which began on line %d and has no END marker before it",
					id, b.id, b.begin+1)}
			}
			c.blocks = append(c.blocks, confBlock{id: id, begin: len(c.lines), end: -1})
			open = len(c.blocks) - 1
			l.block = open
		case kindEnd:
			if open < 0 {
				return &ParseError{Line: lineNo, Msg: fmt.Sprintf("END marker of managed block %q without a BEGIN marker", id)}
			}
			if b := c.blocks[open]; b.id != id {
				return &ParseError{Line: lineNo, Msg: fmt.Sprintf(
					"END marker of managed block %q inside managed block %q, which began on line %d", id, b.id, b.begin+1)}
			}
			c.blocks[open].end = len(c.lines)
			l.block = open
			open = -1
		default:
			l.block = open
		}
		l.kind = kind
		c.lines = append(c.lines, l)
	}
	if open >= 0 {
		b := c.blocks[open]
		return &ParseError{Line: b.begin + 1, Msg: fmt.Sprintf("managed block %q has no END marker", b.id)}
	}
	return nil
}

// parseMarker recognises a marker line. Spaces and tabs around the marker and a trailing '\r' are
// tolerated, so that a hand-edited or re-saved file still parses; id is the trimmed rest of the line.
// isMarker is true for any line that starts like a marker, valid id or not.
func parseMarker(content []byte) (kind lineKind, id string, isMarker bool) {
	t := trimSpaceTab(bytes.TrimRight(content, " \t\r"))
	if len(t) == 0 || t[0] != '#' {
		return kindText, "", false
	}
	switch {
	case bytes.HasPrefix(t, []byte(beginMarkerPrefix)):
		return kindBegin, string(trimSpaceTab(t[len(beginMarkerPrefix):])), true
	case bytes.HasPrefix(t, []byte(endMarkerPrefix)):
		return kindEnd, string(trimSpaceTab(t[len(endMarkerPrefix):])), true
	}
	return kindText, "", false
}

func trimSpaceTab(b []byte) []byte { return bytes.Trim(b, " \t") }

// HasBytes reports whether data are the bytes the Conf was parsed from.
func (c *Conf) HasBytes(data []byte) bool { return bytes.Equal(c.data, data) }

// Bytes returns the exact bytes the Conf was parsed from.
func (c *Conf) Bytes() []byte { return bytes.Clone(c.data) }

// LineEnding returns "\r\n" when more of the file's lines end in CRLF than in a bare LF, else "\n"
// (also for an empty file or a single line without ending).
func (c *Conf) LineEnding() string {
	if c.crlf > c.lf {
		return "\r\n"
	}
	return "\n"
}

// BlockInfo describes one managed block.
type BlockInfo struct {
	ID string
	// StartLine and EndLine are the 1-based lines of the BEGIN and END markers.
	StartLine, EndLine int
	// Lines are the content lines between the markers, without line endings.
	Lines []string
}

func (c *Conf) blockInfo(b confBlock) BlockInfo {
	info := BlockInfo{ID: b.id, StartLine: b.begin + 1, EndLine: b.end + 1, Lines: []string{}}
	for _, l := range c.lines[b.begin+1 : b.end] {
		info.Lines = append(info.Lines, string(c.data[l.start:l.contentEnd]))
	}
	return info
}

// Blocks returns every managed block, whatever its id, in file order.
func (c *Conf) Blocks() []BlockInfo {
	out := make([]BlockInfo, 0, len(c.blocks))
	for _, b := range c.blocks {
		out = append(out, c.blockInfo(b))
	}
	return out
}

// Block returns the blocks named id in file order: none, one, or duplicates.
func (c *Conf) Block(id string) []BlockInfo {
	var out []BlockInfo
	for _, b := range c.blocks {
		if b.id == id {
			out = append(out, c.blockInfo(b))
		}
	}
	return out
}

// Setting is one setting of neo4j.conf as Neo4j reads it (see properties.go): its decoded key and
// value, whatever the separator ('=', ':' or blanks), the escapes and the continuation lines.
type Setting struct {
	Key, Value string
	Line       int    // 1-based: the line the setting starts on
	BlockID    string // "" when the line is outside every managed block
}

// entries returns the file's settings as java.util.Properties.load reads them; parsed once.
func (c *Conf) entries() []PropEntry {
	c.propOnce.Do(func() {
		if c.base != nil {
			c.props, c.keyHashes = c.base.splice()
			c.base = nil
		} else {
			c.props = ParseProperties(c.data)
			c.keyHashes = appendKeyHashes(make([]uint64, 0, len(c.props)), c.props)
		}
		c.propsReady.Store(true)
	})
	return c.props
}

// keySeed seeds keyHash for the life of the process.
var keySeed = maphash.MakeSeed()

// keyHash hashes a decoded key, so that Conflicts compares most keys by a number.
func keyHash(k string) uint64 { return maphash.String(keySeed, k) }

func appendKeyHashes(out []uint64, entries []PropEntry) []uint64 {
	for _, e := range entries {
		out = append(out, keyHash(e.Key))
	}
	return out
}

// lineAt returns the 0-based index of the line holding byte offset off (the last line for the end
// of the file).
func (c *Conf) lineAt(off int) int {
	i := sort.Search(len(c.lines), func(i int) bool { return c.lines[i].end > off })
	if i == len(c.lines) {
		i = len(c.lines) - 1
	}
	return i
}

// entryLines returns the 0-based indexes of the first and last line an entry touches.
func (c *Conf) entryLines(e PropEntry) (first, last int) {
	return c.lineAt(e.First), c.lineAt(e.End)
}

// Settings returns every setting in file order, as Neo4j reads it: comments (first non-blank
// character '#' or '!') and blank lines are skipped, keys and values are decoded, and a setting
// continued over several lines is one setting on the line it starts on. A setting Neo4j cannot read
// (a malformed \uXXXX, see Problems) is listed with its escapes decoded as far as they go.
func (c *Conf) Settings() []Setting {
	var out []Setting
	for _, e := range c.entries() {
		i := c.lineAt(e.First)
		s := Setting{Key: e.Key, Value: e.Value, Line: i + 1}
		if b := c.lines[i].block; b >= 0 {
			s.BlockID = c.blocks[b].id
		}
		out = append(out, s)
	}
	return out
}

// Problem is a line of neo4j.conf that Neo4j cannot load at all: java.util.Properties.load throws on
// it, and Neo4j does not start.
type Problem struct {
	Line int // 1-based
	Msg  string
}

// Problems returns the lines Neo4j cannot load (a malformed \uXXXX escape), in file order.
func (c *Conf) Problems() []Problem {
	var out []Problem
	for _, e := range c.entries() {
		if e.Err != nil {
			out = append(out, Problem{Line: c.lineAt(e.First) + 1, Msg: e.Err.Error()})
		}
	}
	return out
}

// ContinuationError reports an edit after which Neo4j would read the file differently from what it
// means: a line that ends in a backslash continues (for Neo4j) onto the next line, so a managed
// block next to it would become part of a foreign setting, or the other way round.
type ContinuationError struct {
	Line int // 1-based line of the setting that continues
	Msg  string
}

func (e *ContinuationError) Error() string {
	return fmt.Sprintf("neo4j.conf line %d: %s", e.Line, e.Msg)
}

// checkIsolation checks that block id is read by Neo4j as its own lines: no setting runs onto one of
// its marker lines (a marker is a comment only where a logical line starts), and none runs from
// inside it to outside or back.
func (c *Conf) checkIsolation(id string) error {
	in := func(i int) bool { b := c.lines[i].block; return b >= 0 && c.blocks[b].id == id }
	for _, e := range c.entries() {
		first, last := c.entryLines(e)
		for i := first; i <= last; i++ {
			if c.lines[i].kind != kindText && in(i) {
				return &ContinuationError{Line: first + 1, Msg: fmt.Sprintf(
					"the setting %q ends in a backslash, which continues it onto line %d, the marker of the managed block %q, so Neo4j would read the marker as part of that setting's value",
					e.Key, i+1, id)}
			}
			if in(i) != in(first) {
				return &ContinuationError{Line: first + 1, Msg: fmt.Sprintf(
					"the setting %q continues (trailing backslash) from line %d to line %d, across the edge of the managed block %q", e.Key, first+1, i+1, id)}
			}
		}
	}
	return nil
}

// CheckRemove returns a *ContinuationError when removing block id would change how Neo4j reads a
// setting outside it: a foreign line ending in a backslash runs into the block's BEGIN marker, and
// without the block it would run into the lines after it instead.
func (c *Conf) CheckRemove(id string) error {
	out := c.RemoveBlock(id)
	dv, err := c.derive(out)
	if err != nil {
		return err
	}
	lo, hi := dv.lo, dv.hi
	for _, b := range c.blocks {
		if b.id == id {
			lo, hi = min(lo, b.begin), max(hi, b.end+1)
		}
	}
	if _, _, _, olds, news := dv.read(c, lo, hi, true); sameForeign(c, olds, dv.nc, news, id) {
		return nil
	}
	return c.checkRemoveWhole(id)
}

// checkRemoveWhole is CheckRemove reading both whole files: the reference for CheckRemove, and what
// names the setting when it refuses.
func (c *Conf) checkRemoveWhole(id string) error {
	nc, err := ParseConf(c.RemoveBlock(id))
	if err != nil {
		return err
	}
	before := c.foreignSettings(id)
	if i, ok := sameReading(before, nc.entries()); !ok {
		line, key := len(c.lines), ""
		if i < len(before) {
			line, key = c.lineAt(before[i].First)+1, before[i].Key
		}
		return &ContinuationError{Line: line, Msg: fmt.Sprintf(
			"the setting %q ends in a backslash and runs into the managed block %q; without the block it would run into the lines after it", key, id)}
	}
	return nil
}

// foreignSettings returns the settings that start outside block id, as Neo4j reads them.
func (c *Conf) foreignSettings(id string) []PropEntry {
	var out []PropEntry
	for _, e := range c.entries() {
		if b := c.lines[c.lineAt(e.First)].block; b < 0 || c.blocks[b].id != id {
			out = append(out, e)
		}
	}
	return out
}

// sameReading reports whether two lists of settings read the same (keys, values, loadability), and
// where they first differ.
func sameReading(a, b []PropEntry) (int, bool) {
	for i := 0; i < len(a) || i < len(b); i++ {
		if i >= len(a) || i >= len(b) || a[i].Key != b[i].Key || a[i].Value != b[i].Value || (a[i].Err == nil) != (b[i].Err == nil) {
			return i, false
		}
	}
	return 0, true
}

// checkEditWhole checks that the edited file out reads, for Neo4j, like c outside block id, and that
// the block stands on its own lines, reading both whole files. It is the reference for checkEdit
// (conf_edit.go), which reads only the lines around the edit, and names the setting when that
// check fails.
func (c *Conf) checkEditWhole(id string, out []byte) error {
	nc, err := ParseConf(out)
	if err != nil {
		return err
	}
	if err := nc.checkIsolation(id); err != nil {
		return err
	}
	before, after := c.foreignSettings(id), nc.foreignSettings(id)
	if i, ok := sameReading(before, after); !ok {
		line := len(c.lines)
		what := "a setting"
		if i < len(before) {
			line = c.lineAt(before[i].First) + 1
			what = fmt.Sprintf("the setting %q", before[i].Key)
		}
		return &ContinuationError{Line: line, Msg: fmt.Sprintf(
			"writing the managed block %q would change how Neo4j (java.util.Properties) reads %s outside it: a line ending in a backslash continues onto the next line", id, what)}
	}
	return nil
}

// checkBlockLines refuses content lines that would break the file's structure.
func checkBlockLines(lines []string) error {
	for i, s := range lines {
		if strings.ContainsAny(s, "\r\n") {
			return fmt.Errorf("managed block line %d contains a line break: %q", i+1, s)
		}
		if _, _, isMarker := parseMarker([]byte(s)); isMarker {
			return fmt.Errorf("managed block line %d is itself a managed block marker: %q", i+1, s)
		}
		if n := len(s) - len(strings.TrimRight(s, `\`)); n%2 == 1 {
			return fmt.Errorf("managed block line %d ends in a backslash, which Neo4j reads as a continuation onto the next line: %q", i+1, s)
		}
	}
	return nil
}

// SetBlock returns new file bytes in which block id holds exactly lines. The first block with this
// id is replaced in place (markers and content; the ending after its END marker is kept), further
// blocks with the same id are dropped, and without one the block is appended at the end of the
// file. Lines are written with LineEnding(). When appending to a non-empty file that does not end
// with '\n', SetBlock first writes a line ending (LineEnding(), or "\r\n" when the file ends in a
// bare '\r', so that this '\r' is not merged into the new ending) and writes no ending after the
// END marker: the block then owns that ending (see the end-of-file rule above), and RemoveBlock
// restores the original bytes exactly.
//
// SetBlock refuses (with a *ContinuationError) an edit after which Neo4j would read the file
// differently outside the block, or read the block's lines as part of another setting: a foreign line
// ending in a backslash continues, for Neo4j, onto the line after it, marker or not.
func (c *Conf) SetBlock(id string, lines []string) ([]byte, error) {
	if err := ValidateBlockID(id); err != nil {
		return nil, err
	}
	if err := checkBlockLines(lines); err != nil {
		return nil, err
	}
	out := c.setBlock(id, lines)
	if err := c.checkEdit(id, out); err != nil {
		return nil, err
	}
	return out, nil
}

// setBlock returns the bytes SetBlock writes, unchecked. The bytes outside the blocks named id are
// copied in runs, between those blocks.
func (c *Conf) setBlock(id string, lines []string) []byte {
	le := c.LineEnding()
	d := c.data
	size := len(d) + 2 + len(BeginMarker(id)) + len(EndMarker(id)) + 2*len(le)
	for _, s := range lines {
		size += len(s) + len(le)
	}
	var out []byte
	kept, last := -1, -1 // the block written in place, and the last block named id
	pos := 0             // the next byte of d to copy
	for i, b := range c.blocks {
		if b.id != id {
			continue
		}
		start, endLine := c.lines[b.begin].start, c.lines[b.end]
		if kept < 0 {
			kept = i
			out = growCopy(d[:start], size)
			out = appendBlock(out, id, lines, le)
			out = append(out, d[endLine.contentEnd:endLine.end]...)
		} else {
			out = append(out, d[pos:start]...)
		}
		pos, last = endLine.end, i
	}
	if kept < 0 {
		// No block yet: append one.
		out = growCopy(d, size)
		trailing := le
		if len(d) > 0 && d[len(d)-1] != '\n' {
			if d[len(d)-1] == '\r' {
				out = append(out, "\r\n"...)
			} else {
				out = append(out, le...)
			}
			trailing = ""
		}
		out = appendBlock(out, id, lines, le)
		return append(out, trailing...)
	}
	out = append(out, d[pos:]...)
	if last != kept && c.blocks[last].end == len(c.lines)-1 {
		out = applyEOFRule(out, d, endingLen(out))
	}
	return out
}

// growCopy returns a copy of b with room for size bytes in all. The copied bytes are not cleared
// first, as make would: for a large file the clearing costs as much as the copy.
func growCopy(b []byte, size int) []byte {
	out := append(b[:0:0], b...)
	if cap(out) < size {
		out = slices.Grow(out, size-len(out))
	}
	return out
}

// endingLen returns the length of the line ending out ends with: 2 for "\r\n", 1 for "\n", else 0.
func endingLen(out []byte) int {
	switch {
	case bytes.HasSuffix(out, []byte("\r\n")):
		return 2
	case bytes.HasSuffix(out, []byte("\n")):
		return 1
	}
	return 0
}

// appendBlock writes the markers and lines, each followed by le except the END marker.
func appendBlock(out []byte, id string, lines []string, le string) []byte {
	out = append(out, beginMarkerPrefix...)
	out = append(out, ' ')
	out = append(out, id...)
	out = append(out, le...)
	for _, s := range lines {
		out = append(out, s...)
		out = append(out, le...)
	}
	out = append(out, endMarkerPrefix...)
	out = append(out, ' ')
	out = append(out, id...)
	return out
}

// applyEOFRule is called when the last line of the original file d belonged to a dropped block. If
// that line had no ending, the dropped blocks at the end of the file owned the ending of the line
// before them, which is the last line of out: drop it too.
func applyEOFRule(out, d []byte, lastEnding int) []byte {
	if len(d) > 0 && d[len(d)-1] != '\n' {
		return out[:len(out)-lastEnding]
	}
	return out
}

// RemoveBlock returns new file bytes without any block named id: their marker lines, content lines
// and line endings are removed, and a block at the end of the file without a final line ending
// also takes the line ending before it (the end-of-file rule). Everything else is byte-identical.
// Without such a block it returns the original bytes.
func (c *Conf) RemoveBlock(id string) []byte {
	d := c.data
	out := make([]byte, 0, len(d))
	pos, last := 0, -1
	for i, b := range c.blocks {
		if b.id != id {
			continue
		}
		out = append(out, d[pos:c.lines[b.begin].start]...)
		pos, last = c.lines[b.end].end, i
	}
	out = append(out, d[pos:]...)
	if last >= 0 && c.blocks[last].end == len(c.lines)-1 {
		out = applyEOFRule(out, d, endingLen(out))
	}
	return out
}

// Conflict is a line outside a block that sets a key the block also sets.
type Conflict struct {
	Key     string
	Line    int    // 1-based
	BlockID string // "" for a line outside every managed block, else the id of the other block
	Value   string
}

func (k Conflict) String() string {
	where := "outside the managed blocks"
	if k.BlockID != "" {
		where = fmt.Sprintf("in managed block %q", k.BlockID)
	}
	return fmt.Sprintf("line %d %s already sets %s=%s", k.Line, where, k.Key, k.Value)
}

// repeatableKeys may appear any number of times in neo4j.conf, so repeating them is no conflict.
var repeatableKeys = map[string]bool{
	"dbms.jvm.additional":   true,
	"server.jvm.additional": true,
}

// Conflicts returns, in file order, every setting outside block id (lines outside every block and
// lines of other managed blocks) whose key, as Neo4j decodes it (see Settings), is one of keys.
// Commented-out lines are ignored, and so are the keys Neo4j allows to repeat (dbms.jvm.additional,
// server.jvm.additional).
func (c *Conf) Conflicts(id string, keys []string) []Conflict {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		k = strings.Trim(k, " \t")
		if k != "" && !repeatableKeys[k] {
			want[k] = true
		}
	}
	var out []Conflict
	if len(want) == 0 {
		return out
	}
	// A setting whose key's hash is not among the wanted keys' hashes (a 256-bit filter) is passed
	// over without looking at its key: a file of a thousand policies' blocks is scanned by numbers.
	var filter [4]uint64
	for k := range want {
		h := keyHash(k) & 255
		filter[h>>6] |= 1 << (h & 63)
	}
	entries := c.entries()
	for i, h := range c.keyHashes {
		if h &= 255; filter[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		e := entries[i]
		if !want[e.Key] {
			continue
		}
		i := c.lineAt(e.First)
		blockID := ""
		if b := c.lines[i].block; b >= 0 {
			blockID = c.blocks[b].id
		}
		if blockID != id || blockID == "" {
			out = append(out, Conflict{Key: e.Key, Line: i + 1, BlockID: blockID, Value: e.Value})
		}
	}
	return out
}
