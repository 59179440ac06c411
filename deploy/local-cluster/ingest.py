#!/usr/bin/env python3
"""Election-night ingestion for the failover test (standard library only).

CONNS threads, each with its own keep-alive connection to BASE (HAProxy), take TPS from a
shared list and enter each one's C.Hasil twice, as kpu.a and then kpu.b with the same numbers
(KPU's double entry: the second entry makes the result "sah" and moves the aggregates), with
PUT /api/v1/elections/pemilu-2024/results/{tps}/presiden, Authorization: Bearer and an
Idempotency-Key per form.

A form that gets no answer, a connection error, a 5xx or a 409 "being processed" is sent again,
the very same bytes under the same Idempotency-Key, until it is acknowledged (200) or refused
(another 4xx). So a form whose first attempt was committed but whose answer was lost (the
server or the database died) is answered from the stored entry, never entered twice.

Files written:
  ACKED     one line per acknowledged form: "tps user status replayed attempts t_done key"
  ATTEMPTS  one line per request sent: "t_sent t_done outcome user tps" (outcome: the HTTP
            status, or "err:<exception>"); failover.sh reads the outage from it
  stdout    a line every second (forms acked, errors), and a JSON summary at the end

Stops taking new TPS on SIGTERM/SIGINT or after --seconds; forms already started are retried
until acknowledged or refused for up to --drain seconds more.
"""
import argparse
import http.client
import json
import signal
import sys
import threading
import time

ELECTION = "pemilu-2024"
CONTEST = "presiden"
USERS = ("kpu.a", "kpu.b")


def form(i, dpt):
    """The C.Hasil of TPS number i with DPT dpt: every identity of src/results/form.rs holds
    (the arithmetic of bench/put.lua)."""
    h = (i * 7919) % 1009
    dl = dpt // 2
    ud = max(0, min(dpt * 8 // 10, dpt - 6))
    ul = ud // 2
    users = ud + 4
    received = dpt + (dpt * 200 + 9999) // 10000
    spoiled = h % 3
    unused = received - users - spoiled
    invalid = h % 5
    valid = users - invalid
    v1 = valid * (25 + h % 20) // 100
    v2 = (valid - v1) * (50 + h % 30) // 100
    v3 = valid - v1 - v2
    return json.dumps({
        "source": "kpu",
        "voters": {"dpt": {"l": dl, "p": dpt - dl}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}},
        "users": {"dpt": {"l": ul, "p": ud - ul}, "dptb": {"l": 1, "p": 1}, "dpk": {"l": 2, "p": 0}},
        "disabled": {"voters": 3, "users": 2},
        "ballots": {"received": received, "used": users, "spoiled": spoiled, "unused": unused},
        "votes": {"01": v1, "02": v2, "03": v3},
        "valid": valid,
        "invalid": invalid,
    }, separators=(",", ":")).encode()


class Client:
    def __init__(self, args):
        self.args = args
        host, _, port = args.base.split("//", 1)[1].rstrip("/").partition(":")
        self.host, self.port = host, int(port or 80)
        self.lock = threading.Lock()
        self.tps = [line.split() for line in open(args.tps) if line.strip()]
        self.next = 0
        self.stopping = threading.Event()
        self.tokens = {}
        self.acked = open(args.acked, "a", buffering=1)
        self.attempts = open(args.attempts, "a", buffering=1)
        self.counts = {"acked": 0, "replayed": 0, "refused": 0, "retries": 0, "errors": 0, "abandoned": 0, "started_tps": 0}
        self.refusals = {}

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def login(self, user):
        """A bearer token for user; tried until it works (the cluster may be failing over), or
        None once the drain time after the stop is over."""
        body = json.dumps({"username": user, "password": self.args.password}).encode()
        while not self.drained():
            try:
                c = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)
                c.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                c.close()
                if r.status == 200:
                    return json.loads(data)["token"]
                if r.status < 500:
                    raise SystemExit(f"login {user}: {r.status} {data[:200]!r}")
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.5)
        return None

    def drained(self):
        """After the stop, a form in flight gets --drain seconds more."""
        return self.stopping.is_set() and time.time() > self.stop_at + self.args.drain

    def token(self, user, stale=None):
        with self.lock:
            if self.tokens.get(user) and self.tokens[user] != stale:
                return self.tokens[user]
        t = self.login(user)
        if t is not None:
            with self.lock:
                self.tokens[user] = t
        return t

    def take(self):
        with self.lock:
            if self.stopping.is_set() or self.next >= len(self.tps):
                return None
            item = self.tps[self.next]
            self.next += 1
            self.counts["started_tps"] += 1
            return item

    def send(self, conn_box, user, tps, body, key):
        """Sends one form until it is acknowledged or refused; False when abandoned."""
        path = f"/api/v1/elections/{ELECTION}/results/{tps}/{CONTEST}"
        attempt = 0
        tok = self.token(user)
        while True:
            attempt += 1
            if attempt > 1:
                self.count("retries")
                time.sleep(min(1.0, 0.1 * attempt))
            if tok is None or self.drained():
                self.count("abandoned")
                print(f"abandoned {tps} {user} after {attempt - 1} attempts", file=sys.stderr)
                return False
            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + tok, "Idempotency-Key": key}
            t0 = time.time()
            try:
                if conn_box[0] is None:
                    conn_box[0] = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)
                c = conn_box[0]
                c.request("PUT", path, body, headers)
                r = c.getresponse()
                data = r.read()
                status = r.status
                replayed = r.getheader("idempotent-replayed") == "true"
                if r.getheader("connection", "").lower() == "close":
                    c.close()
                    conn_box[0] = None
            except (OSError, http.client.HTTPException) as e:
                t1 = time.time()
                self.attempts.write(f"{t0:.3f} {t1:.3f} err:{type(e).__name__} {user} {tps}\n")
                self.count("errors")
                if conn_box[0] is not None:
                    conn_box[0].close()
                conn_box[0] = None
                continue
            t1 = time.time()
            self.attempts.write(f"{t0:.3f} {t1:.3f} {status} {user} {tps}\n")
            if status == 200:
                st = json.loads(data).get("status", "?")
                self.acked.write(f"{tps} {user} {st} {int(replayed)} {attempt} {t1:.3f} {key}\n")
                self.count("acked")
                if replayed:
                    self.count("replayed")
                return True
            if status == 401:
                tok = self.token(user, stale=tok)
                continue
            # 5xx: the server or its database failed; 409 here means the same key is in flight.
            if status >= 500 or status == 409:
                self.count("errors")
                continue
            # Any other answer is a refusal of this form: counted and reported, not retried.
            msg = data[:300].decode(errors="replace")
            with self.lock:
                self.counts["refused"] += 1
                self.refusals.setdefault(f"{status} {msg}", 0)
                self.refusals[f"{status} {msg}"] += 1
            print(f"refused {tps} {user}: {status} {msg}", file=sys.stderr)
            return False

    def worker(self):
        conn_box = [None]
        while True:
            item = self.take()
            if item is None:
                break
            index, code, dpt = int(item[0]), item[1], int(item[2])
            body = form(index, dpt)
            for user in USERS:
                key = f"{self.args.run}-{code}-{user}"
                if not self.send(conn_box, user, code, body, key):
                    break
        if conn_box[0] is not None:
            conn_box[0].close()

    def stop(self, *_):
        if not self.stopping.is_set():
            self.stop_at = time.time()
            self.stopping.set()

    def run(self):
        self.stop_at = float("inf")
        for u in USERS:
            self.token(u)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.args.conns)]
        started = time.time()
        for t in threads:
            t.start()
        last = dict(self.counts)
        while any(t.is_alive() for t in threads):
            time.sleep(1)
            now = time.time()
            if self.args.seconds and now - started >= self.args.seconds:
                self.stop()
            with self.lock:
                c = dict(self.counts)
            print(f"{now:.0f} acked/s {c['acked'] - last['acked']} errors/s {c['errors'] - last['errors']} acked {c['acked']}", flush=True)
            last = c
        c = dict(self.counts)
        c["seconds"] = round(time.time() - started, 1)
        c["refusals"] = self.refusals
        print("SUMMARY " + json.dumps(c), flush=True)
        return 0 if c["refused"] == 0 and c["abandoned"] == 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="http://host:port (HAProxy)")
    p.add_argument("--tps", required=True, help='file of "index code dpt" lines')
    p.add_argument("--acked", required=True)
    p.add_argument("--attempts", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--run", required=True, help="prefix of the Idempotency-Keys (unique per run)")
    p.add_argument("--conns", type=int, default=16)
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: on SIGTERM)")
    p.add_argument("--drain", type=float, default=60, help="seconds to finish forms in flight after the stop")
    p.add_argument("--timeout", type=float, default=15, help="seconds to wait for one answer")
    sys.exit(Client(p.parse_args()).run())


if __name__ == "__main__":
    main()
