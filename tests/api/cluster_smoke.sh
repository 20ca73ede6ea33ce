#!/usr/bin/env bash
# cluster_smoke.sh BINARY: the scale-out node runtime in a minute (docs/api.md, "Scale-out"):
# [cluster] and --shards errors name the file and line; two `serve --shards 64` nodes over one
# database split the 64 shards 32/32 (GET /api/v1/cluster on both, /metrics); an account's
# timeline asked of the node that does not hold its shard is answered by the holder, and by
# a 503 with Retry-After once the holder is killed, until the survivor takes its shards; a
# single server says {"mode":"single"}; a node stopped cleanly frees its shards for the
# other at once. On the backend ctest chose (the SQLite file, or PostgreSQL in the pg_
# variant; tests/lib/db.bash). The equality and failover suites are cluster_*.sh by ctest.
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

SHARDS=64
WAIT_S=30 # generous: ticks of 1 s, leases of 4 s

# serve_err NAME EXTRA_INI [ARGS]: serve must refuse to start; sets OUT to its stderr
serve_err() {
        local name=$1 extra=$2 rc=0
        shift 2
        write_ini
        printf '%s\n' "$extra" >>"$INI"
        OUT=$(timeout 20 "$BIN" --db "$DB" --config "$INI" serve "$@" 2>&1 >/dev/null) || rc=$?
        [ "$rc" -ne 0 ] || fail "$name: serve started (exit 0)"
        [ "$rc" -ne 124 ] || fail "$name: serve did not refuse to start"
}

# ---- configuration errors: clear, naming the file and line ----
serve_err "unknown key" $'[cluster]\nshards = 64\nshard_count = 3'
printf '%s' "$OUT" | grep -q "test.ini:[0-9]*: unknown key 'cluster.shard_count'" ||
        fail "unknown [cluster] key not named with file and line: $OUT"
serve_err "lease vs tick" $'[cluster]\nlease_seconds = 4\ntick_seconds = 2'
printf '%s' "$OUT" | grep -q "lease_seconds (4) must be more than twice cluster.tick_seconds (2)" ||
        fail "lease_seconds <= 2 x tick_seconds not refused clearly: $OUT"
serve_err "shards out of range" $'[cluster]\nshards = 5000'
printf '%s' "$OUT" | grep -q "test.ini:[0-9]*: cluster.shards must be a whole number from 1 to 1024" ||
        fail "[cluster] shards = 5000 not refused clearly: $OUT"
serve_err "--shards 0" "" --shards 0
printf '%s' "$OUT" | grep -q -- "--shards needs a number from 1 to 1024" ||
        fail "--shards 0 not refused clearly: $OUT"
serve_err "url not http" $'[cluster]\nurl = ftp://x'
printf '%s' "$OUT" | grep -q "cluster.url must be an http:// URL" || fail "bad url not refused: $OUT"

# ---- data: accounts on both sides of the split ----
write_ini
mkuser admin admin >/dev/null
mkuser ana analyst >/dev/null
ADMIN=$(mktoken admin read-write)
ANA=$(mktoken ana read)

# ---- a single server: {"mode":"single"}, no cluster gauges ----
start_server
as "$ANA" GET /api/v1/cluster
expect "single node" 200 .mode single
as "$ADMIN" GET /metrics
grep -q '^cxgarden_cluster_' "$T/body" && fail "single node shows cluster gauges"
for i in $(seq 1 8); do
        as "$ADMIN" POST /api/v1/accounts -H 'Content-Type: application/json' \
                -d '{"id":"A'"$i"'","plan":"Pro","mrr":10,"created_at":"2024-01-01"}'
        expect "account A$i" 201
        as "$ADMIN" POST /api/v1/people -H 'Content-Type: application/json' \
                -d '{"id":"P'"$i"'","account_id":"A'"$i"'","created_at":"2024-01-01"}'
        expect "person P$i" 201
        as "$ADMIN" POST /api/v1/interactions -H 'Content-Type: application/json' \
                -d '{"person_id":"P'"$i"'","ts":"2024-03-0'"$i"'T10:00:00Z","channel":"web","type":"login"}'
        expect "interaction of P$i" 200 .accepted 1
done
stop_server

# ---- two nodes: 32 shards each ----
printf '[cluster]\nshards = %d\nlease_seconds = 4\ntick_seconds = 1\n' "$SHARDS" >>"$INI"
node_start 1
node_start 2

# wait_split EXPECTED: until node 1's lease map gives its holders EXPECTED shards ("32 32 ",
# sorted counts), at most WAIT_S; sets split
wait_split() {
        split=
        for _ in $(seq 1 $((WAIT_S * 2))); do
                split=$(holders 1 | awk '{print $2}' | sort -n | tr '\n' ' ')
                [ "$split" = "$1" ] && return 0
                sleep 0.5
        done
}

# holders: "NAME COUNT" lines of the leases, from node I's /api/v1/cluster
holders() {
        on_as "$1" "$ANA" GET /api/v1/cluster
        printf '%s' "$BODY" | jq -r '.leases | group_by(.holder) | map("\(.[0].holder) \(length)") | .[]' 2>/dev/null
}
wait_split "32 32 "
check "leases split between two nodes" "$split" "32 32 "
for i in 1 2; do
        on_as "$i" "$ANA" GET /api/v1/cluster
        expect "cluster on node $i" 200 .mode cluster .shards "$SHARDS" '.leases | length' "$SHARDS" \
                '[.nodes[] | select(.alive)] | length' 2 '.nodes[0].url' null
        n=0
        for _ in $(seq 1 $((WAIT_S * 2))); do
                on_as "$i" "$ANA" GET /api/v1/cluster
                n=$(printf '%s' "$BODY" | jq -r '[.nodes[] | select(.alive) | .shards] | map(split(",") | map(split("-") | map(tonumber) | if length == 2 then .[1] - .[0] + 1 else 1 end) | add) | sort | map(tostring) | join(" ")')
                [ "$n" = "32 32" ] && break
                sleep 0.5
        done
        check "node $i: each node's heartbeat says 32 shards" "$n" "32 32"
        on_as "$i" "$ADMIN" GET /api/v1/cluster
        expect "node $i: urls for admins" 200 '[.nodes[] | .url | startswith("http://127.0.0.1:")] | all' true
        on_as "$i" "$ADMIN" GET /metrics
        grep -q '^cxgarden_cluster_shards_owned 32$' "$T/body" || fail "node $i: shards_owned gauge is not 32"
        grep -q '^cxgarden_cluster_nodes_alive 2$' "$T/body" || fail "node $i: nodes_alive gauge is not 2"
done

# ---- an account's timeline from the node without its shard: the holder answers ----
fnv_shard() { # fnv_shard EXT_ID: FNV-1a 32 of the bytes, mod SHARDS (model/shard.h)
        local s=$1 h=2166136261 i c
        for ((i = 0; i < ${#s}; i++)); do
                printf -v c '%d' "'${s:i:1}"
                h=$(((h ^ c) * 16777619 & 0xffffffff))
        done
        echo $((h % SHARDS))
}
on_as 1 "$ANA" GET /api/v1/cluster
me1=$(printf '%s' "$BODY" | jq -r .node)
for i in $(seq 1 8); do
        sh=$(fnv_shard "A$i")
        holder=$(printf '%s' "$BODY" | jq -r --argjson s "$sh" '.leases[] | select(.shard == $s) | .holder')
        [ "$holder" != "$me1" ] && { FAR=A$i; FARP=P$i; break; }
done
[ -n "${FAR:-}" ] || fail "no account of the 8 falls in node 2's shards"
if [ -n "${FAR:-}" ]; then
        on_as 1 "$ANA" GET "/api/v1/accounts/$FAR/timeline?limit=5"
        expect "node 1: $FAR's timeline (shard held by node 2)" 200 .id "$FAR" \
                '.interactions | length' 1 '.interactions[0].person' "$FARP"
        on_as 1 "$ADMIN" GET /metrics
        grep -q '^cxgarden_cluster_forwards_total [1-9]' "$T/body" || fail "node 1 forwarded nothing"
fi

# ---- node 2 killed: its accounts' raw views answer 503 + Retry-After until node 1 takes its
# shards (lease_seconds + tick_seconds), then node 1 answers them from its own rows ----
if [ -n "${FAR:-}" ]; then
        node_kill 2 KILL
        on_as 1 "$ANA" GET "/api/v1/accounts/$FAR/timeline?limit=5"
        if [ "$STATUS" = 503 ]; then
                check "Retry-After of a 503 for a lost owner" "$(header Retry-After)" 2
        else # node 1 took the shard over already (a slow machine): then it answers itself
                check "node 1: $FAR's timeline right after node 2 died" "$STATUS" 200
        fi
        until_status $WAIT_S 200 on_as 1 "$ANA" GET "/api/v1/accounts/$FAR/timeline?limit=5" ||
                fail "node 1 never served $FAR's timeline after node 2 died"
        expect "node 1: $FAR's timeline from its own rows" 200 '.interactions | length' 1
        node_start 2
        wait_split "32 32 "
        check "a rejoining node takes half the shards again" "$split" "32 32 "
fi

# ---- a clean stop frees node 2's shards: node 1 holds all 64 ----
node_kill 2 TERM
grep -q "cluster: node .* left" "$T/log.2" || fail "node 2 did not log leaving"
wait_split "64 "
check "node 1 holds every shard after node 2 left" "$split" "64 "
on_as 1 "$ADMIN" GET /metrics
grep -q '^cxgarden_cluster_shards_owned 64$' "$T/body" || fail "node 1: shards_owned gauge is not 64"
grep -q "cluster: node .* owns 64 shards" "$T/log.1" || fail "node 1 did not log its ownership change"
node_kill 1 TERM
cat "$T"/log.* >"$T/log"
finish
