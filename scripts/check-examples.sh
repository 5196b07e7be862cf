#!/usr/bin/env bash
# check-examples: what `make test` checks of examples/, offline.
#
#   1. terraform fmt -check -recursive examples
#   2. every directory under examples/ that holds .tf files, against a provider built from this tree
#      (dev_overrides in a CLI config of its own; ~/.terraformrc is never read):
#        - it uses only this provider (and Terraform's built-in one): `terraform validate`;
#        - it also needs another provider (hashicorp/tls, ...), which cannot be installed here because
#          the registry is unreachable: the configuration is parsed and loaded (`terraform providers`:
#          syntax, block structure, duplicate names), but not validated against provider schemas.
#
# Directories are checked in a temporary copy of examples/ (relative module paths keep working, and no
# .terraform directory is ever left in the tree). A file zz_check_examples_override.tf is added to each
# copy: the tfplugindocs snippets (examples/resources/...) have no required_providers block, and without
# one Terraform would look for hashicorp/dbtls.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

need go terraform find

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A fresh provider binary, in the temporary directory (not build/: a concurrent `make demo` keeps its own).
BUILD=$work/bin
PROVIDER_BIN=$BUILD/terraform-provider-dbtls

cd "$ROOT"
mkdir -p "$BUILD"
build_provider
use_dev_override "$work"

if ! terraform fmt -check -recursive -diff examples; then
	die "examples/ is not terraform fmt-ed: run make fmt"
fi
cp -R examples "$work/examples"

failed=()
validated=0
parsed=0
while IFS= read -r dir; do
	copy=$work/$dir
	cat >"$copy/zz_check_examples_override.tf" <<'HCL'
terraform {
  required_providers {
    dbtls = {
      source = "dbtls/dbtls"
    }
  }
}
HCL
	# Local modules are installed by `terraform get`, which needs no network (init would try the
	# registry for providers).
	if ! out=$(terraform -chdir="$copy" get -no-color 2>&1); then
		printf 'FAILED     %s: terraform get\n%s\n' "$dir" "$out" >&2
		failed+=("$dir")
		continue
	fi
	if ! out=$(terraform -chdir="$copy" providers -no-color 2>&1); then
		printf 'FAILED     %s: the configuration does not load\n%s\n' "$dir" "$out" >&2
		failed+=("$dir")
		continue
	fi
	others=$(grep -o 'provider\[[^]]*\]' <<<"$out" | sed 's/^provider\[\(.*\)\]$/\1/' |
		grep -v -e '/dbtls/dbtls$' -e '/builtin/terraform$' | sort -u | tr '\n' ' ' || true)
	if [ -n "$others" ]; then
		printf 'parsed     %s (not validated: needs %s, which cannot be installed offline)\n' "$dir" "${others% }"
		parsed=$((parsed + 1))
		continue
	fi
	if out=$(terraform -chdir="$copy" validate -no-color 2>&1); then
		printf 'validated  %s\n' "$dir"
		validated=$((validated + 1))
	else
		printf 'FAILED     %s: terraform validate\n%s\n' "$dir" "$out" >&2
		failed+=("$dir")
	fi
done < <(find examples -name '*.tf' -printf '%h\n' | sort -u)

if [ ${#failed[@]} -gt 0 ]; then
	die "${#failed[@]} example director$([ ${#failed[@]} -eq 1 ] && echo y || echo ies) failed: ${failed[*]}"
fi
echo "examples: terraform fmt ok; $validated directories validated, $parsed parsed only"
