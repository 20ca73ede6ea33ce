#!/usr/bin/env bash
# privacy_api.sh BINARY: GET /api/v1/people/{id}/export and DELETE /api/v1/people/{id}?erase=true
# (issue 9, privacy): admins only; the export holds the person's data; after the erasure the API
# serves nothing of them (entity, engagement from the engine snapshot, export), the database
# file and WAL hold nothing of them, and the aggregates stay.
. "$(dirname "$0")/lib/common.bash"

PIDX=dana-4c1 EMAIL=dana.plover@example.net COMMENT="Frobnicate onboarding was painful"
printf 'id,name\nA1,Acme\n' >"$T/a.csv"
printf 'id,account_id,name,email,role\n%s,A1,Dana Plover,%s,CFO\nP2,A1,Other,o@example.net,Engineer\n' "$PIDX" "$EMAIL" >"$T/p.csv"
{
        echo "id,person_id,ts,type,channel,value,note"
        for i in $(seq 1 40); do echo "$PIDX-e$i,$PIDX,$((1700000000 + i * 3600)),login,web,$i,note-$PIDX"; done
        for i in $(seq 1 10); do echo "p2-e$i,P2,$((1700000000 + i * 3600)),login,app,$i,x"; done
} >"$T/i.csv"
printf 'person_id,ts,kind,score,comment\n%s,2024-01-02,nps,4,%s\nP2,2024-01-02,nps,9,ok\n' "$PIDX" "$COMMENT" >"$T/f.csv"
for k in "accounts a" "people p" "interactions i" "feedback f"; do
        set -- $k
        "$BIN" --db "$DB" import "$1" "$T/$2.csv" 2>/dev/null
done
write_ini
mkuser admin admin >/dev/null
mkuser ann analyst >/dev/null
A=$(mktoken admin read-write)
N=$(mktoken ann read-write)
start_server

# who may: admins only
as "$N" GET "/api/v1/people/$PIDX/export"
check "analyst export" "$STATUS" 403
as "$N" DELETE "/api/v1/people/$PIDX?erase=true"
check "analyst erase" "$STATUS" 403
as "$A" GET /api/v1/people/nobody/export
expect "export unknown" 404 .error.code not_found

# export
as "$A" GET "/api/v1/people/$PIDX/export"
expect "export" 200 .person.email "$EMAIL" .person.name "Dana Plover" .person.seniority executive \
        '.interactions|length' 40 '.interactions[0].attributes.note' "note-$PIDX" \
        '.feedback[0].comment' "$COMMENT" '.feedback|length' 1
as "$A" GET "/api/v1/people/$PIDX/engagement"
check "engagement before" "$STATUS" 200
before=$(cxg_db_sql "$DB" "SELECT count(*), sum(value) FROM interactions; SELECT count(*), sum(score) FROM feedback")

# erase
as "$A" DELETE "/api/v1/people/$PIDX?erase=true"
expect "erase" 200 .erased true .interactions 40 .feedback 1 .wal_cleared true
anon=$(printf '%s' "$BODY" | jq -r .id)
as "$A" DELETE "/api/v1/people/$PIDX?erase=true"
check "erase again by the old id" "$STATUS" 404
as "$A" DELETE "/api/v1/people/$anon?erase=true"
expect "erase an erased person" 409 .error.code conflict
as "$A" GET "/api/v1/people/$PIDX"
check "entity by the old id" "$STATUS" 404
as "$A" GET "/api/v1/people/$PIDX/engagement"
check "engagement by the old id (engine snapshot reloaded)" "$STATUS" 404
as "$A" GET "/api/v1/people/$PIDX/export"
check "export by the old id" "$STATUS" 404
as "$A" GET "/api/v1/people/$anon"
expect "anonymous person" 200 .email null .name null
as "$A" GET "/api/v1/people/$anon/engagement"
check "the anonymous person still counts in the engine" "$STATUS" 200
as "$A" GET "/api/v1/people?limit=500"
if grep -qF -e "$PIDX" -e "$EMAIL" <<<"$BODY"; then fail "the people list still shows them"; fi
as "$A" GET "/api/v1/audit?limit=500"
if grep -qF -e "$PIDX" -e "$EMAIL" -e "Dana" <<<"$BODY"; then fail "the audit log still shows them: $BODY"; fi
printf '%s' "$BODY" | jq -e --arg id "$anon" '[.items[]? // .[]? | select(.action == "erase" and .entity_id == $id)] | length == 1' >/dev/null ||
        fail "no audit entry for the erasure: $BODY"
stop_server
after=$(cxg_db_sql "$DB" "SELECT count(*), sum(value) FROM interactions; SELECT count(*), sum(score) FROM feedback")
check "aggregates" "$after" "$before"
for needle in "$PIDX" "$EMAIL" "Dana Plover" "Frobnicate"; do
        if [ "$(cxg_backend)" = pg ]; then
                db_dump "$T/dump"
                grep -aqF -- "$needle" "$T/dump" && fail "'$needle' is still in the database"
                continue
        fi
        for f in "$DB" "$DB-wal" "$DB-shm"; do
                [ -f "$f" ] || continue
                grep -aqF -- "$needle" "$f" && fail "'$needle' is still in $(basename "$f")"
        done
done
finish
