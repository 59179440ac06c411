#!/usr/bin/env bash
# Public reads for millions (issue 16): the public results page read by the public, through the
# public cache (platform::pubcache), with and without C.Hasil coming in, on SQLite with the
# demo data.
#
#   bench/public-read.sh                          # builds; or SINERGI_BIN=/path/to/sinergi
#   Knobs (env): CONNS=64 READ_S=15 PAGE=/hasil?...  INGEST_CONNS=4
#
# 1. `sinergi demo` into a fresh SQLite file; `serve` on 127.0.0.1:18095;
# 2. the page as an official reads it (Authorization: Bearer, never kept: every request is
#    rendered): wrk -t2 -c$CONNS -d$READ_S --latency, Accept-Encoding: gzip. The bare rendering
#    rate, for comparison;
# 3. the same page as the public reads it (anonymous, gzip): answered from memory while nothing
#    changes;
# 4. the same while C.Hasil come in: bench/put.lua (wrk -t1 -c$INGEST_CONNS, single entries as
#    a national KPU operator, kpu.ri, on the Pemilu TPS of the nation: bench/out/tps-pemilu.csv
#    from `sinergi gen tps`, made if missing, imported after the demo) runs beside the readers
#    for the whole phase, each form a new TPS. Every commit of an entry makes the kept page stale; one reader renders it again
#    while the others get it as it was (pubcache's module comment). The forms/s it took is
#    reported beside the reads.
# Goal (issue 16): 20,000 reads/s or more in phase 4, p99 under 20 ms.
# Results: bench/out/public-read.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18095}
BASE=http://$ADDR
PASSWORD=sinergi-demo
CONNS=${CONNS:-64}
READ_S=${READ_S:-15}
INGEST_CONNS=${INGEST_CONNS:-4}
PAGE=${PAGE:-/hasil?pemilu=pemilu-2024&kontes=presiden&wilayah=35}
RESULTS=${RESULTS:-$OUT/public-read.md}
command -v wrk > /dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
source bench/lib.sh

DB=$TMPD/public.db
export SINERGI_LOG_KEY=$TMPD/log.key
"$BIN" demo --db "sqlite://$DB" > /dev/null 2>&1
CSV=$OUT/tps-pemilu.csv
[ -f "$CSV" ] || "$BIN" gen tps --election pemilu-2024 --out "$CSV"
# The demo's own TPS are in already: the national file less those.
python3 - "$CSV" "$DB" "$TMPD/national.csv" "$TMPD/slice" << 'PY'
import csv, random, sqlite3, sys
src, db, out, slice_ = sys.argv[1:]
have = {r[0] for r in sqlite3.connect(db).execute("SELECT code FROM tps WHERE election_id = 'pemilu-2024'")}
rows = [r for r in csv.reader(open(src, newline="")) if r and r[0] not in have]
header, rows = rows[0], rows[1:]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(rows)
random.Random(2024).shuffle(rows)
with open(slice_, "w") as f:
    for i, r in enumerate(rows, 1):
        f.write(f"{i} {r[0]} {r[2]}\n")
PY
"$BIN" import tps --db "sqlite://$DB" --election pemilu-2024 "$TMPD/national.csv" 2>&1 | tail -n 1
echo "rahasia-bench-2024" | "$BIN" user add kpu.ri --db "sqlite://$DB" --agency kpu --region ID --role operator --password-stdin > /dev/null
echo "TPS to enter: $(wc -l < "$TMPD/slice")"
start_server "sqlite://$DB" "$TMPD/server.log" SINERGI_DEMO_FEED_SECS=off SINERGI_LOG=warn
TOKEN=$(login kpu.jatim)
INGEST_TOKEN=$(PASSWORD=rahasia-bench-2024 login kpu.ri)

field_name() { awk '{print $1}' <<< "$1"; }

# read_phase NAME [wrk header...]: wrk on $PAGE; prints "NAME rps p50 p99".
read_phase() {
    local name=$1
    shift
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${READ_S}s" --latency -H 'Accept-Encoding: gzip' "$@" "$BASE$PAGE")
    local rps p50 p99 non2xx
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<< "$out")
    p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<< "$out")
    echo "$name rps=$rps p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
}

# Sanity: the public's answer is kept (public, ETag), the official's is not.
curl -sf -D - -o /dev/null -H 'Accept-Encoding: gzip' "$BASE$PAGE" | grep -qi '^etag:' || { echo "no ETag on the public page" >&2; exit 1; }
curl -sf -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE$PAGE" | grep -qi '^cache-control: private' || { echo "the official's page is not private" >&2; exit 1; }

echo "== official (rendered every time)"
OFFICIAL=$(read_phase official -H "Authorization: Bearer $TOKEN")
echo "$OFFICIAL"
echo "== public, nothing coming in"
QUIET=$(read_phase public_quiet)
echo "$QUIET"
echo "== public, C.Hasil coming in"
ENTRIES_BEFORE=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM result_entries').fetchone()[0])" "$DB")
SLICE=$TMPD/slice THREADS=1 MODE=single SOURCE=kpu TOKEN_A=$INGEST_TOKEN ACKED=$TMPD/acked PARSE=0 \
    wrk -t1 -c"$INGEST_CONNS" -d"$((READ_S + 1))s" --timeout 10s -s bench/put.lua "$BASE" > "$TMPD/ingest.out" 2>&1 &
INGEST=$!
sleep 0.5
BUSY=$(read_phase public_ingesting)
wait "$INGEST" || true
echo "$BUSY"
ENTRIES_AFTER=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM result_entries').fetchone()[0])" "$DB")
FORMS=$(( (ENTRIES_AFTER - ENTRIES_BEFORE) / (READ_S + 1) ))
echo "forms/s entered beside the readers: $FORMS ($((ENTRIES_AFTER - ENTRIES_BEFORE)) entries)"
[ "$ENTRIES_AFTER" -gt "$ENTRIES_BEFORE" ] || { echo "no entry was taken while reading" >&2; cat "$TMPD/ingest.out" >&2; exit 1; }
stop_server

{
    echo "## Public results page, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores"
    echo
    echo "\`$PAGE\`, wrk -t2 -c$CONNS -d${READ_S}s, Accept-Encoding: gzip; SQLite, the demo data and the national Pemilu TPS (810,453 more)."
    echo
    echo "| phase | reads/s | p50 | p99 | non-2xx |"
    echo "|---|---:|---:|---:|---:|"
    for line in "$OFFICIAL" "$QUIET" "$BUSY"; do
        echo "| $(field_name "$line") | $(field rps "$line") | $(field p50 "$line") | $(field p99 "$line") | $(field non2xx "$line") |"
    done
    echo
    echo "C.Hasil entered beside the readers in the last phase: $FORMS forms/s (wrk -t1 -c$INGEST_CONNS, single entries)."
} | tee "$RESULTS"
