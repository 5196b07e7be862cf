package neo4j

import "testing"

// The audit rows' facts, written out literally from the Operations Manual (docs-operations) so that a
// wrong row fails here: the key name and default per version.
func TestManualAuditSettings(t *testing.T) {
	for _, tc := range []struct {
		setting     SettingID
		version     string
		name, deflt string
		noDefault   bool
		source      string
	}{
		// 3.5 branch, partials/neo4j-config/all-settings.adoc
		{SettingDefaultListen, "3.5", "dbms.connectors.default_listen_address", "127.0.0.1", false, "3.5 all-settings"},
		{SettingBackupListen, "3.5", "dbms.backup.address", "127.0.0.1:6362-6372", false, "3.5 all-settings"},
		{SettingProcsAllowlist, "3.5", "dbms.security.procedures.whitelist", "*", false, "3.5 all-settings"},
		{SettingImportDirectory, "3.5", "dbms.directories.import", "", true, "3.5 all-settings: no default"},
		{SettingHTTPSEnabled, "3.5", "dbms.connector.https.enabled", "true", false, "3.5 all-settings"},
		{SettingMode, "3.5", "dbms.mode", "SINGLE", false, "3.5 all-settings"},
		// 4.0, 4.1, 4.2, 4.4 branches
		{SettingDefaultListen, "4.0", "dbms.default_listen_address", "localhost", false, "4.0 all-settings"},
		{SettingProcsAllowlist, "4.1", "dbms.security.procedures.whitelist", "*", false, "4.1 all-settings: no allowlist yet"},
		{SettingProcsAllowlist, "4.2", "dbms.security.procedures.allowlist", "*", false, "4.2 all-settings"},
		{SettingBackupListen, "4.4", "dbms.backup.listen_address", "127.0.0.1:6362", false, "4.4 all-settings"},
		{SettingBoltListen, "4.4", "dbms.connector.bolt.listen_address", ":7687", false, "4.4 all-settings"},
		{SettingCSVFileURLs, "4.4", "dbms.security.allow_csv_import_from_file_urls", "true", false, "4.4 all-settings"},
		// 5.0 branch all-settings, 5.26.2 and 2025.01.0 / 2026.07.0 configuration-settings.adoc
		{SettingDefaultListen, "5.26", "server.default_listen_address", "localhost", false, "5.26.2"},
		{SettingHTTPEnabled, "5.0", "server.http.enabled", "true", false, "5.0 all-settings"},
		{SettingBackupListen, "5.26", "server.backup.listen_address", "127.0.0.1:6362", false, "5.26.2"},
		{SettingClusterEndpoints, "5.26", "dbms.cluster.discovery.endpoints", "", true, "5.26.2"},
		{SettingClusterEndpoints, "2025.01", "dbms.cluster.endpoints", "", true, "2025.01.0"},
		{SettingImportDirectory, "2026.07", "server.directories.import", "", true, "2026.07.0: empty default"},
		{SettingAuthEnabled, "2026.07", "dbms.security.auth_enabled", "true", false, "2026.07.0"},
		{SettingBrowserRetain, "2026.07", "browser.retain_connection_credentials", "true", false, "2026.07.0"},
		{SettingBrowserTimeout, "5.26", "browser.credential_timeout", "0s", false, "5.26.2"},
		{SettingJVMAdditional, "5.26", "server.jvm.additional", "", true, "5.26.2"},
	} {
		v := MustParseVersion(tc.version)
		if got := NameOf(tc.setting, v, ""); got != tc.name {
			t.Errorf("%s %s: name %q, want %q (%s)", tc.version, tc.setting, got, tc.name, tc.source)
		}
		d, ok := DefaultOf(tc.setting, v, "")
		if ok == tc.noDefault || d != tc.deflt {
			t.Errorf("%s %s: default %q (%v), want %q (%s)", tc.version, tc.setting, d, ok, tc.deflt, tc.source)
		}
	}
	if Exists(SettingMode, MustParseVersion("5.0")) {
		t.Error("dbms.mode exists on 5.0; the manual's 5.0 settings have no dbms.mode")
	}
}

// The newest patch per series: antora.yml's neo4j-version-exact of each branch.
func TestNewestPatch(t *testing.T) {
	for _, tc := range []struct {
		version, newest string
		older           bool
	}{
		{"3.5", "3.5.35", false}, {"3.5.34", "3.5.35", true}, {"3.5.35", "3.5.35", false},
		{"4.4.10", "4.4.48", true}, {"4.2.19", "4.2.19", false},
		{"5.26.1", "5.26.29", true}, {"5.26", "5.26.29", false}, {"5.1", "5.26.29", true},
		{"2025.01", "2026.07.0", true}, {"2026.07", "2026.07.0", false}, {"2027.01", "2026.07.0", false},
	} {
		n, older := NewestPatch(MustParseVersion(tc.version))
		if n != tc.newest || older != tc.older {
			t.Errorf("%s: NewestPatch = %s, %v; want %s, %v", tc.version, n, older, tc.newest, tc.older)
		}
	}
}
