package neo4j

import (
	"strconv"
	"strings"
)

// This file extends the settings catalogue with the settings the security checklist audit reads but
// the resources never write: listen addresses, connectors, clustering, procedures, LOAD CSV, native
// authentication, the JVM options and Neo4j Browser's credential handling. The rows join Catalogue
// (init below), so LookupRow, NameOf and DefaultOf answer for them like for any other setting.
//
// Sources (the Operations Manual, github.com/neo4j/docs-operations, read at the branch or tag named):
//   [35-all]   3.5  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [40-all]   4.0  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [41-all]   4.1  modules/ROOT/partials/neo4j-config/all-settings.adoc (no procedures.allowlist yet)
//   [42-all]   4.2  modules/ROOT/partials/neo4j-config/all-settings.adoc (procedures.allowlist, whitelist deprecated)
//   [44-all]   4.4  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [50-all]   5.0  modules/ROOT/partials/neo4j-config/all-settings.adoc
//   [526-cfg]  5.26.2 modules/ROOT/pages/configuration/configuration-settings.adoc
//   [2501-cfg] 2025.01.0 modules/ROOT/pages/configuration/configuration-settings.adoc (dbms.cluster.endpoints)
//   [2607-cfg] 2026.07.0 modules/ROOT/pages/configuration/configuration-settings.adoc
//   [526-chk]  5.26.2 modules/ROOT/pages/security/checklist.adoc (the checklist items, numbered as the seed)
//   [526-loc]  5.26.2 modules/ROOT/pages/configuration/file-locations.adoc (bin: read only and execute)
//   [526-port] 5.26.2 modules/ROOT/pages/configuration/ports.adoc (JMX: jvm.additional=-Dcom.sun.management.jmxremote.port=3637)
//   [526-brw]  5.26.2 modules/ROOT/pages/security/browser.adoc (credentials cached unencrypted in local storage)
//   [ver-*]    antora.yml of the branch or tag, attribute neo4j-version-exact (the newest patch the manual documents)

// Types of the audit rows.
const (
	TypeAddress  Type = "socket address" // host:port, host, or :port
	TypeDuration Type = "duration"
)

// The audit's settings.
const (
	SettingDefaultListen     SettingID = "default_listen_address"
	SettingBoltEnabled       SettingID = "bolt.enabled"
	SettingBoltListen        SettingID = "bolt.listen_address"
	SettingHTTPEnabled       SettingID = "http.enabled"
	SettingHTTPListen        SettingID = "http.listen_address"
	SettingHTTPSListen       SettingID = "https.listen_address"
	SettingBackupEnabled     SettingID = "backup.enabled"
	SettingBackupListen      SettingID = "backup.listen_address"
	SettingMode              SettingID = "mode"              // 3.5 and 4.x: SINGLE, CORE, READ_REPLICA
	SettingClusterEndpoints  SettingID = "cluster.endpoints" // 5.x and later: the discovery endpoints
	SettingProcsUnrestricted SettingID = "procedures.unrestricted"
	SettingProcsAllowlist    SettingID = "procedures.allowlist"
	SettingCSVFileURLs       SettingID = "load_csv.file_urls"
	SettingImportDirectory   SettingID = "directories.import"
	SettingAuthEnabled       SettingID = "auth_enabled"
	SettingJVMAdditional     SettingID = "jvm.additional"
	SettingBrowserRetain     SettingID = "browser.retain_connection_credentials"
	SettingBrowserTimeout    SettingID = "browser.credential_timeout"
	SettingPluginsDirectory  SettingID = "directories.plugins"
	SettingLibDirectory      SettingID = "directories.lib"
)

// ClusterModes are the dbms.mode values of 3.5 and 4.x that make a server a cluster member [35-all] [44-all].
var ClusterModes = []string{"CORE", "READ_REPLICA"}

var auditRows = []Row{
	//    setting                     name                                                   from       to      type / default
	{Setting: SettingDefaultListen, Name: "dbms.connectors.default_listen_address", From: "3.5", To: "3.5", Type: TypeAddress, Default: "127.0.0.1", Source: "[35-all]"},
	{Setting: SettingDefaultListen, Name: "dbms.default_listen_address", From: "4.0", To: "4.4", Type: TypeAddress, Default: "localhost", Source: "[40-all] [44-all]"},
	{Setting: SettingDefaultListen, Name: "server.default_listen_address", From: "5.0", Type: TypeAddress, Default: "localhost", RenamedFrom: "dbms.default_listen_address", Source: "[50-all] [526-cfg] [2607-cfg]"},

	{Setting: SettingBoltEnabled, Name: "dbms.connector.bolt.enabled", From: "3.5", To: "4.4", Type: TypeBool, Default: "true", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingBoltEnabled, Name: "server.bolt.enabled", From: "5.0", Type: TypeBool, Default: "true", RenamedFrom: "dbms.connector.bolt.enabled", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingBoltListen, Name: "dbms.connector.bolt.listen_address", From: "3.5", To: "4.4", Type: TypeAddress, Default: ":7687", DefaultNote: "host from default_listen_address (3.5 shows it resolved: 127.0.0.1:7687)", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingBoltListen, Name: "server.bolt.listen_address", From: "5.0", Type: TypeAddress, Default: ":7687", DefaultNote: "host from default_listen_address", RenamedFrom: "dbms.connector.bolt.listen_address", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingHTTPEnabled, Name: "dbms.connector.http.enabled", From: "3.5", To: "4.4", Type: TypeBool, Default: "true", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingHTTPEnabled, Name: "server.http.enabled", From: "5.0", Type: TypeBool, Default: "true", RenamedFrom: "dbms.connector.http.enabled", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingHTTPListen, Name: "dbms.connector.http.listen_address", From: "3.5", To: "4.4", Type: TypeAddress, Default: ":7474", DefaultNote: "host from default_listen_address (3.5 shows it resolved: 127.0.0.1:7474)", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingHTTPListen, Name: "server.http.listen_address", From: "5.0", Type: TypeAddress, Default: ":7474", DefaultNote: "host from default_listen_address", RenamedFrom: "dbms.connector.http.listen_address", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingHTTPSListen, Name: "dbms.connector.https.listen_address", From: "3.5", To: "4.4", Type: TypeAddress, Default: ":7473", DefaultNote: "host from default_listen_address (3.5 shows it resolved: 127.0.0.1:7473)", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingHTTPSListen, Name: "server.https.listen_address", From: "5.0", Type: TypeAddress, Default: ":7473", DefaultNote: "host from default_listen_address", RenamedFrom: "dbms.connector.https.listen_address", Source: "[50-all] [526-cfg] [2607-cfg]"},

	{Setting: SettingBackupEnabled, Name: "dbms.backup.enabled", From: "3.5", To: "4.4", Type: TypeBool, Default: "true", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingBackupEnabled, Name: "server.backup.enabled", From: "5.0", Type: TypeBool, Default: "true", RenamedFrom: "dbms.backup.enabled", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingBackupListen, Name: "dbms.backup.address", From: "3.5", To: "3.5", Type: TypeAddress, Default: "127.0.0.1:6362-6372", Source: "[35-all]"},
	{Setting: SettingBackupListen, Name: "dbms.backup.listen_address", From: "4.0", To: "4.4", Type: TypeAddress, Default: "127.0.0.1:6362", Source: "[40-all] [44-all]"},
	{Setting: SettingBackupListen, Name: "server.backup.listen_address", From: "5.0", Type: TypeAddress, Default: "127.0.0.1:6362", RenamedFrom: "dbms.backup.listen_address", Source: "[50-all] [526-cfg] [2607-cfg]"},

	{Setting: SettingMode, Name: "dbms.mode", From: "3.5", To: "4.4", Type: TypeEnum, Values: []string{"SINGLE", "CORE", "READ_REPLICA"}, Default: "SINGLE", RemovedIn: "5.0", Source: "[35-all] [40-all] [44-all]"},
	{Setting: SettingClusterEndpoints, Name: "dbms.cluster.discovery.endpoints", From: "5.0", To: "5.26", Type: TypeList, DefaultNote: "none: a standalone server", Source: "[50-all] [526-cfg]"},
	{Setting: SettingClusterEndpoints, Name: "dbms.cluster.endpoints", From: "2025.01", Type: TypeList, DefaultNote: "none: a standalone server", RenamedFrom: "dbms.cluster.discovery.endpoints", Source: "[2501-cfg] [2607-cfg]"},

	{Setting: SettingProcsUnrestricted, Name: "dbms.security.procedures.unrestricted", Type: TypeList, DefaultNote: "empty", Source: "[35-all] [44-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingProcsAllowlist, Name: "dbms.security.procedures.whitelist", From: "3.5", To: "4.1", Type: TypeList, Default: "*", Source: "[35-all] [40-all] [41-all]"},
	{Setting: SettingProcsAllowlist, Name: "dbms.security.procedures.allowlist", From: "4.2", Type: TypeList, Default: "*", RenamedFrom: "dbms.security.procedures.whitelist", Source: "[42-all] [44-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingCSVFileURLs, Name: "dbms.security.allow_csv_import_from_file_urls", Type: TypeBool, Default: "true", Source: "[35-all] [44-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingImportDirectory, Name: "dbms.directories.import", From: "3.5", To: "4.4", Type: TypeDirPath, DefaultNote: "none: LOAD CSV reads any file of the system; empty: any file under NEO4J_HOME", Source: "[35-all] [44-all]"},
	{Setting: SettingImportDirectory, Name: "server.directories.import", From: "5.0", Type: TypeDirPath, DefaultNote: "none: LOAD CSV reads any file of the system; empty: any file under NEO4J_HOME", RenamedFrom: "dbms.directories.import", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingAuthEnabled, Name: "dbms.security.auth_enabled", Type: TypeBool, Default: "true", Source: "[35-all] [44-all] [526-cfg] [2607-cfg] [526-chk]"},
	{Setting: SettingJVMAdditional, Name: "dbms.jvm.additional", From: "3.5", To: "4.4", Type: TypeString, DefaultNote: "none; may repeat", Source: "[35-all] [44-all]"},
	{Setting: SettingJVMAdditional, Name: "server.jvm.additional", From: "5.0", Type: TypeString, DefaultNote: "none; may repeat", RenamedFrom: "dbms.jvm.additional", Source: "[50-all] [526-cfg] [2607-cfg] [526-port]"},
	{Setting: SettingBrowserRetain, Name: "browser.retain_connection_credentials", Type: TypeBool, Default: "true", Source: "[35-all] [44-all] [526-cfg] [2607-cfg] [526-brw]"},
	{Setting: SettingBrowserTimeout, Name: "browser.credential_timeout", Type: TypeDuration, Default: "0s", DefaultNote: "0: no timeout", Source: "[35-all] [44-all] [526-cfg] [2607-cfg] [526-brw]"},
	{Setting: SettingPluginsDirectory, Name: "dbms.directories.plugins", From: "3.5", To: "4.4", Type: TypeDirPath, Default: "plugins", Source: "[35-all] [44-all]"},
	{Setting: SettingPluginsDirectory, Name: "server.directories.plugins", From: "5.0", Type: TypeDirPath, Default: "plugins", RenamedFrom: "dbms.directories.plugins", Source: "[50-all] [526-cfg] [2607-cfg]"},
	{Setting: SettingLibDirectory, Name: "dbms.directories.lib", From: "3.5", To: "4.4", Type: TypeDirPath, Default: "lib", Source: "[35-all] [44-all]"},
	{Setting: SettingLibDirectory, Name: "server.directories.lib", From: "5.0", Type: TypeDirPath, Default: "lib", RenamedFrom: "dbms.directories.lib", Source: "[50-all] [526-cfg] [2607-cfg]"},
}

func init() { Catalogue = append(Catalogue, auditRows...) }

// AuditSettings lists the catalogue settings the audit reads, in the order it reports them.
var AuditSettings = []SettingID{
	SettingDefaultListen, SettingBoltEnabled, SettingBoltListen, SettingBoltTLSLevel, BindingSetting("bolt"),
	SettingHTTPEnabled, SettingHTTPListen, SettingHTTPSEnabled, SettingHTTPSListen, BindingSetting("https"),
	SettingBackupEnabled, SettingBackupListen, BindingSetting("backup"), SettingMode, SettingClusterEndpoints,
	BindingSetting("cluster"), SettingProcsUnrestricted, SettingProcsAllowlist, SettingCSVFileURLs,
	SettingImportDirectory, SettingAuthEnabled, SettingBrowserRetain, SettingBrowserTimeout,
	SettingPluginsDirectory, SettingLibDirectory, SettingStrictValidation,
}

// patchRelease is the newest patch the Operations Manual documents for a release series.
type patchRelease struct {
	Series string // major.minor
	Newest string // major.minor.patch
	Source string
}

// newestPatches: for the numbered series, antora.yml's neo4j-version-exact on the series' branch
// ([ver-*]: 3.5 -> 3.5.35, 4.0 -> 4.0.12, 4.1 -> 4.1.12, 4.2 -> 4.2.19, 4.3 -> 4.3.21, 4.4 -> 4.4.48,
// 5.x -> 5.26.29). Calendar versions are not patched as a series: each month's release supersedes the
// previous one, so the newest is the newest release the manual has a tag for (2026.07.0).
var newestPatches = []patchRelease{
	{"3.5", "3.5.35", "[ver-3.5]"},
	{"4.0", "4.0.12", "[ver-4.0]"},
	{"4.1", "4.1.12", "[ver-4.1]"},
	{"4.2", "4.2.19", "[ver-4.2]"},
	{"4.3", "4.3.21", "[ver-4.3]"},
	{"4.4", "4.4.48", "[ver-4.4]"},
	{"5.26", "5.26.29", "[ver-5.x]"},
}

// NewestPatch returns the newest release the catalogue knows that supersedes v (with its patch level,
// "5.26.29"), and whether v (given with a patch level, or as an older minor of a closed series) is
// older than it. A version given without a patch level on a live series cannot be judged: older is
// false.
func NewestPatch(v Version) (newest string, older bool) {
	patch, hasPatch := v.Patch()
	switch {
	case v.Calendar:
		newest = NewestKnownVersion + ".0"
		n := mustRangeBound(NewestKnownVersion)
		return newest, v.Less(n) && !v.Newer
	case v.Major == 5:
		newest = "5.26.29"
		if v.Minor < last5Minor {
			return newest, true
		}
	}
	for _, p := range newestPatches {
		if p.Series == strconv.Itoa(v.Major)+"."+strconv.Itoa(v.Minor) {
			newest = p.Newest
		}
	}
	if newest == "" || !hasPatch {
		return newest, false
	}
	np, _ := strconv.Atoi(newest[strings.LastIndexByte(newest, '.')+1:])
	return newest, patch < np
}

// Patch returns the patch level of a version given as major.minor.patch.
func (v Version) Patch() (int, bool) {
	parts := strings.Split(v.raw, ".")
	if len(parts) != 3 {
		return 0, false
	}
	n, err := strconv.Atoi(parts[2])
	return n, err == nil
}
