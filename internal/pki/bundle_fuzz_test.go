package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// FuzzParseBundle feeds the strict PEM/CRL bundle parser arbitrary text. It must never panic; what it
// accepts must round-trip (every item re-encoded canonically parses back to the same thing); what it
// refuses must not be quoted in the error (the input may be a private key). `go test` runs the seeds
// below as ordinary cases; `make fuzz` explores from them.
func FuzzParseBundle(f *testing.F) {
	ca := pkitest.NewCA(f, "Fuzz CA")
	inter := ca.IssueIntermediate(f, "Fuzz Intermediate")
	leaf := inter.Issue(f, pkitest.Options{})
	rsaLeaf := ca.Issue(f, pkitest.Options{KeyType: pkitest.RSA})
	crl := inter.CRL(f, leaf.Cert)
	seeds := []string{
		"",
		"garbage",
		leaf.CertPEM,
		leaf.CertPEM + inter.CertPEM + ca.CertPEM,
		strings.ReplaceAll(leaf.CertPEM+crl, "\n", "\r\n"),
		crl + ca.CRL(f),
		leaf.KeyPEM(f),
		leaf.LegacyKeyPEM(f),
		rsaLeaf.LegacyKeyPEM(f),
		"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + leaf.LegacyKeyPEM(f),
		"subject=CN=x\n" + leaf.CertPEM + "issuer=CN=y\n",
		leaf.CertPEM[:len(leaf.CertPEM)/2],
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END X509 CRL-----\n",
		"-----END CERTIFICATE-----\n",
		"-----BEGIN X509 CRL-----\naGVsbG8=\n-----END X509 CRL-----\n",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8=\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\naGVsbG8=\n-----END RSA PRIVATE KEY-----\n",
		"x-----BEGIN CERTIFICATE-----\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			if b != nil {
				t.Fatal("a bundle returned with an error")
			}
			msg := err.Error()
			for _, l := range strings.Split(string(data), "\n") {
				l = strings.TrimSpace(l)
				if len(l) >= 24 && !strings.Contains(l, "-----") && strings.Contains(msg, l) {
					t.Fatalf("the error quotes the input line %q: %s", l, msg)
				}
			}
			return
		}
		if len(b.Items) == 0 {
			t.Fatal("success without items")
		}
		var canon bytes.Buffer
		last := 0
		for _, it := range b.Items {
			n := 0
			if it.Certificate != nil {
				n++
				canon.WriteString(EncodeChain([]*x509.Certificate{it.Certificate}))
			}
			if it.RevocationList != nil {
				n++
				canon.WriteString(EncodeRevocationList(it.RevocationList))
			}
			if it.Key != nil {
				n++
				k, err := it.Key.PKCS8PEM()
				if err != nil {
					t.Fatalf("a parsed key does not encode: %v", err)
				}
				canon.Write(k)
			}
			if n != 1 {
				t.Fatalf("item %+v has %d values", it, n)
			}
			if it.Line <= last {
				t.Fatalf("line %d after %d", it.Line, last)
			}
			last = it.Line
		}
		again, err := ParseBundle(canon.Bytes())
		if err != nil {
			t.Fatalf("canonical re-encoding does not parse: %v", err)
		}
		if len(again.Items) != len(b.Items) {
			t.Fatalf("%d items, then %d", len(b.Items), len(again.Items))
		}
		for i, it := range b.Items {
			a := again.Items[i]
			switch {
			case it.Certificate != nil && (a.Certificate == nil || !a.Certificate.Equal(it.Certificate)):
				t.Fatalf("certificate %d changed", i)
			case it.RevocationList != nil && (a.RevocationList == nil || !bytes.Equal(a.RevocationList.Raw, it.RevocationList.Raw)):
				t.Fatalf("CRL %d changed", i)
			case it.Key != nil && (a.Key == nil || !a.Key.Signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(it.Key.Signer.Public())):
				t.Fatalf("key %d changed", i)
			}
		}
	})
}
