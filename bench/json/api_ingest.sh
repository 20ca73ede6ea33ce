#!/usr/bin/env bash
# api_ingest.sh [BODIES] [BINARY...]: POST /api/v1/interactions with 1,000-event bodies (the
# import bench's rows, gen.sh), as a JSON array and as JSON lines, one client (curl, keep-alive
# off), each binary in turn on a fresh copy of the same database; prints rows/s. Every write
# also waits for the server's snapshot refresh today, so this measures the whole path, not
# only decoding. Not part of `make test`.
set -euo pipefail
BODIES=${1:-20}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("$ROOT/build/cxgarden")
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-japi.XXXXXX")
PID=
cleanup() {
        [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
        rm -rf "$dir"
}
trap cleanup EXIT
ROWS=$((BODIES * 1000))
bash "$ROOT/bench/json/gen.sh" "$ROWS" "$dir"
split -l 1000 -d -a 4 "$dir/interactions.jsonl" "$dir/body."
for f in "$dir"/body.*; do
        { printf '['; paste -sd, "$f"; printf ']'; } >"$f.json"
        mv "$f" "$f.ndjson"
done
"${BINS[0]}" --db "$dir/base.db" import accounts "$dir/accounts.csv" >/dev/null 2>&1
"${BINS[0]}" --db "$dir/base.db" import people "$dir/people.csv" >/dev/null 2>&1
"${BINS[0]}" --db "$dir/base.db" user add bench --role admin >/dev/null 2>&1
TOKEN=$("${BINS[0]}" --db "$dir/base.db" token create --user bench --scope read-write 2>/dev/null)
sqlite3 "$dir/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
printf '[server]\nport = 0\nthreads = 2\naccess_log = off\n' >"$dir/bench.ini"

run() { # BIN EXT CONTENT-TYPE: rows/s
        rm -f "$dir/t.db"* && cp "$dir/base.db" "$dir/t.db" && cp "$dir/base.db.key" "$dir/t.db.key"
        "$1" --db "$dir/t.db" --config "$dir/bench.ini" serve 2>"$dir/log" &
        PID=$!
        local port="" t0 t1 code
        for _ in $(seq 1 100); do
                port=$(grep -o 'listening on http://[^ ]*' "$dir/log" | sed 's/.*:\([0-9]*\)\/$/\1/' || true)
                [ -n "$port" ] && break
                sleep 0.1
        done
        [ -n "$port" ] || { cat "$dir/log" >&2; exit 1; }
        t0=$(date +%s.%N)
        for f in "$dir"/body.*."$2"; do
                code=$(curl -s -o "$dir/out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
                        -H "Content-Type: $3" --data-binary @"$f" "http://127.0.0.1:$port/api/v1/interactions")
                [ "$code" = 200 ] || { echo "answer $code: $(head -c 300 "$dir/out")" >&2; exit 1; }
        done
        t1=$(date +%s.%N)
        kill -TERM "$PID" && wait "$PID" 2>/dev/null || true
        PID=
        awk -v n="$ROWS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}
for bin in "${BINS[@]}"; do
        arr=$(run "$bin" json application/json)
        nd=$(run "$bin" ndjson application/x-ndjson)
        echo "$bin: JSON array bodies $arr rows/s, JSON lines bodies $nd rows/s ($BODIES bodies of 1,000 events)"
done
