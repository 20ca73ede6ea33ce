#!/usr/bin/env bash
# API server: health, security headers, dashboard assets (MIME, caching, 304), metrics,
# the routes of docs/openapi.yaml = the router's routes, settings precedence (command line >
# config > defaults; no environment), 503 for a locked database, graceful shutdown.
. "$(dirname "$0")/lib/common.bash"
SRC=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

# ---- openapi.yaml lists exactly the router's routes ----
"$BIN" serve --list-routes | sort >"$T/routes"
awk '/^paths:/{p=1;next} /^[^ ]/{p=0} p && /^  \/[^ ]*:$/{path=$1; sub(/:$/,"",path)}
     p && /^    (get|post|put|patch|delete):/{m=$1; sub(/:$/,"",m); print toupper(m) " " path}' \
        "$SRC/docs/openapi.yaml" | sort >"$T/documented"
if ! diff "$T/routes" "$T/documented" >"$T/diff"; then
        fail "docs/openapi.yaml and the router differ (< router, > openapi):"
        cat "$T/diff"
fi
check "route count" "$(wc -l <"$T/routes")" 114

# ---- help and usage ----
"$BIN" serve --help | grep >/dev/null "Environment variables are not read" || fail "serve --help states the precedence"
rc=0; "$BIN" serve --port 99999 2>/dev/null || rc=$?; check "bad port" "$rc" 2
rc=0; "$BIN" serve --frobnicate 2>/dev/null || rc=$?; check "unknown option" "$rc" 2
printf '[server]\nthreads = many\n' >"$T/bad.ini"
rc=0; "$BIN" --db "$DB" --config "$T/bad.ini" serve 2>"$T/err" || rc=$?
check "bad config value" "$rc" 2
grep -q "bad.ini" "$T/err" || fail "config error names the file: $(cat "$T/err")"

# ---- precedence: the config's port is used unless --port is given ----
write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 38517)
SERVER_EXTRA="port = 1"  # would fail (privileged): the command line must win
start_server --port "$FREE"
check "command line port wins" "$PORT" "$FREE"
stop_server
SERVER_EXTRA=""

CXG_PORT=1 PORT=1 start_server
check "environment ignored, config port 0 picks a free port" "$([ "$PORT" -gt 1024 ] && echo yes)" yes

# ---- health, headers, assets ----
req GET /healthz; expect "healthz" 200 .status ok
check "CSP" "$(header Content-Security-Policy)" "default-src 'self'"
check "frame options" "$(header X-Frame-Options)" DENY
check "nosniff" "$(header X-Content-Type-Options)" nosniff
check "referrer" "$(header Referrer-Policy)" no-referrer
check "API content type" "$(header Content-Type)" application/json
check "API caching" "$(header Cache-Control)" no-store
req GET /; check "index" "$STATUS" 200
check "index type" "$(header Content-Type)" "text/html; charset=utf-8"
check "index caching" "$(header Cache-Control)" no-cache
check "index headers too" "$(header X-Frame-Options)" DENY
cmp -s "$T/body" "$SRC/web/index.html" || fail "/ serves web/index.html"
ET=$(header ETag)
req GET / -H "If-None-Match: $ET"; check "conditional GET" "$STATUS" 304
req GET /index.html; check "index by name" "$STATUS" 200
req HEAD /healthz -I; check "HEAD" "$STATUS" 200
req GET /nope.js; expect "missing file" 404 .error.code not_found
req POST /; expect "POST to a file" 405

# headers over max_header_bytes (16 KiB) are refused by libmicrohttpd; the server lives on
req GET /healthz -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
check "oversized headers" "$STATUS" 431
req GET /healthz; check "alive after oversized headers" "$STATUS" 200

# the request log stays one line per request whatever the path holds
req GET "/api/v1/x%0Ainjected%22"; check "odd path" "$STATUS" 404
grep -q '^injected' "$T/log" && fail "a path split the log line"
grep -q 'path=/api/v1/x?injected? status=404' "$T/log" || fail "control characters replaced in the log"

# ---- metrics ----
as "$A" GET /api/v1/accounts/none; check "a 404" "$STATUS" 404
req GET /metrics; expect "metrics need auth" 401
as "$A" GET /metrics
grep <<<"$BODY" -q '^cxgarden_http_requests_total{method="GET",route="/healthz",status="200"} 3$' || fail "healthz counted (GET and HEAD)"
grep <<<"$BODY" -q '^cxgarden_http_requests_total{method="GET",route="/api/v1/accounts/{id}",status="404"} 1$' || fail "404 by route counted"
grep <<<"$BODY" -q '^cxgarden_http_requests_total{method="",route="unmatched",status="404"} 2$' || fail "unmatched counted"
grep <<<"$BODY" -q '^cxgarden_http_request_duration_seconds_bucket{le="+Inf"} ' || fail "latency histogram"
grep <<<"$BODY" -q '^# TYPE cxgarden_http_request_duration_seconds histogram$' || fail "histogram type"

# ---- a database locked by another writer: 503 with a JSON error, never 500 ----
# (on PostgreSQL the writers' lock is the advisory lock STORE_PG_WRITE_LOCK, 6518887)
if [ "$(cxg_backend)" = pg ]; then
        (printf "BEGIN;\nSELECT pg_advisory_xact_lock(6518887);\nINSERT INTO meta VALUES ('lock', 'x');\n"; sleep 7; printf 'ROLLBACK;\n') | psql "$DB" -qAtX >/dev/null &
else
        (printf 'BEGIN IMMEDIATE;\nINSERT INTO meta VALUES ("lock", "x");\n'; sleep 7; printf 'ROLLBACK;\n') | sqlite3 "$DB" &
fi
LOCKER=$!
sleep 0.5
as "$A" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"L1"}'
expect "locked database" 503 .error.code busy
check "busy Retry-After" "$(header Retry-After)" 1
case "$BODY" in *SQL*|*sqlite*|*INSERT*) fail "internals in the message: $BODY" ;; esac
wait $LOCKER
as "$A" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"L1"}'
expect "after the lock" 201

# ---- graceful shutdown: a request in flight finishes, then the server exits 0 ----
python3 -c 'import json; print(json.dumps([{"id":"G%d"%i,"name":"x"*50} for i in range(1)]))' >/dev/null 2>&1 || true
BIGROWS=$(printf '{"person_id":"NOPE","ts":"2024-01-01","channel":"web","type":"%s"}\n' $(seq 1 1500))
printf '%s\n' "$BIGROWS" >"$T/slow.ndjson"
curl -s -o "$T/slow.out" -w '%{http_code}' --limit-rate 40k -X POST -H "Authorization: Bearer $A" \
        -H 'Content-Type: application/x-ndjson' --data-binary @"$T/slow.ndjson" "$URL/api/v1/interactions" >"$T/slow.code" &
CURL=$!
sleep 0.7
kill -TERM "$PID"
sleep 0.2
rc=0; curl -s -m 2 "$URL/healthz" >/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "new connections are refused while shutting down"
wait $CURL || true
check "in-flight request finished" "$(cat "$T/slow.code")" 422
check "its reply is complete" "$(jq '.rejected|length' "$T/slow.out")" 1500
rc=0; wait "$PID" || rc=$?
PID=
check "exit status after SIGTERM" "$rc" 0
grep -q 'database closed' "$T/log" || fail "log says the database was closed"
grep -q 'SIGTERM received' "$T/log" || fail "log names the signal"
# one structured line per request
grep -q 'request method=POST path=/api/v1/interactions status=422 bytes=[0-9]* ms=[0-9.]* user=admin' "$T/log" || fail "request log line"

finish
