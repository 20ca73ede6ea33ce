#!/usr/bin/env bash
# import_telco.sh: the acceptance check of issue 2 on the public telco churn data set:
# 7043 accounts, 0 rejected, attributes kept, the 11 blank TotalCharges as JSON null, 1869
# churned; a second run updates all 7043.
set -euo pipefail
BIN=$1
CSV=${CXG_SOURCE_DIR:?}/../shared/data/telco-customer-churn.csv
. "$(dirname "$0")/../lib/skip.bash"
[ -f "$CSV" ] || skip_no_data "$CSV is absent"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" t) || exit $?
fail() { echo "FAIL: $*"; exit 1; }
# a JSON attribute's type and value in each backend's dialect (SQLite's json_type names)
if [ "$(cxg_backend)" = pg ]; then
        need_tool psql
        jtype() { echo "replace(replace(jsonb_typeof(attributes::jsonb -> '$1'), 'number', 'real'), 'string', 'text')"; }
        jtext() { echo "(attributes::jsonb ->> '$1')"; }
else
        need_tool sqlite3
        jtype() { echo "replace(json_type(attributes, '\$.$1'), 'integer', 'real')"; }
        jtext() { echo "json_extract(attributes, '\$.$1')"; }
fi

out=$("$BIN" --db "$db" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn --json 2>"$dir/err") ||
        fail "exit $? ($(cat "$dir/err"))"
grep <<<"$out" -q '"read":7043,"imported":7043,"updated":0,"rejected":0' || fail "summary: $out"
[ ! -e "$CSV.rejects.csv" ] || fail "a rejects file was written"

[ "$(cxg_db_sql "$db" 'SELECT count(*) FROM accounts')" = 7043 ] || fail "row count"
[ "$(cxg_db_sql "$db" 'SELECT sum(churned) FROM accounts')" = 1869 ] || fail "churned count"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM accounts WHERE $(jtype TotalCharges) = 'null'")" = 11 ] ||
        fail "blank TotalCharges are not null"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM accounts WHERE $(jtype TotalCharges) = 'real'")" = 7032 ] ||
        fail "TotalCharges numbers"
[ "$(cxg_db_sql "$db" "SELECT $(jtext Contract), mrr FROM accounts WHERE ext_id = '7590-VHVEG'")" = "Month-to-month|29.85" ] ||
        fail "first customer's attributes"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM accounts WHERE attributes LIKE '%customerID%' OR attributes LIKE '%MonthlyCharges%' OR attributes LIKE '%\"Churn\"%'")" = 0 ] ||
        fail "mapped columns leaked into attributes"

set +e
"$BIN" --db "$db" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn 2>"$dir/err2"
rc=$?
set -e
[ $rc = 0 ] || fail "second run exit $rc"
grep -q 'read 7043, imported 0, updated 7043, rejected 0' "$dir/err2" || fail "second run: $(cat "$dir/err2")"
[ "$(cxg_db_sql "$db" 'SELECT count(*) FROM accounts')" = 7043 ] || fail "second run duplicated rows"
echo "ok"
