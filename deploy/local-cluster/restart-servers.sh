#!/usr/bin/env bash
# Restarts the three Sinergi servers one after another (SIGTERM, start, wait for its /healthz),
# so that HAProxy always has the other two. A binary built before commit 9f02f8e keeps its
# broken pooled connections after a failover or switchover of PostgreSQL and answers 500 until
# restarted (docs/OPERATIONS.md, "Known issues"); this is the way back for it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
[ -d "$RUN_DIR" ] || { echo "no cluster in $CLUSTER_DIR" >&2; exit 1; }
for n in 1 2 3; do
    stop_server "$n"
    start_server "$n"
done
