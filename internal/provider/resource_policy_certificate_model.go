package provider

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type policyCertificateResourceModel struct {
	ID                     types.String `tfsdk:"id"`
	Policy                 types.Map    `tfsdk:"policy"`
	CertificatePEM         types.String `tfsdk:"certificate_pem"`
	PrivateKeyWO           types.String `tfsdk:"private_key_wo"`
	PrivateKeyWOVersion    types.String `tfsdk:"private_key_wo_version"`
	PrivateKeyPEM          types.String `tfsdk:"private_key_pem"`
	TrustedCertificatesPEM types.Set    `tfsdk:"trusted_certificates_pem"`
	RevocationListsPEM     types.Set    `tfsdk:"revocation_lists_pem"`
	Owner                  types.String `tfsdk:"owner"`
	Group                  types.String `tfsdk:"group"`
	MinDaysRemaining       types.Int64  `tfsdk:"min_days_remaining"`
	CertificateSHA256      types.String `tfsdk:"certificate_sha256"`
	SerialNumber           types.String `tfsdk:"serial_number"`
	Subject                types.String `tfsdk:"subject"`
	Issuer                 types.String `tfsdk:"issuer"`
	DNSNames               types.List   `tfsdk:"dns_names"`
	IPAddresses            types.List   `tfsdk:"ip_addresses"`
	NotBefore              types.String `tfsdk:"not_before"`
	NotAfter               types.String `tfsdk:"not_after"`
	KeyAlgorithm           types.String `tfsdk:"key_algorithm"`
	Files                  types.Map    `tfsdk:"files"`
	Neo4jHome              types.String `tfsdk:"neo4j_home"`
	ConfigFile             types.String `tfsdk:"config_file"`
	AdoptExisting          types.Bool   `tfsdk:"adopt_existing"`
	SSH                    *sshModel    `tfsdk:"ssh"`
}

// attrs lists the model's attributes (every field but the ssh block) for readModel and
// setChangedAttrs; TestModelAttrs checks it against the schema.
func (m *policyCertificateResourceModel) attrs() []modelAttr {
	str := types.StringType
	strList, strSet, strMap := types.ListType{ElemType: str}, types.SetType{ElemType: str}, types.MapType{ElemType: str}
	return []modelAttr{
		{"id", str, &m.ID},
		{"policy", strMap, &m.Policy},
		{"certificate_pem", str, &m.CertificatePEM},
		{"private_key_wo", str, &m.PrivateKeyWO},
		{"private_key_wo_version", str, &m.PrivateKeyWOVersion},
		{"private_key_pem", str, &m.PrivateKeyPEM},
		{"trusted_certificates_pem", strSet, &m.TrustedCertificatesPEM},
		{"revocation_lists_pem", strSet, &m.RevocationListsPEM},
		{"owner", str, &m.Owner},
		{"group", str, &m.Group},
		{"min_days_remaining", types.Int64Type, &m.MinDaysRemaining},
		{"certificate_sha256", str, &m.CertificateSHA256},
		{"serial_number", str, &m.SerialNumber},
		{"subject", str, &m.Subject},
		{"issuer", str, &m.Issuer},
		{"dns_names", strList, &m.DNSNames},
		{"ip_addresses", strList, &m.IPAddresses},
		{"not_before", str, &m.NotBefore},
		{"not_after", str, &m.NotAfter},
		{"key_algorithm", str, &m.KeyAlgorithm},
		{"files", strMap, &m.Files},
		{"neo4j_home", str, &m.Neo4jHome},
		{"config_file", str, &m.ConfigFile},
		{"adopt_existing", types.BoolType, &m.AdoptExisting},
	}
}

// certModelFrom reads a whole model from a config, plan or state, as its Get would (see modelAttr).
func certModelFrom(ctx context.Context, raw tftypes.Value, get func(context.Context, path.Path, any) diag.Diagnostics) (policyCertificateResourceModel, diag.Diagnostics) {
	var m policyCertificateResourceModel
	diags := readModel(ctx, raw, get, m.attrs(), &m.SSH)
	return m, diags
}

// certificatePrivate is kept in the resource's private state (never in an attribute): a salted digest
// of the key file as this resource last wrote it, so Read can tell that the key on the host was
// replaced without the key ever being stored. The salt is random per write, so the digest cannot be
// used to confirm a guessed key. KeyDigest is empty after an import (the key was never seen).
//
// Adopted lists the files that were on the host before this resource first wrote them (found at import,
// or already there at create): destroy leaves them, since whoever put them there (and a neo4j.conf that
// names them) may still need them. Files this resource created are removed.
type certificatePrivate struct {
	KeySalt   string   `json:"key_salt,omitempty"`
	KeyDigest string   `json:"key_digest,omitempty"`
	Adopted   []string `json:"adopted,omitempty"`
}

// certOwnTarget is what a certificate's configuration (or plan) says about its target.
func certOwnTarget(m policyCertificateResourceModel) consumerTarget {
	return consumerTarget{SSH: m.SSH, Neo4jHome: m.Neo4jHome, ConfigFile: m.ConfigFile}
}

func checkCertPolicySettings(s neo4j.PolicySettings) diag.Diagnostics {
	var diags diag.Diagnostics
	if missing := s.Missing(neo4j.CertificateKeys); len(missing) > 0 {
		diags.Append(diagInvalidPolicySettings.attr(path.Root("policy"),
			fmt.Sprintf("policy lacks %s. Set it to the settings of a dbtls_ssl_policy: policy = dbtls_ssl_policy.<name>.settings.", strings.Join(missing, ", "))))
	}
	return diags
}

// certificateID is the policy's import ID: "<name>", or "<name>,<base_directory>" when the base
// directory is not the default.
func certificateID(s neo4j.PolicySettings) string {
	base, _ := s.Suffix(neo4j.SuffixBaseDirectory)
	if base == "certificates/"+s.Name {
		return s.Name
	}
	return s.Name + "," + base
}

func setCertificateFacts(ctx context.Context, m *policyCertificateResourceModel, leaf *x509.Certificate) diag.Diagnostics {
	var diags diag.Diagnostics
	sum := pki.Summarize(leaf)
	m.CertificateSHA256 = types.StringValue(sum.SHA256)
	m.SerialNumber = types.StringValue(sum.Serial)
	m.Subject = types.StringValue(sum.Subject)
	m.Issuer = types.StringValue(sum.Issuer)
	m.NotBefore = types.StringValue(sum.NotBefore.Format(time.RFC3339))
	m.NotAfter = types.StringValue(sum.NotAfter.Format(time.RFC3339))
	m.KeyAlgorithm = types.StringValue(pki.KeyAlgorithm(leaf.PublicKey))
	var d diag.Diagnostics
	m.DNSNames, d = types.ListValueFrom(ctx, types.StringType, sum.DNSNames)
	diags.Append(d...)
	m.IPAddresses, d = types.ListValueFrom(ctx, types.StringType, sum.IPAddresses)
	diags.Append(d...)
	return diags
}

func setCertificateUnknown(m *policyCertificateResourceModel) {
	for _, p := range []*types.String{&m.CertificateSHA256, &m.SerialNumber, &m.Subject, &m.Issuer, &m.NotBefore, &m.NotAfter, &m.KeyAlgorithm} {
		*p = types.StringUnknown()
	}
	m.DNSNames = types.ListUnknown(types.StringType)
	m.IPAddresses = types.ListUnknown(types.StringType)
}

func certMapKnown(m types.Map) bool {
	if m.IsUnknown() || m.IsNull() {
		return false
	}
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

func certSetKnown(l types.Set) bool {
	if l.IsUnknown() {
		return false
	}
	return !slices.ContainsFunc(l.Elements(), attr.Value.IsUnknown)
}

func certNullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func certSetOrNull(ctx context.Context, vals []string, diags *diag.Diagnostics) types.Set {
	if len(vals) == 0 {
		return types.SetNull(types.StringType)
	}
	l, d := types.SetValueFrom(ctx, types.StringType, vals)
	diags.Append(d...)
	return l
}

func getCertPrivate(ctx context.Context, p interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) (certificatePrivate, diag.Diagnostics) {
	var out certificatePrivate
	raw, diags := p.GetKey(ctx, certPrivateStateKey)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			diags.Append(diagUnreadablePrivateState.plain("The resource's private state could not be read, so the key on the host will be treated as unverified and written again: " + err.Error()))
		}
	}
	return out, diags
}

func setCertPrivate(ctx context.Context, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, v certificatePrivate) diag.Diagnostics {
	raw, err := json.Marshal(v)
	if err != nil {
		var diags diag.Diagnostics
		diags.Append(diagCannotSavePrivateState.plain(err.Error()))
		return diags
	}
	return p.SetKey(ctx, certPrivateStateKey, raw)
}

// certKeyDigest is the salted digest of a key file kept in private state.
func certKeyDigest(salt string, data []byte) string {
	h := sha256.New()
	h.Write([]byte("dbtls key file v1\x00" + salt + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// sha256Hex is the lowercase hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

const (
	certPrivateStateKey = "dbtls_certificate"

	// keyFileMode and certFileMode are the seed's listing: -r-------- private.key, -rw-r--r-- public.crt.
	keyFileMode  fs.FileMode = 0o400
	certFileMode fs.FileMode = 0o644

	defaultMinDaysRemaining = 30

	// Markers in a `files` entry.
	keyContentChanged    = "content:changed"
	keyContentUnverified = "content:unverified"
)

// File roles, in the order apply writes them.
const (
	certRoleTrusted = iota
	certRoleCRL
	certRoleKey
	certRoleCert
	certRoleTrustedCopy
)
