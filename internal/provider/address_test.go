package provider

import (
	"testing"

	tfaddr "github.com/hashicorp/terraform-registry-address"
)

// The full address must be what Terraform infers for the short source users write.
func TestAddressIsWhatTheShortSourceResolvesTo(t *testing.T) {
	want, err := tfaddr.ParseProviderSource(Namespace + "/" + Type)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tfaddr.ParseProviderSource(Address())
	if err != nil {
		t.Fatalf("Address() = %q does not parse: %v", Address(), err)
	}
	if !got.Equals(want) || got.String() != Address() {
		t.Fatalf("Address() = %q, the short source resolves to %q", Address(), want)
	}
}
