package audit

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// home is a throwaway NEO4J_HOME with conf/neo4j.conf holding conf.
func home(t *testing.T, conf string) string {
	t.Helper()
	h := t.TempDir()
	if err := os.MkdirAll(filepath.Join(h, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h, "conf", "neo4j.conf"), []byte(conf), 0o640); err != nil {
		t.Fatal(err)
	}
	return h
}

func run(t *testing.T, version, h string, mod func(*Options)) *Report {
	t.Helper()
	o := Options{Version: neo4j.MustParseVersion(version), Neo4jHome: h, ConfigFile: filepath.Join(h, "conf", "neo4j.conf"), Neo4jUser: "root", MinDaysRemaining: 30}
	if mod != nil {
		mod(&o)
	}
	r, err := Run(context.Background(), host.NewLocal(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code)
	}
	sort.Strings(out)
	return out
}

func find(r *Report, code string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Code == code {
			return &r.Findings[i]
		}
	}
	return nil
}

// TestStockConfs audits the stock neo4j.conf of each family untouched, and with the default listen
// address line uncommented (the change that opens a server to the network).
func TestStockConfs(t *testing.T) {
	for _, tc := range []struct {
		version, file, listen string
		untouched, open       []string
	}{
		{"3.5", "neo4j-3.5.conf", "dbms.connectors.default_listen_address",
			[]string{"BROWSER_CREDENTIALS_RETAINED", "HTTPS_WITHOUT_POLICY"},
			[]string{"BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED", "HTTPS_WITHOUT_POLICY", "HTTP_OFF_LOOPBACK"}},
		{"4.4", "neo4j-4.4.conf", "dbms.default_listen_address",
			[]string{"BROWSER_CREDENTIALS_RETAINED"},
			[]string{"BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED", "HTTP_OFF_LOOPBACK"}},
		{"5.26", "neo4j-5.26.conf", "server.default_listen_address",
			[]string{"BROWSER_CREDENTIALS_RETAINED"},
			[]string{"BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED", "HTTP_OFF_LOOPBACK"}},
		// 2025.01 has been superseded by later calendar releases: OUTDATED_PATCH (info).
		{"2025.01", "neo4j-2025.01.conf", "server.default_listen_address",
			[]string{"BROWSER_CREDENTIALS_RETAINED", "OUTDATED_PATCH"},
			[]string{"BOLT_PLAINTEXT_OFF_LOOPBACK", "BROWSER_CREDENTIALS_RETAINED", "HTTP_OFF_LOOPBACK", "OUTDATED_PATCH"}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			r := run(t, tc.version, home(t, string(data)), nil)
			if got := codes(r); !slices.Equal(got, tc.untouched) {
				t.Errorf("untouched: codes %v, want %v\n%s", got, tc.untouched, r.Summary)
			}
			if !r.Passed && !slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == Error }) {
				t.Error("not passed without an error finding")
			}
			line := "#" + tc.listen + "=0.0.0.0"
			if !strings.Contains(string(data), line) {
				t.Fatalf("%s has no %q line", tc.file, line)
			}
			open := strings.Replace(string(data), line, tc.listen+"=0.0.0.0", 1)
			r = run(t, tc.version, home(t, open), nil)
			if got := codes(r); !slices.Equal(got, tc.open) {
				t.Errorf("0.0.0.0: codes %v, want %v\n%s", got, tc.open, r.Summary)
			}
			if r.Passed {
				t.Error("an open server passed")
			}
			if f := find(r, "HTTP_OFF_LOOPBACK"); f == nil || f.Line == 0 || f.Severity != Error || f.ChecklistItem != "3a" {
				t.Errorf("HTTP_OFF_LOOPBACK = %+v, want an error of item 3a on the default listen address line", f)
			}
			if got := r.Effective[tc.listen]; got != "0.0.0.0" {
				t.Errorf("effective %s = %q", tc.listen, got)
			}
		})
	}
}

// codeCase makes a code appear (bad) and go away (good) on one version.
type codeCase struct {
	code, version, bad, good string
	severity                 Severity
	item                     string
}

func TestEachCodeAppearsAndGoes(t *testing.T) {
	cases := []codeCase{
		{"BACKUP_NOT_LOOPBACK", "5.26", "server.backup.listen_address=0.0.0.0:6362", "server.backup.listen_address=127.0.0.1:6362", Error, "1b"},
		{"BACKUP_NOT_LOOPBACK", "4.4", "dbms.backup.listen_address=10.0.0.5:6362", "dbms.backup.enabled=false\ndbms.backup.listen_address=10.0.0.5:6362", Error, "1b"},
		{"BACKUP_NOT_LOOPBACK", "3.5", "dbms.backup.address=0.0.0.0:6362", "dbms.backup.address=localhost:6362", Error, "1b"},
		{"BOLT_PLAINTEXT_OFF_LOOPBACK", "5.26", "server.bolt.listen_address=0.0.0.0:7687", "server.bolt.listen_address=0.0.0.0:7687\nserver.bolt.tls_level=REQUIRED\ndbms.ssl.policy.bolt.enabled=true", Error, "3a"},
		{"BOLT_PLAINTEXT_OFF_LOOPBACK", "3.5", "dbms.connectors.default_listen_address=0.0.0.0", "dbms.connectors.default_listen_address=0.0.0.0\ndbms.connector.bolt.tls_level=REQUIRED\ndbms.connector.http.enabled=false\ndbms.connector.https.enabled=false", Error, "3a"},
		{"HTTP_OFF_LOOPBACK", "4.4", "dbms.connector.http.listen_address=[::]:7474", "dbms.connector.http.listen_address=[::1]:7474", Error, "3a"},
		{"HTTP_OFF_LOOPBACK", "2025.01", "server.default_listen_address=0.0.0.0\nserver.bolt.enabled=false", "server.default_listen_address=0.0.0.0\nserver.bolt.enabled=false\nserver.http.enabled=false", Error, "3a"},
		{"HTTPS_WITHOUT_POLICY", "5.26", "server.https.enabled=true", "server.https.enabled=true\ndbms.ssl.policy.https.enabled=true", Error, "3a"},
		{"HTTPS_WITHOUT_POLICY", "3.5", "", "dbms.connector.https.enabled=false", Warning, "3a"},
		{"CLUSTER_UNENCRYPTED", "5.26", "dbms.cluster.discovery.endpoints=a:6000,b:6000", "dbms.cluster.discovery.endpoints=a:6000,b:6000\ndbms.ssl.policy.cluster.enabled=true\ndbms.ssl.policy.backup.enabled=true", Error, "3d"},
		{"CLUSTER_UNENCRYPTED", "2025.01", "dbms.cluster.endpoints=a:6000", "dbms.cluster.discovery.endpoints=a:6000", Error, "3d"},
		{"CLUSTER_UNENCRYPTED", "4.4", "dbms.mode=CORE", "dbms.mode=SINGLE", Error, "3d"},
		{"BACKUP_UNENCRYPTED", "4.4", "dbms.mode=READ_REPLICA\ndbms.ssl.policy.cluster.enabled=true", "dbms.mode=READ_REPLICA\ndbms.ssl.policy.cluster.enabled=true\ndbms.backup.enabled=false", Error, "3e"},
		{"BACKUP_UNENCRYPTED", "3.5", "dbms.mode=CORE\ncausal_clustering.ssl_policy=p", "dbms.mode=CORE\ncausal_clustering.ssl_policy=p\ndbms.backup.ssl_policy=p", Error, "3e"},
		{"PROCEDURES_UNRESTRICTED", "5.26", "dbms.security.procedures.unrestricted=apoc.load.json,my.proc", "dbms.security.procedures.unrestricted=", Warning, "4b"},
		{"PROCEDURES_UNRESTRICTED", "4.4", "dbms.security.procedures.unrestricted=apoc.*", "#dbms.security.procedures.unrestricted=apoc.*", Error, "4b"},
		{"PROCEDURES_ALLOWLIST_WILDCARD", "5.26", "dbms.security.procedures.allowlist=apoc.coll.*", "dbms.security.procedures.allowlist=apoc.coll.sum", Info, "4b"},
		{"PROCEDURES_ALLOWLIST_WILDCARD", "3.5", "dbms.security.procedures.whitelist=*", "dbms.security.procedures.whitelist=apoc.coll.sum", Info, "4b"},
		{"LOAD_CSV_ANY_FILE", "5.26", "#server.directories.import=import", "server.directories.import=import", Warning, "7"},
		{"LOAD_CSV_ANY_FILE", "4.4", "dbms.directories.import=", "dbms.directories.import=\ndbms.security.allow_csv_import_from_file_urls=false", Warning, "7"},
		{"AUTH_DISABLED", "5.26", "dbms.security.auth_enabled=false", "dbms.security.auth_enabled=true", Error, "8"},
		{"AUTH_DISABLED", "3.5", "dbms.security.auth_enabled = FALSE", "#dbms.security.auth_enabled=false", Error, "8"},
		{"JMX_REMOTE", "5.26", "server.jvm.additional=-Dcom.sun.management.jmxremote.port=3637", "#server.jvm.additional=-Dcom.sun.management.jmxremote.port=3637", Warning, "9"},
		{"JMX_REMOTE_INSECURE", "4.4", "dbms.jvm.additional=-Dcom.sun.management.jmxremote.port=3637\ndbms.jvm.additional=-Dcom.sun.management.jmxremote.authenticate=false", "dbms.jvm.additional=-Dcom.sun.management.jmxremote.authenticate=false", Error, "9"},
		{"JMX_REMOTE_INSECURE", "5.26", "server.jvm.additional=-Dcom.sun.management.jmxremote.port=3637\nserver.jvm.additional=-Dcom.sun.management.jmxremote.ssl=false", "server.jvm.additional=-Dcom.sun.management.jmxremote.port=3637", Error, "9"},
		{"BROWSER_CREDENTIALS_RETAINED", "5.26", "", "browser.retain_connection_credentials=false", Info, "10"},
		{"DUPLICATE_KEY", "5.26", "server.bolt.enabled=true\nserver.bolt.enabled=true", "server.bolt.enabled=true", Error, ""},
		{"DUPLICATE_KEY", "4.4", "", "dbms.connector.bolt.enabled=true\ndbms.connector.bolt.enabled=true", Error, ""},
		{"CONF_UNLOADABLE", "5.26", `dbms.x=\u12`, `dbms.x=\u1234`, Error, ""},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.code] = true
		t.Run(tc.code+"/"+tc.version, func(t *testing.T) {
			base := "server.directories.import=import\n"
			if !neo4j.MustParseVersion(tc.version).AtLeast(5, 0) {
				base = "dbms.directories.import=import\n"
			}
			if tc.code == "LOAD_CSV_ANY_FILE" {
				base = ""
			}
			bad := run(t, tc.version, home(t, base+tc.bad+"\n"), nil)
			f := find(bad, tc.code)
			if tc.code == "DUPLICATE_KEY" && tc.version == "4.4" {
				// Neo4j 4.4 uses the last line of a repeated key without refusing it: no finding either way.
				if f != nil {
					t.Errorf("4.4 duplicate reported: %+v", f)
				}
				return
			}
			if f == nil {
				t.Fatalf("%q: no %s; findings %v", tc.bad, tc.code, codes(bad))
			}
			if f.Severity != tc.severity || f.ChecklistItem != tc.item || f.Message == "" || f.Fix == "" {
				t.Errorf("%s: severity %s item %q (want %s %q), message %q, fix %q", tc.code, f.Severity, f.ChecklistItem, tc.severity, tc.item, f.Message, f.Fix)
			}
			if tc.bad != "" && !strings.HasPrefix(tc.bad, "#") && f.Line == 0 && f.Path == "" {
				t.Errorf("%s comes from a line but names none", tc.code)
			}
			if strings.Contains(bad.Summary, tc.code) == false {
				t.Errorf("summary lacks %s: %s", tc.code, bad.Summary)
			}
			good := run(t, tc.version, home(t, base+tc.good+"\n"), nil)
			if f := find(good, tc.code); f != nil {
				t.Errorf("%q: still %+v", tc.good, f)
			}
			ignored := run(t, tc.version, home(t, base+tc.bad+"\n"), func(o *Options) { o.Ignore = []string{tc.code} })
			if find(ignored, tc.code) != nil {
				t.Errorf("%s reported though ignored", tc.code)
			}
		})
	}
	t.Run("backup with a policy is a warning", func(t *testing.T) {
		r := run(t, "5.26", home(t, "server.directories.import=import\nserver.backup.listen_address=0.0.0.0:6362\ndbms.ssl.policy.backup.enabled=true\n"), nil)
		if f := find(r, "BACKUP_NOT_LOOPBACK"); f == nil || f.Severity != Warning {
			t.Errorf("got %+v, want a warning", f)
		}
	})
	t.Run("duplicate without strict validation is a warning", func(t *testing.T) {
		r := run(t, "5.26", home(t, "server.directories.import=import\nserver.config.strict_validation.enabled=false\na.b=1\na.b=2\n"), nil)
		if f := find(r, "DUPLICATE_KEY"); f == nil || f.Severity != Warning || f.Line != 4 {
			t.Errorf("got %+v, want a warning on line 4", f)
		}
	})
	t.Run("outdated patch", func(t *testing.T) {
		// The newest version the catalogue knows is current by definition; which release that is
		// belongs to the catalogue alone.
		for v, want := range map[string]bool{"5.26.3": true, "5.26.29": false, "5.20": true, "5.26": false, "3.5.30": true, "4.4.48": false, "2025.06": true, neo4j.NewestKnownVersion: false} {
			r := run(t, v, home(t, "dbms.directories.import=import\nserver.directories.import=import\n"), nil)
			f := find(r, "OUTDATED_PATCH")
			if (f != nil) != want {
				t.Errorf("%s: OUTDATED_PATCH %v, want %v", v, f != nil, want)
			}
			if f != nil && (f.Severity != Info || f.ChecklistItem != "11") {
				t.Errorf("%s: %+v", v, f)
			}
		}
		seen["OUTDATED_PATCH"] = true
	})
	t.Run("certificates", func(t *testing.T) {
		testCertificates(t)
		for _, c := range []string{"CERT_UNREADABLE", "CERT_SELF_SIGNED", "CERT_EXPIRED", "CERT_EXPIRING", "CERT_KEY_MISMATCH", "KEY_PERMISSIONS", "KEY_OWNER"} {
			seen[c] = true
		}
	})
	t.Run("permissions", func(t *testing.T) {
		testPermissions(t)
		seen["CONF_WORLD_WRITABLE"], seen["DIR_WRITABLE"] = true, true
	})
	for _, c := range Codes {
		if !seen[c.Code] {
			t.Errorf("no test makes %s appear", c.Code)
		}
	}
}

// policyHome is a 5.26 NEO4J_HOME with a Bolt policy whose certificate and key are given.
func policyHome(t *testing.T, certPEM, keyPEM string, keyMode os.FileMode) (string, string) {
	h := home(t, "server.directories.import=import\ndbms.ssl.policy.bolt.enabled=true\n")
	dir := filepath.Join(h, "certificates", "bolt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if certPEM != "" {
		if err := os.WriteFile(filepath.Join(dir, "public.crt"), []byte(certPEM), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := filepath.Join(dir, "private.key")
	if keyPEM != "" {
		if err := os.WriteFile(key, []byte(keyPEM), keyMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(key, keyMode); err != nil {
			t.Fatal(err)
		}
	}
	return h, key
}

func testCertificates(t *testing.T) {
	ca := pkitest.NewCA(t, "audit CA")
	good := ca.Issue(t, pkitest.Options{CommonName: "neo4j.example"})
	other := ca.Issue(t, pkitest.Options{CommonName: "other.example"})
	expired := ca.Issue(t, pkitest.Options{CommonName: "old.example", NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	soon := ca.Issue(t, pkitest.Options{CommonName: "soon.example", NotAfter: time.Now().Add(10 * 24 * time.Hour)})

	check := func(name string, h string, mod func(*Options), want, notWant []string) {
		t.Helper()
		r := run(t, "5.26", h, mod)
		for _, c := range want {
			f := find(r, c)
			if f == nil {
				t.Errorf("%s: no %s in %v", name, c, codes(r))
				continue
			}
			if f.ChecklistItem != codeInfo(c).ChecklistItem || f.Path == "" {
				t.Errorf("%s: %s = %+v", name, c, f)
			}
		}
		for _, c := range notWant {
			if f := find(r, c); f != nil {
				t.Errorf("%s: unexpected %+v", name, f)
			}
		}
	}
	all := []string{"CERT_UNREADABLE", "CERT_SELF_SIGNED", "CERT_EXPIRED", "CERT_EXPIRING", "CERT_KEY_MISMATCH", "KEY_PERMISSIONS", "KEY_OWNER"}
	h, _ := policyHome(t, good.CertPEM+ca.CertPEM, good.KeyPEM(t), 0o400)
	check("good", h, nil, nil, all)
	h, _ = policyHome(t, ca.CertPEM, ca.KeyPEM(t), 0o400)
	check("self-signed", h, nil, []string{"CERT_SELF_SIGNED"}, []string{"CERT_KEY_MISMATCH", "CERT_EXPIRED"})
	h, _ = policyHome(t, expired.CertPEM, expired.KeyPEM(t), 0o400)
	check("expired", h, nil, []string{"CERT_EXPIRED"}, []string{"CERT_EXPIRING"})
	h, _ = policyHome(t, soon.CertPEM, soon.KeyPEM(t), 0o400)
	check("expiring", h, nil, []string{"CERT_EXPIRING"}, nil)
	check("expiring, lower minimum", h, func(o *Options) { o.MinDaysRemaining = 5 }, nil, []string{"CERT_EXPIRING"})
	h, _ = policyHome(t, good.CertPEM, other.KeyPEM(t), 0o400)
	check("mismatch", h, nil, []string{"CERT_KEY_MISMATCH"}, nil)
	h, _ = policyHome(t, "", good.KeyPEM(t), 0o400)
	check("no certificate", h, nil, []string{"CERT_UNREADABLE"}, nil)
	h, _ = policyHome(t, "garbage", good.KeyPEM(t), 0o400)
	check("garbage certificate", h, nil, []string{"CERT_UNREADABLE"}, nil)
	h, _ = policyHome(t, good.CertPEM, good.KeyPEM(t), 0o644)
	check("readable key", h, nil, []string{"KEY_PERMISSIONS"}, nil)
	h, key := policyHome(t, good.CertPEM, good.KeyPEM(t), 0o400)
	if err := os.Chown(key, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	check("foreign key owner", h, nil, []string{"KEY_OWNER"}, []string{"KEY_PERMISSIONS"})
	check("key owner is the neo4j user", h, func(o *Options) { o.Neo4jUser = "4242" }, nil, []string{"KEY_OWNER"})
	// A policy that is not bound is not checked.
	h, _ = policyHome(t, ca.CertPEM, other.KeyPEM(t), 0o666)
	if err := os.WriteFile(filepath.Join(h, "conf", "neo4j.conf"), []byte("server.directories.import=import\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	check("unbound", h, nil, nil, all)
	// 3.5: a named policy with an absolute key path.
	h, _ = policyHome(t, ca.CertPEM, other.KeyPEM(t), 0o400)
	conf35 := "dbms.directories.import=import\ndbms.connector.https.enabled=false\nbolt.ssl_policy=client_policy\n" +
		"dbms.ssl.policy.client_policy.base_directory=certificates/bolt\n" +
		"dbms.ssl.policy.client_policy.private_key=" + filepath.Join(h, "certificates", "bolt", "private.key") + "\n"
	if err := os.WriteFile(filepath.Join(h, "conf", "neo4j.conf"), []byte(conf35), 0o640); err != nil {
		t.Fatal(err)
	}
	r := run(t, "3.5", h, nil)
	if find(r, "CERT_SELF_SIGNED") == nil || find(r, "CERT_KEY_MISMATCH") == nil {
		t.Errorf("3.5 named policy: %v", codes(r))
	}
}

func testPermissions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	h := home(t, "server.directories.import=import\n")
	conf := filepath.Join(h, "conf", "neo4j.conf")
	for _, d := range []string{"bin", "lib", "plugins"} {
		if err := os.MkdirAll(filepath.Join(h, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h, d, "x.jar"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	clean := func() {
		r := run(t, "5.26", h, func(o *Options) { o.Neo4jUser = "neo4j" })
		if f := find(r, "DIR_WRITABLE"); f != nil {
			t.Errorf("clean tree: %+v", f)
		}
		if f := find(r, "CONF_WORLD_WRITABLE"); f != nil {
			t.Errorf("clean conf: %+v", f)
		}
	}
	clean()

	if err := os.Chmod(conf, 0o646); err != nil {
		t.Fatal(err)
	}
	r := run(t, "5.26", h, nil)
	if f := find(r, "CONF_WORLD_WRITABLE"); f == nil || f.Severity != Error || f.ChecklistItem != "5" || f.Path != conf {
		t.Errorf("world-writable conf: %+v", f)
	}
	if err := os.Chmod(conf, 0o640); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		apply func(string) error
	}{
		{"world-writable dir", func(d string) error { return os.Chmod(d, 0o757) }},
		{"world-writable jar", func(d string) error { return os.Chmod(filepath.Join(d, "x.jar"), 0o666) }},
		{"group-writable by another group", func(d string) error {
			if err := os.Chown(d, 0, 4343); err != nil {
				return err
			}
			return os.Chmod(d, 0o775)
		}},
		{"owned by another user", func(d string) error { return os.Chown(filepath.Join(d, "x.jar"), 4242, 0) }},
	} {
		for _, dir := range []string{"bin", "lib", "plugins"} {
			d := filepath.Join(h, dir)
			if err := tc.apply(d); err != nil {
				t.Fatal(err)
			}
			r := run(t, "5.26", h, func(o *Options) { o.Neo4jUser = "neo4j" })
			f := find(r, "DIR_WRITABLE")
			if f == nil || f.Path != d || f.Severity != Error || f.ChecklistItem != "6" {
				t.Errorf("%s %s: %+v", tc.name, dir, f)
			}
			// Undo.
			_ = os.Chown(d, 0, 0)
			_ = os.Chmod(d, 0o755)
			_ = os.Chown(filepath.Join(d, "x.jar"), 0, 0)
			_ = os.Chmod(filepath.Join(d, "x.jar"), 0o644)
		}
	}
	clean()
	// Group-writable by the Neo4j user's group, owned by the Neo4j user (numeric): allowed.
	d := filepath.Join(h, "plugins")
	if err := os.Chown(d, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o775); err != nil {
		t.Fatal(err)
	}
	r = run(t, "5.26", h, func(o *Options) { o.Neo4jUser = "4242" })
	if f := find(r, "DIR_WRITABLE"); f != nil {
		t.Errorf("owned by the Neo4j user: %+v", f)
	}
}

func TestBadInput(t *testing.T) {
	local := host.NewLocal()
	opts := func(h string) Options {
		return Options{Version: neo4j.MustParseVersion("5.26"), Neo4jHome: h, ConfigFile: filepath.Join(h, "conf", "neo4j.conf")}
	}
	t.Run("missing", func(t *testing.T) {
		h := t.TempDir()
		_, err := Run(context.Background(), local, opts(h))
		if !IsMissing(err) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		h := t.TempDir()
		if err := os.MkdirAll(filepath.Join(h, "conf", "neo4j.conf"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), local, opts(h)); err == nil {
			t.Error("a directory was audited")
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		h := home(t, "a=b\n")
		if err := os.Chmod(filepath.Join(h, "conf"), 0o000); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = os.Chmod(filepath.Join(h, "conf"), 0o755) }()
		if os.Geteuid() == 0 {
			// root reads through any mode: make the file a symlink instead, which the host layer refuses.
			_ = os.Chmod(filepath.Join(h, "conf"), 0o755)
			conf := filepath.Join(h, "conf", "neo4j.conf")
			_ = os.Rename(conf, conf+".real")
			if err := os.Symlink(conf+".real", conf); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Run(context.Background(), local, opts(h))
		if err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("binary", func(t *testing.T) {
		h := home(t, "a=b\n\x00\x01\x02\x7fELF")
		_, err := Run(context.Background(), local, opts(h))
		if err == nil || !strings.Contains(err.Error(), "not a text file") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("50 MB", func(t *testing.T) {
		h := home(t, "")
		conf := filepath.Join(h, "conf", "neo4j.conf")
		f, err := os.OpenFile(conf, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		// A sparse 50 MB file: the audit must refuse it from its size, before reading it.
		if err := f.Truncate(50 << 20); err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = Run(context.Background(), local, opts(h))
		if err == nil || !strings.Contains(err.Error(), "10 MiB") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown ignore code", func(t *testing.T) {
		h := home(t, "a=b\n")
		o := opts(h)
		o.Ignore = []string{"NOT_A_CODE"}
		_, err := Run(context.Background(), local, o)
		if err == nil || !strings.Contains(err.Error(), "NOT_A_CODE") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nothing written", func(t *testing.T) {
		h := home(t, "server.directories.import=import\n")
		before := snapshot(t, h)
		run(t, "5.26", h, nil)
		if after := snapshot(t, h); !slices.Equal(before, after) {
			t.Errorf("the audit changed the tree:\n%v\n%v", before, after)
		}
	})
}

// snapshot lists every path under root with its mode, size and modification time.
func snapshot(t *testing.T, root string) []string {
	var out []string
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p+" "+info.Mode().String()+" "+info.ModTime().String()+" "+string(rune(info.Size())))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
