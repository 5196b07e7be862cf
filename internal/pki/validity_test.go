package pki

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

func TestCheckValidity(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotBefore: from, NotAfter: from.AddDate(0, 0, 90)}
	for _, c := range []struct {
		now     time.Time
		minDays int64
		want    Validity
	}{
		{from.Add(-time.Second), 0, NotYetValid},
		{from, 0, Valid},
		{from.AddDate(0, 0, 60), 30, Valid},
		{from.AddDate(0, 0, 61), 30, ExpiresSoon},
		{from.AddDate(0, 0, 61), 0, Valid},
		{from.AddDate(0, 0, 90), 30, ExpiresSoon},
		{from.AddDate(0, 0, 90).Add(time.Second), 30, Expired},
	} {
		if got := CheckValidity(cert, c.now, c.minDays); got != c.want {
			t.Errorf("CheckValidity at %s (min %d days) = %d, want %d", c.now, c.minDays, got, c.want)
		}
	}
}

func TestKeyPEMMatches(t *testing.T) {
	ca := pkitest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, pkitest.Options{})
	other := ca.Issue(t, pkitest.Options{})
	if !KeyPEMMatches([]byte(leaf.KeyPEM(t)), leaf.Cert) {
		t.Error("a key does not match its own certificate")
	}
	if KeyPEMMatches([]byte(other.KeyPEM(t)), leaf.Cert) {
		t.Error("a key matches another key's certificate")
	}
	if KeyPEMMatches([]byte("not a key"), leaf.Cert) {
		t.Error("garbage matches")
	}
}
