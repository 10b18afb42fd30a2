#!/usr/bin/env bash
# shellcheck disable=SC2317 # the steps are functions that step() calls
# packaging/check.sh - the Debian packages as a packager and an administrator
# meet them, on a fresh Debian 12 root: build them from the declared build
# dependencies (dpkg-buildpackage -us -uc -b), lintian (no error allowed),
# install them, check the installed library and headers, run the demo from
# them (debian/tests/handshake, the autopkgtest), purge them, and check that
# nothing is left behind.  Prints one line per step and "N passed, N failed".
# Slow (a fresh root, a build): not part of CI's pass/fail.
#
#   packaging/check.sh          in a fresh root: ../shared/tools/fresh-debian.sh
#                               (FRESH_DEBIAN names another), which clones the
#                               committed HEAD: commit first
#   packaging/check.sh --here   on this machine, as root: it installs and purges
#                               the packages (for a throwaway root only)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != --here ]; then
    fresh=${FRESH_DEBIAN:-$top/../shared/tools/fresh-debian.sh}
    [ -x "$fresh" ] || { echo "packaging/check: no $fresh (set FRESH_DEBIAN)" >&2; exit 2; }
    cd "$top" && exec "$fresh" './packaging/check.sh --here'
fi
[ "$(id -u)" -eq 0 ] || { echo "packaging/check: --here needs root" >&2; exit 2; }
cd "$top" || exit 2
out=$(cd .. && pwd)
work=$(mktemp -d /tmp/gss-sspi-packaging.XXXXXX)
ours=(libgss-sspi1 libgss-sspi-dev gss-sspi-negotiate gss-sspi-tools)
export DEBIAN_FRONTEND=noninteractive

passed=0 failed=0
finish() {
    echo "packaging: $passed passed, $failed failed"
    rm -rf "$work"
    [ "$failed" -eq 0 ]
    exit
}
# step WHAT COMMAND...: one line; a failed step ends the run (later steps
# need it), its log is shown.
step() {
    local what=$1 log
    shift
    log="$work/step-$((passed + failed + 1)).log"
    rm -f "$work/figures"
    if "$@" >"$log" 2>&1; then
        echo "ok: $what$( [ -s "$work/figures" ] && printf ' (%s)' "$(cat "$work/figures")")"
        passed=$((passed + 1))
    else
        echo "FAIL: $what"
        tail -n 40 "$log" | sed 's/^/  /'
        failed=$((failed + 1))
        finish
    fi
}

# Every path on the system but those that change by themselves or hold
# package-manager state: what an install and a purge may leave behind.
snapshot() {
    find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
        -o -path /var/tmp -o -path "$out" -o -path /var/lib/dpkg -o -path /var/lib/apt \
        -o -path /var/cache -o -path /var/log -o -path /root \) -prune -o -print | sort
}

build_deps() {
    ./bootstrap.sh --packaging --no-build && apt-get build-dep -y -q ./
}
build() {
    dpkg-buildpackage -us -uc -b
}
lint() {
    lintian --fail-on error --display-info "$out"/gss-sspi_*_"$(dpkg --print-architecture)".changes |
        tee "$work/lintian.txt"
    local rc=${PIPESTATUS[0]}
    echo "$(grep -c '^E:' "$work/lintian.txt") errors," \
        "$(grep -c '^W:' "$work/lintian.txt") warnings" >"$work/figures"
    grep -E '^(E|W):' "$work/lintian.txt" >&2
    return "$rc"
}
# The demo's realm and clients (not dependencies of our packages), before
# the first snapshot.
demo_deps() {
    ./bootstrap.sh --demo --no-build
}
install_ours() {
    snapshot >"$work/before"
    local debs=()
    for p in "${ours[@]}"; do debs+=("$out/${p}_"*.deb); done
    apt-get install -y -q "${debs[@]}"
}
# The library through its pkg-config file and headers, linked and run.
use_library() {
    cat >"$work/use.c" <<'C'
#include <sspi.h>
#include <stdio.h>
int main(void)
{
    ULONG n = 0;
    PSecPkgInfoA pkgs = NULL;
    if (EnumerateSecurityPackagesA(&n, &pkgs) != SEC_E_OK || n == 0)
        return 1;
    for (ULONG i = 0; i < n; i++)
        printf("%s\n", pkgs[i].Name);
    FreeContextBuffer(pkgs);
    return 0;
}
C
    # shellcheck disable=SC2046 # pkg-config's words are meant to split
    cc -o "$work/use" "$work/use.c" $(pkg-config --cflags --libs gss-sspi) &&
        "$work/use" | grep -qx Negotiate &&
        objdump -p "$work/use" | grep -q 'NEEDED *libgss-sspi.so.1' &&
        sspi-inspect --help
}
autopkgtest_handshake() {
    AUTOPKGTEST_TMP="$work/autopkgtest" debian/tests/handshake
}
purge_ours() {
    apt-get purge -y -q "${ours[@]}" && snapshot >"$work/after" &&
        { diff "$work/before" "$work/after" || { echo "left behind or removed (>/<) above"; false; }; }
}

step "build dependencies (debian/control) installed" build_deps
step "dpkg-buildpackage -us -uc -b" build
step "lintian: no errors" lint
step "demo's realm packages installed" demo_deps
step "packages installed: ${ours[*]}" install_ours
step "installed library: pkg-config, headers, link, run" use_library
step "autopkgtest debian/tests/handshake (installed demo)" autopkgtest_handshake
step "purge leaves nothing behind" purge_ours
finish
