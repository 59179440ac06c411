#!/usr/bin/env bash
# The region map (/peta/{region}) with the national TPS loaded (SQLite): every layer at every
# level, the nation included, against a bare baseline serving the same bytes as a static file.
#
#   bench/map.sh
#   SINERGI_BIN=/path/to/sinergi bench/map.sh   # that binary, no build
#
# From scratch, every run:
#   1. build (unless SINERGI_BIN), generate bench/out/tps-pemilu.csv (reused if it already
#      holds 820,161 TPS; REGEN=1 regenerates);
#   2. a fresh bench/out/map.db: `audit verify` (creates, migrates, loads the regions), `import
#      tps` of the national file, then with python3's sqlite3 (server not running) a TPS-rawan
#      grade for 30 % of the TPS (seeded; 28 % kurang rawan, 1.8 % rawan, 0.2 % sangat rawan
#      of all TPS), so the vulnerability layer has rows to read; no stock, reports or results
#      (those layers then read their empty tables: their cost with data is in the readiness,
#      reports and election-night sections of docs/PERFORMANCE.md);
#   3. a national KPU viewer (`sinergi user add`), serve on 127.0.0.1:18093, log in;
#   4. per layer (kerawanan, kesiapan, laporan, hasil) and level (nation, province 35, regency
#      35.17, district 35.17.01, village 35.17.01.2001): the first request (cold) and then REPS
#      requests (default 10) with curl, gzip accepted as a browser does: min/median/max of
#      %{time_total}, body bytes gzipped and raw;
#   5. baseline: the national kerawanan page saved to a file and served by python3 -m
#      http.server (static file, same bytes), timed the same way;
#   6. peak RSS (VmHWM) of the server. Servers are stopped on exit (trap).
# Results: bench/out/map-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
CSV=$OUT/tps-pemilu.csv
DB=${DB:-$OUT/map.db}
ADDR=${ADDR:-127.0.0.1:18093}
BASE=http://$ADDR
STATIC_PORT=${STATIC_PORT:-18094}
ELECTION=pemilu-2024
REPS=${REPS:-10}
RESULTS=${RESULTS:-$OUT/map-results.md}
EXPECTED_TPS=820161
PASSWORD=bench-peta-123
LAYERS=(kerawanan kesiapan laporan hasil)
LEVELS=("nation ID" "province 35" "regency 35.17" "district 35.17.01" "village 35.17.01.2001")
mkdir -p "$OUT"
command -v python3 > /dev/null || { echo "needs python3" >&2; exit 1; }

source bench/lib.sh
STATIC=""
stop_static() { [ -n "$STATIC" ] && kill "$STATIC" 2> /dev/null && wait "$STATIC" 2> /dev/null || true; }
trap 'stop_static; cleanup' EXIT INT TERM

echo "== TPS file"
if [ "${REGEN:-0}" = 1 ] || [ ! -f "$CSV" ] || [ "$(($(wc -l < "$CSV") - 1))" != "$EXPECTED_TPS" ]; then
    "$BIN" gen tps --election "$ELECTION" --out "$CSV"
else
    echo "reusing $CSV"
fi

echo "== fresh database $DB, import"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" audit verify --db "sqlite://$DB" > /dev/null
"$BIN" import tps --election "$ELECTION" --db "sqlite://$DB" "$CSV"
grade_tps "sqlite://$DB" "$ELECTION"
echo "$PASSWORD" | "$BIN" user add kpu.nasional --agency kpu --region ID --role viewer --password-stdin --db "sqlite://$DB" > /dev/null

echo "== serve"
start_server "sqlite://$DB" "$TMPD/server.log"
COOKIE="sinergi_session=$(login kpu.nasional)"

# time_url URL [COOKIE]: prints "min median max gz_bytes" over REPS requests.
time_url() {
    local url=$1 cookie=${2:-} f
    f=$(mktemp -p "$TMPD")
    for _ in $(seq 1 "$REPS"); do
        curl -s -o /dev/null -H "Accept-Encoding: gzip" ${cookie:+-H "Cookie: $cookie"} -w '%{time_total} %{size_download}\n' "$url" >> "$f"
    done
    sort -n "$f" | awk '{t[NR]=$1; s=$2} END {printf "%.1f %.1f %.1f %d", t[1]*1000, t[int((NR+1)/2)]*1000, t[NR]*1000, s}'
}

{
    echo "# Map bench ($(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD), load1 $(cut -d' ' -f1 /proc/loadavg))"
    echo
    echo "| layer | level | region | cold ms | min ms | median ms | max ms | gzip bytes | raw bytes |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
} > "$RESULTS"
for layer in "${LAYERS[@]}"; do
    for lv in "${LEVELS[@]}"; do
        level=${lv%% *} region=${lv#* }
        url="$BASE/peta/$region?lapis=$layer&pemilu=$ELECTION"
        cold=$(curl -s -o /dev/null -H "Accept-Encoding: gzip" -H "Cookie: $COOKIE" -w '%{time_total}' "$url" | awk '{printf "%.1f", $1*1000}')
        read -r mn md mx gz <<< "$(time_url "$url" "$COOKIE")"
        raw=$(curl -s -H "Cookie: $COOKIE" "$url" | wc -c)
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$url")
        [ "$code" = 200 ] || { echo "GET $url answered $code" >&2; exit 1; }
        echo "| $layer | $level | $region | $cold | $mn | $md | $mx | $gz | $raw |" | tee -a "$RESULTS"
    done
done

echo "== baseline: the national page as a static file (python3 -m http.server)"
mkdir -p "$TMPD/static"
curl -s -H "Cookie: $COOKIE" "$BASE/peta/ID?lapis=kerawanan&pemilu=$ELECTION" > "$TMPD/static/peta.html"
(cd "$TMPD/static" && exec python3 -m http.server "$STATIC_PORT" --bind 127.0.0.1 > /dev/null 2>&1) &
STATIC=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$STATIC_PORT/peta.html" && break; sleep 0.1; done
read -r smn smd smx sgz <<< "$(time_url "http://127.0.0.1:$STATIC_PORT/peta.html")"
read -r nmn nmd nmx ngz <<< "$(time_url "$BASE/peta/ID?lapis=kerawanan&pemilu=$ELECTION" "$COOKIE")"
{
    echo
    echo "Baseline (same $(wc -c < "$TMPD/static/peta.html") bytes from python3 -m http.server, uncompressed): min $smn / median $smd / max $smx ms."
    echo "National kerawanan map, same sitting: min $nmn / median $nmd / max $nmx ms ($ngz bytes gzipped); ratio of medians $(awk -v a="$nmd" -v b="$smd" 'BEGIN{printf "%.1f", a/b}')."
    echo
    echo "Peak RSS (VmHWM): $(hwm_mb) MB."
} | tee -a "$RESULTS"
