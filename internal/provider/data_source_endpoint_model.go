package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/dbtls/terraform-provider-dbtls/internal/probe"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type endpointDataSourceModel struct {
	URL                  types.String         `tfsdk:"url"`
	CACertificatesPEM    types.String         `tfsdk:"ca_certificates_pem"`
	ClientCertificatePEM types.String         `tfsdk:"client_certificate_pem"`
	ClientKeyPEM         types.String         `tfsdk:"client_key_pem"`
	ServerName           types.String         `tfsdk:"server_name"`
	Timeout              types.String         `tfsdk:"timeout"`
	Policy               types.Map            `tfsdk:"policy"`
	Expect               *endpointExpectModel `tfsdk:"expect"`
	FailOnViolation      types.Bool           `tfsdk:"fail_on_violation"`
	LibpqVersion         types.Int64          `tfsdk:"libpq_version"`

	Connectable        types.Bool   `tfsdk:"connectable"`
	Compliant          types.Bool   `tfsdk:"compliant"`
	Violations         types.List   `tfsdk:"violations"`
	TLSVersion         types.String `tfsdk:"tls_version"`
	CipherSuite        types.String `tfsdk:"cipher_suite"`
	OfferedTLSVersions types.List   `tfsdk:"offered_tls_versions"`
	ClientAuth         types.String `tfsdk:"client_auth"`
	PlaintextAccepted  types.Bool   `tfsdk:"plaintext_accepted"`
	ChainVerified      types.Bool   `tfsdk:"chain_verified"`
	HostnameVerified   types.Bool   `tfsdk:"hostname_verified"`
	Revoked            types.Bool   `tfsdk:"revoked"`
	DaysRemaining      types.Int64  `tfsdk:"days_remaining"`
	Certificates       types.List   `tfsdk:"certificates"`
	Summary            types.String `tfsdk:"summary"`
}

type endpointExpectModel struct {
	TLSVersions       types.List   `tfsdk:"tls_versions"`
	Ciphers           types.List   `tfsdk:"ciphers"`
	ClientAuth        types.String `tfsdk:"client_auth"`
	Plaintext         types.String `tfsdk:"plaintext"`
	MinDaysRemaining  types.Int64  `tfsdk:"min_days_remaining"`
	CertificateSHA256 types.String `tfsdk:"certificate_sha256"`
}

type endpointCertificateModel struct {
	Subject     types.String `tfsdk:"subject"`
	Issuer      types.String `tfsdk:"issuer"`
	Serial      types.String `tfsdk:"serial"`
	NotBefore   types.String `tfsdk:"not_before"`
	NotAfter    types.String `tfsdk:"not_after"`
	SHA256      types.String `tfsdk:"sha256"`
	IsCA        types.Bool   `tfsdk:"is_ca"`
	DNSNames    types.List   `tfsdk:"dns_names"`
	IPAddresses types.List   `tfsdk:"ip_addresses"`
	CertPEM     types.String `tfsdk:"cert_pem"`
}

var endpointCertificateType = map[string]attr.Type{
	"subject": types.StringType, "issuer": types.StringType, "serial": types.StringType,
	"not_before": types.StringType, "not_after": types.StringType, "sha256": types.StringType,
	"is_ca": types.BoolType, "dns_names": types.ListType{ElemType: types.StringType},
	"ip_addresses": types.ListType{ElemType: types.StringType}, "cert_pem": types.StringType,
}

// options turns the configuration into probe options, reporting malformed input against the attribute
// to blame. Unknown values are skipped (validation while planning); with read set the options to probe
// with are returned.
func (m *endpointDataSourceModel) options(ctx context.Context, read bool) (*probe.Options, diag.Diagnostics) {
	var diags diag.Diagnostics
	o := &probe.Options{Expect: probe.DefaultExpectations()}
	complete := true

	libpq := probe.NewestLibpq
	if !m.LibpqVersion.IsNull() && !m.LibpqVersion.IsUnknown() && m.LibpqVersion.ValueInt64() >= probe.MinLibpq {
		libpq = int(m.LibpqVersion.ValueInt64())
	}
	if m.URL.IsUnknown() || m.LibpqVersion.IsUnknown() {
		complete = false
	} else {
		t, err := probe.ParseURLForLibpq(m.URL.ValueString(), libpq)
		if err != nil {
			diags.Append(diagInvalidEndpointURL.attr(path.Root("url"),
				"The url cannot be probed: "+err.Error()+".\n\nWrite a PostgreSQL URI "+
					"(postgresql://user@host:5432/db?sslmode=verify-full), a key=value connection string "+
					"(host=db.internal user=app sslmode=verify-full), a Neo4j URI (neo4j+s://host:7687) or an https:// URL."))
		}
		o.Target = t
	}

	timeout := defaultEndpointTimeout
	if m.Timeout.IsUnknown() {
		complete = false
	} else if !m.Timeout.IsNull() {
		timeout = m.Timeout.ValueString()
	}
	if d, err := time.ParseDuration(timeout); err != nil || d <= 0 || d > maxEndpointTimeout {
		diags.Append(diagInvalidTimeout.attr(path.Root("timeout"),
			fmt.Sprintf("timeout must be a positive Go duration of at most %s, such as \"5s\" or \"1m\"; got %q.", maxEndpointTimeout, timeout)))
	} else {
		o.Timeout = d
	}

	for _, s := range []struct {
		v    types.String
		dest *string
	}{{m.CACertificatesPEM, &o.CACertificatesPEM}, {m.ClientCertificatePEM, &o.ClientCertificatePEM},
		{m.ClientKeyPEM, &o.ClientKeyPEM}, {m.ServerName, &o.ServerName}} {
		if s.v.IsUnknown() {
			complete = false
		}
		*s.dest = s.v.ValueString()
	}

	if m.Policy.IsUnknown() {
		complete = false
	} else if !m.Policy.IsNull() {
		settings := map[string]string{}
		for k, v := range m.Policy.Elements() {
			sv, ok := v.(types.String)
			if !ok || sv.IsUnknown() {
				complete = false
				continue
			}
			if !sv.IsNull() {
				settings[k] = sv.ValueString()
			}
		}
		// The same checks as for the policy resource and its other consumers: a whole settings map must be
		// unedited, a partial one (expectations only) must hold values a policy could declare.
		// Warnings once, at read (validation runs this too); a partial map's errors are ApplyPolicy's.
		var problems []*neo4j.FieldError
		if neo4j.IsWholePolicy(settings) {
			_, problems = neo4j.CheckSettings(settings)
		} else {
			problems = neo4j.CheckSettingValues(settings)
		}
		for _, p := range problems {
			if (p.Warning() && read) || (!p.Warning() && neo4j.IsWholePolicy(settings)) {
				appendPolicyMapProblems(&diags, []*neo4j.FieldError{p})
			}
		}
		if diags.HasError() {
			return nil, diags
		}
		if err := o.Expect.ApplyPolicy(settings); err != nil {
			var fe *probe.FieldError
			if errors.As(err, &fe) {
				diags.Append(diagInvalidPolicySetting.attr(path.Root("policy").AtMapKey(fe.Field),
					"The policy's "+fe.Field+" cannot be used as an expectation: "+fe.Msg+"."))
			} else {
				diags.Append(diagInvalidPolicy.attr(path.Root("policy"), err.Error()))
			}
		}
	}

	if m.Expect != nil {
		in, ok := m.Expect.input(ctx, &diags)
		if !ok {
			complete = false
		} else if err := o.Expect.ApplyExpect(in); err != nil {
			var fe *probe.FieldError
			if errors.As(err, &fe) {
				diags.Append(diagInvalidExpectation.attr(path.Root("expect").AtName(fe.Field), fe.Msg+"."))
			} else {
				diags.Append(diagInvalidExpectation.attr(path.Root("expect"), err.Error()))
			}
		}
	}

	if diags.HasError() {
		return nil, diags
	}
	if o.Target != nil && complete {
		if err := probe.Prepare(*o); err != nil {
			addEndpointInputError(&diags, err)
			return nil, diags
		}
	}
	if !read {
		return nil, diags
	}
	if home, err := endpointHomeDir(); err == nil {
		o.HomeDir = home
	}
	return o, diags
}

// input reads the expect block; false when a value is still unknown.
func (e *endpointExpectModel) input(ctx context.Context, diags *diag.Diagnostics) (probe.ExpectInput, bool) {
	var in probe.ExpectInput
	for _, l := range []struct {
		v    types.List
		dest *[]string
		set  *bool
	}{{e.TLSVersions, &in.TLSVersions, &in.TLSVersionsSet}, {e.Ciphers, &in.Ciphers, &in.CiphersSet}} {
		if l.v.IsUnknown() {
			return in, false
		}
		if l.v.IsNull() {
			continue
		}
		var vals []types.String
		diags.Append(l.v.ElementsAs(ctx, &vals, false)...)
		for _, v := range vals {
			if v.IsUnknown() {
				return in, false
			}
			*l.dest = append(*l.dest, v.ValueString())
		}
		*l.set = true
	}
	for _, s := range []types.String{e.ClientAuth, e.Plaintext, e.CertificateSHA256} {
		if s.IsUnknown() {
			return in, false
		}
	}
	if e.MinDaysRemaining.IsUnknown() {
		return in, false
	}
	in.ClientAuth, in.Plaintext, in.CertificateSHA256 = e.ClientAuth.ValueString(), e.Plaintext.ValueString(), e.CertificateSHA256.ValueString()
	if !e.MinDaysRemaining.IsNull() {
		v := e.MinDaysRemaining.ValueInt64()
		in.MinDaysRemaining = &v
	}
	return in, true
}

func addEndpointInputError(diags *diag.Diagnostics, err error) {
	var ie *probe.InputError
	if errors.As(err, &ie) {
		diags.Append(diagInvalidEndpointInput.attr(path.Root(ie.Field), "The "+ie.Field+" cannot be used: "+ie.Msg+"."))
		return
	}
	diags.Append(diagEndpointProbeFailed.plain("The probe could not run: " + err.Error()))
}

func optionalBool(p *bool) types.Bool {
	if p == nil {
		return types.BoolNull()
	}
	return types.BoolValue(*p)
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func stringList(vs []string) types.List {
	elems := make([]attr.Value, len(vs))
	for i, v := range vs {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

func (m *endpointDataSourceModel) setReport(ctx context.Context, r *probe.Report) diag.Diagnostics {
	var diags diag.Diagnostics
	m.Connectable = types.BoolValue(r.Connectable)
	m.Compliant = types.BoolValue(r.Compliant)
	m.Violations = stringList(r.Violations)
	m.TLSVersion = optionalString(r.TLSVersion)
	m.CipherSuite = optionalString(r.CipherSuite)
	m.OfferedTLSVersions = stringList(r.OfferedTLSVersions)
	m.ClientAuth = optionalString(r.ClientAuth)
	m.PlaintextAccepted = optionalBool(r.PlaintextAccepted)
	m.ChainVerified = optionalBool(r.ChainVerified)
	m.HostnameVerified = optionalBool(r.HostnameVerified)
	m.Revoked = optionalBool(r.Revoked)
	if r.DaysRemaining != nil {
		m.DaysRemaining = types.Int64Value(*r.DaysRemaining)
	} else {
		m.DaysRemaining = types.Int64Null()
	}
	certs := make([]endpointCertificateModel, 0, len(r.Certificates))
	for _, c := range r.Certificates {
		certs = append(certs, certificateModel(c))
	}
	list, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: endpointCertificateType}, certs)
	diags.Append(d...)
	m.Certificates = list
	m.Summary = types.StringValue(r.Summary)
	return diags
}

func certificateModel(s pki.Summary) endpointCertificateModel {
	return endpointCertificateModel{
		Subject:     types.StringValue(s.Subject),
		Issuer:      types.StringValue(s.Issuer),
		Serial:      types.StringValue(s.Serial),
		NotBefore:   types.StringValue(s.NotBefore.Format(time.RFC3339)),
		NotAfter:    types.StringValue(s.NotAfter.Format(time.RFC3339)),
		SHA256:      types.StringValue(s.SHA256),
		IsCA:        types.BoolValue(s.IsCA),
		DNSNames:    stringList(s.DNSNames),
		IPAddresses: stringList(s.IPAddresses),
		CertPEM:     types.StringValue(s.PEM),
	}
}
