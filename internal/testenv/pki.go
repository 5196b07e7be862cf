package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a throwaway certificate authority with an ECDSA P-256 key.
type CA struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
}

// Leaf is an issued certificate with its key.
type Leaf struct {
	Cert     *x509.Certificate
	Key      *ecdsa.PrivateKey
	CertPEM  []byte
	KeyPEM   []byte
	ChainPEM []byte // leaf, then the intermediates (not the root)
}

// TLSCertificate is the leaf as crypto/tls wants it, chain included.
func (l *Leaf) TLSCertificate() tls.Certificate {
	c, err := tls.X509KeyPair(l.ChainPEM, l.KeyPEM)
	if err != nil {
		panic(err)
	}
	return c
}

var serialCounter atomic.Int64

func init() { serialCounter.Store(time.Now().UnixNano()) }

// nextSerial gives every certificate and CRL of a test run its own number.
func nextSerial() *big.Int { return big.NewInt(serialCounter.Add(1)) }

func newKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func pemKey(k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// NewCA makes a self-signed root CA valid from an hour ago for 30 days.
func NewCA(name string) *CA {
	key := newKey()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"dbtls tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{Cert: cert, Key: key, CertPEM: pemCert(der)}
}

// LeafOptions describe a certificate to issue.
type LeafOptions struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	Client     bool          // clientAuth instead of serverAuth
	NotBefore  time.Time     // default an hour ago
	Validity   time.Duration // default 10 days
	IsCA       bool          // an intermediate
}

func leafTemplate(o LeafOptions) *x509.Certificate {
	nb := o.NotBefore
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	v := o.Validity
	if v == 0 {
		v = 10 * 24 * time.Hour
	}
	t := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: o.CommonName},
		NotBefore:             nb,
		NotAfter:              nb.Add(v),
		DNSNames:              o.DNSNames,
		IPAddresses:           o.IPs,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if o.Client {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if o.IsCA {
		t.IsCA = true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		t.ExtKeyUsage = nil
	}
	return t
}

// Issue signs a certificate.
func (ca *CA) Issue(o LeafOptions) *Leaf {
	key := newKey()
	der, err := x509.CreateCertificate(rand.Reader, leafTemplate(o), ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &Leaf{Cert: cert, Key: key, CertPEM: pemCert(der), KeyPEM: pemKey(key), ChainPEM: pemCert(der)}
}

// Intermediate issues a CA certificate signed by ca.
func (ca *CA) Intermediate(name string) *CA {
	l := ca.Issue(LeafOptions{CommonName: name, IsCA: true, Validity: 20 * 24 * time.Hour})
	return &CA{Cert: l.Cert, Key: l.Key, CertPEM: l.CertPEM}
}

// SelfSigned makes a self-signed server certificate, marked as a CA as `openssl req -x509` does.
func SelfSigned(o LeafOptions) *Leaf {
	key := newKey()
	t := leafTemplate(o)
	t.IsCA = true
	t.KeyUsage |= x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, t, t, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &Leaf{Cert: cert, Key: key, CertPEM: pemCert(der), KeyPEM: pemKey(key), ChainPEM: pemCert(der)}
}

// CRL returns a PEM CRL signed by ca listing the given certificates, valid from an hour ago for a day.
func (ca *CA) CRL(revoked ...*x509.Certificate) []byte {
	var entries []x509.RevocationListEntry
	for _, c := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    nextSerial(),
		ThisUpdate:                time.Now().Add(-time.Hour),
		NextUpdate:                time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// WriteFile writes data to dir/name with mode 0600 and returns the path.
func WriteFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Localhost is the usual SAN set of a test server certificate.
func Localhost() LeafOptions {
	return LeafOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}
}
