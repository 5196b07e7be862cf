#!/usr/bin/env bash
# make bench-fleet: a no-op drift plan over a fleet of N "hosts", each an OpenSSH server of its own on a
# loopback port (own host key, own configuration, own NEO4J_HOME), optionally behind a TCP proxy that adds
# latency (Shopify's toxiproxy). Each host gets the shape of examples/modules/neo4j-cluster-tls (2
# dbtls_ssl_policy, 2 dbtls_policy_certificate, 4 dbtls_channel_binding: 8 resources), applied once through
# that module; then no-op plans (-detailed-exitcode, any change fails) are timed at each -parallelism.
#
#   FLEET_HOSTS        number of hosts (default 50)
#   DELAY_MS           latency added in each direction per host, in ms (default 15, i.e. 30 ms round trip);
#                      0 runs without a proxy
#   FLEET_PARALLELISM  the -parallelism values of the timed plans (default "10 50")
#   FLEET_RUNS         timed plans per -parallelism value (default 1); each is reported
#   TOXIPROXY          a toxiproxy server binary to use; default: built once per machine with go install
#                      into the Go build cache (never into the repository)
#   FLEET_SFTP_LOG     0: serve SFTP with sshd's internal-sftp, which logs to syslog only, so SFTP requests are
#                      not counted, but no shell starts per connection for the logging wrapper (default 1)
#   FLEET_KEEP         set: keep the throwaway directory (logs, configuration) for a look afterwards
#
# Reported per plan: wall time; CPU time (user + system) of terraform with the provider, of the hosts' sshd
# with their sessions, SFTP servers and shells, and of the proxy; SSH connections accepted by the servers
# (one per host is right), command (exec) sessions, SFTP sessions and SFTP requests (sftp-server logs one
# line per request at DEBUG3), per resource; and the round-trip floor (see floor_rtts below). Figures are
# printed, never asserted: the exit status says only whether the apply worked and every plan was empty.
# Here the N hosts' servers and the proxy share this machine's CPUs with terraform, which a real fleet does
# not: when their CPU time over the number of CPUs comes near the wall time, the run measures CPU, not
# round trips (compare with DELAY_MS=0).
#
# Everything lives in a throwaway directory under TMPDIR, removed on exit with every process started here
# (the servers, the proxy), whether the run succeeded or not.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

hosts=${FLEET_HOSTS:-50}
delay=${DELAY_MS:-15}
parallelisms=${FLEET_PARALLELISM:-10 50}
runs=${FLEET_RUNS:-1}
sftp_log=${FLEET_SFTP_LOG:-1}
toxiproxy_version=v2.12.0
[[ $hosts =~ ^[1-9][0-9]*$ ]] || die "FLEET_HOSTS must be a positive number (got $hosts)"
[[ $delay =~ ^[0-9]+$ ]] || die "DELAY_MS must be a number of milliseconds (got $delay)"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "FLEET_RUNS must be a positive number (got $runs)"
for p in $parallelisms; do
	[[ $p =~ ^[1-9][0-9]*$ ]] || die "FLEET_PARALLELISM must list positive numbers (got $parallelisms)"
done

need go terraform openssl ssh-keygen awk
sshd_bin=/usr/sbin/sshd
[ -x "$sshd_bin" ] || sshd_bin=$(command -v sshd) || die "sshd is not installed (apt-get install -y openssh-server)"
sftp_server=/usr/lib/openssh/sftp-server
[ -x "$sftp_server" ] || sftp_server=/usr/libexec/sftp-server
[ -x "$sftp_server" ] || die "OpenSSH's sftp-server is not installed (apt-get install -y openssh-server)"
[ "$(id -u)" -eq 0 ] || die "bench-fleet runs sshd as root (a non-root sshd can log in only its own user)"
[ "$delay" -eq 0 ] || need curl

pids=()
work=$(mktemp -d "${TMPDIR:-/tmp}/dbtls-fleet.XXXXXX")
cleanup() {
	local rc=$? pid
	# Signal only the jobs that still run: the pid of one that has ended may name another process now.
	for pid in $(jobs -pr); do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "${FLEET_KEEP:-}" ]; then
		echo "kept $work (FLEET_KEEP)"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback TCP port nobody listens on (nor was handed out by this run), below the
# kernel's range of ephemeral ports, which outgoing connections and listeners on port 0 take from.
declare -A taken=()
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_low=32768
[ "$ephemeral_low" -gt 12000 ] || ephemeral_low=32768
free_port() {
	local p
	while :; do
		p=$((10000 + RANDOM % (ephemeral_low - 10000)))
		[ -z "${taken[$p]:-}" ] || continue
		! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || continue
		taken[$p]=1
		echo "$p"
		return
	done
}

say "Building the provider; the fleet lives in $work"
build_provider
use_dev_override "$work"
mkdir -p /run/sshd # sshd's privilege separation directory (made at boot by the distribution's unit)

# The PKI: one CA, and a certificate and key per host (serverAuth and clientAuth: the cluster channel).
pki=$work/pki
mkdir -p "$pki"
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=dbtls fleet CA" \
		-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
	printf 'extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n' >"$pki/ext.cnf"
	for ((i = 1; i <= hosts; i++)); do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=graph-$i.internal" \
			-keyout "$pki/graph-$i.key" -out "$pki/graph-$i.csr" 2>/dev/null
		openssl x509 -req -in "$pki/graph-$i.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
			-extfile "$pki/ext.cnf" -out "$pki/graph-$i.crt" 2>/dev/null
	done
) || die "openssl could not make the fleet's certificates"

ssh-keygen -q -t ed25519 -N '' -C dbtls-fleet -f "$work/client_key"

# The hosts: each an sshd of its own; LogLevel VERBOSE logs every connection and session into its log (-E).
# The SFTP subsystem is OpenSSH's sftp-server run through a wrapper that appends its log (-e -l DEBUG3: one
# "request N: ..." line per SFTP request) to the host's sftp.log; internal-sftp would log to syslog only.
# sshd starts the wrapper through root's login shell (one `sh -c` per SFTP session, i.e. per connection),
# as it starts every command session's shell (the provider's locks and owner lookups).
#
# SetEnv SHLVL=1 (write_sshd_config in lib.sh): bash runs ~/.bashrc even for `bash -c` when sshd started it (Debian builds it with
# SSH_SOURCE_BASHRC), unless it finds itself nested (SHLVL >= 1). A development machine's root
# ~/.bashrc can be slow and serialised: pyenv's init runs `pyenv rehash` under one lock file for the
# whole machine (about 0.25 s each, polled every 0.1 s, so not first come first served). Fifty hosts
# on one machine then queue fifty SFTP starts and their command sessions on that lock, and some wait
# longer than the provider's bound on the SFTP version exchange (the connection timeout, 30 s):
# "starting the SFTP server ... error receiving version packet ... server unexpectedly closed
# connection" on 2-5 hosts of an apply. A real fleet starts one such shell per host, not fifty on one
# machine, so the hosts here skip the login user's startup files. MaxSessions stays at OpenSSH's
# default (10) as on a real host: the provider keeps within it per connection.
say "Starting $hosts sshd hosts on loopback"
sshd_ports=()
sshd_pids=()
proxy_pids=()
for ((i = 1; i <= hosts; i++)); do
	h=$work/host-$i
	mkdir -p "$h"
	make_neo4j_home "$h/neo4j-home" neo4j-5.conf
	ssh-keygen -q -t ed25519 -N '' -C "graph-$i" -f "$h/ssh_host_ed25519_key"
	port=$(free_port)
	sshd_ports+=("$port")
	printf '#!/bin/sh\nexec %s -e -l DEBUG3 2>>%s\n' "$sftp_server" "$h/sftp.log" >"$h/sftp-server"
	chmod 0755 "$h/sftp-server"
	: >"$h/sftp.log"
	write_sshd_config "$sshd_bin" "$h/sshd_config" "$port" "$h" "$work/client_key.pub" \
		"$([ "$sftp_log" = 0 ] && echo internal-sftp || echo "$h/sftp-server")"
	"$sshd_bin" -t -f "$h/sshd_config" || die "sshd rejects $h/sshd_config"
	"$sshd_bin" -D -E "$h/sshd.log" -f "$h/sshd_config" &
	pids+=($!)
	sshd_pids+=($!)
done

# The proxy: one toxiproxy server, one proxy per host with a latency toxic in each direction.
client_ports=("${sshd_ports[@]}")
if [ "$delay" -gt 0 ]; then
	toxiproxy=${TOXIPROXY:-$(go env GOCACHE)/dbtls-tools/toxiproxy-$toxiproxy_version/server}
	if [ ! -x "$toxiproxy" ]; then
		say "Installing toxiproxy $toxiproxy_version into ${toxiproxy%/*} (once per machine; go install)"
		mkdir -p "${toxiproxy%/*}"
		GOBIN=${toxiproxy%/*} go install "github.com/Shopify/toxiproxy/v2/cmd/server@$toxiproxy_version" ||
			die "go install of toxiproxy failed; set DELAY_MS=0 to run without latency"
	fi
	api_port=$(free_port)
	"$toxiproxy" -host 127.0.0.1 -port "$api_port" >"$work/toxiproxy.log" 2>&1 &
	pids+=($!)
	proxy_pids+=($!)
	api=http://127.0.0.1:$api_port
	for ((t = 0; t < 100; t++)); do
		curl -fsS "$api/version" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fsS "$api/version" >/dev/null || { cat "$work/toxiproxy.log" >&2; die "toxiproxy did not start"; }
	client_ports=()
	for ((i = 1; i <= hosts; i++)); do
		port=$(free_port)
		client_ports+=("$port")
		curl -fsS -X POST "$api/proxies" -d "{\"name\":\"graph-$i\",\"listen\":\"127.0.0.1:$port\",\"upstream\":\"127.0.0.1:${sshd_ports[i - 1]}\"}" >/dev/null ||
			die "toxiproxy refused the proxy of graph-$i"
		for stream in upstream downstream; do
			curl -fsS -X POST "$api/proxies/graph-$i/toxics" \
				-d "{\"name\":\"latency_$stream\",\"type\":\"latency\",\"stream\":\"$stream\",\"attributes\":{\"latency\":$delay,\"jitter\":0}}" >/dev/null ||
				die "toxiproxy refused the latency of graph-$i"
		done
	done
fi

# Wait until every host answers with an SSH banner (through its proxy), then forget these connections.
for ((i = 1; i <= hosts; i++)); do
	for ((t = 0; t < 150; t++)); do
		banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/${client_ports[i - 1]} && head -c 8 <&3" 2>/dev/null || true)
		[ "$banner" = SSH-2.0- ] && break
		sleep 0.1
	done
	[ "$banner" = SSH-2.0- ] || { cat "$work/host-$i/sshd.log" >&2; die "graph-$i does not answer on port ${client_ports[i - 1]}"; }
done

# The configuration: the module over every host, credentials and known_hosts from the provider's ssh block.
cfg=$work/config
mkdir -p "$cfg"
{
	cat <<HCL
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}

provider "dbtls" {
  neo4j_version = "5.26"
  ssh {
    user        = "root"
    private_key = file("$work/client_key")
    known_hosts = file("$work/known_hosts")
  }
}

module "fleet" {
  source = "$ROOT/examples/modules/neo4j-cluster-tls"

  members = {
HCL
	for ((i = 1; i <= hosts; i++)); do
		printf '    "graph-%d" = { host = "127.0.0.1", port = %d, neo4j_home = "%s" }\n' "$i" "${client_ports[i - 1]}" "$work/host-$i/neo4j-home"
	done
	cat <<HCL
  }
  certificates_pem   = { for k, _ in local.members : k => file("$pki/\${k}.crt") }
  private_keys_pem   = { for k, _ in local.members : k => file("$pki/\${k}.key") }
  ca_certificate_pem = file("$pki/ca.crt")
  owner              = "root"
}

locals {
  members = { for i in range(1, $hosts + 1) : "graph-\${i}" => i }
}
HCL
} >"$cfg/main.tf"
for ((i = 1; i <= hosts; i++)); do
	printf '[127.0.0.1]:%d %s\n' "${client_ports[i - 1]}" "$(cut -d' ' -f1-2 "$work/host-$i/ssh_host_ed25519_key.pub")"
done >"$work/known_hosts"

resources=$((8 * hosts))
(cd "$cfg" && terraform get -no-color >"$work/get.log" 2>&1) || { cat "$work/get.log" >&2; die "terraform get failed"; }

# log_marks records the size of every host's logs; the counts below read what was logged since.
declare -A marks=()
log_marks() {
	local i log
	for ((i = 1; i <= hosts; i++)); do
		for log in sshd sftp; do
			marks[$i.$log]=$(stat -c %s "$work/host-$i/$log.log")
		done
	done
}
# since LOG PATTERN: how many lines of all hosts' LOG (sshd or sftp) since log_marks match PATTERN (an
# extended regexp).
since() {
	local i n=0 c
	for ((i = 1; i <= hosts; i++)); do
		c=$(tail -c +"$((marks[$i.$1] + 1))" "$work/host-$i/$1.log" | grep -E "$2" | grep -cvE 'request [0-9]+: sent ' || true)
		n=$((n + c))
	done
	echo "$n"
}
# cpu_ms PID...: the CPU time (user + system) the processes and their reaped children have used so far, in
# ms (/proc/PID/stat fields 14 to 17). For an sshd, its children are the connections' processes, the SFTP
# servers and the command sessions' shells, reaped when a connection ends.
ticks=$(getconf CLK_TCK)
cpu_ms() {
	local pid total=0 f
	for pid in "$@"; do
		# The fields after the command name in parentheses: state is field 3, so utime is the 12th of them.
		f=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13 + $14 + $15}')
		total=$((total + f))
	done
	echo $((total * 1000 / ticks))
}
# request_types: the SFTP requests of all hosts since log_marks by type, most frequent first.
request_types() {
	local i
	for ((i = 1; i <= hosts; i++)); do
		tail -c +"$((marks[$i.sftp] + 1))" "$work/host-$i/sftp.log"
	done | grep -oE 'request [0-9]+: [a-z_@.]+' | awk '$3 != "sent" {n[$3]++} END {for (t in n) print n[t], t}' |
		sort -rn | awk '{printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1} END {print ""}'
}
# per_resource N: N divided by the number of resources ("-" when N is not counted).
per_resource() { [ "$1" != - ] || { echo -; return; }; awk -v n="$1" -v r="$resources" 'BEGIN {printf "%.1f", n / r}'; }

# counts: connections, command sessions, SFTP sessions, SFTP requests since log_marks.
counts() {
	conns=$(since sshd 'Connection from 127\.0\.0\.1 port [0-9]+ on ')
	execs=$(since sshd 'Starting session: (command|shell)')
	sftps=$(since sshd 'Starting session: subsystem .sftp.')
	reqs=$(since sftp 'request [0-9]+: ')
	[ "$sftp_log" != 0 ] || reqs=-
}

say "Applying the module to $hosts hosts ($resources resources; -parallelism=50)"
log_marks
TIMEFORMAT='%3R %3U %3S'
{ time terraform -chdir="$cfg" apply -auto-approve -no-color -parallelism=50 >"$work/apply.log" 2>&1; } 2>"$work/apply.time" ||
	{ tail -50 "$work/apply.log" >&2; die "terraform apply failed"; }
counts
read -r wall user sys <"$work/apply.time"
printf 'apply: %ss wall, %.1fs cpu; %d SSH connections, %d command sessions, %d SFTP sessions, %s SFTP requests (%s per resource)\n' \
	"$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" "$conns" "$execs" "$sftps" "$reqs" "$(per_resource "$reqs")"
for ((i = 1; i <= hosts; i++)); do
	n=$(grep -c '^# BEGIN dbtls managed block: ' "$work/host-$i/neo4j-home/conf/neo4j.conf" || true)
	[ "$n" -eq 4 ] || die "graph-$i: expected 4 managed blocks in neo4j.conf after the apply, found $n"
done

# The round-trip floor of a no-op plan. Per host, a correct drift check needs at least these waves of
# requests, each waiting for the answers of the one before:
#   8 to open the SSH connection and its SFTP channel (TCP handshake; SSH version and KEXINIT; ECDH key
#     exchange; NEWKEYS and the ssh-userauth service request; a public key login with its signature
#     sent at once; opening the session channel; the sftp subsystem request; SFTP INIT/VERSION),
#   3 to read neo4j.conf, once per host and plan: LSTAT, then OPEN, then READ (CLOSE needs no answer).
#     The lstat must come first: opening a FIFO would block the SFTP server, and a symlink must be
#     reported, not followed. The first policy's directory lstats go out with that LSTAT.
#   3 per dbtls_policy_certificate (2): the LSTATs of its files, the OPENs of the regular ones, their
#     READs (with the FSTAT of each handle), for the same reason: nothing says they are regular files
#     before their lstat in this plan.
#   1 per further resource (the second policy's directory lstats; each of the 4 bindings, which checks
#     with one LSTAT that neo4j.conf is still the one read in this plan).
# That is 8 + 3 + 1 + 2 x 3 + 4 = 22 round trips of resource operations per host. Terraform runs at most
# -parallelism resource operations at once, so the floor of the whole plan is hosts x 22 x RTT /
# parallelism, and never below one host's dependency chain (policy, then certificate, then binding:
# 8 + 3 + 3 + 1 = 15 round trips). What this provider spends above it per host: Go's SSH client logs in
# with 3 round trips, not 1 ("none", then the key without and with its signature); the SFTP start probes
# directory fsync (OPEN and CLOSE of "/"); the owner names (/etc/passwd, /etc/group) are read once per
# connection, started with the first batch; the conf cache lstats neo4j.conf before its read, which
# lstats it again.
floor_rtts=22
chain_rtts=15
rtt=$((2 * delay))

rows=()
types=()
for p in $parallelisms; do
	for ((r = 1; r <= runs; r++)); do
		say "No-op plan, -parallelism=$p (run $r of $runs)"
		log_marks
		srv_before=$(cpu_ms "${sshd_pids[@]}")
		proxy_before=$(cpu_ms "${proxy_pids[@]}")
		set +e
		{ time terraform -chdir="$cfg" plan -detailed-exitcode -no-color -input=false -parallelism="$p" >"$work/plan.log" 2>&1; } 2>"$work/plan.time"
		rc=$?
		set -e
		[ "$rc" -eq 0 ] || { tail -80 "$work/plan.log" >&2; die "the plan at -parallelism=$p is not empty or failed (exit code $rc)"; }
		sleep 1 # let every sshd reap its connection's processes, whose CPU time it then counts
		counts
		srv_cpu=$(($(cpu_ms "${sshd_pids[@]}") - srv_before))
		proxy_cpu=$(($(cpu_ms "${proxy_pids[@]}") - proxy_before))
		read -r wall user sys <"$work/plan.time"
		floor=$(awk -v n="$hosts" -v f="$floor_rtts" -v c="$chain_rtts" -v rtt="$rtt" -v p="$p" \
			'BEGIN {t = n * f * rtt / p; if (t < c * rtt) t = c * rtt; printf "%.2f", t / 1000}')
		rows+=("$(printf '%4d  %8ss  %7.1fs  %7.1fs  %7.1fs  %8ss  %5s  %5d  %5d  %5d  %7s  %8s' "$p" "$wall" \
			"$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" \
			"$(awk -v m="$srv_cpu" 'BEGIN {print m / 1000}')" "$(awk -v m="$proxy_cpu" 'BEGIN {print m / 1000}')" "$floor" \
			"$(awk -v w="$wall" -v f="$floor" 'BEGIN {if (f > 0) printf "%.1fx", w / f; else print "-"}')" \
			"$conns" "$execs" "$sftps" "$reqs" "$(per_resource "$reqs")")")
		echo "${rows[-1]}"
		[ "$sftp_log" = 0 ] || types+=("$(printf -- '-parallelism=%d run %d: SFTP requests by type: %s' "$p" "$r" "$(request_types)")")
		[ "$conns" -eq "$hosts" ] || echo "NOTE: $conns SSH connections for $hosts hosts (one per host expected)"
	done
done

echo
echo "Fleet no-op plan: $hosts hosts x 8 resources = $resources, round trip $((2 * delay)) ms$([ "$delay" -gt 0 ] && echo " (toxiproxy $toxiproxy_version, ${delay} ms each way)" || echo " (no proxy)");"
echo "$(terraform version | sed -n 1p), $(nproc) CPUs; floor = max($hosts x $floor_rtts RTT / parallelism, $chain_rtts RTT)"
printf '%4s  %9s  %8s  %8s  %8s  %9s  %5s  %5s  %5s  %5s  %7s  %8s\n' par wall cpu srv-cpu prx-cpu floor x-flr conns execs sftp sftpreq "req/res"
printf '%s\n' "${rows[@]}"
[ ${#types[@]} -eq 0 ] || printf '%s\n' "${types[@]}"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
