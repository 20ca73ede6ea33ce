#!/usr/bin/env bash
# generate.sh BINARY: the generate command: summary, manifest next to an SQLite database (none
# for a PostgreSQL address unless --manifest FILE), refusal to overwrite a database with accounts
# unless --force (which PostgreSQL refuses too: it cannot delete the database), usage errors.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/cxg-test-generate-XXXXXX)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" demo) || exit $?
fresh=$(cxg_db "$dir" fresh) || exit $?

fail() { echo "FAIL: $*" >&2; exit 1; }
# has_scenarios FILE: the manifest FILE names every planted scenario
has_scenarios() {
  [ -s "$1" ] || fail "no manifest $1"
  for s in erosion_behind_growth experience_degradation garden_effect fit rising_expectation; do
    grep -q "\"name\": \"$s\"" "$1" || fail "manifest $1 lacks $s"
  done
}

out=$("$bin" --db "$db" generate --seed 5 --scale 0.01 --json 2>"$dir/err")
grep -q '"accounts": 20,' <<<"$out" || fail "json summary: $out"
grep -q 'interactions' "$dir/err" || fail "no summary on stderr"
if [ "$(cxg_backend)" = sqlite ]; then
  has_scenarios "$db.manifest.json"
  grep -q "\"manifest\": \"$db.manifest.json\"" <<<"$out" || fail "json summary manifest: $out"
else
  # a PostgreSQL address is not a file name: no manifest without --manifest, and it says so
  grep -q 'no ground-truth file for a PostgreSQL --db' "$dir/err" ||
    fail "no notice of the missing manifest: $(cat "$dir/err")"
  grep -q '"manifest": "",' <<<"$out" || fail "json summary manifest: $out"
fi

# a database with accounts is refused, and left as it was
before=$("$bin" --db "$db" stats --json)
if "$bin" --db "$db" generate --seed 6 --scale 0.01 2>"$dir/err"; then
  fail "generated into a database that has accounts"
fi
grep -q 'already holds 20 accounts' "$dir/err" || fail "refusal not explained: $(cat "$dir/err")"
grep -q -- '--force' "$dir/err" || fail "refusal does not mention --force"
[ "$before" = "$("$bin" --db "$db" stats --json)" ] || fail "refused run changed the database"

# --force replaces an SQLite database; PostgreSQL refuses (it cannot delete the database) and
# the company goes into a fresh one. Either way the same seed gives the same counts and the same
# manifest (--manifest FILE) as a fresh database.
if [ "$(cxg_backend)" = sqlite ]; then
  "$bin" --db "$db" generate --seed 6 --scale 0.01 --force 2>/dev/null
  again="$db.manifest.json"
else
  if "$bin" --db "$db" generate --seed 6 --scale 0.01 --force 2>"$dir/err"; then
    fail "--force deleted a PostgreSQL database"
  fi
  grep -q 'cannot delete a PostgreSQL database that holds 20 accounts' "$dir/err" ||
    fail "--force refusal not explained: $(cat "$dir/err")"
  [ "$before" = "$("$bin" --db "$db" stats --json)" ] || fail "refused --force changed the database"
  db=$(cxg_db "$dir" again) || exit $?
  again="$dir/again.manifest.json"
  "$bin" --db "$db" generate --seed 6 --scale 0.01 --manifest "$again" 2>/dev/null
fi
"$bin" --db "$fresh" generate --seed 6 --scale 0.01 --manifest "$dir/fresh.manifest.json" 2>"$dir/err"
grep -q "ground truth in $dir/fresh.manifest.json" "$dir/err" || fail "--manifest not reported"
has_scenarios "$dir/fresh.manifest.json"
[ ! -e "$fresh.manifest.json" ] || fail "--manifest also wrote the manifest next to the database"
[ "$("$bin" --db "$db" stats --json)" = "$("$bin" --db "$fresh" stats --json)" ] ||
  fail "--force did not give the same company as a fresh database"
cmp -s "$again" "$dir/fresh.manifest.json" || fail "manifests differ for one seed"

# usage errors exit 2
set +e
"$bin" --db "$dir/x.db" generate --scale 0 2>/dev/null; [ $? -eq 2 ] || fail "--scale 0 not a usage error"
"$bin" --db "$dir/x.db" generate --months 3 2>/dev/null; [ $? -eq 2 ] || fail "--months 3 not a usage error"
"$bin" --db "$dir/x.db" generate --end nope 2>/dev/null; [ $? -eq 2 ] || fail "--end nope not a usage error"
"$bin" --db "$dir/x.db" generate --frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown option not a usage error"
set -e
echo "ok"
