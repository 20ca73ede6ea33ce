#!/bin/bash
# pg-variant.sh SCRIPT ARGS...: runs a shell suite as its pg_ variant (CMakeLists.txt), unless
# the suite does not choose its database through tests/lib/db.bash (directly, or through the
# API suites' tests/api/lib/common.bash): it would then run on SQLite under a PostgreSQL name,
# so it skips (77) and says so.
script=${1:?usage: pg-variant.sh SCRIPT ARGS...}
uses_db_bash() {
        grep -q 'lib/db\.bash' "$1" && return 0
        grep -q 'lib/common\.bash' "$1" && grep -q 'db\.bash' "$(dirname "$1")/lib/common.bash"
}
if ! uses_db_bash "$script"; then
        echo "SKIP: $(basename "$script") does not take its database from tests/lib/db.bash yet (it would run on SQLite)"
        exit 77
fi
exec bash "$@"
