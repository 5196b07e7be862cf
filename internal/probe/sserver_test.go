package probe

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// sclientVersionFlags are s_client's switches for each probed version; TLS 1.0 and 1.1 need security
// level 0 on OpenSSL 3.
var sclientVersionFlags = map[uint16][]string{
	tls.VersionTLS10: {"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"},
	tls.VersionTLS11: {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"},
	tls.VersionTLS12: {"-tls1_2"},
	tls.VersionTLS13: {"-tls1_3"},
}

// openssl s_server is a TLS peer independent of Go: for each server configuration the versions the probe
// finds offered are those openssl s_client can connect with, and the negotiated version and suite are
// what s_client reports.
func TestSServerVersionsAgreeWithSClient(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("s_server CA")
	leaf := ca.Issue(testenv.Localhost())
	configs := map[string][]string{
		"default":    nil,
		"tls1.2":     {"-no_tls1_3"},
		"tls1.3":     {"-tls1_3"},
		"legacy":     {"-cipher", "DEFAULT:@SECLEVEL=0", "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"},
		"chacha1.3":  {"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"},
		"chacha1.2":  {"-no_tls1_3", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"},
		"aes256-1.2": {"-no_tls1_3", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA"},
	}
	var wg sync.WaitGroup
	for name, args := range configs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// -serverpref: the server's order picks the suite, so both clients must end up with the same one.
			srv := testenv.StartSServer(t, leaf, append([]string{"-serverpref"}, args...)...)
			ctx := context.Background()
			var want []string
			for _, v := range ProbedTLSVersions {
				sc := testenv.SClient(ctx, srv.Addr(), append([]string{"-servername", "localhost", "-CAfile", writeTemp(t, ca.CertPEM)}, sclientVersionFlags[v]...)...)
				if sc.Connected {
					want = append(want, TLSVersionName(v))
				}
			}
			r := probeURL(t, "https://localhost:"+portOf(srv.Addr())+"/", t.TempDir(), answerTimeout, func(o *Options) {
				o.CACertificatesPEM = string(ca.CertPEM)
			})
			if !slices.Equal(r.OfferedTLSVersions, want) {
				t.Errorf("%s: probe found %v offered, s_client connected with %v", name, r.OfferedTLSVersions, want)
			}
			sc := testenv.SClient(ctx, srv.Addr(), "-servername", "localhost")
			iana, err := testenv.IANACipherName(ctx, sc.Cipher)
			if err != nil {
				t.Errorf("%s: %v\n%s", name, err, sc.Output)
				return
			}
			if r.TLSVersion != sc.Protocol || r.CipherSuite != iana {
				t.Errorf("%s: probe negotiated %s %s, s_client %s %s", name, r.TLSVersion, r.CipherSuite, sc.Protocol, iana)
			}
			if !r.Connectable || r.PlaintextAccepted == nil || *r.PlaintextAccepted || r.ClientAuth != "NONE" {
				t.Errorf("%s: connectable=%v plaintext=%v client_auth=%s violations=%v", name, r.Connectable, r.PlaintextAccepted, r.ClientAuth, r.Violations)
			}
			hasOld := slices.Contains(want, "TLSv1") || slices.Contains(want, "TLSv1.1")
			if hasOld != slices.Contains(codes(r), CodeTLSVersionNotAllowed) {
				t.Errorf("%s: offered %v but violations %v", name, want, r.Violations)
			}
			if testing.Verbose() {
				t.Logf("%s: offered %v, negotiated %s %s", name, r.OfferedTLSVersions, r.TLSVersion, r.CipherSuite)
			}
		}()
	}
	wg.Wait()
}

// Cipher expectations against s_server with a fixed TLS 1.2 suite list.
func TestSServerCipherExpectations(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("s_server CA")
	leaf := ca.Issue(testenv.Localhost())
	srv := testenv.StartSServer(t, leaf, "-no_tls1_3", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA")
	url := "https://localhost:" + portOf(srv.Addr()) + "/"
	run := func(ciphers ...string) *Report {
		return probeURL(t, url, t.TempDir(), answerTimeout, func(o *Options) {
			o.CACertificatesPEM = string(ca.CertPEM)
			o.Expect.Ciphers = ciphers
		})
	}
	if r := run("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"); !r.Compliant {
		t.Errorf("both server suites allowed: %v", r.Violations)
	}
	r := run("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
	if !slices.Contains(codes(r), CodeCipherNotAllowed) || !strings.Contains(strings.Join(r.Violations, " "), "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA") {
		t.Errorf("CBC suite outside the list not found: %v", r.Violations)
	}
	r = run("TLS_AES_256_GCM_SHA384")
	if !slices.Contains(codes(r), CodeCipherNotAllowed) || r.CipherSuite != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" {
		t.Errorf("negotiated suite outside the list: %s %v", r.CipherSuite, r.Violations)
	}
}

// A server that requires a client certificate (-Verify 1 -verify_return_error) and one that only asks
// for it (-verify 1): the observed client_auth and whether a client gets through, compared with s_client
// with and without a certificate.
func TestSServerClientAuthAgreesWithSClient(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA("s_server CA")
	leaf := ca.Issue(testenv.Localhost())
	clientCA := testenv.NewCA("client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "probe", Client: true})
	dir := t.TempDir()
	caFile := testenv.WriteFile(t, dir, "client-ca.crt", clientCA.CertPEM)
	certFile := testenv.WriteFile(t, dir, "client.crt", client.CertPEM)
	keyFile := testenv.WriteFile(t, dir, "client.key", client.KeyPEM)
	tests := []struct {
		name string
		args []string
		want ClientAuth
	}{
		{"require-1.3", []string{"-Verify", "1", "-verify_return_error", "-CAfile", caFile}, ClientAuthRequire},
		{"require-1.2", []string{"-no_tls1_3", "-Verify", "1", "-verify_return_error", "-CAfile", caFile}, ClientAuthRequire},
		{"optional", []string{"-verify", "1", "-CAfile", caFile}, ClientAuthOptional},
		{"none", nil, ClientAuthNone},
	}
	var wg sync.WaitGroup
	for _, tc := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := testenv.StartSServer(t, leaf, tc.args...)
			ctx := context.Background()
			url := "https://localhost:" + portOf(srv.Addr()) + "/"
			without := probeURL(t, url, t.TempDir(), answerTimeout, func(o *Options) {
				o.CACertificatesPEM = string(ca.CertPEM)
				o.Expect.ClientAuth = tc.want
			})
			with := probeURL(t, url, t.TempDir(), answerTimeout, func(o *Options) {
				o.CACertificatesPEM = string(ca.CertPEM)
				o.ClientCertificatePEM, o.ClientKeyPEM = string(client.CertPEM), string(client.KeyPEM)
			})
			scWithout := testenv.SClient(ctx, srv.Addr(), "-servername", "localhost")
			scWith := testenv.SClient(ctx, srv.Addr(), "-servername", "localhost", "-cert", certFile, "-key", keyFile)
			if without.ClientAuth != string(tc.want) {
				t.Errorf("%s: client_auth %q, want %s", tc.name, without.ClientAuth, tc.want)
			}
			if without.Connectable != scWithout.Connected {
				t.Errorf("%s: without a certificate probe=%v s_client=%v\n%v\n%s", tc.name, without.Connectable, scWithout.Connected, without.Violations, scWithout.Output)
			}
			if with.Connectable != scWith.Connected {
				t.Errorf("%s: with a certificate probe=%v s_client=%v\n%v\n%s", tc.name, with.Connectable, scWith.Connected, with.Violations, scWith.Output)
			}
			if slices.Contains(codes(without), CodeClientAuthMismatch) {
				t.Errorf("%s: %v", tc.name, without.Violations)
			}
		}()
	}
	wg.Wait()
}

func portOf(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

func writeTemp(t *testing.T, data []byte) string {
	return testenv.WriteFile(t, t.TempDir(), "f.pem", data)
}
