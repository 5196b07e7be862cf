package neo4j

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// The checks of an edit read only the lines around it (conf_edit.go); these tests hold them to the
// whole-file checks (checkEditWhole, checkRemoveWhole) and Reparse to ParseConf, on generated files
// full of what makes Neo4j's reader join lines: trailing backslashes (odd and even runs, on
// comments, on blank-looking lines, before a lone CR), CRLF, lone CR, blocks at the end of the file
// without a newline, duplicate blocks and ISO-8859-1 bytes.

var editIDs = []string{confIDBolt, confIDHTTPS, "policy p1"}

// genEditConf builds a random neo4j.conf whose lines often end in backslashes, with well-formed
// blocks of editIDs (duplicates included) among them.
func genEditConf(r *rand.Rand) []byte {
	pieces := []string{
		"", "a=1", "b=2\\", "c=3\\\\", "\\", "\\\\", "\\\\\\", "  \\", "# comment\\", "!bang\\", "#", "   ",
		"k\\ e=v", "x=\\u00e9", "bad=\\u00", "caf\xe9=cr\xe8me\\", "mid\rcr\\", "cr\\\rx", "end\\\r", "\xff\xfe",
		"server.bolt.tls_level=DISABLED", "dbms.ssl.policy.bolt.enabled=true", " \t\f", "=v\\", "#x\r\\",
	}
	endings := []string{"\n", "\n", "\r\n", "\r\n", "\r", "\r\n"}
	crlf := r.Intn(2) == 0
	le := func() string {
		if r.Intn(5) == 0 {
			return endings[r.Intn(len(endings))]
		}
		if crlf {
			return "\r\n"
		}
		return "\n"
	}
	// A lone CR is no line end for the structure, so a piece ending in one must be followed by '\n'
	// for the markers after it to be markers; the generator lets it be, and invalid structure is
	// part of what is tested.
	var b bytes.Buffer
	for n := r.Intn(14); n > 0; n-- {
		if r.Intn(4) == 0 {
			id := editIDs[r.Intn(len(editIDs))]
			b.WriteString(confBegin(id) + le())
			for j := r.Intn(3); j > 0; j-- {
				b.WriteString(pieces[r.Intn(len(pieces))] + le())
			}
			b.WriteString(confEnd(id) + le())
			continue
		}
		b.WriteString(pieces[r.Intn(len(pieces))])
		b.WriteString(le())
	}
	out := b.Bytes()
	switch r.Intn(4) {
	case 0: // no final newline
		out = bytes.TrimSuffix(bytes.TrimSuffix(out, []byte("\n")), []byte("\r"))
	case 1:
		out = append(out, pieces[r.Intn(len(pieces))]...)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T %v", err, err)
}

// sameConf fails unless got is what ParseConf makes of want's bytes, settings included.
func sameConf(t *testing.T, what string, got, want *Conf) {
	t.Helper()
	if !bytes.Equal(got.data, want.data) || !deepEqualOrEmpty(got.lines, want.lines) || !deepEqualOrEmpty(got.blocks, want.blocks) ||
		got.crlf != want.crlf || got.lf != want.lf {
		t.Fatalf("%s: Reparse differs from ParseConf for %q:\nlines %v\nwant  %v\nblocks %v\nwant   %v", what, want.data, got.lines, want.lines, got.blocks, want.blocks)
	}
	if !sameEntries(got.entries(), want.entries()) || !deepEqualOrEmpty(got.keyHashes, want.keyHashes) {
		t.Fatalf("%s: settings of Reparse differ from ParseProperties for %q:\n%v\nwant %v", what, want.data, got.entries(), want.entries())
	}
}

// sameEntries reports whether two lists of settings are equal field by field, errors by their text.
func sameEntries(a, b []PropEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].First != b[i].First || a[i].End != b[i].End || errText(a[i].Err) != errText(b[i].Err) {
			return false
		}
	}
	return true
}

// deepEqualOrEmpty is reflect.DeepEqual, with a nil slice equal to an empty one.
func deepEqualOrEmpty[T any](a, b []T) bool {
	return (len(a) == 0 && len(b) == 0) || reflect.DeepEqual(a, b)
}

// checkReparse compares c.Reparse(out) with ParseConf(out), errors included.
func checkReparse(t *testing.T, what string, c *Conf, out []byte) *Conf {
	t.Helper()
	got, gerr := c.Reparse(out)
	want, werr := ParseConf(out)
	if errText(gerr) != errText(werr) {
		t.Fatalf("%s: Reparse(%q) of %q: %s, ParseConf: %s", what, out, c.data, errText(gerr), errText(werr))
	}
	if werr == nil {
		sameConf(t, what, got, want)
	}
	return got
}

// checkEditAgainstWhole runs every local check on c and compares it with its whole-file reference.
func checkEditAgainstWhole(t *testing.T, r *rand.Rand, c *Conf) {
	t.Helper()
	for _, id := range editIDs {
		lines := genBlockLines(r)
		if checkBlockLines(lines) != nil {
			continue
		}
		out := c.setBlock(id, lines)
		local, whole := c.checkEdit(id, out), c.checkEditWhole(id, out)
		if errText(local) != errText(whole) {
			t.Fatalf("SetBlock(%q) on %q: local check %s, whole-file check %s", id, c.data, errText(local), errText(whole))
		}
		nc := checkReparse(t, "SetBlock", c, out)
		if nc != nil {
			// A chain of edits: the next edit starts from the derived parse.
			rm := nc.RemoveBlock(id)
			if errText(nc.CheckRemove(id)) != errText(nc.checkRemoveWhole(id)) {
				t.Fatalf("CheckRemove(%q) on %q: local %s, whole-file %s", id, nc.data, errText(nc.CheckRemove(id)), errText(nc.checkRemoveWhole(id)))
			}
			checkReparse(t, "RemoveBlock after SetBlock", nc, rm)
		}
		local, whole = c.CheckRemove(id), c.checkRemoveWhole(id)
		if errText(local) != errText(whole) {
			t.Fatalf("CheckRemove(%q) on %q: local check %s, whole-file check %s", id, c.data, errText(local), errText(whole))
		}
		checkReparse(t, "RemoveBlock", c, c.RemoveBlock(id))
	}
	// Any other edit: a stretch of the file replaced by other bytes.
	d := c.data
	i := r.Intn(len(d) + 1)
	j := i + r.Intn(len(d)-i+1)
	repl := [][]byte{nil, []byte("\n"), []byte("\\\n"), []byte("\r"), []byte("x=1\r\n"), []byte(confBegin(confIDBolt) + "\n"),
		[]byte(confEnd(confIDBolt) + "\n"), []byte("\\"), []byte("#"), []byte(confBegin(confIDBolt) + "\nq=1\n" + confEnd(confIDBolt))}
	out := append(append(append([]byte(nil), d[:i]...), repl[r.Intn(len(repl))]...), d[j:]...)
	checkReparse(t, "splice", c, out)
}

// TestEditChecksMatchWholeFile: on many generated files, the local checks of SetBlock and
// CheckRemove give the whole-file checks' verdict and error, and Reparse gives ParseConf's parse,
// with c's settings read beforehand (spliced into the new parse) or not.
func TestEditChecksMatchWholeFile(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	refusals, parsed := 0, 0
	for iter := 0; iter < 20000; iter++ {
		data := genEditConf(r)
		c, err := ParseConf(data)
		if err != nil {
			continue
		}
		parsed++
		if r.Intn(2) == 0 {
			c.entries()
		}
		for _, id := range editIDs {
			if _, err := c.SetBlock(id, []string{"dbms.ssl.policy.bolt.enabled=true"}); err != nil {
				refusals++
			}
		}
		checkEditAgainstWhole(t, r, c)
	}
	// The generator must reach both verdicts often, or the comparison proves little.
	if parsed < 5000 || refusals < 1000 {
		t.Fatalf("generator too tame: %d files parsed, %d refusals", parsed, refusals)
	}
}

// TestEditChecksLargeFile: an edit in the middle of a large file and at its end, next to lines that
// continue into the block and out of it.
func TestEditChecksLargeFile(t *testing.T) {
	var sb strings.Builder
	for i := range 200 {
		fmt.Fprintf(&sb, "%s\nk%d=v\n%s\n", BeginMarker(fmt.Sprintf("policy p%d", i)), i, EndMarker(fmt.Sprintf("policy p%d", i)))
		if i == 100 {
			sb.WriteString("cont=a\\\n")
		}
	}
	data := []byte(sb.String())
	c := mustParseConf(t, data)
	c.entries()
	r := rand.New(rand.NewSource(1))
	for _, id := range []string{"policy p100", "policy p101", "policy p50", "policy new"} {
		out := c.setBlock(id, []string{"x=1"})
		if local, whole := c.checkEdit(id, out), c.checkEditWhole(id, out); errText(local) != errText(whole) {
			t.Fatalf("SetBlock(%q): local %s, whole %s", id, errText(local), errText(whole))
		}
		checkReparse(t, id, c, out)
	}
	// p101's BEGIN marker is the continuation of "cont=a\": writing p101 is refused, p100 is not.
	if _, err := c.SetBlock("policy p101", []string{"x=1"}); err == nil {
		t.Fatal("SetBlock(p101) after a continued line was not refused")
	}
	if _, err := c.SetBlock("policy p100", []string{"x=1"}); err != nil {
		t.Fatalf("SetBlock(p100): %v", err)
	}
	checkEditAgainstWhole(t, r, c)
}

// FuzzConfEdit holds the local checks and Reparse to their whole-file references on arbitrary bytes.
func FuzzConfEdit(f *testing.F) {
	f.Add([]byte("a=b\\\n"+confBegin(confIDBolt)+"\nx=1\n"+confEnd(confIDBolt)), int64(1))
	f.Add([]byte(confBegin(confIDBolt)+"\r\nx=1\\\\\r\n"+confEnd(confIDBolt)+"\r\nz=\\"), int64(2))
	f.Add([]byte("k=\xe9\\\r"+confBegin(confIDHTTPS)+"\n"+confEnd(confIDHTTPS)+"\n\\\n#c\\\n"), int64(3))
	f.Add(loadConfFixture(f), int64(4))
	f.Fuzz(func(t *testing.T, data []byte, seed int64) {
		c, err := ParseConf(data)
		if err != nil {
			return
		}
		r := rand.New(rand.NewSource(seed))
		if r.Intn(2) == 0 {
			c.entries()
		}
		checkEditAgainstWhole(t, r, c)
	})
}

// BenchmarkSetBlockLargeConfParsed: the edit a policy's apply makes to a neo4j.conf already parsed
// (as the provider keeps it between edits) that holds 300 policies' blocks: a new block's bytes,
// its checks and the parse of the result.
func BenchmarkSetBlockLargeConfParsed(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# Neo4j configuration\nserver.default_listen_address=0.0.0.0\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "%s\ndbms.ssl.policy.p%d.enabled=true\ndbms.ssl.policy.p%d.base_directory=certificates/p%d\ndbms.ssl.policy.p%d.client_auth=REQUIRE\n%s\n",
			BeginMarker(fmt.Sprintf("policy p%d", i)), i, i, i, i, EndMarker(fmt.Sprintf("policy p%d", i)))
	}
	c, err := ParseConf([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	c.entries()
	b.SetBytes(int64(len(c.data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("policy extra%d", i) // a new edit each time, never one already parsed
		out, err := c.SetBlock(id, []string{"dbms.ssl.policy.extra.enabled=true"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Reparse(out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConfSharedByConcurrentEdits: one parse is shared by the plans of many resources at once (the
// provider's cache); their edits, the parses of the results and the settings spliced into them do
// not disturb one another (run with -race).
func TestConfSharedByConcurrentEdits(t *testing.T) {
	c := mustParseConf(t, loadConfFixture(t))
	if len(c.Conflicts("policy x", []string{"server.jvm.additional", "server.memory.heap.initial_size"})) == 0 {
		t.Fatal("the fixture sets no conflicting key")
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			id := fmt.Sprintf("policy p%d", i%4) // some edits are the same edit
			out, err := c.SetBlock(id, []string{fmt.Sprintf("dbms.ssl.policy.p%d.enabled=true", i%4)})
			if err != nil {
				errs <- err
				return
			}
			nc, err := c.Reparse(out)
			if err != nil {
				errs <- err
				return
			}
			want, _ := ParseConf(out)
			if !sameEntries(nc.entries(), want.entries()) || !reflect.DeepEqual(nc.lines, want.lines) {
				errs <- fmt.Errorf("edit %q: the shared parse's result differs from ParseConf", id)
				return
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
