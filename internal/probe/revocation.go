package probe

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"
)

// revocationResult is what a set of CRLs says about a certificate chain.
type revocationResult struct {
	// Revoked is set when a certificate of the chain is listed by a CRL its issuer signed.
	Revoked bool
	// RevokedSubject names the revoked certificate.
	RevokedSubject string
	// Problem is why the chain could not be fully checked: a certificate without a CRL from its issuer,
	// a CRL whose signature does not verify, or one outside its validity period. Empty when every checked
	// certificate was covered by a valid CRL.
	Problem string
}

// checkRevocation checks a verified chain (leaf first, trust anchor last) against crls. With all set every
// certificate of the chain must be covered, as OpenSSL's X509_V_FLAG_CRL_CHECK_ALL demands (libpq sets it
// whenever it loads a CRL); otherwise only the leaf. The issuer of the last certificate is the certificate
// itself (a self-signed anchor). A listed certificate is reported even when another one lacks a CRL.
func checkRevocation(chain []*x509.Certificate, crls []*x509.RevocationList, now time.Time, all bool) revocationResult {
	var res revocationResult
	last := 0
	if all {
		last = len(chain) - 1
	}
	for i := 0; i <= last && i < len(chain); i++ {
		cert := chain[i]
		issuer := cert
		if i+1 < len(chain) {
			issuer = chain[i+1]
		}
		covered := false
		for _, crl := range crls {
			if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
				continue
			}
			if err := crl.CheckSignatureFrom(issuer); err != nil {
				if res.Problem == "" {
					res.Problem = fmt.Sprintf("the CRL for %q has a signature that does not verify", printable(cert.Subject.String()))
				}
				continue
			}
			if now.Before(crl.ThisUpdate) {
				if res.Problem == "" {
					res.Problem = fmt.Sprintf("the CRL from %q is not yet valid", printable(crl.Issuer.String()))
				}
				continue
			}
			if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
				if res.Problem == "" {
					res.Problem = fmt.Sprintf("the CRL from %q has expired", printable(crl.Issuer.String()))
				}
				continue
			}
			covered = true
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
					if !res.Revoked {
						res.Revoked = true
						res.RevokedSubject = printable(cert.Subject.String())
					}
				}
			}
		}
		if !covered && res.Problem == "" {
			res.Problem = fmt.Sprintf("no CRL from the issuer of %q", printable(cert.Subject.String()))
		}
	}
	return res
}
