# common.bash: helpers for the API tests (sourced, not a test itself). Each test starts a real
# `cxgarden serve` on a free loopback port (port 0, read back from the log) with a temporary
# database, drives it with curl and checks replies with jq. The database is on the backend
# CXG_TEST_BACKEND chooses (tests/lib/db.bash): an SQLite file, or a fresh PostgreSQL database
# whose key and snapshot files live in [server] data_dir ($T/data). Tests read the database
# with cxg_db_sql (sqlite3 or psql).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/skip.bash"
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/db.bash"

BIN=${1:?usage: $0 PATH_TO_CXGARDEN}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DB_TOOL=sqlite3
[ "$(cxg_backend)" = pg ] && DB_TOOL=psql
for tool in curl jq $DB_TOOL; do
        command -v $tool >/dev/null || { echo "FAIL: $tool is required by the API tests (scripts/bootstrap installs it)"; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/cxg-api.XXXXXX")
DB=
INI=$T/test.ini
PID=
PORT=
URL=
FAILS=0
CHECKS=0
cleanup() {
        if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
                kill -TERM "$PID" 2>/dev/null || true
                wait "$PID" 2>/dev/null || true
        fi
        case "$DB" in
        postgres://* | postgresql://*)
                psql "$(cxg_db_url "$DB" postgres)" -qAtX -c \
                        "DROP DATABASE IF EXISTS $(cxg_db_name "$DB") WITH (FORCE)" >/dev/null 2>&1 || true
                ;;
        esac
        rm -rf "$T"
}
trap cleanup EXIT
# the test's database (a skip or failure ends the test)
DB=$(cxg_db "$T" test) || exit $?
# a PostgreSQL address has no directory beside it: key and snapshot files go to data_dir
DATA_INI=
KEY_FILE=$DB.key
SNAP_FILE=$DB.snapshot
if [ "$(cxg_backend)" = pg ]; then
        mkdir -p "$T/data"
        DATA_INI="data_dir = $T/data"$'\n'
        KEY_FILE=$T/data/cxgarden.key
        SNAP_FILE=$T/data/engine.snapshot
fi

# db_dump OUT: what the database holds, to grep for text that must be gone: the SQLite file
# and its -wal/-shm files byte for byte; on PostgreSQL every table's rows (pg_dump)
db_dump() {
        if [ "$(cxg_backend)" = pg ]; then
                pg_dump --data-only "$DB" >"$1"
        else
                cat "$DB" "$DB-wal" "$DB-shm" 2>/dev/null >"$1" || true
        fi
}
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND"' ERR

# write the config: fast password hashing so the suite stays quick (also under ASan)
write_ini() {
        printf '[server]\nport = 0\nthreads = 2\n%s%s\n[auth]\npwhash = fast-insecure-for-tests\n%s\n' \
                "$DATA_INI" "${SERVER_EXTRA:-}" "${AUTH_EXTRA:-}" >"$INI"
}

start_server() {
        write_ini
        : >"$T/log"
        "$BIN" --db "$DB" --config "$INI" serve "$@" 2>>"$T/log" &
        PID=$!
        for _ in $(seq 1 200); do
                PORT=$(grep -o 'listening on http://[^ ]*' "$T/log" | sed 's/.*:\([0-9]*\)\/$/\1/' | tail -1 || true)
                [ -n "$PORT" ] && break
                kill -0 "$PID" 2>/dev/null || { cat "$T/log"; echo "FAIL: server did not start"; exit 1; }
                sleep 0.05
        done
        [ -n "$PORT" ] || { cat "$T/log"; echo "FAIL: server did not report its port"; exit 1; }
        URL=http://127.0.0.1:$PORT
}

stop_server() {
        kill -TERM "$PID"
        local rc=0
        wait "$PID" || rc=$?
        PID=
        check "server exits 0 on SIGTERM" "$rc" 0
        grep -q 'database closed' "$T/log" || fail "server log lacks 'database closed'"
}

fail() {
        echo "FAIL: $*"
        FAILS=$((FAILS + 1))
}

# cxg_db_name ADDRESS: the database name of a PostgreSQL address
cxg_db_name() {
        echo "$1" | sed -E 's#^postgres(ql)?://[^/?]*/([^?]*).*#\2#'
}

# check NAME ACTUAL EXPECTED
check() {
        CHECKS=$((CHECKS + 1))
        if [ "$2" != "$3" ]; then
                fail "$1: got '$2', expected '$3'"
        fi
}

# req METHOD PATH [curl args...]: sets STATUS, BODY (text) and HDRS (file of headers)
req() {
        local m=$1 p=$2
        shift 2
        STATUS=$(curl -s -o "$T/body" -D "$T/hdrs" -w '%{http_code}' -X "$m" "$@" "$URL$p")
        BODY=$(cat "$T/body")
        HDRS=$T/hdrs
}

# as TOKEN METHOD PATH [curl args]: request with a bearer token
as() {
        local tok=$1
        shift
        local m=$1 p=$2
        shift 2
        req "$m" "$p" -H "Authorization: Bearer $tok" "$@"
}

# jbody METHOD PATH JSON [curl args]: a JSON body
json() {
        printf '%s' "$1"
}

# expect NAME STATUS [JQ_EXPR EXPECTED]...: assert on the last reply
expect() {
        local name=$1 st=$2
        shift 2
        check "$name: status (body: ${BODY:0:300})" "$STATUS" "$st"
        while [ $# -ge 2 ]; do
                local got
                got=$(printf '%s' "$BODY" | jq -r "$1" 2>/dev/null || echo "<not json>")
                check "$name: $1" "$got" "$2"
                shift 2
        done
}

# header NAME: value of a response header of the last reply ("" when absent)
header() {
        grep -i "^$1:" "$HDRS" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# mkuser NAME ROLE [PERSON]: create a user; prints the password
mkuser() {
        if [ -n "${3:-}" ]; then
                "$BIN" --db "$DB" --config "$INI" user add "$1" --role "$2" --person "$3" 2>/dev/null
        else
                "$BIN" --db "$DB" --config "$INI" user add "$1" --role "$2" 2>/dev/null
        fi
}

# mktoken USER [SCOPE]: create a token; prints it
mktoken() {
        "$BIN" --db "$DB" --config "$INI" token create --user "$1" --scope "${2:-read-write}" 2>/dev/null
}

finish() {
        if [ "$FAILS" -gt 0 ]; then
                echo "---- server log (tail)"
                tail -20 "$T/log"
                echo "$FAILS of $CHECKS checks failed"
                exit 1
        fi
        echo "ok: $CHECKS checks"
}
