package neo4j

import "slices"

// Summary is the Title-Case summary of a problem this package reports as a FieldError, declared once
// below with its severity: a FieldError carries one of these values, never a literal, so its severity
// is the summary's. The provider turns FieldErrors into diagnostics, and its declarations
// (internal/provider/diagnostics.go) add to each of these values the Diagnostics guide's row: when it
// appears, what to do, and the test that triggers it.
type Summary struct {
	text    string
	warning bool
}

// String returns the summary's text.
func (s *Summary) String() string { return s.text }

// Warning reports whether the summary is a warning (else it is an error).
func (s *Summary) Warning() bool { return s.warning }

// summaries holds the declarations in their order.
var summaries []*Summary

func declareSummary(text string, warning bool) *Summary {
	s := &Summary{text: text, warning: warning}
	summaries = append(summaries, s)
	return s
}

// Summaries returns every summary this package declares, in the order of their declarations.
func Summaries() []*Summary { return slices.Clone(summaries) }

// The summaries of the problems ResolvePolicy, ResolveBinding, CheckSettings and CheckSettingValues report.
var (
	SummaryNeo4jHomeIsASystemDirectory                    = declareSummary("neo4j_home Is A System Directory", false)
	SummaryPolicySettingsWereEdited                       = declareSummary("Policy Settings Were Edited", false)
	SummaryUnknownPolicySetting                           = declareSummary("Unknown Policy Setting", false)
	SummaryInvalidPolicyName                              = declareSummary("Invalid Policy Name", false)
	SummaryReservedPolicyName                             = declareSummary("Reserved Policy Name", false)
	SummaryInvalidBaseDirectory                           = declareSummary("Invalid Base Directory", false)
	SummaryBaseDirectoryOutsideNeo4jHome                  = declareSummary("Base Directory Outside neo4j_home", false)
	SummaryInvalidFileName                                = declareSummary("Invalid File Name", false)
	SummaryPathEscapesThePolicyDirectory                  = declareSummary("Path Escapes The Policy Directory", false)
	SummaryKeyAndCertificateShareAPath                    = declareSummary("Key And Certificate Share A Path", false)
	SummaryInvalidDirectory                               = declareSummary("Invalid Directory", false)
	SummaryNeo4j35NeedsAnAbsolutePath                     = declareSummary("Neo4j 3.5 Needs An Absolute Path", false)
	SummaryDirectoryOutsideNeo4jHome                      = declareSummary("Directory Outside neo4j_home", false)
	SummaryTrustedAndRevokedShareADirectory               = declareSummary("Trusted And Revoked Share A Directory", false)
	SummaryFileAndDirectoryShareAPath                     = declareSummary("File And Directory Share A Path", false)
	SummaryInvalidClientAuthentication                    = declareSummary("Invalid Client Authentication", false)
	SummaryNoTLSVersion                                   = declareSummary("No TLS Version", false)
	SummaryUnknownTLSVersion                              = declareSummary("Unknown TLS Version", false)
	SummaryDuplicatedTLSVersion                           = declareSummary("Duplicated TLS Version", false)
	SummaryTLSv13DependsOnTheJavaRuntime                  = declareSummary("TLSv1.3 Depends On The Java Runtime", true)
	SummaryTLSv12AndTLSv13WithoutCiphers                  = declareSummary("TLSv1.2 And TLSv1.3 Without Ciphers", true)
	SummaryDeprecatedTLSVersion                           = declareSummary("Deprecated TLS Version", true)
	SummaryNoCipher                                       = declareSummary("No Cipher", false)
	SummaryInvalidCipherName                              = declareSummary("Invalid Cipher Name", false)
	SummaryDuplicatedCipher                               = declareSummary("Duplicated Cipher", false)
	SummaryCipherNotSupportedByThisNeo4jVersion           = declareSummary("Cipher Not Supported By This Neo4j Version", false)
	SummaryInsecureCBCCipher                              = declareSummary("Insecure CBC Cipher", true)
	SummaryPolicyTrustsExpiredCertificates                = declareSummary("Policy Trusts Expired Certificates", true)
	SummaryPolicyTrustsAnyone                             = declareSummary("Policy Trusts Anyone", true)
	SummarySettingNotInThisNeo4jVersion                   = declareSummary("Setting Not In This Neo4j Version", false)
	SummarySelfSignedKeyGeneration                        = declareSummary("Self-Signed Key Generation", true)
	SummaryInvalidPolicySettings                          = declareSummary("Invalid Policy Settings", false)
	SummaryUnknownChannel                                 = declareSummary("Unknown Channel", false)
	SummaryChannelNotInThisNeo4jVersion                   = declareSummary("Channel Not In This Neo4j Version", false)
	SummaryInvalidTLSLevel                                = declareSummary("Invalid TLS Level", false)
	SummaryBoltTLSDisabled                                = declareSummary("Bolt TLS Disabled", true)
	SummaryClientAuthenticationWeakerThanTheScopeSDefault = declareSummary("Client Authentication Weaker Than The Scope's Default", true)
	SummaryTlsLevelIsForBoltOnly                          = declareSummary("tls_level Is For Bolt Only", false)
	SummaryHttpConnectorIsForHTTPSOnly                    = declareSummary("http_connector Is For HTTPS Only", false)
	SummaryInvalidHTTPConnectorMode                       = declareSummary("Invalid HTTP Connector Mode", false)
	SummaryNeo4j35BoltAndHTTPSNeedClientAuthNONE          = declareSummary("Neo4j 3.5 Bolt And HTTPS Need client_auth NONE", false)
)
