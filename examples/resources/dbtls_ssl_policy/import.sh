# The import ID is the policy name when base_directory is the default certificates/<name>,
# otherwise "<name>,<base_directory>" (base_directory as written in the configuration).
terraform import dbtls_ssl_policy.client client_policy
terraform import dbtls_ssl_policy.cluster cluster_policy,certificates/cluster
