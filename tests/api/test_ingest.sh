#!/usr/bin/env bash
# API batch ingest: POST /api/v1/interactions and /api/v1/feedback with one object, a JSON
# array or JSON lines; mixed good and bad rows (per-row index, field, reason), all-bad
# batches (422, nothing written), content types, and the ingest counters of /metrics.
. "$(dirname "$0")/lib/common.bash"

write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
start_server
J=(-H 'Content-Type: application/json')
as "$A" POST /api/v1/accounts "${J[@]}" -d '{"id":"A1","plan":"Pro"}'; check "account" "$STATUS" 201
as "$A" POST /api/v1/accounts "${J[@]}" -d '{"id":"A2","plan":"Pro"}'; check "account 2" "$STATUS" 201
as "$A" POST /api/v1/people "${J[@]}" -d '{"id":"P1","account_id":"A1"}'; check "person" "$STATUS" 201
as "$A" POST /api/v1/people "${J[@]}" -d '{"id":"P2","account_id":"A2"}'; check "person 2" "$STATUS" 201

count() { cxg_db_sql "$DB" "SELECT count(*) FROM $1"; }

# one object
as "$A" POST /api/v1/interactions "${J[@]}" -d '{"person_id":"P1","ts":"2024-03-01T10:00:00Z","channel":"web","type":"login","duration_ms":420}'
expect "single interaction" 200 .accepted 1 '.rejected|length' 0
check "row stored" "$(count interactions)" 1
check "account derived from the person" "$(cxg_db_sql "$DB" "SELECT a.ext_id FROM interactions i JOIN accounts a ON a.id = i.account_id")" A1

# an array with good and bad rows: the good ones are written, each bad one reported
as "$A" POST /api/v1/interactions "${J[@]}" -d '[
 {"person_id":"P1","ts":"2024-03-02","channel":"app","type":"report_view"},
 {"person_id":"NOPE","ts":"2024-03-02","channel":"app","type":"x"},
 {"person_id":"P2","ts":"yesterday","channel":"web","type":"x"},
 {"person_id":"P2","ts":"2024-03-03","channel":"fax","type":"x"},
 {"person_id":"P2","ts":"2024-03-04","channel":"email","type":"open","outcome":"ok","value":2.5}
]'
expect "mixed batch" 200 .accepted 2 '.rejected|length' 3 \
        '[.rejected[].index]|join(",")' "1,2,3" \
        '[.rejected[].field]|join(",")' "person_id,ts,channel"
printf '%s' "$BODY" | jq -e '.rejected[1].reason|test("timestamp|yesterday")' >/dev/null || fail "reason names the problem: $BODY"
check "rows after mixed batch" "$(count interactions)" 3

# every row bad: 422, nothing written, same per-row list
as "$A" POST /api/v1/interactions "${J[@]}" -d '[{"person_id":"NOPE","ts":"2024-03-02","channel":"web","type":"x"},{"ts":"2024-03-02"}]'
expect "all rejected" 422 .error.code invalid .accepted 0 '.rejected|length' 2 '.rejected[0].index' 0 '.rejected[1].index' 1
check "nothing written" "$(count interactions)" 3

# JSON lines: blank lines skipped, a line that is not JSON rejected with its index
printf '%s\n' '{"person_id":"P1","ts":"2024-04-01","channel":"chat","type":"ask"}' '' \
        '{"person_id":"P1","ts":' '{"person_id":"P2","ts":"2024-04-02","channel":"phone","type":"call","duration_ms":60000}' >"$T/rows.ndjson"
as "$A" POST /api/v1/interactions -H 'Content-Type: application/x-ndjson' --data-binary @"$T/rows.ndjson"
expect "ndjson" 200 .accepted 2 '.rejected|length' 1 '.rejected[0].index' 1 '.rejected[0].field' null
check "rows after ndjson" "$(count interactions)" 5

# re-sending rows with an id updates them instead of adding
as "$A" POST /api/v1/interactions "${J[@]}" -d '[{"id":"e1","person_id":"P1","ts":"2024-05-01","channel":"web","type":"x","value":1},{"id":"e2","person_id":"P1","ts":"2024-05-01","channel":"web","type":"x"}]'
expect "with ids" 200 .accepted 2 .inserted 2
as "$A" POST /api/v1/interactions "${J[@]}" -d '{"id":"e1","person_id":"P1","ts":"2024-05-01","channel":"web","type":"x","value":7}'
expect "same id again" 200 .accepted 1 .updated 1 .inserted 0
check "value updated" "$(cxg_db_sql "$DB" "SELECT CAST(round(value * 100) AS BIGINT) FROM interactions WHERE ext_id = 'e1'")" 700

# content types and shapes
as "$A" POST /api/v1/interactions -H 'Content-Type: text/csv' -d 'person_id,ts'
expect "csv body" 415 .error.code unsupported_media_type
as "$A" POST /api/v1/interactions "${J[@]}" -d '"hello"'; expect "a string" 400
as "$A" POST /api/v1/interactions "${J[@]}" -d '[]'; expect "empty array" 422
as "$A" POST /api/v1/interactions "${J[@]}" -d '[1, {"person_id":"P1","ts":"2024-05-02","channel":"web","type":"x"}]'
expect "non-object row" 200 .accepted 1 '.rejected[0].index' 0

# feedback
as "$A" POST /api/v1/feedback "${J[@]}" -d '[
 {"person_id":"P1","ts":"2024-03-05","kind":"nps","score":9,"comment":"great"},
 {"person_id":"P1","ts":"2024-03-05","kind":"nps","score":11},
 {"person_id":"P2","ts":"2024-03-06","kind":"csat","score":4,"channel":"support"},
 {"person_id":"P2","ts":"2024-03-06","kind":"mood","score":4}
]'
expect "feedback batch" 200 .accepted 2 '[.rejected[].index]|join(",")' "1,3" '[.rejected[].field]|join(",")' "score,kind"
check "feedback rows" "$(count feedback)" 2
check "feedback account" "$(cxg_db_sql "$DB" "SELECT a.ext_id FROM feedback f JOIN accounts a ON a.id = f.account_id WHERE f.score = 4")" A2

# read-only tokens cannot ingest
RO=$(mktoken admin read)
as "$RO" POST /api/v1/feedback "${J[@]}" -d '{"person_id":"P1","ts":"2024-03-05","kind":"nps","score":9}'
expect "read token ingest" 403

# counters and audit
as "$A" GET /metrics
check "metrics content type" "$(header Content-Type)" "text/plain; version=0.0.4; charset=utf-8"
grep_metric() { printf '%s\n' "$BODY" | grep -F "$1" | awk '{print $2}'; }
check "accepted interactions" "$(grep_metric 'cxgarden_ingest_rows_total{kind="interactions",outcome="accepted"}')" 9
check "rejected interactions" "$(grep_metric 'cxgarden_ingest_rows_total{kind="interactions",outcome="rejected"}')" 7
check "accepted feedback" "$(grep_metric 'cxgarden_ingest_rows_total{kind="feedback",outcome="accepted"}')" 2
check "rejected feedback" "$(grep_metric 'cxgarden_ingest_rows_total{kind="feedback",outcome="rejected"}')" 2
check "interaction batches" "$(grep_metric 'cxgarden_ingest_batches_total{kind="interactions"}')" 6
as "$A" GET "/api/v1/audit?entity=interactions&limit=1"
expect "ingest audited" 200 '.items[0].action' ingest '.items[0].summary.accepted' 1 '.items[0].summary.rejected' 1

stop_server
finish
