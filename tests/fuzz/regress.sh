#!/bin/sh
# regress.sh - make check's fuzz regression: every target, a short
# deterministic run over its seeds and past crashes (run.sh regress).
# SKIP (77) when libFuzzer could not be built here (tests/fuzz/fuzz-ready
# says why).
# A sanitized build (make check-asan / check-tsan) has nothing to add here:
# the fuzz targets are built with ASan+UBSan already and run in the normal make check
if [ -n "${GSS_SSPI_SANITIZED:-}" ]; then
    echo "SKIP: the fuzz targets are built with ASan+UBSan already and run in the normal make check"
    exit 77
fi
ready=${top_builddir:-.}/tests/fuzz/fuzz-ready
if [ ! -f "$ready" ]; then
    echo "SKIP: $ready is missing (make check builds it)"
    exit 77
fi
if [ "$(cat "$ready")" != ready ]; then
    echo "SKIP: fuzz targets $(cat "$ready")"
    exit 77
fi
exec sh "${top_srcdir:-.}/tests/fuzz/run.sh" regress
