package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tfLogger sends the debug lines of internal/deploy and internal/host to Terraform's log (TF_LOG).
// Their fields name hosts, files, sizes and durations, never contents.
type tfLogger struct{}

func (tfLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}
