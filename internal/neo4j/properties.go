package neo4j

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// This file reads neo4j.conf the way Neo4j does. From 4.0 to the current 5.x and calendar versions,
// Neo4j loads the file with java.util.Properties.load over the file's bytes (Neo4j source,
// community/configuration/src/main/java/org/neo4j/configuration/Config.java, Config.Builder.fromFile:
// `new Properties() { put(...) -> setRaw(...) }.load(stream)` on a FileInputStream, which Properties
// reads as ISO 8859-1). The grammar below is that of Properties.load (JDK 17's LineReader and
// loadConvert), and internal/neo4j's tests cross-check it against the JDK itself:
//
//   - Natural lines end at "\n", "\r\n" or a lone "\r". Every byte is one character (ISO 8859-1).
//   - Leading blanks (space, tab, form feed) of a logical line are skipped; blank lines are skipped.
//   - A logical line whose first character is '#' or '!' is a comment, up to the end of its natural
//     line. A comment never continues onto the next line.
//   - A natural line ending in an odd number of backslashes continues onto the next natural line: the
//     last backslash and the line break are dropped, and so are the blanks that start the next line.
//     The next line is never a comment then, even when it starts with '#'. A continuation onto an
//     empty (or blank) line ends the logical line. A trailing backslash at the end of the file is
//     dropped.
//   - The key runs up to the first '=', ':', space, tab or form feed not escaped by a backslash. After
//     it, blanks, then at most one '=' or ':', then blanks again are skipped; the rest is the value.
//   - In key and value, "\t", "\n", "\r", "\f" are the control characters, "\uXXXX" is the UTF-16
//     code unit XXXX (exactly four hex digits), and a backslash before any other character stands for
//     that character.
//
// Where Java throws (a malformed "\uXXXX": load fails with IllegalArgumentException, so Neo4j does not
// start), ParseProperties does not: it reports the entry with Err set, and decodes the escape as a
// literal 'u' so that the rest of the line can still be located and reported.

// PropEntry is one key/value pair as java.util.Properties.load reads it.
type PropEntry struct {
	// Key and Value are decoded, as UTF-8 Go strings (a lone UTF-16 surrogate from a "\uXXXX" escape
	// becomes U+FFFD).
	Key, Value string
	// First is the byte offset of the logical line's first character (after the skipped blanks), End
	// the offset of the line break that ends it (len(data) at the end of the file). A logical line
	// that continues over several natural lines spans them all.
	First, End int
	// Err is non-nil when Java's Properties.load would throw on this line (a malformed \uXXXX).
	Err error
}

// Raw returns the undecoded bytes of the logical line, continuation breaks included.
func (e PropEntry) Raw(data []byte) []byte { return data[e.First:e.End] }

// ParseProperties returns every key/value pair of data in file order, as java.util.Properties.load
// reads them (repeated keys included: Properties keeps the last one, Neo4j sees each in turn).
func ParseProperties(data []byte) []PropEntry {
	var out []PropEntry
	r := propReader{data: data}
	for {
		line, first, end, ok := r.readLine()
		if !ok {
			return out
		}
		out = append(out, splitEntry(line, first, end))
	}
}

// propReader mirrors JDK 17's Properties.LineReader over bytes.
type propReader struct {
	data   []byte
	off    int
	skipLF bool // a continuation ended in "\r": a "\n" right after it belongs to that break
}

func isPropBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// readLine returns the characters of the next logical line (continuations joined), the offset of its
// first character and of the line break that ends it. ok is false at the end of the input.
func (r *propReader) readLine() (line []byte, first, end int, ok bool) {
	d := r.data
	skipBlank := true
	appendedLineBegin := false
	precedingBackslash := false
	first = -1
	for {
		if r.off >= len(d) {
			if len(line) == 0 {
				return nil, 0, 0, false
			}
			if precedingBackslash {
				line = line[:len(line)-1]
			}
			return line, first, len(d), true
		}
		c := d[r.off]
		r.off++
		if r.skipLF {
			r.skipLF = false
			if c == '\n' {
				continue
			}
		}
		if skipBlank {
			if isPropBlank(c) {
				continue
			}
			if !appendedLineBegin && (c == '\r' || c == '\n') {
				continue
			}
			skipBlank = false
			appendedLineBegin = false
		}
		if len(line) == 0 && (c == '#' || c == '!') {
			// A comment, up to the end of its natural line; it never continues.
			for r.off < len(d) && d[r.off-1] != '\r' && d[r.off-1] != '\n' {
				r.off++
			}
			if r.off >= len(d) && d[r.off-1] != '\r' && d[r.off-1] != '\n' {
				return nil, 0, 0, false
			}
			skipBlank = true
			first = -1
			continue
		}
		if c != '\n' && c != '\r' {
			if len(line) == 0 {
				first = r.off - 1
			}
			line = append(line, c)
			precedingBackslash = c == '\\' && !precedingBackslash
			continue
		}
		// A line break.
		if len(line) == 0 {
			skipBlank = true
			continue
		}
		eol := r.off - 1
		if r.off >= len(d) {
			if precedingBackslash {
				line = line[:len(line)-1]
			}
			return line, first, eol, true
		}
		if precedingBackslash {
			line = line[:len(line)-1]
			skipBlank = true
			appendedLineBegin = true
			precedingBackslash = false
			if c == '\r' {
				r.skipLF = true
			}
			if len(line) == 0 {
				first = -1
			}
			continue
		}
		return line, first, eol, true
	}
}

// splitEntry splits a logical line into key and value as Properties.load does, and decodes both.
func splitEntry(line []byte, first, end int) PropEntry {
	keyLen, valueStart := 0, len(line)
	hasSep, precedingBackslash := false, false
	for keyLen < len(line) {
		c := line[keyLen]
		if (c == '=' || c == ':') && !precedingBackslash {
			valueStart = keyLen + 1
			hasSep = true
			break
		}
		if isPropBlank(c) && !precedingBackslash {
			valueStart = keyLen + 1
			break
		}
		precedingBackslash = c == '\\' && !precedingBackslash
		keyLen++
	}
	for valueStart < len(line) {
		c := line[valueStart]
		if !isPropBlank(c) {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	e := PropEntry{First: first, End: end}
	var kerr, verr error
	e.Key, kerr = decodeProp(line[:keyLen])
	e.Value, verr = decodeProp(line[valueStart:])
	if kerr != nil {
		e.Err = kerr
	} else {
		e.Err = verr
	}
	return e
}

// decodeProp decodes the escapes of a key or value (ISO 8859-1 characters). A malformed \uXXXX is
// an error (Java throws IllegalArgumentException); the 'u' is then kept as a literal.
func decodeProp(b []byte) (string, error) {
	// Most keys and values are plain ASCII without escapes: each byte is then its own character
	// (ISO-8859-1 and UTF-16 agree with ASCII there), so the bytes are the string.
	plain := true
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(b), nil
	}
	units := make([]uint16, 0, len(b))
	var err error
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			units = append(units, uint16(c))
			continue
		}
		i++
		if i >= len(b) {
			// Not reachable from readLine, which never leaves an odd trailing backslash; kept literal.
			units = append(units, '\\')
			break
		}
		switch c = b[i]; c {
		case 'u':
			if v, ok := hex4(b[i+1:]); ok {
				units = append(units, v)
				i += 4
				continue
			}
			if err == nil {
				err = fmt.Errorf("malformed \\uXXXX escape %q: Java's Properties.load throws IllegalArgumentException (\"Malformed \\uxxxx encoding.\"), so Neo4j cannot load the file", clip(b[i-1:], 6))
			}
			units = append(units, 'u')
		case 't':
			units = append(units, '\t')
		case 'r':
			units = append(units, '\r')
		case 'n':
			units = append(units, '\n')
		case 'f':
			units = append(units, '\f')
		default:
			units = append(units, uint16(c))
		}
	}
	return string(utf16.Decode(units)), err
}

func hex4(b []byte) (uint16, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint16(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint16(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint16(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// CheckPlainLine checks that Neo4j reads a rendered "key=value" line as exactly that key and that
// value: one logical line, no escape, no continuation, nothing trimmed or decoded differently
// (ISO 8859-1). It returns nil when the line is plain.
func CheckPlainLine(line string) error {
	key, value, ok := strings.Cut(line, "=")
	if !ok || key == "" {
		return fmt.Errorf("%q is not a key=value line", line)
	}
	entries := ParseProperties([]byte(line))
	if len(entries) != 1 || entries[0].Err != nil || entries[0].First != 0 || entries[0].End != len(line) {
		return fmt.Errorf("Neo4j would not read %q as one setting", line)
	}
	if e := entries[0]; e.Key != key || e.Value != value {
		return fmt.Errorf("Neo4j would read %q as %s=%q, not %s=%q", line, e.Key, e.Value, key, value)
	}
	return nil
}
