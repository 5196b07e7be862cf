package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
)

// Private key formats, as PrivateKey.Format reports them.
const (
	FormatPKCS8 = "PKCS#8" // "PRIVATE KEY"
	FormatPKCS1 = "PKCS#1" // "RSA PRIVATE KEY"
	FormatSEC1  = "SEC1"   // "EC PRIVATE KEY"
)

// Key algorithms, as KeyAlgorithm and PrivateKey.Algorithm name them (the names hashicorp/tls uses).
const (
	AlgorithmRSA     = "RSA"
	AlgorithmECDSA   = "ECDSA"
	AlgorithmEd25519 = "ED25519"
)

// Neo4jKeyAlgorithms are the key algorithms Neo4j's SSL framework loads on every supported version.
var Neo4jKeyAlgorithms = []string{AlgorithmRSA, AlgorithmECDSA}

// ErrEncryptedKey is returned for a private key that is encrypted (an "ENCRYPTED PRIVATE KEY" block, or a
// legacy PEM block with a "Proc-Type: 4,ENCRYPTED" header).
var ErrEncryptedKey = errors.New("the private key is encrypted")

// PrivateKey is a parsed private key. Its String method never prints key material.
type PrivateKey struct {
	// Signer is the key itself.
	Signer crypto.Signer
	// Algorithm is AlgorithmRSA, AlgorithmECDSA or AlgorithmEd25519.
	Algorithm string
	// Format is the encoding the key arrived in: FormatPKCS8, FormatPKCS1 or FormatSEC1.
	Format string
}

// String describes the key without its material, e.g. "RSA 2048-bit key (PKCS#1)".
func (k *PrivateKey) String() string {
	return describePublicKey(k.Signer.Public()) + " key (" + k.Format + ")"
}

// Public is the key's public half.
func (k *PrivateKey) Public() crypto.PublicKey { return k.Signer.Public() }

// Matches reports whether cert holds the public half of k.
func (k *PrivateKey) Matches(cert *x509.Certificate) bool {
	pub, ok := k.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// PKCS8PEM encodes the key as one PEM "PRIVATE KEY" block (PKCS#8, unencrypted), whatever format it
// arrived in. The result is the same for the same key.
func (k *PrivateKey) PKCS8PEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("encoding the key as PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey parses data that must hold exactly one private key block ("PRIVATE KEY", "RSA PRIVATE
// KEY" or "EC PRIVATE KEY"; an "EC PARAMETERS" block as `openssl ecparam -genkey` writes it is allowed
// beside it) and nothing else: a certificate or a second key is an error, as is an encrypted key
// (ErrEncryptedKey), and so is input over MaxPEMSize. Errors never quote the input.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	if err := CheckSize(int64(len(data)), MaxPEMSize); err != nil {
		return nil, err
	}
	b, err := ParseBundle(data)
	if err != nil {
		return nil, err
	}
	var key *PrivateKey
	for _, it := range b.Items {
		switch {
		case it.Key != nil && key == nil:
			key = it.Key
		case it.Key != nil:
			return nil, fmt.Errorf("line %d: a second private key; give exactly one", it.Line)
		default:
			return nil, fmt.Errorf("line %d: a %s block where only a private key belongs", it.Line, it.Type)
		}
	}
	if key == nil {
		return nil, errors.New("no private key block found")
	}
	return key, nil
}

// parseKeyBlock parses one private key block of the given type.
func parseKeyBlock(block *pem.Block) (*PrivateKey, error) {
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] == "4,ENCRYPTED" {
		return nil, ErrEncryptedKey
	}
	var (
		key    any
		err    error
		format string
	)
	switch block.Type {
	case "PRIVATE KEY":
		format = FormatPKCS8
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		format = FormatPKCS1
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		format = FormatSEC1
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%q is not a private key type", block.Type)
	}
	if err != nil {
		// The x509 errors name the structure that failed, never the bytes.
		return nil, fmt.Errorf("not a valid %s private key: %w", format, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return &PrivateKey{Signer: k, Algorithm: AlgorithmRSA, Format: format}, nil
	case *ecdsa.PrivateKey:
		return &PrivateKey{Signer: k, Algorithm: AlgorithmECDSA, Format: format}, nil
	case ed25519.PrivateKey:
		return &PrivateKey{Signer: k, Algorithm: AlgorithmEd25519, Format: format}, nil
	default:
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
}

// KeyAlgorithm names the algorithm of a public key (a certificate's PublicKey): AlgorithmRSA,
// AlgorithmECDSA, AlgorithmEd25519, or "UNKNOWN".
func KeyAlgorithm(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return AlgorithmRSA
	case *ecdsa.PublicKey:
		return AlgorithmECDSA
	case ed25519.PublicKey:
		return AlgorithmEd25519
	}
	return "UNKNOWN"
}

// LoadableByNeo4j reports whether Neo4j's SSL framework loads a key of this algorithm (RSA and EC).
func LoadableByNeo4j(algorithm string) bool { return slices.Contains(Neo4jKeyAlgorithms, algorithm) }

// describePublicKey is "RSA 2048-bit", "ECDSA P-256" or "ED25519".
func describePublicKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	}
	return KeyAlgorithm(pub)
}

// DescribePublicKey describes a certificate's key for people: "RSA 2048-bit", "ECDSA P-256", "ED25519".
func DescribePublicKey(cert *x509.Certificate) string { return describePublicKey(cert.PublicKey) }

// HasClientAuthEKU reports whether cert may authenticate a TLS client, which Neo4j's cluster scope
// needs (members connect to each other as clients): its extended key usage lists clientAuth or
// anyExtendedKeyUsage, or it has no extended key usage extension at all (unrestricted, RFC 5280
// 4.2.1.12, which is how Java's checks read it too).
func HasClientAuthEKU(cert *x509.Certificate) bool {
	return allowsEKU(cert, x509.ExtKeyUsageClientAuth)
}

// HasServerAuthEKU is HasClientAuthEKU for serverAuth.
func HasServerAuthEKU(cert *x509.Certificate) bool {
	return allowsEKU(cert, x509.ExtKeyUsageServerAuth)
}

func allowsEKU(cert *x509.Certificate, want x509.ExtKeyUsage) bool {
	if len(cert.ExtKeyUsage) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return true
	}
	return slices.Contains(cert.ExtKeyUsage, want) || slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny)
}
