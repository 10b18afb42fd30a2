#!/bin/bash
# stop-realm.sh DIR
#
# Stops the KDC that setup-realm.sh started in DIR (by the pid in DIR/kdc.pid)
# and waits for it to exit, so DIR can be removed safely afterwards.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi

pidfile=$(cd "$1" && pwd)/kdc.pid
[ -s "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
case $pid in
    '' | *[!0-9]*)
        echo "stop-realm: bad pid in $pidfile" >&2
        exit 1
        ;;
esac

# Only signal the pid if it still is our KDC (its command line names our pid
# file): a stale file must not make us kill a process that reused the number.
is_kdc() {
    local arg
    while IFS= read -r -d '' arg; do
        [ "$arg" = "$pidfile" ] && return 0
    done 2>/dev/null <"/proc/$pid/cmdline"
    return 1
}

if is_kdc; then
    kill -TERM "$pid" 2>/dev/null || true
    # Not our child, so `wait` cannot be used: poll for up to ~5 s, then force.
    for _ in $(seq 1 50); do
        is_kdc || break
        sleep 0.1
    done
    if is_kdc; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
fi
rm -f "$pidfile"
