#!/usr/bin/env bash
# privacy_erase.sh BINARY: `cxgarden person export` holds everything about a person, and
# `cxgarden person erase` leaves nothing of them: after the erasure their external id, email,
# name and comment text are in no column of any table, nor anywhere in the database file, its
# WAL or shared-memory file (secure_delete and a checkpoint), while anonymous aggregates (row
# counts, scores) stay. The audit log records the erasure without the erased data and stays
# append-only.
set -euo pipefail
BIN=$(readlink -f "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxg-privacy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
. "$(dirname "$0")/../lib/db.bash"
db=$(cxg_db "$tmp" p) || exit $?
pg() { [ "$(cxg_backend)" = pg ]; }
# a one-byte blob literal
if pg; then blob01="'\\x01'::bytea"; else blob01="x'01'"; fi
PID=alice-7f3a9 EMAIL=alice.zyxwvut@example.org NAME="Alice Zyxwvut" COMMENT="Qwertz billing grumble"
printf 'id,name\nA1,Acme\nA2,Other\n' >accounts.csv
printf 'id,account_id,name,email,role,shoe_size\n%s,A1,%s,%s,VP Sales,zyx-shoe-41\nbob-1,A2,Bob B,bob@example.org,Engineer,42\n' \
        "$PID" "$NAME" "$EMAIL" >people.csv
{
        echo "id,person_id,ts,type,channel,value,note"
        for i in $(seq 1 300); do echo "$PID-evt-$i,$PID,$((1700000000 + i * 60)),login,web,$i,private-note-$PID-$i"; done
        for i in $(seq 1 50); do echo "bob-evt-$i,bob-1,$((1700000000 + i * 60)),login,app,$i,x"; done
} >interactions.csv
printf 'id,person_id,ts,kind,score,comment,topic\nf1,%s,2024-01-05,nps,3,%s,billing\nf2,bob-1,2024-01-05,nps,9,fine,ux\nf3,%s,2024-02-05,csat,2,%s again,%s\n' \
        "$PID" "$COMMENT" "$PID" "$COMMENT" "$EMAIL" >feedback.csv
printf 'id,account_id,person_id,title\no1,A1,%s,Grow pipeline\n' "$PID" >objectives.csv
for k in accounts people interactions feedback objectives; do
        "$BIN" --db "$db" import "$k" "$k.csv" >/dev/null 2>&1 || fail "import $k"
done
# a login user for the person and audit entries about them (as the API writes them)
cxg_db_sql "$db" "INSERT INTO users(name, role, person_id, created_at) SELECT '$EMAIL', 'member', id, 1700000000 FROM people WHERE ext_id = '$PID';
        INSERT INTO sessions(token_hash, csrf, user_id, created_at, expires_at) SELECT $blob01, 'c', id, 1, 2 FROM users WHERE name = '$EMAIL';
        INSERT INTO audit_log(at, actor, action, entity, entity_id, summary) VALUES
          (1700000000, 'admin', 'update', 'person', '$PID', '{\"email\":\"$EMAIL\"}'),
          (1700000001, 'admin', 'update', 'account', 'A1', '{\"note\":\"called $NAME\"}'),
          (1700000002, 'admin', 'update', 'account', 'A2', '{\"plan\":\"Pro\"}');"
# garden activity, the ledger, an idea and a comment by their login, an alert, a task and a
# queued webhook about them (as the gardens and early-warning modules write them)
cxg_db_sql "$db" "INSERT INTO gardens(ext_id, name, topic, created_at, created_by) VALUES ('G1', 'Pilot', 'product', 1, 'admin');
        INSERT INTO garden_members(garden_id, person_id, role, status, invited_at) SELECT 1, id, 'customer', 'accepted', 1 FROM people WHERE ext_id = '$PID';
        INSERT INTO ideas(garden_id, title, description, target_metric, author_id, created_at, updated_at) SELECT 1, 'Faster exports', 'my Zorp plan', 'engagement', id, 1, 1 FROM users WHERE name = '$EMAIL';
        INSERT INTO idea_comments(idea_id, user_id, body, at) SELECT 1, id, 'Zorp idea remark', 2 FROM users WHERE name = '$EMAIL';
        INSERT INTO ledger(at, person_id, team, garden_id, kind, points, cause_type, note) SELECT 3, id, 'external', 1, 'idea', 5, 'idea', 'thanks $EMAIL' FROM people WHERE ext_id = '$PID';
        INSERT INTO alerts(kind, severity, subject_type, subject, dedup_key, summary, evidence, first_seen, last_seen, created_at, person_ext) VALUES ('champion_silent', 'high', 'person', '$PID', 'k1', '$NAME went silent', '{\"person\":\"$PID\"}', 1, 1, 1, '$PID');
        INSERT INTO tasks(person_ext, owner, title, notes, created_at, updated_at) VALUES ('$PID', 'am', 'Call back', 'reach $EMAIL', 1, 1);
        INSERT INTO webhooks(url, secret, created_at) VALUES ('http://127.0.0.1:9/x', 's', 1);
        INSERT INTO webhook_deliveries(webhook_id, event, body, next_at, created_at) VALUES (1, 'alert', '{\"person\":\"$PID\"}', 1, 1);"

# --- export ---
"$BIN" --db "$db" person export "$PID" --out export.json || fail "export"
j() { sqlite3 :memory: "SELECT json_extract(readfile('export.json'), '$1')"; }
[ "$(j '$.person.email')" = "$EMAIL" ] || fail "export: email"
[ "$(j '$.person.name')" = "$NAME" ] || fail "export: name"
[ "$(j '$.person.account_id')" = A1 ] || fail "export: account"
[ "$(j '$.person.seniority')" = executive ] || fail "export: seniority from the role"
[ "$(j '$.person.attributes.shoe_size')" = zyx-shoe-41 ] || fail "export: attributes"
[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('export.json'), '\$.interactions')")" = 300 ] || fail "export: 300 interactions"
[ "$(j '$.interactions[299].attributes.note')" = "private-note-$PID-300" ] || fail "export: interaction attributes"
[ "$(j '$.feedback[0].comment')" = "$COMMENT" ] || fail "export: comment"
[ "$(j '$.feedback[1].score')" = 2.0 ] || [ "$(j '$.feedback[1].score')" = 2 ] || fail "export: score"
[ "$(j '$.objectives[0].title')" = "Grow pipeline" ] || fail "export: objective"
[ "$(j '$.users[0].name')" = "$EMAIL" ] || fail "export: user"
[ "$(j '$.audit[0].summary')" = "{\"email\":\"$EMAIL\"}" ] || fail "export: audit"
[ "$(j '$.gardens[0].garden')" = G1 ] || fail "export: garden membership"
[ "$(j '$.ledger[0].note')" = "thanks $EMAIL" ] || fail "export: ledger"
[ "$(j '$.ideas[0].description')" = "my Zorp plan" ] || fail "export: idea"
[ "$(j '$.idea_comments[0].body')" = "Zorp idea remark" ] || fail "export: idea comment"
[ "$(j '$.alerts[0].summary')" = "$NAME went silent" ] || fail "export: alert"
[ "$(j '$.tasks[0].notes')" = "reach $EMAIL" ] || fail "export: task"
"$BIN" --db "$db" person export nobody-1 >/dev/null 2>err.txt && fail "export of an unknown person succeeded"
grep -q 'no person "nobody-1"' err.txt || fail "export unknown: $(cat err.txt)"

before=$(cxg_db_sql "$db" "SELECT count(*), sum(value) FROM interactions; SELECT count(*), sum(score) FROM feedback")
# the search below can see the data: before the erasure it is in the files (SQLite: the
# database file and its WAL; PostgreSQL keeps dead rows in its heap files until VACUUM, so the
# file search is SQLite's only; the search of every column of every table runs on both)
if ! pg; then
        sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
        for needle in "$PID" "$EMAIL" "Qwertz" "private-note-$PID"; do
                grep -aqF -- "$needle" "$db" || fail "'$needle' not in the file before the erasure: the search is blind"
        done
fi

# --- erase ---
"$BIN" --db "$db" person erase "$PID" >/dev/null 2>err.txt && fail "erase without --yes succeeded"
grep -q -- "--yes" err.txt || fail "erase without --yes: $(cat err.txt)"
out=$("$BIN" --db "$db" person erase "$PID" --yes --actor dpo) || fail "erase"
grep -q "300 interactions and 2 feedback answers anonymised, 1 objectives and 1 login users detached, 2 audit entries and 10 other texts redacted" <<<"$out" ||
        fail "erase report: $out"
anon=$(cxg_db_sql "$db" "SELECT ext_id FROM people WHERE ext_id LIKE 'erased-%'")
[ -n "$anon" ] || fail "no anonymous person"

# nothing of the person in any column of any table: every table.column once, then one query
# per needle over all of them (a psql per column is too slow on PostgreSQL)
if pg; then
        cols=$(cxg_db_sql "$db" "SELECT c.table_name, c.column_name FROM information_schema.columns c
                JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY 1, 2")
else
        cols=$(cxg_db_sql "$db" "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2")
fi
[ "$(grep -c '^people|email$' <<<"$cols")" = 1 ] || fail "column list: $cols"
for needle in "$PID" "$EMAIL" "$NAME" "Qwertz" "zyx-shoe" "private-note-$PID" "Zorp"; do
        hex=$(printf %s "$needle" | od -An -tx1 | tr -d ' \n')
        if pg; then
                needle_sql="convert_from(decode('$hex', 'hex'), 'UTF8')" find=strpos
        else
                needle_sql="CAST(x'$hex' AS TEXT)" find=instr
        fi
        q=$(while IFS='|' read -r t c; do
                echo "SELECT '$t.$c', count(*) FROM \"$t\" WHERE $find(CAST(\"$c\" AS TEXT), $needle_sql) > 0 UNION ALL"
        done <<<"$cols")
        found=$(cxg_db_sql "$db" "${q% UNION ALL}") || fail "column scan for '$needle' failed"
        [ "$(grep -c . <<<"$found")" = "$(grep -c . <<<"$cols")" ] || fail "column scan for '$needle': $found"
        hits=$(grep -v '|0$' <<<"$found" || true)
        [ -z "$hits" ] || fail "'$needle' is still in (column|rows): $hits"
        # ... nor in the files (the WAL was checkpointed and truncated)
        pg && continue
        for f in "$db" "$db-wal" "$db-shm"; do
                [ -f "$f" ] || continue
                if grep -aqF -- "$needle" "$f"; then fail "'$needle' is still in the file $f"; fi
        done
done
# the aggregates stay
after=$(cxg_db_sql "$db" "SELECT count(*), sum(value) FROM interactions; SELECT count(*), sum(score) FROM feedback")
[ "$before" = "$after" ] || fail "aggregates changed: $before -> $after"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM interactions i JOIN people p ON p.id = i.person_id WHERE p.ext_id = '$anon'")" = 300 ] ||
        fail "the anonymous person lost their interactions"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM sessions")" = 0 ] || fail "a session of the erased user is left"
# the audit log: the erasure is recorded without the erased data, and it is still append-only
[ "$(cxg_db_sql "$db" "SELECT actor, entity_id FROM audit_log WHERE action = 'erase'")" = "dpo|$anon" ] ||
        fail "no audit entry for the erasure"
[ "$(cxg_db_sql "$db" "SELECT summary FROM audit_log WHERE entity_id = 'A2'")" = '{"plan":"Pro"}' ] ||
        fail "an unrelated audit entry was changed"
cxg_db_sql "$db" "UPDATE audit_log SET summary = 'x'" 2>/dev/null && fail "the audit log is no longer append-only"
# bob is untouched; the erased id is gone; erasing again is refused
[ "$(cxg_db_sql "$db" "SELECT email FROM people WHERE ext_id = 'bob-1'")" = bob@example.org ] || fail "bob changed"
"$BIN" --db "$db" person export "$PID" >/dev/null 2>&1 && fail "the erased id can still be exported"
"$BIN" --db "$db" person erase "$anon" --yes >/dev/null 2>err.txt && fail "erasing an erased person succeeded"
pg || [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
[ "$(cxg_db_sql "$db" "SELECT count(*) FROM garden_members m JOIN people p ON p.id = m.person_id WHERE p.ext_id = '$anon'")" = 1 ] ||
        fail "the anonymous garden membership is gone (activity counts must stay)"
[ "$(cxg_db_sql "$db" "SELECT sum(points) FROM ledger")" = 5 ] || fail "ledger points changed"
cxg_db_sql "$db" "UPDATE ledger SET note = 'x'" 2>/dev/null && fail "the ledger is no longer append-only"
echo "privacy_erase: export holds profile, 300 interactions, 2 comments, objective, user, audit," \
        "garden, ledger, idea, idea comment, alert, task;" \
        "after erase none of id, email, name, comment, attributes in any table, the db file or WAL"
