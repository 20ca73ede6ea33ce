#!/usr/bin/env bash
# scripts/check-sizes passes on a tree within the limits and fails, naming the place, on a
# planted function of 151 lines and a planted file of 1001 lines.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/src/core"
allow="$T/allow.txt"
: >"$allow"
fn() { # fn NAME BODY_LINES: a function whose braces span BODY_LINES + 2 lines
        printf 'int %s(void)\n{\n' "$1"
        for ((i = 0; i < $2; i++)); do printf '        x++;\n'; done
        printf '}\n\n'
}
fn ok 148 >"$T/src/core/small.c"
bash "$SRC_DIR/scripts/check-sizes" -a "$allow" "$T/src" >"$T/out" || { cat "$T/out"; echo "FAIL: clean tree refused"; exit 1; }
fn too_long 149 >>"$T/src/core/small.c"
rc=0; bash "$SRC_DIR/scripts/check-sizes" -a "$allow" "$T/src" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T/out"; echo "FAIL: a 151-line function passed (rc $rc)"; exit 1; }
grep -q 'small.c:[0-9]*: too_long: 151 lines' "$T/out" || { cat "$T/out"; echo "FAIL: not named"; exit 1; }
fn ok 148 >"$T/src/core/small.c"
for ((i = 0; i < 1001; i++)); do echo "/* line */"; done >"$T/src/core/big.c"
rc=0; bash "$SRC_DIR/scripts/check-sizes" -a "$allow" "$T/src" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'big.c: 1001 lines' "$T/out" || { cat "$T/out"; echo "FAIL: a 1001-line file passed"; exit 1; }
echo "check-sizes: 3 passed, 0 failed"
