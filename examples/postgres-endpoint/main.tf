# Prove that a PostgreSQL endpoint enforces TLS the way its connection string claims.
#
#   make demo     runs this against a throwaway local PostgreSQL with TLS (hostssl only)
#
# Against your own server:
#   terraform apply -var 'url=postgresql://app@db.internal/app?sslmode=require&sslrootcert=/etc/ssl/db-ca.crt'
# (without sslrootcert, verify-full checks against the system trust store).

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "url" {
  description = "A PostgreSQL connection string (URI or key=value)."
  type        = string
}

# The URL as an application has it, and the same URL made strict with with_sslmode.
data "dbtls_endpoint" "as_configured" {
  url = var.url
}

data "dbtls_endpoint" "verify_full" {
  url = provider::dbtls::with_sslmode(var.url, "verify-full")

  expect {
    plaintext          = "rejected"
    min_days_remaining = 14
  }
}

check "verify_full_holds" {
  assert {
    condition     = data.dbtls_endpoint.verify_full.compliant
    error_message = join("; ", data.dbtls_endpoint.verify_full.violations)
  }
}

output "as_configured" {
  description = "The report for the URL as given."
  value       = data.dbtls_endpoint.as_configured.summary
}

output "verify_full" {
  description = "The report for the same URL with sslmode=verify-full."
  value       = data.dbtls_endpoint.verify_full.summary
}

output "violations" {
  description = "What the URL as given lets through."
  value       = data.dbtls_endpoint.as_configured.violations
}
