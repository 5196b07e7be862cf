# Auditing a Neo4j host against the security checklist on a schedule: the audit is a data source at the
# top level, and only its assertions are in the check block. A failed assertion is a warning that names
# every finding with its fix; the plan still exits 0 when nothing else changed.
terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

variable "neo4j_home" {
  type    = string
  default = "/var/lib/neo4j"
}

variable "neo4j_version" {
  type    = string
  default = "5.26"
}

variable "neo4j_user" {
  description = "The operating system user Neo4j runs as."
  type        = string
  default     = "neo4j"
}

variable "accepted_findings" {
  description = "Finding codes reviewed and accepted for this host; an unknown code stops the plan."
  type        = list(string)
  default     = ["BROWSER_CREDENTIALS_RETAINED"]
}

provider "dbtls" {
  neo4j_version = var.neo4j_version
  neo4j_home    = var.neo4j_home
}

data "dbtls_neo4j_audit" "host" {
  neo4j_user         = var.neo4j_user
  ignore             = var.accepted_findings
  min_days_remaining = 21
}

check "neo4j_security_checklist" {
  assert {
    condition = data.dbtls_neo4j_audit.host.passed
    error_message = join("\n", [
      for f in data.dbtls_neo4j_audit.host.findings :
      "${f.code} (checklist ${f.checklist_item}): ${f.message} Fix: ${f.fix}" if f.severity == "error"
    ])
  }

  assert {
    condition = alltrue([for f in data.dbtls_neo4j_audit.host.findings : f.severity != "warning"])
    error_message = join("\n", [
      for f in data.dbtls_neo4j_audit.host.findings :
      "${f.code} (checklist ${f.checklist_item}): ${f.message} Fix: ${f.fix}" if f.severity == "warning"
    ])
  }
}
