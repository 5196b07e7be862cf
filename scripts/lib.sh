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
