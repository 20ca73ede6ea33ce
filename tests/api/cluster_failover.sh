#!/usr/bin/env bash
# cluster_failover.sh BINARY: engine nodes losing and gaining members (issue 16, docs/api.md
# "Scale-out"). Three nodes (n1-n3, `serve --shards 64`) converge; n1 is SIGKILLed while a
# client writes through the survivors: within lease_seconds + 2 x tick_seconds (+ slack for a
# busy machine) every shard is leased to a survivor, then the survivors converge. Every
# acknowledged write is in the database and in the scores' inputs: each survivor's monthly
# interaction count grew by what was stored, the written people's last interaction is the
# written one, and the survivors answer every account's scores and the written people as one
# plain server over the database then does. n1 comes back, then n4 joins: the shards
# rebalance (22/21/21, then 16 each), only the shards the new node takes change holder, and
# every node answers as before. PostgreSQL only: skips visibly on SQLite and without the
# cluster fixture (fails under CI=true).
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/lib/nodes.bash"
. "$(dirname "$0")/lib/cluster.bash"

cluster_pg_only
CXG_CLUSTER_ROWS=${CXG_CLUSTER_ROWS:-50000}
cluster_generate "$DB"
write_ini
mkuser admin admin >/dev/null
ADMIN=$(mktoken admin read-write)
q() { cxg_db_sql "$DB" "$1"; }
ACCOUNTS=$(q "SELECT ext_id FROM accounts ORDER BY ext_id")
N_ACC=$(printf '%s\n' "$ACCOUNTS" | wc -l)
q "SELECT ext_id FROM people ORDER BY ext_id" >"$T/people"
NP=$(wc -l <"$T/people")
WRITE_TS=2026-10-31T23:59:30Z # in the last month of the generated window
OCT='.months | map(select(.month | startswith("2026-10"))) | .[0].interactions'

for i in 1 2 3; do cluster_start "$i"; done
CHECKS=$((CHECKS + 1))
cluster_wait 1 2 3 || { fail "the cluster did not converge"; cluster_finish 1 2 3 4; }
on_as 2 "$ADMIN" GET /api/v1/overview
expect "overview before the failover" 200
OCT_BEFORE=$(printf '%s' "$BODY" | jq "$OCT")
[ "$OCT_BEFORE" -gt 0 ] 2>/dev/null || fail "no interactions in 2026-10 before the failover ($OCT_BEFORE)"
holders "$T/cluster.2.json" >"$T/held.0"

# client: interactions fo-N through n2 and n3 in turn, to people of every shard, until
# $T/stop exists; "id person status" lines in $T/writes
client() {
        local n=0 st p
        while [ ! -e "$T/stop" ]; do
                n=$((n + 1))
                p=$(sed -n "$((n * 7 % NP + 1))p" "$T/people")
                st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
                        -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
                        -d "{\"id\":\"fo-$n\",\"person_id\":\"$p\",\"ts\":\"$WRITE_TS\",\"channel\":\"web\",\"type\":\"login\"}" \
                        "${NURL[$((n % 2 + 2))]}/api/v1/interactions" || true)
                echo "fo-$n $p ${st:-000}" >>"$T/writes"
        done
}

# held NAMES DOC: every shard leased once, each to one of NAMES (a JSON array)
held() {
        jq -e --argjson names "$1" --argjson n "$CLUSTER_SHARDS" '
                ([.leases[].shard] | sort) == [range(0; $n)]
                and all(.leases[]; .holder as $h | any($names[]; . == $h))' "$2" >/dev/null 2>&1
}

# ---- SIGKILL n1 while writes go on through the survivors ----
: >"$T/writes"
client &
CLIENT=$!
sleep 1
node_kill 1 KILL
t_kill=$SECONDS
K0=$(wc -l <"$T/writes")
BOUND=$((LEASE_S + 2 * TICK_S + SLACK_S))
n=0
while [ $((SECONDS - t_kill)) -le "$BOUND" ]; do
        cluster_doc 2
        if [ "$STATUS" = 200 ] && held '["n2","n3"]' "$T/cluster.2.json"; then
                n=1
                break
        fi
        sleep 0.2
done
K1=$(wc -l <"$T/writes")
check "n1's shards are leased to survivors within lease_seconds + 2 ticks ($LEASE_S + 2 x $TICK_S s, + $SLACK_S s slack)" "$n" 1
echo "survivors hold every shard $((SECONDS - t_kill)) s after the SIGKILL (protocol bound $((LEASE_S + 2 * TICK_S)) s)"
[ "$n" = 1 ] || jq -c '[.leases[] | select(.holder != "n2" and .holder != "n3")]' "$T/cluster.2.json" 2>/dev/null | cut -c1-400 || true
sleep 2 # writes after the takeover, to shards that changed holder
touch "$T/stop"
wait "$CLIENT" || true
CHECKS=$((CHECKS + 1))
cluster_wait 2 3 || { fail "the survivors did not converge"; cluster_finish 1 2 3 4; }

# ---- no acknowledged write lost; all of them in the survivors' scores' inputs ----
awk '$3 ~ /^2/ { print $1 }' "$T/writes" | sort >"$T/acked"
ACKED=$(wc -l <"$T/acked")
[ "$ACKED" -gt 0 ] || fail "no write was acknowledged during the failover"
q "SELECT ext_id FROM interactions WHERE ext_id LIKE 'fo-%'" | sort >"$T/stored"
STORED=$(wc -l <"$T/stored")
check "acknowledged writes missing from the database" "$(comm -23 "$T/acked" "$T/stored" | wc -l)" 0
for i in 2 3; do
        on_as "$i" "$ADMIN" GET /api/v1/overview
        expect "n$i: overview after the failover" 200
        check "n$i: 2026-10 interactions grew by the writes stored" "$(printf '%s' "$BODY" | jq "$OCT")" $((OCT_BEFORE + STORED))
done
# the writes acknowledged while n1's shards had no live holder, to those shards
DEAD=$(awk '$2 == "n1" { printf "%s%s", s, $1; s = "," }' "$T/held.0")
GAP=$(sed -n "$((K0 + 1)),${K1}p" "$T/writes" | awk '$3 ~ /^2/ { printf "%s\x27%s\x27", s, $1; s = "," }')
n=0
[ -n "$DEAD" ] && [ -n "$GAP" ] && n=$(q "SELECT count(*) FROM interactions i JOIN accounts a ON a.id = i.account_id
        WHERE i.ext_id IN ($GAP) AND a.shard_key % $CLUSTER_SHARDS IN ($DEAD)")
CHECKS=$((CHECKS + 1))
[ "$n" -gt 0 ] || fail "no write to n1's shards was acknowledged while they had no live holder: the test proved nothing"
echo "failover: $(wc -l <"$T/writes") writes, $ACKED acknowledged ($n to n1's shards before the takeover), $STORED stored"
awk '$3 ~ /^2/ { print $2 }' "$T/writes" | sort -u >"$T/written"

printf '%s\n' "$ACCOUNTS" >"$T/accounts"
# the reference: one plain server (no [cluster]) over the same database, after the writes
plain_ini 9 "$T/data.9"
NODE_START_S=$CONVERGE_S node_start 9
many 9 accounts "/api/v1/accounts/%s/scores" "$T/accounts"
many 9 people "/api/v1/people/%s/engagement" "$T/written"
node_kill 9
for i in 2 3; do
        many "$i" accounts "/api/v1/accounts/%s/scores" "$T/accounts"
        check "n$i: every account's scores answered" "$(jq '[.[] | select(.id != null)] | length' "$T/accounts.$i.json")" "$N_ACC"
        same "n$i answers every account's scores as one server over the database does" "$T/accounts.9.json" "$T/accounts.$i.json"
        many "$i" people "/api/v1/people/%s/engagement" "$T/written"
        check "n$i: the written people's last interaction is the acknowledged write" \
                "$(jq --arg ts "$WRITE_TS" '[.[] | select(.last_interaction != $ts)] | length' "$T/people.$i.json")" 0
        same "n$i answers the written people as one server over the database does" "$T/people.9.json" "$T/people.$i.json"
done

# moved_only BEFORE AFTER JOINER: every shard that changed holder between the two maps is now
# the joiner's, and the joiner took only shards that others released
moved_only() {
        local bad
        bad=$(LC_ALL=C join "$1" "$2" | awk -v j="$3" '$2 != $3 && $3 != j')
        CHECKS=$((CHECKS + 1))
        [ -z "$bad" ] || fail "shards changed holder to a node that did not join (shard old new): $(echo $bad | cut -c1-300)"
        echo "$3 joined: $(LC_ALL=C join "$1" "$2" | awk '$2 != $3' | wc -l) shards moved to it"
}

# ---- n1 comes back, then n4 joins: each takes only released shards ----
holders "$T/cluster.2.json" >"$T/held.1"
check "after the failover the survivors hold 32 shards each" "$(awk '{print $2}' "$T/held.1" | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ')" "32 "
cluster_start 1
CHECKS=$((CHECKS + 1))
cluster_wait 1 2 3 || { fail "n1 did not rejoin"; cluster_finish 1 2 3 4; }
holders "$T/cluster.2.json" >"$T/held.2"
moved_only "$T/held.1" "$T/held.2" n1
cluster_start 4
CHECKS=$((CHECKS + 1))
cluster_wait 1 2 3 4 || { fail "n4 did not join"; cluster_finish 1 2 3 4; }
holders "$T/cluster.2.json" >"$T/held.3"
moved_only "$T/held.2" "$T/held.3" n4
check "4 nodes hold 16 shards each" "$(awk '{print $2}' "$T/held.3" | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ')" "16 "
# nothing was written since: every node answers what n2 answered before the joins
cp "$T/accounts.2.json" "$T/accounts.ref.json"
for i in 1 2 3 4; do
        many "$i" accounts "/api/v1/accounts/%s/scores" "$T/accounts"
        same "n$i answers every account's scores as before the joins" "$T/accounts.ref.json" "$T/accounts.$i.json"
done
cluster_finish 1 2 3 4
