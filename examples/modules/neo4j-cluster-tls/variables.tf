variable "members" {
  description = "The cluster members, by name: how to reach each over SSH (credentials come from the provider's ssh block) and where Neo4j lives there."
  type = map(object({
    host        = string
    port        = optional(number, 22)
    neo4j_home  = optional(string, "/var/lib/neo4j")
    config_file = optional(string)
  }))
}

variable "certificates_pem" {
  description = "Each member's certificate (PEM, leaf first), by member name. It must carry serverAuth and clientAuth: members authenticate each other on the cluster channel."
  type        = map(string)
}

variable "private_keys_pem" {
  description = "Each member's private key (PEM), by member name. Ephemeral: it reaches the hosts through write-only attributes and is never stored in the plan or the state."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "private_key_version" {
  description = "Bump to write new private keys (key rotation)."
  type        = number
  default     = 1
}

variable "ca_certificate_pem" {
  description = "The CA that signed every member's certificate (PEM): trusted for cluster and backup traffic."
  type        = string
}

variable "public_certificates_pem" {
  description = "Each member's Bolt/HTTPS certificate by member name (PEM), e.g. from a public CA. Null: the members use their cluster certificates for Bolt and HTTPS too."
  type        = map(string)
  default     = null
}

variable "public_private_keys_pem" {
  description = "The private keys of public_certificates_pem, by member name (PEM). Ephemeral, like private_keys_pem."
  type        = map(string)
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "client_ca_certificate_pem" {
  description = "The CA clients' certificates would come from, written into the client policy's trusted/ (PEM). Null: ca_certificate_pem. Bolt and HTTPS do not ask clients for certificates, so this matters only if you change client_auth."
  type        = string
  default     = null
}

variable "owner" {
  description = "Owner and group of everything written (the user Neo4j runs as)."
  type        = string
  default     = "neo4j"
}

variable "bolt_tls_versions" {
  description = "TLS versions for Bolt and HTTPS."
  type        = list(string)
  default     = ["TLSv1.3"]
}
