package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// Strength floors for the material the provider writes for Neo4j. They follow OpenSSL's security level 2
// (the default of current Debian and RHEL OpenSSL builds, and what `openssl verify -auth_level 2`
// applies): 112-bit security, so RSA keys of at least 2048 bits, elliptic curves of at least 224 bits
// (the provider asks for 256: P-224 is the only smaller curve Go parses, and no TLS 1.3 peer offers it),
// and no MD5 or SHA-1 signatures.
const (
	MinRSABits   = 2048
	MinECDSABits = 256
)

// Weakness kinds, as Weakness.Kind reports them.
const (
	WeakKey       = "key"       // an RSA key under MinRSABits or an ECDSA curve under MinECDSABits
	WeakSignature = "signature" // signed with MD2, MD5 or SHA-1
	CAAsLeaf      = "ca-leaf"   // the first certificate of a server chain is a CA certificate
)

// Fixes, for messages: how to make a key that passes, and how to have a certificate signed strongly.
const (
	FixKey = "Generate a new key (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private.key`, " +
		"or `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out private.key`) and have the certificate reissued for it"
	FixSignature = "Have the certificate reissued with a SHA-256 (or stronger) signature, e.g. `openssl x509 -req -sha256 ...` " +
		"or `openssl req -x509 -sha256 ...`; most CAs do this by default"
	FixCAAsLeaf = "Issue a server certificate from the CA (basicConstraints CA:FALSE, extendedKeyUsage serverAuth) for the key, " +
		"put it first in the chain, and list the CA certificate after it or in trusted_certificates_pem"
)

// Weakness is one reason a certificate chain is too weak for a server to present.
type Weakness struct {
	Kind  string // WeakKey, WeakSignature or CAAsLeaf
	Index int    // 0-based position of the certificate in the chain (0 is the leaf)
	Cert  *x509.Certificate
	What  string // what is weak, for people: "an RSA 1024-bit key", "a SHA1-RSA signature"
}

// KeyWeakness describes why a public key is too weak ("an RSA 1024-bit key"), or returns "" when it
// is strong enough or not RSA or ECDSA (other algorithms are judged elsewhere).
func KeyWeakness(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return fmt.Sprintf("an RSA %d-bit key (at least %d bits are required)", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < MinECDSABits {
			return fmt.Sprintf("an ECDSA %s key (a %d-bit curve; P-256 or larger is required)", k.Curve.Params().Name, k.Curve.Params().BitSize)
		}
	}
	return ""
}

// WeakSignatureAlgorithm reports whether alg is an MD2, MD5 or SHA-1 based signature: collisions in
// those hashes are practical (SHA-1 since 2017, MD5 since 2008), so a signature over them proves
// nothing about who issued the certificate.
func WeakSignatureAlgorithm(alg x509.SignatureAlgorithm) bool {
	switch alg {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// ChainWeaknesses checks a chain as a server would present it (leaf first): every certificate's key
// against MinRSABits and MinECDSABits, every signature except a self-signed certificate's own, and
// that the leaf is not a CA certificate.
//
// A self-signed certificate's own signature is not judged: a root is trusted because it sits in a trust
// store, not because of its signature, which nobody relies on (OpenSSL's security levels make the same
// exception). Its key is judged, since every signature it makes relies on that.
func ChainWeaknesses(chain []*x509.Certificate) []Weakness {
	var out []Weakness
	if len(chain) > 0 && chain[0].BasicConstraintsValid && chain[0].IsCA {
		out = append(out, Weakness{Kind: CAAsLeaf, Index: 0, Cert: chain[0], What: "a CA certificate (basicConstraints CA:TRUE)"})
	}
	for i, c := range chain {
		if w := KeyWeakness(c.PublicKey); w != "" {
			out = append(out, Weakness{Kind: WeakKey, Index: i, Cert: c, What: w})
		}
		if WeakSignatureAlgorithm(c.SignatureAlgorithm) && !selfIssuedRoot(c) {
			out = append(out, Weakness{Kind: WeakSignature, Index: i, Cert: c, What: "a " + c.SignatureAlgorithm.String() + " signature"})
		}
	}
	return out
}

// selfIssuedRoot reports whether c names itself as its issuer, with matching key identifiers when it
// carries them: a root. The signature is not verified, since Go refuses to verify MD5 and SHA-1
// signatures, which are exactly the ones this is asked about.
func selfIssuedRoot(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return len(c.AuthorityKeyId) == 0 || len(c.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)
}
