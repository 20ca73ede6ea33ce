#!/usr/bin/env bash
# crash_diskfull.sh BINARY: `cxgarden import` into a database on a full disk (a 3 MiB tmpfs)
# and on a read-only mount ends with exit 1 and a message naming the database, the cause and
# the rows committed before; the database stays intact with whole batches only, and after
# moving it to a disk with room the same import converges. Needs root with mount rights (as
# in CI): skips (exit 77) otherwise, fails under CI=true. (test_faults.c covers the same paths without mounts.)
set -euo pipefail
BIN=$(readlink -f "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxg-full.XXXXXX")
mnt=$tmp/small ro=$tmp/ro
mkdir -p "$mnt" "$ro" "$tmp/rw"
cleanup() {
        umount "$ro" 2>/dev/null || true
        umount "$mnt" 2>/dev/null || true
        rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
. "$(dirname "$0")/../lib/db.bash"
cxg_sqlite_only "the SQLite file on a full tmpfs and on a read-only mount (PostgreSQL keeps its data in its own cluster directory)"
mount -t tmpfs -o size=3m tmpfs "$mnt" 2>/dev/null ||
        skip_missing "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
cd "$tmp"
printf 'id,name\nA1,Acme\n' >accounts.csv
printf 'id,account_id,email\nP1,A1,p1@example.com\n' >people.csv
awk 'BEGIN { print "id,person_id,ts,type,value,note";
             for (i = 1; i <= 60000; i++) printf "i%d,P1,%d,t%d,%d,a note to fill the disk %d\n", i, 1700000000 + i, i % 5, i, i }' >interactions.csv

# --- disk full ---
db=$mnt/full.db
"$BIN" --db "$db" import accounts accounts.csv 2>/dev/null || fail "accounts"
"$BIN" --db "$db" import people people.csv 2>/dev/null || fail "people"
set +e
"$BIN" --db "$db" import interactions interactions.csv --no-detect --batch 2000 >out.txt 2>err.txt
st=$?
set -e
[ "$st" = 1 ] || { cat err.txt; fail "import on a full disk: exit $st, expected 1"; }
grep -q "$db" err.txt || fail "the message does not name the database: $(cat err.txt)"
grep -q "the disk is full" err.txt || fail "the message does not say the disk is full: $(cat err.txt)"
committed=$(grep -o '[0-9]* rows were committed before' err.txt | grep -o '^[0-9]*') ||
        fail "the message does not say how many rows were committed: $(cat err.txt)"
# a full disk may keep SQLite from even reading its WAL back: copy it out first
cp "$db" "$db-wal" "$tmp/rw/" 2>/dev/null || cp "$db" "$tmp/rw/"
[ "$(sqlite3 "$tmp/rw/full.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after a full disk"
n=$(sqlite3 "$tmp/rw/full.db" "SELECT count(*) FROM interactions")
[ "$n" = "$committed" ] || fail "$n rows in the database, the importer said $committed were committed"
[ $((n % 2000)) = 0 ] || fail "$n rows: not whole batches"
[ "$n" -gt 0 ] && [ "$n" -lt 60000 ] || fail "$n rows: the disk was not filled in the middle"
"$BIN" --db "$tmp/rw/full.db" import interactions interactions.csv --no-detect --batch 2000 2>/dev/null ||
        fail "the re-run with room failed"
[ "$(sqlite3 "$tmp/rw/full.db" 'SELECT count(*), count(DISTINCT ext_id) FROM interactions')" = "60000|60000" ] ||
        fail "the re-run did not converge"
full_msg=$(cat err.txt)

# --- read-only mount ---
cp "$tmp/rw/full.db" "$tmp/rw/ro.db"
sqlite3 "$tmp/rw/ro.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
mkdir -p "$tmp/rosrc"
mv "$tmp/rw/ro.db" "$tmp/rosrc/"
mount --bind "$tmp/rosrc" "$ro" && mount -o remount,bind,ro "$ro" || fail "cannot make a read-only bind mount"
set +e
"$BIN" --db "$ro/ro.db" import interactions interactions.csv --no-detect >out.txt 2>err.txt
st=$?
set -e
[ "$st" = 1 ] || { cat err.txt; fail "import into a read-only database: exit $st, expected 1"; }
grep -q "$ro/ro.db" err.txt || fail "the message does not name the database: $(cat err.txt)"
grep -q "the database is read-only" err.txt || fail "the message does not say the database is read-only: $(cat err.txt)"
echo "crash_diskfull: full disk: exit 1 after $committed committed rows (whole batches, intact," \
        "converged after moving); read-only: exit 1"
echo "  full disk: $full_msg"
echo "  read-only: $(cat err.txt)"
