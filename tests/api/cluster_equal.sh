#!/usr/bin/env bash
# cluster_equal.sh BINARY: three engine nodes over one PostgreSQL database answer what one
# server over an SQLite file answers (issue 16): the same generated company (same seed) in
# both; the single node's answers first, then the cluster's (`serve --shards 64`, nodes n1-n3)
# once converged (tests/api/lib/cluster.bash: every shard leased once to a live node, rows
# split without overlap, the same change-log and published seqs everywhere, nothing pending),
# asked of EACH node: every account's scores (health, robustness and engagement within 1e-6;
# the API prints two decimals, so the printed values are equal), the accounts table, segments,
# cohorts, the overview, NPS, fit, the sweet spot, a sample of people's engagement, the
# detectors' alerts (a dry run), a garden's impact and timelines (the owner's, through any node).
# CXG_CLUSTER_ROWS sets the interactions (250000; a few million by hand). PostgreSQL only:
# skips visibly on SQLite and without the cluster fixture (fails under CI=true).
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/lib/nodes.bash"
. "$(dirname "$0")/lib/cluster.bash"

cluster_pg_only
need_tool sqlite3
LITE=$T/lite.db
cluster_generate "$LITE"
cluster_generate "$DB"
write_ini
mkuser admin admin >/dev/null
ADMIN=$(mktoken admin read-write)

# ---- the single node over SQLite: the reference ----
NODE_DB[0]=$LITE
plain_ini 0
"$BIN" --db "$LITE" --config "${NODE_INI[0]}" user add admin --role admin >/dev/null 2>&1
LADMIN=$("$BIN" --db "$LITE" --config "${NODE_INI[0]}" token create --user admin --scope read-write 2>/dev/null)
declare -a TOK=("$LADMIN")

q_lite() { sqlite3 "$LITE" "$1"; }
q_lite "SELECT ext_id FROM accounts ORDER BY ext_id" >"$T/accounts"
# every 20th person, and accounts spread over the id space for the timelines
q_lite "SELECT ext_id FROM people ORDER BY ext_id" | awk 'NR % 20 == 1' >"$T/people"
awk 'NR % 97 == 1' "$T/accounts" >"$T/timelines"
check "the database of the cluster holds the same accounts" \
        "$(cxg_db_sql "$DB" "SELECT ext_id FROM accounts ORDER BY ext_id" | md5sum)" "$(md5sum <"$T/accounts")"
check "and the same interactions" "$(cxg_db_sql "$DB" "SELECT count(*) FROM interactions")" \
        "$(q_lite "SELECT count(*) FROM interactions")"

# get I TAG METHOD PATH JQ: node I's answer to PATH (200 expected), normalised by JQ, into
# $T/TAG.I.json
get() {
        local i=$1 tag=$2 m=$3 p=$4 f=$5
        on_as "$i" "${TOK[$i]}" "$m" "$p"
        check "node $i: $m $p: status (${BODY:0:200})" "$STATUS" 200
        printf '%s' "$BODY" | jq -S "$f" >"$T/$tag.$i.json" 2>/dev/null || echo '"<not json>"' >"$T/$tag.$i.json"
}

# answers I: everything compared, from node I
answers() {
        local i=$1
        get "$i" scores GET /api/v1/scores '{at, months, items: (.items | map({key: .id, value: .}) | from_entries)}'
        jq -S '.items | map_values({health, robustness, engagement})' "$T/scores.$i.json" >"$T/scoremap.$i.json" 2>/dev/null ||
                echo '{}' >"$T/scoremap.$i.json"
        many "$i" accounts "/api/v1/accounts/%s/scores" "$T/accounts"
        many "$i" people "/api/v1/people/%s/engagement" "$T/people"
        many "$i" timelines "/api/v1/accounts/%s/timeline?limit=30" "$T/timelines"
        get "$i" seg_plan GET "/api/v1/segments?by=plan" .
        get "$i" seg_region GET "/api/v1/segments?by=region" .
        get "$i" seg_owner GET "/api/v1/segments?by=owner" .
        get "$i" seg_people GET "/api/v1/segments?by=plan&entity=people" .
        get "$i" cohorts GET /api/v1/cohorts .
        get "$i" cohorts_people GET "/api/v1/cohorts?by=people" .
        get "$i" cohorts_revenue GET "/api/v1/cohorts?by=revenue" .
        get "$i" overview GET /api/v1/overview .
        get "$i" nps GET "/api/v1/voc/nps?by=plan" .
        get "$i" fit GET /api/v1/fit/summary .
        get "$i" sweetspot GET /api/v1/sweetspot .
        get "$i" impact GET "/api/v1/gardens/all/impact?bands=2" .
        get "$i" detect POST "/api/v1/detect?dry_run=true" \
                '{at, found, alerts: (.alerts | map(del(.id)) | sort_by(.kind, .subject, .summary))}'
}

NODE_START_S=$CONVERGE_S node_start 0
answers 0
node_kill 0
n_acc=$(wc -l <"$T/accounts")
check "the reference scores every account" "$(jq 'length' "$T/scoremap.0.json")" "$n_acc"
check "the reference's per-account answers" "$(jq '[.[] | select(.health != null or .id != null)] | length' "$T/accounts.0.json")" "$n_acc"
echo "reference: $n_acc accounts, $(jq .found "$T/detect.0.json") alerts, $(cxg_db_sql "$DB" "SELECT count(*) FROM interactions") interactions"
[ "$(jq .found "$T/detect.0.json")" -gt 0 ] 2>/dev/null || fail "the reference's detectors found nothing: the comparison of alerts would prove nothing"

# ---- three nodes over PostgreSQL ----
TOK[1]=$ADMIN
TOK[2]=$ADMIN
TOK[3]=$ADMIN
for i in 1 2 3; do cluster_start "$i"; done
CHECKS=$((CHECKS + 1))
cluster_wait 1 2 3 || { fail "the cluster did not converge"; cluster_finish 1 2 3; }

for i in 1 2 3; do
        answers "$i"
        CHECKS=$((CHECKS + 1))
        worst=$(worst_score "$T/scoremap.0.json" "$T/scoremap.$i.json")
        awk -v d="${worst%% *}" 'BEGIN { exit !(d + 0 <= 1e-6) }' ||
                fail "node $i: scores differ from the single node's by up to $worst"
        check "node $i: the as-of time (latest data) of the detectors" "$(jq -r .at "$T/detect.$i.json")" "$(jq -r .at "$T/detect.0.json")"
        jq -r '.alerts[] | "\(.kind) \(.subject)"' "$T/detect.0.json" 2>/dev/null | sort >"$T/alerts.0"
        jq -r '.alerts[] | "\(.kind) \(.subject)"' "$T/detect.$i.json" 2>/dev/null | sort >"$T/alerts.$i"
        check "node $i: alerts only the single node finds: $(comm -23 "$T/alerts.0" "$T/alerts.$i" | sed -n 1,5p | tr '\n' ';')" \
                "$(comm -23 "$T/alerts.0" "$T/alerts.$i" | wc -l)" 0
        check "node $i: alerts only the cluster finds: $(comm -13 "$T/alerts.0" "$T/alerts.$i" | sed -n 1,5p | tr '\n' ';')" \
                "$(comm -13 "$T/alerts.0" "$T/alerts.$i" | wc -l)" 0
        for tag in scores accounts people timelines seg_plan seg_region seg_owner seg_people cohorts \
                cohorts_people cohorts_revenue overview nps fit sweetspot impact detect; do
                same "node $i: $tag" "$T/$tag.0.json" "$T/$tag.$i.json"
        done
done
cluster_finish 1 2 3
