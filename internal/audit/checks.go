package audit

import (
	"crypto/x509"
	"errors"
	"fmt"
	posix "path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// Code describes one finding code: its usual severity, the checklist item and what it means.
type Code struct {
	Code          string
	Severity      Severity // the usual severity; some codes are raised or lowered by context (see Meaning)
	ChecklistItem string
	Meaning       string
}

// Codes is every finding the audit reports. The codes are stable; messages may change.
var Codes = []Code{
	{"BACKUP_NOT_LOOPBACK", Error, "1b", "the online backup port listens on an address other than loopback; an error without a backup SSL policy, a warning with one"},
	{"BOLT_PLAINTEXT_OFF_LOOPBACK", Error, "3a", "the Bolt connector listens off loopback and its tls_level is not REQUIRED, so remote clients may connect without TLS"},
	{"HTTP_OFF_LOOPBACK", Error, "3a", "the plaintext HTTP connector is enabled and listens off loopback"},
	{"HTTPS_WITHOUT_POLICY", Error, "3a", "the HTTPS connector is enabled but no SSL policy is bound to it (on 3.5: it uses the legacy self-signed policy, a warning)"},
	{"CLUSTER_UNENCRYPTED", Error, "3d", "the server is configured for clustering but no SSL policy is bound to the cluster channel"},
	{"BACKUP_UNENCRYPTED", Error, "3e", "the server is configured for clustering with online backup enabled, but no SSL policy is bound to the backup channel"},
	{"CERT_UNREADABLE", Error, "3b", "a bound policy's certificate or private key is missing or cannot be parsed"},
	{"CERT_SELF_SIGNED", Warning, "3b", "a bound policy's certificate is self-signed, not issued by a trusted certificate authority"},
	{"CERT_EXPIRED", Error, "3b", "a bound policy's certificate has expired"},
	{"CERT_EXPIRING", Warning, "3b", "a bound policy's certificate expires within min_days_remaining days"},
	{"CERT_KEY_MISMATCH", Error, "3b", "a bound policy's private key does not belong to its certificate"},
	{"KEY_PERMISSIONS", Error, "5", "a private key is readable or writable by someone other than its owner"},
	{"KEY_OWNER", Warning, "5", "a private key is not owned by the Neo4j user"},
	{"CONF_WORLD_WRITABLE", Error, "5", "neo4j.conf is writable by every user"},
	{"DIR_WRITABLE", Error, "6", "bin, lib or plugins (or an entry in them) is owned or writable by someone other than root or the Neo4j user"},
	{"PROCEDURES_UNRESTRICTED", Warning, "4b", "procedures are allowed unrestricted access (listing them); an error for a wildcard"},
	{"PROCEDURES_ALLOWLIST_WILDCARD", Info, "4b", "the procedure allowlist is set and contains a wildcard"},
	{"LOAD_CSV_ANY_FILE", Warning, "7", "LOAD CSV may read file URLs and no import directory confines it"},
	{"AUTH_DISABLED", Error, "8", "native authentication is disabled"},
	{"JMX_REMOTE", Warning, "9", "the JVM options open a remote JMX port"},
	{"JMX_REMOTE_INSECURE", Error, "9", "the JVM options open a remote JMX port with authentication or SSL turned off"},
	{"BROWSER_CREDENTIALS_RETAINED", Info, "10", "Neo4j Browser caches credentials (unencrypted, in the web browser's local storage)"},
	{"OUTDATED_PATCH", Info, "11", "the Neo4j version is older than the newest release of its series the provider knows"},
	{"DUPLICATE_KEY", Error, "", "Neo4j 5 and later: a key is set more than once, which strict validation refuses (a warning when strict validation is off)"},
	{"CONF_UNLOADABLE", Error, "", "a line of neo4j.conf makes Neo4j fail to load the file (a malformed \\uXXXX escape)"},
}

// KnownCode reports whether c is one of Codes.
func KnownCode(c string) bool {
	for _, k := range Codes {
		if k.Code == c {
			return true
		}
	}
	return false
}

// CodeNames lists the codes, in table order.
func CodeNames() []string {
	out := make([]string, len(Codes))
	for i, c := range Codes {
		out[i] = c.Code
	}
	return out
}

func codeInfo(c string) Code {
	for _, k := range Codes {
		if k.Code == c {
			return k
		}
	}
	panic("audit: unknown code " + c)
}

// finding builds a finding with the code's usual severity and checklist item.
func finding(code string, v value, msg, fix string) Finding {
	k := codeInfo(code)
	return Finding{Code: code, Severity: k.Severity, ChecklistItem: k.ChecklistItem, Setting: v.Name, Line: v.Line, Message: msg, Fix: fix}
}

// where describes where a value comes from.
func where(v value) string {
	if v.Set {
		return fmt.Sprintf("%s=%s (line %d)", v.Name, v.Value, v.Line)
	}
	if v.Known {
		return fmt.Sprintf("%s=%s (Neo4j's default)", v.Name, v.Value)
	}
	return v.Name + " (unset)"
}

// ---- the file itself: duplicates, unloadable lines, world-writable (5) ----

func (a *auditor) checkFile(c *neo4j.Conf, info host.Info) {
	for _, p := range c.Problems() {
		a.add(Finding{Code: "CONF_UNLOADABLE", Severity: Error, Path: a.o.ConfigFile, Line: p.Line,
			Message: fmt.Sprintf("Line %d cannot be loaded by Neo4j (%s), so Neo4j does not start.", p.Line, p.Msg),
			Fix:     fmt.Sprintf("Correct the \\u escape on line %d of %s (write four hex digits, or \\\\ for a backslash).", p.Line, a.o.ConfigFile)})
	}
	if a.v.Family() == neo4j.Family5 {
		strict := a.conf.get(neo4j.SettingStrictValidation, "")
		jvm := neo4j.NameOf(neo4j.SettingJVMAdditional, a.v, "")
		seen := map[string]bool{}
		for _, e := range a.conf.all {
			if a.conf.count[e.Key] < 2 || e.Key == jvm || seen[e.Key] {
				continue
			}
			seen[e.Key] = true
			last := a.conf.last[e.Key]
			f := Finding{Code: "DUPLICATE_KEY", Severity: Error, Setting: e.Key, Line: last.Line,
				Message: fmt.Sprintf("%s is set %d times (first on line %d, last on line %d). Neo4j %s refuses a duplicated key while %s is true, and does not start.",
					e.Key, a.conf.count[e.Key], e.Line, last.Line, a.v, strict.Name),
				Fix: fmt.Sprintf("Keep one %s line in %s and delete the others.", e.Key, a.o.ConfigFile)}
			if strict.Known && !strict.isTrue() {
				f.Severity = Warning
				f.Message = fmt.Sprintf("%s is set %d times (first on line %d, last on line %d); with %s=false Neo4j %s uses the last, which hides the others from a reader.",
					e.Key, a.conf.count[e.Key], e.Line, last.Line, strict.Name, a.v)
			}
			a.add(f)
		}
	}
	if info.Mode&0o002 != 0 {
		a.add(Finding{Code: "CONF_WORLD_WRITABLE", Severity: Error, ChecklistItem: "5", Path: a.o.ConfigFile,
			Message: fmt.Sprintf("%s has mode %04o: any user of the host can change Neo4j's configuration (turn authentication off, load a plugin).", a.o.ConfigFile, info.Mode),
			Fix:     fmt.Sprintf("chmod o-w %s (Neo4j needs only read access: 0640 or 0600, owned by root or %s).", a.o.ConfigFile, a.o.Neo4jUser)})
	}
}

// ---- network: 1b, 3a ----

// bound reports whether an SSL policy is bound to channel, and the policy's name on 3.5 ("legacy" for
// 3.5's built-in one).
func (a *auditor) bound(channel string) (bool, string, value) {
	id := neo4j.BindingSetting(channel)
	if !neo4j.Exists(id, a.v) {
		return false, "", value{}
	}
	v := a.conf.get(id, channel)
	if neo4j.NamedPolicies(a.v) {
		return v.Value != "", v.Value, v
	}
	return v.isTrue(), channel, v
}

// bindFix names the setting (and resource) that binds a policy to channel.
func (a *auditor) bindFix(channel string) string {
	if neo4j.NamedPolicies(a.v) {
		return fmt.Sprintf("a dbtls_ssl_policy and a dbtls_channel_binding with channel = %q (writes %s=<policy>)", channel, neo4j.NameOf(neo4j.BindingSetting(channel), a.v, channel))
	}
	return fmt.Sprintf("a dbtls_ssl_policy and a dbtls_channel_binding with channel = %q (writes %s=true)", channel, neo4j.NameOf(neo4j.BindingSetting(channel), a.v, channel))
}

func (a *auditor) checkNetwork() {
	// 1b: no external access to the backup port.
	if be := a.conf.get(neo4j.SettingBackupEnabled, ""); be.isTrue() {
		addr := a.conf.get(neo4j.SettingBackupListen, "")
		if h := a.conf.listenHost(addr.Value); !isLoopback(h) {
			f := finding("BACKUP_NOT_LOOPBACK", addr,
				fmt.Sprintf("Online backup is enabled and listens on %s (%s): anyone who reaches the port can copy the database.", h, where(addr)),
				fmt.Sprintf("Set %s=127.0.0.1:6362 and run backups from this host, or firewall the port and bind %s.", addr.Name, a.bindFix("backup")))
			if ok, _, _ := a.bound("backup"); ok {
				f.Severity = Warning
				f.Message += " A backup SSL policy is bound, so only clients it trusts get through; still, keep the port off the network where possible."
			}
			a.add(f)
		}
	}
	// 3a: remote access only over encrypted Bolt or HTTPS.
	if be := a.conf.get(neo4j.SettingBoltEnabled, ""); be.isTrue() {
		addr := a.conf.get(neo4j.SettingBoltListen, "")
		level := a.conf.get(neo4j.SettingBoltTLSLevel, "")
		if h := a.conf.listenHost(addr.Value); !isLoopback(h) && !strings.EqualFold(level.Value, "REQUIRED") {
			f := finding("BOLT_PLAINTEXT_OFF_LOOPBACK", level,
				fmt.Sprintf("The Bolt connector listens on %s (%s) with %s, so remote clients may connect without TLS.", h, where(addr), where(level)),
				fmt.Sprintf("Set %s=REQUIRED with a Bolt policy bound: %s, tls_level = \"REQUIRED\" (the default of dbtls_channel_binding).", level.Name, a.bindFix("bolt")))
			if !level.Set {
				f.Line = addr.Line
				if !addr.Set {
					f.Line = a.conf.get(neo4j.SettingDefaultListen, "").Line
				}
			}
			a.add(f)
		}
	}
	if he := a.conf.get(neo4j.SettingHTTPEnabled, ""); he.isTrue() {
		addr := a.conf.get(neo4j.SettingHTTPListen, "")
		if h := a.conf.listenHost(addr.Value); !isLoopback(h) {
			f := finding("HTTP_OFF_LOOPBACK", addr,
				fmt.Sprintf("The plaintext HTTP connector is enabled (%s) and listens on %s (%s): credentials and data cross the network unencrypted.", where(he), h, where(addr)),
				fmt.Sprintf("Set %s=false (serve Neo4j Browser and the HTTP API over HTTPS), or %s=127.0.0.1:7474.", he.Name, addr.Name))
			if !addr.Set {
				f.Line = a.conf.get(neo4j.SettingDefaultListen, "").Line
			}
			a.add(f)
		}
	}
	if he := a.conf.get(neo4j.SettingHTTPSEnabled, ""); he.isTrue() {
		ok, name, bv := a.bound("https")
		legacy := neo4j.NamedPolicies(a.v) && name == neo4j.ReservedPolicyName(a.v)
		if !ok || legacy {
			f := finding("HTTPS_WITHOUT_POLICY", he,
				fmt.Sprintf("The HTTPS connector is enabled (%s) but no SSL policy is bound to it (%s).", where(he), where(bv)),
				fmt.Sprintf("Bind a policy: %s, or set %s=false.", a.bindFix("https"), he.Name))
			if legacy {
				f.Severity = Warning
				f.Message = fmt.Sprintf("The HTTPS connector is enabled (%s) and uses Neo4j %s's legacy policy (%s), whose certificate Neo4j generates self-signed.", where(he), a.v, where(bv))
			}
			a.add(f)
		}
	}
}

// ---- clustering: 3d, 3e ----

func (a *auditor) clustered() (bool, value) {
	if neo4j.Exists(neo4j.SettingMode, a.v) {
		m := a.conf.get(neo4j.SettingMode, "")
		return slices.Contains(neo4j.ClusterModes, strings.ToUpper(m.Value)), m
	}
	e := a.conf.get(neo4j.SettingClusterEndpoints, "")
	return len(neo4j.SplitList(e.Value)) > 0, e
}

func (a *auditor) checkCluster() {
	on, m := a.clustered()
	if !on {
		return
	}
	if ok, _, _ := a.bound("cluster"); !ok {
		a.add(finding("CLUSTER_UNENCRYPTED", m,
			fmt.Sprintf("The server is configured for clustering (%s) but intra-cluster traffic is not encrypted: no policy is bound to the cluster channel.", where(m)),
			"Bind a policy on every member: "+a.bindFix("cluster")+"."))
	}
	if be := a.conf.get(neo4j.SettingBackupEnabled, ""); be.isTrue() {
		if ok, _, _ := a.bound("backup"); !ok {
			a.add(finding("BACKUP_UNENCRYPTED", m,
				fmt.Sprintf("The server is configured for clustering (%s) with online backup enabled (%s), but backups are not encrypted: no policy is bound to the backup channel.", where(m), where(be)),
				"Bind a policy: "+a.bindFix("backup")+"."))
		}
	}
}

// ---- certificates: 3b, and the keys' permissions: 5 ----

type policyFiles struct {
	channel, key, cert string
	keySetting         value
	certSetting        value
}

// policyFiles lists the key and certificate of each bound policy (once per file pair).
func (a *auditor) policyFiles() []policyFiles {
	var out []policyFiles
	seen := map[string]bool{}
	for _, ch := range neo4j.ChannelsOf(a.v) {
		ok, name, _ := a.bound(ch)
		if !ok || neo4j.NamedPolicies(a.v) && name == neo4j.ReservedPolicyName(a.v) {
			continue
		}
		var pf policyFiles
		pf.channel = ch
		if neo4j.NamedPolicies(a.v) {
			base := a.conf.raw("dbms.ssl.policy." + name + ".base_directory")
			if !base.Set {
				continue // Neo4j 3.5 does not start without it; not a checklist matter
			}
			b := a.resolvePath(base.Value)
			pf.keySetting = a.conf.get(neo4j.SettingID(neo4j.SuffixPrivateKey), name)
			pf.certSetting = a.conf.get(neo4j.SettingID(neo4j.SuffixPublicCertificate), name)
			pf.key, pf.cert = posix.Join(b, "private.key"), posix.Join(b, "public.crt")
			if pf.keySetting.Set {
				pf.key = a.resolvePath(pf.keySetting.Value)
			}
			if pf.certSetting.Set {
				pf.cert = a.resolvePath(pf.certSetting.Value)
			}
		} else {
			b := a.resolvePath(a.conf.get(neo4j.SettingID(neo4j.SuffixBaseDirectory), ch).Value)
			pf.keySetting = a.conf.get(neo4j.SettingID(neo4j.SuffixPrivateKey), ch)
			pf.certSetting = a.conf.get(neo4j.SettingID(neo4j.SuffixPublicCertificate), ch)
			pf.key, pf.cert = underBase(b, pf.keySetting.Value), underBase(b, pf.certSetting.Value)
		}
		if seen[pf.key+"\x00"+pf.cert] {
			continue
		}
		seen[pf.key+"\x00"+pf.cert] = true
		out = append(out, pf)
	}
	return out
}

func underBase(base, p string) string {
	if posix.IsAbs(p) {
		return posix.Clean(p)
	}
	return posix.Join(base, p)
}

// readSmall reads a bounded regular file; a message says why it could not be.
func (a *auditor) readSmall(p string) ([]byte, host.Info, string) {
	info, err := a.h.Lstat(a.ctx, p)
	switch {
	case err != nil:
		return nil, info, err.Error()
	case !info.Exists:
		return nil, info, "it does not exist"
	case info.IsSymlink:
		// Neo4j follows it; the audit reads through the host layer, which never follows one.
		return nil, info, "it is a symbolic link, which the audit does not follow"
	case info.IsDir:
		return nil, info, "it is a directory"
	case info.Size > maxCertSize:
		return nil, info, fmt.Sprintf("it is %d bytes long, more than a key or certificate can be", info.Size)
	}
	data, err := a.h.ReadFile(a.ctx, p)
	if err != nil {
		return nil, info, err.Error()
	}
	return data, info, ""
}

func (a *auditor) checkCertificates() {
	for _, pf := range a.policyFiles() {
		fixCert := fmt.Sprintf("Issue the %s policy's certificate from a trusted CA with dbtls_policy_certificate (it writes %s and %s).", pf.channel, pf.cert, pf.key)
		certData, _, why := a.readSmall(pf.cert)
		var leafOK bool
		var chainErr error
		var leaf *x509.Certificate
		if why == "" {
			chain, err := pki.ParseCertificateChain(certData)
			if err != nil || len(chain) == 0 {
				chainErr = err
				if chainErr == nil {
					chainErr = errors.New("no certificate in it")
				}
			} else {
				leaf, leafOK = chain[0], true
			}
		}
		if !leafOK {
			msg := why
			if msg == "" {
				msg = chainErr.Error()
			}
			f := finding("CERT_UNREADABLE", pf.certSetting, fmt.Sprintf("The %s policy's certificate %s cannot be used: %s.", pf.channel, pf.cert, msg), fixCert)
			f.Path, f.Setting = pf.cert, pf.certSetting.Name
			a.add(f)
		} else {
			a.checkLeaf(pf, leaf, fixCert)
		}

		keyData, keyInfo, kwhy := a.readSmall(pf.key)
		if kwhy != "" {
			f := finding("CERT_UNREADABLE", pf.keySetting, fmt.Sprintf("The %s policy's private key %s cannot be used: %s.", pf.channel, pf.key, kwhy), fixCert)
			f.Path = pf.key
			a.add(f)
			continue
		}
		a.checkKeyFile(pf, keyInfo)
		key, err := pki.ParsePrivateKey(keyData)
		switch {
		case errors.Is(err, pki.ErrEncryptedKey):
			// Neo4j reads it with private_key_password; the pair cannot be compared without it.
		case err != nil:
			f := finding("CERT_UNREADABLE", pf.keySetting, fmt.Sprintf("The %s policy's private key %s cannot be parsed: %v.", pf.channel, pf.key, err), fixCert)
			f.Path = pf.key
			a.add(f)
		case leafOK && !key.Matches(leaf):
			f := finding("CERT_KEY_MISMATCH", pf.keySetting, fmt.Sprintf("The %s policy's private key %s does not belong to its certificate %s (%s): TLS handshakes fail.", pf.channel, pf.key, pf.cert, leaf.Subject), fixCert)
			f.Path = pf.key
			a.add(f)
		}
	}
}

func (a *auditor) checkLeaf(pf policyFiles, c *x509.Certificate, fix string) {
	mk := func(code, msg string) {
		f := finding(code, pf.certSetting, msg, fix)
		f.Path, f.Setting = pf.cert, pf.certSetting.Name
		a.add(f)
	}
	if pki.IsSelfSigned(c) {
		mk("CERT_SELF_SIGNED", fmt.Sprintf("The %s policy's certificate %s (%s) is self-signed: clients can verify it only by trusting this one certificate.", pf.channel, pf.cert, c.Subject))
	}
	days := pki.DaysRemaining(c, a.o.Now)
	switch {
	case a.o.Now.After(c.NotAfter):
		mk("CERT_EXPIRED", fmt.Sprintf("The %s policy's certificate %s expired on %s.", pf.channel, pf.cert, c.NotAfter.UTC().Format("2006-01-02")))
	case days < int64(a.o.MinDaysRemaining):
		mk("CERT_EXPIRING", fmt.Sprintf("The %s policy's certificate %s expires on %s, in %d days (min_days_remaining is %d).", pf.channel, pf.cert, c.NotAfter.UTC().Format("2006-01-02"), days, a.o.MinDaysRemaining))
	}
}

// checkKeyFile checks a private key's mode and owner (5).
func (a *auditor) checkKeyFile(pf policyFiles, info host.Info) {
	if info.Mode&0o066 != 0 {
		f := finding("KEY_PERMISSIONS", pf.keySetting,
			fmt.Sprintf("The %s policy's private key %s has mode %04o: users other than its owner can read or change it.", pf.channel, pf.key, info.Mode),
			fmt.Sprintf("chmod 0400 %s (dbtls_policy_certificate writes keys 0400).", pf.key))
		f.Path = pf.key
		a.add(f)
	}
	if !a.isNeo4jUser(info) {
		f := finding("KEY_OWNER", pf.keySetting,
			fmt.Sprintf("The %s policy's private key %s is owned by %s, not by the Neo4j user %s.", pf.channel, pf.key, info.UserName, a.o.Neo4jUser),
			fmt.Sprintf("chown %s %s (or set owner on dbtls_ssl_policy / dbtls_policy_certificate).", a.o.Neo4jUser, pf.key))
		f.Path = pf.key
		a.add(f)
	}
}

func (a *auditor) isNeo4jUser(info host.Info) bool {
	return info.UserName == a.o.Neo4jUser || strconv.Itoa(info.UID) == a.o.Neo4jUser
}

func (a *auditor) isNeo4jGroup(info host.Info) bool {
	return info.GroupName == a.o.Neo4jUser || strconv.Itoa(info.GID) == a.o.Neo4jUser
}

// ---- bin, lib, plugins: 6 ----

func (a *auditor) checkDirectories() {
	dirs := []struct {
		path string
		v    value
	}{
		{posix.Join(a.o.Neo4jHome, "bin"), value{}},
		{a.resolvePath(a.conf.get(neo4j.SettingLibDirectory, "").Value), a.conf.get(neo4j.SettingLibDirectory, "")},
		{a.resolvePath(a.conf.get(neo4j.SettingPluginsDirectory, "").Value), a.conf.get(neo4j.SettingPluginsDirectory, "")},
	}
	for _, d := range dirs {
		info, err := a.h.Lstat(a.ctx, d.path)
		if err != nil || !info.Exists || info.IsSymlink || !info.IsDir {
			continue // a package installation keeps bin elsewhere (/usr/bin); a link is not followed
		}
		bad := a.unsafeEntries(d.path, info)
		names, err := a.h.ReadDir(a.ctx, d.path)
		if err == nil {
			if len(names) > maxDirEntries {
				names = names[:maxDirEntries]
			}
			// Over SSH each stat is a round trip: a few at a time, reported in name order.
			found := make([][]string, len(names))
			sem := make(chan struct{}, statParallelism)
			var wg sync.WaitGroup
			for i, n := range names {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					p := posix.Join(d.path, n)
					ei, err := a.h.Lstat(a.ctx, p)
					if err != nil || !ei.Exists || ei.IsSymlink {
						return
					}
					found[i] = a.unsafeEntries(p, ei)
				}()
			}
			wg.Wait()
			for _, f := range found {
				bad = append(bad, f...)
			}
		}
		if len(bad) == 0 {
			continue
		}
		shown := bad
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(bad)-5))
		}
		a.add(Finding{Code: "DIR_WRITABLE", Severity: Error, ChecklistItem: "6", Setting: d.v.Name, Line: d.v.Line, Path: d.path,
			Message: fmt.Sprintf("Code Neo4j runs from %s can be changed by users other than root and the Neo4j user %s: %s.", d.path, a.o.Neo4jUser, strings.Join(shown, "; ")),
			Fix:     fmt.Sprintf("chown -R root:%s %s && chmod -R go-w %s (read and execute for the Neo4j user only).", a.o.Neo4jUser, d.path, d.path)})
	}
}

// statParallelism bounds the stats of directory entries in flight at once.
const statParallelism = 8

// unsafeEntries describes why one path is unsafe, or nothing.
func (a *auditor) unsafeEntries(p string, info host.Info) []string {
	var out []string
	switch {
	case info.Mode&0o002 != 0:
		out = append(out, fmt.Sprintf("%s is writable by every user (mode %04o)", p, info.Mode))
	case info.Mode&0o020 != 0 && info.GID != 0 && !a.isNeo4jGroup(info):
		out = append(out, fmt.Sprintf("%s is writable by group %s (mode %04o)", p, info.GroupName, info.Mode))
	}
	if info.UID != 0 && !a.isNeo4jUser(info) {
		out = append(out, fmt.Sprintf("%s is owned by %s", p, info.UserName))
	}
	return out
}

// ---- procedures (4b), LOAD CSV (7), authentication (8) ----

func (a *auditor) checkExtensions() {
	un := a.conf.get(neo4j.SettingProcsUnrestricted, "")
	if items := neo4j.SplitList(un.Value); len(items) > 0 {
		f := finding("PROCEDURES_UNRESTRICTED", un,
			fmt.Sprintf("These procedures run with unrestricted access, bypassing the security model: %s (%s).", strings.Join(items, ", "), where(un)),
			fmt.Sprintf("Keep in %s only the procedures you intend to expose, by full name, without wildcards.", un.Name))
		if slices.ContainsFunc(items, func(s string) bool { return strings.Contains(s, "*") }) {
			f.Severity = Error
			f.Message += " A wildcard also grants it to every procedure a future plugin adds."
		}
		a.add(f)
	}
	al := a.conf.get(neo4j.SettingProcsAllowlist, "")
	if items := neo4j.SplitList(al.Value); al.Set && slices.ContainsFunc(items, func(s string) bool { return strings.Contains(s, "*") }) {
		a.add(finding("PROCEDURES_ALLOWLIST_WILDCARD", al,
			fmt.Sprintf("The procedure allowlist loads every procedure matching %s (%s), including ones a later plugin version adds.", strings.Join(items, ", "), where(al)),
			fmt.Sprintf("List the procedures you use by full name in %s.", al.Name)))
	}

	csv := a.conf.get(neo4j.SettingCSVFileURLs, "")
	imp := a.conf.get(neo4j.SettingImportDirectory, "")
	if csv.isTrue() && (!imp.Set || imp.Value == "") {
		scope := "any file on the host that the Neo4j user can read"
		if imp.Set {
			scope = "any file under NEO4J_HOME (" + a.o.Neo4jHome + ")"
		}
		f := finding("LOAD_CSV_ANY_FILE", csv,
			fmt.Sprintf("LOAD CSV may read file URLs (%s) and %s, so a database user can read %s.", where(csv), where(imp), scope),
			fmt.Sprintf("Set %s=import (a directory under NEO4J_HOME), or %s=false.", imp.Name, csv.Name))
		if imp.Set {
			f.Setting, f.Line = imp.Name, imp.Line
		}
		a.add(f)
	}

	if auth := a.conf.get(neo4j.SettingAuthEnabled, ""); auth.Known && !auth.isTrue() {
		a.add(finding("AUTH_DISABLED", auth,
			fmt.Sprintf("Native authentication is off (%s): anyone who reaches a connector has full access.", where(auth)),
			fmt.Sprintf("Set %s=true (Neo4j's default) or remove the line.", auth.Name)))
	}
}

// ---- JMX (9) ----

// The JDK's remote JMX agent properties (Java SE "Monitoring and Management Using JMX Technology"):
// authentication and SSL are on unless set to false. The checklist names the port property [526-chk];
// the manual's ports page gives 3637 as its example [526-port].
const (
	jmxPort = "-Dcom.sun.management.jmxremote.port="
	jmxAuth = "-Dcom.sun.management.jmxremote.authenticate=false"
	jmxSSL  = "-Dcom.sun.management.jmxremote.ssl=false"
)

func (a *auditor) checkJMX() {
	name := neo4j.NameOf(neo4j.SettingJVMAdditional, a.v, "")
	var port *neo4j.Setting
	var off []string
	for i, e := range a.conf.all {
		if e.Key != name {
			continue
		}
		val := strings.TrimSpace(e.Value)
		switch {
		case strings.HasPrefix(val, jmxPort):
			port = &a.conf.all[i]
		case strings.EqualFold(val, jmxAuth):
			off = append(off, fmt.Sprintf("authentication (line %d)", e.Line))
		case strings.EqualFold(val, jmxSSL):
			off = append(off, fmt.Sprintf("SSL (line %d)", e.Line))
		}
	}
	if port == nil {
		return
	}
	v := value{Name: name, Value: port.Value, Line: port.Line, Set: true, Known: true}
	if len(off) > 0 {
		a.add(finding("JMX_REMOTE_INSECURE", v,
			fmt.Sprintf("The JVM opens a remote JMX port (%s) with %s turned off: anyone who reaches the port can manage the JVM.", where(v), strings.Join(off, " and ")),
			fmt.Sprintf("Remove the %s%s line (JMX is deprecated for Neo4j monitoring; use metrics), or at least the lines that turn authentication and SSL off.", name, "="+jmxPort+"...")))
		return
	}
	a.add(finding("JMX_REMOTE", v,
		fmt.Sprintf("The JVM opens a remote JMX port (%s).", where(v)),
		fmt.Sprintf("Remove the %s=%s... line unless remote JMX is needed; keep its authentication and SSL on and the port firewalled.", name, jmxPort)))
}

// ---- Browser (10), version (11) ----

func (a *auditor) checkBrowserAndVersion() {
	if r := a.conf.get(neo4j.SettingBrowserRetain, ""); r.isTrue() {
		t := a.conf.get(neo4j.SettingBrowserTimeout, "")
		a.add(finding("BROWSER_CREDENTIALS_RETAINED", r,
			fmt.Sprintf("Neo4j Browser caches users' credentials unencrypted in the web browser's local storage (%s; %s).", where(r), where(t)),
			fmt.Sprintf("If your rules forbid it, set %s=false, or limit it with %s (e.g. 30m).", r.Name, t.Name)))
	}
	if newest, older := neo4j.NewestPatch(a.v); older {
		a.add(Finding{Code: "OUTDATED_PATCH", Severity: Info, ChecklistItem: "11",
			Message: fmt.Sprintf("Neo4j %s is older than %s, the newest release of its series the provider knows.", a.v, newest),
			Fix:     fmt.Sprintf("Upgrade to %s or later, then set neo4j_version to match.", newest)})
	}
}
