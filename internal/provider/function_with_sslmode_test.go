package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func TestAccFunctionWithSSLMode(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
output "neon" {
  value = provider::dbtls::with_sslmode("postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/db?sslmode=prefer", "verify-full")
}
output "kv" {
  value = provider::dbtls::with_sslmode("host=db.internal dbname=app", "verify-ca")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("neon", knownvalue.StringExact("postgresql://app@ep-cool-darkness-123456.us-east-2.aws.neon.tech/db?sslmode=verify-full&sslrootcert=system")),
					statecheck.ExpectKnownOutputValue("kv", knownvalue.StringExact("host=db.internal dbname=app sslmode=verify-ca")),
				},
			},
			{
				Config: `output "x" { value = provider::dbtls::with_sslmode("postgresql://h/db", "prefer") }`,
				// One period at the end: Terraform's own.
				ExpectError: regexp.MustCompile(`(?s)Weak sslmode.*require,\s+verify-ca\s+or\s+verify-full\s+\(verify-full\s+also\s+checks\s+the\s+host\s+name\)\.(\s|$)`),
			},
			{
				Config:      `output "x" { value = provider::dbtls::with_sslmode("postgresql://h/db", "VERIFY-FULL") }`,
				ExpectError: regexp.MustCompile(`(?s)Unknown sslmode: "VERIFY-FULL"\s+is\s+not\s+an\s+sslmode\s+libpq\s+knows:\s+write\s+"verify-full".*in\s+lower\s+case\s+with\s+hyphens\)\.(\s|$)`),
			},
			{
				Config:      `output "x" { value = provider::dbtls::with_sslmode("postgresql://h/db", "verify_full") }`,
				ExpectError: regexp.MustCompile(`(?s)Unknown sslmode: "verify_full"`),
			},
			{
				Config:      `output "x" { value = provider::dbtls::with_sslmode("bolt://h:7687", "require") }`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Connection String:\s+bolt://\s+is\s+not\s+a\s+PostgreSQL\s+connection\s+string:\s+with_sslmode\s+takes\s+a\s+postgresql://\s+or\s+postgres://\s+URI,\s+or\s+a\s+key=value\s+string`),
			},
		},
	})
}
