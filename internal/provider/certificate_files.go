package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/deploy"
	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// certFile is one file of the certLayout. data is nil for the key (written from the key at apply).
type certFile struct {
	path string
	data []byte
	mode fs.FileMode
	role int
}

// certLayout lists the files for the material, in write order.
func certLayout(s map[string]string, mat *certMaterial) []certFile {
	return certLayoutOf(decodeSettings(s), mat)
}

// certLayoutOf is certLayout for decoded settings.
func certLayoutOf(s neo4j.PolicySettings, mat *certMaterial) []certFile {
	var out []certFile
	for _, c := range mat.trusted {
		out = append(out, certFile{path: neo4j.TrustedCertFile(s.TrustedDirPath, c.Raw),
			data: []byte(pki.EncodeChain([]*x509.Certificate{c})), mode: certFileMode, role: certRoleTrusted})
	}
	for _, c := range mat.crls {
		out = append(out, certFile{path: neo4j.RevokedCRLFile(s.RevokedDirPath, c.Raw),
			data: []byte(pki.EncodeRevocationList(c)), mode: certFileMode, role: certRoleCRL})
	}
	chain := []byte(pki.EncodeChain(mat.chain))
	out = append(out,
		certFile{path: s.PrivateKeyPath, mode: keyFileMode, role: certRoleKey},
		certFile{path: s.PublicCertificatePath, data: chain, mode: certFileMode, role: certRoleCert})
	if p := certTrustedCopyPath(s); p != "" {
		out = append(out, certFile{path: p, data: chain, mode: certFileMode, role: certRoleTrustedCopy})
	}
	return out
}

// certTrustedCopyPath is where the public certificate is duplicated (neo4j.TrustedCopyPath).
func certTrustedCopyPath(s neo4j.PolicySettings) string {
	return neo4j.TrustedCopyPath(s.TrustedDirPath, s.PublicCertificatePath)
}

// checkCertLayout refuses paths that are not clean absolute paths inside NEO4J_HOME, and two files at
// one path.
func checkCertLayout(s map[string]string, files []certFile) diag.Diagnostics {
	return checkCertLayoutOf(decodeSettings(s), files)
}

// checkCertLayoutOf is checkCertLayout for decoded settings.
func checkCertLayoutOf(s neo4j.PolicySettings, files []certFile) diag.Diagnostics {
	var diags diag.Diagnostics
	seen := map[string]bool{}
	for _, f := range files {
		clean, err := host.CleanAbs(f.path)
		if err != nil || clean != f.path || !host.Within(s.Neo4jHome, f.path) || f.path == s.Neo4jHome {
			diags.Append(diagInvalidPolicySettings.attr(path.Root("policy"),
				fmt.Sprintf("The policy places a file at %q, which is not a clean absolute path inside neo4j_home (%s). Set policy to a dbtls_ssl_policy's settings.", f.path, s.Neo4jHome)))
			return diags
		}
		if seen[f.path] {
			diags.Append(diagTwoFilesAtOnePath.attr(path.Root("policy"),
				fmt.Sprintf("Two of the files this resource writes would both be %s. Give the policy's private_key and public_certificate distinct names.", f.path)))
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
	return observeCertFilesKeeping(ctx, h, paths, keyPath, owner, group, priv, nil, "")
}

// observeCertFilesKeeping is observeCertFiles that also puts the content of the public certificate
// certPath (never the key) into certs, for the checks later in this run (see certCache).
func observeCertFilesKeeping(ctx context.Context, h host.Host, paths []string, keyPath, owner, group string, priv certificatePrivate,
	certs *certCache, certPath string) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]string{}
	var kept []byte
	// The digest of a file's content, as its entry shows it; for the key, only whether it is the one
	// this resource wrote.
	sum := func(p string, data []byte) string {
		if p != keyPath {
			if certs != nil && p == certPath {
				kept = bytes.Clone(data)
			}
			return " sha256:" + sha256Hex(data)[:16]
		}
		switch {
		case priv.KeyDigest == "":
			return " " + keyContentUnverified
		case certKeyDigest(priv.KeySalt, data) != priv.KeyDigest:
			return " " + keyContentChanged
		}
		return ""
	}
	for _, o := range deploy.Observe(ctx, h, paths, sum) {
		p, info := o.Path, o.Info
		if p == certPath && p != keyPath && kept != nil && o.Err == nil && o.ReadErr == nil {
			certs.put(h, p, info, kept)
		}
		switch {
		case o.Err != nil:
			diags.Append(diagCannotInspectCertificateFile.plain(fmt.Sprintf("Cannot inspect %s on %s: %s.", p, h.ID(), o.Err)))
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
		switch {
		case errors.Is(o.ReadErr, host.ErrNotRegular):
			out[p] = "not a regular file"
		case o.ReadErr != nil:
			out[p] = dirEntry(info.Mode, u, g) + " unreadable"
		default:
			out[p] = dirEntry(info.Mode, u, g) + o.Sum
		}
	}
	m, d := types.MapValueFrom(ctx, types.StringType, out)
	diags.Append(d...)
	return m, diags
}

// preflightCertFiles checks the host before anything is written: no managed file or policy directory is a
// symlink or of the wrong type, and the owner and group exist. A missing policy directory is fine while
// planning (the policy may be created in the same apply).
func preflightCertFiles(ctx context.Context, t *target, s neo4j.PolicySettings, files []certFile, owner, group string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, d := range s.Directories() {
		if msg := checkDirChain(ctx, t.Host, s.Neo4jHome, d); msg != "" {
			diags.Append(diagUnsafePathOnTheHost.attr(path.Root("policy"), msg))
			return diags
		}
	}
	for _, f := range files {
		info, err := t.Host.Lstat(ctx, f.path)
		switch {
		case err != nil:
			diags.Append(diagCannotInspectCertificateFile.attr(path.Root("policy"), hostErrDetail(t, err)))
		case info.IsSymlink:
			diags.Append(diagUnsafePathOnTheHost.attr(path.Root("policy"),
				fmt.Sprintf("%s on %s is a symbolic link. The provider never writes through a symlink at a managed path, since it could lead anywhere. Remove the link.", f.path, t.Host.ID())))
		case info.IsDir:
			diags.Append(diagUnsafePathOnTheHost.attr(path.Root("policy"),
				fmt.Sprintf("%s on %s is a directory where this resource writes a file. Move it away.", f.path, t.Host.ID())))
		}
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{User: owner}); err != nil {
		diags.Append(diagUnknownOwner.attr(path.Root("owner"), fmt.Sprintf("%s. Give a user that exists on the target, by name or numeric id.", err)))
	}
	if _, _, err := t.Host.LookupOwner(ctx, host.Owner{Group: group}); err != nil {
		diags.Append(diagUnknownGroup.attr(path.Root("group"), fmt.Sprintf("%s. Give a group that exists on the target, by name or numeric id.", err)))
	}
	diags.Append(checkOwnerPermitted(ctx, t, owner, group)...)
	return diags
}

// prepare resolves the target and parses the planned material again before writing (the plan's checks
// may be stale: time has passed, the host has changed).
func (r *policyCertificateResource) prepare(ctx context.Context, plan policyCertificateResourceModel, writingCert bool) (*target, *certMaterial, diag.Diagnostics) {
	var diags diag.Diagnostics
	if r.data == nil {
		diags.Append(diagProviderNotConfigured.plain("The dbtls provider was not configured before this resource was applied. This is a bug in the provider or Terraform."))
		return nil, nil, diags
	}
	raw := stringMap(plan.Policy)
	s := decodeSettings(raw)
	diags.Append(checkCertPolicySettings(s)...)
	if diags.HasError() {
		return nil, nil, diags
	}
	_, d := r.data.checkConsumedPolicy(raw, certOwnTarget(plan))
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil, diags
	}
	t, d := r.data.targetOf(ctx, s, plan.SSH)
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
	diags.Append(checkCertLayoutOf(s, certLayoutOf(s, mat))...)
	return t, mat, diags
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
	s := settingsOf(m.Policy)
	// What this run read of the certificate is not trusted once it may be written, whatever the
	// lstat says after.
	if r.data != nil {
		r.data.certs.forget(t.Host, s.PublicCertificatePath)
	}
	for _, o := range t.dirTree(s.Directories()).Observe(ctx) {
		d, info := o.Path, o.Info
		switch {
		case o.Err != nil:
			diags.Append(diagCannotInspectPolicyDirectory.plain(hostErrDetail(t, o.Err)))
		case !info.Exists:
			diags.Append(diagPolicyDirectoryMissing.attr(path.Root("policy"),
				fmt.Sprintf("The policy's directory %s does not exist on %s. It is created by the dbtls_ssl_policy resource: apply it first (this resource depends on it when policy is set to its settings).", d, t.Host.ID())))
		case info.IsSymlink || !info.IsDir:
			diags.Append(diagUnsafePathOnTheHost.attr(path.Root("policy"), fmt.Sprintf("%s on %s is not a real directory.", d, t.Host.ID())))
		}
	}
	if diags.HasError() {
		return priv, diags
	}
	owner := host.Owner{User: m.Owner.ValueString(), Group: m.Group.ValueString()}
	uid, gid, err := t.Host.LookupOwner(ctx, owner)
	if err != nil {
		diags.Append(diagUnknownOwner.attr(path.Root("owner"), fmt.Sprintf("%s. Give a user and group that exist on the target.", err)))
		return priv, diags
	}
	var keyPEM []byte
	if key != nil {
		if keyPEM, err = key.PKCS8PEM(); err != nil {
			diags.Append(diagCannotEncodePrivateKey.plain(err.Error() + "."))
			return priv, diags
		}
		defer clear(keyPEM)
	}

	// Everything that can fail without touching the host is done; now read what is there, after
	// removing what a write killed earlier left (a temp file may be a full copy of a key), and write.
	files := certLayoutOf(s, mat)
	set := deploy.FileSet{Host: t.Host, Log: tfLogger{}}
	for _, f := range files {
		data := f.data
		if f.role == certRoleKey {
			data = keyPEM
		}
		set.Files = append(set.Files, deploy.File{Path: f.path, Data: data, Mode: f.mode})
	}
	paths := make([]string, len(set.Files))
	for i, f := range set.Files {
		paths[i] = f.Path
	}
	tflog.Debug(ctx, "writing the policy's certificate files", map[string]any{"host": t.Host.ID(), "files": paths, "key_written": keyPEM != nil})
	existed, err := set.Write(ctx, owner, uid, gid, prev)
	var re *deploy.ReadError
	switch {
	case errors.As(err, &re):
		diags.Append(diagCannotReadCertificateFile.plain(hostErrDetail(t, re.Err)))
		return priv, diags
	case err != nil:
		diags.Append(diagCannotWriteCertificateFile.plain(
			fmt.Sprintf("%s Every file this apply had already changed was restored, so the policy's files are as they were; apply again once the cause is fixed.", hostErrDetail(t, errors.Unwrap(err)))))
		return priv, diags
	}

	planned := map[string]bool{}
	for _, f := range files {
		planned[f.path] = true
	}
	// A file that was there before this resource first wrote it is adopted: destroy will leave it.
	for i, f := range files {
		if existed[i] && !slices.Contains(prev, f.path) && !slices.Contains(priv.Adopted, f.path) {
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
			diags.Append(diagFileLeftInPlace.plain(fmt.Sprintf("This resource wrote %s but no longer declares it, and cannot remove it: %s", p, hostErrDetail(t, err))))
		}
	}
	slices.Sort(priv.Adopted)
	if keyPEM != nil {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			diags.Append(diagCannotRecordTheKeySDigest.plain(err.Error()))
			return priv, diags
		}
		priv.KeySalt, priv.KeyDigest = hex.EncodeToString(salt), certKeyDigest(hex.EncodeToString(salt), keyPEM)
	}
	return priv, diags
}

// checkForeignCertFiles refuses (or, with adopt_existing, warns about) replacing a file that is on the
// host before this resource first writes there and holds something else: for the key, a key that is
// not the certificate's; for the others, other bytes. Run when the resource is created (or replaced),
// so every file it finds was put there by someone else.
func checkForeignCertFiles(ctx context.Context, t *target, files []certFile, leaf *x509.Certificate, adopt bool) diag.Diagnostics {
	var diags diag.Diagnostics
	set := deploy.FileSet{Host: t.Host}
	for _, f := range files {
		set.Files = append(set.Files, deploy.File{Path: f.path, Data: f.data, Mode: f.mode})
	}
	what := map[int]string{}
	same := func(i int, data []byte, err error) bool {
		what[i] = "other content"
		switch {
		case err != nil:
			return false
		case files[i].role == certRoleKey:
			what[i] = "another key than the certificate's"
			return pki.KeyPEMMatches(data, leaf)
		}
		return bytes.Equal(data, files[i].data)
	}
	for _, ff := range set.Foreign(ctx, same) {
		f, info, what := files[ff.Index], ff.Info, what[ff.Index]
		now := fmt.Sprintf("%s %s:%s", info.Mode.String(), info.UserName, info.GroupName)
		if adopt {
			diags.Append(diagExistingFileReplaced.attr(path.Root("adopt_existing"),
				fmt.Sprintf("%s on %s (%s) was not written by this resource and holds %s; it is replaced (adopt_existing = true). Destroy leaves the file, with the content this resource wrote.",
					f.path, t.Host.ID(), now, what)))
			continue
		}
		diags.Append(diagExistingFileWouldBeOverwritten.attr(path.Root("adopt_existing"),
			fmt.Sprintf("%s on %s (%s) was not written by this resource and holds %s, which this resource would replace. It may be a hand-placed key or certificate that Neo4j "+
				"or another tool still uses. Nothing was changed. Move the file away, import the certificate (terraform import) if this resource is to manage what is there, "+
				"or set adopt_existing = true to replace it (destroy then leaves the file).", f.path, t.Host.ID(), now, what)))
	}
	return diags
}

// removeCertFiles removes the files this resource created (deploy.Remove) and leaves the adopted
// ones, with a warning.
func removeCertFiles(ctx context.Context, t *target, paths, adopted []string) diag.Diagnostics {
	var diags diag.Diagnostics
	deploy.RemoveStaleTemps(ctx, t.Host, paths)
	var kept, remove []string
	for _, p := range paths {
		if slices.Contains(adopted, p) {
			kept = append(kept, p)
			continue
		}
		remove = append(remove, p)
	}
	tflog.Debug(ctx, "removing the certificate's files", map[string]any{"host": t.Host.ID(), "files": remove, "kept": kept})
	for _, r := range deploy.Remove(ctx, t.Host, tfLogger{}, remove) {
		switch {
		case r.Err == nil:
		case errors.Is(r.Err, deploy.ErrLeftDirectory):
			diags.Append(diagFileLeftInPlace.plain(fmt.Sprintf("%s on %s is now a directory, which this resource did not write; destroy leaves it.", r.Path, t.Host.ID())))
		default:
			diags.Append(diagCannotRemoveCertificateFile.plain(hostErrDetail(t, r.Err)))
		}
	}
	if len(kept) > 0 {
		diags.Append(diagFileLeftInPlace.plain(
			fmt.Sprintf("%s on %s were there before this resource managed them (imported, or present when it was created), so destroy leaves them, as written by the last apply. Remove them by hand if nothing needs them any more.",
				strings.Join(kept, ", "), t.Host.ID())))
	}
	return diags
}

// checkCertHostKeyMatches checks a new certificate against the key already on the host, which stays.
func checkCertHostKeyMatches(ctx context.Context, t *target, keyPath string, leaf *x509.Certificate) diag.Diagnostics {
	var diags diag.Diagnostics
	data, err := t.Host.ReadFile(ctx, keyPath)
	if err != nil {
		diags.Append(diagCannotReadTheKeyOnTheHost.attr(path.Root("certificate_pem"),
			fmt.Sprintf("The certificate changes but the key is not written again, so the new certificate must match the key on the host, which cannot be read: %s "+
				"Bump private_key_wo_version (or change private_key_pem) to write the key together with the certificate.", hostErrDetail(t, err))))
		return diags
	}
	matches := pki.KeyPEMMatches(data, leaf)
	clear(data)
	if matches {
		return diags
	}
	diags.Append(diagCertificateDoesNotMatchTheKeyOnTheHost.attr(path.Root("certificate_pem"),
		fmt.Sprintf("The new certificate %q (serial %s) is not issued for the key in %s on %s, and the key is not being written again (private_key_wo_version and private_key_pem are unchanged), "+
			"so Neo4j would fail to start. If the key changed too, bump private_key_wo_version (or change private_key_pem) so both are written together.",
			leaf.Subject, leaf.SerialNumber, keyPath, t.Host.ID())))
	return diags
}

// planChecks is the part of planning that needs the host: the key against the certificate (the
// configured key when it will be written, else the key already on the host), the paths the files take,
// and, on create, files someone else put there.
func (r *policyCertificateResource) planChecks(ctx context.Context, cfg, plan policyCertificateResourceModel, state *policyCertificateResourceModel,
	mat *certMaterial, files []certFile, replacing, certChanged bool) diag.Diagnostics {
	var diags diag.Diagnostics
	s := settingsOf(plan.Policy)
	// The key: checked against the certificate when it will be written; otherwise a new certificate
	// must match the key already on the host.
	keyEntry := ""
	if state != nil {
		keyEntry = stringMap(state.Files)[s.PrivateKeyPath]
	}
	writeKey := replacing || certKeyMustBeWritten(state, plan, keyEntry)
	somethingToWrite := state == nil || replacing || !state.Files.Equal(plan.Files)
	if !somethingToWrite && !certChanged && !writeKey {
		return diags
	}
	t, d := r.data.targetOf(ctx, s, cfg.SSH)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	if writeKey {
		keyValue, keyPath := configuredCertKey(cfg, plan)
		if !keyValue.IsUnknown() && !keyValue.IsNull() {
			key, kd := parseCertKey(keyValue.ValueString(), keyPath)
			diags.Append(kd...)
			if key != nil {
				diags.Append(checkCertKeyMatches(key, mat.chain[0], keyPath)...)
			}
		}
	} else if certChanged {
		diags.Append(checkCertHostKeyMatches(ctx, t, s.PrivateKeyPath, mat.chain[0])...)
	}
	if diags.HasError() {
		return diags
	}
	diags.Append(preflightCertFiles(ctx, t, s, files, plan.Owner.ValueString(), plan.Group.ValueString())...)
	if !diags.HasError() && (state == nil || replacing) {
		diags.Append(checkForeignCertFiles(ctx, t, files, mat.chain[0], plan.AdoptExisting.ValueBool())...)
	}
	return diags
}
