// Package pki holds the provider's certificate handling that does not depend on Terraform.
package pki

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"math"
	"strings"
	"time"
)

// Summary is the part of a certificate people look at: who it is for, who issued it, when it expires.
type Summary struct {
	Subject     string
	Issuer      string
	Serial      string // decimal, as hashicorp/tls reports serial numbers
	NotBefore   time.Time
	NotAfter    time.Time
	SHA256      string // lowercase hex of the SHA-256 of the DER encoding, no separators
	IsCA        bool
	DNSNames    []string
	IPAddresses []string
	PEM         string
}

// Summarize describes cert.
func Summarize(cert *x509.Certificate) Summary {
	ips := make([]string, 0, len(cert.IPAddresses))
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	dns := append([]string{}, cert.DNSNames...)
	return Summary{
		Subject:     cert.Subject.String(),
		Issuer:      cert.Issuer.String(),
		Serial:      cert.SerialNumber.String(),
		NotBefore:   cert.NotBefore.UTC(),
		NotAfter:    cert.NotAfter.UTC(),
		SHA256:      SHA256Fingerprint(cert),
		IsCA:        cert.BasicConstraintsValid && cert.IsCA,
		DNSNames:    dns,
		IPAddresses: ips,
		PEM:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
	}
}

// SHA256Fingerprint is the lowercase hex SHA-256 of the certificate's DER encoding.
func SHA256Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// NormalizeFingerprint turns the usual spellings of a hex fingerprint ("AB:CD:..", "ab cd ..", "abcd..")
// into lowercase hex without separators. It returns "" when s is not hex once separators are removed.
func NormalizeFingerprint(s string) string {
	s = strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.ToLower(s)
	if _, err := hex.DecodeString(s); err != nil || s == "" {
		return ""
	}
	return s
}

// DaysRemaining is the number of whole days from now until cert expires, rounded down; negative once it
// has expired (a certificate that expired an hour ago has -1).
func DaysRemaining(cert *x509.Certificate, now time.Time) int64 {
	return int64(math.Floor(cert.NotAfter.Sub(now).Hours() / 24))
}

// IsSelfSigned reports whether cert is self-issued and its signature verifies with its own key.
func IsSelfSigned(cert *x509.Certificate) bool {
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		return false
	}
	return cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
}
