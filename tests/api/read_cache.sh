#!/usr/bin/env bash
# The in-memory read caches (src/api/api_cache.c): repeated bearer-token, session and
# account/person reads are served from memory (the hit counters of /metrics grow), the cached
# document is byte for byte the one built from the store, and every change made by another
# process (the CLI, sqlite3) or through this server is seen by the very next request: a token
# revoked, expired or whose user is disabled or demoted, a session ended, an account or
# person edited. Each check would fail if the caches ignored the store's generation counters.
. "$(dirname "$0")/lib/common.bash"

SERVER_EXTRA="threads = 4" # several workers share the caches
write_ini
mkuser admin admin >/dev/null
mkuser ana analyst >/dev/null
ADMIN=$(mktoken admin read-write)
ANA=$(mktoken ana read-write)
start_server

hits() { # hits CACHE: the hit counter of that cache
        as "$ADMIN" GET /metrics
        printf '%s\n' "$BODY" | awk -v c="$1" '$1 == "cxgarden_read_cache_total{cache=\"" c "\",result=\"hit\"}" {print $2}'
}

for i in 1 2 3 4 5; do
        as "$ADMIN" POST /api/v1/accounts -H 'Content-Type: application/json' \
                -d "{\"id\":\"A$i\",\"name\":\"Acme $i\",\"plan\":\"Pro\",\"mrr\":$i.99,\"currency\":\"EUR\",\"owner\":\"admin\",\"attributes\":{\"tier\":\"t$i\",\"n\":$i}}"
        expect "create A$i" 201
done
as "$ADMIN" POST /api/v1/people -H 'Content-Type: application/json' -d '{"id":"P1","account_id":"A1","name":"Pat","role":"CTO"}'
expect "create person" 201

# ---- account documents: the cached bytes are the store-built bytes ----
H0=$(hits entity)
for i in 1 2 3 4 5; do
        as "$ANA" GET "/api/v1/accounts/A$i"; expect "A$i from the store" 200 .name "Acme $i"
        FIRST=$BODY
        as "$ANA" GET "/api/v1/accounts/A$i"; expect "A$i again" 200
        check "A$i: cached bytes equal the store-built bytes" "$BODY" "$FIRST"
        # and the row itself, read independently with sqlite3
        ROW=$(cxg_db_sql "$DB" "SELECT name || '|' || plan || '|' || mrr || '|' || json_extract(attributes, '\$.tier') FROM accounts WHERE ext_id = 'A$i'")
        check "A$i: matches the stored row" "$(printf '%s' "$BODY" | jq -r '[.name, .plan, (.mrr|tostring), .attributes.tier] | join("|")')" "$ROW"
done
H1=$(hits entity)
check "account reads hit the cache" "$((H1 - H0 >= 5))" 1
as "$ANA" GET /api/v1/accounts/NOPE; expect "unknown account" 404
as "$ANA" GET /api/v1/accounts/NOPE; expect "unknown account again (not cached)" 404

# a write through this server is seen by the next read
as "$ADMIN" PATCH /api/v1/accounts/A1 -H 'Content-Type: application/json' -d '{"name":"Acme One"}'
expect "patch A1" 200 .name "Acme One"
PATCHED=$BODY
as "$ANA" GET /api/v1/accounts/A1; expect "read after API write" 200 .name "Acme One"
check "read after write: the write's document" "$BODY" "$PATCHED"
# a write by another process (sqlite3, then the CLI importer) is seen by the next read
as "$ANA" GET /api/v1/accounts/A2; expect "A2 cached" 200 .plan Pro
cxg_db_sql "$DB" "UPDATE accounts SET plan = 'Enterprise' WHERE ext_id = 'A2'"
as "$ANA" GET /api/v1/accounts/A2; expect "read after sqlite3 write" 200 .plan Enterprise
as "$ANA" GET /api/v1/accounts/A3; expect "A3 cached" 200 .name "Acme 3"
printf 'id,name,plan,mrr\nA3,Acme Three,Pro,3.99\n' >"$T/acc.csv"
"$BIN" --db "$DB" import accounts "$T/acc.csv" >/dev/null 2>&1 || fail "cli import accounts"
as "$ANA" GET /api/v1/accounts/A3; expect "read after CLI import" 200 .name "Acme Three"
# a deleted account is gone at once
as "$ANA" GET /api/v1/accounts/A5; expect "A5 cached" 200
as "$ADMIN" DELETE /api/v1/accounts/A5; expect "delete A5" 204
as "$ANA" GET /api/v1/accounts/A5; expect "read after delete" 404
# people too
as "$ANA" GET /api/v1/people/P1; expect "P1" 200 .name Pat
as "$ANA" GET /api/v1/people/P1; expect "P1 cached" 200 .name Pat
cxg_db_sql "$DB" "UPDATE people SET name = 'Patricia' WHERE ext_id = 'P1'"
as "$ANA" GET /api/v1/people/P1; expect "person after sqlite3 write" 200 .name Patricia

# ---- tokens ----
H0=$(hits token)
for _ in 1 2 3; do as "$ANA" GET /api/v1/me; expect "token me" 200 .name ana; done
H1=$(hits token)
check "token lookups hit the cache" "$((H1 - H0 >= 3))" 1
# many hot tokens stay cached together: a set-associative cache keeps keys whose hash
# collides (a direct-mapped table of 1024 slots loses about 9 of 100 keys to collisions)
TOKS=()
for i in $(seq 1 100); do TOKS+=("$(mktoken ana read)"); done
for t in "${TOKS[@]}"; do as "$t" GET /api/v1/me; expect "hot token first use" 200; done
H0=$(hits token)
for t in "${TOKS[@]}"; do as "$t" GET /api/v1/me; expect "hot token again" 200; done
H1=$(hits token)
check "100 hot tokens: at least 98 second lookups hit" "$((H1 - H0 >= 98))" 1

# revoked by the CLI (another process): the very next request fails
TMP=$(mktoken ana read)
as "$TMP" GET /api/v1/me; expect "fresh token" 200
as "$TMP" GET /api/v1/me; expect "fresh token cached" 200
TID=$("$BIN" --db "$DB" --config "$INI" token list | awk -v p="${TMP:0:12}" '$2 == p {print $1}')
"$BIN" --db "$DB" --config "$INI" token revoke "$TID" 2>/dev/null
as "$TMP" GET /api/v1/me; expect "revoked token, next request" 401
case "$BODY" in *revoked*) ;; *) fail "revoked message: $BODY" ;; esac

# expired (the expiry moved into the past by another process)
EXP=$(mktoken ana read)
as "$EXP" GET /api/v1/me; expect "token before expiry" 200
as "$EXP" GET /api/v1/me; expect "token before expiry cached" 200
cxg_db_sql "$DB" "UPDATE api_tokens SET expires_at = $(($(date +%s) - 1)) WHERE prefix = '${EXP:0:12}'"
as "$EXP" GET /api/v1/me; expect "expired token, next request" 401
case "$BODY" in *expired*) ;; *) fail "expired message: $BODY" ;; esac

# the user's role changes: analyst -> admin -> analyst, each seen at once
as "$ANA" GET /api/v1/users; expect "analyst cannot list users" 403
cxg_db_sql "$DB" "UPDATE users SET role = 'admin' WHERE name = 'ana'"
as "$ANA" GET /api/v1/users; expect "promoted: lists users" 200
cxg_db_sql "$DB" "UPDATE users SET role = 'analyst' WHERE name = 'ana'"
as "$ANA" GET /api/v1/users; expect "demoted: refused again" 403

# the user is disabled
cxg_db_sql "$DB" "UPDATE users SET disabled = 1 WHERE name = 'ana'"
as "$ANA" GET /api/v1/me; expect "disabled user's token" 401
cxg_db_sql "$DB" "UPDATE users SET disabled = 0 WHERE name = 'ana'"
as "$ANA" GET /api/v1/me; expect "re-enabled user's token" 200

# ---- sessions ----
SAM=sam
SAM_PW=$(mkuser sam analyst)
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"$SAM\",\"password\":\"$SAM_PW\"}"
expect "login" 200
COOKIE=$(header Set-Cookie | sed 's/;.*//')
H0=$(hits session)
for _ in 1 2 3; do req GET /api/v1/me -H "Cookie: $COOKIE"; expect "session me" 200 .name "$SAM"; done
H1=$(hits session)
check "session lookups hit the cache (the first one fills it)" "$((H1 - H0 >= 2))" 1
cxg_db_sql "$DB" "UPDATE users SET disabled = 1 WHERE name = '$SAM'"
req GET /api/v1/me -H "Cookie: $COOKIE"; expect "disabled user's session" 401
cxg_db_sql "$DB" "UPDATE users SET disabled = 0 WHERE name = '$SAM'"
req GET /api/v1/me -H "Cookie: $COOKIE"; expect "re-enabled user's session" 200
cxg_db_sql "$DB" "UPDATE sessions SET expires_at = $(($(date +%s) - 1))"
req GET /api/v1/me -H "Cookie: $COOKIE"; expect "expired session, next request" 401

finish
