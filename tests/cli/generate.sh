#!/usr/bin/env bash
# generate.sh BINARY: the generate command: summary, manifest next to the database, refusal to
# overwrite a database with accounts unless --force, usage errors.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/cxg-test-generate-XXXXXX)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" demo) || exit $?
fresh=$(cxg_db "$dir" fresh) || exit $?

fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$bin" --db "$db" generate --seed 5 --scale 0.01 --json 2>"$dir/err")
grep -q '"accounts": 20,' <<<"$out" || fail "json summary: $out"
grep -q 'interactions' "$dir/err" || fail "no summary on stderr"
[ -s "$db.manifest.json" ] || fail "no manifest next to the database"
for s in erosion_behind_growth experience_degradation garden_effect fit rising_expectation; do
  grep -q "\"name\": \"$s\"" "$db.manifest.json" || fail "manifest lacks $s"
done

# a database with accounts is refused, and left as it was
before=$("$bin" --db "$db" stats --json)
if "$bin" --db "$db" generate --seed 6 --scale 0.01 2>"$dir/err"; then
  fail "generated into a database that has accounts"
fi
grep -q 'already holds 20 accounts' "$dir/err" || fail "refusal not explained: $(cat "$dir/err")"
grep -q -- '--force' "$dir/err" || fail "refusal does not mention --force"
[ "$before" = "$("$bin" --db "$db" stats --json)" ] || fail "refused run changed the database"

# --force replaces it: the same seed gives the same counts as a fresh database
"$bin" --db "$db" generate --seed 6 --scale 0.01 --force 2>/dev/null
"$bin" --db "$fresh" generate --seed 6 --scale 0.01 2>/dev/null
[ "$("$bin" --db "$db" stats --json)" = "$("$bin" --db "$fresh" stats --json)" ] ||
  fail "--force did not give the same company as a fresh database"
cmp -s "$db.manifest.json" "$dir/fresh.db.manifest.json" || fail "manifests differ for one seed"

# usage errors exit 2
set +e
"$bin" --db "$dir/x.db" generate --scale 0 2>/dev/null; [ $? -eq 2 ] || fail "--scale 0 not a usage error"
"$bin" --db "$dir/x.db" generate --months 3 2>/dev/null; [ $? -eq 2 ] || fail "--months 3 not a usage error"
"$bin" --db "$dir/x.db" generate --end nope 2>/dev/null; [ $? -eq 2 ] || fail "--end nope not a usage error"
"$bin" --db "$dir/x.db" generate --frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown option not a usage error"
set -e
echo "ok"
