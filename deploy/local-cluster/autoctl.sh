#!/usr/bin/env bash
# pg_autoctl for the local cluster, run as the postgres user with the cluster's configuration
# (kept under $CLUSTER_DIR by up.sh). The monitor's data dir is used unless --pgdata is given:
#
#   deploy/local-cluster/autoctl.sh show state          # nodes, their roles and LSNs
#   deploy/local-cluster/autoctl.sh show events         # what the monitor decided, and when
#   deploy/local-cluster/autoctl.sh show settings       # synchronous_standby_names and priorities
#   deploy/local-cluster/autoctl.sh perform switchover  # planned: the standby becomes the primary
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/local-cluster/lib.sh
source "$HERE/lib.sh"
[ "$(id -u)" = 0 ] || { echo "run as root (it runs pg_autoctl as the postgres user)" >&2; exit 1; }
args=("$@")
[[ " $* " == *" --pgdata "* ]] || args+=(--pgdata "$PG_DIR/monitor")
autoctl "${args[@]}"
