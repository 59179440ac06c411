#!/usr/bin/env bash
# Restarts the three Sinergi servers one after another (SIGTERM, then start, then wait for its
# /healthz), so that HAProxy always has the others. Needed today after every failover or
# switchover of PostgreSQL: the servers keep their broken pooled connections and answer 500
# until restarted (see docs/OPERATIONS.md, "Known issues").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
[ -d "$RUN_DIR" ] || { echo "no cluster in $CLUSTER_DIR" >&2; exit 1; }
for n in 1 2 3; do
    stop_server "$n"
    start_server "$n"
done
