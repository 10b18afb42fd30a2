# lib.sh - helpers of the tests/mech scripts (sourced).
#
# mech_config FILE [with|without]: a GSS_MECH_CONFIG file with the system's
# gss-ntlmssp line and, "with", our interposer line.  GSS_MECH_CONFIG
# replaces /etc/gss/mech and mech.d for the process: no root needed.

# The module refuses a policy file that group or others may write (as sshd's
# StrictModes): whatever umask the caller runs with, ours are 0644.
umask 022

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
module=${GSS_SSPI_NEGOTIATE_MODULE:-$top_builddir/mech/.libs/gss-sspi-negotiate.so}

ntlmssp_line() { # (/etc/gss/mech may not exist: never an error, for set -e callers)
    grep -h '^[^#]*1\.3\.6\.1\.4\.1\.311\.2\.2\.10' /etc/gss/mech /etc/gss/mech.d/*.conf \
        2>/dev/null | head -n 1 || true
}

mech_config() {
    {
        ntlmssp_line
        if [ "${2:-with}" = with ]; then
            printf 'gss-sspi-negotiate 2.25.90609452979841741294370483809392673506.1 %s <interposer>\n' \
                "$(cd "$(dirname "$module")" && pwd)/$(basename "$module")"
        fi
    } >"$1"
}

# The per-test failure names check prints ("suite:test:iteration"), sorted.
failures_of() {
    grep -E '^[^ ]+:[0-9]+:[FE]:' "$1" | cut -d: -f4-6 | sort -u
}
