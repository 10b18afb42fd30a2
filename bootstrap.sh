#!/usr/bin/env bash
# bootstrap.sh - installs what gss-sspi needs on Debian 12, by purpose, and
# builds it.  Idempotent: packages already installed are not reinstalled,
# and the build is only reconfigured when configure is missing.
#
#   ./bootstrap.sh            everything for make check, make interop, make bench
#                             and make fuzz (the README's test command), and build
#   ./bootstrap.sh --demo     only what the demo needs (demo/run-demo.sh), and build
#   ./bootstrap.sh --build    only what building and installing the library, the
#                             module and sspi-inspect needs, and build
#   ./bootstrap.sh --packaging  the build's and the Debian packaging tools
#                             (packaging/check.sh; debian/control has the rest)
#   add --no-build            to install only
set -euo pipefail
cd "$(dirname "$0")"

# Building and installing: a C compiler, autotools, pkg-config, MIT Kerberos
# and gss-ntlmssp headers (configure needs nothing else).
build_packages=(
    build-essential autoconf automake libtool pkg-config libkrb5-dev gss-ntlmssp-dev
)
# The demo: the build, and at run time gss-ntlmssp (NTLM), a private realm
# (real krb5kdc on loopback), curl (an independent HTTP Negotiate client), ss.
demo_packages=(
    "${build_packages[@]}"
    gss-ntlmssp krb5-kdc krb5-admin-server krb5-user curl iproute2
)
# Debian packages (packaging/check.sh): dpkg-buildpackage and lintian; the
# build dependencies come from debian/control (apt-get build-dep).
packaging_packages=(
    "${build_packages[@]}"
    dpkg-dev lintian
)
# Everything (the default): the demo's, and per test target below.  Add a
# package to the group of the target that needs it, with a comment.
packages=(
    "${demo_packages[@]}"
    # make check: the unit-test framework
    check
    # make check: Windows headers (ABI check) and a Windows cross compiler
    mingw-w64-common gcc-mingw-w64-x86-64
    # make interop: a Windows program under Wine (its NTLM runs Samba's
    # ntlm_auth, from winbind), Heimdal's GSS-API
    wine64 wine winbind heimdal-multidev
    # make interop (issue #8's clients): Java (JGSS and HttpURLConnection;
    # the clients are compiled at test time), python3-ntlm-auth, impacket;
    # curl (the demo's) against the demo server
    openjdk-17-jdk-headless python3-ntlm-auth python3-impacket
    # make bench: instruction counts; MIT's debug symbols, so that a callgrind
    # profile of the bench names the functions inside libgssapi_krb5/libkrb5
    valgrind libkrb5-dbg
    # make soak: the NT hashes of its hashed NTLM user file (openssl dgst -md4)
    openssl
    # make lint-man: the manual pages' linter
    mandoc
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

build=yes
for arg in "$@"; do
    case $arg in
    --demo) packages=("${demo_packages[@]}") ;;
    --build) packages=("${build_packages[@]}") ;;
    --packaging) packages=("${packaging_packages[@]}") ;;
    --no-build) build=no ;;
    *)
        echo "usage: $0 [--demo | --build | --packaging] [--no-build]" >&2
        exit 2
        ;;
    esac
done

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

[ "$build" = no ] && exit 0
[ -x configure ] || ./autogen.sh
# Configured without check (--demo or --build first, the tests now): again.
if [ -f Makefile ] && grep -q '^TESTS_ENABLED = no' Makefile && pkg-config --exists check; then
    rm -f Makefile
fi
[ -f Makefile ] || ./configure --enable-werror
make -j"$(nproc)"
