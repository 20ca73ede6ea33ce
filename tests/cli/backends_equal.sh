#!/usr/bin/env bash
# backends_equal.sh [BINARY]: the same data gives the same scores and segments on SQLite and on
# PostgreSQL (issue 15): `generate` data scored on both (score --json without its timings, the
# accounts list, an account's detail, segments by plan) and the public telco dataset's segments
# by Contract (imported as tests/cli/engine_telco_segments.sh imports it). Needs the PostgreSQL
# test cluster (CXG_TEST_PG_URL or the ctest fixture): skips visibly without it, fails under
# CI=true. The telco half skips when ../shared/data is absent.
set -euo pipefail
BIN=${1:-${CXG_BINARY:-build/cxgarden}}
SRC=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/db.bash"
# the test compares both backends itself: ctest's SQLite variant leaves it to pg_cli_backends_equal
# (which has the cluster fixture); run by hand, CXG_TEST_BACKEND=pg or CXG_TEST_PG_URL selects it
if [ "$(cxg_backend)" = sqlite ] && [ -z "${CXG_TEST_PG_URL:-}" ]; then
        echo "SKIP: compares SQLite with PostgreSQL: runs as pg_cli_backends_equal (on the cluster fixture)"
        exit 77
fi
need_tool jq
DIR=$(mktemp -d /tmp/cxg-backends-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
fail() {
        echo "FAIL: $*"
        exit 1
}

# pg_db NAME: a fresh PostgreSQL database into $PGDB whatever backend ctest chose; without a
# cluster, cxg_db's skip (or failure under CI=true) with its message
pg_db() {
        local rc=0
        PGDB=$(CXG_TEST_BACKEND=pg cxg_db "$DIR" "$1") || rc=$?
        if [ "$rc" -ne 0 ]; then
                echo "$PGDB"
                exit "$rc"
        fi
}

# same NAME OUT_SQLITE OUT_PG: the outputs must be byte-equal
same() {
        if ! cmp -s "$2" "$3"; then
                diff -u --label sqlite --label postgresql "$2" "$3" | head -40
                fail "$1 differs between SQLite and PostgreSQL"
        fi
        echo "ok: $1 ($(wc -l <"$2") lines equal)"
}

# outputs DB TAG: everything compared, into $DIR/TAG.*
outputs() {
        local db=$1 tag=$2
        "$BIN" --db "$db" score --at 2026-10-31 --json |
                jq -S 'del(.seconds, .threads, .memory_bytes)' >"$DIR/$tag.score"
        "$BIN" --db "$db" accounts >"$DIR/$tag.accounts"
        "$BIN" --db "$db" account acc-000003 >"$DIR/$tag.account"
        "$BIN" --db "$db" segments --by plan >"$DIR/$tag.segments"
        "$BIN" --db "$db" segments --by plan --json | jq -S "del(.at)" >"$DIR/$tag.segments.json"
        "$BIN" --db "$db" stats >"$DIR/$tag.stats"
}

# (cxg_db's own skip message is lost in its command substitution: say it here first)
if [ -z "${CXG_TEST_PG_URL:-}" ] && [ ! -f "${CXG_BUILD_DIR:-/nonexistent}/pgtest/url" ]; then
        skip_missing "no PostgreSQL test cluster (set CXG_TEST_PG_URL, e.g. \$(scripts/pg-cluster start DIR), or run under ctest's pg fixture)"
fi
need_tool psql
pg_db gen
PG=$PGDB
LITE=$DIR/gen.db
for db in "$LITE" "$PG"; do
        "$BIN" --db "$db" generate --seed 7 --scale 0.02 >/dev/null 2>"$DIR/gen.err" ||
                { cat "$DIR/gen.err"; fail "generate into ${db%%\?*}"; }
done
outputs "$LITE" lite
outputs "$PG" pg
jq -e '.accounts > 0 and .interactions > 0' "$DIR/lite.score" >/dev/null ||
        fail "nothing was scored: $(cat "$DIR/lite.score")"
for f in stats score accounts account segments segments.json; do
        same "generated data: $f" "$DIR/lite.$f" "$DIR/pg.$f"
done

CSV=$SRC/../shared/data/telco-customer-churn.csv
if [ ! -f "$CSV" ]; then
        echo "SKIP (telco part): $CSV not found (the telco dataset lives outside the repository)"
        echo "ok"
        exit 0
fi
pg_db telco
PGT=$PGDB
for db in "$DIR/telco.db" "$PGT"; do
        "$BIN" --db "$db" import accounts "$CSV" --map id=customerID,mrr=MonthlyCharges,churned=Churn \
                >/dev/null 2>"$DIR/import.err" || { cat "$DIR/import.err"; fail "telco import"; }
done
for tag in lite pg; do
        db=$DIR/telco.db
        [ "$tag" = pg ] && db=$PGT
        "$BIN" --db "$db" segments --by Contract >"$DIR/$tag.contract"
        "$BIN" --db "$db" segments --by Contract --metric count,churn --json | jq -S "del(.at)" \
                >"$DIR/$tag.contract.json"
        "$BIN" --db "$db" segments --by PaymentMethod >"$DIR/$tag.payment"
done
grep -Eq '^\(all\) +7043 +26\.5% ' "$DIR/lite.contract" || fail "telco on SQLite: $(cat "$DIR/lite.contract")"
for f in contract contract.json payment; do
        same "telco segments: $f" "$DIR/lite.$f" "$DIR/pg.$f"
done
echo "ok"
