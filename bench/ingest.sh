#!/usr/bin/env bash
# ingest.sh [CXGARDEN] [DB] [--record]: single-event ingest benchmark (issue 14). wrk -t2 -c64
# POSTs one interaction per request (a fresh id each, people drawn from the database) to
# /api/v1/interactions for DURATION seconds against a server on a copy of DB (default: a fresh
# `generate --seed 1 --scale 1` database), while /metrics is sampled every 100 ms for
# cxgarden_freshness_seconds (age of the oldest committed change the engine has not applied).
# Prints requests/s, latency p50/p99, freshness p50/p99/max, the group-commit figures and
# checks that every 2xx is a stored row; --record appends them to bench/RESULTS.md ("Ingest").
# Settings: PERF (a file: profile the server with perf during the load), DURATION (10), CONNS (64), THREADS (server threads, 16), LINGER_US (0), EXTRA_INI
# (more config lines, e.g. $'[engine]\ntest_applier_delay_ms = -1\nmax_lag = 1000000000' for the
# ceiling of the write path alone).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORD=0
args=()
for a in "$@"; do
        if [ "$a" = --record ]; then RECORD=1; else args+=("$a"); fi
done
BIN=${args[0]:-build/cxgarden}
SRC_DB=${args[1]:-}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-16}
LINGER_US=${LINGER_US:-0}
command -v wrk >/dev/null || { echo "ingest.sh: wrk is required (scripts/bootstrap installs it)"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 8192
T=$(mktemp -d)
PID=
cleanup() {
        [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
DB=$T/bench.db
if [ -z "$SRC_DB" ]; then
        echo "ingest.sh: generating scale-1 demo data into $DB ..."
        "$BIN" --db "$DB" generate --seed 1 --scale 1 >/dev/null
else
        sqlite3 "$SRC_DB" ".backup '$DB'" # a copy: the benchmark writes
        [ -e "$SRC_DB.key" ] && cp "$SRC_DB.key" "$DB.key"
fi
"$BIN" --db "$DB" user add "bench$$" --role admin >/dev/null 2>&1
TOKEN=$("$BIN" --db "$DB" token create --user "bench$$" --scope read-write 2>/dev/null)
ROWS0=$(sqlite3 "$DB" "SELECT count(*) FROM interactions")
PEOPLE=$(sqlite3 "$DB" "SELECT '\"' || ext_id || '\"' FROM people ORDER BY id LIMIT 1000" | paste -sd, -)
printf '[server]\nport = 0\nthreads = %s\naccess_log = off\nmax_connections = 8192\nmax_connections_per_ip = 4096\ntimeout = 60\ncommit_linger_us = %s\n' \
        "$THREADS" "$LINGER_US" >"$T/bench.ini"
printf '%s\n' "${EXTRA_INI:-}" >>"$T/bench.ini"
"$BIN" --db "$DB" --config "$T/bench.ini" serve 2>"$T/log" &
PID=$!
for _ in $(seq 1 600); do
        PORT=$(grep -o 'listening on http://[^ ]*' "$T/log" | sed 's/.*:\([0-9]*\)\/$/\1/' || true)
        [ -n "$PORT" ] && break
        sleep 0.1
done
[ -n "${PORT:-}" ] || { cat "$T/log"; echo "ingest.sh: server did not start"; exit 1; }
URL=http://127.0.0.1:$PORT

cat >"$T/post.lua" <<LUA
-- one interaction per request: a fresh id, a person from the database, now-ish timestamps
local people = {$PEOPLE}
local n = 0
local counter = 0
function setup(thread)
        counter = counter + 1
        thread:set("tid", counter)
end
function init(args)
        tid = tid or 0
end
request = function()
        n = n + 1
        local body = string.format('{"id":"wrk%d-%d-%d","person_id":%s,"ts":%d,"channel":"web","type":"bench"}',
                $$, tid, n, '"' .. people[(n % #people) + 1] .. '"', 1735689600 + n)
        return wrk.format("POST", "/api/v1/interactions",
                {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"}, body)
end
LUA
code=$(curl -s -o "$T/first" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -d "{\"person_id\":\"$(sqlite3 "$DB" "SELECT ext_id FROM people LIMIT 1")\",\"ts\":1735689600,\"channel\":\"web\",\"type\":\"bench\"}" \
        "$URL/api/v1/interactions")
[ "$code" = 200 ] || { cat "$T/first"; echo "ingest.sh: a first POST answered $code"; exit 1; }

# sample freshness every 100 ms during the run
(
        while [ ! -e "$T/done" ]; do
                curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics" |
                        awk '$1 == "cxgarden_freshness_seconds" {print $2}' >>"$T/fresh" || true
                sleep 0.1
        done
) &
SAMPLER=$!
# PERF=FILE: a CPU profile of the server during the load (perf record -e cpu-clock -g)
[ -n "${PERF:-}" ] && { perf record -q -e cpu-clock -g -p "$PID" -o "$PERF" -- sleep "$DURATION" 2>/dev/null & }
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$T/post.lua" "$URL/api/v1/interactions" >"$T/load.out" 2>&1 || true
[ -n "${PERF:-}" ] && wait
touch "$T/done"
wait $SAMPLER || true
curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics" >"$T/metrics"
# let the engine catch up, then stop
sleep 2
kill -TERM "$PID"; wait "$PID" || true; PID=

cat "$T/load.out"
RPS=$(awk '/Requests\/sec/ {print $2}' "$T/load.out")
P50=$(awk '$1 == "50%" {print $2}' "$T/load.out")
P99=$(awk '$1 == "99%" {print $2}' "$T/load.out")
REQS=$(awk '/requests in/ {print $1}' "$T/load.out")
NON2XX=$(awk '/Non-2xx/ {print $NF}' "$T/load.out")
NON2XX=${NON2XX:-0}
ERRS=$(grep -E 'Socket errors' "$T/load.out" || echo "none")
ROWS=$(($(sqlite3 "$DB" "SELECT count(*) FROM interactions") - ROWS0 - 1))
read -r F50 F99 FMAX NS < <(sort -g "$T/fresh" | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan nan nan 0"; exit }
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR
        printf "%.3f %.3f %.3f %d\n", v[i50], v[i99], v[NR], NR }')
m() { awk -v k="$1" '$1 == k {print $2}' "$T/metrics"; }
COMMITS=$(m cxgarden_commits_total)
CREQ=$(m cxgarden_commit_requests_total)
GMAX=$(m cxgarden_commit_group_max)
APPLIES=$(m cxgarden_engine_applies_total)
R429=$(m 'cxgarden_write_rejections_total{status="429"}')
R503=$(m 'cxgarden_write_rejections_total{status="503"}')
echo "----"
echo "requests: $REQS ($NON2XX non-2xx), $RPS req/s, latency p50 $P50 p99 $P99; socket errors: $ERRS"
echo "rows stored: $ROWS (2xx answered: $((REQS - NON2XX)))"
echo "freshness over $NS samples: p50 ${F50}s p99 ${F99}s max ${FMAX}s"
echo "group commit: $CREQ requests in $COMMITS transactions (mean $(awk -v a="$CREQ" -v b="$COMMITS" 'BEGIN {printf "%.1f", b ? a / b : 0}'), largest $GMAX); engine catch-ups: $APPLIES; rejections 429: $R429, 503: $R503"
[ "$ROWS" -ge "$((REQS - NON2XX))" ] || echo "ingest.sh: WARNING: fewer rows than 2xx answers"

if [ "$RECORD" = 1 ]; then
        grep -q '^## Ingest' bench/RESULTS.md || printf '\n## Ingest\n\n`bench/ingest.sh`: see the section text below the table.\n\n| date | req/s | latency p50 / p99 | freshness p50 / p99 / max | requests per commit (mean, max) | non-2xx | server threads |\n|---|---|---|---|---|---|---|\n' >>bench/RESULTS.md
        printf '| %s | %s | %s / %s | %ss / %ss / %ss | %s, %s | %s | %s |\n' "$(date -u +%F)" "$RPS" "$P50" "$P99" \
                "$F50" "$F99" "$FMAX" "$(awk -v a="$CREQ" -v b="$COMMITS" 'BEGIN {printf "%.1f", b ? a / b : 0}')" "$GMAX" \
                "$NON2XX" "$THREADS" >>bench/RESULTS.md
fi
