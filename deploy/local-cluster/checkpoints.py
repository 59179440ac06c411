#!/usr/bin/env python3
"""Keeps every checkpoint of the results log a cluster serves, and proves none forked
(standard library only).

  checkpoints.py poll   --base URL --out FILE      GET /log/checkpoint every second until
                                                    SIGTERM; one JSON line per fetch
  checkpoints.py verify --base URL --in FILE --vkey VKEY --notes OUT

verify holds every fetched checkpoint to the ones fetched before it: the same origin (the
verifier key's name), a tree size that never goes down, the same root for the same size, and
for each pair of consecutive distinct sizes the server's consistency proof
(GET /log/consistency?from=a&to=b), checked here against the two signed roots with RFC 9162
§2.1.4.2. Signatures are not checked here (no Ed25519 in Python's standard library): OUT gets
every distinct note, for `sinergi audit verify --checkpoint OUT --key VKEY`, which checks each
signature and holds the audit chain to every head they sign; `sinergi log watch` checks them
as they come.
"""
import argparse
import base64
import hashlib
import json
import signal
import sys
import time
import urllib.error
import urllib.request


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def poll(args):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(args.out, "a", buffering=1) as out:
        while not stop:
            t = time.time()
            rec = {"t": round(t, 3)}
            try:
                status, body = get(args.base.rstrip("/") + "/log/checkpoint")
                rec.update(status=status, note=body.decode())
            except urllib.error.HTTPError as e:
                rec.update(status=e.code, error=e.read()[:200].decode(errors="replace"))
            except Exception as e:  # noqa: BLE001 - an outage is recorded, not fatal
                rec.update(status=0, error=f"{type(e).__name__}: {e}")
            out.write(json.dumps(rec) + "\n")
            time.sleep(max(0.0, 1.0 - (time.time() - t)))
    return 0


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2: does the tree of `second` leaves extend the tree of `first`?"""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return True
    if first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def parse(note):
    lines = note.split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def verify(args):
    origin_expected = args.vkey.split("+", 1)[0]
    fetched, failed, notes = 0, 0, []
    for line in open(args.inp):
        rec = json.loads(line)
        fetched += 1
        if rec.get("status") == 200:
            notes.append((rec["t"], rec["note"]))
        else:
            failed += 1
    problems = []
    distinct = []  # (size, root, note) in fetch order, one per change
    for t, note in notes:
        origin, size, root = parse(note)
        if origin != origin_expected:
            problems.append(f"{t}: origin {origin}, not {origin_expected}")
        if distinct:
            psize, proot, _ = distinct[-1]
            if size < psize:
                problems.append(f"{t}: ROLLBACK: size {size} after {psize}")
                continue
            if size == psize:
                if root != proot:
                    problems.append(f"{t}: FORK: size {size} with two roots")
                if note != distinct[-1][2]:
                    distinct.append((size, root, note))  # same tree, newer audit head
                continue
        distinct.append((size, root, note))
    proofs, unproved = 0, []
    base = args.base.rstrip("/")
    for (a, ra, _), (b, rb, _) in zip(distinct, distinct[1:]):
        if a == b or a == 0:
            continue
        try:
            _, body = get(f"{base}/log/consistency?from={a}&to={b}", timeout=30)
            ans = json.loads(body)
            proof = [base64.b64decode(h) for h in ans["proof"]]
        except Exception as e:  # noqa: BLE001
            unproved.append(f"consistency {a} -> {b}: cannot fetch: {e}")
            continue
        if not verify_consistency(a, b, ra, rb, proof):
            problems.append(f"FORK: the consistency proof {a} -> {b} fails against the signed roots")
        else:
            proofs += 1
    with open(args.notes, "w") as out:
        for _, _, note in distinct:
            out.write(note if note.endswith("\n") else note + "\n")
            out.write("\n")
    sizes = [s for s, _, _ in distinct]
    print(f"checkpoints fetched {fetched} (answered {len(notes)}, failed {failed}); distinct {len(distinct)}, "
          f"tree sizes {sizes[0] if sizes else '-'} .. {sizes[-1] if sizes else '-'}; consistency proofs verified {proofs}; "
          f"not proved (no answer) {len(unproved)}; forks {len(problems)}")
    for p in (problems + unproved)[:10]:
        print("  " + p)
    return 1 if problems or unproved or not notes else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("poll")
    a.add_argument("--base", required=True)
    a.add_argument("--out", required=True)
    b = sub.add_parser("verify")
    b.add_argument("--base", required=True)
    b.add_argument("--in", dest="inp", required=True)
    b.add_argument("--vkey", required=True)
    b.add_argument("--notes", required=True)
    args = p.parse_args()
    sys.exit(poll(args) if args.cmd == "poll" else verify(args))


if __name__ == "__main__":
    main()
