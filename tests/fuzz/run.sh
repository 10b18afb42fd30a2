#!/bin/sh
# run.sh MODE - runs the fuzz targets (tests/fuzz/README.md).
#
#   run.sh regress   each target for FUZZ_RUNS (20000) inputs, seed 1, over
#                    its committed seeds (tests/fuzz/seeds/<target>) and
#                    tests/fuzz/regressions/<target>; nothing kept (make
#                    check, through regress.sh): the same run everywhere
#   run.sh fuzz      each target for FUZZ_SECONDS; new inputs are kept in
#                    tests/fuzz/corpus/<target>, crashes in
#                    tests/fuzz/artifacts/<target>, logs in tests/fuzz/logs
#                    (make fuzz)
#
# Environment: top_srcdir, top_builddir, FUZZ_TARGETS,
# FUZZ_SECONDS, FUZZ_RUNS.  One line per target; exit 1 if any failed.
set -eu

mode=$1
src=$(cd "${top_srcdir:-.}" && pwd)
build=$(cd "${top_builddir:-.}" && pwd)
targets=${FUZZ_TARGETS:-channel_bindings auth_identity import_context utf pac_logon_info
ntlm_authenticate spnego_init krb5_ap_req der policy token_compat}
fuzz=$build/tests/fuzz

# Inputs longer than these are cut by libFuzzer, seeds included.
max_len() {
    case $1 in
    import_context) echo 16384 ;;
    pac_logon_info) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

# LeakSanitizer matches a suppression (lsan-<target>.supp) against the
# function names of the allocation stack, and only llvm-symbolizer gives
# names: without it MIT's known leak reads as ours (the failure of issue
# #10 on a fresh machine, where clang came without its recommended llvm-14).
# So no run without it.
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
if [ -z "$symbolizer" ] && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
    symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
fi
if [ -z "$symbolizer" ]; then
    echo "SKIP: fuzz: no llvm-symbolizer (Debian: apt-get install llvm-14); the leak" \
        "suppressions name functions, and only a symbolizer gives the names"
    exit 77
fi
ASAN_SYMBOLIZER_PATH=$symbolizer
export ASAN_SYMBOLIZER_PATH

# UB and leaks are failures; the symbolizer makes the report readable.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
lsan_options=${LSAN_OPTIONS:-}
asan_options=$ASAN_OPTIONS
unset SSPI_TRACE || true

# The committed seeds (make fuzz-seeds remakes them), never seeds made on
# this machine: what a run does must not depend on the machine.
seeds=$src/tests/fuzz/seeds
# import_context: the GSS tokens that may go on to GSS (import_context.c)
GSS_SSPI_FUZZ_IMPORT_SEEDS=$seeds/import_context
export GSS_SSPI_FUZZ_IMPORT_SEEDS

case $mode in
regress) work=$(mktemp -d "${TMPDIR:-/tmp}/gss-sspi-fuzz.XXXXXX") ;;
fuzz) work=$fuzz ;;
*)
    echo "usage: $0 regress|fuzz" >&2
    exit 2
    ;;
esac

# A libFuzzer final statistic of $log.
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }

failed=0
for t in $targets; do
    bin=$fuzz/fuzz-$t
    if [ ! -x "$bin" ]; then
        echo "FAIL: fuzz $t: $bin was not built"
        failed=1
        continue
    fi
    corpus=$work/corpus/$t
    artifacts=$work/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    dirs="$corpus $seeds/$t"
    [ -d "$src/tests/fuzz/regressions/$t" ] && dirs="$dirs $src/tests/fuzz/regressions/$t"
    mkdir -p "$work/logs"
    log=$work/logs/$t.log
    if [ "$mode" = regress ]; then
        limits="-runs=${FUZZ_RUNS:-20000} -seed=1"
    else
        limits="-max_total_time=${FUZZ_SECONDS:-60}"
    fi
    # Leaks of MIT krb5, not ours, are suppressed (see the file); the
    # suppression needs whole allocation stacks through MIT's code.
    supp=$src/tests/fuzz/lsan-$t.supp
    LSAN_OPTIONS=$lsan_options
    ASAN_OPTIONS=$asan_options
    if [ -f "$supp" ]; then
        LSAN_OPTIONS=suppressions=$supp:print_suppressions=0${lsan_options:+:$lsan_options}
        ASAN_OPTIONS=$asan_options:fast_unwind_on_malloc=0
    fi
    export LSAN_OPTIONS ASAN_OPTIONS
    start=$(date +%s%N)
    # shellcheck disable=SC2086 # word splitting of limits and dirs is intended
    if "$bin" $limits -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" $dirs >"$log" 2>&1; then
        result=ok
    else
        result=FAIL
        failed=1
    fi
    ms=$((($(date +%s%N) - start) / 1000000))
    runs=$(stat number_of_executed_units)
    inputs=$(($(find $dirs -type f | wc -l) - $(find "$corpus" -type f | wc -l)))
    if [ "$mode" = regress ]; then
        echo "$result: fuzz $t: ${runs:-?} runs from $inputs seeds and regressions," \
            "$((ms / 1000)).$(printf %03d $((ms % 1000)))s"
    else
        echo "$result: fuzz $t: ${runs:-?} runs, $(stat average_exec_per_sec) exec/s," \
            "corpus $(find "$corpus" -type f | wc -l) inputs, $((ms / 1000))s"
    fi
    if [ "$result" = FAIL ]; then
        # The report and what to keep: the input that crashed.
        grep -E -m 12 'ERROR|runtime error|invariant broken|SUMMARY|^    #[0-9] ' "$log" |
            grep -v -E 'in fuzzer::|in main |libc_start|in _start' | sed 's/ (BuildId: [0-9a-f]*)//'
        ls "$artifacts" | sed "s|^|  kept: $artifacts/|"
        echo "  full log: $log"
    fi
done

if [ "$mode" = regress ]; then
    if [ "$failed" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "logs and artifacts kept in $work"
    fi
fi
exit "$failed"
