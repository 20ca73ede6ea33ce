#!/usr/bin/env bash
# import_cli.sh: `cxgarden import` exit codes (0, 3, 2, 1), messages, --json, --dry-run,
# --delimiter, --format, rejects file, and a read-only database.
set -uo pipefail
BIN=$1
dir=$(mktemp -d)
trap 'chmod -R u+w "$dir"; rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" t) || exit $?
expect() { # expect CODE command...
        local want=$1; shift
        "$@" >out 2>err
        local got=$?
        [ "$got" = "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(cat err)"
}

"$BIN" import --help >out 2>&1 || fail "--help exit $?"
grep -q 'usage: cxgarden \[--db PATH\] import KIND FILE' out || fail "--help text"

printf 'id,name,mrr\na1,Acme,10\na2,Beta,20\n' >acc.csv
printf 'id;account_id;role\np1;a1;VP Sales\np2;a2;Engineer\n' >people.txt
printf 'person_id,when,channel,type\np1,2024-01-01,web,login\np1,yesterday,web,login\nzz,2024-01-02,app,like\n' >inter.csv

expect 2 "$BIN" --db "$db" import
expect 2 "$BIN" --db "$db" import accounts
grep -q 'missing FILE' err || fail "missing FILE message"
expect 2 "$BIN" --db "$db" import widgets acc.csv
grep -q "unknown kind 'widgets'" err || fail "unknown kind message"
expect 2 "$BIN" --db "$db" import accounts acc.csv --bogus
expect 2 "$BIN" --db "$db" import accounts acc.csv --batch 0
expect 2 "$BIN" --db "$db" import accounts acc.csv --map id=nope
grep -q "no column 'nope'" err || fail "--map message: $(cat err)"
expect 2 "$BIN" --db "$db" import people people.txt
grep -q "set with --format" err || fail "format message"
expect 1 "$BIN" --db "$db" import accounts missing.csv

expect 0 "$BIN" --db "$db" import accounts acc.csv --json
grep -q '"imported":2,"updated":0,"rejected":0' out || fail "--json: $(cat out)"
expect 0 "$BIN" --db "$db" import people people.txt --format csv --delimiter ';'
[ "$(cxg_db_sql "$db" "SELECT seniority FROM people WHERE ext_id='p1'")" = 4 ] || fail "VP is an executive"

# dry run: checks references, writes nothing, still lists rejects
expect 3 "$BIN" --db "$db" import interactions inter.csv --map ts=when --dry-run
grep -q 'valid 1, updated 0, rejected 2' err || fail "dry run summary: $(cat err)"
[ "$(cxg_db_sql "$db" 'SELECT count(*) FROM interactions')" = 0 ] || fail "dry run wrote"

expect 3 "$BIN" --db "$db" import interactions inter.csv --map ts=when
grep -q "inter.csv:3: column 'when' (field ts): not a timestamp: \"yesterday\"" err || fail "reject message: $(cat err)"
grep -q "inter.csv:4: column 'person_id': unknown person \"zz\"" err || fail "unknown person message: $(cat err)"
grep -q 'read 3, imported 1, updated 0, rejected 2' err || fail "summary: $(cat err)"
head -1 inter.csv.rejects.csv | grep >/dev/null -x 'line,column,field,reason,person_id,when,channel,type' || fail "rejects header"
[ "$(wc -l <inter.csv.rejects.csv)" = 3 ] || fail "rejects rows"

# a read-only database: a clear failure, nothing half-written (file modes: SQLite only)
chmod a-w t.db . 2>/dev/null
if [ "$(cxg_backend)" = pg ]; then
        echo "note: the read-only check is about the SQLite file's modes; skipped on PostgreSQL"
elif [ -w t.db ]; then
        echo "note: running as a user who can write read-only files; skipping that check"
else
        expect 1 "$BIN" --db "$db" import accounts acc.csv
fi
chmod u+w t.db . 2>/dev/null
echo ok
