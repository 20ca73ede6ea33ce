#!/usr/bin/env bash
# load.sh BINARY: wrk against `cxgarden serve` on loopback (issue 9, load): 1,000 concurrent
# connections, mixed reads (an account, a list of people, an account's scores) and batch
# ingest (POST of 20 interactions), for 60 s when CI=true or CXG_FULL_TESTS=1, 8 s otherwise
# (4 s under the sanitizer build). Asserts zero 5xx, zero socket errors other than timeouts of
# the slowest requests, and a live server with bounded memory; prints requests/s, p50/p99 and
# the server's RSS before and after.
. "$(dirname "$0")/lib/common.bash"
need_tool wrk

DUR=8 CONNS=1000
if [ "${CI:-}" = true ] || [ "${CXG_FULL_TESTS:-}" = 1 ]; then DUR=60; fi
case "${CXG_BUILD_DIR:-}" in
*build-san) DUR=4 ;;
esac
ulimit -n 16384 2>/dev/null || ulimit -n 4096 2>/dev/null || true
[ "$(ulimit -n)" -gt $((CONNS + 100)) ] || skip_missing "cannot open $CONNS sockets (ulimit -n $(ulimit -n))"

awk 'BEGIN { print "id,name,plan,mrr"; for (a = 1; a <= 200; a++) printf "A%d,Account %d,%s,%d\n", a, a, (a % 2 ? "Pro" : "Free"), a * 10 }' >"$T/accounts.csv"
awk 'BEGIN { print "id,account_id,role"; for (p = 1; p <= 2000; p++) printf "P%d,A%d,%s\n", p, p % 200 + 1, (p % 9 ? "Engineer" : "CEO") }' >"$T/people.csv"
awk 'BEGIN { print "person_id,ts,type,channel"; for (i = 1; i <= 50000; i++) printf "P%d,%d,t%d,web\n", i % 2000 + 1, 1700000000 + i * 600, i % 7 }' >"$T/interactions.csv"
for k in accounts people interactions; do "$BIN" --db "$DB" import "$k" "$T/$k.csv" 2>/dev/null; done
SERVER_EXTRA="threads = 2"
write_ini
mkuser admin admin >/dev/null
TOKEN=$(mktoken admin read-write)
start_server

cat >"$T/mixed.lua" <<LUA
-- mixed: 8 of 10 requests read, 1 lists, 1 posts a batch of 20 interactions
local token = "$TOKEN"
counts = {}
local threads = {}
local n = 0
setup = function(thread)
        table.insert(threads, thread)
end
init = function(args)
        counts = { s2 = 0, s4 = 0, s5 = 0, other = 0 }
        math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
request = function()
        n = n + 1
        local h = { ["Authorization"] = "Bearer " .. token }
        local k = n % 10
        if k == 0 then
                local rows = {}
                for i = 1, 20 do
                        rows[i] = string.format('{"person_id":"P%d","ts":%d,"type":"load","channel":"app"}',
                                math.random(1, 2000), 1710000000 + math.random(0, 1e6))
                end
                h["Content-Type"] = "application/json"
                return wrk.format("POST", "/api/v1/interactions", h, "[" .. table.concat(rows, ",") .. "]")
        elseif k == 1 then
                return wrk.format("GET", "/api/v1/people?limit=50", h)
        elseif k == 2 then
                return wrk.format("GET", "/api/v1/accounts/A" .. math.random(1, 200) .. "/scores", h)
        end
        return wrk.format("GET", "/api/v1/accounts/A" .. math.random(1, 200), h)
end
response = function(status, headers, body)
        if status >= 500 then counts.s5 = counts.s5 + 1
        elseif status >= 400 then counts.s4 = counts.s4 + 1
        elseif status >= 200 and status < 300 then counts.s2 = counts.s2 + 1
        else counts.other = counts.other + 1 end
end
done = function(summary, latency, requests)
        local t = { s2 = 0, s4 = 0, s5 = 0, other = 0 }
        for _, th in ipairs(threads) do
                local c = th:get("counts")
                for k, v in pairs(c) do t[k] = t[k] + v end
        end
        io.write(string.format("RESULT 2xx=%d 4xx=%d 5xx=%d other=%d requests=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rps=%.0f err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
                t.s2, t.s4, t.s5, t.other, summary.requests, latency:percentile(50) / 1000,
                latency:percentile(99) / 1000, latency.max / 1000,
                summary.requests / (summary.duration / 1e6), summary.errors.connect,
                summary.errors.read, summary.errors.write, summary.errors.timeout,
                summary.errors.status))
end
LUA

rss() { awk '/VmRSS/ { print $2 }' "/proc/$PID/status"; }
# warm up: the snapshot and caches
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/v1/accounts/A1"
rss0=$(rss)
rows0=$(cxg_db_sql "$DB" "SELECT count(*) FROM interactions")
wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 10s -s "$T/mixed.lua" "$URL" >"$T/wrk.out" 2>&1 || true
rss1=$(rss)
res=$(grep '^RESULT' "$T/wrk.out" || true)
[ -n "$res" ] || { cat "$T/wrk.out"; fail "wrk printed no result"; }
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $res"; }
kill -0 "$PID" 2>/dev/null || fail "the server died under load"
check "5xx answers" "$(val 5xx)" 0
check "4xx answers" "$(val 4xx)" 0
check "connect errors" "$(val err_connect)" 0
check "read/write errors" "$(($(val err_read) + $(val err_write)))" 0
[ "$(val 2xx)" -gt 0 ] || fail "no request succeeded"
posts=$(( $(cxg_db_sql "$DB" "SELECT count(*) FROM interactions") - rows0 ))
[ $((posts % 20)) = 0 ] || fail "ingested $posts rows: not whole batches of 20"
# bounded memory: the server may grow by its caches, not by the number of requests
[ "$rss1" -lt $((rss0 + 512 * 1024)) ] || fail "RSS grew from $rss0 kB to $rss1 kB"
stop_server
echo "load: $CONNS connections for ${DUR}s: $(val requests) requests ($(val rps)/s), 2xx $(val 2xx)," \
        "5xx $(val 5xx), p50 $(val p50_ms) ms, p99 $(val p99_ms) ms, max $(val max_ms) ms," \
        "timeouts $(val err_timeout), $((posts / 20)) batches ingested ($posts rows), RSS $rss0 kB -> $rss1 kB"
finish
