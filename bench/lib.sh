# shellcheck shell=bash
# lib.sh - what the bench scripts share (sourced, with $here set to bench/):
# the build and source paths, tests/mech/lib.sh (mech_config), valgrind,
# a work directory removed on exit ($work).
#
# bench_callgrind OUT PROGRAM ARGS...: runs a bench program (a libtool
# wrapper) under callgrind, counting only its measure.h segments; dumps go
# to OUT.1, OUT.2, ... in order.
#
# glibc's memcpy/memset use `rep movsb/stosb` on CPUs with ERMS, and
# callgrind counts each of their iterations as one instruction: a 1 MiB
# copy "costs" a million instructions, ten times what its vector loop
# costs and out of all proportion to its time.  With ERMS masked, glibc
# takes its vector loops, whose instructions follow the work; both sides
# of every figure run so.  BENCH_TUNABLES= (empty) counts as glibc picks.
: "${top_srcdir:=$here/..}"
: "${top_builddir:=$here/..}"
. "$top_srcdir/tests/mech/lib.sh"
command -v valgrind >/dev/null || { echo "bench: valgrind is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

bench_callgrind() {
    local out=$1
    shift
    GLIBC_TUNABLES=${BENCH_TUNABLES-glibc.cpu.hwcaps=-ERMS} "$top_builddir/libtool" --mode=execute \
        valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" "$@"
}

# The dumps' report lines (dumps.awk), in the order they were written.
bench_dumps() { # OUT
    local f
    for f in "$1".[0-9]*; do
        [ -e "$f" ] && echo "${f##*.} $f"
    done | sort -n | cut -d' ' -f2- | while read -r f; do
        awk -f "$here/dumps.awk" "$f"
    done
}
