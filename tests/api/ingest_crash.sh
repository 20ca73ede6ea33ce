#!/usr/bin/env bash
# ingest_crash.sh BINARY: the server killed with SIGKILL while clients POST single events
# (issue 14: a 2xx means committed, through the group committer). Four clients send one
# interaction per request with an id, logging each status; the server (8 threads, a group
# commit that lingers 2 ms so requests share transactions) is killed at random moments and
# restarted. Afterwards every event answered 2xx is in the database, the database passes
# integrity_check, and no request got a 5xx. KILLS: 8 (4 under the sanitizer build).
. "$(dirname "$0")/lib/common.bash"

KILLS=8 CLIENTS=4
case "${CXG_BUILD_DIR:-}" in
*build-san) KILLS=4 ;;
esac

printf 'id,name\nA1,Acme\nA2,Bolt\n' >"$T/accounts.csv"
{
        echo "id,account_id"
        for p in $(seq 1 20); do echo "P$p,A$((p % 2 + 1))"; done
} >"$T/people.csv"
"$BIN" --db "$DB" import accounts "$T/accounts.csv" 2>/dev/null
"$BIN" --db "$DB" import people "$T/people.csv" 2>/dev/null
SERVER_EXTRA=$'threads = 8\ncommit_linger_us = 2000'
write_ini
mkuser admin admin >/dev/null
TOKEN=$(mktoken admin read-write)

# client W: events "eW-N" until $T/stop exists; "id status" lines in $T/res.W
client() {
        local w=$1 n=0 st
        while [ ! -e "$T/stop" ]; do
                n=$((n + 1))
                st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
                        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
                        -d "{\"id\":\"e$w-$n\",\"person_id\":\"P$((n % 20 + 1))\",\"ts\":$((1700000000 + n)),\"channel\":\"web\",\"type\":\"t$((n % 3))\"}" \
                        "$(cat "$T/url")/api/v1/interactions" || true)
                echo "e$w-$n ${st:-000}" >>"$T/res.$w"
        done
}

start_server
echo "$URL" >"$T/url"
for w in $(seq 1 $CLIENTS); do client "$w" & done
kills=0
while [ "$kills" -lt "$KILLS" ]; do
        sleep "0.$((RANDOM % 5 + 5))"
        kill -KILL "$PID"
        wait "$PID" 2>/dev/null || true
        kills=$((kills + 1))
        PID=
        start_server
        echo "$URL" >"$T/url"
done
sleep 0.5
touch "$T/stop"
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true

cat "$T"/res.* >"$T/results"
total=$(wc -l <"$T/results")
awk '$2 ~ /^2/ { print $1 }' "$T/results" | sort >"$T/acked"
ok=$(wc -l <"$T/acked")
err5=$(awk '$2 ~ /^5/' "$T/results" | wc -l)
[ "$ok" -gt 0 ] || fail "no write was acknowledged"
# the file's integrity is SQLite's question; PostgreSQL recovers its own cluster
[ "$(cxg_backend)" = pg ] || check "integrity_check after $kills kills" "$(cxg_db_sql "$DB" 'PRAGMA integrity_check')" ok
cxg_db_sql "$DB" "SELECT ext_id FROM interactions WHERE ext_id LIKE 'e%'" | sort >"$T/stored"
missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
check "acknowledged events missing after SIGKILLs" "$missing" 0
check "5xx answers" "$err5" 0
check "every id stored once" "$(cxg_db_sql "$DB" "SELECT count(*) - count(DISTINCT ext_id) FROM interactions")" 0
stop_server
echo "ingest_crash: $kills SIGKILLs under $CLIENTS clients: $total single-event writes, $ok answered" \
        "2xx (all stored), $(($(wc -l <"$T/stored") - ok)) stored without an answer (committed just" \
        "before a kill)"
finish
