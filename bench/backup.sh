#!/usr/bin/env bash
# `sinergi backup --out FILE` on SQLite (issue 16): how long SQLite's online backup takes on a
# national-sized database, and what it costs the C.Hasil coming in meanwhile.
#
#   bench/backup.sh                     # builds; or SINERGI_BIN=/path/to/sinergi
#   Knobs (env): INGEST_S=20 INGEST_CONNS=4
#
# 1. a fresh SQLite database with the national Pemilu TPS (`sinergi gen tps`, 820,000 TPS,
#    bench/out/tps-pemilu.csv, made if missing) and a national KPU operator; `serve` on
#    127.0.0.1:18097;
# 2. a backup with nothing coming in: its time and size;
# 3. C.Hasil coming in alone for INGEST_S seconds (bench/put.lua, single entries, wrk -t1
#    -c$INGEST_CONNS): forms/s, the baseline;
# 4. the same with a backup started one second in: the backup's time and the forms/s while it
#    ran, against the baseline; the backup then passes `audit verify` and `log verify` against
#    what the log's key had signed when the backup began.
# Results: bench/out/backup.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18097}
BASE=http://$ADDR
PASSWORD=rahasia-bench-2024
INGEST_S=${INGEST_S:-20}
INGEST_CONNS=${INGEST_CONNS:-4}
RESULTS=${RESULTS:-$OUT/backup.md}
command -v wrk > /dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
source bench/lib.sh

DB=$TMPD/national.db
fresh_database sqlite
CSV=$OUT/tps-pemilu.csv
[ -f "$CSV" ] || "$BIN" gen tps --election pemilu-2024 --out "$CSV"
"$BIN" import tps --db "$URL" --election pemilu-2024 "$CSV" 2>&1 | tail -n 1
echo "$PASSWORD" | "$BIN" user add kpu.ri --db "$URL" --agency kpu --region ID --role operator --password-stdin > /dev/null
# Two halves of the TPS in a seeded order, one per ingestion phase, each form a new TPS.
python3 - "$CSV" "$TMPD/slice" << 'PY'
import csv, random, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
random.Random(2024).shuffle(rows)
half = len(rows) // 2
for n, part in enumerate((rows[:half], rows[half:]), 1):
    with open(f"{sys.argv[2]}.{n}", "w") as f:
        for i, r in enumerate(part, 1):
            f.write(f"{i} {r[0]} {r[2]}\n")
PY
start_server "$URL" "$TMPD/server.log" SINERGI_DEMO_FEED_SECS=off SINERGI_LOG=warn
TOKEN=$(login kpu.ri)
entries() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM result_entries').fetchone()[0])" "$DB"; }

# backup FILE: runs the backup; prints its seconds.
backup() {
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" backup --db "$URL" --out "$1" > "$TMPD/backup.out" 2>&1 || { cat "$TMPD/backup.out" >&2; exit 1; }
    t1=$(date +%s.%N)
    python3 -c "print(f'{$t1 - $t0:.1f}')"
}
# ingest N: C.Hasil from slice N for INGEST_S seconds, in the background (sets INGEST).
ingest() {
    SLICE=$TMPD/slice.$1 THREADS=1 MODE=single SOURCE=kpu TOKEN_A=$TOKEN ACKED=$TMPD/acked PARSE=0 \
        wrk -t1 -c"$INGEST_CONNS" -d"${INGEST_S}s" --timeout 10s -s bench/put.lua "$BASE" > "$TMPD/ingest.out" 2>&1 &
    INGEST=$!
}

echo "== backup, nothing coming in"
QUIET_S=$(backup "$TMPD/quiet.db")
SIZE_MB=$(du -m "$TMPD/quiet.db" | cut -f1)
echo "$QUIET_S s, $SIZE_MB MB"

echo "== C.Hasil alone, ${INGEST_S} s"
BEFORE=$(entries)
ingest 1
wait "$INGEST" || true
ALONE=$(( ($(entries) - BEFORE) / INGEST_S ))
echo "$ALONE forms/s"

echo "== C.Hasil with a backup"
BEFORE=$(entries)
ingest 2
sleep 1
# What the log's key had signed when the backup began: the backup must extend it. (The key's
# record moves on while the server goes on signing; against it, the backup is an older state,
# which `audit verify` reports and `log acknowledge` accepts after a restore.)
cp "$SINERGI_LOG_KEY" "$TMPD/at-backup.key"
cp "$SINERGI_LOG_KEY.signed" "$TMPD/at-backup.key.signed"
T0=$(date +%s.%N)
AT0=$(entries)
BUSY_S=$(backup "$TMPD/busy.db")
AT1=$(entries)
T1=$(date +%s.%N)
DURING=$(python3 -c "print(round(($AT1 - $AT0) / ($T1 - $T0)))")
wait "$INGEST" || true
echo "backup $BUSY_S s; $DURING forms/s while it ran"
stop_server
BACKED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM result_entries').fetchone()[0])" "$TMPD/busy.db")
[ "$BACKED" -ge "$AT0" ] || { echo "the backup holds $BACKED entries, fewer than the $AT0 before it started" >&2; exit 1; }
SINERGI_LOG_KEY=$TMPD/at-backup.key "$BIN" audit verify --db "sqlite://$TMPD/busy.db" | tail -n 1
SINERGI_LOG_KEY=$TMPD/at-backup.key "$BIN" log verify --db "sqlite://$TMPD/busy.db" | tail -n 1

{
    echo "## sinergi backup --out FILE (SQLite), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores"
    echo
    echo "A database with the national Pemilu TPS ($(wc -l < "$CSV") lines of bench/out/tps-pemilu.csv); the server serving throughout."
    echo
    echo "| phase | backup | C.Hasil forms/s |"
    echo "|---|---:|---:|"
    echo "| backup alone | $QUIET_S s ($SIZE_MB MB) | — |"
    echo "| C.Hasil alone (wrk -t1 -c$INGEST_CONNS) | — | $ALONE |"
    echo "| C.Hasil with a backup | $BUSY_S s | $DURING while it ran |"
    echo
    echo "The backup made under load held $BACKED entries (at least the $AT0 acknowledged before it began); audit verify and log verify passed on it against what the log's key had signed when it began."
} | tee "$RESULTS"
