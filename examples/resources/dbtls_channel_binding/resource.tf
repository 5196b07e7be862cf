# Bolt and HTTPS with a client-facing policy, intra-cluster and backup traffic with mutual TLS.
resource "dbtls_ssl_policy" "client" {
  name         = "client_policy"
  client_auth  = "NONE"
  tls_versions = ["TLSv1.3"]
  owner        = "neo4j"
  group        = "neo4j"
}

resource "dbtls_ssl_policy" "cluster" {
  name        = "cluster_policy"
  client_auth = "REQUIRE"
  owner       = "neo4j"
  group       = "neo4j"
}

resource "dbtls_channel_binding" "bolt" {
  channel   = "bolt"
  policy    = dbtls_ssl_policy.client.settings
  tls_level = "REQUIRED"
}

resource "dbtls_channel_binding" "https" {
  channel = "https"
  policy  = dbtls_ssl_policy.client.settings
}

resource "dbtls_channel_binding" "cluster" {
  channel = "cluster"
  policy  = dbtls_ssl_policy.cluster.settings
}

# Adopting a hand-edited neo4j.conf: a foreign "server.bolt.tls_level=OPTIONAL" line would be an
# error; with comment_out it is commented out now and restored on destroy.
resource "dbtls_channel_binding" "backup" {
  channel     = "backup"
  policy      = dbtls_ssl_policy.cluster.settings
  on_conflict = "comment_out"
}
