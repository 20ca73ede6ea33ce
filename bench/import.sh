#!/usr/bin/env bash
# import.sh: interactions CSV import speed against SQLite's own insert rate, same run, same
# rows, same schema and pragmas. Not part of `make test`.
#
#   bench/import.sh [ROWS] [BINARY]     (default 1000000 rows, build/cxgarden)
#
# Generates 2,000 accounts, 15,000 people and ROWS interactions (awk, deterministic), imports
# accounts and people into a fresh database, copies it, then measures
#   (a) `cxgarden import interactions` (whole command, wall clock; and its own summary), and
#   (b) bench/raw_insert.c: one prepared INSERT in one transaction into the copy, once with
#       one row per statement and once with 64 rows per statement (what the store does),
# and prints our rate as a ratio of both. Goal: >= 1M rows/s and ratio >= 0.7.
set -euo pipefail
ROWS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${2:-$ROOT/build/cxgarden}
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-import.XXXXXX")
trap 'rm -rf "$dir"' EXIT

cc -O2 -o "$dir/raw_insert" "$ROOT/bench/raw_insert.c" $(pkg-config --cflags --libs sqlite3)

. "$ROOT/bench/lib/import_data.sh"
bench_import_data "$dir" "$ROWS"

"$BIN" --db "$dir/ours.db" import accounts "$dir/accounts.csv" 2>/dev/null
"$BIN" --db "$dir/ours.db" import people "$dir/people.csv" 2>/dev/null
sqlite3 "$dir/ours.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$dir/ours.db" "$dir/raw.db"
cp "$dir/ours.db" "$dir/raw64.db"
sync

t0=$(date +%s.%N)
json=$("$BIN" --db "$dir/ours.db" import interactions "$dir/interactions.csv" --json 2>/dev/null)
t1=$(date +%s.%N)
raw=$("$dir/raw_insert" "$dir/raw.db" "$dir/interactions.csv")
raw64=$("$dir/raw_insert" "$dir/raw64.db" "$dir/interactions.csv" 64)

ours_n=$(sqlite3 "$dir/ours.db" 'SELECT count(*) FROM interactions')
raw_n=$(sqlite3 "$dir/raw.db" 'SELECT count(*) FROM interactions')
[ "$ours_n" = "$ROWS" ] && [ "$raw_n" = "$ROWS" ] || { echo "row counts differ: $ours_n $raw_n" >&2; exit 1; }

wall=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
ours_wall=$(awk -v n="$ROWS" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
ours_sum=$(echo "$json" | sed 's/.*"rows_per_second":\([0-9]*\).*/\1/')
raw_rate=$(echo "$raw" | awk '{ print $3 }')
raw_s=$(echo "$raw" | awk '{ print $2 }')
raw64_rate=$(echo "$raw64" | awk '{ print $3 }')
raw64_s=$(echo "$raw64" | awk '{ print $2 }')
echo "rows:                          $ROWS ($(du -h "$dir/interactions.csv" | cut -f1) of CSV)"
echo "cxgarden import (wall clock):  $ours_wall rows/s ($wall s, whole command)"
echo "cxgarden import (summary):     $ours_sum rows/s"
echo "raw SQLite insert:             $raw_rate rows/s ($raw_s s, rows already in memory)"
echo "raw SQLite, 64 rows/statement: $raw64_rate rows/s ($raw64_s s, rows already in memory)"
awk -v a="$ours_wall" -v b="$raw_rate" -v c="$raw64_rate" 'BEGIN {
        printf "ratio (ours / raw):            %.2f\n", a / b
        printf "ratio (ours / raw 64-row):     %.2f\n", a / c
}'
