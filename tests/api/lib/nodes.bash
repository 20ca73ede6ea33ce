# nodes.bash: several `cxgarden serve` processes over one database (sourced after common.bash,
# with DB set to the shared database). node_start I starts node I (log $T/log.I, URL in
# NURL[I]); node_kill I SIGNAL stops it; on I METHOD PATH [curl args] is req on node I.
# nodes_shared_checks runs the checks every backend must pass (docs/api.md, "Several servers").
# node_start I [SERVE_ARGS...] passes SERVE_ARGS to `serve`; NODE_DB[I] and NODE_INI[I], when
# set, give node I its own database and config (tests/api/lib/cluster.bash); NODE_START_S (20)
# bounds the wait for its port.

declare -a NPID NURL NODE_DB NODE_INI
FRESH_WAIT_S=10 # a generous cap on the freshness bound (well under a second when idle)

node_start() {
        local i=$1 port=""
        shift
        : >"$T/log.$i"
        "$BIN" --db "${NODE_DB[$i]:-$DB}" --config "${NODE_INI[$i]:-$INI}" serve "$@" 2>>"$T/log.$i" &
        NPID[$i]=$!
        for _ in $(seq 1 $((${NODE_START_S:-20} * 20))); do
                port=$(grep -o 'listening on http://[^ ]*' "$T/log.$i" | sed 's/.*:\([0-9]*\)\/$/\1/' | tail -1 || true)
                [ -n "$port" ] && break
                kill -0 "${NPID[$i]}" 2>/dev/null || { cat "$T/log.$i"; echo "FAIL: node $i did not start"; exit 1; }
                sleep 0.05
        done
        [ -n "$port" ] || { cat "$T/log.$i"; echo "FAIL: node $i did not report its port"; exit 1; }
        NURL[$i]=http://127.0.0.1:$port
}

node_kill() {
        local i=$1 sig=${2:-TERM}
        [ -n "${NPID[$i]:-}" ] || return 0
        kill "-$sig" "${NPID[$i]}" 2>/dev/null || true
        wait "${NPID[$i]}" 2>/dev/null || true
        NPID[$i]=
}

nodes_cleanup() {
        local i
        cat "$T"/log.* >"$T/log" 2>/dev/null || true
        for i in "${!NPID[@]}"; do node_kill "$i"; done
        [ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null || true
        cleanup
}
trap nodes_cleanup EXIT

# on I METHOD PATH [curl args]: req against node I
on() {
        local i=$1
        shift
        URL=${NURL[$i]} req "$@"
}

# on_as I TOKEN METHOD PATH [curl args]
on_as() {
        local i=$1 tok=$2
        shift 2
        URL=${NURL[$i]} as "$tok" "$@"
}

# until_status SECONDS STATUS CMD...: run CMD (which sets STATUS) until STATUS, at most SECONDS
until_status() {
        local s=$1 want=$2 k
        shift 2
        for k in $(seq 1 $((s * 10))); do
                "$@"
                [ "$STATUS" = "$want" ] && return 0
                sleep 0.1
        done
        return 1
}

# a receiver counting webhook deliveries by X-Cxgarden-Delivery (one line each in $T/got),
# answering slowly so that the passes of several nodes overlap
start_receiver() {
        cat >"$T/recv.py" <<'EOF'
import http.server, socketserver, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(0.2)
        with open(sys.argv[1], "a") as f:
            f.write(self.headers.get("X-Cxgarden-Delivery", "?") + "\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_port))
s.serve_forever()
EOF
        python3 "$T/recv.py" "$T/got" "$T/rport" &
        RPID=$!
        for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
        RPORT=$(cat "$T/rport")
}

J=(-H 'Content-Type: application/json')

# the checks of the shared state over nodes 1..3 (started by the caller with detect_interval
# DETECT_S); ADMIN is a read-write admin token
nodes_shared_checks() {
        local i n

        # ---- a write on node 1 is in node 2's and node 3's scores within the bound ----
        on_as 1 "$ADMIN" POST /api/v1/accounts "${J[@]}" -d '{"id":"NA1","plan":"Pro","mrr":10,"created_at":"2024-01-01"}'
        expect "account on node 1" 201
        on_as 1 "$ADMIN" POST /api/v1/people "${J[@]}" -d '{"id":"NP1","account_id":"NA1","created_at":"2024-01-01"}'
        expect "person on node 1" 201
        on_as 1 "$ADMIN" POST /api/v1/interactions "${J[@]}" -d '{"person_id":"NP1","ts":"2024-03-01T10:00:00Z","channel":"web","type":"login"}'
        expect "interaction on node 1" 200 .accepted 1
        for i in 2 3; do
                until_status $FRESH_WAIT_S 200 on_as "$i" "$ADMIN" GET /api/v1/accounts/NA1/scores ||
                        fail "node $i: account NA1 not in its scores within ${FRESH_WAIT_S} s"
                n=0
                for _ in $(seq 1 $((FRESH_WAIT_S * 10))); do
                        on_as "$i" "$ADMIN" GET /api/v1/people/NP1/engagement
                        [ "$(printf '%s' "$BODY" | jq -r .last_interaction)" = 2024-03-01T10:00:00Z ] && { n=1; break; }
                        sleep 0.1
                done
                check "node $i: node 1's interaction in its engagement" "$n" 1
        done

        # ---- a session made on node 1 works on node 2; a logout on node 1 ends it there ----
        on 1 POST /api/v1/login "${J[@]}" -d "{\"name\":\"ana\",\"password\":\"$ANA_PW\"}"
        expect "login on node 1" 200
        local csrf cookie
        csrf=$(printf '%s' "$BODY" | jq -r .csrf_token)
        cookie=$(header Set-Cookie | sed 's/;.*//')
        on 2 GET /api/v1/me -H "Cookie: $cookie"; expect "node 1's session on node 2" 200 .name ana .auth session
        on 3 GET /api/v1/me -H "Cookie: $cookie"; expect "node 1's session on node 3" 200 .name ana
        on 1 POST /api/v1/logout -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf"; expect "logout on node 1" 204
        on 2 GET /api/v1/me -H "Cookie: $cookie"; expect "node 1's logout on node 2" 401

        # ---- a token revoked through node 1 is refused by node 2 ----
        local tok tid
        tok=$(mktoken ana read)
        on_as 2 "$tok" GET /api/v1/accounts; expect "token on node 2" 200
        tid=$("$BIN" --db "$DB" --config "$INI" token list | awk '$3 == "ana" || $2 == "ana" {id=$1} END {print id}')
        [ -n "$tid" ] || fail "token list has ana's token"
        "$BIN" --db "$DB" --config "$INI" token revoke "$tid" 2>/dev/null || fail "token revoke"
        on_as 2 "$tok" GET /api/v1/accounts; expect "revoked token on node 2" 401
        on_as 3 "$tok" GET /api/v1/accounts; expect "revoked token on node 3" 401

        # ---- failed sign-ins count across nodes (5 per window: 2 + 2 + 1, then refused) ----
        for i in 1 1 2 2 3; do
                on "$i" POST /api/v1/login "${J[@]}" -d '{"name":"ana","password":"wrong"}'
                check "failed sign-in on node $i" "$STATUS" 401
        done
        on 1 POST /api/v1/login "${J[@]}" -d "{\"name\":\"ana\",\"password\":\"$ANA_PW\"}"
        expect "6th sign-in, on node 1" 429 .error.code too_many_requests
        cxg_db_sql "$DB" "DELETE FROM login_failures" >/dev/null

        # ---- webhook deliveries: each one sent once, whichever nodes' workers run ----
        start_receiver
        on_as 1 "$ADMIN" POST /api/v1/webhooks "${J[@]}" -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"secret\":\"a-test-secret-0123456789\"}"
        expect "create webhook" 201
        local wid
        wid=$(printf '%s' "$BODY" | jq -r .id)
        for n in $(seq 1 12); do
                on_as $((n % 3 + 1)) "$ADMIN" POST "/api/v1/webhooks/$wid/test"
                check "test delivery $n queued" "$STATUS" 202
        done
        for _ in $(seq 1 300); do
                [ "$(cxg_db_sql "$DB" "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")" = 12 ] && break
                sleep 0.1
        done
        check "deliveries marked delivered" \
                "$(cxg_db_sql "$DB" "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")" 12
        sleep 6 # a further pass of every node's worker (5 s): nothing is sent again
        check "posts received (one per delivery)" "$(wc -l <"$T/got")" 12
        check "distinct deliveries received" "$(sort -u "$T/got" | wc -l)" 12

        # ---- the scheduled detector: one run per interval across the nodes ----
        # each node's timer fires every DETECT_S seconds; counted over a span of ROUNDS intervals
        local before after rounds=4
        before=$(cat "$T"/log.[123] | grep -c 'serve: detector: .* findings' || true)
        sleep $((DETECT_S * rounds))
        after=$(cat "$T"/log.[123] | grep -c 'serve: detector: .* findings' || true)
        n=$((after - before))
        [ "$n" -ge 1 ] || fail "the detector never ran in $rounds intervals"
        # without the shared schedule three nodes run about 3 x rounds times
        [ "$n" -le $((rounds + 1)) ] || fail "the detector ran $n times in $rounds intervals over 3 nodes"
        CHECKS=$((CHECKS + 2))
}
