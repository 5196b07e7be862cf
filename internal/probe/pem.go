package probe

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// parseCertificates parses every CERTIFICATE block in data, in order. Text around and between the blocks
// (the comments that bundles such as ca-certificates.crt carry) is ignored. Data with no PEM block at all
// is tried as a single DER certificate. An empty input, or one without any certificate, is an error.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	sawPEM := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if !sawPEM && len(bytes.TrimSpace(data)) > 0 {
		cert, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, errors.New("neither PEM nor a DER certificate")
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE block found")
	}
	return certs, nil
}

// parseRevocationLists parses every X509 CRL block in data (PEM type "X509 CRL"), or data as a single DER
// CRL when it holds no PEM block. Blocks of other types are ignored.
func parseRevocationLists(data []byte) ([]*x509.RevocationList, error) {
	var crls []*x509.RevocationList
	rest := data
	sawPEM := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("revocation list %d: %w", len(crls)+1, err)
		}
		crls = append(crls, crl)
	}
	if !sawPEM && len(bytes.TrimSpace(data)) > 0 {
		crl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, errors.New("neither PEM nor a DER revocation list")
		}
		crls = append(crls, crl)
	}
	if len(crls) == 0 {
		return nil, errors.New("no X509 CRL block found")
	}
	return crls, nil
}
