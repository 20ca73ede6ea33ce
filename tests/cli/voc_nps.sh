#!/usr/bin/env bash
# voc_nps.sh BIN: `cxgarden nps|csat|ces` on generated data agree with the same figures
# computed independently from the database (sqlite3 or psql), and usage errors exit 2.
set -euo pipefail
bin=$1
. "$(dirname "$0")/../lib/db.bash"
[ "$(cxg_backend)" = pg ] && need_tool psql || need_tool sqlite3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$(cxg_db "$dir" g) || exit $?
"$bin" --db "$db" generate --scale 0.03 >/dev/null 2>&1
json=$("$bin" --db "$db" nps --json)
# the figures in SQL both backends run (CASE, not SQLite's boolean sums), formatted by awk
want=$(cxg_db_sql "$db" "select count(*), sum(case when score >= 9 then 1 else 0 end) - sum(case when score <= 6 then 1 else 0 end) from feedback where kind = 0" |
        awk -F'|' '{ printf "%d %.4f\n", $1, 100.0 * $2 / $1 }')
got=$(printf '%s' "$json" | python3 -c 'import json,sys; a=json.load(sys.stdin)["all"]["stat"]; print(a["n"], "%.4f" % a["unweighted"]["value"])')
[ "$got" = "$want" ] || { echo "nps: got '$got', want '$want'"; exit 1; }
# per plan, weighted by MRR: each plan's n matches, weighted figure reported beside
"$bin" --db "$db" nps --by plan --weight mrr --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["weight"] == "mrr" and r["by"] == "plan"
assert sum(g["stat"]["n"] for g in r["groups"]) == r["all"]["stat"]["n"]
w = r["all"]["stat"]["weighted"]
assert w is not None and w["n"] < r["all"]["stat"]["n"], w
for g in r["groups"]:
    u = g["stat"]["unweighted"]
    assert u["ci_low"] <= u["value"] <= u["ci_high"], g'
want=$(cxg_db_sql "$db" "select sum(case when score >= 4 then 1 else 0 end), count(*) from feedback where kind = 1" |
        awk -F'|' '{ printf "%.4f\n", 100.0 * $1 / $2 }')
got=$("$bin" --db "$db" csat --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["all"]["stat"]["unweighted"]["value"])')
[ "$got" = "$want" ] || { echo "csat: got $got, want $want"; exit 1; }
want=$(cxg_db_sql "$db" "select sum(score), count(*) from feedback where kind = 2" |
        awk -F'|' '{ printf "%.4f\n", $1 / $2 }')
got=$("$bin" --db "$db" ces --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["all"]["stat"]["unweighted"]["value"])')
[ "$got" = "$want" ] || { echo "ces: got $got, want $want"; exit 1; }
# monthly series: the months' answers add up to the total
"$bin" --db "$db" nps --monthly --json | python3 -c '
import json, sys
a = json.load(sys.stdin)["all"]
assert len(a["months"]) >= 12 and sum(m["stat"]["n"] for m in a["months"]) == a["stat"]["n"]'
"$bin" --db "$db" voc experience --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
n = r["all"]["n"]
assert n == r["no_interaction"]["stat"]["n"] + sum(o["stat"]["n"] for o in r["by_outcome"])
assert n == r["no_interaction"]["stat"]["n"] + sum(b["stat"]["n"] for b in r["by_duration"])'
set +e
"$bin" --db "$db" nps --weight gold >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || { echo "bad --weight: exit $rc, want 2"; exit 1; }
echo "ok"
