# From sslmode=require to verify-full: what the connection string an application uses today lets
# through, and whether the same string with sslmode=verify-full would still connect. Nothing is created:
# the two data sources probe the server on every plan, and the checks report as warnings.
#
#   terraform apply -var 'database_url=postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/appdb?sslmode=require'

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "database_url" {
  description = "The connection string as the application has it (URI or key=value). A password in it is never sent anywhere."
  type        = string
  sensitive   = true
}

locals {
  # The same string with sslmode=verify-full. It names no root certificate, so with_sslmode also adds
  # sslrootcert=system: the operating system's trust store, which holds the public CA that signs Neon's
  # certificates (libpq 16 and later understand it; older clients need a CA file instead).
  verify_full_url = provider::dbtls::with_sslmode(var.database_url, "verify-full")
}

# The string as deployed. With sslmode=require the client encrypts but never checks who answers:
# violations says VERIFICATION_SKIPPED.
data "dbtls_endpoint" "as_deployed" {
  url = var.database_url
}

# The string made strict: verify-full checks the certificate chain and that it was issued for the host.
data "dbtls_endpoint" "verify_full" {
  url = local.verify_full_url

  # Neon renews its certificates itself; a week's notice leaves time to act should that ever stop.
  expect {
    min_days_remaining = 7
  }
}

# The server must refuse sessions without TLS (Neon does: that refusal is the "SSL Required" error).
check "plaintext_refused" {
  assert {
    condition     = data.dbtls_endpoint.as_deployed.plaintext_accepted == false
    error_message = "The server accepts sessions without TLS: ${data.dbtls_endpoint.as_deployed.summary}"
  }
}

# Switching the application to verify-full is safe once this check passes.
check "verify_full_connects" {
  assert {
    condition     = data.dbtls_endpoint.verify_full.compliant
    error_message = join("\n", data.dbtls_endpoint.verify_full.violations)
  }
}

output "as_deployed" {
  description = "What the string as deployed lets through: one violation code each."
  value       = data.dbtls_endpoint.as_deployed.violations
}

output "verify_full_compliant" {
  description = "Whether the verify-full string connects and the server holds up to it."
  value       = data.dbtls_endpoint.verify_full.compliant
}

output "verify_full_url" {
  description = "The connection string to give the application."
  value       = local.verify_full_url
  sensitive   = true
}
