#!/usr/bin/env bash
# make demo: apply examples/quickstart to a throwaway NEO4J_HOME under build/demo with the provider built
# from this tree, show what it wrote, and prove that the next plan is empty.
#
#   DEMO_NEO4J_VERSION   the neo4j_version to render for (default 5.26; 3.5 and 4.x work too)
#
# Everything lives in build/demo and is recreated on every run; ~/.terraformrc is never read or written.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

version=${DEMO_NEO4J_VERSION:-5.26}
fixture=neo4j-5.conf
case $version in 3.* | 4.*) fixture=neo4j-3.5.conf ;; esac
demo=$BUILD/demo
home=$demo/neo4j-home
work=$demo/work
conf=$home/conf/neo4j.conf
pristine=$demo/neo4j.conf.orig

need go terraform find diff openssl

say "Building the provider into ${PROVIDER_BIN#"$ROOT"/}"
build_provider

say "Preparing a throwaway NEO4J_HOME in ${home#"$ROOT"/} (Neo4j $version)"
rm -rf "$demo"
mkdir -p "$demo" "$work"
use_dev_override "$demo"
make_neo4j_home "$home" "$fixture"
cp "$conf" "$pristine"
cp "$ROOT"/examples/quickstart/*.tf "$work"/
say "Making a throwaway CA and a node certificate with openssl (in ${demo#"$ROOT"/}/pki, never committed)"
pki=$demo/pki
mkdir -p "$pki"
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 -subj "/CN=dbtls demo CA" \
		-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$pki/node.key" -out "$pki/node.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n' >"$pki/ext.cnf"
	openssl x509 -req -in "$pki/node.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 90 \
		-extfile "$pki/ext.cnf" -out "$pki/node.crt" 2>/dev/null
) || die "openssl could not make the demo certificates"
# The key reaches Terraform as an ephemeral variable: it never lands in the plan or the state.
TF_VAR_private_key_pem=$(cat "$pki/node.key")
TF_VAR_certificate_pem=$(cat "$pki/node.crt")
TF_VAR_ca_certificate_pem=$(cat "$pki/ca.crt")
export TF_VAR_private_key_pem TF_VAR_certificate_pem TF_VAR_ca_certificate_pem

cat >"$work/demo.auto.tfvars" <<HCL
neo4j_home    = "$home"
neo4j_version = "$version"
HCL
echo "CLI config: $TF_CLI_CONFIG_FILE (dev_overrides: dbtls/dbtls -> $BUILD)"
echo "Terraform:  $(terraform version | sed -n 1p), working directory ${work#"$ROOT"/}"

say "terraform apply -auto-approve (examples/quickstart)"
terraform -chdir="$work" apply -auto-approve -compact-warnings "${TF_COLOR[@]}" ||
	die "terraform apply failed (output above)"

say "The tree under NEO4J_HOME/certificates (mode, owner:group, path)"
(cd "$home" && find certificates -printf '%M %u:%g %p\n' | sort -k3)

say "What the apply changed in conf/neo4j.conf (diff against the pristine copy)"
if diff -u --label neo4j.conf.orig --label neo4j.conf "$pristine" "$conf"; then
	die "the policies and bindings must write their managed blocks, but neo4j.conf is unchanged"
else
	# Every line of the original file must still be there: the provider only adds managed blocks.
	removed=$(diff "$pristine" "$conf" | grep -c '^<' || true)
	if [ "$removed" -gt 0 ]; then
		die "the apply removed or changed lines of neo4j.conf outside its managed blocks"
	fi
	echo
	echo "$(grep -c '^# BEGIN dbtls managed block: ' "$conf") managed block(s); every other line is as it was."
fi

say "terraform plan -detailed-exitcode (expect: no changes)"
set +e
terraform -chdir="$work" plan -detailed-exitcode -compact-warnings "${TF_COLOR[@]}"
rc=$?
set -e
case $rc in
0) say "Demo passed: the plan after apply is empty (exit code 0)." ;;
2) die "terraform plan wants to change something right after apply (exit code 2): the provider is not idempotent" ;;
*) die "terraform plan failed (exit code $rc)" ;;
esac

cat <<TXT

Explore it yourself (the CLI config applies to these commands only):
  export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE
  chmod 0700 $home/certificates/client_policy/trusted
  terraform -chdir=$work plan        # shows the drift as an update
TXT
