#!/usr/bin/env bash
# The cluster at a glance: pg_auto_failover's view of the nodes, what each node says of itself
# (so it still answers with the monitor down), replication, the three servers' and HAProxy's
# health, and the results log's latest checkpoint. Exit 1 when any part is down.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
[ -d "$CLUSTER_DIR" ] || { echo "no cluster: $CLUSTER_DIR does not exist (start it with $HERE/up.sh)"; exit 1; }
down=0

echo "== pg_auto_failover (pg_autoctl show state)"
if ! timeout 10 runuser -u postgres -- env XDG_CONFIG_HOME="$PG_DIR/xdg/config" XDG_DATA_HOME="$PG_DIR/xdg/data" \
    XDG_RUNTIME_DIR="$PG_DIR/xdg/run" pg_autoctl show state --pgdata "$PG_DIR/monitor" 2> /dev/null; then
    echo "monitor not reachable on $HOST:$MONITOR_PORT"
    down=1
fi

echo "== PostgreSQL nodes"
for i in 0 1; do
    name=${NODE_NAMES[$i]} port=${NODE_PORTS[$i]}
    role=$(timeout 5 psql "$(node_uri "$port")" -qAtX -c "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END" 2> /dev/null || echo down)
    [ "$role" = down ] && down=1
    printf '%-6s %s:%s  %-8s pg_autoctl (process group) %s, postmaster %s\n' "$name" "$HOST" "$port" "$role" \
        "$(keeper_pid "$PG_DIR/$name")" "$(postmaster_pid "$PG_DIR/$name")"
done
p=$(primary_port)
if [ -n "$p" ]; then
    timeout 5 psql "$(node_uri "$p")" -qX -c "SELECT application_name AS standby, state, sync_state, replay_lag FROM pg_stat_replication" \
        -c "SHOW synchronous_standby_names" 2> /dev/null || true
else
    echo "no node accepts writes"
    down=1
fi

echo "== Sinergi servers (GET /healthz)"
for n in 1 2 3; do
    port=${SINERGI_PORTS[$((n - 1))]}
    code=$(http_code "http://$HOST:$port/healthz")
    [ "$code" = 200 ] || down=1
    printf 'sinergi-%s %s:%s  %s  pid %s  log %s\n' "$n" "$HOST" "$port" "$code" \
        "$(pid_alive "$RUN_DIR/sinergi-$n.pid" && cat "$RUN_DIR/sinergi-$n.pid" || echo '-')" "$LOG_DIR/sinergi-$n.log"
done

echo "== HAProxy $BASE_URL (stats: http://$HOST:$HAPROXY_STATS_PORT/)"
code=$(http_code "$BASE_URL/healthz")
[ "$code" = 200 ] || down=1
echo "GET /healthz through HAProxy: $code"
curl -s -m 3 "http://$HOST:$HAPROXY_STATS_PORT/;csv" 2> /dev/null \
    | awk -F, '$1 == "sinergi" && $2 ~ /^sinergi-/ {printf "%s %s (check %s)\n", $2, $18, $37}' || true

echo "== results log"
if [ "$code" = 200 ]; then
    curl -s -m 5 "$BASE_URL/log/checkpoint" | head -n 4
    lease=$(timeout 5 psql "$DB_URL" -qAtX -c "SELECT holder FROM leases WHERE name = 'tlog'" 2> /dev/null || true)
    echo "log lease (sequencer and signer) held by: ${lease:-nobody}"
fi
exit "$down"
