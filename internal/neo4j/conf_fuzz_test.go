package neo4j

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzConfRoundTrip checks, for arbitrary bytes: ParseConf never panics; a parse error is a
// *ParseError naming a line of the input; Bytes() is the input; and when the input has no block
// with the fixed id, RemoveBlock(SetBlock(x)) == x and SetBlock is idempotent (with such blocks,
// RemoveBlock(SetBlock(x)) == RemoveBlock(x)). With the Properties grammar: Settings() is every
// entry ParseProperties finds, each entry read alone reads the same, SetBlock refuses only files with a
// line ending in a backslash, and when it writes, Neo4j reads every setting outside the block as
// before and the block's own settings as rendered.
func FuzzConfRoundTrip(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("a=1\n"))
	f.Add([]byte("a=1"))
	f.Add([]byte("a=1\r\nb=2\r\n"))
	f.Add([]byte("a=1\r\nb=2"))
	f.Add([]byte("a=1\nb=2\r"))
	f.Add([]byte("# caf\xe9\nserver.jvm.additional=-Xss1m\nserver.jvm.additional=-Xss1m\nk=\xe9"))
	f.Add([]byte("\n\n\r\n\r\r\n"))
	f.Add([]byte(confBegin(confIDHTTPS) + "\nh=1\n" + confEnd(confIDHTTPS)))
	f.Add([]byte("a=1\r\n" + confBegin(confIDHTTPS) + "\r\nh=1\r\n" + confEnd(confIDHTTPS) + "\r\n"))
	f.Add([]byte(confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDBolt) + "\n" + confBegin(confIDBolt) + "\n" + confEnd(confIDBolt)))
	f.Add([]byte(confBegin(confIDBolt) + "\nx=1\n"))
	f.Add([]byte(confEnd(confIDBolt) + "\n"))
	f.Add([]byte("# BEGIN dbtls managed block:\n"))
	f.Add([]byte("dbms.connector.bolt.tls_level DISABLED\ndbms.ssl.policy.bolt.client_auth:NONE\r\nk\\ e\\u0041=\\u00"))
	f.Add([]byte("a=b\\\n  c\\\r\n\\\n#x\r!y\f\\"))
	f.Add([]byte("a=b\\\n" + confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDBolt)))
	f.Add(loadConfFixture(f))
	f.Add(confToCRLF(loadConfFixture(f)))

	lines := []string{"dbms.ssl.policy.bolt.enabled=true", "", "server.bolt.tls_level=REQUIRED"}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		c, err := ParseConf(data)
		if !bytes.Equal(data, in) {
			t.Fatal("ParseConf modified its input")
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("error %v does not name a line of the input", err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), data) {
			t.Fatalf("Bytes() = %q, want %q", c.Bytes(), data)
		}
		checkPropertiesInvariants(t, data)
		settings := c.Settings()
		if len(settings) != len(ParseProperties(data)) {
			t.Fatalf("Settings() has %d entries, ParseProperties %d", len(settings), len(ParseProperties(data)))
		}
		_ = c.Conflicts(confIDBolt, []string{"a", "server.bolt.tls_level"})
		_ = c.Problems()

		// Removing every block of an id always leaves a parseable file without it.
		for _, b := range c.Blocks() {
			r, err := ParseConf(c.RemoveBlock(b.ID))
			if err != nil || len(r.Block(b.ID)) != 0 {
				t.Fatalf("RemoveBlock(%q) left %v / %v", b.ID, err, r)
			}
		}

		s, err := c.SetBlock(confIDBolt, lines)
		var ce *ContinuationError
		if errors.As(err, &ce) && hasContinuedLine(data) {
			return // refused: a line ending in a backslash would run into (or out of) the block
		}
		if err != nil {
			t.Fatalf("SetBlock: %v", err)
		}
		cs, err := ParseConf(s)
		if err != nil {
			t.Fatalf("SetBlock produced an unparseable file %q: %v", s, err)
		}
		// Neo4j reads every setting outside the block as before, and the block's own as written.
		if got, want := outside(cs.Settings(), confIDBolt), outside(settings, confIDBolt); !reflect.DeepEqual(got, want) {
			t.Fatalf("SetBlock changed how Neo4j reads the settings outside the block: %q -> %q\n%#v\n%#v", data, s, want, got)
		}
		var inBlock []Setting
		for _, st := range cs.Settings() {
			if st.BlockID == confIDBolt {
				inBlock = append(inBlock, Setting{Key: st.Key, Value: st.Value})
			}
		}
		if want := []Setting{{Key: "dbms.ssl.policy.bolt.enabled", Value: "true"}, {Key: "server.bolt.tls_level", Value: "REQUIRED"}}; !reflect.DeepEqual(inBlock, want) {
			t.Fatalf("Neo4j reads the block in %q as %#v", s, inBlock)
		}
		if got := cs.Block(confIDBolt); len(got) != 1 || !reflect.DeepEqual(got[0].Lines, lines) {
			t.Fatalf("Block() after SetBlock = %#v", got)
		}
		if len(c.Block(confIDBolt)) > 0 {
			// Replacing existing (possibly duplicated) blocks keeps every byte outside them.
			if got, want := cs.RemoveBlock(confIDBolt), c.RemoveBlock(confIDBolt); !bytes.Equal(got, want) {
				t.Fatalf("SetBlock over existing blocks changed bytes outside them: %q, want %q", got, want)
			}
			return
		}
		if got := cs.RemoveBlock(confIDBolt); !bytes.Equal(got, data) {
			t.Fatalf("RemoveBlock(SetBlock(x)) = %q, want %q", got, data)
		}
		if again, err := cs.SetBlock(confIDBolt, lines); err != nil || !bytes.Equal(again, s) {
			t.Fatalf("SetBlock not idempotent: %q -> %q (%v)", s, again, err)
		}
	})
}

// outside returns the keys and values of the settings outside block id.
func outside(settings []Setting, id string) []Setting {
	var out []Setting
	for _, s := range settings {
		if s.BlockID != id {
			out = append(out, Setting{Key: s.Key, Value: s.Value})
		}
	}
	return out
}

// checkPropertiesInvariants checks ParseProperties on arbitrary bytes: entries are in order, within
// the input and disjoint, and each one, read alone from its raw bytes, reads the same.
func checkPropertiesInvariants(t *testing.T, data []byte) {
	t.Helper()
	entries := ParseProperties(data)
	prev := -1
	for _, e := range entries {
		if e.First <= prev || e.First >= e.End || e.End > len(data) {
			t.Fatalf("entry %#v out of order or bounds in %q (previous end %d)", e, data, prev)
		}
		prev = e.End
		again := ParseProperties(e.Raw(data))
		if len(again) != 1 || again[0].Key != e.Key || again[0].Value != e.Value || (again[0].Err == nil) != (e.Err == nil) {
			t.Fatalf("entry %q of %q reads alone as %#v, in the file as %#v", e.Raw(data), data, again, e)
		}
	}
}

// FuzzProperties: the grammar on arbitrary bytes, without managed blocks in the way.
func FuzzProperties(f *testing.F) {
	for _, tc := range propertiesCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPropertiesInvariants(t, data)
		for _, e := range ParseProperties(data) {
			if e.Err == nil && strings.ContainsRune(e.Key+e.Value, 0xfffd) && !bytes.Contains(data, []byte(`\u`)) {
				t.Fatalf("U+FFFD in %#v without a \\u escape in %q", e, data)
			}
		}
	})
}
