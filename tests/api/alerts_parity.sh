#!/usr/bin/env bash
# Alerts, tasks, outcomes, webhooks, the sweet spot and a dry-run detection read through
# `cxgarden ... --json` and through the API are the same JSON document (key order aside): both
# front ends render with src/app/view_alerts.c. Also: alert and task changes made on the
# command line are audited like the API's.
. "$(dirname "$0")/lib/common.bash"

cli() { "$BIN" --db "$DB" "$@"; }
# same NAME CLI_FILE API_FILE: the two documents are equal once keys are sorted
same() {
        CHECKS=$((CHECKS + 1))
        if ! diff <(jq -S . "$2") <(jq -S . "$3") >"$T/diff"; then
                fail "$1: CLI and API differ: $(head -20 "$T/diff")"
        fi
}
# api PATH JQ OUT: GET PATH with the admin token, keep JQ of the reply in OUT
api() {
        as "$A" GET "$1"
        check "GET $1" "$STATUS" 200
        printf '%s' "$BODY" | jq "$2" >"$3"
}

write_ini
cli generate --seed 1 --scale 0.05 >/dev/null 2>&1
cli detect --no-deliver >/dev/null
[ "$(cxg_db_sql "$DB" "SELECT count(*) FROM tasks")" -ge 2 ] || fail "detection made fewer than two tasks"

# ---- changes on the command line, each audited ----
ALERT=$(cxg_db_sql "$DB" "SELECT min(id) FROM alerts")
TASK=$(cxg_db_sql "$DB" "SELECT min(id) FROM tasks")
TASK2=$(cxg_db_sql "$DB" "SELECT max(id) FROM tasks")
cli alerts ack "$ALERT" --reason "looking into it" >/dev/null
check "cli alert change audited" \
        "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'alerts' AND entity_id = '$ALERT' AND action = 'update' AND summary LIKE '%\"after\":\"acknowledged\"%' AND summary LIKE '%\"before\":\"open\"%'")" 1
check "cli alert actor" "$(cxg_db_sql "$DB" "SELECT CASE WHEN actor LIKE 'cli%' THEN 1 ELSE 0 END FROM audit_log WHERE entity = 'alerts' AND entity_id = '$ALERT'")" 1
cli tasks update "$TASK" --status in_progress --notes "called the CFO" >/dev/null
cli tasks done "$TASK2" --action meeting --outcome "back on the weekly call" >/dev/null
check "cli task changes audited" \
        "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'tasks' AND entity_id IN ('$TASK', '$TASK2') AND action = 'update'")" 2
check "cli task change summary" \
        "$(cxg_db_sql "$DB" "SELECT json_extract(summary, '\$.change.status') || '|' || json_extract(summary, '\$.before.status') FROM audit_log WHERE entity = 'tasks' AND entity_id = '$TASK2'")" "done|open"
# a refused change writes nothing, not even its audit record
cli alerts dismiss "$ALERT" 2>/dev/null && fail "dismissed without a reason"
check "refused change not audited" "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'alerts'")" 1
cli webhook add http://127.0.0.1:9/hook --kinds account_at_risk --min-severity high >/dev/null
check "cli webhook audited" "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'webhooks' AND action = 'create'")" 1
check "detection audited" "$(cxg_db_sql "$DB" "SELECT count(*) FROM audit_log WHERE entity = 'detect' AND action = 'run'")" 1

mkuser admin admin >/dev/null
A=$(mktoken admin read-write)
start_server

# ---- the same documents through both front ends ----
cli alerts --limit 500 --json >"$T/c"; api "/api/v1/alerts?limit=500" .alerts "$T/a"; same "alerts" "$T/c" "$T/a"
cli alerts --status acknowledged --json >"$T/c"; api "/api/v1/alerts?status=acknowledged" .alerts "$T/a"
same "alerts by status" "$T/c" "$T/a"
check "one acknowledged alert" "$(jq length "$T/c")" 1
cli alerts show "$ALERT" --json >"$T/c"; api "/api/v1/alerts/$ALERT" . "$T/a"; same "one alert" "$T/c" "$T/a"
check "api field names on the CLI" "$(jq -r 'has("account_id") and has("person_id") and (has("account") | not)' "$T/c")" true
cli tasks --limit 500 --json >"$T/c"; api "/api/v1/tasks?limit=500" .tasks "$T/a"; same "tasks" "$T/c" "$T/a"
check "tasks have account_id" "$(jq -r '[.[] | has("account_id") and has("person_id")] | all' "$T/c")" true
cli tasks show "$TASK" --json >"$T/c"; api "/api/v1/tasks/$TASK" . "$T/a"; same "one task" "$T/c" "$T/a"
check "task notes" "$(jq -r .notes "$T/c")" "called the CFO"
cli tasks outcomes --json >"$T/c"; api /api/v1/tasks/outcomes .actions "$T/a"; same "outcomes" "$T/c" "$T/a"
cli webhook list --json >"$T/c"; api /api/v1/webhooks .webhooks "$T/a"; same "webhooks" "$T/c" "$T/a"
cli webhook deliveries 1 --json >"$T/c"; api /api/v1/webhooks/1/deliveries .deliveries "$T/a"
same "deliveries" "$T/c" "$T/a"
cli sweetspot --by plan,region --limit 1000 --json >"$T/c"; api "/api/v1/sweetspot?by=plan,region" . "$T/a"
same "sweet spot" "$T/c" "$T/a"
check "sweet spot has segments" "$(jq '.segments | length > 0' "$T/c")" true
# a dry run finds the same; the timings (seconds) differ by nature
cli detect --dry-run --json | jq 'del(.seconds)' >"$T/c"
as "$A" POST "/api/v1/detect?dry_run=true"
check "POST detect" "$STATUS" 200
printf '%s' "$BODY" | jq 'del(.seconds)' >"$T/a"
same "dry-run detection" "$T/c" "$T/a"
check "dry run found alerts" "$(jq '.found > 0 and .dry_run' "$T/c")" true

stop_server
finish
