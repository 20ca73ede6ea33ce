#!/usr/bin/env bash
# bench/restart.sh: seconds from starting `cxgarden serve` to the first scored answer
# (GET /api/v1/accounts/{id} answering 200) with the persisted snapshot file against without it
# (full load from SQLite), rows/s, and the time to read the file's bytes from memory (page
# cache, plain read() into a fresh buffer) in the same run, with the ratio.
# Usage: bench/restart.sh [DB] (default bench/data/scale10.db: a COPY of /work/data/scale10.db)
# Figures go to stdout; record them in bench/RESULTS.md. Never asserts a duration.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CXG_BIN:-$ROOT/build/cxgarden}
DB=${1:-$ROOT/bench/data/scale10.db}
case "$DB" in /work/data/*) echo "restart.sh: use a copy, not $DB" >&2; exit 2 ;; esac
[ -f "$DB" ] || { echo "restart.sh: no database $DB (cp /work/data/scale10.db bench/data/)" >&2; exit 2; }
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
SNAP="$DB.snapshot"
"$BIN" --db "$DB" user add "rbench$$" --role analyst >/dev/null 2>&1
TOKEN=$("$BIN" --db "$DB" token create --user "rbench$$" --scope read 2>/dev/null)
ACC=$(sqlite3 -readonly "$DB" "SELECT ext_id FROM accounts ORDER BY id LIMIT 1")
ROWS=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM interactions")
PORT=$((20000 + $$ % 20000))
printf '[server]\nport = %s\nthreads = 2\naccess_log = off\n' "$PORT" >"$T/bench.ini"

# one start: seconds until the first 200 for the account; the server is stopped with SIGTERM
# (which writes the file) and waited for
start() {
        local t0 t1 code
        t0=$(date +%s.%N)
        "$BIN" --db "$DB" --config "$T/bench.ini" serve 2>"$T/log.$1" &
        PID=$!
        while :; do
                code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
                        "http://127.0.0.1:$PORT/api/v1/accounts/$ACC" || true)
                [ "$code" = 200 ] && break
                kill -0 "$PID" 2>/dev/null || { cat "$T/log.$1"; exit 1; }
                sleep 0.02
        done
        t1=$(date +%s.%N)
        echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}' >"$T/s.$1"
        # let the background write of a fresh file finish before stopping
        while [ "$1" = nofile ] && ! grep -q "snapshot file .* written" "$T/log.$1"; do sleep 0.2; done
        kill -TERM "$PID"
        wait "$PID" || true
        PID=
}

rm -f "$SNAP"
start nofile
start file
start file2
grep -h "engine:" "$T/log.nofile" "$T/log.file" "$T/log.file2" | sed 's/^/  log: /'
BYTES=$(stat -c %s "$SNAP")
cat "$SNAP" >/dev/null # in page cache, as at the timed start
MEM=$(python3 - "$SNAP" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
buf = bytearray(size)  # fresh pages, as the engine's columns
view = memoryview(buf)
t = time.monotonic()
pos = 0
while pos < size:
    pos += os.readv(fd, [view[pos:pos + (4 << 20)]])
print("%.2f" % (time.monotonic() - t))
PY
)
NOFILE=$(cat "$T/s.nofile") FILE=$(cat "$T/s.file") FILE2=$(cat "$T/s.file2")
awk -v r="$ROWS" -v b="$BYTES" -v n="$NOFILE" -v f="$FILE" -v f2="$FILE2" -v m="$MEM" 'BEGIN {
        best = f < f2 ? f : f2
        printf "interactions %d, snapshot file %.2f GB\n", r, b / 1e9
        printf "without file (SQLite load): %.2f s to first scored answer, %.2f M rows/s\n", n, r / n / 1e6
        printf "with file: %.2f s and %.2f s, %.2f M rows/s (best)\n", f, f2, r / best / 1e6
        printf "file bytes read from page cache into a fresh buffer: %.2f s\n", m
        printf "ratio with file / memory read: %.1fx; without / with: %.1fx\n", best / m, n / best
}'
