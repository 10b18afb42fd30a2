#!/bin/sh
# retry-valgrind.sh - the SEC_E_BUFFER_TOO_SMALL calling patterns of
# tests/test_windows_semantics (its "retry" case: a first call retried with
# phContext NULL, and one abandoned) under valgrind: no definite leak and no
# memory error of ours.  Leaks inside gss-ntlmssp's and MIT's own
# allocations are suppressed by name (tests/valgrind.supp).
#
# Environment: top_srcdir, top_builddir (set by "make check").
# Exit status: 0 pass, 1 fail, 77 skipped.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
if ! command -v valgrind > /dev/null 2>&1; then
    echo "SKIP: valgrind not found (apt-get install valgrind)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
fi
# A sanitized build (make check-asan / check-tsan): valgrind cannot run its
# programs, and ASan checks the same calls there (test_windows_semantics).
if [ -n "${GSS_SSPI_SANITIZED:-}" ]; then
    echo "SKIP: valgrind cannot run a sanitized build; ASan covers these calls there"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
fi
log=$(mktemp "${TMPDIR:-/tmp}/retry-valgrind.XXXXXX") || exit 99
CK_FORK=no CK_RUN_CASE=retry "$top_srcdir/tests/with-realm" \
    "$top_builddir/libtool" --mode=execute \
    valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=3 \
    --num-callers=40 --suppressions="$top_srcdir/tests/valgrind.supp" \
    "$top_builddir/tests/test_windows_semantics" > "$log" 2>&1
rc=$?
grep -E "Checks:|definitely lost:|ERROR SUMMARY" "$log"
if [ "$rc" -eq 0 ]; then
    echo "1 passed, 0 failed"
    status=0
else
    cat "$log"
    echo "retry-valgrind: exit status $rc"
    echo "0 passed, 1 failed"
    status=1
fi
rm -f "$log"
exit "$status"
