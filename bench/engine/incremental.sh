#!/usr/bin/env bash
# bench/engine/incremental.sh DB [EVENTS [ACCOUNTS]]: the change-log applier's benchmark
# (incremental.c) on DB, which it WRITES to: pass a copy (e.g. of /work/data/scale10.db).
# Builds against the layer libraries in build/ (make build first).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[ $# -ge 1 ] || { echo "usage: $0 DB [EVENTS [ACCOUNTS]]" >&2; exit 2; }
[ -f "$BUILD/libcxg_engine.a" ] || { echo "run make build first" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cxg-incr-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/src" -o "$WORK/incremental" \
        "$HERE/incremental.c" "$BUILD/libcxg_engine.a" "$BUILD/libcxg_store.a" \
        "$BUILD/libcxg_model.a" "$BUILD/libcxg_core.a" \
        $(pkg-config --libs sqlite3 jansson libsodium libmicrohttpd) \
        $( [ -f /usr/include/libstemmer.h ] && echo -lstemmer ) -lpthread -lm
"$WORK/incremental" "$1" "${2:-1000}" "${3:-100}" 2
