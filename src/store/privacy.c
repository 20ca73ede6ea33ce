/*
 * privacy.c: a person's data export and erasure (store_privacy.h). The export reads every
 * table that can hold something about a person; the erasure rewrites those rows in one
 * transaction. SQLite: with secure_delete on, then the WAL is checkpointed, so that neither
 * the database file nor its WAL keeps the erased text. PostgreSQL: the tables it touched are
 * vacuumed after the commit (docs/operations.md says what that does and does not remove).
 * Owns: which columns are personal data.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"
#include "core/parse.h"
#include "store/store_changes.h"
#include "store/store_int.h"
#include "store/store_privacy.h"

/* ---- a small JSON writer over cxg_buf: the first error sticks ---- */

struct jw {
        struct cxg_buf *b;
        enum cxg_err rc;
        int first; /* no member written yet in the current object or array */
};

static void put(struct jw *w, const char *s)
{
        if (!w->rc)
                w->rc = cxg_buf_puts(w->b, s);
}

static void open_(struct jw *w, const char *s)
{
        put(w, s);
        w->first = 1;
}

/* the separator and "key": of a member (key NULL: an array element) */
static void key(struct jw *w, const char *k)
{
        if (!w->first)
                put(w, ",");
        w->first = 0;
        if (k && !w->rc && !(w->rc = cxg_buf_json_str(w->b, k, strlen(k))))
                put(w, ":");
}

static void v_text(struct jw *w, const char *k, const char *v)
{
        key(w, k);
        if (!v)
                put(w, "null");
        else if (!w->rc)
                w->rc = cxg_buf_json_str(w->b, v, strlen(v));
}

static void v_int(struct jw *w, const char *k, struct sdb_stmt *st, int col)
{
        key(w, k);
        if (sdb_column_type(st, col) == SDB_NULL)
                put(w, "null");
        else if (!w->rc)
                w->rc = cxg_buf_printf(w->b, "%" PRId64, (int64_t)sdb_column_int64(st, col));
}

static void v_real(struct jw *w, const char *k, struct sdb_stmt *st, int col)
{
        double d = store_col_double(st, col);

        key(w, k);
        if (isnan(d) || isinf(d))
                put(w, "null");
        else if (!w->rc)
                w->rc = cxg_buf_printf(w->b, "%.17g", d);
}

static void v_time(struct jw *w, const char *k, struct sdb_stmt *st, int col)
{
        int64_t t = store_col_ts(st, col);
        char out[40];

        if (t == CXG_TS_NONE) {
                key(w, k);
                put(w, "null");
                return;
        }
        v_text(w, k, cxg_time_format(t, out));
}

/* JSON text stored in a column (attributes, lists), written as JSON, or null */
static void v_json(struct jw *w, const char *k, struct sdb_stmt *st, int col)
{
        const char *v = store_col_text(st, col);

        key(w, k);
        put(w, v && v[0] ? v : "null");
}

/* ---- export ---- */

/* Run st (bound by the caller) and write one JSON object per row with row(). */
static enum cxg_err rows(struct store *s, struct jw *w, struct sdb_stmt *st, const char *name,
                         void (*row)(struct jw *w, struct sdb_stmt *st), struct cxg_error *err)
{
        int rc;

        key(w, name);
        open_(w, "[");
        while (!w->rc && (rc = sdb_step(st)) == SDB_ROW) {
                key(w, NULL);
                open_(w, "{");
                row(w, st);
                put(w, "}");
                w->first = 0;
        }
        put(w, "]");
        w->first = 0;
        if (w->rc) {
                sdb_reset(st);
                return cxg_error_set(err, w->rc, "export person: %s", cxg_strerror(w->rc));
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "export person", err);
        return CXG_OK;
}

static void row_interaction(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "id", store_col_text(st, 0));
        v_time(w, "ts", st, 1);
        v_text(w, "channel", model_channel_name(sdb_column_int(st, 2)));
        v_text(w, "type", store_col_text(st, 3));
        v_int(w, "duration_ms", st, 4);
        v_text(w, "outcome",
               sdb_column_int(st, 5) ? model_outcome_name(sdb_column_int(st, 5)) : NULL);
        v_real(w, "value", st, 6);
        v_json(w, "attributes", st, 7);
}

static void row_feedback(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "id", store_col_text(st, 0));
        v_time(w, "ts", st, 1);
        v_text(w, "kind", model_fb_kind_name(sdb_column_int(st, 2)));
        v_real(w, "score", st, 3);
        v_text(w, "comment", store_col_text(st, 4));
        v_text(w, "topic", store_col_text(st, 5));
        v_text(w, "channel",
               sdb_column_type(st, 6) == SDB_NULL ? NULL
                                                  : model_channel_name(sdb_column_int(st, 6)));
        v_text(w, "account_id", store_col_text(st, 7));
}

static void row_objective(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "id", store_col_text(st, 0));
        v_text(w, "account_id", store_col_text(st, 1));
        v_text(w, "title", store_col_text(st, 2));
        v_int(w, "importance", st, 3);
        v_text(w, "status", store_col_text(st, 4));
        v_json(w, "capabilities", st, 5);
}

static void row_user(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "name", store_col_text(st, 0));
        v_text(w, "role", store_col_text(st, 1));
        v_time(w, "created_at", st, 2);
        key(w, "disabled");
        put(w, sdb_column_int(st, 3) ? "true" : "false");
}

static void row_garden(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "garden", store_col_text(st, 0));
        v_text(w, "name", store_col_text(st, 1));
        v_text(w, "role", store_col_text(st, 2));
        v_text(w, "status", store_col_text(st, 3));
        v_time(w, "invited_at", st, 4);
        v_time(w, "joined_at", st, 5);
        v_time(w, "left_at", st, 6);
}

static void row_ledger(struct jw *w, struct sdb_stmt *st)
{
        v_time(w, "at", st, 0);
        v_text(w, "garden", store_col_text(st, 1));
        v_text(w, "kind", store_col_text(st, 2));
        v_int(w, "points", st, 3);
        v_text(w, "cause", store_col_text(st, 4));
        v_text(w, "note", store_col_text(st, 5));
}

static void row_idea(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "garden", store_col_text(st, 0));
        v_text(w, "title", store_col_text(st, 1));
        v_text(w, "description", store_col_text(st, 2));
        v_text(w, "hypothesis", store_col_text(st, 3));
        v_text(w, "state", store_col_text(st, 4));
        v_time(w, "created_at", st, 5);
}

static void row_idea_comment(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "idea", store_col_text(st, 0));
        v_text(w, "body", store_col_text(st, 1));
        v_time(w, "at", st, 2);
}

static void row_alert(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "kind", store_col_text(st, 0));
        v_text(w, "severity", store_col_text(st, 1));
        v_text(w, "summary", store_col_text(st, 2));
        v_text(w, "status", store_col_text(st, 3));
        v_time(w, "first_seen", st, 4);
}

static void row_task(struct jw *w, struct sdb_stmt *st)
{
        v_text(w, "title", store_col_text(st, 0));
        v_text(w, "owner", store_col_text(st, 1));
        v_text(w, "status", store_col_text(st, 2));
        v_text(w, "notes", store_col_text(st, 3));
        v_time(w, "created_at", st, 4);
}

static void row_audit(struct jw *w, struct sdb_stmt *st)
{
        v_time(w, "at", st, 0);
        v_text(w, "actor", store_col_text(st, 1));
        v_text(w, "action", store_col_text(st, 2));
        v_text(w, "entity", store_col_text(st, 3));
        v_text(w, "entity_id", store_col_text(st, 4));
        v_text(w, "summary", store_col_text(st, 5));
}

/* Internal id, name and email of a person; CXG_ERR_NOTFOUND when absent. */
static enum cxg_err find_person(struct store *s, const char *ext_id, const char *what, int64_t *id,
                                struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT id FROM people WHERE ext_id = ?", err);
        int rc;

        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, ext_id);
        rc = sdb_step(st);
        if (rc == SDB_ROW)
                *id = sdb_column_int64(st, 0);
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "%s: no person \"%.64s\"", what,
                                     ext_id);
        if (rc != SDB_ROW)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

enum cxg_err store_person_export(struct store *s, const char *ext_id, struct cxg_buf *out,
                                 struct cxg_error *err)
{
        struct jw w = {out, CXG_OK, 1};
        struct sdb_stmt *st;
        enum cxg_err rc;
        int64_t pid;
        char now[40];
        int src;

        if ((rc = find_person(s, ext_id, "export person", &pid, err)))
                return rc;
        open_(&w, "{");
        v_text(&w, "exported_at", cxg_time_format((int64_t)time(NULL), now));
        st = store_stmt(s,
                        "SELECT p.ext_id, a.ext_id, p.name, p.email, p.role, p.seniority,"
                        " p.created_at, p.left_at, p.attributes"
                        " FROM people p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?",
                        err);
        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, pid);
        src = sdb_step(st);
        if (src != SDB_ROW) {
                sdb_reset(st);
                return store_db_err(s, src == SDB_DONE ? SQLITE_CORRUPT : src, "export person",
                                    err);
        }
        key(&w, "person");
        open_(&w, "{");
        v_text(&w, "id", store_col_text(st, 0));
        v_text(&w, "account_id", store_col_text(st, 1));
        v_text(&w, "name", store_col_text(st, 2));
        v_text(&w, "email", store_col_text(st, 3));
        v_text(&w, "role", store_col_text(st, 4));
        v_text(&w, "seniority", model_seniority_name(sdb_column_int(st, 5)));
        v_time(&w, "created_at", st, 6);
        v_time(&w, "left_at", st, 7);
        v_json(&w, "attributes", st, 8);
        put(&w, "}");
        w.first = 0;
        sdb_reset(st);

        if (!(st = store_stmt(s,
                              "SELECT i.ext_id, i.ts, i.channel, t.name, i.duration_ms, i.outcome,"
                              " i.value, i.attributes FROM interactions i"
                              " LEFT JOIN interaction_types t ON t.id = i.type_id"
                              " WHERE i.person_id = ? ORDER BY i.ts, i.id",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, pid);
        if ((rc = rows(s, &w, st, "interactions", row_interaction, err)))
                return rc;
        if (!(st = store_stmt(s,
                              "SELECT f.ext_id, f.ts, f.kind, f.score, f.comment, f.topic,"
                              " f.channel, a.ext_id FROM feedback f"
                              " JOIN accounts a ON a.id = f.account_id"
                              " WHERE f.person_id = ? ORDER BY f.ts, f.id",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, pid);
        if ((rc = rows(s, &w, st, "feedback", row_feedback, err)))
                return rc;
        if (!(st = store_stmt(s,
                              "SELECT o.ext_id, a.ext_id, o.title, o.importance, o.status,"
                              " o.capabilities FROM objectives o"
                              " JOIN accounts a ON a.id = o.account_id"
                              " WHERE o.person_id = ? ORDER BY o.id",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, pid);
        if ((rc = rows(s, &w, st, "objectives", row_objective, err)))
                return rc;
        if (!(st = store_stmt(s,
                              "SELECT name, role, created_at, disabled FROM users"
                              " WHERE person_id = ? ORDER BY id",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, pid);
        if ((rc = rows(s, &w, st, "users", row_user, err)))
                return rc;
        {
                /* garden activity, the ledger, and what their login users wrote; alerts and
                 * tasks about them: by person id, user id or external id */
                static const char *const names[] = {"gardens",       "ledger", "ideas",
                                                    "idea_comments", "alerts", "tasks"};
                static const char *const sqls[] = {
                    "SELECT g.ext_id, g.name, m.role, m.status, m.invited_at, m.joined_at,"
                    " m.left_at FROM garden_members m JOIN gardens g ON g.id = m.garden_id"
                    " WHERE m.person_id = ?1 OR m.user_id IN (SELECT id FROM users WHERE"
                    " person_id = ?1) ORDER BY m.id",
                    "SELECT l.at, g.ext_id, l.kind, l.points, l.cause_type, l.note FROM ledger l"
                    " LEFT JOIN gardens g ON g.id = l.garden_id WHERE l.person_id = ?1 OR"
                    " l.user_id IN (SELECT id FROM users WHERE person_id = ?1) ORDER BY l.id",
                    "SELECT g.ext_id, i.title, i.description, i.hypothesis, i.state,"
                    " i.created_at FROM ideas i JOIN gardens g ON g.id = i.garden_id"
                    " WHERE i.author_id IN (SELECT id FROM users WHERE person_id = ?1)"
                    " ORDER BY i.id",
                    "SELECT i.title, c.body, c.at FROM idea_comments c JOIN ideas i ON"
                    " i.id = c.idea_id WHERE c.user_id IN (SELECT id FROM users WHERE"
                    " person_id = ?1) ORDER BY c.id",
                    "SELECT kind, severity, summary, status, first_seen FROM alerts WHERE"
                    " person_ext = ?2 ORDER BY id",
                    "SELECT title, owner, status, notes, created_at FROM tasks WHERE"
                    " person_ext = ?2 ORDER BY id",
                };
                static void (*const fns[])(struct jw * w, struct sdb_stmt * st) = {
                    row_garden, row_ledger, row_idea, row_idea_comment, row_alert, row_task};

                for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
                        if (!(st = store_stmt(s, sqls[i], err)))
                                return err && err->code ? err->code : CXG_ERR_STORE;
                        sdb_bind_int64(st, 1, pid);
                        store_bind_text(st, 2, ext_id);
                        if ((rc = rows(s, &w, st, names[i], fns[i], err)))
                                return rc;
                }
        }
        if (!(st = store_stmt(s,
                              "SELECT at, actor, action, entity, entity_id, summary FROM audit_log"
                              " WHERE entity = 'person' AND entity_id = ?1 ORDER BY id",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, ext_id);
        if ((rc = rows(s, &w, st, "audit", row_audit, err)))
                return rc;
        put(&w, "}");
        if (w.rc)
                return cxg_error_set(err, w.rc, "export person: %s", cxg_strerror(w.rc));
        return CXG_OK;
}

/* ---- retention ---- */

static enum cxg_err change(struct store *s, struct sdb_stmt *st, int64_t *n, struct cxg_error *err);

enum cxg_err store_interactions_before(struct store *s, int64_t before, int64_t *n,
                                       struct cxg_error *err)
{
        struct sdb_stmt *st;
        int src;

        *n = 0;
        if (!(st = store_stmt(s, "SELECT count(*) FROM interactions WHERE ts < ?", err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, before);
        src = sdb_step(st);
        if (src == SDB_ROW)
                *n = sdb_column_int64(st, 0);
        sdb_reset(st);
        return src == SDB_ROW ? CXG_OK : store_db_err(s, src, "purge", err);
}

enum cxg_err store_purge_chunk(struct store *s, int64_t before, int64_t *n, struct cxg_error *err)
{
        struct sdb_stmt *st;

        *n = 0;
        if (!(st = store_stmt(s,
                              "DELETE FROM interactions WHERE id IN (SELECT id FROM"
                              " interactions WHERE ts < ?1 LIMIT ?2)",
                              err)))
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, before);
        sdb_bind_int(st, 2, STORE_PURGE_CHUNK);
        return change(s, st, n, err);
}

enum cxg_err store_secure_delete(struct store *s, struct cxg_error *err)
{
        if (s->pg) /* no such setting: store_wal_truncate vacuums after the commit */
                return CXG_OK;
        return store_exec(s, "PRAGMA secure_delete = ON", err);
}

/*
 * PostgreSQL: vacuum the tables an erasure rewrites (with the lookup tables of external ids
 * schema_pg.c keeps beside the large tables), so the dead versions of the rows are removed.
 */
static enum cxg_err pg_vacuum_erased(struct store *s, struct cxg_error *err)
{
        return store_exec(s,
                          "VACUUM people, people_keys, interactions, interactions_keys, feedback,"
                          " feedback_keys, objectives, users, sessions, api_tokens, audit_log,"
                          " alerts, tasks, webhook_deliveries, ideas, idea_comments,"
                          " idea_transitions, idea_approvals, ledger",
                          err);
}

enum cxg_err store_wal_truncate(struct store *s, int *frames_left, struct cxg_error *err)
{
        int log = 0, ckpt = 0, src;

        *frames_left = 0;
        if (s->pg) /* no WAL file of ours: remove the dead row versions instead */
                return pg_vacuum_erased(s, err);
        src = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
        if (src == SQLITE_BUSY || (src == SDB_OK && log > 0))
                *frames_left = log > ckpt ? log - ckpt : (log > 0 ? log : 1);
        else if (src != SDB_OK)
                return store_db_err(s, src, "checkpoint", err);
        return CXG_OK;
}

/* ---- erase ---- */

/*
 * The audit log is append-only (schema.c, migration 1): erasure is the one writer allowed to
 * redact it, inside its transaction. These must stay equal to the triggers of schema.c;
 * test_privacy.c checks that the schema holds the same text after an erasure.
 */
#define AUDIT_NO_UPDATE                                                                            \
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log"                                \
        " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"

/* the ledger is append-only too (schema.c, migration 3); see AUDIT_NO_UPDATE */
#define LEDGER_NO_UPDATE                                                                           \
        "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"                                  \
        " BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END"

/* SQLite: the statements that let one table's redaction through (drop) and end it (create). */
static const char *const redact_lite[] = {"DROP TRIGGER audit_no_update", AUDIT_NO_UPDATE,
                                          "DROP TRIGGER ledger_no_update", LEDGER_NO_UPDATE};
enum { REDACT_AUDIT = 0, REDACT_LEDGER = 2 };

/*
 * Let this transaction UPDATE an append-only table (which: REDACT_AUDIT or REDACT_LEDGER)
 * (on) or not (off). SQLite: drop or re-create the table's no-update trigger. PostgreSQL: the
 * triggers' function (cxg_refuse, schema_pg.c) lets an UPDATE through while cxgarden.redact is
 * 'on', a setting local to the transaction (gone at its commit or rollback, never seen by another
 * session).
 */
static enum cxg_err redact_allow(struct store *s, int which, int on, struct cxg_error *err)
{
        if (!s->pg)
                return store_exec(s, redact_lite[which + (on ? 0 : 1)], err);
        if (on)
                return store_exec(s, "SET LOCAL cxgarden.redact = 'on'", err);
        return store_exec(s, "SET LOCAL cxgarden.redact = 'off'", err);
}

/* Run a prepared statement bound by the caller; the number of rows changed in *n. */
static enum cxg_err change(struct store *s, struct sdb_stmt *st, int64_t *n, struct cxg_error *err)
{
        int rc = sdb_step(st);

        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "erase person", err);
        if (n)
                *n += sdb_changes(s);
        return CXG_OK;
}

/* The cached statement for sql; NULL with *rc set on failure. */
static struct sdb_stmt *prep(struct store *s, const char *sql, enum cxg_err *rc,
                             struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);

        if (!st)
                *rc = err && err->code ? err->code : CXG_ERR_STORE;
        return st;
}

/*
 * Text that mentions the person: their external id (?1), email (?4) or name (?5, when at
 * least 3 characters long, so that short names do not match everything). ?2 and ?3 (never
 * NULL) are named so that PostgreSQL knows the type of every parameter of the statement.
 */
#define MENTIONS(col)                                                                              \
        "(CAST(?2 AS TEXT) IS NOT NULL AND CAST(?3 AS BIGINT) IS NOT NULL AND (instr(" col         \
        ", ?1) > 0 OR instr(" col ", ?4) > 0 OR (length(CAST(?5 AS TEXT)) >= 3"                    \
        " AND instr(" col ", ?5) > 0)))"
#define REDACTED "'(redacted: personal data erased)'"

/*
 * Everything later schemas added that can name the person: alerts and tasks about them (by
 * external id and in their texts), queued webhook bodies, the ideas and idea comments of the
 * login users linked to them, and ledger notes. Email and name are bound from the people row
 * before it is erased.
 */
static enum cxg_err erase_mentions(struct store *s, const char *ext_id, const char *anon,
                                   int64_t pid, struct store_erase_report *report,
                                   struct cxg_error *err)
{
        static const char *const sqls[] = {
            "UPDATE alerts SET person_ext = ?2 WHERE person_ext = ?1",
            "UPDATE alerts SET subject = ?2 WHERE subject = ?1",
            /* keys are "kind:subject" or "kind:a:b": replace whole parts only */
            "UPDATE alerts SET dedup_key = substr(dedup_key, 1, length(dedup_key) - length(?1))"
            " || ?2 WHERE substr(dedup_key, length(dedup_key) - length(?1)) = ':' || ?1",
            "UPDATE alerts SET dedup_key = replace(dedup_key, ':' || ?1 || ':', ':' || ?2 || ':')"
            " WHERE instr(dedup_key, ':' || ?1 || ':') > 0",
            "UPDATE alerts SET summary = " REDACTED " WHERE " MENTIONS("summary"),
            "UPDATE alerts SET evidence = '{}' WHERE " MENTIONS("evidence"),
            "UPDATE alerts SET status_reason = " REDACTED " WHERE " MENTIONS("status_reason"),
            "UPDATE tasks SET person_ext = ?2 WHERE person_ext = ?1",
            "UPDATE tasks SET title = " REDACTED " WHERE " MENTIONS("title"),
            "UPDATE tasks SET notes = NULL WHERE " MENTIONS("notes"),
            "UPDATE tasks SET outcome = NULL WHERE " MENTIONS("outcome"),
            "UPDATE webhook_deliveries SET body = '{\"redacted\":\"personal data erased\"}'"
            " WHERE " MENTIONS("body"),
            "UPDATE idea_comments SET body = " REDACTED
            " WHERE user_id IN (SELECT id FROM users WHERE person_id = ?3) OR " MENTIONS("body"),
            "UPDATE ideas SET description = NULL, hypothesis = NULL"
            " WHERE CAST(?1 AS TEXT) IS NOT NULL AND CAST(?2 AS TEXT) IS NOT NULL AND author_id IN"
            " (SELECT id FROM users WHERE person_id = ?3)",
            "UPDATE ideas SET title = " REDACTED " WHERE " MENTIONS("title"),
            "UPDATE ideas SET description = NULL WHERE " MENTIONS("description"),
            "UPDATE ideas SET hypothesis = NULL WHERE " MENTIONS("hypothesis"),
            "UPDATE idea_transitions SET why = " REDACTED " WHERE " MENTIONS("why"),
            "UPDATE idea_approvals SET why = " REDACTED " WHERE " MENTIONS("why"),
            "DROP TRIGGER ledger_no_update",
            "UPDATE ledger SET note = NULL WHERE " MENTIONS("note"),
            LEDGER_NO_UPDATE,
        };
        struct sdb_stmt *st;
        char email[320] = "", name[256] = "";
        enum cxg_err rc = CXG_OK;
        int src;

        if (!(st = prep(s, "SELECT email, name FROM people WHERE id = ?", &rc, err)))
                return rc;
        sdb_bind_int64(st, 1, pid);
        src = sdb_step(st);
        if (src == SDB_ROW) {
                snprintf(email, sizeof(email), "%s",
                         store_col_text(st, 0) ? store_col_text(st, 0) : "");
                snprintf(name, sizeof(name), "%s",
                         store_col_text(st, 1) ? store_col_text(st, 1) : "");
        }
        sdb_reset(st);
        if (src != SDB_ROW)
                return store_db_err(s, src, "erase person", err);
        for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]) && !rc; i++) {
                int64_t n = 0;

                if (strncmp(sqls[i], "DROP", 4) == 0 || strncmp(sqls[i], "CREATE", 6) == 0) {
                        rc = redact_allow(s, REDACT_LEDGER, sqls[i][0] == 'D', err);
                        continue;
                }
                if (!(st = prep(s, sqls[i], &rc, err)))
                        break;
                store_bind_text(st, 1, ext_id);
                store_bind_text(st, 2, anon);
                sdb_bind_int64(st, 3, pid);
                store_bind_text(st, 4, email[0] ? email : NULL);
                store_bind_text(st, 5, name[0] ? name : NULL);
                rc = change(s, st, &n, err);
                report->mentions += n;
        }
        return rc;
}

/* Redact the audit entries about the person: they are found by what is about to be erased. */
static enum cxg_err erase_audit(struct store *s, const char *ext_id, int64_t pid,
                                struct store_erase_report *report, struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc = CXG_OK;

        if ((rc = redact_allow(s, REDACT_AUDIT, 1, err)))
                return rc;
        if (!(st = prep(
                  s,
                  "UPDATE audit_log SET entity_id = ?2, summary = '{\"redacted\":\"personal data "
                  "erased\"}' WHERE (entity = 'person' AND entity_id = ?1) OR instr(summary, ?1) > "
                  "0"
                  " OR instr(summary, (SELECT email FROM people WHERE id = ?3)) > 0"
                  " OR (length((SELECT name FROM people WHERE id = ?3)) >= 3 AND"
                  " instr(summary, (SELECT name FROM people WHERE id = ?3)) > 0)",
                  &rc, err)))
                return rc;
        store_bind_text(st, 1, ext_id);
        store_bind_text(st, 2, report->anon_id);
        sdb_bind_int64(st, 3, pid);
        if ((rc = change(s, st, &report->audit, err)))
                return rc;
        return redact_allow(s, REDACT_AUDIT, 0, err);
}

/* One statement of the erasure, bound to the person's internal id; changes added to *n. */
static enum cxg_err erase_by_pid(struct store *s, const char *sql, int64_t pid, int64_t *n,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc = CXG_OK;

        if (!(st = prep(s, sql, &rc, err)))
                return rc;
        sdb_bind_int64(st, 1, pid);
        return change(s, st, n, err);
}

/* The change log's ERASE of person pid (store_changes.h), with their account. */
static enum cxg_err erase_note(struct store *s, int64_t pid, struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc = CXG_OK;
        int64_t account = 0;

        if (!(st = prep(s, "SELECT account_id FROM people WHERE id = ?", &rc, err)))
                return rc;
        sdb_bind_int64(st, 1, pid);
        if (sdb_step(st) == SDB_ROW)
                account = sdb_column_int64(st, 0);
        sdb_reset(st);
        return store_change_note(s, STORE_E_PERSON, STORE_OP_ERASE, pid, pid, account, err);
}

enum cxg_err store_person_erase(struct store *s, const char *ext_id,
                                struct store_erase_report *report, struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc;
        int64_t pid, ignored = 0;

        memset(report, 0, sizeof(*report));
        if (!s->in_tx)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "erase person: no transaction is open");
        if ((rc = find_person(s, ext_id, "erase person", &pid, err)))
                return rc;
        snprintf(report->anon_id, sizeof(report->anon_id), "erased-%" PRId64, pid);
        if ((rc = erase_audit(s, ext_id, pid, report, err)))
                return rc;
        /* alerts, tasks, webhook deliveries, garden contributions and the ledger */
        if ((rc = erase_mentions(s, ext_id, report->anon_id, pid, report, err)))
                return rc;
        if (!(st = prep(s,
                        "UPDATE people SET ext_id = ?2, name = NULL, email = NULL, role = NULL,"
                        " attributes = NULL WHERE id = ?1",
                        &rc, err)))
                return rc;
        sdb_bind_int64(st, 1, pid);
        store_bind_text(st, 2, report->anon_id);
        if ((rc = change(s, st, &ignored, err)) ||
            (rc = erase_by_pid(
                 s, "UPDATE interactions SET ext_id = NULL, attributes = NULL WHERE person_id = ?",
                 pid, &report->interactions, err)) ||
            (rc = erase_by_pid(s,
                               "UPDATE feedback SET ext_id = NULL, comment = NULL, topic = NULL"
                               " WHERE person_id = ?",
                               pid, &report->feedback, err)) ||
            (rc = erase_by_pid(s, "UPDATE objectives SET person_id = NULL WHERE person_id = ?", pid,
                               &report->objectives, err)) ||
            (rc = erase_by_pid(s,
                               "DELETE FROM sessions WHERE user_id IN"
                               " (SELECT id FROM users WHERE person_id = ?)",
                               pid, &ignored, err)) ||
            (rc = erase_by_pid(s,
                               "DELETE FROM api_tokens WHERE user_id IN"
                               " (SELECT id FROM users WHERE person_id = ?)",
                               pid, &ignored, err)) ||
            (rc = erase_by_pid(s,
                               "UPDATE users SET name = 'erased-user-' || id, password_hash = "
                               "NULL, disabled = 1 WHERE person_id = ?",
                               pid, &report->users, err)))
                return rc;
        if ((rc = erase_note(s, pid, err)))
                return rc;
        /* the id caches may still map the old external id */
        store_cache_drop(s);
        return CXG_OK;
}
