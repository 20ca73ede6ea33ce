#!/usr/bin/env bash
# The ingest path (issue 14, docs/api.md "Writes"): a write is answered once it is committed,
# not after scoring; ?wait=scores answers after the engine applied it (202 when it could not
# within the bound); concurrent writers share group transactions and every row lands; the same
# id sent twice is stored once; backpressure (429 when the engine lags past [engine] max_lag,
# 503 when the commit queue is full) with Retry-After, nothing acknowledged lost; durability
# settings. Ordering is asserted through a stalled applier ([engine] test_applier_delay_ms = -1,
# test-only) and /metrics counters, never through timing.
. "$(dirname "$0")/lib/common.bash"

printf 'id,name\nA1,Acme\nA2,Bolt\n' >"$T/accounts.csv"
printf 'id,account_id\nP1,A1\nP2,A2\n' >"$T/people.csv"
"$BIN" --db "$DB" import accounts "$T/accounts.csv" 2>/dev/null
"$BIN" --db "$DB" import people "$T/people.csv" 2>/dev/null
write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
J=(-H 'Content-Type: application/json')

metric() { as "$A" GET /metrics; printf '%s\n' "$BODY" | grep -v '^#' | grep -F "$1 " | head -1 | awk '{print $2}'; }
rows() { cxg_db_sql "$DB" "SELECT count(*) FROM interactions WHERE ext_id $1"; }
# event ID PERSON TS: one interaction as JSON
event() { printf '{"id":"%s","person_id":"%s","ts":"%s","channel":"web","type":"login"}' "$1" "$2" "$3"; }

# ---- (a) answered before scoring, and (f) backpressure: the applier is stalled
SERVER_EXTRA=$'wait_scores_timeout_ms = 200\n[engine]\ntest_applier_delay_ms = -1\nmax_lag = 4'
start_server
check "applies before any write" "$(metric cxgarden_engine_applies_total)" 0
as "$A" GET /api/v1/people/P1/engagement
expect "P1 before" 200 .last_interaction null
as "$A" POST /api/v1/interactions "${J[@]}" -d "$(event s1 P1 2024-03-01T10:00:00Z)"
expect "write with a stalled applier is acknowledged" 200 .accepted 1 .scored null
check "the acknowledged row is committed" "$(rows "= 's1'")" 1
# the reply came although nothing was scored: the engine has not applied anything
check "applies after the write" "$(metric cxgarden_engine_applies_total)" 0
[ "$(metric cxgarden_changelog_lag)" -ge 1 ] || fail "no lag after a write with a stalled applier"
awk -v f="$(metric cxgarden_freshness_seconds)" 'BEGIN { exit !(f > 0) }' || fail "freshness is not > 0 while a write is unapplied"
as "$A" GET /api/v1/people/P1/engagement
expect "P1 not yet scored" 200 .last_interaction null
# ?wait=scores cannot be satisfied: 202, committed but not yet scored
as "$A" POST "/api/v1/interactions?wait=scores" "${J[@]}" -d "$(event s2 P1 2024-03-02T10:00:00Z)"
expect "wait=scores with a stalled applier" 202 .accepted 1 .scored false
check "the 202 row is committed" "$(rows "= 's2'")" 1
as "$A" POST "/api/v1/interactions?wait=soon" "${J[@]}" -d "$(event s3 P1 2024-03-02T10:00:00Z)"
expect "unknown wait" 400 .error.field wait
# backpressure: max_lag = 4 unapplied changes (or writes); later ones get 429 with Retry-After
ok=0 n429=0
for i in $(seq 3 8); do
        as "$A" POST /api/v1/interactions "${J[@]}" -d "$(event "s$((i + 1))" P1 2024-03-03T10:00:00Z)"
        case $STATUS in
        200) ok=$((ok + 1)); echo "s$((i + 1))" >>"$T/acked"
             [ "$n429" -eq 0 ] || fail "a write accepted after a 429 while the applier is stalled" ;;
        429) n429=$((n429 + 1))
             [ -n "$(header Retry-After)" ] || fail "429 without Retry-After"
             check "429 row not written" "$(rows "= 's$((i + 1))'")" 0 ;;
        *) fail "backpressure: status $STATUS: $BODY" ;;
        esac
done
[ "$ok" -ge 1 ] && [ "$ok" -le 3 ] || fail "writes accepted before the lag bound: $ok (expected 1 to 3)"
check "writes refused past the lag bound" "$n429" $((6 - ok))
check "429s in metrics" "$(metric 'cxgarden_write_rejections_total{status="429"}')" "$n429"
while read -r id; do check "acknowledged $id kept" "$(rows "= '$id'")" 1; done <"$T/acked"
stop_server

# the acknowledged rows are there after a restart, and scored at load
SERVER_EXTRA=
start_server
as "$A" GET /api/v1/people/P1/engagement
expect "P1 scored after a restart" 200 .last_interaction 2024-03-03T10:00:00Z
stop_server

# ---- 503 when the commit queue is full (one request at a time, the committer lingers)
SERVER_EXTRA=$'threads = 8\ncommit_queue = 1\ncommit_linger_us = 500000'
start_server
for i in $(seq 1 6); do
        curl -s -o /dev/null -D "$T/q$i.h" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $A" \
                "${J[@]}" -d "$(event "q$i" P2 2024-03-04T10:00:00Z)" "$URL/api/v1/interactions" >"$T/q$i.st" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
n503=0 nok=0
for i in $(seq 1 6); do
        st=$(cat "$T/q$i.st")
        case $st in
        200) nok=$((nok + 1)); check "acknowledged q$i kept" "$(rows "= 'q$i'")" 1 ;;
        503) n503=$((n503 + 1))
             grep -qi '^Retry-After: ' "$T/q$i.h" || fail "503 without Retry-After"
             check "503 row q$i not written" "$(rows "= 'q$i'")" 0 ;;
        *) fail "queue full: status $st" ;;
        esac
done
[ "$nok" -ge 1 ] || fail "no write got through the one-slot queue"
[ "$n503" -ge 1 ] || fail "no 503 with a full commit queue ($nok of 6 accepted)"
check "503s in metrics" "$(metric 'cxgarden_write_rejections_total{status="503"}')" "$n503"
stop_server

# ---- (b) ?wait=scores with a slow applier, (c) group commit, (e) idempotency
SERVER_EXTRA=$'threads = 8\ncommit_linger_us = 20000\n[engine]\ntest_applier_delay_ms = 300'
start_server
as "$A" POST "/api/v1/interactions?wait=scores" "${J[@]}" -d "$(event w1 P2 2024-04-01T10:00:00Z)"
expect "wait=scores" 200 .accepted 1 .scored true
as "$A" GET /api/v1/people/P2/engagement
expect "P2 scored in the next reply" 200 .last_interaction 2024-04-01T10:00:00Z
as "$A" GET /api/v1/accounts/A2/scores
expect "A2 stakeholder scored" 200 '.stakeholders[0].id' P2

req0=$(metric cxgarden_commit_requests_total)
com0=$(metric cxgarden_commits_total)
writer() {
        local w=$1 i
        for i in $(seq 1 10); do
                curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $A" "${J[@]}" \
                        -d "$(event "c$w-$i" P1 2024-04-02T10:00:00Z)" "$URL/api/v1/interactions" >>"$T/c.st"
        done
}
for w in $(seq 1 8); do writer "$w" & done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
check "concurrent writes answered 200" "$(grep -c '^200$' "$T/c.st")" 80
check "concurrent rows stored" "$(rows "LIKE 'c%'")" 80
req=$(($(metric cxgarden_commit_requests_total) - req0))
com=$(($(metric cxgarden_commits_total) - com0))
check "requests through the committer" "$req" 80
[ "$com" -lt "$req" ] || fail "group commit: $com transactions for $req requests"
[ "$(metric cxgarden_commit_group_max)" -gt 1 ] || fail "no group held more than one request"

# the same id twice: stored once, both acknowledged; also twice at once (one group)
for k in 1 2; do
        as "$A" POST /api/v1/interactions "${J[@]}" -d "$(event dup1 P1 2024-04-03T10:00:00Z)"
        check "repeat $k acknowledged" "$STATUS" 200
done
check "repeated id stored once" "$(rows "= 'dup1'")" 1
for k in 1 2 3; do
        curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $A" "${J[@]}" \
                -d "$(event dup2 P1 2024-04-03T11:00:00Z)" "$URL/api/v1/interactions" >>"$T/d.st" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
check "concurrent repeats acknowledged" "$(grep -c '^200$' "$T/d.st")" 3
check "concurrent repeats stored once" "$(rows "= 'dup2'")" 1
# an entity write still reads its own write (the applier catches up before the reply)
as "$A" POST /api/v1/accounts "${J[@]}" -d '{"id":"A9","plan":"Pro"}'; check "account" "$STATUS" 201
as "$A" GET /api/v1/accounts/A9/scores; expect "new account scored at once" 200 .id A9
check "nothing refused" "$(metric 'cxgarden_write_rejections_total{status="429"}')" 0
stop_server

# ---- durability settings
SERVER_EXTRA=$'[store]\ndurability = full'
start_server
as "$A" POST /api/v1/interactions "${J[@]}" -d "$(event f1 P1 2024-04-04T10:00:00Z)"
expect "durability=full write" 200 .accepted 1
stop_server
SERVER_EXTRA=$'[store]\ndurability = sometimes'
write_ini
rc=0
"$BIN" --db "$DB" --config "$INI" serve 2>"$T/bad.log" || rc=$?
check "bad durability refused" "$rc" 1
grep -q 'durability' "$T/bad.log" || fail "the error does not name durability: $(cat "$T/bad.log")"
finish
