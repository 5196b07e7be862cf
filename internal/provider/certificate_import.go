package provider

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	posix "path"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// importCertNamed reads the files of dir whose names follow this provider's scheme (prefix, 16 hex digits,
// ext), in name order, each canonicalised by parse. Other files are not this resource's and stay
// unmanaged.
func importCertNamed(ctx context.Context, t *target, dir, prefix, ext string, parse func([]byte) (string, error)) ([]string, []string, diag.Diagnostics) {
	var diags diag.Diagnostics
	names, err := t.Host.ReadDir(ctx, dir)
	if err != nil {
		if errors.Is(err, host.ErrNotExist) {
			return nil, nil, diags
		}
		diags.AddError("Cannot Import Certificate", hostErrDetail(t, err))
		return nil, nil, diags
	}
	var values, paths []string
	for _, n := range names {
		h, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		h, ok = strings.CutSuffix(h, ext)
		if _, err := hex.DecodeString(h); !ok || len(h) != 16 || err != nil {
			continue
		}
		p := posix.Join(dir, n)
		b, err := t.Host.ReadFile(ctx, p)
		if err != nil {
			diags.AddError("Cannot Import Certificate", hostErrDetail(t, err))
			continue
		}
		v, err := parse(b)
		if err != nil {
			diags.AddError("Cannot Import Certificate", fmt.Sprintf("%s on %s does not parse: %s.", p, t.Host.ID(), err))
			continue
		}
		values = append(values, v)
		paths = append(paths, p)
	}
	return values, paths, diags
}
