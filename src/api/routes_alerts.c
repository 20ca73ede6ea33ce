/*
 * routes_alerts.c: HTTP handlers for alerts, tasks, webhooks, the sweet spot and detection on
 * demand, and the server's background work for them (a scheduled detector thread and the
 * webhook delivery worker). Roles: staff read everything; admins and analysts change any
 * alert or task; account managers change alerts and tasks of the accounts they own (and
 * tasks they own); webhooks are for admins. Every change is audited.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "api/routes_alerts.h"
#include "api/webhook.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/detect.h"
#include "engine/engine.h"
#include "engine/sweetspot.h"
#include "store/store_alerts.h"
#include "store/store_query.h"

#define DAY INT64_C(86400)

/* The engine of the server (api_engine.c), NULL until it is loaded. */
struct eng_engine *api_engine_get(void);

/* ---- helpers ---- */

static json_t *jdate(int64_t t)
{
        char d[32];

        return t == CXG_TS_NONE ? json_null() : json_string(cxg_time_format(t, d));
}

static json_t *jstr(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *jnum(double v)
{
        return isfinite(v) ? json_real(v) : json_null();
}

/* Positive whole number in r->params[0]; replies 404 and returns 0 when it is not one. */
static int path_id(struct api_req *r, const char *what, int64_t *id)
{
        struct cxg_error e;

        if (cxg_parse_int64(r->params[0], strlen(r->params[0]), id, &e) || *id <= 0) {
                api_reply_error(r, 404, "not_found", NULL, "no %s with id \"%s\"", what,
                                r->params[0]);
                return 0;
        }
        return 1;
}

/* Optional whole-number query argument within [min, max]; replies 400 and returns 0 if bad. */
static int arg_long(struct api_req *r, const char *name, long def, long min, long max, long *out)
{
        const char *s = api_arg(r, name);
        struct cxg_error e;
        int64_t v;

        *out = def;
        if (!s)
                return 1;
        if (cxg_parse_int64(s, strlen(s), &v, &e) || v < min || v > max) {
                api_reply_error(r, 400, "bad_request", name,
                                "%s must be a whole number from %ld "
                                "to %ld",
                                name, min, max);
                return 0;
        }
        *out = (long)v;
        return 1;
}

/* A JSON string member, or NULL; replies 422 and sets *bad when present but not a string. */
static const char *body_str(struct api_req *r, json_t *b, const char *key, int *bad)
{
        json_t *v = json_object_get(b, key);

        if (!v || json_is_null(v))
                return NULL;
        if (!json_is_string(v)) {
                if (!*bad)
                        api_reply_error(r, 422, "invalid", key, "%s must be a string", key);
                *bad = 1;
                return NULL;
        }
        return json_string_value(v);
}

/* Refuse unknown members of a PATCH body (a typo would otherwise be ignored silently). */
static int body_keys_ok(struct api_req *r, json_t *b, const char *const *allowed)
{
        const char *k;
        json_t *v;

        json_object_foreach(b, k, v)
        {
                size_t i;

                for (i = 0; allowed[i]; i++)
                        if (strcmp(k, allowed[i]) == 0)
                                break;
                if (!allowed[i]) {
                        api_reply_error(r, 422, "invalid", k, "unknown field \"%s\"", k);
                        return 0;
                }
        }
        return 1;
}

struct owner_ctx {
        char owner[128];
        int found;
};

static enum cxg_err owner_cb(void *ctx, const struct store_row *row)
{
        struct owner_ctx *o = ctx;

        o->found = 1;
        snprintf(o->owner, sizeof(o->owner), "%s",
                 row->account && row->account->owner ? row->account->owner : "");
        return CXG_OK;
}

/*
 * May the caller change things about this account (and task owner)? Admins and analysts: yes.
 * Account managers: when they own the account or the task. Replies 403 and returns 0 if not.
 */
static int may_change(struct api_req *r, const char *account, const char *task_owner)
{
        struct owner_ctx o = {"", 0};
        struct store_query q;
        struct cxg_error e = {0};

        if (r->who.role == API_ROLE_ADMIN || r->who.role == API_ROLE_ANALYST)
                return 1;
        if (r->who.role == API_ROLE_AM) {
                if (task_owner && strcmp(task_owner, r->who.name) == 0)
                        return 1;
                if (account) {
                        store_query_init(&q);
                        q.ext_id = account;
                        q.limit = 1;
                        if (store_query_list(r->st, STORE_E_ACCOUNTS, &q, owner_cb, &o, &e)) {
                                api_reply_cxg(r, e.code ? e.code : CXG_ERR_STORE, &e);
                                return 0;
                        }
                        if (o.found && strcmp(o.owner, r->who.name) == 0)
                                return 1;
                }
        }
        api_reply_error(r, 403, "forbidden", NULL,
                        "the %s role may change only alerts and tasks of the accounts it owns",
                        api_role_name(r->who.role));
        return 0;
}

/* ---- alerts ---- */

static json_t *alert_json(const struct store_alert *a)
{
        json_t *x = json_object();
        json_t *ev = a->evidence ? json_loads(a->evidence, 0, NULL) : NULL;

        json_object_set_new(x, "id", json_integer(a->id));
        json_object_set_new(x, "kind", jstr(a->kind));
        json_object_set_new(x, "severity", jstr(a->severity));
        json_object_set_new(x, "status", jstr(a->status));
        json_object_set_new(x, "subject_type", jstr(a->subject_type));
        json_object_set_new(x, "subject", jstr(a->subject));
        json_object_set_new(x, "summary", jstr(a->summary));
        json_object_set_new(x, "account_id", jstr(a->account_id));
        json_object_set_new(x, "person_id", jstr(a->person_id));
        json_object_set_new(x, "first_seen", jdate(a->first_seen));
        json_object_set_new(x, "last_seen", jdate(a->last_seen));
        json_object_set_new(x, "created_at", jdate(a->created_at));
        json_object_set_new(x, "occurrences", json_integer(a->occurrences));
        json_object_set_new(x, "status_reason", jstr(a->status_reason));
        json_object_set_new(x, "status_by", jstr(a->status_by));
        json_object_set_new(x, "status_at", jdate(a->status_at));
        json_object_set_new(x, "task_id", a->task_id ? json_integer(a->task_id) : json_null());
        json_object_set_new(x, "dedup_key", jstr(a->dedup_key));
        json_object_set_new(x, "evidence", ev ? ev : json_object());
        return x;
}

struct alist {
        json_t *arr;
        int64_t last;
        char account[128];
        int n;
};

static enum cxg_err alert_cb(void *ctx, const struct store_alert *a)
{
        struct alist *l = ctx;

        l->last = a->id;
        l->n++;
        snprintf(l->account, sizeof(l->account), "%s", a->account_id ? a->account_id : "");
        return json_array_append_new(l->arr, alert_json(a)) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_alerts_list(struct api_req *r)
{
        struct store_alert_filter f;
        struct alist l = {NULL, 0, "", 0};
        struct cxg_error e = {0};
        long limit, before;
        json_t *o;

        memset(&f, 0, sizeof(f));
        if (!arg_long(r, "limit", 100, 1, STORE_ALERTS_MAX_LIMIT, &limit) ||
            !arg_long(r, "before", 0, 0, INT32_MAX, &before))
                return;
        f.status = api_arg(r, "status");
        f.kind = api_arg(r, "kind");
        f.account_id = api_arg(r, "account_id");
        f.min_severity = api_arg(r, "min_severity");
        f.before_id = before;
        f.limit = (int)limit;
        if (f.kind && eng_alert_kind_parse(f.kind) < 0) {
                api_reply_error(r, 400, "bad_request", "kind",
                                "unknown alert kind \"%s\" (erosion_behind_growth, "
                                "experience_degradation, account_at_risk, downgrade_wave)",
                                f.kind);
                return;
        }
        l.arr = json_array();
        if (!l.arr) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        if (store_alerts_list(r->st, &f, alert_cb, &l, &e)) {
                json_decref(l.arr);
                if (e.code == CXG_ERR_INVALID)
                        api_reply_error(r, 400, "bad_request", e.field, "%s", e.msg);
                else
                        api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return;
        }
        o = json_object();
        json_object_set_new(o, "alerts", l.arr);
        json_object_set_new(o, "next_before",
                            l.n == (int)limit && l.last > 1 ? json_integer(l.last) : json_null());
        api_reply_json(r, 200, o);
}

/* Read one alert into l (l->arr created here); 0 with a reply when absent or on error. */
static int one_alert(struct api_req *r, int64_t id, struct alist *l)
{
        struct store_alert_filter f;
        struct cxg_error e = {0};

        memset(&f, 0, sizeof(f));
        f.id = id;
        l->arr = json_array();
        l->n = 0;
        if (!l->arr || store_alerts_list(r->st, &f, alert_cb, l, &e)) {
                json_decref(l->arr);
                l->arr = NULL;
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return 0;
        }
        if (!l->n) {
                json_decref(l->arr);
                l->arr = NULL;
                api_reply_error(r, 404, "not_found", NULL, "no alert with id %lld", (long long)id);
                return 0;
        }
        return 1;
}

void api_h_alert_get(struct api_req *r)
{
        struct alist l = {NULL, 0, "", 0};
        int64_t id;

        if (!path_id(r, "alert", &id) || !one_alert(r, id, &l))
                return;
        api_reply_json(r, 200, json_incref(json_array_get(l.arr, 0)));
        json_decref(l.arr);
}

void api_h_alert_patch(struct api_req *r)
{
        static const char *const keys[] = {"status", "reason", NULL};
        struct alist l = {NULL, 0, "", 0}, after = {NULL, 0, "", 0};
        struct cxg_error e = {0};
        json_t *b, *s;
        const char *status, *reason, *old;
        char idtext[24];
        int64_t id;
        int bad = 0;
        enum cxg_err rc;

        if (!path_id(r, "alert", &id) || !(b = api_body_json(r)))
                return;
        if (!json_is_object(b)) {
                api_reply_error(r, 400, "bad_request", NULL, "the body must be a JSON object");
                goto done;
        }
        if (!body_keys_ok(r, b, keys))
                goto done;
        status = body_str(r, b, "status", &bad);
        reason = body_str(r, b, "reason", &bad);
        if (bad)
                goto done;
        if (!status) {
                api_reply_error(r, 422, "invalid", "status",
                                "give a status: open, acknowledged, resolved or dismissed");
                goto done;
        }
        if (!one_alert(r, id, &l))
                goto done;
        if (!may_change(r, l.account[0] ? l.account : NULL, NULL))
                goto done;
        old = json_string_value(json_object_get(json_array_get(l.arr, 0), "status"));
        rc = store_begin(r->st, &e);
        if (!rc)
                rc = store_alert_set_status(r->st, id, status, reason, r->who.name, api_now(), &e);
        snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
        s = json_pack("{s:s?,s:s,s:s?}", "before", old, "after", status, "reason", reason);
        if (!rc)
                rc = api_audit(r, "update", "alerts", idtext, s, &e);
        json_decref(s);
        if (!rc)
                rc = store_commit(r->st, &e);
        else
                store_rollback(r->st);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        if (one_alert(r, id, &after)) {
                api_reply_json(r, 200, json_incref(json_array_get(after.arr, 0)));
                json_decref(after.arr);
        }
done:
        json_decref(l.arr);
        json_decref(b);
}

/* ---- tasks ---- */

static json_t *task_json(const struct store_task *t)
{
        json_t *x = json_object();

        json_object_set_new(x, "id", json_integer(t->id));
        json_object_set_new(x, "alert_id", t->alert_id ? json_integer(t->alert_id) : json_null());
        json_object_set_new(x, "alert_kind", jstr(t->alert_kind));
        json_object_set_new(x, "account_id", jstr(t->account_id));
        json_object_set_new(x, "account_name", jstr(t->account_name));
        json_object_set_new(x, "person_id", jstr(t->person_id));
        json_object_set_new(x, "owner", jstr(t->owner));
        json_object_set_new(x, "title", jstr(t->title));
        json_object_set_new(x, "status", jstr(t->status));
        json_object_set_new(x, "due_at", jdate(t->due_at));
        json_object_set_new(x, "notes", jstr(t->notes));
        json_object_set_new(x, "outcome", jstr(t->outcome));
        json_object_set_new(x, "action", jstr(t->action));
        json_object_set_new(x, "created_at", jdate(t->created_at));
        json_object_set_new(x, "updated_at", jdate(t->updated_at));
        json_object_set_new(x, "resolved_at", jdate(t->resolved_at));
        json_object_set_new(x, "health_before", jnum(t->health_before));
        json_object_set_new(x, "health_after", jnum(t->health_after));
        json_object_set_new(x, "health_after_at", jdate(t->health_after_at));
        json_object_set_new(x, "reconnected",
                            t->reconnected < 0 ? json_null() : json_boolean(t->reconnected));
        return x;
}

struct tlist {
        json_t *arr;
        int64_t last;
        int n;
        char account[128], owner[128];
};

static enum cxg_err task_cb(void *ctx, const struct store_task *t)
{
        struct tlist *l = ctx;

        l->last = t->id;
        l->n++;
        snprintf(l->account, sizeof(l->account), "%s", t->account_id ? t->account_id : "");
        snprintf(l->owner, sizeof(l->owner), "%s", t->owner ? t->owner : "");
        return json_array_append_new(l->arr, task_json(t)) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_tasks_list(struct api_req *r)
{
        struct store_task_filter f;
        struct tlist l;
        struct cxg_error e = {0};
        long limit, after;
        json_t *o;

        memset(&f, 0, sizeof(f));
        memset(&l, 0, sizeof(l));
        if (!arg_long(r, "limit", 100, 1, STORE_ALERTS_MAX_LIMIT, &limit) ||
            !arg_long(r, "after", 0, 0, INT32_MAX, &after))
                return;
        f.owner = api_arg(r, "owner");
        /* owner=me: the caller's own work list */
        if (f.owner && strcmp(f.owner, "me") == 0)
                f.owner = r->who.name;
        f.status = api_arg(r, "status");
        f.account_id = api_arg(r, "account_id");
        f.after_id = after;
        f.limit = (int)limit;
        l.arr = json_array();
        if (!l.arr) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        if (store_tasks_list(r->st, &f, task_cb, &l, &e)) {
                json_decref(l.arr);
                if (e.code == CXG_ERR_INVALID)
                        api_reply_error(r, 400, "bad_request", e.field, "%s", e.msg);
                else
                        api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return;
        }
        o = json_object();
        json_object_set_new(o, "tasks", l.arr);
        json_object_set_new(o, "next_after",
                            l.n == (int)limit ? json_integer(l.last) : json_null());
        api_reply_json(r, 200, o);
}

static int one_task(struct api_req *r, int64_t id, struct tlist *l)
{
        struct store_task_filter f;
        struct cxg_error e = {0};

        memset(&f, 0, sizeof(f));
        memset(l, 0, sizeof(*l));
        f.id = id;
        l->arr = json_array();
        if (!l->arr || store_tasks_list(r->st, &f, task_cb, l, &e)) {
                json_decref(l->arr);
                l->arr = NULL;
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return 0;
        }
        if (!l->n) {
                json_decref(l->arr);
                l->arr = NULL;
                api_reply_error(r, 404, "not_found", NULL, "no task with id %lld", (long long)id);
                return 0;
        }
        return 1;
}

void api_h_task_get(struct api_req *r)
{
        struct tlist l;
        int64_t id;

        if (!path_id(r, "task", &id) || !one_task(r, id, &l))
                return;
        api_reply_json(r, 200, json_incref(json_array_get(l.arr, 0)));
        json_decref(l.arr);
}

void api_h_task_patch(struct api_req *r)
{
        static const char *const keys[] = {"status", "notes",  "outcome",       "action",
                                           "owner",  "due_at", "health_before", NULL};
        struct store_task_change c;
        struct tlist l, after;
        struct cxg_error e = {0};
        json_t *b, *s, *v;
        char idtext[24];
        int64_t id;
        int bad = 0;
        enum cxg_err rc;

        memset(&l, 0, sizeof(l));
        if (!path_id(r, "task", &id) || !(b = api_body_json(r)))
                return;
        if (!json_is_object(b)) {
                api_reply_error(r, 400, "bad_request", NULL, "the body must be a JSON object");
                goto done;
        }
        if (!body_keys_ok(r, b, keys))
                goto done;
        store_task_change_init(&c);
        c.status = body_str(r, b, "status", &bad);
        c.notes = body_str(r, b, "notes", &bad);
        c.outcome = body_str(r, b, "outcome", &bad);
        c.action = body_str(r, b, "action", &bad);
        c.owner = body_str(r, b, "owner", &bad);
        if (bad)
                goto done;
        if ((v = json_object_get(b, "due_at")) && !json_is_null(v)) {
                struct cxg_error pe;

                if (!json_is_string(v) ||
                    cxg_parse_time(json_string_value(v), strlen(json_string_value(v)), &c.due_at,
                                   &pe)) {
                        api_reply_error(r, 422, "invalid", "due_at",
                                        "due_at must be a date or date-time (ISO 8601)");
                        goto done;
                }
        }
        if ((v = json_object_get(b, "health_before")) && !json_is_null(v)) {
                if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
                        api_reply_error(r, 422, "invalid", "health_before",
                                        "health_before must be a number from 0 to 100");
                        goto done;
                }
                c.health_before = json_number_value(v);
        }
        if (!one_task(r, id, &l))
                goto done;
        if (!may_change(r, l.account[0] ? l.account : NULL, l.owner))
                goto done;
        /* handing a task to someone else is a manager's call, not an account manager's */
        if (c.owner && r->who.role == API_ROLE_AM && strcmp(c.owner, r->who.name) != 0) {
                api_reply_error(r, 403, "forbidden", "owner",
                                "the account_manager role may not hand tasks to others");
                goto done;
        }
        rc = store_begin(r->st, &e);
        if (!rc)
                rc = store_task_update(r->st, id, &c, api_now(), &e);
        snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
        s = json_pack("{s:O,s:O}", "before", json_array_get(l.arr, 0), "change", b);
        if (s) { /* the summary keeps what matters, not the whole rows */
                json_t *bf = json_object_get(s, "before");
                const char *drop[] = {"title", "account_name", "created_at", "health_after_at",
                                      NULL};

                for (int k = 0; drop[k]; k++)
                        json_object_del(bf, drop[k]);
        }
        if (!rc)
                rc = api_audit(r, "update", "tasks", idtext, s, &e);
        json_decref(s);
        if (!rc)
                rc = store_commit(r->st, &e);
        else
                store_rollback(r->st);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        if (one_task(r, id, &after)) {
                api_reply_json(r, 200, json_incref(json_array_get(after.arr, 0)));
                json_decref(after.arr);
        }
done:
        json_decref(l.arr);
        json_decref(b);
}

static enum cxg_err outcome_cb(void *ctx, const struct store_task_outcome *o)
{
        json_t *x = json_object();

        json_object_set_new(x, "action", jstr(o->action));
        json_object_set_new(x, "done", json_integer(o->done));
        json_object_set_new(x, "followed_up", json_integer(o->followed));
        json_object_set_new(x, "mean_health_change", jnum(o->health_change));
        json_object_set_new(x, "reconnect_judged", json_integer(o->reconnect_n));
        json_object_set_new(x, "reconnected", json_integer(o->reconnected));
        json_object_set_new(x, "reconnect_rate",
                            o->reconnect_n
                                ? json_real((double)o->reconnected / (double)o->reconnect_n)
                                : json_null());
        return json_array_append_new(ctx, x) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_task_outcomes(struct api_req *r)
{
        json_t *arr = json_array();
        struct cxg_error e = {0};

        if (!arr || store_task_outcomes(r->st, outcome_cb, arr, &e)) {
                json_decref(arr);
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "actions", arr));
}

/* ---- webhooks ---- */

static enum cxg_err webhook_cb(void *ctx, const struct store_webhook *w)
{
        json_t *x = json_object();

        json_object_set_new(x, "id", json_integer(w->id));
        json_object_set_new(x, "url", jstr(w->url));
        json_object_set_new(x, "created_at", jdate(w->created_at));
        json_object_set_new(x, "disabled", json_boolean(w->disabled));
        json_object_set_new(x, "kinds", jstr(w->kinds));
        json_object_set_new(x, "min_severity", jstr(w->min_severity));
        json_object_set_new(x, "delivered", json_integer(w->delivered));
        json_object_set_new(x, "pending", json_integer(w->pending));
        json_object_set_new(x, "failed", json_integer(w->failed));
        /* the secret is shown once, at creation */
        return json_array_append_new(ctx, x) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_webhooks_list(struct api_req *r)
{
        json_t *arr = json_array();
        struct cxg_error e = {0};

        if (!arr || store_webhooks_list(r->st, 0, webhook_cb, arr, &e)) {
                json_decref(arr);
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "webhooks", arr));
}

static int one_webhook(struct api_req *r, int64_t id, json_t **out)
{
        json_t *arr = json_array();
        struct cxg_error e = {0};

        *out = NULL;
        if (!arr || store_webhooks_list(r->st, id, webhook_cb, arr, &e)) {
                json_decref(arr);
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return 0;
        }
        if (!json_array_size(arr)) {
                json_decref(arr);
                api_reply_error(r, 404, "not_found", NULL, "no webhook with id %lld",
                                (long long)id);
                return 0;
        }
        *out = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        return 1;
}

void api_h_webhook_create(struct api_req *r)
{
        static const char *const keys[] = {"url", "secret", "kinds", "min_severity", NULL};
        struct store_webhook w = {0};
        struct cxg_error e = {0};
        json_t *b, *o = NULL;
        char secret[65];
        int64_t id;
        int bad = 0;
        enum cxg_err rc;

        if (!(b = api_body_json(r)))
                return;
        if (!json_is_object(b)) {
                api_reply_error(r, 400, "bad_request", NULL, "the body must be a JSON object");
                goto done;
        }
        if (!body_keys_ok(r, b, keys))
                goto done;
        w.url = body_str(r, b, "url", &bad);
        w.secret = body_str(r, b, "secret", &bad);
        w.kinds = body_str(r, b, "kinds", &bad);
        w.min_severity = body_str(r, b, "min_severity", &bad);
        if (bad)
                goto done;
        if (w.kinds) { /* each kind must be known */
                char k[64];
                size_t n = 0;

                for (const char *p = w.kinds;; p++) {
                        if (*p == ',' || !*p) {
                                k[n] = '\0';
                                if (eng_alert_kind_parse(k) < 0) {
                                        api_reply_error(r, 422, "invalid", "kinds",
                                                        "unknown alert kind \"%s\"", k);
                                        goto done;
                                }
                                n = 0;
                                if (!*p)
                                        break;
                        } else if (*p != ' ' && n + 1 < sizeof(k)) {
                                k[n++] = *p;
                        }
                }
        }
        if (!w.secret) {
                unsigned char raw[32];

                randombytes_buf(raw, sizeof(raw));
                sodium_bin2hex(secret, sizeof(secret), raw, sizeof(raw));
                w.secret = secret;
        }
        rc = store_begin(r->st, &e);
        if (!rc)
                rc = store_webhook_add(r->st, &w, api_now(), &id, &e);
        if (!rc) {
                char idtext[24];
                json_t *s = json_pack("{s:s,s:s?,s:s?}", "url", w.url, "kinds", w.kinds,
                                      "min_severity", w.min_severity);

                snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
                rc = api_audit(r, "create", "webhooks", idtext, s, &e);
                json_decref(s);
        }
        if (!rc)
                rc = store_commit(r->st, &e);
        else
                store_rollback(r->st);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        if (!one_webhook(r, id, &o))
                goto done;
        json_object_set_new(o, "secret", json_string(w.secret));
        api_reply_json(r, 201, o);
done:
        json_decref(b);
}

void api_h_webhook_get(struct api_req *r)
{
        json_t *o;
        int64_t id;

        if (path_id(r, "webhook", &id) && one_webhook(r, id, &o))
                api_reply_json(r, 200, o);
}

void api_h_webhook_patch(struct api_req *r)
{
        static const char *const keys[] = {"disabled", NULL};
        struct cxg_error e = {0};
        json_t *b, *v, *o;
        int64_t id;
        enum cxg_err rc;
        char idtext[24];

        if (!path_id(r, "webhook", &id) || !(b = api_body_json(r)))
                return;
        if (!json_is_object(b) || !body_keys_ok(r, b, keys)) {
                if (!json_is_object(b))
                        api_reply_error(r, 400, "bad_request", NULL,
                                        "the body must be a JSON object");
                json_decref(b);
                return;
        }
        v = json_object_get(b, "disabled");
        if (!json_is_boolean(v)) {
                api_reply_error(r, 422, "invalid", "disabled", "disabled must be true or false");
                json_decref(b);
                return;
        }
        snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
        rc = store_begin(r->st, &e);
        if (!rc)
                rc = store_webhook_set_disabled(r->st, id, json_is_true(v), &e);
        if (!rc) {
                json_t *s = json_pack("{s:b}", "disabled", json_is_true(v));

                rc = api_audit(r, "update", "webhooks", idtext, s, &e);
                json_decref(s);
        }
        if (!rc)
                rc = store_commit(r->st, &e);
        else
                store_rollback(r->st);
        json_decref(b);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        if (one_webhook(r, id, &o))
                api_reply_json(r, 200, o);
}

void api_h_webhook_delete(struct api_req *r)
{
        struct cxg_error e = {0};
        int64_t id;
        enum cxg_err rc;
        char idtext[24];

        if (!path_id(r, "webhook", &id))
                return;
        snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
        rc = store_begin(r->st, &e);
        if (!rc)
                rc = store_webhook_delete(r->st, id, &e);
        if (!rc)
                rc = api_audit(r, "delete", "webhooks", idtext, NULL, &e);
        if (!rc)
                rc = store_commit(r->st, &e);
        else
                store_rollback(r->st);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        api_reply_empty(r, 204);
}

static struct api_webhook_worker *worker;

void api_h_webhook_test(struct api_req *r)
{
        struct cxg_error e = {0};
        char body[160], d[32];
        int64_t id, did;
        enum cxg_err rc;

        if (!path_id(r, "webhook", &id))
                return;
        snprintf(body, sizeof(body),
                 "{\"event\":\"alert.test\",\"sent_at\":\"%s\",\"webhook_id\":%lld}",
                 cxg_time_format(api_now(), d), (long long)id);
        rc = store_delivery_queue_test(r->st, id, body, api_now(), &did, &e);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        api_webhook_worker_wake(worker); /* sent by the worker: the request does not wait */
        api_reply_json(r, 202,
                       json_pack("{s:I,s:s}", "delivery_id", (json_int_t)did, "status", "pending"));
}

static enum cxg_err delivery_cb(void *ctx, const struct store_delivery *d)
{
        json_t *x = json_object();

        json_object_set_new(x, "id", json_integer(d->id));
        json_object_set_new(x, "alert_id", d->alert_id ? json_integer(d->alert_id) : json_null());
        json_object_set_new(x, "event", jstr(d->event));
        json_object_set_new(x, "status", jstr(d->status));
        json_object_set_new(x, "attempts", json_integer(d->attempt));
        json_object_set_new(x, "next_at", jdate(d->next_at));
        json_object_set_new(x, "created_at", jdate(d->created_at));
        json_object_set_new(x, "delivered_at", jdate(d->delivered_at));
        json_object_set_new(x, "last_status",
                            d->last_status ? json_integer(d->last_status) : json_null());
        json_object_set_new(x, "last_error", jstr(d->last_error));
        return json_array_append_new(ctx, x) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_webhook_deliveries(struct api_req *r)
{
        json_t *arr, *o;
        struct cxg_error e = {0};
        int64_t id;
        long limit;

        if (!path_id(r, "webhook", &id) ||
            !arg_long(r, "limit", 100, 1, STORE_ALERTS_MAX_LIMIT, &limit) ||
            !one_webhook(r, id, &o))
                return;
        json_decref(o);
        arr = json_array();
        if (!arr || store_deliveries_list(r->st, id, (int)limit, delivery_cb, arr, &e)) {
                json_decref(arr);
                api_reply_cxg(r, e.code ? e.code : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "deliveries", arr));
}

/* ---- sweet spot ---- */

void api_h_sweetspot(struct api_req *r)
{
        struct eng_engine *eng = api_engine_get();
        struct eng_sweet_opts so;
        struct eng_sweet_result res;
        struct cxg_error e = {0};
        struct cxg_buf b;
        long min_size, limit;
        enum cxg_err rc;

        eng_sweet_opts_init(&so);
        if (!arg_long(r, "min_size", 10, 1, 1000000, &min_size) ||
            !arg_long(r, "limit", 0, 0, 100000, &limit))
                return;
        if (api_arg(r, "by"))
                so.by = api_arg(r, "by");
        so.min_size = (size_t)min_size;
        if (!eng) {
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
                return;
        }
        memset(&res, 0, sizeof(res));
        eng_engine_read_lock(eng);
        rc = eng_sweetspot(&eng->snap, &eng->scores, &so, &res, &e);
        eng_engine_unlock(eng);
        if (rc) {
                api_reply_cxg(r, rc == CXG_ERR_INVALID ? CXG_ERR_USAGE : rc, &e);
                return;
        }
        cxg_buf_init(&b, 64u << 20);
        rc = eng_sweet_json(&res, (size_t)limit, &b);
        eng_sweet_result_release(&res);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        cxg_free(r->reply);
        r->status = 200;
        r->reply = b.data;
        r->reply_len = b.len;
        r->reply_type = NULL;
}

/* ---- detection: on demand and on a schedule ---- */

static struct {
        pthread_t thread;
        pthread_mutex_t lock; /* the fields below, and one detection at a time (run_lock) */
        pthread_mutex_t run_lock;
        pthread_cond_t cond;
        int started, stop, poked;
        long interval_s, debounce_s;
        char db_path[1024];
        const struct cxg_config *ini;
        struct eng_detect_params params;
        struct eng_detect_save_opts save;
        char default_owner[64];
} al = {.lock = PTHREAD_MUTEX_INITIALIZER, .run_lock = PTHREAD_MUTEX_INITIALIZER};

/* What one run did, for the reply and the log. */
struct run_result {
        int64_t at;
        size_t found, followed;
        struct eng_detect_summary sum;
        struct eng_alerts alerts;
};

/* Detect on the server's engine as of at (CXG_TS_NONE: its latest), store unless dry_run. */
static enum cxg_err detect_once(struct store *st, int64_t at, int dry_run, struct run_result *out,
                                struct cxg_error *err)
{
        struct eng_engine *eng = api_engine_get();
        struct eng_scores now, before;
        struct eng_detect_input in;
        enum cxg_err rc;
        int own_now = 0;

        memset(out, 0, sizeof(*out));
        eng_alerts_init(&out->alerts);
        if (!eng)
                return cxg_error_set(err, CXG_ERR_BUSY, "the analytics engine is not loaded");
        eng_scores_init(&now);
        eng_scores_init(&before);
        pthread_mutex_lock(&al.run_lock);
        eng_engine_read_lock(eng);
        in.snap = &eng->snap;
        in.now = &eng->scores;
        if (at != CXG_TS_NONE && at != eng->scores.at) {
                rc = eng_engine_compute(eng, st, at, &now, err);
                if (rc)
                        goto unlock;
                own_now = 1;
                in.now = &now;
        }
        in.at = in.now->at;
        in.kinds = ENG_DETECT_ALL;
        rc =
            eng_engine_compute(eng, st, in.at - (int64_t)(al.params.risk_days * DAY), &before, err);
        if (rc)
                goto unlock;
        in.before = &before;
        rc = eng_detect_run(&al.params, &in, &out->alerts, NULL, err);
        if (!rc && !dry_run)
                rc = eng_detect_save(st, &out->alerts, in.at, &al.save, &out->sum, err);
        if (!rc && !dry_run)
                rc = eng_detect_followup(st, &eng->snap, in.now, in.at, 30, &out->followed, err);
        out->at = in.at;
        out->found = out->alerts.n;
unlock:
        eng_engine_unlock(eng);
        pthread_mutex_unlock(&al.run_lock);
        if (own_now)
                eng_scores_release(&now);
        eng_scores_release(&before);
        if (!rc && !dry_run && out->sum.created + out->sum.escalated)
                api_webhook_worker_wake(worker);
        return rc;
}

static void run_release(struct run_result *r)
{
        eng_detect_summary_release(&r->sum);
        eng_alerts_release(&r->alerts);
}

void api_h_detect(struct api_req *r)
{
        const char *at_s = api_arg(r, "at"), *dry = api_arg(r, "dry_run");
        struct run_result res;
        struct cxg_error e = {0};
        int64_t at = CXG_TS_NONE;
        json_t *arr, *o;
        char d[32];

        if (r->who.role != API_ROLE_ADMIN && r->who.role != API_ROLE_ANALYST) {
                api_reply_error(r, 403, "forbidden", NULL, "the %s role may not run detection",
                                api_role_name(r->who.role));
                return;
        }
        if (at_s && cxg_parse_time(at_s, strlen(at_s), &at, &e)) {
                api_reply_error(r, 400, "bad_request", "at", "at: %s", e.msg);
                return;
        }
        if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0) {
                api_reply_error(r, 400, "bad_request", "dry_run", "dry_run must be true or false");
                return;
        }
        if (detect_once(r->st, at, dry && strcmp(dry, "true") == 0, &res, &e)) {
                run_release(&res);
                api_reply_cxg(r, e.code, &e);
                return;
        }
        if (!(dry && strcmp(dry, "true") == 0)) {
                json_t *s = json_pack("{s:I,s:I}", "found", (json_int_t)res.found, "created",
                                      (json_int_t)res.sum.created);

                if (api_audit(r, "run", "detect", NULL, s, &e))
                        cxg_log(CXG_LOG_WARN, "serve: audit of detect: %s", e.msg);
                json_decref(s);
        }
        arr = json_array();
        for (size_t i = 0; arr && i < res.alerts.n; i++) {
                const struct eng_alert *a = &res.alerts.v[i];
                json_t *x = json_object();

                json_object_set_new(x, "id",
                                    res.sum.ids && res.sum.ids[i] ? json_integer(res.sum.ids[i])
                                                                  : json_null());
                json_object_set_new(x, "kind", json_string(eng_alert_kind_name(a->kind)));
                json_object_set_new(x, "severity", json_string(eng_severity_name(a->severity)));
                json_object_set_new(x, "subject", json_string(a->subject));
                json_object_set_new(x, "summary", json_string(a->summary));
                json_object_set_new(x, "first_seen", jdate(a->first_seen));
                json_object_set_new(x, "evidence",
                                    a->evidence ? json_loads(a->evidence, 0, NULL) : json_object());
                json_array_append_new(arr, x);
        }
        o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "at", cxg_time_format(res.at, d),
                      "found", (json_int_t)res.found, "created", (json_int_t)res.sum.created,
                      "seen", (json_int_t)res.sum.seen, "escalated", (json_int_t)res.sum.escalated,
                      "suppressed", (json_int_t)res.sum.suppressed, "tasks_created",
                      (json_int_t)res.sum.tasks, "tasks_followed_up", (json_int_t)res.followed,
                      "alerts", arr ? arr : json_array());
        run_release(&res);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}

static void *detector_main(void *arg)
{
        struct store *st = NULL;
        struct cxg_error e = {0};
        time_t last = time(NULL); /* the first scheduled run comes one interval after start */

        (void)arg;
        if (store_open(al.db_path, 0, &st, &e)) {
                cxg_log(CXG_LOG_ERROR, "serve: detector: %s", e.msg);
                return NULL;
        }
        pthread_mutex_lock(&al.lock);
        while (!al.stop) {
                time_t now = time(NULL);
                int due = al.interval_s > 0 && now - last >= al.interval_s;
                int poked = al.poked && now - last >= al.debounce_s;

                if (due || poked) {
                        struct run_result res;
                        double t0 = api_mono();

                        al.poked = 0;
                        last = now;
                        pthread_mutex_unlock(&al.lock);
                        cxg_error_clear(&e);
                        if (detect_once(st, CXG_TS_NONE, 0, &res, &e))
                                cxg_log(CXG_LOG_ERROR, "serve: detector: %s", e.msg);
                        else
                                cxg_log(CXG_LOG_INFO,
                                        "serve: detector: %zu findings, %zu new alerts, %zu "
                                        "tasks in %.2f s",
                                        res.found, res.sum.created, res.sum.tasks, api_mono() - t0);
                        run_release(&res);
                        pthread_mutex_lock(&al.lock);
                        continue;
                }
                {
                        struct timespec until;
                        long wait = al.interval_s > 0 ? al.interval_s - (long)(now - last) : 3600;

                        if (al.poked && al.debounce_s - (long)(now - last) < wait)
                                wait = al.debounce_s - (long)(now - last);
                        if (wait < 1)
                                wait = 1;
                        clock_gettime(CLOCK_REALTIME, &until);
                        until.tv_sec += wait;
                        pthread_cond_timedwait(&al.cond, &al.lock, &until);
                }
        }
        pthread_mutex_unlock(&al.lock);
        store_close(st);
        return NULL;
}

enum cxg_err api_alerts_start(const struct api_config *cfg, struct cxg_error *err)
{
        long interval = 3600, debounce = 60;
        enum cxg_err rc;

        eng_detect_params_init(&al.params);
        eng_detect_save_opts_init(&al.save);
        if (cfg->ini) {
                const char *owner = cxg_config_get(cfg->ini, "alerts.default_owner");

                if ((rc = eng_detect_params_from_config(&al.params, cfg->ini, err)) ||
                    (rc = cxg_config_long(cfg->ini, "alerts.detect_interval", 3600, 0, 7 * 86400,
                                          &interval, err)) ||
                    (rc = cxg_config_long(cfg->ini, "alerts.detect_debounce", 60, 1, 86400,
                                          &debounce, err)))
                        return rc;
                if (owner && *owner) {
                        snprintf(al.default_owner, sizeof(al.default_owner), "%s", owner);
                        al.save.default_owner = al.default_owner;
                }
        }
        snprintf(al.db_path, sizeof(al.db_path), "%s", cfg->db_path);
        al.interval_s = interval;
        al.debounce_s = debounce;
        al.stop = 0;
        al.poked = 0;
        if ((rc = api_webhook_worker_start(cfg->db_path, NULL, 5.0, &worker, err)))
                return rc;
        pthread_cond_init(&al.cond, NULL);
        if (pthread_create(&al.thread, NULL, detector_main, NULL)) {
                api_webhook_worker_stop(worker);
                worker = NULL;
                pthread_cond_destroy(&al.cond);
                return cxg_error_set(err, CXG_ERR_INTERNAL, "serve: cannot start the detector");
        }
        al.started = 1;
        cxg_log(CXG_LOG_INFO, "serve: detector every %ld s (0: off), webhooks every 5 s",
                al.interval_s);
        return CXG_OK;
}

void api_alerts_stop(void)
{
        if (!al.started)
                return;
        pthread_mutex_lock(&al.lock);
        al.stop = 1;
        pthread_cond_signal(&al.cond);
        pthread_mutex_unlock(&al.lock);
        pthread_join(al.thread, NULL);
        pthread_cond_destroy(&al.cond);
        api_webhook_worker_stop(worker);
        worker = NULL;
        al.started = 0;
}

void api_alerts_poke(void)
{
        if (!al.started)
                return;
        pthread_mutex_lock(&al.lock);
        al.poked = 1;
        pthread_cond_signal(&al.cond);
        pthread_mutex_unlock(&al.lock);
}
