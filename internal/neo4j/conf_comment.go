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

// CommentOut returns new file bytes in which the given 1-based lines, which must be setting lines
// outside every managed block, carry block id's comment-out marker. Everything else is unchanged.
func (c *Conf) CommentOut(id string, lines []int) ([]byte, error) {
	if err := ValidateBlockID(id); err != nil {
		return nil, err
	}
	want := map[int]bool{}
	for _, n := range lines {
		if n < 1 || n > len(c.lines) {
			return nil, fmt.Errorf("line %d is not in the file", n)
		}
		l := c.lines[n-1]
		if l.kind != kindText || l.block >= 0 {
			return nil, fmt.Errorf("line %d is inside a managed block", n)
		}
		if _, _, ok := parseSetting(c.data[l.start:l.contentEnd]); !ok {
			return nil, fmt.Errorf("line %d is not a setting", n)
		}
		want[n] = true
	}
	prefix := commentOutPrefix(id)
	out := make([]byte, 0, len(c.data)+len(lines)*len(prefix))
	for i, l := range c.lines {
		if want[i+1] {
			out = append(out, prefix...)
		}
		out = append(out, c.data[l.start:l.end]...)
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
