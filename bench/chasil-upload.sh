#!/usr/bin/env bash
# A C.Hasil with a photo of about 300 KB (as the field app queues it: JPEG, long side at most
# 1600 px) sent from the field form in headless Chromium with DevTools' throttling at 400
# kbit/s up (Network.emulateNetworkConditions, uploadThroughput = 50,000 bytes/s): the time
# until the server answered, and the progress the form showed while it went. The test behind
# it is tests/browser_chasil.rs `upload_at_400_kbit_per_second` (demo data, SQLite).
#
#   bench/chasil-upload.sh                # debug build (the upload's time does not depend on it)
#   NOISY_ROWS=165 bench/chasil-upload.sh # a larger photo (the picture's noisy rows set its size)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --test browser_chasil upload_at_400_kbit_per_second -- --ignored --nocapture 2>&1 \
    | grep -E '^(photo as queued|at 400 kbit/s|progress shown|test result)' | cut -c1-400
