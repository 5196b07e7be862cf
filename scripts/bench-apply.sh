#!/usr/bin/env bash
# make bench (second part): what the neo4j.conf lock costs. One `terraform apply -parallelism=32` of 100
# Neo4j 3.5 policies that all write their managed block into ONE neo4j.conf, against the same 100 policies
# each writing into a neo4j.conf of its own (per-resource neo4j_home), in the same run. The ratio shows how much
# the lock serialises beyond what one shared file needs (every edit of the shared file is a locked
# read-merge-fsync-rename, so some serialisation is inherent).
#
#   BENCH_ROUNDS  apply+destroy rounds of each (default 3); the median apply time is reported
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

rounds=${BENCH_ROUNDS:-3}
count=100
bench=$BUILD/bench-apply
need go terraform awk sort

say "Building the provider and preparing ${bench#"$ROOT"/}"
build_provider
rm -rf "$bench"
mkdir -p "$bench/shared" "$bench/separate"
use_dev_override "$bench"
make_neo4j_home "$bench/shared/home"
for ((i = 0; i < count; i++)); do
	make_neo4j_home "$bench/separate/home-$i"
done

header() {
	cat <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = "$1"
}
HCL
}
{
	header "$bench/shared/home"
	cat <<HCL
resource "dbtls_ssl_policy" "p" {
  for_each = toset([for i in range($count) : format("policy_%03d", i)])
  name     = each.key
}
HCL
} >"$bench/shared/main.tf"
{
	header "$bench/separate/home-0"
	cat <<HCL
resource "dbtls_ssl_policy" "p" {
  for_each   = { for i in range($count) : format("policy_%03d", i) => i }
  name       = each.key
  neo4j_home = "$bench/separate/home-\${each.value}"
}
HCL
} >"$bench/separate/main.tf"

# time_apply DIR: one apply of DIR in milliseconds, then a destroy (not timed).
time_apply() {
	local start end
	start=$(date +%s%N)
	terraform -chdir="$bench/$1" apply -auto-approve -no-color -parallelism=32 >"$bench/$1-apply.log" 2>&1 ||
		{ cat "$bench/$1-apply.log" >&2; die "apply of $1 failed"; }
	end=$(date +%s%N)
	echo $(((end - start) / 1000000)) >>"$bench/$1.ms"
	terraform -chdir="$bench/$1" destroy -auto-approve -no-color -parallelism=32 >"$bench/$1-destroy.log" 2>&1 ||
		{ cat "$bench/$1-destroy.log" >&2; die "destroy of $1 failed"; }
}
median() { sort -n "$1" | awk '{v[NR] = $1} END {printf "%d\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

say "Timing $rounds alternating applies of each (100 policies, -parallelism=32)"
: >"$bench/shared.ms"
: >"$bench/separate.ms"
for ((r = 1; r <= rounds; r++)); do
	time_apply shared
	time_apply separate
	printf '.'
done
echo
shared=$(median "$bench/shared.ms")
separate=$(median "$bench/separate.ms")
echo "Apply of $count policies at -parallelism=32 ($(nproc) CPUs), median of $rounds:"
echo "  one shared neo4j.conf (100 blocks):   $shared ms"
echo "  100 separate neo4j.conf files:        $separate ms"
echo "  ratio $(awk -v a="$shared" -v b="$separate" 'BEGIN {printf "%.2f", a / b}')x"
