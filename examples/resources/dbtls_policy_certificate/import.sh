# The import ID is the policy's: its name, or "<name>,<base_directory>" when base_directory is not the
# default certificates/<name>. The certificate, its copy in trusted/, and the trusted certificates and
# CRLs named trusted-<hash>.crt and revoked-<hash>.crl are read from the host. The private key is not:
# keep private_key_wo (or private_key_pem) in the configuration; the first apply after the import
# writes the key again, in place.
terraform import dbtls_policy_certificate.client client_policy
terraform import dbtls_policy_certificate.cluster cluster_policy,certificates/cluster
