/*
 * routes_alerts.c: HTTP handlers for alerts, tasks, webhooks, the sweet spot and detection on
 * demand, and the server's background work for them (a scheduled detector thread and the
 * webhook delivery worker). Roles: staff read everything; admins and analysts change any
 * alert or task; account managers change alerts and tasks of the accounts they own (and
 * tasks they own); webhooks are for admins. Each handler parses, checks the role, calls one
 * app_* operation (which writes and audits) and renders with the views of app/view_alerts.h.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "api/routes_alerts.h"
#include "api/webhook.h"
#include "app/alerts.h"
#include "app/view_alerts.h"
#include "core/banned.h"
#include "core/log.h"
#include "core/timeconst.h"
#include "engine/engine.h"
#include "engine/sweetspot.h"
#include "store/store_nodes.h"
#include "store/store_query.h"

#define WEBHOOK_PERIOD_S 5.0 /* the delivery worker's pass interval */
/* The lease of the detector's schedule, shared by every server over the database, and how
 * long a run may hold it before another server may take the next slot (a crashed holder) */
#define DETECT_LEASE "detector"
#define DETECT_LEASE_TTL_S 600

/* The engine of the server (api_engine.c), NULL until it is loaded. */
struct eng_engine *api_engine_get(void);

/* ---- helpers ---- */

/* The operation context of a request: its store, the signed-in user, the token, now. */
static void req_ctx(struct api_req *r, struct app_ctx *c)
{
        c->st = r->st;
        c->actor = r->who.name;
        c->token_id = r->who.via_token ? r->who.token_id : 0;
        c->cfg = NULL;
        c->now = api_now();
}

/* Reply with the error of a read or a write (an unknown filter value is a bad request). */
static void reply_err(struct api_req *r, enum cxg_err rc, const struct cxg_error *e, int reading)
{
        if (reading && rc == CXG_ERR_INVALID)
                api_reply_error(r, 400, "bad_request", e->field[0] ? e->field : NULL, "%s", e->msg);
        else
                api_reply_cxg(r, rc ? rc : CXG_ERR_NOMEM, e);
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

void api_h_alerts_list(struct api_req *r)
{
        struct store_alert_filter f;
        struct cxg_error e = {0};
        long limit, before;
        int64_t last = 0;
        json_t *arr = NULL;
        enum cxg_err rc;

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
        if ((rc = app_alert_filter_check(&f, &e)) ||
            (rc = view_alerts_read(r->st, &f, &arr, &last, &e))) {
                reply_err(r, rc, &e, 1);
                return;
        }
        api_reply_json(r, 200,
                       json_pack("{s:o,s:o}", "alerts", arr, "next_before",
                                 json_array_size(arr) == (size_t)limit && last > 1
                                     ? json_integer(last)
                                     : json_null()));
}

/* The view of one alert, task or webhook (what); NULL with a reply when absent or on error. */
static json_t *one(struct api_req *r, const char *what, int64_t id)
{
        struct cxg_error e = {0};
        json_t *arr = NULL, *x;
        enum cxg_err rc;

        if (what[0] == 'a') {
                struct store_alert_filter f;

                memset(&f, 0, sizeof(f));
                f.id = id;
                rc = view_alerts_read(r->st, &f, &arr, NULL, &e);
        } else if (what[0] == 'w') {
                rc = view_webhooks_read(r->st, id, &arr, &e);
        } else {
                struct store_task_filter f;

                memset(&f, 0, sizeof(f));
                f.id = id;
                rc = view_tasks_read(r->st, &f, &arr, NULL, &e);
        }
        if (rc) {
                reply_err(r, rc, &e, 0);
                return NULL;
        }
        x = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        if (!x)
                api_reply_error(r, 404, "not_found", NULL, "no %s with id %lld", what,
                                (long long)id);
        return x;
}

/* A string member of a view, or NULL. */
static const char *member(json_t *v, const char *key)
{
        return json_string_value(json_object_get(v, key));
}

void api_h_alert_get(struct api_req *r)
{
        json_t *a;
        int64_t id;

        if (path_id(r, "alert", &id) && (a = one(r, "alert", id)))
                api_reply_json(r, 200, a);
}

void api_h_alert_patch(struct api_req *r)
{
        static const char *const keys[] = {"status", "reason", NULL};
        struct cxg_error e = {0};
        struct app_ctx c;
        json_t *b, *a = NULL;
        const char *status, *reason;
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
        if (!(a = one(r, "alert", id)) || !may_change(r, member(a, "account_id"), NULL))
                goto done;
        req_ctx(r, &c);
        if ((rc = app_alert_set_status(&c, id, status, reason, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        json_decref(a);
        if ((a = one(r, "alert", id)))
                api_reply_json(r, 200, json_incref(a));
done:
        json_decref(a);
        json_decref(b);
}

/* ---- tasks ---- */

void api_h_tasks_list(struct api_req *r)
{
        struct store_task_filter f;
        struct cxg_error e = {0};
        long limit, after;
        int64_t last = 0;
        json_t *arr = NULL;
        enum cxg_err rc;

        memset(&f, 0, sizeof(f));
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
        if ((rc = app_task_filter_check(&f, &e)) ||
            (rc = view_tasks_read(r->st, &f, &arr, &last, &e))) {
                reply_err(r, rc, &e, 1);
                return;
        }
        api_reply_json(
            r, 200,
            json_pack("{s:o,s:o}", "tasks", arr, "next_after",
                      json_array_size(arr) == (size_t)limit ? json_integer(last) : json_null()));
}

void api_h_task_get(struct api_req *r)
{
        json_t *t;
        int64_t id;

        if (path_id(r, "task", &id) && (t = one(r, "task", id)))
                api_reply_json(r, 200, t);
}

/* The change a PATCH body asks for; 0 with a reply when a member is not valid. */
static int task_change(struct api_req *r, json_t *b, struct store_task_change *c)
{
        json_t *v;
        int bad = 0;

        store_task_change_init(c);
        c->status = body_str(r, b, "status", &bad);
        c->notes = body_str(r, b, "notes", &bad);
        c->outcome = body_str(r, b, "outcome", &bad);
        c->action = body_str(r, b, "action", &bad);
        c->owner = body_str(r, b, "owner", &bad);
        if (bad)
                return 0;
        if ((v = json_object_get(b, "due_at")) && !json_is_null(v)) {
                struct cxg_error pe;

                if (!json_is_string(v) ||
                    cxg_parse_time(json_string_value(v), strlen(json_string_value(v)), &c->due_at,
                                   &pe)) {
                        api_reply_error(r, 422, "invalid", "due_at",
                                        "due_at must be a date or date-time (ISO 8601)");
                        return 0;
                }
        }
        if ((v = json_object_get(b, "health_before")) && !json_is_null(v)) {
                if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
                        api_reply_error(r, 422, "invalid", "health_before",
                                        "health_before must be a number from 0 to 100");
                        return 0;
                }
                c->health_before = json_number_value(v);
        }
        return 1;
}

void api_h_task_patch(struct api_req *r)
{
        static const char *const keys[] = {"status", "notes",  "outcome",       "action",
                                           "owner",  "due_at", "health_before", NULL};
        struct store_task_change c;
        struct cxg_error e = {0};
        struct app_ctx ctx;
        json_t *b, *t = NULL;
        int64_t id;
        enum cxg_err rc;

        if (!path_id(r, "task", &id) || !(b = api_body_json(r)))
                return;
        if (!json_is_object(b)) {
                api_reply_error(r, 400, "bad_request", NULL, "the body must be a JSON object");
                goto done;
        }
        if (!body_keys_ok(r, b, keys) || !task_change(r, b, &c))
                goto done;
        if (!(t = one(r, "task", id)) ||
            !may_change(r, member(t, "account_id"), member(t, "owner")))
                goto done;
        /* handing a task to someone else is a manager's call, not an account manager's */
        if (c.owner && r->who.role == API_ROLE_AM && strcmp(c.owner, r->who.name) != 0) {
                api_reply_error(r, 403, "forbidden", "owner",
                                "the account_manager role may not hand tasks to others");
                goto done;
        }
        req_ctx(r, &ctx);
        if ((rc = app_task_update(&ctx, id, &c, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        json_decref(t);
        if ((t = one(r, "task", id)))
                api_reply_json(r, 200, json_incref(t));
done:
        json_decref(t);
        json_decref(b);
}

void api_h_task_outcomes(struct api_req *r)
{
        struct cxg_error e = {0};
        json_t *arr = NULL;
        enum cxg_err rc;

        if ((rc = view_task_outcomes_read(r->st, &arr, &e))) {
                reply_err(r, rc, &e, 0);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "actions", arr));
}

/* ---- webhooks ---- */

void api_h_webhooks_list(struct api_req *r)
{
        struct cxg_error e = {0};
        json_t *arr = NULL;
        enum cxg_err rc;

        if ((rc = view_webhooks_read(r->st, 0, &arr, &e))) {
                reply_err(r, rc, &e, 0);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "webhooks", arr));
}

void api_h_webhook_create(struct api_req *r)
{
        static const char *const keys[] = {"url", "secret", "kinds", "min_severity", NULL};
        struct store_webhook w = {0};
        struct cxg_error e = {0};
        struct app_ctx c;
        json_t *b, *o;
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
        req_ctx(r, &c);
        if ((rc = app_webhook_add(&c, &w, secret, &id, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        if (!(o = one(r, "webhook", id)))
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

        if (path_id(r, "webhook", &id) && (o = one(r, "webhook", id)))
                api_reply_json(r, 200, o);
}

void api_h_webhook_patch(struct api_req *r)
{
        static const char *const keys[] = {"disabled", NULL};
        struct cxg_error e = {0};
        struct app_ctx c;
        json_t *b, *v, *o;
        int64_t id;
        enum cxg_err rc;

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
        req_ctx(r, &c);
        rc = app_webhook_set_disabled(&c, id, json_is_true(v), &e);
        json_decref(b);
        if (rc) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        if ((o = one(r, "webhook", id)))
                api_reply_json(r, 200, o);
}

void api_h_webhook_delete(struct api_req *r)
{
        struct cxg_error e = {0};
        struct app_ctx c;
        int64_t id;
        enum cxg_err rc;

        if (!path_id(r, "webhook", &id))
                return;
        req_ctx(r, &c);
        if ((rc = app_webhook_delete(&c, id, &e))) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        api_reply_empty(r, 204);
}

static struct api_webhook_worker *worker;

void api_h_webhook_test(struct api_req *r)
{
        struct cxg_error e = {0};
        struct app_ctx c;
        int64_t id, did;
        enum cxg_err rc;

        if (!path_id(r, "webhook", &id))
                return;
        req_ctx(r, &c);
        if ((rc = app_webhook_queue_test(&c, id, &did, &e))) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        api_webhook_worker_wake(worker); /* sent by the worker: the request does not wait */
        api_reply_json(r, 202,
                       json_pack("{s:I,s:s}", "delivery_id", (json_int_t)did, "status", "pending"));
}

void api_h_webhook_deliveries(struct api_req *r)
{
        struct cxg_error e = {0};
        json_t *arr = NULL, *o;
        int64_t id;
        long limit;
        enum cxg_err rc;

        if (!path_id(r, "webhook", &id) ||
            !arg_long(r, "limit", 100, 1, STORE_ALERTS_MAX_LIMIT, &limit) ||
            !(o = one(r, "webhook", id)))
                return;
        json_decref(o);
        if ((rc = view_deliveries_read(r->st, id, (int)limit, &arr, &e))) {
                reply_err(r, rc, &e, 0);
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
        long min_size, limit;
        json_t *o;
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
        o = view_sweetspot(&res, (size_t)limit);
        eng_sweet_result_release(&res);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}

/* ---- detection: on demand and on a schedule ---- */

static struct {
        pthread_t thread;
        pthread_mutex_t lock; /* the fields below, and one detection at a time (run_lock) */
        pthread_mutex_t run_lock;
        pthread_cond_t cond;
        int started, stop, poked;
        time_t poked_at; /* when the oldest unserved poke came */
        long interval_s, debounce_s;
        char db_path[1024];
        struct app_detect_opts opts;
        char default_owner[64];
        char holder[128]; /* this server in the schedule's lease: host:pid:random */
} al = {.lock = PTHREAD_MUTEX_INITIALIZER, .run_lock = PTHREAD_MUTEX_INITIALIZER};

/* One cycle on the server's engine as of at (CXG_TS_NONE: its latest), by c->actor. */
static enum cxg_err detect_once(const struct app_ctx *c, int64_t at, int dry_run,
                                struct app_detect_result *out, struct cxg_error *err)
{
        struct eng_engine *eng = api_engine_get();
        struct app_detect_opts o = al.opts;
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        if (!eng)
                return cxg_error_set(err, CXG_ERR_BUSY, "the analytics engine is not loaded");
        o.at = at;
        o.dry_run = dry_run;
        pthread_mutex_lock(&al.run_lock);
        eng_engine_read_lock(eng);
        rc = app_detect_cycle(c, eng, &o, out, err);
        eng_engine_unlock(eng);
        pthread_mutex_unlock(&al.run_lock);
        if (!rc && !dry_run && out->created + out->escalated)
                api_webhook_worker_wake(worker);
        return rc;
}

void api_h_detect(struct api_req *r)
{
        const char *at_s = api_arg(r, "at"), *dry = api_arg(r, "dry_run");
        struct app_detect_result res;
        struct cxg_error e = {0};
        struct app_ctx c;
        int64_t at = CXG_TS_NONE;
        enum cxg_err rc;
        json_t *o;

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
        req_ctx(r, &c);
        rc = detect_once(&c, at, dry && strcmp(dry, "true") == 0, &res, &e);
        o = rc ? NULL : view_detect_result(&res);
        app_detect_result_release(&res);
        if (rc)
                api_reply_cxg(r, rc, &e);
        else if (!o)
                api_reply_error(r, 500, "internal", NULL, "out of memory");
        else
                api_reply_json(r, 200, o);
}

/*
 * Several servers share one detector: a run takes the lease DETECT_LEASE when the last run by
 * any of them is at least gap_s old (the interval for a scheduled run, the debounce for one
 * after new data). 1 when this server runs now; 0 when another one ran within gap_s (*ran
 * then says when) or the database fails (logged; *ran stays 0).
 */
static int schedule_take(struct store *st, time_t now, long gap_s, time_t *ran)
{
        struct cxg_error e = {0};
        int64_t at = CXG_TS_NONE;
        int taken = 0;

        if (store_lease_take(st, DETECT_LEASE, al.holder, (int64_t)now, gap_s, DETECT_LEASE_TTL_S,
                             &taken, &at, &e)) {
                cxg_log(CXG_LOG_ERROR, "serve: detector: schedule: %s", e.msg);
                return 0;
        }
        if (!taken && at != CXG_TS_NONE && at <= (int64_t)now)
                *ran = (time_t)at;
        return taken;
}

/* One run, logged; then the lease goes back (the next run waits for its gap only). */
static void scheduled_run(struct store *st)
{
        struct app_detect_result res;
        struct cxg_error e = {0};
        struct app_ctx c = {st, "serve:detector", 0, NULL, (int64_t)time(NULL)};
        double t0 = api_mono();

        if (detect_once(&c, CXG_TS_NONE, 0, &res, &e))
                cxg_log(CXG_LOG_ERROR, "serve: detector: %s", e.msg);
        else
                cxg_log(CXG_LOG_INFO,
                        "serve: detector: %zu findings, %zu new alerts, %zu tasks in %.2f s",
                        res.alerts.n, res.created, res.tasks, api_mono() - t0);
        app_detect_result_release(&res);
        if (store_lease_release(st, DETECT_LEASE, al.holder, (int64_t)time(NULL), &e))
                cxg_log(CXG_LOG_WARN, "serve: detector: release the schedule: %s", e.msg);
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
                        time_t since = al.poked_at, ran = 0;
                        int run;

                        al.poked = 0;
                        last = now;
                        pthread_mutex_unlock(&al.lock);
                        run = schedule_take(st, now, due ? al.interval_s : al.debounce_s, &ran);
                        if (run)
                                scheduled_run(st);
                        pthread_mutex_lock(&al.lock);
                        if (!run && ran)
                                last = ran;
                        /* a poke is served by a run of any server that began after it */
                        if (!run && poked && ran < since && !al.poked) {
                                al.poked = 1;
                                al.poked_at = since;
                        }
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

        app_detect_opts_init(&al.opts);
        if (cfg->ini) {
                if ((rc = app_detect_opts_from_config(&al.opts, cfg->ini, err)) ||
                    (rc = cxg_config_long(cfg->ini, "alerts.detect_interval", 3600, 0, 7 * CXG_DAY,
                                          &interval, err)) ||
                    (rc = cxg_config_long(cfg->ini, "alerts.detect_debounce", 60, 1, CXG_DAY,
                                          &debounce, err)))
                        return rc;
                /* a copy: the configuration may not outlive the server's start */
                snprintf(al.default_owner, sizeof(al.default_owner), "%s", al.opts.default_owner);
                al.opts.default_owner = al.default_owner;
        }
        snprintf(al.db_path, sizeof(al.db_path), "%s", cfg->db_path);
        {
                char host[64] = "";

                gethostname(host, sizeof(host) - 1);
                snprintf(al.holder, sizeof(al.holder), "%s:%ld:%08x", host, (long)getpid(),
                         (unsigned)randombytes_random());
        }
        al.interval_s = interval;
        al.debounce_s = debounce;
        al.stop = 0;
        al.poked = 0;
        if ((rc = api_webhook_worker_start(cfg->db_path, NULL, WEBHOOK_PERIOD_S, &worker, err)))
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
        if (!al.poked)
                al.poked_at = time(NULL);
        al.poked = 1;
        pthread_cond_signal(&al.cond);
        pthread_mutex_unlock(&al.lock);
}
