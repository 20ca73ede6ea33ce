/*
 * view_alerts.c: the one JSON rendering of alerts, tasks, outcomes, webhooks, deliveries, a
 * detection cycle and the sweet spot (see view_alerts.h), and the reads that list them.
 */
#include <math.h>

#include "app/view.h"
#include "app/view_alerts.h"
#include "app/view_evidence.h"
#include "core/alloc.h"
#include "core/banned.h"

/* An id, or null for 0 (none). */
static json_t *view_id(int64_t id)
{
        return id ? json_integer(id) : json_null();
}

/* Stored evidence text as an object ({} when absent or unreadable). */
static json_t *evidence_of_text(const char *text)
{
        json_t *j = text ? json_loads(text, 0, NULL) : NULL;

        return j ? j : json_object();
}

json_t *view_alert(const struct store_alert *a)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "id", json_integer(a->id));
        bad |= view_put(x, "kind", view_str(a->kind));
        bad |= view_put(x, "severity", view_str(a->severity));
        bad |= view_put(x, "status", view_str(a->status));
        bad |= view_put(x, "subject_type", view_str(a->subject_type));
        bad |= view_put(x, "subject", view_str(a->subject));
        bad |= view_put(x, "summary", view_str(a->summary));
        bad |= view_put(x, "account_id", view_str(a->account_id));
        bad |= view_put(x, "person_id", view_str(a->person_id));
        bad |= view_put(x, "first_seen", view_time(a->first_seen));
        bad |= view_put(x, "last_seen", view_time(a->last_seen));
        bad |= view_put(x, "created_at", view_time(a->created_at));
        bad |= view_put(x, "occurrences", json_integer(a->occurrences));
        bad |= view_put(x, "status_reason", view_str(a->status_reason));
        bad |= view_put(x, "status_by", view_str(a->status_by));
        bad |= view_put(x, "status_at", view_time(a->status_at));
        bad |= view_put(x, "task_id", view_id(a->task_id));
        bad |= view_put(x, "dedup_key", view_str(a->dedup_key));
        bad |= view_put(x, "evidence", evidence_of_text(a->evidence));
        return view_done(x, bad);
}

json_t *view_task(const struct store_task *t)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "id", json_integer(t->id));
        bad |= view_put(x, "alert_id", view_id(t->alert_id));
        bad |= view_put(x, "alert_kind", view_str(t->alert_kind));
        bad |= view_put(x, "account_id", view_str(t->account_id));
        bad |= view_put(x, "account_name", view_str(t->account_name));
        bad |= view_put(x, "person_id", view_str(t->person_id));
        bad |= view_put(x, "owner", view_str(t->owner));
        bad |= view_put(x, "title", view_str(t->title));
        bad |= view_put(x, "status", view_str(t->status));
        bad |= view_put(x, "due_at", view_time(t->due_at));
        bad |= view_put(x, "notes", view_str(t->notes));
        bad |= view_put(x, "outcome", view_str(t->outcome));
        bad |= view_put(x, "action", view_str(t->action));
        bad |= view_put(x, "created_at", view_time(t->created_at));
        bad |= view_put(x, "updated_at", view_time(t->updated_at));
        bad |= view_put(x, "resolved_at", view_time(t->resolved_at));
        bad |= view_put(x, "health_before", view_num(t->health_before));
        bad |= view_put(x, "health_after", view_num(t->health_after));
        bad |= view_put(x, "health_after_at", view_time(t->health_after_at));
        bad |= view_put(x, "reconnected",
                        t->reconnected < 0 ? json_null() : json_boolean(t->reconnected));
        return view_done(x, bad);
}

json_t *view_task_outcome(const struct store_task_outcome *o)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "action", view_str(o->action));
        bad |= view_put(x, "done", json_integer(o->done));
        bad |= view_put(x, "followed_up", json_integer(o->followed));
        bad |= view_put(x, "mean_health_change", view_num(o->health_change));
        bad |= view_put(x, "reconnect_judged", json_integer(o->reconnect_n));
        bad |= view_put(x, "reconnected", json_integer(o->reconnected));
        bad |= view_put(x, "reconnect_rate",
                        o->reconnect_n ? json_real((double)o->reconnected / (double)o->reconnect_n)
                                       : json_null());
        return view_done(x, bad);
}

json_t *view_webhook(const struct store_webhook *w)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "id", json_integer(w->id));
        bad |= view_put(x, "url", view_str(w->url));
        bad |= view_put(x, "created_at", view_time(w->created_at));
        bad |= view_put(x, "disabled", json_boolean(w->disabled));
        bad |= view_put(x, "kinds", view_str(w->kinds));
        bad |= view_put(x, "min_severity", view_str(w->min_severity));
        bad |= view_put(x, "delivered", json_integer(w->delivered));
        bad |= view_put(x, "pending", json_integer(w->pending));
        bad |= view_put(x, "failed", json_integer(w->failed));
        return view_done(x, bad);
}

json_t *view_delivery(const struct store_delivery *d)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "id", json_integer(d->id));
        bad |= view_put(x, "webhook_id", json_integer(d->webhook_id));
        bad |= view_put(x, "alert_id", view_id(d->alert_id));
        bad |= view_put(x, "event", view_str(d->event));
        bad |= view_put(x, "status", view_str(d->status));
        bad |= view_put(x, "attempts", json_integer(d->attempt));
        bad |= view_put(x, "next_at", view_time(d->next_at));
        bad |= view_put(x, "created_at", view_time(d->created_at));
        bad |= view_put(x, "delivered_at", view_time(d->delivered_at));
        bad |= view_put(x, "last_status", view_id(d->last_status));
        bad |= view_put(x, "last_error", view_str(d->last_error));
        return view_done(x, bad);
}

/*
 * The evidence of a finding through its stored text, so that a finding (also of a dry run)
 * reads exactly as the alert it is stored as: same digits. NULL when out of memory.
 */
static json_t *finding_evidence(const struct eng_alert *a)
{
        char *text = view_evidence_text(a);
        json_t *j;

        if (!text)
                return NULL;
        j = evidence_of_text(text);
        cxg_free(text);
        return j;
}

/* One finding of a detection cycle, with the id it was stored under (null: not stored). */
static json_t *view_finding(const struct eng_alert *a, int64_t id)
{
        json_t *x = json_object();
        int bad = !x;

        if (bad)
                return NULL;
        bad |= view_put(x, "id", view_id(id));
        bad |= view_put(x, "kind", json_string(eng_alert_kind_name(a->kind)));
        bad |= view_put(x, "severity", json_string(eng_severity_name(a->severity)));
        bad |= view_put(x, "subject_type", json_string(a->subject_type));
        bad |= view_put(x, "subject", json_string(a->subject));
        bad |= view_put(x, "summary", json_string(a->summary));
        bad |= view_put(x, "first_seen", view_time(a->first_seen));
        bad |= view_put(x, "account_id", view_str(*a->account ? a->account : NULL));
        bad |= view_put(x, "evidence", finding_evidence(a));
        return view_done(x, bad);
}

static json_t *view_count(size_t n)
{
        return json_integer((json_int_t)n);
}

json_t *view_detect_result(const struct app_detect_result *r)
{
        json_t *x = json_object(), *arr = json_array(), *tm = json_object();
        int bad = !x || !arr || !tm;

        for (size_t i = 0; !bad && i < r->alerts.n; i++)
                bad |= !arr || json_array_append_new(
                                   arr, view_finding(&r->alerts.v[i], r->ids ? r->ids[i] : 0));
        for (int k = 0; !bad && k < ENG_ALERT__COUNT; k++)
                bad |= view_put(tm, eng_alert_kind_name(k), json_real(r->stats.seconds[k]));
        if (bad) {
                json_decref(x);
                json_decref(arr);
                json_decref(tm);
                return NULL;
        }
        bad |= view_put(x, "at", view_time(r->at));
        bad |= view_put(x, "found", view_count(r->alerts.n));
        bad |= view_put(x, "created", view_count(r->created));
        bad |= view_put(x, "seen", view_count(r->seen));
        bad |= view_put(x, "escalated", view_count(r->escalated));
        bad |= view_put(x, "suppressed", view_count(r->suppressed));
        bad |= view_put(x, "tasks_created", view_count(r->tasks));
        bad |= view_put(x, "tasks_followed_up", view_count(r->followed));
        bad |= view_put(x, "webhooks_sent", view_count(r->webhooks_sent));
        bad |= view_put(x, "webhooks_failed", view_count(r->webhooks_failed));
        bad |= view_put(x, "dry_run", json_boolean(r->dry_run));
        bad |= view_put(x, "alerts", arr);
        bad |= view_put(x, "seconds", tm);
        return view_done(x, bad);
}

static json_t *view_sweet_segment(const struct eng_sweet_segment *g)
{
        json_t *x = json_object(), *pc = json_object();
        int bad = !x || !pc;

        if (bad) {
                json_decref(x);
                json_decref(pc);
                return NULL;
        }
        bad |= view_put(x, "segment", json_string(g->key));
        bad |= view_put(x, "rank", view_id((int64_t)g->rank));
        bad |= view_put(x, "score", view_num(g->score));
        bad |= view_put(x, "verdict", json_string(g->verdict));
        bad |= view_put(x, "size", view_count(g->size));
        bad |= view_put(x, "retention", view_num(g->retention));
        bad |= view_put(x, "retention_base", view_count(g->base));
        bad |= view_put(x, "mrr_mean", view_num(g->mrr_mean));
        bad |= view_put(x, "mrr_total", view_num(g->mrr_total));
        bad |= view_put(x, "engagement", view_num(g->engagement));
        bad |= view_put(x, "fit", view_num(g->fit));
        bad |= view_put(pc, "retention", view_num(g->pct[ENG_SWEET_RETENTION]));
        bad |= view_put(pc, "mrr", view_num(g->pct[ENG_SWEET_MRR]));
        bad |= view_put(pc, "engagement", view_num(g->pct[ENG_SWEET_ENGAGEMENT]));
        bad |= view_put(pc, "fit", view_num(g->pct[ENG_SWEET_FIT]));
        bad |= view_put(x, "percentiles", pc);
        return view_done(x, bad);
}

json_t *view_sweetspot(const struct eng_sweet_result *r, size_t limit)
{
        json_t *x = json_object(), *arr = json_array();
        int bad = !x || !arr;

        for (size_t k = 0; !bad && k < r->n && (!limit || k < limit); k++)
                bad |= json_array_append_new(arr, view_sweet_segment(&r->seg[k])) != 0;
        if (bad) {
                json_decref(x);
                json_decref(arr);
                return NULL;
        }
        bad |= view_put(x, "by", json_string(r->by));
        bad |= view_put(x, "at", view_time(r->at));
        bad |= view_put(x, "accounts", view_count(r->n_accounts));
        bad |= view_put(x, "segments", arr);
        return view_done(x, bad);
}

/* ---- reads ---- */

struct reading {
        json_t *arr;
        int64_t last;
};

static enum cxg_err add(struct reading *rd, json_t *v, int64_t id)
{
        rd->last = id;
        return json_array_append_new(rd->arr, v) ? CXG_ERR_NOMEM : CXG_OK;
}

static enum cxg_err on_alert(void *ctx, const struct store_alert *a)
{
        return add(ctx, view_alert(a), a->id);
}

static enum cxg_err on_task(void *ctx, const struct store_task *t)
{
        return add(ctx, view_task(t), t->id);
}

static enum cxg_err on_outcome(void *ctx, const struct store_task_outcome *o)
{
        return add(ctx, view_task_outcome(o), 0);
}

static enum cxg_err on_webhook(void *ctx, const struct store_webhook *w)
{
        return add(ctx, view_webhook(w), w->id);
}

static enum cxg_err on_delivery(void *ctx, const struct store_delivery *d)
{
        return add(ctx, view_delivery(d), d->id);
}

/* Start a reading; CXG_ERR_NOMEM when the array cannot be made. */
static enum cxg_err begin(struct reading *rd, struct cxg_error *err)
{
        rd->last = 0;
        rd->arr = json_array();
        return rd->arr ? CXG_OK : cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
}

/* End a reading: hand the array over, or free it on failure. */
static enum cxg_err end(struct reading *rd, enum cxg_err rc, json_t **arr, int64_t *last,
                        struct cxg_error *err)
{
        if (rc) {
                json_decref(rd->arr);
                if (rc == CXG_ERR_NOMEM && !err->msg[0])
                        cxg_error_set(err, rc, "out of memory");
                return rc;
        }
        *arr = rd->arr;
        if (last)
                *last = rd->last;
        return CXG_OK;
}

enum cxg_err view_alerts_read(struct store *st, const struct store_alert_filter *f, json_t **arr,
                              int64_t *last, struct cxg_error *err)
{
        struct reading rd;
        enum cxg_err rc = begin(&rd, err);

        return rc ? rc : end(&rd, store_alerts_list(st, f, on_alert, &rd, err), arr, last, err);
}

enum cxg_err view_tasks_read(struct store *st, const struct store_task_filter *f, json_t **arr,
                             int64_t *last, struct cxg_error *err)
{
        struct reading rd;
        enum cxg_err rc = begin(&rd, err);

        return rc ? rc : end(&rd, store_tasks_list(st, f, on_task, &rd, err), arr, last, err);
}

enum cxg_err view_task_outcomes_read(struct store *st, json_t **arr, struct cxg_error *err)
{
        struct reading rd;
        enum cxg_err rc = begin(&rd, err);

        return rc ? rc : end(&rd, store_task_outcomes(st, on_outcome, &rd, err), arr, NULL, err);
}

enum cxg_err view_webhooks_read(struct store *st, int64_t id, json_t **arr, struct cxg_error *err)
{
        struct reading rd;
        enum cxg_err rc = begin(&rd, err);

        return rc ? rc
                  : end(&rd, store_webhooks_list(st, id, on_webhook, &rd, err), arr, NULL, err);
}

enum cxg_err view_deliveries_read(struct store *st, int64_t webhook_id, int limit, json_t **arr,
                                  struct cxg_error *err)
{
        struct reading rd;
        enum cxg_err rc = begin(&rd, err);

        return rc ? rc
                  : end(&rd, store_deliveries_list(st, webhook_id, limit, on_delivery, &rd, err),
                        arr, NULL, err);
}
