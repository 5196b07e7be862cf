package probe

import (
	"crypto/tls"
	"crypto/x509"
	"slices"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// The Bolt listener of testenv stands in for Neo4j (no Neo4j server can run here): TLS, then the Bolt
// handshake (magic 60 60 B0 17, four proposed versions, one agreed version back).
func TestBolt(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("bolt CA")
	leaf := ca.Issue(testenv.Localhost())
	selfSigned := testenv.SelfSigned(testenv.Localhost())
	elsewhere := ca.Issue(testenv.LeafOptions{CommonName: "graph-2", DNSNames: []string{"graph-2.internal"}})
	clientCA := testenv.NewCA("bolt client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "app", Client: true})
	clientPool := x509.NewCertPool()
	clientPool.AddCert(clientCA.Cert)
	policy13 := map[string]string{"name": "bolt", "neo4j_version": "5.26", "tls_versions": "TLSv1.3", "client_auth": "NONE",
		"trust_all": "false", "verify_hostname": "true"}

	serverTLS := func(l *testenv.Leaf, minV uint16) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{l.TLSCertificate()}, MinVersion: minV}
	}
	tests := []struct {
		name        string
		cfg         testenv.BoltConfig
		scheme      string
		policy      map[string]string
		clientCert  bool
		connectable bool
		want        []string
		clientAuth  ClientAuth
		plaintext   bool
	}{
		{name: "tls1.3 as declared", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS13)}, scheme: "neo4j+s",
			policy: policy13, connectable: true, clientAuth: ClientAuthNone},
		{name: "tls1.2 also offered", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS12)}, scheme: "bolt+s",
			policy: policy13, connectable: true, want: []string{CodeTLSVersionNotAllowed}, clientAuth: ClientAuthNone},
		{name: "tls_level OPTIONAL", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS13), AllowPlaintext: true}, scheme: "neo4j+s",
			policy: policy13, connectable: true, want: []string{CodePlaintextAccepted}, clientAuth: ClientAuthNone, plaintext: true},
		{name: "plain scheme, plaintext port", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS13), AllowPlaintext: true}, scheme: "bolt",
			connectable: true, want: []string{CodeTLSNotRequired, CodeSessionUnencrypted, CodePlaintextAccepted}, clientAuth: ClientAuthNone, plaintext: true},
		{name: "plain scheme, TLS-only port", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS13)}, scheme: "neo4j",
			want: []string{CodeNotConnectable, CodeTLSNotRequired}, clientAuth: ClientAuthNone},
		{name: "self-signed, +ssc", cfg: testenv.BoltConfig{TLS: serverTLS(selfSigned, tls.VersionTLS12)}, scheme: "bolt+ssc",
			connectable: true, want: []string{CodeVerificationSkipped, CodeChainUnverified}, clientAuth: ClientAuthNone},
		{name: "self-signed, +ssc, trust_all policy", cfg: testenv.BoltConfig{TLS: serverTLS(selfSigned, tls.VersionTLS12)}, scheme: "neo4j+ssc",
			policy: map[string]string{"trust_all": "true"}, connectable: true, want: []string{CodeVerificationSkipped}, clientAuth: ClientAuthNone},
		{name: "self-signed, +s", cfg: testenv.BoltConfig{TLS: serverTLS(selfSigned, tls.VersionTLS12)}, scheme: "neo4j+s",
			want: []string{CodeNotConnectable, CodeChainUnverified}, clientAuth: ClientAuthNone},
		{name: "other host", cfg: testenv.BoltConfig{TLS: serverTLS(elsewhere, tls.VersionTLS12)}, scheme: "neo4j+s",
			want: []string{CodeNotConnectable, CodeHostnameMismatch}, clientAuth: ClientAuthNone},
		{name: "other host, verify_hostname false", cfg: testenv.BoltConfig{TLS: serverTLS(elsewhere, tls.VersionTLS12)}, scheme: "neo4j+ssc",
			policy: map[string]string{"verify_hostname": "false"}, connectable: true, want: []string{CodeVerificationSkipped}, clientAuth: ClientAuthNone},
		{name: "client certificate required, none given", cfg: testenv.BoltConfig{TLS: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()},
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientPool}}, scheme: "neo4j+s",
			policy: map[string]string{"client_auth": "REQUIRE"}, want: []string{CodeNotConnectable}, clientAuth: ClientAuthRequire},
		{name: "client certificate required, given", cfg: testenv.BoltConfig{TLS: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()},
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientPool, MinVersion: tls.VersionTLS13}}, scheme: "neo4j+s",
			policy: map[string]string{"client_auth": "REQUIRE"}, clientCert: true, connectable: true, clientAuth: ClientAuthRequire},
		{name: "client certificate optional", cfg: testenv.BoltConfig{TLS: &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()},
			ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientPool, MinVersion: tls.VersionTLS13}}, scheme: "neo4j+s",
			policy: map[string]string{"client_auth": "REQUIRE"}, connectable: true, want: []string{CodeClientAuthMismatch}, clientAuth: ClientAuthOptional},
		{name: "no common Bolt version", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS13), Versions: []uint16{0x0600}}, scheme: "neo4j+s",
			want: []string{CodeNotConnectable}, clientAuth: ClientAuthNone},
		{name: "Neo4j 3.5 speaks Bolt 3", cfg: testenv.BoltConfig{TLS: serverTLS(leaf, tls.VersionTLS12), Versions: []uint16{0x0300}}, scheme: "bolt+s",
			connectable: true, clientAuth: ClientAuthNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testenv.StartBolt(t, tc.cfg)
			r := probeURL(t, tc.scheme+"://localhost:"+portOf(srv.Addr), t.TempDir(), answerTimeout, func(o *Options) {
				o.CACertificatesPEM = string(ca.CertPEM)
				if tc.clientCert {
					o.ClientCertificatePEM, o.ClientKeyPEM = string(client.ChainPEM), string(client.KeyPEM)
				}
				if tc.policy != nil {
					if err := o.Expect.ApplyPolicy(tc.policy); err != nil {
						t.Fatal(err)
					}
				}
			})
			if r.Connectable != tc.connectable || !slices.Equal(codes(r), tc.want) {
				t.Errorf("connectable=%v codes=%v, want %v %v\n%s\n%v", r.Connectable, codes(r), tc.connectable, tc.want, r.Summary, r.Violations)
			}
			if r.ClientAuth != string(tc.clientAuth) {
				t.Errorf("client_auth %q, want %q", r.ClientAuth, tc.clientAuth)
			}
			if r.PlaintextAccepted == nil || *r.PlaintextAccepted != tc.plaintext {
				t.Errorf("plaintext_accepted %v, want %v", r.PlaintextAccepted, tc.plaintext)
			}
		})
	}
}
