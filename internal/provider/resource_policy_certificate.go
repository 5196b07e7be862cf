package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"io/fs"
	posix "path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

var (
	_ resource.Resource                   = (*policyCertificateResource)(nil)
	_ resource.ResourceWithConfigure      = (*policyCertificateResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*policyCertificateResource)(nil)
	_ resource.ResourceWithImportState    = (*policyCertificateResource)(nil)
	_ resource.ResourceWithValidateConfig = (*policyCertificateResource)(nil)
)

// NewPolicyCertificateResource is the constructor the provider registers.
func NewPolicyCertificateResource() resource.Resource { return &policyCertificateResource{} }

type policyCertificateResource struct {
	data *providerData
}

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

const (
	certPrivateStateKey = "dbtls_certificate"

	// keyFileMode and certFileMode are the seed's listing: -r-------- private.key, -rw-r--r-- public.crt.
	keyFileMode  fs.FileMode = 0o400
	certFileMode fs.FileMode = 0o644

	defaultMinDaysRemaining = 30

	// trustedFilePrefix and revokedFilePrefix start the names of the files written into trusted/ and revoked/:
	// "<prefix><first 16 hex digits of the SHA-256 of the DER><ext>".
	trustedFilePrefix = "trusted-"
	revokedFilePrefix = "revoked-"

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

// certPolicySettingKeys are the settings a certificate needs from its policy.
var certPolicySettingKeys = []string{"name", "neo4j_version", "neo4j_home", "target", "base_directory", "base_directory_path",
	"private_key_path", "public_certificate_path", "trusted_dir_path", "revoked_dir_path"}

// certPolicyLocationKeys are the settings that place the files: a change moves them, so it replaces.
var certPolicyLocationKeys = []string{"target", "neo4j_home", "base_directory_path", "private_key_path", "public_certificate_path",
	"trusted_dir_path", "revoked_dir_path"}

func (r *policyCertificateResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_policy_certificate"
}

func (r *policyCertificateResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"ssh": sshResourceBlock("Overrides the provider's `ssh` block for this resource, as on `dbtls_ssl_policy`: the host given here (or the provider's) is where this resource writes, and the policy's `settings` must name the same host. A policy on another host than the provider's is accepted only when this block names it (for example `ssh { host = each.value.host }`), so a settings map alone never moves a write. A `private_key` given here is stored in the state (marked sensitive); prefer the provider's `ssh` block for credentials.")},
		MarkdownDescription: "The key material of a `dbtls_ssl_policy` on its host: the private key (`private.key`, mode `0400`, always PKCS#8), " +
			"the public certificate with its chain (`public.crt`, `0644`), a copy of it in the trusted directory, the trusted certificates and the " +
			"certificate revocation lists. Everything is parsed and checked while planning, before a byte is written: every PEM block, that the key " +
			"matches the certificate, that the certificate is valid now, and that the key is one Neo4j loads (RSA or EC).\n\n" +
			"Give the key as `private_key_wo` (write-only, Terraform 1.11 or later), which is never stored in the plan or the state, or as " +
			"`private_key_pem`, which Terraform stores in plaintext in the state (Sensitive only hides it from output). Prefer `private_key_wo`: " +
			"anyone who can read the state can otherwise read the key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The policy name, or `<name>,<base_directory>` when the policy's `base_directory` is not the default: the import ID.",
				Computed:            true,
			},
			"policy": schema.MapAttribute{
				MarkdownDescription: "The `settings` of the `dbtls_ssl_policy` whose files this resource writes: they say where the files go and on which host. " +
					"A change that moves the files (another directory, file name or host) replaces this resource.",
				ElementType: types.StringType,
				Required:    true,
			},
			"neo4j_home": consumerHomeAttribute("certificate"),
			"adopt_existing": schema.BoolAttribute{
				MarkdownDescription: "Whether this resource may replace a key, certificate, trusted certificate or CRL file that is already on the host with other content " +
					"(a hand-placed `private.key` or `public.crt`, for example) when it first writes there. Default `false`: the plan is refused with an error naming the file. " +
					"With `true` the plan warns and the apply replaces the file; destroy then leaves it, as it does every file that was there before (see `dbtls_ssl_policy`'s " +
					"`adopt_existing` for directories). A file that already holds what would be written, or one found by `terraform import`, needs no opt-in.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(false),
			},
			"config_file": schema.StringAttribute{
				MarkdownDescription: consumerConfigFileDescription("certificate") + " The certificate reads it only to warn when destroy removes files it names.",
				Optional:            true,
			},
			"certificate_pem": schema.StringAttribute{
				MarkdownDescription: "The public certificate in PEM, leaf first, optionally followed by its chain (intermediates). Written to the policy's " +
					"`public_certificate` file and copied into its trusted directory. It must not be expired or not yet valid when it is written, " +
					"and its key must be RSA or EC. At most 1 MiB.",
				Required:   true,
				Validators: []validator.String{pemSize()},
			},
			"private_key_wo": schema.StringAttribute{
				MarkdownDescription: "The private key in PEM (PKCS#8, PKCS#1 or SEC1, unencrypted), write-only: never stored in the plan or the state, " +
					"and it may come from an ephemeral resource. Needs Terraform 1.11 or later and `private_key_wo_version`. It is read only when the key " +
					"is written: on create, when `private_key_wo_version` changes, and when the key file on the host was changed or removed (repair). " +
					"Exactly one of `private_key_wo` and `private_key_pem`. At most 1 MiB.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{pemSize()},
			},
			"private_key_wo_version": schema.StringAttribute{
				MarkdownDescription: "Required with `private_key_wo`. Terraform cannot see a change of a write-only value, so change this (for example " +
					"increment it) to write the key in `private_key_wo` again, in place, with a certificate issued for it.",
				Optional: true,
			},
			"private_key_pem": schema.StringAttribute{
				MarkdownDescription: "The private key in PEM, stored in plaintext in the Terraform state (Sensitive only hides it from output). " +
					"Prefer `private_key_wo`. Exactly one of `private_key_wo` and `private_key_pem`. At most 1 MiB.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{pemSize()},
			},
			"trusted_certificates_pem": schema.SetAttribute{
				MarkdownDescription: "Certificates the policy trusts (CAs of the peers), each element one or more PEM certificates. Each certificate is " +
					"written into the policy's trusted directory as `trusted-<first 16 hex digits of its SHA-256>.crt` (`0644`). At most 1 MiB per element.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(pemSize())},
			},
			"revocation_lists_pem": schema.SetAttribute{
				MarkdownDescription: "Certificate revocation lists, each element one or more PEM `X509 CRL` blocks, written into the policy's revoked " +
					"directory as `revoked-<first 16 hex digits of its SHA-256>.crl` (`0644`). A CRL that no certificate in the trusted directory signed " +
					"is a warning: Neo4j could not use it. At most 16 MiB per element.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(crlSize())},
			},
			"owner": schema.StringAttribute{
				MarkdownDescription: "Owner of the files, by name or numeric id. Default: the policy's `owner`; when neither is set, files keep the " +
					"owner they are created with and it is not checked for drift.",
				Optional: true, Computed: true,
			},
			"group": schema.StringAttribute{
				MarkdownDescription: "Group of the files, by name or numeric id. Default: the policy's `group`.",
				Optional:            true, Computed: true,
			},
			"min_days_remaining": schema.Int64Attribute{
				MarkdownDescription: "A plan warns when the certificate expires within this many days. Default `30`; `0` disables the warning.",
				Optional:            true, Computed: true,
				Default:    int64default.StaticInt64(defaultMinDaysRemaining),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"certificate_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 fingerprint of the leaf certificate's DER encoding, lowercase hex.",
				Computed:            true,
			},
			"serial_number": schema.StringAttribute{
				MarkdownDescription: "The leaf certificate's serial number, in decimal.",
				Computed:            true,
			},
			"subject": schema.StringAttribute{
				MarkdownDescription: "The leaf certificate's subject distinguished name (RFC 2253).",
				Computed:            true,
			},
			"issuer": schema.StringAttribute{
				MarkdownDescription: "The leaf certificate's issuer distinguished name (RFC 2253).",
				Computed:            true,
			},
			"dns_names": schema.ListAttribute{
				MarkdownDescription: "The DNS names of the leaf certificate's subject alternative names.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"ip_addresses": schema.ListAttribute{
				MarkdownDescription: "The IP addresses of the leaf certificate's subject alternative names.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"not_before": schema.StringAttribute{
				MarkdownDescription: "Start of the leaf certificate's validity, RFC 3339 in UTC.",
				Computed:            true,
			},
			"not_after": schema.StringAttribute{
				MarkdownDescription: "End of the leaf certificate's validity, RFC 3339 in UTC.",
				Computed:            true,
			},
			"key_algorithm": schema.StringAttribute{
				MarkdownDescription: "The certificate's key algorithm: `RSA` or `ECDSA`.",
				Computed:            true,
			},
			"files": schema.MapAttribute{
				MarkdownDescription: "Each file this resource writes, by absolute path, mapped to its mode and `owner:group` as in `ls -l` and, for public " +
					"files, the first 16 hex digits of the SHA-256 of its content (for example `-rw-r--r-- neo4j:neo4j sha256:0123456789abcdef`). " +
					"The key's entry never carries a digest; after a refresh it ends in `" + keyContentChanged + "` when the key file on the host is not " +
					"the one this resource wrote (`" + keyContentUnverified + "` after an import). A file that is gone reads `missing`. Any difference " +
					"from the declared files is planned as an update that repairs it.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

func (r *policyCertificateResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what the configuration alone decides: exactly one form of the key, the version
// that goes with the write-only form, and that every known PEM value parses. The write-only key is only
// in the configuration, so it is parsed here (and again before it is written).
func (r *policyCertificateResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg policyCertificateResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validateKeyChoice(cfg)...)
	validateTargetFields(types.StringNull(), cfg.Neo4jHome, cfg.ConfigFile, path.Empty(), &resp.Diagnostics)
	if !cfg.CertificatePEM.IsUnknown() && !cfg.CertificatePEM.IsNull() {
		_, d := parseCertChain(cfg.CertificatePEM.ValueString())
		resp.Diagnostics.Append(d...)
	}
	for _, l := range []struct {
		name string
		v    types.Set
	}{{"trusted_certificates_pem", cfg.TrustedCertificatesPEM}, {"revocation_lists_pem", cfg.RevocationListsPEM}} {
		if l.v.IsUnknown() || l.v.IsNull() {
			continue
		}
		for _, e := range l.v.Elements() {
			s, ok := e.(types.String)
			if !ok || s.IsUnknown() || s.IsNull() {
				continue
			}
			if l.name == "trusted_certificates_pem" {
				_, err := pki.ParseCertificateChain([]byte(s.ValueString()))
				addCertPEMError(&resp.Diagnostics, path.Root(l.name), "a value of "+l.name, "Invalid Trusted Certificate", err)
			} else {
				_, err := pki.ParseCRLBundle([]byte(s.ValueString()))
				addCertPEMError(&resp.Diagnostics, path.Root(l.name), "a value of "+l.name, "Invalid Certificate Revocation List", err)
			}
		}
	}
	for _, k := range []struct {
		name string
		v    types.String
	}{{"private_key_wo", cfg.PrivateKeyWO}, {"private_key_pem", cfg.PrivateKeyPEM}} {
		if k.v.IsUnknown() || k.v.IsNull() {
			continue
		}
		_, d := parseCertKey(k.v.ValueString(), path.Root(k.name))
		resp.Diagnostics.Append(d...)
	}
}

// validateKeyChoice enforces exactly one of private_key_wo and private_key_pem, and the version with
// the write-only form. Unknown counts as set. It runs on the configuration at validation and again in
// Create and Update.
func validateKeyChoice(cfg policyCertificateResourceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	wo, pemKey, ver := !cfg.PrivateKeyWO.IsNull(), !cfg.PrivateKeyPEM.IsNull(), !cfg.PrivateKeyWOVersion.IsNull()
	switch {
	case wo && pemKey:
		diags.AddAttributeError(path.Root("private_key_pem"), "Conflicting Private Key Attributes",
			"Both private_key_wo and private_key_pem are set. Set exactly one: private_key_wo (with private_key_wo_version) keeps the key out of the plan and the state, "+
				"so remove private_key_pem.")
	case !wo && !pemKey:
		diags.AddAttributeError(path.Root("private_key_wo"), "Missing Private Key",
			"Neither private_key_wo nor private_key_pem is set, and the certificate is useless to Neo4j without its key. Set private_key_wo and private_key_wo_version "+
				"(never stored in plan or state; Terraform 1.11 or later), or private_key_pem (stored in the state).")
	case wo && !ver:
		diags.AddAttributeError(path.Root("private_key_wo_version"), "Missing private_key_wo_version",
			"private_key_wo is write-only, so Terraform cannot see when it changes. Set private_key_wo_version (for example 1) and change it whenever the key changes.")
	case !wo && ver:
		diags.AddAttributeError(path.Root("private_key_wo_version"), "private_key_wo_version Without private_key_wo",
			"private_key_wo_version versions the write-only key and means nothing with private_key_pem. Remove it, or give the key as private_key_wo instead.")
	}
	return diags
}

// ModifyPlan computes everything derivable from the configuration (the certificate's facts, the file
// names, modes and digests) and checks the material before anything is written: the key against the
// certificate, the validity period, the key type, the chain order and the CRLs' signers.
func (r *policyCertificateResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	if req.Plan.Raw.IsNull() {
		// Destroy: say so now if the files it removes stay named in neo4j.conf.
		if !req.State.Raw.IsNull() {
			var state policyCertificateResourceModel
			resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
			priv, diags := getCertPrivate(ctx, req.Private)
			resp.Diagnostics.Append(diags...)
			if !resp.Diagnostics.HasError() {
				resp.Diagnostics.Append(r.warnConfNamesRemoved(ctx, state, priv)...)
			}
		}
		return
	}
	var cfg, plan policyCertificateResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *policyCertificateResourceModel
	if !req.State.Raw.IsNull() {
		state = &policyCertificateResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	plan.PrivateKeyWO = types.StringNull()
	defer func() { resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...) }()

	if !certMapKnown(plan.Policy) {
		setCertificateUnknown(&plan)
		plan.ID = types.StringUnknown()
		plan.Files = types.MapUnknown(types.StringType)
		if cfg.Owner.IsNull() {
			plan.Owner = types.StringUnknown()
		}
		if cfg.Group.IsNull() {
			plan.Group = types.StringUnknown()
		}
		return
	}
	s := stringMap(plan.Policy)
	resp.Diagnostics.Append(checkCertPolicySettings(s)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags := r.data.checkConsumedPolicy(s, certOwnTarget(cfg))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(certificateID(s))
	if cfg.Owner.IsNull() {
		plan.Owner = certNullIfEmpty(s["owner"])
	}
	if cfg.Group.IsNull() {
		plan.Group = certNullIfEmpty(s["group"])
	}
	if state != nil {
		old := stringMap(state.Policy)
		for _, k := range certPolicyLocationKeys {
			if old[k] != s[k] {
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root("policy"))
				break
			}
		}
	}
	replacing := len(resp.RequiresReplace) > 0

	if plan.CertificatePEM.IsUnknown() || !certSetKnown(plan.TrustedCertificatesPEM) || !certSetKnown(plan.RevocationListsPEM) || plan.Owner.IsUnknown() || plan.Group.IsUnknown() {
		if plan.CertificatePEM.IsUnknown() {
			setCertificateUnknown(&plan)
		}
		plan.Files = types.MapUnknown(types.StringType)
		return
	}
	mat, diags := parseCertMaterial(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setCertificateFacts(ctx, &plan, mat.chain[0])...)
	files := certLayout(s, mat)
	if d := checkCertLayout(s, files); d != nil {
		resp.Diagnostics.Append(d...)
		return
	}
	plan.Files, diags = plannedCertFiles(ctx, files, plan.Owner.ValueString(), plan.Group.ValueString())
	resp.Diagnostics.Append(diags...)

	certChanged := state == nil || replacing || !state.CertificatePEM.Equal(plan.CertificatePEM)
	resp.Diagnostics.Append(checkCertMaterial(mat, certChanged, plan.MinDaysRemaining.ValueInt64(), time.Now())...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The key: checked against the certificate when it will be written; otherwise a new certificate
	// must match the key already on the host.
	keyEntry := ""
	if state != nil {
		keyEntry = stringMap(state.Files)[s["private_key_path"]]
	}
	writeKey := replacing || certKeyMustBeWritten(state, plan, keyEntry)
	somethingToWrite := state == nil || replacing || !state.Files.Equal(plan.Files)
	if !somethingToWrite && !certChanged && !writeKey {
		return
	}
	t, diags := r.data.targetFromSettings(ctx, s, cfg.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if writeKey {
		keyValue, keyPath := configuredCertKey(cfg, plan)
		if !keyValue.IsUnknown() && !keyValue.IsNull() {
			key, d := parseCertKey(keyValue.ValueString(), keyPath)
			resp.Diagnostics.Append(d...)
			if key != nil {
				resp.Diagnostics.Append(checkCertKeyMatches(key, mat.chain[0], keyPath)...)
			}
		}
	} else if certChanged {
		resp.Diagnostics.Append(checkCertHostKeyMatches(ctx, t, s["private_key_path"], mat.chain[0])...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(preflightCertFiles(ctx, t, s, files, plan.Owner.ValueString(), plan.Group.ValueString())...)
	if !resp.Diagnostics.HasError() && (state == nil || replacing) {
		resp.Diagnostics.Append(checkForeignCertFiles(ctx, t, files, mat.chain[0], plan.AdoptExisting.ValueBool())...)
	}
}

func (r *policyCertificateResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var cfg, plan policyCertificateResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validateKeyChoice(cfg)...)
	t, mat, diags := r.prepare(ctx, plan, true)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	keyValue, keyPath := configuredCertKey(cfg, plan)
	key, diags := parseCertKey(keyValue.ValueString(), keyPath)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(checkCertKeyMatches(key, mat.chain[0], keyPath)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Again on the host as it is now: a file placed there since the plan is not replaced silently.
	for _, d := range checkForeignCertFiles(ctx, t, certLayout(stringMap(plan.Policy), mat), mat.chain[0], plan.AdoptExisting.ValueBool()) {
		if d.Severity() == diag.SeverityError {
			resp.Diagnostics.Append(d)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	priv, diags := r.apply(ctx, t, plan, mat, key, nil, certificatePrivate{})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setCertPrivate(ctx, resp.Private, priv)...)
	plan.PrivateKeyWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *policyCertificateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state policyCertificateResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	priv, diags := getCertPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	s := stringMap(state.Policy)
	t, diags := r.data.targetFromSettings(ctx, s, state.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	paths := make([]string, 0, len(state.Files.Elements()))
	for p := range state.Files.Elements() {
		paths = append(paths, p)
	}
	files, diags := observeCertFiles(ctx, t.Host, paths, s["private_key_path"], state.Owner.ValueString(), state.Group.ValueString(), priv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Files = files
	if state.AdoptExisting.IsNull() {
		// Imported, or written by a release without the attribute.
		state.AdoptExisting = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *policyCertificateResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var cfg, plan, state policyCertificateResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validateKeyChoice(cfg)...)
	priv, diags := getCertPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	certChanged := !state.CertificatePEM.Equal(plan.CertificatePEM)
	t, mat, diags := r.prepare(ctx, plan, certChanged)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := stringMap(plan.Policy)
	keyPath := s["private_key_path"]

	// Decide on the key from the host as it is now, not as it was at plan time.
	now, diags := observeCertFiles(ctx, t.Host, []string{keyPath}, keyPath, plan.Owner.ValueString(), plan.Group.ValueString(), priv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var key *pki.PrivateKey
	if certKeyMustBeWritten(&state, plan, stringMap(now)[keyPath]) {
		keyValue, attr := configuredCertKey(cfg, plan)
		key, diags = parseCertKey(keyValue.ValueString(), attr)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		resp.Diagnostics.Append(checkCertKeyMatches(key, mat.chain[0], attr)...)
	} else if certChanged {
		resp.Diagnostics.Append(checkCertHostKeyMatches(ctx, t, keyPath, mat.chain[0])...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var prev []string
	for p := range state.Files.Elements() {
		prev = append(prev, p)
	}
	priv, diags = r.apply(ctx, t, plan, mat, key, prev, priv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setCertPrivate(ctx, resp.Private, priv)...)
	plan.PrivateKeyWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the files this resource created (the paths in its `files` that were not on the host
// before it first wrote them), and nothing else: adopted files stay, and the policy's directories belong
// to dbtls_ssl_policy.
func (r *policyCertificateResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state policyCertificateResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	priv, diags := getCertPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	t, diags := r.data.targetFromSettings(ctx, stringMap(state.Policy), state.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.warnConfNamesRemoved(ctx, state, priv)...)
	paths := make([]string, 0, len(state.Files.Elements()))
	for p := range state.Files.Elements() {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	deploy.RemoveStaleTemps(ctx, t.Host, paths)
	var kept []string
	for _, p := range paths {
		if slices.Contains(priv.Adopted, p) {
			kept = append(kept, p)
			continue
		}
		info, err := t.Host.Lstat(ctx, p)
		switch {
		case err != nil:
			resp.Diagnostics.AddError("Cannot Remove Certificate File", hostErrDetail(t, err))
			continue
		case !info.Exists:
			continue
		case info.IsDir:
			resp.Diagnostics.AddWarning("File Left In Place", fmt.Sprintf("%s on %s is now a directory, which this resource did not write; destroy leaves it.", p, t.Host.ID()))
			continue
		}
		if err := t.Host.Remove(ctx, p); err != nil {
			resp.Diagnostics.AddError("Cannot Remove Certificate File", hostErrDetail(t, err))
		}
	}
	if len(kept) > 0 {
		resp.Diagnostics.AddWarning("File Left In Place",
			fmt.Sprintf("%s on %s were there before this resource managed them (imported, or present when it was created), so destroy leaves them, as written by the last apply. Remove them by hand if nothing needs them any more.",
				strings.Join(kept, ", "), t.Host.ID()))
	}
}

// ImportState takes the policy's import ID, "<name>" or "<name>,<base_directory>", resolves the policy
// on the provider's target as dbtls_ssl_policy's import does, and reads the certificate, the trusted
// copies and the CRLs this provider's naming scheme identifies from the host. The key is never read into
// the state: it must be given again in the configuration, and the first apply writes it (its `files`
// entry reads content:unverified until then).
func (r *policyCertificateResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The dbtls provider must be configured to import. This is a bug in the provider or Terraform.")
		return
	}
	name, base, _ := strings.Cut(req.ID, ",")
	pm := sslPolicyResourceModel{Name: types.StringValue(name), BaseDirectory: types.StringNull()}
	if base != "" {
		pm.BaseDirectory = types.StringValue(base)
	}
	resp.Diagnostics.Append((&sslPolicyResource{data: r.data}).fillImported(ctx, &pm)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := stringMap(pm.Settings)
	t, diags := r.data.targetFromSettings(ctx, s, nil)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m := policyCertificateResourceModel{
		ID:                  types.StringValue(certificateID(s)),
		Policy:              pm.Settings,
		PrivateKeyWO:        types.StringNull(),
		PrivateKeyWOVersion: types.StringNull(),
		PrivateKeyPEM:       types.StringNull(),
		MinDaysRemaining:    types.Int64Value(defaultMinDaysRemaining),
		AdoptExisting:       types.BoolValue(false),
	}
	certPath := s["public_certificate_path"]
	data, err := t.Host.ReadFile(ctx, certPath)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Certificate", fmt.Sprintf("Cannot read the policy's public certificate: %s. Import a policy whose certificate exists, or let Terraform write it.", hostErrDetail(t, err)))
		return
	}
	chain, err := pki.ParseCertificateChain(data)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Certificate", fmt.Sprintf("%s on %s does not parse: %s.", certPath, t.Host.ID(), err))
		return
	}
	m.CertificatePEM = types.StringValue(pki.EncodeChain(chain))
	info, err := t.Host.Lstat(ctx, certPath)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Certificate", hostErrDetail(t, err))
		return
	}
	m.Owner, m.Group = types.StringValue(info.UserName), types.StringValue(info.GroupName)

	paths := []string{s["private_key_path"], certPath}
	if copyPath := certTrustedCopyPath(s); copyPath != "" {
		if ci, err := t.Host.Lstat(ctx, copyPath); err == nil && ci.Exists {
			paths = append(paths, copyPath)
		}
	}
	trusted, tPaths, diags := importCertNamed(ctx, t, s["trusted_dir_path"], trustedFilePrefix, ".crt", func(b []byte) (string, error) {
		c, err := pki.ParseCertificateChain(b)
		if err != nil {
			return "", err
		}
		return pki.EncodeChain(c), nil
	})
	resp.Diagnostics.Append(diags...)
	crls, cPaths, diags := importCertNamed(ctx, t, s["revoked_dir_path"], revokedFilePrefix, ".crl", func(b []byte) (string, error) {
		l, err := pki.ParseCRLBundle(b)
		if err != nil {
			return "", err
		}
		var out strings.Builder
		for _, c := range l {
			out.WriteString(pki.EncodeRevocationList(c))
		}
		return out.String(), nil
	})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	paths = append(append(paths, tPaths...), cPaths...)
	m.TrustedCertificatesPEM = certSetOrNull(ctx, trusted, &resp.Diagnostics)
	m.RevocationListsPEM = certSetOrNull(ctx, crls, &resp.Diagnostics)
	resp.Diagnostics.Append(setCertificateFacts(ctx, &m, chain[0])...)
	m.Files, diags = observeCertFiles(ctx, t.Host, paths, s["private_key_path"], m.Owner.ValueString(), m.Group.ValueString(), certificatePrivate{})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	// Everything found on the host is adopted: destroy will leave it for the neo4j.conf that names it.
	var adopted []string
	for _, p := range paths {
		if info, err := t.Host.Lstat(ctx, p); err == nil && info.Exists {
			adopted = append(adopted, p)
		}
	}
	slices.Sort(adopted)
	resp.Diagnostics.Append(setCertPrivate(ctx, resp.Private, certificatePrivate{Adopted: adopted})...)
}

// importCertNamed reads the files of dir whose names follow this provider's scheme (prefix, 16 hex digits,
// ext), in name order, each canonicalised by parse. Other files are not this resource's and stay
// unmanaged.
func importCertNamed(ctx context.Context, t *target, dir, prefix, ext string, parse func([]byte) (string, error)) ([]string, []string, diag.Diagnostics) {
	var diags diag.Diagnostics
	names, err := t.Host.ReadDir(ctx, dir)
	if err != nil {
		if errors.Is(err, host.ErrNotExist) {
			return nil, nil, diags
		}
		diags.AddError("Cannot Import Certificate", hostErrDetail(t, err))
		return nil, nil, diags
	}
	var values, paths []string
	for _, n := range names {
		h, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		h, ok = strings.CutSuffix(h, ext)
		if _, err := hex.DecodeString(h); !ok || len(h) != 16 || err != nil {
			continue
		}
		p := posix.Join(dir, n)
		b, err := t.Host.ReadFile(ctx, p)
		if err != nil {
			diags.AddError("Cannot Import Certificate", hostErrDetail(t, err))
			continue
		}
		v, err := parse(b)
		if err != nil {
			diags.AddError("Cannot Import Certificate", fmt.Sprintf("%s on %s does not parse: %s.", p, t.Host.ID(), err))
			continue
		}
		values = append(values, v)
		paths = append(paths, p)
	}
	return values, paths, diags
}

// ---- material ----

// certMaterial is the parsed, deduplicated content of a model.
type certMaterial struct {
	chain   []*x509.Certificate
	trusted []*x509.Certificate
	crls    []*x509.RevocationList
}

func parseCertChain(v string) ([]*x509.Certificate, diag.Diagnostics) {
	var diags diag.Diagnostics
	chain, err := pki.ParseCertificateChain([]byte(v))
	addCertPEMError(&diags, path.Root("certificate_pem"), "the value of certificate_pem", "Invalid Certificate", err)
	return chain, diags
}

// parseCertMaterial parses certificate_pem, trusted_certificates_pem and revocation_lists_pem (all known).
func parseCertMaterial(ctx context.Context, m policyCertificateResourceModel) (*certMaterial, diag.Diagnostics) {
	chain, diags := parseCertChain(m.CertificatePEM.ValueString())
	mat := &certMaterial{chain: chain}
	var trusted, crls []string
	if !m.TrustedCertificatesPEM.IsNull() {
		diags.Append(m.TrustedCertificatesPEM.ElementsAs(ctx, &trusted, false)...)
	}
	if !m.RevocationListsPEM.IsNull() {
		diags.Append(m.RevocationListsPEM.ElementsAs(ctx, &crls, false)...)
	}
	seen := map[string]bool{}
	for _, v := range trusted {
		certs, err := pki.ParseCertificateChain([]byte(v))
		addCertPEMError(&diags, path.Root("trusted_certificates_pem"), "a value of trusted_certificates_pem", "Invalid Trusted Certificate", err)
		for _, c := range certs {
			if h := sha256Hex(c.Raw); !seen[h] {
				seen[h] = true
				mat.trusted = append(mat.trusted, c)
			}
		}
	}
	for _, v := range crls {
		l, err := pki.ParseCRLBundle([]byte(v))
		addCertPEMError(&diags, path.Root("revocation_lists_pem"), "a value of revocation_lists_pem", "Invalid Certificate Revocation List", err)
		for _, c := range l {
			if h := sha256Hex(c.Raw); !seen[h] {
				seen[h] = true
				mat.crls = append(mat.crls, c)
			}
		}
	}
	return mat, diags
}

// checkCertMaterial checks the certificate and the CRLs. An expired or not yet valid certificate is an
// error when it is about to be written, a warning when it is already on the host (so a scheduled
// drift plan keeps working and says so).
func checkCertMaterial(mat *certMaterial, writing bool, minDays int64, now time.Time) diag.Diagnostics {
	var diags diag.Diagnostics
	leaf := mat.chain[0]
	certPath := path.Root("certificate_pem")
	if alg := pki.KeyAlgorithm(leaf.PublicKey); !pki.LoadableByNeo4j(alg) {
		diags.AddAttributeError(certPath, "Unsupported Key Type",
			fmt.Sprintf("The certificate %q has a %s key. Neo4j's SSL framework loads RSA and EC keys only. Issue the certificate for an RSA or ECDSA key.", leaf.Subject, alg))
	}
	validity := fmt.Sprintf("The certificate %q (serial %s) is valid from %s to %s; it is now %s.",
		leaf.Subject, leaf.SerialNumber, leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	report := diags.AddAttributeWarning
	if writing {
		report = diags.AddAttributeError
	}
	switch {
	case now.After(leaf.NotAfter):
		report(certPath, "Certificate Has Expired", validity+" Neo4j would present an expired certificate and clients would refuse it. Issue a new certificate and set certificate_pem to it.")
	case now.Before(leaf.NotBefore):
		report(certPath, "Certificate Not Yet Valid", validity+" Clients would refuse it until then. Check the issuing clock, or wait.")
	case minDays > 0 && pki.DaysRemaining(leaf, now) < minDays:
		diags.AddAttributeWarning(certPath, "Certificate Expires Soon",
			fmt.Sprintf("%s That is %d days from now, fewer than min_days_remaining (%d). Issue a new certificate and apply it before then.", validity, pki.DaysRemaining(leaf, now), minDays))
	}
	diags.Append(checkCertStrength(mat.chain, writing)...)
	diags.Append(checkTrustedStrength(mat.trusted)...)
	if p := pki.ChainOrderProblem(mat.chain); p != "" {
		diags.AddAttributeWarning(certPath, "Certificate Chain Out Of Order",
			"certificate_pem must hold the leaf first, then each issuer in turn, and "+p+". Neo4j sends the chain as written, and some clients refuse a chain out of order. Reorder the blocks.")
	}
	signers := append(slices.Clone(mat.trusted), mat.chain...)
	for i, crl := range mat.crls {
		if pki.CRLSigner(crl, signers) == nil {
			diags.AddAttributeWarning(path.Root("revocation_lists_pem"), "Revocation List Without A Trusted Signer",
				fmt.Sprintf("The CRL from %q (number %d of the list) is not signed by any certificate in trusted_certificates_pem or certificate_pem, so Neo4j cannot use it to check peers. "+
					"Add its issuer's certificate to trusted_certificates_pem, or remove the CRL.", crl.Issuer.String(), i+1))
		}
		if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
			diags.AddAttributeWarning(path.Root("revocation_lists_pem"), "Revocation List Out Of Date",
				fmt.Sprintf("The CRL from %q was due to be replaced on %s. Fetch the current CRL from its issuer.", crl.Issuer.String(), crl.NextUpdate.UTC().Format(time.RFC3339)))
		}
	}
	return diags
}

// checkCertStrength refuses a chain that is too weak to serve (pki.ChainWeaknesses: a small RSA key or
// curve, an MD5 or SHA-1 signature below the root, a CA certificate as the leaf) when it is about to be
// written, and warns when it is already on the host (so a scheduled drift plan keeps working and says
// so). It also warns about a leaf whose extended key usage leaves out serverAuth: every channel presents
// the policy's certificate as a server's.
func checkCertStrength(chain []*x509.Certificate, writing bool) diag.Diagnostics {
	var diags diag.Diagnostics
	certPath := path.Root("certificate_pem")
	report := diags.AddAttributeWarning
	if writing {
		report = diags.AddAttributeError
	}
	for _, w := range pki.ChainWeaknesses(chain) {
		which := fmt.Sprintf("The certificate %q (certificate %d of certificate_pem)", w.Cert.Subject, w.Index+1)
		switch w.Kind {
		case pki.WeakKey:
			report(certPath, "Weak Certificate Key",
				fmt.Sprintf("%s has %s. Keys that small can be broken with affordable effort, and clients at OpenSSL's default security level refuse them. %s, then set certificate_pem (and the private key) to the new pair.",
					which, w.What, pki.FixKey))
		case pki.WeakSignature:
			report(certPath, "Weak Certificate Signature",
				fmt.Sprintf("%s carries %s. Collisions in MD5 and SHA-1 are practical, so such a signature does not prove who issued the certificate; Java, OpenSSL and browsers refuse it. "+
					"%s. (A self-signed root's own signature is not checked: a root is trusted for being in the trust store, not for its signature.)",
					which, w.What, pki.FixSignature))
		case pki.CAAsLeaf:
			report(certPath, "CA Certificate As Server Certificate",
				fmt.Sprintf("%s is %s, but it comes first in certificate_pem, where Neo4j presents it as its own server certificate. Clients refuse a CA certificate as an end-entity certificate, "+
					"and its key can sign certificates for any name. %s.", which, w.What, pki.FixCAAsLeaf))
		}
	}
	if len(chain) > 0 && !pki.HasServerAuthEKU(chain[0]) {
		diags.AddAttributeWarning(certPath, "Certificate Lacks serverAuth",
			fmt.Sprintf("The certificate %q has an extended key usage without serverAuth (it is for TLS clients only), but Neo4j presents the policy's certificate as a server on every channel, "+
				"so clients will refuse the handshake. Issue the certificate with extendedKeyUsage serverAuth (and clientAuth too for the cluster channel).", chain[0].Subject))
	}
	return diags
}

// checkTrustedStrength warns about a trusted certificate with a weak key: whoever breaks it can sign a
// certificate that Neo4j accepts from a peer. Only the key counts: a trusted certificate is a trust
// anchor, whose own signature nobody checks. A warning, not an error, since the peers' CA is not this
// configuration's to reissue.
func checkTrustedStrength(trusted []*x509.Certificate) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, c := range trusted {
		if w := pki.KeyWeakness(c.PublicKey); w != "" {
			diags.AddAttributeWarning(path.Root("trusted_certificates_pem"), "Weak Trusted Certificate Key",
				fmt.Sprintf("The trusted certificate %q has %s. Anyone who breaks that key can issue certificates Neo4j accepts from peers. "+
					"Have the CA moved to a stronger key (RSA 2048 or more, ECDSA P-256 or larger) and trust the new CA certificate instead.", c.Subject, w))
		}
	}
	return diags
}

// parseCertKey parses a private key given in attribute at, and checks that Neo4j loads its type. The
// diagnostics never quote the key.
func parseCertKey(v string, at path.Path) (*pki.PrivateKey, diag.Diagnostics) {
	var diags diag.Diagnostics
	key, err := pki.ParsePrivateKey([]byte(v))
	switch {
	case errors.Is(err, pki.ErrEncryptedKey):
		diags.AddAttributeError(at, "Encrypted Private Key",
			"The private key is encrypted, and the provider does not manage private_key_password yet. Give the key unencrypted (for example `openssl pkcs8 -topk8 -nocrypt`); it is written with mode 0400.")
		return nil, diags
	case err != nil:
		diags.AddAttributeError(at, "Invalid Private Key", fmt.Sprintf("The value of %s is not one unencrypted PEM private key: %s.", at, err))
		return nil, diags
	case !pki.LoadableByNeo4j(key.Algorithm):
		diags.AddAttributeError(at, "Unsupported Key Type",
			fmt.Sprintf("The private key is %s. Neo4j's SSL framework loads RSA and EC keys only: generate an RSA or ECDSA key.", key))
		return nil, diags
	}
	return key, diags
}

func checkCertKeyMatches(key *pki.PrivateKey, leaf *x509.Certificate, at path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if !key.Matches(leaf) {
		diags.AddAttributeError(at, "Private Key Does Not Match The Certificate",
			fmt.Sprintf("The %s in %s is not the key of the certificate %q (serial %s, %s key), so Neo4j would fail to start with this pair. "+
				"Give the key the certificate was issued for, or a certificate issued for this key. With an ephemeral tls_private_key, which makes a new key on every run, "+
				"issue the certificate from the same run (tls_cert_request with private_key_pem_wo and the same version) and bump private_key_wo_version together.",
				key, at, leaf.Subject, leaf.SerialNumber, pki.DescribePublicKey(leaf)))
	}
	return diags
}

// checkCertHostKeyMatches checks a new certificate against the key already on the host, which stays.
func checkCertHostKeyMatches(ctx context.Context, t *target, keyPath string, leaf *x509.Certificate) diag.Diagnostics {
	var diags diag.Diagnostics
	data, err := t.Host.ReadFile(ctx, keyPath)
	if err != nil {
		diags.AddAttributeError(path.Root("certificate_pem"), "Cannot Read The Key On The Host",
			fmt.Sprintf("The certificate changes but the key is not written again, so the new certificate must match the key on the host, which cannot be read: %s "+
				"Bump private_key_wo_version (or change private_key_pem) to write the key together with the certificate.", hostErrDetail(t, err)))
		return diags
	}
	key, err := pki.ParsePrivateKey(data)
	if err == nil && key.Matches(leaf) {
		return diags
	}
	diags.AddAttributeError(path.Root("certificate_pem"), "Certificate Does Not Match The Key On The Host",
		fmt.Sprintf("The new certificate %q (serial %s) is not issued for the key in %s on %s, and the key is not being written again (private_key_wo_version and private_key_pem are unchanged), "+
			"so Neo4j would fail to start. If the key changed too, bump private_key_wo_version (or change private_key_pem) so both are written together.",
			leaf.Subject, leaf.SerialNumber, keyPath, t.Host.ID()))
	return diags
}

// configuredCertKey returns the key's value and the attribute it came from: the write-only one from the
// configuration, or private_key_pem.
func configuredCertKey(cfg, plan policyCertificateResourceModel) (types.String, path.Path) {
	if !cfg.PrivateKeyWO.IsNull() {
		return cfg.PrivateKeyWO, path.Root("private_key_wo")
	}
	return plan.PrivateKeyPEM, path.Root("private_key_pem")
}

// certKeyMustBeWritten reports whether the key file is written from the configuration: on create, when the
// key attributes change, and when the key file on the host (as keyEntry describes it) is not the one
// this resource wrote. A change of mode or owner alone is repaired without the key.
func certKeyMustBeWritten(state *policyCertificateResourceModel, plan policyCertificateResourceModel, keyEntry string) bool {
	switch {
	case state == nil:
		return true
	case state.PrivateKeyPEM.IsNull() != plan.PrivateKeyPEM.IsNull(),
		!state.PrivateKeyPEM.Equal(plan.PrivateKeyPEM),
		!state.PrivateKeyWOVersion.Equal(plan.PrivateKeyWOVersion):
		return true
	}
	return !strings.HasPrefix(keyEntry, "-") || strings.Contains(keyEntry, " content:")
}

// ---- files ----

// certFile is one file of the certLayout. data is nil for the key (written from the key at apply).
type certFile struct {
	path string
	data []byte
	mode fs.FileMode
	role int
}

// certLayout lists the files for the material, in write order.
func certLayout(s map[string]string, mat *certMaterial) []certFile {
	var out []certFile
	for _, c := range mat.trusted {
		out = append(out, certFile{path: posix.Join(s["trusted_dir_path"], trustedFilePrefix+sha256Hex(c.Raw)[:16]+".crt"),
			data: []byte(pki.EncodeChain([]*x509.Certificate{c})), mode: certFileMode, role: certRoleTrusted})
	}
	for _, c := range mat.crls {
		out = append(out, certFile{path: posix.Join(s["revoked_dir_path"], revokedFilePrefix+sha256Hex(c.Raw)[:16]+".crl"),
			data: []byte(pki.EncodeRevocationList(c)), mode: certFileMode, role: certRoleCRL})
	}
	chain := []byte(pki.EncodeChain(mat.chain))
	out = append(out,
		certFile{path: s["private_key_path"], mode: keyFileMode, role: certRoleKey},
		certFile{path: s["public_certificate_path"], data: chain, mode: certFileMode, role: certRoleCert})
	if p := certTrustedCopyPath(s); p != "" {
		out = append(out, certFile{path: p, data: chain, mode: certFileMode, role: certRoleTrustedCopy})
	}
	return out
}

// certTrustedCopyPath is where the public certificate is duplicated: the trusted directory, under the
// public certificate's own file name ("" when that would be the certificate itself).
func certTrustedCopyPath(s map[string]string) string {
	p := posix.Join(s["trusted_dir_path"], posix.Base(s["public_certificate_path"]))
	if p == s["public_certificate_path"] {
		return ""
	}
	return p
}

// checkCertLayout refuses paths that are not clean absolute paths inside NEO4J_HOME, and two files at
// one path.
func checkCertLayout(s map[string]string, files []certFile) diag.Diagnostics {
	var diags diag.Diagnostics
	seen := map[string]bool{}
	for _, f := range files {
		clean, err := host.CleanAbs(f.path)
		if err != nil || clean != f.path || !host.Within(s["neo4j_home"], f.path) || f.path == s["neo4j_home"] {
			diags.AddAttributeError(path.Root("policy"), "Invalid Policy Settings",
				fmt.Sprintf("The policy places a file at %q, which is not a clean absolute path inside neo4j_home (%s). Set policy to a dbtls_ssl_policy's settings.", f.path, s["neo4j_home"]))
			return diags
		}
		if seen[f.path] {
			diags.AddAttributeError(path.Root("policy"), "Two Files At One Path",
				fmt.Sprintf("Two of the files this resource writes would both be %s. Give the policy's private_key and public_certificate distinct names.", f.path))
			return diags
		}
		seen[f.path] = true
	}
	return diags
}

// plannedCertFiles renders the certLayout as the `files` attribute.
func plannedCertFiles(ctx context.Context, files []certFile, owner, group string) (types.Map, diag.Diagnostics) {
	out := map[string]string{}
	for _, f := range files {
		out[f.path] = certFileEntry(f.mode, owner, group, f.data)
	}
	return types.MapValueFrom(ctx, types.StringType, out)
}

// certFileEntry is "-rw-r--r-- neo4j:neo4j sha256:<16 hex>"; without the digest when data is nil.
func certFileEntry(mode fs.FileMode, owner, group string, data []byte) string {
	s := dirEntry(mode, owner, group)
	if data != nil {
		s += " sha256:" + sha256Hex(data)[:16]
	}
	return s
}

// observeCertFiles describes each path as the host has it, in the form plannedCertFiles uses.
func observeCertFiles(ctx context.Context, h host.Host, paths []string, keyPath, owner, group string, priv certificatePrivate) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]string{}
	for _, p := range paths {
		info, err := h.Lstat(ctx, p)
		switch {
		case err != nil:
			diags.AddError("Cannot Inspect Certificate File", fmt.Sprintf("Cannot inspect %s on %s: %s.", p, h.ID(), err))
			continue
		case !info.Exists:
			out[p] = "missing"
			continue
		case info.IsSymlink:
			out[p] = "symlink"
			continue
		case info.IsDir:
			out[p] = "directory"
			continue
		}
		u, g := "", ""
		if owner != "" {
			u = observedID(owner, info.UserName, info.UID)
		}
		if group != "" {
			g = observedID(group, info.GroupName, info.GID)
		}
		data, err := h.ReadFile(ctx, p)
		switch {
		case errors.Is(err, host.ErrNotRegular):
			out[p] = "not a regular file"
			continue
		case err != nil:
			out[p] = dirEntry(info.Mode, u, g) + " unreadable"
			continue
		}
		if p != keyPath {
			out[p] = certFileEntry(info.Mode, u, g, data)
			continue
		}
		entry := dirEntry(info.Mode, u, g)
		switch {
		case priv.KeyDigest == "":
			entry += " " + keyContentUnverified
		case certKeyDigest(priv.KeySalt, data) != priv.KeyDigest:
			entry += " " + keyContentChanged
		}
		clear(data)
		out[p] = entry
	}
	m, d := types.MapValueFrom(ctx, types.StringType, out)
	diags.Append(d...)
	return m, diags
}

// preflightCertFiles checks the host before anything is written: no managed file or policy directory is a
// symlink or of the wrong type, and the owner and group exist. A missing policy directory is fine while
// planning (the policy may be created in the same apply).
func preflightCertFiles(ctx context.Context, t *target, s map[string]string, files []certFile, owner, group string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, d := range policyDirs(s) {
		if msg := checkDirChain(ctx, t.Host, s["neo4j_home"], d); msg != "" {
			diags.AddAttributeError(path.Root("policy"), "Unsafe Path On The Host", msg)
			return diags
		}
	}
	for _, f := range files {
		info, err := t.Host.Lstat(ctx, f.path)
		switch {
		case err != nil:
			diags.AddAttributeError(path.Root("policy"), "Cannot Inspect Certificate File", hostErrDetail(t, err))
		case info.IsSymlink:
			diags.AddAttributeError(path.Root("policy"), "Unsafe Path On The Host",
				fmt.Sprintf("%s on %s is a symbolic link. The provider never writes through a symlink at a managed path, since it could lead anywhere. Remove the link.", f.path, t.Host.ID()))
		case info.IsDir:
			diags.AddAttributeError(path.Root("policy"), "Unsafe Path On The Host",
				fmt.Sprintf("%s on %s is a directory where this resource writes a file. Move it away.", f.path, t.Host.ID()))
		}
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{User: owner}); err != nil {
		diags.AddAttributeError(path.Root("owner"), "Unknown Owner", fmt.Sprintf("%s. Give a user that exists on the target, by name or numeric id.", err))
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{Group: group}); err != nil {
		diags.AddAttributeError(path.Root("group"), "Unknown Group", fmt.Sprintf("%s. Give a group that exists on the target, by name or numeric id.", err))
	}
	diags.Append(checkOwnerPermitted(ctx, t, owner, group)...)
	return diags
}

// prepare resolves the target and parses the planned material again before writing (the plan's checks
// may be stale: time has passed, the host has changed).
func (r *policyCertificateResource) prepare(ctx context.Context, plan policyCertificateResourceModel, writingCert bool) (*target, *certMaterial, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.data == nil {
		diags.AddError("Provider Not Configured", "The dbtls provider was not configured before this resource was applied. This is a bug in the provider or Terraform.")
		return nil, nil, diags
	}
	s := stringMap(plan.Policy)
	diags.Append(checkCertPolicySettings(s)...)
	if diags.HasError() {
		return nil, nil, diags
	}
	_, d := r.data.checkConsumedPolicy(s, certOwnTarget(plan))
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, diags
	}
	t, d := r.data.targetFromSettings(ctx, s, plan.SSH)
	diags.Append(d...)
	mat, d := parseCertMaterial(ctx, plan)
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, diags
	}
	for _, d := range checkCertMaterial(mat, writingCert, 0, time.Now()) {
		if d.Severity() == diag.SeverityError {
			diags.Append(d)
		}
	}
	diags.Append(checkCertLayout(s, certLayout(s, mat))...)
	return t, mat, diags
}

// certFileWas is a file's state before apply changed it, to restore it when a later write fails.
type certFileWas struct {
	path     string
	exists   bool
	data     []byte
	mode     fs.FileMode
	uid, gid int
}

// apply makes the host hold the planned files. key is nil when the key file is not written (then
// only its mode and owner are repaired); prev lists the paths the resource wrote before, and those no
// longer planned are removed at the end.
//
// The order (certLayout's) and why:
//   - Every check, parse, encoding and owner lookup, and the reading of every file's current state,
//     happens before the first write, so nothing slow or fallible sits between the writes below.
//   - New trusted certificates and CRLs first: peers signed by a new CA are trusted before the node
//     presents a certificate from it.
//   - The key, then the public certificate, back to back: the window in which they disagree on disk is
//     one atomic file replacement (host.WriteFile: temp file with the final mode, fsync, chown,
//     rename). The key goes first so that a new certificate on disk always means its key is there,
//     for anything that watches the certificate (Neo4j's reload, monitoring).
//   - Then the copy in trusted/, then stale trusted files and CRLs: the old trust goes last.
//
// If a write fails, every file already changed is restored (content, mode, owner) or removed, in
// reverse order, so the pair on disk is never left half rotated by an error.
func (r *policyCertificateResource) apply(ctx context.Context, t *target, m policyCertificateResourceModel, mat *certMaterial, key *pki.PrivateKey,
	prev []string, priv certificatePrivate) (certificatePrivate, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := stringMap(m.Policy)
	for _, d := range policyDirs(s) {
		info, err := t.Host.Lstat(ctx, d)
		switch {
		case err != nil:
			diags.AddError("Cannot Inspect Policy Directory", hostErrDetail(t, err))
		case !info.Exists:
			diags.AddAttributeError(path.Root("policy"), "Policy Directory Missing",
				fmt.Sprintf("The policy's directory %s does not exist on %s. It is created by the dbtls_ssl_policy resource: apply it first (this resource depends on it when policy is set to its settings).", d, t.Host.ID()))
		case info.IsSymlink || !info.IsDir:
			diags.AddAttributeError(path.Root("policy"), "Unsafe Path On The Host", fmt.Sprintf("%s on %s is not a real directory.", d, t.Host.ID()))
		}
	}
	if diags.HasError() {
		return priv, diags
	}
	owner := host.Owner{User: m.Owner.ValueString(), Group: m.Group.ValueString()}
	uid, gid, err := t.Host.LookupOwner(ctx, owner)
	if err != nil {
		diags.AddAttributeError(path.Root("owner"), "Unknown Owner", fmt.Sprintf("%s. Give a user and group that exist on the target.", err))
		return priv, diags
	}
	var keyPEM []byte
	if key != nil {
		if keyPEM, err = key.PKCS8PEM(); err != nil {
			diags.AddError("Cannot Encode Private Key", err.Error()+".")
			return priv, diags
		}
		defer clear(keyPEM)
	}

	// Everything that can fail without touching the host is done; now read what is there, after
	// removing what a write killed earlier left (a temp file may be a full copy of a key).
	files := certLayout(s, mat)
	stale := slices.Clone(prev)
	for _, f := range files {
		stale = append(stale, f.path)
	}
	deploy.RemoveStaleTemps(ctx, t.Host, stale)
	before := make([]certFileWas, len(files))
	for i, f := range files {
		w, err := readCertFileWas(ctx, t.Host, f.path, f.role != certRoleKey || key != nil)
		if err != nil {
			diags.AddError("Cannot Read Certificate File", hostErrDetail(t, err))
			return priv, diags
		}
		before[i] = w
	}
	var done []certFileWas
	undo := func() {
		for i := len(done) - 1; i >= 0; i-- {
			w := done[i]
			if !w.exists {
				_ = t.Host.Remove(ctx, w.path)
				continue
			}
			restore := host.Owner{User: strconv.Itoa(w.uid), Group: strconv.Itoa(w.gid)}
			if w.data != nil {
				_ = t.Host.WriteFile(ctx, w.path, w.data, w.mode, restore)
			} else {
				_ = t.Host.SetAttr(ctx, w.path, w.mode, restore)
			}
		}
		for _, w := range before {
			clear(w.data)
		}
	}
	for i, f := range files {
		w := before[i]
		data := f.data
		if f.role == certRoleKey {
			data = keyPEM
		}
		attrsDiffer := w.mode != f.mode || (uid >= 0 && w.uid != uid) || (gid >= 0 && w.gid != gid)
		switch {
		case data != nil && (!w.exists || !bytes.Equal(w.data, data)):
			err = t.Host.WriteFile(ctx, f.path, data, f.mode, owner)
		case w.exists && attrsDiffer:
			w.data = nil // SetAttr: restore mode and owner only
			err = t.Host.SetAttr(ctx, f.path, f.mode, owner)
		case !w.exists:
			// Only the key can be missing here with nothing to write: Update always writes it then.
			err = fmt.Errorf("%s is missing and the key is not being written: %w", f.path, host.ErrNotExist)
		default:
			continue
		}
		if err != nil {
			undo()
			diags.AddError("Cannot Write Certificate File",
				fmt.Sprintf("%s Every file this apply had already changed was restored, so the policy's files are as they were; apply again once the cause is fixed.", hostErrDetail(t, err)))
			return priv, diags
		}
		done = append(done, w)
	}
	for _, w := range before {
		clear(w.data)
	}

	planned := map[string]bool{}
	for _, f := range files {
		planned[f.path] = true
	}
	// A file that was there before this resource first wrote it is adopted: destroy will leave it.
	for i, f := range files {
		if before[i].exists && !slices.Contains(prev, f.path) && !slices.Contains(priv.Adopted, f.path) {
			priv.Adopted = append(priv.Adopted, f.path)
		}
	}
	for _, p := range prev {
		if planned[p] {
			continue
		}
		// No longer declared (a CA or CRL taken out of the configuration): removed, adopted or not, so
		// that Neo4j stops trusting it.
		priv.Adopted = slices.DeleteFunc(priv.Adopted, func(a string) bool { return a == p })
		if err := t.Host.Remove(ctx, p); err != nil {
			diags.AddWarning("File Left In Place", fmt.Sprintf("This resource wrote %s but no longer declares it, and cannot remove it: %s", p, hostErrDetail(t, err)))
		}
	}
	slices.Sort(priv.Adopted)
	if keyPEM != nil {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			diags.AddError("Cannot Record The Key's Digest", err.Error())
			return priv, diags
		}
		priv.KeySalt, priv.KeyDigest = hex.EncodeToString(salt), certKeyDigest(hex.EncodeToString(salt), keyPEM)
	}
	return priv, diags
}

// readCertFileWas records a file's state; content only when withData (the key is read only when it is about
// to be replaced, so it can be restored).
func readCertFileWas(ctx context.Context, h host.Host, p string, withData bool) (certFileWas, error) {
	info, err := h.Lstat(ctx, p)
	if err != nil {
		return certFileWas{}, err
	}
	w := certFileWas{path: p, exists: info.Exists, mode: info.Mode, uid: info.UID, gid: info.GID}
	if !info.Exists {
		return w, nil
	}
	if info.IsSymlink {
		return w, &host.PathError{Op: "write", Path: p, Err: host.ErrSymlink}
	}
	if info.IsDir {
		return w, &host.PathError{Op: "write", Path: p, Err: host.ErrIsDir}
	}
	if withData {
		if w.data, err = h.ReadFile(ctx, p); err != nil {
			return w, err
		}
	}
	return w, nil
}

// checkForeignCertFiles refuses (or, with adopt_existing, warns about) replacing a file that is on the
// host before this resource first writes there and holds something else: for the key, a key that is
// not the certificate's; for the others, other bytes. Run when the resource is created (or replaced),
// so every file it finds was put there by someone else.
func checkForeignCertFiles(ctx context.Context, t *target, files []certFile, leaf *x509.Certificate, adopt bool) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, f := range files {
		info, err := t.Host.Lstat(ctx, f.path)
		if err != nil || !info.Exists || info.IsSymlink || info.IsDir {
			continue // preflightCertFiles reports what is wrong; a missing file is created
		}
		data, err := t.Host.ReadFile(ctx, f.path)
		same := false
		what := "other content"
		if err == nil && f.role == certRoleKey {
			what = "another key than the certificate's"
			k, perr := pki.ParsePrivateKey(data)
			same = perr == nil && k.Matches(leaf)
		} else if err == nil {
			same = bytes.Equal(data, f.data)
		}
		clear(data)
		if same {
			continue
		}
		now := fmt.Sprintf("%s %s:%s", info.Mode.String(), info.UserName, info.GroupName)
		if adopt {
			diags.AddAttributeWarning(path.Root("adopt_existing"), "Existing File Replaced",
				fmt.Sprintf("%s on %s (%s) was not written by this resource and holds %s; it is replaced (adopt_existing = true). Destroy leaves the file, with the content this resource wrote.",
					f.path, t.Host.ID(), now, what))
			continue
		}
		diags.AddAttributeError(path.Root("adopt_existing"), "Existing File Would Be Overwritten",
			fmt.Sprintf("%s on %s (%s) was not written by this resource and holds %s, which this resource would replace. It may be a hand-placed key or certificate that Neo4j "+
				"or another tool still uses. Nothing was changed. Move the file away, import the certificate (terraform import) if this resource is to manage what is there, "+
				"or set adopt_existing = true to replace it (destroy then leaves the file).", f.path, t.Host.ID(), now, what))
	}
	return diags
}

// ---- small helpers ----

// certOwnTarget is what a certificate's configuration (or plan) says about its target.
func certOwnTarget(m policyCertificateResourceModel) consumerTarget {
	return consumerTarget{SSH: m.SSH, Neo4jHome: m.Neo4jHome, ConfigFile: m.ConfigFile}
}

func checkCertPolicySettings(s map[string]string) diag.Diagnostics {
	var diags diag.Diagnostics
	var missing []string
	for _, k := range certPolicySettingKeys {
		if s[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		diags.AddAttributeError(path.Root("policy"), "Invalid Policy Settings",
			fmt.Sprintf("policy lacks %s. Set it to the settings of a dbtls_ssl_policy: policy = dbtls_ssl_policy.<name>.settings.", strings.Join(missing, ", ")))
	}
	return diags
}

// certificateID is the policy's import ID: "<name>", or "<name>,<base_directory>" when the base
// directory is not the default.
func certificateID(s map[string]string) string {
	if s["base_directory"] == "certificates/"+s["name"] {
		return s["name"]
	}
	return s["name"] + "," + s["base_directory"]
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

func addCertPEMError(diags *diag.Diagnostics, at path.Path, what, summary string, err error) {
	if err == nil {
		return
	}
	diags.AddAttributeError(at, summary, fmt.Sprintf("%s does not parse: %s. Give PEM text as openssl and hashicorp/tls write it (-----BEGIN ...----- blocks).", upperFirst(what), err))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sha256Hex is the lowercase hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// certKeyDigest is the salted digest of a key file kept in private state.
func certKeyDigest(salt string, data []byte) string {
	h := sha256.New()
	h.Write([]byte("dbtls key file v1\x00" + salt + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func getCertPrivate(ctx context.Context, p interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) (certificatePrivate, diag.Diagnostics) {
	var out certificatePrivate
	raw, diags := p.GetKey(ctx, certPrivateStateKey)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			diags.AddWarning("Unreadable Private State", "The resource's private state could not be read, so the key on the host will be treated as unverified and written again: "+err.Error())
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
		diags.AddError("Cannot Save Private State", err.Error())
		return diags
	}
	return p.SetKey(ctx, certPrivateStateKey, raw)
}
