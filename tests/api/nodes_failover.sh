#!/usr/bin/env bash
# nodes_failover.sh BINARY: two `cxgarden serve` processes over one PostgreSQL database under a
# stream of single-event writes, on a private cluster this test starts itself
# (scripts/pg-cluster): node 1 is killed with SIGKILL and restarted, then PostgreSQL is
# stopped and started again. Meanwhile /healthz says "unreachable", writes answer 503,
# cached reads go on; afterwards both nodes write again without a restart and every write
# answered 2xx is stored once. Skips visibly without PostgreSQL 15; fails under CI=true.
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(cxg_backend)" != pg ]; then
        echo "SKIP: PostgreSQL only (its pg_ variant runs it; tests/api/ingest_crash.sh kills a server on SQLite)"
        exit 77
fi
need_tool psql
PGDIR=$T/pg
BASE=$("$SRC/scripts/pg-cluster" start "$PGDIR") || skip_missing "cannot start a PostgreSQL 15 cluster (scripts/pg-cluster)"
trap '"$SRC/scripts/pg-cluster" destroy "$PGDIR" >/dev/null 2>&1 || true; nodes_cleanup' EXIT
# this test's database is on its own cluster, not the fixture's (common.bash made one there)
psql "$(cxg_db_url "$DB" postgres)" -qAtX -c "DROP DATABASE IF EXISTS $(cxg_db_name "$DB")" >/dev/null 2>&1 || true
psql "$BASE" -qAtX -c "CREATE DATABASE failover" >/dev/null
DB=$(cxg_db_url "$BASE" failover)
CLIENTS=3
SERVER_EXTRA="threads = 4"
write_ini

printf 'id,name\nA1,Acme\nA2,Bolt\n' >"$T/accounts.csv"
{
        echo "id,account_id"
        for p in $(seq 1 20); do echo "P$p,A$((p % 2 + 1))"; done
} >"$T/people.csv"
"$BIN" --db "$DB" --config "$INI" import accounts "$T/accounts.csv" 2>/dev/null
"$BIN" --db "$DB" --config "$INI" import people "$T/people.csv" 2>/dev/null
mkuser admin admin >/dev/null
TOKEN=$(mktoken admin read-write)
node_start 1
node_start 2
echo "${NURL[1]}" >"$T/url.1"
echo "${NURL[2]}" >"$T/url.2"

# client W: events "eW-N" to node N % 2 + 1 until $T/stop exists; "id status" in $T/res.W
client() {
        local w=$1 n=0 st
        while [ ! -e "$T/stop" ]; do
                n=$((n + 1))
                st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
                        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
                        -d "{\"id\":\"e$w-$n\",\"person_id\":\"P$((n % 20 + 1))\",\"ts\":$((1700000000 + n)),\"channel\":\"web\",\"type\":\"t$((n % 3))\"}" \
                        "$(cat "$T/url.$((n % 2 + 1))")/api/v1/interactions" || true)
                echo "e$w-$n ${st:-000}" >>"$T/res.$w"
        done
}
for w in $(seq 1 $CLIENTS); do client "$w" & done

# ---- SIGKILL node 1 mid-ingest, restart it ----
sleep 1
node_kill 1 KILL
node_start 1
echo "${NURL[1]}" >"$T/url.1"
sleep 1

# ---- PostgreSQL goes away under load ----
on_as 2 "$TOKEN" GET /api/v1/accounts/A1/scores; expect "scores before the outage" 200
"$SRC/scripts/pg-cluster" stop "$PGDIR"
until_status 20 200 on 2 GET /healthz || fail "healthz during the outage"
n=0
for _ in $(seq 1 100); do
        on 2 GET /healthz
        [ "$(printf '%s' "$BODY" | jq -r .database)" = unreachable ] && { n=1; break; }
        sleep 0.1
done
check "healthz says the database is unreachable" "$n" 1
on_as 2 "$TOKEN" POST /api/v1/interactions -H 'Content-Type: application/json' \
        -d '{"id":"outage-1","person_id":"P1","ts":1700000000,"channel":"web","type":"x"}'
expect "a write during the outage" 503 .error.code unavailable
on_as 2 "$TOKEN" GET /api/v1/accounts/A1/scores; expect "a cached read during the outage" 200 .id A1
sleep 1

# ---- it comes back on the same port: the nodes recover by themselves ----
"$SRC/scripts/pg-cluster" start "$PGDIR" >/dev/null
for i in 1 2; do
        n=0
        for _ in $(seq 1 300); do
                on "$i" GET /healthz
                [ "$(printf '%s' "$BODY" | jq -r .database)" = ok ] && { n=1; break; }
                sleep 0.1
        done
        check "node $i: healthz says ok again" "$n" 1
        until_status 30 200 on_as "$i" "$TOKEN" POST /api/v1/interactions -H 'Content-Type: application/json' \
                -d "{\"id\":\"after-$i\",\"person_id\":\"P1\",\"ts\":1700000000,\"channel\":\"web\",\"type\":\"x\"}" ||
                fail "node $i: no write accepted after the database came back (status $STATUS)"
done
sleep 1
touch "$T/stop"
wait $(jobs -p | grep -v "^\(${NPID[1]}\|${NPID[2]}\|${RPID:-x}\)$") 2>/dev/null || true

cat "$T"/res.* >"$T/results"
awk '$2 ~ /^2/ { print $1 }' "$T/results" | sort >"$T/acked"
ok=$(wc -l <"$T/acked")
[ "$ok" -gt 0 ] || fail "no write was acknowledged"
cxg_db_sql "$DB" "SELECT ext_id FROM interactions WHERE ext_id LIKE 'e%'" | sort >"$T/stored"
check "acknowledged events missing after a SIGKILL and a database restart" "$(comm -23 "$T/acked" "$T/stored" | wc -l)" 0
check "every id stored once" "$(cxg_db_sql "$DB" "SELECT count(*) - count(DISTINCT ext_id) FROM interactions")" 0
check "the write refused during the outage is absent" "$(cxg_db_sql "$DB" "SELECT count(*) FROM interactions WHERE ext_id = 'outage-1'")" 0
other=$(awk '$2 !~ /^2/ && $2 != 503 && $2 != 000' "$T/results" | wc -l)
check "answers other than 2xx, 503 or a cut connection (the killed node)" "$other" 0
node_kill 1
node_kill 2
cat "$T"/log.* >"$T/log"
echo "nodes_failover: $(wc -l <"$T/results") single-event writes, $ok answered 2xx (all stored)"
finish
