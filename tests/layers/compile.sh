#!/usr/bin/env bash
# compile.sh BUILD_DIR: the compiler enforces the layer order. Takes the exact compile command of
# a file of the engine layer (and one of the ingest layer) from BUILD_DIR/compile_commands.json
# and compiles a probe with it: including "api/api.h" (above engine) or "engine/engine.h" (a
# sibling of ingest) must fail with "file not found"; including the layers below must compile.
set -euo pipefail
BUILD=${1:-${CXG_BUILD_DIR:?usage: $0 BUILD_DIR}}
DB=$BUILD/compile_commands.json
[ -f "$DB" ] || { echo "FAIL: $DB is missing (CMAKE_EXPORT_COMPILE_COMMANDS)"; exit 1; }
command -v jq >/dev/null || { echo "FAIL: jq is required (scripts/bootstrap installs it)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/cxg-probe.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

# probe LAYER INCLUDE... : compile a file including each header with LAYER's flags; prints the
# compiler's output and returns its exit status
probe() {
        local layer=$1 cmd a skip=0
        shift
        cmd=$(jq -r --arg l "/src/$layer/" 'map(select(.file | contains($l))) | .[0].command // empty' "$DB")
        [ -n "$cmd" ] || { echo "FAIL: no compile command for a file of src/$layer/ in $DB"; exit 1; }
        eval "set -- $cmd"
        local args=()
        for a in "$@"; do
                if [ "$skip" = 1 ]; then skip=0; continue; fi
                case $a in -o | -c | -MF | -MT) skip=1; continue ;; esac
                args+=("$a")
        done
        : >"$T/probe.c"
        for a in "${PROBE_INCLUDES[@]}"; do echo "#include \"$a\"" >>"$T/probe.c"; done
        echo 'int cxg_probe(void);' >>"$T/probe.c"
        (cd "$BUILD" && "${args[@]}" -fsyntax-only "$T/probe.c") >"$T/out" 2>&1
}

expect() { # expect ok|fail LAYER HEADER...
        local want=$1 layer=$2 rc=0
        shift 2
        PROBE_INCLUDES=("$@")
        probe "$layer" || rc=$?
        if [ "$want" = ok ]; then
                [ "$rc" -eq 0 ] || { cat "$T/out"; echo "FAIL: $layer flags cannot include $*"; fails=$((fails + 1)); return; }
                echo "ok: $layer's flags include $*"
        else
                if [ "$rc" -eq 0 ]; then
                        echo "FAIL: $layer's flags compile #include \"$1\""
                        fails=$((fails + 1))
                elif ! grep -qE "$1.*(No such file|not found)|not found.*$1" "$T/out"; then
                        cat "$T/out"
                        echo "FAIL: $layer's probe failed, but not for want of $1"
                        fails=$((fails + 1))
                else
                        echo "ok: $layer's flags refuse $1: $(grep -m1 -E 'No such file|not found' "$T/out")"
                fi
        fi
}

expect ok engine core/buf.h model/model.h store/store.h engine/engine.h
expect fail engine api/api.h
expect fail engine app/app.h
expect fail engine ingest/import.h
expect ok ingest store/store.h ingest/import.h
expect fail ingest engine/engine.h
expect fail store engine/engine.h
[ "$fails" -eq 0 ] || exit 1
