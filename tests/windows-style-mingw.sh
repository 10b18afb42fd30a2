#!/bin/sh
# windows-style-mingw.sh - tests/windows_style_server.c, which builds
# natively against gss-sspi's headers (tests/windows-style-server), must
# also build unchanged against the Windows headers: compile it with
# mingw-w64, warnings as errors.
#
# Environment: top_srcdir (set by "make check"); WINDOWS_CC overrides the
# cross compiler.  Exit status: 0 pass, 1 fail, 77 skipped.

# A sanitized build (make check-asan / check-tsan) has nothing to add here:
# the mingw-w64 compile check runs no gss-sspi code; it runs in the normal make check
if [ -n "${GSS_SSPI_SANITIZED:-}" ]; then
    echo "SKIP: the mingw-w64 compile check runs no gss-sspi code; it runs in the normal make check"
    exit 77
fi
top_srcdir=${top_srcdir:-.}
src="$top_srcdir/tests/windows_style_server.c"
cc=${WINDOWS_CC:-x86_64-w64-mingw32-gcc}

if ! command -v "$cc" > /dev/null 2>&1; then
    echo "SKIP: $cc not found (apt-get install gcc-mingw-w64-x86-64)"
    exit 77
fi
out=$(mktemp "${TMPDIR:-/tmp}/windows-style.XXXXXX.o") || exit 99
if "$cc" -std=c11 -Wall -Wextra -Werror -c "$src" -o "$out"; then
    echo "windows-style: $src builds with $cc against the Windows headers"
    status=0
else
    echo "windows-style: FAIL: $src does not build against the Windows headers"
    status=1
fi
rm -f "$out"
exit "$status"
