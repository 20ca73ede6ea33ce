#!/usr/bin/env bash
# alerts_webhook.sh BINARY: webhooks from the command line: registration (with validation and
# a generated secret shown once), `detect` POSTing each new alert to a receiver on loopback
# with a valid X-Cxgarden-Signature, a test delivery, a failing receiver retried later, and
# disable/delete.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/cxg-test-alerts-webhook-XXXXXX)
rpid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$dir" g) || exit $?

fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$dir/recv.py" <<'EOF'
import http.server, sys, json
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"sig": self.headers.get("X-Cxgarden-Signature"),
                                "event": self.headers.get("X-Cxgarden-Event"),
                                "delivery": self.headers.get("X-Cxgarden-Delivery"),
                                "body": body.decode()}) + "\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_port))
s.serve_forever()
EOF
python3 "$dir/recv.py" "$dir/got" "$dir/port" &
rpid=$!
for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")

"$bin" --db "$db" generate --seed 2 --scale 0.03 >/dev/null 2>&1

# validation
"$bin" --db "$db" webhook add ftp://example.com 2>"$dir/err" && fail "accepted ftp://"
grep -q 'must start with http:// or https://' "$dir/err" || fail "url message: $(cat "$dir/err")"
"$bin" --db "$db" webhook add "http://127.0.0.1:$port/" --secret short 2>"$dir/err" &&
  fail "accepted a short secret"
"$bin" --db "$db" webhook add "http://127.0.0.1:$port/" --kinds nope 2>"$dir/err" &&
  fail "accepted an unknown kind"
# a generated secret is printed once (64 hex digits)
"$bin" --db "$db" webhook add "http://127.0.0.1:$port/gen" >"$dir/add1"
grep -Eq '^secret: [0-9a-f]{64}$' "$dir/add1" || fail "generated secret: $(cat "$dir/add1")"
"$bin" --db "$db" webhook disable 1 >/dev/null
"$bin" --db "$db" webhook add "http://127.0.0.1:$port/hook" --secret cli-test-secret-0123456789 \
  --min-severity medium >/dev/null
"$bin" --db "$db" webhook list >"$dir/list"
grep -q "disabled .*http://127.0.0.1:$port/gen" "$dir/list" || fail "list: $(cat "$dir/list")"
grep -q "enabled .*http://127.0.0.1:$port/hook min_severity=medium" "$dir/list" || fail "list 2"

# detect: each new alert of medium severity or more is POSTed, signed
"$bin" --db "$db" detect --json >"$dir/d1"
want=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(sum(1 for a in d["alerts"] if a["severity"] in ("medium","high","critical")))' "$dir/d1")
[ "$want" -gt 0 ] || fail "no alerts to deliver"
got=$(wc -l <"$dir/got")
[ "$got" = "$want" ] || fail "receiver got $got posts, wanted $want"
python3 - "$dir/got" "$dir/d1" <<'EOF' || fail "signatures or bodies"
import hmac, hashlib, json, sys
d = json.load(open(sys.argv[2]))
ids = {a["id"] for a in d["alerts"] if a["severity"] != "low"}
for line in open(sys.argv[1]):
    x = json.loads(line)
    mac = hmac.new(b"cli-test-secret-0123456789", x["body"].encode(), hashlib.sha256).hexdigest()
    assert x["sig"] == "sha256=" + mac, x["sig"]
    b = json.loads(x["body"])
    assert x["event"] == b["event"] == "alert.created"
    assert b["alert"]["id"] in ids and isinstance(b["alert"]["evidence"], dict)
EOF
"$bin" --db "$db" webhook deliveries 2 --json >"$dir/dl"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d and all(x["status"]=="delivered" and x["attempts"]==1 and x["last_status"]==204 for x in d), d' \
  "$dir/dl" || fail "deliveries: $(cat "$dir/dl")"
# nothing new on a second run, so nothing sent
"$bin" --db "$db" detect >/dev/null
[ "$(wc -l <"$dir/got")" = "$got" ] || fail "second detect posted again"

# a test delivery
"$bin" --db "$db" webhook test 2 | grep >/dev/null 'delivered' || fail "test delivery"
tail -1 "$dir/got" | grep >/dev/null '"event": "alert.test"' || fail "test event"

# the receiver goes away: the test delivery fails and waits for a retry
kill $rpid
wait $rpid 2>/dev/null || true
rpid=
"$bin" --db "$db" webhook test 2 >"$dir/t2" && fail "a delivery to nobody succeeded"
grep -q 'failed' "$dir/t2" || fail "failed test: $(cat "$dir/t2")"
"$bin" --db "$db" webhook deliveries 2 --json >"$dir/dl2"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))[0]
assert d["event"]=="alert.test" and d["status"]=="pending" and d["attempts"]==1 and d["last_error"], d' \
  "$dir/dl2" || fail "retry pending: $(head -c 600 "$dir/dl2")"

"$bin" --db "$db" webhook delete 2 >/dev/null
"$bin" --db "$db" webhook delete 2 2>"$dir/err" && fail "deleted twice"
grep -q 'webhook 2 not found' "$dir/err" || fail "delete message: $(cat "$dir/err")"
echo ok
