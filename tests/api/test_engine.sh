#!/usr/bin/env bash
# API engine reads: account scores with components and reasons, a person's engagement,
# segments and cohorts; rows accepted by POST are in the snapshot at once.
. "$(dirname "$0")/lib/common.bash"

write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
AN=$(mktoken admin read)
start_server
J=(-H 'Content-Type: application/json')
post() { as "$A" POST "$1" "${J[@]}" -d "$2"; check "POST $1" "$STATUS" "${3:-201}"; }
post /api/v1/accounts '{"id":"A1","plan":"Pro","mrr":100,"created_at":"2024-01-01"}'
post /api/v1/accounts '{"id":"A2","plan":"Free","mrr":0,"created_at":"2024-02-01"}'
post /api/v1/accounts '{"id":"A3","plan":"Pro","mrr":50,"created_at":"2024-02-10","churned_at":"2024-03-01"}'
post /api/v1/people '{"id":"P1","account_id":"A1","role":"CEO","created_at":"2024-01-01"}'
post /api/v1/people '{"id":"P2","account_id":"A2","role":"Engineer","created_at":"2024-02-01"}'

# before any interaction the people are in the snapshot but inactive
as "$AN" GET /api/v1/people/P1/engagement
expect "engagement before activity" 200 .id P1 .account_id A1 .seniority executive .last_interaction null '.channels|length' 0

# ?wait=scores: the reply comes once the engine has applied the rows (docs/api.md, "Writes")
as "$A" POST "/api/v1/interactions?wait=scores" "${J[@]}" -d '[{"person_id":"P1","ts":"2024-03-01T10:00:00Z","channel":"web","type":"login"},{"person_id":"P1","ts":"2024-03-05T10:00:00Z","channel":"app","type":"report"}]'
expect "interactions" 200 .accepted 2 .scored true
as "$AN" GET /api/v1/people/P1/engagement
expect "engagement after activity" 200 .last_interaction 2024-03-05T10:00:00Z '.channels|join(",")' web,app .at 2024-03-05T10:00:00Z
printf '%s' "$BODY" | jq -e '.engagement > 0 and .engagement <= 100' >/dev/null || fail "engagement in (0, 100]: $BODY"
as "$A" POST "/api/v1/interactions?wait=scores" "${J[@]}" -d '{"person_id":"P2","ts":"2024-03-06T09:00:00Z","channel":"email","type":"open"}'
as "$AN" GET /api/v1/people/P2/engagement
expect "second person at once" 200 .last_interaction 2024-03-06T09:00:00Z '.channels|join(",")' email

as "$AN" GET /api/v1/accounts/A1/scores
expect "account scores" 200 .id A1 .plan Pro .mrr 100 .people 1 '.stakeholders[0].id' P1 '.components|has("stakeholders")' true '.reasons|type' array
printf '%s' "$BODY" | jq -e '.health >= 0 and .health <= 100' >/dev/null || fail "health in [0, 100]: $BODY"
as "$AN" GET /api/v1/accounts/NOPE/scores; expect "scores of unknown account" 404
as "$AN" GET /api/v1/people/NOPE/engagement; expect "engagement of unknown person" 404

# segments by plan: Free = A2; Pro = A1 + A3 (A3 churned), MRR 150
as "$AN" GET "/api/v1/segments?by=plan"
expect "segments" 200 .entity accounts '[.segments[].name]|join(",")' "Pro,Free" \
        '.segments[0].count' 2 '.segments[0].churned' 1 '.segments[0].churn_rate' 50 '.segments[0].mrr' 150 \
        '.segments[1].count' 1 '.total.count' 3
as "$AN" GET "/api/v1/segments?by=seniority&entity=people"
expect "people segments" 200 .entity people '.total.count' 2
as "$AN" GET "/api/v1/segments"; expect "segments without by" 400 .error.field by
as "$AN" GET "/api/v1/segments?by=plan&entity=robots"; expect "segments of robots" 400 .error.field entity

# cohorts by signup month: 2024-01 (A1), 2024-02 (A2, A3), 2024-03 (none)
as "$AN" GET /api/v1/cohorts
expect "cohorts" 200 .by accounts '[.cohorts[].month]|join(",")' "2024-01,2024-02,2024-03" \
        '.cohorts[0].size' 1 '.cohorts[1].size' 2
as "$AN" GET "/api/v1/cohorts?by=revenue&cumulative=true"; expect "revenue cohorts" 200 .by revenue .cumulative true
as "$AN" GET "/api/v1/cohorts?by=planets"; expect "cohorts by planets" 400 .error.field by
as "$AN" GET "/api/v1/cohorts?segment=plan"; expect "segment without value" 400 .error.field segment

# members see none of it
as "$A" POST /api/v1/users "${J[@]}" -d '{"name":"m","role":"member","person_id":"P2"}'
M=$(mktoken m read)
as "$M" GET /api/v1/segments?by=plan; expect "member segments" 404
as "$M" GET /api/v1/accounts/A1/scores; expect "member scores" 404

as "$AN" GET /metrics
grep <<<"$BODY" -q '^cxgarden_snapshot_rows{entity="interactions"} 3$' || fail "snapshot size in metrics"

stop_server
finish
