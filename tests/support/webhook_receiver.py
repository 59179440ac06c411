#!/usr/bin/python3
"""A real HTTP receiver for the notification tests (Python's http.server): every POST is
written whole (headers and body, as JSON) to DIR/<n>.json before it is answered. It verifies
nothing — the test checks signatures and ids. It can misbehave on purpose:

    webhook_receiver.py PORT DIR [--fail N] [--hold SECONDS]

--fail N     answer 500 to the first N requests (they are still recorded)
--hold S     wait S seconds before answering each request (to kill the sender meanwhile)
"""
import argparse
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"n": 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("dir")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--hold", type=float, default=0.0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                state["n"] += 1
                n = state["n"]
            record = {
                "n": n,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body_b64": base64.b64encode(body).decode(),
            }
            tmp = os.path.join(args.dir, f".{n}.tmp")
            with open(tmp, "w") as f:
                json.dump(record, f)
            os.rename(tmp, os.path.join(args.dir, f"{n}.json"))
            if args.hold:
                time.sleep(args.hold)
            status = 500 if n <= args.fail else 200
            answer = b'{"ok": false}' if status == 500 else b'{"ok": true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"webhook receiver on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
