#!/usr/bin/env bash
# run.sh BINARY: run every browser test (tests/browser/*.mjs) with node and playwright-core
# against headless /usr/bin/chromium. Skips (exit 77) only when chromium is absent, and fails
# then too under CI=true.
set -euo pipefail
BIN=${1:?usage: $0 PATH_TO_CXGARDEN}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${CXG_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
. "$HERE/../lib/skip.bash"
. "$HERE/../lib/db.bash"
[ -x /usr/bin/chromium ] || skip_missing "/usr/bin/chromium is not installed; the browser tests need it"
command -v node >/dev/null || { echo "FAIL: node is required by the browser tests"; exit 1; }
if [ ! -d "$SRC/node_modules/playwright-core" ]; then
        echo "FAIL: $SRC/node_modules/playwright-core is missing: run 'npm ci' in $SRC"
        exit 1
fi
export CXG_BINARY=$BIN CXG_SOURCE_DIR=$SRC
export CXG_BUILD_DIR=${CXG_BUILD_DIR:-$(dirname "$BIN")}
# on PostgreSQL each test gets a fresh database on the test cluster (CXG_BROWSER_DB; the
# tests then keep the key and snapshot files in their temporary data_dir); on SQLite they make
# their own file as before
DBS=
drop_dbs() {
        local db
        for db in $DBS; do
                psql "$(cxg_db_url "$db" postgres)" -qAtX -c \
                        "DROP DATABASE IF EXISTS $(echo "$db" | sed -E 's#^postgres(ql)?://[^/?]*/([^?]*).*#\2#') WITH (FORCE)" >/dev/null 2>&1 || true
        done
}
trap drop_dbs EXIT
rc=0
for t in "$HERE"/*.mjs; do
        echo "== $(basename "$t")"
        db=
        if [ "$(cxg_backend)" = pg ]; then
                db=$(cxg_db /nonexistent "browser_$(basename "$t" .mjs)") || exit $?
                DBS="$DBS $db"
        fi
        CXG_BROWSER_DB=$db NODE_PATH="$SRC/node_modules" node "$t" || rc=1
done
exit $rc
