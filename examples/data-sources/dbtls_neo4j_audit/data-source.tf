# Hold the provider's Neo4j host to Neo4j's security checklist on every plan. The data source is
# declared on its own and the check block only asserts on it (a data source nested in a check block
# is read again on every run and shows in every plan, see the drift detection guide). A failing check
# is a warning: the plan goes on and names the findings.
data "dbtls_neo4j_audit" "graph" {
  neo4j_user = "neo4j"

  # Accepted risk: Neo4j Browser may cache credentials in this deployment.
  ignore = ["BROWSER_CREDENTIALS_RETAINED"]

  # Certificates expiring within 21 days are a warning.
  min_days_remaining = 21
}

check "graph_meets_the_security_checklist" {
  assert {
    condition = data.dbtls_neo4j_audit.graph.passed
    error_message = join("\n", [
      for f in data.dbtls_neo4j_audit.graph.findings :
      "${f.code} (item ${f.checklist_item}): ${f.message} Fix: ${f.fix}" if f.severity == "error"
    ])
  }
}

# Every member of a cluster, over SSH (the provider's ssh block holds the credentials).
variable "cluster_hosts" {
  type    = set(string)
  default = []
}

data "dbtls_neo4j_audit" "member" {
  for_each      = var.cluster_hosts
  neo4j_version = "2025.06"
  config_file   = "/etc/neo4j/neo4j.conf"

  ssh {
    host = each.value
  }
}

output "audit_summary" {
  value = data.dbtls_neo4j_audit.graph.summary
}

# What the checks read, resolved with Neo4j's defaults, e.g. "server.default_listen_address" = "localhost".
output "audit_effective_settings" {
  value = data.dbtls_neo4j_audit.graph.effective_settings
}
