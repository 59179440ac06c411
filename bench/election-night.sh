#!/usr/bin/env bash
# Election night: C.Hasil (TPS result forms) ingested over HTTP with the national TPS set
# loaded, on SQLite and (with PG=…) PostgreSQL.
#
#   bench/election-night.sh                                   # builds; SQLite only
#   SINERGI_BIN=/path/to/sinergi bench/election-night.sh      # that binary, no build
#   SINERGI_TREE=/path/to/checkout                            # where it was built from (for the
#                                                             # commit in the results; default:
#                                                             # the binary's directory)
#   PG=postgres://postgres@127.0.0.1:5432 bench/election-night.sh   # also PostgreSQL (a fresh
#                                                             # database bench_night, dropped)
#   PROFILE=1 …                                               # also a perf profile (SQLite;
#                                                             # PROFILE_PHASE=single: of single
#                                                             # entries, else double)
#   BARE=0 …                                                  # without the bare server
#   Knobs (env): CONNS=64 SINGLE_S=20 DOUBLE_S=20 BAWASLU_S=10 SUMMARY_S=5 SUMMARY_RATE=200 BURST_S=6
#   PROFILE_S=10 ENGINES="sqlite pg" IDEMPOTENCY=1, DB, RESULTS.
#
# The bare server (bench/bare.rs, `cargo build --release --example bare`; BARE_BIN names another)
# is the limit Sinergi is measured against: it takes the identical PUT, requires the bearer
# header, parses the whole C.Hasil into typed fields, checks its sums and stores one row per TPS
# and contest with group commit, acknowledging after the commit, on the same engine. Per engine
# it runs first, with the same generator, slices and durations as Sinergi's single and double
# phases; the results give Sinergi's forms/s as a percentage of it.
# In the timed phases the generator does not read response bodies (PARSE=0 in put.lua, for both
# servers alike): what was acknowledged is checked afterwards, as entries added in the database
# (at least one per 200) and, for Sinergi, leaves of the log (`sinergi log verify`). The kill -9
# burst reads the bodies to know exactly which forms were acknowledged.
#
# Per engine, from scratch (needs wrk: apt-get install -y wrk; python3, curl; psql for PG):
#   1. build (unless SINERGI_BIN); bench/out/tps-pemilu.csv from `sinergi gen tps --election
#      pemilu-2024` (reused if it holds 820,161 TPS; REGEN=1 regenerates). The TPS are put in
#      a fixed pseudo-random order (python3, seed 2024), so consecutive forms come from all over
#      the country, and cut into disjoint slices, one per phase below;
#   2. a fresh database: `audit verify --db URL` (creates, migrates, loads the regions), then
#      `import tps --election pemilu-2024 --db URL` of the national file (timed), then three
#      national users from `user add … --role operator --region ID --password-stdin`: kpu.a and
#      kpu.b (--agency kpu) and bawaslu.ri (--agency bawaslu);
#   3. `serve` on 127.0.0.1:18093; logins; one form through curl (200), and one that does not
#      add up (422 naming the failed identities);
#   4. ingestion, wrk -t2 -c$CONNS --latency, PUT /api/v1/elections/pemilu-2024/results/{tps}/presiden
#      with Authorization: Bearer and an Idempotency-Key per form (IDEMPOTENCY=0: none). Each
#      form's numbers follow from its TPS (the DPT of the imported row) and its place in the
#      order: they vary per TPS and always add up (the identities of src/results/form.rs), so
#      every form passes the gates and none raises a warning or an anomaly:
#        single  (SINGLE_S):  kpu.a alone, one form per TPS: the first of KPU's double entry,
#                             status "menunggu_entri_kedua" (stored, audited, not counted);
#        double  (DOUBLE_S):  every TPS twice, kpu.a and kpu.b with identical numbers, sent
#                             back to back on two connections: the second makes it "sah" and
#                             moves the aggregates of village, district, regency, province and
#                             nation. At the same time a second wrk (-t1 -c4) reads
#                             GET …/results/summary?contest=presiden&region=ID|35|35.17 in turn,
#                             paced to about SUMMARY_RATE reads/s (200: leaders' dashboards
#                             refreshing; 0: as fast as four connections go): the summary's
#                             latency while ingesting. The bare server's double phase has no
#                             reads beside it; unpaced, the reads took a third of the CPU that
#                             Sinergi's double phase was compared with the bare server's on;
#        bawaslu (BAWASLU_S): bawaslu.ri enters Bawaslu's copy (source "bawaslu"): first of
#                             the TPS made "sah" in the double phase, then of those of the single
#                             phase. Every 10th copy has one vote moved from 01 to 02, so a sah
#                             result it belongs to is flagged as a discrepancy (aggregates move).
#      Every 200 is a commit with synchronous=FULL (SQLite) or a default, durable COMMIT
#      (PostgreSQL) that holds the entry, the TPS result's state, the aggregates and an audit
#      entry (hash chain). wrk writes "tps user status" for every 200 it read (from the body).
#      Around each phase: the CPU time of the server's writer thread and of the rest of the
#      server (/proc/PID/task/*/stat, /proc/PID/stat), the bytes it wrote (/proc/PID/io wchar:
#      to write(), write_bytes: to storage), and wrk's own CPU time (/usr/bin/time);
#   5. the summary again with nothing ingesting (wrk -t1 -c4 -d${SUMMARY_S}s), then checks, the
#      server still running: every 200 wrk read is an entry in result_entries (same TPS, user,
#      source); the summary of ID, 35 and 35.17 equals the sum of the counted results in SQL
#      (tps_in, dpt, users, valid, invalid, votes per candidate, discrepancies, anomalies). Also
#      reported, not checked: entries per source and user (they exceed the 200s read by the
#      requests still in flight when each wrk stopped) and TPS results per status;
#   6. (PROFILE=1, SQLite) perf record -F 999 -g --call-graph dwarf of the server during
#      PROFILE_S seconds of double entry on another slice (not part of the figures);
#   7. durability: peak RSS (VmHWM) is read, then a burst (wrk -d${BURST_S}s, kpu.b, single
#      entries on a fresh slice) during which the server is killed with SIGKILL one second
#      before wrk stops, with requests in flight. `serve` again on the same database (time to
#      its first answer); its summary; stopped; then every (TPS, user) wrk read a 200 for must
#      be in result_entries, and `sinergi audit verify` must pass.
# A failed check is named at the end of the results and makes the script exit 1, after
# everything is measured.
# wrk's percentiles are corrected for coordinated omission (a stalled connection counts the
# requests it would have sent). wrk runs on the same cores as the server.
# Results: bench/out/election-night-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
# The CLI's answers are read below in English.
export SINERGI_LANG=en
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
CSV=$OUT/tps-pemilu.csv
DB=${DB:-$OUT/election-night.db}
ADDR=${ADDR:-127.0.0.1:18093}
BASE=http://$ADDR
ELECTION=pemilu-2024
CONTEST=presiden
CONNS=${CONNS:-64}
SINGLE_S=${SINGLE_S:-20}
DOUBLE_S=${DOUBLE_S:-20}
BAWASLU_S=${BAWASLU_S:-10}
SUMMARY_S=${SUMMARY_S:-5}
SUMMARY_RATE=${SUMMARY_RATE:-200}
BURST_S=${BURST_S:-6}
PROFILE=${PROFILE:-0}
PROFILE_S=${PROFILE_S:-10}
PROFILE_PHASE=${PROFILE_PHASE:-double}
IDEMPOTENCY=${IDEMPOTENCY:-1}
PG=${PG:-}
PG_DB=bench_night
BARE=${BARE:-1}
BARE_ADDR=${BARE_ADDR:-127.0.0.1:18094}
BARE_DB=${BARE_DB:-$OUT/bare.db}
BARE_PG_DB=bench_bare
ENGINES=${ENGINES:-sqlite${PG:+ pg}}
RESULTS=${RESULTS:-$OUT/election-night-results.md}
PASSWORD=bench-night-2024
EXPECTED_TPS=820161
SUMMARY_REGIONS="ID 35 35.17"
# Slices of the shuffled TPS (TPS each): generous, so that no phase runs out (a phase that did
# would send a TPS twice: 409, or an idempotent replay, both counted).
SLICE_CHECK=10
SLICE_SINGLE=${SLICE_SINGLE:-340000}
SLICE_DOUBLE=${SLICE_DOUBLE:-160000}
SLICE_PROFILE=${SLICE_PROFILE:-150000}
mkdir -p "$OUT"
for tool in wrk python3 curl; do
    command -v "$tool" > /dev/null || { echo "needs $tool (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
if [[ " $ENGINES " == *" pg "* ]]; then
    [ -n "$PG" ] || { echo "ENGINES has pg: set PG=postgres://USER@HOST:PORT" >&2; exit 1; }
    command -v psql > /dev/null || { echo "PG needs psql" >&2; exit 1; }
fi

# shellcheck source=bench/lib.sh
source bench/lib.sh
if [ "$BARE" = 1 ]; then
    if [ -z "${BARE_BIN:-}" ]; then
        if [ -z "${SINERGI_BIN:-}" ]; then
            cargo build --release --example bare 2>&1 | tail -n 1
        fi
        BARE_BIN=$(dirname "$BIN")/examples/bare
    fi
    [ -x "$BARE_BIN" ] || { echo "no bare server at $BARE_BIN: cargo build --release --example bare (or BARE=0)" >&2; exit 1; }
fi

# server_counters: "writer_ticks process_ticks wchar write_bytes" so far: CPU ticks (user+system)
# of the writer thread ($WRITER_THREAD: sinergi-writer, or bare-writer) and of the whole server (threads that have ended
# included), and the bytes it passed to write() and caused to be written to storage
# (/proc/PID/io).
server_counters() {
    local w p io
    w=$(cat /proc/"$PID"/task/*/stat 2> /dev/null |
        awk -v wt="$WRITER_THREAD" '{ s = $0; sub(/^[0-9]+ \(/, "", s); name = substr(s, 1, index(s, ") ") - 1); rest = substr(s, index(s, ") ") + 2)
               split(rest, f, " "); if (name == wt) w += f[12] + f[13] } END { printf "%d", w }' || true)
    p=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); printf "%d", f[12] + f[13] }' /proc/"$PID"/stat 2> /dev/null || true)
    io=$(awk '/^wchar:/{c = $2} /^write_bytes:/{b = $2} END{printf "%d %d", c, b}' /proc/"$PID"/io 2> /dev/null || true)
    echo "${w:-0} ${p:-0} ${io:-0 0}"
}
TCK=$(getconf CLK_TCK)
WRITER_THREAD=sinergi-writer

# --- the TPS order and its slices -------------------------------------------------------------

echo "== TPS file"
if [ "${REGEN:-0}" = 1 ] || [ ! -f "$CSV" ] || [ "$(($(wc -l < "$CSV") - 1))" != "$EXPECTED_TPS" ]; then
    "$BIN" gen tps --election "$ELECTION" --out "$CSV"
else
    echo "reusing $CSV"
fi
N_TPS=$(($(wc -l < "$CSV") - 1))
echo "$CSV: $N_TPS TPS, $(du -h "$CSV" | cut -f1)"

# Lines "index code dpt", index = place in the shuffled order (the form's numbers follow from it).
python3 - "$CSV" "$TMPD" "$SLICE_CHECK" "$SLICE_SINGLE" "$SLICE_DOUBLE" "$SLICE_PROFILE" << 'PY'
import csv, random, sys
src, tmp = sys.argv[1], sys.argv[2]
sizes = [int(x) for x in sys.argv[3:7]]
with open(src, newline="") as f:
    r = csv.reader(f)
    head = next(r)
    ci, di = head.index("code"), head.index("dpt")
    rows = [(row[ci], row[di]) for row in r]
random.Random(2024).shuffle(rows)
names = ["check", "single", "double", "profile"]
start = 0
for name, n in zip(names, sizes):
    with open(f"{tmp}/slice-{name}.txt", "w") as out:
        for i in range(start, min(start + n, len(rows))):
            out.write(f"{i} {rows[i][0]} {rows[i][1]}\n")
    start += n
with open(f"{tmp}/slice-burst.txt", "w") as out:  # the rest: the bursts of every engine
    for i in range(start, len(rows)):
        out.write(f"{i} {rows[i][0]} {rows[i][1]}\n")
print(f"slices: check {sizes[0]}, single {sizes[1]}, double {sizes[2]}, profile {sizes[3]}, burst {len(rows) - start} TPS")
PY
# Each engine's burst takes its own half of the burst slice.
split -n l/2 -d "$TMPD/slice-burst.txt" "$TMPD/slice-burst-"

SUMMARY_PATHS=""
for r in $SUMMARY_REGIONS; do SUMMARY_PATHS+="/api/v1/elections/$ELECTION/results/summary?contest=$CONTEST&region=$r "; done

# put_run LABEL SECONDS MODE SOURCE SLICE TOKEN_A [TOKEN_B]: wrk against the running server
# ($BASE). Response bodies are read only with PARSE=1.
# Prints the RESULT line with the phase's server CPU appended (writer_cpu_s, other_cpu_s);
# leaves the 200s read in $TMPD/acked-LABEL.txt.
put_run() {
    local label=$1 secs=$2 mode=$3 source=$4 slice=$5 ta=$6 tb=${7:-} out c0 c1
    rm -f "$TMPD/acked-$label".*
    c0=$(server_counters)
    out=$(SLICE=$slice THREADS=2 MODE=$mode SOURCE=$source TOKEN_A=$ta TOKEN_B=$tb IDEMPOTENCY=$IDEMPOTENCY PARSE="${PARSE:-0}" ACKED="$TMPD/acked-$label" \
        /usr/bin/time -f 'WRKCPU %U %S' wrk -t2 -c"$CONNS" -d"${secs}s" --timeout 10s --latency -s bench/put.lua "$BASE" 2>&1)
    c1=$(server_counters)
    echo "$out" > "$TMPD/wrk-$label.txt"
    cat "$TMPD/acked-$label".* > "$TMPD/acked-$label.txt" 2> /dev/null || : > "$TMPD/acked-$label.txt"
    grep '^FIRST_BAD' <<< "$out" >&2 || true
    echo "$(grep '^RESULT' <<< "$out") $(awk -v a="$c0" -v b="$c1" -v t="$TCK" -v w="$(grep '^WRKCPU' <<< "$out" | cut -d' ' -f2-)" 'BEGIN{
        split(a, x, " "); split(b, y, " "); split(w, z, " ")
        printf "writer_cpu_s=%.2f other_cpu_s=%.2f wrk_cpu_s=%.2f wchar_mb=%.1f write_mb=%.1f", (y[1]-x[1])/t, ((y[2]-x[2])-(y[1]-x[1]))/t, z[1]+z[2], (y[3]-x[3])/1048576, (y[4]-x[4])/1048576}')"
}

# db_query ENGINE_URL SQL: rows as "a|b|c" lines (read-only; the server may be running).
db_query() {
    local url=$1 sql=$2
    case $url in
        sqlite://*) python3 -c '
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for r in db.execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))' "${url#sqlite://}" "$sql" ;;
        *) psql "$url" -qAt -F'|' -c "$sql" ;;
    esac
}

# check_acked URL ACKED_FILE SOURCE: how many of the (tps, user) 200s read by wrk are entries in
# result_entries (source SOURCE, contest presiden). Prints "acked=N in_db=M".
check_acked() {
    local url=$1 file=$2 source=$3
    python3 - "$url" "$file" "$source" << 'PY'
import subprocess, sys
url, path, source = sys.argv[1:4]
acked = set()
for line in open(path):
    p = line.split()
    if len(p) >= 2:
        acked.add((p[0], p[1]))
sql = f"SELECT tps_code, entered_by FROM result_entries WHERE source = '{source}' AND contest = 'presiden'"
if url.startswith("sqlite://"):
    import sqlite3
    db = sqlite3.connect(f"file:{url[len('sqlite://'):]}?mode=ro", uri=True)
    rows = set(db.execute(sql))
else:
    outp = subprocess.run(["psql", url, "-qAt", "-F|", "-c", sql], check=True, capture_output=True, text=True).stdout
    rows = {tuple(l.split("|")) for l in outp.splitlines() if l}
print(f"acked={len(acked)} in_db={len(acked & rows)}")
PY
}

# entries_count URL SOURCE: entries of SOURCE in result_entries (after a second, so that forms
# in flight when wrk stopped are in).
entries_count() {
    sleep 1
    db_query "$1" "SELECT COUNT(*) FROM result_entries WHERE source = '$2' AND contest = '$CONTEST'"
}

# stored LABEL BEFORE AFTER RESULT: "acked=<200s> in_db=<entries added>" for a timed phase; the
# check is in_db >= acked (a form in flight when wrk stopped may be stored without its 200 read).
stored() { echo "acked=$(field ok "$4") in_db=$(($3 - $2))"; }

# run_bare ENGINE: the bare server on a fresh store of ENGINE, the single and double phases of
# Sinergi's slices against it. Appends bare_* facts to $TMPD/facts-ENGINE.txt.
run_bare() {
    local eng=$1 facts=$TMPD/facts-$1.txt url log=$TMPD/bare-$1.log b0 b1
    local base=$BASE pid=$PID server=$SERVER
    if [ "$eng" = sqlite ]; then
        rm -f "$BARE_DB" "$BARE_DB-wal" "$BARE_DB-shm"
        url=sqlite://$BARE_DB
    else
        psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $BARE_PG_DB" -c "CREATE DATABASE $BARE_PG_DB" > /dev/null
        url=$PG/$BARE_PG_DB
    fi
    echo "== [$eng] bare server on $BARE_ADDR"
    "$BARE_BIN" --db "$url" --listen "$BARE_ADDR" --tokens bare-a,bare-b > "$log" 2>&1 &
    SERVER=$!
    PID=$SERVER
    BASE=http://$BARE_ADDR
    for _ in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$BASE/api/v1/elections/x/results/x/x")" = 401 ] && break
        kill -0 "$SERVER" 2> /dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    WRITER_THREAD=bare-writer
    bare_rows() { sleep 1; db_query "$url" "SELECT COALESCE(SUM(n), 0) FROM forms"; }
    echo "== [$eng] bare single: wrk -t2 -c$CONNS -d${SINGLE_S}s"
    b0=$(bare_rows)
    echo "bare_single=$(put_run "bare-single-$eng" "$SINGLE_S" single kpu "$TMPD/slice-single.txt" bare-a)" >> "$facts"
    b1=$(bare_rows)
    echo "acked_bare_single=$(stored x "$b0" "$b1" "$(grep '^bare_single=' "$facts" | cut -d= -f2-)")" >> "$facts"
    echo "== [$eng] bare double: wrk -t2 -c$CONNS -d${DOUBLE_S}s"
    echo "bare_double=$(put_run "bare-double-$eng" "$DOUBLE_S" double kpu "$TMPD/slice-double.txt" bare-a bare-b)" >> "$facts"
    b0=$b1
    b1=$(bare_rows)
    echo "acked_bare_double=$(stored x "$b0" "$b1" "$(grep '^bare_double=' "$facts" | cut -d= -f2-)")" >> "$facts"
    grep -E '^(bare_|acked_bare_)' "$facts"
    kill "$SERVER" 2> /dev/null || true
    wait "$SERVER" 2> /dev/null || true
    [ "$eng" = pg ] && psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $BARE_PG_DB" > /dev/null
    WRITER_THREAD=sinergi-writer
    BASE=$base PID=$pid SERVER=$server
}

# check_summary URL: the summary API of each region against SQL over the counted results.
check_summary() {
    local url=$1
    db_query "$url" "SELECT tps_code, counted, discrepancy, anomalies FROM results WHERE election_id = '$ELECTION' AND contest = '$CONTEST' AND counted IS NOT NULL" > "$TMPD/counted.txt"
    python3 - "$TMPD/counted.txt" "$BASE" "$ELECTION" "$CONTEST" $SUMMARY_REGIONS << 'PY'
import json, sys, urllib.request
path, base, election, contest, *regions = sys.argv[1:]
rows = []
for line in open(path):
    parts = line.rstrip("\n").split("|")
    code, counted, disc, anom = parts[0], "|".join(parts[1:-2]), parts[-2], parts[-1]
    rows.append((code, json.loads(counted), int(disc in ("1", "t", "true")), int(anom != "")))
ok = True
for region in regions:
    inside = [r for r in rows if region == "ID" or r[0].startswith(region + ".")]
    want = {"tps_in": len(inside), "dpt": 0, "users": 0, "valid": 0, "invalid": 0, "discrepancies": 0, "anomalies": 0}
    votes = {}
    for code, t, d, a in inside:
        want["dpt"] += t["voters"]["dpt"]["l"] + t["voters"]["dpt"]["p"]
        want["users"] += sum(v["l"] + v["p"] for k, v in t["users"].items() if k != "jumlah")
        want["valid"] += t["valid"]
        want["invalid"] += t["invalid"]
        want["discrepancies"] += d
        want["anomalies"] += a
        for c, n in t["votes"].items():
            votes[c] = votes.get(c, 0) + n
    got = json.load(urllib.request.urlopen(f"{base}/api/v1/elections/{election}/results/summary?contest={contest}&region={region}"))
    have = {k: got[k] for k in want}
    have_votes = {c["id"]: c["votes"] for c in got["candidates"]}
    good = have == want and all(have_votes.get(c, 0) == n for c, n in votes.items())
    ok &= good
    print(f"summary {region}: tps_in {have['tps_in']} of {got['tps_total']}, valid {have['valid']}, votes "
          + " ".join(f"{c}:{have_votes.get(c, 0)}" for c in sorted(have_votes))
          + f", discrepancies {have['discrepancies']}, anomalies {have['anomalies']}: "
          + ("= SQL" if good else f"MISMATCH (SQL: {want} {votes})"))
print("verdict", "ok" if ok else "MISMATCH")
PY
}

# --- one engine -------------------------------------------------------------------------------

# run_engine ENGINE: sqlite or pg. Appends "key=value" lines to $TMPD/facts-ENGINE.txt.
run_engine() {
    local eng=$1 url facts=$TMPD/facts-$1.txt t0 imp load
    : > "$facts"
    fact() { echo "$1=$2" >> "$facts"; }
    get_fact() { grep "^$1=" "$facts" | head -n 1 | cut -d= -f2-; }
    [ "$BARE" = 1 ] && run_bare "$eng"
    fresh_database "$eng"
    url=$URL
    echo "== [$eng] import tps"
    t0=$(date +%s.%N)
    imp=$("$BIN" import tps --election "$ELECTION" --db "$url" "$CSV" 2>&1 | tail -n 1)
    fact import_wall_s "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')"
    fact import_line "$imp"
    echo "$imp"
    for u in kpu.a:kpu kpu.b:kpu bawaslu.ri:bawaslu; do
        echo "$PASSWORD" | "$BIN" user add "${u%%:*}" --agency "${u##*:}" --region ID --role operator --password-stdin --db "$url" > /dev/null
    done

    echo "== [$eng] serve on $ADDR"
    start_server "$url" "$TMPD/serve-$eng.log"
    TOK_A=$(login kpu.a)
    TOK_B=$(login kpu.b)
    TOK_W=$(login bawaslu.ri)

    # One form by hand, and one that does not add up.
    read -r _ code dpt < "$TMPD/slice-check.txt"
    local forms good_code bad_resp
    # The same arithmetic as put.lua; the bad one says valid 1 more than the votes add up to.
    forms=$(python3 - "$dpt" << 'PY'
import json, sys
d = int(sys.argv[1])
ud = max(0, min(d * 8 // 10, d - 6))
users, received = ud + 4, d + (d * 200 + 9999) // 10000
valid, v1, v2 = users - 4, (users - 4) * 4 // 10, (users - 4) * 4 // 10
form = {"source": "kpu", "voters": {"dpt": {"l": d // 2, "p": d - d // 2}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": ud // 2, "p": ud - ud // 2}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}}, "disabled": {"voters": 3, "users": 2},
        "ballots": {"received": received, "used": users, "spoiled": 0, "unused": received - users},
        "votes": {"01": v1, "02": v2, "03": valid - v1 - v2}, "valid": valid, "invalid": 4}
print(json.dumps(form))
form["valid"] += 1
print(json.dumps(form))
PY
)
    local put_url="$BASE/api/v1/elections/$ELECTION/results/$code/$CONTEST"
    good_code=$(curl -s -o "$TMPD/good.json" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOK_A" -H 'Content-Type: application/json' -d "$(sed -n 1p <<< "$forms")" "$put_url")
    fact check_good "$code: $good_code $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$TMPD/good.json" 2> /dev/null || head -c 300 "$TMPD/good.json")"
    bad_resp=$(curl -s -w ' %{http_code}' -X PUT -H "Authorization: Bearer $TOK_B" -H 'Content-Type: application/json' -d "$(sed -n 2p <<< "$forms")" "$put_url")
    fact check_bad "${bad_resp##* } $(python3 -c 'import json,sys; b=json.loads(sys.argv[1]); print(b["error"]["message"])' "${bad_resp% *}" 2> /dev/null || echo "${bad_resp:0:300}")"
    echo "one form: $(grep '^check_good=' "$facts" | cut -d= -f2-); one that does not add up: $(grep '^check_bad=' "$facts" | cut -d= -f2-)"

    echo "== [$eng] single entries: wrk -t2 -c$CONNS -d${SINGLE_S}s (kpu.a)"
    load=$(cut -d' ' -f1 /proc/loadavg)
    fact single_load "$load"
    local n0 n1
    n0=$(entries_count "$url" kpu)
    fact single "$(put_run "single-$eng" "$SINGLE_S" single kpu "$TMPD/slice-single.txt" "$TOK_A")"
    n1=$(entries_count "$url" kpu)
    fact acked_single "$(stored x "$n0" "$n1" "$(get_fact single)")"
    grep '^single=' "$facts"

    echo "== [$eng] double entry: wrk -t2 -c$CONNS -d${DOUBLE_S}s (kpu.a + kpu.b), summary reads beside it"
    load=$(cut -d' ' -f1 /proc/loadavg)
    fact double_load "$load"
    # Four connections, each pausing 4000/SUMMARY_RATE ms before a read.
    (sleep 1; WRK_DELAY_MS=$(( SUMMARY_RATE > 0 ? 4000 / SUMMARY_RATE : 0 )) WRK_PATHS=$SUMMARY_PATHS wrk -t1 -c4 -d"$((DOUBLE_S - 2))s" --latency -s bench/get.lua "$BASE" | grep '^RESULT' > "$TMPD/summary-busy-$eng.txt") &
    local sumjob=$!
    fact double "$(put_run "double-$eng" "$DOUBLE_S" double kpu "$TMPD/slice-double.txt" "$TOK_A" "$TOK_B")"
    wait "$sumjob"
    n0=$n1
    n1=$(entries_count "$url" kpu)
    fact acked_double "$(stored x "$n0" "$n1" "$(get_fact double)")"
    fact summary_busy "$(cat "$TMPD/summary-busy-$eng.txt")"
    grep -E '^(double|summary_busy)=' "$facts"

    echo "== [$eng] Bawaslu's copy: wrk -t2 -c$CONNS -d${BAWASLU_S}s (bawaslu.ri) of TPS made sah"
    db_query "$url" "SELECT tps_code FROM results WHERE election_id = '$ELECTION' AND contest = '$CONTEST' AND status = 'sah'" | sort -u > "$TMPD/sah-$eng.txt"
    # The TPS made sah first, then those of the single phase (no KPU result counted yet), so
    # that the phase does not run out.
    { awk 'NR == FNR {s[$1] = 1; next} ($2 in s)' "$TMPD/sah-$eng.txt" "$TMPD/slice-double.txt"; cat "$TMPD/slice-single.txt"; } > "$TMPD/slice-bawaslu-$eng.txt"
    fact sah_tps "$(wc -l < "$TMPD/sah-$eng.txt")"
    load=$(cut -d' ' -f1 /proc/loadavg)
    fact bawaslu_load "$load"
    n0=$(entries_count "$url" bawaslu)
    fact bawaslu "$(put_run "bawaslu-$eng" "$BAWASLU_S" single bawaslu "$TMPD/slice-bawaslu-$eng.txt" "$TOK_W")"
    n1=$(entries_count "$url" bawaslu)
    fact acked_bawaslu "$(stored x "$n0" "$n1" "$(get_fact bawaslu)")"
    grep '^bawaslu=' "$facts"

    echo "== [$eng] summary, nothing ingesting: wrk -t1 -c4 -d${SUMMARY_S}s"
    fact summary_idle "$(WRK_PATHS=$SUMMARY_PATHS wrk -t1 -c4 -d"${SUMMARY_S}s" --latency -s bench/get.lua "$BASE" | grep '^RESULT')"
    grep '^summary_idle=' "$facts"

    echo "== [$eng] checks"
    # Entries per user and source; TPS results by status.
    fact entries "$(db_query "$url" "SELECT source || ':' || entered_by || '=' || COUNT(*) FROM result_entries GROUP BY source, entered_by ORDER BY 1" | tr '\n' ' ')"
    fact statuses "$(db_query "$url" "SELECT status || '=' || COUNT(*) FROM results GROUP BY status ORDER BY 1" | tr '\n' ' ')"
    check_summary "$url" > "$TMPD/summary-check-$eng.txt"
    cat "$TMPD/summary-check-$eng.txt"
    grep '^acked_\|^entries=\|^statuses=' "$facts"

    if [ "$PROFILE" = 1 ] && [ "$eng" = sqlite ] && command -v perf > /dev/null; then
        echo "== [$eng] perf: $PROFILE_PHASE entry for ${PROFILE_S}s under perf record"
        local perf_data=$OUT/perf-election-night.data
        perf record -F 999 -g --call-graph dwarf,16384 -p "$PID" -o "$perf_data" > /dev/null 2>&1 &
        local perf=$!
        sleep 0.5
        if [ "$PROFILE_PHASE" = single ]; then
            fact profile_run "$(put_run "profile-$eng" "$PROFILE_S" single kpu "$TMPD/slice-profile.txt" "$TOK_B")"
        else
            fact profile_run "$(put_run "profile-$eng" "$PROFILE_S" double kpu "$TMPD/slice-profile.txt" "$TOK_A" "$TOK_B")"
        fi
        kill -INT "$perf" 2> /dev/null || true
        wait "$perf" || true
        profile_report "$perf_data" > "$OUT/perf-election-night.txt"
        cat "$OUT/perf-election-night.txt"
    fi

    echo "== [$eng] durability: a ${BURST_S}s burst (kpu.b), SIGKILL 1 s before wrk stops"
    fact hwm_mb "$(hwm_mb)"
    fact rss_end "$(awk '/^(VmRSS|RssAnon|RssFile):/{printf "%s %.0f MB; ", $1, $2/1024}' /proc/"$PID"/status)"
    fact burst_rows_before "$(db_query "$url" "SELECT COUNT(*) FROM result_entries WHERE entered_by = 'kpu.b' AND source = 'kpu'")"
    local burst_slice
    [ "$eng" = sqlite ] && burst_slice=$TMPD/slice-burst-00 || burst_slice=$TMPD/slice-burst-01
    PARSE=1 put_run "burst-$eng" "$BURST_S" single kpu "$burst_slice" "$TOK_B" > "$TMPD/burst-result-$eng.txt" &
    local burst=$!
    sleep "$((BURST_S - 1))"
    kill -9 "$PID"
    fact killed_at "$(date -u +%H:%M:%S.%N | cut -c1-12)"
    wait "$SERVER" 2> /dev/null || true
    SERVER=""
    wait "$burst" || true
    fact burst "$(cat "$TMPD/burst-result-$eng.txt")"
    t0=$(date +%s.%N)
    start_server "$url" "$TMPD/serve-$eng-restart.log"
    fact restart_s "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')"
    fact restart_summary "$(curl -s "$BASE/api/v1/elections/$ELECTION/results/summary?contest=$CONTEST&region=ID" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("tps_in", s["tps_in"], "valid", s["valid"])')"
    stop_server
    fact acked_burst "$(check_acked "$url" "$TMPD/acked-burst-$eng.txt" kpu)"
    fact burst_rows "$(db_query "$url" "SELECT COUNT(*) FROM result_entries WHERE entered_by = 'kpu.b' AND source = 'kpu'")"
    t0=$(date +%s.%N)
    fact audit "$("$BIN" audit verify --db "$url" 2>&1 | tail -n 1) ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s)"
    t0=$(date +%s.%N)
    fact logv "$("$BIN" log verify --db "$url" 2>&1 | tail -n 1) ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s)"
    # On PostgreSQL leaves wait in tlog_queue until the server holding the log's lease appends
    # them; a killed holder's lease runs out 3 s later, so the queue may still hold some here.
    fact leaves_entries "$(db_query "$url" "SELECT (SELECT size FROM tlog_head) || ' leaves + ' || (SELECT COUNT(*) FROM tlog_queue) || ' queued, ' || (SELECT COUNT(*) FROM result_entries) || ' entries + ' || (SELECT COUNT(*) FROM recap_entries) || ' recaps'")"
    grep -E '^(burst|restart_s|restart_summary|acked_burst|audit|logv|leaves_entries|hwm_mb)=' "$facts"
    if [ "$eng" = sqlite ]; then
        fact db_size "$(du -h "$DB" | cut -f1)"
    else
        fact db_size "$(psql "$url" -qAt -c "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")"
        fact pg_settings "$(psql "$url" -qAt -c "SELECT version()" | cut -d' ' -f1-2); $(psql "$url" -qAt -F= -c "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level') ORDER BY name" | tr '\n' ' ')"
        psql "$PG/postgres" -q -c "DROP DATABASE $PG_DB" > /dev/null
        PG_CREATED=0
    fi
}

# profile_report PERF_DATA: top self symbols, and where each form's time goes, inclusive by phase.
profile_report() {
    local data=$1
    set +o pipefail # head closes the pipe early
    echo "self time, top symbols (all threads):"
    perf report -i "$data" --no-children --sort symbol --stdio 2> /dev/null | grep -E '^ +[0-9]' | head -n 20 | sed 's/ *- *- *$//'
    echo
    echo "by thread and phase: each sample counted once, under the first of these that its stack contains, in"
    echo "this order (a WAL checkpoint runs inside the COMMIT statement, so it is looked for first):"
    perf script -i "$data" -F comm,ip,sym 2> /dev/null | python3 -c '
import collections, sys
WRITER = [  # (label, any of these in the stack)
    ("writer: WAL checkpoint (auto-checkpoint in COMMIT: WAL pages copied into the database, fsync)", ("Checkpoint",)),
    ("writer: COMMIT (WAL frames written, fsync, page-cache walk)", ("vdbeCommit", "sqlite3PagerCommit", "pager_end_transaction")),
    ("writer: group end: aggregates written (AggregateMoves::flush, multi-row upserts)", ("AggregateMoves",)),
    ("writer: group end: audit entries chained and inserted (audit::Pending::flush)", ("audit::Pending",)),
    ("writer: transparency log (tlog::enqueue: stored hashes read, leaf + hashes inserted)", ("tlog::enqueue", "tlog::append")),
    ("writer: store::move_by (the moves summed in memory)", ("store::move_by",)),
    ("writer: store::entries_of (earlier entries of the TPS of the group, tallies parsed)", ("store::entries_of",)),
    ("writer: audit::record (the entry built, deferred)", ("audit::record",)),
    ("writer: store::currents + registered (TPS results of the group, the register)", ("store::currents", "store::registered")),
    ("writer: store::decide (the rules, the canonical JSON of the leaf)", ("store::decide",)),
    ("writer: store::submit_all, rest (INSERT entries, results upsert, tally JSON, the views)", ("store::submit",)),
    ("writer: idempotency keys looked up, answers serialised and stored", ("idempotent_write", "http::priors", "http::keep_answers", "http::serialise")),
    ("writer: SAVEPOINT / RELEASE / BEGIN", ("execute_batch", "Conn::control", "Conn::batch", "Conn::begin")),
    ("writer: writer_loop, rest (queue, replies)", ("writer_loop",)),
]
WORKERS = [
    ("workers: session lookup (read pool)", ("user_for_session",)),
    ("workers: candidates lookup (read pool)", ("results_candidates", "candidates_at")),
    ("workers: summary reads", ("results::store::summary", "api::summary")),
    ("workers: form gates", ("api::gate", "form::check")),
]
ACROSS = [  # counted wherever they occur in a writer sample (overlapping the above)
    ("statement parsed and planned again on use (sqlite3Reprepare)", ("sqlite3Reprepare",)),
    ("page-cache walk at each commit (pcache1TruncateUnsafe)", ("pcache1TruncateUnsafe",)),
    ("fsync/fdatasync (its CPU part)", ("fdatasync", "fsync")),
    ("$N -> ?N rewrite of the SQL text (sqlite_sql)", ("sqlite_sql",)),
]
out, across = collections.Counter(), collections.Counter()
total = writer = 0
for b in sys.stdin.read().split("\n\n"):
    lines = [l for l in b.strip().split("\n") if l.strip()]
    if not lines: continue
    comm = lines[0].split()[0]
    s = "\n".join(l.strip().split(" ", 1)[-1] for l in lines[1:])
    total += 1
    table = WRITER if comm.startswith("sinergi-writer") else WORKERS
    if table is WRITER:
        writer += 1
        for label, keys in ACROSS:
            if any(k in s for k in keys): across[label] += 1
    label = next((l for l, keys in table if any(k in s for k in keys)), "writer: other" if table is WRITER else "workers: HTTP, JSON, runtime, other")
    out[label] += 1
for k, v in out.most_common(): print(f"{100 * v / total:5.1f}%  {k}")
print(total, "samples,", writer, "on the writer thread")
print()
print("across the writer samples:")
for k, v in across.most_common(): print(f"{100 * v / max(writer, 1):5.1f}% of writer samples  {k}")'
    set -o pipefail
}

for eng in $ENGINES; do
    run_engine "$eng"
done

# --- results ----------------------------------------------------------------------------------

get() { grep "^$2=" "$TMPD/facts-$1.txt" | head -n 1 | cut -d= -f2-; }
ENGINE_NAME() { [ "$1" = sqlite ] && echo SQLite || echo PostgreSQL; }
row_put() { # ENGINE PHASE LABEL
    local r c
    r=$(get "$1" "$2")
    c=$(get "$1" "acked_$2")
    local ok secs
    ok=$(field ok "$r"); secs=$(field secs "$r")
    echo "| $(ENGINE_NAME "$1") | $3 | $(field requests "$r") | **$(field ok_rps "$r")** | $(field p50_ms "$r") | $(field p90_ms "$r") | **$(field p99_ms "$r")** | $(field max_ms "$r") | $ok | $(( $(field c409 "$r") + $(field c422 "$r") + $(field c4xx "$r") + $(field c5xx "$r") + $(field cother "$r") ))/$(field errors "$r") | $(field in_db "$c")/$(field acked "$c") | $(awk -v w="$(field writer_cpu_s "$r")" -v o="$(field other_cpu_s "$r")" -v n="$ok" 'BEGIN{printf "%.0f + %.0f", n ? w * 1e6 / n : 0, n ? o * 1e6 / n : 0}') | $(field wrk_cpu_s "$r") | $(awk -v c="$(field wchar_mb "$r")" -v b="$(field write_mb "$r")" -v n="$ok" 'BEGIN{printf "%.1f / %.1f", n ? c * 1024 / n : 0, n ? b * 1024 / n : 0}') | $(get "$1" "$2_load") |"
}
{
    echo "# Election night benchmark ($(date -u +%Y-%m-%d))"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    bin_tree=${SINERGI_TREE:-$(dirname "$BIN")}
    echo "- binary: $BIN; built from commit $(git -C "$bin_tree" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$bin_tree" diff --quiet HEAD -- :/src :/Cargo.toml :/Cargo.lock 2> /dev/null || echo " + uncommitted changes in src/")"
    echo "- nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}'); kernel $(uname -r); filesystem of bench/out: $(df -T "$OUT" | awk 'NR==2{print $2}'); $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- TPS: $N_TPS from \`gen tps --election $ELECTION\`; forms: \`wrk -t2 -c$CONNS --latency\` PUT …/results/{tps}/$CONTEST, Idempotency-Key: $([ "$IDEMPOTENCY" = 1 ] && echo yes || echo no)"
    for eng in $ENGINES; do
        echo "- $(ENGINE_NAME "$eng"): import $(get "$eng" import_wall_s) s wall (\"$(get "$eng" import_line)\"); database at the end $(get "$eng" db_size)$( [ "$eng" = pg ] && echo "; $(get pg pg_settings)")"
        echo "  - one form by curl: $(get "$eng" check_good); one with valid 101 ≠ the votes' 100: $(get "$eng" check_bad)"
    done
    echo
    echo "Ingestion (\"forms/s\" = 200s per second; non-2xx = 409/422/other 4xx/5xx, then socket errors; \"stored\" = entries (forms, for the bare server) added to the database during the phase, at least one per 200; server CPU per form = CPU time of the writer thread, and of all other server threads, in the phase divided by its 200s; wrk CPU = the client's user+system time; KB written = the server's /proc/PID/io wchar and write_bytes per 200):"
    echo
    echo "| engine | phase | requests | forms/s | p50 ms | p90 ms | p99 ms | max ms | 200 | non-2xx / socket errors | stored / 200s | server CPU µs per form: writer + rest | wrk CPU s | KB written per form (write() / storage) | load1 |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    for eng in $ENGINES; do
        row_put "$eng" single "single entry (kpu.a; menunggu_entri_kedua), ${SINGLE_S} s"
        row_put "$eng" double "double entry (kpu.a + kpu.b, each TPS twice), ${DOUBLE_S} s"
        row_put "$eng" bawaslu "Bawaslu's copy of sah TPS (1 in 10 differs), ${BAWASLU_S} s"
        if [ "$BARE" = 1 ]; then
            row_put "$eng" bare_single "bare server, the single phase's requests, ${SINGLE_S} s"
            row_put "$eng" bare_double "bare server, the double phase's requests, ${DOUBLE_S} s"
        fi
    done
    if [ "$BARE" = 1 ]; then
        echo
        echo "Sinergi's forms/s as a share of the bare server's, same engine, same requests, same sitting:"
        echo
        for eng in $ENGINES; do
            for ph in single double; do
                echo "- $(ENGINE_NAME "$eng") $ph: **$(awk -v a="$(field ok_rps "$(get "$eng" "$ph")")" -v b="$(field ok_rps "$(get "$eng" "bare_$ph")")" 'BEGIN{printf "%.0f%%", (b > 0 ? 100 * a / b : 0)}')** ($(field ok_rps "$(get "$eng" "$ph")") of $(field ok_rps "$(get "$eng" "bare_$ph")") forms/s)"
            done
        done
    fi
    echo
    echo "Summary \`GET …/results/summary?contest=$CONTEST&region=ID|35|35.17\` in turn, \`wrk -t1 -c4 --latency\`:"
    echo
    echo "| engine | while | requests | req/s | p50 ms | p99 ms | max ms | non-2xx / errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---|"
    for eng in $ENGINES; do
        for w in busy idle; do
            r=$(get "$eng" "summary_$w")
            [ "$w" = busy ] && what="double entry running ($((DOUBLE_S - 2)) s, reads paced to $( [ "$SUMMARY_RATE" -gt 0 ] && echo "~$SUMMARY_RATE/s" || echo "no pause"))" || what="nothing else (${SUMMARY_S} s)"
            echo "| $(ENGINE_NAME "$eng") | $what | $(field requests "$r") | $(field rps "$r") | $(field p50_ms "$r") | **$(field p99_ms "$r")** | $(field max_ms "$r") | $(field non2xx "$r")/$(field errors "$r") |"
        done
    done
    echo
    for eng in $ENGINES; do
        echo "$(ENGINE_NAME "$eng") checks:"
        echo
        echo "- TPS made sah (both 200s read): $(get "$eng" sah_tps); results by status: $(get "$eng" statuses)"
        echo "- entries by source:user: $(get "$eng" entries)"
        grep -v '^verdict' "$TMPD/summary-check-$eng.txt" | sed 's/^/- /'
        b=$(get "$eng" burst)
        echo "- peak RSS (VmHWM) of the server after all phases: **$(get "$eng" hwm_mb) MB** ($(get "$eng" rss_end))"
        echo "- durability: burst of ${BURST_S} s, SIGKILL at $(get "$eng" killed_at) UTC: $(field ok "$b") forms got a 200 before the kill (p99 $(field p99_ms "$b") ms; socket errors after it: $(field errors "$b")); restart to first answer $(get "$eng" restart_s) s, summary then: $(get "$eng" restart_summary); **200s in result_entries after the restart: $(field in_db "$(get "$eng" acked_burst)") of $(field acked "$(get "$eng" acked_burst)")**; kpu.b entries in the table: $(get "$eng" burst_rows) ($(get "$eng" burst_rows_before) from the double phase + $(( $(get "$eng" burst_rows) - $(get "$eng" burst_rows_before) )) from the burst)"
        echo "- \`sinergi audit verify\` after the crash: $(get "$eng" audit)"
        echo "- \`sinergi log verify\` after the crash: $(get "$eng" logv); $(get "$eng" leaves_entries)"
        echo
    done
} > "$RESULTS"

FAILED=()
for eng in $ENGINES; do
    phases="single double bawaslu"
    [ "$BARE" = 1 ] && phases+=" bare_single bare_double"
    for ph in $phases; do
        a=$(get "$eng" "acked_$ph")
        [ -n "$a" ] && [ "$(field in_db "$a")" -ge "$(field acked "$a")" ] || FAILED+=("$(ENGINE_NAME "$eng") $ph: forms stored for the 200s: ${a:-none}")
    done
    a=$(get "$eng" acked_burst)
    [ -n "$a" ] && [ "$(field acked "$a")" = "$(field in_db "$a")" ] || FAILED+=("$(ENGINE_NAME "$eng") burst: 200s in result_entries after kill -9: ${a:-none}")
    [[ "$(get "$eng" logv)" == *intact* ]] || FAILED+=("$(ENGINE_NAME "$eng"): log verify: $(get "$eng" logv)")
    read -r l _ _ q _ e _ _ r _ <<< "$(get "$eng" leaves_entries)"
    [ "$((l + q))" = "$((e + r))" ] || FAILED+=("$(ENGINE_NAME "$eng"): leaves (in the log and queued) differ from the entries: $(get "$eng" leaves_entries)")
    grep -q '^verdict ok' "$TMPD/summary-check-$eng.txt" || FAILED+=("$(ENGINE_NAME "$eng"): the summary does not equal SQL")
    [[ "$(get "$eng" audit)" == *intact* ]] || FAILED+=("$(ENGINE_NAME "$eng"): audit verify: $(get "$eng" audit)")
    [[ "$(get "$eng" check_good)" == *" 200 "* ]] || FAILED+=("$(ENGINE_NAME "$eng"): the hand-made form: $(get "$eng" check_good)")
    [[ "$(get "$eng" check_bad)" == 422* ]] || FAILED+=("$(ENGINE_NAME "$eng"): the form that does not add up: $(get "$eng" check_bad)")
done
if [ "${#FAILED[@]}" -gt 0 ]; then
    { echo; echo "**Failed checks:**"; echo; printf -- '- %s\n' "${FAILED[@]}"; } >> "$RESULTS"
else
    { echo; echo "All checks passed."; } >> "$RESULTS"
fi
echo
cat "$RESULTS"
[ "${#FAILED[@]}" -eq 0 ]
