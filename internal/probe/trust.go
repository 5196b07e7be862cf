package probe

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// trustStore is a set of trust anchors and how a client treats them.
type trustStore struct {
	source string // for messages: "sslrootcert file /x", "the system trust store", ...
	roots  *x509.CertPool
	// extra holds certificates from a root file that are not self-signed. OpenSSL (and so libpq) uses them
	// to build the chain but still requires the chain to end at a self-signed certificate.
	extra []*x509.Certificate
	// certs is every certificate given (anchors and extra), for finding a CRL's issuer when the chain
	// does not verify.
	certs []*x509.Certificate
}

// newTrustStore makes a store from certificates. With opensslStyle, as libpq's root file behaves, only
// self-signed certificates are anchors; otherwise (Go and Java drivers) every certificate is one.
func newTrustStore(source string, certs []*x509.Certificate, opensslStyle bool) *trustStore {
	ts := &trustStore{source: source, roots: x509.NewCertPool(), certs: certs}
	for _, c := range certs {
		if opensslStyle && !pki.IsSelfSigned(c) {
			ts.extra = append(ts.extra, c)
			continue
		}
		ts.roots.AddCert(c)
	}
	return ts
}

func systemTrustStore() (*trustStore, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, fmt.Errorf("cannot load the system trust store: %w", err)
	}
	return &trustStore{source: "the system trust store", roots: pool}, nil
}

// verify builds a chain from the peer's certificates to an anchor, checking validity periods and the
// serverAuth purpose. Host names are checked separately.
func (ts *trustStore) verify(peer []*x509.Certificate, now time.Time) ([]*x509.Certificate, error) {
	if len(peer) == 0 {
		return nil, errors.New("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	for _, c := range ts.extra {
		inter.AddCert(c)
	}
	chains, err := peer[0].Verify(x509.VerifyOptions{
		Roots:         ts.roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, describeVerifyError(err, ts.source)
	}
	return chains[0], nil
}

func describeVerifyError(err error, source string) error {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return fmt.Errorf("the certificate chain does not lead to a root in %s", source)
	}
	var ci x509.CertificateInvalidError
	if errors.As(err, &ci) {
		switch ci.Reason {
		case x509.Expired:
			return fmt.Errorf("a certificate of the chain is outside its validity period (%s)", printable(ci.Cert.Subject.String()))
		case x509.NotAuthorizedToSign:
			return fmt.Errorf("%q is not a CA but signed a certificate of the chain", printable(ci.Cert.Subject.String()))
		case x509.IncompatibleUsage:
			return fmt.Errorf("the certificate is not valid for TLS server authentication (extended key usage)")
		}
	}
	return fmt.Errorf("the certificate chain does not verify: %s", printable(err.Error()))
}

// rootFile is libpq's root certificate file: the one given by sslrootcert, or ~/.postgresql/root.crt.
type rootFile struct {
	path   string // "" when there is no candidate (no sslrootcert and no home directory)
	exists bool
	store  *trustStore
	crls   []*x509.RevocationList // CRLs found in the root file itself (OpenSSL loads both)
	err    error                  // the file exists but cannot be used
}

// loadRootFile reproduces the lookup in libpq's initialize_SSL: the file counts when stat() finds it.
func loadRootFile(ctx context.Context, sslrootcert, home string) rootFile {
	var rf rootFile
	switch {
	case sslrootcert != "":
		rf.path = sslrootcert
	case home != "":
		rf.path = filepath.Join(home, ".postgresql", "root.crt")
	default:
		return rf
	}
	if _, err := os.Stat(rf.path); err != nil {
		return rf
	}
	rf.exists = true
	data, err := readInputFile(ctx, rf.path, maxInputFile)
	if err != nil {
		rf.err = fmt.Errorf("could not read root certificate file %q: %v", rf.path, err)
		return rf
	}
	certs, err := parseCertificates(data)
	if err != nil {
		rf.err = fmt.Errorf("could not read root certificate file %q: %v", rf.path, err)
		return rf
	}
	rf.crls, _ = parseRevocationLists(data)
	rf.store = newTrustStore("root certificate file "+rf.path, certs, true)
	return rf
}

// crlSet is libpq's revocation configuration: checking is on when the CRL file loaded (it holds at least
// one certificate or CRL) or a CRL directory is named, whether or not that directory exists.
type crlSet struct {
	enabled bool
	crls    []*x509.RevocationList
	source  string
}

func loadCRLs(ctx context.Context, sslcrl, sslcrldir, home string) crlSet {
	var cs crlSet
	file := sslcrl
	if file == "" && sslcrldir == "" && home != "" {
		file = filepath.Join(home, ".postgresql", "root.crl")
	}
	fileOK := true
	if file != "" {
		fileOK = false
		if data, err := readInputFile(ctx, file, maxCRLFile); err == nil {
			crls, _ := parseRevocationLists(data)
			certs, _ := parseCertificates(data)
			if len(crls)+len(certs) > 0 {
				fileOK = true
				cs.crls = append(cs.crls, crls...)
				cs.source = file
			}
		}
	}
	if sslcrldir != "" {
		entries, _ := readInputDir(ctx, sslcrldir)
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if data, err := readInputFile(ctx, filepath.Join(sslcrldir, e.Name()), maxCRLFile); err == nil {
				crls, _ := parseRevocationLists(data)
				cs.crls = append(cs.crls, crls...)
			}
		}
		if cs.source == "" {
			cs.source = sslcrldir
		}
	}
	// X509_STORE_load_locations succeeds only when everything named loaded.
	cs.enabled = (file != "" || sslcrldir != "") && fileOK
	return cs
}

// libpqHostMatch is libpq's verify-full host name check (PostgreSQL 15's
// pq_verify_peer_name_matches_certificate): dNSName entries match by case-insensitive comparison or a
// leading "*." wildcard covering exactly one label; iPAddress entries match when host is an address of
// the same family; the subject's first Common Name is consulted only when no subjectAltName of the host's
// type (address or name) exists and nothing matched.
func libpqHostMatch(cert *x509.Certificate, host string) (bool, error) {
	if host == "" {
		return false, errors.New("host name must be specified for a verified SSL connection (only hostaddr was given)")
	}
	hostIsIP := inetAton(host) != nil || isIPv6Literal(host)
	checkCN := true
	for _, name := range cert.DNSNames {
		if !hostIsIP {
			checkCN = false
		}
		if libpqNameMatch(name, host) {
			return true, nil
		}
	}
	for _, ip := range cert.IPAddresses {
		if hostIsIP {
			checkCN = false
		}
		if libpqIPMatch(ip, host) {
			return true, nil
		}
	}
	if checkCN {
		if cn, ok := firstCommonName(cert); ok && libpqNameMatch(cn, host) {
			return true, nil
		}
	}
	return false, fmt.Errorf("the server certificate is not valid for host %q (names: %s)", printable(host), certNames(cert))
}

func certNames(cert *x509.Certificate) string {
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		if cn, ok := firstCommonName(cert); ok {
			names = append(names, "CN="+cn)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	return printable(strings.Join(names, ", "))
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

func firstCommonName(cert *x509.Certificate) (string, bool) {
	for _, atv := range cert.Subject.Names {
		if atv.Type.Equal(oidCommonName) {
			s, ok := atv.Value.(string)
			return s, ok
		}
	}
	return "", false
}

func libpqNameMatch(pattern, host string) bool {
	if strings.IndexByte(pattern, 0) >= 0 {
		return false
	}
	if strings.EqualFold(pattern, host) {
		return true
	}
	// wildcard_certificate_match: "*.rest" matches "label.rest" where label has no dot.
	if len(pattern) < 3 || pattern[0] != '*' || pattern[1] != '.' || len(pattern) > len(host) {
		return false
	}
	suffix := pattern[1:]
	if !strings.EqualFold(host[len(host)-len(suffix):], suffix) {
		return false
	}
	return !strings.Contains(host[:len(host)-len(suffix)], ".")
}

func libpqIPMatch(ip net.IP, host string) bool {
	switch len(ip) {
	case net.IPv4len:
		a := inetAton(host)
		return a != nil && a.Equal(ip)
	case net.IPv6len:
		if !isIPv6Literal(host) {
			return false
		}
		h := net.ParseIP(host)
		if h == nil {
			return false
		}
		return string(h.To16()) == string(ip)
	}
	return false
}

func isIPv6Literal(host string) bool {
	return strings.Contains(host, ":") && net.ParseIP(host) != nil
}

// inetAton parses an IPv4 address the permissive way inet_aton(3) does ("127.1", "0x7f.0.0.1", "2130706433").
func inetAton(s string) net.IP {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return nil
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return nil
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return nil
		}
		n |= vals[i] << (8 * uint(3-i))
	}
	if vals[last] >= 1<<(8*uint(4-last)) {
		return nil
	}
	n |= vals[last]
	return net.IPv4(byte(n>>24&0xff), byte(n>>16&0xff), byte(n>>8&0xff), byte(n&0xff)).To4()
}
