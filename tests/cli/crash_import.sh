#!/usr/bin/env bash
# crash_import.sh BINARY: an import of interactions killed with SIGKILL at random points
# never leaves a broken or half-written database, and re-running it converges to the data of
# one clean import (issue 9, crash safety).
#
# The file has N interactions with external ids (value = the row's file line, so each row
# knows its batch). Each run imports it with --log-batches and is killed at a random moment;
# after each kill: the database opens, PRAGMA integrity_check is ok, every batch the importer
# reported as committed is fully there, and no batch is half there. Then a last run finishes
# and the rows (joined to their people, accounts and types) must have the same count and
# checksum as a clean single import.
#
# Sizes: N = 1,000,000 when CI=true or CXG_FULL_TESTS=1, 200,000 otherwise, 20,000 under the
# sanitizer build (CXG_BUILD_DIR ending in build-san) and on PostgreSQL; KILLS = 20 (8 there).
set -euo pipefail
BIN=$(readlink -f "$1")
BATCH=5000
N=200000
KILLS=20
if [ "${CI:-}" = true ] || [ "${CXG_FULL_TESTS:-}" = 1 ]; then
        N=1000000
fi
case "${CXG_BUILD_DIR:-}" in
*build-san) N=20000 KILLS=8 BATCH=1000 ;;
esac
# PostgreSQL: the sanitizer sizes (a clean import of 20,000 rows took 9 s on the shared machine:
# the CSV path's per-batch cost on PostgreSQL is a known gap of issue 15)
if [ "${CXG_TEST_BACKEND:-}" = pg ]; then
        N=20000 KILLS=8 BATCH=1000
fi
N=${CXG_CRASH_ROWS:-$N}
KILLS=${CXG_CRASH_KILLS:-$KILLS}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxg-crash.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
        echo "FAIL: $*" >&2
        exit 1
}
. "$(dirname "$0")/../lib/db.bash"
clean=$(cxg_db "$tmp" clean) || exit $?
crash=$(cxg_db "$tmp" crash) || exit $?

# 200 accounts, 2,000 people, N interactions over 6 types and 5 channels
awk 'BEGIN { print "id,name,plan"; for (a = 1; a <= 200; a++) printf "A%d,Account %d,%s\n", a, a, (a % 3 ? "Pro" : "Free") }' >accounts.csv
awk 'BEGIN { print "id,account_id,name,email,role"; for (p = 1; p <= 2000; p++) printf "P%d,A%d,Person %d,p%d@example.com,%s\n", p, (p % 200) + 1, p, p, (p % 10 ? "Engineer" : "CEO") }' >people.csv
awk -v n="$N" 'BEGIN {
        split("login like search export call ticket", ty, " "); split("web app email phone support", ch, " ")
        print "id,person_id,ts,channel,type,duration_ms,outcome,value,note"
        for (i = 1; i <= n; i++) {
                line = i + 1
                printf "e%d,P%d,%d,%s,%s,%d,%s,%d,n%d\n", line, (i * 7919) % 2000 + 1, 1700000000 + i * 13,
                        ch[i % 5 + 1], ty[i % 6 + 1], (i * 31) % 5000, (i % 10 ? "ok" : "failed"), line, i % 97
        }
}' >interactions.csv

setup_db() {
        "$BIN" --db "$1" import accounts accounts.csv >/dev/null 2>&1 || fail "import accounts into $1"
        "$BIN" --db "$1" import people people.csv >/dev/null 2>&1 || fail "import people into $1"
}

checksum() {
        cxg_db_sql "$1" "SELECT i.ext_id, p.ext_id, a.ext_id, i.ts, i.channel, t.name, i.duration_ms,
                             i.outcome, i.value, i.attributes
                      FROM interactions i JOIN people p ON p.id = i.person_id
                      JOIN accounts a ON a.id = i.account_id
                      JOIN interaction_types t ON t.id = i.type_id ORDER BY i.ext_id" | md5sum | cut -d' ' -f1
}

now_ms() { date +%s%3N; }

# the reference: one clean import
setup_db "$clean"
t0=$(now_ms)
"$BIN" --db "$clean" import interactions interactions.csv --no-detect --batch "$BATCH" >/dev/null 2>&1 ||
        fail "clean import failed"
t_clean=$(($(now_ms) - t0))
want_count=$(cxg_db_sql "$clean" "SELECT count(*) FROM interactions")
[ "$want_count" = "$N" ] || fail "clean import has $want_count rows, expected $N"
want_sum=$(checksum "$clean")

# Every logged batch is there in full; every batch of the file is there in full or not at all.
verify() {
        local log=$1 ic half missing
        if [ "$(cxg_backend)" = sqlite ]; then
                ic=$(sqlite3 "$crash" "PRAGMA integrity_check") || fail "kill $kills: the database does not open"
                [ "$ic" = ok ] || fail "kill $kills: integrity_check: $ic"
                [ -z "$(sqlite3 "$crash" "PRAGMA foreign_key_check")" ] || fail "kill $kills: foreign_key_check"
        else # PostgreSQL checks its foreign keys itself; the database must answer
                [ "$(cxg_db_sql "$crash" "SELECT 1")" = 1 ] || fail "kill $kills: the database does not answer"
        fi
        while read -r _ seq _ range _ rows _ committed _; do
                local first=${range%-*} last=${range#*-} got
                got=$(cxg_db_sql "$crash" "SELECT count(*) FROM interactions WHERE value BETWEEN $first AND $last")
                [ "$got" = "$committed" ] ||
                        fail "kill $kills: batch $seq (lines $range) was reported committed with $committed rows, $got are there"
                batches_verified=$((batches_verified + 1))
        done < <(grep '^batch ' "$log" || true)
        half=$(cxg_db_sql "$crash" "SELECT count(*) FROM (SELECT (CAST(value AS INTEGER) - 2) / $BATCH AS g, count(*) AS c
                       FROM interactions GROUP BY (CAST(value AS INTEGER) - 2) / $BATCH) b
                       WHERE c != CASE WHEN $N - g * $BATCH < $BATCH THEN $N - g * $BATCH ELSE $BATCH END")
        [ "$half" = 0 ] || fail "kill $kills: $half batches are half there"
        missing=$(cxg_db_sql "$crash" "SELECT count(*) FROM interactions WHERE ext_id != 'e' || CAST(value AS INTEGER)")
        [ "$missing" = 0 ] || fail "kill $kills: rows with a wrong value"
}

setup_db "$crash"
kills=0 finished=0 attempts=0 batches_verified=0
max_ms=$((t_clean * 9 / 10))
[ "$max_ms" -lt 50 ] && max_ms=50
while [ "$kills" -lt "$KILLS" ] && [ "$attempts" -lt $((KILLS * 3)) ]; do
        attempts=$((attempts + 1))
        delay_ms=$((RANDOM % max_ms + 5))
        "$BIN" --db "$crash" import interactions interactions.csv --no-detect --batch "$BATCH" --log-batches \
                >run.log 2>run.err &
        pid=$!
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        if kill -KILL "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null && st=0 || st=$?
                if [ "$st" -eq 137 ]; then
                        kills=$((kills + 1))
                else
                        finished=$((finished + 1)) # it ended just before the signal
                fi
        else
                wait "$pid" && st=0 || st=$?
                [ "$st" -eq 0 ] || { cat run.err >&2; fail "an import ended with status $st"; }
                finished=$((finished + 1))
        fi
        verify run.log
done
[ "$kills" -ge "$KILLS" ] || fail "only $kills kills in $attempts attempts"

# re-running converges to exactly the data of the clean import
"$BIN" --db "$crash" import interactions interactions.csv --no-detect --batch "$BATCH" >/dev/null 2>&1 ||
        fail "the final import failed"
got_count=$(cxg_db_sql "$crash" "SELECT count(*) FROM interactions")
got_sum=$(checksum "$crash")
[ "$got_count" = "$want_count" ] || fail "after the re-run: $got_count rows, the clean import has $want_count"
[ "$got_sum" = "$want_sum" ] || fail "after the re-run the rows differ from the clean import"
if [ "$(cxg_backend)" = sqlite ]; then
        [ "$(sqlite3 "$crash" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the re-run"
fi
echo "crash_import: $N interactions, batches of $BATCH: $kills kills survived" \
        "($finished runs finished first), $batches_verified committed batches verified," \
        "clean import $t_clean ms, re-run converged ($got_count rows, checksum $got_sum)"
