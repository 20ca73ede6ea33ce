#!/usr/bin/env bash
# Segment collection with the real @segment/analytics-node client (npm): identify + group for
# 200 people in 20 accounts, then 3,000 track calls in batches of 500 (/v1/batch), then the
# same 3,000 again (a client retry: acknowledged, nothing stored twice), then page and screen
# calls. Checks the rows in the store and that the accounts' scores include the events.
. "$(dirname "$0")/lib/common.bash"
need_tool node
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$SRC/node_modules/@segment/analytics-node" ] ||
        skip_missing "@segment/analytics-node is not installed (npm install in $SRC)"
ACC=20 PEOPLE=200 EVENTS=3000
write_ini
mkuser admin admin >/dev/null
K=$(mktoken admin ingest)
R=$(mktoken admin read)
start_server
client() { node "$SRC/tests/api/collect/segment_client.mjs" "$URL" "$K" "$@" "$ACC" "$PEOPLE" "$EVENTS"; }
q() { cxg_db_sql "$DB" "$1"; }

out=$(client people)
check "people phase: every request answered 200" "$(jq -r '.statuses|keys|join(",")' <<<"$out")" 200
check "people phase: client errors" "$(jq -r .errors <<<"$out")" 0
check "people phase: messages sent" "$(jq -r .events <<<"$out")" $((2 * PEOPLE))
check "people stored" "$(q "SELECT count(*) FROM people")" $PEOPLE
check "accounts stored (placeholder aside)" "$(q "SELECT count(*) FROM accounts WHERE ext_id <> 'unassigned'")" $ACC
check "everyone joined their group" "$(q "SELECT count(*) FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.ext_id = 'acc' || (CAST(substr(p.ext_id, 2) AS INTEGER) % $ACC)")" $PEOPLE
check "name from firstName + lastName" "$(q "SELECT name FROM people WHERE ext_id = 'p7'")" "Person 7"
check "title -> seniority (VP = executive = 4)" "$(q "SELECT seniority FROM people WHERE ext_id = 'p0'")" 4
check "title -> seniority (Head of = director = 3)" "$(q "SELECT seniority FROM people WHERE ext_id = 'p1'")" 3
check "group traits -> plan, mrr" "$(q "SELECT plan || ' ' || CAST(round(mrr * 100) AS BIGINT) FROM accounts WHERE ext_id = 'acc4'")" "Pro 50000"
as "$R" GET /api/v1/accounts/acc3/scores
expect "scores before any event" 200 .people 10 '[.stakeholders[].activity]|add' 0

out=$(client events)
check "events phase: every request answered 200" "$(jq -r '.statuses|keys|join(",")' <<<"$out")" 200
check "events phase: batches of 500" "$(jq -r .requests <<<"$out")" $((EVENTS / 500))
check "interactions stored" "$(q "SELECT count(*) FROM interactions")" $EVENTS
check "event names became types" "$(q "SELECT count(*) FROM interaction_types WHERE name IN ('Report Viewed','Dashboard Shared','Export Created','Alert Configured')")" 4
check "server-side library -> [collect] channel default (web = 0)" "$(q "SELECT DISTINCT channel FROM interactions")" 0
check "revenue -> value" "$(q "SELECT DISTINCT CAST(round(value * 10) AS BIGINT) FROM interactions")" 10
check "properties and context kept" "$(q "SELECT json_extract(i.attributes, '\$.properties.k') || ' ' || json_extract(i.attributes, '\$.context.library.name') FROM interactions i JOIN people p ON p.id = i.person_id WHERE p.ext_id = 'p5' ORDER BY CAST(json_extract(i.attributes, '\$.properties.k') AS BIGINT) LIMIT 1")" "5 @segment/analytics-node"
check "each account got its people's events" "$(q "SELECT count(*) FROM interactions i JOIN accounts a ON a.id = i.account_id WHERE a.ext_id = 'acc3'")" $((EVENTS / ACC))
check "messageIds recorded per write key" "$(q "SELECT count(*) FROM collect_seen")" $((EVENTS + 2 * PEOPLE))
as "$R" GET /api/v1/accounts/acc3/scores
expect "scores include the events" 200 .people 10 '[.stakeholders[].activity]|add > 0' true '.components.stakeholders > 0' true

out=$(client events)
check "retry: answered 200" "$(jq -r '.statuses|keys|join(",")' <<<"$out")" 200
check "retry: nothing stored twice" "$(q "SELECT count(*) FROM interactions")" $EVENTS
check "retry: no rejects" "$(q "SELECT count(*) FROM ingest_rejects")" 0

out=$(client page)
check "page/screen: answered 200" "$(jq -r '.statuses|keys|join(",")' <<<"$out")" 200
check "page rows on web" "$(q "SELECT count(*) FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name = 'page' AND i.channel = 0")" $PEOPLE
check "screen rows on app" "$(q "SELECT count(*) FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name = 'screen' AND i.channel = 1")" $PEOPLE
check "page name kept" "$(q "SELECT DISTINCT json_extract(i.attributes, '\$.name') FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name = 'page'")" Pricing
finish
