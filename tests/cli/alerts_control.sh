#!/usr/bin/env bash
# alerts_control.sh BINARY: false-positive check. The control company (`generate --control`:
# the same company with nothing planted) over three seeds raises neither erosion behind growth
# nor experience degradation, while the planted twin of the first seed raises both.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/cxg-test-alerts-control-XXXXXX)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"

fail() { echo "FAIL: $*" >&2; exit 1; }

kinds() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(sorted(a["kind"] + ":" + a["subject"] for a in d["alerts"]
      if a["kind"] in ("erosion_behind_growth", "experience_degradation"))))' "$1"
}

for seed in 1 2 3; do
  db=$(cxg_db "$dir" "c$seed") || exit $?
  "$bin" --db "$db" generate --seed "$seed" --scale 0.1 --control >/dev/null 2>&1
  "$bin" --db "$db" detect --dry-run --only erosion_behind_growth,experience_degradation \
    --json >"$dir/c$seed.json"
  got=$(kinds "$dir/c$seed.json")
  [ -z "$got" ] || fail "control seed $seed raised: $got"
done

db=$(cxg_db "$dir" p1) || exit $?
"$bin" --db "$db" generate --seed 1 --scale 0.1 >/dev/null 2>&1
"$bin" --db "$db" detect --dry-run --only erosion_behind_growth,experience_degradation \
  --json >"$dir/p1.json"
got=$(kinds "$dir/p1.json")
[ "$got" = "erosion_behind_growth:seniority=executive experience_degradation:like" ] ||
  fail "planted seed 1 raised: $got"
echo ok
