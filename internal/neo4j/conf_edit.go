package neo4j

import (
	"bytes"
	"slices"
	"sort"
)

// This file makes an edit of neo4j.conf cost what it changes rather than the size of the file. A
// provider applying N policies to one neo4j.conf edits it N times (and checks each edit once more
// when planning it); re-reading the whole file for each edit made an apply O(N²).
//
// An edit (SetBlock, RemoveBlock) changes one stretch of the file: the bytes before it and after it
// are the same in the old and the new file. Reparse parses only the lines of that stretch and takes
// the others from the old parse, shifted. The checks of an edit read, as Neo4j does, only the
// settings of that stretch, widened to lines where Neo4j's reader (properties.go) starts a logical
// line afresh in both files: before them, both files read the same settings; after them too.
//
// Where the reader starts afresh: a logical line ends at a line break unless the natural line before
// the break ends in an odd number of backslashes (a comment never continues, so a comment line only
// makes the test stricter than needed). So after a line break whose natural line does not end in an
// odd run of backslashes, the reader is at the start of a logical line, whatever came before; the
// state it would be in after a continuation onto an empty line reads every following byte the same.
// A managed block's own lines never end in a backslash (checkBlockLines), but foreign lines may, so
// the window grows over every such line next to it.

// derivation is the parse of an edit of a Conf. The old file's lines [0, lo) are the new file's lines
// [0, lo), byte for byte; the old file's lines from hi on are the new file's lines from hi+shift on,
// moved by len(new)-len(old) bytes. Both lo and hi are lines that start outside every managed block.
type derivation struct {
	out       []byte // the new file's bytes (nc's own copy)
	nc        *Conf
	lo, hi    int
	shift     int // new line index minus old line index after the change
	byteShift int
	old       *Conf // set while nc's settings are to be spliced from old's (whose settings are read)
}

// Reparse returns what ParseConf(out) returns, for out an edit of c's bytes: an unchanged prefix
// and suffix of c's lines are taken from c (and, when c's settings have been read, their settings
// too), and only the lines between them are parsed. Its cost is a comparison of the two files plus
// the changed lines. The result of the last edit is kept, so that the checks of SetBlock and the
// parse of its result share one parse.
func (c *Conf) Reparse(out []byte) (*Conf, error) {
	dv, err := c.derive(out)
	if err != nil {
		return nil, err
	}
	return dv.nc, nil
}

func (c *Conf) derive(out []byte) (*derivation, error) {
	if dv := c.derived.Load(); dv != nil && bytes.Equal(dv.out, out) {
		return dv, nil
	}
	dv, err := c.deriveNew(out)
	if err != nil {
		return nil, err
	}
	c.derived.Store(dv)
	return dv, nil
}

// deriveWhole parses out from scratch, as one changed stretch.
func (c *Conf) deriveWhole(out []byte) (*derivation, error) {
	nc, err := ParseConf(out)
	if err != nil {
		return nil, err
	}
	return &derivation{out: nc.data, nc: nc, lo: 0, hi: len(c.lines), shift: len(nc.lines) - len(c.lines), byteShift: len(nc.data) - len(c.data)}, nil
}

func (c *Conf) deriveNew(out []byte) (*derivation, error) {
	d := c.data
	n := len(c.lines)
	p := commonPrefix(d, out)
	s := commonSuffix(d[p:], out[p:])

	// lo: the line holding the first changed byte (the last line when bytes are added after a last
	// line without ending), or the BEGIN marker of the block it is in.
	lo := n
	if p < len(d) || (len(d) > 0 && d[len(d)-1] != '\n') {
		lo = c.lineAt(p)
	}
	if lo < n && c.lines[lo].block >= 0 {
		lo = c.blocks[c.lines[lo].block].begin
	}
	// hi: the first line that starts within the unchanged suffix, or after the END marker of the
	// block that line is in.
	hi := n
	if s > 0 {
		if j := bytes.IndexByte(d[len(d)-s:], '\n'); j >= 0 && len(d)-s+j+1 < len(d) {
			hi = c.lineAt(len(d) - s + j + 1)
		}
	}
	if hi < n && c.lines[hi].block >= 0 && c.lines[hi].kind != kindBegin {
		hi = c.blocks[c.lines[hi].block].end + 1
	}
	hi = max(hi, lo)
	delta := len(out) - len(d)

	nc := &Conf{data: bytes.Clone(out)}
	if nc.data == nil {
		nc.data = []byte{}
	}
	blo := sort.Search(len(c.blocks), func(i int) bool { return c.blocks[i].begin >= lo })
	bhi := sort.Search(len(c.blocks), func(i int) bool { return c.blocks[i].begin >= hi })
	// The unchanged lines before the window, copied without clearing them first (confLine holds no
	// pointers), with room for the window's lines and those after it.
	nc.lines = slices.Grow(c.lines[:lo:lo], bytes.Count(nc.data[c.lineStart(lo):c.lineStart(hi)+delta], []byte{'\n'})+1+n-hi)
	nc.blocks = make([]confBlock, 0, len(c.blocks)+1)
	nc.blocks = append(nc.blocks, c.blocks[:blo]...)
	nc.crlf, nc.lf = c.crlf, c.lf
	for _, l := range c.lines[lo:hi] {
		switch {
		case l.end-l.contentEnd == 2:
			nc.crlf--
		case l.end > l.contentEnd:
			nc.lf--
		}
	}
	if err := nc.scan(c.lineStart(lo), c.lineStart(hi)+delta); err != nil {
		// A structure error, or a block left open into the unchanged lines: the whole file says
		// which.
		return c.deriveWhole(out)
	}
	shift := len(nc.lines) - hi
	bshift := len(nc.blocks) - bhi
	for _, l := range c.lines[hi:] {
		l.start += delta
		l.contentEnd += delta
		l.end += delta
		if l.block >= 0 {
			l.block += bshift
		}
		nc.lines = append(nc.lines, l)
	}
	for _, b := range c.blocks[bhi:] {
		b.begin += shift
		b.end += shift
		nc.blocks = append(nc.blocks, b)
	}
	dv := &derivation{out: nc.data, nc: nc, lo: lo, hi: hi, shift: shift, byteShift: delta}

	if c.propsReady.Load() {
		// nc's settings, when asked for, are c's before and after the window, and the window's.
		dv.old = c
		nc.base = dv
	}
	return dv, nil
}

// splice returns the settings of dv.nc, and their key hashes: those of dv.old before and after the
// changed lines (moved), and those read in between. dv.old's settings are read.
func (dv *derivation) splice() ([]PropEntry, []uint64) {
	c := dv.old
	x, yo, _, _, news := dv.read(c, dv.lo, dv.hi, false)
	i := sort.Search(len(c.props), func(i int) bool { return c.props[i].First >= x })
	j := sort.Search(len(c.props), func(i int) bool { return c.props[i].First >= yo })
	props := make([]PropEntry, 0, i+len(news)+len(c.props)-j)
	props = append(props, c.props[:i]...)
	props = append(props, news...)
	for _, e := range c.props[j:] {
		e.First += dv.byteShift
		e.End += dv.byteShift
		props = append(props, e)
	}
	hashes := make([]uint64, 0, len(props))
	hashes = append(hashes, c.keyHashes[:i]...)
	hashes = appendKeyHashes(hashes, news)
	hashes = append(hashes, c.keyHashes[j:]...)
	return props, hashes
}

// lineStart returns the offset of line i, or the end of the data for i == len(lines).
func (c *Conf) lineStart(i int) int {
	if i >= len(c.lines) {
		return len(c.data)
	}
	return c.lines[i].start
}

// continues reports whether Neo4j's reader may continue the logical line of l onto the next line: the
// last natural line of l (after its last lone '\r') ends in an odd number of backslashes.
func continues(d []byte, l confLine) bool {
	content := d[l.start:l.contentEnd]
	if i := bytes.LastIndexByte(content, '\r'); i >= 0 {
		content = content[i+1:]
	}
	n := len(content) - len(bytes.TrimRight(content, `\`))
	return n%2 == 1
}

// read widens the old lines [lo, hi) (lo <= dv.lo, hi >= dv.hi) to lines where Neo4j's reader starts
// afresh in both files, and reads the settings there: x is where the window starts (the same offset
// in both files), yo and yn where it ends in c and in dv.nc, olds and news their settings (olds only
// when withOld). The settings before x, and from yo (yn) on, are the same in both files.
func (dv *derivation) read(c *Conf, lo, hi int, withOld bool) (x, yo, yn int, olds, news []PropEntry) {
	nc := dv.nc
	for lo > 0 && continues(c.data, c.lines[lo-1]) {
		lo--
	}
	for hi < len(c.lines) && ((hi > 0 && continues(c.data, c.lines[hi-1])) || (hi+dv.shift > 0 && continues(nc.data, nc.lines[hi+dv.shift-1]))) {
		hi++
	}
	x, yo, yn = c.lineStart(lo), c.lineStart(hi), nc.lineStart(hi+dv.shift)
	if withOld {
		olds = propertiesAt(c.data, x, yo)
	}
	return x, yo, yn, olds, propertiesAt(nc.data, x, yn)
}

// propertiesAt reads data[from:to] as a file of its own, with the offsets of data.
func propertiesAt(data []byte, from, to int) []PropEntry {
	out := ParseProperties(data[from:to])
	for i := range out {
		out[i].First += from
		out[i].End += from
	}
	return out
}

// checkEdit is checkEditWhole, reading only the lines the edit changes and the lines next to them
// that Neo4j's reader joins to them. The settings before and after them read the same in both files
// and touch no line of block id, so the edit passes the whole-file checks exactly when its window
// does. When the window fails them, the whole-file check names the setting.
func (c *Conf) checkEdit(id string, out []byte) error {
	dv, err := c.derive(out)
	if err != nil {
		return err
	}
	nc := dv.nc
	// Every block id of either file lies in the window: a block of the new file outside the changed
	// lines is also a block of the old file.
	lo, hi := dv.lo, dv.hi
	for _, b := range c.blocks {
		if b.id == id {
			lo, hi = min(lo, b.begin), max(hi, b.end+1)
		}
	}
	_, _, _, olds, news := dv.read(c, lo, hi, true)
	if !nc.isolated(id, news) || !sameForeign(c, olds, nc, news, id) {
		return c.checkEditWhole(id, out)
	}
	return nil
}

// isolated reports whether none of entries runs onto a marker of block id or across its edge.
func (c *Conf) isolated(id string, entries []PropEntry) bool {
	in := func(i int) bool { b := c.lines[i].block; return b >= 0 && c.blocks[b].id == id }
	for _, e := range entries {
		first, last := c.entryLines(e)
		for i := first; i <= last; i++ {
			if (c.lines[i].kind != kindText && in(i)) || in(i) != in(first) {
				return false
			}
		}
	}
	return true
}

// sameForeign reports whether the settings a of c and b of nc that start outside block id read the
// same.
func sameForeign(c *Conf, a []PropEntry, nc *Conf, b []PropEntry, id string) bool {
	_, ok := sameReading(c.foreignOf(a, id), nc.foreignOf(b, id))
	return ok
}

// foreignOf returns the entries of c that start outside block id.
func (c *Conf) foreignOf(entries []PropEntry, id string) []PropEntry {
	out := make([]PropEntry, 0, len(entries))
	for _, e := range entries {
		if b := c.lines[c.lineAt(e.First)].block; b < 0 || c.blocks[b].id != id {
			out = append(out, e)
		}
	}
	return out
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	const chunk = 512
	n := min(len(a), len(b))
	i := 0
	for i+chunk <= n && bytes.Equal(a[i:i+chunk], b[i:i+chunk]) {
		i += chunk
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix returns the length of the longest common suffix of a and b.
func commonSuffix(a, b []byte) int {
	const chunk = 512
	n := min(len(a), len(b))
	i := 0
	for i+chunk <= n && bytes.Equal(a[len(a)-i-chunk:len(a)-i], b[len(b)-i-chunk:len(b)-i]) {
		i += chunk
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
