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

# Over SSH: host keys are always verified, one connection per host is shared by every resource,
# and sudo lets a deploy user write files owned by neo4j. A resource can override any field, so
# `ssh { host = each.value }` configures every member of a cluster from one provider.
provider "dbtls" {
  alias         = "remote"
  neo4j_version = "5.26"

  ssh {
    host        = "graph-1.internal"
    user        = "deploy"
    private_key = file("~/.ssh/id_ed25519") # or agent = true
    known_hosts = file("~/.ssh/known_hosts")
    sudo        = true

    bastion {
      host        = "bastion.example.com"
      user        = "deploy"
      agent       = true
      known_hosts = file("~/.ssh/known_hosts")
    }
  }
}
