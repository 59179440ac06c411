#!/usr/bin/env bash
# National TPS import benchmark (SQLite).
#
#   bench/import.sh            # 3 runs
#   RUNS=5 bench/import.sh
#
# Per run, into a fresh database each time:
#   1. full file (≈820,161 TPS) into an empty tps table   -> the 5 s target
#   2. the same file again (identical rows are left alone) -> re-import
#   2b. a corrected file in which every TPS's DPT changed   -> every row an update
#   3. half the file (head -n 410081) into another fresh DB, then again
# and once, after the runs, the first 5 TPS of every village (as many rows as the half file,
# as many villages as the full file), fresh then again;
# and reports the command's own "in X s", wall time, CPU and peak RSS (/usr/bin/time -v).
# The database is created, migrated and given its 91k regions by `audit verify` first, so the
# timing is the import alone. Results: bench/out/import-results.md (and stdout).
# Needs: cargo, GNU time (/usr/bin/time). Leaves bench/out/import.db with the national data
# loaded, for bench/read.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
TARGET_S=${TARGET_S:-5}
OUT=bench/out
# SINERGI_BIN=path: benchmark that binary instead of building target/release/sinergi
# (e.g. a candidate fix built elsewhere).
BIN=${SINERGI_BIN:-target/release/sinergi}
FULL=$OUT/tps-pemilu.csv
HALF=$OUT/tps-pemilu-half.csv
CHANGED=$OUT/tps-pemilu-changed.csv
SPREAD=$OUT/tps-pemilu-5-per-village.csv
DB=$OUT/import.db
HALF_DB=$OUT/import-half.db
RESULTS=${RESULTS:-$OUT/import-results.md}
mkdir -p "$OUT"

[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

machine() {
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- binary: $BIN; commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted changes in src/')"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}')"
    echo "- kernel: $(uname -r); filesystem of bench/out: $(df -T "$OUT" | awk 'NR==2{print $2}')"
    echo "- rustc: $(rustc --version 2>/dev/null || echo '?')"
}

if [ -z "${SINERGI_BIN:-}" ]; then
    echo "== build"
    cargo build --release 2>&1 | tail -n 2
fi

echo "== generate"
"$BIN" gen tps --election pemilu-2024 --out "$FULL"
head -n 410081 "$FULL" > "$HALF"
# Every DPT one higher (the generator stays well under the 300 maximum).
awk -F, 'BEGIN{OFS=","} NR == 1 {print; next} {$(NF-2) = $(NF-2) + 1; print}' "$FULL" > "$CHANGED"
echo "full: $(($(wc -l < "$FULL") - 1)) TPS, $(du -h "$FULL" | cut -f1); half: $(($(wc -l < "$HALF") - 1)) TPS"

fresh_db() {
    rm -f "$1" "$1-wal" "$1-shm"
    "$BIN" audit verify --db "sqlite://$1" > /dev/null
}

# Runs one import under /usr/bin/time -v, while sampling the process's anonymous memory
# (RssAnon: heap, SQLite page cache and in-memory journals) next to the total peak RSS.
# Prints one line: reported_s wall_s user_s sys_s cpu% maxrss_kB peak_anon_kB load1
measure() {
    local db=$1 file=$2 tlog out load pid child anon=0 a
    tlog=$(mktemp); out=$(mktemp)
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -v -o "$tlog" "$BIN" import tps --election pemilu-2024 --db "sqlite://$db" "$file" > "$out" &
    pid=$!
    child=""
    while kill -0 "$pid" 2> /dev/null; do
        [ -z "$child" ] && child=$(cat /proc/"$pid"/task/*/children 2> /dev/null | awk '{print $1}') || true
        if [ -n "$child" ]; then
            a=$(awk '/^RssAnon:/{print $2}' /proc/"$child"/status 2> /dev/null || true)
            [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
        fi
        sleep 0.02
    done
    wait "$pid"
    cat "$out" >&2
    local reported wall user sys cpu rss
    # "… in 3.81 s; sha256 …" (English) or "… dalam 3,81 detik; …" (Bahasa Indonesia, the default).
    reported=$(sed -n 's/.* \(in\|dalam\) \([0-9.,]*\) \(s\|detik\);.*/\2/p' "$out" | tr ',' '.')
    [ -n "$reported" ] || { echo "no import time in the command's output:" >&2; cat "$out" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$tlog")
    user=$(awk -F': ' '/User time/{print $2}' "$tlog")
    sys=$(awk -F': ' '/System time/{print $2}' "$tlog")
    cpu=$(awk -F': ' '/Percent of CPU/{print $2}' "$tlog")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tlog")
    rm -f "$tlog" "$out"
    echo "$reported $wall $user $sys $cpu $rss $anon $load"
}

mb() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }

{
    echo "# Import benchmark ($(date -u +%Y-%m-%d))"
    echo
    machine
    echo
    echo "Command timed: \`/usr/bin/time -v $BIN import tps --election pemilu-2024 --db sqlite://DB FILE\`;"
    echo "\"import s\" is the time the command prints (database opened → committed); \"wall\" includes"
    echo "process start, opening the database and closing it (WAL checkpoint). load1 = 1-min load average before the run."
    echo "peak RSS = \"Maximum resident set size\"; peak anon = highest RssAnon (heap + SQLite page cache), sampled"
    echo "every 20 ms. The difference is the database file mapped by PRAGMA mmap_size (capped at 256 MB; page cache the kernel can drop)."
    echo
    echo "| run | case | TPS | import s | wall s | user s | sys s | CPU | peak RSS MB | peak anon MB | load1 |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$RESULTS"

row() { # run case n measure-line
    local r
    read -r -a r <<< "$4"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "${r[0]}" "${r[1]}" "${r[2]}" "${r[3]}" "${r[4]}" "$(mb "${r[5]}")" "$(mb "${r[6]}")" "${r[7]}" >> "$RESULTS"
}

n_full=$(($(wc -l < "$FULL") - 1))
n_half=$(($(wc -l < "$HALF") - 1))
fresh_times=()
reimport_times=()
changed_times=()
for run in $(seq 1 "$RUNS"); do
    echo "== run $run/$RUNS"
    fresh_db "$DB"
    m=$(measure "$DB" "$FULL"); row "$run" "full, fresh DB" "$n_full" "$m"; fresh_times+=("$(cut -d' ' -f1 <<< "$m")")
    m=$(measure "$DB" "$FULL"); row "$run" "full, re-import (identical file)" "$n_full" "$m"; reimport_times+=("$(cut -d' ' -f1 <<< "$m")")
    m=$(measure "$DB" "$CHANGED"); row "$run" "full, corrected file (every row updated)" "$n_full" "$m"; changed_times+=("$(cut -d' ' -f1 <<< "$m")")
    fresh_db "$HALF_DB"
    m=$(measure "$HALF_DB" "$HALF"); row "$run" "half, fresh DB" "$n_half" "$m"
    m=$(measure "$HALF_DB" "$HALF"); row "$run" "half, re-import (identical file)" "$n_half" "$m"
done
# Rows versus regions: the first 5 TPS of every village — about as many rows as the half file,
# but touching every village, as the full file does. Its memory should match the full file's
# if memory follows the regions touched (bounded: 91k) rather than the rows.
echo "== 5 TPS per village"
awk -F, 'NR == 1 || substr($1, 15, 3) + 0 <= 5' "$FULL" > "$SPREAD"
n_spread=$(($(wc -l < "$SPREAD") - 1))
fresh_db "$HALF_DB"
m=$(measure "$HALF_DB" "$SPREAD"); row "1" "≤5 TPS per village, fresh DB" "$n_spread" "$m"
m=$(measure "$HALF_DB" "$SPREAD"); row "1" "≤5 TPS per village, re-import" "$n_spread" "$m"
rm -f "$HALF_DB" "$HALF_DB-wal" "$HALF_DB-shm"

spread() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{printf "min %.2f s, median %.2f s, max %.2f s", v[1], v[int((NR+1)/2)], v[NR]}'; }
verdict() { printf '%s\n' "$@" | sort -n | tail -n 1 | awk -v t="$TARGET_S" '{print ($1 < t) ? "met (every run under " t " s)" : "MISSED (slowest run " $1 " s)"}'; }
{
    echo
    echo "- full file, fresh DB: $(spread "${fresh_times[@]}") — target < ${TARGET_S} s: $(verdict "${fresh_times[@]}")"
    echo "- full file, re-import (identical): $(spread "${reimport_times[@]}") — target < ${TARGET_S} s: $(verdict "${reimport_times[@]}")"
    echo "- full file, every row updated: $(spread "${changed_times[@]}") — target < ${TARGET_S} s: $(verdict "${changed_times[@]}")"
} >> "$RESULTS"

echo
cat "$RESULTS"
