#!/usr/bin/env bash
# make demo: apply examples/quickstart to a throwaway NEO4J_HOME under build/demo with the provider built
# from this tree, show what it wrote, and prove that the next plan is empty.
#
#   DEMO_NEO4J_VERSION   the neo4j_version to render for (default 5.26; 3.5 and 4.x work too)
#
# Everything lives in build/demo and is recreated on every run; ~/.terraformrc is never read or written.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

version=${DEMO_NEO4J_VERSION:-5.26}
fixture=neo4j-5.conf
case $version in 3.* | 4.*) fixture=neo4j-3.5.conf ;; esac
demo=$BUILD/demo
home=$demo/neo4j-home
work=$demo/work
conf=$home/conf/neo4j.conf
pristine=$demo/neo4j.conf.orig

need go terraform find diff openssl

say "Building the provider into ${PROVIDER_BIN#"$ROOT"/}"
build_provider

say "Preparing a throwaway NEO4J_HOME in ${home#"$ROOT"/} (Neo4j $version)"
rm -rf "$demo"
mkdir -p "$demo" "$work"
use_dev_override "$demo"
make_neo4j_home "$home" "$fixture"
cp "$conf" "$pristine"
cp "$ROOT"/examples/quickstart/*.tf "$work"/
say "Making a throwaway CA and a node certificate with openssl (in ${demo#"$ROOT"/}/pki, never committed)"
pki=$demo/pki
mkdir -p "$pki"
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 -subj "/CN=dbtls demo CA" \
		-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$pki/node.key" -out "$pki/node.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n' >"$pki/ext.cnf"
	openssl x509 -req -in "$pki/node.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 90 \
		-extfile "$pki/ext.cnf" -out "$pki/node.crt" 2>/dev/null
) || die "openssl could not make the demo certificates"
# The public inputs go into terraform.tfvars, so that plain terraform commands in the working directory
# find them later; the key reaches Terraform only as an ephemeral variable from the environment: it never
# lands in a file of the configuration, the plan or the state.
TF_VAR_private_key_pem=$(cat "$pki/node.key")
export TF_VAR_private_key_pem
{
	printf 'neo4j_home    = "%s"\nneo4j_version = "%s"\n\n' "$home" "$version"
	printf 'certificate_pem = <<-EOT\n%s\nEOT\n\n' "$(cat "$pki/node.crt")"
	printf 'ca_certificate_pem = <<-EOT\n%s\nEOT\n' "$(cat "$pki/ca.crt")"
} >"$work/terraform.tfvars"
echo "CLI config: $TF_CLI_CONFIG_FILE (dev_overrides: dbtls/dbtls -> $BUILD)"
echo "Terraform:  $(terraform version | sed -n 1p), working directory ${work#"$ROOT"/}"

# audit NAME runs dbtls_neo4j_audit against the demo's NEO4J_HOME (its own working directory, so the
# quickstart's plan stays empty) and keeps the finding lines in $demo/audit-NAME.txt.
audit() {
	local name=$1 awork=$demo/audit-work
	if [ ! -d "$awork" ]; then
		mkdir -p "$awork"
		cat >"$awork/main.tf" <<TF
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}
provider "dbtls" {
  neo4j_version = "$version"
  neo4j_home    = "$home"
}
data "dbtls_neo4j_audit" "host" {
  neo4j_user = "$(id -un)"
}
output "passed" { value = data.dbtls_neo4j_audit.host.passed }
output "findings" {
  value = [for f in data.dbtls_neo4j_audit.host.findings : "\${f.severity} \${f.code} (checklist \${f.checklist_item})"]
}
TF
	fi
	terraform -chdir="$awork" apply -auto-approve -compact-warnings "${TF_COLOR[@]}" >"$demo/audit-$name.log" 2>&1 ||
		{ cat "$demo/audit-$name.log" >&2; die "the audit ($name) failed"; }
	terraform -chdir="$awork" output -json findings | tr -d '[]' | tr ',' '\n' | tr -d '"' | sed '/^$/d' | sort >"$demo/audit-$name.txt"
	echo "passed = $(terraform -chdir="$awork" output -raw passed)"
	sed 's/^/  /' "$demo/audit-$name.txt"
}

say "dbtls_neo4j_audit before the apply: the throwaway NEO4J_HOME against Neo4j's security checklist"
audit before

say "terraform apply -auto-approve (examples/quickstart)"
terraform -chdir="$work" apply -auto-approve -compact-warnings "${TF_COLOR[@]}" ||
	die "terraform apply failed (output above)"

say "The tree under NEO4J_HOME/certificates (mode, owner:group, path)"
(cd "$home" && find certificates -printf '%M %u:%g %p\n' | sort -k3)

say "What the apply changed in conf/neo4j.conf (diff against the pristine copy)"
if diff -u --label neo4j.conf.orig --label neo4j.conf "$pristine" "$conf"; then
	die "the policies and bindings must write their managed blocks, but neo4j.conf is unchanged"
else
	# Every line of the original file must still be there: the provider only adds managed blocks.
	removed=$(diff "$pristine" "$conf" | grep -c '^<' || true)
	if [ "$removed" -gt 0 ]; then
		die "the apply removed or changed lines of neo4j.conf outside its managed blocks"
	fi
	echo
	echo "$(grep -c '^# BEGIN dbtls managed block: ' "$conf") managed block(s); every other line is as it was."
fi

say "terraform plan -detailed-exitcode (expect: no changes)"
set +e
terraform -chdir="$work" plan -detailed-exitcode -compact-warnings "${TF_COLOR[@]}"
rc=$?
set -e
case $rc in
0) say "Demo passed: the plan after apply is empty (exit code 0)." ;;
2) die "terraform plan wants to change something right after apply (exit code 2): the provider is not idempotent" ;;
*) die "terraform plan failed (exit code $rc)" ;;
esac

say "dbtls_neo4j_audit after the apply"
audit after
gone=$(comm -23 "$demo/audit-before.txt" "$demo/audit-after.txt")
echo "Findings the apply cleared:"
if [ -n "$gone" ]; then echo "$gone" | sed 's/^/  /'; else echo "  (none)"; fi
if grep -E 'checklist 3[abde]\)' "$demo/audit-after.txt"; then
	die "TLS findings (checklist 3a, 3b, 3d, 3e) remain after the quickstart apply"
fi

# ---- Part 2: a live PostgreSQL endpoint, checked by dbtls_endpoint ----
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$pgbin/initdb" ]; then
	say "Skipping the PostgreSQL endpoint part: no PostgreSQL server binaries in $pgbin (set PGBIN)"
else
	say "Starting a throwaway PostgreSQL with TLS (hostssl only, the demo's certificate) in ${demo#"$ROOT"/}/pg"
	pg=$demo/pg
	mkdir -p "$pg"
	cp "$pki/node.crt" "$pg/server.crt"
	cp "$pki/node.key" "$pg/server.key"
	chmod 0600 "$pg/server.key"
	# PostgreSQL refuses to run as root: as root, run it as the postgres user.
	as_pg=()
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root needs a postgres user to run the server as"
		chown -R postgres: "$pg"
		as_pg=(runuser -u postgres --)
	fi
	"${as_pg[@]}" "$pgbin/initdb" -D "$pg/data" -A trust -U postgres >"$pg/initdb.log" 2>&1 ||
		{ cat "$pg/initdb.log" >&2; die "initdb failed"; }
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
	cat >>"$pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pg'
ssl = on
ssl_cert_file = '$pg/server.crt'
ssl_key_file = '$pg/server.key'
CONF
	printf 'hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\nlocal all all trust\n' >"$pg/data/pg_hba.conf"
	[ "$(id -u)" -ne 0 ] || chown postgres: "$pg/data/postgresql.conf" "$pg/data/pg_hba.conf"
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 start >/dev/null ||
		{ cat "$pg/server.log" >&2; die "PostgreSQL did not start"; }
	trap '"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
	echo "PostgreSQL listening on 127.0.0.1:$port (TLS only; pg_hba rejects plaintext sessions)"

	say "terraform apply of examples/postgres-endpoint: the URL an application might carry (sslmode=require), and the same URL made verify-full"
	pgwork=$demo/pg-work
	mkdir -p "$pgwork"
	cp "$ROOT"/examples/postgres-endpoint/*.tf "$pgwork"/
	TF_VAR_url="postgresql://postgres@localhost:$port/postgres?sslmode=require&sslrootcert=$pki/ca.crt" \
		terraform -chdir="$pgwork" apply -auto-approve -compact-warnings "${TF_COLOR[@]}" ||
		die "terraform apply of the endpoint example failed"
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -m fast stop >/dev/null 2>&1 || true
	trap - EXIT
fi

cat <<TXT

Explore it yourself (the CLI config applies to these commands only; terraform.tfvars in the working
directory holds the certificate and the CA, the key comes from the environment):
  export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE
  export TF_VAR_private_key_pem="\$(cat $pki/node.key)"
  chmod 0700 $home/certificates/client_policy/trusted
  terraform -chdir=$work plan        # shows the drift as an update
TXT
