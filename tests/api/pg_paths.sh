#!/usr/bin/env bash
# Files of a PostgreSQL --db: an address has no directory beside it, so serve refuses without
# [server] data_dir (naming the setting) and makes no file whose name comes from the address;
# with data_dir the key (cxgarden.key) and the snapshot (engine.snapshot) live there; the log
# shows the address without its password; generate --force refuses to delete a PostgreSQL
# database and writes its ground truth only to --manifest FILE. The refusal runs on both
# backends (no server is reached); the rest needs the PostgreSQL test cluster.
. "$(dirname "$0")/lib/common.bash"

# ---- without data_dir: a clear refusal, and no file named after the address ----
mkdir -p "$T/cwd"
printf '[server]\nport = 0\n' >"$T/nodata.ini"
rc=0
(cd "$T/cwd" && "$BIN" --db "postgresql://cx:hunter2@127.0.0.1:1/none" --config "$T/nodata.ini" serve) \
        >"$T/out" 2>&1 || rc=$?
check "serve without data_dir fails" "$rc" 1
grep -q 'server.data_dir' "$T/out" || fail "the refusal names [server] data_dir: $(cat "$T/out")"
grep -q 'hunter2' "$T/out" && fail "the refusal shows the password: $(cat "$T/out")"
check "no file made from the address" "$(ls -A "$T/cwd")" ""

if [ "$(cxg_backend)" != pg ]; then
        echo "(the rest needs CXG_TEST_BACKEND=pg)"
        finish
        exit 0
fi

# ---- with data_dir: the key and the snapshot there; the password not in the log ----
ADDR="$DB&password=hunter2" # the test cluster trusts local connections: libpq never sends it
DB_SHOWN=$DB
DB=$ADDR
write_ini
mkuser admin admin >/dev/null || { fail "user add on the address"; finish; }
A=$(mktoken admin read-write)
[ -n "$A" ] || fail "token create with data_dir"
check "key file in data_dir" "$(stat -c %a "$T/data/cxgarden.key" 2>/dev/null)" 600
cd "$T/cwd"
start_server
cd - >/dev/null
grep -qF "(db ${DB_SHOWN}&password=***, " "$T/log" || fail "the log shows the address with the password hidden"
grep -q 'hunter2' "$T/log" && fail "the log shows the password"
as "$A" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"A1"}'
check "a write" "$STATUS" 201
stop_server
[ -s "$T/data/engine.snapshot" ] || fail "SIGTERM writes data_dir/engine.snapshot"
check "data_dir holds the key and the snapshot" "$(ls "$T/data" | tr '\n' ' ')" "cxgarden.key engine.snapshot "
check "still no file in the working directory" "$(ls -A "$T/cwd")" ""

# ---- generate on an address: no manifest beside it, --force refuses ----
DB=$DB_SHOWN
G=$(cxg_db "$T" gen)
rc=0
(cd "$T/cwd" && "$BIN" --db "$G" generate --scale 0.01 >"$T/gen.out" 2>&1) || rc=$?
check "generate into an address" "$rc" 0
grep -q 'no ground-truth file for a PostgreSQL --db' "$T/gen.out" || fail "generate says it wrote no manifest"
check "generate made no file" "$(ls -A "$T/cwd")" ""
rc=0
"$BIN" --db "$G" generate --scale 0.01 --force >"$T/gen.out" 2>&1 || rc=$?
check "generate --force on an address" "$rc" 1
grep -q 'cannot delete a PostgreSQL database' "$T/gen.out" || fail "--force refusal: $(cat "$T/gen.out")"
[ "$(cxg_db_sql "$G" "SELECT count(*) FROM accounts")" -gt 0 ] || fail "--force left the accounts"
psql "$(cxg_db_url "$G" postgres)" -qAtX -c "DROP DATABASE $(cxg_db_name "$G") WITH (FORCE)" >/dev/null || true
G=$(cxg_db "$T" gen2)
"$BIN" --db "$G" generate --scale 0.01 --manifest "$T/truth.json" >/dev/null 2>&1 || fail "generate --manifest"
jq -e . "$T/truth.json" >/dev/null || fail "the manifest is JSON"
psql "$(cxg_db_url "$G" postgres)" -qAtX -c "DROP DATABASE $(cxg_db_name "$G") WITH (FORCE)" >/dev/null || true
finish
