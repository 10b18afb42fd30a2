#!/bin/bash
# stop-realm.sh DIR
#
# Stops the KDC that setup-realm.sh started in DIR (by the pid in DIR/kdc.pid),
# and its slapd when the realm has an LDAP database (DIR/slapd.pid), and waits
# for them to exit, so DIR can be removed safely afterwards.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)

# stop PIDFILE MARKER: only signal the pid if it still is ours (its command
# line has MARKER, a path in DIR): a stale file must not make us kill a
# process that reused the number.
stop() {
    local pidfile=$1 marker=$2 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    case $pid in
        '' | *[!0-9]*)
            echo "stop-realm: bad pid in $pidfile" >&2
            return 1
            ;;
    esac
    ours() {
        local arg
        while IFS= read -r -d '' arg; do
            [ "$arg" = "$marker" ] && return 0
        done 2>/dev/null <"/proc/$pid/cmdline"
        return 1
    }
    if ours; then
        kill -TERM "$pid" 2>/dev/null || true
        # Not our child, so `wait` cannot be used: poll for up to ~5 s, then force.
        for _ in $(seq 1 50); do
            ours || break
            sleep 0.1
        done
        if ours; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

status=0
stop "$dir/kdc.pid" "$dir/kdc.pid" || status=1
stop "$dir/slapd.pid" "$dir/slapd.conf" || status=1
exit "$status"
