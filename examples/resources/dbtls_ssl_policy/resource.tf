# A policy for the client-facing channels (Bolt, HTTPS) of a Neo4j 5.x server: TLS 1.3 only, no client
# certificates. It creates certificates/client_policy with trusted/ and revoked/ under neo4j_home
# (0755, neo4j:neo4j). On 4.x/5.x the neo4j.conf lines are written by the binding that uses the policy;
# on 3.5 the policy writes its own dbms.ssl.policy.client_policy.* lines.
resource "dbtls_ssl_policy" "client" {
  name         = "client_policy"
  client_auth  = "NONE"
  tls_versions = ["TLSv1.3"]
  owner        = "neo4j"
  group        = "neo4j"
}

# Intra-cluster traffic: mutual TLS, with the directories in a non-default place and hostname verification.
resource "dbtls_ssl_policy" "cluster" {
  name            = "cluster_policy"
  base_directory  = "certificates/cluster"
  client_auth     = "REQUIRE"
  verify_hostname = true
  owner           = "neo4j"
  group           = "neo4j"
}
