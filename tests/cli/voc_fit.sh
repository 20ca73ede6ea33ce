#!/usr/bin/env bash
# voc_fit.sh BIN: `cxgarden fit` on generated data finds the generator's planted under-reach
# (objectives needing capabilities their account's plan lacks, listed in the manifest) and its
# planted over-reach (Premium accounts using ~45% of the capabilities they pay for, ~75% in
# the --control company); per-account JSON is consistent; usage errors exit 2.
set -euo pipefail
bin=$1
. "$(dirname "$0")/../lib/skip.bash"
need_tool python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
g=$(cxg_db "$dir" g) || exit $?
c=$(cxg_db "$dir" c) || exit $?
"$bin" --db "$g" generate --seed 1 --scale 0.05 --manifest "$dir/g.manifest.json" >/dev/null 2>&1
"$bin" --db "$c" generate --seed 1 --scale 0.05 --control --manifest "$dir/c.manifest.json" >/dev/null 2>&1
"$bin" --db "$g" fit --under-reached --all --json >"$dir/under_all.json"
"$bin" --db "$g" fit --under-reached --json >"$dir/under_open.json"
"$bin" --db "$g" fit --summary --limit 0 --json >"$dir/sum.json"
"$bin" --db "$c" fit --summary --json >"$dir/sum_c.json"
python3 - "$dir" "$dir/g.manifest.json" "$dir/c.manifest.json" <<'PY'
import json, sys
d = sys.argv[1]
def fit_truth(path):
    m = json.load(open(path))
    return [s for s in m["scenarios"] if s["name"] == "fit"][0]
t = fit_truth(sys.argv[2])
truth = {(o["objective"], o["account"]): set(o["missing"]) for o in t["objectives_missing_capabilities"]}
assert len(truth) >= 10, len(truth)
under = json.load(open(d + "/under_all.json"))
got = {(o["objective"], o["account"]): {m["id"] for m in o["missing"]} for o in under}
hit = set(truth) & set(got)
precision, recall = len(hit) / len(got), len(hit) / len(truth)
print("under-reach: planted %d, found %d, precision %.3f, recall %.3f" % (len(truth), len(got), precision, recall))
assert precision >= 0.95 and recall >= 0.95, (precision, recall)
# the missing capabilities named are the planted ones, all plan gaps (the product has them all)
for k in hit:
    assert got[k] == truth[k], (k, got[k], truth[k])
assert all(o["plan_gap"] and not o["product_gap"] for o in under)
# open objectives only (the default) are a subset of all of them
open_ = {(o["objective"], o["account"]) for o in json.load(open(d + "/under_open.json"))}
assert open_ <= set(got) and 0 < len(open_) < len(got), (len(open_), len(got))
# over-reach: Premium's used share of paid capabilities, planted vs control
def premium(path):
    return [p for p in json.load(open(path))["plans"] if p["plan"] == "Premium"][0]
p, c = premium(d + "/sum.json"), premium(d + "/sum_c.json")
tc = fit_truth(sys.argv[3])
print("premium used share: planted %.3f (manifest %.3f), control %.3f (manifest %.3f)"
      % (p["used_share"], t["premium_mean_share_used_last_90_days"], c["used_share"],
         tc["premium_mean_share_used_last_90_days"]))
assert p["accounts"] == t["premium_accounts_at_end"], (p["accounts"], t["premium_accounts_at_end"])
assert abs(p["used_share"] - t["premium_mean_share_used_last_90_days"]) < 0.02
assert abs(c["used_share"] - tc["premium_mean_share_used_last_90_days"]) < 0.02
assert 0.38 <= p["used_share"] <= 0.52 and 0.66 <= c["used_share"] <= 0.82
assert c["used_share"] - p["used_share"] > 0.2
# paid-unused MRR of a plan = sum over its capabilities
s = json.load(open(d + "/sum.json"))
assert abs(sum(u["paid_unused_mrr"] for u in p["unused"]) - p["paid_unused_mrr"]) < 0.01
# the summary's under-reached objectives are those of active accounts (open ones)
assert s["accounts_under_reached"] >= 1 and s["objectives"][0]["mrr_at_stake"] > 0
assert any(b["id"] == "cap-sourcing-automation" for b in s["blocking"])
PY
# one planted account: its under-reach names the missing capability as a plan gap, and the
# over-reach price shares add up to the over-reach MRR
acct=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["account"])' "$dir/under_open.json")
"$bin" --db "$g" fit "$acct" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["under_reach"] and all(u["gap"] == "plan" for u in r["under_reach"]), r["under_reach"]
assert r["objectives_under_reached"] >= 1
assert abs(sum(o["price_share"] for o in r["over_reach"]) - r["over_reach_mrr"]) < 0.01
if r["over_reach"]:
    assert abs(r["over_reach"][0]["price_share"] - r["mrr"] / r["plan_capabilities"]) < 0.01
assert len(r["over_reach"]) == r["plan_capabilities"] - r["plan_capabilities_used"]
held = sum(h["objectives_held"] for h in r["stakeholders"])
assert held == len(r["objectives"]), (held, len(r["objectives"]))
assert all(h["seniority"] in ("executive", "director", "manager", "individual", "unknown", None)
           for h in r["stakeholders"])'
"$bin" --db "$g" fit "$acct" | grep >/dev/null "UNDER-REACH (plan gap)"
set +e
"$bin" --db "$g" fit no-such-account >/dev/null 2>&1; rc1=$?
"$bin" --db "$g" fit >/dev/null 2>&1; rc2=$?
"$bin" --db "$g" fit --summary --limit x >/dev/null 2>&1; rc3=$?
set -e
[ "$rc1" = 1 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ] || { echo "exit codes $rc1 $rc2 $rc3, want 1 2 2"; exit 1; }
echo "ok"
