#!/usr/bin/env bash
# The engine's reads through `cxgarden ... --json` and through the API are the same JSON
# document (key order aside) for the same query: segments, cohorts, an account's scores, NPS,
# CSAT and CES, comment themes and fit. Both front ends render with src/app/view_*.c.
# Nothing is dropped before comparing except what only one front end has (see the report of
# each pair below): `account ID --json` adds the stored score history.
. "$(dirname "$0")/lib/common.bash"

cli() { "$BIN" --db "$DB" --config "$INI" "$@"; }
# same NAME CLI_FILE API_FILE: the two documents are equal once keys are sorted
same() {
        CHECKS=$((CHECKS + 1))
        if ! diff <(jq -S . "$2") <(jq -S . "$3") >"$T/diff"; then
                fail "$1: CLI and API differ: $(head -20 "$T/diff")"
        fi
}
# pair NAME API_PATH CLI_ARGS...: run both, compare the whole documents
pair() {
        local name=$1 path=$2
        shift 2
        cli "$@" >"$T/c" || fail "$name: cxgarden $* failed"
        as "$A" GET "$path"
        check "GET $path" "$STATUS" 200
        printf '%s' "$BODY" >"$T/a"
        same "$name" "$T/c" "$T/a"
}

write_ini
cli generate --seed 1 --scale 0.02 >/dev/null 2>&1
cli score >/dev/null
mkuser admin admin >/dev/null
A=$(mktoken admin read)
start_server

ID=$(cxg_db_sql "$DB" "SELECT ext_id FROM accounts ORDER BY id LIMIT 1")
PLAN=$(cxg_db_sql "$DB" "SELECT plan FROM accounts WHERE plan IS NOT NULL ORDER BY id LIMIT 1")

pair "segments by plan" "/api/v1/segments?by=plan" segments --by plan --json
check "segments: the API's field names" \
        "$(jq -r '[.segments[] | has("name") and has("churn_rate") and (has("value") | not)] | all' "$T/c")" true
check "segments: at" "$(jq -r '.at | test("^20")' "$T/c")" true
pair "segments of people" "/api/v1/segments?by=seniority&entity=people" \
        segments --by seniority --people --json
pair "segments by owner" "/api/v1/segments?by=owner" segments --by owner --json
pair "cohorts" "/api/v1/cohorts" cohorts --json
check "cohorts found" "$(jq '.cohorts | length > 0' "$T/c")" true
pair "cohorts of people, cumulative" "/api/v1/cohorts?by=people&cumulative=true" \
        cohorts --by people --cumulative --json
pair "revenue cohorts of a plan" "/api/v1/cohorts?by=revenue&segment=plan=$PLAN" \
        cohorts --by revenue --segment "plan=$PLAN" --json
cli account "$ID" --json | jq 'del(.history)' >"$T/c"
as "$A" GET "/api/v1/accounts/$ID/scores"
printf '%s' "$BODY" >"$T/a"
same "account scores" "$T/c" "$T/a"
check "account scores found" "$(jq -r .id "$T/c")" "$ID"
for m in nps csat ces; do
        pair "$m" "/api/v1/voc/$m" "$m" --json
        pair "$m by plan, monthly" "/api/v1/voc/$m?by=plan&monthly=true" "$m" --by plan --monthly --json
        pair "$m weighted by mrr" "/api/v1/voc/$m?weight=mrr" "$m" --weight mrr --json
done
pair "ces agree" "/api/v1/voc/ces?ces_mode=agree" ces --ces-mode agree --json
pair "themes" "/api/v1/voc/themes" themes --json
pair "themes of a plan, nps, 5" "/api/v1/voc/themes?segment=plan=$PLAN&metric=nps&limit=5" \
        themes --segment "plan=$PLAN" --metric nps --limit 5 --json
pair "fit of an account" "/api/v1/accounts/$ID/fit" fit "$ID" --json
pair "fit summary" "/api/v1/fit/summary" fit --summary --json
pair "fit summary, all" "/api/v1/fit/summary?limit=0" fit --summary --limit 0 --json

stop_server
finish
