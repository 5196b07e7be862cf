// Command provider-address prints the provider's full address (host/namespace/type), for
// `make install`, which places the binary in Terraform's implied local mirror directory of that
// address.
package main

import (
	"fmt"

	"github.com/dbtls/terraform-provider-dbtls/internal/provider"
)

func main() {
	fmt.Println(provider.Address())
}
