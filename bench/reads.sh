#!/usr/bin/env bash
# reads.sh [CXGARDEN] [DB]: account reads against nginx, side by side in one run (issue 14,
# "Reads"). nginx (unprivileged, a temporary config on a high port) serves the very bytes of
# GET /api/v1/accounts/{id} as a static file; then wrk -t2 -c256 -d10s --latency runs against
# nginx, cxgarden's /healthz and GET /api/v1/accounts/{id} with a bearer token, one after the
# other. Then reads again while a second wrk posts single events to /api/v1/interactions at
# about half the maximum ingest rate measured just before. Prints requests/s, p99 and the
# ratios; `--record` appends them to bench/RESULTS.md (section "Reads").
# DB defaults to a fresh `generate --seed 1 --scale 1` database in a temporary directory; a
# given DB is copied first (the ingest phase writes to it).
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
CONNS=${CONNS:-256}
THREADS=${THREADS:-2}
INGEST_CONNS=${INGEST_CONNS:-8}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
command -v wrk >/dev/null || { echo "reads.sh: wrk is required (scripts/bootstrap installs it)"; exit 1; }
[ -x "$NGINX" ] || { echo "reads.sh: nginx is required (apt-get install -y nginx)"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 8192
T=$(mktemp -d)
PID=
NGPID=
cleanup() {
        [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
        [ -n "$NGPID" ] && kill -TERM "$NGPID" 2>/dev/null && wait "$NGPID" 2>/dev/null || true
        [ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$T"/*.out "$T/log" "$OUT"/ 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
DB=$T/bench.db
if [ -n "$SRC_DB" ]; then
        cp "$SRC_DB" "$DB"
else
        echo "reads.sh: generating scale-1 demo data ..."
        "$BIN" --db "$DB" generate --seed 1 --scale 1 >/dev/null
fi
"$BIN" --db "$DB" user add bench --role admin >/dev/null 2>&1
TOKEN=$("$BIN" --db "$DB" token create --user bench --scope read 2>/dev/null)
WTOKEN=$("$BIN" --db "$DB" token create --user bench --scope read-write 2>/dev/null)
printf '[server]\nport = 0\nthreads = %s\naccess_log = off\nmax_connections = 8192\nmax_connections_per_ip = 4096\ntimeout = 60\n' "$THREADS" >"$T/bench.ini"
"$BIN" --db "$DB" --config "$T/bench.ini" serve 2>"$T/log" &
PID=$!
for _ in $(seq 1 300); do
        PORT=$(grep -o 'listening on http://[^ ]*' "$T/log" | sed 's/.*:\([0-9]*\)\/$/\1/' || true)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || { cat "$T/log"; echo "reads.sh: server died"; exit 1; }
        sleep 0.1
done
[ -n "${PORT:-}" ] || { cat "$T/log"; echo "reads.sh: server did not start"; exit 1; }
URL=http://127.0.0.1:$PORT
ID=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/accounts?limit=1&sort=id" | sed 's/.*"items":\[{"id":"\([^"]*\)".*/\1/')
PERSON=$(sqlite3 "$DB" "SELECT p.ext_id FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.ext_id = '$ID' LIMIT 1" 2>/dev/null || true)
[ -n "$PERSON" ] || PERSON=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/people?limit=1" | sed 's/.*"items":\[{"id":"\([^"]*\)".*/\1/')

# nginx serves the same bytes as a static file
mkdir -p "$T/www/api/v1/accounts" "$T/ng/logs"
# as root nginx runs its workers as nobody: let them read the file
chmod 755 "$T" "$T/www" "$T/www/api" "$T/www/api/v1" "$T/www/api/v1/accounts"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/accounts/$ID" >"$T/www/api/v1/accounts/$ID"
chmod 644 "$T/www/api/v1/accounts/$ID"
BYTES=$(stat -c %s "$T/www/api/v1/accounts/$ID")
NGPORT=$((20000 + RANDOM % 20000))
cat >"$T/ng/nginx.conf" <<CONF
worker_processes $THREADS;
pid $T/ng/nginx.pid;
error_log $T/ng/logs/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $T/ng/body;
    proxy_temp_path $T/ng/proxy;
    fastcgi_temp_path $T/ng/fastcgi;
    uwsgi_temp_path $T/ng/uwsgi;
    scgi_temp_path $T/ng/scgi;
    default_type application/json;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGPORT;
        root $T/www;
    }
}
CONF
"$NGINX" -p "$T/ng" -c "$T/ng/nginx.conf" -g 'daemon off;' 2>"$T/ng/stderr" &
NGPID=$!
for _ in $(seq 1 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$NGPORT/api/v1/accounts/$ID" && break
        sleep 0.1
done
echo "reads.sh: account id $ID, person $PERSON, nginx port $NGPORT"
cmp -s <(curl -s "http://127.0.0.1:$NGPORT/api/v1/accounts/$ID") "$T/www/api/v1/accounts/$ID" ||
        { cat "$T/ng/stderr"; echo "reads.sh: nginx does not serve the account bytes"; exit 1; }

# run NAME URL [wrk args]: wrk -t2 -cCONNS, prints NAME rps p99 (ms), keeps the output
ms() { # wrk latency (e.g. 1.23ms, 456.00us, 1.02s) in ms
        awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run() {
        local name=$1 url=$2
        shift 2
        wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" >"$T/$name.out" 2>&1
        local rps p99 errs
        rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$T/$name.out")
        p99=$(ms "$(awk '$1 == "99%" {print $2}' "$T/$name.out")")
        errs=$(grep -E 'Socket errors|Non-2xx' "$T/$name.out" | tr '\n' ' ' || true)
        eval "${name}_rps=$rps ${name}_p99=$p99"
        printf '%-14s %8s req/s  p99 %7s ms  %s\n' "$name" "$rps" "$p99" "$errs"
}
AUTH=(-H "Authorization: Bearer $TOKEN")
echo "reads.sh: account $ID ($BYTES bytes), $CONNS connections, ${DURATION}s each, server threads $THREADS"
run nginx "http://127.0.0.1:$NGPORT/api/v1/accounts/$ID"
run healthz "$URL/healthz"
run account "$URL/api/v1/accounts/$ID" "${AUTH[@]}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "account/nginx: req/s $(ratio "$account_rps" "$nginx_rps")x (goal >= 0.8), p99 $(ratio "$account_p99" "$nginx_p99")x (goal <= 1.2)"
echo "healthz/nginx: req/s $(ratio "$healthz_rps" "$nginx_rps")x"

# ---- reads while ingesting at about half the maximum ingest rate ----
cat >"$T/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $WTOKEN"
local n = 0
function request()
        n = n + 1
        local body = string.format('{"person_id":"$PERSON","ts":"2024-06-01T%02d:%02d:%02dZ","channel":"web","type":"login","duration_ms":%d}', math.floor(n / 3600) % 24, math.floor(n / 60) % 60, n % 60, 100 + n % 900)
        return wrk.format(nil, nil, nil, body)
end
LUA
wrk -t1 -c"$INGEST_CONNS" -d5s -s "$T/post.lua" "$URL/api/v1/interactions" >"$T/ingest_max.out" 2>&1
INGEST_MAX=$(awk '/Requests\/sec/ {printf "%.1f", $2}' "$T/ingest_max.out")
INGEST_ERRS=$(grep -E 'Socket errors|Non-2xx' "$T/ingest_max.out" | tr '\n' ' ' || true)
grep -q '\.lua:' "$T/ingest_max.out" && { cat "$T/ingest_max.out"; echo "reads.sh: the ingest script failed"; exit 1; }
# half that rate: each connection waits so that INGEST_CONNS connections post INGEST_MAX / 2 per s
DELAY=$(awk -v m="$INGEST_MAX" -v c="$INGEST_CONNS" 'BEGIN { r = m / 2; if (r < 0.1) r = 0.1; printf "%d", c * 1000 / r }')
{ cat "$T/post.lua"; printf 'function delay() return %s end\n' "$DELAY"; } >"$T/post_half.lua"
wrk -t1 -c"$INGEST_CONNS" -d$((DURATION + 4))s -s "$T/post_half.lua" "$URL/api/v1/interactions" >"$T/ingest_half.out" 2>&1 &
INGPID=$!
sleep 2
run busy "$URL/api/v1/accounts/$ID" "${AUTH[@]}"
wait $INGPID || true
INGEST_HALF=$(awk '/Requests\/sec/ {printf "%.1f", $2}' "$T/ingest_half.out")
echo "ingest: max $INGEST_MAX events/s (single-event POSTs, $INGEST_CONNS connections) $INGEST_ERRS; during reads $INGEST_HALF events/s"
echo "busy/idle account reads: $(ratio "$busy_rps" "$account_rps")x (goal >= 0.5)"
if [ "$RECORD" = 1 ]; then
        {
                echo
                echo "### Reads run $(date -u +%Y-%m-%dT%H:%MZ) (shared machine; $(git rev-parse --short HEAD))"
                echo
                echo "wrk -t2 -c$CONNS -d${DURATION}s --latency, server threads $THREADS, account $ID ($BYTES bytes)."
                echo
                echo "| target | req/s | p99 ms |"
                echo "|---|---|---|"
                echo "| nginx static file (same bytes) | $nginx_rps | $nginx_p99 |"
                echo "| cxgarden /healthz | $healthz_rps | $healthz_p99 |"
                echo "| cxgarden GET /api/v1/accounts/{id} (bearer) | $account_rps | $account_p99 |"
                echo "| same, while ingesting $INGEST_HALF events/s (max $INGEST_MAX) | $busy_rps | $busy_p99 |"
                echo
                echo "account/nginx: req/s $(ratio "$account_rps" "$nginx_rps")x, p99 $(ratio "$account_p99" "$nginx_p99")x; busy/idle reads $(ratio "$busy_rps" "$account_rps")x."
        } >>bench/RESULTS.md
fi
