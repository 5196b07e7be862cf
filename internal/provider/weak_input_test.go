package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// weakPKI is material made with openssl (Go's crypto no longer signs with SHA-1 or MD5): a strong root,
// leaves that are each weak in one way, and a strong leaf under a root that signed itself with SHA-1.
func weakPKI(t *testing.T) *pkitest.OpenSSL {
	t.Helper()
	o := pkitest.NewOpenSSL(t)
	o.Root("root", "ec:P-256", "sha256")
	o.Root("sha1root", "rsa:2048", "sha1")
	o.Issue("good", "ec:P-256", "root", "sha256", pkitest.LeafExt)
	o.Issue("rsa1024", "rsa:1024", "root", "sha256", pkitest.LeafExt)
	o.Issue("p224", "ec:secp224r1", "root", "sha256", pkitest.LeafExt)
	o.Issue("sha1leaf", "ec:P-256", "root", "sha1", pkitest.LeafExt)
	o.Issue("md5leaf", "rsa:2048", "sha1root", "md5", pkitest.LeafExt)
	o.Issue("underSHA1Root", "ec:P-256", "sha1root", "sha256", pkitest.LeafExt)
	o.Issue("ca", "ec:P-256", "root", "sha256", pkitest.IntermediateExt)
	o.Issue("clientOnly", "ec:P-256", "root", "sha256", pkitest.ClientOnlyExt)
	return o
}

// TestCheckCertStrength: each weakness is an error when the certificate is about to be written and a
// warning when it is already on the host; the detail names the attribute, the weakness and the fix.
func TestCheckCertStrength(t *testing.T) {
	t.Parallel()
	o := weakPKI(t)
	for _, tc := range []struct {
		name   string
		chain  []string
		want   string // summary, "" for none
		detail string // in the detail
	}{
		{"strong", []string{"good", "root"}, "", ""},
		{"RSA 1024", []string{"rsa1024"}, "Weak Certificate Key", "RSA 1024-bit key (at least 2048 bits are required)"},
		{"P-224", []string{"p224"}, "Weak Certificate Key", "ec_paramgen_curve:P-256"},
		{"SHA-1 leaf", []string{"sha1leaf", "root"}, "Weak Certificate Signature", "a ECDSA-SHA1 signature"},
		{"MD5 leaf", []string{"md5leaf", "sha1root"}, "Weak Certificate Signature", "MD5-RSA"},
		{"SHA-1 self-signed root is fine", []string{"underSHA1Root", "sha1root"}, "", ""},
		{"CA as leaf", []string{"ca", "root"}, "CA Certificate As Server Certificate", "basicConstraints CA:TRUE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain, err := pki.ParseCertificateChain([]byte(o.CertPEM(tc.chain...)))
			must(t, err)
			for writing, sev := range map[bool]diag.Severity{true: diag.SeverityError, false: diag.SeverityWarning} {
				ds := checkCertStrength(chain, writing)
				if tc.want == "" {
					if len(ds) != 0 {
						t.Errorf("writing=%v: %v", writing, ds)
					}
					continue
				}
				if len(ds) != 1 || ds[0].Summary() != tc.want || ds[0].Severity() != sev {
					t.Fatalf("writing=%v: %v, want one %v %q", writing, ds, sev, tc.want)
				}
				d := ds[0].(diag.DiagnosticWithPath)
				if !d.Path().Equal(path.Root("certificate_pem")) || !strings.Contains(d.Detail(), tc.detail) || !strings.Contains(d.Detail(), "certificate_pem") {
					t.Errorf("detail %q (at %s), want %q and the attribute", d.Detail(), d.Path(), tc.detail)
				}
			}
		})
	}
	// A weak trusted CA key: a warning (a trust anchor's own SHA-1 signature does not count).
	weakCA, err := pki.ParseCertificateChain([]byte(o.CertPEM("rsa1024", "sha1root")))
	must(t, err)
	if ds := checkTrustedStrength(weakCA); len(ds) != 1 || ds[0].Summary() != "Weak Trusted Certificate Key" || ds[0].Severity() != diag.SeverityWarning ||
		!strings.Contains(ds[0].Detail(), "RSA 1024-bit") {
		t.Errorf("weak trusted certificates: %v", ds)
	}

	// A clientAuth-only leaf: a warning in every case (the channel decides, at the binding).
	chain, err := pki.ParseCertificateChain([]byte(o.CertPEM("clientOnly")))
	must(t, err)
	if ds := checkCertStrength(chain, true); len(ds) != 1 || ds[0].Summary() != "Certificate Lacks serverAuth" || ds[0].Severity() != diag.SeverityWarning {
		t.Errorf("clientAuth-only leaf: %v", ds)
	}
}

// TestAccPolicyCertificate_WeakMaterial reproduces the finding that weak material was written silently:
// RSA-1024, MD5 and SHA-1 signed leaves, and a CA certificate as the server certificate are now refused
// while planning, and nothing is written; so is a 30 MB certificate_pem.
func TestAccPolicyCertificate_WeakMaterial(t *testing.T) {
	t.Parallel()
	o := weakPKI(t)
	huge := strings.Repeat("A", 30<<20)
	for _, tc := range []struct {
		name string
		vars config.Variables
		err  string
	}{
		{"RSA 1024", vars("cert", o.CertPEM("rsa1024"), "key", o.KeyPEM("rsa1024")), `(?s)Weak Certificate Key.*RSA 1024-bit key.*rsa_keygen_bits:2048`},
		{"SHA-1 signed leaf", vars("cert", o.CertPEM("sha1leaf", "root"), "key", o.KeyPEM("sha1leaf")), `(?s)Weak Certificate Signature.*ECDSA-SHA1.*-sha256`},
		{"MD5 signed leaf", vars("cert", o.CertPEM("md5leaf"), "key", o.KeyPEM("md5leaf")), `(?s)Weak Certificate Signature.*MD5-RSA`},
		{"CA as leaf", vars("cert", o.CertPEM("ca", "root"), "key", o.KeyPEM("ca")), `(?s)CA Certificate As Server Certificate.*CA:TRUE`},
		{"30 MB certificate", vars("cert", huge, "key", o.KeyPEM("good")), `(?s)Value Too Large.*certificate_pem is 31457280 bytes.*1 MiB`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := newHome(t, realisticConf)
			me := currentUser(t)
			before := snapshot(t, home)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if after := snapshot(t, home); after != before {
						return fmt.Errorf("neo4j_home changed:\n--- before\n%s\n--- after\n%s", before, after)
					}
					return nil
				},
				Steps: []resource.TestStep{{
					Config:          certConfig("5.26", home, me, woBody(1, "")),
					ConfigVariables: tc.vars,
					ExpectError:     wrapRE(tc.err),
				}},
			})
		})
	}
}

// TestPEMSizeValidator: over the cap is an error naming the attribute, its size and the cap; at the cap
// is fine.
func TestPEMSizeValidator(t *testing.T) {
	for _, tc := range []struct {
		v    pemSizeValidator
		n    int
		want bool
	}{
		{pemSize(), pki.MaxPEMSize, false},
		{pemSize(), pki.MaxPEMSize + 1, true},
		{pemSize(), 30 << 20, true},
		{crlSize(), pki.MaxCRLPEMSize, false},
		{crlSize(), pki.MaxCRLPEMSize + 1, true},
	} {
		var resp validator.StringResponse
		tc.v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("certificate_pem"), ConfigValue: types.StringValue(strings.Repeat("A", tc.n))}, &resp)
		if resp.Diagnostics.HasError() != tc.want {
			t.Errorf("%d bytes against %d: %v", tc.n, tc.v.max, resp.Diagnostics)
			continue
		}
		if tc.want {
			d := resp.Diagnostics[0]
			if d.Summary() != "Value Too Large" || !strings.Contains(d.Detail(), "certificate_pem") || !strings.Contains(d.Detail(), fmt.Sprintf("%d bytes", tc.n)) || !strings.Contains(d.Detail(), "MiB") {
				t.Errorf("detail: %s", d.Detail())
			}
		}
	}
}

// TestAccEndpoint_FileInputs reproduces the findings that sslrootcert=/dev/zero ran the provider out of
// memory and a FIFO hung the plan past the timeout: both are refused while validating, by file type
// (the FIFO is never opened in a way that waits for a writer), as is a 30 MB ca_certificates_pem.
func TestAccEndpoint_FileInputs(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "root.crt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.crt")
	f, err := os.Create(big)
	must(t, err)
	must(t, f.Truncate(30<<20))
	f.Close()
	var steps []resource.TestStep
	for _, s := range []struct{ url, want string }{
		{"postgresql://app@127.0.0.1:1/db?sslmode=verify-full&sslrootcert=/dev/zero", `(?s)Invalid Endpoint Input.*sslrootcert=/dev/zero is not a regular file.*character device`},
		{"postgresql://app@127.0.0.1:1/db?sslmode=verify-full&sslrootcert=" + fifo, `(?s)Invalid Endpoint Input.*is not a regular file.*FIFO`},
		{"host=127.0.0.1 port=1 sslmode=require sslcert=" + fifo + " sslkey=/dev/null", `(?s)Invalid Endpoint Input.*sslcert=.*FIFO`},
		{"postgresql://app@127.0.0.1:1/db?sslmode=verify-full&sslrootcert=" + big, `(?s)Invalid Endpoint Input.*31457280 bytes.*1 MiB`},
	} {
		steps = append(steps, resource.TestStep{
			// The longest timeout: the refusal must not come from waiting.
			Config:      fmt.Sprintf("data \"dbtls_endpoint\" \"bad\" {\n  url     = %q\n  timeout = \"5m\"\n}\n", s.url),
			ExpectError: wrapRE(s.want),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:          "variable \"ca\" {\n  type = string\n}\ndata \"dbtls_endpoint\" \"bad\" {\n  url = \"neo4j+s://127.0.0.1:1\"\n  ca_certificates_pem = var.ca\n}\n",
		ConfigVariables: config.Variables{"ca": config.StringVariable(strings.Repeat("A", 30<<20))},
		ExpectError:     wrapRE(`(?s)Value Too Large.*ca_certificates_pem is 31457280 bytes`),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccSSH_SHA1HostKeySignatures: a server that signs its host key with SHA-1 only (HostKeyAlgorithms
// ssh-rsa) is refused before anything is read or written, and the error names the opt-in; with
// allow_sha1_host_key_signatures = true the same configuration applies.
func TestAccSSH_SHA1HostKeySignatures(t *testing.T) {
	t.Parallel()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{HostKeyAlgorithms: "ssh-rsa"})
	cfg := func(home, optIn string) string {
		return fmt.Sprintf(`
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = %q
  ssh {
    host        = %q
    port        = %d
    user        = %q
    private_key = <<-EOT
%s
EOT
    known_hosts = <<-EOT
%s
EOT
%s
  }
}
resource "dbtls_ssl_policy" "example" {
  name = "example_policy"
}
`, home, sshd.Host, sshd.Port(), sshd.User, sshd.ClientKey, sshd.KnownHostsFor(sshd.Port(), "ssh-rsa"), optIn)
	}
	t.Run("refused by default", func(t *testing.T) {
		home := newHome(t, realisticConf)
		before := snapshot(t, home)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				if snapshot(t, home) != before {
					return fmt.Errorf("neo4j_home changed although the host was refused")
				}
				return nil
			},
			Steps: []resource.TestStep{{
				Config:      cfg(home, ""),
				ExpectError: wrapRE(`(?s)Cannot Reach Target.*SHA-1 only.*ssh-rsa.*nothing was read or written.*allow_sha1_host_key_signatures = true`),
			}},
		})
	})
	t.Run("accepted with the opt-in", func(t *testing.T) {
		home := newHome(t, realisticConf)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: cfg(home, "    allow_sha1_host_key_signatures = true"),
				Check: func(*terraform.State) error {
					if _, err := os.Stat(filepath.Join(home, "certificates", "example_policy")); err != nil {
						return fmt.Errorf("the policy directory was not created over SSH: %v", err)
					}
					return nil
				},
			}},
		})
	})
}

// TestAccChannelBinding_ClusterEKU: binding the cluster channel to a policy whose certificate on the host
// cannot authenticate as a client is refused while planning (it was a warning), and neo4j.conf is not
// touched.
func TestAccChannelBinding_ClusterEKU(t *testing.T) {
	ca := pkitest.NewCA(t, "EKU CA")
	serverOnly := ca.Issue(t, pkitest.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	home := newHome(t, realisticConf)
	conf := filepath.Join(home, "conf", "neo4j.conf")
	me := currentUser(t)
	base := certConfig("5.26", home, me, woBody(1, ""))
	v := vars("cert", serverOnly.CertPEM, "key", serverOnly.KeyPEM(t))
	var before []byte
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkFileEquals(conf, realisticConf),
		Steps: []resource.TestStep{
			{Config: base, ConfigVariables: v, Check: func(*terraform.State) error {
				var err error
				before, err = os.ReadFile(conf)
				return err
			}},
			{
				Config: base + `
resource "dbtls_channel_binding" "cluster" {
  channel    = "cluster"
  policy     = dbtls_ssl_policy.example.settings
  depends_on = [dbtls_policy_certificate.example]
}
`,
				ConfigVariables: v,
				ExpectError:     wrapRE(`(?s)Cluster Certificate Lacks clientAuth.*public.crt.*extendedKeyUsage serverAuth,clientAuth`),
			},
			{Config: base, ConfigVariables: v, Check: func(*terraform.State) error {
				after, err := os.ReadFile(conf)
				if err != nil {
					return err
				}
				if string(after) != string(before) {
					return fmt.Errorf("neo4j.conf changed although the binding was refused")
				}
				return nil
			}},
		},
	})
}
