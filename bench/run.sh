#!/bin/bash
# run.sh - make bench: what gss-sspi costs, as ratios side by side in one
# run: libgss-sspi against raw GSS (adapter.sh) and a GSS server with and
# without the gss-sspi-negotiate module (module.sh), measured inside one
# private realm (tests/with-realm).  Prints every figure with its budget,
# then "bench: budgets: N passed, N failed, N for information"; exits 1
# when an instruction budget is exceeded (CPU times are shown, never
# judged).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/..}"
if [ "${1:-}" = --in-realm ]; then
    "$here/adapter.sh" && "$here/module.sh"
    exit
fi
command -v valgrind >/dev/null || { echo "bench: valgrind is not installed"; exit 77; }
lines=$(mktemp "${TMPDIR:-/tmp}/gss-sspi-bench.XXXXXX")
trap 'rm -f "$lines"' EXIT
"$top_srcdir/tests/with-realm" "$here/run.sh" --in-realm >"$lines" || exit 1
awk -f "$here/report.awk" "$lines"
