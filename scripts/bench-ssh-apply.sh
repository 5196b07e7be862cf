#!/usr/bin/env bash
# make bench-ssh: what writing over SSH costs. `terraform apply -parallelism=32` of 100 Neo4j 3.5
# dbtls_ssl_policy that all write their managed block into ONE neo4j.conf, once through the provider's
# local host and once over SSH to a throwaway OpenSSH server on loopback (root, key login, a NEO4J_HOME of
# its own on this machine), alternating; each apply is followed by a destroy (not timed). Reported: the
# median wall time and CPU time (user + system of terraform and the provider; for SSH also of the server
# with its sessions) of each, their ratio, and the SSH connections and command (exec) sessions the server
# logged per apply. The target of issue #15 is an SSH apply within 2x the local one.
#
#   BENCH_ROUNDS  apply+destroy rounds of each (default 3)
#   BENCH_KEEP    set: keep the throwaway directory (logs, configuration)
#   BENCH_PROFILE set: the last SSH apply also writes the provider's debug log (TF_LOG_PROVIDER=debug) into
#                 the throwaway directory, and its host operations are summed up by kind (count, total and
#                 longest duration: see host.Logged), with the lock waits
#
# Everything lives in a throwaway directory under TMPDIR, removed on exit with the server started here,
# whether the run succeeded or not. No user or system file is changed (the server logs in root).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

rounds=${BENCH_ROUNDS:-3}
count=100
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive number (got $rounds)"
need go terraform ssh-keygen awk sort

SSHD_PID=
work=$(mktemp -d "${TMPDIR:-/tmp}/dbtls-bench-ssh.XXXXXX")
cleanup() {
	local rc=$?
	# The server is this shell's child until it is waited for, so its pid cannot have been reused.
	if [ -n "$SSHD_PID" ] && kill -0 "$SSHD_PID" 2>/dev/null; then
		kill "$SSHD_PID" 2>/dev/null || true
		wait "$SSHD_PID" 2>/dev/null || true
	fi
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $work (BENCH_KEEP)"; else rm -rf "$work"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Building the provider; the throwaway server and homes live in $work"
build_provider
use_dev_override "$work"
ssh-keygen -q -t ed25519 -N '' -C dbtls-bench -f "$work/client_key"
port=$(free_port)
start_sshd "$work/sshd" "$port" "$work/client_key.pub"

# config DIR HOME [SSH-BLOCK]: the 100 policies writing into HOME, through the local host or over SSH.
config() {
	mkdir -p "$1"
	cat >"$1/main.tf" <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = "$2"
  ${3:-}
}
resource "dbtls_ssl_policy" "p" {
  for_each = toset([for i in range($count) : format("policy_%03d", i)])
  name     = each.key
}
HCL
}
make_neo4j_home "$work/local-home"
make_neo4j_home "$work/ssh-home"
config "$work/local" "$work/local-home"
config "$work/ssh" "$work/ssh-home" "ssh {
    host        = \"127.0.0.1\"
    port        = $port
    user        = \"root\"
    private_key = file(\"$work/client_key\")
    known_hosts = file(\"$work/sshd/known_hosts\")
  }"

ticks=$(getconf CLK_TCK)
# cpu_ms PID: CPU time (user + system) of PID and its reaped children so far, in ms.
cpu_ms() { sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$ticks" '{printf "%d\n", ($12 + $13 + $14 + $15) * 1000 / t}'; }
log_lines() { grep -cE "$1" "$work/sshd/sshd.log" || true; }

# time_apply NAME: one apply of NAME (wall ms, cpu ms appended to NAME.tsv), then a destroy (not timed).
time_apply() {
	local name=$1 srv0 srv1 conns0 execs0 wall user sys
	srv0=$(cpu_ms "$SSHD_PID")
	conns0=$(log_lines 'Connection from 127\.0\.0\.1 port')
	execs0=$(log_lines 'Starting session: command')
	TIMEFORMAT='%3R %3U %3S'
	if [ -n "${BENCH_PROFILE:-}" ] && [ "$name" = ssh ] && [ "$r" -eq "$rounds" ]; then
		export TF_LOG_PROVIDER=debug TF_LOG_PATH=$work/ssh-apply-provider.log
		: >"$TF_LOG_PATH"
	fi
	{ time terraform -chdir="$work/$name" apply -auto-approve "${TF_COLOR[@]}" -parallelism=32 >"$work/$name-apply.log" 2>&1; } 2>"$work/$name.time" ||
		{ tail -40 "$work/$name-apply.log" >&2; die "apply of $name failed"; }
	unset TF_LOG_PROVIDER TF_LOG_PATH
	sleep 0.5 # let the server reap the connection's processes, whose CPU time it then counts
	srv1=$(cpu_ms "$SSHD_PID")
	read -r wall user sys <"$work/$name.time"
	n=$(grep -c '^# BEGIN dbtls managed block: ' "$work/$name-home/conf/neo4j.conf" || true)
	[ "$n" -eq "$count" ] || die "$name: expected $count managed blocks in neo4j.conf after the apply, found $n"
	awk -v w="$wall" -v u="$user" -v s="$sys" -v srv=$((srv1 - srv0)) \
		-v c=$(($(log_lines 'Connection from 127\.0\.0\.1 port') - conns0)) -v e=$(($(log_lines 'Starting session: command') - execs0)) \
		'BEGIN {printf "%d\t%d\t%d\t%d\t%d\n", w * 1000, (u + s) * 1000, srv, c, e}' >>"$work/$name.tsv"
	terraform -chdir="$work/$name" destroy -auto-approve "${TF_COLOR[@]}" -parallelism=32 >"$work/$name-destroy.log" 2>&1 ||
		{ tail -40 "$work/$name-destroy.log" >&2; die "destroy of $name failed"; }
}
# median FILE COLUMN
median() { cut -f"$2" "$1" | sort -n | awk '{v[NR] = $1} END {printf "%d\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

say "Timing $rounds alternating applies of each ($count policies, one neo4j.conf, -parallelism=32)"
: >"$work/local.tsv"
: >"$work/ssh.tsv"
for ((r = 1; r <= rounds; r++)); do
	time_apply local
	time_apply ssh
	printf '.'
done
echo
lw=$(median "$work/local.tsv" 1) lc=$(median "$work/local.tsv" 2)
sw=$(median "$work/ssh.tsv" 1) sc=$(median "$work/ssh.tsv" 2) ss=$(median "$work/ssh.tsv" 3)
echo "Apply of $count policies into one neo4j.conf at -parallelism=32 ($(nproc) CPUs), median of $rounds:"
printf '  local:  %6d ms wall, %6d ms cpu\n' "$lw" "$lc"
printf '  ssh:    %6d ms wall, %6d ms cpu (+ %d ms cpu of the server); %d connection(s), %d command sessions per apply\n' \
	"$sw" "$sc" "$ss" "$(median "$work/ssh.tsv" 4)" "$(median "$work/ssh.tsv" 5)"
echo "  ratio ssh/local: $(awk -v a="$sw" -v b="$lw" 'BEGIN {printf "%.2f", a / b}')x wall, $(awk -v a="$sc" -v s="$ss" -v b="$lc" 'BEGIN {printf "%.2f", (a + s) / b}')x cpu (with the server's)"

[ -n "${BENCH_PROFILE:-}" ] || exit 0
# profile: the host operations of the last SSH apply by kind. tflog writes `msg: ... duration=1.5ms ...`; a
# duration is a Go duration (h, m, s, ms, µs, ns), summed up in ms. Operations overlap (-parallelism=32),
# so their total may exceed the wall time.
echo
echo "Host operations of the last SSH apply (provider debug log $work/ssh-apply-provider.log):"
printf '  %-34s %6s %10s %10s\n' operation count "total ms" "max ms"
grep -oE '\] provider\.terraform-provider-dbtls: host [a-z ,]+: .*duration=[0-9.]+[a-zµ]+' "$work/ssh-apply-provider.log" |
	sed -E 's/^\] provider\.terraform-provider-dbtls: (host [a-z ,]+): .*duration=([0-9.]+)([a-zµ]+)$/\1\t\2\t\3/' |
	awk -F'\t' '
		function ms(v, u) { return u == "h" ? v * 3600000 : u == "m" ? v * 60000 : u == "s" ? v * 1000 : u == "ms" ? v : (u == "µs" || u == "us") ? v / 1000 : u == "ns" ? v / 1e6 : v }
		{ d = ms($2, $3); n[$1]++; t[$1] += d; if (d > m[$1]) m[$1] = d }
		END { for (k in n) printf "%d\t  %-34s %6d %10.0f %10.1f\n", t[k], k, n[k], t[k], m[k] }' | sort -rn | cut -f2-
