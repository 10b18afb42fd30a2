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

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

dump="$top_builddir/tests/abi/abi-dump"
header="$top_srcdir/sspi-compat/include/sspi.h"
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

EOF
    cat "$tmp_dump"
} > "$generated" || exit 99
rm -f "$tmp_dump"

status=0

# ---- Coverage: every constant and structure of sspi.h is checked or skipped.
covered=$(sed -n 's|^/\* abi-name: \([A-Za-z0-9_]*\) \*/$|\1|p; s|^/\* abi-skip: \([A-Za-z0-9_]*\):.*|\1|p' "$generated")
covered_structs=$(sed -n 's|^/\* abi-struct: \([A-Za-z0-9_]*\) \*/$|\1|p' "$generated")

# Object-like macros with a replacement (guards and empty macros have none).
defined=$(sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Z_][A-Z0-9_]*\)[[:space:]]\{1,\}[^[:space:]].*/\1/p' "$header" | sort -u)
# Structures and unions: the first typedef name after the closing brace.
structs=$(sed -n 's/^}[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$header" | sort -u)

for name in $defined; do
    case " $(echo $covered) " in
    *" $name "*) ;;
    *)
        echo "abi: FAIL: sspi.h defines $name, which tests/abi/abi_dump.c neither checks nor skips"
        status=1
        ;;
    esac
done
for name in $structs; do
    case " $(echo $covered_structs) " in
    *" $name "*) ;;
    *)
        echo "abi: FAIL: sspi.h declares structure $name, which tests/abi/abi_dump.c does not check"
        status=1
        ;;
    esac
done

# ---- Compile the assertions against the Windows headers.
# -O2 and code generation (-S) are needed for the string checks, which fold
# __builtin_strcmp; the static assertions alone need only -fsyntax-only.
checks=$(sed -n 's|^/\* abi-checks: \([0-9]*\) \*/$|\1|p' "$generated")
log="$outdir/abi.generated.c.log"
if "$windows_cc" -std=gnu11 -O2 -S -o /dev/null "$generated" > "$log" 2>&1; then
    compiled=yes
else
    compiled=no
fi

if [ "$compiled" = yes ]; then
    if [ "$status" -eq 0 ]; then
        echo "abi: $checks checks passed ($("$windows_cc" -dumpversion 2>/dev/null | sed 's/^/mingw-w64 gcc /'), $windows_cc)"
    else
        echo "abi: $checks checks passed, but the coverage of sspi.h is incomplete (see above)"
    fi
    rm -f "$log"
    exit "$status"
fi

# Failed: show what differs, without the caret noise.
failed=$(grep -c 'error:' "$log")
echo "abi: $failed of $checks checks failed: gss-sspi's sspi.h differs from the Windows headers ($windows_cc)"
echo "abi: each message says what gss-sspi has; Windows has something else"
if [ "$failed" -gt 0 ]; then
    grep 'error:' "$log" | sed 's/^.*error: /abi:   /'
else
    cat "$log"
fi
echo "abi: full compiler output in $log; assertions in $generated"
exit 1
