# 1. Neon (or any managed PostgreSQL): prove on every plan that the endpoint refuses plaintext and that
#    verify-full against the system trust store works. The data source is declared on its own and the
#    check only asserts on it: a data source nested inside a check block is read again on every run and
#    shows up in every plan as a read, so `plan -detailed-exitcode` would always exit 2 (see the drift
#    detection guide). A failing check is a warning; the plan goes on.
data "dbtls_endpoint" "neon" {
  url = "postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/appdb?sslmode=verify-full&sslrootcert=system"
}

check "neon_is_verify_full" {
  assert {
    condition     = data.dbtls_endpoint.neon.compliant
    error_message = join("; ", data.dbtls_endpoint.neon.violations)
  }
}

# A connection string your application uses, checked for what it is: with sslmode=require the report
# says VERIFICATION_SKIPPED (no certificate check, so a man in the middle goes unnoticed).
data "dbtls_endpoint" "app_database" {
  url = "host=db.internal port=5432 user=app dbname=app sslmode=require"

  expect {
    min_days_remaining = 21
  }
}

# 2. A Neo4j Bolt endpoint held to the policy it was declared with: TLS 1.3 only, no client
#    certificates, plaintext refused (server.bolt.tls_level=REQUIRED). The postcondition stops the plan
#    (and anything that depends on this data source) when the live endpoint disagrees.
variable "graph_ca_pem" {
  description = "The CA that issued graph-1's certificate (PEM)."
  type        = string
}

resource "dbtls_ssl_policy" "client" {
  name         = "client_policy"
  client_auth  = "NONE"
  tls_versions = ["TLSv1.3"]
}

data "dbtls_endpoint" "bolt" {
  url                 = "neo4j+s://graph-1.internal:7687"
  policy              = dbtls_ssl_policy.client.settings
  ca_certificates_pem = var.graph_ca_pem

  lifecycle {
    postcondition {
      condition     = self.compliant
      error_message = "graph-1 Bolt does not enforce ${dbtls_ssl_policy.client.name}:\n${join("\n", self.violations)}"
    }
  }
}

output "bolt_report" {
  value = data.dbtls_endpoint.bolt.summary
}

# 3. Drift detection on a schedule. Run from cron or CI, for example every hour:
#
#      terraform plan -detailed-exitcode -input=false -lock=false
#
#    Exit code 0: nothing changed and every check passed quietly; 2: changes (or a re-read) are planned;
#    1: an error, which includes a failed postcondition and a data source with fail_on_violation = true.
#    Checks never fail a plan: collect their warnings from `terraform plan -json` (diagnostics with
#    severity "warning" and a "check" address), or use fail_on_violation = true where a violation must
#    page someone:
data "dbtls_endpoint" "must_hold" {
  url               = "https://graph-1.internal:7473/"
  fail_on_violation = true

  expect {
    tls_versions = ["TLSv1.3"]
    plaintext    = "rejected"
  }
}
