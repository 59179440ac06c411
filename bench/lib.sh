# Shared by the benchmark scripts (sourced after they set BIN, ADDR, BASE, PASSWORD and, for
# PostgreSQL, PG and PG_DB): a scratch folder removed on exit (and the PostgreSQL database
# when PG_CREATED=1), the release build unless SINERGI_BIN is given, and the server helpers.

TMPD=$(mktemp -d)
SERVER=""
PID=""
PG_CREATED=0
cleanup() {
    if [ -n "$SERVER" ] && kill -0 "$SERVER" 2> /dev/null; then
        kill "$SERVER" 2> /dev/null || true
        wait "$SERVER" 2> /dev/null || true
    fi
    if [ "$PG_CREATED" = 1 ]; then
        psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB" > /dev/null 2>&1 || true
    fi
    rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

if [ -z "${SINERGI_BIN:-}" ]; then
    echo "== build"
    cargo build --release 2>&1 | tail -n 1
fi

# start_server DB_URL LOG [VAR=VALUE ...]: serve with those extra environment variables; sets
# SERVER (the child we started) and PID (the process that listens, should serve run the binary
# under a wrapper).
start_server() {
    local url=$1 log=$2
    shift 2
    env "$@" "$BIN" serve --db "$url" --listen "$ADDR" > "$log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "$BASE/api/v1/openapi.json" && break
        kill -0 "$SERVER" 2> /dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    PID=$SERVER
    local child
    child=$(cat /proc/"$SERVER"/task/*/children 2> /dev/null | awk '{print $1}' || true)
    [ -n "$child" ] && PID=$child
    return 0
}

# hwm_mb: the server's peak RSS (VmHWM) in MB so far.
hwm_mb() { awk '/^VmHWM:/{printf "%.0f", $2/1024}' /proc/"$PID"/status; }

# stop_server: sets HWM (peak RSS, MB), then stops the server and waits for it.
stop_server() {
    HWM=$(hwm_mb)
    kill "$SERVER" 2> /dev/null || true
    wait "$SERVER" 2> /dev/null || true
    SERVER=""
}

# fresh_database ENGINE: an empty database for ENGINE (sqlite: the file $DB; pg: the database
# $PG_DB on $PG, dropped on exit), created, migrated and given the regions by `audit verify`,
# with a fresh log key (SINERGI_LOG_KEY, in the scratch folder); sets URL to it.
fresh_database() {
    echo "== [$1] fresh database"
    # A fresh database is a new results log: its key (and the record of what it signed) must
    # not be one a run before left beside the file, which would refuse the new tree as a fork.
    export SINERGI_LOG_KEY="$TMPD/log-$1.key"
    rm -f "$SINERGI_LOG_KEY" "$SINERGI_LOG_KEY.signed"
    if [ "$1" = sqlite ]; then
        rm -f "$DB" "$DB-wal" "$DB-shm"
        URL=sqlite://$DB
    else
        psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" > /dev/null
        PG_CREATED=1
        URL=$PG/$PG_DB
    fi
    "$BIN" audit verify --db "$URL" > /dev/null
}

# login USER: a bearer token for USER with PASSWORD.
login() {
    curl -sf -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# field NAME LINE: the value of NAME=value in a RESULT line.
field() { tr ' ' '\n' <<< "$2" | awk -F= -v k="$1" '$1 == k {print $2}'; }

# grade_tps URL ELECTION: a TPS-rawan grade for 30 % of the election's TPS (seeded, in code
# order: 28 % kurang rawan, 1.8 % rawan, 0.2 % sangat rawan of all TPS), written straight into
# tps_vulnerability (server not running), so the vulnerability figures have rows to read; the
# election is marked for a recount, so the server computes its region counts when it starts.
# SQLite through python3's sqlite3; PostgreSQL (postgres://…) through psql.
grade_tps() {
    local url=$1 election=$2
    python3 - "$url" "$election" << 'PY'
import random, subprocess, sys
url, election = sys.argv[1], sys.argv[2]
if url.startswith("sqlite://"):
    import sqlite3
    c = sqlite3.connect(url[len("sqlite://"):])
    codes = [r[0] for r in c.execute("SELECT code FROM tps WHERE election_id = ? ORDER BY code", (election,))]
else:
    out = subprocess.run(["psql", url, "-qAt", "-c", f"SELECT code FROM tps WHERE election_id = '{election}' ORDER BY code COLLATE \"C\""],
                         check=True, capture_output=True, text=True).stdout
    codes = out.split()
rng = random.Random(14)
rows = []
for code in codes:
    r = rng.random()
    if r >= 0.30:
        continue
    grade, score, ind = ("sangat_rawan", 6, ",kekerasan_intimidasi,politik_uang,netralitas_tni_polri,") if r < 0.002 else \
        ("rawan", 3, ",kekerasan_intimidasi,") if r < 0.020 else ("kurang_rawan", 1, ",dpt_tms,")
    rows.append((election, code, ind, score, grade, "", "2024-02-10T00:00:00Z", "bench"))
if url.startswith("sqlite://"):
    c.executemany("INSERT INTO tps_vulnerability VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    c.execute("INSERT OR IGNORE INTO vulnerability_recount VALUES (?)", (election,))
    c.commit()
else:
    data = "".join("\t".join(str(v) for v in r) + "\n" for r in rows)
    subprocess.run(["psql", url, "-q", "-c", "COPY tps_vulnerability FROM STDIN"], input=data, check=True, text=True)
    subprocess.run(["psql", url, "-q", "-c", f"INSERT INTO vulnerability_recount VALUES ('{election}') ON CONFLICT DO NOTHING"], check=True)
print(f"tps_vulnerability: {len(rows)} rows")
PY
}
