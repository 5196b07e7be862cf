# Taking over the Bolt TLS set-up of a Neo4j 5 server whose neo4j.conf was edited by hand:
#
#   dbms.ssl.policy.bolt.enabled=true
#   dbms.ssl.policy.bolt.base_directory=certificates/bolt
#   dbms.ssl.policy.bolt.client_auth=NONE
#   server.bolt.tls_level=OPTIONAL
#
# with the key and certificate already in <neo4j_home>/certificates/bolt. The directory and the files are
# imported; the hand-written lines are commented out (and restored by destroy) in favour of one managed block.

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "neo4j_home" {
  description = "NEO4J_HOME of the server; its conf/neo4j.conf is the hand-edited file."
  type        = string
  default     = "/var/lib/neo4j"
}

variable "owner" {
  description = "Owner of the policy's directories and files, as they are on the host today."
  type        = string
  default     = "neo4j"
}

variable "group" {
  description = "Group of the policy's directories and files."
  type        = string
  default     = "neo4j"
}

variable "certificate_pem" {
  description = "The certificate the server presents today (the content of certificates/bolt/public.crt)."
  type        = string
}

variable "private_key_pem" {
  description = "Its private key. Ephemeral: never stored in the plan or the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "ca_certificate_pem" {
  description = "The CA that issued the certificate, trusted by the policy."
  type        = string
}

provider "dbtls" {
  neo4j_version = "5.26"
  neo4j_home    = var.neo4j_home
}

# The policy directory exists: import it rather than create it. The import ID is the policy name (or
# "<name>,<base_directory>" for a directory other than certificates/<name>).
import {
  to = dbtls_ssl_policy.bolt
  id = "bolt"
}

resource "dbtls_ssl_policy" "bolt" {
  name         = "bolt" # base_directory defaults to certificates/bolt, where the files already are
  client_auth  = "NONE"
  tls_versions = ["TLSv1.2", "TLSv1.3"]
  owner        = var.owner
  group        = var.group
}

# The key and certificate on the host: imported with the policy's ID. The key is never read into the
# state, so the first apply writes the configured key again, in place.
import {
  to = dbtls_policy_certificate.bolt
  id = "bolt"
}

resource "dbtls_policy_certificate" "bolt" {
  policy                   = dbtls_ssl_policy.bolt.settings
  certificate_pem          = var.certificate_pem
  private_key_wo           = var.private_key_pem
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca_certificate_pem]
}

# The hand-written dbms.ssl.policy.bolt.* and server.bolt.tls_level lines set keys this binding writes.
# With the default on_conflict = "error" the plan fails and names each line; with "comment_out" they are
# commented out in the same apply, listed in commented_out, and restored if the binding is destroyed.
resource "dbtls_channel_binding" "bolt" {
  channel     = "bolt"
  policy      = dbtls_ssl_policy.bolt.settings
  tls_level   = "REQUIRED"
  on_conflict = "comment_out"
}

output "commented_out" {
  description = "The hand-written lines the binding took over."
  value       = dbtls_channel_binding.bolt.commented_out
}
