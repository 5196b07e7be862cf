#!/usr/bin/env bash
# make bench: the cost of a no-op `terraform plan` of 100 dbtls_ssl_policy resources on one local host
# (Neo4j 3.5: 100 neo4j.conf managed blocks, 300 directories) against Terraform's own floor, 100
# terraform_data resources, measured in the same run. Target: at most 4x the floor.
#
#   BENCH_RUNS   timed runs of each plan (default 10, at least 5); the median is reported
#   BENCH_COUNT  resources in each configuration (default 100)
#   BENCH_TIMER  hyperfine or shell (default hyperfine, when it is there)
#
# Both configurations are applied first, so both plans are pure refreshes with nothing to do; each timed
# plan runs with -detailed-exitcode and any change fails the benchmark. Terraform's -parallelism is left
# at its default. The two plans alternate, one of each per round; each is timed by hyperfine when it is
# installed (or installable with apt-get as root), otherwise by bash's time keyword. Reported: the median
# wall time of each, their ratio (the target), and the CPU time (user + system of terraform and the provider),
# which a busy machine disturbs less. Everything lives in build/bench and is recreated on every run.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-10}
count=${BENCH_COUNT:-100}
timer=${BENCH_TIMER:-hyperfine}
[ "$runs" -ge 5 ] || die "BENCH_RUNS must be at least 5 (got $runs)"
bench=$BUILD/bench
home=$bench/neo4j-home
conf=$home/conf/neo4j.conf

need go terraform find sort awk

say "Building the provider and preparing ${bench#"$ROOT"/}"
build_provider
rm -rf "$bench"
mkdir -p "$bench/dbtls" "$bench/floor"
use_dev_override "$bench"
make_neo4j_home "$home"

cat >"$bench/dbtls/main.tf" <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = "$home"
}

resource "dbtls_ssl_policy" "p" {
  for_each = toset([for i in range($count) : format("policy_%03d", i)])
  name     = each.key
}
HCL

cat >"$bench/floor/main.tf" <<HCL
resource "terraform_data" "p" {
  for_each = toset([for i in range($count) : format("policy_%03d", i)])
  input    = each.key
}
HCL

# apply DIR: apply quietly, show the output only when it fails.
apply() {
	local log=$bench/$1-apply.log
	terraform -chdir="$bench/$1" apply -auto-approve -no-color >"$log" 2>&1 ||
		{ cat "$log" >&2; die "terraform apply of $1 failed"; }
}
say "Applying both configurations ($count resources each)"
(cd "$bench/floor" && terraform init -no-color >"$bench/floor-init.log" 2>&1) ||
	{ cat "$bench/floor-init.log" >&2; die "terraform init of the terraform_data configuration failed"; }
apply floor
apply dbtls

blocks=$(grep -c '^# BEGIN dbtls managed block: ' "$conf" || true)
dirs=$(find "$home/certificates" -mindepth 1 -type d | wc -l)
echo "neo4j.conf: $blocks managed blocks; certificates/: $dirs directories"
[ "$blocks" -eq "$count" ] || die "expected $count managed blocks in $conf, found $blocks"
[ "$dirs" -eq $((3 * count)) ] || die "expected $((3 * count)) directories under $home/certificates, found $dirs"

# Both plans must be no-ops before they are worth timing.
for dir in floor dbtls; do
	set +e
	terraform -chdir="$bench/$dir" plan -detailed-exitcode -no-color >"$bench/$dir-plan.log" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || { cat "$bench/$dir-plan.log" >&2; die "the plan of $dir after apply is not empty (exit code $rc)"; }
done

plan_floor="terraform -chdir=$bench/floor plan -detailed-exitcode -no-color -input=false"
plan_dbtls="terraform -chdir=$bench/dbtls plan -detailed-exitcode -no-color -input=false"

if [ "$timer" = hyperfine ] && ! command -v hyperfine >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	say "Installing hyperfine (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >"$bench/apt.log" 2>&1 ||
		echo "apt-get install hyperfine failed; timing with bash's time keyword instead"
fi

# time_round appends one line "<wall ms> <cpu ms>" for each plan to floor.ms and dbtls.ms; cpu is user + system
# time of terraform and its provider processes, which a busy machine disturbs less than the wall clock. The
# two plans alternate, round after round, so that both see the same machine: on a shared machine the load
# drifts within seconds, and timing all runs of one configuration and then all of the other skews the ratio.
if [ "$timer" = hyperfine ] && command -v hyperfine >/dev/null && [[ $bench != *" "* ]]; then
	timer="hyperfine --shell=none, one run of each plan per round"
	time_round() {
		hyperfine --shell=none --runs 1 --style none --export-json "$bench/round.json" \
			"$plan_floor" "$plan_dbtls" >"$bench/round.log" 2>&1 ||
			{ cat "$bench/round.log" >&2; die "a plan failed or was not empty (round $1)"; }
		# hyperfine reports seconds, the results in the order of the commands.
		awk -F': *' '
			/"median":/ { wall = $2 + 0 }
			/"user":/ { user = $2 + 0 }
			/"system":/ { printf "%.1f %.1f\n", wall * 1000, (user + $2) * 1000 }
		' "$bench/round.json" >"$bench/round.ms"
		sed -n 1p "$bench/round.ms" >>"$bench/floor.ms"
		sed -n 2p "$bench/round.ms" >>"$bench/dbtls.ms"
	}
else
	timer="bash's time keyword around each plan"
	time_round() {
		local dir cmd TIMEFORMAT='%3R %3U %3S'
		for dir in floor dbtls; do
			cmd=plan_$dir
			{ time ${!cmd} >/dev/null 2>&1; } 2>"$bench/round.time" ||
				die "the plan of $dir failed or was not empty (round $1)"
			awk '{printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000}' "$bench/round.time" >>"$bench/$dir.ms"
		done
	}
fi

# median FILE [COLUMN] prints the median of a column of numbers; range FILE [COLUMN] its minimum and maximum.
median() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -n | awk '{v[NR] = $1} END {printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -n | sed -n '1p;$p' | paste -sd' ' | awk '{printf "%s to %s", $1, $2}'; }

say "Timing $runs rounds of one no-op plan of each configuration (after one warm-up round)"
: >"$bench/floor.ms"
: >"$bench/dbtls.ms"
time_round warm-up
: >"$bench/floor.ms"
: >"$bench/dbtls.ms"
for ((i = 1; i <= runs; i++)); do
	time_round "$i"
	printf '.'
done
echo
floor_ms=$(median "$bench/floor.ms")
dbtls_ms=$(median "$bench/dbtls.ms")
floor_cpu=$(median "$bench/floor.ms" 2)
dbtls_cpu=$(median "$bench/dbtls.ms" 2)

ratio=$(awk -v a="$dbtls_ms" -v b="$floor_ms" 'BEGIN {printf "%.2f", a / b}')
cpu_ratio=$(awk -v a="$dbtls_cpu" -v b="$floor_cpu" 'BEGIN {printf "%.2f", a / b}')
paste "$bench/floor.ms" "$bench/dbtls.ms" | awk '{print $3 / $1}' >"$bench/ratios"
paired=$(median "$bench/ratios" | awk '{printf "%.2f", $1}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r <= 4.0) ? "within the target of 4x" : "ABOVE the target of 4x"}')
row() { printf '  %-5s %-56s %9s ms  %-18s  %9s ms\n' "$@"; }
echo
echo "No-op terraform plan, $runs alternating runs each ($timer; $(terraform version | sed -n 1p), $(nproc) CPUs):"
printf '  %-62s %12s  %-18s  %12s\n' "" "wall median" "(min to max, ms)" "cpu (usr+sys)"
row floor "$count terraform_data" "$floor_ms" "($(range "$bench/floor.ms"))" "$floor_cpu"
row dbtls "$count dbtls_ssl_policy ($blocks neo4j.conf blocks, $dirs dirs)" "$dbtls_ms" "($(range "$bench/dbtls.ms"))" "$dbtls_cpu"
echo "  ratio ${ratio}x wall, $verdict (median of the per-round ratios: ${paired}x); ${cpu_ratio}x cpu"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
