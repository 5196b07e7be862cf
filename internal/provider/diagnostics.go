package provider

//go:generate go run ../../internal/cmd/diagnostics-docs -root ../..

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// Every diagnostic the provider emits is declared here, once: its Title-Case summary, its severity, when
// it appears and what to do about it, and the test that triggers it. The table of the Diagnostics guide
// (templates/guides/diagnostics.md.tmpl) is generated from these declarations (`make generate`), and the
// call sites build their diagnostics through them (diagX.attr, diagX.plain, ...), so that a summary
// cannot drift from its row. The summaries of internal/neo4j's FieldErrors are declared in that package
// (internal/neo4j/summaries.go, with their severity); their rows are declared here with declareNeo4j
// (mostly as `_`: the provider turns FieldErrors into diagnostics, appendFieldErrors, without naming
// them). Nothing else in this package builds a diagnostic: .golangci.yml's forbidigo rules refuse
// diag.New*Diagnostic, Add*Error/Add*Warning and function.New*FuncError outside this file.

// DiagnosticsTemplate is the template, relative to the repository root, whose table is generated from
// the declarations; DiagnosticsSource is this file, named in the region's marker.
const (
	DiagnosticsTemplate = "templates/guides/diagnostics.md.tmpl"
	DiagnosticsSource   = "internal/provider/diagnostics.go"
	DiagnosticsRegion   = "diagnostics-table"
)

// severity of a summary: an error, a warning, or (the same summary from several places) both.
type severity uint8

const (
	sevError severity = 1 << iota
	sevWarning
)

func (s severity) String() string {
	switch s {
	case sevError:
		return "Error"
	case sevWarning:
		return "Warning"
	case sevError | sevWarning:
		return "Error, warning"
	}
	return "?"
}

// diagnosticKind is one declared diagnostic. When and Fix are the guide's Markdown cells. Test names the
// test of this package that triggers the diagnostic and mentions its summary (so that it checks for it),
// or says why no test can: "unreachable: <reason>" for a guard that no input reaches, "untested:
// <reason>" for one the test environment cannot provoke.
type diagnosticKind struct {
	Summary  string
	Severity severity
	When     string
	Fix      string
	Test     string
}

// diagnosticKinds holds the declarations in the guide's order.
var diagnosticKinds []*diagnosticKind

func declare(k diagnosticKind) *diagnosticKind {
	diagnosticKinds = append(diagnosticKinds, &k)
	return &k
}

// neo4jKinds are the declarations of internal/neo4j's summaries, by summary.
var neo4jKinds = map[*neo4j.Summary]*diagnosticKind{}

// declareNeo4j declares the guide's row of a summary internal/neo4j declares (with its severity) and
// reports as a FieldError.
func declareNeo4j(s *neo4j.Summary, k diagnosticKind) *diagnosticKind {
	k.Summary, k.Severity = s.String(), sevError
	if s.Warning() {
		k.Severity = sevWarning
	}
	d := declare(k)
	neo4jKinds[s] = d
	return d
}

// fieldError returns the diagnostic of a problem internal/neo4j reports, at the attribute p, with the
// severity its summary declares.
func fieldError(p path.Path, e *neo4j.FieldError) diag.Diagnostic {
	if e.Warning() {
		return diag.NewAttributeWarningDiagnostic(p, e.Summary.String(), e.Detail)
	}
	return diag.NewAttributeErrorDiagnostic(p, e.Summary.String(), e.Detail)
}

// attr returns the diagnostic at the attribute p: an error, or a warning for a kind that is only a
// warning. A kind that is both says which with attrError or attrWarning.
func (k *diagnosticKind) attr(p path.Path, detail string) diag.Diagnostic {
	if k.Severity == sevWarning {
		return diag.NewAttributeWarningDiagnostic(p, k.Summary, detail)
	}
	return diag.NewAttributeErrorDiagnostic(p, k.Summary, detail)
}

// plain returns the diagnostic without an attribute: an error, or a warning for a kind that is only a
// warning.
func (k *diagnosticKind) plain(detail string) diag.Diagnostic {
	if k.Severity == sevWarning {
		return diag.NewWarningDiagnostic(k.Summary, detail)
	}
	return diag.NewErrorDiagnostic(k.Summary, detail)
}

// attrOf returns the diagnostic at the attribute p as an error when asError, else as a warning: for a
// kind that is both, such as a weak certificate refused when it is about to be written and reported while
// it is on the host.
func (k *diagnosticKind) attrOf(asError bool, p path.Path, detail string) diag.Diagnostic {
	if asError {
		return diag.NewAttributeErrorDiagnostic(p, k.Summary, detail)
	}
	return diag.NewAttributeWarningDiagnostic(p, k.Summary, detail)
}

// funcArgError returns a function's error for its argument i. Terraform shows a function error's
// message inside its own "Invalid function argument" diagnostic, so the summary leads the message.
func (k *diagnosticKind) funcArgError(i int64, detail string) *function.FuncError {
	return function.NewArgumentFuncError(i, k.Summary+": "+detail)
}

// DiagnosticsTableMarkdown renders the guide's table from the declarations.
func DiagnosticsTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| Summary | Severity | When | What to do |\n|---|---|---|---|\n")
	for _, k := range diagnosticKinds {
		b.WriteString("| `" + k.Summary + "` | " + k.Severity.String() + " | " + k.When + " | " + k.Fix + " |\n")
	}
	return b.String()
}

var (
	diagUnsupportedNeo4jVersion = declare(diagnosticKind{
		Summary:  "Unsupported Neo4j Version",
		Severity: sevError,
		When:     "`neo4j_version` (of the provider or a resource) is not a Neo4j version: older than 3.5, a 4.x after 4.4 or a 5.x after 5.26 (which do not exist), a calendar version before 2025.01 or with a month outside 01 to 12. The detail says which.",
		Fix:      "Set it to the version the host runs: \"3.5\", \"4.0\" to \"4.4\", \"5.0\" to \"5.26\" (\"5\" means 5.26), or a calendar version such as \"2025.01\".",
		Test:     "TestAccProvider_UnsupportedVersion",
	})
	diagNeo4jVersionNewerThanTheCatalogue = declare(diagnosticKind{
		Summary:  "Neo4j Version Newer Than The Catalogue",
		Severity: sevWarning,
		When:     "`neo4j_version` is a calendar version after the newest one the provider's settings catalogue knows (named in the detail). The provider renders that newest version's settings.",
		Fix:      "Check Neo4j's release notes for renamed or changed SSL settings, or upgrade the provider.",
		Test:     "TestDiagnosticsTargetFields",
	})
	diagInvalidNeo4jHome = declare(diagnosticKind{
		Summary:  "Invalid neo4j_home",
		Severity: sevError,
		When:     "`neo4j_home` is not an absolute path, or has a `..` element.",
		Fix:      "Give the absolute path of the installation, such as `/var/lib/neo4j`.",
		Test:     "TestDiagnosticsTargetFields",
	})
	diagInvalidConfigFile = declare(diagnosticKind{
		Summary:  "Invalid Config File",
		Severity: sevError,
		When:     "`config_file` is not an absolute path, or has a `..` element.",
		Fix:      "Give the absolute path of the `neo4j.conf` Neo4j reads, such as `/etc/neo4j/neo4j.conf`.",
		Test:     "TestDiagnosticsTargetFields",
	})
	diagNeo4jHomeIsASystemDirectory = declareNeo4j(neo4j.SummaryNeo4jHomeIsASystemDirectory, diagnosticKind{
		When: "`neo4j_home` (of the provider, a resource, or a policy's `settings`) is `/` or a system directory: the top-level `/bin`, `/boot`, `/dev`, `/etc`, `/home`, `/lib`, `/lib32`, `/lib64`, `/libexec`, `/libx32`, `/media`, `/mnt`, `/opt`, `/proc`, `/root`, `/run`, `/sbin`, `/srv`, `/sys`, `/tmp`, `/usr`, `/var`, and the system directories directly below `/usr`, `/usr/local` and `/var` (such as `/usr/lib`, `/usr/local/bin`, `/var/lib`). Every policy directory lies below `neo4j_home` and is re-moded and re-owned, so `neo4j_home = \"/\"` with `base_directory = \"etc\"` would take over `/etc`. Only these exact paths are refused: `/var/lib/neo4j` or `/opt/neo4j` are fine.",
		Fix:  "Set `neo4j_home` to the Neo4j installation's own directory.",
		Test: "TestAccPolicy_SystemDirectoryHomeRefused",
	})
	diagCorruptState = declare(diagnosticKind{
		Summary:  "Corrupt State",
		Severity: sevError,
		When:     "A resource's state holds policy settings without a valid `neo4j_version` (an edited or damaged state file).",
		Fix:      "`terraform state rm` the resource, then import it again.",
		Test:     "TestDiagnosticsTargetFields",
	})
	diagCannotReachTarget = declare(diagnosticKind{
		Summary:  "Cannot Reach Target",
		Severity: sevError,
		When:     "The SSH connection failed: the host is not in `known_hosts`, it presented another key than the recorded one, it signs its host key with SHA-1 only (`ssh-rsa`, refused unless `allow_sha1_host_key_signatures = true`), authentication failed, or the host did not answer. Nothing was read or written.",
		Fix:      "Follow the detail: add the host's key to `known_hosts` (or `host_key`) after checking it out of band, or fix `user`, `private_key` or `agent`. Host key and authentication errors are never retried.",
		Test:     "TestAccSSH_HostKeyRefusals",
	})
	diagSSHHostMissing = declare(diagnosticKind{
		Summary:  "SSH Host Missing",
		Severity: sevError,
		When:     "An `ssh` block without `host` (usually the provider's, holding shared credentials) is used by a resource that does not set one either.",
		Fix:      "Set `host` in the resource's `ssh` block, or in the provider's.",
		Test:     "TestDiagnosticsSSH",
	})
	diagInvalidSSHTimeout = declare(diagnosticKind{
		Summary:  "Invalid SSH Timeout",
		Severity: sevError,
		When:     "`timeout` of an `ssh` or `bastion` block is not a positive Go duration.",
		Fix:      "Write it like `\"30s\"` or `\"2m\"`.",
		Test:     "TestDiagnosticsSSH",
	})
	diagInvalidSSHConfiguration = declare(diagnosticKind{
		Summary:  "Invalid SSH Configuration",
		Severity: sevError,
		When:     "An `ssh` block is incomplete or contradictory: no `user`; neither or both of `known_hosts` and `host_key`; neither `private_key` nor `agent`; a key that does not parse.",
		Fix:      "Fix the field the detail names. Host keys are always verified, so `known_hosts` or `host_key` is required.",
		Test:     "TestDiagnosticsSSH",
	})
	diagNoSSHCredentials = declare(diagnosticKind{
		Summary:  "No SSH Credentials",
		Severity: sevError,
		When:     "A certificate or binding consumes the settings of a policy on an SSH host, and neither its own `ssh` block nor the provider's gives `private_key` or `agent`. (Settings carry the connection, never its credentials.)",
		Fix:      "Put the credentials into the provider's `ssh` block, or into the resource's.",
		Test:     "TestDiagnosticsSSH",
	})
	diagPolicySettingsWithoutConnection = declare(diagnosticKind{
		Summary:  "Policy Settings Without Connection",
		Severity: sevError,
		When:     "`policy` says the policy lives on an SSH host but does not say how to reach it: it is not the `settings` of a `dbtls_ssl_policy`.",
		Fix:      "Set `policy = dbtls_ssl_policy.<name>.settings`.",
		Test:     "TestDiagnosticsSSH",
	})
	diagSSHTargetDiffersFromThePolicyS = declare(diagnosticKind{
		Summary:  "SSH Target Differs From The Policy's",
		Severity: sevError,
		When:     "The resource's `ssh` block connects to another host than the one its policy lives on.",
		Fix:      "Point the block at the policy's host, or leave only credentials in it.",
		Test:     "TestDiagnosticsSSH",
	})
	_ = declareNeo4j(neo4j.SummaryPolicySettingsWereEdited, diagnosticKind{
		When: "A certificate, binding or endpoint got a `policy` map whose derived values (`base_directory_path`, `private_key_path`, `public_certificate_path`, `trusted_dir_path`, `revoked_dir_path`, or a path suffix rendered for the version) are not what its declared suffixes resolve to inside its `neo4j_home`: the map was changed after `dbtls_ssl_policy` produced it, for example with `merge()`. Every consumer re-checks the map as the policy resource does (the same errors and warnings), since maps cross module and state boundaries.",
		Fix:  "Pass `dbtls_ssl_policy.<name>.settings` unchanged; change the policy's attributes instead.",
		Test: "TestAccPolicyMap_EditedSettingsRefused",
	})
	_ = declareNeo4j(neo4j.SummaryUnknownPolicySetting, diagnosticKind{
		When: "A `policy` map has a key that `dbtls_ssl_policy` does not produce for the map's Neo4j version.",
		Fix:  "Remove the key from the map, and set the policy's attributes instead.",
		Test: "TestAccPolicyMap_EditedSettingsRefused",
	})
	diagPolicyLivesOnAnotherHost = declare(diagnosticKind{
		Summary:  "Policy Lives On Another Host",
		Severity: sevError,
		When:     "A certificate's or binding's `policy` map says the policy is on another host (`target`) than the resource's own: its `ssh` block, else the provider's. A map alone never moves where a resource writes.",
		Fix:      "If the policy is meant to be there, say so on the resource: `ssh { host = ... }` (with `port` and `user` where they differ from the provider's; credentials still come from the provider). Otherwise pass the settings of a policy on the resource's host.",
		Test:     "TestAccPolicyMap_EditedSettingsRefused",
	})
	diagPolicyLivesInAnotherNeo4jHome = declare(diagnosticKind{
		Summary:  "Policy Lives In Another neo4j_home",
		Severity: sevError,
		When:     "A certificate's or binding's `policy` map names another `neo4j_home` than the resource's own (its `neo4j_home`, else the provider's).",
		Fix:      "Set `neo4j_home` on the resource to the policy's, if that is where it is meant to write; otherwise pass the settings of a policy in the resource's `neo4j_home`.",
		Test:     "TestAccPolicyMap_OtherHomeNeedsExplicitOverride",
	})
	diagPolicyUsesAnotherConfigFile = declare(diagnosticKind{
		Summary:  "Policy Uses Another Config File",
		Severity: sevError,
		When:     "A certificate's or binding's `policy` map names another `config_file` than the resource's own (its `config_file`; else `<its neo4j_home>/conf/neo4j.conf` when it sets `neo4j_home`; else the provider's).",
		Fix:      "Set `config_file` on the resource to the policy's, if that is the file it is meant to edit.",
		Test:     "TestAccPolicyMap_EditedSettingsRefused",
	})
	diagSFTPServerLacksAnExtension = declare(diagnosticKind{
		Summary:  "SFTP Server Lacks An Extension",
		Severity: sevWarning,
		When:     "Once per SSH host and run: its SFTP server lacks `posix-rename@openssh.com` (writes are then refused), `fsync@openssh.com` or directory fsync (writes are atomic but may not survive a power loss), or `lsetstat@openssh.com`.",
		Fix:      "Use OpenSSH's `sftp-server` on the host (`sudo = true` runs it through sudo), or accept what the detail says is not guaranteed.",
		Test:     "untested: OpenSSH's sftp-server, the only SFTP server here, offers every extension the provider uses; the warnings' texts are tested by internal/host's TestSSHCapabilities",
	})
	diagUnexpectedProviderData = declare(diagnosticKind{
		Summary:  "Unexpected Provider Data",
		Severity: sevError,
		When:     "Internal: a resource was configured with data of another type.",
		Fix:      "A bug in the provider: report it with the Terraform and provider versions.",
		Test:     "unreachable: Terraform passes Configure only what the provider's Configure returned",
	})
	diagProviderNotConfigured = declare(diagnosticKind{
		Summary:  "Provider Not Configured",
		Severity: sevError,
		When:     "Internal: a resource was applied or imported before the provider was configured.",
		Fix:      "A bug in the provider or Terraform: report it.",
		Test:     "unreachable: Terraform configures the provider before any create, update or import",
	})
	diagNeo4jHomeDoesNotExist = declare(diagnosticKind{
		Summary:  "neo4j_home Does Not Exist",
		Severity: sevError,
		When:     "Planning a policy: the `neo4j_home` directory does not exist on the target.",
		Fix:      "Set `neo4j_home` (on the provider or the resource) to the installation's home directory.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagCannotInspectNeo4jHome = declare(diagnosticKind{
		Summary:  "Cannot Inspect neo4j_home",
		Severity: sevError,
		When:     "Planning a policy: `neo4j_home` could not be examined (permission, I/O error, a lost connection).",
		Fix:      "Fix access as the detail says; over SSH, `sudo = true` reads and writes as root.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagUnsafePathOnTheHost = declare(diagnosticKind{
		Summary:  "Unsafe Path On The Host",
		Severity: sevError,
		When:     "A managed directory or file, or a directory on the way to it, is a symbolic link or of the wrong type. The provider never writes through a symlink at a managed path.",
		Fix:      "Replace the link with a real directory, move the object away, or point `base_directory` at the real location inside `neo4j_home`.",
		Test:     "TestAccSSLPolicy_Refusals",
	})
	diagExistingDirectoryWouldBeTakenOver = declare(diagnosticKind{
		Summary:  "Existing Directory Would Be Taken Over",
		Severity: sevError,
		When:     "Planning a policy: a directory it manages (`base_directory`, `trusted_dir`, `revoked_dir`) already exists with another mode than `0755` or another owner or group than the policy's, and this resource neither created nor adopted it. Nothing was changed.",
		Fix:      "Set `adopt_existing = true` to take it over (destroy restores its mode and owner), give it mode `0755` and the policy's owner and group by hand, or choose another directory.",
		Test:     "TestAccSSLPolicy_AdoptExisting",
	})
	diagExistingDirectoryTakenOver = declare(diagnosticKind{
		Summary:  "Existing Directory Taken Over",
		Severity: sevWarning,
		When:     "As above, with `adopt_existing = true`: the apply changes the directory's mode and owner; destroy restores them and leaves the directory.",
		Fix:      "None, if that is intended.",
		Test:     "TestDiagnosticsTakeover",
	})
	diagCannotRestoreAdoptedDirectory = declare(diagnosticKind{
		Summary:  "Cannot Restore Adopted Directory",
		Severity: sevWarning,
		When:     "Destroy (or a failed apply) could not give an adopted directory back the mode and owner it had before the policy managed it.",
		Fix:      "Restore them by hand as the detail says (mode and numeric owner).",
		Test:     "TestDiagnosticsTakeover",
	})
	diagExistingFileWouldBeOverwritten = declare(diagnosticKind{
		Summary:  "Existing File Would Be Overwritten",
		Severity: sevError,
		When:     "Planning (or applying) a new `dbtls_policy_certificate`: a file it writes (the key, the certificate, its copy in `trusted/`, a trusted certificate or CRL) is already on the host with other content, for example a hand-placed `private.key` with another key. Nothing was changed.",
		Fix:      "Move the file away, `terraform import` the certificate to manage what is there, or set `adopt_existing = true` to replace it (destroy then leaves it).",
		Test:     "TestAccPolicyCertificate_AdoptExisting",
	})
	diagExistingFileReplaced = declare(diagnosticKind{
		Summary:  "Existing File Replaced",
		Severity: sevWarning,
		When:     "As above, with `adopt_existing = true`: the file is replaced, and destroy leaves it.",
		Fix:      "None, if that is intended.",
		Test:     "TestDiagnosticsTakeover",
	})
	diagUnknownOwner = declare(diagnosticKind{
		Summary:  "Unknown Owner",
		Severity: sevError,
		When:     "`owner` names a user that does not exist on the target.",
		Fix:      "Give an existing user, by name or numeric id (usually `neo4j`).",
		Test:     "TestAccSSLPolicy_Refusals",
	})
	diagUnknownGroup = declare(diagnosticKind{
		Summary:  "Unknown Group",
		Severity: sevError,
		When:     "`group` names a group that does not exist on the target.",
		Fix:      "Give an existing group, by name or numeric id.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagOwnerNeedsRoot = declare(diagnosticKind{
		Summary:  "Owner Needs Root",
		Severity: sevError,
		When:     "While planning: `owner` is another user than the one the provider writes as (the user running Terraform locally, or the SSH user without `sudo`), and that user is not root. Only root may give a file to another user, so the apply would fail with \"operation not permitted\".",
		Fix:      "Run Terraform as root, set `sudo = true` in the `ssh` block, or leave `owner` unset (the files then belong to the user who applies).",
		Test:     "TestOwnerNeedsRoot",
	})
	diagGroupNeedsRoot = declare(diagnosticKind{
		Summary:  "Group Needs Root",
		Severity: sevError,
		When:     "While planning, on the local machine: `group` is a group the (non-root) user running Terraform is not a member of.",
		Fix:      "Run Terraform as root, give one of the user's groups, or leave `group` unset.",
		Test:     "TestOwnerNeedsRoot",
	})
	diagConfigFileNotFound = declare(diagnosticKind{
		Summary:  "Config File Not Found",
		Severity: sevError,
		When:     "The `neo4j.conf` a policy (on Neo4j 3.5) or a binding writes into does not exist. The provider never creates it.",
		Fix:      "Set `config_file`, or `neo4j_home` when the file is `<neo4j_home>/conf/neo4j.conf`. Debian and RPM packages use `/etc/neo4j/neo4j.conf`.",
		Test:     "TestAccSSLPolicy_Refusals",
	})
	diagCannotReadConfigFile = declare(diagnosticKind{
		Summary:  "Cannot Read Config File",
		Severity: sevError,
		When:     "Planning: `neo4j.conf` cannot be read: it is a symbolic link (never followed), its managed block markers are broken (the detail names the line), or access failed.",
		Fix:      "Point `config_file` at the real file instead of a link; repair or remove the broken marker line; fix access.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagManagedBlockAlreadyExists = declare(diagnosticKind{
		Summary:  "Managed Block Already Exists",
		Severity: sevError,
		When:     "Creating a resource: `neo4j.conf` already has a managed block with this resource's name, so another resource or a lost state owns it.",
		Fix:      "`terraform import` the resource instead of creating it, or remove the block from the file.",
		Test:     "TestAccSSLPolicy_Refusals",
	})
	diagConflictingSettingInNeo4jConf = declare(diagnosticKind{
		Summary:  "Conflicting Setting In neo4j.conf",
		Severity: sevError,
		When:     "A key the resource writes is already set on another line of `neo4j.conf` (outside the managed blocks), as Neo4j reads the line: `key value`, `key:value`, escapes such as `\\u005f` and lines continued with a trailing backslash set a key as much as `key=value` does (the detail quotes the line as written). Neo4j 5 refuses to start with a duplicated key.",
		Fix:      "Remove that line. For a `dbtls_channel_binding`, `on_conflict = \"comment_out\"` comments it out (every line of a continued setting) and destroy restores it.",
		Test:     "TestAccSSLPolicy_Refusals",
	})
	diagLineContinuesAcrossAManagedBlock = declare(diagnosticKind{
		Summary:  "Line Continues Across A Managed Block",
		Severity: sevError,
		When:     "A line of `neo4j.conf` ends in an odd number of backslashes, so Neo4j (`java.util.Properties`) continues it onto the next line, even a comment: a managed block written after it would become part of that setting, or a hand edit already makes a setting run into a block's marker (then removing the block at destroy would join that setting to the lines after it). Nothing is written.",
		Fix:      "Remove the trailing backslash, or end the continued setting with an empty line, then apply (or destroy) again.",
		Test:     "TestDiagnosticsConfGrammar",
	})
	diagNeo4jConfLineNeo4jCannotLoad = declare(diagnosticKind{
		Summary:  "neo4j.conf Line Neo4j Cannot Load",
		Severity: sevWarning,
		When:     "A line of `neo4j.conf` has a malformed `\\uXXXX` escape: `java.util.Properties` throws on it, so Neo4j does not start with this file, whatever the provider writes.",
		Fix:      "Give `\\u` exactly four hex digits, or remove the line.",
		Test:     "TestDiagnosticsConfGrammar",
	})
	diagCannotCreatePolicyDirectory = declare(diagnosticKind{
		Summary:  "Cannot Create Policy Directory",
		Severity: sevError,
		When:     "Applying a policy: a directory could not be created or have its mode and owner set. The directories this apply created are removed again.",
		Fix:      "Fix the cause in the detail and apply again.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagCannotWriteNeo4jConf = declare(diagnosticKind{
		Summary:  "Cannot Write neo4j.conf",
		Severity: sevError,
		When:     "Applying: the new `neo4j.conf` could not be written: another writer held the file's lock for 60 seconds (the detail names it), or the write failed. The file is unchanged.",
		Fix:      "Wait for the other Terraform run to finish, or fix the cause, and apply again.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagCannotReadNeo4jConf = declare(diagnosticKind{
		Summary:  "Cannot Read neo4j.conf",
		Severity: sevError,
		When:     "Refreshing: `neo4j.conf` cannot be read (a symbolic link, broken markers, access).",
		Fix:      "As for `Cannot Read Config File`.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagCannotInspectDirectory = declare(diagnosticKind{
		Summary:  "Cannot Inspect Directory",
		Severity: sevError,
		When:     "Refreshing a policy: one of its directories could not be examined.",
		Fix:      "Fix access as the detail says.",
		Test:     "TestDiagnosticsPolicyHost",
	})
	diagDirectoryLeftInPlace = declare(diagnosticKind{
		Summary:  "Directory Left In Place",
		Severity: sevWarning,
		When:     "Destroying a policy: a directory existed before the policy (or was imported), still holds files this resource did not write, or could not be removed. It stays.",
		Fix:      "Remove it by hand if it is no longer needed.",
		Test:     "TestAccGuide_MigratingNeo4jConf",
	})
	diagCannotRemoveThePolicySLinesFromNeo4jConf = declare(diagnosticKind{
		Summary:  "Cannot Remove The Policy's Lines From neo4j.conf",
		Severity: sevError,
		When:     "Destroying a policy: its managed block could not be removed (a symbolic link, the lock, a write error). Nothing else was removed, and the resource stays in the state.",
		Fix:      "Fix the cause and destroy again.",
		Test:     "TestAccDiagnostics_DestroyRefusals",
	})
	diagInvalidImportID = declare(diagnosticKind{
		Summary:  "Invalid Import ID",
		Severity: sevError,
		When:     "The import ID has the wrong form. A policy or certificate takes `<name>` or `<name>,<base_directory>` (or `ssh://[user@]host[:port]/<name>`); a binding takes `<channel>` or `<channel>,<config_file>`.",
		Fix:      "Use that form, for example `client_policy` or `bolt`.",
		Test:     "TestDiagnosticsImport",
	})
	diagCannotImportPolicy = declare(diagnosticKind{
		Summary:  "Cannot Import Policy",
		Severity: sevError,
		When:     "Importing a policy: it does not resolve for the provider's Neo4j version, or its base directory does not exist on the target.",
		Fix:      "Import a policy whose directory exists (`<name>,<base_directory>` for a non-default place), or let Terraform create it.",
		Test:     "TestDiagnosticsImport",
	})
	diagUnreadablePrivateState = declare(diagnosticKind{
		Summary:  "Unreadable Private State",
		Severity: sevWarning,
		When:     "The private state Terraform keeps for a resource is damaged. A policy then treats every directory as pre-existing on destroy; a certificate treats the key on the host as unverified and writes it again.",
		Fix:      "Nothing, usually; apply once to record it again.",
		Test:     "TestDiagnosticsPrivateState",
	})
	diagCannotSavePrivateState = declare(diagnosticKind{
		Summary:  "Cannot Save Private State",
		Severity: sevError,
		When:     "Internal: the resource's private state could not be encoded.",
		Fix:      "A bug in the provider: report it.",
		Test:     "unreachable: encoding/json cannot fail on the private state's struct of strings and booleans",
	})
	diagUnexpectedResourceValue = declare(diagnosticKind{
		Summary:  "Unexpected Resource Value",
		Severity: sevError,
		When:     "Internal: a resource's configuration, plan or state (or one of its attributes) does not have the shape of the resource's schema.",
		Fix:      "A bug in the provider or Terraform: report it.",
		Test:     "TestModelValueErrors",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidPolicyName, diagnosticKind{
		When: "`name` is not 1 to 100 letters, digits, `_` and `-` (it becomes part of a `neo4j.conf` key and a directory name). The schema usually reports this first, as `Invalid Attribute Value Match`.",
		Fix:  "Choose a name such as `client_policy`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryReservedPolicyName, diagnosticKind{
		When: "Neo4j 3.5: `name = \"legacy\"` is Neo4j's built-in legacy policy.",
		Fix:  "Choose another name.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidBaseDirectory, diagnosticKind{
		When: "`base_directory` is empty, has blanks around it, a backslash, control or non-ASCII characters or a `..` element, or is `neo4j_home` itself.",
		Fix:  "Use a directory of its own, such as `certificates/<name>` (the default).",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryBaseDirectoryOutsideNeo4jHome, diagnosticKind{
		When: "`base_directory` is absolute and outside `neo4j_home`.",
		Fix:  "Use a path relative to `neo4j_home`, or point `neo4j_home` at the installation that holds the directory.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidFileName, diagnosticKind{
		When: "`private_key` or `public_certificate` is empty, has blanks around it, a backslash (Neo4j would read it as an escape or a continuation line), control or non-ASCII characters or a `..` element.",
		Fix:  "Give a file name such as `private.key`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryPathEscapesThePolicyDirectory, diagnosticKind{
		When: "`private_key` or `public_certificate` resolves outside `base_directory` (or to it).",
		Fix:  "Give a name relative to `base_directory`, or an absolute path inside it.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryKeyAndCertificateShareAPath, diagnosticKind{
		When: "`private_key` and `public_certificate` name the same file.",
		Fix:  "Give them two names.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidDirectory, diagnosticKind{
		When: "`trusted_dir` or `revoked_dir` is malformed (as for `Invalid File Name`), or resolves to `base_directory` or `neo4j_home` itself.",
		Fix:  "Use a subdirectory such as `trusted` or `revoked` (the defaults).",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryNeo4j35NeedsAnAbsolutePath, diagnosticKind{
		When: "Neo4j 3.5: `private_key`, `public_certificate`, `trusted_dir` or `revoked_dir` is set to a relative path; 3.5 parses all four as absolute paths and does not start otherwise.",
		Fix:  "Give the absolute path, or leave it unset (the provider then writes the absolute default).",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryDirectoryOutsideNeo4jHome, diagnosticKind{
		When: "`trusted_dir` or `revoked_dir` resolves outside `neo4j_home`.",
		Fix:  "Use a path relative to `base_directory`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryTrustedAndRevokedShareADirectory, diagnosticKind{
		When: "`trusted_dir` and `revoked_dir` resolve to the same directory.",
		Fix:  "Give them separate directories.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryFileAndDirectoryShareAPath, diagnosticKind{
		When: "The key or certificate file is also the trusted or revoked directory.",
		Fix:  "Rename one of them.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidClientAuthentication, diagnosticKind{
		When: "`client_auth` is not `NONE`, `OPTIONAL` or `REQUIRE` (the schema usually reports this first).",
		Fix:  "Use one of those.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryNoTLSVersion, diagnosticKind{
		When: "`tls_versions` is empty (the schema usually reports this first).",
		Fix:  "List at least one version, or leave it unset for the version's default.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryUnknownTLSVersion, diagnosticKind{
		When: "`tls_versions` has a name Neo4j does not know (the schema usually reports this first).",
		Fix:  "Use `TLSv1.2` and `TLSv1.3` (case-sensitive).",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryDuplicatedTLSVersion, diagnosticKind{
		When: "`tls_versions` lists a version twice (the schema usually reports this first).",
		Fix:  "List it once.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryTLSv13DependsOnTheJavaRuntime, diagnosticKind{
		When: "`tls_versions` has `TLSv1.3` and the target runs Neo4j before 5.24, whose default is TLSv1.2 only. Neo4j accepts the name; the handshake works if the Java runtime supports TLSv1.3.",
		Fix:  "Check the Java runtime, or list `TLSv1.2` as well.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryTLSv12AndTLSv13WithoutCiphers, diagnosticKind{
		When: "From Neo4j 5.24, the policy allows both TLSv1.2 and TLSv1.3 (the default) without `ciphers`; the manual asks for explicit cipher suites then.",
		Fix:  "Set `ciphers`, or limit `tls_versions` to one version.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryDeprecatedTLSVersion, diagnosticKind{
		When: "`tls_versions` has `TLSv1` or `TLSv1.1`, which current Java runtimes disable and RFC 8996 deprecates.",
		Fix:  "Use `TLSv1.2` and `TLSv1.3`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryNoCipher, diagnosticKind{
		When: "`ciphers` is an empty list (the schema usually reports this first).",
		Fix:  "List cipher suites, or leave `ciphers` unset for the Java platform's defaults.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidCipherName, diagnosticKind{
		When: "An element of `ciphers` is not one suite name (a comma, blank, `=` or backslash inside, or empty).",
		Fix:  "One suite per element, such as `TLS_AES_256_GCM_SHA384`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryDuplicatedCipher, diagnosticKind{
		When: "`ciphers` lists a suite twice.",
		Fix:  "List it once.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryCipherNotSupportedByThisNeo4jVersion, diagnosticKind{
		When: "Neo4j 2025.01 to 2025.09: `ciphers` has one of the four CBC suites Neo4j 2025.01 no longer supports (named in the detail).",
		Fix:  "Remove it; use GCM suites.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryInsecureCBCCipher, diagnosticKind{
		When: "Neo4j 2025.10 and later: `ciphers` has one of the four CBC suites removed from the defaults, which Neo4j accepts only when listed explicitly.",
		Fix:  "Prefer GCM suites.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryPolicyTrustsExpiredCertificates, diagnosticKind{
		When: "`trust_expired = true`: peer certificates past their validity are accepted.",
		Fix:  "Set it to `false` and renew the certificates.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummaryPolicyTrustsAnyone, diagnosticKind{
		When: "`trust_all = true`: Neo4j accepts any peer certificate, so clients and cluster members are not authenticated.",
		Fix:  "Keep it `false` and put the peers' CA into the trusted directory (`trusted_certificates_pem`).",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummarySettingNotInThisNeo4jVersion, diagnosticKind{
		When: "`allow_key_generation` is set for Neo4j 4.x or 5.x, which removed it, or `trust_expired` for a version before 5.24.",
		Fix:  "Remove the attribute (give the key and certificate with `dbtls_policy_certificate`), or set `neo4j_version` to the version the host runs.",
		Test: "TestDiagnosticsPolicyRules",
	})
	_ = declareNeo4j(neo4j.SummarySelfSignedKeyGeneration, diagnosticKind{
		When: "Neo4j 3.5: `allow_key_generation = true` lets Neo4j generate a self-signed pair on startup.",
		Fix:  "Keep it `false` and write a real pair with `dbtls_policy_certificate`.",
		Test: "TestDiagnosticsPolicyRules",
	})
	diagInvalidPolicySettings = declareNeo4j(neo4j.SummaryInvalidPolicySettings, diagnosticKind{
		When: "`policy` of a binding or certificate is not the `settings` of a `dbtls_ssl_policy` (keys are missing), or would place a file outside `neo4j_home`.",
		Fix:  "Set `policy = dbtls_ssl_policy.<name>.settings`.",
		Test: "TestAccChannelBinding_Refusals",
	})
	diagChannelAlreadyBound = declare(diagnosticKind{
		Summary:  "Channel Already Bound",
		Severity: sevError,
		When:     "Creating a binding: `neo4j.conf` already has a binding block for the channel. Neo4j takes one policy per channel.",
		Fix:      "Remove the other `dbtls_channel_binding`, or import this one (`terraform import ... <channel>`).",
		Test:     "TestAccChannelBinding_Refusals",
	})
	diagConflictingManagedBlocks = declare(diagnosticKind{
		Summary:  "Conflicting Managed Blocks",
		Severity: sevError,
		When:     "A key the binding writes is set in the managed block of another resource. Two resources cannot own one key.",
		Fix:      "Remove one of the two resources (or the foreign block).",
		Test:     "TestDiagnosticsBindingConflicts",
	})
	diagClusterCertificateLacksClientAuth = declare(diagnosticKind{
		Summary:  "Cluster Certificate Lacks clientAuth",
		Severity: sevError,
		When:     "Planning a `cluster` binding: the certificate already on the host has an extended key usage without `clientAuth`. Members connect to each other as clients, so their handshakes would fail and the cluster could not form.",
		Fix:      "Issue the certificate with `extendedKeyUsage = serverAuth, clientAuth`, or bind another policy.",
		Test:     "TestChannelEKUCheck",
	})
	diagClusterCertificateLacksServerAuth = declare(diagnosticKind{
		Summary:  "Cluster Certificate Lacks serverAuth",
		Severity: sevError,
		When:     "Planning a `cluster` binding: the certificate already on the host has an extended key usage without `serverAuth`. Every member presents it as a server to the others.",
		Fix:      "Issue the certificate with `extendedKeyUsage = serverAuth, clientAuth`, or bind another policy.",
		Test:     "TestChannelEKUCheck",
	})
	diagCertificateLacksServerAuth = declare(diagnosticKind{
		Summary:  "Certificate Lacks serverAuth",
		Severity: sevWarning,
		When:     "The certificate (being written by `dbtls_policy_certificate`, or already on the host for a `bolt`, `https` or `backup` binding) has an extended key usage without `serverAuth`, such as a client-only certificate. Neo4j presents it as the server's certificate, so clients refuse the handshake.",
		Fix:      "Issue the certificate with `extendedKeyUsage = serverAuth` (and `clientAuth` too for the `cluster` channel).",
		Test:     "TestChannelEKUCheck",
	})
	diagForeignSettingChangesTheBoundPolicy = declare(diagnosticKind{
		Summary:  "Foreign Setting Changes The Bound Policy",
		Severity: sevWarning,
		When:     "Planning a binding: a line outside the managed blocks sets `dbms.ssl.policy.<scope>.<suffix>` (on 3.5, `dbms.ssl.policy.<policy name>.<suffix>`) for a suffix the binding does not write, such as `ciphers` while the policy leaves it unset. Neo4j applies it to the bound policy, so the policy in effect is not the one declared.",
		Fix:      "Set the attribute on the `dbtls_ssl_policy` (the binding then writes it, and the line becomes a conflict to resolve), or remove the line.",
		Test:     "TestDiagnosticsConfGrammar",
	})
	diagPolicyValueNeo4jWouldReadDifferently = declare(diagnosticKind{
		Summary:  "Policy Value Neo4j Would Read Differently",
		Severity: sevError,
		When:     "A binding's `policy` map holds a value Neo4j would not read as written (a backslash, surrounding blanks): the map was assembled by hand instead of passing a policy's `settings`, so the policy's own checks did not run.",
		Fix:      "Pass `dbtls_ssl_policy.<name>.settings` unchanged, and declare the value on the policy.",
		Test:     "TestDiagnosticsConfGrammar",
	})
	diagCannotRemoveTheBindingFromNeo4jConf = declare(diagnosticKind{
		Summary:  "Cannot Remove The Binding From neo4j.conf",
		Severity: sevError,
		When:     "Destroying a binding: its block could not be removed, nor the lines it commented out restored (a symbolic link, the lock, a write error). The resource stays in the state.",
		Fix:      "Fix the cause and destroy again.",
		Test:     "TestAccDiagnostics_DestroyRefusals",
	})
	_ = declareNeo4j(neo4j.SummaryUnknownChannel, diagnosticKind{
		When: "`channel` is not `bolt`, `https`, `cluster`, `backup` or `fabric` (the schema usually reports this first).",
		Fix:  "Use one of those.",
		Test: "TestDiagnosticsBindingRules",
	})
	_ = declareNeo4j(neo4j.SummaryChannelNotInThisNeo4jVersion, diagnosticKind{
		When: "The channel does not exist in the policy's Neo4j version: `fabric` on 3.5 or 5.x (it exists only in 4.x).",
		Fix:  "Remove the binding, or bind another channel.",
		Test: "TestDiagnosticsBindingRules",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidTLSLevel, diagnosticKind{
		When: "`tls_level` is not `REQUIRED`, `OPTIONAL` or `DISABLED` (the schema usually reports this first).",
		Fix:  "Use one of those.",
		Test: "TestDiagnosticsBindingRules",
	})
	_ = declareNeo4j(neo4j.SummaryBoltTLSDisabled, diagnosticKind{
		When: "`tls_level = \"DISABLED\"`: the Bolt connector ignores the bound policy and accepts plaintext only.",
		Fix:  "Use `REQUIRED`, or `OPTIONAL` while clients migrate.",
		Test: "TestDiagnosticsBindingRules",
	})
	_ = declareNeo4j(neo4j.SummaryClientAuthenticationWeakerThanTheScopeSDefault, diagnosticKind{
		When: "A binding applies a policy with `client_auth` `NONE` or `OPTIONAL` to the cluster or backup scope, where Neo4j 4.x and later require a client certificate by default (`REQUIRE`): peers would be accepted without proving who they are.",
		Fix:  "Bind a policy with `client_auth = \"REQUIRE\"` (or unset), unless peers are authenticated another way.",
		Test: "TestDiagnosticsPolicyMap",
	})
	_ = declareNeo4j(neo4j.SummaryTlsLevelIsForBoltOnly, diagnosticKind{
		When: "`tls_level` is set on a binding of another channel.",
		Fix:  "Remove it.",
		Test: "TestDiagnosticsBindingRules",
	})
	_ = declareNeo4j(neo4j.SummaryHttpConnectorIsForHTTPSOnly, diagnosticKind{
		When: "`http_connector` is set on a binding of another channel than `https`.",
		Fix:  "Remove it, or set it on the `https` binding.",
		Test: "TestDiagnosticsHTTPConnector",
	})
	_ = declareNeo4j(neo4j.SummaryInvalidHTTPConnectorMode, diagnosticKind{
		When: "Internal guard: `http_connector` is not `disabled` or `loopback` (the schema refuses other values first).",
		Fix:  "Use `disabled` or `loopback`.",
		Test: "TestDiagnosticsHTTPConnector",
	})
	_ = declareNeo4j(neo4j.SummaryNeo4j35BoltAndHTTPSNeedClientAuthNONE, diagnosticKind{
		When: "Neo4j 3.5: a policy whose `client_auth` is not `NONE` (3.5's default is `REQUIRE`) is bound to bolt or https. The 3.5 manual says those servers do not support client authentication. Nothing is written.",
		Fix:  "Set `client_auth = \"NONE\"` on the policy, or bind a separate policy with `client_auth = \"NONE\"` to bolt and https.",
		Test: "TestAccChannelBinding_35RequirePolicyOnBolt",
	})
	diagConflictingPrivateKeyAttributes = declare(diagnosticKind{
		Summary:  "Conflicting Private Key Attributes",
		Severity: sevError,
		When:     "Both `private_key_wo` and `private_key_pem` are set.",
		Fix:      "Keep one; `private_key_wo` keeps the key out of the plan and the state.",
		Test:     "TestDiagnosticsKeyChoice",
	})
	diagMissingPrivateKey = declare(diagnosticKind{
		Summary:  "Missing Private Key",
		Severity: sevError,
		When:     "Neither `private_key_wo` nor `private_key_pem` is set.",
		Fix:      "Set `private_key_wo` with `private_key_wo_version` (Terraform 1.11 or later), or `private_key_pem`.",
		Test:     "TestDiagnosticsKeyChoice",
	})
	diagMissingPrivateKeyWoVersion = declare(diagnosticKind{
		Summary:  "Missing private_key_wo_version",
		Severity: sevError,
		When:     "`private_key_wo` is set without `private_key_wo_version`: Terraform could never tell that the key changed.",
		Fix:      "Set `private_key_wo_version = 1`, and change it whenever the key changes.",
		Test:     "TestDiagnosticsKeyChoice",
	})
	diagPrivateKeyWoVersionWithoutPrivateKeyWo = declare(diagnosticKind{
		Summary:  "private_key_wo_version Without private_key_wo",
		Severity: sevError,
		When:     "`private_key_wo_version` is set with `private_key_pem`.",
		Fix:      "Remove it, or give the key as `private_key_wo`.",
		Test:     "TestDiagnosticsKeyChoice",
	})
	diagInvalidCertificate = declare(diagnosticKind{
		Summary:  "Invalid Certificate",
		Severity: sevError,
		When:     "`certificate_pem` does not parse, or holds a block that is not a certificate (a private key pasted there would end up in a world-readable file).",
		Fix:      "Give PEM certificates only, leaf first.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagInvalidTrustedCertificate = declare(diagnosticKind{
		Summary:  "Invalid Trusted Certificate",
		Severity: sevError,
		When:     "A value of `trusted_certificates_pem` does not parse, or holds something other than certificates.",
		Fix:      "Give PEM certificates only.",
		Test:     "TestDiagnosticsCertificateMaterial",
	})
	diagInvalidCertificateRevocationList = declare(diagnosticKind{
		Summary:  "Invalid Certificate Revocation List",
		Severity: sevError,
		When:     "A value of `revocation_lists_pem` does not parse, or holds something other than `X509 CRL` blocks.",
		Fix:      "Give PEM CRLs only.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagInvalidPrivateKey = declare(diagnosticKind{
		Summary:  "Invalid Private Key",
		Severity: sevError,
		When:     "The key is not exactly one unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1). The detail never quotes the key.",
		Fix:      "Give the key as PEM, for example from `openssl pkcs8 -topk8 -nocrypt`.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagEncryptedPrivateKey = declare(diagnosticKind{
		Summary:  "Encrypted Private Key",
		Severity: sevError,
		When:     "The key is encrypted.",
		Fix:      "Give it unencrypted; it is written with mode 0400, and `private_key_wo` keeps it out of the state.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagUnsupportedKeyType = declare(diagnosticKind{
		Summary:  "Unsupported Key Type",
		Severity: sevError,
		When:     "The certificate's or the key's algorithm is not RSA or EC (for example Ed25519). Neo4j's SSL framework loads RSA and EC keys only.",
		Fix:      "Issue the certificate for an RSA or ECDSA key.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagWeakCertificateKey = declare(diagnosticKind{
		Summary:  "Weak Certificate Key",
		Severity: sevError | sevWarning,
		When:     "A certificate of `certificate_pem` has an RSA key under 2048 bits or an ECDSA key on a curve under 256 bits (P-224). An error when it is about to be written, a warning while it is on the host already. The floor follows OpenSSL's default security level 2 (stricter for curves).",
		Fix:      "Generate a new key (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, or `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) and have the certificate reissued for it.",
		Test:     "TestAccPolicyCertificate_WeakMaterial",
	})
	diagWeakCertificateSignature = declare(diagnosticKind{
		Summary:  "Weak Certificate Signature",
		Severity: sevError | sevWarning,
		When:     "A certificate of `certificate_pem` (the leaf or an intermediate) is signed with MD5 or SHA-1, whose collisions are practical. A self-signed root's own signature is not judged: a root is trusted for being in the trust store, not for its signature. An error when it is about to be written, a warning while it is on the host.",
		Fix:      "Have the certificate reissued with SHA-256 or stronger (`openssl x509 -req -sha256`, `openssl req -x509 -sha256`).",
		Test:     "TestAccPolicyCertificate_WeakMaterial",
	})
	diagCACertificateAsServerCertificate = declare(diagnosticKind{
		Summary:  "CA Certificate As Server Certificate",
		Severity: sevError | sevWarning,
		When:     "The first certificate of `certificate_pem` is a CA certificate (`basicConstraints CA:TRUE`), which Neo4j would present as its own. Clients refuse it, and its key can sign certificates for any name. An error when it is about to be written, a warning while it is on the host.",
		Fix:      "Issue a server certificate (`CA:FALSE`, `serverAuth`) from the CA for the key, and put the CA after it or into `trusted_certificates_pem`.",
		Test:     "TestAccPolicyCertificate_WeakMaterial",
	})
	diagWeakTrustedCertificateKey = declare(diagnosticKind{
		Summary:  "Weak Trusted Certificate Key",
		Severity: sevWarning,
		When:     "A certificate of `trusted_certificates_pem` has an RSA key under 2048 bits or an ECDSA key under P-256: whoever breaks it can issue certificates Neo4j accepts from peers. Its own signature is not judged (a trusted certificate is a trust anchor).",
		Fix:      "Have the peers' CA moved to a stronger key and trust the new CA certificate.",
		Test:     "TestCheckCertStrength",
	})
	diagValueTooLarge = declare(diagnosticKind{
		Summary:  "Value Too Large",
		Severity: sevError,
		When:     "A PEM or key attribute is over its cap: 1 MiB for `certificate_pem`, the private keys, each `trusted_certificates_pem` element, the endpoint's `ca_certificates_pem`, `client_certificate_pem` and `client_key_pem`, and the `ssh` block's `private_key`, `known_hosts` and `host_key`; 16 MiB for each `revocation_lists_pem` element. Checked before anything parses the value.",
		Fix:      "Give the PEM text itself; a value that large is the wrong file.",
		Test:     "TestAccPolicyCertificate_WeakMaterial",
	})
	diagPrivateKeyDoesNotMatchTheCertificate = declare(diagnosticKind{
		Summary:  "Private Key Does Not Match The Certificate",
		Severity: sevError,
		When:     "The key being written is not the certificate's key.",
		Fix:      "Give the matching pair. With an ephemeral `tls_private_key`, issue the certificate in the same run and change `private_key_wo_version` with it.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagCertificateHasExpired = declare(diagnosticKind{
		Summary:  "Certificate Has Expired",
		Severity: sevError | sevWarning,
		When:     "The certificate's validity has ended: an error when it is about to be written, a warning while it is on the host already (so a scheduled plan keeps working and says so).",
		Fix:      "Issue a new certificate and set `certificate_pem` to it.",
		Test:     "TestCheckCertMaterial",
	})
	diagCertificateNotYetValid = declare(diagnosticKind{
		Summary:  "Certificate Not Yet Valid",
		Severity: sevError | sevWarning,
		When:     "The certificate's validity has not begun: an error when it is about to be written, a warning while it is on the host.",
		Fix:      "Check the issuer's clock, or wait.",
		Test:     "TestAccPolicyCertificate_Refusals",
	})
	diagCertificateExpiresSoon = declare(diagnosticKind{
		Summary:  "Certificate Expires Soon",
		Severity: sevWarning,
		When:     "The certificate expires within `min_days_remaining` days (default 30).",
		Fix:      "Rotate it: see the guide *Rotating certificates without downtime*. `min_days_remaining = 0` turns the warning off.",
		Test:     "TestCheckCertMaterial",
	})
	diagCertificateChainOutOfOrder = declare(diagnosticKind{
		Summary:  "Certificate Chain Out Of Order",
		Severity: sevWarning,
		When:     "`certificate_pem` does not hold the leaf first and then each issuer in turn. Neo4j sends the chain as written.",
		Fix:      "Reorder the PEM blocks.",
		Test:     "TestCheckCertMaterial",
	})
	diagRevocationListWithoutATrustedSigner = declare(diagnosticKind{
		Summary:  "Revocation List Without A Trusted Signer",
		Severity: sevWarning,
		When:     "A CRL is signed by none of the certificates in `trusted_certificates_pem` or `certificate_pem`, so Neo4j cannot use it.",
		Fix:      "Add its issuer to `trusted_certificates_pem`, or remove the CRL.",
		Test:     "TestCheckCertMaterial",
	})
	diagRevocationListOutOfDate = declare(diagnosticKind{
		Summary:  "Revocation List Out Of Date",
		Severity: sevWarning,
		When:     "A CRL's next update time has passed.",
		Fix:      "Fetch the current CRL from its issuer.",
		Test:     "TestDiagnosticsCertificateMaterial",
	})
	diagCannotReadTheKeyOnTheHost = declare(diagnosticKind{
		Summary:  "Cannot Read The Key On The Host",
		Severity: sevError,
		When:     "The certificate changes but the key is not written again (`private_key_wo_version` unchanged), and the key on the host, which the new certificate must match, cannot be read.",
		Fix:      "Change `private_key_wo_version` (or `private_key_pem`) so that the key is written together with the certificate.",
		Test:     "TestDiagnosticsCertificateMaterial",
	})
	diagCertificateDoesNotMatchTheKeyOnTheHost = declare(diagnosticKind{
		Summary:  "Certificate Does Not Match The Key On The Host",
		Severity: sevError,
		When:     "The certificate changes, the key is not written again, and the new certificate is for another key than the one on the host. Neo4j would not start.",
		Fix:      "If the key changed too, change `private_key_wo_version` (or `private_key_pem`) so both are written together.",
		Test:     "TestAccGuide_RotatingCertificates",
	})
	diagTwoFilesAtOnePath = declare(diagnosticKind{
		Summary:  "Two Files At One Path",
		Severity: sevError,
		When:     "Two files the certificate writes would be the same path (for example `private_key` named like the certificate's copy in the trusted directory).",
		Fix:      "Give the policy's `private_key` and `public_certificate` distinct names outside `trusted_dir`.",
		Test:     "TestDiagnosticsCertificateMaterial",
	})
	diagCannotInspectCertificateFile = declare(diagnosticKind{
		Summary:  "Cannot Inspect Certificate File",
		Severity: sevError,
		When:     "Planning or refreshing a certificate: one of its files could not be examined.",
		Fix:      "Fix access as the detail says.",
		Test:     "TestDiagnosticsCertificateHost",
	})
	diagCannotInspectPolicyDirectory = declare(diagnosticKind{
		Summary:  "Cannot Inspect Policy Directory",
		Severity: sevError,
		When:     "Applying a certificate: a directory of its policy could not be examined.",
		Fix:      "Fix access as the detail says.",
		Test:     "TestDiagnosticsCertificateHost",
	})
	diagPolicyDirectoryMissing = declare(diagnosticKind{
		Summary:  "Policy Directory Missing",
		Severity: sevError,
		When:     "Applying a certificate: a directory of its policy does not exist.",
		Fix:      "Apply the `dbtls_ssl_policy` first; `policy = dbtls_ssl_policy.<name>.settings` makes Terraform do that.",
		Test:     "TestDiagnosticsCertificateHost",
	})
	diagCannotReadCertificateFile = declare(diagnosticKind{
		Summary:  "Cannot Read Certificate File",
		Severity: sevError,
		When:     "Applying a certificate: the current state of a file it writes could not be read (for example a symbolic link appeared there). Nothing was written.",
		Fix:      "Remove what is at that path, and apply again.",
		Test:     "TestDiagnosticsCertificateHost",
	})
	diagCannotWriteCertificateFile = declare(diagnosticKind{
		Summary:  "Cannot Write Certificate File",
		Severity: sevError,
		When:     "Applying a certificate: a write failed. Every file the apply had already changed was restored, so key and certificate still match.",
		Fix:      "Fix the cause in the detail and apply again.",
		Test:     "TestPolicyCertificateApplyRollsBack",
	})
	diagCannotRemoveCertificateFile = declare(diagnosticKind{
		Summary:  "Cannot Remove Certificate File",
		Severity: sevError,
		When:     "Destroying a certificate: a file could not be removed (for example it was replaced by a symbolic link, which is never followed).",
		Fix:      "Remove the object by hand, then destroy again.",
		Test:     "TestAccDiagnostics_DestroyRefusals",
	})
	diagFileLeftInPlace = declare(diagnosticKind{
		Summary:  "File Left In Place",
		Severity: sevWarning,
		When:     "Destroy leaves files that were on the host before this resource managed them (imported, or present when it was created), since a hand-written `neo4j.conf` line may still name them; or a file this resource wrote is now a directory; or a file it no longer declares could not be removed.",
		Fix:      "Nothing, for adopted files that Neo4j still uses; otherwise remove them by hand.",
		Test:     "TestAccDiagnostics_DestroyRefusals",
	})
	diagDestroyLeavesNeo4jConfNamingRemovedFiles = declare(diagnosticKind{
		Summary:  "Destroy Leaves neo4j.conf Naming Removed Files",
		Severity: sevWarning,
		When:     "While planning a destroy (and again when it runs): files this resource created are named by `neo4j.conf` lines that stay once every managed block is gone (hand-written lines, or lines a binding commented out and restores), so Neo4j would not start afterwards. The detail lists the lines.",
		Fix:      "Replace the resource blocks with `removed` blocks (`lifecycle { destroy = false }`) to stop managing the files without deleting them, or change those lines before the destroy.",
		Test:     "TestAccDestroyWarnsWhenConfNamesRemovedFiles",
	})
	diagCannotImportCertificate = declare(diagnosticKind{
		Summary:  "Cannot Import Certificate",
		Severity: sevError,
		When:     "Importing a certificate: the policy's public certificate is missing or does not parse, or a trusted certificate or CRL named as this provider names them cannot be read.",
		Fix:      "Import a policy whose certificate exists, or let Terraform write it.",
		Test:     "TestDiagnosticsImport",
	})
	diagCannotEncodePrivateKey = declare(diagnosticKind{
		Summary:  "Cannot Encode Private Key",
		Severity: sevError,
		When:     "Internal: a parsed RSA or EC key could not be encoded as PKCS#8.",
		Fix:      "A bug in the provider: report it.",
		Test:     "unreachable: the key was parsed as RSA or EC just before, and every such key encodes as PKCS#8",
	})
	diagCannotRecordTheKeySDigest = declare(diagnosticKind{
		Summary:  "Cannot Record The Key's Digest",
		Severity: sevError,
		When:     "Internal: no random salt could be read for the key's digest.",
		Fix:      "Apply again; report it if it persists.",
		Test:     "unreachable: crypto/rand.Read does not fail on the platforms the provider is built for",
	})
	diagInvalidEndpointURL = declare(diagnosticKind{
		Summary:  "Invalid Endpoint URL",
		Severity: sevError,
		When:     "`url` of `dbtls_endpoint` cannot be probed: an unknown scheme or sslmode, several hosts, a Unix socket, a malformed connection string.",
		Fix:      "Write a PostgreSQL URI or key=value string, a Neo4j URI (`neo4j+s://`) or an `https://` URL; the detail says what is wrong.",
		Test:     "TestAccEndpoint_InvalidInput",
	})
	diagInvalidTimeout = declare(diagnosticKind{
		Summary:  "Invalid Timeout",
		Severity: sevError,
		When:     "`timeout` is not a positive Go duration of at most 5 minutes.",
		Fix:      "Write it like `\"10s\"` or `\"1m\"`.",
		Test:     "TestAccEndpoint_InvalidInput",
	})
	diagInvalidPolicySetting = declare(diagnosticKind{
		Summary:  "Invalid Policy Setting",
		Severity: sevError,
		When:     "A value of the endpoint's `policy` cannot be used as an expectation (an unknown TLS version or cipher, a `client_auth` or boolean that does not parse).",
		Fix:      "Pass the `settings` of a `dbtls_ssl_policy`, or fix the value named.",
		Test:     "TestAccEndpoint_InvalidInput",
	})
	diagInvalidPolicy = declare(diagnosticKind{
		Summary:  "Invalid Policy",
		Severity: sevError,
		When:     "Internal guard of the endpoint's `policy`; every known problem is reported as `Invalid Policy Setting`.",
		Fix:      "Report it.",
		Test:     "unreachable: internal/probe reports every bad policy setting as a FieldError (Invalid Policy Setting); this is its guard",
	})
	diagInvalidExpectation = declare(diagnosticKind{
		Summary:  "Invalid Expectation",
		Severity: sevError,
		When:     "A value of the `expect` block is invalid (a fingerprint that is not 64 hex digits, a negative `min_days_remaining`, an unknown version or cipher).",
		Fix:      "Fix the value named.",
		Test:     "TestAccEndpoint_InvalidInput",
	})
	diagInvalidEndpointInput = declare(diagnosticKind{
		Summary:  "Invalid Endpoint Input",
		Severity: sevError,
		When:     "The trust anchors or client credentials cannot be used: `ca_certificates_pem` does not parse or is given together with `sslrootcert`, a client certificate without its key (or the reverse), a pair that does not match; or a file the URL names (`sslrootcert`, `sslcert`, `sslkey`, `sslcrl`) is not a regular file (a FIFO, a device such as `/dev/zero`, a directory) or is over its cap (1 MiB; 16 MiB for `sslcrl`), or `sslcrldir` is not a directory.",
		Fix:      "Fix the attribute named.",
		Test:     "TestAccEndpoint_InvalidInput",
	})
	diagEndpointProbeFailed = declare(diagnosticKind{
		Summary:  "Endpoint Probe Failed",
		Severity: sevError,
		When:     "Internal guard: the probe could not run for a reason other than its input.",
		Fix:      "Report it.",
		Test:     "unreachable: internal/probe fails only on bad input, as an InputError (Invalid Endpoint Input); this is its guard",
	})
	diagEndpointViolatesItsDeclaration = declare(diagnosticKind{
		Summary:  "Endpoint Violates Its Declaration",
		Severity: sevError,
		When:     "`fail_on_violation = true` and the endpoint has violations; the detail lists them with the report.",
		Fix:      "Fix the endpoint or the declaration (see the violation codes in the *Drift detection on a schedule* guide), or set `fail_on_violation = false` to report without failing.",
		Test:     "TestAccEndpoint_RequireAndFailOnViolation",
	})
	diagUnknownFindingCode = declare(diagnosticKind{
		Summary:  "Unknown Finding Code",
		Severity: sevError,
		When:     "While planning: `ignore` of `dbtls_neo4j_audit` lists a code the audit does not know (a typo would otherwise silence nothing). The detail lists the codes.",
		Fix:      "Use a code from the `findings` documentation of `dbtls_neo4j_audit`.",
		Test:     "TestAccNeo4jAudit_Refusals",
	})
	diagCannotAuditConfigFile = declare(diagnosticKind{
		Summary:  "Cannot Audit Config File",
		Severity: sevError,
		When:     "`dbtls_neo4j_audit` cannot read `neo4j.conf`: it does not exist, it is a symbolic link or a directory, it cannot be read, it holds a NUL byte (not a text file), or it is larger than 10 MiB (refused from its size, before reading). Nothing on the host changed.",
		Fix:      "Point `config_file` (or `neo4j_home`) at the `neo4j.conf` Neo4j reads, and give the user Terraform runs as read access (over SSH, `sudo = true`).",
		Test:     "TestAccNeo4jAudit_Refusals",
	})
	diagNeo4jHostFailsTheSecurityChecklist = declare(diagnosticKind{
		Summary:  "Neo4j Host Fails The Security Checklist",
		Severity: sevError,
		When:     "`fail_on_finding = true` and the audit has findings of severity `error` after `ignore`; the detail lists them with their fixes and the summary.",
		Fix:      "Fix the findings (each names the setting or dbtls resource that resolves it), list accepted codes in `ignore`, or set `fail_on_finding = false` to report without failing.",
		Test:     "TestAccNeo4jAudit_Refusals",
	})
	diagUnknownSslmode = declare(diagnosticKind{
		Summary:  "Unknown sslmode",
		Severity: sevError,
		When:     "`provider::dbtls::with_sslmode` was given a mode libpq does not know (`VERIFY-FULL`, `verify_full`, `strict`). Terraform shows it inside an `Invalid function argument` error.",
		Fix:      "Write the mode in lower case with hyphens; the message names the one it was probably meant to be.",
		Test:     "TestAccFunctionWithSSLMode",
	})
	diagWeakSslmode = declare(diagnosticKind{
		Summary:  "Weak sslmode",
		Severity: sevError,
		When:     "`provider::dbtls::with_sslmode` was given `disable`, `allow` or `prefer`. Terraform shows it inside an `Invalid function argument` error.",
		Fix:      "Use `require`, `verify-ca` or `verify-full`.",
		Test:     "TestAccFunctionWithSSLMode",
	})
	diagInvalidConnectionString = declare(diagnosticKind{
		Summary:  "Invalid Connection String",
		Severity: sevError,
		When:     "`provider::dbtls::with_sslmode` was given something that is not a PostgreSQL URI or key=value connection string (inside `Invalid function argument`).",
		Fix:      "Pass the connection string itself.",
		Test:     "TestAccFunctionWithSSLMode",
	})
)
