#!/usr/bin/env bash
# Blob store throughput: C.Hasil photos per second stored (through the results API, each entry
# with one photo) and served (GET /foto/{sha256}), with the store in a local folder and in a
# real S3-compatible server (s3s-fs), on SQLite; the latency of photo-less writes made while
# the photos stream in; and, in the same sitting, bare baselines for every figure.
#
#   bench/blobs.sh
#   SINERGI_BIN=/path/to/sinergi bench/blobs.sh          # that binary, no build
#   SINERGI_BIN=/tmp/before SINERGI_BIN2=target/debug/sinergi bench/blobs.sh  # two binaries,
#                                                        # same sitting, alternated per store
#   Knobs (env): PHOTOS=300 (entries stored), KB=300 (photo size, the field app's downscaled
#   page), CONC=8 (client connections), SERVE_S=10, LAT_S=5 (idle latency probe), RESULTS.
#
# From scratch, every run (needs python3 and curl; s3s-fs for the S3 half:
# `cargo install s3s-fs@0.14.1 --features binary --locked`, else that half is skipped):
#   0. bare baselines, the same client shape (python3, CONC threads, PHOTOS photos of KB KB):
#      - local put: each photo written to a temporary file in a scratch folder on the same
#        file system, fsync, renamed into its `ab/cd/` folder, fsync of that folder — what the
#        store's `dir_put` does, nothing else; local get: each file opened, read and hashed;
#      - S3 put: one signed (SigV4) PUT per photo to the same s3s-fs, keep-alive connections;
#        S3 get: one signed GET per photo, body hashed;
#   1. build (unless SINERGI_BIN); for each store and binary, a fresh SQLite database in a
#      scratch folder: `import tps` of PHOTOS + 50 TPS in Balongsari (35.76.02.1008, Pemilu
#      2024) and `user add` of a KPU viewer of Kota Mojokerto (a witness copy, source `saksi`,
#      needs no more);
#   2. `serve` on 127.0.0.1:18094 — local: the default folder beside the database; S3: s3s-fs
#      on 127.0.0.1:18095 storing into the scratch folder, SINERGI_BLOB_URL=s3://sinergi-bench;
#   3. idle probe: for LAT_S seconds, one connection sends photo-less witness copies (to the
#      last 50 TPS in turn) one after another; each answer's time is kept (p50, p99, max);
#   4. store: PHOTOS PUT /api/v1/elections/pemilu-2024/results/{tps}/presiden, one TPS each, a
#      witness copy that adds up with one photo of KB KB (a JPEG header and random bytes: the
#      server checks the kind by its first bytes and hashes it; it decodes only for thumbnails),
#      from CONC connections at once (python3 threads, keep-alive), while the probe of step 3
#      runs beside them on its own connection. Every answer must be 200 and name the photo's
#      SHA-256; then the store must hold exactly PHOTOS blobs;
#   5. serve: for SERVE_S seconds, CONC connections GET /foto/{sha256} over the stored photos in
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
LAT_S=${LAT_S:-5}
LAT_TPS=50
BIN2=${SINERGI_BIN2:-}
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
elif mode == "probe":
    # Photo-less witness copies, one at a time, until the file STOP exists (or LAT_S seconds).
    stop, secs, first = os.environ.get("STOP"), float(os.environ["LAT_S"]), photos + 1
    tps = [f"{village}.{n:03d}" for n in range(first, first + int(os.environ["LAT_TPS"]))]
    body = entry(b"")
    del body["photos"]
    body = json.dumps(body)
    c, times, bad, i = conn(), [], 0, 0
    end = time.perf_counter() + secs
    while (os.path.exists(stop) is False) if stop else time.perf_counter() < end:
        t0 = time.perf_counter()
        c.request("PUT", f"/api/v1/elections/pemilu-2024/results/{tps[i % len(tps)]}/presiden", body,
                  {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        r = c.getresponse()
        r.read()
        times.append((time.perf_counter() - t0) * 1000)
        bad += r.status != 200
        i += 1
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))] if times else 0
    print(f"RESULT writes={len(times)} bad={bad} p50_ms={q(0.5):.1f} p99_ms={q(0.99):.1f} max_ms={(times[-1] if times else 0):.1f}")
PY

# The bare baselines: the same client shape, no Sinergi in between.
cat > "$TMPD/bare.py" << 'PY'
import datetime, hashlib, hmac, http.client, os, sys, threading, time

mode, where = sys.argv[1], sys.argv[2]
conc, photos, kb = int(os.environ["CONC"]), int(os.environ["PHOTOS"]), int(os.environ["KB"])
blobs = [b"\xff\xd8\xff\xe0" + os.urandom(kb * 1024 - 4) for _ in range(photos)]
keys = [hashlib.sha256(b).hexdigest() for b in blobs]

def rel(k):
    return f"{k[0:2]}/{k[2:4]}/{k}"

def file_put(i, _):
    k = keys[i]
    target = os.path.join(where, rel(k))
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(where, "tmp", f"{k}.{os.urandom(8).hex()}")
    with open(tmp, "wb") as f:
        f.write(blobs[i])
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, target)
    fd = os.open(parent, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return True

def file_get(i, _):
    with open(os.path.join(where, rel(keys[i])), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() == keys[i]

host, bucket = where.split("/", 1) if mode == "s3" else ("", "")
access, secret = os.environ.get("S3_KEY", ""), os.environ.get("S3_SECRET", "")

def signed(method, path, payload_hash):
    # AWS Signature Version 4, path-style, as object_store sends it.
    now = datetime.datetime.now(datetime.timezone.utc)
    amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = f"host:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz}\n"
    names = "host;x-amz-content-sha256;x-amz-date"
    request = f"{method}\n{path}\n\n{headers}\n{names}\n{payload_hash}"
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    k = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"x-amz-date": amz, "x-amz-content-sha256": payload_hash,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={names}, Signature={sig}"}

def s3_put(i, c):
    path = f"/{bucket}/{rel(keys[i])}"
    c.request("PUT", path, blobs[i], signed("PUT", path, keys[i]))
    r = c.getresponse()
    r.read()
    return r.status == 200

def s3_get(i, c):
    path = f"/{bucket}/{rel(keys[i])}"
    c.request("GET", path, None, signed("GET", path, hashlib.sha256(b"").hexdigest()))
    r = c.getresponse()
    return r.status == 200 and hashlib.sha256(r.read()).hexdigest() == keys[i]

def run(op):
    jobs, lock, ok, bad = list(range(photos)), threading.Lock(), [0], [0]
    def worker():
        c = http.client.HTTPConnection(host, timeout=60) if host else None
        while True:
            with lock:
                if not jobs:
                    return
                i = jobs.pop()
            good = op(i, c)
            with lock:
                ok[0] += good
                bad[0] += not good
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    dt = time.perf_counter() - t0
    print(f"RESULT {op.__name__} done={ok[0]} bad={bad[0]} seconds={dt:.2f} per_s={ok[0] / dt:.1f} mb_s={ok[0] * kb / 1024 / dt:.1f}")

# The same photos put, then got.
if mode == "file":
    os.makedirs(os.path.join(where, "tmp"), exist_ok=True)
    run(file_put)
    run(file_get)
else:
    run(s3_put)
    run(s3_get)
PY


summary=()
ratio() { python3 -c "import sys; a, b = float(sys.argv[1] or 0), float(sys.argv[2] or 0); print(f'{a / b:.2f}' if b else '-')" "$1" "$2"; }

# run_store LABEL BINARY DB_DIR BARE_PUT BARE_GET [VAR=VALUE ...]: one store with one binary.
run_store() {
    local label=$1 bin=$2 db_dir=$3 bare_put=$4 bare_get=$5
    shift 5
    mkdir -p "$db_dir"
    local url="sqlite://$db_dir/sinergi.db" n
    {
        echo "code,address,dpt,lat,lon"
        for n in $(seq 1 $((PHOTOS + LAT_TPS))); do printf '35.76.02.1008.%03d,Jl. Bench,200,,\n' "$n"; done
    } > "$db_dir/tps.csv"
    "$bin" import tps --db "$url" --election pemilu-2024 "$db_dir/tps.csv" > /dev/null
    echo "$PASSWORD" | "$bin" user add --db "$url" saksi.bench --agency kpu --region 35.76 --role viewer --password-stdin > /dev/null
    BIN=$bin start_server "$url" "$db_dir/serve.log" "$@"
    local token
    token=$(login saksi.bench)
    local env=(CONC=$CONC PHOTOS=$PHOTOS KB=$KB SHAS=$db_dir/shas.txt LAT_S=$LAT_S LAT_TPS=$LAT_TPS SERVE_S=$SERVE_S)
    echo "== $label: photo-less writes alone for ${LAT_S}s"
    local r0 r1 r2 r3
    r0=$(env "${env[@]}" python3 "$TMPD/load.py" "$BASE" "$token" probe | grep RESULT)
    echo "$r0"
    echo "== $label: store $PHOTOS photos of $KB KB, $CONC at once, photo-less writes beside them"
    rm -f "$db_dir/stop"
    env "${env[@]}" STOP="$db_dir/stop" python3 "$TMPD/load.py" "$BASE" "$token" probe > "$db_dir/probe.txt" &
    local probe=$!
    r1=$(env "${env[@]}" python3 "$TMPD/load.py" "$BASE" "$token" store | grep RESULT)
    touch "$db_dir/stop"
    wait "$probe"
    r3=$(grep RESULT "$db_dir/probe.txt")
    echo "$r1"
    echo "$r3"
    echo "== $label: serve for ${SERVE_S}s, $CONC at once"
    r2=$(env "${env[@]}" python3 "$TMPD/load.py" "$BASE" "$token" serve | grep RESULT)
    echo "$r2"
    stop_server
    local put get
    put=$(field per_s "$r1")
    get=$(field per_s "$r2")
    summary+=("| $label | $put | $(ratio "$put" "$bare_put") | $(field bad "$r1") | $get | $(ratio "$get" "$bare_get") | $(field bad "$r2") | $(field p50_ms "$r0") / $(field p99_ms "$r0") | $(field p50_ms "$r3") / $(field p99_ms "$r3") / $(field max_ms "$r3") ($(field writes "$r3")) | ${HWM} |")
}

# The binaries to compare, in the same sitting (labelled by their path).
BINS=("$BIN")
[ -z "$BIN2" ] || BINS+=("$BIN2")

# baseline MODE WHERE PUT_WORDS GET_WORDS: the bare put and get, their rows in `bares`, and
# BARE_PUT and BARE_GET (per second) for the ratios.
bares=()
baseline() {
    local out put get
    out=$(CONC=$CONC PHOTOS=$PHOTOS KB=$KB S3_KEY=bench S3_SECRET=bench-secret-2024 python3 "$TMPD/bare.py" "$1" "$2" | grep RESULT)
    put=$(grep _put <<< "$out")
    get=$(grep _get <<< "$out")
    echo "$put"
    echo "$get"
    [ "$(field bad "$put")" = 0 ] && [ "$(field bad "$get")" = 0 ] || { echo "the bare baseline ($1) failed" >&2; exit 1; }
    bares+=("| $3 | $(field per_s "$put") | $(field mb_s "$put") |" "| $4 | $(field per_s "$get") | $(field mb_s "$get") |")
    BARE_PUT=$(field per_s "$put")
    BARE_GET=$(field per_s "$get")
}

# each_binary STORE DB_DIR BLOB_DIR [VAR=VALUE ...]: run_store with each binary in turn, `%N`
# in DB_DIR, BLOB_DIR and the variables standing for the binary's number; BLOB_DIR (the store's
# folder) must then hold exactly PHOTOS blobs.
each_binary() {
    local store=$1 db=$2 blobs=$3 i=0 b held
    shift 3
    for b in "${BINS[@]}"; do
        i=$((i + 1))
        mkdir -p "${blobs//%N/$i}"
        run_store "$store, $b" "$b" "${db//%N/$i}" "$BARE_PUT" "$BARE_GET" "${@//%N/$i}"
        held=$(find "${blobs//%N/$i}" -type f -name '????????????????????????????????????????????????????????????????' | wc -l)
        echo "$store holds $held blobs (expected $PHOTOS)"
    done
}

echo "== bare local put and get: $PHOTOS files of $KB KB, $CONC at once (tmp, fsync, rename, fsync folder)"
baseline file "$TMPD/bare-local" "local put (tmp file, fsync, rename, fsync folder)" "local get (open, read, SHA-256)"
each_binary "local folder" "$TMPD/local%N" "$TMPD/local%N/sinergi-blobs"

S3_NOTE=""
if [ -n "$S3S" ]; then
    mkdir -p "$TMPD/s3/sinergi-bare"
    "$S3S" --host 127.0.0.1 --port "${S3_ADDR##*:}" --access-key bench --secret-key bench-secret-2024 "$TMPD/s3" > "$TMPD/s3.log" 2>&1 &
    S3_PID=$!
    trap 'kill $S3_PID 2> /dev/null || true; cleanup' EXIT INT TERM
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://$S3_ADDR/" && break; sleep 0.1; done
    echo "== bare S3 PUT and GET to s3s-fs: $PHOTOS objects of $KB KB, $CONC at once (SigV4, keep-alive)"
    baseline s3 "$S3_ADDR/sinergi-bare" "S3 PUT to s3s-fs (one signed PUT)" "S3 GET from s3s-fs (one signed GET, hashed)"
    each_binary "S3 (s3s-fs)" "$TMPD/s3db%N" "$TMPD/s3/sinergi-bench%N" SINERGI_BLOB_URL=s3://sinergi-bench%N \
        AWS_ENDPOINT="http://$S3_ADDR" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-2024 AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
    kill "$S3_PID" 2> /dev/null || true
else
    S3_NOTE="S3 half skipped: s3s-fs not installed (cargo install s3s-fs@0.14.1 --features binary --locked)."
    echo "$S3_NOTE"
fi

{
    echo "### Blob store ($(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git -C "${SINERGI_TREE:-.}" rev-parse --short HEAD 2> /dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "PHOTOS=$PHOTOS KB=$KB CONC=$CONC SERVE_S=$SERVE_S LAT_S=$LAT_S, SQLite, $(nproc) cores"
    echo
    echo "| bare baseline | per s | MB/s |"
    echo "|---|---:|---:|"
    printf '%s\n' "${bares[@]}"
    echo
    echo "| store, binary | stored /s | × bare put | store refusals | served /s | × bare get | serve errors | photo-less write alone p50 / p99 (ms) | while storing p50 / p99 / max (ms) (writes) | server peak RSS (MB) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${summary[@]}"
    [ -z "$S3_NOTE" ] || echo "$S3_NOTE"
} | tee "$RESULTS"
