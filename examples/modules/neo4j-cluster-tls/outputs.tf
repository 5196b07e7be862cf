output "neo4j_conf_lines" {
  description = "The neo4j.conf lines written on each member, by member and channel."
  value = {
    for name, _ in var.members : name => {
      bolt    = dbtls_channel_binding.bolt[name].rendered
      https   = dbtls_channel_binding.https[name].rendered
      cluster = dbtls_channel_binding.cluster[name].rendered
      backup  = dbtls_channel_binding.backup[name].rendered
    }
  }
}

output "certificates_not_after" {
  description = "When each member's certificate expires."
  value       = { for name, c in dbtls_policy_certificate.client : name => c.not_after }
}

output "client_policy_settings" {
  description = "The client policy's settings per member, for dbtls_endpoint checks of Bolt and HTTPS."
  value       = { for name, p in dbtls_ssl_policy.client : name => p.settings }
}

output "cluster_policy_settings" {
  description = "The cluster policy's settings per member."
  value       = { for name, p in dbtls_ssl_policy.cluster : name => p.settings }
}
