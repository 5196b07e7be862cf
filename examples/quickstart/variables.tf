variable "neo4j_home" {
  description = "Absolute path of NEO4J_HOME on this machine; conf/neo4j.conf must exist below it."
  type        = string
}

variable "neo4j_version" {
  description = "The Neo4j version that runs there: \"3.5\", \"4.0\" to \"4.4\", \"5\" or \"5.0\" to \"5.26\", or a calendar version such as \"2025.01\" (a patch level like \"5.26.3\" is fine)."
  type        = string
  default     = "5.26"

  validation {
    condition     = can(regex("^(5|(3\\.5|4\\.[0-4]|5\\.([0-9]|1[0-9]|2[0-6])|(202[5-9]|20[3-9][0-9])\\.(0?[1-9]|1[0-2]))(\\.[0-9]+)?)$", var.neo4j_version))
    error_message = "neo4j_version must be \"3.5\", \"4.0\" to \"4.4\", \"5\", \"5.0\" to \"5.26\", or a calendar version \"2025.01\" or later."
  }
}

variable "owner" {
  description = "Owner of the policy directories (a user name or numeric id); null leaves ownership alone."
  type        = string
  default     = null
}

variable "group" {
  description = "Group of the policy directories (a group name or numeric id); null leaves it alone."
  type        = string
  default     = null
}

variable "certificate_pem" {
  description = "The node's certificate (PEM), leaf first, optionally followed by its chain."
  type        = string
}

variable "ca_certificate_pem" {
  description = "The CA that signed the node and its cluster peers (PEM): written into trusted/."
  type        = string
}

variable "private_key_pem" {
  description = "The node's private key (PEM). Ephemeral: Terraform keeps it out of the plan and the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}
