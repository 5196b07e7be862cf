package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/dbtls/terraform-provider-dbtls/internal/probe"
)

var _ function.Function = (*withSSLModeFunction)(nil)

// NewWithSSLModeFunction is the constructor the provider registers.
func NewWithSSLModeFunction() function.Function { return &withSSLModeFunction{} }

type withSSLModeFunction struct{}

func (f *withSSLModeFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "with_sslmode"
}

func (f *withSSLModeFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Returns a PostgreSQL connection string with sslmode set to a mode that never falls back to plaintext.",
		MarkdownDescription: "Returns `url` (a `postgresql://` or `postgres://` URI, or a key=value connection string) with `sslmode` set to `mode`, " +
			"replacing any `sslmode` already there and keeping everything else. `mode` must be " + backtickList(probe.StrongSSLModes) + ": " +
			"`disable`, `allow` and `prefer` can send the session in plaintext, which servers such as Neon refuse with \"SSL Required\". " +
			"For `verify-full` without an `sslrootcert`, it also adds `sslrootcert=system`, so the server's certificate is checked " +
			"against the operating system's trust store (libpq 16 and later). With a private CA, give the URL to " +
			"`dbtls_endpoint` together with `ca_certificates_pem`: those anchors then replace the added " +
			"`sslrootcert=system` (for the application itself, replace it with the path of the CA file).",
		Parameters: []function.Parameter{
			function.StringParameter{Name: "url", MarkdownDescription: "The connection string.", AllowNullValue: false},
			function.StringParameter{Name: "mode", MarkdownDescription: "The sslmode: " + backtickList(probe.StrongSSLModes) + "."},
		},
		Return: function.StringReturn{},
	}
}

func (f *withSSLModeFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var raw, mode string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &raw, &mode))
	if resp.Error != nil {
		return
	}
	// Terraform ends a function error with a period of its own: the messages here end without one.
	if err := probe.CheckStrongSSLMode(mode); err != nil {
		var p *probe.SSLModeProblem
		if errors.As(err, &p) && p.Unknown {
			resp.Error = diagUnknownSslmode.funcArgError(1, err.Error())
		} else {
			resp.Error = diagWeakSslmode.funcArgError(1, err.Error())
		}
		return
	}
	out, err := probe.WithSSLMode(raw, mode)
	if err != nil {
		resp.Error = diagInvalidConnectionString.funcArgError(0, err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, out))
}
