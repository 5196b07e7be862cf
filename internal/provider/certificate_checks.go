package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// certMaterial is the parsed, deduplicated content of a model.
type certMaterial struct {
	chain   []*x509.Certificate
	trusted []*x509.Certificate
	crls    []*x509.RevocationList
}

func parseCertChain(v string) ([]*x509.Certificate, diag.Diagnostics) {
	var diags diag.Diagnostics
	chain, err := pki.ParseCertificateChain([]byte(v))
	addCertPEMError(&diags, path.Root("certificate_pem"), "the value of certificate_pem", diagInvalidCertificate, err)
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
		addCertPEMError(&diags, path.Root("trusted_certificates_pem"), "a value of trusted_certificates_pem", diagInvalidTrustedCertificate, err)
		for _, c := range certs {
			if h := sha256Hex(c.Raw); !seen[h] {
				seen[h] = true
				mat.trusted = append(mat.trusted, c)
			}
		}
	}
	for _, v := range crls {
		l, err := pki.ParseCRLBundle([]byte(v))
		addCertPEMError(&diags, path.Root("revocation_lists_pem"), "a value of revocation_lists_pem", diagInvalidCertificateRevocationList, err)
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
		diags.Append(diagUnsupportedKeyType.attr(certPath,
			fmt.Sprintf("The certificate %q has a %s key. Neo4j's SSL framework loads RSA and EC keys only. Issue the certificate for an RSA or ECDSA key.", leaf.Subject, alg)))
	}
	validity := fmt.Sprintf("The certificate %q (serial %s) is valid from %s to %s; it is now %s.",
		leaf.Subject, leaf.SerialNumber, leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	switch pki.CheckValidity(leaf, now, minDays) {
	case pki.Expired:
		diags.Append(diagCertificateHasExpired.attrOf(writing, certPath, validity+" Neo4j would present an expired certificate and clients would refuse it. Issue a new certificate and set certificate_pem to it."))
	case pki.NotYetValid:
		diags.Append(diagCertificateNotYetValid.attrOf(writing, certPath, validity+" Clients would refuse it until then. Check the issuing clock, or wait."))
	case pki.ExpiresSoon:
		diags.Append(diagCertificateExpiresSoon.attr(certPath,
			fmt.Sprintf("%s That is %d days from now, fewer than min_days_remaining (%d). Issue a new certificate and apply it before then.", validity, pki.DaysRemaining(leaf, now), minDays)))
	}
	diags.Append(checkCertStrength(mat.chain, writing)...)
	diags.Append(checkTrustedStrength(mat.trusted)...)
	if p := pki.ChainOrderProblem(mat.chain); p != "" {
		diags.Append(diagCertificateChainOutOfOrder.attr(certPath,
			"certificate_pem must hold the leaf first, then each issuer in turn, and "+p+". Neo4j sends the chain as written, and some clients refuse a chain out of order. Reorder the blocks."))
	}
	signers := append(slices.Clone(mat.trusted), mat.chain...)
	for i, crl := range mat.crls {
		if pki.CRLSigner(crl, signers) == nil {
			diags.Append(diagRevocationListWithoutATrustedSigner.attr(path.Root("revocation_lists_pem"),
				fmt.Sprintf("The CRL from %q (number %d of the list) is not signed by any certificate in trusted_certificates_pem or certificate_pem, so Neo4j cannot use it to check peers. "+
					"Add its issuer's certificate to trusted_certificates_pem, or remove the CRL.", crl.Issuer.String(), i+1)))
		}
		if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
			diags.Append(diagRevocationListOutOfDate.attr(path.Root("revocation_lists_pem"),
				fmt.Sprintf("The CRL from %q was due to be replaced on %s. Fetch the current CRL from its issuer.", crl.Issuer.String(), crl.NextUpdate.UTC().Format(time.RFC3339))))
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
	for _, w := range pki.ChainWeaknesses(chain) {
		which := fmt.Sprintf("The certificate %q (certificate %d of certificate_pem)", w.Cert.Subject, w.Index+1)
		switch w.Kind {
		case pki.WeakKey:
			diags.Append(diagWeakCertificateKey.attrOf(writing, certPath,
				fmt.Sprintf("%s has %s. Keys that small can be broken with affordable effort, and clients at OpenSSL's default security level refuse them. %s, then set certificate_pem (and the private key) to the new pair.",
					which, w.What, pki.FixKey)))
		case pki.WeakSignature:
			diags.Append(diagWeakCertificateSignature.attrOf(writing, certPath,
				fmt.Sprintf("%s carries %s. Collisions in MD5 and SHA-1 are practical, so such a signature does not prove who issued the certificate; Java, OpenSSL and browsers refuse it. "+
					"%s. (A self-signed root's own signature is not checked: a root is trusted for being in the trust store, not for its signature.)",
					which, w.What, pki.FixSignature)))
		case pki.CAAsLeaf:
			diags.Append(diagCACertificateAsServerCertificate.attrOf(writing, certPath,
				fmt.Sprintf("%s is %s, but it comes first in certificate_pem, where Neo4j presents it as its own server certificate. Clients refuse a CA certificate as an end-entity certificate, "+
					"and its key can sign certificates for any name. %s.", which, w.What, pki.FixCAAsLeaf)))
		}
	}
	if len(chain) > 0 && !pki.HasServerAuthEKU(chain[0]) {
		diags.Append(diagCertificateLacksServerAuth.attr(certPath,
			fmt.Sprintf("The certificate %q has an extended key usage without serverAuth (it is for TLS clients only), but Neo4j presents the policy's certificate as a server on every channel, "+
				"so clients will refuse the handshake. Issue the certificate with extendedKeyUsage serverAuth (and clientAuth too for the cluster channel).", chain[0].Subject)))
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
			diags.Append(diagWeakTrustedCertificateKey.attr(path.Root("trusted_certificates_pem"),
				fmt.Sprintf("The trusted certificate %q has %s. Anyone who breaks that key can issue certificates Neo4j accepts from peers. "+
					"Have the CA moved to a stronger key (RSA 2048 or more, ECDSA P-256 or larger) and trust the new CA certificate instead.", c.Subject, w)))
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
		diags.Append(diagEncryptedPrivateKey.attr(at,
			"The private key is encrypted, and the provider does not manage private_key_password yet. Give the key unencrypted (for example `openssl pkcs8 -topk8 -nocrypt`); it is written with mode 0400."))
		return nil, diags
	case err != nil:
		diags.Append(diagInvalidPrivateKey.attr(at, fmt.Sprintf("The value of %s is not one unencrypted PEM private key: %s.", at, err)))
		return nil, diags
	case !pki.LoadableByNeo4j(key.Algorithm):
		diags.Append(diagUnsupportedKeyType.attr(at,
			fmt.Sprintf("The private key is %s. Neo4j's SSL framework loads RSA and EC keys only: generate an RSA or ECDSA key.", key)))
		return nil, diags
	}
	return key, diags
}

func checkCertKeyMatches(key *pki.PrivateKey, leaf *x509.Certificate, at path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if !key.Matches(leaf) {
		diags.Append(diagPrivateKeyDoesNotMatchTheCertificate.attr(at,
			fmt.Sprintf("The %s in %s is not the key of the certificate %q (serial %s, %s key), so Neo4j would fail to start with this pair. "+
				"Give the key the certificate was issued for, or a certificate issued for this key. With an ephemeral tls_private_key, which makes a new key on every run, "+
				"issue the certificate from the same run (tls_cert_request with private_key_pem_wo and the same version) and bump private_key_wo_version together.",
				key, at, leaf.Subject, leaf.SerialNumber, pki.DescribePublicKey(leaf))))
	}
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

func addCertPEMError(diags *diag.Diagnostics, at path.Path, what string, k *diagnosticKind, err error) {
	if err == nil {
		return
	}
	diags.Append(k.attr(at, fmt.Sprintf("%s does not parse: %s. Give PEM text as openssl and hashicorp/tls write it (-----BEGIN ...----- blocks).", upperFirst(what), err)))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// validateKeyChoice enforces exactly one of private_key_wo and private_key_pem, and the version with
// the write-only form. Unknown counts as set. It runs on the configuration at validation and again in
// Create and Update.
func validateKeyChoice(cfg policyCertificateResourceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	wo, pemKey, ver := !cfg.PrivateKeyWO.IsNull(), !cfg.PrivateKeyPEM.IsNull(), !cfg.PrivateKeyWOVersion.IsNull()
	switch {
	case wo && pemKey:
		diags.Append(diagConflictingPrivateKeyAttributes.attr(path.Root("private_key_pem"),
			"Both private_key_wo and private_key_pem are set. Set exactly one: private_key_wo (with private_key_wo_version) keeps the key out of the plan and the state, "+
				"so remove private_key_pem."))
	case !wo && !pemKey:
		diags.Append(diagMissingPrivateKey.attr(path.Root("private_key_wo"),
			"Neither private_key_wo nor private_key_pem is set, and the certificate is useless to Neo4j without its key. Set private_key_wo and private_key_wo_version "+
				"(never stored in plan or state; Terraform 1.11 or later), or private_key_pem (stored in the state)."))
	case wo && !ver:
		diags.Append(diagMissingPrivateKeyWoVersion.attr(path.Root("private_key_wo_version"),
			"private_key_wo is write-only, so Terraform cannot see when it changes. Set private_key_wo_version (for example 1) and change it whenever the key changes."))
	case !wo && ver:
		diags.Append(diagPrivateKeyWoVersionWithoutPrivateKeyWo.attr(path.Root("private_key_wo_version"),
			"private_key_wo_version versions the write-only key and means nothing with private_key_pem. Remove it, or give the key as private_key_wo instead."))
	}
	return diags
}
