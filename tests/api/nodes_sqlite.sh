#!/usr/bin/env bash
# nodes_sqlite.sh BINARY: three `cxgarden serve` processes over one SQLite file share their
# state through it (docs/api.md, "Several servers"): node 1's writes in the others' scores,
# sessions, logouts and revokes on every node, failed sign-ins counted across nodes, each
# webhook delivery sent once, the scheduled detector once per interval. nodes_shared.sh runs
# the same checks on PostgreSQL.
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

DB=$T/nodes.db
DETECT_S=2
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
