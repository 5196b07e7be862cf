# A connection string copied from a dashboard often carries sslmode=prefer or none at all; both can fall
# back to plaintext, which Neon refuses ("SSL Required"). with_sslmode fixes that where the string is used.
variable "database_url" {
  type      = string
  sensitive = true
  default   = "postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb"
}

output "database_url" {
  # postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=verify-full&sslrootcert=system
  value     = provider::dbtls::with_sslmode(var.database_url, "verify-full")
  sensitive = true
}
