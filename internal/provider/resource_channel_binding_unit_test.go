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

func TestClusterEKUWarning(t *testing.T) {
	tgt, _ := testTarget(t, realisticConf)
	ca := pkitest.NewCA(t, "test CA")
	serverOnly := ca.Issue(t, pkitest.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	both := ca.Issue(t, pkitest.Options{})
	dir := t.TempDir()
	for name, pem := range map[string]string{"server.crt": serverOnly.CertPEM, "both.crt": both.CertPEM} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(pem), 0o644))
	}
	d := clusterEKUWarning(context.Background(), tgt, filepath.Join(dir, "server.crt"))
	if d.WarningsCount() != 1 || d[0].Summary() != "Cluster Certificate Lacks clientAuth" || !strings.Contains(d[0].Detail(), "clientAuth") {
		t.Errorf("serverAuth-only certificate: %v", d)
	}
	if d := clusterEKUWarning(context.Background(), tgt, filepath.Join(dir, "both.crt")); len(d) != 0 {
		t.Errorf("serverAuth+clientAuth certificate warned: %v", d)
	}
	if d := clusterEKUWarning(context.Background(), tgt, filepath.Join(dir, "missing.crt")); len(d) != 0 {
		t.Errorf("a certificate not yet written warned: %v", d)
	}
}
