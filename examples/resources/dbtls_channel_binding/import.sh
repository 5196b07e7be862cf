# The ID is the channel, optionally followed by the config file it lives in:
#   <channel>             uses the provider's config_file
#   <channel>,<path>      for another neo4j.conf
terraform import dbtls_channel_binding.bolt bolt
terraform import dbtls_channel_binding.bolt bolt,/etc/neo4j/neo4j.conf
