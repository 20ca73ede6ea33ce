#!/usr/bin/env bash
# citus_planted.sh: scripts/check-citus passes on a copy of src/, then fails on the same copy
# once violations of the Citus-ready rule are planted: (a) a large table without account_id,
# (b) unique keys of a large table without it, (c) a join of two large tables without an
# equality on account_id; a join with one (and SQLite's side of store_sql) is not reported.
# Shows the check can fail, so its pass on src/ means something.
set -euo pipefail
SRC=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SRC/tests/lib/skip.bash"
need_tool python3
T=$(mktemp -d "${TMPDIR:-/tmp}/cxg-citus.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
        echo "FAIL: $*"
        exit 1
}
cp -r "$SRC/src" "$T/src"
python3 "$SRC/scripts/check-citus" "$T/src" >"$T/clean.out" 2>&1 || { cat "$T/clean.out"; fail "the unmodified copy fails"; }

schema=$T/src/store/schema_pg.c scan=$T/src/store/scan.c
cat >>"$schema" <<'C'
static const char *const planted_a = "CREATE TABLE ledger (id BIGINT PRIMARY KEY, at BIGINT,"
                                     " ext_id TEXT UNIQUE, UNIQUE (at, id));";
static const char *const planted_b = "CREATE UNIQUE INDEX feedback_bad ON feedback(ext_id);";
C
a_line=$(grep -n "planted_a" "$schema" | cut -d: -f1)
b_line=$(grep -n "planted_b" "$schema" | cut -d: -f1)
cat >>"$scan" <<'C'
static const char *const planted_c = "SELECT i.id FROM interactions i, people p WHERE p.id = i.person_id";
static const char *const planted_ok = "SELECT f.id FROM feedback f JOIN people p"
                                      " ON p.id = f.person_id AND p.account_id = f.account_id";
static const char *planted_lite(struct store *s)
{
        return store_sql(s, "SELECT f.id FROM feedback f JOIN people p ON p.id = f.person_id",
                         "SELECT 1");
}
C
c_line=$(grep -n "planted_c" "$scan" | cut -d: -f1)
rc=0
python3 "$SRC/scripts/check-citus" "$T/src" >"$T/out" 2>&1 || rc=$?
cat "$T/out"
[ "$rc" -eq 1 ] || fail "check-citus exits $rc with violations planted"
want() { grep -qF "$1" "$T/out" || fail "missing in the output: $1"; }
want "$schema:$a_line: large table ledger has no account_id column"
want "$schema:$a_line: large table ledger: column id is PRIMARY KEY alone, without account_id"
want "$schema:$a_line: large table ledger: column ext_id is UNIQUE alone, without account_id"
want "$schema:$a_line: large table ledger: UNIQUE (at, id) does not include account_id"
want "$schema:$b_line: large table feedback: unique index feedback_bad does not include account_id"
want "$scan:$c_line: joins large tables interactions and people without i.account_id = p.account_id"
n=$(grep -c "^$T/src/.*:[0-9]*: " "$T/out")
[ "$n" -eq 6 ] || fail "expected exactly the 6 planted violations, got $n"
echo "ok: the planted violations fail the check, each named by file:line"
