#!/bin/bash
# sample-sockets.sh - tests/sample_server.c, a server in the shape of
# Microsoft's "Using SSPI with a Windows Sockets Server" sample, and its
# client tests/sample_client.c: both build unchanged against the Windows
# headers (mingw-w64, warnings as errors); the native server, in a private
# realm, serves our native client (Kerberos inside Negotiate, NTLM inside
# Negotiate), impersonates it and seals a message to it.  The realm's users
# have no local accounts: the server impersonates them only with the guest
# account configured (GSS_SSPI_GUEST_ACCOUNT), and refuses without it.
# With --wine (make interop) the mingw-built client also runs under Wine.
#
# Environment: top_srcdir, top_builddir (set by "make check").
# Exit status: 0 pass, 1 fail.  Prints "N passed, N failed, N skipped".
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
wine_too=${SAMPLE_SOCKETS_WINE:-}
[ "${1:-}" = --wine ] && wine_too=1

# Everything below needs the realm: run again inside it.
if [ -z "${GSS_SSPI_TEST_DIR:-}" ]; then
    SAMPLE_SOCKETS_WINE=$wine_too exec "$top_srcdir/tests/with-realm" "$0"
fi

pass=0 fail=0 skip=0
work=$(mktemp -d "${TMPDIR:-/tmp}/sample-sockets.XXXXXX") || exit 99
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    if [ -n "${WINEPREFIX:-}" ]; then
        "$(command -v wineserver || echo /usr/lib/wine/wineserver)" -k 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $1"; skip=$((skip + 1)); }

# ---- the sources build against the Windows headers ----------------------
cc=${WINDOWS_CC:-x86_64-w64-mingw32-gcc}
if command -v "$cc" >/dev/null 2>&1; then
    # Windows file names ignore case; the Windows headers here are lower case.
    mkdir -p "$work/include"
    printf '#include <security.h>\n' >"$work/include/Security.h"
    for prog in sample_server sample_client; do
        if "$cc" -std=c11 -Wall -Wextra -Werror -I"$work/include" -o "$work/$prog.exe" \
            "$top_srcdir/tests/$prog.c" "$top_srcdir/tests/sample_wire.c" -lsecur32 -lws2_32 \
            2>"$work/$prog.mingw.log"; then
            ok "$prog.c builds unchanged with $cc against the Windows headers"
        else
            cat "$work/$prog.mingw.log"
            ko "$prog.c does not build against the Windows headers"
        fi
    done
else
    skipped "$cc not found (apt-get install gcc-mingw-w64-x86-64)"
fi

# ---- the native server and a client -------------------------------------
# run_case NAME GUEST EXPECT CLIENT...: the server with GSS_SSPI_GUEST_ACCOUNT
# GUEST ("" unset); EXPECT is a pattern for the client's RESULT line.
run_case() {
    local name=$1 guest=$2 expect=$3
    shift 3
    local out="$work/server.out" port="" result
    if [ -n "$guest" ]; then
        GSS_SSPI_GUEST_ACCOUNT=$guest "$top_builddir/tests/sample-server" 0 >"$out" 2>&1 &
    else
        env -u GSS_SSPI_GUEST_ACCOUNT "$top_builddir/tests/sample-server" 0 >"$out" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^listening on //p' "$out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    result=$("$@" "$port" 2>&1 | tr -d '\r' | grep '^RESULT' | head -n 1)
    wait "$server_pid"
    server_pid=
    # shellcheck disable=SC2053
    if [[ $result == $expect ]]; then
        ok "$name: $result"
    else
        ko "$name: got '$result', expected '$expect'; server said: $(tr '\n' ' ' <"$out")"
    fi
}

# The guest: nobody when we may switch ids, else ourselves (impersonating
# one's own account needs no privilege).
if [ "$(id -u)" -eq 0 ]; then guest=nobody; else guest=$(id -un); fi
spn=$GSS_SSPI_TEST_SPN
user=$GSS_SSPI_TEST_USER
ntlm=("$user" "$GSS_SSPI_TEST_NTLM_DOMAIN" "$GSS_SSPI_TEST_PASSWORD")
native() { # port last: sample-client PORT TARGET PACKAGE [USER DOMAIN PASSWORD]
    local port=${*: -1}
    "$top_builddir/tests/sample-client" "$port" "${@:1:$#-1}"
}

if getent passwd "$user" >/dev/null; then
    skipped "a local account $user exists: the unmapped-principal cases do not apply"
else
    want="RESULT message=Hello from the sample server: you run here as $guest"
    run_case "Kerberos in Negotiate, guest $guest" "$guest" "$want" native "$spn" Negotiate
    run_case "NTLM in Negotiate, guest $guest" "$guest" "$want" native "$spn" Negotiate "${ntlm[@]}"
    run_case "Kerberos package, guest $guest" "$guest" "$want" native "$spn" Kerberos
    # Off by default: the server gives up as the Windows sample would on error.
    run_case "no guest account configured" "" "RESULT error=receiving the message*" \
        native "$spn" Negotiate
    if grep -q 'ImpersonateSecurityContext failed: 0x8009030b' "$work/server.out"; then
        ok "without a guest, ImpersonateSecurityContext says SEC_E_NO_IMPERSONATION"
    else
        ko "without a guest: server said $(tr '\n' ' ' <"$work/server.out")"
    fi

    # ---- the mingw-built client under Wine (NTLM: Wine's message layouts
    # match Windows for NTLM only, DESIGN section 8) ----------------------
    if [ -z "$wine_too" ]; then
        skipped "Wine client (make interop runs it)"
    elif ! command -v wine >/dev/null 2>&1 || ! command -v ntlm_auth >/dev/null 2>&1 ||
        [ ! -f "$work/sample_client.exe" ]; then
        skipped "Wine client: needs wine, winbind's ntlm_auth and mingw-w64"
    else
        mkdir -p "$work/bin"
        : >"$work/smb.conf"
        printf '#!/bin/sh\nexec %s --configfile=%s "$@"\n' "$(command -v ntlm_auth)" \
            "$work/smb.conf" >"$work/bin/ntlm_auth"
        chmod +x "$work/bin/ntlm_auth"
        export WINEPREFIX="$work/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
        if timeout 300 wine wineboot -i >"$work/wineboot.log" 2>&1; then
            wine_client() {
                local port=${*: -1}
                PATH="$work/bin:$PATH" timeout 120 wine "$work/sample_client.exe" "$port" \
                    "${@:1:$#-1}"
            }
            run_case "Wine client (mingw), NTLM in Negotiate, guest $guest" "$guest" \
                "$want" wine_client "$spn" Negotiate "${ntlm[@]}"
        else
            ko "wineboot failed: $(tail -n 3 "$work/wineboot.log")"
        fi
    fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
