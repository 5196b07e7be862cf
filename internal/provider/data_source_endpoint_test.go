package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dbtls/terraform-provider-dbtls/internal/probe"
	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

// endpointTestHome is the home directory the data source (and psql, the oracle) see in these tests: it
// does not exist, so libpq's ~/.postgresql/root.crt lookup finds nothing, whatever the machine's real
// home holds. The lookup itself is covered in internal/probe with real files.
const endpointTestHome = "/nonexistent/dbtls-endpoint-test-home"

func init() {
	endpointHomeDir = func() (string, error) { return endpointTestHome, nil }
}

// endpointServer is one PostgreSQL set-up shared by the tests of this package. Servers are stopped and
// their files removed when the test binary exits (testenv's supervisor).
type endpointServer struct {
	name       string
	srv        *testenv.PGServer
	rightCA    string // a root file that verifies the server's certificate
	otherCA    string // a root file of an unrelated CA
	matchHost  string // a host name the certificate is valid for
	caPEM      string
	selfSigned bool
}

var endpointSetups = map[string]func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string){
	// hostssl only: what Neon does ("SSL Required").
	"hostssl-only": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		l := ca.Issue(testenv.Localhost())
		return testenv.PGConfig{SSL: true, Cert: l.ChainPEM, Key: l.KeyPEM, HBA: testenv.HBASSLOnly}, l, "localhost"
	},
	// TLS offered, plaintext accepted too (host ... trust).
	"tls-and-plain": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		l := ca.Issue(testenv.Localhost())
		return testenv.PGConfig{SSL: true, Cert: l.ChainPEM, Key: l.KeyPEM, HBA: testenv.HBAAnyTrust}, l, "localhost"
	},
	// ssl = off.
	"ssl-off": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		return testenv.PGConfig{SSL: false, HBA: testenv.HBAAnyTrust}, nil, "localhost"
	},
	// ssl_min_protocol_version = TLSv1.3.
	"tls13-only": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		l := ca.Issue(testenv.Localhost())
		return testenv.PGConfig{SSL: true, Cert: l.ChainPEM, Key: l.KeyPEM, MinProtocol: "TLSv1.3", HBA: testenv.HBASSLOnly}, l, "localhost"
	},
	// A self-signed certificate: the "right CA" is the certificate itself.
	"self-signed": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		l := testenv.SelfSigned(testenv.Localhost())
		return testenv.PGConfig{SSL: true, Cert: l.ChainPEM, Key: l.KeyPEM, HBA: testenv.HBASSLOnly}, l, "localhost"
	},
	// A certificate for another host name only.
	"other-host": func(ca *testenv.CA) (testenv.PGConfig, *testenv.Leaf, string) {
		l := ca.Issue(testenv.LeafOptions{CommonName: "db.other.test", DNSNames: []string{"db.other.test"}})
		return testenv.PGConfig{SSL: true, Cert: l.ChainPEM, Key: l.KeyPEM, HBA: testenv.HBASSLOnly}, l, "db.other.test"
	},
}

// endpointAccParallel skips without TF_ACC and runs the test in parallel from its first line, so that
// starting shared servers and running psql overlap between tests. Such tests then use resource.Test:
// resource.ParallelTest would call t.Parallel a second time.
func endpointAccParallel(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
}

var (
	endpointServersMu sync.Mutex
	endpointServers   = map[string]*endpointServer{}
	endpointOnce      = map[string]*sync.Once{}
	endpointErrs      = map[string]error{}
)

func sharedEndpointServer(t *testing.T, name string) *endpointServer {
	t.Helper()
	if !testenv.HaveServerBinaries() {
		t.Skip("PostgreSQL 15 server binaries, psql or openssl missing")
	}
	endpointServersMu.Lock()
	once := endpointOnce[name]
	if once == nil {
		once = &sync.Once{}
		endpointOnce[name] = once
	}
	endpointServersMu.Unlock()
	once.Do(func() {
		s, err := startEndpointServer(name)
		endpointServersMu.Lock()
		endpointServers[name], endpointErrs[name] = s, err
		endpointServersMu.Unlock()
	})
	endpointServersMu.Lock()
	defer endpointServersMu.Unlock()
	if err := endpointErrs[name]; err != nil {
		t.Fatalf("PostgreSQL set-up %s: %v", name, err)
	}
	return endpointServers[name]
}

func startEndpointServer(name string) (*endpointServer, error) {
	ca := testenv.NewCA("dbtls endpoint test CA")
	cfg, leaf, host := endpointSetups[name](ca)
	dir, err := testenv.ProcessTempDir("dbtls-endpoint-" + name + "-")
	if err != nil {
		return nil, err
	}
	s := &endpointServer{name: name, matchHost: host, rightCA: filepath.Join(dir, "right-ca.crt"), otherCA: filepath.Join(dir, "other-ca.crt")}
	right := ca.CertPEM
	if name == "self-signed" {
		right, s.selfSigned = leaf.CertPEM, true
	}
	s.caPEM = string(right)
	if err := writeEndpointFile(s.rightCA, right); err != nil {
		return nil, err
	}
	if err := writeEndpointFile(s.otherCA, testenv.NewCA("unrelated CA").CertPEM); err != nil {
		return nil, err
	}
	if s.srv, err = testenv.StartPostgres(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

func writeEndpointFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }

// endpointCase is a connection string and its key in the Terraform configuration.
type endpointCase struct{ key, url string }

// matrix builds every sslmode x root certificate (none, right CA, unrelated CA) x host name (one the
// certificate is valid for, or another, both dialled through hostaddr), alternating URI and key=value.
func (s *endpointServer) matrix() []endpointCase {
	var cases []endpointCase
	i := 0
	for _, mode := range probe.SSLModes {
		for _, root := range []struct{ name, file string }{{"no-root", ""}, {"right-ca", s.rightCA}, {"other-ca", s.otherCA}} {
			for _, host := range []struct{ name, host string }{{"match", s.matchHost}, {"mismatch", "db.example.test"}} {
				key := fmt.Sprintf("%s_%s_%s", mode, root.name, host.name)
				var url string
				if i%2 == 0 {
					url = fmt.Sprintf("postgresql://postgres@%s:%d/postgres?hostaddr=127.0.0.1&sslmode=%s", host.host, s.srv.Port, mode)
					if root.file != "" {
						url += "&sslrootcert=" + root.file
					}
				} else {
					url = fmt.Sprintf("host=%s hostaddr=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=%s", host.host, s.srv.Port, mode)
					if root.file != "" {
						url += " sslrootcert=" + root.file
					}
				}
				cases = append(cases, endpointCase{key: key, url: url})
				i++
			}
		}
	}
	return cases
}

// psqlOutcomes runs psql on every case, six at a time.
func psqlOutcomes(t *testing.T, cases []endpointCase) (map[string]bool, map[string]string) {
	t.Helper()
	ok, out := map[string]bool{}, map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := testenv.Psql(context.Background(), c.url, endpointTestHome, 10*time.Second)
			mu.Lock()
			ok[c.key], out[c.key] = r.Connected, r.Output
			mu.Unlock()
		}()
	}
	wg.Wait()
	return ok, out
}

// hclLists writes the keys and the URLs as two HCL lists (count, not for_each: the testing framework's
// state shim only knows numeric indexes).
func hclLists(cases []endpointCase) (string, string) {
	var keys, urls []string
	for _, c := range cases {
		keys = append(keys, strconv.Quote(c.key))
		urls = append(urls, strconv.Quote(c.url))
	}
	return "[\n    " + strings.Join(keys, ",\n    ") + ",\n  ]", "[\n    " + strings.Join(urls, ",\n    ") + ",\n  ]"
}

// testAccEndpointOracle: for one server set-up, the connectable of every data source in the matrix equals
// what psql did with the same connection string a moment before, in the same run.
func testAccEndpointOracle(t *testing.T, setup string, facts string, factChecks ...statecheck.StateCheck) {
	t.Helper()
	s := sharedEndpointServer(t, setup)
	cases := s.matrix()
	want, psqlOut := psqlOutcomes(t, cases)
	expected := map[string]knownvalue.Check{}
	connected := 0
	for k, v := range want {
		expected[k] = knownvalue.Bool(v)
		if v {
			connected++
		}
	}
	t.Logf("%s: psql connected with %d of %d connection strings", setup, connected, len(cases))
	keys, urls := hclLists(cases)
	config := fmt.Sprintf(`
locals {
  keys = %s
  urls = %s
}

data "dbtls_endpoint" "matrix" {
  count   = length(local.urls)
  url     = local.urls[count.index]
  timeout = "10s"
}

output "connectable" {
  value = zipmap(local.keys, data.dbtls_endpoint.matrix[*].connectable)
}
%s
`, keys, urls, facts)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: append([]statecheck.StateCheck{statecheck.ExpectKnownOutputValue("connectable", knownvalue.MapExact(expected))}, factChecks...),
		}},
	})
	if t.Failed() {
		for _, c := range cases {
			t.Logf("%s: psql connected=%v: %s\n    %s", c.key, want[c.key], psqlOut[c.key], c.url)
		}
	}
}

func endpointFactsConfig(s *endpointServer, extra string) string {
	return fmt.Sprintf(`
data "dbtls_endpoint" "facts" {
  url                 = "postgresql://postgres@%s:%d/postgres?hostaddr=127.0.0.1&sslmode=verify-full"
  ca_certificates_pem = %s
  timeout             = "10s"
%s
}
`, s.matchHost, s.srv.Port, strconv.Quote(s.caPEM), extra)
}

func violationCodes(codes ...string) knownvalue.Check {
	var checks []knownvalue.Check
	for _, c := range codes {
		checks = append(checks, knownvalue.StringRegexp(regexp.MustCompile("^"+c+": ")))
	}
	return knownvalue.ListExact(checks)
}

const facts = "data.dbtls_endpoint.facts"

func TestAccEndpoint_OracleHostSSLOnly(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "hostssl-only")
	testAccEndpointOracle(t, "hostssl-only", endpointFactsConfig(s, ""),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("violations"), knownvalue.ListExact(nil)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("plaintext_accepted"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("tls_version"), knownvalue.StringExact("TLSv1.3")),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("offered_tls_versions"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.2"), knownvalue.StringExact("TLSv1.3")})),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("client_auth"), knownvalue.StringExact("NONE")),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("chain_verified"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("hostname_verified"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("revoked"), knownvalue.Null()),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("days_remaining"), knownvalue.Int64Func(func(v int64) error {
			if v < 8 || v > 10 {
				return fmt.Errorf("days_remaining %d, want 8..10 for a 10-day certificate", v)
			}
			return nil
		})),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("dns_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("localhost")})),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("ip_addresses"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("127.0.0.1")})),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("summary"), knownvalue.StringRegexp(regexp.MustCompile(`connectable over TLS`))),
	)
}

func TestAccEndpoint_OracleTLSAndPlaintext(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "tls-and-plain")
	testAccEndpointOracle(t, "tls-and-plain", endpointFactsConfig(s, ""),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("connectable"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("compliant"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("plaintext_accepted"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("violations"), violationCodes("PLAINTEXT_ACCEPTED")),
	)
}

func TestAccEndpoint_OracleSSLOff(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "ssl-off")
	testAccEndpointOracle(t, "ssl-off", endpointFactsConfig(s, ""),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("connectable"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("tls_version"), knownvalue.Null()),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("offered_tls_versions"), knownvalue.ListExact(nil)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("violations"), violationCodes("NOT_CONNECTABLE", "TLS_UNAVAILABLE", "PLAINTEXT_ACCEPTED")),
	)
}

func TestAccEndpoint_OracleTLS13Only(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "tls13-only")
	testAccEndpointOracle(t, "tls13-only", endpointFactsConfig(s, `
  policy = {
    name          = "bolt"
    neo4j_version = "5.26"
    tls_versions  = "TLSv1.3"
    client_auth   = "NONE"
  }`),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("offered_tls_versions"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.3")})),
	)
}

func TestAccEndpoint_OracleSelfSigned(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "self-signed")
	testAccEndpointOracle(t, "self-signed", endpointFactsConfig(s, ""),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("is_ca"), knownvalue.Bool(true)),
	)
}

func TestAccEndpoint_OracleOtherHost(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "other-host")
	// The facts probe dials localhost's address but verifies db.other.test, the certificate's name.
	testAccEndpointOracle(t, "other-host", endpointFactsConfig(s, ""),
		statecheck.ExpectKnownValue(facts, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
	)
}

// The Neon example: a check block with verify-full and the system trust store. The local server's
// certificate comes from a test CA, so the check's assertion fails (a warning, not an error), and the
// report says why; with the CA given the same check passes.
func TestAccEndpoint_NeonStyleCheck(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "hostssl-only")
	url := fmt.Sprintf("postgresql://app@localhost:%d/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=system", s.srv.Port)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
check "neon_is_verify_full" {
  data "dbtls_endpoint" "neon" {
    url = %q
  }
  assert {
    condition     = data.dbtls_endpoint.neon.compliant
    error_message = join("; ", data.dbtls_endpoint.neon.violations)
  }
}
`, url),
				// Terraform always plans to read a data source nested in a check block again
				// (ReadBecauseCheckNested), so the plan after apply is never empty.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dbtls_endpoint.neon", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.neon", tfjsonpath.New("chain_verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.neon", tfjsonpath.New("plaintext_accepted"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.neon", tfjsonpath.New("violations"), violationCodes("NOT_CONNECTABLE", "CHAIN_UNVERIFIED")),
				},
			},
			{
				Config: fmt.Sprintf(`
check "verify_full_with_ca" {
  data "dbtls_endpoint" "neon" {
    url                 = %q
    ca_certificates_pem = %q
  }
  assert {
    condition     = data.dbtls_endpoint.neon.compliant
    error_message = join("; ", data.dbtls_endpoint.neon.violations)
  }
}
`, strings.Replace(url, "&sslrootcert=system", "", 1), s.caPEM),
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dbtls_endpoint.neon", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

// sslmode=require in a URL is reported for what it is, and fail_on_violation turns violations into an
// error that stops the plan.
func TestAccEndpoint_RequireAndFailOnViolation(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "tls-and-plain")
	url := fmt.Sprintf("postgresql://postgres@localhost:%d/postgres?sslmode=require", s.srv.Port)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
data "dbtls_endpoint" "db" {
  url = %q
  expect {
    plaintext = "any"
  }
}
`, url),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dbtls_endpoint.db", tfjsonpath.New("connectable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.db", tfjsonpath.New("violations"), violationCodes("VERIFICATION_SKIPPED", "CHAIN_UNVERIFIED")),
				},
			},
			{
				Config: fmt.Sprintf(`
data "dbtls_endpoint" "db" {
  url                 = %q
  ca_certificates_pem = %q
  fail_on_violation   = true
}
`, strings.Replace(url, "sslmode=require", "sslmode=verify-full", 1), s.caPEM),
				ExpectError: regexp.MustCompile(`(?s)Endpoint Violates Its Declaration.*PLAINTEXT_ACCEPTED: `),
			},
		},
	})
}

// A Neo4j Bolt endpoint held to its declared policy, with a postcondition: TLS 1.3 only passes; the same
// port also taking plaintext Bolt (tls_level OPTIONAL) fails the postcondition.
func TestAccEndpoint_BoltPolicyPostcondition(t *testing.T) {
	if !testenv.HaveServerBinaries() {
		t.Skip("test tools missing")
	}
	ca := testenv.NewCA("bolt CA")
	leaf := ca.Issue(testenv.Localhost())
	cfg := &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}, MinVersion: tls.VersionTLS13}
	strict := testenv.StartBolt(t, testenv.BoltConfig{TLS: cfg})
	optional := testenv.StartBolt(t, testenv.BoltConfig{TLS: cfg, AllowPlaintext: true})
	config := func(addr string) string {
		_, port, _ := net.SplitHostPort(addr)
		return fmt.Sprintf(`
locals {
  # What a dbtls_ssl_policy's settings look like (a literal here: the test needs no host).
  bolt_policy = {
    name            = "bolt"
    neo4j_version   = "5.26"
    client_auth     = "NONE"
    tls_versions    = "TLSv1.3"
    trust_all       = "false"
    verify_hostname = "true"
  }
}

data "dbtls_endpoint" "bolt" {
  url                 = "neo4j+s://localhost:%s"
  policy              = local.bolt_policy
  ca_certificates_pem = %q

  lifecycle {
    postcondition {
      condition     = self.compliant
      error_message = join("\n", self.violations)
    }
  }
}
`, port, ca.CertPEM)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(strict.Addr),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dbtls_endpoint.bolt", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.bolt", tfjsonpath.New("tls_version"), knownvalue.StringExact("TLSv1.3")),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.bolt", tfjsonpath.New("plaintext_accepted"), knownvalue.Bool(false)),
				},
			},
			{
				Config:      config(optional.Addr),
				ExpectError: regexp.MustCompile(`(?s)postcondition failed.*PLAINTEXT_ACCEPTED: `),
			},
		},
	})
}

// HTTPS against openssl s_server requiring a client certificate: observed REQUIRE, and connectable only
// with client_certificate_pem.
func TestAccEndpoint_HTTPSClientCertificate(t *testing.T) {
	if !testenv.HaveServerBinaries() {
		t.Skip("test tools missing")
	}
	ca := testenv.NewCA("https CA")
	leaf := ca.Issue(testenv.Localhost())
	clientCA := testenv.NewCA("https client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "terraform", Client: true})
	caFile := testenv.WriteFile(t, t.TempDir(), "client-ca.crt", clientCA.CertPEM)
	srv := testenv.StartSServer(t, leaf, "-Verify", "1", "-verify_return_error", "-CAfile", caFile)
	_, port, _ := net.SplitHostPort(srv.Addr())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dbtls_endpoint" "without" {
  url                 = "https://localhost:%[1]s/"
  ca_certificates_pem = %[2]q
  expect {
    client_auth  = "REQUIRE"
    tls_versions = ["TLSv1.2", "TLSv1.3"]
  }
}

data "dbtls_endpoint" "with" {
  url                    = "https://localhost:%[1]s/"
  ca_certificates_pem    = %[2]q
  client_certificate_pem = %[3]q
  client_key_pem         = %[4]q
  expect {
    client_auth        = "REQUIRE"
    min_days_remaining = 5
  }
}
`, port, ca.CertPEM, client.CertPEM, client.KeyPEM),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.dbtls_endpoint.without", tfjsonpath.New("client_auth"), knownvalue.StringExact("REQUIRE")),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.without", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.with", tfjsonpath.New("connectable"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.with", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
			},
		}},
	})
}

// A server that never answers: a result, not an error, within the timeout.
func TestAccEndpoint_SilentServer(t *testing.T) {
	addr := testenv.StartHostile(t, testenv.HostileSilent)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dbtls_endpoint" "silent" {
  url     = "postgresql://app@%s/db?sslmode=verify-full&sslrootcert=system"
  timeout = "2s"
}
`, addr),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.dbtls_endpoint.silent", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.silent", tfjsonpath.New("violations"), knownvalue.ListPartial(map[int]knownvalue.Check{
					0: knownvalue.StringRegexp(regexp.MustCompile(`^NOT_CONNECTABLE: .*no answer`)),
				})),
			},
		}},
	})
}

// Malformed input is an error naming the attribute; nothing is probed.
func TestAccEndpoint_InvalidInput(t *testing.T) {
	steps := []struct {
		config string
		want   string
	}{
		{`url = "postgresql://h/db?sslmode=strict"`, `(?s)Invalid Endpoint URL.*invalid sslmode value "strict"`},
		{`url = "host=h password=hunter2 oops"`, `(?s)Invalid Endpoint URL.*missing "=" after the word at byte`},
		{`url = "mysql://h"`, `(?s)Invalid Endpoint URL.*unsupported scheme`},
		{`url = "postgresql://h1,h2/db"`, `(?s)Invalid Endpoint URL.*several hosts`},
		{"url = \"host=h\"\ntimeout = \"forever\"", `(?s)Invalid Timeout`},
		{"url = \"host=h\"\npolicy = { tls_versions = \"SSLv3\" }", `(?s)Invalid Policy Setting.*SSLv3`},
		{"url = \"host=h\"\nexpect {\n  certificate_sha256 = \"abc\"\n}", `(?s)Invalid Expectation.*64 hex digits`},
		{"url = \"host=h\"\nexpect {\n  plaintext = \"sometimes\"\n}", `(?s)Invalid Attribute Value Match`},
		{"url = \"host=h\"\nclient_certificate_pem = \"x\"", `(?s)Invalid Endpoint Input.*client_key_pem must be too`},
		{"url = \"host=h\"\nca_certificates_pem = \"not a certificate\"", `(?s)Invalid Endpoint Input.*ca_certificates_pem`},
		{"url = \"host=h sslrootcert=/x\"\nca_certificates_pem = " + strconv.Quote(string(testenv.NewCA("x").CertPEM)), `(?s)sslrootcert=/x too.*replaces\s+sslrootcert=system\s+only`},
		{"url = \"host=h sslcertmode=require\"\nlibpq_version = 15", `(?s)Invalid Endpoint URL.*sslcertmode is a libpq 16 parameter: a client with\s+libpq 15 refuses the URL`},
		{"url = \"host=h sslnegotiation=direct sslmode=require\"\nlibpq_version = 16", `(?s)Invalid Endpoint URL.*sslnegotiation is a libpq 17 parameter`},
		{"url = \"host=h\"\nlibpq_version = 14", `(?s)libpq_version.*at least 15`},
	}
	var ts []resource.TestStep
	for _, s := range steps {
		ts = append(ts, resource.TestStep{
			Config:      "data \"dbtls_endpoint\" \"bad\" {\n" + s.config + "\n}\n",
			ExpectError: regexp.MustCompile(s.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: ts})
}

// provider::dbtls::with_sslmode adds sslrootcert=system to a verify-full URL; ca_certificates_pem replaces it,
// so a private CA works with the function. libpq_version models the client: under 15, "system" is a file
// name and the verify-full URL does not connect, as psql 15 (the oracle, run on the same URL) says.
func TestAccEndpoint_WithSSLModeAndLibpqVersion(t *testing.T) {
	endpointAccParallel(t)
	s := sharedEndpointServer(t, "hostssl-only")
	base := fmt.Sprintf("postgresql://postgres@localhost:%d/postgres?hostaddr=127.0.0.1&sslmode=require", s.srv.Port)
	system := strings.Replace(base, "sslmode=require", "sslmode=verify-full", 1) + "&sslrootcert=system"
	withFile := strings.Replace(system, "sslrootcert=system", "sslrootcert="+s.rightCA, 1)

	// The oracle: psql 15 refuses sslrootcert=system as a missing file, and connects with the CA's file.
	psqlSystem := testenv.Psql(context.Background(), system, endpointTestHome, 10*time.Second)
	if psqlSystem.Connected || !strings.Contains(psqlSystem.Output, `root certificate file "system" does not exist`) {
		t.Fatalf("psql 15 with sslrootcert=system: connected=%v: %s", psqlSystem.Connected, psqlSystem.Output)
	}
	if r := testenv.Psql(context.Background(), withFile, endpointTestHome, 10*time.Second); !r.Connected {
		t.Fatalf("psql 15 with the CA file: %s", r.Output)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
locals {
  url = provider::dbtls::with_sslmode(%q, "verify-full")
  ca  = %q
}

data "dbtls_endpoint" "private_ca" {
  url                 = local.url
  ca_certificates_pem = local.ca
  timeout             = "10s"
}

data "dbtls_endpoint" "libpq15_system" {
  url           = local.url
  libpq_version = 15
  timeout       = "10s"
}

data "dbtls_endpoint" "libpq15_private_ca" {
  url                 = local.url
  ca_certificates_pem = local.ca
  libpq_version       = 15
  timeout             = "10s"
}

output "url" {
  value = local.url
}

output "v15" {
  value = data.dbtls_endpoint.libpq15_system.violations
}
`, base, s.caPEM),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("url", knownvalue.StringExact(system)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.private_ca", tfjsonpath.New("connectable"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.private_ca", tfjsonpath.New("violations"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.private_ca", tfjsonpath.New("summary"),
					knownvalue.StringRegexp(regexp.MustCompile(`What a client given this URL checks: TLS required; certificate chain checked against ca_certificates_pem; host name checked`))),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.libpq15_system", tfjsonpath.New("connectable"), knownvalue.Bool(psqlSystem.Connected)),
				// The probe's own chain check uses the system trust store, which lacks the test CA.
				statecheck.ExpectKnownOutputValue("v15", violationCodes("NOT_CONNECTABLE", "CHAIN_UNVERIFIED")),
				statecheck.ExpectKnownOutputValue("v15", knownvalue.ListPartial(map[int]knownvalue.Check{
					0: knownvalue.StringRegexp(regexp.MustCompile(`^NOT_CONNECTABLE: root certificate file "system" does not exist: libpq 15 reads sslrootcert=system as a file name`)),
				})),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.libpq15_private_ca", tfjsonpath.New("connectable"), knownvalue.Bool(true)),
			},
		}},
	})
}

// A PostgreSQL URL that points at an HTTP server: NOT_POSTGRESQL, and no verdict on plaintext.
func TestAccEndpoint_WrongProtocol(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dbtls_endpoint" "http" {
  url     = "postgresql://app@%s/db?sslmode=verify-full&sslrootcert=system"
  timeout = "10s"
}
`, addr),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.dbtls_endpoint.http", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.http", tfjsonpath.New("violations"), violationCodes("NOT_CONNECTABLE", "NOT_POSTGRESQL")),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.http", tfjsonpath.New("plaintext_accepted"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.http", tfjsonpath.New("summary"),
					knownvalue.StringRegexp(regexp.MustCompile(`(?s)NOT connectable: not a PostgreSQL server.*Peer: an HTTP server answered.*Plaintext: not checked`))),
			},
		}},
	})
}

// A server whose certificate names carry terminal escape sequences and bidi overrides, and whose HTTP answer
// and PostgreSQL error carry them too: state holds the names escaped, and the failing read's diagnostic
// neither holds a raw control or bidi character nor repeats the server's error text.
func TestAccEndpoint_ServerTextEscaped(t *testing.T) {
	addr := testenv.StartHostile(t, testenv.HostileTerminalText)
	noRaw := regexp.MustCompile(`(?s)\A[^\x1b\x07\x{202e}\x{2066}]*\z`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
data "dbtls_endpoint" "evil" {
  url     = "https://%s/"
  timeout = "5s"
}
`, addr),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dbtls_endpoint.evil", tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("subject"),
						knownvalue.StringRegexp(regexp.MustCompile(`^CN=db\\x1b\[31m\.example\\x1b\]0\\;owned\\x07\\u202egnp\.exe\\u2066x$`))),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.evil", tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("issuer"),
						knownvalue.StringRegexp(regexp.MustCompile(`^CN=CA \\u202eevil\\x1b\[2J,O=dbtls tests$`))),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.evil", tfjsonpath.New("certificates").AtSliceIndex(0).AtMapKey("dns_names"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(`a\x1b[5m.example`), knownvalue.StringExact("localhost")})),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.evil", tfjsonpath.New("summary"), knownvalue.StringRegexp(noRaw)),
					statecheck.ExpectKnownValue("data.dbtls_endpoint.evil", tfjsonpath.New("violations"), knownvalue.ListPartial(map[int]knownvalue.Check{
						0: knownvalue.StringRegexp(regexp.MustCompile(`^NOT_CONNECTABLE: `)),
					})),
				},
			},
			{
				Config: fmt.Sprintf(`
data "dbtls_endpoint" "evil" {
  url               = "postgresql://app@%s/db?sslmode=require"
  timeout           = "5s"
  fail_on_violation = true
}
`, addr),
				ExpectError: regexp.MustCompile(`(?s)\A[^\x1b\x07\x{202e}\x{2066}]*Endpoint Violates Its Declaration[^\x1b\x07\x{202e}\x{2066}]*CN=db\\x1b\[31m\.example[^\x1b\x07\x{202e}\x{2066}]*\z`),
			},
		},
	})
}

// Real peers through Terraform: nginx with ssl_verify_client on answers a client without a certificate
// with HTTP 400 (REQUIRE, not connectable; with client_certificate_pem connectable), and PgBouncer with
// client_tls_sslmode=require tells an sslmode=disable URL which sslmode works.
func TestAccEndpoint_ProxiesAndPoolers(t *testing.T) {
	endpointAccParallel(t)
	ca := testenv.NewCA("endpoint peers CA")
	leaf := ca.Issue(testenv.Localhost())
	clientCA := testenv.NewCA("endpoint peers client CA")
	client := clientCA.Issue(testenv.LeafOptions{CommonName: "postgres", Client: true})
	n := testenv.StartNginx(t, testenv.NginxConfig{Cert: leaf.ChainPEM, Key: leaf.KeyPEM, CA: clientCA.CertPEM, VerifyClient: "on"})
	up := sharedEndpointServer(t, "tls-and-plain")
	b := testenv.StartPgBouncer(t, testenv.PgBouncerConfig{Upstream: up.srv, ClientTLSMode: "require", Cert: leaf.ChainPEM, Key: leaf.KeyPEM})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dbtls_endpoint" "nginx_without" {
  url                 = "https://localhost:%[1]d/"
  ca_certificates_pem = %[2]q
  timeout             = "10s"
}
data "dbtls_endpoint" "nginx_with" {
  url                    = "https://localhost:%[1]d/"
  ca_certificates_pem    = %[2]q
  client_certificate_pem = %[3]q
  client_key_pem         = %[4]q
  timeout                = "10s"
  expect {
    client_auth = "REQUIRE"
  }
}
data "dbtls_endpoint" "pgbouncer_disable" {
  url     = "postgresql://postgres@localhost:%[5]d/postgres?hostaddr=127.0.0.1&sslmode=disable"
  timeout = "10s"
}
`, n.Port, string(ca.CertPEM), string(client.CertPEM), string(client.KeyPEM), b.Port),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.dbtls_endpoint.nginx_without", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.nginx_without", tfjsonpath.New("client_auth"), knownvalue.StringExact("REQUIRE")),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.nginx_without", tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("NOT_CONNECTABLE: HTTP status 400: the server requires a client certificate and none was sent"),
				})),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.nginx_with", tfjsonpath.New("connectable"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.nginx_with", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.pgbouncer_disable", tfjsonpath.New("connectable"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.pgbouncer_disable", tfjsonpath.New("plaintext_accepted"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.pgbouncer_disable", tfjsonpath.New("violations"), knownvalue.ListPartial(map[int]knownvalue.Check{
					0: knownvalue.StringRegexp(regexp.MustCompile(`^NOT_CONNECTABLE: the server requires TLS .*use sslmode=verify-full \(or at least sslmode=require\) \(.*SQLSTATE 08P01: PgBouncer requires TLS`)),
				})),
				statecheck.ExpectKnownValue("data.dbtls_endpoint.pgbouncer_disable", tfjsonpath.New("summary"),
					knownvalue.StringRegexp(regexp.MustCompile(`NOT connectable: the server requires TLS`))),
			},
		}},
	})
}
