// Package pkitest makes throwaway PKI for tests: a CA, certificates it issues, and CRLs, generated per
// test run in memory (nothing is committed, nothing expires under a test). It is imported by tests only.
package pkitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// KeyType selects the algorithm of a generated key.
type KeyType string

const (
	ECDSA   KeyType = "ecdsa" // P-256, the default: fast to generate
	RSA     KeyType = "rsa"   // 2048-bit
	Ed25519 KeyType = "ed25519"
)

// Pair is a certificate with its private key.
type Pair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM string
}

// KeyPEM is the key as PKCS#8 ("PRIVATE KEY").
func (p *Pair) KeyPEM(t testing.TB) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(p.Key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// LegacyKeyPEM is the key in its algorithm's traditional format: PKCS#1 ("RSA PRIVATE KEY") for RSA,
// SEC1 ("EC PRIVATE KEY") for ECDSA.
func (p *Pair) LegacyKeyPEM(t testing.TB) string {
	t.Helper()
	switch k := p.Key.(type) {
	case *rsa.PrivateKey:
		return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	}
	t.Fatalf("no legacy format for %T", p.Key)
	return ""
}

// Options shape an issued certificate. Zero values give a server certificate for "localhost" valid
// from an hour ago for 90 days, with an ECDSA key and serverAuth+clientAuth.
type Options struct {
	CommonName  string
	DNSNames    []string
	IPAddresses []net.IP
	NotBefore   time.Time
	NotAfter    time.Time
	KeyType     KeyType
	ExtKeyUsage []x509.ExtKeyUsage // nil: serverAuth and clientAuth; empty non-nil: no EKU extension
}

// NewKey generates a key of the given type.
func NewKey(t testing.TB, kt KeyType) crypto.Signer {
	t.Helper()
	var (
		k   crypto.Signer
		err error
	)
	switch kt {
	case RSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case Ed25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

// NewCA makes a self-signed CA valid from an hour ago for a year.
func NewCA(t testing.TB, name string) *Pair {
	t.Helper()
	key := NewKey(t, ECDSA)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"dbtls tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	return sign(t, tmpl, key, nil)
}

// Issue makes a certificate signed by ca.
func (ca *Pair) Issue(t testing.TB, o Options) *Pair {
	t.Helper()
	if o.CommonName == "" {
		o.CommonName = "localhost"
	}
	if o.DNSNames == nil {
		o.DNSNames = []string{o.CommonName}
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(90 * 24 * time.Hour)
	}
	if o.ExtKeyUsage == nil {
		o.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: o.CommonName},
		DNSNames:              o.DNSNames,
		IPAddresses:           o.IPAddresses,
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           o.ExtKeyUsage,
		BasicConstraintsValid: true,
	}
	return sign(t, tmpl, NewKey(t, o.KeyType), ca)
}

// IssueIntermediate makes a CA certificate signed by ca.
func (ca *Pair) IssueIntermediate(t testing.TB, name string) *Pair {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(180 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	return sign(t, tmpl, NewKey(t, ECDSA), ca)
}

func sign(t testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *Pair) *Pair {
	t.Helper()
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Pair{Cert: cert, Key: key, CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// CRL makes a PEM CRL signed by ca that revokes the given certificates, valid from an hour ago for 30
// days.
func (ca *Pair) CRL(t testing.TB, revoked ...*x509.Certificate) string {
	t.Helper()
	tmpl := &x509.RevocationList{
		Number:     serial(t),
		ThisUpdate: time.Now().Add(-time.Hour),
		NextUpdate: time.Now().Add(30 * 24 * time.Hour),
	}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: c.SerialNumber, RevocationTime: time.Now().Add(-time.Minute),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}
