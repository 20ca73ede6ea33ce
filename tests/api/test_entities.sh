#!/usr/bin/env bash
# API CRUD: accounts, people, subscriptions, objectives, capabilities: create, get, list
# with filters, sorting and cursor pagination, PUT (replace) and PATCH (merge), deletes
# refused while referenced, validation errors, body limits and content types, audit records.
. "$(dirname "$0")/lib/common.bash"

SERVER_EXTRA="max_body = 4096"
write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
start_server
J=(-H 'Content-Type: application/json')
post() { as "$A" POST "$1" "${J[@]}" -d "$2"; }

# ---- accounts: create and validation ----
post /api/v1/accounts '{"id":"A1","name":"Acme","plan":"Pro","mrr":120.5,"currency":"EUR","created_at":"2024-01-15","owner":"amy","attributes":{"region":"EU","seats":12}}'
expect "create account" 201 .id A1 .mrr 120.5 .created_at 2024-01-15T00:00:00Z .attributes.region EU .churned false
check "Location" "$(header Location)" /api/v1/accounts/A1
post /api/v1/accounts '{"id":"A1","name":"Again"}'
expect "duplicate create" 409 .error.code conflict
as "$A" GET /api/v1/accounts/A1; expect "duplicate did not overwrite" 200 .name Acme
post /api/v1/accounts '{"name":"No id"}'; expect "missing id" 422 .error.field id
post /api/v1/accounts '{"id":"A9","mrr":"lots"}'; expect "mrr not a number" 422 .error.field mrr .error.code invalid
post /api/v1/accounts '{"id":"A9","mrr":-5}'; expect "negative mrr" 422 .error.field mrr
post /api/v1/accounts '{"id":"A9","created_at":"2023-02-30"}'; expect "impossible date" 422 .error.field created_at
post /api/v1/accounts '{"id":"A9","colour":"red"}'; expect "unknown field" 422 .error.field colour
post /api/v1/accounts '{"id":"A9","attributes":[1]}'; expect "attributes not an object" 422 .error.field attributes
post /api/v1/accounts '[{"id":"A9"}]'; expect "array for a single create" 422
post /api/v1/accounts '{"id":"A9",'; expect "bad JSON" 400 .error.code bad_request
case "$BODY" in *line*column*) ;; *) fail "bad JSON message names the place: $BODY" ;; esac
as "$A" POST /api/v1/accounts -H 'Content-Type: text/plain' -d '{"id":"A9"}'
expect "wrong content type" 415 .error.code unsupported_media_type
as "$A" POST /api/v1/accounts -d '{"id":"A9"}'
expect "form content type" 415
as "$A" POST /api/v1/accounts "${J[@]}"; expect "empty body" 400
BIG=$(head -c 5000 /dev/zero | tr '\0' 'x')
post /api/v1/accounts "{\"id\":\"A9\",\"name\":\"$BIG\"}"
expect "body over max_body" 413 .error.code too_large
printf '{"id":"A9","name":"%s"}' "$BIG" >"$T/big.json"
as "$A" POST /api/v1/accounts "${J[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json"
expect "chunked body over max_body" 413 .error.code too_large
as "$A" GET /api/v1/accounts/A9; expect "nothing written by failed creates" 404 .error.code not_found
as "$A" PUT /api/v1/accounts "${J[@]}" -d '{}'; expect "method not allowed" 405 .error.code method_not_allowed
as "$A" GET /api/v1/nothing; expect "unknown route" 404 .error.code not_found
req GET /api/v1/nothing; expect "unknown route without auth" 404

# ---- more accounts for lists ----
for i in 2 3 4 5 6 7 8; do
        plan=Free; [ $((i % 2)) -eq 0 ] && plan=Pro
        post /api/v1/accounts "{\"id\":\"A$i\",\"name\":\"Co $i\",\"plan\":\"$plan\",\"mrr\":$((i * 10)),\"owner\":\"$([ $i -le 4 ] && echo amy || echo bob)\",\"attributes\":{\"region\":\"$([ $i -le 5 ] && echo EU || echo US)\"}}"
        check "create A$i" "$STATUS" 201
done
as "$A" GET /api/v1/accounts; expect "list all" 200 '.items|length' 8 .next_cursor null '[.items[].id]|join(",")' "A1,A2,A3,A4,A5,A6,A7,A8"
as "$A" GET "/api/v1/accounts?plan=Pro"; expect "filter plan" 200 '[.items[].id]|join(",")' "A1,A2,A4,A6,A8"
as "$A" GET "/api/v1/accounts?owner=bob"; expect "filter owner" 200 '[.items[].id]|join(",")' "A5,A6,A7,A8"
as "$A" GET "/api/v1/accounts?attr.region=US"; expect "filter attribute" 200 '[.items[].id]|join(",")' "A6,A7,A8"
as "$A" GET "/api/v1/accounts?attr.seats=12"; expect "filter numeric attribute" 200 '[.items[].id]|join(",")' "A1"
as "$A" GET "/api/v1/accounts?plan=Pro&owner=amy&attr.region=EU"; expect "filters combine" 200 '[.items[].id]|join(",")' "A1,A2,A4"
as "$A" GET "/api/v1/accounts?sort=-mrr&limit=3"; expect "sort by mrr desc" 200 '[.items[].id]|join(",")' "A1,A8,A7"
as "$A" GET "/api/v1/accounts?sort=name"; expect "sort by name" 200 '.items[0].name' "Acme"
as "$A" GET "/api/v1/accounts?colour=red"; expect "unknown filter" 400 .error.field colour
as "$A" GET "/api/v1/accounts?seniority=executive"; expect "filter of another entity" 400
as "$A" GET "/api/v1/accounts?sort=colour"; expect "unknown sort" 400 .error.field sort
as "$A" GET "/api/v1/accounts?limit=0"; expect "limit 0" 400 .error.field limit
as "$A" GET "/api/v1/accounts?limit=501"; expect "limit 501" 400 .error.field limit
as "$A" GET "/api/v1/accounts?limit=500"; expect "limit 500" 200 '.items|length' 8
as "$A" GET "/api/v1/accounts?attr.a=1&attr.b=2"; expect "two attribute filters" 400

# cursor pagination: pages of 3 by mrr ascending, ties broken by id, no row twice
seen=""
cur=""
pages=0
while :; do
        as "$A" GET "/api/v1/accounts?sort=mrr&limit=3${cur:+&cursor=$cur}"
        check "page $pages" "$STATUS" 200
        seen="$seen$(printf '%s' "$BODY" | jq -r '[.items[].id]|join(",")'),"
        pages=$((pages + 1))
        cur=$(printf '%s' "$BODY" | jq -r '.next_cursor // empty')
        [ -n "$cur" ] || break
        [ $pages -lt 10 ] || { fail "pagination does not end"; break; }
done
check "pages" "$pages" 3
check "page contents" "$seen" "A2,A3,A4,A5,A6,A7,A8,A1,"
# ties: 5 Pro and 3 Free accounts sorted by plan (descending) in pages of 2, ids break ties
seen=""; cur=""; pages=0
while :; do
        as "$A" GET "/api/v1/accounts?sort=-plan&limit=2${cur:+&cursor=$cur}"
        seen="$seen$(printf '%s' "$BODY" | jq -r '[.items[] | .plan + ":" + .id]|join(",")'),"
        pages=$((pages + 1))
        cur=$(printf '%s' "$BODY" | jq -r '.next_cursor // empty')
        [ -n "$cur" ] && [ $pages -lt 10 ] || break
done
check "pages with ties" "$pages" 4
check "tie order" "$seen" "Pro:A8,Pro:A6,Pro:A4,Pro:A2,Pro:A1,Free:A7,Free:A5,Free:A3,"
as "$A" GET "/api/v1/accounts?sort=mrr&limit=3"
C1=$(printf '%s' "$BODY" | jq -r .next_cursor)
as "$A" GET "/api/v1/accounts?sort=name&limit=3&cursor=$C1"; expect "cursor of another sort" 400 .error.field cursor
as "$A" GET "/api/v1/accounts?cursor=garbage!"; expect "garbage cursor" 400 .error.field cursor
# the last page is exact: 8 rows in pages of 4 give no third page
as "$A" GET "/api/v1/accounts?limit=4"; C=$(printf '%s' "$BODY" | jq -r .next_cursor)
as "$A" GET "/api/v1/accounts?limit=4&cursor=$C"; expect "exact last page" 200 '.items|length' 4 .next_cursor null

# ---- PUT replaces, PATCH merges ----
as "$A" PATCH /api/v1/accounts/A1 "${J[@]}" -d '{"plan":"Premium","attributes":{"seats":20,"tier":"gold"}}'
expect "patch" 200 .plan Premium .name Acme .attributes.seats 20 .attributes.region EU .attributes.tier gold
as "$A" PATCH /api/v1/accounts/A1 "${J[@]}" -d '{"owner":null,"attributes":{"tier":null}}'
expect "patch null clears" 200 .owner null '.attributes|has("tier")' false .attributes.region EU
as "$A" PUT /api/v1/accounts/A1 "${J[@]}" -d '{"name":"Acme Ltd","plan":"Pro","attributes":{"region":"UK"}}'
expect "put replaces" 200 .name "Acme Ltd" .mrr null .currency null '.attributes|keys|join(",")' region .attributes.region UK
as "$A" PUT /api/v1/accounts/A1 "${J[@]}" -d '{"id":"B1","name":"x"}'; expect "put changes id" 422 .error.field id
as "$A" PUT /api/v1/accounts/NOPE "${J[@]}" -d '{"name":"x"}'; expect "put missing" 404
as "$A" PATCH /api/v1/accounts/A1 "${J[@]}" -d '{"mrr":"x"}'; expect "patch invalid" 422 .error.field mrr
as "$A" GET /api/v1/accounts/A1; expect "invalid patch wrote nothing" 200 .name "Acme Ltd" .mrr null
as "$A" PATCH /api/v1/accounts/A1 "${J[@]}" -d '{"churned_at":"2024-06-30T12:00:00+02:00"}'
expect "churn" 200 .churned true .churned_at 2024-06-30T10:00:00Z

# ---- people ----
post /api/v1/people '{"id":"P1","account_id":"A1","name":"Ann Example","email":"ann@example.com","role":"VP Sales"}'
expect "create person" 201 .seniority executive .account_id A1
post /api/v1/people '{"id":"P2","account_id":"A1","name":"Bo","role":"Support Manager"}'
expect "person 2" 201 .seniority manager
post /api/v1/people '{"id":"P3","account_id":"A2","name":"Cy","role":"Engineer","seniority":"director"}'
expect "explicit seniority" 201 .seniority director
post /api/v1/people '{"id":"P4","account_id":"NOPE"}'; expect "unknown account" 422 .error.field account_id
post /api/v1/people '{"id":"P4","account_id":"A1","email":"not-an-address"}'; expect "bad email" 422 .error.field email
post /api/v1/people '{"id":"P4","account_id":"A1","seniority":"boss"}'; expect "bad seniority" 422 .error.field seniority
as "$A" GET "/api/v1/people?account_id=A1"; expect "people of an account" 200 '[.items[].id]|join(",")' "P1,P2"
as "$A" GET "/api/v1/people?seniority=executive"; expect "people by seniority" 200 '[.items[].id]|join(",")' "P1"
as "$A" GET "/api/v1/people?seniority=boss"; expect "bad seniority filter" 400 .error.field seniority
as "$A" GET "/api/v1/people?sort=-seniority"; expect "people by seniority desc" 200 '[.items[].id]|join(",")' "P1,P3,P2"
as "$A" PATCH /api/v1/people/P1 "${J[@]}" -d '{"email":"ann.new@example.com","name":"Ann Other"}'
expect "patch person" 200 .email ann.new@example.com
as "$A" GET "/api/v1/audit?entity=people"
expect "person audit names changed fields" 200 '.items[0].action' update '.items[0].summary.changed|sort|join(",")' "email,name" '.items[0].summary|has("before")' false
case "$BODY" in *ann*|*Ann*|*example.com*) fail "audit log holds personal values: $BODY" ;; esac

# ---- capabilities and objectives ----
post /api/v1/capabilities '{"id":"C1","name":"Reporting","plans":["Pro","Premium"],"interaction_types":["report_view"]}'
expect "create capability" 201 '.plans|join(",")' "Pro,Premium"
post /api/v1/capabilities '{"id":"C2","name":"SSO"}'; expect "capability 2" 201 '.plans|length' 0
post /api/v1/capabilities '{"id":"C3","name":"X","plans":"Pro"}'; expect "plans not a list" 422 .error.field plans
post /api/v1/objectives '{"id":"O1","account_id":"A1","person_id":"P1","title":"Board reporting","importance":5,"capabilities":["C1","C2"]}'
expect "create objective" 201 .importance 5 .status open '.capabilities|join(",")' "C1,C2" .person_id P1
post /api/v1/objectives '{"id":"O2","account_id":"A1","title":"x","importance":9}'; expect "importance range" 422 .error.field importance
post /api/v1/objectives '{"id":"O2","account_id":"A2","person_id":"P1","title":"x"}'; expect "person of another account" 422
as "$A" GET "/api/v1/objectives?account_id=A1&status=open"; expect "objectives filter" 200 '[.items[].id]|join(",")' O1
as "$A" PUT /api/v1/objectives/O1 "${J[@]}" -d '{"account_id":"A1","title":"Board reporting","importance":4,"status":"done"}'
expect "put objective" 200 .status done .person_id null '.capabilities|length' 0
as "$A" PATCH /api/v1/objectives/O1 "${J[@]}" -d '{"capabilities":["C1"],"person_id":"P1"}'
expect "patch objective list" 200 '.capabilities|join(",")' C1 .status done .person_id P1
as "$A" DELETE /api/v1/capabilities/C1; expect "delete capability in use" 409 .error.code conflict
as "$A" DELETE /api/v1/capabilities/C2; expect "delete unused capability" 204
as "$A" GET /api/v1/capabilities/C2; expect "capability gone" 404

# ---- subscriptions ----
post /api/v1/subscriptions '{"account_id":"A1","plan":"Pro","mrr":100,"started_at":"2024-01-01"}'
expect "create subscription" 201 .plan Pro .ended_at null
SID=$(printf '%s' "$BODY" | jq -r .id)
check "subscription Location" "$(header Location)" "/api/v1/subscriptions/$SID"
post /api/v1/subscriptions '{"account_id":"A1","plan":"Pro","mrr":100,"started_at":"2024-01-01"}'
expect "same period twice" 409
post /api/v1/subscriptions '{"account_id":"A1","plan":"Premium","mrr":200,"started_at":"2024-07-01"}'
expect "second period" 201
post /api/v1/subscriptions '{"id":5,"account_id":"A1","plan":"Pro","mrr":1,"started_at":"2025-01-01"}'
expect "client-chosen subscription id" 422 .error.field id
as "$A" GET "/api/v1/subscriptions?account_id=A1&sort=-started_at"; expect "subscriptions of A1" 200 '[.items[].plan]|join(",")' "Premium,Pro"
as "$A" PATCH "/api/v1/subscriptions/$SID" "${J[@]}" -d '{"ended_at":"2024-07-01"}'
expect "end a period" 200 .ended_at 2024-07-01T00:00:00Z .plan Pro
as "$A" PATCH "/api/v1/subscriptions/$SID" "${J[@]}" -d '{"started_at":"2024-02-01"}'
expect "change the key" 422 .error.field started_at
as "$A" PATCH "/api/v1/subscriptions/$SID" "${J[@]}" -d '{"started_at":"2024-01-01T00:00:00Z","mrr":90}'
expect "same key written differently" 200 .mrr 90

# ---- deletes refused while referenced ----
as "$A" DELETE /api/v1/accounts/A1; expect "delete referenced account" 409 .error.code conflict
case "$BODY" in *people*) ;; *) fail "409 names what refers: $BODY" ;; esac
as "$A" DELETE /api/v1/people/P1; expect "delete person with objective" 409
as "$A" DELETE /api/v1/objectives/O1; expect "delete objective" 204
as "$A" DELETE /api/v1/people/P1; expect "delete person" 204
as "$A" DELETE /api/v1/people/P1; expect "delete twice" 404
as "$A" DELETE /api/v1/people/P2; expect "delete person 2" 204
as "$A" DELETE "/api/v1/subscriptions/$SID"; expect "delete subscription" 204
as "$A" GET "/api/v1/subscriptions?account_id=A1"; SID2=$(printf '%s' "$BODY" | jq -r '.items[0].id')
as "$A" DELETE "/api/v1/subscriptions/$SID2"; expect "delete subscription 2" 204
as "$A" DELETE /api/v1/accounts/A1; expect "delete free account" 204
as "$A" GET /api/v1/accounts/A1; expect "account gone" 404
# a deleted account can be created again (id caches of every worker forget it)
for i in 1 2 3 4; do
        post /api/v1/people "{\"id\":\"Q$i\",\"account_id\":\"A1\"}"
        check "person of a deleted account ($i)" "$STATUS" 422
done

# ---- audit of writes ----
as "$A" GET "/api/v1/audit?entity=accounts&limit=1"
expect "account delete audited" 200 '.items[0].action' delete '.items[0].entity_id' A1 '.items[0].actor' admin '.items[0].summary.before.plan' Pro
as "$A" GET "/api/v1/audit?entity=subscriptions&limit=500"; expect "subscription writes audited" 200 '[.items[].action]|join(",")' "delete,delete,update,update,create,create"

stop_server
finish
