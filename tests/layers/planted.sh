#!/usr/bin/env bash
# planted.sh: scripts/check-layers passes on a copy of src/, then fails on the same copy once an
# upward include (engine -> api) and a sibling include (ingest -> engine) are planted, naming
# each planted line as FILE:LINE. Shows the check can fail, so its pass on src/ means something.
set -euo pipefail
SRC=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/cxg-layers.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
        echo "FAIL: $*"
        exit 1
}
cp -r "$SRC/src" "$T/src"
bash "$SRC/scripts/check-layers" "$T/src" >"$T/clean.out" 2>&1 || { cat "$T/clean.out"; fail "the unmodified copy fails"; }

up=$T/src/engine/score.c side=$T/src/ingest/csv.c
echo '#include "api/api.h"' >>"$up"
up_line=$(wc -l <"$up")
echo '#include "engine/engine.h"' >>"$side"
side_line=$(wc -l <"$side")
rc=0
bash "$SRC/scripts/check-layers" "$T/src" >"$T/out" 2>&1 || rc=$?
cat "$T/out"
[ "$rc" -ne 0 ] || fail "check-layers exits 0 with an upward include planted"
grep -qF "$up:$up_line: engine includes \"api/api.h\"" "$T/out" || fail "no $up:$up_line in the output"
grep -qF "$side:$side_line: ingest includes \"engine/engine.h\"" "$T/out" || fail "no $side:$side_line in the output"
[ "$(grep -c "^$T/src/.*:[0-9]*: " "$T/out")" -eq 2 ] || fail "expected exactly the 2 planted violations"
echo "ok: the planted violations fail the check, each named by file:line"
