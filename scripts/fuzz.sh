#!/usr/bin/env bash
# make fuzz: run every Go fuzz target of the module (func FuzzXxx in a _test.go file) for FUZZTIME each.
#
#   FUZZTIME   how long each target runs (default 2m; any `go test -fuzztime` value, e.g. 30s or 10000x)
#   FUZZ       only the targets whose name matches this regular expression (default: all)
#
# New crashers are written by `go test` to testdata/fuzz/<FuzzXxx>/ in the target's package: commit them,
# and they become regression cases of the ordinary `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-2m}
filter=${FUZZ:-.}

# `go test -list` prints the matching names of each package, then that package's "ok <import path>" line.
listing=$(go test -list '^Fuzz' ./... 2>&1) || {
	echo "$listing" >&2
	echo "go test -list failed: fix the build or the tests above first" >&2
	exit 1
}
targets=$(awk '
	/^Fuzz/ { names[++n] = $1; next }
	/^ok / { for (i = 1; i <= n; i++) print $2, names[i]; n = 0 }
' <<<"$listing")
targets=$(awk -v re="$filter" '$2 ~ re' <<<"$targets")
if [ -z "$targets" ]; then
	echo "no fuzz targets (func Fuzz... in a _test.go file) match FUZZ=$filter"
	exit 0
fi

echo "fuzz targets ($fuzztime each):"
while read -r pkg name; do echo "  $pkg $name"; done <<<"$targets"
while read -r pkg name; do
	echo
	echo "==> $pkg $name"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"
done <<<"$targets"
