#!/usr/bin/env bash
# run.sh [ROWS] [BUILD]: JSON decoding per event, every candidate in one run (json_bench.cpp),
# on the import bench's events as JSON lines (gen.sh). Not part of `make test`.
set -euo pipefail
ROWS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${2:-$ROOT/build}
[ -f "$BUILD/libcxg_core.a" ] || { echo "build first: make build" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/cxg-bench-json.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bash "$ROOT/bench/json/gen.sh" "$ROWS" "$dir"
c++ -O2 -std=c++17 -o "$dir/json_bench" "$ROOT/bench/json/json_bench.cpp" -I"$ROOT/src" \
        "$BUILD/libcxg_core.a" $(pkg-config --cflags --libs simdjson jansson) -lpthread
"$dir/json_bench" "$dir/interactions.jsonl"
