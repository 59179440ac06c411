#!/usr/bin/env bash
# "TPS terdekat" (GET /api/v1/places/nearest) at national scale: the ≈820,000 Pemilu 2024 TPS,
# each with coordinates, on SQLite and PostgreSQL, with and without the position index
# tps_near (migration 0012).
#
#   bench/nearest.sh                                   # builds (release); SQLite only
#   PG=postgres://postgres@127.0.0.1:5432 bench/nearest.sh    # PostgreSQL too
#   SINERGI_BIN=target/debug/sinergi bench/nearest.sh  # that binary, no build
#   Knobs (env): N=300 (requests per case), ADDR.
#
# Per engine, from scratch: `sinergi gen tps --election pemilu-2024` (820,161 TPS with
# coordinates), `audit verify` (creates and migrates the database, loads the regions), then
# `import tps` timed (with the index, as the binary migrates it); the server; N positions, each
# a TPS of the file taken at an even stride over it, moved 0.003° (≈300 m) north-east; then one
# client (python3, one kept-alive connection) asks, one request after the other:
#   - GET /healthz                        the bare baseline (a request that reads nothing)
#   - GET /api/v1/places/nearest?election=pemilu-2024&lat=…&lon=…   with the index
#   - PostgreSQL: the same after `DROP INDEX tps_near` (what the query cost before migration
#     0012: every TPS of the election read, the box's filter applied to each) and a restart.
#     SQLite: its query names the index (INDEXED BY), so there the SQL before and now are timed
#     on their own (python3's sqlite3, the same positions).
# Reported per case: requests, mean, p50, p95, max (ms), and mean as a ratio to the baseline's;
# plus the query plan of each engine, and the import time with the index and, into another
# fresh database whose index was dropped before the import, without it (SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18098}
BASE="http://$ADDR"
PASSWORD=unused
N=${N:-300}
PG=${PG:-}
PG_DB=bench_nearest
. bench/lib.sh

CSV=$TMPD/tps.csv
echo "== generate"
"$BIN" gen tps --election pemilu-2024 --out "$CSV" > /dev/null
echo "TPS: $(($(wc -l < "$CSV") - 1))"
# N positions: TPS at an even stride, 0.003° north-east of each.
python3 - "$CSV" "$N" > "$TMPD/positions" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = int(sys.argv[2])
step = max(1, len(rows) // n)
for r in rows[::step][:n]:
    print(f"{float(r['lat']) + 0.003:.5f} {float(r['lon']) + 0.003:.5f}")
PY

# measure LABEL PATH_TEMPLATE: N sequential requests on one connection; {lat} {lon} filled in
# from the positions. Prints a table row; the baseline's mean is kept in BASELINE_MS.
measure() {
    python3 - "$ADDR" "$TMPD/positions" "$1" "$2" "${BASELINE_MS:-0}" <<'PY'
import http.client, sys, time, json
addr, positions, label, template, baseline = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
host, port = addr.split(':')
conn = http.client.HTTPConnection(host, int(port))
pos = [l.split() for l in open(positions)]
def ask(path):
    conn.request('GET', path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"{path}: {r.status} {body[:200]!r}")
    return body
for lat, lon in pos[:5]:
    ask(template.format(lat=lat, lon=lon))  # warm-up
times, found = [], 0
for lat, lon in pos:
    t = time.perf_counter()
    body = ask(template.format(lat=lat, lon=lon))
    times.append((time.perf_counter() - t) * 1000)
    if b'"items"' in body:
        found += len(json.loads(body)['items'])
times.sort()
mean = sum(times) / len(times)
ratio = f"{mean / baseline:.1f}×" if baseline else "1×"
print(f"| {label} | {len(times)} | {mean:.2f} | {times[len(times)//2]:.2f} | {times[int(len(times)*0.95)]:.2f} | {times[-1]:.2f} | {ratio} | {found / len(times):.1f} |")
print(f"{mean:.4f}", file=open(positions + '.mean', 'w'))
PY
}

NEAREST='/api/v1/places/nearest?election=pemilu-2024&lat={lat}&lon={lon}'
PLAN_SQL="SELECT code, lat, lon FROM tps WHERE election_id = 'pemilu-2024' AND CAST(lat * 10 + 1000 AS INTEGER) IN (CAST(-7.7 * 10 + 1000 AS INTEGER), CAST(-7.7 * 10 + 1000 AS INTEGER) + 1, CAST(-7.7 * 10 + 1000 AS INTEGER) + 2, CAST(-7.7 * 10 + 1000 AS INTEGER) + 3, CAST(-7.7 * 10 + 1000 AS INTEGER) + 4) AND CAST(lon * 10 + 2000 AS INTEGER) BETWEEN CAST(112.0 * 10 + 2000 AS INTEGER) AND CAST(112.4 * 10 + 2000 AS INTEGER) AND lat BETWEEN -7.7 AND -7.3 AND lon BETWEEN 112.0 AND 112.4"

# run_engine NAME URL DROP_CMD...: the import, then the three cases against URL.
run_engine() {
    local name=$1 url=$2
    shift 2
    echo
    echo "== $name"
    "$BIN" audit verify --db "$url" > /dev/null
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" import tps --election pemilu-2024 --db "$url" "$CSV" | tail -n 1
    t1=$(date +%s.%N)
    echo "import (with tps_near): $(python3 -c "print(f'{$t1 - $t0:.2f}')") s wall"
    echo
    echo "| case | requests | mean ms | p50 ms | p95 ms | max ms | mean / baseline | TPS answered per request |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    start_server "$url" "$TMPD/server-$name.log" SINERGI_LOG=warn
    BASELINE_MS=""
    measure "GET /healthz (baseline)" "/healthz"
    BASELINE_MS=$(cat "$TMPD/positions.mean")
    measure "nearest, with tps_near" "$NEAREST"
    stop_server
    # On SQLite the query names its index (INDEXED BY), so it cannot run without it: the cost
    # before is measured below on the query alone (old and new SQL, same positions).
    [ "$name" = sqlite ] && return 0
    "$@" "DROP INDEX tps_near"
    start_server "$url" "$TMPD/server-$name.log" SINERGI_LOG=warn
    measure "nearest, index dropped (as before 0012)" "$NEAREST"
    stop_server
}

# SQLite, the query alone (python3's sqlite3, the same positions): the SQL before migration
# 0012 (box filter, no position index) and now.
sqlite_queries() {
    python3 - "$SQLITE_DB" "$TMPD/positions" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
pos = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
old = "SELECT code, lat, lon FROM tps WHERE election_id = ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?"
cell = lambda v, o: f"CAST({v} * 10 + {o} AS INTEGER)"
lo = cell("CAST(?2 AS DOUBLE PRECISION)", 1000)
new = (f"SELECT code, lat, lon FROM tps INDEXED BY tps_near WHERE election_id = ?1 AND {cell('lat', 1000)} IN ({lo}, {lo} + 1, {lo} + 2, {lo} + 3, {lo} + 4) "
       f"AND {cell('lon', 2000)} BETWEEN {cell('CAST(?4 AS DOUBLE PRECISION)', 2000)} AND {cell('CAST(?5 AS DOUBLE PRECISION)', 2000)} "
       "AND lat BETWEEN ?2 AND ?3 AND lon BETWEEN ?4 AND ?5")
for label, sql in [("old SQL, no position index", old), ("new SQL, tps_near", new)]:
    times, rows = [], 0
    for lat, lon in pos:
        args = ("pemilu-2024", lat - 0.2, lat + 0.2, lon - 0.2, lon + 0.2)
        t = time.perf_counter()
        rows += len(db.execute(sql, args).fetchall())
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"| {label} | {len(times)} | {sum(times)/len(times):.2f} | {times[len(times)//2]:.2f} | {times[int(len(times)*0.95)]:.2f} | {times[-1]:.2f} | {rows/len(times):.0f} |")
PY
}

SQLITE_DB=$TMPD/nearest.db
sqlite_sql() { sqlite3 "$SQLITE_DB" "$1"; }
run_engine sqlite "sqlite://$SQLITE_DB" sqlite_sql
echo
echo "SQLite, the query alone:"
echo
echo "| SQL | positions | mean ms | p50 ms | p95 ms | max ms | rows in the box (mean) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
sqlite_queries
echo
echo "SQLite plan without the hint (why it is named):"
sqlite3 "$SQLITE_DB" "EXPLAIN QUERY PLAN $PLAN_SQL" | sed 's/^/    /'

# The index's cost at import: a fresh database whose index is dropped before the import.
NOIDX=$TMPD/noindex.db
"$BIN" audit verify --db "sqlite://$NOIDX" > /dev/null
sqlite3 "$NOIDX" "DROP INDEX tps_near"
t0=$(date +%s.%N)
"$BIN" import tps --election pemilu-2024 --db "sqlite://$NOIDX" "$CSV" | tail -n 1
t1=$(date +%s.%N)
echo "SQLite import without tps_near: $(python3 -c "print(f'{$t1 - $t0:.2f}')") s wall"

if [ -n "$PG" ]; then
    psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB" > /dev/null
    psql "$PG/postgres" -q -c "CREATE DATABASE $PG_DB" > /dev/null
    PG_CREATED=1
    pg_sql() { psql "$PG/$PG_DB" -q -c "$1" > /dev/null; }
    run_engine postgres "$PG/$PG_DB" pg_sql
    echo
    echo "PostgreSQL plan, with the index (re-created for this):"
    psql "$PG/$PG_DB" -q -c "CREATE INDEX tps_near ON tps (election_id, (CAST(lat * 10 + 1000 AS INTEGER)), (CAST(lon * 10 + 2000 AS INTEGER)))" -c "ANALYZE tps" > /dev/null
    psql "$PG/$PG_DB" -At -c "EXPLAIN $PLAN_SQL" | sed 's/^/    /'
fi

echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -h | awk '/^Mem:/{print $2}') RAM; binary $BIN; commit $(git rev-parse --short HEAD)"
