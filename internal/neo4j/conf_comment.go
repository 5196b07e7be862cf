package neo4j

import (
	"bytes"
	"fmt"
)

// A resource with on_conflict = "comment_out" may comment out a foreign line that sets one of its
// keys. The line keeps its bytes and its line ending; only a marker naming the resource is put in
// front of its content, so that destroy can restore it exactly:
//
//	#dbtls-commented-out[dbtls_channel_binding bolt] server.bolt.tls_level=OPTIONAL

const commentOutOpen = "#dbtls-commented-out["

func commentOutPrefix(id string) []byte { return []byte(commentOutOpen + id + "] ") }

// CommentedLine is a foreign line that a managed block's owner commented out.
type CommentedLine struct {
	Line     int    // 1-based
	Original string // the line's content as it was, without its line ending
}

// Commented returns the lines that block id has commented out, in file order.
func (c *Conf) Commented(id string) []CommentedLine {
	prefix := commentOutPrefix(id)
	var out []CommentedLine
	for i, l := range c.lines {
		content := c.data[l.start:l.contentEnd]
		if l.kind == kindText && l.block < 0 && bytes.HasPrefix(content, prefix) {
			out = append(out, CommentedLine{Line: i + 1, Original: string(content[len(prefix):])})
		}
	}
	return out
}

// CommentOut returns new file bytes in which the settings starting on the given 1-based lines, which
// must lie outside every managed block, carry block id's comment-out marker. A setting continued over
// several lines (trailing backslash) has the marker on each of them, since a comment never continues.
// Everything else is unchanged; the edit is refused when Neo4j would then read any other setting
// differently (for example two settings on one line, separated by a lone carriage return).
func (c *Conf) CommentOut(id string, lines []int) ([]byte, error) {
	if err := ValidateBlockID(id); err != nil {
		return nil, err
	}
	want := map[int]bool{}   // 0-based lines that get the marker
	starts := map[int]bool{} // 0-based lines whose settings are commented out
	for _, n := range lines {
		if n < 1 || n > len(c.lines) {
			return nil, fmt.Errorf("line %d is not in the file", n)
		}
		if l := c.lines[n-1]; l.kind != kindText || l.block >= 0 {
			return nil, fmt.Errorf("line %d is inside a managed block", n)
		}
		found := false
		for _, e := range c.entries() {
			first, last := c.entryLines(e)
			if first != n-1 {
				continue
			}
			found = true
			for i := first; i <= last; i++ {
				if l := c.lines[i]; l.kind != kindText || l.block >= 0 {
					return nil, &ContinuationError{Line: n, Msg: fmt.Sprintf("the setting %q continues (trailing backslash) into a managed block on line %d", e.Key, i+1)}
				}
				want[i] = true
			}
		}
		if !found {
			return nil, fmt.Errorf("line %d is not a setting", n)
		}
		starts[n-1] = true
	}
	prefix := commentOutPrefix(id)
	out := make([]byte, 0, len(c.data)+len(want)*len(prefix))
	for i, l := range c.lines {
		if want[i] {
			out = append(out, prefix...)
		}
		out = append(out, c.data[l.start:l.end]...)
	}
	// Neo4j must read the result as the file without those settings, and nothing else.
	var expect []PropEntry
	for _, e := range c.entries() {
		if !starts[c.lineAt(e.First)] {
			expect = append(expect, e)
		}
	}
	nc, err := ParseConf(out)
	if err != nil {
		return nil, err
	}
	if i, ok := sameReading(expect, nc.entries()); !ok {
		line := len(c.lines)
		if i < len(expect) {
			line = c.lineAt(expect[i].First) + 1
		}
		return nil, &ContinuationError{Line: line, Msg: "commenting out the conflicting lines would change how Neo4j reads another setting (a lone carriage return or a trailing backslash joins them); edit the file by hand"}
	}
	return out, nil
}

// RestoreCommented returns new file bytes in which every line block id commented out is restored to
// its original bytes.
func (c *Conf) RestoreCommented(id string) []byte {
	prefix := commentOutPrefix(id)
	out := make([]byte, 0, len(c.data))
	for _, l := range c.lines {
		content := c.data[l.start:l.contentEnd]
		if l.kind == kindText && l.block < 0 && bytes.HasPrefix(content, prefix) {
			out = append(out, c.data[l.start+len(prefix):l.end]...)
			continue
		}
		out = append(out, c.data[l.start:l.end]...)
	}
	return out
}

// Line returns the content of the 1-based line n without its line ending ("" when out of range).
func (c *Conf) Line(n int) string {
	if n < 1 || n > len(c.lines) {
		return ""
	}
	l := c.lines[n-1]
	return string(c.data[l.start:l.contentEnd])
}
