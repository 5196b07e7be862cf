package neo4j

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// The JDK is the oracle for how Neo4j reads neo4j.conf: a small Java program loads files with
// java.util.Properties, exactly as Neo4j's Config.Builder.fromFile does (an anonymous Properties whose
// put records every pair, fed a FileInputStream), and prints each pair in file order. Without a JDK
// the cross-checks skip, unless CI is set: there they fail, since CI installs openjdk-17-jdk-headless.

const propsDumpJava = `import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Properties;

public class PropsDump {
    // Printable ASCII other than the backslash as is, everything else as a four-digit hex escape.
    static String show(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        for (String name : args) {
            StringBuilder out = new StringBuilder();
            try (InputStream in = new FileInputStream(name)) {
                new Properties() {
                    @Override
                    public synchronized Object put(Object k, Object v) {
                        out.append("K ").append(show(k.toString())).append(" V ").append(show(v.toString())).append('\n');
                        return null;
                    }
                }.load(in);
            } catch (IllegalArgumentException e) {
                out.append("ERR\n");
            }
            System.out.print("FILE " + name + "\n" + out);
        }
    }
}
`

// jdkDir compiles PropsDump into a t.TempDir() and returns that directory; it skips (or, with CI
// set, fails) the test when no JDK is installed.
func jdkDir(t *testing.T) string {
	t.Helper()
	javac, errc := exec.LookPath("javac")
	_, errj := exec.LookPath("java")
	if errc != nil || errj != nil {
		msg := "no JDK (javac and java) on PATH: the cross-check against java.util.Properties needs one (Debian: apt-get install -y openjdk-17-jdk-headless)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "PropsDump.java")
	if err := os.WriteFile(src, []byte(propsDumpJava), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(javac, "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return dir
}

// javaProperties loads every input with java.util.Properties and returns, per input, its pairs in
// the form of showPairs.
func javaProperties(t *testing.T, inputs [][]byte) []string {
	t.Helper()
	classes := jdkDir(t)
	dir := t.TempDir()
	args := []string{"-cp", classes, "PropsDump"}
	for i, in := range inputs {
		name := filepath.Join(dir, fmt.Sprintf("in%04d.conf", i))
		if err := os.WriteFile(name, in, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	out, err := exec.Command("java", args...).Output()
	if err != nil {
		t.Fatalf("java PropsDump: %v", err)
	}
	parts := strings.Split(string(out), "FILE ")
	if len(parts) != len(inputs)+1 {
		t.Fatalf("java printed %d files for %d inputs:\n%s", len(parts)-1, len(inputs), out)
	}
	res := make([]string, len(inputs))
	for i, p := range parts[1:] {
		_, body, _ := strings.Cut(p, "\n")
		res[i] = body
	}
	return res
}

// showJava prints a decoded string as PropsDump does.
func showJava(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		if u > 0x20 && u < 0x7f && u != '\\' {
			b.WriteByte(byte(u))
		} else {
			fmt.Fprintf(&b, "\\u%04x", u)
		}
	}
	return b.String()
}

// showPairs prints entries as PropsDump does: every pair up to the first that Java throws on, then
// ERR.
func showPairs(entries []PropEntry) string {
	var b strings.Builder
	for _, e := range entries {
		if e.Err != nil {
			b.WriteString("ERR\n")
			break
		}
		b.WriteString("K " + showJava(e.Key) + " V " + showJava(e.Value) + "\n")
	}
	return b.String()
}
