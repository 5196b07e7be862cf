package neo4j

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	confIDPolicy = "dbtls_ssl_policy example_policy"
	confIDBolt   = "dbtls_channel_binding bolt"
	confIDHTTPS  = "dbtls_channel_binding https"
)

func confBegin(id string) string { return "# BEGIN dbtls managed block: " + id }
func confEnd(id string) string   { return "# END dbtls managed block: " + id }

func mustParseConf(t testing.TB, data []byte) *Conf {
	t.Helper()
	c, err := ParseConf(data)
	if err != nil {
		t.Fatalf("ParseConf(%q): %v", data, err)
	}
	return c
}

func mustSetBlock(t testing.TB, data []byte, id string, lines []string) []byte {
	t.Helper()
	out, err := mustParseConf(t, data).SetBlock(id, lines)
	if err != nil {
		t.Fatalf("SetBlock(%q, %q) on %q: %v", id, lines, data, err)
	}
	return out
}

func mustRemoveBlock(t testing.TB, data []byte, id string) []byte {
	t.Helper()
	return mustParseConf(t, data).RemoveBlock(id)
}

func loadConfFixture(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "neo4j.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// toCRLF turns every LF line ending into CRLF.
func confToCRLF(data []byte) []byte { return bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")) }

func TestMarkers(t *testing.T) {
	if got := BeginMarker(confIDPolicy); got != "# BEGIN dbtls managed block: dbtls_ssl_policy example_policy" {
		t.Errorf("BeginMarker = %q", got)
	}
	if got := EndMarker(confIDBolt); got != "# END dbtls managed block: dbtls_channel_binding bolt" {
		t.Errorf("EndMarker = %q", got)
	}
}

func TestValidateBlockID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{confIDPolicy, true},
		{confIDBolt, true},
		{"x", true},
		{"a-b_c.d:e/f~!@#$%^&*()", true},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
		{"", false},
		{" leading", false},
		{"trailing ", false},
		{"with\ttab", false},
		{"with\nnewline", false},
		{"with\rcr", false},
		{"caf\xe9", false},
		{"café", false},
		{"nul\x00", false},
		{"del\x7f", false},
	} {
		err := ValidateBlockID(tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateBlockID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

func TestParseConfErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"begin without end", "a=1\n" + confBegin(confIDBolt) + "\nb=2\n", 2, "has no END marker"},
		{"begin without end at EOF, no newline", "a=1\n\n" + confBegin(confIDBolt), 3, "has no END marker"},
		{"end without begin", "a=1\nb=2\n" + confEnd(confIDBolt) + "\n", 3, "without a BEGIN marker"},
		{"nested begin", confBegin(confIDBolt) + "\n" + confBegin(confIDHTTPS) + "\n" + confEnd(confIDHTTPS) + "\n" + confEnd(confIDBolt) + "\n", 2, "begins inside"},
		{"nested same id", confBegin(confIDBolt) + "\nx=1\n" + confBegin(confIDBolt) + "\n" + confEnd(confIDBolt) + "\n", 3, "begins inside"},
		{"end of another block", confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDHTTPS) + "\n", 3, "inside managed block"},
		{"empty id", "a=1\r\n# BEGIN dbtls managed block:\r\n", 2, "invalid id"},
		{"latin-1 id", "# END dbtls managed block: caf\xe9\n", 1, "invalid id"},
		{"second block unclosed", confBegin(confIDBolt) + "\n" + confEnd(confIDBolt) + "\n" + confBegin(confIDHTTPS) + "\nx=1", 3, "has no END marker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConf([]byte(tc.in))
			if err == nil {
				t.Fatalf("ParseConf succeeded: %+v", c.Blocks())
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), fmt.Sprintf("line %d", tc.line)) {
				t.Errorf("error %q does not contain %q and the line", err, tc.msg)
			}
		})
	}
}

func TestParseConfBlocks(t *testing.T) {
	in := "# head\n" +
		confBegin(confIDPolicy) + "\n" +
		"# policy has no lines on 5.x\n" +
		confEnd(confIDPolicy) + "\n" +
		"a=1\n" +
		confBegin(confIDBolt) + "\r\n" + // CRLF inside one block of an LF file
		"dbms.ssl.policy.bolt.enabled=true\r\n" +
		"\r\n" +
		confEnd(confIDBolt) + "\r\n" +
		"  " + confBegin(confIDHTTPS) + " \t\n" + // tolerated: surrounding blanks
		confEnd(confIDHTTPS) + "\r" // last line, no '\n', stray '\r'
	c := mustParseConf(t, []byte(in))
	want := []BlockInfo{
		{ID: confIDPolicy, StartLine: 2, EndLine: 4, Lines: []string{"# policy has no lines on 5.x"}},
		{ID: confIDBolt, StartLine: 6, EndLine: 9, Lines: []string{"dbms.ssl.policy.bolt.enabled=true", ""}},
		{ID: confIDHTTPS, StartLine: 10, EndLine: 11, Lines: []string{}},
	}
	if got := c.Blocks(); !reflect.DeepEqual(got, want) {
		t.Errorf("Blocks() =\n%#v\nwant\n%#v", got, want)
	}
	if got := c.Block(confIDBolt); !reflect.DeepEqual(got, want[1:2]) {
		t.Errorf("Block(bolt) = %#v", got)
	}
	if got := c.Block("dbtls_channel_binding cluster"); len(got) != 0 {
		t.Errorf("Block(cluster) = %#v, want none", got)
	}
	if !bytes.Equal(c.Bytes(), []byte(in)) {
		t.Errorf("Bytes() changed the input")
	}
}

func TestParseConfNotMarkers(t *testing.T) {
	// Lines that look similar but are not markers stay ordinary lines.
	in := "#BEGIN dbtls managed block: x\n" +
		"# begin dbtls managed block: x\n" +
		"# BEGIN dbtls managed blocks: x\n" +
		"x=# BEGIN dbtls managed block: x\n" +
		"## BEGIN dbtls managed block: x\n"
	c := mustParseConf(t, []byte(in))
	if b := c.Blocks(); len(b) != 0 {
		t.Errorf("Blocks() = %#v, want none", b)
	}
}

func TestBlockEditedByHand(t *testing.T) {
	orig := mustSetBlock(t, []byte("a=1\n"), confIDBolt, []string{"dbms.ssl.policy.bolt.enabled=true", "server.bolt.tls_level=REQUIRED"})
	edited := bytes.Replace(orig, []byte("tls_level=REQUIRED"), []byte("tls_level=OPTIONAL"), 1)
	edited = bytes.Replace(edited, []byte("enabled=true\n"), []byte("enabled=true\n# added by an operator\n"), 1)
	c := mustParseConf(t, edited)
	got := c.Block(confIDBolt)
	want := []BlockInfo{{ID: confIDBolt, StartLine: 2, EndLine: 6, Lines: []string{
		"dbms.ssl.policy.bolt.enabled=true", "# added by an operator", "server.bolt.tls_level=OPTIONAL"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Block() = %#v, want %#v", got, want)
	}
	// SetBlock repairs the drift in place.
	fixed, err := c.SetBlock(confIDBolt, []string{"dbms.ssl.policy.bolt.enabled=true", "server.bolt.tls_level=REQUIRED"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixed, orig) {
		t.Errorf("SetBlock after a hand edit = %q, want %q", fixed, orig)
	}

	// The END marker deleted by hand: ParseConf fails and names the BEGIN line.
	broken := bytes.Replace(orig, []byte(confEnd(confIDBolt)), []byte("server.bolt.enabled=true"), 1)
	_, err = ParseConf(broken)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("ParseConf without END = %v, want a ParseError on line 2", err)
	}
	// ... and when another block follows, the error names the line of the BEGIN that nests.
	two := mustSetBlock(t, orig, confIDHTTPS, []string{"dbms.ssl.policy.https.enabled=true"})
	broken = bytes.Replace(two, []byte(confEnd(confIDBolt)+"\n"), nil, 1)
	_, err = ParseConf(broken)
	if !errors.As(err, &pe) || pe.Line != 5 {
		t.Fatalf("ParseConf without END before another block = %v, want a ParseError on line 5", err)
	}
}

func TestLineEnding(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", "\n"},
		{"a=1", "\n"},
		{"a=1\r", "\n"},
		{"a=1\n", "\n"},
		{"a=1\r\n", "\r\n"},
		{"a=1\r\nb=2", "\r\n"},
		{"a\r\nb\nc\r\n", "\r\n"},
		{"a\r\nb\n", "\n"}, // a tie is LF
		{"a\nb\nc\r\n", "\n"},
		{"a\r\rb\n", "\n"},
	} {
		if got := mustParseConf(t, []byte(tc.in)).LineEnding(); got != tc.want {
			t.Errorf("LineEnding(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSettings(t *testing.T) {
	in := "# comment=1\n" +
		"a=1\n" +
		"  spaced.key \t=  spaced value \t \r\n" +
		"#commented.key=value\n" +
		"   # indented.comment=x\n" +
		"\n" +
		"no equals sign\n" +
		"=no key\n" +
		"empty.value=\n" +
		"with.equals=a=b=c\n" +
		confBegin(confIDBolt) + "\n" +
		"server.bolt.tls_level=REQUIRED\n" +
		"# inside=comment\n" +
		confEnd(confIDBolt) + "\n" +
		"server.jvm.additional=-XX:+UseG1GC\n" +
		"server.jvm.additional=-XX:+AlwaysPreTouch\n" +
		"latin1=caf\xe9" // no final newline
	got := mustParseConf(t, []byte(in)).Settings()
	// As java.util.Properties reads them: blanks after the value are kept, a blank separates a key
	// from its value, an empty key is a key, and bytes are ISO 8859-1.
	want := []Setting{
		{Key: "a", Value: "1", Line: 2},
		{Key: "spaced.key", Value: "spaced value \t ", Line: 3},
		{Key: "no", Value: "equals sign", Line: 7},
		{Key: "", Value: "no key", Line: 8},
		{Key: "empty.value", Value: "", Line: 9},
		{Key: "with.equals", Value: "a=b=c", Line: 10},
		{Key: "server.bolt.tls_level", Value: "REQUIRED", Line: 12, BlockID: confIDBolt},
		{Key: "server.jvm.additional", Value: "-XX:+UseG1GC", Line: 15},
		{Key: "server.jvm.additional", Value: "-XX:+AlwaysPreTouch", Line: 16},
		{Key: "latin1", Value: "café", Line: 17},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Settings() =\n%#v\nwant\n%#v", got, want)
	}
}

func TestSetBlock(t *testing.T) {
	lines := []string{"x=1", "y=2"}
	blkLF := confBegin(confIDBolt) + "\nx=1\ny=2\n" + confEnd(confIDBolt)
	blkCRLF := confBegin(confIDBolt) + "\r\nx=1\r\ny=2\r\n" + confEnd(confIDBolt)
	other := confBegin(confIDHTTPS) + "\nh=1\n" + confEnd(confIDHTTPS)
	for _, tc := range []struct {
		name, in, want string
		lines          []string
	}{
		{"empty file", "", blkLF + "\n", lines},
		{"LF with final newline", "a=1\n", "a=1\n" + blkLF + "\n", lines},
		{"LF without final newline", "a=1", "a=1\n" + blkLF, lines},
		{"CRLF with final newline", "a=1\r\nb=2\r\n", "a=1\r\nb=2\r\n" + blkCRLF + "\r\n", lines},
		{"CRLF without final newline", "a=1\r\nb=2", "a=1\r\nb=2\r\n" + blkCRLF, lines},
		{"only a bare CR at the end", "a=1\nb=2\r", "a=1\nb=2\r\r\n" + blkLF, lines},
		{"only comments", "# one\n# two\n", "# one\n# two\n" + blkLF + "\n", lines},
		{"blank lines kept", "\n\n", "\n\n" + blkLF + "\n", lines},
		{"no lines", "a=1\n", "a=1\n" + confBegin(confIDBolt) + "\n" + confEnd(confIDBolt) + "\n", nil},
		{"empty line content", "a=1\n", "a=1\n" + confBegin(confIDBolt) + "\n\n" + confEnd(confIDBolt) + "\n", []string{""}},
		{"latin-1 content", "a=1\n", "a=1\n" + confBegin(confIDBolt) + "\n# caf\xe9\n" + confEnd(confIDBolt) + "\n", []string{"# caf\xe9"}},
		{
			"replace in place",
			"a=1\n" + confBegin(confIDBolt) + "\nold=1\n" + confEnd(confIDBolt) + "\nb=2\n",
			"a=1\n" + blkLF + "\nb=2\n", lines,
		},
		{
			"replace in place keeps the CRLF file's endings",
			"a=1\r\n" + confBegin(confIDBolt) + "\r\nold=1\r\n" + confEnd(confIDBolt) + "\r\nb=2\r\n",
			"a=1\r\n" + blkCRLF + "\r\nb=2\r\n", lines,
		},
		{
			"replace a block at EOF without newline",
			"a=1\n" + confBegin(confIDBolt) + "\nold=1\n" + confEnd(confIDBolt),
			"a=1\n" + blkLF, lines,
		},
		{
			"duplicates: first position kept, others dropped",
			"a=1\n" + confBegin(confIDBolt) + "\nold=1\n" + confEnd(confIDBolt) + "\nb=2\n" + confBegin(confIDBolt) + "\nold=2\n" + confEnd(confIDBolt) + "\nc=3\n",
			"a=1\n" + blkLF + "\nb=2\nc=3\n", lines,
		},
		{
			"duplicate at EOF without newline gives back its ending",
			"a=1\n" + confBegin(confIDBolt) + "\nold=1\n" + confEnd(confIDBolt) + "\nb=2\n" + confBegin(confIDBolt) + "\nold=2\n" + confEnd(confIDBolt),
			"a=1\n" + blkLF + "\nb=2", lines,
		},
		{
			"adjacent duplicate at EOF",
			"a=1\n" + confBegin(confIDBolt) + "\n" + confEnd(confIDBolt) + "\n" + confBegin(confIDBolt) + "\n" + confEnd(confIDBolt),
			"a=1\n" + blkLF, lines,
		},
		{
			"other blocks untouched",
			other + "\n" + confBegin(confIDBolt) + "\nold\n" + confEnd(confIDBolt) + "\n" + other,
			other + "\n" + blkLF + "\n" + other, lines,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustSetBlock(t, []byte(tc.in), confIDBolt, tc.lines)
			if string(got) != tc.want {
				t.Fatalf("SetBlock(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
			if again := mustSetBlock(t, got, confIDBolt, tc.lines); !bytes.Equal(again, got) {
				t.Errorf("SetBlock is not idempotent:\n%q\n%q", got, again)
			}
			blocks := mustParseConf(t, got).Block(confIDBolt)
			wantLines := tc.lines
			if wantLines == nil {
				wantLines = []string{}
			}
			if len(blocks) != 1 || !reflect.DeepEqual(blocks[0].Lines, wantLines) {
				t.Errorf("Block() after SetBlock = %#v", blocks)
			}
		})
	}
}

func TestSetBlockRefuses(t *testing.T) {
	c := mustParseConf(t, []byte("a=1\n"))
	for _, tc := range []struct {
		name  string
		id    string
		lines []string
	}{
		{"invalid id", "bad\nid", []string{"x=1"}},
		{"empty id", "", nil},
		{"LF in a line", confIDBolt, []string{"x=1\ny=2"}},
		{"CR in a line", confIDBolt, []string{"x=1\r"}},
		{"BEGIN marker as a line", confIDBolt, []string{confBegin(confIDHTTPS)}},
		{"END marker of itself", confIDBolt, []string{confEnd(confIDBolt)}},
		{"indented marker", confIDBolt, []string{"  " + confEnd(confIDBolt)}},
		{"marker with invalid id", confIDBolt, []string{"# BEGIN dbtls managed block:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := c.SetBlock(tc.id, tc.lines); err == nil {
				t.Errorf("SetBlock(%q, %q) = %q, want an error", tc.id, tc.lines, out)
			}
		})
	}
}

func TestRemoveBlock(t *testing.T) {
	blk := confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDBolt)
	other := confBegin(confIDHTTPS) + "\nh=1\n" + confEnd(confIDHTTPS)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"absent", "a=1\nb=2", "a=1\nb=2"},
		{"middle", "a=1\n" + blk + "\nb=2\n", "a=1\nb=2\n"},
		{"middle CRLF", "a=1\r\n" + strings.ReplaceAll(blk, "\n", "\r\n") + "\r\nb=2", "a=1\r\nb=2"},
		{"at EOF with newline", "a=1\n" + blk + "\n", "a=1\n"},
		{"at EOF without newline owns the ending before it", "a=1\n" + blk, "a=1"},
		{"at EOF without newline, CRLF", "a=1\r\n" + strings.ReplaceAll(blk, "\n", "\r\n"), "a=1"},
		{"whole file", blk, ""},
		{"whole file with newline", blk + "\n", ""},
		{"all duplicates", blk + "\na=1\n" + blk + "\nb=2\n" + blk + "\n", "a=1\nb=2\n"},
		{"duplicates, last at EOF", "a=1\n" + blk + "\nb=2\n" + blk, "a=1\nb=2"},
		{"adjacent duplicates at EOF", "a=1\n" + blk + "\n" + blk, "a=1"},
		{"other block before, at EOF", "a=1\n" + other + "\n" + blk, "a=1\n" + other},
		{"other blocks kept", other + "\n" + blk + "\n" + other + "\n", other + "\n" + other + "\n"},
		{"latin-1 around", "# caf\xe9\n" + blk + "\n\xff=\xe9", "# caf\xe9\n\xff=\xe9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustRemoveBlock(t, []byte(tc.in), confIDBolt); string(got) != tc.want {
				t.Errorf("RemoveBlock(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	in := "server.bolt.enabled=true\n" +
		"#dbms.ssl.policy.bolt.enabled=false\n" +
		"  dbms.ssl.policy.bolt.enabled = false\n" +
		"server.jvm.additional=-Xss1m\n" +
		confBegin(confIDBolt) + "\n" +
		"dbms.ssl.policy.bolt.enabled=true\n" +
		"server.bolt.tls_level=REQUIRED\n" +
		confEnd(confIDBolt) + "\n" +
		confBegin("dbtls_channel_binding legacy") + "\n" +
		"server.bolt.tls_level=OPTIONAL\n" +
		confEnd("dbtls_channel_binding legacy") + "\n" +
		"server.https.enabled=false"
	c := mustParseConf(t, []byte(in))
	got := c.Conflicts(confIDBolt, []string{"dbms.ssl.policy.bolt.enabled", "server.bolt.tls_level", "server.jvm.additional", "not.there"})
	want := []Conflict{
		{Key: "dbms.ssl.policy.bolt.enabled", Line: 3, Value: "false"},
		{Key: "server.bolt.tls_level", Line: 10, BlockID: "dbtls_channel_binding legacy", Value: "OPTIONAL"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conflicts() =\n%#v\nwant\n%#v", got, want)
	}
	if s := got[0].String(); !strings.Contains(s, "line 3") || !strings.Contains(s, "outside") {
		t.Errorf("Conflict.String() = %q", s)
	}
	if s := got[1].String(); !strings.Contains(s, "line 10") || !strings.Contains(s, "dbtls_channel_binding legacy") {
		t.Errorf("Conflict.String() = %q", s)
	}
	// A block that does not exist yet conflicts with every line, its own future keys included.
	if got := c.Conflicts(confIDHTTPS, []string{"server.https.enabled"}); len(got) != 1 || got[0].Line != 12 {
		t.Errorf("Conflicts(https) = %#v", got)
	}
	if got := c.Conflicts(confIDBolt, nil); len(got) != 0 {
		t.Errorf("Conflicts(no keys) = %#v", got)
	}
}

func TestFixture(t *testing.T) {
	lf := loadConfFixture(t)
	if bytes.HasSuffix(lf, []byte("\n")) || !bytes.Contains(lf, []byte{0xe9}) || bytes.Contains(lf, []byte("\r")) {
		t.Fatal("fixture must be LF, contain a Latin-1 byte and have no final newline")
	}
	for _, variant := range []struct {
		name string
		data []byte
		le   string
	}{
		{"LF", lf, "\n"},
		{"CRLF", confToCRLF(lf), "\r\n"},
	} {
		t.Run(variant.name, func(t *testing.T) {
			data := variant.data
			c := mustParseConf(t, data)
			if c.LineEnding() != variant.le {
				t.Errorf("LineEnding() = %q", c.LineEnding())
			}
			if len(c.Blocks()) != 0 {
				t.Errorf("fixture has blocks: %#v", c.Blocks())
			}
			settings := c.Settings()
			jvm := 0
			for _, s := range settings {
				if s.Key == "server.jvm.additional" {
					jvm++
				}
				if s.BlockID != "" || strings.ContainsAny(s.Key+s.Value, "\r\n \t") {
					t.Errorf("bad setting %#v", s)
				}
			}
			if jvm != 7 || len(settings) != 21 {
				t.Errorf("got %d settings, %d server.jvm.additional; want 21 and 7", len(settings), jvm)
			}
			if settings[0] != (Setting{Key: "server.directories.data", Value: "/var/lib/neo4j/data", Line: 9}) {
				t.Errorf("first setting = %#v", settings[0])
			}

			policy := []string{"# dbtls_ssl_policy example_policy writes no neo4j.conf lines on 5.x"}
			bolt := []string{
				"dbms.ssl.policy.bolt.enabled=true",
				"dbms.ssl.policy.bolt.base_directory=certificates/example_policy",
				"dbms.ssl.policy.bolt.client_auth=NONE",
				"server.bolt.tls_level=REQUIRED",
			}
			https := []string{"dbms.ssl.policy.https.enabled=true", "server.https.enabled=true"}

			s1 := mustSetBlock(t, data, confIDPolicy, policy)
			s2 := mustSetBlock(t, s1, confIDBolt, bolt)
			s3 := mustSetBlock(t, s2, confIDHTTPS, https)
			if !bytes.HasPrefix(s3, data) {
				t.Fatal("appending blocks changed the bytes before them")
			}
			added := s3[len(data):]
			if variant.le == "\r\n" && bytes.Count(added, []byte("\n")) != bytes.Count(added, []byte("\r\n")) {
				t.Errorf("CRLF file got LF block lines: %q", added)
			}
			if variant.le == "\n" && bytes.Contains(added, []byte("\r")) {
				t.Errorf("LF file got CRLF block lines: %q", added)
			}
			if bytes.HasSuffix(s3, []byte("\n")) {
				t.Errorf("file without final newline got one")
			}
			c3 := mustParseConf(t, s3)
			if got := c3.Conflicts(confIDHTTPS, confKeysOf(https)); len(got) != 1 || got[0].Key != "server.https.enabled" || got[0].Line != 26 || got[0].BlockID != "" {
				t.Errorf("Conflicts(https) = %#v", got)
			}
			if got := c3.Conflicts(confIDBolt, append(confKeysOf(bolt), "server.jvm.additional")); len(got) != 0 {
				t.Errorf("Conflicts(bolt) = %#v", got)
			}
			if got := c3.Block(confIDBolt); len(got) != 1 || !reflect.DeepEqual(got[0].Lines, bolt) || got[0].StartLine != 48 {
				t.Errorf("Block(bolt) = %#v", got)
			}
			// Any removal order restores the original bytes.
			for _, order := range [][]string{
				{confIDPolicy, confIDBolt, confIDHTTPS}, {confIDHTTPS, confIDBolt, confIDPolicy}, {confIDBolt, confIDHTTPS, confIDPolicy}, {confIDBolt, confIDPolicy, confIDHTTPS},
			} {
				cur := s3
				for _, id := range order {
					cur = mustRemoveBlock(t, cur, id)
				}
				if !bytes.Equal(cur, data) {
					t.Errorf("removing %v did not restore the file:\n%q", order, cur[max(0, len(cur)-80):])
				}
			}
			// Updating the middle block in place touches nothing else.
			bolt2 := append([]string{}, bolt...)
			bolt2[3] = "server.bolt.tls_level=OPTIONAL"
			s4 := mustSetBlock(t, s3, confIDBolt, bolt2)
			if got := mustRemoveBlock(t, s4, confIDBolt); !bytes.Equal(got, mustRemoveBlock(t, s3, confIDBolt)) {
				t.Errorf("updating a block changed bytes outside it")
			}
		})
	}
}

func confKeysOf(lines []string) []string {
	var keys []string
	for _, l := range lines {
		if k, _, ok := strings.Cut(l, "="); ok {
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	return keys
}

// --- property tests ---

// genConf builds a random neo4j.conf from realistic and hostile line pieces; withIDs are ids whose
// well-formed blocks may appear in it.
func genConf(r *rand.Rand, withIDs []string) []byte {
	pieces := []string{
		"", "# comment", "#", "   ", "\t", "a=1", "  spaced.key \t=  value  ",
		"server.jvm.additional=-XX:+UseG1GC", "server.jvm.additional=-XX:+UseG1GC",
		"server.bolt.tls_level=DISABLED", "#server.bolt.tls_level=REQUIRED",
		"# caf\xe9 cr\xe8me", "\xff\xfe=\xe9", "no equals", "=novalue", "x=\r\r", "mid\rcr",
		"# BEGIN dbtls managed blocks: not a marker", "#BEGIN dbtls managed block: not either",
	}
	var b bytes.Buffer
	n := r.Intn(12)
	ending := func() string {
		switch r.Intn(5) {
		case 0, 1:
			return "\n"
		case 2, 3:
			return "\r\n"
		default:
			if r.Intn(2) == 0 {
				return "\r\n"
			}
			return "\n"
		}
	}
	crlfFile := r.Intn(2) == 0
	le := func() string {
		if r.Intn(6) == 0 {
			return ending()
		}
		if crlfFile {
			return "\r\n"
		}
		return "\n"
	}
	for i := 0; i < n; i++ {
		if len(withIDs) > 0 && r.Intn(6) == 0 {
			id := withIDs[r.Intn(len(withIDs))]
			b.WriteString(confBegin(id) + le())
			for j := r.Intn(3); j > 0; j-- {
				b.WriteString(pieces[r.Intn(len(pieces))] + le())
			}
			b.WriteString(confEnd(id) + le())
			continue
		}
		if r.Intn(8) == 0 {
			raw := make([]byte, r.Intn(6))
			for k := range raw {
				raw[k] = byte(r.Intn(256))
				if raw[k] == '\n' {
					raw[k] = 0xe9
				}
			}
			b.Write(raw)
		} else {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		b.WriteString(le())
	}
	out := b.Bytes()
	switch r.Intn(4) {
	case 0: // no final newline
		if r.Intn(2) == 0 {
			out = append(out, "tail=\xe9"...)
		} else {
			out = bytes.TrimSuffix(bytes.TrimSuffix(out, []byte("\n")), []byte("\r"))
		}
	case 1: // a bare CR at the end
		out = append(bytes.TrimSuffix(out, []byte("\n")), '\r')
	}
	return out
}

func genBlockLines(r *rand.Rand) []string {
	pool := []string{"dbms.ssl.policy.bolt.enabled=true", "server.bolt.tls_level=REQUIRED", "", "# note", "k=caf\xe9", "  x = y  "}
	lines := make([]string, r.Intn(4))
	for i := range lines {
		lines[i] = pool[r.Intn(len(pool))]
	}
	return lines
}

func TestRoundTripProperties(t *testing.T) {
	r := rand.New(rand.NewSource(20240611))
	others := []string{"dbtls_ssl_policy other", "dbtls_channel_binding https"}
	iterations := 3000
	if testing.Short() {
		iterations = 300
	}
	for i := 0; i < iterations; i++ {
		f := genConf(r, others)
		c := mustParseConf(t, f)
		if !bytes.Equal(c.Bytes(), f) {
			t.Fatalf("Bytes() != input for %q", f)
		}
		b1, b2 := genBlockLines(r), genBlockLines(r)

		s1, err := c.SetBlock(confIDBolt, b1)
		if refusedForContinuation(t, f, err) {
			continue
		}
		if got := mustRemoveBlock(t, s1, confIDBolt); !bytes.Equal(got, f) {
			t.Fatalf("RemoveBlock(SetBlock(F)) != F\nF   = %q\nset = %q\ngot = %q", f, s1, got)
		}
		if !bytes.HasPrefix(s1, f) {
			t.Fatalf("appending changed bytes before the block: %q -> %q", f, s1)
		}
		c1 := mustParseConf(t, s1)
		if c1.LineEnding() != c.LineEnding() {
			t.Fatalf("LineEnding changed from %q to %q: %q", c.LineEnding(), c1.LineEnding(), s1)
		}
		if got := c1.Block(confIDBolt); len(got) != 1 || !reflect.DeepEqual(got[0].Lines, append([]string{}, b1...)) {
			t.Fatalf("Block() = %#v, want lines %q", got, b1)
		}
		if again := mustSetBlock(t, s1, confIDBolt, b1); !bytes.Equal(again, s1) {
			t.Fatalf("SetBlock not idempotent:\n%q\n%q", s1, again)
		}
		// Changing the content and back restores the same bytes.
		if back := mustSetBlock(t, mustSetBlock(t, s1, confIDBolt, b2), confIDBolt, b1); !bytes.Equal(back, s1) {
			t.Fatalf("set b2 then b1 = %q, want %q", back, s1)
		}

		s2 := mustSetBlock(t, s1, confIDPolicy, b2)
		if got := mustRemoveBlock(t, mustRemoveBlock(t, s2, confIDBolt), confIDPolicy); !bytes.Equal(got, f) {
			t.Fatalf("remove id1, id2 != F\nF   = %q\ns2  = %q\ngot = %q", f, s2, got)
		}
		if got := mustRemoveBlock(t, mustRemoveBlock(t, s2, confIDPolicy), confIDBolt); !bytes.Equal(got, f) {
			t.Fatalf("remove id2, id1 != F\nF   = %q\ns2  = %q\ngot = %q", f, s2, got)
		}
		// Updating id1 while id2 follows it leaves id2 and everything else alone.
		s2b := mustSetBlock(t, s2, confIDBolt, b2)
		if got := mustRemoveBlock(t, mustRemoveBlock(t, s2b, confIDBolt), confIDPolicy); !bytes.Equal(got, f) {
			t.Fatalf("update then remove both != F: %q", got)
		}
	}
}

// refusedForContinuation reports whether SetBlock refused f because a line of f ends in a backslash
// (Neo4j continues it onto the next line, so a block next to it would be read differently); any
// other error fails the test.
func refusedForContinuation(t *testing.T, f []byte, err error) bool {
	t.Helper()
	if err == nil {
		return false
	}
	var ce *ContinuationError
	if errors.As(err, &ce) && hasContinuedLine(f) {
		return true
	}
	t.Fatalf("SetBlock on %q: %v", f, err)
	return false
}

// hasContinuedLine reports whether a natural line of f ends in an odd number of backslashes.
func hasContinuedLine(f []byte) bool {
	for _, l := range bytes.FieldsFunc(f, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if n := len(l) - len(bytes.TrimRight(l, `\`)); n%2 == 1 {
			return true
		}
	}
	return false
}

func TestDuplicateBlockProperties(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	ids := []string{confIDBolt, "dbtls_ssl_policy other"}
	found := 0
	for i := 0; i < 5000 && found < 500; i++ {
		f := genConf(r, ids)
		c := mustParseConf(t, f)
		blocks := c.Block(confIDBolt)
		if len(blocks) == 0 {
			continue
		}
		found++
		lines := genBlockLines(r)
		s, err := c.SetBlock(confIDBolt, lines)
		if refusedForContinuation(t, f, err) {
			continue
		}
		cs := mustParseConf(t, s)
		got := cs.Block(confIDBolt)
		if len(got) != 1 || got[0].StartLine != blocks[0].StartLine || !reflect.DeepEqual(got[0].Lines, append([]string{}, lines...)) {
			t.Fatalf("SetBlock on %q = %q: blocks %#v", f, s, got)
		}
		// Bytes outside the blocks are unchanged.
		if a, b := mustRemoveBlock(t, s, confIDBolt), c.RemoveBlock(confIDBolt); !bytes.Equal(a, b) {
			t.Fatalf("outside bytes changed:\nF        = %q\nset      = %q\nremove F = %q\nremove S = %q", f, s, b, a)
		}
		// Other blocks are unchanged.
		other, again := c.Block("dbtls_ssl_policy other"), cs.Block("dbtls_ssl_policy other")
		if len(other) != len(again) {
			t.Fatalf("other blocks changed: %#v -> %#v", other, again)
		}
		for k := range other {
			if !reflect.DeepEqual(other[k].Lines, again[k].Lines) {
				t.Fatalf("other block lines changed: %#v -> %#v", other, again)
			}
		}
		// At most one more call settles the line ending; after that SetBlock is idempotent.
		s2 := mustSetBlock(t, s, confIDBolt, lines)
		if s3 := mustSetBlock(t, s2, confIDBolt, lines); !bytes.Equal(s3, s2) {
			t.Fatalf("SetBlock does not settle: %q -> %q -> %q", s, s2, s3)
		}
	}
	if found < 100 {
		t.Fatalf("generator produced only %d files with the block", found)
	}
}

func TestParseConfNeverAliasesInput(t *testing.T) {
	in := []byte("a=1\n")
	c := mustParseConf(t, in)
	in[0] = 'b'
	if string(c.Bytes()) != "a=1\n" {
		t.Errorf("Conf shares the caller's buffer")
	}
	out := c.Bytes()
	out[0] = 'c'
	if string(c.Bytes()) != "a=1\n" {
		t.Errorf("Bytes() shares the Conf's buffer")
	}
}

func BenchmarkParseConf(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("dbtls_channel_binding c%03d", i)
		fmt.Fprintf(&buf, "%s\ndbms.ssl.policy.c%03d.enabled=true\n%s\n", confBegin(id), i, confEnd(id))
	}
	data := buf.Bytes()
	if n := bytes.Count(data, []byte("\n")); n != 300 {
		b.Fatalf("%d lines", n)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := ParseConf(data)
		if err != nil || len(c.blocks) != 100 {
			b.Fatal(err)
		}
	}
}

// Neo4j reads neo4j.conf with java.util.Properties, so Settings and Conflicts judge on the decoded
// key: every spelling below sets a key a binding manages.
func TestConflictsDecodedKeys(t *testing.T) {
	in := "dbms.connector.bolt.tls_level DISABLED\n" +
		"dbms.ssl.policy.bolt.client_auth:NONE\n" +
		"dbms.ssl.policy.bolt.trust_all   true\n" +
		"dbms.ssl.policy.bolt.trusted\\u005fdir=\\u002e\\u002e/elsewhere\n" +
		"dbms.ssl.policy.bolt.\\\n    revoked_dir = revoked\n" +
		"dbms\\.ssl\\.policy\\.bolt\\.enabled\\=x=false\n" + // the key is "dbms.ssl.policy.bolt.enabled=x": no conflict
		"\\u0064bms.ssl.policy.bolt.tls_versions=TLSv1\n" +
		"! dbms.ssl.policy.bolt.ciphers=X\n" +
		"# dbms.ssl.policy.bolt.ciphers=X \\\n" +
		"dbms.ssl.policy.bolt.verify_hostname\ffalse\n"
	c := mustParseConf(t, []byte(in))
	keys := []string{"dbms.connector.bolt.tls_level", "dbms.ssl.policy.bolt.client_auth", "dbms.ssl.policy.bolt.trust_all",
		"dbms.ssl.policy.bolt.trusted_dir", "dbms.ssl.policy.bolt.revoked_dir", "dbms.ssl.policy.bolt.enabled",
		"dbms.ssl.policy.bolt.tls_versions", "dbms.ssl.policy.bolt.ciphers", "dbms.ssl.policy.bolt.verify_hostname"}
	got := c.Conflicts(confIDBolt, keys)
	want := []Conflict{
		{Key: "dbms.connector.bolt.tls_level", Line: 1, Value: "DISABLED"},
		{Key: "dbms.ssl.policy.bolt.client_auth", Line: 2, Value: "NONE"},
		{Key: "dbms.ssl.policy.bolt.trust_all", Line: 3, Value: "true"},
		{Key: "dbms.ssl.policy.bolt.trusted_dir", Line: 4, Value: "../elsewhere"},
		{Key: "dbms.ssl.policy.bolt.revoked_dir", Line: 5, Value: "revoked"},
		{Key: "dbms.ssl.policy.bolt.tls_versions", Line: 8, Value: "TLSv1"},
		{Key: "dbms.ssl.policy.bolt.verify_hostname", Line: 11, Value: "false"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conflicts() =\n%#v\nwant\n%#v", got, want)
	}
	if p := c.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %#v", p)
	}
	bad := mustParseConf(t, []byte("a=1\nk=\\u12G4\n"))
	if p := bad.Problems(); len(p) != 1 || p[0].Line != 2 || !strings.Contains(p[0].Msg, "Malformed") {
		t.Errorf("Problems() = %#v", p)
	}
}

// A foreign line that ends in a backslash continues, for Neo4j, onto the line after it, marker or
// not. SetBlock refuses to put a block there, or to keep one there, rather than write a file Neo4j
// reads differently; a continuation that ends before the block is fine.
func TestSetBlockContinuation(t *testing.T) {
	blk := confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDBolt)
	for _, tc := range []struct {
		name, in string
		line     int // the line a refusal names; 0: accepted
	}{
		{"trailing backslash at EOF", "a=1\nb=2\\", 2},
		{"trailing backslash, newline, EOF", "a=1\nb=2\\\n", 2},
		{"trailing backslash, CRLF, EOF", "b=2\\\r\n", 1},
		{"continued twice at EOF", "b=2,\\\n  3\\\n", 1},
		{"continued onto an existing block", "b=2\\\n" + blk + "\n", 1},
		{"continued onto an existing block, CRLF", "b=2\\\r\n" + strings.ReplaceAll(blk, "\n", "\r\n") + "\r\n", 1},
		{"lone backslash at EOF", "a=1\n\\\n", 2},
		{"a hand edit continuing our line onto our END is replaced", confBegin(confIDBolt) + "\nx=1\\\n" + confEnd(confIDBolt) + "\nz=1\n", 0},
		{"even backslashes", "b=2\\\\\n", 0},
		{"continuation ended by an empty line", "b=2\\\n\n", 0},
		{"continuation ended by a blank line", "b=2\\\n  \n", 0},
		{"comment ending in a backslash", "# b=2\\\n", 0},
		{"! comment ending in a backslash", "!b=2\\", 0},
		{"block before a continued line", blk + "\nb=2\\\n", 0},
		{"continuation inside the file", "b=2\\\n  3\nc=4\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParseConf(t, []byte(tc.in))
			out, err := c.SetBlock(confIDBolt, []string{"x=1", "y=2"})
			if tc.line == 0 {
				if err != nil {
					t.Fatalf("SetBlock: %v", err)
				}
				if got := mustParseConf(t, out).Conflicts("none", []string{"x", "y"}); len(got) != 2 || got[0].Value != "1" || got[1].Value != "2" {
					t.Errorf("the block's settings read as %#v in %q", got, out)
				}
				return
			}
			var ce *ContinuationError
			if !errors.As(err, &ce) || ce.Line != tc.line || !strings.Contains(err.Error(), "backslash") {
				t.Fatalf("SetBlock(%q) = %q, %v; want a *ContinuationError naming line %d", tc.in, out, err, tc.line)
			}
		})
	}
	// Lines of our own that end in a backslash are refused before anything else.
	if _, err := mustParseConf(t, nil).SetBlock(confIDBolt, []string{`x=a\`}); err == nil || !strings.Contains(err.Error(), "backslash") {
		t.Errorf("SetBlock accepted a line ending in a backslash: %v", err)
	}
	if _, err := mustParseConf(t, nil).SetBlock(confIDBolt, []string{`x=a\\`}); err != nil {
		t.Errorf("SetBlock refused a line ending in an escaped backslash: %v", err)
	}
}

func TestCheckRemove(t *testing.T) {
	blk := confBegin(confIDBolt) + "\nx=1\n" + confEnd(confIDBolt)
	for in, bad := range map[string]bool{
		"a=1\n" + blk + "\nb=2\n":     false,
		"a=1\\\n\n" + blk + "\nb=2\n": false,
		"a=1\\\n" + blk + "\nb=2\n":   true,
		"a=1\\\n" + blk:               true,
		confBegin(confIDBolt) + "\nx=1\\\n" + confEnd(confIDBolt) + "\nb=2\n": false, // only our own line changes
		"# a=1\\\n" + blk + "\n": false,
		blk + "\nb=2\\\n":        false,
	} {
		err := mustParseConf(t, []byte(in)).CheckRemove(confIDBolt)
		var ce *ContinuationError
		if bad != errors.As(err, &ce) {
			t.Errorf("CheckRemove(%q) = %v, want a refusal: %v", in, err, bad)
		}
	}
}

// BenchmarkSetBlockLargeConf: one more managed block in a neo4j.conf that holds 300 policies' blocks,
// the edit every apply of a policy makes, from the bytes: the file's parse, then the edit and its
// checks (BenchmarkSetBlockLargeConfParsed: the edit alone, on a file already parsed).
func BenchmarkSetBlockLargeConf(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# Neo4j configuration\nserver.default_listen_address=0.0.0.0\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "%s\ndbms.ssl.policy.p%d.enabled=true\ndbms.ssl.policy.p%d.base_directory=certificates/p%d\ndbms.ssl.policy.p%d.client_auth=REQUIRE\n%s\n",
			BeginMarker(fmt.Sprintf("policy p%d", i)), i, i, i, i, EndMarker(fmt.Sprintf("policy p%d", i)))
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := ParseConf(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.SetBlock("policy extra", []string{"dbms.ssl.policy.extra.enabled=true"}); err != nil {
			b.Fatal(err)
		}
	}
}
