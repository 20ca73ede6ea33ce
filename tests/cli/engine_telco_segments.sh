#!/bin/bash
# engine_telco_segments.sh: churn by Contract on the public telco dataset: 26.5% overall and
# 42.7% / 11.3% / 2.8% for Month-to-month / One year / Two year (the published figures).
set -euo pipefail
BIN=${1:?usage: engine_telco_segments.sh PATH/TO/cxgarden}
CSV=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/../shared/data/telco-customer-churn.csv
. "$(dirname "$0")/../lib/skip.bash"
[ -f "$CSV" ] || skip_no_data "$CSV not found (the telco dataset lives outside the repository)"
DIR=$(mktemp -d /tmp/cxg-telco-seg-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
. "$(dirname "$0")/../lib/db.bash"
DB=$(cxg_db "$DIR" t) || exit $?
"$BIN" --db "$DB" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn \
        >/dev/null 2>"$DIR/import.err"
OUT=$("$BIN" --db "$DB" segments --by Contract)
echo "$OUT"
fail() { echo "FAIL: $*"; exit 1; }
echo "$OUT" | grep -Eq '^Month-to-month +3875 +42\.7% ' || fail "Month-to-month row"
echo "$OUT" | grep -Eq '^One year +1473 +11\.3% ' || fail "One year row"
echo "$OUT" | grep -Eq '^Two year +1695 +2\.8% ' || fail "Two year row"
echo "$OUT" | grep -Eq '^\(all\) +7043 +26\.5% ' || fail "overall row"
# JSON (the API's document, GET /api/v1/segments): exact churned counts 1655 + 166 + 48 = 1869
J=$("$BIN" --db "$DB" segments --by Contract --metric count,churn --json)
jq -e '.segments[] | select(.name == "Month-to-month") | .count == 3875 and .churned == 1655
        and (.churn_rate * 100 | round) == 4271 and (has("mrr") | not)' <<<"$J" >/dev/null \
        || fail "json Month-to-month: $J"
jq -e '.total | .name == "(all)" and .count == 7043 and .churned == 1869
        and (.churn_rate * 100 | round) == 2654' <<<"$J" >/dev/null \
        || fail "json total: $J"
# a canonical field and a usage error
"$BIN" --db "$DB" segments --by churned --metric count | grep -Eq '^yes +1869$' \
        || fail "segments by churned"
set +e
"$BIN" --db "$DB" segments >/dev/null 2>"$DIR/err"
[ $? -eq 2 ] || fail "missing --by must exit 2"
grep -q "give --by FIELD" "$DIR/err" || fail "missing --by message"
"$BIN" --db "$DB" segments --by Contract --metric bogus >/dev/null 2>"$DIR/err"
[ $? -eq 2 ] || fail "unknown metric must exit 2"
echo "ok"
