/*
 * alerts.c: alerts (recorded with deduplication), tasks and their follow-up, webhooks and the
 * webhook delivery queue. See store_alerts.h. Webhook bodies are built here in SQL (JSON1)
 * in the same transaction as the alert, so the queue and the alerts never disagree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "store/gardens_int.h"
#include "store/store_alerts.h"
#include "store/store_int.h"

#define SEVRANK(x)                                                                                 \
        "(CASE " x " WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 "              \
        "WHEN 'low' THEN 0 ELSE -1 END)"
/* Unix seconds x as ISO 8601 UTC text, in each dialect */
#define ISO_LITE(x) "strftime('%Y-%m-%dT%H:%M:%SZ', " x ", 'unixepoch')"
#define ISO_PG(x)                                                                                  \
        "to_char(to_timestamp(CAST(" x " AS BIGINT)) AT TIME ZONE 'UTC',"                          \
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char *const statuses[] = {"open", "acknowledged", "resolved", "dismissed", NULL};
static const char *const severities[] = {"low", "medium", "high", "critical", NULL};
static const char *const task_statuses[] = {"open", "in_progress", "done", "cancelled", NULL};
static const char *const actions[] = {"call", "meeting", "email", "fix", "offer", "other", NULL};

static int one_of(const char *v, const char *const *set)
{
        for (size_t i = 0; v && set[i]; i++)
                if (strcmp(v, set[i]) == 0)
                        return 1;
        return 0;
}

static enum cxg_err stmt_fail(struct cxg_error *err)
{
        return err && err->code ? err->code : CXG_ERR_STORE;
}

/* Internal account id of an external id: *id 0 when ext is NULL; CXG_ERR_NOTFOUND if unknown. */
static enum cxg_err account_id(struct store *s, const char *ext, int64_t *id, struct cxg_error *err)
{
        *id = 0;
        if (!ext)
                return CXG_OK;
        return store_account_ref(s, ext, strlen(ext), id, err);
}

/* ---- alerts ---- */

/*
 * The webhook body of an alert: SQLite's JSON1 (json_object) or PostgreSQL's
 * json_build_object, the same keys in the same order. OBJ names the object function, ISO the
 * time format; json() minifies the evidence on both (schema_pg.c).
 */
#define ALERT_BODY(OBJ, ISO)                                                                       \
        OBJ "('event', CAST(?1 AS TEXT), 'sent_at', " ISO(                                         \
            "?2") ", 'alert', " OBJ "("                                                            \
                  "'id', a.id, 'kind', a.kind, 'severity', a.severity, 'status', a.status,"        \
                  " 'subject_type', a.subject_type, 'subject', a.subject, 'summary', a.summary,"   \
                  " 'account', (SELECT ext_id FROM accounts WHERE id = a.account_id),"             \
                  " 'person', a.person_ext, 'first_seen', " ISO(                                   \
                      "a.first_seen") ","                                                          \
                                      " 'last_seen', " ISO(                                        \
                                          "a.last_seen") ", 'occurrences', a.occurrences,"         \
                                                         " 'dedup_key', a.dedup_key, 'evidence', " \
                                                         "json(a.evidence)))"
#define QUEUE_DELIVERIES(BODY)                                                                     \
        "INSERT INTO webhook_deliveries (webhook_id, alert_id, event, body, next_at,"              \
        " created_at) SELECT w.id, a.id, CAST(?1 AS TEXT), " BODY ", CAST(?2 AS BIGINT),"          \
        " CAST(?2 AS BIGINT) FROM webhooks w, alerts a WHERE a.id = ?3 AND w.disabled = 0"         \
        " AND (w.kinds IS NULL OR ',' || replace(w.kinds, ' ', '') || ',' LIKE"                    \
        "  '%,' || a.kind || ',%')"                                                                \
        " AND (w.min_severity IS NULL OR " SEVRANK("a.severity") " >= " SEVRANK(                   \
            "w.min_severity") ")"
#define QUEUE_DELIVERIES_LITE QUEUE_DELIVERIES(ALERT_BODY("json_object", ISO_LITE))
/* json_build_object writes "key" : value with spaces: json() minifies it to SQLite's text */
#define QUEUE_DELIVERIES_PG                                                                        \
        QUEUE_DELIVERIES("json(CAST(" ALERT_BODY("json_build_object", ISO_PG) " AS TEXT))")

/* Queue event for alert id to every enabled webhook whose filter takes it. */
static enum cxg_err queue_deliveries(struct store *s, int64_t alert, const char *event, int64_t now,
                                     struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, store_sql(s, QUEUE_DELIVERIES_LITE, QUEUE_DELIVERIES_PG), err);

        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, event, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, now);
        sdb_bind_int64(st, 3, alert);
        return store_step_done(s, st, "queue webhook deliveries", err);
}

static enum cxg_err check_alert(const struct store_alert *a, struct cxg_error *err)
{
        if (!a->kind || !*a->kind)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind", "alert: kind is required");
        if (!one_of(a->severity, severities))
                return cxg_error_setf(err, CXG_ERR_INVALID, "severity",
                                      "alert: severity must be low, medium, high or critical");
        if (!a->dedup_key || !*a->dedup_key || !a->subject || !a->subject_type)
                return cxg_error_setf(err, CXG_ERR_INVALID, "dedup_key",
                                      "alert: subject and dedup key are required");
        if (!a->evidence || a->evidence[0] != '{')
                return cxg_error_setf(err, CXG_ERR_INVALID, "evidence",
                                      "alert: evidence must be a JSON object");
        return CXG_OK;
}

static enum cxg_err record(struct store *s, const struct store_alert *a, int64_t now,
                           int64_t suppress_s, int64_t *id, int *how, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t acc = 0, live = 0;
        int rc, escalated = 0;
        enum cxg_err e;

        if ((e = account_id(s, a->account_id, &acc, err)))
                return e;
        /* a live alert with the key: update it */
        st = store_stmt(s,
                        "SELECT id, CASE WHEN " SEVRANK("severity") " < " SEVRANK(
                            "CAST(?2 AS TEXT)") " THEN 1 ELSE 0 END FROM alerts"
                                                " WHERE dedup_key = ?1 AND status IN ('open',"
                                                " 'acknowledged')",
                        err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, a->dedup_key, -1, SDB_STATIC);
        sdb_bind_text(st, 2, a->severity, -1, SDB_STATIC);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                live = sdb_column_int64(st, 0);
                escalated = sdb_column_int(st, 1);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "find alert", err);
        if (live) {
                st = store_stmt(s,
                                "UPDATE alerts SET severity = ?2, summary = ?3, evidence = ?4,"
                                " last_seen = CASE WHEN last_seen > ?5 THEN last_seen ELSE ?5 END,"
                                " first_seen = CASE WHEN first_seen < ?6 THEN first_seen ELSE ?6"
                                " END,"
                                " occurrences = occurrences + 1 WHERE id = ?1",
                                err);
                if (!st)
                        return stmt_fail(err);
                sdb_bind_int64(st, 1, live);
                store_bind_text(st, 2, a->severity);
                store_bind_text(st, 3, a->summary ? a->summary : "");
                store_bind_text(st, 4, a->evidence);
                sdb_bind_int64(st, 5, a->last_seen != CXG_TS_NONE ? a->last_seen : now);
                sdb_bind_int64(st, 6, a->first_seen != CXG_TS_NONE ? a->first_seen : now);
                if ((e = store_step_done(s, st, "update alert", err)))
                        return e;
                if (escalated && (e = queue_deliveries(s, live, "alert.escalated", now, err)))
                        return e;
                *id = live;
                *how = escalated ? STORE_ALERT_ESCALATED : STORE_ALERT_SEEN;
                return CXG_OK;
        }
        /* dismissed recently: the people who looked at it said no */
        if (suppress_s > 0) {
                st = store_stmt(s,
                                "SELECT id FROM alerts WHERE dedup_key = ?1 AND status = "
                                "'dismissed' AND status_at > ?2 ORDER BY status_at DESC LIMIT 1",
                                err);
                if (!st)
                        return stmt_fail(err);
                sdb_bind_text(st, 1, a->dedup_key, -1, SDB_STATIC);
                sdb_bind_int64(st, 2, now - suppress_s);
                rc = sdb_step(st);
                if (rc == SDB_ROW) {
                        *id = sdb_column_int64(st, 0);
                        *how = STORE_ALERT_SUPPRESSED;
                        sdb_reset(st);
                        return CXG_OK;
                }
                sdb_reset(st);
                if (rc != SDB_DONE)
                        return store_db_err(s, rc, "find alert", err);
        }
        st = store_stmt(s,
                        "INSERT INTO alerts (kind, severity, subject_type, subject, dedup_key,"
                        " summary, evidence, first_seen, last_seen, created_at, account_id,"
                        " person_ext) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                        " RETURNING id",
                        err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, a->kind);
        store_bind_text(st, 2, a->severity);
        store_bind_text(st, 3, a->subject_type);
        store_bind_text(st, 4, a->subject);
        store_bind_text(st, 5, a->dedup_key);
        store_bind_text(st, 6, a->summary ? a->summary : "");
        store_bind_text(st, 7, a->evidence);
        sdb_bind_int64(st, 8, a->first_seen != CXG_TS_NONE ? a->first_seen : now);
        sdb_bind_int64(st, 9, a->last_seen != CXG_TS_NONE ? a->last_seen : now);
        sdb_bind_int64(st, 10, now);
        if (acc)
                sdb_bind_int64(st, 11, acc);
        else
                sdb_bind_null(st, 11);
        store_bind_text(st, 12, a->person_id);
        if ((e = sg_step_id(s, st, "insert alert", id, err)))
                return e;
        *how = STORE_ALERT_NEW;
        return queue_deliveries(s, *id, "alert.created", now, err);
}

enum cxg_err store_alert_record(struct store *s, const struct store_alert *a, int64_t now,
                                int64_t suppress_s, int64_t *id, int *how, struct cxg_error *err)
{
        int64_t tmp_id;
        int tmp_how, own;
        enum cxg_err rc;

        if (!id)
                id = &tmp_id;
        if (!how)
                how = &tmp_how;
        if ((rc = check_alert(a, err)))
                return rc;
        if ((rc = store_tx_open(s, &own, err)))
                return rc;
        rc = record(s, a, now, suppress_s, id, how, err);
        return store_tx_close(s, own, rc, err);
}

static void alert_from_row(struct sdb_stmt *st, struct store_alert *a)
{
        memset(a, 0, sizeof(*a));
        a->id = sdb_column_int64(st, 0);
        a->kind = store_col_text(st, 1);
        a->severity = store_col_text(st, 2);
        a->subject_type = store_col_text(st, 3);
        a->subject = store_col_text(st, 4);
        a->dedup_key = store_col_text(st, 5);
        a->summary = store_col_text(st, 6);
        a->evidence = store_col_text(st, 7);
        a->first_seen = store_col_ts(st, 8);
        a->last_seen = store_col_ts(st, 9);
        a->created_at = store_col_ts(st, 10);
        a->status = store_col_text(st, 11);
        a->status_reason = store_col_text(st, 12);
        a->status_by = store_col_text(st, 13);
        a->status_at = store_col_ts(st, 14);
        a->account_id = store_col_text(st, 15);
        a->person_id = store_col_text(st, 16);
        a->occurrences = sdb_column_int64(st, 17);
        a->task_id = sdb_column_int64(st, 18);
}

static int clamp_limit(int limit)
{
        if (limit <= 0)
                return 100;
        return limit > STORE_ALERTS_MAX_LIMIT ? STORE_ALERTS_MAX_LIMIT : limit;
}

enum cxg_err store_alerts_list(struct store *s, const struct store_alert_filter *f,
                               store_alert_cb cb, void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st;
        struct store_alert a;
        enum cxg_err rc = CXG_OK;
        int r;

        if (f->status && strcmp(f->status, "live") != 0 && !one_of(f->status, statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown alert status \"%s\" (open, acknowledged, resolved, "
                                      "dismissed, live)",
                                      f->status);
        if (f->min_severity && !one_of(f->min_severity, severities))
                return cxg_error_setf(err, CXG_ERR_INVALID, "severity",
                                      "unknown severity \"%s\" (low, medium, high, critical)",
                                      f->min_severity);
        st = store_stmt(
            s,
            "SELECT a.id, a.kind, a.severity, a.subject_type, a.subject, a.dedup_key, a.summary,"
            " a.evidence, a.first_seen, a.last_seen, a.created_at, a.status, a.status_reason,"
            " a.status_by, a.status_at, c.ext_id, a.person_ext, a.occurrences,"
            " (SELECT t.id FROM tasks t WHERE t.alert_id = a.id)"
            " FROM alerts a LEFT JOIN accounts c ON c.id = a.account_id"
            " WHERE (CAST(?1 AS TEXT) IS NULL OR a.status = ?1 OR (?1 = 'live' AND a.status IN"
            " ('open', 'acknowledged'))) AND (CAST(?2 AS TEXT) IS NULL OR a.kind = ?2)"
            " AND (CAST(?3 AS TEXT) IS NULL OR c.ext_id = ?3)"
            " AND (CAST(?4 AS TEXT) IS NULL OR " SEVRANK("a.severity") " >= " SEVRANK(
                "?4") ")"
                      " AND (CAST(?5 AS BIGINT) = 0 OR a.id < ?5)"
                      " AND (CAST(?6 AS BIGINT) = 0 OR a.id = ?6)"
                      " ORDER BY a.id DESC LIMIT ?7",
            err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, f->status);
        store_bind_text(st, 2, f->kind);
        store_bind_text(st, 3, f->account_id);
        store_bind_text(st, 4, f->min_severity);
        sdb_bind_int64(st, 5, f->before_id);
        sdb_bind_int64(st, 6, f->id);
        sdb_bind_int(st, 7, clamp_limit(f->limit));
        while ((r = sdb_step(st)) == SDB_ROW) {
                alert_from_row(st, &a);
                if ((rc = cb(ctx, &a)))
                        break;
        }
        sdb_reset(st);
        if (rc)
                return rc;
        if (r != SDB_DONE)
                return store_db_err(s, r, "list alerts", err);
        return CXG_OK;
}

enum cxg_err store_alert_set_status(struct store *s, int64_t id, const char *status,
                                    const char *reason, const char *actor, int64_t now,
                                    struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc;

        if (!one_of(status, statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown alert status \"%s\" (open, acknowledged, resolved, "
                                      "dismissed)",
                                      status ? status : "");
        if (strcmp(status, "dismissed") == 0 && (!reason || !*reason))
                return cxg_error_setf(err, CXG_ERR_INVALID, "reason",
                                      "alert %lld: a dismissal needs a reason", (long long)id);
        st = store_stmt(s,
                        "UPDATE alerts SET status = ?2, status_reason = ?3, status_by = ?4,"
                        " status_at = ?5 WHERE id = ?1",
                        err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        store_bind_text(st, 2, status);
        store_bind_text(st, 3, reason && *reason ? reason : NULL);
        store_bind_text(st, 4, actor);
        sdb_bind_int64(st, 5, now);
        rc = store_step_done(s, st, "update alert", err);
        if (rc == CXG_ERR_CONFLICT)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "status",
                                      "alert %lld: another alert with the same subject is open; "
                                      "work on that one",
                                      (long long)id);
        if (rc)
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "alert %lld not found", (long long)id);
        return CXG_OK;
}

enum cxg_err store_alerts_count(struct store *s, struct store_alert_counts *out,
                                struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT status, count(*) FROM alerts GROUP BY status", err);
        int r;

        memset(out, 0, sizeof(*out));
        if (!st)
                return stmt_fail(err);
        while ((r = sdb_step(st)) == SDB_ROW) {
                const char *k = store_col_text(st, 0);
                int64_t n = sdb_column_int64(st, 1);

                if (!k)
                        continue;
                if (strcmp(k, "open") == 0)
                        out->open = n;
                else if (strcmp(k, "acknowledged") == 0)
                        out->acknowledged = n;
                else if (strcmp(k, "resolved") == 0)
                        out->resolved = n;
                else if (strcmp(k, "dismissed") == 0)
                        out->dismissed = n;
        }
        sdb_reset(st);
        if (r != SDB_DONE)
                return store_db_err(s, r, "count alerts", err);
        return CXG_OK;
}

/* ---- tasks ---- */

enum cxg_err store_task_create(struct store *s, const struct store_task *t, int64_t now,
                               int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t acc = 0;
        enum cxg_err rc;

        if (!t->owner || !*t->owner)
                return cxg_error_setf(err, CXG_ERR_INVALID, "owner", "task: owner is required");
        if (!t->title || !*t->title)
                return cxg_error_setf(err, CXG_ERR_INVALID, "title", "task: title is required");
        if ((rc = account_id(s, t->account_id, &acc, err)))
                return rc;
        st = store_stmt(s,
                        "INSERT INTO tasks (alert_id, account_id, person_ext, owner, title,"
                        " due_at, notes, created_at, updated_at, health_before)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) RETURNING id",
                        err);
        if (!st)
                return stmt_fail(err);
        if (t->alert_id)
                sdb_bind_int64(st, 1, t->alert_id);
        else
                sdb_bind_null(st, 1);
        if (acc)
                sdb_bind_int64(st, 2, acc);
        else
                sdb_bind_null(st, 2);
        store_bind_text(st, 3, t->person_id);
        store_bind_text(st, 4, t->owner);
        store_bind_text(st, 5, t->title);
        store_bind_ts(st, 6, t->due_at);
        store_bind_text(st, 7, t->notes);
        sdb_bind_int64(st, 8, now);
        store_bind_double(st, 9, t->health_before);
        rc = sg_step_id(s, st, "insert task", id, err);
        if (rc == CXG_ERR_CONFLICT)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "alert_id",
                                      "alert %lld already has a task", (long long)t->alert_id);
        return rc;
}

#define TASK_COLS                                                                                  \
        "t.id, t.alert_id, c.ext_id, c.name, t.person_ext, t.owner, t.title, t.due_at,"            \
        " t.status, t.notes, t.outcome, t.action, t.created_at, t.updated_at, t.resolved_at,"      \
        " t.health_before, t.health_after, t.health_after_at, t.reconnected, a.kind"
#define TASK_FROM                                                                                  \
        " FROM tasks t LEFT JOIN accounts c ON c.id = t.account_id"                                \
        " LEFT JOIN alerts a ON a.id = t.alert_id"

static void task_from_row(struct sdb_stmt *st, struct store_task *t)
{
        memset(t, 0, sizeof(*t));
        t->id = sdb_column_int64(st, 0);
        t->alert_id = sdb_column_int64(st, 1);
        t->account_id = store_col_text(st, 2);
        t->account_name = store_col_text(st, 3);
        t->person_id = store_col_text(st, 4);
        t->owner = store_col_text(st, 5);
        t->title = store_col_text(st, 6);
        t->due_at = store_col_ts(st, 7);
        t->status = store_col_text(st, 8);
        t->notes = store_col_text(st, 9);
        t->outcome = store_col_text(st, 10);
        t->action = store_col_text(st, 11);
        t->created_at = store_col_ts(st, 12);
        t->updated_at = store_col_ts(st, 13);
        t->resolved_at = store_col_ts(st, 14);
        t->health_before = store_col_double(st, 15);
        t->health_after = store_col_double(st, 16);
        t->health_after_at = store_col_ts(st, 17);
        t->reconnected = sdb_column_type(st, 18) == SDB_NULL ? -1 : sdb_column_int(st, 18);
        t->alert_kind = store_col_text(st, 19);
}

static enum cxg_err run_tasks(struct store *s, struct sdb_stmt *st, store_task_cb cb, void *ctx,
                              struct cxg_error *err)
{
        struct store_task t;
        enum cxg_err rc = CXG_OK;
        int r;

        while ((r = sdb_step(st)) == SDB_ROW) {
                task_from_row(st, &t);
                if ((rc = cb(ctx, &t)))
                        break;
        }
        sdb_reset(st);
        if (rc)
                return rc;
        if (r != SDB_DONE)
                return store_db_err(s, r, "list tasks", err);
        return CXG_OK;
}

enum cxg_err store_tasks_list(struct store *s, const struct store_task_filter *f, store_task_cb cb,
                              void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st;

        if (f->status && !one_of(f->status, task_statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown task status \"%s\" (open, in_progress, done, "
                                      "cancelled)",
                                      f->status);
        st = store_stmt(s,
                        "SELECT " TASK_COLS TASK_FROM
                        " WHERE (CAST(?1 AS TEXT) IS NULL OR t.owner = ?1)"
                        " AND (CAST(?2 AS TEXT) IS NULL OR t.status = ?2)"
                        " AND (CAST(?3 AS TEXT) IS NULL OR c.ext_id = ?3)"
                        " AND (CAST(?4 AS BIGINT) = 0 OR t.id = ?4)"
                        " AND t.id > ?5 ORDER BY t.id LIMIT ?6",
                        err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, f->owner);
        store_bind_text(st, 2, f->status);
        store_bind_text(st, 3, f->account_id);
        sdb_bind_int64(st, 4, f->id);
        sdb_bind_int64(st, 5, f->after_id);
        sdb_bind_int(st, 6, clamp_limit(f->limit));
        return run_tasks(s, st, cb, ctx, err);
}

void store_task_change_init(struct store_task_change *c)
{
        memset(c, 0, sizeof(*c));
        c->due_at = CXG_TS_NONE;
        c->health_before = NAN;
}

enum cxg_err store_task_update(struct store *s, int64_t id, const struct store_task_change *c,
                               int64_t now, struct cxg_error *err)
{
        struct sdb_stmt *st;
        char *old_status = NULL, *old_action = NULL;
        const char *status, *action;
        enum cxg_err rc = CXG_OK;
        int own, r;

        if (c->status && !one_of(c->status, task_statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown task status \"%s\" (open, in_progress, done, "
                                      "cancelled)",
                                      c->status);
        if (c->action && !one_of(c->action, actions))
                return cxg_error_setf(err, CXG_ERR_INVALID, "action",
                                      "unknown action \"%s\" (call, meeting, email, fix, offer, "
                                      "other)",
                                      c->action);
        if (c->owner && !*c->owner)
                return cxg_error_setf(err, CXG_ERR_INVALID, "owner", "task: owner cannot be empty");
        if ((rc = store_tx_open(s, &own, err)))
                return rc;
        st = store_stmt(s, "SELECT status, action FROM tasks WHERE id = ?1", err);
        if (!st) {
                rc = stmt_fail(err);
                goto done;
        }
        sdb_bind_int64(st, 1, id);
        r = sdb_step(st);
        if (r == SDB_ROW) {
                old_status = cxg_strdup(store_col_text(st, 0));
                old_action = store_col_text(st, 1) ? cxg_strdup(store_col_text(st, 1)) : NULL;
                if (!old_status || (store_col_text(st, 1) && !old_action)) {
                        sdb_reset(st);
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "update task: out of memory");
                        goto done;
                }
        }
        sdb_reset(st);
        if (r != SDB_ROW) {
                rc = r == SDB_DONE ? cxg_error_set(err, CXG_ERR_NOTFOUND, "task %lld not found",
                                                   (long long)id)
                                   : store_db_err(s, r, "read task", err);
                goto done;
        }
        status = c->status ? c->status : old_status;
        action = c->action ? c->action : old_action;
        if (strcmp(status, "done") == 0 && !action) {
                rc = cxg_error_setf(err, CXG_ERR_INVALID, "action",
                                    "task %lld: say what was done to close it (action: call, "
                                    "meeting, email, fix, offer, other)",
                                    (long long)id);
                goto done;
        }
        st = store_stmt(
            s,
            "UPDATE tasks SET status = ?2, action = ?3, notes = coalesce(?4, notes),"
            " outcome = coalesce(?5, outcome), owner = coalesce(?6, owner),"
            " due_at = coalesce(?7, due_at), health_before = coalesce(?8, health_before),"
            " updated_at = ?9,"
            " resolved_at = CASE WHEN ?2 = 'done' THEN (CASE WHEN status = 'done' THEN"
            "  resolved_at ELSE ?9 END) ELSE NULL END,"
            " health_after = CASE WHEN ?2 = 'done' AND status = 'done' THEN health_after END,"
            " health_after_at = CASE WHEN ?2 = 'done' AND status = 'done' THEN"
            "  health_after_at END,"
            " reconnected = CASE WHEN ?2 = 'done' AND status = 'done' THEN reconnected END"
            " WHERE id = ?1",
            err);
        if (!st) {
                rc = stmt_fail(err);
                goto done;
        }
        sdb_bind_int64(st, 1, id);
        store_bind_text(st, 2, status);
        store_bind_text(st, 3, action);
        store_bind_text(st, 4, c->notes);
        store_bind_text(st, 5, c->outcome);
        store_bind_text(st, 6, c->owner);
        store_bind_ts(st, 7, c->due_at);
        store_bind_double(st, 8, c->health_before);
        sdb_bind_int64(st, 9, now);
        rc = store_step_done(s, st, "update task", err);
done:
        cxg_free(old_status);
        cxg_free(old_action);
        return store_tx_close(s, own, rc, err);
}

enum cxg_err store_tasks_due_followup(struct store *s, int64_t now, int64_t follow_s,
                                      store_task_cb cb, void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT " TASK_COLS TASK_FROM
                                         " WHERE t.status = 'done' AND t.health_after_at IS NULL"
                                         " AND t.resolved_at <= ?1 ORDER BY t.id",
                                         err);

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, now - follow_s);
        return run_tasks(s, st, cb, ctx, err);
}

enum cxg_err store_task_set_followup(struct store *s, int64_t id, double health_after, int64_t at,
                                     int reconnected, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "UPDATE tasks SET health_after = ?2, health_after_at = ?3,"
                                         " reconnected = ?4 WHERE id = ?1",
                                         err);
        enum cxg_err rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        store_bind_double(st, 2, health_after);
        sdb_bind_int64(st, 3, at);
        if (reconnected < 0)
                sdb_bind_null(st, 4);
        else
                sdb_bind_int(st, 4, reconnected ? 1 : 0);
        if ((rc = store_step_done(s, st, "update task", err)))
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "task %lld not found", (long long)id);
        return CXG_OK;
}

enum cxg_err store_task_outcomes(struct store *s, store_task_outcome_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT action, count(*),"
                       " CAST(sum(CASE WHEN health_after IS NOT NULL AND health_before IS NOT"
                       "  NULL THEN 1 ELSE 0 END) AS BIGINT),"
                       " CAST(avg(CASE WHEN health_after IS NOT NULL AND health_before IS NOT NULL"
                       "  THEN health_after - health_before END) AS DOUBLE PRECISION),"
                       " CAST(sum(CASE WHEN reconnected IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),"
                       " CAST(coalesce(sum(reconnected), 0) AS BIGINT)"
                       " FROM tasks WHERE status = 'done' AND action IS NOT NULL GROUP BY action"
                       " ORDER BY action",
                       err);
        struct store_task_outcome o;
        enum cxg_err rc = CXG_OK;
        int r;

        if (!st)
                return stmt_fail(err);
        while ((r = sdb_step(st)) == SDB_ROW) {
                o.action = store_col_text(st, 0);
                o.done = sdb_column_int64(st, 1);
                o.followed = sdb_column_int64(st, 2);
                o.health_change = store_col_double(st, 3);
                o.reconnect_n = sdb_column_int64(st, 4);
                o.reconnected = sdb_column_int64(st, 5);
                if ((rc = cb(ctx, &o)))
                        break;
        }
        sdb_reset(st);
        if (rc)
                return rc;
        if (r != SDB_DONE)
                return store_db_err(s, r, "task outcomes", err);
        return CXG_OK;
}

/* ---- webhooks ---- */

enum cxg_err store_webhook_add(struct store *s, const struct store_webhook *w, int64_t now,
                               int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st;

        if (!w->url ||
            (strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0) ||
            strlen(w->url) > 2000)
                return cxg_error_setf(err, CXG_ERR_INVALID, "url",
                                      "webhook: url must start with http:// or https:// (at most "
                                      "2000 characters)");
        if (!w->secret || strlen(w->secret) < 16)
                return cxg_error_setf(err, CXG_ERR_INVALID, "secret",
                                      "webhook: the secret must have at least 16 characters");
        if (w->min_severity && !one_of(w->min_severity, severities))
                return cxg_error_setf(err, CXG_ERR_INVALID, "min_severity",
                                      "webhook: unknown severity \"%s\" (low, medium, high, "
                                      "critical)",
                                      w->min_severity);
        st = store_stmt(s,
                        "INSERT INTO webhooks (url, secret, created_at, disabled, kinds,"
                        " min_severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                        err);
        if (!st)
                return stmt_fail(err);
        store_bind_text(st, 1, w->url);
        store_bind_text(st, 2, w->secret);
        sdb_bind_int64(st, 3, now);
        sdb_bind_int(st, 4, w->disabled ? 1 : 0);
        store_bind_text(st, 5, w->kinds && *w->kinds ? w->kinds : NULL);
        store_bind_text(st, 6, w->min_severity);
        return sg_step_id(s, st, "insert webhook", id, err);
}

enum cxg_err store_webhooks_list(struct store *s, int64_t id, store_webhook_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "SELECT w.id, w.url, w.secret, w.created_at, w.disabled, w.kinds, w.min_severity,"
            " (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND"
            "  d.status = 'delivered'),"
            " (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND"
            "  d.status = 'pending'),"
            " (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND"
            "  d.status = 'failed')"
            " FROM webhooks w WHERE CAST(?1 AS BIGINT) = 0 OR w.id = ?1 ORDER BY w.id",
            err);
        struct store_webhook w;
        enum cxg_err rc = CXG_OK;
        int r;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        while ((r = sdb_step(st)) == SDB_ROW) {
                w.id = sdb_column_int64(st, 0);
                w.url = store_col_text(st, 1);
                w.secret = store_col_text(st, 2);
                w.created_at = store_col_ts(st, 3);
                w.disabled = sdb_column_int(st, 4);
                w.kinds = store_col_text(st, 5);
                w.min_severity = store_col_text(st, 6);
                w.delivered = sdb_column_int64(st, 7);
                w.pending = sdb_column_int64(st, 8);
                w.failed = sdb_column_int64(st, 9);
                if ((rc = cb(ctx, &w)))
                        break;
        }
        sdb_reset(st);
        if (rc)
                return rc;
        if (r != SDB_DONE)
                return store_db_err(s, r, "list webhooks", err);
        return CXG_OK;
}

static enum cxg_err exec_id(struct store *s, const char *sql, int64_t id, int extra,
                            const char *what, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        enum cxg_err rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        if (sdb_bind_parameter_count(st) >= 2)
                sdb_bind_int(st, 2, extra);
        if ((rc = store_step_done(s, st, what, err)))
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "webhook %lld not found",
                                     (long long)id);
        return CXG_OK;
}

enum cxg_err store_webhook_set_disabled(struct store *s, int64_t id, int disabled,
                                        struct cxg_error *err)
{
        return exec_id(s, "UPDATE webhooks SET disabled = ?2 WHERE id = ?1", id, disabled ? 1 : 0,
                       "update webhook", err);
}

enum cxg_err store_webhook_delete(struct store *s, int64_t id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int own;
        enum cxg_err rc;

        if ((rc = store_tx_open(s, &own, err)))
                return rc;
        st = store_stmt(s, "DELETE FROM webhook_deliveries WHERE webhook_id = ?1", err);
        if (!st) {
                rc = stmt_fail(err);
        } else {
                sdb_bind_int64(st, 1, id);
                rc = store_step_done(s, st, "delete webhook deliveries", err);
        }
        if (!rc)
                rc = exec_id(s, "DELETE FROM webhooks WHERE id = ?1", id, 0, "delete webhook", err);
        return store_tx_close(s, own, rc, err);
}

#define DELIVERY_COLS                                                                              \
        "d.id, d.webhook_id, d.alert_id, d.event, d.body, w.url, w.secret, d.attempt, d.status,"   \
        " d.next_at, d.created_at, d.delivered_at, d.last_error, d.last_status"

static enum cxg_err run_deliveries(struct store *s, struct sdb_stmt *st, store_delivery_cb cb,
                                   void *ctx, struct cxg_error *err)
{
        struct store_delivery d;
        enum cxg_err rc = CXG_OK;
        int r;

        while ((r = sdb_step(st)) == SDB_ROW) {
                d.id = sdb_column_int64(st, 0);
                d.webhook_id = sdb_column_int64(st, 1);
                d.alert_id = sdb_column_int64(st, 2);
                d.event = store_col_text(st, 3);
                d.body = store_col_text(st, 4);
                d.url = store_col_text(st, 5);
                d.secret = store_col_text(st, 6);
                d.attempt = sdb_column_int(st, 7);
                d.status = store_col_text(st, 8);
                d.next_at = store_col_ts(st, 9);
                d.created_at = store_col_ts(st, 10);
                d.delivered_at = store_col_ts(st, 11);
                d.last_error = store_col_text(st, 12);
                d.last_status = sdb_column_int(st, 13);
                if ((rc = cb(ctx, &d)))
                        break;
        }
        sdb_reset(st);
        if (rc)
                return rc;
        if (r != SDB_DONE)
                return store_db_err(s, r, "list webhook deliveries", err);
        return CXG_OK;
}

enum cxg_err store_deliveries_due(struct store *s, int64_t now, int limit, store_delivery_cb cb,
                                  void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT " DELIVERY_COLS " FROM webhook_deliveries d JOIN webhooks w ON"
                       " w.id = d.webhook_id WHERE d.status = 'pending' AND"
                       " d.next_at <= ?1 AND w.disabled = 0 ORDER BY d.next_at,"
                       " d.id LIMIT ?2",
                       err);

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, now);
        sdb_bind_int(st, 2, clamp_limit(limit));
        return run_deliveries(s, st, cb, ctx, err);
}

enum cxg_err store_deliveries_list(struct store *s, int64_t webhook_id, int limit,
                                   store_delivery_cb cb, void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT " DELIVERY_COLS " FROM webhook_deliveries d JOIN webhooks w ON"
                       " w.id = d.webhook_id WHERE CAST(?1 AS BIGINT) = 0 OR d.webhook_id = ?1"
                       " ORDER BY d.id DESC LIMIT ?2",
                       err);

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, webhook_id);
        sdb_bind_int(st, 2, clamp_limit(limit));
        return run_deliveries(s, st, cb, ctx, err);
}

enum cxg_err store_delivery_result(struct store *s, int64_t id, int ok, int http_status,
                                   const char *error, int64_t now, int64_t next_at,
                                   struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "UPDATE webhook_deliveries SET attempt = attempt + 1, last_status = ?3,"
            " last_error = ?4, status = CASE WHEN CAST(?2 AS BIGINT) <> 0 THEN 'delivered'"
            " WHEN CAST(?6 AS BIGINT) IS NULL THEN 'failed' ELSE 'pending' END,"
            " delivered_at = CASE WHEN ?2 <> 0 THEN CAST(?5 AS BIGINT) END,"
            " next_at = coalesce(?6, next_at) WHERE id = ?1",
            err);
        enum cxg_err rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        sdb_bind_int(st, 2, ok ? 1 : 0);
        if (http_status > 0)
                sdb_bind_int(st, 3, http_status);
        else
                sdb_bind_null(st, 3);
        store_bind_text(st, 4, ok ? NULL : error);
        sdb_bind_int64(st, 5, now);
        if (ok)
                sdb_bind_int64(st, 6, now);
        else
                store_bind_ts(st, 6, next_at);
        if ((rc = store_step_done(s, st, "update webhook delivery", err)))
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "webhook delivery %lld not found",
                                     (long long)id);
        return CXG_OK;
}

enum cxg_err store_delivery_queue_test(struct store *s, int64_t webhook_id, const char *body,
                                       int64_t now, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "INSERT INTO webhook_deliveries (webhook_id, event, body,"
                                         " next_at, created_at) SELECT id, 'alert.test',"
                                         " CAST(?2 AS TEXT), CAST(?3 AS BIGINT),"
                                         " CAST(?3 AS BIGINT) FROM webhooks WHERE id = ?1"
                                         " RETURNING id",
                                         err);
        int64_t row = 0;
        enum cxg_err rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, webhook_id);
        store_bind_text(st, 2, body);
        sdb_bind_int64(st, 3, now);
        if ((rc = sg_step_id(s, st, "queue webhook test", &row, err)))
                return rc;
        if (row == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "webhook %lld not found",
                                     (long long)webhook_id);
        if (id)
                *id = row;
        return CXG_OK;
}
