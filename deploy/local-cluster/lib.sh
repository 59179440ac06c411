# Settings and helpers shared by up.sh, down.sh, status.sh and failover.sh (sourced, not run).
# Everything the cluster keeps is under $CLUSTER_DIR; every address is on the loopback.

CLUSTER_DIR=${CLUSTER_DIR:-/tmp/sinergi-cluster}
# PostgreSQL 15 from Debian; pg_autoctl finds pg_ctl through --pgctl.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
HOST=127.0.0.1
# Ports below Linux's ephemeral range (32768-60999): a listener there can find its port taken
# by some outgoing connection on a busy machine (it happened with 55432).
MONITOR_PORT=${MONITOR_PORT:-15430}
NODE_PORTS=(${NODE1_PORT:-15431} ${NODE2_PORT:-15432})
NODE_NAMES=(node1 node2)
SINERGI_PORTS=(${SINERGI1_PORT:-18181} ${SINERGI2_PORT:-18182} ${SINERGI3_PORT:-18183})
HAPROXY_PORT=${HAPROXY_PORT:-18180}
HAPROXY_STATS_PORT=${HAPROXY_STATS_PORT:-18179}
DB_NAME=sinergi
# Where the servers' binary is copied, so that a rebuild of target/release does not change
# it under a running cluster (SINERGI_BIN names another binary, used as it is).
BIN_COPY=/tmp/sinergi-cluster-bin

PG_DIR=$CLUSTER_DIR/pg
LOG_DIR=$CLUSTER_DIR/logs
RUN_DIR=$CLUSTER_DIR/run
APP_DIR=$CLUSTER_DIR/sinergi
# One log signing key for all three servers: they serve one results log, and whichever server
# holds the signer's lease signs with it. `<key>.signed` beside it records the last signed
# heads (see src/platform/tlog/checkpoint.rs); the servers share that file too.
LOG_KEY=$APP_DIR/log.key
LOG_ORIGIN=${LOG_ORIGIN:-sinergi.local-cluster/log}

MONITOR_URI="postgres://autoctl_node@$HOST:$MONITOR_PORT/pg_auto_failover?sslmode=disable"
# The servers' URL: both nodes, and libpq's rule (which the Rust client follows) of taking the
# first one that accepts writes, so a server reconnecting after a failover finds the new primary.
DB_URL="postgres://postgres@$HOST:${NODE_PORTS[0]},$HOST:${NODE_PORTS[1]}/$DB_NAME?target_session_attrs=read-write"
# The public's reads go to whichever node is the standby now, while it keeps up (README:
# SINERGI_REPLICA_URL); with no standby they go to the primary.
REPLICA_URL="postgres://postgres@$HOST:${NODE_PORTS[0]},$HOST:${NODE_PORTS[1]}/$DB_NAME?target_session_attrs=read-only"
BASE_URL="http://$HOST:$HAPROXY_PORT"

# The sinergi binary the cluster runs.
sinergi_bin() {
    if [ -n "${SINERGI_BIN:-}" ]; then echo "$SINERGI_BIN"; else echo "$BIN_COPY"; fi
}

# as_postgres CMD…: pg_autoctl refuses to run as root, so the PostgreSQL side runs as the
# `postgres` user. Its configuration and state files (normally under ~postgres/.config,
# ~/.local/share and /tmp/pg_autoctl) are kept in the state dir, so down.sh removes them too.
as_postgres() {
    (cd "$PG_DIR" && runuser -u postgres -- env \
        PATH="$PG_BIN:/usr/bin:/bin" \
        XDG_CONFIG_HOME="$PG_DIR/xdg/config" \
        XDG_DATA_HOME="$PG_DIR/xdg/data" \
        XDG_RUNTIME_DIR="$PG_DIR/xdg/run" \
        "$@")
}

autoctl() { as_postgres pg_autoctl "$@"; }

# node_uri PORT: a plain connection to one node (psql, pg_dump).
node_uri() { echo "postgres://postgres@$HOST:$1/$DB_NAME"; }

# primary_port: the port of the node that accepts writes now (asked of the nodes themselves,
# so it works with the monitor down); empty when none does.
primary_port() {
    local p
    for p in "${NODE_PORTS[@]}"; do
        if [ "$(psql "$(node_uri "$p")" -qAtX -c 'SELECT NOT pg_is_in_recovery()' 2> /dev/null)" = t ]; then
            echo "$p"
            return 0
        fi
    done
}

# pid_alive FILE: the process whose id FILE holds is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }

# postmaster_pid DATADIR: the postmaster's pid (first line of postmaster.pid), if it runs.
postmaster_pid() {
    local f=$1/postmaster.pid pid
    [ -s "$f" ] || return 0
    pid=$(head -n 1 "$f")
    kill -0 "$pid" 2> /dev/null && echo "$pid"
    return 0
}

# keeper_pid DATADIR: the pid of the `pg_autoctl run` supervising DATADIR (as recorded by up.sh).
keeper_pid() {
    local f=$RUN_DIR/autoctl-$(basename "$1").pid
    pid_alive "$f" && cat "$f"
    return 0
}

# http_code URL: the status of a GET (000 when nothing answers), within 3 s.
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" || true; }

# healthy BASE: BASE/healthz answers 200.
healthy() { [ "$(http_code "$1/healthz")" = 200 ]; }

# wait_for SECONDS WHAT CMD…: run CMD every half second until it succeeds; fail naming WHAT.
wait_for() {
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 2; i++)); do
        "$@" > /dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "timed out after ${secs}s waiting for $what" >&2
    return 1
}

say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*"; }

# start_bg NAME CMD…: CMD in the background in a session of its own (so that failover.sh can
# kill a node's whole process group, as if its machine died), its output appended to
# logs/NAME.log, the session leader's pid in run/NAME.pid.
start_bg() {
    local name=$1
    shift
    setsid bash -c 'echo $$ > "$0"; exec "$@"' "$RUN_DIR/$name.pid" "$@" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
}

# start_server N: `sinergi serve` number N (1-3), unless it runs; waits for its /healthz.
start_server() {
    local n=$1 port=${SINERGI_PORTS[$(($1 - 1))]}
    if pid_alive "$RUN_DIR/sinergi-$n.pid"; then
        return 0
    fi
    say "starting sinergi-$n on $HOST:$port"
    # All three share the key, the blob folder (one machine: a folder is shared storage) and
    # trust HAProxy's X-Forwarded-For for their per-client limits. NO_COLOR: plain log lines.
    (cd "$APP_DIR" && start_bg "sinergi-$n" env NO_COLOR=1 SINERGI_LOG_KEY="$LOG_KEY" SINERGI_BLOBS="$APP_DIR/blobs" \
        SINERGI_TRUSTED_PROXY="$HOST" SINERGI_PUBLIC_URL="$BASE_URL" SINERGI_REPLICA_URL="$REPLICA_URL" \
        "$(sinergi_bin)" serve --db "$DB_URL" --listen "$HOST:$port")
    wait_for 120 "sinergi-$n on $HOST:$port (see $LOG_DIR/sinergi-$n.log)" healthy "http://$HOST:$port"
}

# stop_server N: SIGTERM (a server gives its leases up when it stops), SIGKILL after 10 s.
stop_server() {
    local f=$RUN_DIR/sinergi-$1.pid i
    pid_alive "$f" || return 0
    kill -TERM "$(cat "$f")" 2> /dev/null || true
    for ((i = 0; i < 20; i++)); do
        pid_alive "$f" || return 0
        sleep 0.5
    done
    say "sinergi-$1 did not stop within 10 s of SIGTERM: SIGKILL"
    kill -KILL "$(cat "$f")" 2> /dev/null || true
}
