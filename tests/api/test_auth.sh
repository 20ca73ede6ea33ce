#!/usr/bin/env bash
# API auth: the role matrix (each role x each route group), bearer tokens (scope, revoke,
# expiry, never in URLs), login sessions (cookie flags, CSRF, logout), the failed-login rate
# limit and user management endpoints.
. "$(dirname "$0")/lib/common.bash"

SERVER_EXTRA="threads = 4" # hashes on several workers at once
AUTH_EXTRA=$'login_window = 3\nlogin_max_failures = 5\nmax_concurrent_hashes = 1'
write_ini
ADMIN_PW=$(mkuser admin admin)
ANALYST_PW=$(mkuser ana analyst)
AM_PW=$(mkuser amy account_manager)
ADMIN=$(mktoken admin read-write)
ADMIN_RO=$(mktoken admin read)
ANALYST=$(mktoken ana read-write)
AM=$(mktoken amy read-write)
check "generated password length" "${#ADMIN_PW}" 24
check "token prefix" "${ADMIN:0:4}" "cxg_"
check "token length" "${#ADMIN}" 47
# the database holds no secret: neither the token nor the password appears in it
db_dump "$T/dump"
if grep -aq -- "${ADMIN:4}" "$T/dump"; then fail "token text found in the database"; fi
if grep -aq -- "$ADMIN_PW" "$T/dump"; then fail "password found in the database"; fi
check "key file mode" "$(stat -c %a "$KEY_FILE")" 600
check "key file size" "$(stat -c %s "$KEY_FILE")" 32

# command-line usage errors exit 2 and create nothing
for args in "add 'bad name' --role admin" "add zed --role boss" "add zed --role member" "add zed" "frobnicate"; do
        rc=0; eval "\"\$BIN\" --db \"\$DB\" --config \"\$INI\" user $args" >/dev/null 2>&1 || rc=$?
        check "user $args" "$rc" 2
done
rc=0; "$BIN" --db "$DB" --config "$INI" token create --user ana --scope admin >/dev/null 2>&1 || rc=$?; check "token scope" "$rc" 2
rc=0; "$BIN" --db "$DB" --config "$INI" token create --user ana --expires 0 >/dev/null 2>&1 || rc=$?; check "token expiry" "$rc" 2
rc=0; "$BIN" --db "$DB" --config "$INI" user add ana --role analyst >/dev/null 2>&1 || rc=$?; check "user exists" "$rc" 1
check "user list" "$("$BIN" --db "$DB" user list | awk 'NR > 1 {print $1 ":" $2}' | tr '\n' ' ')" "admin:admin ana:analyst amy:account_manager "

start_server

# a customer account, person and member user for the portal
as "$ADMIN" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"A1","name":"Acme","plan":"Pro"}'
expect "create account" 201
as "$ADMIN" POST /api/v1/people -H 'Content-Type: application/json' -d '{"id":"P1","account_id":"A1","name":"Pat","role":"CTO"}'
expect "create person" 201 .seniority executive
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"mem","role":"member","person_id":"P1"}'
expect "admin creates a member" 201 .role member .person_id P1
MEM_PW=$(printf '%s' "$BODY" | jq -r .password)
check "generated member password" "${#MEM_PW}" 24
MEM=$("$BIN" --db "$DB" --config "$INI" token create --user mem --scope read-write 2>/dev/null)

# ---- role matrix: READ, WRITE, ADMIN, PORTAL groups ----
matrix() { # name token expect_read expect_write expect_admin expect_portal
        local n=$1 tok=$2
        as "$tok" GET /api/v1/accounts;            check "$n GET accounts" "$STATUS" "$3"
        as "$tok" GET /api/v1/accounts/A1;         check "$n GET account" "$STATUS" "$3"
        as "$tok" GET /metrics;                    check "$n GET metrics" "$STATUS" "$3"
        as "$tok" GET /api/v1/me;                  check "$n GET me" "$STATUS" "$3"
        as "$tok" PATCH /api/v1/accounts/A1 -H 'Content-Type: application/json' -d '{"plan":"Pro"}'
        check "$n PATCH account" "$STATUS" "$4"
        as "$tok" POST /api/v1/feedback -H 'Content-Type: application/json' \
                -d '{"person_id":"P1","ts":"2024-01-02","kind":"nps","score":9}'
        check "$n POST feedback" "$STATUS" "$4"
        as "$tok" DELETE /api/v1/capabilities/nope; check "$n DELETE capability" "$STATUS" "$5"
        as "$tok" GET /api/v1/users;               check "$n GET users" "$STATUS" "$6"
        as "$tok" GET /api/v1/audit;               check "$n GET audit" "$STATUS" "$6"
        as "$tok" GET /api/v1/portal/gardens;      check "$n GET portal" "$STATUS" "$7"
}
#        name     token  read write del(404 when allowed) admin portal
matrix admin     "$ADMIN"   200 200 404 200 200
matrix analyst   "$ANALYST" 200 403 403 403 200
matrix acctmgr   "$AM"      200 403 403 403 200
matrix member    "$MEM"     404 404 404 404 200
matrix readonly  "$ADMIN_RO" 200 403 403 200 200
req GET /api/v1/accounts; expect "no credentials" 401 .error.code unauthorized
check "WWW-Authenticate on 401" "$(header WWW-Authenticate)" 'Bearer realm="cxgarden"'
req GET /api/v1/portal/gardens; expect "portal needs auth" 401
as "$MEM" GET /api/v1/portal/gardens; expect "member portal" 200 '.gardens|length' 0
as "$MEM" GET /api/v1/portal/me; expect "member portal me" 200 .role member .person_id P1
# members do not learn which routes exist: wrong method on a staff path is 404, not 405
as "$MEM" DELETE /api/v1/accounts; expect "member wrong method" 404
as "$ANALYST" DELETE /api/v1/accounts; expect "staff wrong method" 405 .error.code method_not_allowed
as "$ANALYST" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"x","role":"admin"}'
expect "analyst cannot add users" 403 .error.code forbidden
as "$ADMIN_RO" GET /api/v1/me; expect "read token me" 200 .scope read .auth token .name admin

# ---- tokens ----
req GET "/api/v1/accounts?access_token=$ADMIN"; expect "token in URL" 400 .error.code bad_request
req GET "/api/v1/accounts?x=$ADMIN" -H "Authorization: Bearer $ADMIN"; expect "token value in URL" 400
req GET /api/v1/accounts -H "Authorization: Basic YWRtaW46eA=="; expect "basic auth" 401
as "cxg_notatoken" GET /api/v1/accounts; expect "unknown token" 401 .error.message "invalid token"
as "${ADMIN}x" GET /api/v1/accounts; expect "altered token" 401
TMP=$(mktoken ana read)
as "$TMP" GET /api/v1/accounts; expect "fresh token" 200
TID=$("$BIN" --db "$DB" --config "$INI" token list | awk -v p="${TMP:0:12}" '$2 == p {print $1}')
"$BIN" --db "$DB" --config "$INI" token revoke "$TID" 2>/dev/null
as "$TMP" GET /api/v1/accounts; expect "revoked token" 401 .error.code unauthorized
case "$BODY" in *revoked*) ;; *) fail "revoked message: $BODY" ;; esac
"$BIN" --db "$DB" --config "$INI" token list | grep >/dev/null "^$TID .*revoked\|^$TID .*T" || fail "token list shows the revocation"
EXP=$("$BIN" --db "$DB" --config "$INI" token create --user ana --expires 1 2>/dev/null)
as "$EXP" GET /api/v1/accounts; expect "token before expiry" 200
cxg_db_sql "$DB" "UPDATE api_tokens SET expires_at = $(($(date +%s) - 1)) WHERE prefix = '${EXP:0:12}'"
as "$EXP" GET /api/v1/accounts; expect "expired token" 401
case "$BODY" in *expired*) ;; *) fail "expired message: $BODY" ;; esac
"$BIN" --db "$DB" --config "$INI" token revoke 9999 2>/dev/null && fail "revoking an unknown token succeeds"
"$BIN" --db "$DB" --config "$INI" token create --user nobody >/dev/null 2>&1 && fail "token for unknown user"

# ---- sessions ----
req POST /api/v1/login -H 'Content-Type: text/plain' -d '{"name":"ana","password":"x"}'
expect "login wrong content type" 415 .error.code unsupported_media_type
req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"ana"}'
expect "login without password" 422 .error.field password
req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"ana",'
expect "login bad JSON" 400
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"ana\",\"password\":\"$ANALYST_PW\"}"
expect "login" 200 .user.name ana .user.role analyst
CSRF=$(printf '%s' "$BODY" | jq -r .csrf_token)
check "csrf token length" "${#CSRF}" 64
SC=$(header Set-Cookie)
case "$SC" in cxg_session=*"; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800") ;; *) fail "cookie flags: $SC" ;; esac
COOKIE=$(printf '%s' "$SC" | sed 's/;.*//')
check "session value length" "${#COOKIE}" $((12 + 43))
req GET /api/v1/me -H "Cookie: $COOKIE"; expect "session me" 200 .auth session .role analyst
# an analyst may not write entities; with a session the CSRF check comes after the role
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"admin\",\"password\":\"$ADMIN_PW\"}"
expect "admin login" 200
ACSRF=$(printf '%s' "$BODY" | jq -r .csrf_token)
ACOOKIE=$(header Set-Cookie | sed 's/;.*//')
req PATCH /api/v1/accounts/A1 -H "Cookie: $ACOOKIE" -H 'Content-Type: application/json' -d '{"plan":"Premium"}'
expect "cookie write without CSRF" 403 .error.code csrf
# a wrong token: flip the last character (never equal to the real one)
case "$ACSRF" in *0) WRONG="${ACSRF%?}1" ;; *) WRONG="${ACSRF%?}0" ;; esac
req PATCH /api/v1/accounts/A1 -H "Cookie: $ACOOKIE" -H "X-CSRF-Token: $WRONG" -H 'Content-Type: application/json' -d '{"plan":"Premium"}'
expect "cookie write with wrong CSRF" 403 .error.code csrf
req PATCH /api/v1/accounts/A1 -H "Cookie: $ACOOKIE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"plan":"Premium"}'
expect "another session's CSRF" 403 .error.code csrf
req PATCH /api/v1/accounts/A1 -H "Cookie: $ACOOKIE" -H "X-CSRF-Token: $ACSRF" -H 'Content-Type: application/json' -d '{"plan":"Premium"}'
expect "cookie write with CSRF" 200 .plan Premium
req GET /api/v1/accounts/A1 -H "Cookie: $ACOOKIE"; expect "cookie read needs no CSRF" 200
req POST /api/v1/logout -H "Cookie: $ACOOKIE"; expect "logout without CSRF" 403
req POST /api/v1/logout -H "Cookie: $ACOOKIE" -H "X-CSRF-Token: $ACSRF"; expect "logout" 204
case "$(header Set-Cookie)" in *"Max-Age=0"*) ;; *) fail "logout clears the cookie" ;; esac
req GET /api/v1/me -H "Cookie: $ACOOKIE"; expect "session after logout" 401
req GET /api/v1/me -H "Cookie: cxg_session=forged"; expect "forged session" 401
# member sessions reach the portal only
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"mem\",\"password\":\"$MEM_PW\"}"
expect "member login" 200 .user.role member
MCOOKIE=$(header Set-Cookie | sed 's/;.*//')
req GET /api/v1/accounts -H "Cookie: $MCOOKIE"; expect "member session on staff route" 404
req GET /api/v1/portal/gardens -H "Cookie: $MCOOKIE"; expect "member session portal" 200
# expired sessions fail
cxg_db_sql "$DB" "UPDATE sessions SET expires_at = $(($(date +%s) - 1))"
req GET /api/v1/portal/gardens -H "Cookie: $MCOOKIE"; expect "expired session" 401

# ---- user management ----
as "$ADMIN" GET /api/v1/users; expect "list users" 200 '[.items[].name]|join(",")' "admin,ana,amy,mem"
case "$BODY" in *argon2*|*password*) fail "user list leaks password hashes" ;; esac
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"ana","role":"analyst"}'
expect "duplicate user" 409 .error.code conflict
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"zed","role":"boss"}'
expect "bad role" 422 .error.field role
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"zed","role":"member","person_id":"NOPE"}'
expect "member of unknown person" 404 .error.field person
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"zed","role":"analyst","password":"short"}'
expect "short password" 422 .error.field password
as "$ADMIN" POST /api/v1/users -H 'Content-Type: application/json' -d '{"name":"zed","role":"analyst","password":"a-long-enough-secret"}'
expect "user with a chosen password" 201 .password null
req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"zed","password":"a-long-enough-secret"}'
expect "login with chosen password" 200
NEWPW=$("$BIN" --db "$DB" --config "$INI" user passwd zed 2>/dev/null)
req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"zed","password":"a-long-enough-secret"}'
expect "old password after passwd" 401
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"zed\",\"password\":\"$NEWPW\"}"
expect "new password after passwd" 200

# ---- failed-login rate limit (5 failures per window, per user and per address) ----
# No check depends on how fast the machine is: the counting runs under a 10-minute window (a
# busy machine cannot outlast it), the expiry under a 2 s one where only "after" is asserted.
# The limiter lives in the database (every server over it counts the same failures): each
# part starts from an empty one.
restart_with_window() {
        stop_server
        cxg_db_sql "$DB" "DELETE FROM login_failures" >/dev/null
        AUTH_EXTRA="login_window = $1"$'\nlogin_max_failures = 5\nmax_concurrent_hashes = 1'
        write_ini
        start_server
}
restart_with_window 600
for i in 1 2 3 4 5; do
        req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"amy","password":"wrong"}'
        check "failed login $i" "$STATUS" 401
done
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"amy\",\"password\":\"$AM_PW\"}"
expect "6th login within the window" 429 .error.code too_many_requests
RA=$(header Retry-After)
[ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 600 ] || fail "Retry-After: '$RA'"
# the address is limited too: another user from the same address
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"ana\",\"password\":\"$ANALYST_PW\"}"
expect "same address, other user" 429
# shared state: another server process over the same database refuses it too
stop_server
start_server
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"amy\",\"password\":\"$AM_PW\"}"
expect "the limit outlives the server process" 429 .error.code too_many_requests
# the window passes: 5 failures, then a sign-in once the 2 s window is over
restart_with_window 2
for i in 1 2 3 4 5; do
        req POST /api/v1/login -H 'Content-Type: application/json' -d '{"name":"amy","password":"wrong"}'
done
sleep 2.2
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"amy\",\"password\":\"$AM_PW\"}"
expect "login after the window" 200 .user.name amy

# ---- the cap on concurrent password hashes (max_concurrent_hashes = 1 here) ----
SLOW_PW=$("$BIN" --db "$DB" user add slow --role analyst 2>/dev/null) # interactive argon2id cost
# six sign-ins 30 ms apart: a worker busy hashing accepts no connection, so the next sign-in
# lands on another worker while the only hash slot is taken (one argon2id hash takes longer).
# On a very busy machine the requests may not overlap: up to three bursts are tried.
for burst in 1 2 3; do
        PIDS=()
        for i in 1 2 3 4 5 6; do
                curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
                        -d "{\"name\":\"slow\",\"password\":\"$SLOW_PW\"}" "$URL/api/v1/login" >"$T/pw.$i" &
                PIDS+=($!)
                sleep 0.03
        done
        wait "${PIDS[@]}"
        cat "$T"/pw.[1-6] >"$T/pw.all"
        grep -q 429 "$T/pw.all" && break
done
check "six answers" "$(wc -l <"$T/pw.all")" 6
CODES=$(sort "$T/pw.all" | uniq -c | awk '{printf "%s:%s ", $2, $1}')
case "$CODES" in *200:*) ;; *) fail "concurrent logins: none succeeded ($CODES)" ;; esac
case "$CODES" in *429:*) ;; *) fail "concurrent logins: none refused with 429 ($CODES)" ;; esac
grep -vq '^200$\|^429$' "$T/pw.all" && fail "concurrent logins: other statuses ($CODES)"
sleep 2.2 # let the rate-limit window pass for the checks below

# ---- audit ----
as "$ADMIN" GET "/api/v1/audit?entity=users&limit=2"; expect "audit page" 200 '.items|length' 2
NEXT=$(printf '%s' "$BODY" | jq -r .next_cursor)
[ "$NEXT" != null ] || fail "audit next cursor"
as "$ADMIN" GET "/api/v1/audit?entity=users&limit=2&cursor=$NEXT"; expect "audit page 2" 200 '.items|length' 2
as "$ADMIN" GET "/api/v1/audit?actor=admin&entity=accounts"
expect "audit by actor" 200 '[.items[].action]|join(",")' "update,update,create"
as "$ADMIN" GET "/api/v1/audit?action=login&entity=users&limit=500"
expect "audit filters" 400
as "$ADMIN" GET "/api/v1/audit?limit=501"; expect "audit limit" 400 .error.field limit
# the audit log is append-only
cxg_db_sql "$DB" "DELETE FROM audit_log" 2>/dev/null && fail "audit rows can be deleted"

stop_server
finish
