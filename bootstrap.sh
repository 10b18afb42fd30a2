#!/usr/bin/env bash
# bootstrap.sh - installs what gss-sspi needs on Debian 12 and builds it.
# Idempotent: packages already installed are not reinstalled, and the build
# is only reconfigured when configure is missing.
#
#   ./bootstrap.sh            install + build
#   ./bootstrap.sh --no-build install only
set -euo pipefail
cd "$(dirname "$0")"

packages=(
    # build
    build-essential autoconf automake libtool pkg-config check
    # GSS-API: MIT Kerberos and gss-ntlmssp
    libkrb5-dev gss-ntlmssp gss-ntlmssp-dev
    # the private realm of the demo and the tests
    krb5-kdc krb5-admin-server krb5-user
    # Windows headers (ABI check) and a Windows cross compiler
    mingw-w64-common gcc-mingw-w64-x86-64
    # demo: an independent HTTP Negotiate client; ss for free ports
    curl iproute2
    # interoperability: a Windows program under Wine (its NTLM runs Samba's
    # ntlm_auth, from winbind), Heimdal's GSS-API
    wine64 wine winbind heimdal-multidev
    # interoperability (make interop, issue #8's clients): Java (JGSS and
    # HttpURLConnection; the clients are compiled at test time),
    # python3-ntlm-auth, impacket; curl (above) against the demo server
    openjdk-17-jdk-headless python3-ntlm-auth python3-impacket
    # benchmarks: instruction counts (make bench)
    valgrind
    # make soak: the NT hashes of its hashed NTLM user file (openssl dgst -md4)
    openssl
    # fuzz targets: libFuzzer with ASan/UBSan (their regression runs in make check);
    # llvm-14 for llvm-symbolizer, which the leak suppressions need (only a
    # Recommends of clang, so not installed by --no-install-recommends)
    clang libclang-rt-14-dev llvm-14
    # make interop-apps: real servers with the module (Apache + mod_auth_gssapi,
    # sshd, gssproxy), the ssh client, python3 for the NTLM-over-HTTP client
    apache2 libapache2-mod-auth-gssapi openssh-server openssh-client gssproxy python3
    # constrained delegation test: MIT's LDAP KDB over a private slapd on
    # loopback (tests/constrained-delegation.sh); no system slapd is set up
    slapd ldap-utils krb5-kdc-ldap
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    # slapd: the tests start their own; no system directory, no daemon.
    echo "slapd slapd/no_configuration boolean true" |
        "${sudo_cmd[@]}" debconf-set-selections
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ "${1:-}" = "--no-build" ] && exit 0
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure --enable-werror
make -j"$(nproc)"
