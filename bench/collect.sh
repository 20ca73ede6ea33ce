#!/usr/bin/env bash
# collect.sh: Segment collection throughput against `cxgarden import` of the same rows as CSV,
# same run, same machine. Not part of the test suite.
#
#   bench/collect.sh [EVENTS] [BINARY] [--record]    (default 200000 events, build/cxgarden)
#
# Setup (both sides): 2,000 accounts and 15,000 people imported into a fresh database, copied.
# (a) `cxgarden import interactions` of EVENTS rows as CSV (wall clock);
# (b) the server on the copy, EVENTS track events as /v1/batch bodies of 500 events (with
#     messageId and a library context, as analytics-node sends them) posted from 4 keep-alive
#     connections (bench/collect_load.mjs): events/s and the ratio to (a) (goal >= 0.3x);
# (c) single-event POST /v1/track with wrk -t2 -c4 for 10 s (bench/track.lua): requests/s.
set -euo pipefail
EVENTS=${1:-200000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${2:-$ROOT/build/cxgarden}
RECORD=${3:-}
[ -x "$BIN" ] || { echo "build first" >&2; exit 1; }
command -v node >/dev/null && command -v wrk >/dev/null || { echo "node and wrk are needed" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-collect.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$dir"' EXIT

awk 'BEGIN { print "id,name,plan"; for (i = 1; i <= 2000; i++) print "a" i ",Account " i ",Pro" }' >"$dir/accounts.csv"
awk 'BEGIN { print "id,account_id,name,role"; for (i = 1; i <= 15000; i++) print "p" i ",a" (i % 2000 + 1) ",Person " i ",Manager" }' >"$dir/people.csv"
# the same events twice: CSV rows and Segment batches (ts 2023-11-14 onwards, 13 s apart)
awk -v n="$EVENTS" -v dir="$dir" 'BEGIN {
        srand(42)
        split("login like post search view share comment export invite upload", ty, " ")
        csv = dir "/interactions.csv"
        print "person_id,ts,channel,type,value" >csv
        t = 1700000000; b = 0
        for (i = 1; i <= n; i++) {
                p = int(rand() * 15000) + 1; y = ty[int(rand() * 10) + 1]; v = rand() * 100
                printf "p%d,%d,web,%s,%.2f\n", p, t + i * 13, y, v >csv
                if ((i - 1) % 500 == 0) {
                        if (b) { print "]}" >f; close(f) }
                        b++; f = sprintf("%s/batch%06d.json", dir, b); printf "{\"batch\":[" >f; sep = ""
                }
                printf "%s{\"type\":\"track\",\"userId\":\"p%d\",\"event\":\"%s\",\"messageId\":\"m%d\",\"timestamp\":\"%s\",\"properties\":{\"value\":%.2f},\"context\":{\"library\":{\"name\":\"@segment/analytics-node\",\"version\":\"3.1.0\"}}}", sep, p, y, i, strftime("%Y-%m-%dT%H:%M:%S.000Z", t + i * 13, 1), v >f
                sep = ","
        }
        print "]}" >f
}'
"$BIN" --db "$dir/base.db" import accounts "$dir/accounts.csv" 2>/dev/null
"$BIN" --db "$dir/base.db" import people "$dir/people.csv" 2>/dev/null
"$BIN" --db "$dir/base.db" user add collector --role admin >/dev/null 2>&1
sqlite3 "$dir/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$dir/base.db" "$dir/csv.db"; cp "$dir/base.db" "$dir/http.db"; cp "$dir/base.db.key" "$dir/http.db.key" 2>/dev/null || true
sync

t0=$(date +%s.%N)
"$BIN" --db "$dir/csv.db" import interactions "$dir/interactions.csv" >/dev/null 2>&1
t1=$(date +%s.%N)
csv_rate=$(awk -v n="$EVENTS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

KEY=$("$BIN" --db "$dir/http.db" token create --user collector --scope ingest 2>/dev/null)
printf '[server]\nport = 0\nthreads = 2\n' >"$dir/ini"
"$BIN" --db "$dir/http.db" --config "$dir/ini" serve 2>"$dir/log" &
PID=$!
for _ in $(seq 1 400); do
        PORT=$(grep -o 'listening on http://[^ ]*' "$dir/log" | sed 's/.*:\([0-9]*\)\/$/\1/' | tail -1 || true)
        [ -n "$PORT" ] && break
        sleep 0.05
done
URL=http://127.0.0.1:$PORT
# PERF=FILE: a CPU profile of the server during (b) (perf record -e cpu-clock -g)
[ -n "${PERF:-}" ] && { perf record -q -e cpu-clock -g -p "$PID" -o "$PERF" 2>/dev/null & PERFPID=$!; }
load=$(node "$ROOT/bench/collect_load.mjs" "$URL" "$KEY" 4 "$dir"/batch*.json)
[ -n "${PERF:-}" ] && { kill -INT $PERFPID; wait $PERFPID 2>/dev/null || true; }
stored=$(sqlite3 "$dir/http.db" 'SELECT count(*) FROM interactions')
[ "$stored" = "$EVENTS" ] || { echo "stored $stored of $EVENTS: $load" >&2; exit 1; }
http_rate=$(jq -r '.events / .seconds | floor' <<<"$load")
ratio=$(awk -v a="$http_rate" -v b="$csv_rate" 'BEGIN { printf "%.3f", a / b }')
track=$(CXG_KEY=$KEY wrk -t2 -c4 -d10s -s "$ROOT/bench/track.lua" "$URL" 2>&1)
track_rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$track")
non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$track")
kill $PID; wait $PID 2>/dev/null || true; PID=

load_avg=$(cut -d' ' -f1 /proc/loadavg)
echo "events: $EVENTS   load avg: $load_avg (shared machine)"
echo "cxgarden import (CSV):            $csv_rate rows/s"
echo "/v1/batch x500, 4 connections:    $http_rate events/s  ($(jq -c .statuses <<<"$load"))"
echo "ratio HTTP / CSV:                 ${ratio}x (goal >= 0.3x)"
echo "/v1/track single event, wrk -c4:  $track_rps requests/s (non-2xx: ${non2xx:-0})"
if [ "$RECORD" = --record ]; then
        {
                echo
                echo "### Collection run $(date -u +%FT%RZ) (shared machine, load avg $load_avg)"
                echo
                echo "| events | import CSV rows/s | /v1/batch x500, 4 conns, events/s | ratio | /v1/track req/s (wrk -t2 -c4) |"
                echo "|---|---|---|---|---|"
                echo "| $EVENTS | $csv_rate | $http_rate | ${ratio}x | $track_rps |"
        } >>"$ROOT/bench/RESULTS.md"
fi
