#!/usr/bin/env bash
# import_telco.sh: the acceptance check of issue 2 on the public telco churn data set:
# 7043 accounts, 0 rejected, attributes kept, the 11 blank TotalCharges as JSON null, 1869
# churned; a second run updates all 7043.
set -euo pipefail
BIN=$1
CSV=${CXG_SOURCE_DIR:?}/../shared/data/telco-customer-churn.csv
. "$(dirname "$0")/../lib/skip.bash"
[ -f "$CSV" ] || skip_no_data "$CSV is absent"
need_tool sqlite3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$dir/t.db
fail() { echo "FAIL: $*"; exit 1; }

out=$("$BIN" --db "$db" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn --json 2>"$dir/err") ||
        fail "exit $? ($(cat "$dir/err"))"
grep <<<"$out" -q '"read":7043,"imported":7043,"updated":0,"rejected":0' || fail "summary: $out"
[ ! -e "$CSV.rejects.csv" ] || fail "a rejects file was written"

[ "$(sqlite3 "$db" 'SELECT count(*) FROM accounts')" = 7043 ] || fail "row count"
[ "$(sqlite3 "$db" 'SELECT sum(churned) FROM accounts')" = 1869 ] || fail "churned count"
[ "$(sqlite3 "$db" "SELECT count(*) FROM accounts WHERE json_type(attributes, '\$.TotalCharges') = 'null'")" = 11 ] ||
        fail "blank TotalCharges are not null"
[ "$(sqlite3 "$db" "SELECT count(*) FROM accounts WHERE json_type(attributes, '\$.TotalCharges') IN ('real', 'integer')")" = 7032 ] ||
        fail "TotalCharges numbers"
[ "$(sqlite3 "$db" "SELECT json_extract(attributes, '\$.Contract') || '|' || mrr FROM accounts WHERE ext_id = '7590-VHVEG'")" = "Month-to-month|29.85" ] ||
        fail "first customer's attributes"
[ "$(sqlite3 "$db" "SELECT count(*) FROM accounts WHERE attributes LIKE '%customerID%' OR attributes LIKE '%MonthlyCharges%' OR attributes LIKE '%\"Churn\"%'")" = 0 ] ||
        fail "mapped columns leaked into attributes"

set +e
"$BIN" --db "$db" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn 2>"$dir/err2"
rc=$?
set -e
[ $rc = 0 ] || fail "second run exit $rc"
grep -q 'read 7043, imported 0, updated 7043, rejected 0' "$dir/err2" || fail "second run: $(cat "$dir/err2")"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM accounts')" = 7043 ] || fail "second run duplicated rows"
echo "ok"
