#!/bin/bash
# bench/engine/run.sh [N]: the engine benchmark (issue 3). Generates about N interactions
# (default 50,000,000) with `cxgarden generate --scale N/5M`, then in the same run times
#   (a) the engine recomputing every engagement and account engagement score from its
#       in-memory snapshot (2 threads),
#   (b) the same computation as one SQL statement in SQLite,
#   (c) the same SQL in DuckDB (@duckdb/node-api, threads=2, tables in memory),
#   (d) a plain sequential read of the same columns over the same rows (2 threads),
# and prints each as a ratio to (a). Results of (a), (b) and (c) are checked to agree.
# Needs a normal build (make build). Temporary files go to $BENCH_DIR (default /tmp).
set -euo pipefail
N=${1:-50000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/cxg-engbench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -x "$BUILD/cxgarden" ] && [ -f "$BUILD/libcxg.a" ] || { echo "run make build first" >&2; exit 2; }

echo "== engine benchmark: $N interactions ($(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB)"
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/src" -o "$WORK/engbench" \
        "$HERE/engbench.c" "$BUILD/libcxg.a" $(pkg-config --libs sqlite3 jansson libsodium libmicrohttpd) \
        $( [ -f /usr/include/libstemmer.h ] && echo -lstemmer ) -lpthread -lm
(cd "$HERE" && npm ci --no-audit --no-fund --silent >/dev/null)

SCALE=$(awk -v n="$N" 'BEGIN { printf "%.4f", n / 5000000 }')
t0=$(date +%s.%N)
"$BUILD/cxgarden" --db "$WORK/b.db" generate --seed 1 --scale "$SCALE" >"$WORK/gen.out" 2>&1 \
        || { cat "$WORK/gen.out"; exit 1; }
t1=$(date +%s.%N)
echo "generate --scale $SCALE: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"

"$WORK/engbench" "$WORK/b.db" "$WORK" 2 | tee "$WORK/c.out"
node "$HERE/duck.mjs" "$WORK" 2 | tee "$WORK/d.out"

awk '
/^rows /   { rows = $2 }
/^engine / { a = $2 }
/^engine_full / { full = $2 }
/^seqread / { d = $2 }
/^sqlite / { b = $2 }
/^duckdb / { c = $2 }
END {
        printf "\n%-44s %10s %10s\n", "measure (same rows, same result)", "seconds", "x engine"
        printf "%-44s %10.4f %10.2f\n", "(a) cxgarden engine, 2 threads", a, 1
        printf "%-44s %10.4f %10.2f\n", "(b) SQLite, same SQL", b, b / a
        printf "%-44s %10.4f %10.2f\n", "(c) DuckDB, same SQL, threads=2", c, c / a
        printf "%-44s %10.4f %10.2f\n", "(d) sequential read of the columns", d, d / a
        printf "%-44s %10.4f %10.2f\n", "full eng_compute (all scores, reasons)", full, full / a
        printf "\ngoals: DuckDB/engine >= 5: %s (%.1f); engine within 3x of (d): %s (%.1f)\n",
                (c / a >= 5 ? "met" : "NOT met"), c / a, (a / d <= 3 ? "met" : "NOT met"), a / d
}' "$WORK/c.out" "$WORK/d.out"
