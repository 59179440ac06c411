#!/usr/bin/env bash
# Laporan (violation reports): public intake through HTTP with durable commits, then the case
# board, the overdue list, one case, case moves and the deadline calculator with tens of
# thousands of reports in one regency (Kabupaten Jombang, 35.17), on SQLite.
#
#   bench/reports.sh
#   SINERGI_BIN=/path/to/sinergi bench/reports.sh        # that binary, no build
#   SINERGI_TREE=/path/to/checkout                        # where it was built from (for the
#                                                         # commit in the results; default: the
#                                                         # binary's directory)
#   PG=postgres://postgres@127.0.0.1:5432 bench/reports.sh   # also the intake on PostgreSQL
#   Knobs (env): INTAKE_S=20 TARGET=50000 OLD=20000 READ_S=10 SERIAL_S=5 MOVE_S=10, DB, RESULTS.
#
# From scratch, every run (needs wrk: apt-get install -y wrk; python3, curl):
#   1. build (unless SINERGI_BIN); a fresh bench/out/reports.db: `audit verify` (creates,
#      migrates, loads the regions), then `user add` of two Bawaslu operators:
#      bawaslu.jombang (region 35.17) and bawaslu.ri (region ID, national);
#   2. intake: `serve` on 127.0.0.1:18092 with SINERGI_INTAKE_LIMIT=1000000000 (the per-client
#      limit, default 30 per 10 minutes, would refuse almost everything from one address), the
#      real clock, and `wrk -t2 -c16 -d${INTAKE_S}s --latency` POSTing JSON reports to
#      /api/v1/reports (no login): pilkada-2024, each request the next of the 306 villages of
#      35.17 (data/regions/villages.csv), every 10th anonymous (informasi awal), known_at one
#      day before now. Every 201 is a commit with synchronous=FULL that also wrote the report's
#      first case event, an audit entry (hash chain) and a "laporan_baru" alert. wrk writes the
#      receipt of each 201 it read; afterwards (server stopped) python3's sqlite3 checks that
#      every such receipt is in `reports`, counts the rows whose 201 wrk did not read (requests
#      in flight when wrk stopped), and that reports, case events, audit entries and alerts
#      agree in number;
#   3. fill: the same intake again, with SINERGI_CLOCK five days back, so that these cases are
#      past their 2-day kajian awal deadline at real time (the overdue list has something to
#      show): OLD reports (default 20,000), or as many as the database lacks of TARGET (default
#      50,000) if that is more, at step 2's rate plus 30 % (wrk runs for a time, not a count).
#      Same checks;
#   4. reads: `serve` with the real clock. Its deadline sweep runs at start and raises an alert
#      for every open case near or past its deadline (one write transaction); the script waits
#      for its log line and reports how long it took. Then checks of the answers against SQL
#      (board order: open cases by deadline, then id, final cases after them newest first; scope;
#      overdue list; one case; a disagreement is reported and makes the script exit 1 at the end,
#      after measuring everything) and, for each URL below, wrk -t2 -c8 -d${READ_S}s
#      --latency (and -t1 -c1 -d${SERIAL_S}s, the service time without queueing):
#        GET /api/v1/reports?limit=100               as bawaslu.jombang and as bawaslu.ri
#        GET /api/v1/reports?overdue=true&limit=100  as bawaslu.jombang and as bawaslu.ri
#        GET /api/v1/reports/{id}                    one case, as bawaslu.jombang
#        GET /api/v1/deadlines?...                   public: pilkada batas_lapor (calendar
#                                                    days), pemilu batas_lapor (working days)
#      plus EXPLAIN QUERY PLAN and the time of list_reports' first query (open cases, on the
#      scope's province_code/regency_code/district_code column) in python3's sqlite3;
#   5. case moves: wrk -t2 -c8 -d${MOVE_S}s POST /api/v1/reports/{id}/transitions
#      {"to":"kajian_awal"} as bawaslu.jombang, every request a different named report of
#      step 2 still in "diterima" (should wrk run out of them, ids repeat and count as non-200);
#      afterwards the number of cases in kajian_awal is checked against the 200s. The server's
#      deadline sweep also runs every minute (SINERGI_SWEEP_SECS, default 60), and a run may
#      overlap it: writes wait for it;
#  5b. `serve` again with SINERGI_SWEEP_SECS=1 for 3 s: the deadline alerts its sweeps raise
#      after the moves (a move that keeps the deadline keeps the alert state, so none expected),
#      and how many reports hold more than one tenggat_dekat (or tenggat_lewat) alert;
#   6. `sinergi audit verify` on the final database (the whole hash chain, timed);
#   7. with PG=postgres://USER@HOST:PORT: a fresh database bench_reports on that server
#      (dropped afterwards), the same intake as step 2 (users not needed), checked with psql.
# Peak RSS (VmHWM in /proc/PID/status) of each server is read before it is stopped. Every
# server is stopped on exit (trap). wrk's percentiles are corrected for coordinated omission
# (a stalled connection counts the requests it would have sent), so one stall shows in p99.
# Results: bench/out/reports-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
DB=${DB:-$OUT/reports.db}
ADDR=${ADDR:-127.0.0.1:18092}
BASE=http://$ADDR
REGENCY=35.17
INTAKE_S=${INTAKE_S:-20}
TARGET=${TARGET:-50000}
OLD=${OLD:-20000}
READ_S=${READ_S:-10}
SERIAL_S=${SERIAL_S:-5}
MOVE_S=${MOVE_S:-10}
PG=${PG:-}
PG_DB=bench_reports
RESULTS=${RESULTS:-$OUT/reports-results.md}
PASSWORD=bench-reports-2024
TARGET_MS=50
mkdir -p "$OUT"
for tool in wrk python3 curl; do
    command -v "$tool" > /dev/null || { echo "needs $tool (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
[ -z "$PG" ] || command -v psql > /dev/null || { echo "PG needs psql" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source bench/lib.sh
# Every intake request is measured; none may be turned away by the per-client limit.
export SINERGI_INTAKE_LIMIT=1000000000

# --- wrk scripts ------------------------------------------------------------------------------

grep "^$REGENCY\." data/regions/villages.csv | cut -d, -f1 > "$TMPD/villages.txt"
VILLAGES_N=$(wc -l < "$TMPD/villages.txt")

cat > "$TMPD/intake.lua" << 'LUA'
-- POST /api/v1/reports: each request the next village of $VILLAGES (one code a line); every
-- 10th anonymous. Each thread writes the receipt of every 201 to $RECEIPTS.<thread>.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
n, created, c4xx, c5xx, cother, first_bad = 0, 0, 0, 0, 0, ""
local villages, out = {}, nil
local known_at, event_at = os.getenv("KNOWN_AT"), os.getenv("EVENT_AT")
local headers = { ["Content-Type"] = "application/json" }
function init(args)
  for line in io.lines(os.getenv("VILLAGES")) do villages[#villages + 1] = line end
  out = assert(io.open(os.getenv("RECEIPTS") .. "." .. id, "w"))
  n = id * 1000003
end
function request()
  n = n + 1
  local v = villages[(n % #villages) + 1]
  local reporter = "null"
  if n % 10 ~= 0 then
    reporter = string.format('{"name":"Pelapor %d","address":"Jl. Merdeka No. %d, desa %s","contact":"0812%07d"}', n, n % 200 + 1, v, n % 10000000)
  end
  local body = string.format(
    '{"election":"pilkada-2024","region":"%s","reporter":%s,"reported":"Tim pemenangan pasangan calon nomor urut %d",' ..
    '"event_at":"%s","known_at":"%s","place":"Depan balai desa %s, RT %02d RW %02d",' ..
    '"description":"Pada malam hari tim pemenangan membagikan amplop berisi uang dan paket sembako kepada warga ' ..
    'sambil meminta mereka memilih pasangan calon tertentu pada hari pemungutan suara. Kejadian disaksikan beberapa warga ' ..
    'dan sebagian amplop masih disimpan oleh penerimanya (bench %d).","witnesses":["Saksi satu %d","Saksi dua %d"]}',
    v, reporter, n % 3 + 1, event_at, known_at, v, n % 20 + 1, n % 10 + 1, n, n, n)
  return wrk.format("POST", "/api/v1/reports", headers, body)
end
function response(status, hdrs, body)
  if status == 201 then
    created = created + 1
    out:write((body:match('"receipt":"([^"]+)"') or "?"), "\n")
    return
  elseif status >= 400 and status < 500 then c4xx = c4xx + 1
  elseif status >= 500 then c5xx = c5xx + 1
  else cother = cother + 1 end
  if first_bad == "" then first_bad = status .. " " .. body:sub(1, 200) end
end
function done(summary, latency, requests)
  local t = { created = 0, c4xx = 0, c5xx = 0, cother = 0 }
  local bad = ""
  for _, th in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    if bad == "" then bad = th:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d secs=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f created=%d c4xx=%d c5xx=%d cother=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.created, t.c4xx, t.c5xx, t.cother, e.connect + e.read + e.write + e.timeout))
  if bad ~= "" then io.write("FIRST_BAD ", bad, "\n") end
end
LUA

cat > "$TMPD/move.lua" << 'LUA'
-- POST /api/v1/reports/{id}/transitions {"to":"kajian_awal"}: ids from $IDS (one a line), thread
-- k of N taking ids k, k+N, k+2N ... so no case is moved twice.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
moved, other, i = 0, 0, 0
local ids, step = {}, 1
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = os.getenv("WRK_AUTH") }
function init(args)
  for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
  step = tonumber(os.getenv("THREADS"))
  i = id + 1 - step
end
function request()
  i = i + step
  return wrk.format("POST", "/api/v1/reports/" .. ids[((i - 1) % #ids) + 1] .. "/transitions", headers, '{"to":"kajian_awal"}')
end
function response(status, hdrs, body)
  if status == 200 then moved = moved + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local m, o = 0, 0
  for _, t in ipairs(threads) do m = m + (t:get("moved") or 0); o = o + (t:get("other") or 0) end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f moved=%d non200=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, m, o,
    e.connect + e.read + e.write + e.timeout))
end
LUA

# run_intake LABEL SECONDS CLOCK_SHIFT_DAYS: wrk against the running server; prints the RESULT
# line, leaves the acknowledged receipts in $TMPD/acked-LABEL.txt.
run_intake() {
    local label=$1 secs=$2 shift_days=$3 out
    local now_s known event
    now_s=$(( $(date +%s) - shift_days * 86400 ))
    known=$(TZ=Asia/Jakarta date -d "@$((now_s - 86400))" +%Y-%m-%dT%H:%M:%S+07:00)
    event=$(TZ=Asia/Jakarta date -d "@$((now_s - 2 * 86400))" +%Y-%m-%dT%H:%M:%S+07:00)
    rm -f "$TMPD/receipts-$label".*
    out=$(VILLAGES="$TMPD/villages.txt" RECEIPTS="$TMPD/receipts-$label" KNOWN_AT=$known EVENT_AT=$event \
        wrk -t2 -c16 -d"${secs}s" --timeout 10s --latency -s "$TMPD/intake.lua" "$BASE")
    echo "$out" > "$TMPD/wrk-intake-$label.txt"
    cat "$TMPD/receipts-$label".* > "$TMPD/acked-$label.txt"
    grep '^FIRST_BAD' <<< "$out" >&2 || true
    grep '^RESULT' <<< "$out"
}

# check_sqlite LABEL MAX_ID_BEFORE: with the server stopped, reconciles the acknowledged
# receipts with the rows written. Prints "CHECK new=… acked=… acked_in_db=… unacked=… total=…
# events=… audit=… alerts=…".
check_sqlite() {
    python3 - "$DB" "$TMPD/acked-$1.txt" "$2" << 'PY'
import sqlite3, sys
db_path, acked_file, before = sys.argv[1], sys.argv[2], int(sys.argv[3])
acked = [l.strip() for l in open(acked_file) if l.strip()]
db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
new = {r[0] for r in db.execute("SELECT receipt FROM reports WHERE id > ?", (before,))}
counts = {
    k: db.execute(q).fetchone()[0]
    for k, q in (
        ("total", "SELECT COUNT(*) FROM reports"),
        ("events", "SELECT COUNT(*) FROM case_events WHERE track = 'report'"),
        ("audit", "SELECT COUNT(*) FROM audit_log WHERE action = 'report.create'"),
        ("alerts", "SELECT COUNT(*) FROM alerts WHERE kind = 'laporan_baru'"),
        ("max_id", "SELECT COALESCE(MAX(id), 0) FROM reports"),
    )
}
print(
    f"CHECK new={len(new)} acked={len(acked)} distinct={len(set(acked))} acked_in_db={sum(1 for r in acked if r in new)}"
    f" unacked={len(new - set(acked))} " + " ".join(f"{k}={v}" for k, v in counts.items())
)
PY
}

# verdict CHECK_LINE: ok when every acknowledged receipt is in the database, at most 16 rows
# (wrk's connections) were unacknowledged, and events, audit entries and alerts match.
verdict() {
    local c=$1
    if [ "$(field acked "$c")" = "$(field acked_in_db "$c")" ] && [ "$(field acked "$c")" = "$(field distinct "$c")" ] &&
        [ "$(field unacked "$c")" -le 16 ] && [ "$(field total "$c")" = "$(field events "$c")" ] &&
        [ "$(field total "$c")" = "$(field audit "$c")" ] && [ "$(field total "$c")" = "$(field alerts "$c")" ]; then
        echo ok
    else
        echo MISMATCH
    fi
}

# --- 1. database and users --------------------------------------------------------------------

echo "== fresh database $DB, users"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" audit verify --db "sqlite://$DB" > /dev/null
echo "$PASSWORD" | "$BIN" user add bawaslu.jombang --agency bawaslu --region "$REGENCY" --role operator --password-stdin --db "sqlite://$DB"
echo "$PASSWORD" | "$BIN" user add bawaslu.ri --agency bawaslu --region ID --role operator --password-stdin --db "sqlite://$DB"

# --- 2. intake --------------------------------------------------------------------------------

echo "== intake, real clock: wrk -t2 -c16 -d${INTAKE_S}s"
start_server "sqlite://$DB" "$TMPD/serve-intake.log"
load_intake=$(cut -d' ' -f1 /proc/loadavg)
R_INTAKE=$(run_intake intake "$INTAKE_S" 0)
echo "$R_INTAKE"
stop_server
hwm_intake=$HWM
C_INTAKE=$(check_sqlite intake 0)
echo "$C_INTAKE: $(verdict "$C_INTAKE")"
sweeps_intake=$(grep -c 'deadline sweep raised' "$TMPD/serve-intake.log" || true)

# --- 3. fill ----------------------------------------------------------------------------------

have=$(field total "$C_INTAKE")
R_FILL=""
C_FILL=""
hwm_fill=""
need=$((TARGET - have))
[ "$need" -ge "$OLD" ] || need=$OLD
if [ "$need" -gt 0 ]; then
    rate=$(field rps "$R_INTAKE")
    fill_s=$(awk -v n="$need" -v r="$rate" 'BEGIN{s = int(1.3 * n / (r > 1 ? r : 1)) + 1; print (s > 1800 ? 1800 : s)}')
    shifted=$(date -u -d '-5 days' +%Y-%m-%dT%H:%M:%SZ)
    echo "== fill: $need more at ${rate} req/s + 30 %: wrk -t2 -c16 -d${fill_s}s, SINERGI_CLOCK=$shifted"
    start_server "sqlite://$DB" "$TMPD/serve-fill.log" SINERGI_CLOCK="$shifted"
    load_fill=$(cut -d' ' -f1 /proc/loadavg)
    R_FILL=$(run_intake fill "$fill_s" 5)
    echo "$R_FILL"
    stop_server
    hwm_fill=$HWM
    C_FILL=$(check_sqlite fill "$(field max_id "$C_INTAKE")")
    echo "$C_FILL: $(verdict "$C_FILL")"
    sweep_lines_fill=$(grep 'deadline sweep raised' "$TMPD/serve-fill.log" | sed -E 's/.*raised ([0-9]+).*/\1/' | paste -sd, || true)
fi
C_LAST=${C_FILL:-$C_INTAKE}
TOTAL=$(field total "$C_LAST")
DB_SIZE=$(du -h "$DB" | cut -f1)

# --- 4. reads ---------------------------------------------------------------------------------

echo "== reads: serve (real clock), wait for the startup deadline sweep"
start_server "sqlite://$DB" "$TMPD/serve-read.log"
t_start=$(date +%s.%N)
sweep_line=""
for _ in $(seq 1 3000); do
    sweep_line=$(grep -m1 -E 'deadline sweep (raised|failed)' "$TMPD/serve-read.log" || true)
    [ -n "$sweep_line" ] && break
    sleep 0.1
done
sweep_s=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
sweep_n=$(sed -nE 's/.*raised ([0-9]+) alert.*/\1/p' <<< "$sweep_line")
echo "startup sweep: ${sweep_line:-no log line within 300 s} (${sweep_s} s after the server first answered, ±0.1 s)"
hwm_after_sweep=$(awk '/^VmHWM:/{printf "%.0f", $2/1024}' /proc/"$PID"/status)

TOK_REG=$(login bawaslu.jombang)
TOK_NAT=$(login bawaslu.ri)
CASE_ID=$(( $(field max_id "$C_INTAKE") / 2 ))

echo "== checks of the answers"
CHECK=$TMPD/check.txt
python3 - "$DB" "$BASE" "$TOK_REG" "$TOK_NAT" "$CASE_ID" "$REGENCY" > "$CHECK" << 'PY'
import datetime, json, sqlite3, sys, urllib.request

db_path, base, tok_reg, tok_nat, case_id, regency = sys.argv[1:7]
def get(path, tok=None):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {tok}"} if tok else {})
    return json.load(urllib.request.urlopen(req))
db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
in_reg = db.execute("SELECT COUNT(*) FROM reports WHERE region_code >= ? AND region_code < ?", (regency, regency + "/")).fetchone()[0]
overdue = db.execute("SELECT COUNT(*) FROM reports WHERE deadline_at < ?", (now,)).fetchone()[0]
# The board's order: open cases by deadline, then id; final cases (no deadline) after them,
# newest first.
want = [r[0] for r in db.execute(
    "SELECT id FROM reports ORDER BY deadline_at IS NULL, deadline_at, CASE WHEN deadline_at IS NULL THEN -id ELSE id END LIMIT 100")]
ok = True
def show(name, good, text):
    global ok
    ok &= good
    print(f"{name}: {text}: {'ok' if good else 'MISMATCH'}")
print(f"reports in {regency}: {in_reg}; past their deadline now: {overdue}")
reg = get("/api/v1/reports?limit=100", tok_reg)["items"]
nat = get("/api/v1/reports?limit=100", tok_nat)["items"]
show("board 35.17", [r["id"] for r in reg] == want and all(r["region"].startswith(regency + ".") for r in reg),
     f"{len(reg)} items, ids as ORDER BY deadline_at, id in SQL, first deadline {reg[0]['stage']['deadline'] if reg else None}")
show("board ID", [r["id"] for r in nat] == want, f"{len(nat)} items, the same cases (all reports are in {regency})")
od = get("/api/v1/reports?overdue=true&limit=100", tok_reg)["items"]
show("overdue 35.17", len(od) == min(100, overdue) and all(r["stage"]["overdue"] for r in od), f"{len(od)} items, all overdue")
odn = get("/api/v1/reports?overdue=true&limit=100", tok_nat)["items"]
show("overdue ID", [r["id"] for r in odn] == [r["id"] for r in od], f"{len(odn)} items, the same")
one = get(f"/api/v1/reports/{case_id}", tok_reg)
show(f"case {case_id}", one["id"] == int(case_id) and (one["reporter"] is not None or one["kind"] == "informasi_awal"),
     f"{one['status']}, {len(one['timeline'])} event(s), {len(one['requirements'])} requirements, actions {','.join(one['actions'])}")
print("verdict", "ok" if ok else "MISMATCH")
PY
cat "$CHECK"
ANSWERS_OK=1
grep -q '^verdict ok' "$CHECK" || { ANSWERS_OK=0; echo "an answer does not agree with the database (measuring on; exit 1 at the end)" >&2; }

DL_PILKADA="/api/v1/deadlines?election=pilkada-2024&rule=batas_lapor&from=2024-11-20T10:00:00%2B07:00&region=$REGENCY"
DL_PEMILU="/api/v1/deadlines?election=pemilu-2024&rule=batas_lapor&from=2024-02-08T10:00:00%2B07:00&region=$REGENCY"
dl_pilkada=$(curl -sf "$BASE$DL_PILKADA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["deadline"])')
dl_pemilu=$(curl -sf "$BASE$DL_PEMILU" | python3 -c 'import json,sys; print(json.load(sys.stdin)["deadline"])')
echo "deadlines: pilkada batas_lapor from 2024-11-20T10:00+07:00 -> $dl_pilkada; pemilu from 2024-02-08T10:00+07:00 -> $dl_pemilu"

# label|path|token
READS=(
    "board, regency user|/api/v1/reports?limit=100|$TOK_REG"
    "board, national user|/api/v1/reports?limit=100|$TOK_NAT"
    "overdue, regency user|/api/v1/reports?overdue=true&limit=100|$TOK_REG"
    "overdue, national user|/api/v1/reports?overdue=true&limit=100|$TOK_NAT"
    "one case|/api/v1/reports/$CASE_ID|$TOK_REG"
    "deadline, pilkada (days)|$DL_PILKADA|"
    "deadline, pemilu (working days)|$DL_PEMILU|"
)
READ_ROWS=$TMPD/reads.txt
: > "$READ_ROWS"
for r in "${READS[@]}"; do
    IFS='|' read -r label path tok <<< "$r"
    auth=""
    [ -n "$tok" ] && auth="Bearer $tok"
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "== wrk $label: $path"
    c8=$(WRK_PATHS=$path WRK_AUTH=$auth wrk -t2 -c8 -d"${READ_S}s" --latency -s bench/get.lua "$BASE" | grep '^RESULT')
    echo "c8 $c8"
    c1=$(WRK_PATHS=$path WRK_AUTH=$auth wrk -t1 -c1 -d"${SERIAL_S}s" --latency -s bench/get.lua "$BASE" | grep '^RESULT')
    echo "c1 $c1"
    echo "$label|$path|$c8|$c1|$load" >> "$READ_ROWS"
done
hwm_reads=$(awk '/^VmHWM:/{printf "%.0f", $2/1024}' /proc/"$PID"/status)
rss_reads=$(awk '/^(VmRSS|RssAnon|RssFile):/{printf "%s %.0f MB; ", $1, $2/1024}' /proc/"$PID"/status)

echo "== list_reports' query in python3's sqlite3"
PLAN=$TMPD/plan.txt
python3 - "$DB" "$REGENCY" > "$PLAN" << 'PY'
import datetime, sqlite3, sys, time
db_path, regency = sys.argv[1:3]
db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
db.execute("PRAGMA cache_size=-65536")
db.execute("PRAGMA mmap_size=268435456")
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
# The first (open cases) query of list_reports (src/reports/store.rs) as it issues it: the
# scope's column by the length of its code (2 province, 5 regency, 8 district; the nation "ID"
# is 2 long too), no village, no other filter. The board's upper bound is "~", overdue's now.
def query(scope):
    column = {2: "province_code", 5: "regency_code", 8: "district_code"}.get(len(scope), "''")
    return (f"""SELECT id, election_id, region_code, kind, status, classification, reported, received_at, deadline_rule, deadline_at
 FROM reports WHERE {column} = ? AND region_code >= ? AND region_code < ?
   AND (? = '' OR election_id = ?) AND (? = '' OR status = ?) AND (? = '' OR classification = ?)
   AND deadline_at IS NOT NULL AND deadline_at < ? ORDER BY deadline_at, id LIMIT 100 OFFSET 0""")
print(f"sqlite {sqlite3.sqlite_version}")
for label, scope, upper in (("board 35.17", regency, "~"), ("board ID", "ID", "~"), ("overdue 35.17", regency, now)):
    Q = query(scope)
    args = (scope if len(scope) in (2, 5, 8) else "", "", "~", "", "", "", "", "", "", upper)
    plan = " / ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + Q, args))
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        rows = db.execute(Q, args).fetchall()
        ts.append((time.perf_counter() - t0) * 1000)
    print(f"{label}: {len(rows)} rows, median {sorted(ts)[2]:.1f} ms; plan: {plan}")
PY
cat "$PLAN"

# --- 5. case moves ----------------------------------------------------------------------------

echo "== case moves: wrk -t2 -c8 -d${MOVE_S}s POST /api/v1/reports/{id}/transitions"
python3 - "$DB" "$(field max_id "$C_INTAKE")" > "$TMPD/ids.txt" << 'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for (i,) in db.execute("SELECT id FROM reports WHERE status = 'diterima' AND kind = 'laporan' AND id <= ? ORDER BY id", (int(sys.argv[2]),)):
    print(i)
PY
load_move=$(cut -d' ' -f1 /proc/loadavg)
R_MOVE=$(IDS="$TMPD/ids.txt" THREADS=2 WRK_AUTH="Bearer $TOK_REG" wrk -t2 -c8 -d"${MOVE_S}s" --timeout 10s --latency -s "$TMPD/move.lua" "$BASE" | grep '^RESULT')
echo "$R_MOVE"
stop_server
hwm_end=$HWM
moved_db=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM reports WHERE status = '"'kajian_awal'"'").fetchone()[0])' "$DB")
move_ok=$(awk -v a="$moved_db" -v b="$(field moved "$R_MOVE")" 'BEGIN{print (a >= b && a - b <= 8) ? "ok" : "MISMATCH"}')
echo "cases in kajian_awal: $moved_db; 200s read by wrk: $(field moved "$R_MOVE"): $move_ok"

# --- 5b. a deadline sweep after the moves -----------------------------------------------------

# diterima -> kajian_awal keeps the deadline (kajian awal counts from receipt), so the moved cases
# keep their alert state and a sweep raises nothing new for them. `serve` with a sweep every
# second for 3 s (the startup one and at least two more), then: the alerts raised, and the
# reports holding more than one tenggat_dekat (or tenggat_lewat) alert.
echo "== deadline sweep after the moves: serve with SINERGI_SWEEP_SECS=1 for 3 s"
alert_counts() {
    python3 - "$DB" << 'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
q = lambda sql: db.execute(sql).fetchone()[0]
dup = "SELECT COUNT(*) FROM (SELECT entity_id FROM alerts WHERE entity_type = 'report' AND kind = '{}' GROUP BY entity_id HAVING COUNT(*) > 1)"
print(q("SELECT COUNT(*) FROM alerts WHERE kind LIKE 'tenggat_%'"), q(dup.format("tenggat_dekat")), q(dup.format("tenggat_lewat")))
PY
}
read -r deadline_alerts_before _ _ < <(alert_counts)
start_server "sqlite://$DB" "$TMPD/serve-sweep.log" SINERGI_SWEEP_SECS=1
sleep 3
stop_server
read -r deadline_alerts_after dup_dekat dup_lewat < <(alert_counts)
SWEEP_AFTER="deadline alerts raised: $((deadline_alerts_after - deadline_alerts_before)) (log: $(grep -c 'deadline sweep raised' "$TMPD/serve-sweep.log" || true) sweep(s) with alerts); reports with more than one tenggat_dekat alert: $dup_dekat, with more than one tenggat_lewat alert: $dup_lewat"
echo "$SWEEP_AFTER"

# --- 6. audit chain ---------------------------------------------------------------------------

echo "== audit verify"
t0=$(date +%s.%N)
AUDIT=$("$BIN" audit verify --db "sqlite://$DB" 2>&1 | tail -n 1)
audit_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
echo "$AUDIT ($audit_s s)"

# --- 7. PostgreSQL intake (optional) ----------------------------------------------------------

R_PG=""
PG_LINE=""
if [ -n "$PG" ]; then
    echo "== PostgreSQL: intake"
    fresh_database pg
    start_server "$PG/$PG_DB" "$TMPD/serve-pg.log"
    load_pg=$(cut -d' ' -f1 /proc/loadavg)
    R_PG=$(run_intake pg "$INTAKE_S" 0)
    echo "$R_PG"
    stop_server
    hwm_pg=$HWM
    read -r pg_total pg_acked_in_db pg_events pg_audit pg_alerts < <(psql "$PG/$PG_DB" -qAt -F' ' << SQL
CREATE TEMP TABLE acked (receipt TEXT);
\copy acked FROM '$TMPD/acked-pg.txt'
SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM acked a JOIN reports r USING (receipt)),
       (SELECT COUNT(*) FROM case_events WHERE track = 'report'), (SELECT COUNT(*) FROM audit_log WHERE action = 'report.create'),
       (SELECT COUNT(*) FROM alerts WHERE kind = 'laporan_baru');
SQL
)
    pg_acked=$(wc -l < "$TMPD/acked-pg.txt")
    pg_ok=$( [ "$pg_acked" = "$pg_acked_in_db" ] && [ $((pg_total - pg_acked)) -le 16 ] && [ "$pg_total" = "$pg_events" ] &&
        [ "$pg_total" = "$pg_audit" ] && [ "$pg_total" = "$pg_alerts" ] && echo ok || echo MISMATCH)
    PG_LINE="rows $pg_total; 201s read by wrk $pg_acked, all in the database: $pg_acked_in_db; case events $pg_events, audit entries $pg_audit, alerts $pg_alerts: $pg_ok"
    echo "$PG_LINE"
    psql "$PG/postgres" -q -c "DROP DATABASE $PG_DB" > /dev/null
    PG_CREATED=0
fi

# --- results ----------------------------------------------------------------------------------

row_intake() { # LABEL RESULT CHECK LOAD HWM
    local r=$2 c=$3
    echo "| $1 | $(field requests "$r") | $(field secs "$r") | $(field rps "$r") | $(field p50_ms "$r") | $(field p90_ms "$r") | $(field p99_ms "$r") | $(field max_ms "$r") | $(field created "$r") | $(field c4xx "$r")/$(field c5xx "$r")/$(field errors "$r") | $(field new "$c") | $(field unacked "$c") | $(verdict "$c") | $5 | $4 |"
}
{
    echo "# Laporan benchmark ($(date -u +%Y-%m-%d))"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    bin_tree=${SINERGI_TREE:-$(dirname "$BIN")}
    echo "- binary: $BIN; built from commit $(git -C "$bin_tree" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$bin_tree" diff --quiet HEAD -- :/src :/Cargo.toml :/Cargo.lock 2> /dev/null || echo " + uncommitted changes in src/")"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}'); kernel $(uname -r); $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- database: $DB, $TOTAL reports in $VILLAGES_N villages of $REGENCY, $DB_SIZE"
    echo
    echo "Intake, \`wrk -t2 -c16 --latency\` POST /api/v1/reports (fill: SINERGI_CLOCK five days back):"
    echo
    echo "| run | requests | s | req/s | p50 ms | p90 ms | p99 ms | max ms | 201 | 4xx/5xx/socket errors | rows written | rows without a 201 read | check | peak RSS MB | load1 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|"
    row_intake "SQLite, empty table, ${INTAKE_S} s" "$R_INTAKE" "$C_INTAKE" "$load_intake" "$hwm_intake"
    [ -z "$R_FILL" ] || row_intake "SQLite, fill (${fill_s} s)" "$R_FILL" "$C_FILL" "$load_fill" "$hwm_fill"
    if [ -n "$R_PG" ]; then
        echo "| PostgreSQL, empty table, ${INTAKE_S} s | $(field requests "$R_PG") | $(field secs "$R_PG") | $(field rps "$R_PG") | $(field p50_ms "$R_PG") | $(field p90_ms "$R_PG") | $(field p99_ms "$R_PG") | $(field max_ms "$R_PG") | $(field created "$R_PG") | $(field c4xx "$R_PG")/$(field c5xx "$R_PG")/$(field errors "$R_PG") | $pg_total | $((pg_total - pg_acked)) | $pg_ok | $hwm_pg | $load_pg |"
    fi
    echo
    echo "- checks: $C_INTAKE${C_FILL:+; fill: $C_FILL}"
    echo "- deadline sweeps during the intake: $sweeps_intake with alerts (real clock); during the fill: alerts raised per sweep ${sweep_lines_fill:-none}"
    [ -z "$PG_LINE" ] || echo "- PostgreSQL: $PG_LINE"
    echo "- startup deadline sweep of the read server: ${sweep_n:-?} alerts, logged ${sweep_s} s after the server first answered; peak RSS after it ${hwm_after_sweep} MB"
    echo
    echo "Reads with $TOTAL reports in $REGENCY (c8: \`wrk -t2 -c8 -d${READ_S}s --latency\`; c1: \`wrk -t1 -c1 -d${SERIAL_S}s\`):"
    echo
    echo "| URL | as | req/s (c8) | p50 ms (c8) | p99 ms (c8) | max ms (c8) | non-2xx | req/s (c1) | p50 ms (c1) | p99 ms (c1) | p99 < $TARGET_MS ms (c8) | load1 |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
    while IFS='|' read -r label path c8 c1 load; do
        case "$label" in *national*) who=bawaslu.ri ;; deadline*) who=public ;; *) who=bawaslu.jombang ;; esac
        p99=$(field p99_ms "$c8")
        meets=$(awk -v p="$p99" -v t="$TARGET_MS" 'BEGIN{print (p < t) ? "yes" : "**no**"}')
        echo "| \`$path\` | $who | $(field rps "$c8") | $(field p50_ms "$c8") | $p99 | $(field max_ms "$c8") | $(( $(field non2xx "$c8") + $(field errors "$c8") )) | $(field rps "$c1") | $(field p50_ms "$c1") | $(field p99_ms "$c1") | $meets | $load |"
    done < "$READ_ROWS"
    echo
    grep -v '^verdict' "$CHECK" | sed 's/^/- /'
    echo "- deadlines: pilkada batas_lapor from 2024-11-20T10:00+07:00: $dl_pilkada; pemilu batas_lapor from 2024-02-08T10:00+07:00: $dl_pemilu"
    echo
    echo "list_reports' query in python3's sqlite3 (cache_size=-65536, mmap_size=268435456; median of 5):"
    echo
    sed 's/^/- /' "$PLAN"
    echo
    echo "Case moves, \`wrk -t2 -c8 -d${MOVE_S}s --latency\` POST /api/v1/reports/{id}/transitions {\"to\":\"kajian_awal\"} (load1 $load_move):"
    echo "$(field requests "$R_MOVE") requests, $(field rps "$R_MOVE") req/s, p50 $(field p50_ms "$R_MOVE") ms, p99 $(field p99_ms "$R_MOVE") ms, max $(field max_ms "$R_MOVE") ms; 200: $(field moved "$R_MOVE"), other: $(field non200 "$R_MOVE"), socket errors: $(field errors "$R_MOVE"); cases in kajian_awal afterwards: $moved_db: $move_ok"
    echo
    echo "Server peak RSS (VmHWM): intake $hwm_intake MB${hwm_fill:+, fill $hwm_fill MB}, reads $hwm_after_sweep MB after the startup sweep, $hwm_reads MB after the reads (then ${rss_reads% }), $hwm_end MB after the case moves."
    echo
    echo "Deadline sweep after the moves (\`serve\` with SINERGI_SWEEP_SECS=1 for 3 s): $SWEEP_AFTER"
    echo
    echo "\`sinergi audit verify\` on the final database: $AUDIT ($audit_s s)"
    [ "$ANSWERS_OK" = 1 ] || { echo; echo "**An answer did not agree with the database: see the checks above.**"; }
} > "$RESULTS"
echo
cat "$RESULTS"
[ "$ANSWERS_OK" = 1 ]
