# A Neo4j 5 server's Bolt TLS as code, plus a live check that the server really enforces it. Run a plan on
# a schedule: its exit code says whether the host drifted, the check says whether the endpoint did.
#
#   terraform plan -detailed-exitcode -input=false -json > plan.jsonl

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "neo4j_home" {
  description = "NEO4J_HOME of the server."
  type        = string
  default     = "/var/lib/neo4j"
}

variable "owner" {
  description = "Owner of the policy's directories and files."
  type        = string
  default     = "neo4j"
}

variable "group" {
  description = "Group of the policy's directories and files."
  type        = string
  default     = "neo4j"
}

variable "certificate_pem" {
  description = "The server's certificate (PEM)."
  type        = string
}

variable "private_key_pem" {
  description = "Its private key. Ephemeral: never stored in the plan or the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "ca_certificate_pem" {
  description = "The CA that issued the certificate: what clients trust."
  type        = string
}

variable "bolt_url" {
  description = "Where clients reach Bolt, with the scheme they use."
  type        = string
  default     = "neo4j+s://graph-1.internal:7687"
}

provider "dbtls" {
  neo4j_version = "5.26"
  neo4j_home    = var.neo4j_home
}

resource "dbtls_ssl_policy" "bolt" {
  name         = "bolt"
  client_auth  = "NONE"
  tls_versions = ["TLSv1.3"]
  owner        = var.owner
  group        = var.group
}

resource "dbtls_policy_certificate" "bolt" {
  policy                   = dbtls_ssl_policy.bolt.settings
  certificate_pem          = var.certificate_pem
  private_key_wo           = var.private_key_pem
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca_certificate_pem]
}

resource "dbtls_channel_binding" "bolt" {
  channel   = "bolt"
  policy    = dbtls_ssl_policy.bolt.settings
  tls_level = "REQUIRED"
}

# The live endpoint, held to the declared policy: exactly TLSv1.3, no client certificates, plaintext
# refused, a chain that verifies, and three weeks of validity left. It is a top-level data source, read
# while planning, so an unchanged configuration plans no changes (a data source nested in the check
# block would be planned for reading on every run, and every plan would exit 2).
data "dbtls_endpoint" "bolt" {
  url                 = var.bolt_url
  policy              = dbtls_ssl_policy.bolt.settings
  ca_certificates_pem = var.ca_certificate_pem

  expect {
    min_days_remaining = 21
  }
}

# A failed assertion is a warning: the plan goes on and its exit code is unchanged.
check "bolt_enforces_policy" {
  assert {
    condition     = data.dbtls_endpoint.bolt.compliant
    error_message = join("\n", data.dbtls_endpoint.bolt.violations)
  }
}
