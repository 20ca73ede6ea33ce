/*
 * alerts.c: the use-case operations on alerts, tasks and webhooks (see alerts.h): checks in
 * terms of fields, one transaction per change with its audit record.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts.h"
#include "app/view.h"
#include "app/view_alerts.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

#define KIND_NAME_MAX 64

static int one_of(const char *s, const char *const *set)
{
        for (size_t i = 0; set[i]; i++)
                if (strcmp(s, set[i]) == 0)
                        return 1;
        return 0;
}

enum cxg_err app_alert_filter_check(const struct store_alert_filter *f, struct cxg_error *err)
{
        static const char *const statuses[] = {"open",      "acknowledged", "resolved",
                                               "dismissed", "live",         NULL};

        if (f->status && !one_of(f->status, statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown alert status \"%s\" (open, acknowledged, resolved, "
                                      "dismissed, live)",
                                      f->status);
        if (f->kind && eng_alert_kind_parse(f->kind) < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind",
                                      "unknown alert kind \"%s\" (erosion_behind_growth, "
                                      "experience_degradation, account_at_risk, downgrade_wave)",
                                      f->kind);
        if (f->min_severity && eng_severity_parse(f->min_severity) < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "min_severity",
                                      "unknown severity \"%s\" (low, medium, high, critical)",
                                      f->min_severity);
        return CXG_OK;
}

enum cxg_err app_task_filter_check(const struct store_task_filter *f, struct cxg_error *err)
{
        static const char *const statuses[] = {"open", "in_progress", "done", "cancelled", NULL};

        if (f->status && !one_of(f->status, statuses))
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "unknown task status \"%s\" (open, in_progress, done, "
                                      "cancelled)",
                                      f->status);
        return CXG_OK;
}

/* Commit when rc is CXG_OK, roll back otherwise; the first failure wins. */
static enum cxg_err finish(struct store *st, enum cxg_err rc, struct cxg_error *err)
{
        if (rc) {
                store_rollback(st);
                return rc;
        }
        return store_commit(st, err);
}

static void id_text(int64_t id, char *buf, size_t n)
{
        snprintf(buf, n, "%lld", (long long)id);
}

/* The view of alert (or task) id read inside the transaction; CXG_ERR_NOTFOUND if absent. */
static enum cxg_err read_one(struct store *st, const char *what, int64_t id, json_t **out,
                             struct cxg_error *err)
{
        json_t *arr = NULL;
        enum cxg_err rc;

        *out = NULL;
        if (what[0] == 'a') {
                struct store_alert_filter f;

                memset(&f, 0, sizeof(f));
                f.id = id;
                rc = view_alerts_read(st, &f, &arr, NULL, err);
        } else {
                struct store_task_filter f;

                memset(&f, 0, sizeof(f));
                f.id = id;
                rc = view_tasks_read(st, &f, &arr, NULL, err);
        }
        if (rc)
                return rc;
        *out = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        if (!*out)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "%s %lld not found", what,
                                     (long long)id);
        return CXG_OK;
}

enum cxg_err app_alert_set_status(const struct app_ctx *c, int64_t id, const char *status,
                                  const char *reason, struct cxg_error *err)
{
        json_t *before = NULL, *s = NULL;
        char idt[24];
        enum cxg_err rc;

        if (!status || !*status)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "give a status: open, acknowledged, resolved or dismissed");
        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = read_one(c->st, "alert", id, &before, err);
        if (!rc)
                rc = store_alert_set_status(c->st, id, status, reason, c->actor, c->now, err);
        if (!rc) {
                id_text(id, idt, sizeof(idt));
                s = json_pack("{s:s?,s:s,s:s?}", "before",
                              json_string_value(json_object_get(before, "status")), "after", status,
                              "reason", reason);
                rc = s ? app_audit(c, "update", "alerts", idt, s, err)
                       : cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        json_decref(s);
        json_decref(before);
        return finish(c->st, rc, err);
}

/* The change of a task as the audit log keeps it: the fields given. */
static json_t *change_json(const struct store_task_change *ch)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        if (ch->status)
                bad |= json_object_set_new(x, "status", json_string(ch->status));
        if (ch->notes)
                bad |= json_object_set_new(x, "notes", json_string(ch->notes));
        if (ch->outcome)
                bad |= json_object_set_new(x, "outcome", json_string(ch->outcome));
        if (ch->action)
                bad |= json_object_set_new(x, "action", json_string(ch->action));
        if (ch->owner)
                bad |= json_object_set_new(x, "owner", json_string(ch->owner));
        if (ch->due_at != CXG_TS_NONE)
                bad |= json_object_set_new(x, "due_at", view_time(ch->due_at));
        if (!isnan(ch->health_before))
                bad |= json_object_set_new(x, "health_before", json_real(ch->health_before));
        return view_done(x, bad);
}

enum cxg_err app_task_update(const struct app_ctx *c, int64_t id,
                             const struct store_task_change *ch, struct cxg_error *err)
{
        static const char *const drop[] = {"title", "account_name", "created_at", "health_after_at",
                                           NULL};
        json_t *before = NULL, *s = NULL;
        char idt[24];
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = read_one(c->st, "task", id, &before, err);
        if (!rc)
                rc = store_task_update(c->st, id, ch, c->now, err);
        if (!rc) {
                /* the summary keeps what matters, not the whole rows */
                for (int k = 0; drop[k]; k++)
                        json_object_del(before, drop[k]);
                s = json_pack("{s:O,s:o}", "before", before, "change", change_json(ch));
                id_text(id, idt, sizeof(idt));
                rc = s ? app_audit(c, "update", "tasks", idt, s, err)
                       : cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        json_decref(s);
        json_decref(before);
        return finish(c->st, rc, err);
}

/* ---- webhooks ---- */

enum cxg_err app_alert_kinds_parse(const char *s, unsigned *kinds, struct cxg_error *err)
{
        char k[KIND_NAME_MAX];
        size_t n = 0;

        *kinds = 0;
        for (const char *p = s;; p++) {
                if (*p == ',' || !*p) {
                        int kind;

                        k[n] = '\0';
                        kind = eng_alert_kind_parse(k);
                        if (kind < 0)
                                return cxg_error_setf(err, CXG_ERR_INVALID, "kinds",
                                                      "unknown alert kind \"%s\" "
                                                      "(erosion_behind_growth, "
                                                      "experience_degradation, account_at_risk, "
                                                      "downgrade_wave)",
                                                      k);
                        *kinds |= ENG_DETECT_BIT(kind);
                        n = 0;
                        if (!*p)
                                break;
                } else if (*p != ' ' && n + 1 < sizeof(k)) {
                        k[n++] = *p;
                }
        }
        return CXG_OK;
}

enum cxg_err app_webhook_add(const struct app_ctx *c, struct store_webhook *w, char *secret_out,
                             int64_t *id, struct cxg_error *err)
{
        unsigned kinds;
        json_t *s;
        char idt[24];
        enum cxg_err rc;

        if (!w->url || !*w->url)
                return cxg_error_setf(err, CXG_ERR_INVALID, "url", "webhook: which url?");
        if (w->kinds && (rc = app_alert_kinds_parse(w->kinds, &kinds, err)))
                return rc;
        if (!w->secret) {
                unsigned char raw[32];

                if (sodium_init() < 0)
                        return cxg_error_set(err, CXG_ERR_INTERNAL,
                                             "webhook: cannot initialise libsodium");
                randombytes_buf(raw, sizeof(raw));
                sodium_bin2hex(secret_out, 65, raw, sizeof(raw));
                w->secret = secret_out;
        }
        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_webhook_add(c->st, w, c->now, id, err);
        if (!rc) {
                s = json_pack("{s:s,s:s?,s:s?}", "url", w->url, "kinds", w->kinds, "min_severity",
                              w->min_severity);
                id_text(*id, idt, sizeof(idt));
                rc = s ? app_audit(c, "create", "webhooks", idt, s, err)
                       : cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                json_decref(s);
        }
        return finish(c->st, rc, err);
}

enum cxg_err app_webhook_set_disabled(const struct app_ctx *c, int64_t id, int disabled,
                                      struct cxg_error *err)
{
        json_t *s;
        char idt[24];
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_webhook_set_disabled(c->st, id, disabled, err);
        if (!rc) {
                s = json_pack("{s:b}", "disabled", disabled);
                id_text(id, idt, sizeof(idt));
                rc = s ? app_audit(c, "update", "webhooks", idt, s, err)
                       : cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                json_decref(s);
        }
        return finish(c->st, rc, err);
}

enum cxg_err app_webhook_delete(const struct app_ctx *c, int64_t id, struct cxg_error *err)
{
        char idt[24];
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_webhook_delete(c->st, id, err);
        id_text(id, idt, sizeof(idt));
        if (!rc)
                rc = app_audit(c, "delete", "webhooks", idt, NULL, err);
        return finish(c->st, rc, err);
}

enum cxg_err app_webhook_queue_test(const struct app_ctx *c, int64_t id, int64_t *delivery_id,
                                    struct cxg_error *err)
{
        char body[160], d[32];

        snprintf(body, sizeof(body),
                 "{\"event\":\"alert.test\",\"sent_at\":\"%s\",\"webhook_id\":%lld}",
                 cxg_time_format(c->now, d), (long long)id);
        return store_delivery_queue_test(c->st, id, body, c->now, delivery_id, err);
}
