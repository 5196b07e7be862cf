package neo4j

import (
	"bytes"
	"errors"
	"testing"
)

func TestCommentOutRoundTrip(t *testing.T) {
	for name, orig := range map[string][]byte{
		"lf":     []byte("# head\nserver.bolt.tls_level=OPTIONAL\nother=1\nserver.https.enabled=false"),
		"crlf":   []byte("# head\r\nserver.bolt.tls_level=OPTIONAL\r\nother=1\r\nserver.https.enabled=false\r\n"),
		"latin1": []byte("# caf\xe9\n  server.bolt.tls_level = OPTIONAL # caf\xe9\nx=1\nserver.https.enabled=false\n"),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := ParseConf(orig)
			if err != nil {
				t.Fatal(err)
			}
			id := "dbtls_channel_binding bolt"
			out, err := c.CommentOut(id, []int{2, 4})
			if err != nil {
				t.Fatal(err)
			}
			c2, err := ParseConf(out)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(c2.Conflicts("x", []string{"server.bolt.tls_level", "server.https.enabled"})); n != 0 {
				t.Errorf("commented lines still conflict: %d", n)
			}
			got := c2.Commented(id)
			if len(got) != 2 || got[0].Line != 2 || got[1].Line != 4 {
				t.Fatalf("Commented = %+v", got)
			}
			if len(c2.Commented("dbtls_channel_binding https")) != 0 {
				t.Error("another id sees our commented lines")
			}
			// Another id's restore leaves ours alone.
			if !bytes.Equal(c2.RestoreCommented("dbtls_channel_binding https"), out) {
				t.Error("restore of another id changed the file")
			}
			if back := c2.RestoreCommented(id); !bytes.Equal(back, orig) {
				t.Errorf("round trip:\n%q\nwant\n%q", back, orig)
			}
		})
	}
}

func TestCommentOutRefusals(t *testing.T) {
	c, err := ParseConf([]byte("# c\na=1\n# BEGIN dbtls managed block: x\nb=2\n# END dbtls managed block: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lines := range [][]int{{1}, {4}, {3}, {0}, {99}} {
		if _, err := c.CommentOut("y", lines); err == nil {
			t.Errorf("CommentOut(%v) accepted", lines)
		}
	}
}

// FuzzCommentOutRoundTrip: for any file, commenting out every foreign setting line and restoring it
// gives back the exact bytes, and a block set in between survives as well.
func FuzzCommentOutRoundTrip(f *testing.F) {
	f.Add([]byte("a=1\nb=2"))
	f.Add([]byte("# c\r\n  k = v \r\nx=y\r\n"))
	f.Add([]byte("caf\xe9=1\n# BEGIN dbtls managed block: x\nk=v\n# END dbtls managed block: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConf(data)
		if err != nil {
			return
		}
		id := "dbtls_channel_binding fuzz"
		if len(c.Commented(id)) > 0 || len(c.Block(id)) > 0 {
			return
		}
		var lines []int
		for _, s := range c.Settings() {
			if s.BlockID == "" {
				lines = append(lines, s.Line)
			}
		}
		out, err := c.CommentOut(id, lines)
		var ce *ContinuationError
		if errors.As(err, &ce) {
			return // a setting Neo4j would read differently once its neighbour is commented out
		}
		if err != nil {
			t.Fatalf("CommentOut: %v", err)
		}
		c2, err := ParseConf(out)
		if err != nil {
			t.Fatalf("commented file does not parse: %v", err)
		}
		withBlock, err := c2.SetBlock(id, []string{"k=v"})
		if errors.As(err, &ce) && hasContinuedLine(data) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		c3, err := ParseConf(withBlock)
		if err != nil {
			t.Fatal(err)
		}
		c4, err := ParseConf(c3.RemoveBlock(id))
		if err != nil {
			t.Fatal(err)
		}
		if back := c4.RestoreCommented(id); !bytes.Equal(back, data) {
			t.Fatalf("round trip lost bytes:\n%q\n%q", back, data)
		}
	})
}

// A setting continued over several lines is commented out on each of them (a comment never
// continues, so commenting out only the first would turn the rest into settings of their own), and
// restored byte for byte.
func TestCommentOutContinued(t *testing.T) {
	orig := []byte("a=1\nserver.bolt.tls_level=\\\r\n   OPTIONAL\r\nb=2\\\n\n")
	c := mustParseConf(t, orig)
	cf := c.Conflicts(confIDBolt, []string{"server.bolt.tls_level"})
	if len(cf) != 1 || cf[0].Line != 2 || cf[0].Value != "OPTIONAL" {
		t.Fatalf("Conflicts = %#v", cf)
	}
	out, err := c.CommentOut(confIDBolt, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	want := "a=1\n#dbtls-commented-out[" + confIDBolt + "] server.bolt.tls_level=\\\r\n#dbtls-commented-out[" + confIDBolt + "]    OPTIONAL\r\nb=2\\\n\n"
	if string(out) != want {
		t.Fatalf("CommentOut =\n%q\nwant\n%q", out, want)
	}
	c2 := mustParseConf(t, out)
	if got := c2.Settings(); len(got) != 2 || got[0].Key != "a" || got[1].Key != "b" || got[1].Value != "2" {
		t.Errorf("Settings after CommentOut = %#v", got)
	}
	if back := c2.RestoreCommented(confIDBolt); !bytes.Equal(back, orig) {
		t.Errorf("RestoreCommented =\n%q\nwant\n%q", back, orig)
	}
}

// Two settings on one line, separated by a lone carriage return: commenting out the line would hide
// the first, not the conflicting second, so CommentOut refuses.
func TestCommentOutLoneCR(t *testing.T) {
	c := mustParseConf(t, []byte("x=1\rserver.bolt.tls_level=OPTIONAL\n"))
	cf := c.Conflicts(confIDBolt, []string{"server.bolt.tls_level"})
	if len(cf) != 1 || cf[0].Line != 1 {
		t.Fatalf("Conflicts = %#v", cf)
	}
	var ce *ContinuationError
	if out, err := c.CommentOut(confIDBolt, []int{1}); !errors.As(err, &ce) {
		t.Fatalf("CommentOut = %q, %v; want a *ContinuationError", out, err)
	}
}
