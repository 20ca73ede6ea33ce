#!/bin/bash
# engine_commands.sh: score, accounts, account and cohorts on generated demo data: the score
# history is written and read back, --at scores the past, sorting and limits work, errors are
# clear, and the cohort and lifecycle views add up.
set -euo pipefail
BIN=${1:?usage: engine_commands.sh PATH/TO/cxgarden}
DIR=$(mktemp -d /tmp/cxg-eng-cli-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
. "$(dirname "$0")/../lib/db.bash"
DB=$(cxg_db "$DIR" g) || exit $?
fail() { echo "FAIL: $*"; exit 1; }
"$BIN" --db "$DB" generate --seed 3 --scale 0.02 >/dev/null 2>&1 || fail "generate"

# score: summary, timings, history rows = accounts
OUT=$("$BIN" --db "$DB" score)
echo "$OUT"
N=$(cxg_db_sql "$DB" "select count(*) from accounts")
grep <<<"$OUT" -q "^scored $N accounts and" || fail "score summary"
echo "$OUT" | grep -Eq "^load [0-9.]+ s .* compute [0-9.]+ s \(2 threads\), write [0-9.]+ s$" \
        || fail "score timings"
[ "$(cxg_db_sql "$DB" "select count(*) from score_history")" = "$N" ] || fail "history rows"
# a second run at a past date adds a second dated row per account
"$BIN" --db "$DB" score --at 2026-09-30 --json >"$DIR/s.json"
grep -q '"at":"2026-09-30"' "$DIR/s.json" || fail "score --at json: $(cat "$DIR/s.json")"
[ "$(cxg_db_sql "$DB" "select count(distinct at) from score_history")" = "2" ] || fail "two dates"
# the history's components are JSON with every component and reasons
cxg_db_sql "$DB" "select components from score_history limit 1" | grep >/dev/null '"senior_hold":' \
        || fail "components json"
# rerunning the same date replaces instead of duplicating
"$BIN" --db "$DB" score --at 2026-09-30 >/dev/null
[ "$(cxg_db_sql "$DB" "select count(*) from score_history")" = "$((2 * N))" ] || fail "replace"

# a scorecard from the config file applies to its plan and is recorded in the history
cat >"$DIR/c.ini" <<'INI'
[scorecard premium]
match = plan=Premium
stakeholders = 1
poor_below = 30
good_from = 60
INI
"$BIN" --db "$DB" --config "$DIR/c.ini" score --at 2026-08-31 >/dev/null
P=$(cxg_db_sql "$DB" "select count(*) from accounts where plan = 'Premium'")
[ "$P" -gt 0 ] || fail "no Premium accounts in the demo data"
[ "$(cxg_db_sql "$DB" "select count(*) from score_history where scorecard = 'premium'")" = "$P" ] \
        || fail "premium scorecard rows"
printf '[engagement]\nhalf_life = 3\n' >"$DIR/bad.ini"
set +e
"$BIN" --db "$DB" --config "$DIR/bad.ini" score 2>"$DIR/err"
[ $? -eq 1 ] || fail "bad config exits 1"
set -e
grep -q ":2: unknown key 'engagement.half_life'" "$DIR/err" || fail "bad config message: $(cat "$DIR/err")"

# accounts: sorted by health ascending, limit respected
"$BIN" --db "$DB" accounts --limit 5 >"$DIR/a.txt"
[ "$(wc -l <"$DIR/a.txt")" = "6" ] || fail "accounts --limit 5"
"$BIN" --db "$DB" accounts --sort mrr --limit 0 --json >"$DIR/a.json"
[ "$(grep -o '"id":"acc-' "$DIR/a.json" | wc -l)" = "$N" ] || fail "accounts --json count"
# mrr sorted descending
grep -o '"mrr":[0-9.]*' "$DIR/a.json" | cut -d: -f2 | sort -gr -c || fail "mrr order"

# account ID: components, reasons, stakeholders, history
ID=$(grep -o '"id":"acc-[0-9]*"' "$DIR/a.json" | head -1 | cut -d'"' -f4)
"$BIN" --db "$DB" account "$ID" >"$DIR/one.txt"
grep -q "^account $ID" "$DIR/one.txt" || fail "account header"
grep -q "^stakeholders:" "$DIR/one.txt" || fail "stakeholders"
grep -Eq "^  20[0-9-]+  default +health" "$DIR/one.txt" || fail "history lines"
"$BIN" --db "$DB" account "$ID" --json >"$DIR/one.json"
grep -q '"history":\[{"at":' "$DIR/one.json" || fail "account json"
set +e
"$BIN" --db "$DB" account nope 2>"$DIR/err"
[ $? -eq 1 ] && grep -q 'no account with id "nope"' "$DIR/err" || fail "unknown account"
"$BIN" --db "$DB" accounts --sort bogus 2>"$DIR/err"
[ $? -eq 2 ] || fail "bad --sort exits 2"
"$BIN" --db "$DB" score --at yesterday 2>"$DIR/err"
[ $? -eq 2 ] || fail "bad --at exits 2"
"$BIN" --db "$DIR/missing.db" accounts 2>"$DIR/err"
[ $? -eq 1 ] || fail "missing database exits 1"
set -e

# cohorts: every cohort's period 0 at most its size; cumulative never above recurring
"$BIN" --db "$DB" cohorts --json >"$DIR/c.json"
"$BIN" --db "$DB" cohorts --cumulative --json >"$DIR/cc.json"
grep -q '"cohorts":\[{"month":"20' "$DIR/c.json" || fail "cohorts json"
"$BIN" --db "$DB" cohorts --by revenue >"$DIR/r.txt"
head -1 "$DIR/r.txt" | grep >/dev/null "^revenue retention" || fail "revenue"
"$BIN" --db "$DB" cohorts --lifecycle --segment plan=Pro >"$DIR/l.txt"
grep -q "^20[0-9][0-9]-[0-9][0-9] " "$DIR/l.txt" || fail "lifecycle"
"$BIN" --db "$DB" cohorts --lifecycle --people --json >"$DIR/lp.json"
grep -q '"entity":"people"' "$DIR/lp.json" || fail "people lifecycle"
echo ok
