package neo4j

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzConfRoundTrip checks, for arbitrary bytes: ParseConf never panics; a parse error is a
// *ParseError naming a line of the input; Bytes() is the input; and when the input has no block
// with the fixed id, RemoveBlock(SetBlock(x)) == x and SetBlock is idempotent (with such blocks,
// RemoveBlock(SetBlock(x)) == RemoveBlock(x)).
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
		_ = c.Settings()
		_ = c.Conflicts(confIDBolt, []string{"a", "server.bolt.tls_level"})

		// Removing every block of an id always leaves a parseable file without it.
		for _, b := range c.Blocks() {
			r, err := ParseConf(c.RemoveBlock(b.ID))
			if err != nil || len(r.Block(b.ID)) != 0 {
				t.Fatalf("RemoveBlock(%q) left %v / %v", b.ID, err, r)
			}
		}

		s, err := c.SetBlock(confIDBolt, lines)
		if err != nil {
			t.Fatalf("SetBlock: %v", err)
		}
		cs, err := ParseConf(s)
		if err != nil {
			t.Fatalf("SetBlock produced an unparseable file %q: %v", s, err)
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
