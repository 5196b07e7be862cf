package pki

import (
	"crypto/x509"
	"time"
)

// Validity is where now falls in a certificate's validity period.
type Validity int

const (
	// Valid: within the period, and at least the required days before its end.
	Valid Validity = iota
	// Expired: after NotAfter.
	Expired
	// NotYetValid: before NotBefore.
	NotYetValid
	// ExpiresSoon: valid, but fewer than the required days remain.
	ExpiresSoon
)

// CheckValidity places now in cert's validity period. minDays > 0 asks for at least that many whole
// days remaining (DaysRemaining); fewer is ExpiresSoon.
func CheckValidity(cert *x509.Certificate, now time.Time, minDays int64) Validity {
	switch {
	case now.After(cert.NotAfter):
		return Expired
	case now.Before(cert.NotBefore):
		return NotYetValid
	case minDays > 0 && DaysRemaining(cert, now) < minDays:
		return ExpiresSoon
	}
	return Valid
}

// KeyPEMMatches reports whether data is a PEM private key whose public half is cert's (false when it
// does not parse). The key is not kept.
func KeyPEMMatches(data []byte, cert *x509.Certificate) bool {
	key, err := ParsePrivateKey(data)
	return err == nil && key.Matches(cert)
}
