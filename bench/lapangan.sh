#!/usr/bin/env bash
# The field app's first load: every resource a phone downloads the first time it opens
# /lapangan (the login page, the home, its script, picker, stylesheet, manifest, icons, the
# service worker and what the worker precaches), in gzipped bytes over the wire as Chrome asks
# for them (Accept-Encoding: gzip). The budget is 150 KB. Later loads: the versioned assets are
# `immutable` for a year and the service worker answers from its cache (tests/browser_field.rs
# opens the home and the queue with the server stopped).
#
#   bench/lapangan.sh                                # builds (release); demo data on SQLite
#   SINERGI_BIN=target/debug/sinergi bench/lapangan.sh   # that binary (the assets are the
#                                                    # same bytes in a debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SINERGI_BIN:-target/release/sinergi}
ADDR=${ADDR:-127.0.0.1:18097}
BASE="http://$ADDR"
PASSWORD=sinergi-demo
USER_NAME=${FIELD_USER:-ptps.balongsari}
. bench/lib.sh

# The demo (its field accounts) on a fresh SQLite database; SERVER is killed on exit (lib.sh).
"$BIN" serve --demo --db "sqlite://$TMPD/lapangan.db" --listen "$ADDR" > "$TMPD/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "$BASE/healthz" && break
    kill -0 "$SERVER" 2> /dev/null || { cat "$TMPD/server.log" >&2; exit 1; }
    sleep 0.1
done

JAR="$TMPD/cookies"
# What a browser sends: gzip accepted; the size is what came over the wire (compressed).
wire() { curl -s -o "$TMPD/body" -b "$JAR" -H 'Accept-Encoding: gzip, deflate, br' -w '%{size_download}' "$BASE$1"; }
raw() { curl -s -b "$JAR" "$BASE$1" | wc -c; }

total=0
row() {
    local path=$1 why=$2 n r cc
    n=$(wire "$path")
    r=$(raw "$path")
    cc=$(curl -s -o /dev/null -D - -b "$JAR" "$BASE$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="cache-control"{print $2}')
    total=$((total + n))
    printf '| `%s` | %s | %s | %s | %s |\n' "$path" "$why" "$n" "$r" "${cc:-—}"
}

echo "| resource | why | bytes over the wire (gzip) | bytes | Cache-Control |"
echo "|---|---|---:|---:|---|"
row "/masuk?next=/lapangan" "the visitor is sent to log in"
curl -s -o /dev/null -c "$JAR" -H "Origin: $BASE" --data-urlencode "username=$USER_NAME" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "next=/lapangan" "$BASE/masuk"
row "/lapangan" "the home"
page=$(curl -s -b "$JAR" "$BASE/lapangan")
# Scripts, stylesheet, manifest and icon the home's <head> names.
for asset in $(printf '%s' "$page" | grep -oE '<(script|link)[^>]*(src|href)="/[^"]+"' | grep -oE '(src|href)="/[^"]+"' | sed -E 's/^(src|href)="//; s/"$//; s/&amp;/\&/g' | sort -u); do
    row "$asset" "named in the home's head"
done
# What app.js keeps for use without signal: the pages the home marks data-offline, and on
# those pages what they mark data-offline in turn (the forms, their scripts and rules).
offline_links() { grep -oE '<(a|link)[^>]*data-offline[^>]*>' | grep -oE 'href="/[^"]+"' | sed -E 's/^href="//; s/"$//; s/&amp;/\&/g' | sort -u; }
for form in $(printf '%s' "$page" | offline_links); do
    row "$form" "kept for offline (home)"
    for deeper in $(curl -s -b "$JAR" "$BASE$form" | offline_links); do
        row "$deeper" "kept for offline (one level down)"
    done
done
row "/lapangan/sw.js" "registered by app.js"
row "/lapangan/antrean" "precached by the worker"
row "/lapangan/icon-512.png" "manifest icon (install)"
echo
echo "first load, total over the wire: $total bytes ($((total / 1024)) KB; budget 150 KB)"
if [ "$total" -gt $((150 * 1024)) ]; then echo "OVER BUDGET" >&2; exit 1; fi
