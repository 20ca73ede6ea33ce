#!/usr/bin/env bash
# migrate.sh BINARY: `cxgarden migrate`: generated data goes SQLite -> the test backend (a
# PostgreSQL database under CXG_TEST_BACKEND=pg, another SQLite file otherwise) -> SQLite
# with equal per-table checksums and equal `cxgarden score` output; a non-empty target is
# refused (and --replace overwrites it); a tampered copy is found and named by --verify-only;
# a missing source, an unreachable address and a target with a newer schema give clear errors.
set -euo pipefail
BIN=$(readlink -f "$1")
source "$CXG_SOURCE_DIR/tests/lib/db.bash"
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-migrate.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
# the score summary without its timings, then every account's scores
scores() {
        "$BIN" --db "$1" score --json | sed 's/,"seconds":{[^}]*}//'
        "$BIN" --db "$1" accounts
}

src=$dir/src.db back=$dir/back.db
mid=$(cxg_db "$dir" mid)
"$BIN" --db "$src" generate --seed 3 --scale 0.02 >/dev/null 2>&1 || fail "generate"
"$BIN" --db "$src" score >/dev/null 2>&1 || fail "score (fills score history)"

"$BIN" migrate --from "$src" --to "$mid" >"$dir/out1" 2>"$dir/err1" ||
        fail "migrate to $(cxg_backend): $(cat "$dir/err1")"
grep -q '^interactions .* ok$' "$dir/out1" || fail "no interactions line: $(cat "$dir/out1")"
grep -q 'DIFFERS' "$dir/out1" && fail "a table differs: $(cat "$dir/out1")"
grep -q 'rows copied from .* and verified' "$dir/out1" || fail "no summary: $(cat "$dir/out1")"
"$BIN" migrate --from "$mid" --to "$back" >"$dir/out2" 2>"$dir/err2" ||
        fail "migrate back: $(cat "$dir/err2")"
# the per-table figures are the same on every hop
cut -c1-72 "$dir/out1" | grep -v '^migrate:' >"$dir/sum1"
cut -c1-72 "$dir/out2" | grep -v '^migrate:' >"$dir/sum2"
diff "$dir/sum1" "$dir/sum2" >/dev/null || fail "checksums differ between hops: $(diff "$dir/sum1" "$dir/sum2")"
[ "$(grep -c ' ok$' "$dir/out1")" -ge 30 ] || fail "too few tables verified"
n=$(cxg_db_sql "$back" "SELECT count(*) FROM interactions")
[ "$n" = "$(cxg_db_sql "$src" "SELECT count(*) FROM interactions")" ] || fail "interactions: $n"
[ "$n" -gt 1000 ] || fail "too few interactions generated: $n"
# the same scores from the copy that went through the middle store (scores computed on
# PostgreSQL itself are the cross-backend suites' concern)
scores "$src" >"$dir/s0"
scores "$back" >"$dir/s2"
[ -s "$dir/s0" ] || fail "no score output"
diff "$dir/s0" "$dir/s2" >/dev/null || fail "scores differ after the round trip: $(diff "$dir/s0" "$dir/s2" | head)"
# each store keeps its own identity
[ "$(cxg_db_sql "$src" "SELECT value FROM meta WHERE key = 'store.id'")" != \
        "$(cxg_db_sql "$back" "SELECT value FROM meta WHERE key = 'store.id'")" ] || fail "store.id copied"

# a target with rows is refused and left as it was; --replace overwrites it
if "$BIN" migrate --from "$src" --to "$back" >/dev/null 2>"$dir/err"; then fail "copied into a non-empty target"; fi
grep -q 'target is not empty (table .* has rows).*--replace' "$dir/err" || fail "refusal: $(cat "$dir/err")"
"$BIN" migrate --from "$src" --to "$back" --replace >/dev/null 2>"$dir/err" || fail "--replace: $(cat "$dir/err")"

# tampering with the copy is found, and the table named
"$BIN" migrate --verify-only --from "$src" --to "$back" >/dev/null 2>&1 || fail "verify-only of an equal copy"
cxg_db_sql "$back" "UPDATE feedback SET score = score + 1 WHERE id = (SELECT min(id) FROM feedback)" >/dev/null
if "$BIN" migrate --verify-only --from "$src" --to "$back" >"$dir/out" 2>"$dir/err"; then fail "tampering not found"; fi
grep -q 'table feedback differs' "$dir/err" || fail "tampering not named: $(cat "$dir/err")"
grep -q '^feedback .*DIFFERS$' "$dir/out" || fail "report does not flag feedback: $(cat "$dir/out")"

# bad inputs
if "$BIN" migrate --from "$dir/missing.db" --to "$dir/x.db" 2>"$dir/err"; then fail "missing source accepted"; fi
grep -q 'missing.db: no such database' "$dir/err" || fail "missing source: $(cat "$dir/err")"
newer=$(cxg_db "$dir" newer)
"$BIN" migrate --from "$src" --to "$newer" >/dev/null 2>&1 || fail "migrate to the newer target"
cxg_db_sql "$newer" "INSERT INTO schema_version(version, applied_at) VALUES (999, 0)" >/dev/null
if "$BIN" migrate --from "$src" --to "$newer" --replace 2>"$dir/err"; then fail "newer target accepted"; fi
grep -q 'newer than this cxgarden knows' "$dir/err" || fail "newer target: $(cat "$dir/err")"
if "$BIN" migrate --from "$src" 2>"$dir/err"; then fail "no --to accepted"; fi
grep -q 'give both --from' "$dir/err" || fail "usage: $(cat "$dir/err")"
# an unreachable server: an error that does not print the password
if "$BIN" migrate --from "$src" --to "postgresql://cxg:s3cret@127.0.0.1:1/none?connect_timeout=3" 2>"$dir/err"; then
        fail "unreachable address accepted"
fi
grep -q 's3cret' "$dir/err" && fail "password printed: $(cat "$dir/err")"
[ -s "$dir/err" ] || fail "unreachable address: no message"
echo "ok: migrate $(cxg_backend)"
