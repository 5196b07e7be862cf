package testenv

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// PsqlResult is what psql (libpq) did with a connection string.
type PsqlResult struct {
	Connected bool
	Output    string // psql's stderr and stdout, for test failure messages
}

// Psql runs `psql -X -w -At -c 'select 1' -d <conninfo>` with HOME set to home (so libpq's
// ~/.postgresql/root.crt lookup is under the test's control), no other PG* variables, GSSAPI encryption
// off, and PGCONNECT_TIMEOUT=timeout. Connected means psql ran the query: libpq got through TLS
// negotiation, verification and the server's pg_hba.conf.
func Psql(ctx context.Context, conninfo, home string, timeout time.Duration) PsqlResult {
	return psqlQuery(ctx, conninfo, home, timeout, "select 1", "1")
}

// PsqlSSL is Psql with a query that says whether the session runs over TLS (pg_stat_ssl of the backend):
// Connected as for Psql, and SSL when it does. Only for a direct connection to PostgreSQL (behind a pooler,
// pg_stat_ssl describes the pooler's own connection).
func PsqlSSL(ctx context.Context, conninfo, home string, timeout time.Duration) (PsqlResult, bool) {
	r := psqlQuery(ctx, conninfo, home, timeout, "select case when ssl then 'tls' else 'plain' end from pg_stat_ssl where pid = pg_backend_pid()", "")
	out := strings.TrimSpace(r.Output)
	r.Connected = out == "tls" || out == "plain"
	return r, out == "tls"
}

func psqlQuery(ctx context.Context, conninfo, home string, timeout time.Duration, query, want string) PsqlResult {
	secs := int(timeout / time.Second)
	if secs < 2 {
		secs = 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", "-X", "-w", "-At", "-c", query, "-d", conninfo)
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C", "LC_ALL=C",
		"PGCONNECT_TIMEOUT=" + strconv.Itoa(secs), "PGGSSENCMODE=disable", "PGAPPNAME=dbtls-oracle",
	}
	out, err := cmd.CombinedOutput()
	return PsqlResult{Connected: err == nil && strings.TrimSpace(string(out)) == want, Output: strings.TrimSpace(string(out))}
}
