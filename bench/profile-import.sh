#!/usr/bin/env bash
# CPU profile of one import with perf (Debian: apt-get install -y linux-perf).
#
#   bench/profile-import.sh          # re-import (all updates) into a copy of bench/out/import.db
#   MODE=fresh bench/profile-import.sh   # import into a fresh database
#
# Run bench/import.sh first (it builds the binary and writes the CSV and import.db).
# Prints the functions with the largest inclusive share of samples (sinergi, rusqlite, SQLite,
# allocator); the raw data stays in bench/out/perf-import.data for `perf report -i`.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out
BIN=${SINERGI_BIN:-target/release/sinergi}
FULL=$OUT/tps-pemilu.csv
DB=$OUT/profile.db
DATA=$OUT/perf-import.data
MODE=${MODE:-reimport}

command -v perf > /dev/null || { echo "needs perf: apt-get install -y linux-perf" >&2; exit 1; }
[ -f "$FULL" ] || { echo "no $FULL: run bench/import.sh first" >&2; exit 1; }

rm -f "$DB" "$DB-wal" "$DB-shm"
if [ "$MODE" = fresh ]; then
    "$BIN" audit verify --db "sqlite://$DB" > /dev/null
else
    [ -f "$OUT/import.db" ] || { echo "no $OUT/import.db: run bench/import.sh first" >&2; exit 1; }
    cp "$OUT/import.db" "$DB"
    if [ -f "$OUT/import.db-wal" ]; then cp "$OUT/import.db-wal" "$DB-wal"; fi
fi

# DWARF call graphs: the release profile keeps line tables, not frame pointers.
perf record -F 999 --call-graph dwarf,16384 -o "$DATA" \
    "$BIN" import tps --election pemilu-2024 --db "sqlite://$DB" "$FULL"
rm -f "$DB" "$DB-wal" "$DB-shm"

echo
echo "== inclusive share of CPU samples ($MODE)"
perf report -i "$DATA" --children --sort symbol --stdio -g none 2> /dev/null |
    grep -E '^ +[0-9]' | sed -E 's/ +- +- +$//' | cut -c1-160 |
    grep -E 'sinergi::|rusqlite::|csv_core|sha2|sqlite3(VdbeExec|_step|BtreeIndexMoveto|BtreeInsert|BtreeSavepoint|WalCheckpoint|_bind)|walFrames|memjrnl|memcmp|_int_malloc|_int_free' |
    grep -v '{closure' | head -n "${TOP:-40}"
