# Securing a Neo4j 5 cluster: Bolt and HTTPS for clients, intra-cluster and backup traffic with mutual
# TLS, on every member over SSH, with the neo4j-cluster-tls module.

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "members" {
  description = "Cluster members by name: SSH host and port, and where Neo4j lives."
  type = map(object({
    host       = string
    port       = optional(number, 22)
    neo4j_home = optional(string, "/var/lib/neo4j")
  }))
}

variable "ssh_user" {
  type    = string
  default = "deploy"
}

variable "ssh_private_key" {
  type      = string
  sensitive = true
}

variable "known_hosts" {
  description = "known_hosts lines for every member: host keys are always verified."
  type        = string
}

variable "sudo" {
  description = "Log in as ssh_user and write as root through sudo -n."
  type        = bool
  default     = true
}

variable "owner" {
  type    = string
  default = "neo4j"
}

# The cluster CA signs every member's certificate (serverAuth and clientAuth): members trust it and
# nothing else on the cluster and backup channels.
variable "cluster_ca_pem" {
  type = string
}

variable "member_certificates_pem" {
  type = map(string)
}

variable "member_private_keys_pem" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

# Bolt and HTTPS can present certificates from a public CA instead (null: the member certificates).
variable "public_certificates_pem" {
  type    = map(string)
  default = null
}

variable "public_private_keys_pem" {
  type      = map(string)
  default   = null
  sensitive = true
  ephemeral = true
}

provider "dbtls" {
  neo4j_version = "5.26"

  # Credentials and host keys for all members; the module sets the host per member.
  ssh {
    user        = var.ssh_user
    private_key = var.ssh_private_key
    known_hosts = var.known_hosts
    sudo        = var.sudo
  }
}

module "cluster_tls" {
  source = "../../modules/neo4j-cluster-tls"

  members                 = var.members
  owner                   = var.owner
  ca_certificate_pem      = var.cluster_ca_pem
  certificates_pem        = var.member_certificates_pem
  private_keys_pem        = var.member_private_keys_pem
  public_certificates_pem = var.public_certificates_pem
  public_private_keys_pem = var.public_private_keys_pem
}

output "neo4j_conf_lines" {
  value = module.cluster_tls.neo4j_conf_lines
}

output "certificates_not_after" {
  value = module.cluster_tls.certificates_not_after
}
