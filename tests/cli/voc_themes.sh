#!/usr/bin/env bash
# voc_themes.sh BIN: `cxgarden themes` on generated data ranks the generator's detractor
# vocabulary (its detractor comment templates in src/ingest/gen.c: slow, price, support that
# never answers, ...) first for detractors and its promoter vocabulary first for promoters;
# weighting, segments and languages; usage errors exit 2.
set -euo pipefail
bin=$1
. "$(dirname "$0")/../lib/skip.bash"
need_tool python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" g) || exit $?
"$bin" --db "$db" generate --seed 1 --scale 0.05 >/dev/null 2>&1
"$bin" --db "$db" themes --limit 10 --json >"$dir/t.json"
"$bin" --db "$db" themes --limit 10 --weight mrr --json >"$dir/w.json"
"$bin" --db "$db" themes --segment plan=Premium --json >"$dir/s.json"
# the database's figures, in SQL both backends run
nps_ab=$(cxg_db_sql "$db" "select sum(case when score <= 6 then 1 else 0 end), sum(case when score >= 9 then 1 else 0 end) from feedback where kind = 0 and comment is not null and comment != ''")
n_all=$(cxg_db_sql "$db" "select count(*) from feedback where comment is not null and comment != ''")
n_seg=$(cxg_db_sql "$db" "select count(*) from feedback f join accounts a on a.id = f.account_id where a.plan = 'Premium' and f.comment is not null and f.comment != ''")
python3 - "$dir" "$nps_ab" "$n_all" "$n_seg" <<'PY'
import json, sys
d = sys.argv[1]
# the generator's NPS comment templates (gen.c cm_detractor, cm_promoter) without their slots
detractor = """The app is so slow lately, | takes forever. Everything feels slow and laggy, especially |.
Pages time out all the time and | keeps failing. Too slow to be usable on a busy day; | hangs for
seconds. Way too expensive for what we get, and the price went up again. The price is hard to
justify when we only use |. We pay for features we never use and the renewal price is steep.
Support never answered our ticket about |. We waited days for support and nobody followed up.
Support keeps closing tickets without fixing |. Candidate quality is poor, most applicants for |
roles are not a fit. Too many irrelevant candidates and spam applications. The ATS integration
breaks every week and we re-enter data by hand."""
promoter = """Easy to use and my team picked it up in a day. Really intuitive, | is easy and fast.
Simple, clean and easy; we use it every day. Great candidates, we hired | through it this quarter.
Great candidates and a strong talent pool for | roles. Support answered within the hour and fixed
it. Our account manager is fantastic and always helpful. The community and webinars are
excellent; we learn a lot from peers."""
def phrases(text):
    """space-padded lower-case text per clause, so a phrase never spans punctuation or a slot"""
    out = []
    for clause in text.lower().replace("\n", " ").replace(";", ".").replace(",", ".").replace("|", ".").split("."):
        out.append(" " + " ".join(clause.split()) + " ")
    return out
P_det, P_pro = phrases(detractor), phrases(promoter)
def on(side, term):
    return any(" " + term + " " in c for c in side)
r = json.load(open(d + "/t.json"))
assert r["split"] == "detractors_promoters" and r["weight"] == "none"
# comment counts match the database: NPS answers 0-6 and 9-10 with a comment
na, nb = map(int, sys.argv[2].split("|"))
assert (r["group_a"]["comments"], r["group_b"]["comments"]) == (na, nb), (r["group_a"], r["group_b"], na, nb)
a = [t["term"].lower() for t in r["themes_a"]]
b = [t["term"].lower() for t in r["themes_b"]]
print("detractors:", a[:6]); print("promoters:", b[:6])
# the top themes are words or phrases of their side's templates, absent from the other side's
for term in a[:5]:
    assert on(P_det, term) and not on(P_pro, term), term
for term in b[:5]:
    assert on(P_pro, term) and not on(P_det, term), term
# the planted slow-likes degradation makes "slow" the leading detractor theme
assert "slow" in a[:3], a
assert "easy" in b[:3], b
for t in r["themes_a"][:5]:
    assert t["z"] > 1.5 and t["comments_a"] > t["comments_b"] and t["examples"], t
    assert all(e["kind"] == "nps" and e["score"] <= 6 for e in t["examples"]), t["examples"]
for t in r["themes_b"][:5]:
    assert t["z"] < -1.5 and t["comments_b"] > t["comments_a"], t
w = json.load(open(d + "/w.json"))
assert w["weight"] == "mrr" and all("z_unweighted" in t for t in w["themes_a"])
assert any(abs(t["z"] - t["z_unweighted"]) > 1e-6 for t in w["themes_a"])
wa = [t["term"].lower() for t in w["themes_a"][:5]]
assert any(x in wa for x in ("slow", "price", "expensive")), wa
s = json.load(open(d + "/s.json"))
n_all, n_seg = int(sys.argv[3]), int(sys.argv[4])
assert s["split"] == "segment" and s["group_a"]["label"] == "plan=Premium"
assert (s["group_a"]["comments"], s["group_b"]["comments"]) == (n_seg, n_all - n_seg), (s["group_a"], n_seg, n_all)
PY
"$bin" --db "$db" themes --lang portuguese --limit 3 >/dev/null
"$bin" --db "$db" themes --limit 3 | grep >/dev/null "themes setting nps detractors apart"
set +e
"$bin" --db "$db" themes --lang klingon >/dev/null 2>&1; rc1=$?
"$bin" --db "$db" themes --segment plan >/dev/null 2>&1; rc2=$?
"$bin" --db "$db" themes --weight gold >/dev/null 2>&1; rc3=$?
set -e
[ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ] || { echo "exit codes $rc1 $rc2 $rc3, want 2 2 2"; exit 1; }
echo "ok"
