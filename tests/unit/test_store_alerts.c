/* test_store_alerts.c: alerts with deduplication, tasks and follow-up, webhooks and deliveries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_alerts.h"
#include "testdb.h"

/* cmocka's assert_float_equal compares floats; these checks need doubles */
#define assert_near(a, b, eps)                                                                     \
        do {                                                                                       \
                double a_ = (a), b_ = (b);                                                         \
                if (!(fabs(a_ - b_) <= (eps)))                                                     \
                        fail_msg("%.17g != %.17g (within %g)", a_, b_, (double)(eps));             \
        } while (0)

#define DAY INT64_C(86400)
#define T0 INT64_C(1790000000)

struct fx {
        char path[TESTDB_PATH_MAX];
        struct store *s;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        struct cxg_error e;
        struct account a;

        assert_int_equal(testdb_path(f->path, sizeof(f->path), "alerts"), 0);
        unlink(f->path);
        cxg_error_clear(&e);
        if (store_open(f->path, 0, &f->s, &e))
                fail_msg("open: %s", e.msg);
        model_account_init(&a);
        a.id = "A-1";
        a.name = "Acme";
        a.owner = "maria";
        if (store_put_account(f->s, &a, NULL, NULL, &e))
                fail_msg("account: %s", e.msg);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        char p[TESTDB_PATH_MAX + 16];

        store_close(f->s);
        unlink(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        free(f);
        return 0;
}

static struct store_alert alert(const char *key, const char *severity, const char *account)
{
        struct store_alert a;

        memset(&a, 0, sizeof(a));
        a.kind = account ? "account_at_risk" : "experience_degradation";
        a.severity = severity;
        a.subject_type = account ? "account" : "interaction_type";
        a.subject = account ? account : "like";
        a.dedup_key = key;
        a.summary = "something happened";
        a.evidence = "{\"p95_ms\":10000}";
        a.first_seen = T0 - 7 * DAY;
        a.last_seen = CXG_TS_NONE;
        a.account_id = account;
        a.person_id = account ? "P-1" : NULL;
        return a;
}

/* Collect alerts of a list. */
struct seen {
        int n;
        int64_t id[16], occ[16], first[16], last[16], task[16];
        char status[16][16], severity[16][16];
};

static enum cxg_err collect(void *ctx, const struct store_alert *a)
{
        struct seen *s = ctx;

        if (s->n < 16) {
                s->id[s->n] = a->id;
                s->occ[s->n] = a->occurrences;
                s->first[s->n] = a->first_seen;
                s->last[s->n] = a->last_seen;
                s->task[s->n] = a->task_id;
                snprintf(s->status[s->n], 16, "%s", a->status);
                snprintf(s->severity[s->n], 16, "%s", a->severity);
        }
        s->n++;
        return CXG_OK;
}

static struct seen list(struct store *st, const char *status, const char *kind, const char *acc,
                        const char *minsev, int64_t before, int limit)
{
        struct store_alert_filter f = {status, kind, acc, minsev, before, 0, limit};
        struct seen s;
        struct cxg_error e;

        memset(&s, 0, sizeof(s));
        if (store_alerts_list(st, &f, collect, &s, &e))
                fail_msg("list: %s", e.msg);
        return s;
}

struct dl {
        int n;
        int64_t id[16], alert[16];
        char event[16][32], status[16][16];
        char body[4096];
        int attempt[16];
};

static enum cxg_err collect_d(void *ctx, const struct store_delivery *d)
{
        struct dl *l = ctx;

        if (l->n < 16) {
                l->id[l->n] = d->id;
                l->alert[l->n] = d->alert_id;
                l->attempt[l->n] = d->attempt;
                snprintf(l->event[l->n], 32, "%s", d->event);
                snprintf(l->status[l->n], 16, "%s", d->status);
                if (l->n == 0)
                        snprintf(l->body, sizeof(l->body), "%s", d->body);
        }
        l->n++;
        return CXG_OK;
}

static void test_alert_dedup_escalation_and_queue(void **state)
{
        struct fx *f = *state;
        struct store_webhook all = {0}, risk_only = {0}, critical = {0};
        struct store_alert a = alert("experience_degradation:like", "high", NULL);
        struct cxg_error e;
        int64_t id, id2, wid;
        int how;
        struct seen s;
        struct dl d;
        json_t *body;
        json_error_t je;

        all.url = "http://127.0.0.1:9/hook";
        all.secret = "0123456789abcdef0123";
        assert_int_equal(store_webhook_add(f->s, &all, T0, &wid, &e), CXG_OK);
        risk_only = all;
        risk_only.kinds = "account_at_risk, downgrade_wave";
        assert_int_equal(store_webhook_add(f->s, &risk_only, T0, NULL, &e), CXG_OK);
        critical = all;
        critical.min_severity = "critical";
        assert_int_equal(store_webhook_add(f->s, &critical, T0, NULL, &e), CXG_OK);

        assert_int_equal(store_alert_record(f->s, &a, T0, 30 * DAY, &id, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_ALERT_NEW);
        /* the same finding the next day: the same alert, seen twice */
        a.first_seen = T0 - 9 * DAY;
        assert_int_equal(store_alert_record(f->s, &a, T0 + DAY, 30 * DAY, &id2, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_ALERT_SEEN);
        assert_int_equal(id2, id);
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.occ[0], 2);
        assert_int_equal(s.first[0], T0 - 9 * DAY);
        assert_int_equal(s.last[0], T0 + DAY);
        /* worse: escalated, still one alert */
        a.severity = "critical";
        assert_int_equal(store_alert_record(f->s, &a, T0 + 2 * DAY, 30 * DAY, &id2, &how, &e),
                         CXG_OK);
        assert_int_equal(how, STORE_ALERT_ESCALATED);
        assert_int_equal(id2, id);
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.severity[0], "critical");

        /* queue: created to "all" only (high is below critical, kind not in risk_only), then
         * escalated to "all" and "critical" */
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_due(f->s, T0 + 3 * DAY, 100, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 3);
        assert_string_equal(d.event[0], "alert.created");
        assert_string_equal(d.event[1], "alert.escalated");
        assert_string_equal(d.event[2], "alert.escalated");
        body = json_loads(d.body, 0, &je);
        assert_non_null(body);
        assert_string_equal(json_string_value(json_object_get(body, "event")), "alert.created");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "alert"), "id")),
                         id);
        /* evidence travels as an object, not as a string */
        assert_int_equal(
            json_integer_value(json_object_get(
                json_object_get(json_object_get(body, "alert"), "evidence"), "p95_ms")),
            10000);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(body, "alert"), "severity")), "high");
        json_decref(body);
        /* nothing is due before it was queued */
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_due(f->s, T0 - 1, 100, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 0);
}

static void test_alert_lifecycle_resolve_dismiss_suppress(void **state)
{
        struct fx *f = *state;
        struct store_alert a = alert("account_at_risk:A-1", "medium", "A-1");
        struct cxg_error e;
        int64_t id, id2, id3, id4;
        int how;
        struct seen s;

        assert_int_equal(store_alert_record(f->s, &a, T0, 30 * DAY, &id, &how, &e), CXG_OK);
        assert_int_equal(store_alert_set_status(f->s, id, "acknowledged", NULL, "maria", T0, &e),
                         CXG_OK);
        /* acknowledged is still live: no duplicate */
        assert_int_equal(store_alert_record(f->s, &a, T0 + DAY, 30 * DAY, &id2, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_ALERT_SEEN);
        assert_int_equal(id2, id);
        assert_int_equal(
            store_alert_set_status(f->s, id, "resolved", "called the CFO", "maria", T0 + DAY, &e),
            CXG_OK);
        /* it happens again after being resolved: a new alert */
        assert_int_equal(store_alert_record(f->s, &a, T0 + 2 * DAY, 30 * DAY, &id2, &how, &e),
                         CXG_OK);
        assert_int_equal(how, STORE_ALERT_NEW);
        assert_true(id2 > id);
        /* a dismissal needs a reason */
        assert_int_equal(store_alert_set_status(f->s, id2, "dismissed", "", "maria", T0, &e),
                         CXG_ERR_INVALID);
        assert_string_equal(e.field, "reason");
        assert_int_equal(store_alert_set_status(f->s, id2, "dismissed", "seasonal, known", "maria",
                                                T0 + 2 * DAY, &e),
                         CXG_OK);
        /* within 30 days of the dismissal the finding is not raised again */
        assert_int_equal(store_alert_record(f->s, &a, T0 + 10 * DAY, 30 * DAY, &id3, &how, &e),
                         CXG_OK);
        assert_int_equal(how, STORE_ALERT_SUPPRESSED);
        assert_int_equal(id3, id2);
        assert_int_equal(store_alert_record(f->s, &a, T0 + 33 * DAY, 30 * DAY, &id3, &how, &e),
                         CXG_OK);
        assert_int_equal(how, STORE_ALERT_NEW);
        /* reopening the dismissed one would make two live alerts for one subject */
        assert_int_equal(store_alert_set_status(f->s, id2, "open", NULL, "maria", T0, &e),
                         CXG_ERR_CONFLICT);
        assert_int_equal(store_alert_set_status(f->s, 999, "open", NULL, "maria", T0, &e),
                         CXG_ERR_NOTFOUND);
        assert_int_equal(store_alert_set_status(f->s, id, "closed", NULL, "maria", T0, &e),
                         CXG_ERR_INVALID);
        /* lists: newest first, filters, cursor */
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.id[0], id3);
        assert_int_equal(s.id[2], id);
        s = list(f->s, "live", NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.id[0], id3);
        s = list(f->s, "dismissed", "account_at_risk", "A-1", NULL, 0, 0);
        assert_int_equal(s.n, 1);
        s = list(f->s, NULL, NULL, "A-2", NULL, 0, 0);
        assert_int_equal(s.n, 0);
        s = list(f->s, NULL, NULL, NULL, "high", 0, 0);
        assert_int_equal(s.n, 0);
        s = list(f->s, NULL, NULL, NULL, NULL, id3, 1);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.id[0], id2);
        /* unknown account: refused, nothing written */
        a.account_id = "A-404";
        a.dedup_key = "account_at_risk:A-404";
        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &id4, &how, &e), CXG_ERR_NOTFOUND);
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 3);
        a.evidence = "not json";
        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &id4, &how, &e), CXG_ERR_INVALID);
}

struct tl {
        int n;
        int64_t id[8], resolved[8], alert[8];
        char status[8][16], action[8][16], kind[8][32];
        double hb[8], ha[8];
        int rec[8];
};

static enum cxg_err collect_t(void *ctx, const struct store_task *t)
{
        struct tl *l = ctx;

        if (l->n < 8) {
                l->id[l->n] = t->id;
                l->alert[l->n] = t->alert_id;
                l->resolved[l->n] = t->resolved_at;
                l->hb[l->n] = t->health_before;
                l->ha[l->n] = t->health_after;
                l->rec[l->n] = t->reconnected;
                snprintf(l->status[l->n], 16, "%s", t->status);
                snprintf(l->action[l->n], 16, "%s", t->action ? t->action : "");
                snprintf(l->kind[l->n], 32, "%s", t->alert_kind ? t->alert_kind : "");
        }
        l->n++;
        return CXG_OK;
}

struct ol {
        int n;
        char action[4][16];
        int64_t done[4], followed[4], rn[4], rc[4];
        double change[4];
};

static enum cxg_err collect_o(void *ctx, const struct store_task_outcome *o)
{
        struct ol *l = ctx;

        if (l->n < 4) {
                snprintf(l->action[l->n], 16, "%s", o->action);
                l->done[l->n] = o->done;
                l->followed[l->n] = o->followed;
                l->change[l->n] = o->health_change;
                l->rn[l->n] = o->reconnect_n;
                l->rc[l->n] = o->reconnected;
        }
        l->n++;
        return CXG_OK;
}

static void test_tasks_close_the_loop(void **state)
{
        struct fx *f = *state;
        struct store_alert a = alert("account_at_risk:A-1", "high", "A-1");
        struct store_task t;
        struct store_task_change c;
        struct store_task_filter flt;
        struct cxg_error e;
        int64_t aid, tid, tid2;
        int how;
        struct tl l;
        struct ol o;
        struct seen s;

        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &aid, &how, &e), CXG_OK);
        memset(&t, 0, sizeof(t));
        t.alert_id = aid;
        t.account_id = "A-1";
        t.person_id = "P-1";
        t.owner = "maria";
        t.title = "Reconnect with the CFO of Acme";
        t.due_at = T0 + 3 * DAY;
        t.health_before = 48;
        assert_int_equal(store_task_create(f->s, &t, T0, &tid, &e), CXG_OK);
        assert_int_equal(store_task_create(f->s, &t, T0, &tid2, &e), CXG_ERR_CONFLICT);
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.task[0], tid);
        /* a task without an alert, for another owner */
        t.alert_id = 0;
        t.owner = "queue";
        t.title = "Review Acme's plan";
        assert_int_equal(store_task_create(f->s, &t, T0, &tid2, &e), CXG_OK);
        t.owner = "";
        assert_int_equal(store_task_create(f->s, &t, T0, NULL, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "owner");

        memset(&flt, 0, sizeof(flt));
        flt.owner = "maria";
        memset(&l, 0, sizeof(l));
        assert_int_equal(store_tasks_list(f->s, &flt, collect_t, &l, &e), CXG_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.id[0], tid);
        assert_string_equal(l.kind[0], "account_at_risk");
        assert_near(l.hb[0], 48, 1e-9);

        /* closing needs to say what was done */
        store_task_change_init(&c);
        c.status = "done";
        assert_int_equal(store_task_update(f->s, tid, &c, T0 + DAY, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "action");
        c.action = "lunch";
        assert_int_equal(store_task_update(f->s, tid, &c, T0 + DAY, &e), CXG_ERR_INVALID);
        c.action = "meeting";
        c.notes = "met the CFO, renewed the sponsorship";
        c.outcome = "CFO back on the weekly review";
        assert_int_equal(store_task_update(f->s, tid, &c, T0 + DAY, &e), CXG_OK);
        assert_int_equal(store_task_update(f->s, 777, &c, T0 + DAY, &e), CXG_ERR_NOTFOUND);
        memset(&l, 0, sizeof(l));
        flt.owner = NULL;
        flt.status = "done";
        assert_int_equal(store_tasks_list(f->s, &flt, collect_t, &l, &e), CXG_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.resolved[0], T0 + DAY);
        assert_string_equal(l.action[0], "meeting");

        /* follow-up is due 30 days after, not before */
        memset(&l, 0, sizeof(l));
        assert_int_equal(store_tasks_due_followup(f->s, T0 + 30 * DAY, 30 * DAY, collect_t, &l, &e),
                         CXG_OK);
        assert_int_equal(l.n, 0);
        assert_int_equal(store_tasks_due_followup(f->s, T0 + 31 * DAY, 30 * DAY, collect_t, &l, &e),
                         CXG_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(store_task_set_followup(f->s, tid, 63, T0 + 31 * DAY, 1, &e), CXG_OK);
        memset(&l, 0, sizeof(l));
        assert_int_equal(store_tasks_due_followup(f->s, T0 + 60 * DAY, 30 * DAY, collect_t, &l, &e),
                         CXG_OK);
        assert_int_equal(l.n, 0);

        /* the other task: an offer with no health known */
        store_task_change_init(&c);
        c.status = "done";
        c.action = "offer";
        assert_int_equal(store_task_update(f->s, tid2, &c, T0 + 2 * DAY, &e), CXG_OK);
        memset(&o, 0, sizeof(o));
        assert_int_equal(store_task_outcomes(f->s, collect_o, &o, &e), CXG_OK);
        assert_int_equal(o.n, 2);
        assert_string_equal(o.action[0], "meeting");
        assert_int_equal(o.done[0], 1);
        assert_int_equal(o.followed[0], 1);
        assert_near(o.change[0], 15, 1e-9); /* 48 -> 63 */
        assert_int_equal(o.rn[0], 1);
        assert_int_equal(o.rc[0], 1);
        assert_string_equal(o.action[1], "offer");
        assert_int_equal(o.followed[1], 0); /* no health after yet: not counted */
        o.n = 0;

        /* reopening clears resolution and follow-up */
        store_task_change_init(&c);
        c.status = "in_progress";
        assert_int_equal(store_task_update(f->s, tid, &c, T0 + 40 * DAY, &e), CXG_OK);
        memset(&l, 0, sizeof(l));
        flt.status = NULL;
        flt.id = tid;
        assert_int_equal(store_tasks_list(f->s, &flt, collect_t, &l, &e), CXG_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.resolved[0], CXG_TS_NONE);
        assert_true(isnan(l.ha[0]));
        assert_int_equal(l.rec[0], -1);
        assert_string_equal(l.action[0], "meeting"); /* what was done stays on record */
}

static void test_webhooks_and_delivery_results(void **state)
{
        struct fx *f = *state;
        struct store_webhook w = {0};
        struct store_alert a = alert("experience_degradation:search", "low", NULL);
        struct cxg_error e;
        int64_t wid, tid, aid;
        int how;
        struct dl d;

        w.url = "ftp://example.com";
        w.secret = "0123456789abcdef";
        assert_int_equal(store_webhook_add(f->s, &w, T0, &wid, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "url");
        w.url = "https://hooks.example.com/cx";
        w.secret = "short";
        assert_int_equal(store_webhook_add(f->s, &w, T0, &wid, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "secret");
        w.secret = "0123456789abcdef";
        w.min_severity = "urgent";
        assert_int_equal(store_webhook_add(f->s, &w, T0, &wid, &e), CXG_ERR_INVALID);
        w.min_severity = NULL;
        assert_int_equal(store_webhook_add(f->s, &w, T0, &wid, &e), CXG_OK);
        assert_int_equal(
            store_delivery_queue_test(f->s, wid, "{\"event\":\"alert.test\"}", T0, &tid, &e),
            CXG_OK);
        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &aid, &how, &e), CXG_OK);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_due(f->s, T0, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 2);
        assert_string_equal(d.event[0], "alert.test");
        assert_string_equal(d.body, "{\"event\":\"alert.test\"}");
        /* a failure retried later, then given up; the other delivered */
        assert_int_equal(store_delivery_result(f->s, d.id[0], 0, 500, "HTTP 500", T0, T0 + 60, &e),
                         CXG_OK);
        assert_int_equal(store_delivery_result(f->s, d.id[1], 1, 204, NULL, T0, 0, &e), CXG_OK);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_due(f->s, T0 + 59, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 0);
        assert_int_equal(store_deliveries_due(f->s, T0 + 60, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.attempt[0], 1);
        assert_int_equal(store_delivery_result(f->s, d.id[0], 0, 0, "connection refused", T0 + 60,
                                               CXG_TS_NONE, &e),
                         CXG_OK);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_list(f->s, wid, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 2);
        assert_string_equal(d.status[0], "delivered"); /* newest first: the alert */
        assert_string_equal(d.status[1], "failed");
        assert_int_equal(d.attempt[1], 2);
        /* disabled webhooks get nothing queued or sent */
        assert_int_equal(store_webhook_set_disabled(f->s, wid, 1, &e), CXG_OK);
        a.dedup_key = "experience_degradation:login";
        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &aid, &how, &e), CXG_OK);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_due(f->s, T0 + 999, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 0);
        assert_int_equal(store_webhook_delete(f->s, wid, &e), CXG_OK);
        assert_int_equal(store_webhook_delete(f->s, wid, &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_webhook_set_disabled(f->s, wid, 0, &e), CXG_ERR_NOTFOUND);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_list(f->s, 0, 10, collect_d, &d, &e), CXG_OK);
        assert_int_equal(d.n, 0);
}

static void test_record_inside_a_caller_transaction_rolls_back(void **state)
{
        struct fx *f = *state;
        struct store_alert a = alert("downgrade_wave:plan=Pro", "medium", NULL);
        struct cxg_error e;
        int64_t id;
        int how;
        struct seen s;

        assert_int_equal(store_begin(f->s, &e), CXG_OK);
        assert_int_equal(store_alert_record(f->s, &a, T0, 0, &id, &how, &e), CXG_OK);
        store_rollback(f->s);
        s = list(f->s, NULL, NULL, NULL, NULL, 0, 0);
        assert_int_equal(s.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_alert_dedup_escalation_and_queue, setup, teardown),
            cmocka_unit_test_setup_teardown(test_alert_lifecycle_resolve_dismiss_suppress, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_tasks_close_the_loop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_webhooks_and_delivery_results, setup, teardown),
            cmocka_unit_test_setup_teardown(test_record_inside_a_caller_transaction_rolls_back,
                                            setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
