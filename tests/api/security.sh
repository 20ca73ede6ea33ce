#!/usr/bin/env bash
# security.sh BINARY: hardening of `cxgarden serve` (issue 9): every kind of response (public,
# dashboard, API, 401, 403, 404, 405, 413) carries Content-Security-Policy without
# 'unsafe-inline', X-Frame-Options DENY, X-Content-Type-Options nosniff and a Referrer-Policy;
# the session cookie is HttpOnly and SameSite=Strict, and Secure over TLS. With --tls-cert and
# --tls-key the server speaks HTTPS only (certificate checked by curl against the test CA), adds
# Strict-Transport-Security, refuses plain HTTP, and refuses to start with a key that does not
# match the certificate.
. "$(dirname "$0")/lib/common.bash"

SERVER_EXTRA="max_body = 1024"
write_ini
PW=$(mkuser ada admin)
mkuser ann analyst >/dev/null
A=$(mktoken ada read-write)
N=$(mktoken ann read-write)
start_server

headers_ok() { # NAME: the security headers of the last reply
        local csp
        csp=$(header Content-Security-Policy)
        [ -n "$csp" ] || fail "$1: no Content-Security-Policy"
        case $csp in *unsafe-inline* | *unsafe-eval*) fail "$1: CSP allows unsafe code: $csp" ;; esac
        check "$1: X-Frame-Options" "$(header X-Frame-Options)" DENY
        check "$1: X-Content-Type-Options" "$(header X-Content-Type-Options)" nosniff
        [ -n "$(header Referrer-Policy)" ] || fail "$1: no Referrer-Policy"
}
req GET /healthz; check "healthz" "$STATUS" 200; headers_ok healthz
req GET /; check "dashboard" "$STATUS" 200; headers_ok dashboard
req GET /api/v1/accounts; check "no credentials" "$STATUS" 401; headers_ok 401
as "$N" POST /api/v1/accounts -H 'Content-Type: application/json' -d '{"id":"X"}'; check "analyst write" "$STATUS" 403; headers_ok 403
as "$A" GET /api/v1/nothing-here; check "unknown route" "$STATUS" 404; headers_ok 404
req DELETE /healthz; check "wrong method" "$STATUS" 405; headers_ok 405
as "$A" POST /api/v1/accounts -H 'Content-Type: application/json' --data-binary "{\"id\":\"$(head -c 3000 /dev/zero | tr '\0' x)\"}"
check "too large" "$STATUS" 413; headers_ok 413
as "$A" GET /api/v1/accounts; check "list" "$STATUS" 200; headers_ok 200
req POST /api/v1/login -H 'Content-Type: application/json' -d "{\"name\":\"ada\",\"password\":\"$PW\"}"
check "login" "$STATUS" 200
cookie=$(header Set-Cookie)
case $cookie in *HttpOnly*SameSite=Strict* | *SameSite=Strict*HttpOnly*) ;; *) fail "cookie flags: $cookie" ;; esac
case $cookie in *Secure*) fail "Secure cookie over plain HTTP (browsers would drop it): $cookie" ;; esac
[ -z "$(header Strict-Transport-Security)" ] || fail "HSTS over plain HTTP"
stop_server

# --- TLS ---
if ! command -v openssl >/dev/null; then
        finish # the plain-HTTP checks above passed; the TLS part could not run: skipped
        skip_missing "(TLS part): openssl is not installed"
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other -keyout "$T/other.pem" -out /dev/null 2>/dev/null
: >"$T/log"
"$BIN" --db "$DB" --config "$INI" serve --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" 2>>"$T/log" &
PID=$!
for _ in $(seq 1 200); do
        PORT=$(grep -o 'listening on https://[^ ]*' "$T/log" | sed 's/.*:\([0-9]*\)\/$/\1/' | tail -1 || true)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || { cat "$T/log"; fail "TLS server did not start"; finish; }
        sleep 0.05
done
URL=https://127.0.0.1:$PORT
TLS=(--cacert "$T/cert.pem")
req GET /healthz "${TLS[@]}"; check "healthz over TLS (certificate verified)" "$STATUS" 200
headers_ok "TLS healthz"
case $(header Strict-Transport-Security) in max-age=*) ;; *) fail "no Strict-Transport-Security over TLS" ;; esac
req POST /api/v1/login "${TLS[@]}" -H 'Content-Type: application/json' -d "{\"name\":\"ada\",\"password\":\"$PW\"}"
check "login over TLS" "$STATUS" 200
case $(header Set-Cookie) in *Secure*) ;; *) fail "the session cookie over TLS is not Secure: $(header Set-Cookie)" ;; esac
as "$A" GET /api/v1/accounts "${TLS[@]}"; check "API over TLS" "$STATUS" 200
plain=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$PORT/healthz" || true)
case $plain in 2*) fail "plain HTTP answered on the TLS port" ;; esac
stop_server
"$BIN" --db "$DB" --config "$INI" serve --tls-cert "$T/cert.pem" --tls-key "$T/other.pem" 2>"$T/err" &
bad=$!
# it must exit on its own (the key is checked before listening; opening a PostgreSQL store
# first takes longer than an SQLite file: up to 60 s)
for _ in $(seq 1 600); do
        kill -0 "$bad" 2>/dev/null || break
        sleep 0.1
done
grep -q 'listening on' "$T/err" && fail "the server listened with a key that does not match its certificate"
if kill -0 "$bad" 2>/dev/null; then
        kill "$bad"
        fail "the server started with a key that does not match its certificate"
fi
st=0
wait "$bad" || st=$?
check "mismatched key: exit status" "$st" 1
grep -q "do not match" "$T/err" || fail "mismatched key: message: $(cat "$T/err")"
if "$BIN" --db "$DB" --config "$INI" serve --tls-cert "$T/cert.pem" 2>"$T/err"; then fail "TLS with a certificate only started"; fi
grep -q "both a certificate and a key" "$T/err" || fail "certificate only: $(cat "$T/err")"
finish
