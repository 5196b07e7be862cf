#!/usr/bin/env bash
# make bench: the cost of a no-op `terraform plan` of 100 dbtls_ssl_policy resources on one local host
# (Neo4j 3.5: 100 neo4j.conf managed blocks, 300 directories) against Terraform's own floor, 100
# terraform_data resources, measured in the same run, like with like, in two shapes:
#   count    `count = 100` on both sides (names "policy_<index>"): the target, at most 4x the floor,
#   for_each a for_each over toset([for i in range(100) : format(...)]) on both sides, the shape of earlier
#            versions of this benchmark; its expression costs Terraform itself about the same on each side.
#
#   BENCH_RUNS   timed runs of each plan (default 10, at least 5); the median is reported
#   BENCH_COUNT  resources in each configuration (default 100)
#   BENCH_TIMER  hyperfine or shell (default hyperfine, when it is there)
#
# The four configurations are applied first, so every plan is a pure refresh with nothing to do; each timed
# plan runs with -detailed-exitcode and any change fails the benchmark. Terraform's -parallelism is left
# at its default. The four plans alternate, one of each per round; each is timed by hyperfine when it is
# installed (or installable with apt-get as root), otherwise by bash's time keyword. Reported per shape: the
# median wall time and the median CPU time (user + system of terraform and the provider, which a busy
# machine disturbs less) of each side, and their ratios. Everything lives in build/bench and is recreated
# on every run.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-10}
count=${BENCH_COUNT:-100}
timer=${BENCH_TIMER:-hyperfine}
[ "$runs" -ge 5 ] || die "BENCH_RUNS must be at least 5 (got $runs)"
bench=$BUILD/bench
shapes=(count foreach)
# The configurations, in the order each round runs them.
configs=(floor-count dbtls-count floor-foreach dbtls-foreach)

need go terraform find sort awk

say "Building the provider and preparing ${bench#"$ROOT"/}"
build_provider
rm -rf "$bench"
mkdir -p "${configs[@]/#/$bench/}"
use_dev_override "$bench"

# Each shape's policies live in a NEO4J_HOME of their own.
for shape in "${shapes[@]}"; do
	make_neo4j_home "$bench/home-$shape"
	case $shape in
	count)
		meta="count    = $count"
		# shellcheck disable=SC2016 # an HCL template, for Terraform to expand
		key='"policy_${count.index}"'
		;;
	foreach)
		meta="for_each = toset([for i in range($count) : format(\"policy_%03d\", i)])"
		key=each.key
		;;
	esac
	cat >"$bench/dbtls-$shape/main.tf" <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = "$bench/home-$shape"
}

resource "dbtls_ssl_policy" "p" {
  $meta
  name     = $key
}
HCL
	cat >"$bench/floor-$shape/main.tf" <<HCL
resource "terraform_data" "p" {
  $meta
  input    = $key
}
HCL
done

# apply DIR: apply quietly, show the output only when it fails.
apply() {
	local log=$bench/$1-apply.log
	terraform -chdir="$bench/$1" apply -auto-approve -no-color >"$log" 2>&1 ||
		{ cat "$log" >&2; die "terraform apply of $1 failed"; }
}
say "Applying the four configurations ($count resources each)"
for shape in "${shapes[@]}"; do
	(cd "$bench/floor-$shape" && terraform init -no-color >"$bench/floor-$shape-init.log" 2>&1) ||
		{ cat "$bench/floor-$shape-init.log" >&2; die "terraform init of the terraform_data configuration failed"; }
	apply "floor-$shape"
	apply "dbtls-$shape"
	conf=$bench/home-$shape/conf/neo4j.conf
	blocks=$(grep -c '^# BEGIN dbtls managed block: ' "$conf" || true)
	dirs=$(find "$bench/home-$shape/certificates" -mindepth 1 -type d | wc -l)
	echo "$shape: neo4j.conf: $blocks managed blocks; certificates/: $dirs directories"
	[ "$blocks" -eq "$count" ] || die "expected $count managed blocks in $conf, found $blocks"
	[ "$dirs" -eq $((3 * count)) ] || die "expected $((3 * count)) directories under $bench/home-$shape/certificates, found $dirs"
done

# Every plan must be a no-op before it is worth timing.
for dir in "${configs[@]}"; do
	set +e
	terraform -chdir="$bench/$dir" plan -detailed-exitcode -no-color >"$bench/$dir-plan.log" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || { cat "$bench/$dir-plan.log" >&2; die "the plan of $dir after apply is not empty (exit code $rc)"; }
done

plan_cmd() { echo "terraform -chdir=$bench/$1 plan -detailed-exitcode -no-color -input=false"; }

if [ "$timer" = hyperfine ] && ! command -v hyperfine >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	say "Installing hyperfine (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >"$bench/apt.log" 2>&1 ||
		echo "apt-get install hyperfine failed; timing with bash's time keyword instead"
fi

# time_round appends one line "<wall ms> <cpu ms>" for each plan to <config>.ms; cpu is user + system time
# of terraform and its provider processes, which a busy machine disturbs less than the wall clock. The
# plans alternate, round after round, so that all see the same machine: on a shared machine the load
# drifts within seconds, and timing all runs of one configuration and then all of another skews the ratio.
if [ "$timer" = hyperfine ] && command -v hyperfine >/dev/null && [[ $bench != *" "* ]]; then
	timer="hyperfine --shell=none, one run of each plan per round"
	time_round() {
		local cmds=() dir i
		for dir in "${configs[@]}"; do
			cmds+=("$(plan_cmd "$dir")")
		done
		hyperfine --shell=none --runs 1 --style none --export-json "$bench/round.json" "${cmds[@]}" >"$bench/round.log" 2>&1 ||
			{ cat "$bench/round.log" >&2; die "a plan failed or was not empty (round $1)"; }
		# hyperfine reports seconds, the results in the order of the commands.
		awk -F': *' '
			/"median":/ { wall = $2 + 0 }
			/"user":/ { user = $2 + 0 }
			/"system":/ { printf "%.1f %.1f\n", wall * 1000, (user + $2) * 1000 }
		' "$bench/round.json" >"$bench/round.ms"
		i=1
		for dir in "${configs[@]}"; do
			sed -n "${i}p" "$bench/round.ms" >>"$bench/$dir.ms"
			i=$((i + 1))
		done
	}
else
	timer="bash's time keyword around each plan"
	time_round() {
		local dir cmd TIMEFORMAT='%3R %3U %3S'
		for dir in "${configs[@]}"; do
			read -ra cmd <<<"$(plan_cmd "$dir")"
			{ time "${cmd[@]}" >/dev/null 2>&1; } 2>"$bench/round.time" ||
				die "the plan of $dir failed or was not empty (round $1)"
			awk '{printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000}' "$bench/round.time" >>"$bench/$dir.ms"
		done
	}
fi

# median FILE [COLUMN] prints the median of a column of numbers; range FILE [COLUMN] its minimum and maximum.
median() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -n | awk '{v[NR] = $1} END {printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -n | sed -n '1p;$p' | paste -sd' ' | awk '{printf "%s to %s", $1, $2}'; }

say "Timing $runs rounds of one no-op plan of each of the ${#configs[@]} configurations (after one warm-up round)"
reset() { local dir; for dir in "${configs[@]}"; do : >"$bench/$dir.ms"; done; }
reset
time_round warm-up
reset
for ((i = 1; i <= runs; i++)); do
	time_round "$i"
	printf '.'
done
echo

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
row() { printf '  %-5s %-44s %9s ms  %-20s %9s ms\n' "$@"; }
echo
echo "No-op terraform plan, $runs alternating runs each ($timer; $(terraform version | sed -n 1p), $(nproc) CPUs):"
printf '  %-50s %12s  %-20s %12s\n' "" "wall median" "(min to max, ms)" "cpu (usr+sys)"
for shape in "${shapes[@]}"; do
	case $shape in
	count) what="count = $count" ;;
	foreach) what="for_each over format()" ;;
	esac
	floor_ms=$(median "$bench/floor-$shape.ms")
	dbtls_ms=$(median "$bench/dbtls-$shape.ms")
	floor_cpu=$(median "$bench/floor-$shape.ms" 2)
	dbtls_cpu=$(median "$bench/dbtls-$shape.ms" 2)
	paste "$bench/floor-$shape.ms" "$bench/dbtls-$shape.ms" | awk '{print $3 / $1, $4 / $2}' >"$bench/ratios-$shape"
	echo " $what:"
	row floor "$count terraform_data" "$floor_ms" "($(range "$bench/floor-$shape.ms"))" "$floor_cpu"
	row dbtls "$count dbtls_ssl_policy" "$dbtls_ms" "($(range "$bench/dbtls-$shape.ms"))" "$dbtls_cpu"
	wall_ratio=$(ratio "$dbtls_ms" "$floor_ms")
	cpu_ratio=$(ratio "$dbtls_cpu" "$floor_cpu")
	verdict=""
	if [ "$shape" = count ]; then
		verdict=$(awk -v r="$cpu_ratio" 'BEGIN {print (r <= 4.0) ? " (cpu within the target of 4x)" : " (cpu ABOVE the target of 4x)"}')
	fi
	printf '  ratio %sx wall, %sx cpu%s; medians of the per-round ratios: %sx wall, %sx cpu\n' \
		"$wall_ratio" "$cpu_ratio" "$verdict" \
		"$(median "$bench/ratios-$shape" | awk '{printf "%.2f", $1}')" "$(median "$bench/ratios-$shape" 2 | awk '{printf "%.2f", $1}')"
done
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
