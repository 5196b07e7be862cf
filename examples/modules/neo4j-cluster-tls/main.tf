# TLS for every channel of a Neo4j 5 cluster, on each member over SSH:
#   - Bolt and HTTPS with a client-facing policy (server authentication, TLS 1.3), with the cluster
#     certificates or separate ones (e.g. from a public CA),
#   - intra-cluster and backup traffic with mutual TLS (client_auth = REQUIRE).
# One configuration, for_each over the members: no provider aliases. The provider's ssh block gives the
# credentials and known_hosts; each resource overrides only the host.

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

locals {
  trusted_client  = [coalesce(var.client_ca_certificate_pem, var.ca_certificate_pem)]
  trusted_cluster = [var.ca_certificate_pem]
}

resource "dbtls_ssl_policy" "client" {
  for_each = var.members

  name         = "client_policy"
  client_auth  = "NONE"
  tls_versions = var.bolt_tls_versions
  owner        = var.owner
  group        = var.owner
  neo4j_home   = each.value.neo4j_home
  config_file  = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }
}

resource "dbtls_ssl_policy" "cluster" {
  for_each = var.members

  name        = "cluster_policy"
  client_auth = "REQUIRE"
  owner       = var.owner
  group       = var.owner
  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }
}

# Certificates and bindings name the member they write to themselves (host, neo4j_home, config_file):
# a settings map never moves where a resource writes, so each must match its policy's. The credentials
# come from the provider.
resource "dbtls_policy_certificate" "client" {
  for_each = var.members

  policy                   = dbtls_ssl_policy.client[each.key].settings
  certificate_pem          = var.public_certificates_pem == null ? var.certificates_pem[each.key] : var.public_certificates_pem[each.key]
  private_key_wo           = var.public_private_keys_pem == null ? var.private_keys_pem[each.key] : var.public_private_keys_pem[each.key]
  private_key_wo_version   = var.private_key_version
  trusted_certificates_pem = local.trusted_client

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }
}

resource "dbtls_policy_certificate" "cluster" {
  for_each = var.members

  policy                   = dbtls_ssl_policy.cluster[each.key].settings
  certificate_pem          = var.certificates_pem[each.key]
  private_key_wo           = var.private_keys_pem[each.key]
  private_key_wo_version   = var.private_key_version
  trusted_certificates_pem = local.trusted_cluster

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }
}

resource "dbtls_channel_binding" "bolt" {
  for_each = var.members

  channel   = "bolt"
  policy    = dbtls_ssl_policy.client[each.key].settings
  tls_level = "REQUIRED"

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }

  depends_on = [dbtls_policy_certificate.client]
}

resource "dbtls_channel_binding" "https" {
  for_each = var.members

  channel = "https"
  policy  = dbtls_ssl_policy.client[each.key].settings

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }

  depends_on = [dbtls_policy_certificate.client]
}

resource "dbtls_channel_binding" "cluster" {
  for_each = var.members

  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster[each.key].settings

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }

  depends_on = [dbtls_policy_certificate.cluster]
}

resource "dbtls_channel_binding" "backup" {
  for_each = var.members

  channel = "backup"
  policy  = dbtls_ssl_policy.cluster[each.key].settings

  neo4j_home  = each.value.neo4j_home
  config_file = each.value.config_file

  ssh {
    host = each.value.host
    port = each.value.port
  }

  depends_on = [dbtls_policy_certificate.cluster]
}
