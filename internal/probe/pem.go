package probe

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// The probe reads trust material the way libpq does, leniently: a file may be a PEM bundle with text
// around and between the blocks (as ca-certificates.crt has) and blocks of other types, or a single DER
// object. (internal/pki's parsers are strict on purpose: they check what users declare.)

// parseCertificates parses every CERTIFICATE block in data, in order, or data as one DER certificate
// when it holds no PEM block. An empty input, or one without any certificate, is an error.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	return parseLenient(data, "CERTIFICATE", "certificate", x509.ParseCertificate)
}

// parseRevocationLists parses every X509 CRL block in data, or data as one DER CRL when it holds no
// PEM block.
func parseRevocationLists(data []byte) ([]*x509.RevocationList, error) {
	return parseLenient(data, "X509 CRL", "revocation list", x509.ParseRevocationList)
}

func parseLenient[T any](data []byte, blockType, what string, parse func([]byte) (T, error)) ([]T, error) {
	var out []T
	rest := data
	sawPEM := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != blockType {
			continue
		}
		v, err := parse(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, len(out)+1, err)
		}
		out = append(out, v)
	}
	if !sawPEM && len(bytes.TrimSpace(data)) > 0 {
		v, err := parse(data)
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor a DER %s", what)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s block found", blockType)
	}
	return out, nil
}
