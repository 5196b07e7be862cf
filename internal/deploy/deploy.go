// Package deploy is the reconcile layer between the provider's resources and a host: a neo4j.conf
// edited under the host's lock (ConfStore), a policy's directories (DirTree), and a set of key and
// certificate files written with undo (FileSet). Each offers ensure / observe / remove on a host.Host
// and reports what happened as values and typed errors; the provider turns those into diagnostics.
// Nothing here imports Terraform.
package deploy

import (
	"context"
	"time"
)

// Logger receives what an operator needs to follow an apply: which host, which file, how long a step
// took, how many bytes were written. Fields never carry file contents or key material.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// debug logs through l when there is one.
func debug(ctx context.Context, l Logger, msg string, fields map[string]any) {
	if l != nil {
		l.Debug(ctx, msg, fields)
	}
}

// since is the time elapsed since start, for a log field.
func since(start time.Time) string { return time.Since(start).Round(time.Microsecond).String() }
