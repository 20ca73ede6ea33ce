#!/usr/bin/env bash
# import.sh [ROWS] [BINARY...]: `cxgarden import interactions` of the same rows as JSON lines
# and as CSV (gen.sh), same run, fresh copies of one database; prints rows/s and the ratio.
# With several binaries (e.g. before/after a change), each is measured in turn on the same data.
# Not part of `make test`.
set -euo pipefail
ROWS=${1:-1000000}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("$ROOT/build/cxgarden")
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-jimport.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bash "$ROOT/bench/json/gen.sh" "$ROWS" "$dir"
"${BINS[0]}" --db "$dir/base.db" import accounts "$dir/accounts.csv" >/dev/null 2>&1
"${BINS[0]}" --db "$dir/base.db" import people "$dir/people.csv" >/dev/null 2>&1
sqlite3 "$dir/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

run() { # BIN FILE: prints rows/s (wall clock of the whole command)
        rm -f "$dir/t.db"* && cp "$dir/base.db" "$dir/t.db" && sync
        local t0 t1 n
        t0=$(date +%s.%N)
        "$1" --db "$dir/t.db" import interactions "$2" --json >/dev/null 2>&1
        t1=$(date +%s.%N)
        n=$(sqlite3 "$dir/t.db" 'SELECT count(*) FROM interactions')
        [ "$n" = "$ROWS" ] || { echo "imported $n rows of $ROWS from $2" >&2; exit 1; }
        awk -v n="$ROWS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}
for bin in "${BINS[@]}"; do
        csv=$(run "$bin" "$dir/interactions.csv")
        jl=$(run "$bin" "$dir/interactions.jsonl")
        echo "$bin: csv $csv rows/s, jsonl $jl rows/s, ratio jsonl/csv $(awk -v a="$jl" -v b="$csv" 'BEGIN { printf "%.2f", a / b }')"
done
