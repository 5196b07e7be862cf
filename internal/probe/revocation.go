package probe

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
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

// issuerChain links the server's certificates as far as signatures allow, when the chain does not verify
// (an expired leaf, an unknown root): from the leaf, each next certificate is one of the server's or of
// known whose subject is the current issuer and whose key verifies the current signature; validity
// periods and purposes are ignored. It stops at a self-signed certificate or when no issuer is found, so
// revocation can still be judged against the CRL issuer: an expired and revoked leaf is reported revoked.
func issuerChain(peer, known []*x509.Certificate) []*x509.Certificate {
	if len(peer) == 0 {
		return nil
	}
	candidates := append(append([]*x509.Certificate{}, peer[1:]...), known...)
	chain := []*x509.Certificate{peer[0]}
	for len(chain) <= len(candidates) {
		cur := chain[len(chain)-1]
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && cur.CheckSignatureFrom(cur) == nil {
			break
		}
		var next *x509.Certificate
		for _, c := range candidates {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil && !slices.ContainsFunc(chain, c.Equal) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
	}
	return chain
}
