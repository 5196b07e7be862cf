package neo4j

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
)

type kv struct{ k, v string }

// propertiesCases are foreign neo4j.conf lines with the pairs Neo4j reads from them. Every row is
// also checked against java.util.Properties itself (TestPropertiesAgainstJDK). err marks an input on
// which Java's load throws (the pairs before it are still listed).
var propertiesCases = []struct {
	name string
	in   string
	want []kv
	err  bool
}{
	{"key=value", "dbms.ssl.policy.bolt.enabled=true", []kv{{"dbms.ssl.policy.bolt.enabled", "true"}}, false},
	{"key value", "dbms.connector.bolt.tls_level DISABLED\n", []kv{{"dbms.connector.bolt.tls_level", "DISABLED"}}, false},
	{"key:value", "dbms.ssl.policy.bolt.client_auth:NONE\n", []kv{{"dbms.ssl.policy.bolt.client_auth", "NONE"}}, false},
	{"key and blanks", "dbms.ssl.policy.bolt.trust_all   true\n", []kv{{"dbms.ssl.policy.bolt.trust_all", "true"}}, false},
	{"blanks around =", "  spaced.key \t=  spaced value \t \n", []kv{{"spaced.key", "spaced value \t "}}, false},
	{"blank, =, blank, = kept", "k = = v", []kv{{"k", "= v"}}, false},
	{"colon then equals", "k:=v", []kv{{"k", "=v"}}, false},
	{"escaped separators in key", `key\ with\ escapes=`, []kv{{"key with escapes", ""}}, false},
	{"escaped = and : in key", `a\=b\:c=d`, []kv{{"a=b:c", "d"}}, false},
	{`\u0041 in a key`, `\u0041b=c`, []kv{{"Ab", "c"}}, false},
	{`\u005f makes a managed key`, `dbms.ssl.policy.bolt.trust\u005fall=true`, []kv{{"dbms.ssl.policy.bolt.trust_all", "true"}}, false},
	{`\uXXXX in a value`, `k=\u002e\u002e/elsewhere`, []kv{{"k", "../elsewhere"}}, false},
	{"upper and lower hex", `k=\u00e9\u20AC`, []kv{{"k", "é€"}}, false},
	{"surrogate pair", `k=\uD83D\uDE00`, []kv{{"k", "😀"}}, false},
	{"character escapes", `k=\t\n\r\f\x\\\#`, []kv{{"k", "\t\n\r\fx\\#"}}, false},
	{"key only", "lonely\n", []kv{{"lonely", ""}}, false},
	{"key and colon", "k:", []kv{{"k", ""}}, false},
	{"empty key", "=v\n:w", []kv{{"", "v"}, {"", "w"}}, false},
	{"continuation", "a=b\\\n   c\n", []kv{{"a", "bc"}}, false},
	{"continuation CRLF", "a=b\\\r\n\t c\r\nd=e\r\n", []kv{{"a", "bc"}, {"d", "e"}}, false},
	{"continuation lone CR", "a=b\\\r  c\rd=e", []kv{{"a", "bc"}, {"d", "e"}}, false},
	{"continuation of a key", "dbms.ssl.policy.\\\n    bolt.client_auth=NONE", []kv{{"dbms.ssl.policy.bolt.client_auth", "NONE"}}, false},
	{"three natural lines", "a=1,\\\n  2,\\\n  3\nb=4", []kv{{"a", "1,2,3"}, {"b", "4"}}, false},
	{"continuation onto a # line", "a=b\\\n# BEGIN dbtls managed block: x\nc=d\n", []kv{{"a", "b# BEGIN dbtls managed block: x"}, {"c", "d"}}, false},
	{"continuation onto an empty line", "a=b\\\n\nc=d", []kv{{"a", "b"}, {"c", "d"}}, false},
	{"continuation onto a blank line", "a=b\\\n  \t\nc=d", []kv{{"a", "b"}, {"c", "d"}}, false},
	{"CR continuation then empty line", "a=\\\r\n\nb", []kv{{"a", ""}, {"b", ""}}, false},
	{"comment does not continue", "# comment \\\nk=v", []kv{{"k", "v"}}, false},
	{"! comment", "! k=v\n  !x=y\nk=v", []kv{{"k", "v"}}, false},
	{"indented # comment", " \t\f# k=v\nk=v", []kv{{"k", "v"}}, false},
	{"# inside a value", "k=v#x\n", []kv{{"k", "v#x"}}, false},
	{"lone backslash line then comment", "\\\n#x=1\n", nil, false},
	{"lone backslash at EOF", "\\", []kv{{"", ""}}, false},
	{"lone backslash, newline, EOF", "\\\n", []kv{{"", ""}}, false},
	{"lone backslash then blank lines", "\\\n\n\nfoo=bar", []kv{{"foo", "bar"}}, false},
	{"trailing backslash at EOF", "a=b\\", []kv{{"a", "b"}}, false},
	{"trailing backslash, newline, EOF", "a=b\\\n", []kv{{"a", "b"}}, false},
	{"two backslashes: no continuation", "a=b\\\\\nc=d", []kv{{"a", "b\\"}, {"c", "d"}}, false},
	{"three backslashes: continuation", "a=b\\\\\\\nc=d", []kv{{"a", "b\\c=d"}}, false},
	{"four backslashes", "a=b\\\\\\\\\nc=d", []kv{{"a", "b\\\\"}, {"c", "d"}}, false},
	{"lone CR ends a line", "a=1\rb=2\r\nc=3", []kv{{"a", "1"}, {"b", "2"}, {"c", "3"}}, false},
	{"comment ends at a lone CR", "#c\rk=v", []kv{{"k", "v"}}, false},
	{"form feed separates", "\f key\fvalue\f", []kv{{"key", "value\f"}}, false},
	{"ISO 8859-1 bytes", "caf\xe9=cr\xe8me\n\xff\xfe=\xe9", []kv{{"café", "crème"}, {"ÿþ", "é"}}, false},
	{"UTF-8 bytes are two characters", "k=\xc3\xa9", []kv{{"k", "Ã©"}}, false},
	{"blank lines", "\n\n  \t\n\r\n\rk=v\n\n", []kv{{"k", "v"}}, false},
	{"repeated keys", "k=1\nk=2", []kv{{"k", "1"}, {"k", "2"}}, false},
	{"malformed \\u in a value", "a=1\nk=\\u12G4\nb=2", []kv{{"a", "1"}}, true},
	{"short \\u at the end", "k=\\u12", nil, true},
	{"malformed \\u in a key", "\\uXYZW=1", nil, true},
}

func TestPropertiesGrammar(t *testing.T) {
	for _, tc := range propertiesCases {
		t.Run(tc.name, func(t *testing.T) {
			var got []kv
			failed := false
			for _, e := range ParseProperties([]byte(tc.in)) {
				if e.Err != nil {
					failed = true
					break
				}
				got = append(got, kv{e.Key, e.Value})
			}
			if failed != tc.err || len(got) != len(tc.want) {
				t.Fatalf("ParseProperties(%q) = %q (error %v), want %q (error %v)", tc.in, got, failed, tc.want, tc.err)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("ParseProperties(%q)[%d] = %q, want %q", tc.in, i, got[i], tc.want[i])
				}
			}
		})
	}
}

// The same table, judged by java.util.Properties.
func TestPropertiesAgainstJDK(t *testing.T) {
	inputs := make([][]byte, len(propertiesCases))
	for i, tc := range propertiesCases {
		inputs[i] = []byte(tc.in)
	}
	java := javaProperties(t, inputs)
	for i, tc := range propertiesCases {
		var want strings.Builder
		for _, p := range tc.want {
			want.WriteString("K " + showJava(p.k) + " V " + showJava(p.v) + "\n")
		}
		if tc.err {
			want.WriteString("ERR\n")
		}
		if java[i] != want.String() {
			t.Errorf("%s: java.util.Properties reads %q as\n%s\nthe table says\n%s", tc.name, tc.in, java[i], want.String())
		}
		if got := showPairs(ParseProperties(inputs[i])); got != java[i] {
			t.Errorf("%s: ParseProperties reads %q as\n%s\njava.util.Properties as\n%s", tc.name, tc.in, got, java[i])
		}
	}
}

// Offsets: an entry spans from its first character to the line break that ends it, continuations
// included.
func TestPropertiesOffsets(t *testing.T) {
	in := "  a=1\n# c\nb=2\\\n  3\r\n\\\n\nc\\\n"
	got := ParseProperties([]byte(in))
	want := []struct{ raw string }{{"a=1"}, {"b=2\\\n  3"}, {"c\\"}}
	if len(got) != len(want) {
		t.Fatalf("ParseProperties(%q) = %#v", in, got)
	}
	for i, e := range got {
		if r := string(e.Raw([]byte(in))); r != want[i].raw {
			t.Errorf("entry %d spans %q, want %q", i, r, want[i].raw)
		}
	}
}

func TestCheckPlainLine(t *testing.T) {
	for _, ok := range []string{"a=b", "dbms.ssl.policy.bolt.base_directory=certificates/bolt", "k=", "k=a:b=c", "k=#x"} {
		if err := CheckPlainLine(ok); err != nil {
			t.Errorf("CheckPlainLine(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		`k=\u002e\u002e/x`, `k=revoked\`, "k= x", "k=x\\", `k=a\b`, "k=caf\xc3\xa9", "k=a\nb=c", "k=a\rb", "=v", "novalue", `k\ x=y`, "k x=y", "k:x=y", " k=v", "#k=v", "k=\\u12",
	} {
		if err := CheckPlainLine(bad); err == nil {
			t.Errorf("CheckPlainLine(%q) = nil, want an error", bad)
		}
	}
}

// Random inputs over the characters the grammar gives a meaning to, judged by ParseProperties and by
// java.util.Properties: they must agree on every pair and on where Java throws.
func TestPropertiesRandomAgainstJDK(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	pieces := []string{"\\", "\\", "\\\\", "\n", "\r", "\r\n", " ", "\t", "\f", "=", ":", "#", "!", "a", "b", "k", "\\u0041", "\\u00", "u", "0", "\xe9", "\xff", "key", "val"}
	inputs := make([][]byte, 600)
	for i := range inputs {
		var b []byte
		for n := r.Intn(14); n > 0; n-- {
			b = append(b, pieces[r.Intn(len(pieces))]...)
		}
		inputs[i] = b
	}
	java := javaProperties(t, inputs)
	for i, in := range inputs {
		if got := showPairs(ParseProperties(in)); got != java[i] {
			t.Errorf("%q: ParseProperties reads\n%s\njava.util.Properties reads\n%s", in, got, java[i])
		}
	}
}

// SetBlock appending a block, judged by java.util.Properties: when it writes, Java reads the file's
// settings unchanged and then exactly the block's; when it refuses, Java would have read the plainly
// appended block differently. So SetBlock neither refuses a safe file nor accepts an unsafe one.
func TestSetBlockAgainstJDK(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	pieces := []string{"a=1", "a=1\\", "b=2\\\\", "c=3\\\\\\", "\\", "  \\", "# c\\", "! c\\", "", "  ", "x\\u0041=1", "  y = 2 \\", "z:3"}
	endings := []string{"\n", "\r\n", "\r"}
	block := []string{"dbms.ssl.policy.bolt.enabled=true", "server.bolt.tls_level=REQUIRED"}
	var inputs, outputs [][]byte
	var refused []bool
	for i := 0; i < 400; i++ {
		var f []byte
		for n := r.Intn(5); n > 0; n-- {
			f = append(f, pieces[r.Intn(len(pieces))]...)
			f = append(f, endings[r.Intn(len(endings))]...)
		}
		if r.Intn(3) == 0 {
			f = append(f, pieces[r.Intn(len(pieces))]...) // no final line break
		}
		c, err := ParseConf(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.SetBlock(confIDBolt, block)
		var ce *ContinuationError
		switch {
		case err == nil:
			refused = append(refused, false)
		case errors.As(err, &ce):
			refused = append(refused, true)
			// What a plain append would have written.
			out = append([]byte{}, f...)
			if len(f) > 0 && f[len(f)-1] != '\n' {
				out = append(out, '\n')
			}
			out = append(out, BeginMarker(confIDBolt)+"\n"+strings.Join(block, "\n")+"\n"+EndMarker(confIDBolt)+"\n"...)
		default:
			t.Fatalf("SetBlock(%q): %v", f, err)
		}
		inputs, outputs = append(inputs, f), append(outputs, out)
	}
	java := javaProperties(t, append(append([][]byte{}, inputs...), outputs...))
	var blockPairs strings.Builder
	for _, l := range block {
		k, v, _ := strings.Cut(l, "=")
		blockPairs.WriteString("K " + showJava(k) + " V " + showJava(v) + "\n")
	}
	n, nRefused := len(inputs), 0
	for i := range inputs {
		same := java[n+i] == java[i]+blockPairs.String()
		if refused[i] {
			nRefused++
		}
		if same == refused[i] {
			t.Errorf("%q: SetBlock refused=%v, but Java reads the appended file as\n%s\nand the file as\n%s", inputs[i], refused[i], java[n+i], java[i])
		}
	}
	if nRefused < 20 || nRefused > n-20 {
		t.Errorf("%d of %d refused: the generator does not exercise both sides", nRefused, n)
	}
}

// CommentOut, judged by java.util.Properties: after commenting out every line that sets the key,
// Java reads the file's other settings unchanged and the key no more, continuation lines included.
func TestCommentOutAgainstJDK(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	const key = "server.bolt.tls_level"
	pieces := []string{key + "=OPTIONAL", key + " DISABLED\\", "  " + key + ":\\", "a=1", "a=1\\", "  x\\", "b=2\\\\", "\\", "# c\\", "", "server.bolt.tls\\u005flevel=OPTIONAL", "c=" + key}
	endings := []string{"\n", "\n", "\r\n", "\r"}
	var inputs, outputs [][]byte
	refusals := 0
	for len(inputs) < 300 {
		var f []byte
		for n := 1 + r.Intn(5); n > 0; n-- {
			f = append(f, pieces[r.Intn(len(pieces))]...)
			f = append(f, endings[r.Intn(len(endings))]...)
		}
		c := mustParseConf(t, f)
		var lines []int
		for _, cf := range c.Conflicts(confIDBolt, []string{key}) {
			lines = append(lines, cf.Line)
		}
		if len(lines) == 0 {
			continue
		}
		out, err := c.CommentOut(confIDBolt, lines)
		var ce *ContinuationError
		if errors.As(err, &ce) {
			refusals++
			continue
		}
		if err != nil {
			t.Fatalf("CommentOut(%q, %v): %v", f, lines, err)
		}
		if back := mustParseConf(t, out).RestoreCommented(confIDBolt); string(back) != string(f) {
			t.Fatalf("RestoreCommented(CommentOut(%q)) = %q", f, back)
		}
		inputs, outputs = append(inputs, f), append(outputs, out)
	}
	java := javaProperties(t, append(append([][]byte{}, inputs...), outputs...))
	n := len(inputs)
	for i := range inputs {
		var want strings.Builder
		for _, l := range strings.SplitAfter(java[i], "\n") {
			if l != "" && !strings.HasPrefix(l, "K "+key+" V ") {
				want.WriteString(l)
			}
		}
		if java[n+i] != want.String() {
			t.Errorf("%q commented out as %q: Java reads\n%s\nwant\n%s", inputs[i], outputs[i], java[n+i], want.String())
		}
	}
	t.Logf("%d edits checked, %d refused", n, refusals)
	if refusals > n/2 {
		t.Errorf("%d refusals for %d edits", refusals, n)
	}
}
