# db.bash: the database a shell test uses, on the backend ctest chose (sourced, not a test).
# CXG_TEST_BACKEND=pg selects PostgreSQL: databases are created on the throwaway cluster whose
# base address is CXG_TEST_PG_URL (or the file $CXG_BUILD_DIR/pgtest/url that the ctest
# fixture writes); anything else selects SQLite files. See scripts/pg-cluster.
. "$(dirname "${BASH_SOURCE[0]}")/skip.bash"

# cxg_backend: prints sqlite or pg
cxg_backend() {
        if [ "${CXG_TEST_BACKEND:-sqlite}" = pg ]; then echo pg; else echo sqlite; fi
}

# the fixture cluster's base address (database "postgres"), or a skip when there is none
_cxg_pg_base() {
        local url=${CXG_TEST_PG_URL:-}
        if [ -z "$url" ] && [ -n "${CXG_BUILD_DIR:-}" ] && [ -f "$CXG_BUILD_DIR/pgtest/url" ]; then
                url=$(cat "$CXG_BUILD_DIR/pgtest/url")
        fi
        # the verdict goes to stderr: stdout is the caller's $(cxg_db ...)
        [ -n "$url" ] || skip_missing "no PostgreSQL test cluster (CXG_TEST_PG_URL is unset; ctest's pg fixture starts one with scripts/pg-cluster)" >&2
        command -v psql >/dev/null || skip_missing "psql is not installed (scripts/bootstrap installs postgresql-client-15)" >&2
        echo "$url"
}

# cxg_db_url BASE NAME: BASE with its database replaced by NAME
cxg_db_url() {
        echo "$1" | sed -E "s#^(postgres(ql)?://[^/?]*/)[^?]*#\1$2#"
}

# cxg_db DIR NAME: a fresh, empty database for the test: the path DIR/NAME.db on SQLite, or
# on PostgreSQL a new database on the fixture cluster, printed as its address. Call it as
# db=$(cxg_db "$dir" NAME) || exit $?  so a skip (77) or failure ends the test.
cxg_db() {
        local dir=$1 name=$2 base db
        if [ "$(cxg_backend)" = sqlite ]; then
                echo "$dir/$name.db"
                return
        fi
        base=$(_cxg_pg_base) || exit $?
        db=$(echo "t_$$_${RANDOM}_$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_' | cut -c1-63)
        psql "$base" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null ||
                { echo "FAIL: cannot create the test database $db on $base" >&2; exit 1; }
        cxg_db_url "$base" "$db"
}

# cxg_db_sql DB SQL: run SQL on DB (path or address); rows printed as sqlite3 prints them
# (columns separated by |, no header)
cxg_db_sql() {
        case "$1" in
        postgres://* | postgresql://*) psql "$1" -qAtX -F '|' -v ON_ERROR_STOP=1 -c "$2" ;;
        *) sqlite3 "$1" "$2" ;;
        esac
}

# cxg_sqlite_only WHY: this test is about the SQLite file itself; skip it on PostgreSQL
cxg_sqlite_only() {
        if [ "$(cxg_backend)" = pg ]; then
                echo "SKIP: SQLite only: $*"
                exit 77
        fi
}
