#!/usr/bin/env bash
# make bench (third part): how the cost of an apply grows with the number of policies in ONE neo4j.conf.
# For each size N, one `terraform apply` of N Neo4j 3.5 dbtls_ssl_policy resources that all write their
# managed block into the same neo4j.conf, against Terraform's own floor, N terraform_data resources, both
# in the `count` shape. Reported per size and round: the wall time and the CPU time (user + system of
# terraform and its provider processes, which a busy machine disturbs less) of each side, and the CPU
# ratio. When every edit of neo4j.conf costs the same whatever the file's size, the ratio stays flat as N
# grows; an edit that re-reads the whole file makes it grow with N. Figures are printed, never asserted.
#
#   APPLY_SIZES   the sizes N, in order (default "30 300")
#   APPLY_ROUNDS  apply+destroy rounds of each side per size (default 2); the sides alternate
#
# Part of the CPU on both sides is Terraform's own: it rewrites the whole state file after each resource,
# so its share grows with N times the state each resource holds (a dbtls_ssl_policy holds several times
# what a terraform_data does). Everything lives in build/bench-apply-ratio and is recreated on every run.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

sizes=${APPLY_SIZES:-30 300}
rounds=${APPLY_ROUNDS:-2}
bench=$BUILD/bench-apply-ratio
need go terraform awk

say "Building the provider and preparing ${bench#"$ROOT"/}"
build_provider
rm -rf "$bench"
mkdir -p "$bench"
use_dev_override "$bench"

# run DIR WHAT: terraform WHAT (apply or destroy) of DIR; prints "<wall s> <cpu s>" (cpu = user + system of
# terraform and the processes it waited for, its providers) and shows the output only when it fails.
run() {
	local dir=$1 what=$2 t TIMEFORMAT='%R %U %S'
	t=$({ time terraform -chdir="$dir" "$what" -auto-approve -no-color >"$dir/$what.log" 2>&1; } 2>&1) ||
		{ cat "$dir/$what.log" >&2; die "terraform $what of $dir failed"; }
	awk '{printf "%.2f %.2f\n", $1, $2 + $3}' <<<"$t"
}

echo "Apply of N policies on one neo4j.conf vs N terraform_data (count shape), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg):"
printf '  %5s %5s  %-22s %-22s %s\n' N round "floor wall/cpu s" "dbtls wall/cpu s" "cpu ratio"
for n in $sizes; do
	mkdir -p "$bench/floor-$n" "$bench/dbtls-$n"
	make_neo4j_home "$bench/home-$n"
	cat >"$bench/dbtls-$n/main.tf" <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = "$bench/home-$n"
}
resource "dbtls_ssl_policy" "p" {
  count = $n
  name  = "policy_\${count.index}"
}
HCL
	cat >"$bench/floor-$n/main.tf" <<HCL
resource "terraform_data" "p" {
  count = $n
  input = "policy_\${count.index}"
}
HCL
	(cd "$bench/floor-$n" && terraform init -no-color >init.log 2>&1) ||
		{ cat "$bench/floor-$n/init.log" >&2; die "terraform init of the terraform_data configuration failed"; }
	for ((r = 1; r <= rounds; r++)); do
		floor=$(run "$bench/floor-$n" apply)
		dbtls=$(run "$bench/dbtls-$n" apply)
		blocks=$(grep -c '^# BEGIN dbtls managed block: ' "$bench/home-$n/conf/neo4j.conf" || true)
		[ "$blocks" -eq "$n" ] || die "expected $n managed blocks in $bench/home-$n/conf/neo4j.conf, found $blocks"
		ratio=$(awk -v a="${dbtls#* }" -v b="${floor#* }" 'BEGIN {printf "%.2f", a / b}')
		printf '  %5s %5s  %-22s %-22s %sx\n' "$n" "$r" "${floor/ / / }" "${dbtls/ / / }" "$ratio"
		run "$bench/floor-$n" destroy >/dev/null
		run "$bench/dbtls-$n" destroy >/dev/null
	done
done
