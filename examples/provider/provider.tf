terraform {
  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

# Without an ssh block the target is the machine that runs Terraform.
provider "dbtls" {
  neo4j_version = "5.26"                  # the Neo4j the target runs: decides which lines are rendered
  neo4j_home    = "/var/lib/neo4j"        # relative policy paths resolve against it
  config_file   = "/etc/neo4j/neo4j.conf" # default "<neo4j_home>/conf/neo4j.conf"; must exist
}
