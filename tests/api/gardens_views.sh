#!/usr/bin/env bash
# API and CLI gardens: one operation, one document. An experiment result recorded from the API
# and one recorded from the CLI are measured on the configured `[gardens] impact_segment`
# (here `none`: no segment matching, not the default `currency`), and CLI `ideas show --json` and
# GET /api/v1/ideas/{id} answer the same document (key order aside) for ideas moved from
# either front end; CLI `ideas rollout-report --json` and GET /api/v1/ideas/{id}/rollouts answer
# the same rollout document for the demo's rolled-out ideas. Fails when the views or the
# recording drift apart.
# Data: the generator (scale 0.2) and `gardens seed-demo`.
. "$(dirname "$0")/lib/common.bash"

SERVER_EXTRA=$'[gardens]\nimpact_segment = none'
write_ini
"$BIN" --db "$DB" generate --seed 1 --scale 0.2 --activity 0.05 >/dev/null 2>&1
"$BIN" --db "$DB" gardens seed-demo >/dev/null 2>&1 || { echo "FAIL: seed-demo"; exit 1; }
q() { cxg_db_sql "$DB" "$1"; }
C=("$BIN" --db "$DB" --config "$INI")
CDEF=("$BIN" --db "$DB") # no config: the default impact_segment (currency)
GA=talent-leaders-circle
GB=recruiting-ops-guild
# the approved ideas (no experiment yet): measured over a past window with the gardens' accounts
IA=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GA' AND i.state = 'approved'")
IB=$(q "SELECT i.id FROM ideas i JOIN gardens g ON g.id = i.garden_id WHERE g.ext_id = '$GB' AND i.state = 'approved'")
[ -n "$IA" ] && [ -n "$IB" ] || { echo "FAIL: seed-demo has no approved ideas"; exit 1; }
accs() { q "SELECT DISTINCT a.ext_id FROM garden_members m JOIN people p ON p.id = m.person_id JOIN accounts a ON a.id = p.account_id JOIN gardens g ON g.id = m.garden_id WHERE g.ext_id = '$1' ORDER BY a.ext_id LIMIT 8" | jq -Rsc 'split("\n") | map(select(length > 0))'; }
AN=$(mktoken cx-analyst)
start_server
J=(-H 'Content-Type: application/json')
norm() { jq -S . ; }
for pair in "$IA:$GA" "$IB:$GB"; do
        id=${pair%%:*}
        as "$AN" PUT "/api/v1/ideas/$id/experiment" "${J[@]}" -d "{\"starts_at\":\"2026-03-01\",\"ends_at\":\"2026-09-01\",\"accounts\":$(accs "${pair#*:}")}"
        expect "experiment of $id" 200 .experiment.status planned
        as "$AN" POST "/api/v1/ideas/$id/transitions" "${J[@]}" -d '{"to":"running","why":"measure it"}'
        expect "idea $id running" 200 .state running
done

# what each segment choice measures now (dry runs record nothing)
NONE_A=$("${C[@]}" ideas results "$IA" --dry-run --json | norm)
CUR_A=$("${CDEF[@]}" ideas results "$IA" --dry-run --json | norm)
NONE_B=$("${C[@]}" ideas results "$IB" --dry-run --json | norm)
CUR_B=$("${CDEF[@]}" ideas results "$IB" --dry-run --json | norm)
[ -n "$NONE_A" ] && [ -n "$NONE_B" ] || fail "dry runs gave no result"
# the test can only tell the segments apart when they measure differently
[ "$NONE_A" != "$CUR_A" ] || fail "no segment and currency strata measure idea $IA the same"
[ "$NONE_B" != "$CUR_B" ] || fail "no segment and currency strata measure idea $IB the same"

# record A from the API, B from the CLI: both on the configured segment
as "$AN" POST "/api/v1/ideas/$IA/experiment/results"
expect "API records" 200 '.estimate|type' object
API_RES=$(printf '%s' "$BODY" | norm)
check "API result uses impact_segment = none" "$API_RES" "$NONE_A"
CLI_RES=$("${C[@]}" ideas results "$IB" --as cx-analyst --json | norm)
check "CLI result uses impact_segment = none" "$CLI_RES" "$NONE_B"
check "API result stored as answered" "$(q "SELECT result FROM experiments WHERE idea_id = $IA" | norm)" "$API_RES"
check "CLI result stored as printed" "$(q "SELECT result FROM experiments WHERE idea_id = $IB" | norm)" "$CLI_RES"
for id in "$IA" "$IB"; do
        check "result of idea $id audited once" "$(q "SELECT count(*) FROM audit_log WHERE action = 'result' AND entity = 'experiments' AND actor = 'cx-analyst' AND entity_id = (SELECT CAST(id AS TEXT) FROM experiments WHERE idea_id = $id)")" 1
done

# conclude A from the API, B from the CLI
as "$AN" POST "/api/v1/ideas/$IA/transitions" "${J[@]}" -d '{"to":"rejected","why":"no clear gain"}'
expect "API move" 200 .state rejected
"${C[@]}" ideas move "$IB" rejected --as cx-analyst --why "weaker than hoped" >/dev/null 2>&1 ||
        fail "CLI move"

# the same document from both front ends, for both ideas
for id in "$IA" "$IB"; do
        as "$AN" GET "/api/v1/ideas/$id"
        expect "API idea $id" 200 .state rejected
        API_DOC=$(printf '%s' "$BODY" | norm)
        CLI_DOC=$("${C[@]}" ideas show "$id" --json | norm)
        check "idea $id: CLI --json = API" "$CLI_DOC" "$API_DOC"
        check "idea $id: has its votes and rollouts" \
                "$(printf '%s' "$CLI_DOC" | jq -c '[(.vote_list|type), (.rollouts|type), (.experiment.result|type)]')" \
                '["array","array","object"]'
done
check "idea A carries the API result" "$(as "$AN" GET "/api/v1/ideas/$IA"; printf '%s' "$BODY" | jq -S .experiment.result)" "$API_RES"

# the rollout report: one document from both front ends, for every rolled-out demo idea
ROLLED=$(q "SELECT DISTINCT idea_id FROM rollouts ORDER BY idea_id")
[ "$(printf '%s\n' $ROLLED | wc -l)" -ge 2 ] || fail "seed-demo rolled out fewer than two ideas: '$ROLLED'"
for id in $ROLLED; do
        for days in 90 30; do
                as "$AN" GET "/api/v1/ideas/$id/rollouts?days=$days"
                expect "API rollouts of $id" 200 '.rollouts|length' "$(q "SELECT count(*) FROM rollouts WHERE idea_id = $id")"
                API_DOC=$(printf '%s' "$BODY" | norm)
                CLI_DOC=$("${C[@]}" ideas rollout-report "$id" --days "$days" --json | norm)
                check "rollouts of idea $id ($days days): CLI --json = API" "$CLI_DOC" "$API_DOC"
                check "rollouts of idea $id ($days days): ids, segments and windows" \
                        "$(printf '%s' "$CLI_DOC" | jq -c '[.rollouts[] | [.id, .segment_spec, .window_days, (.difference_in_differences|type)]]')" \
                        "$(q "SELECT id, segment FROM rollouts WHERE idea_id = $id ORDER BY id" |
                                jq -Rsc --argjson d "$days" 'split("\n") | map(select(length > 0) | index("|") as $i | [(.[:$i] | tonumber), .[$i + 1:], $d, "object"])')"
        done
done

# garden impact and invitation candidates: one document from both front ends
for g in all "$GA"; do
        as "$AN" GET "/api/v1/gardens/$g/impact?bands=2"
        expect "API impact of $g" 200 .garden "$g" '.retention_180d.ci95|length' 2
        cli_g=$g; [ "$g" = all ] && cli_g=""
        check "impact of $g: CLI --json = API" "$("${C[@]}" gardens impact $cli_g --bands 2 --json | norm)" "$(printf '%s' "$BODY" | norm)"
done
as "$AN" GET "/api/v1/gardens/$GB/suggestions?limit=5"
expect "API suggestions" 200 '.candidates|length>0' true
check "suggestions: CLI --json = API" "$("${C[@]}" gardens suggest "$GB" --limit 5 --json | norm)" "$(printf '%s' "$BODY" | norm)"

finish
