# cluster.bash: engine nodes of one cluster (issue 16, docs/api.md "Scale-out"), sourced after
# common.bash and nodes.bash by tests/api/cluster_*.sh. The cluster's database is common.bash's
# DB (PostgreSQL); each node has its own config ($T/node.I.ini: [cluster] node = nI) and its
# own data_dir holding a copy of the shared key file (tokens made by the CLI work on every
# node). GET /api/v1/cluster is the only view of the protocol the tests use:
#   {node, shards, nodes: [{name, url, alive, shards: "0-21,40", rows, seq, lag, pub_seq}],
#    leases: [{shard, holder, expires_at}]}

CLUSTER_SHARDS=64
LEASE_S=${CXG_CLUSTER_LEASE_S:-10}
TICK_S=${CXG_CLUSTER_TICK_S:-2}
# how long a start may take to converge (load, two-phase compute, published state read by
# every node): a generous bound for ASan on a busy shared machine, not a performance target
CONVERGE_S=${CXG_CLUSTER_CONVERGE_S:-600}
# slack over the protocol's bound (lease + 2 ticks) for a busy machine
SLACK_S=${CXG_CLUSTER_SLACK_S:-10}

# cluster_pg_only: the cluster's shared state lives in PostgreSQL (the real target); on
# SQLite the test says so and skips
cluster_pg_only() {
        if [ "$(cxg_backend)" != pg ]; then
                echo "SKIP: PostgreSQL only: runs as pg_api_$(basename "$0" .sh) on the cluster fixture (CXG_TEST_BACKEND=pg)"
                exit 77
        fi
        need_tool psql jq curl
}

# cluster_generate DB: the generated company (same seed on every backend): CXG_CLUSTER_ROWS
# interactions (about; 250000 by default, a few million for a manual run or `make bench`)
# over 1000 accounts (scale 0.5), so that each of the 64 shards holds some accounts
cluster_generate() {
        local rows=${CXG_CLUSTER_ROWS:-250000} act
        # scale 0.5 at activity 1 is about 2.5 million interactions (docs/generator.md)
        act=$(awk -v r="$rows" 'BEGIN { a = r / 2500000; if (a > 100) a = 100; printf "%.4f", a }')
        "$BIN" --db "$1" generate --seed 16 --scale 0.5 --activity "$act" >/dev/null 2>"$T/gen.err" ||
                { cat "$T/gen.err"; echo "FAIL: generate into ${1%%\?*}"; exit 1; }
}

# plain_ini I [DATA_DIR]: node I's config without [cluster] (one plain server); with DATA_DIR
# (a PostgreSQL database), that data_dir holding a copy of the key file (made in $T/data)
plain_ini() {
        local i=$1 dir=${2:-} dd=""
        if [ -n "$dir" ]; then
                mkdir -p "$dir"
                [ -f "$T/data/cxgarden.key" ] && cp -p "$T/data/cxgarden.key" "$dir/"
                dd="data_dir = $dir"
        fi
        NODE_INI[$i]=$T/node.$i.ini
        printf '[server]\nport = 0\nthreads = 2\n%s\n%s\n[auth]\npwhash = fast-insecure-for-tests\n\n[alerts]\ndetect_interval = 0\ndetect_debounce = 86400\n' \
                "$dd" "${SERVER_EXTRA:-}" >"${NODE_INI[$i]}"
}

# cluster_ini I: node I's config (a plain one with [cluster] node = nI), its own data_dir
cluster_ini() {
        plain_ini "$1" "$T/data.$1"
        printf '\n[cluster]\nshards = %s\nnode = n%s\nlease_seconds = %s\ntick_seconds = %s\n' \
                "$CLUSTER_SHARDS" "$1" "$LEASE_S" "$TICK_S" >>"${NODE_INI[$1]}"
}

# cluster_start I: node I of the cluster (`serve --shards 64`)
cluster_start() {
        cluster_ini "$1"
        NODE_START_S=${CONVERGE_S} node_start "$1" --shards "$CLUSTER_SHARDS"
}

# cluster_doc I: node I's /api/v1/cluster into $T/cluster.I.json (STATUS set)
cluster_doc() {
        on_as "$1" "$ADMIN" GET /api/v1/cluster
        printf '%s' "$BODY" >"$T/cluster.$1.json"
}

# the jq definitions the checks below share: expand("0-2,5") = [0,1,2,5]
CLUSTER_JQ='
def expand: if . == null or . == "" then [] else split(",") | map(split("-") | map(tonumber)
        | if length == 2 then [range(.[0]; .[1] + 1)] else . end) | add // [] end;
def live: [.nodes[] | select(.alive)];
'

# cluster_converged DOC NAMES ROWS: 0 when DOC (a /api/v1/cluster document) shows a converged
# cluster whose live nodes are exactly NAMES (a JSON array of names): every shard leased once,
# to a live node, as that node's shard list says; each live node holds its fair share
# (64 / live, +1 for some); the live nodes' shards cover 0..63 without overlap; their rows add
# up to ROWS (the interactions in the database); every live node has applied the same
# change-log seq and published state seq with nothing pending (lag 0)
cluster_converged() {
        jq -e --argjson names "$2" --argjson rows "$3" --argjson n "$CLUSTER_SHARDS" "$CLUSTER_JQ"'
                live as $live | ($live | length) as $k
                | .shards == $n
                and ($live | map(.name) | sort) == ($names | sort)
                and (.leases | length) == $n
                and ([.leases[].shard] | sort) == [range(0; $n)]
                and all(.leases[]; .holder as $h | any($names[]; . == $h))
                and ([$live[] | .shards | expand] | add | sort) == [range(0; $n)]
                and all(.leases[]; . as $l | any($live[]; .name == $l.holder
                        and (.shards | expand | any(. == $l.shard))))
                and all($live[]; (.shards | expand | length) as $c
                        | $c >= ($n / $k | floor) and $c <= ($n / $k | ceil))
                and ([$live[].rows] | add) == $rows
                and all($live[]; .lag == 0)
                and ([$live[].seq] | unique | length) == 1
                and ([$live[].pub_seq] | unique | length) == 1' "$1" >/dev/null 2>&1
}

# cluster_wait NODES... : poll every node in NODES (indexes) until each one's /api/v1/cluster
# shows the same converged cluster of exactly those nodes (cluster_converged), they agree on
# the lease map, and it stays so, with the same shards, rows and seqs, for 2 ticks and a second
# (a node reports its state with its heartbeat, once a tick: an owner still computing after a
# change shows in its next one); at most BOUND seconds (CONVERGE_S unless WAIT_S is set).
# 0 when it did, else 1 after printing the last documents
cluster_wait() {
        local bound=${WAIT_S:-$CONVERGE_S} names rows i ok t0=$SECONDS sig seen="" since=0
        names=$(printf 'n%s\n' "$@" | jq -Rsc 'split("\n") | map(select(length > 0))')
        while [ $((SECONDS - t0)) -le "$bound" ]; do
                rows=$(cxg_db_sql "$DB" "SELECT count(*) FROM interactions")
                ok=1
                for i in "$@"; do
                        cluster_doc "$i"
                        if [ "$STATUS" != 200 ] || ! cluster_converged "$T/cluster.$i.json" "$names" "$rows"; then
                                ok=0
                                break
                        fi
                        jq -c '[.leases[] | [.shard, .holder]] | sort' "$T/cluster.$i.json" >"$T/map.$i"
                        cmp -s "$T/map.$i" "$T/map.$1" || { ok=0; break; }
                done
                sig=
                [ "$ok" = 1 ] && sig=$(jq -c '[.nodes[] | select(.alive) | [.name, .shards, .rows, .seq, .pub_seq]]' "$T/cluster.$1.json")
                if [ -z "$sig" ] || [ "$sig" != "$seen" ]; then
                        seen=$sig
                        since=$SECONDS
                elif [ $((SECONDS - since)) -gt $((2 * TICK_S)) ]; then
                        echo "converged: nodes $* in $((SECONDS - t0)) s ($rows interactions)"
                        return 0
                fi
                sleep 0.5
        done
        echo "not converged within $bound s: nodes $* (expected $names, $rows interactions); last documents:"
        for i in "$@"; do
                echo "-- node $i:"
                jq -c "$CLUSTER_JQ"'{node, shards, nodes: [.nodes[] | {name, alive, shards, n: (.shards | expand | length), rows, seq, lag, pub_seq}], leases: (.leases | length)}' \
                        "$T/cluster.$i.json" 2>/dev/null || head -c 600 "$T/cluster.$i.json"
        done
        return 1
}

# cluster_finish NODES...: stop the nodes, their logs into $T/log (the tail of each is shown
# on failure), and common.bash's finish
cluster_finish() {
        local i
        for i in "$@"; do node_kill "$i"; done
        : >"$T/log"
        if [ "$FAILS" -gt 0 ]; then
                for i in "$@"; do
                        [ -f "$T/log.$i" ] || continue
                        echo "---- node $i log (errors, tail)"
                        grep -v ' info request ' "$T/log.$i" | tail -8
                done
        fi
        finish
}

# holders DOC: "shard holder" lines, sorted as join(1) wants them
holders() {
        jq -r '.leases[] | "\(.shard) \(.holder)"' "$1" | LC_ALL=C sort -k1,1
}

# many I TAG PATH_TEMPLATE FILE: GET the path for each id in FILE (%s in the template) from
# node I over one connection, with TOK[I] (else ADMIN); the answers as one array, in the
# order of FILE, into $T/TAG.I.json
many() {
        local i=$1 tag=$2 tpl=$3 id
        while read -r id; do
                printf 'url = "%s'"$tpl"'"\n' "${NURL[$i]}" "$id"
        done <"$4" >"$T/urls"
        curl -s -H "Authorization: Bearer ${TOK[$i]:-$ADMIN}" -w '\n' -K "$T/urls" | jq -s -S . >"$T/$tag.$i.json" ||
                echo '"<not json>"' >"$T/$tag.$i.json"
}

# ---- comparing documents ----

# the numeric comparison: every leaf of two documents, numbers within TOL (times the larger
# magnitude when it is over 1), everything else equal; prints one line per difference
CMP_JQ='
def abs: if . < 0 then -. else . end;
def leaves: [paths(scalars)] + [paths(. == [] or . == {})];
. as [$a, $b]
| ([$a | leaves[]] + [$b | leaves[]] | unique)[] as $p
| (try ($a | getpath($p)) catch "<absent>") as $x
| (try ($b | getpath($p)) catch "<absent>") as $y
| if ($x | type) == "number" and ($y | type) == "number" then
        select(($x - $y | abs) > $tol * ([1, ($x | abs), ($y | abs)] | max))
  else select($x != $y) end
| "\($p | map(tostring) | join(".")): reference \($x | tojson), node \($y | tojson)"
'

# same NAME REF GOT [TOL]: the documents REF (single node) and GOT (a cluster node) agree
# within TOL (1e-6); the first differences are printed
same() {
        local d
        CHECKS=$((CHECKS + 1))
        # equal text is equal (the leaf by leaf comparison is slow on large documents)
        jq -cS . "$2" >"$T/same.a" 2>/dev/null && jq -cS . "$3" >"$T/same.b" 2>/dev/null &&
                cmp -s "$T/same.a" "$T/same.b" && return 0
        d=$(jq -rs --argjson tol "${4:-1e-6}" "$CMP_JQ" "$2" "$3" 2>&1) ||
                { fail "$1: cannot compare ($d)"; return; }
        if [ -n "$d" ]; then
                fail "$1: $(printf '%s\n' "$d" | wc -l) differences from the single-node answer:"
                printf '%s\n' "$d" | sed -n '1,10s/^/    /p'
        fi
}

# worst_score REF GOT: the account whose health, robustness or engagement differs most
# between two {id: {health, robustness, engagement}} maps, and by how much
worst_score() {
        jq -rs 'def abs: if . < 0 then -. else . end;
                .[0] as $a | .[1] as $b
                | [$a | keys[] as $k | ["health", "robustness", "engagement"][] as $f
                   | {k: $k, f: $f, x: $a[$k][$f], y: ($b[$k] // {})[$f]}
                   | .d = (if (.x | type) == "number" and (.y | type) == "number"
                           then (.x - .y | abs) elif .x == .y then 0 else infinite end)]
                | max_by(.d) | "\(.d) (account \(.k), \(.f): reference \(.x), node \(.y))"' "$1" "$2" 2>/dev/null ||
                echo "inf (no scores to compare)"
}
