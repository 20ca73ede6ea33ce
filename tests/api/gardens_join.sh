#!/usr/bin/env bash
# API gardens: a member joins the running experiment of an idea from the portal
# (POST /api/v1/portal/ideas/{id}/join): their account is added to the participating accounts
# once, they are credited participation points once (joining again changes nothing), the
# portal idea says "participating"; an idea of a garden they are not in is 404 like a missing
# one, an idea that is not running is 409. Data: the generator (scale 0.2) and `gardens seed-demo`.
. "$(dirname "$0")/lib/common.bash"

write_ini
"$BIN" --db "$DB" generate --seed 1 --scale 0.2 --activity 0.05 >/dev/null 2>&1
"$BIN" --db "$DB" gardens seed-demo >/dev/null 2>&1 || { echo "FAIL: seed-demo"; exit 1; }
q() { cxg_db_sql "$DB" "$1"; }
GA=talent-leaders-circle
GB=recruiting-ops-guild
IR=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GA' AND i.state = 'running'")
IBR=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GB' AND i.state = 'running'")
IP=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GA' AND i.state = 'proposed'")
EX=$(q "SELECT id FROM experiments WHERE idea_id = $IR")
[ -n "$IR" ] && [ -n "$IBR" ] && [ -n "$IP" ] && [ -n "$EX" ] || { echo "FAIL: seed-demo has no running ideas"; exit 1; }
# a customer in no garden whose account does not take part yet; invited to garden A below
NEWP=$(q "SELECT p.ext_id FROM people p WHERE p.id NOT IN (SELECT person_id FROM garden_members WHERE person_id IS NOT NULL) AND p.account_id NOT IN (SELECT account_id FROM experiment_accounts) ORDER BY p.id LIMIT 1")
ACC=$(q "SELECT account_id FROM people WHERE ext_id = '$NEWP'")
[ -n "$NEWP" ] || { echo "FAIL: no customer outside the gardens"; exit 1; }
mkuser joiner member "$NEWP" >/dev/null
TJ=$(mktoken joiner)
AN=$(mktoken cx-analyst)
start_server
J=(-H 'Content-Type: application/json')

# not yet a member: the idea is 404, exactly like a missing one
as "$TJ" POST "/api/v1/portal/ideas/$IR/join"
expect "join before membership is 404" 404 .error.code not_found .error.field idea
B1=$(printf '%s' "$BODY" | jq -c '.error | del(.message)')
as "$TJ" POST /api/v1/portal/ideas/999999/join
expect "join a missing idea is 404" 404 .error.code not_found
check "foreign idea reads like a missing one" "$B1" "$(printf '%s' "$BODY" | jq -c '.error | del(.message)')"
as "$AN" POST "/api/v1/gardens/$GA/members" "${J[@]}" -d "{\"person\":\"$NEWP\"}"
expect "invite" 201 .status invited
as "$TJ" POST "/api/v1/portal/ideas/$IR/join"
expect "invited (not accepted) is still 404" 404 .error.code not_found
as "$TJ" POST "/api/v1/portal/gardens/$GA/membership" "${J[@]}" -d '{"status":"accepted"}'
expect "accept" 200 .my_status accepted

# the other garden's running idea stays 404
as "$TJ" POST "/api/v1/portal/ideas/$IBR/join"
expect "join in another garden is 404" 404 .error.code not_found
# not running: 409 with the JSON error shape, nothing written
as "$TJ" POST "/api/v1/portal/ideas/$IP/join"
expect "join a proposed idea" 409 .error.code conflict .error.field state
printf '%s' "$BODY" | jq -e '.error.message | test("only a running experiment can be joined")' >/dev/null || fail "409 message: $BODY"

as "$TJ" GET "/api/v1/portal/ideas/$IR"
expect "not participating yet" 200 .participating false .experiment.status running '.experiment.accounts' null
N0=$(q "SELECT count(*) FROM experiment_accounts WHERE experiment_id = $EX")
as "$TJ" POST "/api/v1/portal/ideas/$IR/join"
expect "join" 200 .joined true .added true .experiment.status running .experiment.id "$EX" .idea "$IR"
check "account added" "$(q "SELECT count(*) FROM experiment_accounts WHERE experiment_id = $EX AND account_id = $ACC")" 1
check "one more participant" "$(q "SELECT count(*) FROM experiment_accounts WHERE experiment_id = $EX")" $((N0 + 1))
check "credited participation once" "$(q "SELECT count(*) || ':' || sum(points) FROM ledger l JOIN users u ON u.id = l.user_id WHERE u.name = 'joiner' AND l.kind = 'participation' AND l.cause_type = 'experiment' AND l.cause_id = $EX")" "1:1"
check "audited" "$(q "SELECT count(*) FROM audit_log WHERE actor = 'joiner' AND action = 'join' AND entity = 'experiments' AND entity_id = '$EX'")" 1
as "$TJ" POST "/api/v1/portal/ideas/$IR/join"
expect "join again" 200 .joined true .added false
check "no duplicate" "$(q "SELECT count(*) FROM experiment_accounts WHERE experiment_id = $EX")" $((N0 + 1))
check "still credited once" "$(q "SELECT count(*) FROM ledger l JOIN users u ON u.id = l.user_id WHERE u.name = 'joiner' AND l.cause_type = 'experiment'")" 1
as "$TJ" GET "/api/v1/portal/ideas/$IR"
expect "participating" 200 .participating true
as "$TJ" GET /api/v1/portal/ledger
expect "ledger shows the credit" 200 .points 1 '.entries[0].cause_type' experiment
# staff see the account among the participants
as "$AN" GET "/api/v1/ideas/$IR"
expect "staff see one more account" 200 .experiment.accounts $((N0 + 1))
# staff are not members with an account: the portal route does not let them join
as "$AN" POST "/api/v1/portal/ideas/$IR/join"
expect "staff outside the garden: 404" 404

finish
