#!/usr/bin/env bash
# Stops everything up.sh started (HAProxy, the three servers, both PostgreSQL nodes and the
# monitor) and removes the state dir ($CLUSTER_DIR): the databases, logs and the log key.
# KEEP=1 stops everything but keeps the state dir (up.sh starts it again as it was).
# Only processes recorded in $CLUSTER_DIR/run are signalled.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"

[ -d "$CLUSTER_DIR" ] || { echo "nothing to stop: no $CLUSTER_DIR"; exit 0; }

# stop_group NAME: SIGTERM to the process group up.sh started as NAME (its session leader's
# pid is in run/NAME.pid), then SIGKILL to what is left after 15 s.
stop_group() {
    local f=$RUN_DIR/$1.pid pid i
    pid_alive "$f" || return 0
    pid=$(cat "$f")
    kill -TERM -- "-$pid" 2> /dev/null || true
    for ((i = 0; i < 30; i++)); do
        kill -0 -- "-$pid" 2> /dev/null || return 0
        sleep 0.5
    done
    echo "$1 did not stop within 15 s: SIGKILL" >&2
    kill -KILL -- "-$pid" 2> /dev/null || true
}

say "stopping haproxy and the Sinergi servers"
stop_group haproxy
for n in 1 2 3; do stop_group "sinergi-$n"; done

# The keepers first (pg_autoctl stops its PostgreSQL with it), the monitor last.
for name in "${NODE_NAMES[@]}" monitor; do
    [ -d "$PG_DIR/$name" ] || continue
    if pid_alive "$RUN_DIR/autoctl-$name.pid"; then
        say "stopping $name"
        timeout 30 runuser -u postgres -- env XDG_CONFIG_HOME="$PG_DIR/xdg/config" XDG_DATA_HOME="$PG_DIR/xdg/data" \
            XDG_RUNTIME_DIR="$PG_DIR/xdg/run" pg_autoctl stop --pgdata "$PG_DIR/$name" > /dev/null 2>&1 || true
    fi
    stop_group "autoctl-$name"
    # A postmaster left behind (its pg_autoctl was killed): stop it too.
    pm=$(postmaster_pid "$PG_DIR/$name")
    if [ -n "$pm" ]; then
        timeout 30 runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/$name" -m fast -w stop > /dev/null 2>&1 || kill -KILL "$pm" 2> /dev/null || true
    fi
done

if [ "${KEEP:-0}" = 1 ]; then
    say "stopped; state kept in $CLUSTER_DIR"
else
    rm -rf "$CLUSTER_DIR"
    say "stopped; removed $CLUSTER_DIR"
fi
