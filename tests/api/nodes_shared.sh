#!/usr/bin/env bash
# nodes_shared.sh BINARY: three `cxgarden serve` processes over one database share their
# state through it (docs/api.md, "Several servers"): node 1's writes in the others' scores
# (on PostgreSQL woken by LISTEN/NOTIFY), sessions, logouts and revokes on every node, failed
# sign-ins counted across nodes, each webhook delivery sent once (claims; SKIP LOCKED on
# PostgreSQL), the scheduled detector once per interval. On the backend ctest chose: the
# SQLite file on one host, and PostgreSQL in the pg_ variant (skips visibly without a
# cluster, fails under CI=true).
. "$(dirname "$0")/lib/common.bash"
. "$(dirname "$0")/../lib/db.bash"
. "$(dirname "$0")/lib/nodes.bash"

# DB: the test's database on the backend ctest chose (common.bash)
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
