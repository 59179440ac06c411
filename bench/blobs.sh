#!/usr/bin/env bash
# Blob store throughput: C.Hasil photos per second stored (through the results API, each entry
# with one photo) and served (GET /foto/{sha256}), with the store in a local folder and in a
# real S3-compatible server (s3s-fs), on SQLite.
#
#   bench/blobs.sh
#   SINERGI_BIN=/path/to/sinergi bench/blobs.sh          # that binary, no build
#   Knobs (env): PHOTOS=300 (entries stored), KB=300 (photo size, the field app's downscaled
#   page), CONC=8 (client connections), SERVE_S=10, RESULTS.
#
# From scratch, every run (needs python3 and curl; s3s-fs for the S3 half:
# `cargo install s3s-fs@0.14.1 --features binary`, else that half is skipped with a note):
#   1. build (unless SINERGI_BIN); for each store, a fresh SQLite database in a scratch folder:
#      `import tps` of PHOTOS TPS in Balongsari (35.76.02.1008, Pemilu 2024) and `user add` of a
#      KPU viewer of Kota Mojokerto (a witness copy, source `saksi`, needs no more);
#   2. `serve` on 127.0.0.1:18094 — local: the default folder beside the database; S3: s3s-fs
#      on 127.0.0.1:18095 storing into the scratch folder, SINERGI_BLOB_URL=s3://sinergi-bench;
#   3. store: PHOTOS PUT /api/v1/elections/pemilu-2024/results/{tps}/presiden, one TPS each, a
#      witness copy that adds up with one photo of KB KB (a JPEG header and random bytes: the
#      server checks the kind by its first bytes and hashes it; it decodes only for thumbnails),
#      from CONC connections at once (python3 threads, keep-alive). Every answer must be 200
#      and name the photo's SHA-256; then the store must hold exactly PHOTOS blobs;
#   4. serve: for SERVE_S seconds, CONC connections GET /foto/{sha256} over the stored photos in
#      turn; each answer's bytes are hashed and compared with X-Content-SHA256;
# The client runs on the same 2 cores as the server (and, for S3, as s3s-fs): the figures are a
# floor. Results: bench/out/blobs-results.md (and stdout).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18094}
S3_ADDR=${S3_ADDR:-127.0.0.1:18095}
BASE=http://$ADDR
PHOTOS=${PHOTOS:-300}
KB=${KB:-300}
CONC=${CONC:-8}
SERVE_S=${SERVE_S:-10}
RESULTS=${RESULTS:-$OUT/blobs-results.md}
PASSWORD=bench-blobs-2024
mkdir -p "$OUT"
for tool in python3 curl; do
    command -v "$tool" > /dev/null || { echo "needs $tool" >&2; exit 1; }
done
S3S=$(command -v s3s-fs || true)
[ -n "$S3S" ] || { [ -x "$HOME/.cargo/bin/s3s-fs" ] && S3S=$HOME/.cargo/bin/s3s-fs; } || true

# shellcheck source=bench/lib.sh
source bench/lib.sh

cat > "$TMPD/load.py" << 'PY'
import base64, hashlib, http.client, json, os, sys, threading, time

base, token, mode = sys.argv[1], sys.argv[2], sys.argv[3]
host = base.removeprefix("http://")
conc, photos, kb = int(os.environ["CONC"]), int(os.environ["PHOTOS"]), int(os.environ["KB"])
village = "35.76.02.1008"

def lp(l, p):
    return {"l": l, "p": p, "total": l + p}

def entry(photo):
    # A presidential witness copy that adds up: 200 DPT, 150 voted, 3 candidates.
    return {
        "source": "saksi",
        "voters": {"dpt": lp(100, 100), "dptb": {"l": 0, "p": 0}, "dpk": {"l": 0, "p": 0}},
        "users": {"dpt": lp(75, 75), "dptb": lp(0, 0), "dpk": lp(0, 0), "jumlah": lp(75, 75)},
        "disabled": {"voters": 0, "users": 0},
        "ballots": {"received": 204, "used": 150, "spoiled": 0, "unused": 54},
        "votes": {"01": 50, "02": 60, "03": 37}, "valid": 147, "invalid": 3,
        "photos": [base64.b64encode(photo).decode()],
    }

def conn():
    return http.client.HTTPConnection(host, timeout=60)

if mode == "store":
    jobs = list(range(1, photos + 1))
    lock, shas, bad = threading.Lock(), [], []
    def worker():
        c = conn()
        while True:
            with lock:
                if not jobs:
                    return
                n = jobs.pop()
            photo = b"\xff\xd8\xff\xe0" + os.urandom(kb * 1024 - 4)
            sha = hashlib.sha256(photo).hexdigest()
            body = json.dumps(entry(photo))
            c.request("PUT", f"/api/v1/elections/pemilu-2024/results/{village}.{n:03d}/presiden", body,
                      {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{n}"})
            r = c.getresponse()
            answer = r.read()
            with lock:
                if r.status == 200 and sha in answer.decode():
                    shas.append(sha)
                else:
                    bad.append((r.status, answer[:200]))
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    dt = time.perf_counter() - t0
    open(os.environ["SHAS"], "w").write("\n".join(shas))
    print(f"RESULT stored={len(shas)} bad={len(bad)} seconds={dt:.2f} per_s={len(shas) / dt:.1f} mb_s={len(shas) * kb / 1024 / dt:.1f}")
    if bad:
        print("first refusal:", bad[0], file=sys.stderr)
elif mode == "serve":
    shas = open(os.environ["SHAS"]).read().split()
    secs = float(os.environ["SERVE_S"])
    lock, count, bad, nbytes = threading.Lock(), [0], [0], [0]
    end = time.perf_counter() + secs
    def worker(k):
        c, i = conn(), k
        while time.perf_counter() < end:
            sha = shas[i % len(shas)]
            i += conc
            c.request("GET", f"/foto/{sha}")
            r = c.getresponse()
            data = r.read()
            ok = r.status == 200 and hashlib.sha256(data).hexdigest() == sha == r.getheader("X-Content-SHA256")
            with lock:
                count[0] += ok
                bad[0] += not ok
                nbytes[0] += len(data)
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(conc)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    dt = time.perf_counter() - t0
    print(f"RESULT served={count[0]} bad={bad[0]} seconds={dt:.2f} per_s={count[0] / dt:.1f} mb_s={nbytes[0] / 1048576 / dt:.1f}")
PY

summary=()
run_store() {
    local label=$1 db_dir=$2
    shift 2
    mkdir -p "$db_dir"
    local url="sqlite://$db_dir/sinergi.db"
    {
        echo "code,address,dpt,lat,lon"
        for n in $(seq 1 "$PHOTOS"); do printf '35.76.02.1008.%03d,Jl. Bench,200,,\n' "$n"; done
    } > "$db_dir/tps.csv"
    "$BIN" import tps --db "$url" --election pemilu-2024 "$db_dir/tps.csv" > /dev/null
    echo "$PASSWORD" | "$BIN" user add --db "$url" saksi.bench --agency kpu --region 35.76 --role viewer --password-stdin > /dev/null
    start_server "$url" "$db_dir/serve.log" "$@"
    local token
    token=$(login saksi.bench)
    echo "== $label: store $PHOTOS photos of $KB KB, $CONC at once"
    local r1 r2
    r1=$(CONC=$CONC PHOTOS=$PHOTOS KB=$KB SHAS=$db_dir/shas.txt python3 "$TMPD/load.py" "$BASE" "$token" store | grep RESULT)
    echo "$r1"
    echo "== $label: serve for ${SERVE_S}s, $CONC at once"
    r2=$(CONC=$CONC PHOTOS=$PHOTOS KB=$KB SHAS=$db_dir/shas.txt SERVE_S=$SERVE_S python3 "$TMPD/load.py" "$BASE" "$token" serve | grep RESULT)
    echo "$r2"
    stop_server
    summary+=("| $label | $(field per_s "$r1") | $(field mb_s "$r1") | $(field bad "$r1") | $(field per_s "$r2") | $(field mb_s "$r2") | $(field bad "$r2") | ${HWM} |")
}

run_store "local folder" "$TMPD/local"
LOCAL_BLOBS=$(find "$TMPD/local/sinergi-blobs" -type f -name '????????????????????????????????????????????????????????????????' | wc -l)
echo "local store holds $LOCAL_BLOBS blobs (expected $PHOTOS)"

S3_NOTE=""
if [ -n "$S3S" ]; then
    mkdir -p "$TMPD/s3/sinergi-bench"
    "$S3S" --host 127.0.0.1 --port "${S3_ADDR##*:}" --access-key bench --secret-key bench-secret-2024 "$TMPD/s3" > "$TMPD/s3.log" 2>&1 &
    S3_PID=$!
    trap 'kill $S3_PID 2> /dev/null || true; cleanup' EXIT INT TERM
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://$S3_ADDR/" && break; sleep 0.1; done
    run_store "S3 (s3s-fs)" "$TMPD/s3db" SINERGI_BLOB_URL=s3://sinergi-bench AWS_ENDPOINT="http://$S3_ADDR" \
        AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-2024 AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
    S3_BLOBS=$(find "$TMPD/s3/sinergi-bench" -type f -name '????????????????????????????????????????????????????????????????' | wc -l)
    echo "S3 store holds $S3_BLOBS blobs (expected $PHOTOS)"
    kill "$S3_PID" 2> /dev/null || true
else
    S3_NOTE="S3 half skipped: s3s-fs not installed (cargo install s3s-fs@0.14.1 --features binary)."
    echo "$S3_NOTE"
fi

{
    echo "### Blob store ($(date -u +%Y-%m-%d), commit $(git -C "${SINERGI_TREE:-.}" rev-parse --short HEAD 2> /dev/null || echo '?'))"
    echo
    echo "PHOTOS=$PHOTOS KB=$KB CONC=$CONC SERVE_S=$SERVE_S, SQLite, $(nproc) cores"
    echo
    echo "| store | stored /s | stored MB/s | store refusals | served /s | served MB/s | serve errors | server peak RSS (MB) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${summary[@]}"
    [ -z "$S3_NOTE" ] || echo "$S3_NOTE"
} | tee "$RESULTS"
