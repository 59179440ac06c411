#!/usr/bin/env bash
# The failover test: election-night ingestion through HAProxy while parts of the cluster die.
#
#   deploy/local-cluster/failover.sh      # as root; brings the cluster up, or uses a running one
#
#   1. up.sh (bounded); the TPS not yet entered are this run's forms.
#   2. Until the end: GET /log/checkpoint through HAProxy every second (checkpoints.py keeps them
#      all) and `sinergi log watch --watch 1` (signature and consistency as they come).
#   3. ingest.py: 16 connections to HAProxy, KPU double entry of each TPS (kpu.a then kpu.b),
#      every form under its own Idempotency-Key, sent again under that key until acknowledged.
#   4. (a1) kill -9 the primary's postmaster (pid from postmaster.pid). Its pg_autoctl either
#           restarts it in place or, when the monitor sees it down first, the monitor promotes
#           the synchronous standby: which one happened is reported.
#      (a2) kill -9 the primary node whole (its pg_autoctl and PostgreSQL, as if its machine
#           died): the monitor must promote the standby. Then up.sh brings the node back, and it
#           rejoins as the standby (pg_rewind).
#           For both: the time from the kill until pg_auto_failover has one settled primary, and
#           until writes succeed again (the first 200 of a request sent after the kill).
#      (b)  kill -9 the Sinergi server holding the results log's lease (its sequencer and signer
#           move): the clients go on through the other two.
#      (c)  kill -9 the monitor (its pg_autoctl and PostgreSQL): the service goes on.
#   5. Ingestion stopped; on the primary: every acknowledged (TPS, user) is an entry (lost: 0); no
#      (TPS, user) and no Idempotency-Key has two entries (duplicates: 0); the national summary
#      equals SQL; `sinergi audit verify` (also held to every checkpoint kept) and `sinergi log
#      verify` pass; no checkpoint forked. Then up.sh brings the killed parts back.
# Exit 0 only when every check passes. Output: stdout, and all files in $CLUSTER_DIR/runs/<time>/.
# Knobs: WARM_S=30 (ingestion before the first kill), AFTER_S=20 (ingestion after each step),
# CONNS=16, FAILOVER_MAX_S=120 (the longest wait for writes to come back),
# RESTART_AFTER_FAILOVER=1: when writes have not come back SELF_HEAL_S (20) after the database
# settled, restart the Sinergi servers one after another (restart-servers.sh: the way back for a
# binary built before commit 9f02f8e, which did not reconnect; the run then
# still fails, saying so).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
WARM_S=${WARM_S:-30}
AFTER_S=${AFTER_S:-20}
CONNS=${CONNS:-16}
FAILOVER_MAX_S=${FAILOVER_MAX_S:-120}
RESTART_AFTER_FAILOVER=${RESTART_AFTER_FAILOVER:-0}
SELF_HEAL_S=${SELF_HEAL_S:-20}
PASSWORD=${CLUSTER_PASSWORD:-rekap-klaster-2024}
export SINERGI_LANG=en

[ "$(id -u)" = 0 ] || { echo "run as root (see up.sh)" >&2; exit 1; }

# --- 1. the cluster -------------------------------------------------------------------------------
say "== bringing the cluster up (or finding it running)"
timeout 900 "$HERE/up.sh"
BIN=$(sinergi_bin)
export SINERGI_LOG_KEY=$LOG_KEY
VKEY=$(cat "$APP_DIR/log.vkey")
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$CLUSTER_DIR/runs/$STAMP
mkdir -p "$OUT"
exec > >(tee "$OUT/output.txt") 2>&1
RUN_ID=fo$STAMP
say "== run $RUN_ID; files in $OUT"
autoctl show state --pgdata "$PG_DIR/monitor"

# sql SQL: rows as a|b lines from the primary.
sql() { timeout 60 psql "$DB_URL" -qAtX -F'|' -c "$1"; }

# This run's TPS: those of tps.csv (line number = the form's seed) with no result yet. A run
# enters 35,000 to 80,000; when fewer than 100,000 are left, up.sh imports 200,000 more.
tps_left() {
    sql "SELECT COUNT(*) FROM tps t WHERE election_id = 'pemilu-2024' AND NOT EXISTS
        (SELECT 1 FROM results r WHERE r.election_id = t.election_id AND r.contest = 'presiden' AND r.tps_code = t.code)"
}
if [ "$(tps_left)" -lt 100000 ]; then
    TPS_COUNT=$(($(wc -l < "$APP_DIR/tps.csv") - 1 + 200000)) timeout 600 "$HERE/up.sh" | grep -i tps || true
fi
sql "SELECT tps_code FROM results WHERE election_id = 'pemilu-2024' AND contest = 'presiden'" | sort > "$OUT/done.txt"
python3 - "$APP_DIR/tps.csv" "$OUT/done.txt" "$OUT/tps-list.txt" << 'PY'
import csv, sys
done = set(open(sys.argv[2]).read().split())
with open(sys.argv[1], newline="") as f, open(sys.argv[3], "w") as out:
    r = csv.reader(f)
    head = next(r)
    ci, di = head.index("code"), head.index("dpt")
    n = 0
    for i, row in enumerate(r):
        if row[ci] not in done:
            out.write(f"{i} {row[ci]} {row[di]}\n")
            n += 1
print(f"{n} TPS not yet entered, {len(done)} entered by earlier runs")
PY

CHILDREN=()
cleanup() {
    local p
    touch "$OUT/watch.stop"
    for p in "${CHILDREN[@]}"; do
        pkill -P "$p" 2> /dev/null || true
        kill "$p" 2> /dev/null || true
    done
}
trap cleanup EXIT

# --- 2. checkpoint keepers ----------------------------------------------------------------------------
python3 "$HERE/checkpoints.py" poll --base "$BASE_URL" --out "$OUT/checkpoints.jsonl" &
POLLER=$!
CHILDREN+=("$POLLER")
# `sinergi log watch` checks each checkpoint's signature and that it extends the one before, as
# an observer would. It stops (exit 2) at an inconsistency, and also when the server answers
# /log/consistency with an error; it is then started again from its state file, and the stop is
# recorded with its reason.
(
    while [ ! -e "$OUT/watch.stop" ]; do
        "$BIN" log watch "$BASE_URL" --key "$VKEY" --state "$OUT/watch.state" --watch 1 >> "$OUT/log-watch.txt" 2>&1 && break
        rc=$?
        [ -e "$OUT/watch.stop" ] || echo "log watch stopped (exit $rc) at $(date +%T)" >> "$OUT/log-watch.txt"
        sleep 1
    done
) 2>> "$OUT/log-watch.txt" &
WATCHER=$!
CHILDREN+=("$WATCHER")

# --- 3. ingestion ---------------------------------------------------------------------------------------
say "== ingestion through HAProxy ($BASE_URL), $CONNS connections"
python3 "$HERE/ingest.py" --base "$BASE_URL" --tps "$OUT/tps-list.txt" --acked "$OUT/acked.txt" \
    --attempts "$OUT/attempts.txt" --password "$PASSWORD" --run "$RUN_ID" --conns "$CONNS" --drain 90 \
    > "$OUT/ingest.txt" 2> "$OUT/ingest-err.txt" &
INGEST=$!
CHILDREN+=("$INGEST")

now() { date +%s.%N; }
# plus T S: the time T + S seconds.
plus() { awk -v t="$1" -v s="$2" 'BEGIN {printf "%.3f", t + s}'; }
# since T: seconds from T to now.
since() { awk -v t="$1" -v n="$(now)" 'BEGIN {printf "%.1f", n - t}'; }
# acks_between T0 T1: forms acknowledged (a 200 read) between two times.
acks_between() { awk -v a="$1" -v b="$2" '$6 >= a && $6 < b {n++} END {print n + 0}' "$OUT/acked.txt"; }
# rate T0 T1: acknowledged forms per second between two times.
rate() { awk -v n="$(acks_between "$1" "$2")" -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", (b > a ? n / (b - a) : 0)}'; }
# per_second T0 SECONDS: acknowledged forms in each second from T0, on one line.
per_second() {
    awk -v a="$1" -v s="$2" '$6 >= a && $6 < a + s {c[int($6 - a)]++} END {for (i = 0; i < s; i++) printf "%d ", c[i]; print ""}' "$OUT/acked.txt"
}
# failed_between T0 T1: requests sent between two times answered with another status than 200,
# or not at all (each was sent again).
failed_between() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b && $3 != 200 {n++} END {print n + 0}' "$OUT/attempts.txt"; }
# first_write_after T: when the first request sent after T was acknowledged; empty if none yet.
first_write_after() { awk -v t="$1" '$1 > t && $3 == 200 && (m == "" || $2 < m) {m = $2} END {print m}' "$OUT/attempts.txt"; }
resumed_after() { [ -n "$(first_write_after "$1")" ]; }
ingest_alive() { kill -0 "$INGEST" 2> /dev/null || { echo "ingest.py stopped early:" >&2; tail "$OUT/ingest-err.txt" >&2; exit 1; }; }
haproxy_view() { curl -s -m 3 "http://$HOST:$HAPROXY_STATS_PORT/;csv" | awk -F, '$1 == "sinergi" && $2 ~ /^sinergi-/ {printf "%s %s  ", $2, $18}'; }

# settled_primary: the port of the one node that pg_auto_failover has settled as the primary
# (reported state = assigned state, primary or wait_primary) and that accepts writes.
settled_primary() {
    local ports
    ports=$(timeout 5 psql "$MONITOR_URI" -qAtX -c "SELECT nodeport FROM pgautofailover.node
        WHERE reportedstate = goalstate AND reportedstate IN ('primary', 'wait_primary', 'single')" 2> /dev/null) || return 1
    [ "$(grep -c . <<< "$ports")" = 1 ] || return 1
    [ "$(timeout 5 psql "$(node_uri "$ports")" -qAtX -c 'SELECT NOT pg_is_in_recovery()' 2> /dev/null)" = t ] || return 1
    echo "$ports"
}
# wait_settled SECONDS: until settled_primary names the same node for 5 s in a row (right after a
# kill the old primary, restarted by its pg_autoctl, may look settled for a moment before the
# monitor demotes it). Sets SETTLED_PORT and T_SETTLED (the start of that run of 5 s).
wait_settled() {
    local end p last="" since_t=""
    end=$(plus "$(now)" "$1")
    while awk -v n="$(now)" -v e="$end" 'BEGIN {exit !(n < e)}'; do
        p=$(settled_primary || true)
        if [ -n "$p" ] && [ "$p" = "$last" ]; then
            if awk -v n="$(now)" -v s="$since_t" 'BEGIN {exit !(n - s >= 5)}'; then
                SETTLED_PORT=$p T_SETTLED=$since_t
                return 0
            fi
        else
            last=$p since_t=$(now)
        fi
        sleep 0.5
    done
    return 1
}
restart_servers() {
    say "restarting the Sinergi servers one after another (restart-servers.sh)"
    timeout 400 "$HERE/restart-servers.sh" || FAILED+=("restart-servers.sh failed")
}
node_of_port() {
    local i
    for i in 0 1; do [ "${NODE_PORTS[$i]}" = "$1" ] && echo "${NODE_NAMES[$i]}"; done
    return 0
}

FAILED=()
REPORT=()
WRITES_BACK=1

# primary_failure WHAT: kill the primary (WHAT=postmaster: its postmaster only; WHAT=node: its
# pg_autoctl and PostgreSQL together), wait for the database to settle and for writes to come
# back; appends the figures to REPORT and sets T_RESUMED.
primary_failure() {
    local what=$1 old_port old_node t_kill db_s write_s promoted restarted=no resumed pm pg
    old_port=$(settled_primary) || { FAILED+=("($what) no settled primary to kill"); WRITES_BACK=0; return; }
    old_node=$(node_of_port "$old_port")
    # The time is taken once the signal is sent: a request sent before may still succeed.
    if [ "$what" = postmaster ]; then
        pm=$(postmaster_pid "$PG_DIR/$old_node")
        kill -9 "$pm"
        t_kill=$(now)
        say "== (a1) killed (-9) the primary's postmaster: $old_node (port $old_port), pid $pm"
    else
        pg=$(cat "$RUN_DIR/autoctl-$old_node.pid")
        kill -9 -- "-$pg"
        t_kill=$(now)
        say "== (a2) killed (-9) the primary node whole: $old_node's pg_autoctl and PostgreSQL (process group $pg)"
    fi
    if wait_settled "$FAILOVER_MAX_S"; then
        db_s=$(awk -v a="$t_kill" -v b="$T_SETTLED" 'BEGIN {printf "%.1f s", b - a}')
        [ "$SETTLED_PORT" != "$old_port" ] && promoted="yes: $(node_of_port "$SETTLED_PORT") (port $SETTLED_PORT) promoted" \
            || promoted="no: $old_node restarted in place by its pg_autoctl"
    else
        db_s="never (waited ${FAILOVER_MAX_S} s)" promoted=unknown
        FAILED+=("($what) pg_auto_failover had no settled primary within ${FAILOVER_MAX_S}s")
    fi
    say "database settled after: $db_s; promoted: $promoted"
    [ "$what" = node ] && [[ "$promoted" != yes* ]] && FAILED+=("($what) the standby was not promoted")
    if [ "$RESTART_AFTER_FAILOVER" = 1 ] && ! wait_for "$SELF_HEAL_S" "a write acknowledged after the kill" resumed_after "$t_kill"; then
        FAILED+=("($what) Sinergi did not recover by itself: no write succeeded ${SELF_HEAL_S}s after the database settled; its servers were restarted (RESTART_AFTER_FAILOVER=1)")
        restart_servers
        restarted=yes
    fi
    if wait_for "$FAILOVER_MAX_S" "a write acknowledged after the kill" resumed_after "$t_kill"; then
        T_RESUMED=$(first_write_after "$t_kill")
        write_s=$(awk -v a="$t_kill" -v b="$T_RESUMED" 'BEGIN {printf "%.1f s", b - a}')
    else
        T_RESUMED=$(now) write_s="never (waited $(since "$t_kill") s after the kill)" WRITES_BACK=0
        FAILED+=("($what) no write succeeded after the kill (HAProxy: $(haproxy_view))")
    fi
    say "writes succeed again after: $write_s"
    resumed=$(plus "$T_RESUMED" 2)
    sleep "$AFTER_S"
    ingest_alive
    REPORT+=("$([ "$what" = postmaster ] && echo "(a1) postmaster" || echo "(a2) whole node") of the primary $old_node killed at $(date -d "@$t_kill" +%T)")
    REPORT+=("     promoted: $promoted; database settled after: $db_s")
    REPORT+=("     writes back after: $write_s (first 200 of a request sent after the kill); servers restarted: $restarted")
    REPORT+=("     requests failed and sent again meanwhile: $(failed_between "$t_kill" "$T_RESUMED"); acked/s from 2 s before the kill: $(per_second "$(plus "$t_kill" -2)" 16)")
    REPORT+=("     acked/s afterwards: $(rate "$resumed" "$(now)")")
}

T_START=$(now)
sleep "$WARM_S"
ingest_alive
T_A=$(now)
BEFORE_RATE=$(rate "$T_START" "$T_A")

# --- 4a. the primary dies -------------------------------------------------------------------------------
primary_failure postmaster
if [ "$WRITES_BACK" = 1 ]; then
    primary_failure node
    # The dead node comes back as the standby: up.sh starts its pg_autoctl, which rewinds it.
    T_REJOIN=$(now)
    if timeout 300 "$HERE/up.sh" > "$OUT/rejoin.txt" 2>&1; then
        REPORT+=("     the old primary rejoined as the synchronous standby $(since "$T_REJOIN") s after up.sh started it")
    else
        FAILED+=("(a2) the old primary did not rejoin (see $OUT/rejoin.txt)")
    fi
    autoctl show state --pgdata "$PG_DIR/monitor" || true
fi

# --- 4b. one Sinergi server: the one holding the results log's lease -----------------------------
if [ "$WRITES_BACK" = 1 ]; then
    HOLDER_PID=$(sql "SELECT holder FROM leases WHERE name = 'tlog'" | cut -d/ -f2)
    VICTIM=2
    for n in 1 2 3; do
        [ "$(cat "$RUN_DIR/sinergi-$n.pid" 2> /dev/null)" = "$HOLDER_PID" ] && VICTIM=$n
    done
    HOLDS=$([ "$(cat "$RUN_DIR/sinergi-$VICTIM.pid")" = "$HOLDER_PID" ] && echo "holds the log's lease" || echo "no lease holder found")
    kill -9 "$(cat "$RUN_DIR/sinergi-$VICTIM.pid")"
    T_B=$(now)
    say "== (b) killed (-9) sinergi-$VICTIM (pid $(cat "$RUN_DIR/sinergi-$VICTIM.pid"), $HOLDS)"
    sleep "$AFTER_S"
    ingest_alive
    T_B_END=$(now)
    B_ACKS=$(acks_between "$T_B" "$T_B_END")
    [ "$B_ACKS" -gt 0 ] || FAILED+=("(b) nothing acknowledged after sinergi-$VICTIM was killed")
    NEW_HOLDER=$(sql "SELECT holder FROM leases WHERE name = 'tlog'" | cut -d/ -f2)
    say "after killing sinergi-$VICTIM: $B_ACKS forms acknowledged in ${AFTER_S}s; HAProxy: $(haproxy_view)"
    REPORT+=("(b)  sinergi-$VICTIM ($HOLDS) killed: $B_ACKS forms acked in the next ${AFTER_S}s through the other two ($(rate "$T_B" "$T_B_END")/s);")
    REPORT+=("     requests failed and sent again: $(failed_between "$T_B" "$T_B_END"); acked/s: $(per_second "$T_B" 10); the log's lease moved to pid $NEW_HOLDER")

    # --- 4c. the monitor ------------------------------------------------------------------------------
    kill -9 -- "-$(cat "$RUN_DIR/autoctl-monitor.pid")"
    T_C=$(now)
    say "== (c) killed (-9) the monitor (its pg_autoctl and PostgreSQL, process group $(cat "$RUN_DIR/autoctl-monitor.pid"))"
    sleep "$AFTER_S"
    ingest_alive
    T_C_END=$(now)
    C_ACKS=$(acks_between "$T_C" "$T_C_END")
    [ "$C_ACKS" -gt 0 ] || FAILED+=("(c) nothing acknowledged after the monitor was killed")
    say "after killing the monitor: $C_ACKS forms acknowledged in ${AFTER_S}s"
    REPORT+=("(c)  monitor killed: $C_ACKS forms acked in the next ${AFTER_S}s ($(rate "$T_C" "$T_C_END")/s); requests failed: $(failed_between "$T_C" "$T_C_END"); acked/s: $(per_second "$T_C" 10)")
else
    say "== (b) and (c) skipped: writes did not come back after the primary's failure"
    REPORT+=("(b), (c) skipped: writes did not come back")
fi

# --- 5. stop, then count ------------------------------------------------------------------------------
say "== stopping ingestion (forms in flight are finished)"
kill -TERM "$INGEST"
timeout 150 tail --pid="$INGEST" -f /dev/null || { kill -9 "$INGEST"; FAILED+=("ingest.py did not finish"); }
wait "$INGEST" || true
SUMMARY=$(grep '^SUMMARY ' "$OUT/ingest.txt" | cut -d' ' -f2- || true)
echo "client: ${SUMMARY:-no summary}"
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$SUMMARY" "$1"; }
if [ -n "$SUMMARY" ]; then
    [ "$(json refused)" = 0 ] || FAILED+=("forms refused: $(json refusals)")
    [ "$(json abandoned)" = 0 ] || FAILED+=("forms abandoned unacknowledged: $(json abandoned)")
else
    FAILED+=("ingest.py wrote no summary")
fi

# The log's sequencer appends the last entries within seconds: wait until nothing is queued.
queued() { [ "$(sql "SELECT COUNT(*) FROM tlog_queue")" = 0 ]; }
wait_for 60 "the log's queue to empty" queued || FAILED+=("entries still queued for the log 60 s after the ingestion stopped")
sleep 3
kill "$POLLER" 2> /dev/null || true
# The watcher loop ends after the log watch it runs.
touch "$OUT/watch.stop"
pkill -P "$WATCHER" 2> /dev/null || true
wait "$POLLER" "$WATCHER" 2> /dev/null || true

say "== checks on the primary (port $(primary_port))"
# Lost: acknowledged (TPS, user) without an entry. Duplicates: two entries of one (TPS, user)
# (each user sends each TPS once) or of one Idempotency-Key.
sql "SELECT tps_code, entered_by, request_key FROM result_entries WHERE election_id = 'pemilu-2024' AND contest = 'presiden'
     AND source = 'kpu' AND request_key LIKE '$RUN_ID-%'" > "$OUT/entries.txt"
read -r ACKED LOST DUP_FORM DUP_KEY STORED_UNACKED < <(python3 - "$OUT/acked.txt" "$OUT/entries.txt" << 'PY'
import collections, sys
acked = {tuple(l.split()[:2]) for l in open(sys.argv[1]) if l.strip()}
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[2]) if l.strip()]
forms = collections.Counter((r[0], r[1]) for r in rows)
keys = collections.Counter(r[2] for r in rows)
lost = sorted(acked - set(forms))
for t, u in lost[:10]:
    print(f"LOST {t} {u}", file=sys.stderr)
print(len(acked), len(lost), sum(v > 1 for v in forms.values()), sum(v > 1 for v in keys.values()), len(set(forms) - acked))
PY
)
[ "$LOST" = 0 ] || FAILED+=("$LOST acknowledged forms are not in the database")
[ "$DUP_FORM" = 0 ] && [ "$DUP_KEY" = 0 ] || FAILED+=("duplicates: $DUP_FORM (TPS, user) and $DUP_KEY Idempotency-Keys with more than one entry")
# Double entry moved the aggregates: the national summary must equal SQL over the results.
SUMMARY_CHECK=$(python3 - "$BASE_URL" "$(sql "SELECT COUNT(*), COALESCE(SUM(CAST(CAST(counted AS json)->>'valid' AS BIGINT)), 0)
    FROM results WHERE election_id = 'pemilu-2024' AND contest = 'presiden' AND counted IS NOT NULL")" << 'PY'
import json, sys, urllib.request
n, valid = (int(x) for x in sys.argv[2].split("|"))
try:
    s = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/elections/pemilu-2024/results/summary?contest=presiden&region=ID", timeout=30))
except Exception as e:  # noqa: BLE001
    sys.exit(print(f"cannot read the summary: {e}"))
ok = s["tps_in"] == n and s["valid"] == valid
print(("ok" if ok else "MISMATCH") + f": API tps_in {s['tps_in']} valid {s['valid']}; SQL {n} TPS, valid {valid}")
PY
) || true
[[ "$SUMMARY_CHECK" == ok* ]] || FAILED+=("national summary: $SUMMARY_CHECK")

AUDIT=$(timeout 300 "$BIN" audit verify --db "$DB_URL" 2>&1 | tail -n 1) || FAILED+=("audit verify: $AUDIT")
LOGV=$(timeout 300 "$BIN" log verify --db "$DB_URL" 2>&1 | tail -n 1) || FAILED+=("log verify: $LOGV")
CPS=$(timeout 300 python3 "$HERE/checkpoints.py" verify --base "$BASE_URL" --in "$OUT/checkpoints.jsonl" --vkey "$VKEY" --notes "$OUT/checkpoints.notes") \
    || FAILED+=("checkpoints: $CPS")
# The audit chain held to every distinct checkpoint kept during the run (signatures checked).
AUDIT_CP=$(timeout 300 "$BIN" audit verify --db "$DB_URL" --checkpoint "$OUT/checkpoints.notes" --key "$VKEY" 2>&1 | tail -n 1) \
    || FAILED+=("audit verify against the kept checkpoints: $AUDIT_CP")
WATCH_ROUNDS=$(grep -c '^checkpoint verified' "$OUT/log-watch.txt" || true)
# A fork, a rollback or a refused signature is named so by log watch; a stop on a server's
# error answer is not a fork but is reported too (it stops an observer's --watch).
WATCH_FORKS=$(grep -cE 'FORK|ROLLBACK|refused' "$OUT/log-watch.txt" || true)
WATCH_STOPS=$(grep -c '^log watch stopped' "$OUT/log-watch.txt" || true)
[ "$WATCH_FORKS" = 0 ] || FAILED+=("sinergi log watch: $(grep -E 'FORK|ROLLBACK|refused' "$OUT/log-watch.txt" | head -n 2 || true)")
if [ "$WATCH_STOPS" != 0 ]; then
    WATCH_WHY=$(grep -B2 '^log watch stopped' "$OUT/log-watch.txt" | grep -vE '^(log watch stopped|checkpoint verified|--)' | sort | uniq -c | head -n 3 || true)
    FAILED+=("sinergi log watch --watch stopped $WATCH_STOPS time(s) (exit 2, restarted by this script) on: $WATCH_WHY")
fi

# What the servers logged at WARN and ERROR during the run (distinct messages, most frequent first).
grep -hE '^[^ ]+ +(ERROR|WARN) ' "$LOG_DIR"/sinergi-*.log 2> /dev/null | awk -v t="$(date -u -d "@${T_START%.*}" +%FT%T)" '$1 >= t' \
    | sed -E 's/^[^ ]+ +//' | cut -c1-200 | sort | uniq -c | sort -rn | head -n 8 > "$OUT/server-errors.txt" || true

# --- 6. bring the killed parts back ---------------------------------------------------------------
say "== up.sh again: the killed parts come back"
timeout 600 "$HERE/up.sh" > "$OUT/heal.txt" 2>&1 || FAILED+=("up.sh could not bring the killed parts back (see $OUT/heal.txt)")
autoctl show state --pgdata "$PG_DIR/monitor" || true

# --- summary --------------------------------------------------------------------------------------
cat << EOF

================ failover test $RUN_ID ================
ingestion            $CONNS connections through HAProxy $BASE_URL, KPU double entry (kpu.a, kpu.b)
client               ${SUMMARY:-no summary}
forms acknowledged   $ACKED; stored without an acknowledgement read: $STORED_UNACKED
throughput           $BEFORE_RATE acked forms/s before the kills
$(printf '%s\n' "${REPORT[@]}")
lost                 $LOST (acknowledged forms not in result_entries; must be 0)
duplicates           $DUP_FORM (TPS, user) and $DUP_KEY Idempotency-Keys with more than one entry (must be 0)
national summary     $SUMMARY_CHECK
audit verify         $AUDIT
  with checkpoints   $AUDIT_CP
log verify           $LOGV
checkpoints          $CPS
log watch            $WATCH_ROUNDS checkpoints verified through HAProxy (signature, consistency); forks: $WATCH_FORKS; stops on an error answer: $WATCH_STOPS
server WARN/ERROR lines during the run (count, message):
$(sed 's/^/  /' "$OUT/server-errors.txt")
EOF
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo
    echo "FAILED:"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo
echo "All checks passed."
