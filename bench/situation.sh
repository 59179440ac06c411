#!/usr/bin/env bash
# Situasi wilayah (GET /api/v1/situation) and the national map (/peta/ID) with the national TPS
# loaded, idle and while election-night ingestion runs at full rate; SQLite and (with PG=…)
# PostgreSQL.
#
#   bench/situation.sh                                        # builds; SQLite only
#   SINERGI_BIN=/path/to/sinergi bench/situation.sh           # that binary, no build
#   PG=postgres://postgres@127.0.0.1:5432 bench/situation.sh  # also PostgreSQL (a fresh
#                                                             # database bench_situation, dropped)
#   Knobs (env): READ_S=10 SERIAL_S=5 CONNS=64 ENGINES="sqlite pg", DB, RESULTS.
#
# Targets (issue 14): situation p99 < 50 ms for a regency, < 200 ms for a province and the
# nation; < 100 ms while ingestion runs at full rate; the national map under 200 ms.
#
# Per engine, from scratch (needs wrk, python3, curl; psql for PG):
#   1. build (unless SINERGI_BIN); bench/out/tps-pemilu.csv from `sinergi gen tps --election
#      pemilu-2024` (reused if it holds 820,161 TPS); the TPS in bench/election-night.sh's
#      order (python3, seed 2024), for the forms;
#   2. a fresh database: `audit verify`, `import tps` of the national file (timed), 30 % of the
#      TPS graded (grade_tps in bench/lib.sh, as bench/map.sh does); users from `user add
#      --password-stdin`: KPU viewers of the regency 35.17 (Jombang), the province 35 (Jawa
#      Timur) and the nation, and kpu.a, kpu.b (national operators, for the forms);
#   3. `serve` on 127.0.0.1:18095; logins (bearer tokens); every URL answers 200 once (warm);
#   4. idle: per URL, wrk -t1 -c4 -d${READ_S}s --latency -s bench/get.lua (four readers), then
#      -t1 -c1 -d${SERIAL_S}s (one request at a time: the service time). URLs: the situation of
#      each level as that level's user, `GET /peta/ID?lapis=kerawanan&pemilu=pemilu-2024` (the
#      national user's session cookie), and `GET /healthz` as the bare baseline;
#   5. busy: bench/election-night.sh's double entry (bench/put.lua, wrk -t2 -c$CONNS, kpu.a +
#      kpu.b, each TPS twice: the second makes it sah and moves the aggregates of five regions),
#      and beside it, one after the other, the same four-reader runs of each situation URL and
#      the national map. The forms' rate and latency are reported next to the readers';
#   6. peak RSS (VmHWM) of the server.
# Each run records the 1-minute load average before it and how many rustc processes ran (the
# machine is shared). wrk's percentiles are corrected for coordinated omission. wrk runs on the
# same cores as the server. Results: bench/out/situation-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
CSV=$OUT/tps-pemilu.csv
DB=${DB:-$OUT/situation.db}
ADDR=${ADDR:-127.0.0.1:18095}
BASE=http://$ADDR
ELECTION=pemilu-2024
READ_S=${READ_S:-10}
SERIAL_S=${SERIAL_S:-5}
CONNS=${CONNS:-64}
PG=${PG:-}
PG_DB=bench_situation
ENGINES=${ENGINES:-sqlite${PG:+ pg}}
RESULTS=${RESULTS:-$OUT/situation-results.md}
PASSWORD=bench-situasi-2024
EXPECTED_TPS=820161
# level region user target_idle_ms
LEVELS=("regency 35.17 sit.kab 50" "province 35 sit.prov 200" "nation ID sit.ri 200")
MAP_PATH="/peta/ID?lapis=kerawanan&pemilu=$ELECTION"
MAP_TARGET_MS=200
BUSY_TARGET_MS=100
mkdir -p "$OUT"
for tool in wrk python3 curl; do
    command -v "$tool" > /dev/null || { echo "needs $tool (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
if [[ " $ENGINES " == *" pg "* ]]; then
    [ -n "$PG" ] || { echo "ENGINES has pg: set PG=postgres://USER@HOST:PORT" >&2; exit 1; }
    command -v psql > /dev/null || { echo "PG needs psql" >&2; exit 1; }
fi

# shellcheck source=bench/lib.sh
source bench/lib.sh

echo "== TPS file"
if [ "${REGEN:-0}" = 1 ] || [ ! -f "$CSV" ] || [ "$(($(wc -l < "$CSV") - 1))" != "$EXPECTED_TPS" ]; then
    "$BIN" gen tps --election "$ELECTION" --out "$CSV"
else
    echo "reusing $CSV"
fi
# "index code dpt" in bench/election-night.sh's order: consecutive forms from all over the country.
python3 - "$CSV" "$TMPD/forms.txt" << 'PY'
import csv, random, sys
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    head = next(r)
    ci, di = head.index("code"), head.index("dpt")
    rows = [(row[ci], row[di]) for row in r]
random.Random(2024).shuffle(rows)
with open(sys.argv[2], "w") as out:
    for i, (code, dpt) in enumerate(rows):
        out.write(f"{i} {code} {dpt}\n")
PY

load_now() { echo "load1 $(cut -d' ' -f1 /proc/loadavg), rustc $(pgrep -c -x rustc || true)"; }

# reads LABEL CONNS SECONDS PATH AUTH COOKIE: one wrk run of bench/get.lua; prints its RESULT
# line with the load before it appended.
reads() {
    local label=$1 c=$2 s=$3 path=$4 auth=$5 cookie=$6 load r
    load=$(load_now)
    r=$(WRK_PATHS=$path WRK_AUTH=$auth WRK_COOKIE=$cookie wrk -t1 -c"$c" -d"${s}s" --timeout 10s --latency -s bench/get.lua "$BASE" | grep '^RESULT')
    echo "$label $r ${load// /_}"
}

run_engine() {
    local eng=$1 url facts=$TMPD/facts-$1.txt t0 imp
    : > "$facts"
    fresh_database "$eng"
    url=$URL
    echo "== [$eng] import tps"
    t0=$(date +%s.%N)
    imp=$("$BIN" import tps --election "$ELECTION" --db "$url" "$CSV" 2>&1 | tail -n 1)
    echo "import_wall_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')" >> "$facts"
    echo "import_line=$imp" >> "$facts"
    echo "$imp"
    grade_tps "$url" "$ELECTION"
    local lv level region user
    for lv in "${LEVELS[@]}"; do
        read -r level region user _ <<< "$lv"
        echo "$PASSWORD" | "$BIN" user add "$user" --agency kpu --region "$region" --role viewer --password-stdin --db "$url" > /dev/null
    done
    for u in kpu.a kpu.b; do
        echo "$PASSWORD" | "$BIN" user add "$u" --agency kpu --region ID --role operator --password-stdin --db "$url" > /dev/null
    done

    echo "== [$eng] serve on $ADDR"
    start_server "$url" "$TMPD/serve-$eng.log"
    declare -A tok
    for lv in "${LEVELS[@]}"; do
        read -r level region user _ <<< "$lv"
        tok[$level]=$(login "$user")
    done
    local tok_a tok_b cookie
    tok_a=$(login kpu.a)
    tok_b=$(login kpu.b)
    cookie="sinergi_session=${tok[nation]}"

    # Every URL answers 200 once (this also warms the caches); the answer's size.
    local code size path
    for lv in "${LEVELS[@]}"; do
        read -r level region user _ <<< "$lv"
        path="/api/v1/situation?region=$region&election=$ELECTION"
        read -r code size <<< "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: Bearer ${tok[$level]}" "$BASE$path")"
        [ "$code" = 200 ] || { echo "GET $path as $user answered $code" >&2; exit 1; }
        echo "size_$level=$size" >> "$facts"
    done
    read -r code size <<< "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Cookie: $cookie" "$BASE$MAP_PATH")"
    [ "$code" = 200 ] || { echo "GET $MAP_PATH answered $code" >&2; exit 1; }
    echo "size_map=$size" >> "$facts"

    echo "== [$eng] idle: wrk -t1 -c4 -d${READ_S}s, then -c1 -d${SERIAL_S}s, per URL"
    for lv in "${LEVELS[@]}"; do
        read -r level region user _ <<< "$lv"
        path="/api/v1/situation?region=$region&election=$ELECTION"
        reads "idle_c4_$level" 4 "$READ_S" "$path" "Bearer ${tok[$level]}" "" | tee -a "$facts"
        reads "idle_c1_$level" 1 "$SERIAL_S" "$path" "Bearer ${tok[$level]}" "" | tee -a "$facts"
    done
    reads idle_c4_map 4 "$READ_S" "$MAP_PATH" "" "$cookie" | tee -a "$facts"
    reads idle_c1_map 1 "$SERIAL_S" "$MAP_PATH" "" "$cookie" | tee -a "$facts"
    reads idle_c4_healthz 4 "$READ_S" /healthz "" "" | tee -a "$facts"
    reads idle_c1_healthz 1 "$SERIAL_S" /healthz "" "" | tee -a "$facts"

    local busy_s=$((4 * (READ_S + 1) + 3))
    echo "== [$eng] busy: double entry wrk -t2 -c$CONNS -d${busy_s}s, situation and map readers beside it"
    (
        sleep 2
        for lv in "${LEVELS[@]}"; do
            read -r level region user _ <<< "$lv"
            reads "busy_c4_$level" 4 "$READ_S" "/api/v1/situation?region=$region&election=$ELECTION" "Bearer ${tok[$level]}" ""
            sleep 1
        done
        reads busy_c4_map 4 "$READ_S" "$MAP_PATH" "" "$cookie"
    ) > "$TMPD/busy-$eng.txt" &
    local readers=$!
    local load
    load=$(load_now)
    local forms
    forms=$(SLICE=$TMPD/forms.txt THREADS=2 MODE=double SOURCE=kpu TOKEN_A=$tok_a TOKEN_B=$tok_b IDEMPOTENCY=1 ACKED="$TMPD/acked-$eng" \
        wrk -t2 -c"$CONNS" -d"${busy_s}s" --timeout 10s --latency -s bench/put.lua "$BASE" 2>&1)
    wait "$readers"
    grep '^FIRST_BAD' <<< "$forms" >&2 || true
    echo "busy_forms $(grep '^RESULT' <<< "$forms") ${load// /_}" | tee -a "$facts"
    tee -a "$facts" < "$TMPD/busy-$eng.txt"
    echo "hwm_mb=$(hwm_mb)" >> "$facts"
    stop_server
    if [ "$eng" = pg ]; then
        echo "pg_version=$(psql "$url" -qAt -c "SELECT version()" | cut -d' ' -f1-2)" >> "$facts"
        psql "$PG/postgres" -q -c "DROP DATABASE $PG_DB" > /dev/null
        PG_CREATED=0
    fi
}

for eng in $ENGINES; do
    run_engine "$eng"
done

# --- results ----------------------------------------------------------------------------------

ENGINE_NAME() { [ "$1" = sqlite ] && echo SQLite || echo PostgreSQL; }
line() { grep "^$2 " "$TMPD/facts-$1.txt" | head -n 1; }
get() { grep "^$2=" "$TMPD/facts-$1.txt" | head -n 1 | cut -d= -f2-; }
load_of() { awk '{print $NF}' <<< "$1" | tr '_' ' '; }
verdict() { awk -v p="$1" -v t="$2" 'BEGIN{print (p != "" && p < t) ? "yes" : "**no**"}'; }
FAILED=()
{
    echo "# Situation benchmark ($(date -u +%Y-%m-%d))"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); binary: $BIN; commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2> /dev/null || echo ' + uncommitted changes in src/')"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}'); kernel $(uname -r); $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- TPS: $EXPECTED_TPS from \`gen tps --election $ELECTION\`, 30 % graded; readers: \`wrk -t1 -cN --latency -s bench/get.lua\`; forms: \`wrk -t2 -c$CONNS --latency -s bench/put.lua\` (double entry)"
    for eng in $ENGINES; do
        echo "- $(ENGINE_NAME "$eng"): import $(get "$eng" import_wall_s) s wall (\"$(get "$eng" import_line)\"); answer sizes: regency $(get "$eng" size_regency) B, province $(get "$eng" size_province) B, nation $(get "$eng" size_nation) B, map $(get "$eng" size_map) B; server peak RSS $(get "$eng" hwm_mb) MB$( [ "$eng" = pg ] && echo "; $(get pg pg_version)")"
    done
    echo
    echo "| engine | URL | while | readers | requests | req/s | p50 ms | p99 ms | max ms | non-2xx/errors | target p99 | met | load before |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|"
    for eng in $ENGINES; do
        for what in regency province nation map healthz; do
            case $what in
                regency) url="situation 35.17 (regency)"; idle_t=50 ;;
                province) url="situation 35 (province)"; idle_t=200 ;;
                nation) url="situation ID (nation)"; idle_t=200 ;;
                map) url="\`$MAP_PATH\`"; idle_t=$MAP_TARGET_MS ;;
                healthz) url="\`/healthz\` (baseline)"; idle_t="" ;;
            esac
            for run in idle_c4 idle_c1 busy_c4; do
                r=$(line "$eng" "${run}_$what") || continue
                case $run in
                    idle_c4) while="idle"; c=4; t=$idle_t ;;
                    idle_c1) while="idle"; c=1; t=$idle_t ;;
                    busy_c4) while="ingesting"; c=4; t=$BUSY_TARGET_MS; [ "$what" = map ] && t=$MAP_TARGET_MS ;;
                esac
                p99=$(field p99_ms "$r")
                met=""
                if [ -n "$t" ]; then
                    met=$(verdict "$p99" "$t")
                    [ "$met" = yes ] || FAILED+=("$(ENGINE_NAME "$eng") $what $while c$c: p99 $p99 ms ≥ $t ms")
                fi
                [ "$(field non2xx "$r")" = 0 ] && [ "$(field errors "$r")" = 0 ] || FAILED+=("$(ENGINE_NAME "$eng") $what $while c$c: non-2xx or errors")
                echo "| $(ENGINE_NAME "$eng") | $url | $while | $c | $(field requests "$r") | $(field rps "$r") | $(field p50_ms "$r") | **$p99** | $(field max_ms "$r") | $(field non2xx "$r")/$(field errors "$r") | ${t:+$t} | $met | $(load_of "$r") |"
            done
        done
    done
    echo
    echo "Forms ingested beside the busy readers (double entry, \`wrk -t2 -c$CONNS\`):"
    echo
    echo "| engine | requests | forms/s (200s) | p50 ms | p99 ms | max ms | 409/422/other 4xx/5xx | errors | load before |"
    echo "|---|---:|---:|---:|---:|---:|---|---:|---|"
    for eng in $ENGINES; do
        r=$(line "$eng" busy_forms)
        echo "| $(ENGINE_NAME "$eng") | $(field requests "$r") | $(field ok_rps "$r") | $(field p50_ms "$r") | $(field p99_ms "$r") | $(field max_ms "$r") | $(field c409 "$r")/$(field c422 "$r")/$(field c4xx "$r")/$(field c5xx "$r") | $(field errors "$r") | $(load_of "$r") |"
        [ "$(field c5xx "$r")" = 0 ] || FAILED+=("$(ENGINE_NAME "$eng") forms: 5xx answers")
    done
    echo
    if [ "${#FAILED[@]}" -gt 0 ]; then
        echo "**Missed or failed:**"
        echo
        printf -- '- %s\n' "${FAILED[@]}"
    else
        echo "Every target met."
    fi
} > "$RESULTS"
echo
cat "$RESULTS"
