package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Item is one PEM block of a bundle, parsed: exactly one of Certificate, RevocationList and Key is set.
type Item struct {
	// Line is the 1-based line of the block's BEGIN line in the input.
	Line int
	// Type is the PEM type ("CERTIFICATE", "X509 CRL", "PRIVATE KEY", ...).
	Type           string
	Certificate    *x509.Certificate
	RevocationList *x509.RevocationList
	Key            *PrivateKey
}

// Bundle is the strictly parsed content of a PEM text, in input order.
type Bundle struct {
	Items []Item
}

// Certificates returns the bundle's certificates in input order.
func (b *Bundle) Certificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, it := range b.Items {
		if it.Certificate != nil {
			out = append(out, it.Certificate)
		}
	}
	return out
}

// RevocationLists returns the bundle's CRLs in input order.
func (b *Bundle) RevocationLists() []*x509.RevocationList {
	var out []*x509.RevocationList
	for _, it := range b.Items {
		if it.RevocationList != nil {
			out = append(out, it.RevocationList)
		}
	}
	return out
}

// BundleError locates a problem in a PEM text.
type BundleError struct {
	Line int    // 1-based line of the offending BEGIN (or END) line
	Type string // PEM type of the block, when known
	Err  error
}

func (e *BundleError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("line %d (%s): %s", e.Line, e.Type, e.Err)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Err)
}

func (e *BundleError) Unwrap() error { return e.Err }

// ErrNoPEM is returned by ParseBundle for input without any PEM block.
var ErrNoPEM = errors.New("no PEM block found (expected -----BEGIN ...----- lines)")

var (
	beginMarker = []byte("-----BEGIN ")
	endMarker   = []byte("-----END ")
)

// ParseBundle parses a PEM text strictly, for material that will be written to a host: every block
// must be complete and well formed and must parse as what its type says (CERTIFICATE, X509 CRL,
// PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY; an EC PARAMETERS block is skipped). Unlike
// encoding/pem, which silently skips a block it cannot decode, a malformed or truncated block, an END
// line without a BEGIN line, or a block of any other type is an error that names its line. Text
// between blocks without PEM markers (the "subject=" and "Bag Attributes" lines OpenSSL writes) is
// ignored. Input without any block is ErrNoPEM, input over MaxCRLPEMSize (the largest cap) a
// *TooLargeError. Errors never quote the input, so they are safe to show for a private key.
func ParseBundle(data []byte) (*Bundle, error) {
	if err := CheckSize(int64(len(data)), MaxCRLPEMSize); err != nil {
		return nil, err
	}
	b := &Bundle{}
	pos := 0
	// lineOf counts lines incrementally: positions only move forward.
	lineNo, counted := 1, 0
	lineOf := func(p int) int {
		lineNo += bytes.Count(data[counted:p], []byte("\n"))
		counted = p
		return lineNo
	}
	for {
		begin := bytes.Index(data[pos:], beginMarker)
		gap := data[pos:]
		if begin >= 0 {
			gap = gap[:begin]
		}
		if end := bytes.Index(gap, endMarker); end >= 0 {
			return nil, &BundleError{Line: lineOf(pos + end), Err: errors.New("an END line without a BEGIN line")}
		}
		if begin < 0 {
			break
		}
		start := pos + begin
		line := lineOf(start)
		if start > 0 && data[start-1] != '\n' {
			return nil, &BundleError{Line: line, Err: errors.New("a BEGIN marker that does not start its line")}
		}
		body := start + len(beginMarker)
		endAt := bytes.Index(data[body:], endMarker)
		if endAt < 0 {
			return nil, &BundleError{Line: line, Type: blockType(data[start:]), Err: errors.New("the block has no END line (truncated?)")}
		}
		if bytes.Contains(data[body:body+endAt], beginMarker) {
			return nil, &BundleError{Line: line, Type: blockType(data[start:]), Err: errors.New("the block has no END line before the next BEGIN line (truncated?)")}
		}
		stop := body + endAt
		if nl := bytes.IndexByte(data[stop:], '\n'); nl >= 0 {
			stop += nl + 1
		} else {
			stop = len(data)
		}
		block, rest := pem.Decode(data[start:stop])
		if block == nil || len(bytes.TrimSpace(rest)) != 0 {
			return nil, &BundleError{Line: line, Type: blockType(data[start:]),
				Err: errors.New("malformed PEM block (invalid base64, a mismatched END line, or stray text inside the block)")}
		}
		pos = stop
		it, err := parseBlock(block)
		if err != nil {
			return nil, &BundleError{Line: line, Type: block.Type, Err: err}
		}
		if it != nil {
			it.Line = line
			b.Items = append(b.Items, *it)
		}
	}
	if len(b.Items) == 0 {
		return nil, ErrNoPEM
	}
	return b, nil
}

// parseBlock parses one decoded block; nil without error for a block that is skipped.
func parseBlock(block *pem.Block) (*Item, error) {
	it := &Item{Type: block.Type}
	switch block.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a valid certificate: %w", err)
		}
		it.Certificate = cert
	case "X509 CRL":
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a valid certificate revocation list: %w", err)
		}
		it.RevocationList = crl
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		key, err := parseKeyBlock(block)
		if err != nil {
			return nil, err
		}
		it.Key = key
	case "EC PARAMETERS":
		return nil, nil
	default:
		return nil, fmt.Errorf("unsupported PEM block type %q (expected CERTIFICATE, X509 CRL or a private key)", block.Type)
	}
	return it, nil
}

// blockType reads the type from a BEGIN line for error messages; "" when it cannot.
func blockType(b []byte) string {
	b = b[len(beginMarker):]
	if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
		b = b[:nl]
	}
	t, ok := bytes.CutSuffix(bytes.TrimRight(b, " \t\r"), []byte("-----"))
	if !ok || len(t) > 64 {
		return ""
	}
	for _, c := range t {
		if c < ' ' || c > '~' {
			return ""
		}
	}
	return string(t)
}

// ParseCertificateChain parses a certificate followed by its chain: CERTIFICATE blocks only, at least
// one, at most MaxPEMSize. A private key in it is an error that says so (a certificate file is
// world-readable).
func ParseCertificateChain(data []byte) ([]*x509.Certificate, error) {
	if err := CheckSize(int64(len(data)), MaxPEMSize); err != nil {
		return nil, err
	}
	b, err := ParseBundle(data)
	if err != nil {
		return nil, err
	}
	for _, it := range b.Items {
		if err := onlyKind(it, "CERTIFICATE"); err != nil {
			return nil, err
		}
	}
	return b.Certificates(), nil
}

// ParseCRLBundle parses X509 CRL blocks only, at least one, at most MaxCRLPEMSize.
func ParseCRLBundle(data []byte) ([]*x509.RevocationList, error) {
	b, err := ParseBundle(data)
	if err != nil {
		return nil, err
	}
	for _, it := range b.Items {
		if err := onlyKind(it, "X509 CRL"); err != nil {
			return nil, err
		}
	}
	return b.RevocationLists(), nil
}

func onlyKind(it Item, want string) error {
	if it.Type == want {
		return nil
	}
	if it.Key != nil {
		return &BundleError{Line: it.Line, Type: it.Type, Err: errors.New("a private key where only " + want +
			" blocks belong; it would be written into a world-readable file. Remove it from this value (and treat the key as exposed if it was committed anywhere)")}
	}
	return &BundleError{Line: it.Line, Type: it.Type, Err: errors.New("only " + want + " blocks belong here")}
}

// EncodeRevocationList returns crl as one PEM X509 CRL block.
func EncodeRevocationList(crl *x509.RevocationList) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw}))
}

// EncodeChain returns certs as consecutive PEM CERTIFICATE blocks, in order.
func EncodeChain(certs []*x509.Certificate) string {
	var buf bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.String()
}

// ChainOrderProblem checks that each certificate of a chain (leaf first) is signed by the one after it.
// It returns "" when the order is right, otherwise which link is broken.
func ChainOrderProblem(chain []*x509.Certificate) string {
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Sprintf("certificate %d (%q) is not signed by certificate %d (%q) that follows it", i+1, chain[i].Subject.String(), i+2, chain[i+1].Subject.String())
		}
	}
	return ""
}

// CRLSigner returns the first of certs whose key signed crl, or nil.
func CRLSigner(crl *x509.RevocationList, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if !bytes.Equal(crl.RawIssuer, c.RawSubject) {
			continue
		}
		if crl.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}
