package provider

import (
	"context"
	"errors"
	"fmt"
	posix "path"
	"slices"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
		diags.Append(diagCannotImportCertificate.plain(hostErrDetail(t, err)))
		return nil, nil, diags
	}
	var values, paths []string
	for _, n := range names {
		if !neo4j.IsCertFileName(n, prefix, ext) {
			continue
		}
		p := posix.Join(dir, n)
		b, err := t.Host.ReadFile(ctx, p)
		if err != nil {
			diags.Append(diagCannotImportCertificate.plain(hostErrDetail(t, err)))
			continue
		}
		v, err := parse(b)
		if err != nil {
			diags.Append(diagCannotImportCertificate.plain(fmt.Sprintf("%s on %s does not parse: %s.", p, t.Host.ID(), err)))
			continue
		}
		values = append(values, v)
		paths = append(paths, p)
	}
	return values, paths, diags
}

// importCertificate builds the state of an imported certificate from the policy's import ID (see
// ImportState) and the host, and lists the files found there (all adopted).
func (d *providerData) importCertificate(ctx context.Context, id string) (*policyCertificateResourceModel, []string, diag.Diagnostics) {
	var diags diag.Diagnostics
	name, base, _ := strings.Cut(id, ",")
	pm := sslPolicyResourceModel{Name: types.StringValue(name), BaseDirectory: types.StringNull()}
	if base != "" {
		pm.BaseDirectory = types.StringValue(base)
	}
	diags.Append(d.importPolicy(ctx, &pm)...)
	if diags.HasError() {
		return nil, nil, diags
	}
	s := settingsOf(pm.Settings)
	t, dd := d.targetOf(ctx, s, nil)
	diags.Append(dd...)
	if diags.HasError() {
		return nil, nil, diags
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
	certPath := s.PublicCertificatePath
	data, err := t.Host.ReadFile(ctx, certPath)
	if err != nil {
		diags.Append(diagCannotImportCertificate.plain(fmt.Sprintf("Cannot read the policy's public certificate: %s. Import a policy whose certificate exists, or let Terraform write it.", hostErrDetail(t, err))))
		return nil, nil, diags
	}
	chain, err := pki.ParseCertificateChain(data)
	if err != nil {
		diags.Append(diagCannotImportCertificate.plain(fmt.Sprintf("%s on %s does not parse: %s.", certPath, t.Host.ID(), err)))
		return nil, nil, diags
	}
	m.CertificatePEM = types.StringValue(pki.EncodeChain(chain))
	info, err := t.Host.Lstat(ctx, certPath)
	if err != nil {
		diags.Append(diagCannotImportCertificate.plain(hostErrDetail(t, err)))
		return nil, nil, diags
	}
	m.Owner, m.Group = types.StringValue(info.UserName), types.StringValue(info.GroupName)

	paths := []string{s.PrivateKeyPath, certPath}
	if copyPath := certTrustedCopyPath(s); copyPath != "" {
		if ci, err := t.Host.Lstat(ctx, copyPath); err == nil && ci.Exists {
			paths = append(paths, copyPath)
		}
	}
	trusted, tPaths, dd := importCertNamed(ctx, t, s.TrustedDirPath, neo4j.TrustedFilePrefix, neo4j.TrustedFileExt, func(b []byte) (string, error) {
		c, err := pki.ParseCertificateChain(b)
		if err != nil {
			return "", err
		}
		return pki.EncodeChain(c), nil
	})
	diags.Append(dd...)
	crls, cPaths, dd := importCertNamed(ctx, t, s.RevokedDirPath, neo4j.RevokedFilePrefix, neo4j.RevokedFileExt, func(b []byte) (string, error) {
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
	diags.Append(dd...)
	if diags.HasError() {
		return nil, nil, diags
	}
	paths = append(append(paths, tPaths...), cPaths...)
	m.TrustedCertificatesPEM = certSetOrNull(ctx, trusted, &diags)
	m.RevocationListsPEM = certSetOrNull(ctx, crls, &diags)
	diags.Append(setCertificateFacts(ctx, &m, chain[0])...)
	m.Files, dd = observeCertFiles(ctx, t.Host, paths, s.PrivateKeyPath, m.Owner.ValueString(), m.Group.ValueString(), certificatePrivate{})
	diags.Append(dd...)
	if diags.HasError() {
		return nil, nil, diags
	}
	var adopted []string
	for _, p := range paths {
		if info, err := t.Host.Lstat(ctx, p); err == nil && info.Exists {
			adopted = append(adopted, p)
		}
	}
	slices.Sort(adopted)
	return &m, adopted, diags
}
