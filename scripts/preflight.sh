#!/usr/bin/env bash
# preflight: what `make test` needs on the machine, checked once before any test runs, with the command
# that installs what is missing (Debian 12 package names).
#
# Go and Terraform are always required. Without one of the other tools the tests that need it are
# skipped, and this script says which, once; in CI (CI set, and not to 0 or false) a missing tool is an
# error instead, so that CI never passes by skipping.
set -euo pipefail

ci=false
case "${CI:-}" in "" | 0 | false | FALSE | False) ;; *) ci=true ;; esac

problems=()  # "what is missing|what it costs|how to install it"
fatal=false

missing() { problems+=("$1|$2|$3"); }

# Go and Terraform: nothing runs without them.
if ! command -v go >/dev/null; then
	echo 'preflight: go is not on PATH: install Go 1.26 (https://go.dev/dl/, then PATH=$PATH:/usr/local/go/bin)' >&2
	fatal=true
fi
if ! command -v terraform >/dev/null; then
	echo 'preflight: terraform is not on PATH: install Terraform 1.11 or later (https://developer.hashicorp.com/terraform/install); the acceptance tests run the real CLI' >&2
	fatal=true
else
	tf=$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\).*/\1/p')
	if [ -z "$tf" ] || ! printf '%s\n%s\n' 1.11.0 "$tf" | sort -V -C; then
		echo "preflight: terraform ${tf:-of unknown version} at $(command -v terraform): Terraform 1.11 or later is needed" >&2
		fatal=true
	fi
fi
$fatal && exit 1

pgbin=/usr/lib/postgresql/15/bin
for b in initdb pg_ctl postgres; do
	if [ ! -x "$pgbin/$b" ]; then
		missing "PostgreSQL 15 server binaries ($pgbin)" "the dbtls_endpoint and probe tests against live PostgreSQL servers are skipped" "postgresql-15"
		break
	fi
done
command -v psql >/dev/null ||
	missing "psql" "the PostgreSQL tests (psql is their oracle) are skipped" "postgresql-client-15"
command -v openssl >/dev/null ||
	missing "openssl" "the PostgreSQL tests and the tests that use openssl as an oracle are skipped" "openssl"
if [ "$(id -u)" -ne 0 ] && [ "${USER:-}" != postgres ]; then
	missing "root" "the PostgreSQL tests (initdb runs as the postgres user), the owner tests and the sudo tests are skipped" "(run make test as root, as CI does)"
fi
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null ||
	missing "sshd (OpenSSH server)" "every SSH test (the SSH twin of each resource test, the host conformance suite over SSH) is skipped" "openssh-server"
if [ "$(id -u)" -eq 0 ]; then
	command -v sudo >/dev/null && command -v visudo >/dev/null ||
		missing "sudo" "the tests of sudo = true (a deploy user writing as root) are skipped" "sudo"
	command -v useradd >/dev/null && command -v userdel >/dev/null ||
		missing "useradd/userdel" "the tests of sudo = true are skipped" "passwd"
fi
command -v flock >/dev/null ||
	missing "flock" "the SSH lock tests fail (the provider locks with flock on SSH hosts)" "util-linux"
command -v setfacl >/dev/null && command -v getfacl >/dev/null ||
	missing "setfacl/getfacl" "the tests that a rewrite keeps POSIX ACLs fail" "acl"
command -v setfattr >/dev/null && command -v getfattr >/dev/null ||
	missing "setfattr/getfattr" "the tests that a rewrite keeps extended attributes fail" "attr"
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null ||
	missing "pgbouncer" "the dbtls_endpoint tests against a real PgBouncer are skipped" "pgbouncer"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null ||
	missing "nginx" "the dbtls_endpoint tests against a real nginx (HTTPS client certificates) are skipped" "nginx-light"
command -v java >/dev/null && command -v javac >/dev/null ||
	missing "a JDK (java, javac)" "the cross-check of neo4j.conf against java.util.Properties is skipped" "openjdk-17-jdk-headless"

if [ ${#problems[@]} -eq 0 ]; then
	echo "preflight: every tool the tests use is here (terraform $tf, $(openssl version | cut -d' ' -f1-2), psql $(psql --version | awk '{print $3}'))"
	exit 0
fi

packages=()
echo "preflight: the machine lacks what some tests need:" >&2
for p in "${problems[@]}"; do
	IFS='|' read -r what cost pkg <<<"$p"
	printf '  - %s: %s\n' "$what" "$cost" >&2
	case "$pkg" in "("*) ;; *) packages+=("$pkg") ;; esac
done
if [ ${#packages[@]} -gt 0 ]; then
	# shellcheck disable=SC2001
	printf '  install: apt-get install -y %s\n' "$(echo "${packages[*]}" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')" >&2
fi
if $ci; then
	echo "preflight: CI is set, so this is an error: CI must run every test." >&2
	exit 1
fi
echo "preflight: going on without them (with CI=1 this is an error)." >&2
