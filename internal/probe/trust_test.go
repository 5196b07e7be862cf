package probe

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func TestLibpqHostMatch(t *testing.T) {
	t.Parallel()
	cert := func(cn string, dns []string, ips ...string) *x509.Certificate {
		c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: dns}
		c.Subject.Names = []pkix.AttributeTypeAndValue{{Type: oidCommonName, Value: cn}}
		for _, ip := range ips {
			p := net.ParseIP(ip)
			if p4 := p.To4(); p4 != nil {
				p = p4
			}
			c.IPAddresses = append(c.IPAddresses, p)
		}
		return c
	}
	tests := []struct {
		cert *x509.Certificate
		host string
		want bool
	}{
		{cert("x", []string{"db.example.com"}), "db.example.com", true},
		{cert("x", []string{"DB.Example.COM"}), "db.example.com", true},
		{cert("x", []string{"*.example.com"}), "db.example.com", true},
		{cert("x", []string{"*.example.com"}), "a.db.example.com", false},
		{cert("x", []string{"*.example.com"}), "example.com", false},
		{cert("x", []string{"db*.example.com"}), "db1.example.com", false},
		{cert("db.example.com", nil), "db.example.com", true},                // CN without any SAN
		{cert("db.example.com", []string{"other"}), "db.example.com", false}, // a dNSName SAN silences the CN
		{cert("x", nil, "127.0.0.1"), "127.0.0.1", true},
		{cert("x", nil, "127.0.0.1"), "127.1", true}, // inet_aton spelling
		{cert("x", nil, "::1"), "::1", true},
		{cert("x", nil, "::1"), "127.0.0.1", false},
		{cert("127.0.0.1", []string{"localhost"}), "127.0.0.1", true}, // IP host, only DNS SANs: the CN counts
		{cert("127.0.0.1", nil, "10.0.0.1"), "127.0.0.1", false},      // an iPAddress SAN silences the CN
		{cert("x", []string{"127.0.0.1"}), "127.0.0.1", true},         // a dNSName compared as text
	}
	for _, tc := range tests {
		got, _ := libpqHostMatch(tc.cert, tc.host)
		if got != tc.want {
			t.Errorf("libpqHostMatch(CN=%s DNS=%v IP=%v, %q) = %v, want %v", tc.cert.Subject.CommonName, tc.cert.DNSNames, tc.cert.IPAddresses, tc.host, got, tc.want)
		}
	}
	if _, err := libpqHostMatch(cert("x", []string{"x"}), ""); err == nil || !strings.Contains(err.Error(), "host name must be specified") {
		t.Errorf("empty host: %v", err)
	}
}

func TestInetAton(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1": "127.0.0.1", "127.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "2130706433": "127.0.0.1",
		"010.0.0.1": "8.0.0.1", "1.2.3": "1.2.0.3", "256.1.1.1": "", "1.2.3.4.5": "", "db": "", "": "", "1..2": "",
	} {
		got := inetAton(in)
		if (got == nil && want != "") || (got != nil && got.String() != want) {
			t.Errorf("inetAton(%q) = %v, want %q", in, got, want)
		}
	}
}

func TestCheckRevocation(t *testing.T) {
	t.Parallel()
	root := testenv.NewCA("root")
	inter := root.Intermediate("intermediate")
	leaf := inter.Issue(testenv.Localhost())
	chain := []*x509.Certificate{leaf.Cert, inter.Cert, root.Cert}
	parse := func(pems ...[]byte) []*x509.RevocationList {
		var out []*x509.RevocationList
		for _, p := range pems {
			l, err := parseRevocationLists(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l...)
		}
		return out
	}
	now := time.Now()
	if r := checkRevocation(chain, parse(inter.CRL(), root.CRL()), now, true); r.Revoked || r.Problem != "" {
		t.Errorf("clean chain: %+v", r)
	}
	if r := checkRevocation(chain, parse(inter.CRL(leaf.Cert), root.CRL()), now, true); !r.Revoked {
		t.Errorf("revoked leaf not found: %+v", r)
	}
	if r := checkRevocation(chain, parse(inter.CRL()), now, true); r.Problem == "" {
		t.Errorf("missing root CRL not reported with CRL_CHECK_ALL: %+v", r)
	}
	if r := checkRevocation(chain, parse(inter.CRL()), now, false); r.Problem != "" {
		t.Errorf("leaf-only check wants the intermediate CRL only: %+v", r)
	}
	if r := checkRevocation(chain, parse(root.CRL(inter.Cert)), now, true); !r.Revoked {
		t.Errorf("revoked intermediate not found: %+v", r)
	}
	if r := checkRevocation(chain, parse(inter.CRL(), root.CRL()), now.Add(48*time.Hour), true); r.Problem == "" || !strings.Contains(r.Problem, "expired") {
		t.Errorf("expired CRL: %+v", r)
	}
	other := testenv.NewCA("root") // same name, other key: the signature must not verify
	if r := checkRevocation(chain, parse(inter.CRL(), other.CRL()), now, true); r.Problem == "" {
		t.Errorf("CRL with a foreign signature accepted: %+v", r)
	}
}

// A chain that does not verify (an expired leaf, a server that sends only its leaf, an unknown root) is
// still linked to its CRL issuer by signatures, so a revoked certificate is reported revoked.
func TestIssuerChainForRevocation(t *testing.T) {
	t.Parallel()
	root := testenv.NewCA("root")
	inter := root.Intermediate("intermediate")
	expired := inter.Issue(testenv.LeafOptions{CommonName: "localhost", DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-30 * 24 * time.Hour), Validity: 24 * time.Hour})
	now := time.Now()
	crls, err := parseRevocationLists(append(inter.CRL(expired.Cert), root.CRL()...))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTrustStore("sslrootcert file", []*x509.Certificate{root.Cert, inter.Cert}, true)
	if _, err := ts.verify([]*x509.Certificate{expired.Cert}, now); err == nil {
		t.Fatal("an expired leaf verified")
	}
	for name, peer := range map[string][]*x509.Certificate{
		"leaf only":          {expired.Cert},
		"leaf and CA":        {expired.Cert, inter.Cert},
		"leaf, CA and root":  {expired.Cert, inter.Cert, root.Cert},
		"unrelated in chain": {expired.Cert, testenv.NewCA("unrelated").Cert},
	} {
		chain := issuerChain(peer, ts.certs)
		if len(chain) != 3 || !chain[1].Equal(inter.Cert) || !chain[2].Equal(root.Cert) {
			t.Errorf("%s: chain of %d", name, len(chain))
		}
		if r := checkRevocation(chain, crls, now, true); !r.Revoked || !strings.Contains(r.RevokedSubject, "localhost") {
			t.Errorf("%s: %+v", name, r)
		}
	}
	// Without the issuer anywhere, the chain stops at the leaf and nothing is claimed.
	if chain := issuerChain([]*x509.Certificate{expired.Cert}, nil); len(chain) != 1 {
		t.Errorf("no issuer known: chain of %d", len(chain))
	}
	// A certificate that names the CA as issuer but is signed by another key is not linked.
	impostor := testenv.NewCA("intermediate")
	if chain := issuerChain([]*x509.Certificate{expired.Cert, impostor.Cert}, nil); len(chain) != 1 {
		t.Errorf("impostor linked: chain of %d", len(chain))
	}
}
