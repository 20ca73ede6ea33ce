#!/usr/bin/env bash
# alerts_planted.sh BINARY: on generated data with the planted scenarios (scale 0.1, seed 1)
# the early-warning detectors find what was planted: erosion behind growth in the executive
# segment with the MRR growth that hides it, and the `like` degradation within two weeks of
# its start (2026-06-01, from the manifest); alerts are deduplicated, become tasks for the
# account owners, and can be triaged and closed from the command line.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/cxg-test-alerts-XXXXXX)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" g) || exit $?

fail() { echo "FAIL: $*" >&2; exit 1; }
# jq-free JSON checks: python3 is part of the base system
py() { python3 -c "$1" "${@:2}"; }

"$bin" --db "$db" generate --seed 1 --scale 0.1 --manifest "$dir/g.manifest.json" >/dev/null 2>&1
start=$(py 'import json,sys
m=json.load(open(sys.argv[1]))
s=[x for x in m["scenarios"] if x["name"]=="experience_degradation"][0]
print(s["from"])' "$dir/g.manifest.json")
[ "$start" = 2026-06-01 ] || fail "manifest: like degradation starts $start"

# one week after the change: not yet (the rule wants two drifting weeks), two weeks: found
"$bin" --db "$db" detect --at 2026-06-07 --dry-run --only experience_degradation --json >"$dir/w1"
py 'import json,sys
d=json.load(open(sys.argv[1]))
assert not [a for a in d["alerts"] if a["subject"]=="like"], "like alert after one week"' "$dir/w1" ||
  fail "alert after one week"
"$bin" --db "$db" detect --at 2026-06-14 --dry-run --only experience_degradation --json >"$dir/w2"
py 'import json,sys
d=json.load(open(sys.argv[1]))
like=[a for a in d["alerts"] if a["subject"]=="like"]
assert len(like)==1, d["alerts"]
e=like[0]["evidence"]
assert e["first_week"]=="2026-06-01", e["first_week"]
assert e["baseline"]["p95_ms"] < 600, e["baseline"]
assert e["current"]["p95_ms"] > 5000, e["current"]
assert len(e["accounts_most_exposed"]) == 5
assert like[0]["severity"]=="critical"
assert d["dry_run"] and d["created"]==0' "$dir/w2" || fail "like alert within two weeks: $(cat "$dir/w2")"

# the full run at the end of the data: stored, with tasks
"$bin" --db "$db" detect --json >"$dir/d1"
py 'import json,sys
d=json.load(open(sys.argv[1]))
ero=[a for a in d["alerts"] if a["kind"]=="erosion_behind_growth"]
assert [a["subject"] for a in ero]==["seniority=executive"], [a["subject"] for a in ero]
e=ero[0]["evidence"]
assert e["top_line"]["metric"]=="mrr" and e["top_line"]["growth"] > 0.1, e["top_line"]
assert e["top_line"]["after"] > e["top_line"]["before"]
m=[x for x in e["metrics"] if x["metric"]=="engagement"][0]
assert m["change"] < -0.25 and m["p_adjusted"] < 0.01, m
assert m["rest"]["change"] > -0.05, m["rest"]
exp=[a for a in d["alerts"] if a["kind"]=="experience_degradation"]
assert [a["subject"] for a in exp]==["like"], exp
risk=[a for a in d["alerts"] if a["kind"]=="account_at_risk"]
assert len(risk) >= 5
assert d["created"]==len(d["alerts"]) and d["tasks_created"]==len(risk), d' "$dir/d1" ||
  fail "detect at the end: $(head -c 2000 "$dir/d1")"

# running again finds the same things and adds nothing
"$bin" --db "$db" detect --json >"$dir/d2"
py 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["created"]==0 and d["seen"]==d["found"] and d["tasks_created"]==0, d' "$dir/d2" ||
  fail "second run duplicated alerts"
n=$(cxg_db_sql "$db" "SELECT count(*) FROM alerts")
[ "$n" = "$(py 'import json,sys; print(json.load(open(sys.argv[1]))["found"])' "$dir/d1")" ] ||
  fail "alerts table holds $n rows"

# alerts: list, filter, show, triage
"$bin" --db "$db" alerts --status open --kind erosion_behind_growth >"$dir/list"
grep -q 'seniority executive: engagement' "$dir/list" || fail "alerts list: $(cat "$dir/list")"
id=$(cxg_db_sql "$db" "SELECT id FROM alerts WHERE kind='experience_degradation'")
"$bin" --db "$db" alerts show "$id" --json >"$dir/show"
py 'import json,sys
a=json.load(open(sys.argv[1]))
assert a["subject"]=="like" and a["status"]=="open" and a["evidence"]["interaction_type"]=="like"' \
  "$dir/show" || fail "alerts show"
"$bin" --db "$db" alerts ack "$id" --by maria >/dev/null
if "$bin" --db "$db" alerts dismiss "$id" 2>"$dir/err"; then fail "dismissed without a reason"; fi
grep -q 'needs a reason' "$dir/err" || fail "dismiss message: $(cat "$dir/err")"
"$bin" --db "$db" alerts resolve "$id" --reason "rolled back the feed cache" --by maria >/dev/null
[ "$(cxg_db_sql "$db" "SELECT status || '|' || status_by || '|' || status_reason FROM alerts WHERE id=$id")" = \
  "resolved|maria|rolled back the feed cache" ] || fail "resolve not recorded"
"$bin" --db "$db" alerts show 99999 2>"$dir/err" && fail "showed a missing alert"
grep -q 'alert 99999 not found' "$dir/err" || fail "missing alert message"
"$bin" --db "$db" alerts --status bogus 2>"$dir/err" && fail "accepted a bogus status"
grep -q 'unknown alert status' "$dir/err" || fail "bogus status message"

# tasks: one per account alert, for the account's owner, closed with an action
owner=$(cxg_db_sql "$db" "SELECT c.owner FROM tasks t JOIN accounts c ON c.id = t.account_id ORDER BY t.id LIMIT 1")
[ -n "$owner" ] || fail "task without the account owner"
"$bin" --db "$db" tasks --owner "$owner" --json >"$dir/tasks"
py 'import json,sys
t=json.load(open(sys.argv[1]))
assert t and all(x["owner"]==sys.argv[2] and x["alert_kind"]=="account_at_risk" for x in t), t
assert all(x["health_before"] is not None for x in t)' "$dir/tasks" "$owner" || fail "tasks --owner"
tid=$(cxg_db_sql "$db" "SELECT min(id) FROM tasks")
"$bin" --db "$db" tasks done "$tid" 2>"$dir/err" && fail "closed a task without an action"
grep -q 'say what was done' "$dir/err" || fail "done message: $(cat "$dir/err")"
"$bin" --db "$db" tasks done "$tid" --action meeting --outcome "CFO back on the weekly call" >/dev/null
[ "$(cxg_db_sql "$db" "SELECT status || '|' || action FROM tasks WHERE id=$tid")" = "done|meeting" ] ||
  fail "task not closed"
"$bin" --db "$db" tasks outcomes --json >"$dir/out"
py 'import json,sys
o=json.load(open(sys.argv[1]))
assert [x["action"] for x in o]==["meeting"] and o[0]["done"]==1, o' "$dir/out" || fail "outcomes"

# sweet spot: every plan with its size, ranked
"$bin" --db "$db" sweetspot --json >"$dir/ss"
py 'import json,sys
s=json.load(open(sys.argv[1]))
segs={x["segment"]:x for x in s["segments"]}
assert set(segs) >= {"plan=Free","plan=Pro","plan=Premium"}, segs.keys()
assert sum(x["size"] for x in s["segments"])==s["accounts"]
ranked=[x for x in s["segments"] if x["rank"]]
assert [x["rank"] for x in ranked]==list(range(1,len(ranked)+1))
assert all(ranked[i]["score"]>=ranked[i+1]["score"] for i in range(len(ranked)-1))
assert segs["plan=Free"]["mrr_mean"]==0' "$dir/ss" || fail "sweetspot: $(cat "$dir/ss")"
"$bin" --db "$db" sweetspot --by ',' 2>"$dir/err" && fail "accepted an empty field"

# usage errors
"$bin" --db "$db" detect --only nothing 2>"$dir/err" && fail "accepted an unknown kind"
grep -q 'unknown alert kind "nothing"' "$dir/err" || fail "kind message"
echo ok
