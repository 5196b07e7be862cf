# One cluster member's intra-cluster TLS (mutual: every member presents a certificate and trusts the
# members' CA), written so that a certificate, a key or the whole CA can be rotated in place, member by
# member, without a moment in which two members refuse each other.
#
# Apply it to every member (one working directory or workspace per member, or a for_each over them).

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "neo4j_home" {
  description = "NEO4J_HOME of this member."
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

variable "trusted_ca_pems" {
  description = "The CAs whose members this member accepts: one normally, the old and the new one while a CA rotation is under way."
  type        = list(string)
}

variable "certificate_pem" {
  description = "This member's certificate (PEM, leaf first, then any intermediates), for serverAuth and clientAuth."
  type        = string
}

variable "private_key_pem" {
  description = "The key of certificate_pem. Ephemeral: it reaches the host through private_key_wo and is never stored in the plan or the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "key_version" {
  description = "Increase it whenever private_key_pem is a new key: that is what makes the provider write the key again."
  type        = number
  default     = 1
}

provider "dbtls" {
  neo4j_version = "5.26"
  neo4j_home    = var.neo4j_home
}

resource "dbtls_ssl_policy" "cluster" {
  name        = "cluster"
  client_auth = "REQUIRE"
  owner       = var.owner
  group       = var.group
}

resource "dbtls_policy_certificate" "cluster" {
  policy                 = dbtls_ssl_policy.cluster.settings
  certificate_pem        = var.certificate_pem
  private_key_wo         = var.private_key_pem
  private_key_wo_version = var.key_version

  # Each CA becomes trusted/trusted-<sha256 prefix>.crt. A CA added here is written before the key and
  # certificate of the same apply; a CA removed here is deleted after them.
  trusted_certificates_pem = var.trusted_ca_pems

  # Every plan warns once the certificate has fewer days left than this.
  min_days_remaining = 30
}

resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster.settings
}

output "certificate" {
  description = "What the member presents after this apply."
  value = {
    subject   = dbtls_policy_certificate.cluster.subject
    issuer    = dbtls_policy_certificate.cluster.issuer
    not_after = dbtls_policy_certificate.cluster.not_after
    sha256    = dbtls_policy_certificate.cluster.certificate_sha256
  }
}
