#!/usr/bin/env bash
# Logistics readiness with the national TPS data and TPS stock loaded (SQLite).
#
#   bench/readiness.sh
#   SINERGI_BIN=/path/to/sinergi bench/readiness.sh   # that binary, no build
#   PROFILE=1 bench/readiness.sh                      # also perf-profile the national request
#
# From scratch, every run:
#   1. build (unless SINERGI_BIN), generate bench/out/tps-pemilu.csv (reused if it is already
#      there with 820,161 TPS; REGEN=1 regenerates);
#   2. a fresh bench/out/readiness.db: `audit verify` (creates, migrates, loads the regions),
#      then `import tps` of the national file;
#   3. fills logistics_stock at the TPS with python3's sqlite3 (server not running): per TPS a
#      stable CRC-32 draw puts ~70 % "ready" (every required item, at least the required good
#      quantity), ~15 % "partial" (boxes and too few presidential ballots, other items 50 %),
#      ~15 % "none" (no stock); plus leftover stock in the 514 regency warehouses. The
#      requirements are the catalogue's (logistics_items): ballots DPT + ceil(DPT × 2 %) per
#      contest held, per-contest items × 5 contests (4 in DKI Jakarta, province 31, which has
#      no DPRD kabupaten/kota), per-TPS items once;
#   4. serves it on 127.0.0.1:18090 and checks the API against the fill: the counts of each
#      measured region and of the nation, the status of single TPS, and the requirements of
#      single TPS against the stock written;
#   5. times GET /api/v1/elections/pemilu-2024/logistics/readiness?region=… for a village, a
#      district, a regency (35.17), a province (35) and the nation with curl (REPS each,
#      default 5: min/median/max of %{time_total}), then the regency under wrk
#      (-t2 -c8 -d${WRK_S}s --latency) if wrk is installed (apt-get install -y wrk);
#   6. reports the server's peak RSS (VmHWM). The server is stopped on exit (trap).
# Results: bench/out/readiness-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
CSV=$OUT/tps-pemilu.csv
DB=${DB:-$OUT/readiness.db}
ADDR=${ADDR:-127.0.0.1:18090}
BASE=http://$ADDR
ELECTION=pemilu-2024
REPS=${REPS:-5}
WRK_S=${WRK_S:-10}
PROFILE=${PROFILE:-0}
RESULTS=${RESULTS:-$OUT/readiness-results.md}
EXPECTED_TPS=820161
URL=/api/v1/elections/$ELECTION/logistics/readiness
# label region ("ID" = the nation: no region parameter)
SCOPES=(
    "village 35.17.01.2001"
    "district 35.17.01"
    "regency 35.17"
    "province 35"
    "nation ID"
)
mkdir -p "$OUT"
command -v python3 > /dev/null || { echo "needs python3" >&2; exit 1; }
command -v curl > /dev/null || { echo "needs curl" >&2; exit 1; }

SERVER=""
SERVER_LOG=$(mktemp)
cleanup() {
    if [ -n "$SERVER" ] && kill -0 "$SERVER" 2> /dev/null; then
        kill "$SERVER" 2> /dev/null || true
        wait "$SERVER" 2> /dev/null || true
    fi
    rm -f "$SERVER_LOG"
}
trap cleanup EXIT INT TERM

if [ -z "${SINERGI_BIN:-}" ]; then
    echo "== build"
    cargo build --release 2>&1 | tail -n 1
fi

echo "== TPS file"
if [ "${REGEN:-0}" = 1 ] || [ ! -f "$CSV" ] || [ "$(($(wc -l < "$CSV") - 1))" != "$EXPECTED_TPS" ]; then
    "$BIN" gen tps --election "$ELECTION" --out "$CSV"
else
    echo "reusing $CSV"
fi
echo "$CSV: $(($(wc -l < "$CSV") - 1)) TPS, $(du -h "$CSV" | cut -f1)"

echo "== fresh database $DB, import"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" audit verify --db "sqlite://$DB" > /dev/null
t0=$(date +%s.%N)
"$BIN" import tps --election "$ELECTION" --db "sqlite://$DB" "$CSV"
import_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')

echo "== stock at the TPS (python3 sqlite3; the server is not running)"
regions=()
for s in "${SCOPES[@]}"; do regions+=("${s#* }"); done
EXPECT=$(mktemp)
python3 - "$DB" "$ELECTION" "${regions[@]}" > "$EXPECT" << 'PY'
import sqlite3, sys, time, zlib

db_path, election, regions = sys.argv[1], sys.argv[2], sys.argv[3:]
READY, PARTIAL = 700000, 850000  # of 1,000,000: 70 % ready, 15 % partial, 15 % none
t0 = time.time()
db = sqlite3.connect(db_path, isolation_level=None)
db.execute("PRAGMA synchronous=OFF")
db.execute("PRAGMA cache_size=-262144")
db.execute("PRAGMA temp_store=MEMORY")
# A stable draw 0..999999 per TPS code: a rerun fills the same picture.
db.create_function("h", 1, lambda s: zlib.crc32(s.encode()) % 1000000, deterministic=True)
db.execute("BEGIN")
db.execute("DELETE FROM logistics_stock WHERE election_id = ?", (election,))
# Per TPS: DPT, draw, number of contests held (DKI Jakarta has no DPRD kabupaten/kota).
db.execute("CREATE TEMP TABLE cls (code TEXT PRIMARY KEY, dpt INT, r INT, contests INT) WITHOUT ROWID")
db.execute(
    "INSERT INTO cls SELECT code, dpt, h(code), CASE WHEN substr(code, 1, 2) = '31' THEN 4 ELSE 5 END"
    " FROM tps WHERE election_id = ? ORDER BY code",
    (election,),
)
db.execute(
    "CREATE TEMP TABLE items AS SELECT key, basis, qty, reserve_bp, ROW_NUMBER() OVER (ORDER BY key) AS idx"
    " FROM logistics_items WHERE election_id = ?",
    (election,),
)
need = (
    "CASE i.basis WHEN 'ballots' THEN c.dpt + (c.dpt * i.reserve_bp + 9999) / 10000"
    " WHEN 'per_contest' THEN i.qty * c.contests ELSE i.qty END"
)
draw = "((c.r * 7919 + i.idx * 104729) % 1000)"  # 0..999 per (TPS, item)
held = "NOT (i.key = 'surat_suara:dprd_kabkota' AND substr(c.code, 1, 2) = '31')"
db.execute(
    f"""INSERT INTO logistics_stock (election_id, location, item, good, damaged)
    SELECT ?, code, key, good, damaged FROM (
      -- ready: every item, at least the required good quantity (0-2 spare ballots; ~4 % of
      -- the lines also carry 1-3 damaged units on top)
      SELECT c.code, i.key, {need} + CASE WHEN i.basis = 'ballots' THEN {draw} % 3 ELSE 0 END AS good,
             CASE WHEN {draw} < 40 THEN 1 + {draw} % 3 ELSE 0 END AS damaged
        FROM cls c JOIN items i WHERE c.r < {READY} AND {held}
      UNION ALL
      -- partial: the boxes always, the presidential ballots 1-10 short (damaged), every other
      -- item with a 50 % chance
      SELECT c.code, i.key,
             CASE WHEN i.key = 'surat_suara:presiden' THEN {need} - 1 - {draw} % 10 ELSE {need} END,
             CASE WHEN i.key = 'surat_suara:presiden' THEN 1 + {draw} % 10 ELSE 0 END
        FROM cls c JOIN items i WHERE c.r >= {READY} AND c.r < {PARTIAL} AND {held}
         AND (i.key IN ('kotak_suara', 'surat_suara:presiden') OR {draw} < 500)
    ) ORDER BY code, key""",
    (election,),
)
# The regency warehouses (KPU kabupaten/kota): a little left over.
db.execute(
    """INSERT INTO logistics_stock (election_id, location, item, good, damaged)
    SELECT ?, substr(c.code, 1, 5), i.key,
           CASE i.basis WHEN 'ballots' THEN SUM(c.dpt) / 100 ELSE COUNT(*) / 50 + 1 END, 0
      FROM cls c JOIN items i GROUP BY substr(c.code, 1, 5), i.key ORDER BY 2, 3""",
    (election,),
)
db.execute("COMMIT")
rows = db.execute("SELECT COUNT(*) FROM logistics_stock WHERE election_id = ?", (election,)).fetchone()[0]
at_tps = db.execute("SELECT COUNT(*) FROM logistics_stock WHERE election_id = ? AND length(location) = 17", (election,)).fetchone()[0]
# What the API must answer: tps_total ready partial none per region.
for region in regions:
    lo, hi = ("", "~") if region == "ID" else (region + ".", region + "/")
    n, r, p, z = db.execute(
        f"SELECT COUNT(*), SUM(r < {READY}), SUM(r >= {READY} AND r < {PARTIAL}), SUM(r >= {PARTIAL})"
        " FROM cls WHERE code >= ? AND code < ?",
        (lo, hi),
    ).fetchone()
    print("expect", region, n, r, p, z)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(f"stock {rows} {at_tps} {time.time() - t0:.1f}")
PY
read -r _ stock_rows stock_at_tps fill_s < <(grep '^stock ' "$EXPECT")
echo "logistics_stock: $stock_rows rows ($stock_at_tps at TPS) in $fill_s s; database $(du -h "$DB" | cut -f1)"

echo "== serve"
"$BIN" serve --db "sqlite://$DB" --listen "$ADDR" > "$SERVER_LOG" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$BASE/api/v1/openapi.json" && break
    kill -0 "$SERVER" 2> /dev/null || { cat "$SERVER_LOG" >&2; exit 1; }
    sleep 0.1
done
# serve may run the binary under a wrapper; measure the process that listens.
PID=$SERVER
child=$(cat /proc/"$SERVER"/task/*/children 2> /dev/null | awk '{print $1}' || true)
[ -n "$child" ] && PID=$child

readiness_url() { if [ "$1" = ID ]; then echo "$BASE$URL"; else echo "$BASE$URL?region=$1"; fi; }

echo "== check the API against the fill"
CHECK=$(mktemp)
python3 - "$DB" "$BASE" "$ELECTION" "$EXPECT" > "$CHECK" << 'PY'
import json, sqlite3, sys, urllib.request, zlib

db_path, base, election, expect_file = sys.argv[1:5]
get = lambda path: json.load(urllib.request.urlopen(base + path))
ok = True
for line in open(expect_file):
    f = line.split()
    if f[0] != "expect":
        continue
    region, want = f[1], list(map(int, f[2:6]))
    d = get(f"/api/v1/elections/{election}/logistics/readiness" + ("" if region == "ID" else f"?region={region}"))
    got = [d["tps_total"], d["ready"], d["partial"], d["none"]]
    listed = min(10000, want[2] + want[3])
    good = got == want and len(d["not_ready"]) == listed and d["not_ready_truncated"] == (want[2] + want[3] > 10000)
    ok &= good
    print(f"counts {region}: tps_total/ready/partial/none {got}, expected {want}, not_ready listed {len(d['not_ready'])}: {'ok' if good else 'MISMATCH'}")
# Single TPS: status, and for "ready" ones the requirements answer against the stock rows.
db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
codes = [r[0] for r in db.execute(
    "SELECT code FROM tps WHERE election_id = ? AND (code LIKE '35.17.01.2001.%' OR code LIKE '31.71.01.1001.%' OR code LIKE '94.71.01.1001.%') ORDER BY code",
    (election,))]
counted = {"ready": 0, "partial": 0, "none": 0}
for code in codes:
    r = zlib.crc32(code.encode()) % 1000000
    want = "ready" if r < 700000 else "partial" if r < 850000 else "none"
    d = get(f"/api/v1/elections/{election}/logistics/readiness?region={code}")
    got = [k for k in ("ready", "partial", "none") if d[k] == 1]
    req = {i["item"]: i["qty"] for i in get(f"/api/v1/elections/{election}/logistics/requirements?region={code}")["items"]}
    stock = dict(db.execute("SELECT item, good FROM logistics_stock WHERE election_id = ? AND location = ?", (election, code)))
    covers = all(stock.get(k, 0) >= q for k, q in req.items())
    exact = want != "ready" or any(stock.get(k) == q for k, q in req.items())
    good = got == [want] and covers == (want == "ready") and exact
    ok &= good
    counted[want] += 1
    if not good:
        print(f"tps {code}: expected {want}, API {got}, stock covers requirements: {covers}: MISMATCH")
print(f"single TPS: {len(codes)} checked ({counted}): {'ok' if ok else 'MISMATCH'}")
print("verdict", "ok" if ok else "MISMATCH")
PY
cat "$CHECK"
grep -q '^verdict ok' "$CHECK" || { echo "the API does not agree with the stock written" >&2; exit 1; }

echo "== curl, $REPS requests each"
TIMES=$(mktemp)
for s in "${SCOPES[@]}"; do
    label=${s%% *}; region=${s#* }
    load=$(cut -d' ' -f1 /proc/loadavg)
    ts=()
    for _ in $(seq 1 "$REPS"); do
        ts+=("$(curl -s -o /dev/null -w '%{time_total}' "$(readiness_url "$region")")")
    done
    size=$(curl -s -o /dev/null -w '%{size_download}' "$(readiness_url "$region")")
    stats=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{v[NR]=$1*1000} END{printf "%.1f %.1f %.1f", v[1], v[int((NR+1)/2)], v[NR]}')
    tps=$(awk -v r="$region" '$1 == "expect" && $2 == r {print $3}' "$EXPECT")
    echo "$label $region $tps $stats $size $load $(printf '%s,' "${ts[@]}")" | tee -a "$TIMES"
done

# Peak RSS after the requests one at a time (one reader connection busy at a time).
hwm_serial=$(awk '/^VmHWM:/{print $2}' /proc/"$PID"/status)

WRK_LINE=""
if command -v wrk > /dev/null; then
    echo "== wrk, regency 35.17"
    load=$(cut -d' ' -f1 /proc/loadavg)
    WRK_OUT=$(mktemp)
    wrk -t2 -c8 -d"${WRK_S}s" --latency "$(readiness_url 35.17)" | tee "$WRK_OUT"
    ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' <<< "$1"; }
    p50=$(ms "$(awk '$1 == "50%" {print $2}' "$WRK_OUT")")
    p99=$(ms "$(awk '$1 == "99%" {print $2}' "$WRK_OUT")")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$WRK_OUT")
    reqs=$(awk '/requests in/ {print $1}' "$WRK_OUT")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WRK_OUT"); non2xx=${non2xx:-0}
    WRK_LINE="| $reqs | $rps | $p50 | $p99 | $non2xx | $load |"
    rm -f "$WRK_OUT"
else
    echo "wrk not installed (apt-get install -y wrk): no load test"
fi

PERF_TXT=""
if [ "$PROFILE" = 1 ] && command -v perf > /dev/null; then
    echo "== perf, national request"
    PERF_DATA=$OUT/perf-readiness.data
    perf record -F 999 -g --call-graph dwarf,16384 -p "$PID" -o "$PERF_DATA" -- sleep 9 > /dev/null 2>&1 &
    PERF=$!
    sleep 0.5
    perf_s=$(curl -s -o /dev/null -w '%{time_total}' "$(readiness_url ID)")
    wait "$PERF" || true
    PERF_TXT=$OUT/perf-readiness.txt
    set +o pipefail # head closes the pipe early
    {
        echo "national request under perf record -F 999 --call-graph dwarf: $perf_s s"
        echo
        echo "self time, top symbols:"
        perf report -i "$PERF_DATA" --no-children --sort symbol --stdio 2> /dev/null | grep -E '^ +[0-9]' | head -n 15 | sed 's/ *- *- *$//'
        echo
        echo "inclusive, by phase (first match walking each stack from the leaf):"
        perf script -i "$PERF_DATA" -F ip,sym 2> /dev/null | python3 -c '
import collections, sys
samples = []
for b in sys.stdin.read().split("\n\n"):
    fr = [l.strip().split(" ", 1)[-1] for l in b.strip().split("\n") if l.strip()]
    if fr: samples.append("\n".join(fr))
def cat(s):
    if "tps_needs" in s: return "logistics::tps_needs (a Vec<(String, i64)> per TPS)"
    if "sqlite3_step" in s: return "sqlite3_step (the join)"
    if any(k in s for k in ("sqlite_value", "value_ref", "drop_in_place<sinergi::platform::db::Row>", "Vec<sinergi::platform::db::Value")):
        return "Conn::for_each: an owned Row per result row (sqlite_value, String copies, drop)"
    if "readiness::{closure#0}" in s or "all<(alloc::string::String" in s: return "judge: needs vs have"
    if "from_value<alloc::string::String>" in s or "Option<alloc::string::String>" in s or "String as core::clone::Clone" in s:
        return "row callback: Row::get String copies"
    leaf = s.split("\n", 1)[0]
    if "logistics::store::readiness" in leaf: return "readiness itself (inlined row callback and judge)"
    if "memcmp" in leaf: return "memcmp under inlined frames (code and item compares)"
    if any(k in leaf for k in ("malloc", "free", "alloc")): return "malloc/free under inlined frames"
    return "other"
c = collections.Counter(cat(s) for s in samples)
for k, v in c.most_common(): print(f"{100 * v / len(samples):5.1f}%  {k}")
print(len(samples), "samples")'
    } > "$PERF_TXT"
    set -o pipefail
    cat "$PERF_TXT"
fi

hwm=$(awk '/^VmHWM:/{print $2}' /proc/"$PID"/status)
rss=$(awk '/^VmRSS:/{print $2}' /proc/"$PID"/status)
anon=$(awk '/^RssAnon:/{print $2}' /proc/"$PID"/status)
file=$(awk '/^RssFile:/{print $2}' /proc/"$PID"/status)

mb() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
{
    echo "# Logistics readiness benchmark ($(date -u +%Y-%m-%d))"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    # The commit of the tree the binary was built in (a worktree elsewhere with SINERGI_BIN).
    bin_tree=$(dirname "$BIN")
    echo "- binary: $BIN; built from commit $(git -C "$bin_tree" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$bin_tree" diff --quiet HEAD -- :/src :/Cargo.toml :/Cargo.lock 2> /dev/null || echo " + uncommitted changes in src/")"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- data: $EXPECTED_TPS TPS imported in ${import_s} s; logistics_stock $stock_rows rows ($stock_at_tps at TPS) written in ${fill_s} s; database $(du -h "$DB" | cut -f1)"
    echo
    grep -v '^verdict' "$CHECK" | sed 's/^/- /'
    echo
    echo "\`curl -s -o /dev/null -w %{time_total} $BASE$URL?region=CODE\`, $REPS times each (load1 = before the first):"
    echo
    echo "| scope | region | TPS | min ms | median ms | max ms | body bytes | load1 |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    while read -r label region tps mn md mx size load _; do
        echo "| $label | $region | $tps | $mn | $md | $mx | $size | $load |"
    done < "$TIMES"
    if [ -n "$WRK_LINE" ]; then
        echo
        echo "\`wrk -t2 -c8 -d${WRK_S}s --latency $(readiness_url 35.17)\`:"
        echo
        echo "| requests | req/s | p50 ms | p99 ms | non-2xx | load1 |"
        echo "|---:|---:|---:|---:|---:|---:|"
        echo "$WRK_LINE"
    fi
    echo
    echo "Server memory: peak RSS (VmHWM) $(mb "$hwm_serial") MB after the curl requests (one at a time), $(mb "$hwm") MB at the end (after wrk$([ "$PROFILE" = 1 ] && echo ' and the profiled request')); at the end RSS $(mb "$rss") MB = anon $(mb "$anon") MB (heap, SQLite page caches of the reader connections) + file $(mb "$file") MB (the database mapped by mmap_size, up to 256 MB per connection, counted once per connection; page cache the kernel can drop)."
    if [ -n "$PERF_TXT" ]; then
        echo
        echo '```'
        cat "$PERF_TXT"
        echo '```'
    fi
} > "$RESULTS"
rm -f "$EXPECT" "$CHECK" "$TIMES"
echo
cat "$RESULTS"
