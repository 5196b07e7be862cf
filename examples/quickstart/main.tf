# Quickstart: two Neo4j SSL policies on the local machine with their key and certificates, applied to Bolt,
# HTTPS and cluster traffic.
#
#   make demo     runs this against a throwaway NEO4J_HOME under build/demo
#
# Against a real installation: terraform apply -var neo4j_home=/var/lib/neo4j -var neo4j_version=5.26
# (and -var owner=neo4j -var group=neo4j when running as root).

terraform {
  required_version = ">= 1.11"

  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}

provider "dbtls" {
  neo4j_version = var.neo4j_version
  neo4j_home    = var.neo4j_home
}

# Bolt and HTTPS clients: server authentication only.
resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
  owner       = var.owner
  group       = var.group
}

# Intra-cluster traffic: every member must present a trusted certificate.
resource "dbtls_ssl_policy" "cluster" {
  name        = "cluster_policy"
  client_auth = "REQUIRE"
  owner       = var.owner
  group       = var.group
}

# The node's key and certificate in both policies: private.key (0400, PKCS#8), public.crt (0644), the
# duplicated trusted/public.crt and the CA in trusted/. The key arrives through the write-only
# private_key_wo: it is never stored in the plan or the state.
resource "dbtls_policy_certificate" "client" {
  policy                   = dbtls_ssl_policy.client.settings
  certificate_pem          = var.certificate_pem
  private_key_wo           = var.private_key_pem
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca_certificate_pem]
}

resource "dbtls_policy_certificate" "cluster" {
  policy                   = dbtls_ssl_policy.cluster.settings
  certificate_pem          = var.certificate_pem
  private_key_wo           = var.private_key_pem
  private_key_wo_version   = 1
  trusted_certificates_pem = [var.ca_certificate_pem]
}

# Bolt requires TLS with the client policy; HTTPS is enabled with the same policy, and the plaintext HTTP
# connector it replaces listens on loopback only (server.http.listen_address=127.0.0.1:7474 on 5.x).
resource "dbtls_channel_binding" "bolt" {
  channel   = "bolt"
  policy    = dbtls_ssl_policy.client.settings
  tls_level = "REQUIRED"
}

resource "dbtls_channel_binding" "https" {
  channel        = "https"
  policy         = dbtls_ssl_policy.client.settings
  http_connector = "loopback"
}

# Cluster members authenticate each other with the cluster policy.
resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster.settings
}
