output "client_policy" {
  description = "Every resolved setting of client_policy, as a binding or a certificate will consume it."
  value       = dbtls_ssl_policy.client.settings
}

output "directories" {
  description = "The directories the two policies manage, with their modes and owners."
  value       = merge(dbtls_ssl_policy.client.directories, dbtls_ssl_policy.cluster.directories)
}

output "bolt_lines" {
  description = "The neo4j.conf lines the Bolt binding owns."
  value       = dbtls_channel_binding.bolt.rendered
}

output "certificate" {
  description = "What the provider read from the certificate it wrote."
  value = {
    subject   = dbtls_policy_certificate.client.subject
    not_after = dbtls_policy_certificate.client.not_after
    sha256    = dbtls_policy_certificate.client.certificate_sha256
  }
}
