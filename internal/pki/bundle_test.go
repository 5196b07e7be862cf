package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

func TestParseBundle(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, pkitest.Options{})
	crl := ca.CRL(t, leaf.Cert)
	key := leaf.KeyPEM(t)

	t.Run("mixed bundle with text between blocks", func(t *testing.T) {
		in := "subject=CN = localhost\r\n" + strings.ReplaceAll(leaf.CertPEM, "\n", "\r\n") + "Bag Attributes\n" + ca.CertPEM + "\n" + crl + key
		b, err := ParseBundle([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Items) != 4 {
			t.Fatalf("got %d items, want 4", len(b.Items))
		}
		if got := b.Certificates(); len(got) != 2 || !got[0].Equal(leaf.Cert) || !got[1].Equal(ca.Cert) {
			t.Errorf("certificates out of order or missing")
		}
		if got := b.RevocationLists(); len(got) != 1 || len(got[0].RevokedCertificateEntries) != 1 {
			t.Errorf("CRL not parsed")
		}
		if b.Items[3].Key == nil || !b.Items[3].Key.Matches(leaf.Cert) {
			t.Errorf("key not parsed or not matching")
		}
		wantLines := []int{2, 2 + strings.Count(leaf.CertPEM, "\n") + 1}
		if b.Items[0].Line != wantLines[0] || b.Items[1].Line != wantLines[1] {
			t.Errorf("lines %d, %d; want %v", b.Items[0].Line, b.Items[1].Line, wantLines)
		}
	})

	body := strings.SplitN(leaf.CertPEM, "\n", 2)[1]
	for _, tc := range []struct {
		name, in, err string
		is            error
	}{
		{"empty", "", "no PEM block", ErrNoPEM},
		{"text only", "not a certificate at all", "no PEM block", ErrNoPEM},
		{"bad base64", "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n", "line 1 (CERTIFICATE): malformed PEM block", nil},
		{"malformed block before a good one", "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n" + leaf.CertPEM, "line 1 (CERTIFICATE): malformed", nil},
		{"truncated last block", leaf.CertPEM + "-----BEGIN CERTIFICATE-----\nMIIB", fmt.Sprintf("line %d (CERTIFICATE): the block has no END line", strings.Count(leaf.CertPEM, "\n")+1), nil},
		{"truncated block before another", strings.TrimSuffix(leaf.CertPEM, "-----END CERTIFICATE-----\n") + ca.CertPEM, "no END line before the next BEGIN", nil},
		{"mismatched END", "-----BEGIN CERTIFICATE-----\n" + strings.Replace(body, "END CERTIFICATE", "END X509 CRL", 1), "malformed PEM block", nil},
		{"END without BEGIN", body, "line 1", nil},
		{"valid base64, not DER", "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n", "not a valid certificate", nil},
		{"not DER CRL", "-----BEGIN X509 CRL-----\naGVsbG8gd29ybGQ=\n-----END X509 CRL-----\n", "not a valid certificate revocation list", nil},
		{"unknown type", "-----BEGIN CERTIFICATE REQUEST-----\naGVsbG8=\n-----END CERTIFICATE REQUEST-----\n", `unsupported PEM block type "CERTIFICATE REQUEST"`, nil},
		{"indented BEGIN", "  " + leaf.CertPEM, "does not start its line", nil},
		{"encrypted PKCS#8", "-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8=\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted", ErrEncryptedKey},
		{"encrypted legacy", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\naGVsbG8=\n-----END RSA PRIVATE KEY-----\n", "encrypted", ErrEncryptedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBundle([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
}

func TestParseCertificateChainRefusesKeys(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, pkitest.Options{})
	chain, err := ParseCertificateChain([]byte(leaf.CertPEM + ca.CertPEM))
	if err != nil || len(chain) != 2 {
		t.Fatalf("chain: %v, %d certificates", err, len(chain))
	}
	_, err = ParseCertificateChain([]byte(leaf.CertPEM + leaf.KeyPEM(t)))
	if err == nil || !strings.Contains(err.Error(), "a private key where only CERTIFICATE blocks belong") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), strings.Split(leaf.KeyPEM(t), "\n")[1][:20]) {
		t.Fatal("the error quotes the key")
	}
	_, err = ParseCertificateChain([]byte(ca.CRL(t)))
	if err == nil || !strings.Contains(err.Error(), "only CERTIFICATE blocks belong here") {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseCRLBundle([]byte(leaf.CertPEM)); err == nil {
		t.Fatal("a certificate parsed as a CRL bundle")
	}
}

func TestChainOrderAndCRLSigner(t *testing.T) {
	root := pkitest.NewCA(t, "Root")
	inter := root.IssueIntermediate(t, "Intermediate")
	leaf := inter.Issue(t, pkitest.Options{})
	if p := ChainOrderProblem([]*x509.Certificate{leaf.Cert, inter.Cert, root.Cert}); p != "" {
		t.Errorf("right order reported: %s", p)
	}
	if p := ChainOrderProblem([]*x509.Certificate{leaf.Cert, root.Cert, inter.Cert}); !strings.Contains(p, "certificate 1") {
		t.Errorf("wrong order: %q", p)
	}
	crl, err := ParseCRLBundle([]byte(inter.CRL(t, leaf.Cert)))
	if err != nil {
		t.Fatal(err)
	}
	if s := CRLSigner(crl[0], []*x509.Certificate{root.Cert, inter.Cert}); s == nil || !s.Equal(inter.Cert) {
		t.Errorf("signer not found")
	}
	if s := CRLSigner(crl[0], []*x509.Certificate{root.Cert, leaf.Cert}); s != nil {
		t.Errorf("found signer %s", s.Subject)
	}
}
