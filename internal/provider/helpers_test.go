package provider

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// realisticConf is a neo4j.conf in the style Neo4j ships: comments, settings, repeated
// jvm.additional keys, a Latin-1 byte (0xE9) in a comment and no trailing newline.
var realisticConf = []byte("#*****************************************************************\n" +
	"# Neo4j configuration\n" +
	"#\n" +
	"# For more details and a complete list of settings, please see\n" +
	"# the operations manual. Caf\xe9 notes: keep this file ISO-8859-1.\n" +
	"#*****************************************************************\n" +
	"\n" +
	"# Paths of directories in the installation.\n" +
	"#server.directories.data=data\n" +
	"#server.directories.plugins=plugins\n" +
	"\n" +
	"server.memory.heap.initial_size=512m\n" +
	"server.memory.heap.max_size=512m\n" +
	"server.default_listen_address=0.0.0.0\n" +
	"server.bolt.listen_address=:7687\n" +
	"   server.http.enabled = true\n" +
	"\n" +
	"# JVM settings\n" +
	"server.jvm.additional=-XX:+UseG1GC\n" +
	"server.jvm.additional=-XX:-OmitStackTraceInFastThrow\n" +
	"server.jvm.additional=-XX:+AlwaysPreTouch\n" +
	"dbms.jvm.additional=-Djdk.tls.ephemeralDHKeySize=2048\n" +
	"dbms.jvm.additional=-Djdk.tls.rejectClientInitiatedRenegotiation=true\n" +
	"\n" +
	"# dbms.ssl.policy.example_policy.base_directory=certificates/commented_out\n" +
	"dbms.tx_log.rotation.retention_policy=1 days")

// crlf turns a LF file into CRLF.
func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// newHome makes a throwaway NEO4J_HOME with conf/neo4j.conf holding conf (nil: no config file) and an
// empty certificates/ directory.
func newHome(t *testing.T, conf []byte) string {
	t.Helper()
	home := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(home, "conf"), 0o755))
	must(t, os.MkdirAll(filepath.Join(home, "certificates"), 0o755))
	if conf != nil {
		must(t, os.WriteFile(filepath.Join(home, "conf", "neo4j.conf"), conf, 0o640))
	}
	bindHomeTransport(t, home)
	return home
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// providerBlock configures the provider for a test's NEO4J_HOME, through the transport the test runs
// with (see eachTransport).
func providerBlock(version, home string) string {
	return fmt.Sprintf("provider \"dbtls\" {\n  neo4j_version = %q\n  neo4j_home    = %q\n%s}\n", version, home, transportOfHome(home).sshBlock())
}

// snapshot describes every path under root (type, mode, owner, content digest), so a test can
// prove that a refused apply wrote nothing at all.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %s %d:%d", strings.TrimPrefix(p, root), info.Mode(), st.Uid, st.Gid)
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// checkDir asserts that path is a real directory with exactly mode (and owner uid/gid when >= 0).
func checkDir(p string, mode fs.FileMode, uid, gid int) func(*terraform.State) error {
	return func(*terraform.State) error {
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if !info.IsDir() {
			return fmt.Errorf("%s is %s, want a directory", p, info.Mode())
		}
		if info.Mode().Perm() != mode {
			return fmt.Errorf("%s has mode %o, want %o", p, info.Mode().Perm(), mode)
		}
		st := info.Sys().(*syscall.Stat_t)
		if uid >= 0 && int(st.Uid) != uid {
			return fmt.Errorf("%s is owned by uid %d, want %d", p, st.Uid, uid)
		}
		if gid >= 0 && int(st.Gid) != gid {
			return fmt.Errorf("%s has gid %d, want %d", p, st.Gid, gid)
		}
		return nil
	}
}

func checkAbsent(paths ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, p := range paths {
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				return fmt.Errorf("%s still exists (err=%v)", p, err)
			}
		}
		return nil
	}
}

// checkFileEquals asserts that a file holds exactly want.
func checkFileEquals(p string, want []byte) func(*terraform.State) error {
	return func(*terraform.State) error {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s differs:\n--- got\n%q\n--- want\n%q", p, got, want)
		}
		return nil
	}
}

// checkFileContains asserts that a file holds every one of the given lines (as whole lines).
func checkFileLines(p string, want ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		have := map[string]int{}
		for _, l := range strings.Split(strings.ReplaceAll(string(got), "\r\n", "\n"), "\n") {
			have[l]++
		}
		for _, w := range want {
			if have[w] != 1 {
				return fmt.Errorf("%s has line %q %d times, want once; file:\n%s", p, w, have[w], got)
			}
		}
		return nil
	}
}

// parseConfForTest returns the file's bytes with every managed block removed.
func parseConfForTest(b []byte) ([]byte, error) {
	c, err := neo4j.ParseConf(b)
	if err != nil {
		return nil, err
	}
	for _, blk := range c.Blocks() {
		c, err = neo4j.ParseConf(c.RemoveBlock(blk.ID))
		if err != nil {
			return nil, err
		}
	}
	return c.Bytes(), nil
}

type osUser struct{ user, group string }

// currentUser names the user and primary group the tests run as.
func currentUser(t *testing.T) osUser {
	t.Helper()
	u, err := user.Current()
	must(t, err)
	g, err := user.LookupGroupId(u.Gid)
	must(t, err)
	return osUser{user: u.Username, group: g.Name}
}
