#!/usr/bin/env bash
# Read latency with the national TPS data loaded (SQLite).
#
#   bench/import.sh   # first: leaves bench/out/import.db with 820,161 TPS
#   bench/read.sh
#
# Serves bench/out/import.db on 127.0.0.1:18080, then with wrk (apt-get install -y wrk):
#   1. the mix of bench/read.lua (14 URLs in rotation): -t2 -c16 -d20s --latency
#   2. each URL alone at the same load (-t2 -c16, PER_URL_S seconds, default 10)
#   3. each URL alone, one connection (-t1 -c1, SERIAL_S seconds, default 5): service time
#      without queueing
# Target: p99 under 50 ms for every region page and API answer.
# Results: bench/out/read-results.md (and stdout). The server is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
DB=$OUT/import.db
# SINERGI_BIN=path: benchmark that binary instead of building target/release/sinergi
# (e.g. a candidate fix built elsewhere).
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18080}
BASE=http://$ADDR
MIX_S=${MIX_S:-20}
PER_URL_S=${PER_URL_S:-10}
SERIAL_S=${SERIAL_S:-5}
TARGET_MS=${TARGET_MS:-50}
RESULTS=${RESULTS:-$OUT/read-results.md}

command -v wrk > /dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
[ -f "$DB" ] || { echo "no $DB: run bench/import.sh first" >&2; exit 1; }

URLS=(
    "/api/v1/regions/35"
    "/api/v1/regions/35.17"
    "/api/v1/regions/35.17.01"
    "/api/v1/regions/35.17.01.2001"
    "/api/v1/regions/35.17/children"
    "/api/v1/regions?q=balongsari"
    "/api/v1/elections/pemilu-2024/tps?region=35.17&limit=100"
    "/api/v1/elections/pemilu-2024/tps/35.17.01.2001.001"
    "/wilayah"
    "/wilayah/35"
    "/wilayah/35.17"
    "/wilayah/35.17.01"
    "/wilayah/35.17.01.2001"
    "/cari?q=balongsari"
)
# Not in the mix: the pages default to pilkada-2024, which has no TPS in this database; these
# show the Pemilu counts and, for the village, its 14 TPS.
EXTRA=(
    "/wilayah/35.17?pemilu=pemilu-2024"
    "/wilayah/35.17.01.2001?pemilu=pemilu-2024"
)

[ -n "${SINERGI_BIN:-}" ] || cargo build --release 2>&1 | tail -n 1

SERVER_LOG=$(mktemp)
"$BIN" serve --db "sqlite://$DB" --listen "$ADDR" > "$SERVER_LOG" 2>&1 &
SERVER=$!
stop() {
    kill "$SERVER" 2> /dev/null || true
    wait "$SERVER" 2> /dev/null || true
    rm -f "$SERVER_LOG"
}
trap stop EXIT

for _ in $(seq 1 150); do
    curl -sf "$BASE/healthz" > /dev/null && break
    kill -0 "$SERVER" 2> /dev/null || { cat "$SERVER_LOG" >&2; exit 1; }
    sleep 0.2
done
curl -sf "$BASE/healthz" > /dev/null || { echo "server did not become healthy" >&2; cat "$SERVER_LOG" >&2; exit 1; }

tps=$(curl -sf "$BASE/api/v1/regions/35.17" | sed -n 's/.*"tps_count":{[^}]*"pemilu-2024":\([0-9]*\).*/\1/p')
[ -n "$tps" ] && [ "$tps" -gt 0 ] || { echo "$DB holds no pemilu-2024 TPS: run bench/import.sh first" >&2; exit 1; }

# Every URL must answer 200 before it is measured; this also warms the caches.
for u in "${URLS[@]}" "${EXTRA[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$u")
    [ "$code" = 200 ] || { echo "$u answered $code" >&2; exit 1; }
done

result() { grep '^RESULT' | tail -n 1; }
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$2"; }

{
    echo "# Read benchmark ($(date -u +%Y-%m-%d))"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- binary: $BIN; commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted changes in src/')"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); kernel $(uname -r)"
    echo "- database: $DB ($(du -h "$DB" | cut -f1)), Jombang (35.17) holds $tps pemilu-2024 TPS"
    echo "- wrk runs on the same 2 cores as the server; load1 before: $(cut -d' ' -f1 /proc/loadavg)"
    echo
} > "$RESULTS"

echo "== mix: wrk -t2 -c16 -d${MIX_S}s --latency -s bench/read.lua $BASE"
mix_out=$(wrk -t2 -c16 -d"${MIX_S}s" --latency -s bench/read.lua "$BASE")
echo "$mix_out"
mix=$(result <<< "$mix_out")
{
    echo "## Mix (14 URLs in rotation): \`wrk -t2 -c16 -d${MIX_S}s --latency -s bench/read.lua $BASE\`"
    echo
    echo "| requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-200 | socket errors |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $(field requests "$mix") | $(field rps "$mix") | $(field p50_ms "$mix") | $(field p90_ms "$mix") | $(field p99_ms "$mix") | $(field max_ms "$mix") | $(field non200 "$mix") | $(field errors "$mix") |"
    echo
    echo "## Per URL"
    echo
    echo "Loaded: \`WRK_PATH=URL wrk -t2 -c16 -d${PER_URL_S}s --latency -s bench/read.lua $BASE\`;"
    echo "alone: \`WRK_PATH=URL wrk -t1 -c1 -d${SERIAL_S}s --latency -s bench/read.lua $BASE\` (one request at a time)."
    echo
    echo "| URL | req/s (c16) | p50 ms (c16) | p99 ms (c16) | max ms (c16) | p50 ms (c1) | p99 ms (c1) | p99 < ${TARGET_MS} ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
} >> "$RESULTS"

missed=()
awk -v p="$(field p99_ms "$mix")" -v t="$TARGET_MS" 'BEGIN{exit !(p >= t)}' && missed+=("mix")
for u in "${URLS[@]}" "${EXTRA[@]}"; do
    echo "== $u"
    loaded=$(WRK_PATH=$u wrk -t2 -c16 -d"${PER_URL_S}s" --latency -s bench/read.lua "$BASE" | result)
    alone=$(WRK_PATH=$u wrk -t1 -c1 -d"${SERIAL_S}s" --latency -s bench/read.lua "$BASE" | result)
    echo "   c16: $loaded"
    echo "   c1:  $alone"
    [ "$(field non200 "$loaded")" = 0 ] || { echo "$u: non-200 answers under load" >&2; exit 1; }
    ok=yes
    if awk -v p="$(field p99_ms "$loaded")" -v t="$TARGET_MS" 'BEGIN{exit !(p >= t)}'; then ok="**no**"; missed+=("$u"); fi
    label=$u
    for x in "${EXTRA[@]}"; do [ "$x" = "$u" ] && label="$u (extra, not in mix)"; done
    echo "| \`$label\` | $(field rps "$loaded") | $(field p50_ms "$loaded") | $(field p99_ms "$loaded") | $(field max_ms "$loaded") | $(field p50_ms "$alone") | $(field p99_ms "$alone") | $ok |" >> "$RESULTS"
done

{
    echo
    echo "- server peak RSS: $(awk '/^VmHWM/{printf "%.0f MB", $2/1024}' /proc/"$SERVER"/status)"
    if [ ${#missed[@]} -eq 0 ]; then
        echo "- target p99 < ${TARGET_MS} ms at 16 connections: met for every URL and the mix"
    else
        echo "- target p99 < ${TARGET_MS} ms at 16 connections: MISSED for ${#missed[@]}: ${missed[*]}"
    fi
} >> "$RESULTS"

echo
cat "$RESULTS"
