package provider

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// TestChannelEKUCheck: a certificate without clientAuth (or without serverAuth) on the cluster channel
// is an error (the members could not connect to each other); a clientAuth-only certificate on bolt or
// https is a warning.
func TestChannelEKUCheck(t *testing.T) {
	tgt, _ := testTarget(t, realisticConf)
	ca := pkitest.NewCA(t, "test CA")
	dir := t.TempDir()
	for name, eku := range map[string][]x509.ExtKeyUsage{
		"server.crt": {x509.ExtKeyUsageServerAuth},
		"client.crt": {x509.ExtKeyUsageClientAuth},
		"both.crt":   nil,
		"none.crt":   {},
	} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(ca.Issue(t, pkitest.Options{ExtKeyUsage: eku}).CertPEM), 0o644))
	}
	check := func(channel, file string) string {
		var out []string
		for _, d := range channelEKUCheck(context.Background(), tgt, nil, channel, filepath.Join(dir, file)) {
			if d.Summary() == "" || !strings.Contains(d.Detail(), filepath.Join(dir, file)) || !strings.Contains(d.Detail(), "extendedKeyUsage") {
				t.Errorf("%s %s: detail does not name the file and the fix: %s", channel, file, d.Detail())
			}
			out = append(out, d.Severity().String()+":"+d.Summary())
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct{ channel, file, want string }{
		{"cluster", "server.crt", "Error:Cluster Certificate Lacks clientAuth"},
		{"cluster", "client.crt", "Error:Cluster Certificate Lacks serverAuth"},
		{"cluster", "both.crt", ""},
		{"cluster", "none.crt", ""}, // no EKU extension: unrestricted
		{"bolt", "client.crt", "Warning:Certificate Lacks serverAuth"},
		{"https", "client.crt", "Warning:Certificate Lacks serverAuth"},
		{"bolt", "server.crt", ""},
		{"https", "both.crt", ""},
		{"cluster", "missing.crt", ""}, // not yet written: dbtls_policy_certificate checks it
	} {
		if got := check(tc.channel, tc.file); got != tc.want {
			t.Errorf("%s with %s: %q, want %q", tc.channel, tc.file, got, tc.want)
		}
	}
}
