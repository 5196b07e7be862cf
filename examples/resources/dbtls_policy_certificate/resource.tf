# The key and certificate of a client-facing policy. The node's key is generated ephemerally: it exists
# only while Terraform runs, is never stored in the plan or the state, and reaches the host through the
# write-only private_key_wo (Terraform >= 1.11). An ephemeral tls_private_key is a new key on every run,
# so the provider reads private_key_wo only when it writes the key: on create and when
# private_key_wo_version changes. Bump var.key_version to rotate: a new key, request and certificate,
# written in one apply, in place.
variable "key_version" {
  type    = number
  default = 1
}

variable "ca_cert_pem" {
  type = string
}

variable "ca_key_pem" {
  type      = string
  sensitive = true
}

ephemeral "tls_private_key" "client" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

# The request comes from the same key in the same run; it is public and stays in the state.
resource "tls_cert_request" "client" {
  private_key_pem_wo         = ephemeral.tls_private_key.client.private_key_pem
  private_key_pem_wo_version = var.key_version

  subject {
    common_name = "graph-1.internal"
  }
  dns_names = ["graph-1.internal"]
}

resource "tls_locally_signed_cert" "client" {
  cert_request_pem      = tls_cert_request.client.cert_request_pem
  ca_cert_pem           = var.ca_cert_pem
  ca_private_key_pem    = var.ca_key_pem
  validity_period_hours = 24 * 90
  early_renewal_hours   = 24 * 30
  # clientAuth too: a certificate bound to the cluster channel authenticates as a client.
  allowed_uses = ["digital_signature", "key_encipherment", "server_auth", "client_auth"]
}

resource "dbtls_ssl_policy" "client" {
  name        = "client_policy"
  client_auth = "NONE"
  owner       = "neo4j"
  group       = "neo4j"
}

# Writes certificates/client_policy/private.key (0400, PKCS#8), public.crt (0644, leaf then chain),
# trusted/public.crt (the duplicated certificate) and trusted/trusted-<sha256 prefix>.crt for the CA,
# all owned by neo4j:neo4j. Everything is checked while planning: the key matches the certificate, the
# certificate is valid, every PEM block parses.
resource "dbtls_policy_certificate" "client" {
  policy                 = dbtls_ssl_policy.client.settings
  certificate_pem        = tls_locally_signed_cert.client.cert_pem
  private_key_wo         = ephemeral.tls_private_key.client.private_key_pem
  private_key_wo_version = var.key_version

  trusted_certificates_pem = [var.ca_cert_pem]
  min_days_remaining       = 30 # a plan warns when the certificate expires sooner
}
