package neo4j

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestCertFileNames(t *testing.T) {
	der := []byte("not really DER, but any bytes name a file")
	sum := sha256.Sum256(der)
	want := hex.EncodeToString(sum[:])[:16]
	if got := TrustedCertFile("/h/certificates/p/trusted", der); got != "/h/certificates/p/trusted/trusted-"+want+".crt" {
		t.Fatalf("TrustedCertFile: %s", got)
	}
	if got := RevokedCRLFile("/h/certificates/p/revoked", der); got != "/h/certificates/p/revoked/revoked-"+want+".crl" {
		t.Fatalf("RevokedCRLFile: %s", got)
	}
	for name, ok := range map[string]bool{
		"trusted-" + want + ".crt":      true,
		"trusted-" + want + ".crl":      false,
		"trusted-" + want[:15] + ".crt": false,
		"trusted-0011223344556zzz.crt":  false,
		"other-" + want + ".crt":        false,
		"public.crt":                    false,
	} {
		if IsCertFileName(name, TrustedFilePrefix, TrustedFileExt) != ok {
			t.Errorf("IsCertFileName(%q) = %v", name, !ok)
		}
	}
	if got := TrustedCopyPath("/b/trusted", "/b/public.crt"); got != "/b/trusted/public.crt" {
		t.Fatalf("TrustedCopyPath: %s", got)
	}
	if got := TrustedCopyPath("/b", "/b/public.crt"); got != "" {
		t.Fatalf("TrustedCopyPath onto the certificate itself: %q", got)
	}
}
