package pki_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("summary CA")
	leaf := ca.Issue(testenv.Localhost())
	s := pki.Summarize(leaf.Cert)
	if s.Subject != "CN=localhost" || !strings.Contains(s.Issuer, "CN=summary CA") || s.IsCA ||
		len(s.DNSNames) != 1 || s.DNSNames[0] != "localhost" || len(s.IPAddresses) != 1 || s.IPAddresses[0] != "127.0.0.1" {
		t.Errorf("summary: %+v", s)
	}
	if s.Serial != leaf.Cert.SerialNumber.String() || len(s.SHA256) != 64 || s.SHA256 != strings.ToLower(s.SHA256) {
		t.Errorf("serial %q sha256 %q", s.Serial, s.SHA256)
	}
	if s.PEM != string(leaf.CertPEM) {
		t.Errorf("PEM differs")
	}
	if !pki.Summarize(ca.Cert).IsCA || !pki.IsSelfSigned(ca.Cert) || pki.IsSelfSigned(leaf.Cert) {
		t.Errorf("CA flags")
	}
	if d := pki.DaysRemaining(leaf.Cert, time.Now()); d < 9 || d > 10 {
		t.Errorf("days remaining %d for a 10-day certificate issued an hour ago", d)
	}
	if d := pki.DaysRemaining(leaf.Cert, leaf.Cert.NotAfter.Add(time.Hour)); d != -1 {
		t.Errorf("an hour after expiry: %d", d)
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"AB:CD:EF": "abcdef", " ab cd ": "abcd", "ab-cd": "abcd", "xyz": "", "": "", "abc": "",
	} {
		if got := pki.NormalizeFingerprint(in); got != want {
			t.Errorf("NormalizeFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}
