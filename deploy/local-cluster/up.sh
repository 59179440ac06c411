#!/usr/bin/env bash
# Brings up Sinergi on highly available PostgreSQL on this one machine, loopback only:
#
#   monitor  pg_auto_failover monitor            127.0.0.1:15430
#   node1    PostgreSQL 15 (primary at first)     127.0.0.1:15431  } synchronous replication,
#   node2    PostgreSQL 15 (synchronous standby)  127.0.0.1:15432  } automatic failover
#   sinergi-1..3  `sinergi serve`                 127.0.0.1:18181-18183
#   haproxy  in front of the three servers        127.0.0.1:18180 (stats page :18179)
#
#   deploy/local-cluster/up.sh            # as root; state in $CLUSTER_DIR (/tmp/sinergi-cluster)
#
# Run again, it starts whatever part is not running (a killed node rejoins as a standby, a
# killed server comes back) and leaves the rest alone; the data is loaded only once.
# Environment: CLUSTER_DIR, SINERGI_BIN (a binary to use as it is), REFRESH_BIN=1 (copy
# target/release/sinergi again; a new cluster always takes a fresh copy), TPS_COUNT (TPS
# imported, default 400000: each failover.sh run enters about 35,000 to 80,000).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
TPS_COUNT=${TPS_COUNT:-400000}
ELECTION=pemilu-2024
# The password of the operators this script creates (a local test cluster).
PASSWORD=${CLUSTER_PASSWORD:-rekap-klaster-2024}
# The CLI's messages are read below in English.
export SINERGI_LANG=en

[ "$(id -u)" = 0 ] || { echo "run as root: the PostgreSQL side runs as the postgres user (runuser)" >&2; exit 1; }

# --- packages: Debian's pg_auto_failover and HAProxy, installed once ---------------------------
if ! command -v pg_autoctl > /dev/null || ! command -v haproxy > /dev/null \
    || [ ! -e /usr/lib/postgresql/15/lib/pgautofailover.so ]; then
    say "installing postgresql-15-auto-failover pg-auto-failover-cli haproxy"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-15-auto-failover pg-auto-failover-cli haproxy > /dev/null
fi
for tool in psql curl python3; do
    command -v "$tool" > /dev/null || { echo "needs $tool" >&2; exit 1; }
done

# --- the binary: a private copy, so a rebuild does not change it under the servers -----------
# Taken when a new cluster is made (no $CLUSTER_DIR yet) or REFRESH_BIN=1; kept while it lives.
BIN=$(sinergi_bin)
if [ -z "${SINERGI_BIN:-}" ] && { [ ! -x "$BIN_COPY" ] || [ ! -d "$RUN_DIR" ] || [ "${REFRESH_BIN:-0}" = 1 ]; }; then
    src=$REPO/target/release/sinergi
    [ -x "$src" ] || { echo "no $src: build it first (cargo build --release) or set SINERGI_BIN" >&2; exit 1; }
    # Copy, then rename: a half-written copy is never run.
    cp "$src" "$BIN_COPY.tmp" && mv "$BIN_COPY.tmp" "$BIN_COPY"
    say "copied $src to $BIN_COPY"
fi
"$BIN" --help > /dev/null || { echo "$BIN does not run" >&2; exit 1; }

mkdir -p "$CLUSTER_DIR" "$LOG_DIR" "$RUN_DIR" "$APP_DIR/blobs" "$PG_DIR/xdg/config" "$PG_DIR/xdg/data" "$PG_DIR/xdg/run"
chmod 755 "$CLUSTER_DIR"
chown -R postgres:postgres "$PG_DIR"
chmod 700 "$PG_DIR/xdg/run"

# start_autoctl NAME: `pg_autoctl run` for the monitor or a node, unless it runs already. It
# supervises its PostgreSQL (restarting it when it dies) and follows the monitor's orders.
start_autoctl() {
    local name=$1
    if pid_alive "$RUN_DIR/autoctl-$name.pid"; then
        return 0
    fi
    say "starting pg_autoctl for $name"
    (cd "$PG_DIR" && start_bg "autoctl-$name" runuser -u postgres -- env PATH="$PG_BIN:/usr/bin:/bin" \
        XDG_CONFIG_HOME="$PG_DIR/xdg/config" XDG_DATA_HOME="$PG_DIR/xdg/data" XDG_RUNTIME_DIR="$PG_DIR/xdg/run" \
        pg_autoctl run --pgdata "$PG_DIR/$name")
}

have_primary() { [ -n "$(primary_port)" ]; }

# node_state NAME: the state the monitor last heard from a node ("primary", "secondary", …).
node_state() {
    psql "$MONITOR_URI" -qAtX -c "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$1'" 2> /dev/null
}

create_failed() {
    tail -n 25 "$LOG_DIR/create.log" >&2
    echo "pg_autoctl create failed (above, and $LOG_DIR/create.log); $HERE/down.sh removes what was made" >&2
    exit 1
}

# --- the monitor --------------------------------------------------------------------------------
if [ ! -f "$PG_DIR/monitor/PG_VERSION" ]; then
    say "creating the pg_auto_failover monitor on $HOST:$MONITOR_PORT"
    # Trust on the loopback, no TLS: nothing here listens beyond 127.0.0.1.
    autoctl create monitor --pgdata "$PG_DIR/monitor" --pgport "$MONITOR_PORT" --hostname "$HOST" \
        --auth trust --no-ssl --pgctl "$PG_BIN/pg_ctl" >> "$LOG_DIR/create.log" 2>&1 || create_failed
    # The monitor has no --listen: without this it would listen on every address.
    autoctl config set --pgdata "$PG_DIR/monitor" postgresql.listen_addresses "$HOST" > /dev/null
fi
start_autoctl monitor
wait_for 60 "the monitor" psql "$MONITOR_URI" -qAtX -c 'SELECT 1'

# --- the two PostgreSQL nodes: node1 becomes the primary, node2 its synchronous standby ---------
for i in 0 1; do
    name=${NODE_NAMES[$i]}
    if [ ! -f "$PG_DIR/$name/PG_VERSION" ]; then
        say "creating $name on $HOST:${NODE_PORTS[$i]}"
        # The first node registers as "single" and initialises PostgreSQL with the database
        # $DB_NAME; the second takes a pg_basebackup of it and registers as its standby.
        autoctl create postgres --pgdata "$PG_DIR/$name" --pgport "${NODE_PORTS[$i]}" --listen "$HOST" \
            --hostname "$HOST" --name "$name" --dbname "$DB_NAME" --monitor "$MONITOR_URI" \
            --auth trust --no-ssl --pgctl "$PG_BIN/pg_ctl" >> "$LOG_DIR/create.log" 2>&1 || create_failed
    fi
    start_autoctl "$name"
    if [ "$i" = 0 ]; then
        # The standby is made from a running primary.
        wait_for 90 "a primary" have_primary
    fi
done
# Both nodes in their steady states: a primary and a secondary (or, after a failover, the other
# way round). A node that rejoins after a failover is rewound and catches up first.
both_steady() {
    local s1 s2
    s1=$(node_state node1) s2=$(node_state node2)
    [[ "$s1 $s2" == "primary secondary" || "$s1 $s2" == "secondary primary" ]]
}
wait_for 180 "a primary and a secondary (pg_autoctl show state)" both_steady
say "PostgreSQL: primary on $HOST:$(primary_port), synchronous standby beside it"

# --- Sinergi: one log key, the data loaded once, then the three servers ------------------------
export SINERGI_LOG_KEY=$LOG_KEY
if [ ! -s "$LOG_KEY" ]; then
    # All three servers sign with this key (whichever holds the signer's lease); made once.
    SINERGI_LOG_ORIGIN=$LOG_ORIGIN "$BIN" log key > "$APP_DIR/log-key.txt" 2>&1
fi
sed -n 's/^verifier key: //p' "$APP_DIR/log-key.txt" > "$APP_DIR/log.vkey"

if [ ! -f "$APP_DIR/loaded" ]; then
    # As bench/election-night.sh prepares its database: `audit verify` creates and migrates
    # the database and loads the regions and elections; then the operators. The servers are
    # not running yet, so nothing races the migrations or the first load.
    say "loading data: regions, elections, operators kpu.a and kpu.b"
    "$BIN" audit verify --db "$DB_URL" > "$LOG_DIR/load.log" 2>&1 || { cat "$LOG_DIR/load.log" >&2; exit 1; }
    for u in kpu.a kpu.b; do
        echo "$PASSWORD" | "$BIN" user add "$u" --agency kpu --region ID --role operator --password-stdin --db "$DB_URL" >> "$LOG_DIR/load.log" 2>&1 \
            || { tail -n 3 "$LOG_DIR/load.log" >&2; exit 1; }
    done
    touch "$APP_DIR/loaded"
fi
# TPS: the first TPS_COUNT of the national synthetic set in a fixed pseudo-random order (forms
# then come from all over the country). A larger TPS_COUNT later imports the next ones too (the
# import leaves the TPS already there unchanged).
have_tps=0
[ -s "$APP_DIR/tps.csv" ] && have_tps=$(($(wc -l < "$APP_DIR/tps.csv") - 1))
if [ "$have_tps" -lt "$TPS_COUNT" ]; then
    say "importing $TPS_COUNT TPS of $ELECTION"
    if [ ! -s "$APP_DIR/tps-all.csv" ]; then
        "$BIN" gen tps --election "$ELECTION" --out "$APP_DIR/tps-all.csv" >> "$LOG_DIR/load.log" 2>&1
    fi
    python3 - "$APP_DIR/tps-all.csv" "$APP_DIR/tps.csv.new" "$TPS_COUNT" << 'PY'
import random, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="") as f:
    head, *rows = f.read().splitlines()
random.Random(2024).shuffle(rows)
with open(dst, "w") as out:
    out.write(head + "\n" + "\n".join(rows[:n]) + "\n")
PY
    "$BIN" import tps --election "$ELECTION" --db "$DB_URL" "$APP_DIR/tps.csv.new" 2>&1 | tail -n 1 | tee -a "$LOG_DIR/load.log"
    mv "$APP_DIR/tps.csv.new" "$APP_DIR/tps.csv"
fi

# One after another, each waited for. Before commit e11401a, three started at the same moment
# on an empty database raced to load the built-in regions and two of them stopped ("database:
# postgres: db error"; PostgreSQL logged a duplicate key in regions_pkey).
for n in 1 2 3; do
    start_server "$n"
done

# --- HAProxy: round robin over the three, each checked on GET /healthz every second -------------
cat > "$CLUSTER_DIR/haproxy.cfg" << EOF
# Written by deploy/local-cluster/up.sh.
global
    maxconn 2000
    # State changes of the servers (up/down) go to logs/haproxy.log.
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    option forwardfor
    # A connection refused by a dead server is tried on another one; a request a server took
    # and never answered is not replayed by HAProxy (the client retries it under its key).
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s

frontend sinergi
    bind $HOST:$HAPROXY_PORT
    default_backend sinergi

backend sinergi
    balance roundrobin
    # /healthz answers 200 when the server can read its database (SELECT 1).
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    server sinergi-1 $HOST:${SINERGI_PORTS[0]} check
    server sinergi-2 $HOST:${SINERGI_PORTS[1]} check
    server sinergi-3 $HOST:${SINERGI_PORTS[2]} check

listen stats
    bind $HOST:$HAPROXY_STATS_PORT
    stats enable
    stats uri /
    stats refresh 5s
EOF
haproxy -c -q -f "$CLUSTER_DIR/haproxy.cfg"
if ! pid_alive "$RUN_DIR/haproxy.pid"; then
    say "starting haproxy on $HOST:$HAPROXY_PORT"
    start_bg haproxy haproxy -db -f "$CLUSTER_DIR/haproxy.cfg"
fi
wait_for 30 "haproxy on $HOST:$HAPROXY_PORT" healthy "$BASE_URL"

# For operators and the other scripts: the addresses in one file to source.
cat > "$CLUSTER_DIR/env" << EOF
CLUSTER_DIR=$CLUSTER_DIR
SINERGI_BIN=$BIN
SINERGI_DB=$DB_URL
SINERGI_LOG_KEY=$LOG_KEY
SINERGI_BLOBS=$APP_DIR/blobs
SINERGI_URL=$BASE_URL
MONITOR_URI=$MONITOR_URI
EOF
say "up: $BASE_URL (HAProxy stats http://$HOST:$HAPROXY_STATS_PORT/); database $DB_URL"
say "logins kpu.a / kpu.b, password $PASSWORD; status: $HERE/status.sh; stop: $HERE/down.sh"
