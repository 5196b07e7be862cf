#!/usr/bin/env bash
# The cost of a plan with one dbtls_neo4j_audit against a plan with one dbtls_ssl_policy on the same local
# NEO4J_HOME (Neo4j 5.26, the stock-like fixture with bin, lib and plugins holding 50 files each).
# Target: the audit's plan costs at most 1.5x the policy's. Both are applied first, so both plans are
# refreshes with nothing to do; the two plans alternate, one of each per round, timed with bash's time
# keyword. Reported: the median wall and CPU time (user + system of terraform and the provider) of each
# and their ratios.
#
#   BENCH_RUNS   timed rounds (default 7, at least 5)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-7}
[ "$runs" -ge 5 ] || die "BENCH_RUNS must be at least 5 (got $runs)"
bench=$BUILD/bench-audit
home=$bench/neo4j-home

need go terraform awk sort

say "Building the provider and preparing ${bench#"$ROOT"/}"
build_provider
rm -rf "$bench"
mkdir -p "$bench/audit" "$bench/policy"
use_dev_override "$bench"
make_neo4j_home "$home" neo4j-5.conf
for d in bin lib plugins; do
	mkdir -p "$home/$d"
	for i in $(seq 1 50); do : >"$home/$d/file-$i.jar"; done
done

provider="terraform {
  required_providers {
    dbtls = { source = \"dbtls/dbtls\" }
  }
}
provider \"dbtls\" {
  neo4j_version = \"5.26\"
  neo4j_home    = \"$home\"
}"
printf '%s\n\ndata "dbtls_neo4j_audit" "a" {\n  neo4j_user = "%s"\n}\n' "$provider" "$(id -un)" >"$bench/audit/main.tf"
printf '%s\n\nresource "dbtls_ssl_policy" "p" {\n  name = "bolt"\n}\n' "$provider" >"$bench/policy/main.tf"

for dir in audit policy; do
	terraform -chdir="$bench/$dir" apply -auto-approve -no-color >"$bench/$dir-apply.log" 2>&1 ||
		{ cat "$bench/$dir-apply.log" >&2; die "terraform apply of $dir failed"; }
	set +e
	terraform -chdir="$bench/$dir" plan -detailed-exitcode -no-color >"$bench/$dir-plan.log" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || { cat "$bench/$dir-plan.log" >&2; die "the plan of $dir after apply is not empty (exit code $rc)"; }
done

time_round() {
	local dir TIMEFORMAT='%3R %3U %3S'
	for dir in policy audit; do
		{ time terraform -chdir="$bench/$dir" plan -detailed-exitcode -no-color -input=false >/dev/null 2>&1; } 2>"$bench/round.time" ||
			die "the plan of $dir failed or was not empty"
		awk '{printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000}' "$bench/round.time" >>"$bench/$dir.ms"
	done
}
median() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -n | awk '{v[NR] = $1} END {printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

say "Timing $runs rounds of one no-op plan of each configuration (after one warm-up round)"
time_round
: >"$bench/policy.ms"
: >"$bench/audit.ms"
for ((i = 1; i <= runs; i++)); do time_round; done
pw=$(median "$bench/policy.ms" 1) pc=$(median "$bench/policy.ms" 2)
aw=$(median "$bench/audit.ms" 1) ac=$(median "$bench/audit.ms" 2)
printf 'plan with one dbtls_ssl_policy:   wall %8.1f ms   cpu %8.1f ms\n' "$pw" "$pc"
printf 'plan with one dbtls_neo4j_audit:  wall %8.1f ms   cpu %8.1f ms\n' "$aw" "$ac"
awk -v aw="$aw" -v pw="$pw" -v ac="$ac" -v pc="$pc" 'BEGIN {printf "ratio audit/policy: wall %.2fx, cpu %.2fx (target <= 1.5x)\n", aw / pw, ac / pc}'
