#!/usr/bin/env bash
# Dashboard reads: GET /api/v1/overview (monthly MRR, paying accounts, active people,
# interactions per active person; totals), /api/v1/scores (accounts with scores and trend),
# /api/v1/accounts/{id}/timeline, and the VoC and fit reads, on a hand-made dataset whose
# figures are computed by hand below.
. "$(dirname "$0")/lib/common.bash"

write_ini
mkuser admin admin >/dev/null
mkuser mem member >/dev/null 2>&1 || true
A=$(mktoken admin read-write)
R=$(mktoken admin read)
start_server
J=(-H 'Content-Type: application/json')
post() { as "$A" POST "$1" "${J[@]}" -d "$2"; check "POST $1 ${2:0:40}" "$STATUS" "${3:-201}"; }
post /api/v1/accounts '{"id":"A1","name":"Acme","plan":"Pro","mrr":100,"owner":"Maya","created_at":"2024-01-01"}'
post /api/v1/accounts '{"id":"A2","plan":"Free","mrr":0,"created_at":"2024-02-01"}'
post /api/v1/accounts '{"id":"A3","plan":"Pro","mrr":50,"created_at":"2024-02-10","churned_at":"2024-03-01"}'
post /api/v1/subscriptions '{"account_id":"A1","plan":"Pro","mrr":100,"started_at":"2024-01-01"}'
post /api/v1/subscriptions '{"account_id":"A2","plan":"Free","mrr":0,"started_at":"2024-02-01"}'
post /api/v1/subscriptions '{"account_id":"A3","plan":"Pro","mrr":50,"started_at":"2024-02-10","ended_at":"2024-03-01"}'
post /api/v1/people '{"id":"P1","account_id":"A1","role":"CEO","created_at":"2024-01-01"}'
post /api/v1/people '{"id":"P2","account_id":"A2","role":"Engineer","created_at":"2024-02-01"}'
post /api/v1/people '{"id":"P3","account_id":"A3","role":"Engineer","created_at":"2024-02-10"}'
post "/api/v1/interactions?wait=scores" '[{"person_id":"P1","ts":"2024-01-15T10:00:00Z","channel":"web","type":"login"},
 {"person_id":"P3","ts":"2024-02-15T10:00:00Z","channel":"web","type":"login"},
 {"person_id":"P3","ts":"2024-02-20T10:00:00Z","channel":"app","type":"report","duration_ms":1200,"outcome":"failed"}]' 200
post "/api/v1/interactions?wait=scores" '[{"person_id":"P1","ts":"2024-03-01T10:00:00Z","channel":"web","type":"login"},
 {"person_id":"P1","ts":"2024-03-05T10:00:00Z","channel":"app","type":"report"},
 {"person_id":"P2","ts":"2024-03-06T09:00:00Z","channel":"email","type":"open"}]' 200
post "/api/v1/feedback?wait=scores" '[{"person_id":"P1","ts":"2024-03-02T10:00:00Z","kind":"nps","score":9,"comment":"fast and easy"},
 {"person_id":"P2","ts":"2024-03-06T10:00:00Z","kind":"nps","score":3,"comment":"slow and slow"}]' 200

# months: Jan: A1 pays 100 (A2's subscription has MRR 0: not paying); Feb: A1 100 + A3 50
# (ended 2024-03-01, so active through February); Mar: A1 only. Active people: Jan P1, Feb P3,
# Mar P1 and P2. Interactions: 1, 2, 3.
as "$R" GET "/api/v1/overview?months=3"
expect "overview" 200 '[.months[].month]|join(",")' 2024-01,2024-02,2024-03 \
        '[.months[].mrr]|join(",")' 100,150,100 '[.months[].paying_accounts]|join(",")' 1,2,1 \
        '[.months[].active_people]|join(",")' 1,1,2 '[.months[].interactions]|join(",")' 1,2,3 \
        '[.months[].interactions_per_active]|join(",")' 1,2,1.5 \
        .totals.accounts 3 .totals.active_accounts 2 .totals.people 3 .totals.mrr 100
as "$R" GET "/api/v1/overview"
expect "overview: default 24 months ending at the data" 200 '.months|length' 24 '.months[23].month' 2024-03 '.months[0].mrr' 0
as "$R" GET "/api/v1/overview?months=0"; expect "months=0" 400 .error.field months
as "$R" GET "/api/v1/overview?months=x"; expect "months=x" 400 .error.field months

as "$R" GET "/api/v1/scores?months=3"
expect "scores" 200 '.months|join(",")' 2024-01,2024-02,2024-03 '.items|length' 3 \
        '.items[0].id' A1 '.items[0].name' Acme '.items[0].plan' Pro '.items[0].owner' Maya '.items[0].mrr' 100 \
        '.items[0].trend|join(",")' 1,0,2 '.items[2].trend|join(",")' 0,2,0 '.items[2].churned' true \
        '.items[0].churned' false '.items[2].stage' churned
printf '%s' "$BODY" | jq -e '.items[0].health >= 0 and .items[0].health <= 100' >/dev/null || fail "health in [0,100]: $BODY"
# the list agrees with the account's own scores
H=$(printf '%s' "$BODY" | jq -r '.items[0].health')
as "$R" GET /api/v1/accounts/A1/scores
expect "scores agree" 200 .health "$H"

as "$R" GET "/api/v1/accounts/A1/timeline?limit=2"
expect "timeline" 200 .id A1 '.interactions|length' 2 '.interactions[0].ts' 2024-03-05T10:00:00Z \
        '.interactions[1].ts' 2024-03-01T10:00:00Z '.interactions[0].type' report '.interactions[0].channel' app \
        '.interactions[0].person' P1 '.feedback|length' 1 '.feedback[0].kind' nps '.feedback[0].score' 9 \
        '.feedback[0].comment' "fast and easy"
as "$R" GET "/api/v1/accounts/A3/timeline"
expect "timeline of A3" 200 '.interactions|length' 2 '.interactions[0].outcome' failed '.interactions[0].duration_ms' 1200 \
        '.interactions[1].duration_ms' null '.feedback|length' 0
as "$R" GET "/api/v1/accounts/NOPE/timeline"; expect "timeline of unknown account" 404
as "$R" GET "/api/v1/accounts/A1/timeline?limit=0"; expect "timeline limit 0" 400 .error.field limit

# NPS: one promoter (9), one detractor (3): 0 points
as "$R" GET "/api/v1/voc/nps?monthly=true"
expect "nps" 200 .metric nps .all.stat.n 2 .all.stat.positive 1 .all.stat.negative 1 .all.stat.unweighted.value 0 \
        '.all.months|length' 1 '.all.months[0].month' 2024-03
as "$R" GET "/api/v1/voc/nps?by=plan"
expect "nps by plan" 200 .by plan '[.groups[].name]|sort|join(",")' Free,Pro
as "$R" GET "/api/v1/voc/csat"; expect "csat without answers" 200 .metric csat .all.stat.n 0
as "$R" GET "/api/v1/voc/ces?ces_mode=agree"; expect "ces agree" 200 .metric ces
as "$R" GET "/api/v1/voc/nps?ces_mode=agree"; expect "ces_mode on nps" 400 .error.field ces_mode
as "$R" GET "/api/v1/voc/nps?weight=heavy"; expect "bad weight" 400 .error.field weight
as "$R" GET "/api/v1/voc/nps?monthly=maybe"; expect "bad monthly" 400 .error.field monthly
as "$R" GET "/api/v1/voc/nps?since=yesterday"; expect "bad since" 400 .error.field since
as "$R" GET "/api/v1/voc/themes?min=1"
expect "themes" 200 .group_a.comments 1 .group_b.comments 1
as "$R" GET "/api/v1/voc/themes?metric=xyz"; expect "themes metric" 400 .error.field metric
as "$R" GET "/api/v1/voc/themes?segment=plan"; expect "themes segment" 400 .error.field segment

as "$R" GET /api/v1/accounts/A1/fit; expect "fit" 200 .account A1 .plan Pro
as "$R" GET /api/v1/accounts/NOPE/fit; expect "fit unknown" 404
as "$R" GET /api/v1/fit/summary; expect "fit summary" 200 .accounts 2
as "$R" GET "/api/v1/fit/summary?limit=-1"; expect "fit summary limit" 400 .error.field limit

finish
