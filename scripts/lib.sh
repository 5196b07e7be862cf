# shellcheck shell=bash
# Shared by demo.sh and bench-plan.sh (source it): the repository paths, messages, building the provider,
# a Terraform CLI config with dev_overrides, and a throwaway NEO4J_HOME.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
PROVIDER_BIN=$BUILD/terraform-provider-dbtls

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is not on PATH (needed: Go 1.26, Terraform >= 1.11, findutils, diffutils)"
	done
}

build_provider() {
	(cd "$ROOT" && go build -o "$PROVIDER_BIN" .) || die "go build failed"
}

# use_dev_override DIR writes DIR/terraformrc, which takes dbtls/dbtls from build/ (so `terraform init`
# is neither needed nor possible), and exports TF_CLI_CONFIG_FILE pointing at it. The export reaches this
# script's children only: never the user's shell, never ~/.terraformrc.
use_dev_override() {
	local rc=$1/terraformrc
	cat >"$rc" <<HCL
provider_installation {
  dev_overrides {
    "dbtls/dbtls" = "$BUILD"
  }
  direct {}
}
HCL
	export TF_CLI_CONFIG_FILE=$rc
	export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
	# TF_COLOR: extra flags for terraform's output, for the scripts that source this file.
	TF_COLOR=()
	# shellcheck disable=SC2034
	[ -t 1 ] || TF_COLOR=(-no-color)
}

# make_neo4j_home DIR [FIXTURE] creates a throwaway NEO4J_HOME: conf/neo4j.conf copied from
# scripts/fixtures/FIXTURE (default neo4j-3.5.conf: a Neo4j 3.5 style file with comments, settings and
# repeated dbms.jvm.additional lines), an empty certificates/, data/ and logs/.
make_neo4j_home() {
	local home=$1 fixture=${2:-neo4j-3.5.conf}
	mkdir -p "$home/conf" "$home/certificates" "$home/data" "$home/logs"
	cp "$ROOT/scripts/fixtures/$fixture" "$home/conf/neo4j.conf"
	chmod 0644 "$home/conf/neo4j.conf"
	chmod 0755 "$home/certificates"
}

# free_port prints a loopback TCP port nobody listens on, below the kernel's range of ephemeral ports
# (which outgoing connections and listeners on port 0 take from).
free_port() {
	local p low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
	[ "$low" -gt 12000 ] || low=32768
	while :; do
		p=$((10000 + RANDOM % (low - 10000)))
		! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || continue
		echo "$p"
		return
	done
}

# write_sshd_config SSHD_BIN FILE PORT DIR AUTHORIZED_KEYS SFTP writes a throwaway sshd's configuration:
# loopback PORT, the host key and pid file in DIR, root logging in with AUTHORIZED_KEYS only, SFTP served
# by SFTP. SetEnv SHLVL=1 makes the login shell (bash) skip ~/.bashrc, which Debian's bash otherwise runs
# for every command sshd starts: a development machine's root ~/.bashrc can be slow and serialised
# across processes (pyenv's init takes one machine-wide lock), which measures that file, not the
# provider (see bench-fleet.sh). PerSourcePenalties (OpenSSH >= 9.8) is turned off where the server
# knows it: it would block loopback after failures.
write_sshd_config() {
	local sshd_bin=$1 file=$2 port=$3 dir=$4 keys=$5 sftp=$6
	cat >"$file" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $keys
Subsystem sftp $sftp
SetEnv SHLVL=1
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100
LogLevel VERBOSE
CONF
	if "$sshd_bin" -T -f "$file" -o PerSourcePenalties=no >/dev/null 2>&1; then
		echo "PerSourcePenalties no" >>"$file"
	fi
}

# start_sshd DIR PORT AUTHORIZED_KEYS starts a throwaway OpenSSH server as root on 127.0.0.1:PORT, with
# its host key, configuration, pid file and log (-E) in DIR, logging in root with the keys in
# AUTHORIZED_KEYS only; SSHD_PID is its pid (a child of the caller, which stops and waits for it). It
# returns once the server answers with its banner, and writes DIR/known_hosts for it.
start_sshd() {
	local dir=$1 port=$2 keys=$3 sshd_bin=/usr/sbin/sshd t banner
	[ -x "$sshd_bin" ] || sshd_bin=$(command -v sshd) || die "sshd is not installed (apt-get install -y openssh-server)"
	[ "$(id -u)" -eq 0 ] || die "a throwaway sshd runs as root (a non-root sshd can log in only its own user)"
	mkdir -p "$dir" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C dbtls-bench -f "$dir/ssh_host_ed25519_key"
	write_sshd_config "$sshd_bin" "$dir/sshd_config" "$port" "$dir" "$keys" internal-sftp
	"$sshd_bin" -t -f "$dir/sshd_config" || die "sshd rejects $dir/sshd_config"
	"$sshd_bin" -D -E "$dir/sshd.log" -f "$dir/sshd_config" &
	# shellcheck disable=SC2034 # for the caller
	SSHD_PID=$!
	for ((t = 0; t < 150; t++)); do
		banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 8 <&3" 2>/dev/null || true)
		[ "$banner" = SSH-2.0- ] && break
		sleep 0.1
	done
	[ "$banner" = SSH-2.0- ] || { cat "$dir/sshd.log" >&2; die "sshd does not answer on port $port"; }
	printf '[127.0.0.1]:%d %s\n' "$port" "$(cut -d' ' -f1-2 "$dir/ssh_host_ed25519_key.pub")" >"$dir/known_hosts"
}
