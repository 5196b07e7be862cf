package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

func TestParsePrivateKeyFormats(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	rsaLeaf := ca.Issue(t, pkitest.Options{KeyType: pkitest.RSA})
	ecLeaf := ca.Issue(t, pkitest.Options{})
	edLeaf := ca.Issue(t, pkitest.Options{KeyType: pkitest.Ed25519})
	for _, tc := range []struct {
		name, in, format, alg string
		leaf                  *pkitest.Pair
	}{
		{"RSA PKCS#8", rsaLeaf.KeyPEM(t), FormatPKCS8, AlgorithmRSA, rsaLeaf},
		{"RSA PKCS#1", rsaLeaf.LegacyKeyPEM(t), FormatPKCS1, AlgorithmRSA, rsaLeaf},
		{"EC PKCS#8", ecLeaf.KeyPEM(t), FormatPKCS8, AlgorithmECDSA, ecLeaf},
		{"EC SEC1 with EC PARAMETERS", "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ecLeaf.LegacyKeyPEM(t), FormatSEC1, AlgorithmECDSA, ecLeaf},
		{"Ed25519", edLeaf.KeyPEM(t), FormatPKCS8, AlgorithmEd25519, edLeaf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKey([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if k.Format != tc.format || k.Algorithm != tc.alg {
				t.Errorf("format %s alg %s, want %s %s", k.Format, k.Algorithm, tc.format, tc.alg)
			}
			if !k.Matches(tc.leaf.Cert) {
				t.Error("key does not match its certificate")
			}
			if k.Matches(ca.Cert) {
				t.Error("key matches another certificate")
			}
			if KeyAlgorithm(tc.leaf.Cert.PublicKey) != tc.alg {
				t.Errorf("KeyAlgorithm = %s", KeyAlgorithm(tc.leaf.Cert.PublicKey))
			}
			if LoadableByNeo4j(tc.alg) != (tc.alg != AlgorithmEd25519) {
				t.Errorf("LoadableByNeo4j(%s) wrong", tc.alg)
			}
			// Always written as PKCS#8, and the same key comes back.
			out, err := k.PKCS8PEM()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := pem.Decode(out)
			if b == nil || b.Type != "PRIVATE KEY" {
				t.Fatalf("PKCS8PEM wrote %q", out)
			}
			again, err := ParsePrivateKey(out)
			if err != nil || again.Format != FormatPKCS8 || !again.Matches(tc.leaf.Cert) {
				t.Fatalf("round trip: %v", err)
			}
			if s := k.String(); strings.Contains(s, "BEGIN") || s == "" {
				t.Errorf("String() = %q", s)
			}
		})
	}
}

func TestParsePrivateKeyRefusals(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, pkitest.Options{})
	other := ca.Issue(t, pkitest.Options{})
	for _, tc := range []struct{ name, in, err string }{
		{"certificate only", leaf.CertPEM, "only a private key belongs"},
		{"key and certificate", leaf.KeyPEM(t) + leaf.CertPEM, "line 6: a CERTIFICATE block where only a private key belongs"},
		{"two keys", leaf.KeyPEM(t) + other.KeyPEM(t), "a second private key"},
		{"garbage", "hunter2", "no PEM block"},
		{"bad DER", "-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n", "not a valid PKCS#8 private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePrivateKey([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
	_, err := ParsePrivateKey([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8=\n-----END ENCRYPTED PRIVATE KEY-----\n"))
	if !errors.Is(err, ErrEncryptedKey) {
		t.Fatalf("err = %v", err)
	}
}

func TestExtKeyUsage(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	for _, tc := range []struct {
		name           string
		eku            []x509.ExtKeyUsage
		client, server bool
	}{
		{"server and client", nil, true, true},
		{"server only", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false, true},
		{"client only", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, false},
		{"any", []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, true, true},
		{"no extension", []x509.ExtKeyUsage{}, true, true},
		{"code signing", []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ca.Issue(t, pkitest.Options{ExtKeyUsage: tc.eku}).Cert
			if HasClientAuthEKU(c) != tc.client || HasServerAuthEKU(c) != tc.server {
				t.Errorf("client %v server %v, want %v %v", HasClientAuthEKU(c), HasServerAuthEKU(c), tc.client, tc.server)
			}
		})
	}
}
