package neo4j

import (
	"crypto/sha256"
	"encoding/hex"
	posix "path"
	"strings"
)

// The names of the files dbtls_policy_certificate writes into a policy's trusted and revoked
// directories: "<prefix><first 16 hex digits of the SHA-256 of the DER><ext>". The scheme is the
// provider's own convention, not Neo4j's: a name derived from the content keeps two certificates apart
// and lets an import tell the provider's files from others.
const (
	TrustedFilePrefix = "trusted-"
	TrustedFileExt    = ".crt"
	RevokedFilePrefix = "revoked-"
	RevokedFileExt    = ".crl"
)

// TrustedCertFile is the path in trustedDir of the trusted certificate whose DER is der.
func TrustedCertFile(trustedDir string, der []byte) string {
	return posix.Join(trustedDir, TrustedFilePrefix+shortDigest(der)+TrustedFileExt)
}

// RevokedCRLFile is the path in revokedDir of the revocation list whose DER is der.
func RevokedCRLFile(revokedDir string, der []byte) string {
	return posix.Join(revokedDir, RevokedFilePrefix+shortDigest(der)+RevokedFileExt)
}

// IsCertFileName reports whether name follows the scheme for prefix and ext: the prefix, 16 hex
// digits, the extension.
func IsCertFileName(name, prefix, ext string) bool {
	h, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	h, ok = strings.CutSuffix(h, ext)
	if _, err := hex.DecodeString(h); !ok || len(h) != 16 || err != nil {
		return false
	}
	return true
}

// TrustedCopyPath is where the public certificate is duplicated: the trusted directory, under the
// public certificate's own file name ("" when that would be the certificate itself).
func TrustedCopyPath(trustedDir, publicCertificate string) string {
	p := posix.Join(trustedDir, posix.Base(publicCertificate))
	if p == publicCertificate {
		return ""
	}
	return p
}

func shortDigest(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])[:16]
}
