#!/bin/sh
# abi-check.sh - compare gss-sspi's <sspi.h> with the Windows headers.
#
# tests/abi/abi-dump (built natively against gss-sspi's headers) prints
# assertions about every constant, type and structure of <sspi.h>; this
# script compiles them with the mingw-w64 cross compiler against the Windows
# headers (<windows.h>, <security.h>).  A failing assertion names a constant
# whose value or type, or a structure whose size, alignment or member
# offsets, differ from Windows.  It also fails when sspi.h defines a
# constant or a structure that abi_dump.c forgets to check.
#
# Environment: top_srcdir and top_builddir (set by "make check");
# ABI_WINDOWS_CC overrides the cross compiler.
# Exit status: 0 pass, 1 difference found, 77 skipped, 99 hard error.

# A sanitized build (make check-asan / check-tsan) has nothing to add here:
# the mingw-w64 header comparison runs no gss-sspi code; it runs in the normal make check
if [ -n "${GSS_SSPI_SANITIZED:-}" ]; then
    echo "SKIP: the mingw-w64 header comparison runs no gss-sspi code; it runs in the normal make check"
    exit 77
fi
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

dump="$top_builddir/tests/abi/abi-dump"
header="$top_srcdir/sspi-compat/include/sspi.h"
schannel_header="$top_srcdir/sspi-compat/include/schannel.h"
outdir="$top_builddir/tests/abi"
generated="$outdir/abi.generated.c"

if [ ! -x "$dump" ]; then
    echo "abi: ERROR: $dump is not built" >&2
    exit 99
fi
if [ ! -r "$header" ]; then
    echo "abi: ERROR: $header not found (is top_srcdir set?)" >&2
    exit 99
fi

mkdir -p "$outdir" || exit 99
tmp_dump="$generated.tmp"
if ! "$dump" > "$tmp_dump"; then
    rm -f "$tmp_dump"
    echo "abi: ERROR: $dump failed" >&2
    exit 99
fi

# The cross compiler for the data model that gss-sspi was built for.
if grep -q '^_Static_assert(sizeof(void \*) == 4,' "$tmp_dump"; then
    default_cc=i686-w64-mingw32-gcc
    package=gcc-mingw-w64-i686
else
    default_cc=x86_64-w64-mingw32-gcc
    package=gcc-mingw-w64-x86-64
fi
windows_cc=${ABI_WINDOWS_CC:-$default_cc}
if ! command -v "$windows_cc" > /dev/null 2>&1; then
    rm -f "$tmp_dump"
    echo "SKIP: $windows_cc not found (apt-get install $package)"
    exit 77
fi

{
    cat <<'EOF'
/* Windows side: what a Windows SSPI program includes. */
#define SECURITY_WIN32
#include <windows.h>
#include <security.h>
#include <sspi.h>
#include <schannel.h>

EOF
    cat "$tmp_dump"
} > "$generated" || exit 99
rm -f "$tmp_dump"

status=0

# ---- Coverage: every constant and structure of sspi.h is checked or skipped.
# Space-separated, with a space at each end, for "case" matching.
covered=" $(sed -n -e 's|^/\* abi-name: \([A-Za-z0-9_]*\) \*/$|\1|p' \
    -e 's|^/\* abi-skip: \([A-Za-z0-9_]*\):.*|\1|p' "$generated" | tr '\n' ' ') "
covered_structs=" $(sed -n 's|^/\* abi-struct: \([A-Za-z0-9_]*\) \*/$|\1|p' "$generated" |
    tr '\n' ' ') "

# Object-like macros with a replacement (guards and empty macros have none).
defined=$(sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Z_][A-Z0-9_]*\)[[:space:]]\{1,\}[^[:space:]].*/\1/p' "$header" "$schannel_header" | sort -u)
# Structures and unions: the first typedef name after the closing brace.
structs=$(sed -n -e 's/^}[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' \
    -e 's/^typedef[[:space:]]\{1,\}[a-z]\{1,\}[[:space:]][^}]*}[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' \
    "$header" "$schannel_header" | sort -u)

for name in $defined; do
    case "$covered" in
    *" $name "*) ;;
    *)
        echo "abi: FAIL: sspi.h defines $name, which tests/abi/abi_dump.c neither checks nor skips"
        status=1
        ;;
    esac
done
for name in $structs; do
    case "$covered_structs" in
    *" $name "*) ;;
    *)
        echo "abi: FAIL: sspi.h declares structure $name, which tests/abi/abi_dump.c does not check"
        status=1
        ;;
    esac
done

# ---- Compile the assertions against the Windows headers.
# Two passes: the static assertions need only the front end; the string
# checks fold __builtin_strcmp, so they need -O2 and code generation (-S),
# which a failed static assertion would prevent.
checks=$(sed -n 's|^/\* abi-checks: \([0-9]*\) \*/$|\1|p' "$generated")
log="$generated.log"
compiled=yes
"$windows_cc" -std=gnu11 -fsyntax-only "$generated" > "$log" 2>&1 || compiled=no
"$windows_cc" -std=gnu11 -O2 -S -o /dev/null -DABI_STRINGS_ONLY "$generated" >> "$log" 2>&1 ||
    compiled=no

if [ "$compiled" = yes ]; then
    if [ "$status" -eq 0 ]; then
        echo "abi: $checks checks passed ($("$windows_cc" -dumpversion 2>/dev/null | sed 's/^/mingw-w64 gcc /'), $windows_cc)"
    else
        echo "abi: $checks checks passed, but the coverage of sspi.h is incomplete (see above)"
    fi
    rm -f "$log"
    exit "$status"
fi

# Failed.  Each check is one line of the generated file: report each failing
# line once, with its messages (a follow-on "not constant" message only when
# the line has no better one), and without the compiler's source excerpts.
report=$(awk -v gen="$(basename "$generated")" '
    index($0, gen ":") && index($0, ": error: ") {
        line = $0
        sub(/^.*abi\.generated\.c:/, "", line)
        n = line; sub(/:.*/, "", n)
        msg = line; sub(/^[^ ]* error: /, "", msg)
        gsub(/\\\047/, "\047", msg)
        if (msg ~ /^static assertion failed: ".*"$/) {
            sub(/^static assertion failed: "/, "", msg); sub(/"$/, "", msg)
        }
        sub(/^call to .* declared with attribute error: /, "", msg)
        if (!(n in seen)) { seen[n] = 1; order[++count] = n }
        if ((n SUBSEP msg) in have) next
        have[n SUBSEP msg] = 1
        if (msg ~ /not (an integer )?constant|is not an integer/) { weak[n] = msg; next }
        if (n in msgs) text = msgs[n] "; " msg; else text = msg
        msgs[n] = text
    }
    END {
        for (i = 1; i <= count; i++) {
            n = order[i]
            if (n in msgs) text = msgs[n]; else text = weak[n]
            printf "abi:   %s  [line %s]\n", text, n
        }
    }' "$log")
failed=$(printf '%s\n' "$report" | grep -c '^abi:   ')
if [ "$failed" -gt 0 ]; then
    echo "abi: $failed of $checks checks failed: gss-sspi's <sspi.h> differs from the Windows headers ($windows_cc)"
    echo "abi: each message says what gss-sspi has, where Windows has something else:"
    printf '%s\n' "$report"
else
    echo "abi: the Windows compiler rejected $generated:"
    cat "$log"
fi
echo "abi: the assertions are in $generated"
rm -f "$log"
exit 1
