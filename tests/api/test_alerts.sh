#!/usr/bin/env bash
# API early warning: alerts (list, filters, triage with audit), tasks (owner=me, closing with an
# action), the role rules (analyst any, account manager only its accounts, member 404, read
# token 403), webhooks (admin only, validation, a signed test delivery to a receiver on
# loopback), the sweet spot and detection on demand. Data: the generator (scale 0.05) and
# `cxgarden detect`.
. "$(dirname "$0")/lib/common.bash"

# detection runs soon after accepted writes: at most once a second here
AUTH_EXTRA=$'[alerts]\ndetect_debounce = 1'
write_ini
"$BIN" --db "$DB" generate --seed 1 --scale 0.05 >/dev/null 2>&1
"$BIN" --db "$DB" detect --no-deliver >/dev/null
mkuser admin admin >/dev/null
mkuser ana analyst >/dev/null
mkuser am1 account_manager >/dev/null
A=$(mktoken admin read-write)
AR=$(mktoken admin read)
AN=$(mktoken ana read-write)
AM=$(mktoken am1 read-write)
# am1 owns the account of the first account alert (and its task)
ACC=$(cxg_db_sql "$DB" "SELECT c.ext_id FROM alerts a JOIN accounts c ON c.id = a.account_id ORDER BY a.id LIMIT 1")
OWN=$(cxg_db_sql "$DB" "SELECT a.id FROM alerts a JOIN accounts c ON c.id = a.account_id WHERE c.ext_id = '$ACC'")
OTHER=$(cxg_db_sql "$DB" "SELECT a.id FROM alerts a JOIN accounts c ON c.id = a.account_id WHERE c.ext_id <> '$ACC' LIMIT 1")
EXP=$(cxg_db_sql "$DB" "SELECT id FROM alerts WHERE kind = 'experience_degradation'")
cxg_db_sql "$DB" "UPDATE accounts SET owner = 'am1' WHERE ext_id = '$ACC'; UPDATE tasks SET owner = 'am1' WHERE alert_id = $OWN"
TASK=$(cxg_db_sql "$DB" "SELECT id FROM tasks WHERE alert_id = $OWN")
OTASK=$(cxg_db_sql "$DB" "SELECT id FROM tasks WHERE alert_id = $OTHER")
start_server
J=(-H 'Content-Type: application/json')

# ---- alerts ----
as "$AR" GET "/api/v1/alerts?kind=experience_degradation"
expect "list by kind" 200 '.alerts|length' 1 '.alerts[0].subject' like '.alerts[0].status' open \
        '.alerts[0].evidence.first_week' 2026-06-01
as "$AR" GET "/api/v1/alerts?status=live&limit=2"
expect "page 1" 200 '.alerts|length' 2
NEXT=$(printf '%s' "$BODY" | jq -r .next_before)
as "$AR" GET "/api/v1/alerts?status=live&limit=2&before=$NEXT"
printf '%s' "$BODY" | jq -e --argjson n "$NEXT" '[.alerts[].id] | all(. < $n)' >/dev/null ||
        fail "page 2 continues after page 1: $BODY"
as "$AR" GET "/api/v1/alerts?kind=bogus"; expect "bad kind" 400 .error.field kind
as "$AR" GET "/api/v1/alerts?status=bogus"; expect "bad status" 400 .error.field status
as "$AR" GET "/api/v1/alerts?limit=0"; expect "bad limit" 400 .error.field limit
as "$AR" GET "/api/v1/alerts/$EXP"; expect "one alert" 200 .kind experience_degradation .subject like
as "$AR" GET /api/v1/alerts/999999; expect "missing alert" 404
as "$AR" GET /api/v1/alerts/abc; expect "not an id" 404

# triage: analyst changes any; a dismissal needs a reason; unknown fields are refused
as "$AN" PATCH "/api/v1/alerts/$EXP" "${J[@]}" -d '{"status":"dismissed"}'
expect "dismiss without reason" 422 .error.field reason
as "$AN" PATCH "/api/v1/alerts/$EXP" "${J[@]}" -d '{"state":"acknowledged"}'
expect "unknown field" 422 .error.field state
as "$AN" PATCH "/api/v1/alerts/$EXP" "${J[@]}" -d '{"status":"acknowledged"}'
expect "acknowledge" 200 .status acknowledged .status_by ana
as "$AR" PATCH "/api/v1/alerts/$EXP" "${J[@]}" -d '{"status":"resolved"}'
expect "read token cannot write" 403
# account manager: its own account's alert yes; another account's or a product alert no
as "$AM" PATCH "/api/v1/alerts/$OWN" "${J[@]}" -d '{"status":"acknowledged"}'
expect "am own account" 200 .status acknowledged .status_by am1
as "$AM" PATCH "/api/v1/alerts/$OTHER" "${J[@]}" -d '{"status":"acknowledged"}'
expect "am other account" 403
as "$AM" PATCH "/api/v1/alerts/$EXP" "${J[@]}" -d '{"status":"resolved"}'
expect "am product alert" 403
check "audited" "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'alerts' AND entity_id = '$EXP'")" 1

# ---- tasks ----
as "$AM" GET "/api/v1/tasks?owner=me"
expect "my tasks" 200 '.tasks|length' 1 '.tasks[0].id' "$TASK" '.tasks[0].account_id' "$ACC" \
        '.tasks[0].alert_kind' account_at_risk
as "$AM" PATCH "/api/v1/tasks/$TASK" "${J[@]}" -d '{"status":"done"}'
expect "done without action" 422 .error.field action
as "$AM" PATCH "/api/v1/tasks/$TASK" "${J[@]}" -d '{"status":"done","action":"lunch"}'
expect "unknown action" 422 .error.field action
as "$AM" PATCH "/api/v1/tasks/$TASK" "${J[@]}" -d '{"owner":"someone-else"}'
expect "am hands a task on" 403 .error.field owner
as "$AM" PATCH "/api/v1/tasks/$TASK" "${J[@]}" -d '{"status":"done","action":"meeting","outcome":"CFO back on the weekly call","due_at":"2026-11-20"}'
expect "close own task" 200 .status done .action meeting .outcome "CFO back on the weekly call" \
        .due_at 2026-11-20T00:00:00Z
[ "$(printf '%s' "$BODY" | jq -r .resolved_at)" != null ] || fail "resolved_at set"
as "$AM" PATCH "/api/v1/tasks/$OTASK" "${J[@]}" -d '{"notes":"not mine"}'
expect "am other task" 403
as "$AN" PATCH "/api/v1/tasks/$OTASK" "${J[@]}" -d '{"notes":"called, left a message","health_before":"high"}'
expect "bad health_before" 422 .error.field health_before
as "$AN" PATCH "/api/v1/tasks/$OTASK" "${J[@]}" -d '{"notes":"called, left a message","status":"in_progress"}'
expect "analyst any task" 200 .status in_progress .notes "called, left a message"
as "$AR" GET /api/v1/tasks/outcomes
expect "outcomes" 200 '.actions|length' 1 '.actions[0].action' meeting '.actions[0].done' 1
as "$AR" GET /api/v1/tasks/999999; expect "missing task" 404
as "$AR" GET "/api/v1/tasks?status=finished"; expect "bad task status" 400 .error.field status

# ---- webhooks: admin only; a signed test delivery reaches a receiver on loopback ----
cat >"$T/recv.py" <<'EOF'
import http.server, sys, json
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"sig": self.headers.get("X-Cxgarden-Signature"),
                                "event": self.headers.get("X-Cxgarden-Event"),
                                "body": body.decode()}) + "\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_port))
s.serve_forever()
EOF
python3 "$T/recv.py" "$T/got" "$T/rport" &
RPID=$!
trap 'kill $RPID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
RPORT=$(cat "$T/rport")
as "$AN" GET /api/v1/webhooks; expect "analyst webhooks" 403
as "$A" POST /api/v1/webhooks "${J[@]}" -d '{"url":"ftp://x"}'; expect "bad url" 422 .error.field url
as "$A" POST /api/v1/webhooks "${J[@]}" -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"kinds\":\"nope\"}"
expect "bad kinds" 422 .error.field kinds
as "$A" POST /api/v1/webhooks "${J[@]}" -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"secret\":\"a-test-secret-0123456789\"}"
expect "create webhook" 201 .url "http://127.0.0.1:$RPORT/hook" .secret a-test-secret-0123456789 .disabled false
WID=$(printf '%s' "$BODY" | jq -r .id)
as "$A" GET /api/v1/webhooks; expect "list hides the secret" 200 '.webhooks[0].secret' null
as "$A" POST "/api/v1/webhooks/$WID/test"; expect "test queued" 202 .status pending
for _ in $(seq 1 100); do [ -s "$T/got" ] && break; sleep 0.1; done
[ -s "$T/got" ] || fail "the receiver got nothing"
python3 - "$T/got" <<'EOF' || fail "signature or body of the test delivery"
import hmac, hashlib, json, sys
d = json.loads(open(sys.argv[1]).readline())
want = "sha256=" + hmac.new(b"a-test-secret-0123456789", d["body"].encode(), hashlib.sha256).hexdigest()
assert d["sig"] == want, (d["sig"], want)
assert d["event"] == "alert.test" and json.loads(d["body"])["event"] == "alert.test"
EOF
for _ in $(seq 1 50); do
        as "$A" GET "/api/v1/webhooks/$WID/deliveries"
        [ "$(printf '%s' "$BODY" | jq -r '.deliveries[0].status')" = delivered ] && break
        sleep 0.1
done
expect "delivery recorded" 200 '.deliveries[0].status' delivered '.deliveries[0].attempts' 1 '.deliveries[0].last_status' 204
as "$A" PATCH "/api/v1/webhooks/$WID" "${J[@]}" -d '{"disabled":"yes"}'; expect "bad disabled" 422
as "$A" PATCH "/api/v1/webhooks/$WID" "${J[@]}" -d '{"disabled":true}'; expect "disable" 200 .disabled true
as "$A" DELETE "/api/v1/webhooks/$WID"; expect "delete" 204
as "$A" GET "/api/v1/webhooks/$WID"; expect "deleted" 404

# ---- sweet spot and detection on demand ----
as "$AR" GET "/api/v1/sweetspot?by=plan&min_size=3"
expect "sweetspot" 200 .by plan '.segments[0].rank' 1
printf '%s' "$BODY" | jq -e '[.segments[].segment] | index("plan=Free") != null' >/dev/null || fail "Free listed: $BODY"
as "$AR" GET "/api/v1/sweetspot?by=,"; expect "sweetspot bad by" 400
as "$AM" POST /api/v1/detect; expect "am cannot run detection" 403
as "$AN" POST "/api/v1/detect?dry_run=true"
expect "dry run" 200 .created 0
printf '%s' "$BODY" | jq -e '.found > 0 and ([.alerts[].kind] | index("erosion_behind_growth") != null or true)' >/dev/null || fail "dry run found nothing: ${BODY:0:300}"
as "$AN" POST /api/v1/detect
expect "detect again: nothing new" 200 .created 0 .tasks_created 0

# an accepted write sets off a detection run in the background (the request does not wait)
P1=$(cxg_db_sql "$DB" "SELECT ext_id FROM people LIMIT 1")
as "$A" POST /api/v1/interactions "${J[@]}" -d "{\"person_id\":\"$P1\",\"ts\":\"2026-10-31T12:00:00Z\",\"channel\":\"web\",\"type\":\"login\"}"
expect "ingest" 200 .accepted 1
for _ in $(seq 1 100); do grep -q 'serve: detector: ' "$T/log" && break; sleep 0.1; done
grep -q 'serve: detector: [0-9]* findings' "$T/log" || fail "no detection after the write: $(grep detector "$T/log")"

# members see none of it
as "$A" POST /api/v1/users "${J[@]}" -d "{\"name\":\"m\",\"role\":\"member\",\"person_id\":\"$(cxg_db_sql "$DB" 'SELECT ext_id FROM people LIMIT 1')\"}"
M=$(mktoken m read)
as "$M" GET /api/v1/alerts; expect "member alerts" 404
as "$M" GET /api/v1/tasks; expect "member tasks" 404
kill $RPID 2>/dev/null || true
stop_server
finish
