#!/usr/bin/env bash
# Segment collection endpoints one by one with the spec's own example payloads
# (tests/api/collect/spec, copied from Segment's HTTP API reference), then the errors: 400 for
# malformed or oversize requests, invalid events inside a valid batch filed in ingest_rejects
# and listed in the 200 answer, 401 for a missing or wrong write key, 403 for tokens without
# the ingest scope and for ingest tokens on read endpoints, [collect] unknown = reject.
. "$(dirname "$0")/lib/common.bash"
SPEC=$(cd "$(dirname "$0")/collect/spec" && pwd)
write_ini
mkuser admin admin >/dev/null
mkuser ann analyst >/dev/null
K=$(mktoken admin ingest)
R=$(mktoken admin read)
W=$(mktoken admin read-write)
AK=$(mktoken ann ingest)
start_server
q() { cxg_db_sql "$DB" "$1"; }
seg() { # seg PATH FILE-or-@- [curl args]: POST with the write key as the Basic user name
        local p=$1 f=$2
        shift 2
        req POST "$p" -u "$K:" -H 'Content-Type: application/json' --data-binary "$f" "$@"
}

# ---- the spec's examples, endpoint by endpoint (oracles from the payloads by hand)
seg /v1/identify @"$SPEC/identify.json"
expect "identify" 200 .success true .accepted 1 '.rejected|length' 0
check "identify: person" "$(q "SELECT name || '|' || email || '|' || json_extract(attributes, '\$.industry') FROM people WHERE ext_id = '019mr8mf4r'")" "Peter Gibbons|pgibbons@example.com|Technology"
check "identify without a group: placeholder account" "$(q "SELECT a.ext_id FROM people p JOIN accounts a ON a.id = p.account_id")" unassigned
seg /v1/track @"$SPEC/track.json"
expect "track" 200 .success true .accepted 1
# 2012-12-02T00:30:12.984Z = 1354408212 (no sentAt: the timestamp as given)
check "track: row" "$(q "SELECT t.name || '|' || i.ts || '|' || i.value || '|' || i.channel || '|' || json_extract(i.attributes, '\$.properties.name') || '|' || json_extract(i.attributes, '\$.context.ip') FROM interactions i JOIN interaction_types t ON t.id = i.type_id")" "Item Purchased|1354408212|14.99|0|Leap to Conclusions Mat|24.5.68.47"
seg /v1/page @"$SPEC/page.json"
expect "page" 200 .accepted 1
seg /v1/screen @"$SPEC/screen.json"
expect "screen" 200 .accepted 1
check "page on web, screen on app, at 2012-12-02T00:31:29Z = 1354408289" "$(q "SELECT t.name || ':' || i.channel || ':' || i.ts || ':' || json_extract(i.attributes, '\$.name') FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name IN ('page', 'screen') ORDER BY i.id" | paste -sd,)" "page:0:1354408289:Tracking HTTP API,screen:1:1354408289:Tracking HTTP API"
seg /v1/group @"$SPEC/group.json"
expect "group" 200 .accepted 1
check "group: account" "$(q "SELECT name || '|' || json_extract(attributes, '\$.employees') FROM accounts WHERE ext_id = '8e9df332ac'")" "Initech|420"
check "group: the person joined it" "$(q "SELECT a.ext_id FROM people p JOIN accounts a ON a.id = p.account_id WHERE p.ext_id = '019mr8mf4r'")" 8e9df332ac
seg /v1/alias @"$SPEC/alias.json"
expect "alias is not supported" 501 .error.code not_implemented '.error.message|test("alias is not supported")' true
seg /v1/batch @"$SPEC/batch.json"
# the docs' own batch holds two events dated "2015-2-02T...": not ISO 8601, so rejected
expect "batch" 200 .success true .accepted 2 '.rejected|length' 2 '[.rejected[].index]|join(",")' "2,3" \
        '[.rejected[].field]|join(",")' "timestamp,timestamp"
check "batch: Jake stored" "$(q "SELECT name FROM people WHERE email = 'jake@yahoo.com'")" "Jake Peterson"
check "batch: context merged from the envelope -> app channel" "$(q "SELECT i.channel || '|' || json_extract(i.attributes, '\$.context.device.name') FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name = 'Song Played'")" "1|Apple iPhone 6"
check "batch rejects filed with their payload" "$(q "SELECT count(*) FROM ingest_rejects WHERE field = 'timestamp' AND json_extract(payload, '\$.userId') = '971mj8mk7p'")" 2

# ---- idempotency: a messageId per write key is stored once
msg='{"userId":"019mr8mf4r","event":"Retry Me","messageId":"m-1"}'
seg /v1/track "$msg"; expect "first send" 200 .accepted 1 .duplicates 0
seg /v1/track "$msg"; expect "retry acknowledged" 200 .accepted 0 .duplicates 1
check "stored once" "$(q "SELECT count(*) FROM interactions i JOIN interaction_types t ON t.id = i.type_id WHERE t.name = 'Retry Me'")" 1
req POST /v1/track -u "$W:" --data-binary "$msg"
expect "same messageId from another write key is another message" 200 .accepted 1
seg /v1/batch '{"batch":[{"type":"track","userId":"u9","event":"Twice","messageId":"m-2"},{"type":"track","userId":"u9","event":"Twice","messageId":"m-2"}]}'
expect "duplicate inside one batch" 200 .accepted 1 .duplicates 1

# ---- invalid events inside a valid batch: listed, filed, the rest committed
before=$(q "SELECT count(*) FROM interactions")
seg /v1/batch '{"batch":[{"type":"track","userId":"u1","event":"Ok"},{"type":"track","userId":"u1"},{"type":"track","anonymousId":"a1","event":"Anon"},{"type":"launch","userId":"u1"},{"type":"group","userId":"u1"},{"type":"track","userId":"u1","event":"Bad time","timestamp":"yesterday"},"not an object"],"sentAt":"2024-01-01T00:00:00Z"}'
expect "mixed batch" 200 .accepted 1 '.rejected|length' 6 '[.rejected[].field]|join(",")' "event,userId,type,groupId,timestamp," \
        '.rejected[1].reason|test("anonymous")' true
check "only the valid event stored" "$(q "SELECT count(*) FROM interactions")" $((before + 1))
big=$(head -c 40000 /dev/zero | tr '\0' x)
printf '{"batch":[{"type":"track","userId":"u1","event":"Small"},{"type":"track","userId":"u1","event":"Big","properties":{"blob":"%s"}}]}' "$big" >"$T/big.json"
seg /v1/batch @"$T/big.json"
expect "oversize event inside a batch" 200 .accepted 1 '.rejected[0].index' 1 '.rejected[0].reason|test("32 KB")' true

# ---- malformed or oversize requests: 400, nothing stored
before=$(q "SELECT count(*) FROM interactions")
seg /v1/track '{"userId": "u1", "event": '; expect "malformed JSON" 400 .error.code bad_request
seg /v1/batch '{"batch": {"type": "track"}}'; expect "batch not an array" 400 .error.field batch
seg /v1/track '[1,2]'; expect "not an object" 400 .error.code bad_request
printf '{"userId":"u1","event":"Big","properties":{"blob":"%s"}}' "$big" >"$T/big1.json"
seg /v1/track @"$T/big1.json"; expect "call over 32 KB" 400 '.error.message|test("32 KB per call")' true
{ printf '{"batch":['; for i in $(seq 1 14); do printf '{"type":"track","userId":"u1","event":"E","properties":{"b":"%s"}},' "$big"; done; printf '{"type":"track","userId":"u1","event":"E"}]}'; } >"$T/huge.json"
seg /v1/batch @"$T/huge.json"; expect "batch over 500 KB" 400 '.error.message|test("500 KB per batch")' true
req POST /v1/track -u "$K:" -H 'Content-Encoding: gzip' --data-binary '{}'; expect "gzip" 415
check "nothing stored by bad requests" "$(q "SELECT count(*) FROM interactions")" "$before"

# ---- write keys and scopes
req POST /v1/track --data-binary "$msg"; expect "no key" 401
req POST /v1/track -u "cxg_wrong:" --data-binary "$msg"; expect "wrong key" 401 .error.code unauthorized
req POST /v1/track -H 'Authorization: Basic !!!' --data-binary "$msg"; expect "garbled Basic" 401
req POST /v1/track -u "$R:" --data-binary "$msg"; expect "read token cannot send" 403
req POST /v1/track -u "$AK:" --data-binary "$msg"; expect "an analyst's ingest token cannot write" 403
as "$K" GET /api/v1/accounts; expect "ingest token cannot list accounts" 403 '.error.message|test("ingest scope")' true
as "$K" GET /api/v1/accounts/8e9df332ac/scores; expect "ingest token cannot read scores" 403
as "$K" GET /api/v1/me; expect "ingest token cannot read /me" 403
as "$K" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"X"}'; expect "ingest token cannot create accounts" 403
as "$K" POST /api/v1/interactions -H 'Content-Type: application/json' -d '{"person_id":"019mr8mf4r","ts":"2024-03-01","channel":"web","type":"login"}'
expect "ingest token may use the ingest endpoint" 200 .accepted 1
as "$W" GET /api/v1/accounts/8e9df332ac; expect "read-write token still reads" 200
"$BIN" --db "$DB" --config "$INI" token create --user admin --scope bogus >/dev/null 2>&1 && fail "bogus scope accepted" || true

# ---- [collect] unknown = reject
stop_server
SERVER_EXTRA=$'\n[collect]\nunknown = reject' start_server
seg /v1/batch '{"batch":[{"type":"track","userId":"stranger","event":"Hello","messageId":"s-1"},{"type":"track","userId":"019mr8mf4r","event":"Known","context":{"groupId":"nope"}}]}'
expect "unknown person rejected" 200 .accepted 1 '.rejected[0].field' userId '.rejected[0].reason|test("unknown person")' true
check "no person created" "$(q "SELECT count(*) FROM people WHERE ext_id = 'stranger'")" 0
check "rejected messageId not marked as stored" "$(q "SELECT count(*) FROM collect_seen WHERE message_id = 's-1'")" 0
seg /v1/identify '{"userId":"stranger","traits":{"name":"S"},"context":{"groupId":"8e9df332ac"}}'
expect "identify declares the person" 200 .accepted 1
seg /v1/track '{"userId":"stranger","event":"Hello","messageId":"s-1"}'
expect "now known" 200 .accepted 1 .duplicates 0
finish
