#!/usr/bin/env bash
# API gardens: staff routes (list, show, create with role rules, members, ideas, governed
# transitions with approvals, experiment results, impact, suggestions, ledger) and the member
# portal's isolation: for EVERY portal route taking an id, a garden or idea the member does not
# belong to answers 404 exactly like one that does not exist; other customers stay anonymous;
# staff routes are 404 to members. Data: the generator (scale 0.2) and `gardens seed-demo`.
. "$(dirname "$0")/lib/common.bash"

write_ini
"$BIN" --db "$DB" generate --seed 1 --scale 0.2 --activity 0.05 >/dev/null 2>&1
"$BIN" --db "$DB" gardens seed-demo >/dev/null 2>&1 || { echo "FAIL: seed-demo"; exit 1; }
q() { cxg_db_sql "$DB" "$1"; }
GA=talent-leaders-circle
GB=recruiting-ops-guild
# members: MA belongs to garden A only, MB to garden B only; OUT is a customer in no garden
MA=$(q "SELECT u.name FROM users u JOIN garden_members m ON m.person_id = u.person_id JOIN gardens g ON g.id = m.garden_id WHERE u.role = 'member' AND g.ext_id = '$GA' AND (SELECT count(*) FROM garden_members x WHERE x.person_id = u.person_id) = 1 ORDER BY u.id LIMIT 1")
MB=$(q "SELECT u.name FROM users u JOIN garden_members m ON m.person_id = u.person_id JOIN gardens g ON g.id = m.garden_id WHERE u.role = 'member' AND g.ext_id = '$GB' ORDER BY u.id LIMIT 1")
OUTP=$(q "SELECT ext_id FROM people WHERE id NOT IN (SELECT person_id FROM garden_members WHERE person_id IS NOT NULL) ORDER BY id LIMIT 1")
mkuser outsider member "$OUTP" >/dev/null
[ -n "$MA" ] && [ -n "$MB" ] || { echo "FAIL: seed-demo made no member users"; exit 1; }
TA=$(mktoken "$MA")
TB=$(mktoken "$MB")
TO=$(mktoken outsider)
AN=$(mktoken cx-analyst)
ANR=$(mktoken cx-analyst read)
AM=$(mktoken vp-success)
# ideas: one of each garden
IA=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GA' AND i.state = 'proposed'")
IB=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GB' AND i.state = 'proposed'")
IBR=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GB' AND i.state = 'under_review'")
start_server
J=(-H 'Content-Type: application/json')

# ---- isolation: every portal route with an id, for a garden/idea of someone else ----
# the body of a 404 for another member's garden equals the one for a garden that does not exist
portal_404() { # TOKEN METHOD PATH_OTHER PATH_MISSING [BODY]
        local tok=$1 m=$2 other=$3 missing=$4 body=${5:-}
        local args=()
        [ -n "$body" ] && args=("${J[@]}" -d "$body")
        as "$tok" "$m" "$other" "${args[@]}"
        expect "$m $other is 404 to a non-member" 404 .error.code not_found
        local b1
        b1=$(printf '%s' "$BODY" | jq -c '.error | del(.message)')
        as "$tok" "$m" "$missing" "${args[@]}"
        expect "$m $missing is 404" 404 .error.code not_found
        check "$m: a foreign id reads like a missing one" "$b1" "$(printf '%s' "$BODY" | jq -c '.error | del(.message)')"
}
for tok in "$TA" "$TO"; do
        portal_404 "$tok" GET "/api/v1/portal/gardens/$GB" /api/v1/portal/gardens/no-such-garden
        portal_404 "$tok" POST "/api/v1/portal/gardens/$GB/membership" /api/v1/portal/gardens/nope/membership '{"status":"accepted"}'
        portal_404 "$tok" GET "/api/v1/portal/gardens/$GB/ideas" /api/v1/portal/gardens/nope/ideas
        portal_404 "$tok" POST "/api/v1/portal/gardens/$GB/ideas" /api/v1/portal/gardens/nope/ideas '{"title":"x","target_metric":"nps"}'
        portal_404 "$tok" GET "/api/v1/portal/ideas/$IB" /api/v1/portal/ideas/999999
        portal_404 "$tok" POST "/api/v1/portal/ideas/$IB/votes" /api/v1/portal/ideas/999999/votes '{"value":1}'
        portal_404 "$tok" POST "/api/v1/portal/ideas/$IB/comments" /api/v1/portal/ideas/999999/comments '{"body":"hi"}'
        portal_404 "$tok" POST "/api/v1/portal/ideas/$IB/transitions" /api/v1/portal/ideas/999999/transitions '{"to":"withdrawn","why":"x"}'
done
# nothing was written by those attempts
check "no foreign vote" "$(q "SELECT count(*) FROM idea_votes v JOIN users u ON u.id = v.user_id WHERE u.name IN ('$MA', 'outsider') AND v.idea_id = $IB")" 0
check "no foreign idea" "$(q "SELECT count(*) FROM ideas WHERE title = 'x'")" 0
# lists show only one's own gardens
as "$TA" GET /api/v1/portal/gardens
expect "member lists own gardens" 200 '.gardens|length' 1 '.gardens[0].key' "$GA" '.gardens[0].my_status' accepted
as "$TO" GET /api/v1/portal/gardens
expect "outsider lists none" 200 '.gardens|length' 0
as "$TO" GET /api/v1/portal/ledger
expect "outsider ledger empty" 200 .points 0 '.entries|length' 0
# staff routes do not exist for members
for p in /api/v1/gardens "/api/v1/gardens/$GA" "/api/v1/ideas/$IA" /api/v1/ledger /api/v1/ledger/leaderboard "/api/v1/gardens/$GA/impact"; do
        as "$TA" GET "$p"
        expect "member GET $p" 404
done

# ---- the member in their own garden ----
as "$TA" GET "/api/v1/portal/gardens/$GA"
expect "own garden" 200 .key "$GA" .my_status accepted '[.team[].role]|index("sponsor")|type' number
printf '%s' "$BODY" | jq -e '[.team[].name] | all(startswith("member-") | not)' >/dev/null || fail "team lists customers: $BODY"
as "$TA" GET "/api/v1/portal/gardens/$GA/ideas"
expect "own ideas" 200 '.ideas|length' 7
# other customers' names never appear: authors are "a member" unless it is me
printf '%s' "$BODY" | jq -e --arg me "$MA" '[.ideas[].author] | all(. == $me or . == "a member" or (startswith("member-") | not))' >/dev/null ||
        fail "portal ideas name another customer: $BODY"
OTHERS=$(q "SELECT count(*) FROM ideas i JOIN users u ON u.id = i.author_id JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GA' AND u.role = 'member' AND u.name <> '$MA'")
check "other customers shown anonymously" "$(printf '%s' "$BODY" | jq '[.ideas[] | select(.author == "a member")] | length')" "$OTHERS"
as "$TA" POST "/api/v1/portal/ideas/$IA/votes" "${J[@]}" -d '{"value":"down"}'
expect "vote" 200 .my_vote -1 '.vote_list' null
as "$TA" GET "/api/v1/portal/ideas/$IA"
expect "idea detail hides voters" 200 .my_vote -1 .vote_list null '.transitions|type' array
as "$TA" POST "/api/v1/portal/ideas/$IA/comments" "${J[@]}" -d '{"body":"We would pilot this"}'
expect "comment" 201 .idea "$IA"
as "$TA" POST "/api/v1/portal/gardens/$GA/ideas" "${J[@]}" -d '{"title":"Alumni referrals","target_metric":"activity","hypothesis":"Alumni bring referrals"}'
expect "propose" 201 .state proposed .author "$MA" .mine true
NEW=$(printf '%s' "$BODY" | jq -r .id)
as "$TA" POST "/api/v1/portal/gardens/$GA/ideas" "${J[@]}" -d '{"title":"","target_metric":"activity"}'
expect "empty title" 422 .error.field title
as "$TA" POST "/api/v1/portal/ideas/$NEW/transitions" "${J[@]}" -d '{"to":"under_review","why":"ready"}'
expect "author submits" 200 .state under_review .moved true
as "$TA" POST "/api/v1/portal/ideas/$NEW/transitions" "${J[@]}" -d '{"to":"approved","why":"mine is great"}'
expect "member cannot approve" 403
as "$TA" GET /api/v1/portal/ledger
expect "own ledger" 200 '.entries|length>0' true
check "ledger points add up" "$(printf '%s' "$BODY" | jq '[.entries[].points]|add')" "$(printf '%s' "$BODY" | jq .points)"

# ---- staff ----
as "$AN" GET /api/v1/gardens
expect "gardens" 200 '.gardens|length' 3
as "$AN" GET "/api/v1/gardens/$GA"
expect "garden with members" 200 .key "$GA" '.member_list|length>3' true
as "$AN" GET /api/v1/gardens/none
expect "missing garden" 404
as "$AM" POST /api/v1/gardens "${J[@]}" -d '{"key":"new","name":"New","topic":"context"}'
expect "account manager cannot create" 403
as "$ANR" POST /api/v1/gardens "${J[@]}" -d '{"key":"new","name":"New","topic":"context"}'
expect "read token cannot write" 403
as "$AN" POST /api/v1/gardens "${J[@]}" -d '{"key":"new","name":"New","topic":"nonsense"}'
expect "bad topic" 422 .error.field topic
as "$AN" POST /api/v1/gardens "${J[@]}" -d '{"key":"fit-lab","name":"Fit Lab","topic":"long_term_fit","segment":"plan=Premium","bogus":1}'
expect "unknown field" 422 .error.field bogus
as "$AN" POST /api/v1/gardens "${J[@]}" -d '{"key":"fit-lab","name":"Fit Lab","topic":"long_term_fit","segment":"plan=Premium"}'
expect "create" 201 .key fit-lab .topic long_term_fit .segment plan=Premium
as "$AN" POST /api/v1/gardens "${J[@]}" -d '{"key":"fit-lab","name":"Other","topic":"context"}'
expect "duplicate" 409
as "$AN" POST /api/v1/gardens/fit-lab/members "${J[@]}" -d "{\"person\":\"$OUTP\"}"
expect "invite" 201 .status invited
as "$TO" GET /api/v1/portal/gardens/fit-lab
expect "invited sees the garden" 200 .my_status invited
as "$TO" GET /api/v1/portal/gardens/fit-lab/ideas
expect "invited cannot see ideas yet" 404
as "$TO" POST /api/v1/portal/gardens/fit-lab/membership "${J[@]}" -d '{"status":"accepted"}'
expect "accept" 200 .my_status accepted
check "inviter credited" "$(q "SELECT points FROM ledger l JOIN users u ON u.id = l.user_id WHERE u.name = 'cx-analyst' AND l.kind = 'promotion' AND l.garden_id = (SELECT id FROM gardens WHERE ext_id = 'fit-lab')")" 10
as "$TO" GET /api/v1/portal/gardens/fit-lab/ideas
expect "member now sees ideas" 200 '.ideas|length' 0
# governed transitions: two approvers; the idea under review in garden B
as "$AN" POST "/api/v1/ideas/$IBR/transitions" "${J[@]}" -d '{"to":"approved"}'
expect "why required" 422 .error.field why
as "$AN" POST "/api/v1/ideas/$IBR/transitions" "${J[@]}" -d '{"to":"approved","why":"solid"}'
expect "second approval" 200 .state approved .approvals 2
as "$AN" POST "/api/v1/ideas/$IBR/transitions" "${J[@]}" -d '{"to":"running","why":"go"}'
expect "running needs an experiment" 409 .error.field experiment
ACCS=$(q "SELECT DISTINCT a.ext_id FROM garden_members m JOIN people p ON p.id = m.person_id JOIN accounts a ON a.id = p.account_id JOIN gardens g ON g.id = m.garden_id WHERE g.ext_id = '$GB' LIMIT 5" | jq -Rsc 'split("\n") | map(select(length > 0))')
as "$AN" PUT "/api/v1/ideas/$IBR/experiment" "${J[@]}" -d "{\"starts_at\":\"2026-03-01\",\"ends_at\":\"2026-06-01\",\"accounts\":$ACCS}"
expect "experiment" 200 .experiment.status planned
as "$AN" POST "/api/v1/ideas/$IBR/transitions" "${J[@]}" -d '{"to":"running","why":"set up"}'
expect "running" 200 .state running
as "$AN" POST "/api/v1/ideas/$IBR/experiment/results"
expect "results" 200 .metric nps '.estimate.participants_n>=0' true
as "$AN" POST "/api/v1/ideas/$IBR/transitions" "${J[@]}" -d '{"to":"rejected","why":"no clear gain"}'
expect "concluded" 200 .state rejected
check "transitions audited with why" "$(q "SELECT count(*) FROM audit_log WHERE entity = 'ideas' AND entity_id = '$IBR' AND action = 'transition' AND summary LIKE '%no clear gain%' AND actor = 'cx-analyst'")" 1
as "$AN" GET "/api/v1/ideas/$IBR"
expect "idea detail" 200 .state rejected '.transitions[-1].by' cx-analyst '.experiment.result.metric' nps
as "$AN" GET "/api/v1/gardens/all/impact"
expect "impact" 200 '.retention_180d.diff|type' number '.retention_180d.ci95|length' 2 '.mrr_retained|type' array
as "$AN" GET "/api/v1/gardens/$GA/suggestions?limit=3"
expect "suggestions" 200 '.candidates|length<=3' true
as "$AN" GET "/api/v1/ledger/leaderboard?by=group"
expect "leaderboard" 200 .by group '.rows|length' 3
as "$AN" GET "/api/v1/ledger/trend?garden=$GA"
expect "trend" 200 '.months|length>0' true
as "$AM" PUT /api/v1/ledger/points "${J[@]}" -d '{"idea":9}'
expect "points by am" 403
as "$AN" PUT /api/v1/ledger/points "${J[@]}" -d '{"idea":9}'
expect "points" 200 .points.idea 9
as "$AN" GET "/api/v1/ledger?garden=nope"
expect "ledger unknown garden" 404

finish
