#!/usr/bin/env bash
# cluster_watchdog.sh BINARY: a node whose applier is stuck gives its shards up (docs/api.md,
# "Scale-out": [cluster] stall_seconds). Node 1's applier never runs a round ([engine]
# test_applier_delay_ms = -1, the tests' stall); its heartbeat thread stops beating after
# stall_seconds, so its heartbeat and leases expire and node 2 takes all 64 shards. Without the
# watchdog node 1 would keep renewing: the split would stay 32/32. On the backend ctest chose.
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

WAIT_S=40 # generous: ticks of 1 s, leases of 4 s, stall after 3 s

write_ini
mkuser ana analyst >/dev/null
ANA=$(mktoken ana read)
printf '[cluster]\nshards = 64\nlease_seconds = 4\ntick_seconds = 1\nstall_seconds = 3\n' >>"$INI"
cp "$INI" "$T/stuck.ini"
printf '[engine]\ntest_applier_delay_ms = -1\n' >>"$T/stuck.ini"
NODE_INI[1]=$T/stuck.ini

node_start 1
node_start 2

# holders I: "NAME COUNT" lines of the leases, from node I's /api/v1/cluster
holders() {
        on_as "$1" "$ANA" GET /api/v1/cluster
        printf '%s' "$BODY" | jq -r '.leases | group_by(.holder) | map("\(.[0].holder) \(length)") | .[]' 2>/dev/null
}
on_as 2 "$ANA" GET /api/v1/cluster
expect "cluster on node 2" 200 .mode cluster
me2=$(printf '%s' "$BODY" | jq -r .node)
got=
for _ in $(seq 1 $((WAIT_S * 2))); do
        got=$(holders 2 | tr '\n' ' ')
        [ "$got" = "$me2 64 " ] && break
        sleep 0.5
done
check "node 2 holds every shard once node 1's applier is stuck" "$got" "$me2 64 "
grep -q "cluster: node .*: the applier has finished no round for .* no more heartbeats" "$T/log.1" ||
        fail "node 1 did not log the stall at warn"
on_as 2 "$ANA" GET /api/v1/cluster
expect "node 1 is no longer alive" 200 '[.nodes[] | select(.alive)] | length' 1
node_kill 1 KILL
node_kill 2 TERM
cat "$T"/log.* >"$T/log"
finish
