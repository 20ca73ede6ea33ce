#!/usr/bin/env bash
# bench/cluster.sh: the scale-out benchmark (issue 16), on a throwaway PostgreSQL cluster
# (scripts/pg-cluster). Not part of `make test`; never asserts a duration.
#
#   [SCALE=0.1] [SHARDS=64] [DURATION=10] [CLIENTS=6] [RECOMPUTES=8] [PRESEED=1]
#   [LEASE_SECONDS=10] bench/cluster.sh [BINARY]
#
# LEASE_SECONDS must exceed the time a node takes to load its shards (ticks wait for the
# load: docs/architecture.md, "Known limits"), or the nodes take each other's shards in turn
# and never become ready (READY_S, 600 s, then the script fails showing /api/v1/cluster).
#
# (a) Equal rows per node: `generate --seed 1 --scale SCALE` (the peer: ONE node over it) and
#     `--scale 3*SCALE` (3x the accounts, people and interactions: THREE nodes over it), each
#     moved into its own PostgreSQL database by `cxgarden migrate`. Every node runs
#     `serve --shards SHARDS`. For every node: the interactions it holds
#     (cxgarden_cluster_rows), its resident size (VmRSS; VmHWM, the peak, beside it) and the CPU
#     time (utime + stime of /proc/PID/stat) of a full two-phase recompute: RECOMPUTES (8)
#     rounds of one new interaction through the first node (its shard's partials change; with
#     [engine] full_recompute_seconds = 1 every node gathers the partials at each tick and
#     recomputes its accounts when the merge changed) and a wait until every node's
#     recompute count went up; the CPU used over the rounds, divided by their number. That
#     includes the round's other work (applying the row, publishing partials and state,
#     following the others' state, heartbeats): the single node pays the same.
#     Goal: each of the 3 nodes holds about the single node's rows at about its memory, CPU
#     time per recompute within 1.3x of the single node's.
# (b) Ingest: CLIENTS connections POST bodies of BATCH (100) interactions with fresh ids to
#     /api/v1/interactions for DURATION seconds (wrk), all to the single node, then the same
#     connections spread over the three nodes; rows/s = rows stored (counted in PostgreSQL) /
#     DURATION, and the seconds until every node has applied the last change (lag 0).
#
# Prints each figure and the ratios three-node / one-node. Fails with a clear message when the
# build has no cluster mode (`serve --shards`) or /api/v1/cluster.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/cxgarden}
SCALE=${SCALE:-0.1}
SHARDS=${SHARDS:-64}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-6}
BATCH=${BATCH:-100}
RECOMPUTES=${RECOMPUTES:-8}
PRESEED=${PRESEED:-1}
READY_S=${READY_S:-600} # longest wait for a node set to load and publish
LEASE_SECONDS=${LEASE_SECONDS:-10} # [cluster] lease_seconds: above a node's load time
[ -x "$BIN" ] || { echo "cluster.sh: build first: make build ($BIN missing)" >&2; exit 1; }
for t in jq wrk curl psql sqlite3; do
        command -v "$t" >/dev/null || { echo "cluster.sh: $t is required (scripts/bootstrap)" >&2; exit 1; }
done
if ! "$BIN" serve --help 2>&1 | grep -q -- '--shards'; then
        echo "cluster.sh: this build has no cluster mode (\`serve --shards\`, issue 16): nothing to measure" >&2
        exit 1
fi
ulimit -n 65536 2>/dev/null || ulimit -n 8192 || true
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-cluster.XXXXXX")
chmod 755 "$dir"
PIDS=()
stop_nodes() {
        local p
        for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        PIDS=()
}
cleanup() {
        stop_nodes
        "$ROOT/scripts/pg-cluster" destroy "$dir/pg" >/dev/null 2>&1 || true
        rm -rf "$dir"
}
trap cleanup EXIT
die() {
        echo "cluster.sh: $*" >&2
        for f in "$dir"/node*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
        exit 1
}
now() { date +%s.%N; }

base=$("$ROOT/scripts/pg-cluster" start "$dir/pg")
url() { echo "$base" | sed -E "s#^(postgres(ql)?://[^/?]*/)[^?]*#\1$1#"; }
psql "$base" -qAtX -c "CREATE DATABASE one" -c "CREATE DATABASE three"

# every node of a database needs the same key file (tokens): one data_dir for all
mkdir -p "$dir/data"
printf '[server]\ndata_dir = %s\n' "$dir/data" >"$dir/cli.ini"
# the two stores: SCALE for the single node, 3 x SCALE for three nodes
SCALE3=$(awk -v s="$SCALE" 'BEGIN { printf "%g", 3 * s }')
for x in "one $SCALE" "three $SCALE3"; do
        set -- $x
        "$BIN" --db "$dir/$1.db" generate --seed 1 --scale "$2" >/dev/null 2>"$dir/gen.$1.log" ||
                die "generate --scale $2 failed: $(cat "$dir/gen.$1.log")"
        "$BIN" migrate --from "$dir/$1.db" --to "$(url "$1")" >/dev/null 2>"$dir/err" || die "migrate: $(cat "$dir/err")"
        "$BIN" --db "$(url "$1")" --config "$dir/cli.ini" user add bench --role admin >/dev/null 2>"$dir/err" ||
                die "user add: $(cat "$dir/err")"
        "$BIN" --db "$(url "$1")" --config "$dir/cli.ini" token create --user bench --scope read-write \
                2>"$dir/err" >"$dir/token.$1" || die "token create: $(cat "$dir/err")"
        psql "$(url "$1")" -qAtX -c "VACUUM ANALYZE" -c "CHECKPOINT"
done
ROWS1=$(psql "$(url one)" -qAtX -c "SELECT count(*) FROM interactions")
ROWS3=$(psql "$(url three)" -qAtX -c "SELECT count(*) FROM interactions")
# the PostgreSQL side, per interaction (sizing, docs/operations.md): table (heap + TOAST) and
# its indexes, and the whole database
PGSIZE=$(psql "$(url three)" -qAtX -c "SELECT pg_table_size('interactions'), pg_indexes_size('interactions'),
        pg_database_size(current_database()), (SELECT count(*) FROM people), (SELECT count(*) FROM accounts)")

free_port() {
        local p
        for _ in $(seq 1 50); do
                p=$((20000 + RANDOM % 20000))
                (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
        done
        die "no free port"
}

# start_nodes DB N: N nodes over database DB; their ports in PORTS, pids in PIDS
PORTS=()
start_nodes() {
        local db=$1 n=$2 i p t
        PORTS=()
        # PRESEED=1: heartbeat rows for every node before any starts, so the first to join
        # counts n live nodes and takes its share only (without them the first node takes
        # every shard, loads them all and gives most back: docs/architecture.md, "Known
        # limits"); the rows expire unless the nodes renew them
        if [ "$PRESEED" = 1 ]; then
                t=$(date +%s)
                for i in $(seq 1 "$n"); do
                        psql "$(url "$db")" -qAtX -c "INSERT INTO cluster_nodes (name, started_at, seen_at, expires_at)
                                VALUES ('n$i', $t, $t, $((t + 30))) ON CONFLICT (name) DO UPDATE SET expires_at = $((t + 30))"
                done
        fi
        for i in $(seq 1 "$n"); do
                p=$(free_port)
                PORTS+=("$p")
                printf '[server]\nport = %s\nthreads = 4\naccess_log = off\nmax_connections_per_ip = 4096\ndata_dir = %s\n' \
                        "$p" "$dir/data" >"$dir/node$i.ini"
                # a node gathers the partials at every tick (a recompute is "due" after 1 s) and
                # recomputes when the merge changed: once per round below
                printf '[engine]\nfull_recompute_seconds = 1\n' >>"$dir/node$i.ini"
                printf '[cluster]\nshards = %s\nnode = n%s\nurl = http://127.0.0.1:%s\nlease_seconds = %s\n' \
                        "$SHARDS" "$i" "$p" "$LEASE_SECONDS" >>"$dir/node$i.ini"
                "$BIN" --db "$(url "$db")" --config "$dir/node$i.ini" serve --shards "$SHARDS" \
                        >"$dir/node$i.log" 2>&1 &
                PIDS+=("$!")
        done
}
TOKEN=
get() { curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1$2"; }
metric() { get "$1" /metrics | awk -v k="$2" '$1 == k { print $2 }'; }

# wait until the n nodes hold all shards between them, each sees n live nodes and has done a
# two-phase recompute, and no node's shards changed for two ticks (cxgarden_cluster_* gauges)
wait_ready() {
        local n=$1 t0 p sum ok sig last="" same=0
        t0=$(date +%s)
        get "${PORTS[0]}" /api/v1/cluster >/dev/null 2>&1 || sleep 2
        while :; do
                for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || die "a node exited while starting"; done
                sum=0 ok=1 sig=""
                for p in "${PORTS[@]}"; do
                        m=$(get "$p" /metrics 2>/dev/null) || { ok=0; break; }
                        v() { echo "$m" | awk -v k="$1" '$1 == k { print $2 }'; }
                        [ -n "$(v cxgarden_cluster_shards_owned)" ] ||
                                die "node on port $p has no cxgarden_cluster_* gauges: this build's cluster mode is incomplete"
                        sum=$((sum + $(v cxgarden_cluster_shards_owned)))
                        [ "$(v cxgarden_cluster_nodes_alive)" = "$n" ] && [ "$(v cxgarden_cluster_recomputes_total)" -ge 1 ] || ok=0
                        sig="$sig $(v cxgarden_cluster_ownership_changes_total)"
                done
                if [ "$ok" = 1 ] && [ "$sum" = "$SHARDS" ] && [ "$sig" = "$last" ]; then
                        same=$((same + 1))
                        [ "$same" -ge 4 ] && return 0
                else
                        same=0
                fi
                last=$sig
                [ $(($(date +%s) - t0)) -lt "$READY_S" ] ||
                        die "the $n nodes were not ready within $READY_S s ($(get "${PORTS[0]}" /api/v1/cluster 2>/dev/null | head -c 2000))"
                sleep 1
        done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }

# a node's count of two-phase recomputes
recomputes() {
        local m v
        m=$(get "$1" /metrics) || return 1
        v=$(echo "$m" | awk '$1 == "cxgarden_cluster_recomputes_total" { print $2 }')
        echo "${v:-0}"
}

# post_one PORT ID: one interaction with id ID through the node at PORT
post_one() {
        local code
        code=$(curl -s -o "$dir/post.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
                -H 'Content-Type: application/json' \
                -d "{\"id\":\"$2\",\"person_id\":\"$PERSON\",\"ts\":1790000000,\"channel\":\"web\",\"type\":\"bench\"}" \
                "http://127.0.0.1:$1/api/v1/interactions")
        [ "$code" = 200 ] || die "POST of one interaction answered $code: $(cat "$dir/post.out")"
}

# measure NAME: RECOMPUTES rounds of (one interaction through the first node: its shard's
# partials change, so every node recomputes its accounts against the new merge), with the
# CPU time each node used over all rounds; per node "NAME node rows rss_kib hwm_kib cpu_s_per_round"
# into $dir/a.NAME
measure() {
        local name=$1 i r t0 hz rows c0=() c1=() before=()
        hz=$(getconf CLK_TCK)
        : >"$dir/a.$name"
        for i in "${!PIDS[@]}"; do c0[$i]=$(cpu_ticks "${PIDS[$i]}"); done
        for r in $(seq 1 "$RECOMPUTES"); do
                for i in "${!PORTS[@]}"; do before[$i]=$(recomputes "${PORTS[$i]}"); done
                post_one "${PORTS[0]}" "cb-$name-$r-$$"
                t0=$(date +%s)
                for i in "${!PORTS[@]}"; do
                        while [ "$(recomputes "${PORTS[$i]}")" -le "${before[$i]}" ]; do
                                [ $(($(date +%s) - t0)) -lt 300 ] || die "node n$((i + 1)) did not recompute within 300 s of a new interaction"
                                sleep 0.1
                        done
                done
        done
        for i in "${!PIDS[@]}"; do c1[$i]=$(cpu_ticks "${PIDS[$i]}"); done
        for i in "${!PIDS[@]}"; do
                rows=$(metric "${PORTS[$i]}" cxgarden_cluster_rows)
                echo "$name n$((i + 1)) $rows $(rss_kib "${PIDS[$i]}") $(hwm_kib "${PIDS[$i]}") $(awk -v a="${c0[$i]}" -v b="${c1[$i]}" -v r="$RECOMPUTES" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz / r }')" >>"$dir/a.$name"
        done
}

# ingest NAME: CLIENTS connections for DURATION s spread over the running nodes; prints
# "rows seconds_to_lag0"
ingest() {
        local name=$1 db=$2 n=${#PORTS[@]} i c people r0 r1 t0 lag w=()
        people=$(psql "$(url "$db")" -qAtX -c "SELECT '\"' || ext_id || '\"' FROM people ORDER BY id LIMIT 1000" | paste -sd, -)
        cat >"$dir/post.lua" <<LUA
local people = {$people}
local n, counter = 0, 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args) tid = tid or 0 end
request = function()
        local rows = {}
        for k = 1, $BATCH do
                n = n + 1
                rows[k] = string.format('{"id":"b%s-%d-%d","person_id":"%s","ts":%d,"channel":"web","type":"bench"}',
                        wrk.port, tid, n, people[(n % #people) + 1], 1790000000 + n)
        end
        return wrk.format("POST", "/api/v1/interactions",
                {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"},
                "[" .. table.concat(rows, ",") .. "]")
end
LUA
        r0=$(psql "$(url "$db")" -qAtX -c "SELECT count(*) FROM interactions")
        for i in $(seq 0 $((n - 1))); do
                c=$((CLIENTS / n + (i < CLIENTS % n)))
                wrk -t1 -c"$c" -d"${DURATION}s" -s "$dir/post.lua" "http://127.0.0.1:${PORTS[$i]}/api/v1/interactions" \
                        >"$dir/wrk.$name.$i" 2>&1 &
                w+=("$!")
        done
        wait "${w[@]}" || true
        t0=$(now)
        for p in "${PORTS[@]}"; do
                while lag=$(metric "$p" cxgarden_changelog_lag); [ "${lag:-1}" != 0 ]; do sleep 0.05; done
        done
        r1=$(psql "$(url "$db")" -qAtX -c "SELECT count(*) FROM interactions")
        grep -h "Non-2xx" "$dir"/wrk."$name".* >&2 || true
        echo "$((r1 - r0)) $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
}

echo "cluster.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(ps -e --no-headers | wc -l) processes; scale $SCALE ($ROWS1 interactions) and $SCALE3 ($ROWS3)" >&2

# run NAME N: N nodes over database NAME, measured; "rows_ingested seconds_to_lag0" into
# $dir/ing.NAME
run() {
        TOKEN=$(cat "$dir/token.$1")
        PERSON=$(psql "$(url "$1")" -qAtX -c "SELECT ext_id FROM people ORDER BY id LIMIT 1")
        start_nodes "$1" "$2"
        wait_ready "$2"
        measure "$1"
        ingest "$1" "$1" >"$dir/ing.$1"
        stop_nodes
}
run one 1
run three 3
read -r ING1 LAG1 <"$dir/ing.one"
read -r ING3 LAG3 <"$dir/ing.three"

cat "$dir/a.one" "$dir/a.three" | awk -v r1="$ROWS1" -v r3="$ROWS3" -v i1="$ING1" -v i3="$ING3" \
        -v l1="$LAG1" -v l3="$LAG3" -v d="$DURATION" -v c="$CLIENTS" -v b="$BATCH" 'BEGIN {
        printf "%-6s %-4s %12s %10s %10s %16s\n", "run", "node", "interactions", "RSS MiB", "peak MiB", "CPU s/recompute"
}
{
        printf "%-6s %-4s %12d %10.1f %10.1f %16.3f\n", $1, $2, $3, $4 / 1024, $5 / 1024, $6
        if ($1 == "one") { rows1 = $3; rss1 = $4; cpu1 = $6 }
        else { n3++; rows3 += $3; if ($3 > rmax) rmax = $3; if ($4 > smax) smax = $4; if ($6 > cmax) cmax = $6; csum += $6 }
}
END {
        printf "store: one node %d interactions, three nodes %d (%.2fx)\n", r1, r3, r3 / r1
        printf "three nodes hold %d in all (%.2fx the single node), the largest %.2fx\n", rows3, rows3 / rows1, rmax / rows1
        printf "largest RSS of the three / single node: %.2fx\n", smax / rss1
        printf "CPU per recompute, three nodes / single node: largest %.2fx, mean %.2fx (goal <= 1.3x)\n", cmax / cpu1, csum / n3 / cpu1
        printf "ingest, %d connections, %d-row bodies, %d s: one node %.0f rows/s, three nodes %.0f rows/s (%.2fx)\n", c, b, d, i1 / d, i3 / d, i3 / i1
        printf "after the load, every node at lag 0 within: one node %.2f s, three nodes %.2f s\n", l1, l3
}'
echo "$PGSIZE" | awk -F'|' -v r="$ROWS3" '{
        printf "PostgreSQL, %d interactions, %d people, %d accounts: interactions table %.0f bytes/row, its indexes %.0f bytes/row, whole database %.0f bytes per interaction\n", r, $4, $5, $1 / r, $2 / r, $3 / r
}'
