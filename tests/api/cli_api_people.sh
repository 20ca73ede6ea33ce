#!/usr/bin/env bash
# cli_api_people.sh BINARY: one person export document for both front ends (issue 13): the CLI's
# `person export ID` equals the API's GET /api/v1/people/{id}/export (key order and the
# exported_at time aside); and CLI writes are audited like API writes: `user add`, `token
# create|revoke`, `import`, `purge` and `person erase` each leave an audit record by "cli:USER".
. "$(dirname "$0")/lib/common.bash"

PIDX=erin-7 EMAIL=erin.wren@example.net
printf 'id,name\nA1,Acme\n' >"$T/a.csv"
printf 'id,account_id,name,email,role\n%s,A1,Erin Wren,%s,CTO\nP2,A1,Other,o@example.net,Dev\n' "$PIDX" "$EMAIL" >"$T/p.csv"
{
        echo "id,person_id,ts,type,channel,value,note"
        for i in $(seq 1 12); do echo "$PIDX-e$i,$PIDX,$((1700000000 + i * 3600)),login,web,$i,n$i"; done
        echo "old-1,P2,1500000000,login,web,1,x"
} >"$T/i.csv"
printf 'person_id,ts,kind,score,comment\n%s,2024-01-02,nps,6,too slow\n' "$PIDX" >"$T/f.csv"
for k in "accounts a" "people p" "interactions i" "feedback f"; do
        set -- $k
        "$BIN" --db "$DB" import "$1" "$T/$2.csv" 2>/dev/null || fail "import $1"
done
write_ini
# a login linked to the person, so the export's "users" and "audit" parts are not empty
mkuser erin member "$PIDX" >/dev/null || fail "user add (member)"
mkuser admin admin >/dev/null || fail "user add (admin)"
A=$(mktoken admin read-write)
[ -n "$A" ] || fail "token create"

# CLI writes are audited, by "cli:USER"
audit() { cxg_db_sql "$DB" "SELECT actor || '|' || coalesce(summary, '') FROM audit_log WHERE action = '$1' AND entity = '$2' AND coalesce(entity_id, '') = '$3' ORDER BY id DESC LIMIT 1"; }
a=$(audit ingest interactions "")
check "import audited" "$a" "cli:${USER:-$(id -un)}|{\"file\":\"i.csv\",\"inserted\":13,\"rejected\":0,\"updated\":0}"
a=$(audit create users erin)
check "user add audited by cli:USER" "${a%%|*}" "cli:${USER:-$(id -un)}"
check "user add audit summary" "${a#*|}" "{\"after\":{\"person_id\":\"$PIDX\",\"role\":\"member\"}}"
t=$("$BIN" --db "$DB" --config "$INI" token create --user erin --scope read 2>/dev/null)
tid=$(cxg_db_sql "$DB" "SELECT max(id) FROM api_tokens")
a=$(audit create tokens "$tid")
check "token create audited" "${a#*|}" '{"after":{"scope":"read","user":"erin"}}'
"$BIN" --db "$DB" --config "$INI" token revoke "$tid" 2>/dev/null || fail "token revoke"
a=$(audit revoke tokens "$tid")
check "token revoke audited by cli:USER" "${a%%|*}" "cli:${USER:-$(id -un)}"
"$BIN" --db "$DB" purge interactions --before 2018-01-01 --yes >/dev/null || fail "purge"
a=$(audit purge interactions "")
check "purge audited" "$a" "cli:${USER:-$(id -un)}|{\"before\":\"2018-01-01T00:00:00Z\",\"deleted\":1}"

# the export: one document for both front ends
start_server
"$BIN" --db "$DB" person export "$PIDX" >"$T/cli.json" || fail "cli export"
as "$A" GET "/api/v1/people/$PIDX/export"
check "api export status" "$STATUS" 200
norm() { jq -S 'del(.exported_at)' "$1"; }
printf '%s' "$BODY" >"$T/api.json"
check "the export has the person" "$(jq -r .person.email "$T/cli.json")" "$EMAIL"
check "the export has their interactions" "$(jq '.interactions|length' "$T/cli.json")" 12
check "the export has their login" "$(jq -r '.users[0].name' "$T/cli.json")" erin
if ! diff <(norm "$T/cli.json") <(norm "$T/api.json") >"$T/diff"; then
        fail "CLI and API exports differ: $(head -20 "$T/diff")"
fi
CHECKS=$((CHECKS + 1))
stop_server

# a CLI erasure is audited by cli:USER with counts only
out=$("$BIN" --db "$DB" person erase "$PIDX" --yes) || fail "cli erase"
anon=$(cxg_db_sql "$DB" "SELECT ext_id FROM people WHERE ext_id LIKE 'erased-%'")
a=$(audit erase person "$anon")
check "erase audited by cli:USER" "${a%%|*}" "cli:${USER:-$(id -un)}"
check "erase audit summary" "$(jq -c '[.interactions, .feedback, .users]' <<<"${a#*|}")" "[12,1,1]"
grep -q "$EMAIL" <<<"$a" && fail "the erase audit names the person"
CHECKS=$((CHECKS + 1))
finish
