#!/usr/bin/env bash
# The morning login rush (issue 16): how many password logins and device enrolments one server
# takes, with the production password hash (Argon2id, the argon2 crate's defaults: 19 MiB, two
# passes, one lane), while other requests go on. SQLite, the demo data.
#
#   bench/login-rush.sh                  # builds; or SINERGI_BIN=/path/to/sinergi
#   Knobs (env): RUSH_S=20 CONNS=32 CODES=40000
#
# 1. `sinergi demo` into a fresh SQLite file; CODES one-time device codes for kpps.balongsari
#    written straight into device_codes (their SHA-256, as the administrator's page keeps them;
#    issuing is not what is measured); `serve` on 127.0.0.1:18096;
# 2. logins: wrk -t2 -c$CONNS POST /api/v1/auth/login as kpu.jatim with the right password
#    (bench/rush.lua). A login beyond the hashing threads (one per core) is refused at once with
#    429 and counted apart; logins/s counts the 200s;
# 3. enrolments: the same with POST /api/v1/auth/enrol, each code once;
# 4. in both, beside it, an official's reads go on: wrk -t1 -c4 GET /api/v1/me and the TPS list
#    with a device's token (bench/get.lua), whose p99 is reported (goal: under 100 ms).
# The goal: 50,000 logins and enrolments in 10 minutes = 83 a second.
# Results: bench/out/login-rush.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18096}
BASE=http://$ADDR
PASSWORD=sinergi-demo
RUSH_S=${RUSH_S:-20}
CONNS=${CONNS:-32}
CODES=${CODES:-40000}
RESULTS=${RESULTS:-$OUT/login-rush.md}
command -v wrk > /dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
source bench/lib.sh

DB=$TMPD/rush.db
export SINERGI_LOG_KEY=$TMPD/log.key
"$BIN" demo --db "sqlite://$DB" > /dev/null 2>&1
python3 - "$DB" "$CODES" "$TMPD/codes" << 'PY'
import hashlib, secrets, sqlite3, sys
db, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db)
uid = c.execute("SELECT id FROM users WHERE username = 'kpps.balongsari'").fetchone()[0]
alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
rows, codes = [], []
for _ in range(n):
    code = "".join(secrets.choice(alphabet) for _ in range(12))
    codes.append(code)
    rows.append((hashlib.sha256(code.encode()).hexdigest(), uid, "HP bench", "bench", "2026-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "2099-01-01T00:00:00Z"))
c.executemany("INSERT INTO device_codes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
c.commit()
open(out, "w").write("\n".join(codes) + "\n")
PY
start_server "sqlite://$DB" "$TMPD/server.log" SINERGI_DEMO_FEED_SECS=off SINERGI_LOG=warn
# A device's token for the reads beside the rush (the first code, not used by the rush).
FIRST=$(head -n1 "$TMPD/codes")
sed -i 1d "$TMPD/codes"
DEVICE=$(curl -sf -H 'Content-Type: application/json' -d "{\"code\":\"$FIRST\"}" "$BASE/api/v1/auth/enrol" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# rush NAME PATH KIND: the rush beside the reads; prints the RUSH line and the reads' RESULT line.
rush() {
    local name=$1 path=$2 kind=$3
    WRK_PATHS="/api/v1/me /api/v1/elections/pemilu-2024/tps?region=35.76.02.1008&limit=20" WRK_AUTH="Bearer $DEVICE" \
        wrk -t1 -c4 -d"${RUSH_S}s" -s bench/get.lua "$BASE" > "$TMPD/reads-$name" 2>&1 &
    local reads=$!
    RUSH_PATH=$path RUSH_KIND=$kind RUSH_USER=kpu.jatim RUSH_PASSWORD=$PASSWORD RUSH_CODES=$TMPD/codes THREADS=2 \
        wrk -t2 -c"$CONNS" -d"${RUSH_S}s" --latency -s bench/rush.lua "$BASE" > "$TMPD/rush-$name" 2>&1
    wait "$reads" || true
    echo "$name $(grep '^RUSH' "$TMPD/rush-$name") | reads: $(grep '^RESULT' "$TMPD/reads-$name")"
}

# Alone first: the reads with nothing else, for comparison.
WRK_PATHS="/api/v1/me /api/v1/elections/pemilu-2024/tps?region=35.76.02.1008&limit=20" WRK_AUTH="Bearer $DEVICE" \
    wrk -t1 -c4 -d10s -s bench/get.lua "$BASE" > "$TMPD/reads-alone" 2>&1
ALONE="reads alone: $(grep '^RESULT' "$TMPD/reads-alone")"
echo "$ALONE"
LOGINS=$(rush logins /api/v1/auth/login login)
echo "$LOGINS"
ENROLS=$(rush enrolments /api/v1/auth/enrol enrol)
echo "$ENROLS"
ENROLLED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM sessions WHERE device IS NOT NULL\").fetchone()[0])" "$DB")
stop_server
{
    echo "## Login rush, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores, SQLite"
    echo
    echo "wrk -t2 -c$CONNS -d${RUSH_S}s; beside it wrk -t1 -c4 GET /api/v1/me and a TPS list with a device's token."
    echo
    echo '```'
    echo "$ALONE"
    echo "$LOGINS"
    echo "$ENROLS"
    echo "device sessions in the database after the run: $ENROLLED"
    echo '```'
} | tee "$RESULTS"
