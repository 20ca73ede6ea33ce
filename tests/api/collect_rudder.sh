#!/usr/bin/env bash
# Segment collection with the real @rudderstack/rudder-sdk-node client (npm), which posts to
# /v1/batch with the write key as the Basic user name too: 100 people in 5 accounts, 2,000
# track calls (gzip off: cxgarden takes uncompressed bodies only, docs/collect.md); every
# callback succeeds and the rows are in the store.
. "$(dirname "$0")/lib/common.bash"
need_tool node
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$SRC/node_modules/@rudderstack/rudder-sdk-node" ] ||
        skip_missing "@rudderstack/rudder-sdk-node is not installed (npm install in $SRC)"
write_ini
mkuser admin admin >/dev/null
K=$(mktoken admin ingest)
start_server
q() { cxg_db_sql "$DB" "$1"; }
out=$(node "$SRC/tests/api/collect/rudder_client.mjs" "$URL" "$K" 100 2000)
check "every callback succeeded ($out)" "$(jq -r '"\(.ok) \(.failed)"' <<<"$out")" "2200 0"
check "people" "$(q "SELECT count(*) FROM people WHERE ext_id LIKE 'r%'")" 100
check "accounts" "$(q "SELECT count(*) FROM accounts WHERE ext_id LIKE 'r-acc%'")" 5
check "title -> seniority (director = 3)" "$(q "SELECT DISTINCT seniority FROM people")" 3
check "interactions" "$(q "SELECT count(*) FROM interactions")" 2000
check "interactions on their people's accounts" "$(q "SELECT count(*) FROM interactions i JOIN people p ON p.id = i.person_id WHERE p.account_id = i.account_id")" 2000
check "no rejects" "$(q "SELECT count(*) FROM ingest_rejects")" 0
finish
