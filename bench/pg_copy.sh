#!/usr/bin/env bash
# pg_copy.sh: PostgreSQL bulk paths against PostgreSQL's own COPY, same run, same rows, same
# table shape, on a throwaway cluster (scripts/pg-cluster). Not part of `make test`.
#
#   [BATCH=N] bench/pg_copy.sh [ROWS] [BINARY]   (default 1000000 rows, build/cxgarden;
#                                                 BATCH: the import's --batch, default 10000)
#
# Generates 2,000 accounts, 15,000 people and ROWS interactions (the CSV of bench/import.sh),
# gives three fresh databases the same accounts and people, then measures
#   (a) `cxgarden --db postgresql://... import interactions FILE` (whole command, wall clock),
#   (b) `psql \copy interactions(...) FROM` of the same rows (ids resolved: exported from (a)),
#       in COPY's text format and in its binary format, into the second database,
#   (c) the snapshot load (bench/pg_scan.c): store_scan_interactions (COPY TO STDOUT) against
#       `psql -c "COPY (SELECT ...) TO STDOUT" > /dev/null` of the same rows, the generic
#       statement path over the same rows, and the whole engine snapshot load,
# and prints the ratios. Goal: import >= 0.7x of the plain COPY.
set -euo pipefail
ROWS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${2:-$ROOT/build/cxgarden}
BUILD=$(dirname "$BIN")
[ -x "$BIN" ] && [ -f "$BUILD/libcxg_store.a" ] || { echo "build first: make build" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-pgcopy.XXXXXX")
chmod 755 "$dir"
cleanup() { "$ROOT/scripts/pg-cluster" destroy "$dir/pg" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/src" -o "$dir/pg_scan" \
        "$ROOT/bench/pg_scan.c" "$BUILD/libcxg_engine.a" "$BUILD/libcxg_store.a" \
        "$BUILD/libcxg_model.a" "$BUILD/libcxg_core.a" \
        $(pkg-config --libs sqlite3 jansson libsodium libpq simdjson) \
        $([ -f /usr/include/libstemmer.h ] && echo -lstemmer) -lstdc++ -lpthread -lm
base=$("$ROOT/scripts/pg-cluster" start "$dir/pg")
url() { echo "$base" | sed -E "s#^(postgres(ql)?://[^/?]*/)[^?]*#\1$1#"; }
psql "$base" -qAtX -c "CREATE DATABASE ours" -c "CREATE DATABASE raw" -c "CREATE DATABASE rawbin"
ours=$(url ours) raw=$(url raw) rawbin=$(url rawbin)
now() { date +%s.%N; }

. "$ROOT/bench/lib/import_data.sh"
bench_import_data "$dir" "$ROWS"
# accounts, people and the interaction types made once in SQLite, then moved by `cxgarden migrate`: the three
# PostgreSQL databases start with the same rows and ids
"$BIN" --db "$dir/base.db" import accounts "$dir/accounts.csv" --no-detect >/dev/null 2>&1
"$BIN" --db "$dir/base.db" import people "$dir/people.csv" --no-detect >/dev/null 2>&1
sqlite3 "$dir/base.db" "INSERT INTO interaction_types(name) VALUES ('login'), ('like'), ('post'),
        ('search'), ('view'), ('share'), ('comment'), ('export'), ('invite'), ('upload')"
for db in "$ours" "$raw" "$rawbin"; do
        "$BIN" migrate --from "$dir/base.db" --to "$db" >/dev/null
done
psql "$ours" -qAtX -c "CHECKPOINT"

cols="person_id, account_id, ts, channel, type_id, duration_ms, outcome, value, attributes"
t0=$(now)
"$BIN" --db "$ours" import interactions "$dir/interactions.csv" --no-detect --batch "${BATCH:-10000}" >/dev/null
t1=$(now)
psql "$ours" -qAtX -c "\\copy (SELECT $cols FROM interactions ORDER BY id) TO '$dir/rows.txt'"
psql "$ours" -qAtX -c "\\copy (SELECT $cols FROM interactions ORDER BY id) TO '$dir/rows.bin' WITH (FORMAT binary)"
t2=$(now)
psql "$raw" -qAtX -c "BEGIN" -c "\\copy interactions($cols) FROM '$dir/rows.txt'" -c "COMMIT" >/dev/null
t3=$(now)
psql "$rawbin" -qAtX -c "BEGIN" -c "\\copy interactions($cols) FROM '$dir/rows.bin' WITH (FORMAT binary)" -c "COMMIT" >/dev/null
t4=$(now)
for db in "$ours" "$raw" "$rawbin"; do
        n=$(psql "$db" -qAtX -c "SELECT count(*) FROM interactions")
        [ "$n" = "$ROWS" ] || { echo "row count in $db: $n, expected $ROWS" >&2; exit 1; }
done

# the snapshot load: the interaction scan (COPY TO STDOUT), the same rows through the generic
# statement path, and the whole engine load (bench/pg_scan.c), vs psql's COPY TO of the scan
scan=$("$dir/pg_scan" "$ours")
t5=$(now)
psql "$ours" -qAtX -c "COPY (SELECT id, person_id, account_id, ts, channel, type_id, duration_ms, outcome, value, ext_id, attributes FROM interactions WHERE id > 0 ORDER BY id) TO STDOUT" >/dev/null
t6=$(now)
scan_s=$(echo "$scan" | awk '$1 == "scan" { print $3 }')
gen_s=$(echo "$scan" | awk '$1 == "generic" { print $3 }')
load=$(echo "$scan" | awk '$1 == "load" { print $3 }')

awk -v n="$ROWS" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" -v l="$load" -v f="$t5" -v g="$t6" \
        -v sc="$scan_s" -v ge="$gen_s" 'BEGIN {
        ours = b - a; txt = d - c; bin = e - d; out = g - f
        printf "rows:                               %d\n", n
        printf "cxgarden import (wall clock):       %.0f rows/s (%.2f s, whole command)\n", n / ours, ours
        printf "psql \\copy FROM, text:              %.0f rows/s (%.2f s)\n", n / txt, txt
        printf "psql \\copy FROM, binary:            %.0f rows/s (%.2f s)\n", n / bin, bin
        printf "ratio (ours / psql text):           %.2f\n", txt / ours
        printf "ratio (ours / psql binary):         %.2f\n", bin / ours
        printf "interaction scan (COPY TO):         %.0f rows/s (%.2f s)\n", n / sc, sc
        printf "same rows, generic statement path:  %.0f rows/s (%.2f s)\n", n / ge, ge
        printf "psql COPY TO STDOUT > /dev/null:    %.0f rows/s (%.2f s)\n", n / out, out
        printf "ratio (scan / psql COPY TO):        %.2f\n", out / sc
        printf "engine snapshot load (every scan):  %.0f interactions/s (%.2f s)\n", n / l, l
}'
