package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dbtls/terraform-provider-dbtls/internal/probe"
)

var (
	_ datasource.DataSource                   = (*endpointDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*endpointDataSource)(nil)
)

// NewEndpointDataSource is the constructor the provider registers.
func NewEndpointDataSource() datasource.DataSource { return &endpointDataSource{} }

// endpointHomeDir is where libpq's ~/.postgresql files are looked up; tests point it elsewhere.
var endpointHomeDir = os.UserHomeDir

// defaultEndpointTimeout is the timeout attribute's default.
const defaultEndpointTimeout = "10s"

// maxEndpointTimeout bounds the timeout attribute: a plan must not hang.
const maxEndpointTimeout = 5 * time.Minute

type endpointDataSource struct{}

func (d *endpointDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoint"
}

func violationCodesMarkdown() string {
	var b strings.Builder
	for _, c := range probe.ViolationCodes {
		fmt.Fprintf(&b, "\n  - `%s`: %s", c.Code, c.Meaning)
	}
	return b.String()
}

func (d *endpointDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Probes a live database endpoint (PostgreSQL or Neon, Neo4j Bolt, HTTPS) while planning " +
			"and reports whether it enforces the TLS its URL or a `dbtls_ssl_policy` declares: the verdict a libpq " +
			"client (psql) or a Neo4j driver given the same URL would reach, whether the server also accepts " +
			"plaintext, the TLS versions it offers, its demand for client certificates and its certificate chain.\n\n" +
			"An endpoint that refuses, fails verification or does not answer is a result, not an error: " +
			"`connectable` is `false` and `violations` says why. Only malformed input, or `fail_on_violation = true` " +
			"with violations present, makes the read fail. Use it in `check` blocks (a warning on every plan), in " +
			"postconditions, or in a scheduled `terraform plan -detailed-exitcode` for drift detection.\n\n" +
			"Every connection goes to the host and port of `url` only, is bounded by `timeout`, and stops before " +
			"authentication: no password is ever sent. Text a server sends about an error (a PostgreSQL error " +
			"message, an HTTP status line, header or page, a Bolt failure) is never repeated: it is only matched, and " +
			"`violations` and `summary` say in the provider's words what it means (with the SQLSTATE for PostgreSQL). " +
			"Text a server chose for its certificate (subject, issuer, DNS names) is reported with control characters " +
			"(ESC included) and bidirectional or zero-width formatting characters escaped as `\\x1b` or `\\u202e`, in " +
			"state and in every message.\n\n" +
			"What is not checked: because the probe stops before authentication, a wrong user name, database name or " +
			"password goes unnoticed (PostgreSQL checks those after the authentication the probe never completes; " +
			"pg_hba.conf lines are matched on the URL's user and database, so `connectable` and `plaintext_accepted` " +
			"are about them); neither are OCSP, revocation for Neo4j and HTTPS, what an HTTP server answers beyond " +
			"its status (any answer but the 400 of a missing client certificate is a working session), or Bolt " +
			"authentication.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: "The endpoint, written as its clients write it:\n" +
					"  - PostgreSQL: a URI (`postgresql://` or `postgres://`, e.g. " +
					"`postgresql://app@ep-x.eu-central-1.aws.neon.tech/db?sslmode=verify-full&sslrootcert=system`) or a " +
					"key=value connection string (`host=db.internal port=5432 user=app sslmode=require`). libpq's " +
					"parameters are honoured: `sslmode` (default `prefer`), `sslrootcert` (default " +
					"`~/.postgresql/root.crt`; `system` for the operating system's store, which implies `verify-full`, from libpq 16: see `libpq_version`), " +
					"`sslcert`/`sslkey` (default `~/.postgresql/postgresql.crt`/`.key`), `sslcrl`/`sslcrldir` (default " +
					"`~/.postgresql/root.crl`), `sslsni`, `hostaddr` (dial this address, verify `host`), " +
					"`sslnegotiation=direct` (TLS without SSLRequest, ALPN `postgresql`), `ssl_min_protocol_version` " +
					"(default `TLSv1.2`), `ssl_max_protocol_version`, `sslcertmode`, `connect_timeout`, `user` (default the " +
					"operating system user) and `dbname`. Environment variables (`PGSSLMODE`, ...) are not read, a " +
					"password is never used, and several hosts, Unix-domain sockets and `service` are refused.\n" +
					"  - Neo4j: `neo4j://` and `bolt://` (plaintext, as drivers default), `neo4j+s://` and `bolt+s://` " +
					"(TLS, chain and host name verified), `neo4j+ssc://` and `bolt+ssc://` (TLS, any certificate). " +
					"Default port `7687`.\n" +
					"  - `https://` (one `GET` of the URL's path; default port `443`).\n\n" +
					"Files a PostgreSQL URL names (`sslrootcert`, `sslcert`, `sslkey`, `sslcrl`, the files of `sslcrldir`, and the " +
					"`~/.postgresql` defaults) are read only if they are regular files (a FIFO or a device such as `/dev/zero` is " +
					"refused), up to 1 MiB each (16 MiB for CRLs), within `timeout`; `sslcrldir` must be a directory.",
				Required: true,
			},
			"ca_certificates_pem": schema.StringAttribute{
				MarkdownDescription: "PEM trust anchors. For PostgreSQL they stand in for the root certificate file " +
					"(as if `sslrootcert` named a file with this content, so `sslmode=require` verifies like `verify-ca`, " +
					"as libpq does with a root file). They replace `sslrootcert=system` in the URL (which " +
					"`provider::dbtls::with_sslmode` adds for `verify-full`), so a private CA works with that function; " +
					"a URL whose `sslrootcert` names a file is refused with them (two roots for one client). For Neo4j " +
					"and HTTPS they replace the system trust store. Default: the URL's root certificate file, else the " +
					"system trust store. At most 1 MiB.",
				Optional:   true,
				Validators: []validator.String{pemSize()},
			},
			"client_certificate_pem": schema.StringAttribute{
				MarkdownDescription: "A PEM client certificate (chain) presented when the server asks for one. For " +
					"PostgreSQL it replaces `sslcert`/`sslkey`. Needs `client_key_pem`. At most 1 MiB.",
				Optional:   true,
				Validators: []validator.String{pemSize()},
			},
			"client_key_pem": schema.StringAttribute{
				MarkdownDescription: "The PEM private key of `client_certificate_pem`. At most 1 MiB.",
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{pemSize()},
			},
			"server_name": schema.StringAttribute{
				MarkdownDescription: "The name to verify the certificate against and to send as SNI, instead of the URL's " +
					"host (for PostgreSQL the same as writing `host=<server_name> hostaddr=<address>`). Neon routes on SNI.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "The longest the whole probe may take, as a Go duration (`5s`, `1m`); at most `5m`. " +
					"Every connection is bounded by it, and a result is reported by then. A `connect_timeout` in a " +
					"PostgreSQL URL bounds libpq's own attempt within it. Default `" + defaultEndpointTimeout + "`.",
				Optional: true,
			},
			"policy": schema.MapAttribute{
				MarkdownDescription: "The `settings` of a `dbtls_ssl_policy`: the endpoint is held to the declared " +
					"policy. `tls_versions` is the exact set of versions the server must offer, `ciphers` the only suites " +
					"it may negotiate, `client_auth` its demand for client certificates (NONE, OPTIONAL, REQUIRE; an empty value, " +
					"which a policy leaving the scope's default has on Neo4j 4.x and later, sets no expectation: use `expect` for it), and " +
					"`trust_all = \"true\"` / `verify_hostname = \"false\"` say that peers using the policy accept an " +
					"unverifiable chain / a certificate for another host, which then are not violations. Other keys are " +
					"ignored. The `expect` block overrides what it also sets. A whole settings map (one with `neo4j_home` or a `*_path` key) is checked " +
					"as `dbtls_policy_certificate` and `dbtls_channel_binding` check it (an edited map is an error); a partial map of expectations gets " +
					"`dbtls_ssl_policy`'s warnings for the values it has (for example `TLSv1`, `trust_all`).",
				ElementType: types.StringType,
				Optional:    true,
			},
			"libpq_version": schema.Int64Attribute{
				MarkdownDescription: "The libpq major version of the PostgreSQL client whose verdict `connectable` models " +
					"(psql, or the library an application links). Unset: libpq 16 or later (`sslrootcert=system` selects " +
					"the operating system's trust store, `sslcertmode` and 17's `sslnegotiation=direct` are understood). " +
					"`15`: `sslrootcert=system` is an ordinary file name, so with `verify-full` the client stops with " +
					"`root certificate file \"system\" does not exist`, as psql 15 does, and a URL with `sslcertmode` " +
					"or `sslnegotiation` is refused; `16`: `sslnegotiation` is refused. At least `" + fmt.Sprint(probe.MinLibpq) + "`. " +
					"Ignored for Neo4j and HTTPS URLs.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(probe.MinLibpq)},
			},
			"fail_on_violation": schema.BoolAttribute{
				MarkdownDescription: "Make the read fail (an error, which stops a plan) when `violations` is not empty. " +
					"Default `false`: violations are reported for `check` blocks and conditions to act on.",
				Optional: true,
			},

			"connectable": schema.BoolAttribute{
				MarkdownDescription: "Whether a client given exactly this URL would get through negotiation, certificate " +
					"and host name verification as the sslmode or scheme demands, and the server's acceptance of the " +
					"session up to authentication (pg_hba.conf for PostgreSQL, the Bolt version handshake for Neo4j, an " +
					"HTTP answer for HTTPS). For PostgreSQL this is the verdict of libpq (of the version `libpq_version` names), fallbacks included: `allow` and " +
					"`prefer` fall back between plaintext and TLS as libpq does, and `require` verifies like `verify-ca` " +
					"when a root certificate file exists. libpq is modelled as built with OpenSSL 3 at security level 1 (as " +
					"psql runs on Debian 12; a system that raises the level refuses at least as much): a TLSv1 or TLSv1.1 " +
					"session whose key exchange is signed (ECDHE) fails with `legacy sigalg disallowed or unsupported`, as " +
					"psql's does, and `prefer` then falls back to plaintext. When a PostgreSQL server refuses an unencrypted session and offers TLS, " +
					"the `NOT_CONNECTABLE` reason of an `sslmode=disable` URL says so and names the sslmode that works. " +
					"For HTTPS, the status 400 a proxy answers when no required client certificate was sent (nginx's " +
					"`ssl_verify_client on`) is a refusal.",
				Computed: true,
			},
			"compliant": schema.BoolAttribute{
				MarkdownDescription: "`connectable` and no `violations`.",
				Computed:            true,
			},
			"violations": schema.ListAttribute{
				MarkdownDescription: "What is wrong, one string each, starting with a stable code and a colon " +
					"(`PLAINTEXT_ACCEPTED: ...`); match on the code, the text after it may change. The codes:" +
					violationCodesMarkdown(),
				ElementType: types.StringType,
				Computed:    true,
			},
			"tls_version": schema.StringAttribute{
				MarkdownDescription: "The version the server picks when a client offers TLSv1 to TLSv1.3 (`TLSv1.3`); " +
					"null when no TLS handshake got that far.",
				Computed: true,
			},
			"cipher_suite": schema.StringAttribute{
				MarkdownDescription: "The cipher suite of that handshake, by IANA name (`TLS_AES_256_GCM_SHA384`).",
				Computed:            true,
			},
			"offered_tls_versions": schema.ListAttribute{
				MarkdownDescription: "The versions among TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3 the server accepts, oldest " +
					"first: TLSv1 to TLSv1.2 are each offered alone in a handshake of their own; TLSv1.3 is offered when the " +
					"server picks it from a client offering every version (a server that has it must).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"client_auth": schema.StringAttribute{
				MarkdownDescription: "The server's demand for client certificates, judged by what a client without one " +
					"gets: `NONE` (no CertificateRequest), `OPTIONAL` (requested, but the session goes on without one) or " +
					"`REQUIRE` (refused without one: in the handshake, right after it in TLS 1.3, or by the protocol, as " +
					"PostgreSQL's `clientcert=verify-ca`/`verify-full` and `cert` method do with SQLSTATE 28000 and nginx's " +
					"`ssl_verify_client on` with HTTP 400). Null when it could not be told.",
				Computed: true,
			},
			"plaintext_accepted": schema.BoolAttribute{
				MarkdownDescription: "Whether the server runs sessions without TLS on the same port: for PostgreSQL, " +
					"whether pg_hba.conf accepts an unencrypted StartupMessage for this user and database (Neon's \"SSL " +
					"Required\" is `false`); for Bolt, whether a plaintext handshake completes (`tls_level` OPTIONAL); for " +
					"HTTPS, whether plain HTTP is served. Null when it could not be told.",
				Computed: true,
			},
			"chain_verified": schema.BoolAttribute{
				MarkdownDescription: "Whether the certificate chain leads to a trusted root: the root certificate file or " +
					"`ca_certificates_pem` when given, otherwise the system trust store; independent of what the sslmode " +
					"checks. Null without a certificate.",
				Computed: true,
			},
			"hostname_verified": schema.BoolAttribute{
				MarkdownDescription: "Whether the server certificate is valid for the host (`server_name`, else the URL's " +
					"host), by libpq's rules for PostgreSQL (SAN dNSName or iPAddress, CN only without a SAN of the host's " +
					"type) and RFC 6125 (SAN only) otherwise. Null without a certificate or a host name.",
				Computed: true,
			},
			"revoked": schema.BoolAttribute{
				MarkdownDescription: "Whether a certificate of the chain is listed in the revocation lists of " +
					"`sslcrl`/`sslcrldir` (PostgreSQL). Judged even when the chain does not verify (an expired leaf, a " +
					"missing intermediate): the certificates are linked by their signatures to each list's issuer. Null " +
					"when no revocation list applies or a certificate of the chain has none.",
				Computed: true,
			},
			"days_remaining": schema.Int64Attribute{
				MarkdownDescription: "Whole days until the server certificate expires; negative once expired.",
				Computed:            true,
			},
			"certificates": schema.ListNestedAttribute{
				MarkdownDescription: "The chain the server sent, leaf first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"subject":      schema.StringAttribute{MarkdownDescription: "Subject distinguished name (control and bidirectional formatting characters escaped, as everywhere).", Computed: true},
					"issuer":       schema.StringAttribute{MarkdownDescription: "Issuer distinguished name (escaped likewise).", Computed: true},
					"serial":       schema.StringAttribute{MarkdownDescription: "Serial number, decimal.", Computed: true},
					"not_before":   schema.StringAttribute{MarkdownDescription: "Start of validity, RFC 3339.", Computed: true},
					"not_after":    schema.StringAttribute{MarkdownDescription: "End of validity, RFC 3339.", Computed: true},
					"sha256":       schema.StringAttribute{MarkdownDescription: "SHA-256 fingerprint of the DER encoding, lowercase hex.", Computed: true},
					"is_ca":        schema.BoolAttribute{MarkdownDescription: "Whether it is a CA certificate.", Computed: true},
					"dns_names":    schema.ListAttribute{MarkdownDescription: "Subject alternative DNS names (escaped likewise).", ElementType: types.StringType, Computed: true},
					"ip_addresses": schema.ListAttribute{MarkdownDescription: "Subject alternative IP addresses.", ElementType: types.StringType, Computed: true},
					"cert_pem":     schema.StringAttribute{MarkdownDescription: "The certificate, PEM.", Computed: true},
				}},
			},
			"summary": schema.StringAttribute{
				MarkdownDescription: "A short human-readable report: the verdict; what a client given this URL checks " +
					"(TLS, chain, host name, as its sslmode or scheme says); what the probe saw with its own checks (TLS, " +
					"plaintext, the certificate: `chain verified` and `host name matches` there are the probe's findings, " +
					"which a client that skips those checks never makes); and compliance.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"expect": schema.SingleNestedBlock{
				MarkdownDescription: "Expectations beyond what the URL demands; they override the same ones from `policy`. " +
					"Without expectations the endpoint is held to: plaintext refused, a chain that verifies, a certificate " +
					"valid for the host, not expired or revoked, and no TLSv1 or TLSv1.1.",
				Attributes: map[string]schema.Attribute{
					"tls_versions": schema.ListAttribute{
						MarkdownDescription: "Exactly the versions the server must offer: `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.",
						ElementType:         types.StringType,
						Optional:            true,
						Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.OneOfCaseInsensitive("TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"))},
					},
					"ciphers": schema.ListAttribute{
						MarkdownDescription: "The only cipher suites (IANA names, as Neo4j's `ciphers` setting takes them) the " +
							"server may negotiate. For TLS 1.2 the probe also offers only suites outside the list to see " +
							"whether the server takes one; TLS 1.3 suites are judged by the one negotiated.",
						ElementType: types.StringType,
						Optional:    true,
						Validators:  []validator.List{listvalidator.SizeAtLeast(1)},
					},
					"client_auth": schema.StringAttribute{
						MarkdownDescription: "The demand for client certificates the server must make: " + strings.Join(backquote(probe.ClientAuthValues), ", ") + ".",
						Optional:            true,
						Validators:          []validator.String{stringvalidator.OneOfCaseInsensitive(probe.ClientAuthValues...)},
					},
					"plaintext": schema.StringAttribute{
						MarkdownDescription: "`rejected`: the server must refuse sessions without TLS; `accepted`: it must " +
							"run them; `any`: not checked. Default `rejected`.",
						Optional:   true,
						Validators: []validator.String{stringvalidator.OneOf(probe.PlaintextValues...)},
					},
					"min_days_remaining": schema.Int64Attribute{
						MarkdownDescription: "The least number of days the server certificate must still be valid.",
						Optional:            true,
						Validators:          []validator.Int64{int64validator.AtLeast(0)},
					},
					"certificate_sha256": schema.StringAttribute{
						MarkdownDescription: "Pins the server certificate: its SHA-256 fingerprint (64 hex digits, colons allowed).",
						Optional:            true,
					},
				},
			},
		},
	}
}

func backquote(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "`" + v + "`"
	}
	return out
}

func (d *endpointDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m endpointDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags := m.options(ctx, false)
	resp.Diagnostics.Append(diags...)
}

func (d *endpointDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m endpointDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts, diags := m.options(ctx, true)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || opts == nil {
		return
	}
	report, err := probe.Run(ctx, *opts)
	if err != nil {
		addEndpointInputError(&resp.Diagnostics, err)
		return
	}
	resp.Diagnostics.Append(m.setReport(ctx, report)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	if m.FailOnViolation.ValueBool() && len(report.Violations) > 0 {
		resp.Diagnostics.Append(diagEndpointViolatesItsDeclaration.plain(
			fmt.Sprintf("The endpoint does not meet what its URL, policy or expect block declares, and fail_on_violation "+
				"is true. Fix the endpoint or the declaration, or set fail_on_violation = false to report the "+
				"violations without failing.\n\n%s\n\nReport:\n%s", strings.Join(report.Violations, "\n"), report.Summary)))
	}
}
