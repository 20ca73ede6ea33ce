#!/usr/bin/env bash
# nodes_shared.sh BINARY: three `cxgarden serve` processes over one PostgreSQL database share
# their state (docs/api.md, "Several servers"): node 1's writes in the others' scores (woken
# by LISTEN/NOTIFY), sessions, logouts and revokes on every node, failed sign-ins counted
# across nodes, each webhook delivery sent once (claims with SKIP LOCKED), the scheduled
# detector once per interval. Always on PostgreSQL (the fixture cluster); skips visibly
# without one, fails under CI=true. nodes_sqlite.sh runs the same checks on an SQLite file.
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

DB=$(CXG_TEST_BACKEND=pg cxg_db "$T" nodes) || exit $?
DETECT_S=2
SERVER_EXTRA="data_dir = $T"
AUTH_EXTRA=$'login_window = 600\nlogin_max_failures = 5\n[alerts]\ndetect_interval = '$DETECT_S$'\ndetect_debounce = 86400'
write_ini
mkuser admin admin >/dev/null
ANA_PW=$(mkuser ana analyst)
ADMIN=$(mktoken admin read-write)
for i in 1 2 3; do node_start "$i"; done
nodes_shared_checks
for i in 1 2 3; do node_kill "$i"; done
cat "$T"/log.* >"$T/log"
finish
