#!/usr/bin/env bash
# gardens_cli.sh: `cxgarden gardens`, `ideas` and `ledger`: usage errors (exit 2), refused
# writes (exit 1 with the rule named), the governed life cycle from the command line with
# `--as` and `--why`, the [gardens] approvers setting, JSON output and the demo seeding.
set -uo pipefail
BIN=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect CODE command...
        local want=$1; shift
        "$@" >out 2>err
        local got=$?
        [ "$got" = "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(cat err)"
}
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" t) || exit $?
G() { "$BIN" --db "$db" "$@"; }

expect 0 G generate --seed 1 --scale 0.2 --activity 0.05
expect 0 $BIN gardens --help
grep -q 'gardens impact' out || fail "help lists impact"
expect 2 G gardens
expect 2 G gardens frobnicate
expect 2 G ideas move 1 approved --as x
grep -q -- '--why' err || fail "move without --why names it: $(cat err)"
expect 2 G ideas move abc approved --as x --why y
expect 2 G ideas create talent --title T --metric churn --as x
expect 0 G gardens seed-demo --json
[ "$(jq .gardens out)" = 3 ] || fail "seed-demo JSON: $(cat out)"
[ "$(jq .ideas out)" = 21 ] || fail "seed-demo ideas: $(cat out)"
expect 1 G gardens seed-demo
grep -q 'members already' err || fail "second seed refused: $(cat err)"

expect 0 G gardens list --json
[ "$(jq length out)" = 3 ] || fail "three gardens"
expect 0 G gardens show talent-leaders-circle --json
[ "$(jq '.idea_list | map(.state) | unique | length' out)" = 7 ] || fail "ideas in every state: $(jq -c '.idea_list|map(.state)' out)"
expect 1 G gardens show nope
grep -q 'no garden "nope"' err || fail "missing garden message: $(cat err)"

# writes need a known acting user, and the rules hold
expect 2 G gardens create lab --name Lab --topic context
grep -q -- '--as USER' err || fail "create without --as: $(cat err)"
expect 1 G gardens create lab --name Lab --topic context --as nobody
grep -q 'unknown user "nobody"' err || fail "unknown user: $(cat err)"
expect 1 G gardens create lab --name Lab --topic context --as vp-success
grep -q 'only an analyst or an admin' err || fail "am cannot create: $(cat err)"
expect 0 G gardens create lab --name "Fit Lab" --topic long_term_fit --segment plan=Premium --as cx-analyst
expect 0 G ideas create lab --title "Annual fit review" --metric retention_180d --as cx-analyst
ID=$(cxg_db_sql "$db" "SELECT id FROM ideas WHERE title = 'Annual fit review'")
expect 0 G ideas vote "$ID" up --as cx-analyst
expect 0 G ideas move "$ID" under_review --as cx-analyst --why "ready"
# one approver is enough with [gardens] approvers = 1
printf '[gardens]\napprovers = 1\n' >one.ini
expect 0 G --config one.ini ideas move "$ID" approved --as cx-analyst --why "clear metric" --json
[ "$(jq -r .to out)" = approved ] && [ "$(jq .moved out)" = true ] || fail "approved with 1 approver: $(cat out)"
printf '[gardens]\napprovers = 0\n' >bad.ini
expect 2 G --config bad.ini ideas move "$ID" running --as cx-analyst --why x
expect 1 G ideas move "$ID" running --as cx-analyst --why "go"
grep -q 'no experiment' err || fail "running needs an experiment: $(cat err)"
ACC=$(cxg_db_sql "$db" "SELECT ext_id FROM accounts WHERE plan = 'Premium' LIMIT 2" | paste -sd,)
expect 0 G ideas experiment "$ID" --start 2026-01-01 --end 2026-04-01 --accounts "$ACC" --as cx-analyst
expect 0 G ideas move "$ID" running --as cx-analyst --why "set up"
expect 0 G ideas results "$ID" --as cx-analyst --json
[ "$(jq -r .metric out)" = retention_180d ] || fail "results metric: $(cat out)"
# the board member may conclude only in a garden where they sit on the board
expect 1 G ideas move "$ID" adopted --as board-sponsor --why "retention holds"
grep -q 'a sponsor of the garden' err || fail "board outside the garden: $(cat err)"
expect 2 G gardens add-member lab --user board-sponsor --as cx-analyst
expect 0 G gardens add-member lab --user board-sponsor --role board --as cx-analyst
expect 0 G ideas move "$ID" adopted --as board-sponsor --why "retention holds"
expect 1 G ideas move "$ID" withdrawn --as cx-analyst --why late
grep -q 'adopted is final' err || fail "final state: $(cat err)"
expect 0 G ideas rollout "$ID" --segment plan=Premium --at 2026-05-01 --as cx-analyst
expect 0 G ideas rollout-report "$ID" --json
[ "$(jq -r '.rollouts[0].segment_spec' out)" = plan=Premium ] || fail "rollout report: $(cat out)"
expect 0 G ideas show "$ID" --json
[ "$(jq '.transitions | length' out)" = 4 ] || fail "four transitions: $(cat out)"
[ "$(jq -r '.transitions[-1].why' out)" = "retention holds" ] || fail "why recorded"

expect 0 G ledger leaderboard --by group --json
[ "$(jq '.rows | length' out)" = 3 ] || fail "three support groups"
expect 0 G ledger trend --garden lab --json
expect 2 G ledger leaderboard --by planet
expect 0 G ledger points idea 7 --as cx-analyst
grep -q '^idea  *7$' out || fail "points table: $(cat out)"
expect 1 G ledger points idea 7 --as vp-success
expect 0 G ledger credit promotion --person "$(cxg_db_sql "$db" 'SELECT ext_id FROM people LIMIT 1')" --cause introduction --garden lab --as cx-analyst
expect 0 G gardens impact --json
[ "$(jq '.retention_180d.ci95 | length' out)" = 2 ] || fail "impact interval: $(cat out)"
expect 0 G gardens suggest lab --limit 3 --json
[ "$(jq '.candidates | length' out)" -le 3 ] && [ "$(jq -r .topic out)" != null ] || fail "suggest limit"
expect 0 G gardens impact
grep -q 'retention 180d' out || fail "impact text"
echo "ok"
