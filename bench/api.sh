#!/usr/bin/env bash
# api.sh [CXGARDEN] [DB]: HTTP API benchmark. wrk against GET /api/v1/accounts/{id} on
# generated scale-1 data, 256 connections for 10 s, while a second wrk holds 1,000 idle
# keep-alive connections (one request every 30 s each). Prints requests/s, p99 and the idle
# connections' errors; `--record` appends the figures to bench/RESULTS.md (section "API").
# DB defaults to a fresh `generate --seed 1 --scale 1` database in a temporary directory
# (pass an existing one to skip the generation).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORD=0
args=()
for a in "$@"; do
        if [ "$a" = --record ]; then RECORD=1; else args+=("$a"); fi
done
BIN=${args[0]:-build/cxgarden}
DB=${args[1]:-}
DURATION=${DURATION:-10}
CONNS=${CONNS:-256}
IDLE=${IDLE:-1000}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "api.sh: wrk is required (scripts/bootstrap installs it)"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 8192
T=$(mktemp -d)
PID=
cleanup() {
        [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
if [ -z "$DB" ]; then
        DB=$T/bench.db
        echo "api.sh: generating scale-1 demo data into $DB ..."
        "$BIN" --db "$DB" generate --seed 1 --scale 1 >/dev/null
fi
"$BIN" --db "$DB" user add "bench$$" --role analyst >/dev/null 2>&1
TOKEN=$("$BIN" --db "$DB" token create --user "bench$$" --scope read 2>/dev/null)
printf '[server]\nport = 0\nthreads = %s\naccess_log = off\nmax_connections = 8192\nmax_connections_per_ip = 4096\ntimeout = 60\n' "$THREADS" >"$T/bench.ini"
"$BIN" --db "$DB" --config "$T/bench.ini" serve 2>"$T/log" &
PID=$!
for _ in $(seq 1 100); do
        PORT=$(grep -o 'listening on http://[^ ]*' "$T/log" | sed 's/.*:\([0-9]*\)\/$/\1/' || true)
        [ -n "$PORT" ] && break
        sleep 0.1
done
[ -n "${PORT:-}" ] || { cat "$T/log"; echo "api.sh: server did not start"; exit 1; }
URL=http://127.0.0.1:$PORT
ID=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/accounts?limit=1&sort=id" | sed 's/.*"items":\[{"id":"\([^"]*\)".*/\1/')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/accounts/$ID")
[ "$code" = 200 ] || { echo "api.sh: GET /api/v1/accounts/$ID answered $code"; exit 1; }

cat >"$T/idle.lua" <<LUA
-- hold connections open: each sends one request at once, then one every 30 s
local n = 0
function delay()
        n = n + 1
        if n <= $IDLE then return 0 end
        return 30000
end
LUA
wrk -t1 -c"$IDLE" -d$((DURATION + 6))s --timeout 40s -s "$T/idle.lua" "$URL/healthz" >"$T/idle.out" 2>&1 &
IDLEPID=$!
sleep 3 # let the idle connections open first
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
        "$URL/api/v1/accounts/$ID" >"$T/load.out" 2>&1 &
LOADPID=$!
sleep $((DURATION / 2))
# connections the server holds open in the middle of the run (idle + load)
HELD=$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)
wait $LOADPID || true
wait $IDLEPID || true
# the server held every connection: count them from its side while idle ones were open
RPS=$(awk '/Requests\/sec/ {print $2}' "$T/load.out")
P99=$(awk '$1 == "99%" {print $2}' "$T/load.out")
P50=$(awk '$1 == "50%" {print $2}' "$T/load.out")
ERRS=$(grep -E 'Socket errors|Non-2xx' "$T/load.out" || echo "none")
IDLE_ERRS=$(grep -E 'Socket errors' "$T/idle.out" || echo "none")
cat "$T/load.out"
echo "---- idle connections ($IDLE):"
cat "$T/idle.out"
IDLE_REQS=$(awk '/requests in/ {print $1}' "$T/idle.out")
echo "api.sh: GET /api/v1/accounts/{id}: $RPS requests/s, p50 $P50, p99 $P99; load errors: $ERRS"
echo "api.sh: $IDLE idle connections: $IDLE_REQS requests answered, errors: $IDLE_ERRS; server held $HELD connections mid-run"
if [ "$RECORD" = 1 ]; then
        {
                echo
                echo "### API run $(date -u +%Y-%m-%dT%H:%MZ)"
                echo
                echo "| requests/s | p50 | p99 | load errors | $IDLE idle keep-alive connections | connections held mid-run |"
                echo "|---|---|---|---|---|---|"
                echo "| $RPS | $P50 | $P99 | ${ERRS//|/ } | $IDLE_REQS answered, errors: ${IDLE_ERRS//|/ } | $HELD |"
        } >>bench/RESULTS.md
fi
