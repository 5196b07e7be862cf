package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// maxPEMInput caps every PEM or key value the provider takes (one certificate chain, key, trust bundle,
// known_hosts text); revocation lists get pki.MaxCRLPEMSize.
const maxPEMInput = pki.MaxPEMSize

// pemSizeValidator refuses a value over its cap while validating the configuration, before anything
// parses it: a file given by mistake (an image, a log, a 30 MB paste) is named and refused at once.
type pemSizeValidator struct{ max int64 }

var _ validator.String = pemSizeValidator{}

// pemSize caps a PEM attribute at pki.MaxPEMSize; crlSize at pki.MaxCRLPEMSize.
func pemSize() pemSizeValidator { return pemSizeValidator{max: pki.MaxPEMSize} }
func crlSize() pemSizeValidator { return pemSizeValidator{max: pki.MaxCRLPEMSize} }

func (v pemSizeValidator) Description(context.Context) string {
	return "at most " + pki.HumanSize(v.max)
}

func (v pemSizeValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v pemSizeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := int64(len(req.ConfigValue.ValueString())); n > v.max {
		resp.Diagnostics.Append(diagValueTooLarge.attr(req.Path,
			fmt.Sprintf("The value of %s is %d bytes, over the cap of %s for this attribute. Certificates, keys, trust bundles and known_hosts files are a few kilobytes, "+
				"so this is most likely the wrong file (or a file read by mistake, such as a device or a log). Give the PEM text itself, or split a bundle.",
				req.Path, n, pki.HumanSize(v.max))))
	}
}
