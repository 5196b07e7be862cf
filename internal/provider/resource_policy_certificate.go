package provider

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
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
	cfg, diags := certModelFrom(ctx, req.Config.Raw, req.Config.GetAttribute)
	resp.Diagnostics.Append(diags...)
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
				addCertPEMError(&resp.Diagnostics, path.Root(l.name), "a value of "+l.name, diagInvalidTrustedCertificate, err)
			} else {
				_, err := pki.ParseCRLBundle([]byte(s.ValueString()))
				addCertPEMError(&resp.Diagnostics, path.Root(l.name), "a value of "+l.name, diagInvalidCertificateRevocationList, err)
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
			state, diags := certModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
			resp.Diagnostics.Append(diags...)
			priv, diags := getCertPrivate(ctx, req.Private)
			resp.Diagnostics.Append(diags...)
			if !resp.Diagnostics.HasError() {
				resp.Diagnostics.Append(r.warnConfNamesRemoved(ctx, state, priv)...)
			}
		}
		return
	}
	// The models are read straight from the request's values and only the attributes whose value
	// changes are written back, so a plan that changes nothing writes nothing (see modelAttr).
	cfg, diags := certModelFrom(ctx, req.Config.Raw, req.Config.GetAttribute)
	resp.Diagnostics.Append(diags...)
	planned, diags := certModelFrom(ctx, req.Plan.Raw, req.Plan.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *policyCertificateResourceModel
	if !req.State.Raw.IsNull() {
		s, diags := certModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		state = &s
	}
	plan := planned
	plan.PrivateKeyWO = types.StringNull()
	defer func() { resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.Plan, planned.attrs(), plan.attrs())...) }()

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
	raw := stringMap(plan.Policy)
	s := decodeSettings(raw)
	resp.Diagnostics.Append(checkCertPolicySettings(s)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags = r.data.checkConsumedPolicy(raw, certOwnTarget(cfg))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(certificateID(s))
	if cfg.Owner.IsNull() {
		plan.Owner = certNullIfEmpty(s.Owner())
	}
	if cfg.Group.IsNull() {
		plan.Group = certNullIfEmpty(s.Group())
	}
	if state != nil {
		if len(s.ChangedKeys(settingsOf(state.Policy), neo4j.CertificateMoveKeys, false)) > 0 {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("policy"))
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
	files := certLayoutOf(s, mat)
	if d := checkCertLayoutOf(s, files); d != nil {
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

	resp.Diagnostics.Append(r.planChecks(ctx, cfg, plan, state, mat, files, replacing, certChanged)...)
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
	for _, d := range checkForeignCertFiles(ctx, t, certLayoutOf(settingsOf(plan.Policy), mat), mat.chain[0], plan.AdoptExisting.ValueBool()) {
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
	// As in ModifyPlan, a refresh that finds the files as the state says writes nothing.
	was, diags := certModelFrom(ctx, req.State.Raw, req.State.GetAttribute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	state := was
	priv, diags := getCertPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	s := settingsOf(state.Policy)
	t, diags := r.data.targetOf(ctx, s, state.SSH)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	paths := make([]string, 0, len(state.Files.Elements()))
	for p := range state.Files.Elements() {
		paths = append(paths, p)
	}
	files, diags := observeCertFilesKeeping(ctx, t.Host, paths, s.PrivateKeyPath, state.Owner.ValueString(), state.Group.ValueString(), priv,
		r.data.certs, s.PublicCertificatePath)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Files = files
	if state.AdoptExisting.IsNull() {
		// Imported, or written by a release without the attribute.
		state.AdoptExisting = types.BoolValue(false)
	}
	resp.Diagnostics.Append(setChangedAttrs(ctx, &resp.State, was.attrs(), state.attrs())...)
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
	keyPath := settingsOf(plan.Policy).PrivateKeyPath

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
	t, diags := r.data.targetOf(ctx, settingsOf(state.Policy), state.SSH)
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
	resp.Diagnostics.Append(removeCertFiles(ctx, t, paths, priv.Adopted)...)
}

// ImportState takes the policy's import ID, "<name>" or "<name>,<base_directory>", resolves the policy
// on the provider's target as dbtls_ssl_policy's import does, and reads the certificate, the trusted
// copies and the CRLs this provider's naming scheme identifies from the host. The key is never read into
// the state: it must be given again in the configuration, and the first apply writes it (its `files`
// entry reads content:unverified until then).
func (r *policyCertificateResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(diagProviderNotConfigured.plain("The dbtls provider must be configured to import. This is a bug in the provider or Terraform."))
		return
	}
	m, adopted, diags := r.data.importCertificate(ctx, req.ID)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	// Everything found on the host is adopted: destroy will leave it for the neo4j.conf that names it.
	resp.Diagnostics.Append(setCertPrivate(ctx, resp.Private, certificatePrivate{Adopted: adopted})...)
}
