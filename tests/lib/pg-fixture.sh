#!/bin/bash
# pg-fixture.sh: ctest's "pg" fixture (CMakeLists.txt): one throwaway PostgreSQL 15 cluster per
# ctest run for the pg_* test variants (CXG_TEST_BACKEND=pg).
#
#   pg-fixture.sh start BUILD_DIR   start a fresh cluster; write its base address to
#                                   BUILD_DIR/pgtest/url (tests/lib/db.bash and
#                                   tests/unit/testdb.h read it when CXG_TEST_PG_URL is unset)
#   pg-fixture.sh stop BUILD_DIR    stop the cluster and remove it
#
# Without PostgreSQL 15 installed `start` skips (exit 77) and the pg_* tests then skip on the
# missing address; under CI=true it fails instead (tests/lib/skip.bash).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/skip.bash"
cluster="$here/../../scripts/pg-cluster"
cmd=${1:-}
build=${2:-}
[ -n "$cmd" ] && [ -n "$build" ] || { echo "usage: $0 start|stop BUILD_DIR" >&2; exit 2; }
state=$build/pgtest
# a unix socket path holds at most 107 bytes: a deep build directory puts the cluster in /tmp
MAX_SOCKET_DIR=80

cluster_dir() {
        [ -f "$state/dir" ] && cat "$state/dir"
}

case "$cmd" in
start)
        # a cluster left by an interrupted run goes first: every run starts from an empty one
        old=$(cluster_dir)
        [ -n "$old" ] && bash "$cluster" destroy "$old" >/dev/null 2>&1
        rm -rf "$state"
        mkdir -p "$state"
        if [ ! -x "${PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
                skip_missing "PostgreSQL 15 is not installed, so the pg_ tests cannot run (scripts/bootstrap installs postgresql-15)"
        fi
        command -v psql >/dev/null || skip_missing "psql is not installed (scripts/bootstrap installs postgresql-client-15)"
        dir=$(cd "$state" && pwd)/cluster
        if [ ${#dir} -gt $MAX_SOCKET_DIR ]; then
                dir=$(mktemp -d /tmp/cxg-pgtest-XXXXXX)
        fi
        echo "$dir" >"$state/dir"
        url=$(bash "$cluster" start "$dir") || { echo "FAIL: scripts/pg-cluster start $dir failed"; exit 1; }
        psql "$url" -qAtX -c "SELECT 1" >/dev/null || { echo "FAIL: the test cluster does not answer at $url"; exit 1; }
        echo "$url" >"$state/url"
        echo "pg fixture: PostgreSQL test cluster at $url"
        ;;
stop)
        dir=$(cluster_dir)
        if [ -n "$dir" ]; then
                bash "$cluster" destroy "$dir" || exit 1
                echo "pg fixture: removed the test cluster $dir"
        fi
        rm -rf "$state"
        ;;
*)
        echo "usage: $0 start|stop BUILD_DIR" >&2
        exit 2
        ;;
esac
