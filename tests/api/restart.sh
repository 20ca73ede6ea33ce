#!/usr/bin/env bash
# Restart from the persisted engine snapshot: a server started without a file loads from the
# store and writes one; SIGTERM saves it; rows imported while the server is down are replayed
# at the next start, whose log says it loaded the file; its answers match a server that loaded
# everything from the store; a corrupt file is rejected (logged) and rebuilt.
. "$(dirname "$0")/lib/common.bash"

SNAP=$SNAP_FILE
write_ini
mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
start_server
grep -q 'snapshot file not used.*No such file' "$T/log" || fail "first start logs the missing file"
J=(-H 'Content-Type: application/json')
as "$A" POST /api/v1/accounts "${J[@]}" -d '{"id":"A1","plan":"Pro","mrr":100,"created_at":"2024-01-01"}'
check "account" "$STATUS" 201
as "$A" POST /api/v1/people "${J[@]}" -d '{"id":"P1","account_id":"A1","role":"CEO","created_at":"2024-01-01"}'
check "person" "$STATUS" 201
as "$A" POST /api/v1/interactions "${J[@]}" -d '[{"person_id":"P1","ts":"2024-03-01T10:00:00Z","channel":"web","type":"login"},{"person_id":"P1","ts":"2024-03-05T10:00:00Z","channel":"app","type":"report"}]'
check "interactions" "$STATUS" 200
stop_server
grep -q "snapshot file $SNAP written" "$T/log" || fail "SIGTERM writes the snapshot file"
[ -s "$SNAP" ] || fail "snapshot file exists after shutdown"

# rows committed while the server is down come after the file
printf 'person_id,ts,channel,type\nP1,2024-03-09T10:00:00Z,email,open\nP1,2024-03-10T10:00:00Z,web,login\n' >"$T/more.csv"
"$BIN" --db "$DB" import interactions "$T/more.csv" >/dev/null 2>&1 || fail "import while stopped"

start_server
grep -q "snapshot file $SNAP loaded" "$T/log" || fail "second start loads the file"
grep -Eq "replayed [0-9]+ changes" "$T/log" || fail "second start logs the replayed changes"
as "$A" GET /api/v1/people/P1/engagement
expect "imported rows are seen" 200 .last_interaction 2024-03-10T10:00:00Z
as "$A" GET /api/v1/accounts/A1/scores
FROM_FILE=$BODY
stop_server

# the same answers from a server that loads everything from the store
SERVER_EXTRA='snapshot_file = off'
start_server
grep -q "snapshot file" "$T/log" && fail "snapshot_file = off uses no file"
as "$A" GET /api/v1/accounts/A1/scores
check "scores from the file equal scores from the store" "$BODY" "$FROM_FILE"
stop_server
SERVER_EXTRA=

# a corrupt file is detected, logged, and rebuilt from the store
size=$(stat -c %s "$SNAP")
byte=$(od -An -tx1 -j $((size / 2)) -N1 "$SNAP" | tr -d ' ')
new=X; [ "$byte" = 58 ] && new=Y
printf '%s' "$new" | dd of="$SNAP" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
start_server
grep -q 'snapshot file not used.*checksum mismatch' "$T/log" || fail "corrupt file rejected with the reason"
as "$A" GET /api/v1/accounts/A1/scores
check "scores after a rebuild" "$BODY" "$FROM_FILE"
stop_server
finish
