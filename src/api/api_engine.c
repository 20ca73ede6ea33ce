/*
 * api_engine.c: the bridge between the API and the analytics engine: the engine object the
 * server loads at start, its refresh after accepted writes, the read endpoints (account
 * scores with components and reasons, a person's engagement, segments, cohorts) and the
 * snapshot gauges of /metrics. Formulas: docs/scoring.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/routes_alerts.h"
#include "app/view_account.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/cohorts.h"
#include "engine/engine.h"
#include "engine/segments.h"

static struct eng_engine eng;
static int eng_ok;
static atomic_long refreshes, refresh_failures;

enum cxg_err api_engine_metrics(struct cxg_buf *b);

enum cxg_err api_engine_start(const struct api_config *cfg, struct cxg_error *err)
{
        struct store *st = NULL;
        enum cxg_err rc;
        double t0 = api_mono();

        if ((rc = store_open(cfg->db_path, 0, &st, err)))
                return rc;
        rc = eng_engine_open(&eng, st, cfg->ini, CXG_TS_NONE, cfg->threads, err);
        store_close(st);
        if (rc)
                return rc;
        eng_ok = 1;
        if ((rc = api_alerts_start(cfg, err))) {
                eng_engine_release(&eng);
                eng_ok = 0;
                return rc;
        }
        cxg_log(CXG_LOG_INFO,
                "serve: engine snapshot loaded: %zu accounts, %zu people, %zu interactions in "
                "%.2f s",
                eng.snap.n_accounts, eng.snap.n_people, eng.snap.main.n + eng.snap.delta.n,
                api_mono() - t0);
        return CXG_OK;
}

struct eng_engine *api_engine_get(void)
{
        return eng_ok ? &eng : NULL;
}

void api_engine_stop(void)
{
        api_alerts_stop(); /* its threads read the engine */
        if (eng_ok)
                eng_engine_release(&eng);
        eng_ok = 0;
}

/*
 * Refreshes are coalesced: a writer whose commit happened while another refresh was running
 * waits for the next one, which covers every commit made before it started; so N concurrent
 * writes cost about two recomputes instead of N, and each reply still comes after a refresh
 * that saw its rows.
 */
static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t refresh_cv = PTHREAD_COND_INITIALIZER;
static uint64_t refresh_wanted, refresh_done;
static int refresh_running;

void api_engine_refresh(struct api_req *r)
{
        struct cxg_error err = {0};
        uint64_t mine, target;
        enum cxg_err rc;

        if (!eng_ok || !r->st)
                return;
        pthread_mutex_lock(&refresh_mu);
        mine = ++refresh_wanted;
        while (refresh_done < mine && refresh_running)
                pthread_cond_wait(&refresh_cv, &refresh_mu);
        if (refresh_done >= mine) {
                pthread_mutex_unlock(&refresh_mu);
                return;
        }
        refresh_running = 1;
        target = refresh_wanted; /* every commit counted so far is visible to this refresh */
        pthread_mutex_unlock(&refresh_mu);

        atomic_fetch_add(&refreshes, 1);
        rc = eng_engine_refresh(&eng, r->st, &err);
        if (rc) {
                atomic_fetch_add(&refresh_failures, 1);
                cxg_log(CXG_LOG_ERROR, "serve: engine refresh after %s %s: %s", r->method, r->path,
                        err.msg);
        }
        pthread_mutex_lock(&refresh_mu);
        refresh_running = 0;
        if (target > refresh_done)
                refresh_done = target;
        pthread_cond_broadcast(&refresh_cv);
        pthread_mutex_unlock(&refresh_mu);
        if (!rc)
                api_alerts_poke(); /* early warning on the new data, off the request's path */
}

/*
 * A full reload (after an erasure, which a refresh does not see) takes the refresh slot, so a
 * refresh never runs on the snapshot being replaced; it covers every commit made before it.
 */
void api_engine_reload(struct api_req *r)
{
        struct cxg_error err = {0};
        uint64_t target;

        if (!eng_ok || !r->st)
                return;
        pthread_mutex_lock(&refresh_mu);
        while (refresh_running)
                pthread_cond_wait(&refresh_cv, &refresh_mu);
        refresh_running = 1;
        target = refresh_wanted;
        pthread_mutex_unlock(&refresh_mu);
        atomic_fetch_add(&refreshes, 1);
        if (eng_engine_reload(&eng, r->st, &err)) {
                atomic_fetch_add(&refresh_failures, 1);
                cxg_log(CXG_LOG_ERROR, "serve: engine reload after %s %s: %s", r->method, r->path,
                        err.msg);
        }
        pthread_mutex_lock(&refresh_mu);
        refresh_running = 0;
        if (target > refresh_done)
                refresh_done = target;
        pthread_cond_broadcast(&refresh_cv);
        pthread_mutex_unlock(&refresh_mu);
}

enum cxg_err api_engine_metrics(struct cxg_buf *b)
{
        size_t acc = 0, ppl = 0, inter = 0, fb = 0;
        double load = 0, compute = 0;

        if (eng_ok) {
                eng_engine_read_lock(&eng);
                acc = eng.snap.n_accounts;
                ppl = eng.snap.n_people;
                inter = eng.snap.main.n + eng.snap.delta.n;
                fb = eng.snap.n_fb;
                load = eng.load_s;
                compute = eng.compute_s;
                eng_engine_unlock(&eng);
        }
        return cxg_buf_printf(
            b,
            "# HELP cxgarden_snapshot_rows Rows in the engine's in-memory snapshot.\n"
            "# TYPE cxgarden_snapshot_rows gauge\n"
            "cxgarden_snapshot_rows{entity=\"accounts\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"people\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"interactions\"} %zu\n"
            "cxgarden_snapshot_rows{entity=\"feedback\"} %zu\n"
            "# HELP cxgarden_snapshot_load_seconds Duration of the last snapshot load or refresh.\n"
            "# TYPE cxgarden_snapshot_load_seconds gauge\n"
            "cxgarden_snapshot_load_seconds %.6f\n"
            "# HELP cxgarden_scores_compute_seconds Duration of the last score computation.\n"
            "# TYPE cxgarden_scores_compute_seconds gauge\n"
            "cxgarden_scores_compute_seconds %.6f\n"
            "# HELP cxgarden_snapshot_refreshes_total Refreshes after API writes, and failures.\n"
            "# TYPE cxgarden_snapshot_refreshes_total counter\n"
            "cxgarden_snapshot_refreshes_total %ld\n"
            "cxgarden_snapshot_refresh_failures_total %ld\n",
            acc, ppl, inter, fb, load, compute, atomic_load(&refreshes),
            atomic_load(&refresh_failures));
}

void api_reply_buf(struct api_req *r, struct cxg_buf *b)
{
        cxg_free(r->reply);
        r->status = 200;
        r->reply = b->data;
        r->reply_len = b->len;
        r->reply_type = NULL;
        b->data = NULL;
        b->len = b->cap = 0;
}

static int engine_ready(struct api_req *r)
{
        if (!eng_ok) {
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
                return 0;
        }
        return 1;
}

void api_h_account_scores(struct api_req *r)
{
        struct cxg_buf b;
        enum cxg_err rc;
        uint32_t a;

        if (!engine_ready(r))
                return;
        cxg_buf_init(&b, 16u << 20);
        eng_engine_read_lock(&eng);
        a = eng_account_find(&eng.snap, r->params[0]);
        if (a == ENG_NONE) {
                eng_engine_unlock(&eng);
                api_reply_error(r, 404, "not_found", NULL, "no account with id \"%s\"",
                                r->params[0]);
                return;
        }
        rc = view_account_json(&eng.scores, a, 1, &b);
        eng_engine_unlock(&eng);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}

static json_t *num_or_null(double v)
{
        return isnan(v) ? json_null() : json_real(v);
}

void api_h_person_engagement(struct api_req *r)
{
        json_t *o = NULL, *ch;
        uint32_t p;
        char t[24];

        if (!engine_ready(r))
                return;
        eng_engine_read_lock(&eng);
        p = eng_person_find(&eng.snap, r->params[0]);
        if (p == ENG_NONE || p >= eng.scores.n_people) {
                eng_engine_unlock(&eng);
                api_reply_error(r, 404, "not_found", NULL, "no person with id \"%s\"",
                                r->params[0]);
                return;
        }
        ch = json_array();
        for (int c = 0; ch && c < CXG_CH__COUNT; c++)
                if (eng.scores.p_channels[p] & (1u << c))
                        json_array_append_new(ch, json_string(model_channel_name(c)));
        o = json_pack(
            "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:i,s:i}", "id", eng.snap.p_ext[p], "account_id",
            eng.snap.p_account[p] < eng.snap.n_accounts ? eng.snap.a_ext[eng.snap.p_account[p]]
                                                        : "",
            "at", cxg_time_format(eng.scores.at, t), "engagement",
            num_or_null(eng.scores.p_engagement[p]), "activity",
            num_or_null(eng.scores.p_activity[p]), "activity_before",
            num_or_null(eng.scores.p_prior[p]), "last_interaction",
            eng.scores.p_last[p] == INT32_MIN
                ? json_null()
                : json_string(cxg_time_format(ENG_EPOCH + eng.scores.p_last[p], t)),
            "channels", ch ? ch : json_array(), "capabilities_used", (int)eng.scores.p_caps[p],
            "feedback_answers", (int)eng.scores.p_feedback[p]);
        if (o)
                json_object_set_new(o, "seniority",
                                    json_string(model_seniority_name(eng.snap.p_seniority[p])));
        eng_engine_unlock(&eng);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}

static json_t *segment_json(const struct eng_segment *g)
{
        return json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:I}", "name", g->name, "count",
                         (json_int_t)g->count, "churned", (json_int_t)g->churned, "churn_rate",
                         num_or_null(eng_segment_churn(g)), "mrr", num_or_null(g->mrr), "health",
                         num_or_null(g->health_n ? g->health_sum / (double)g->health_n : NAN),
                         "engagement", num_or_null(g->eng_n ? g->eng_sum / (double)g->eng_n : NAN),
                         "nps", num_or_null(eng_segment_nps(g)), "nps_answers",
                         (json_int_t)g->nps_n);
}

void api_h_segments(struct api_req *r)
{
        const char *by = api_arg(r, "by"), *ent = api_arg(r, "entity");
        struct eng_segments g;
        struct cxg_error err = {0};
        json_t *arr, *o;
        int people = 0;
        char t[24];

        if (!by || !*by) {
                api_reply_error(r, 400, "bad_request", "by",
                                "which field? give by=FIELD (plan, owner, an attribute, ...)");
                return;
        }
        if (ent && strcmp(ent, "people") == 0)
                people = 1;
        else if (ent && strcmp(ent, "accounts") != 0) {
                api_reply_error(r, 400, "bad_request", "entity",
                                "entity must be accounts or people");
                return;
        }
        if (!engine_ready(r))
                return;
        memset(&g, 0, sizeof(g));
        eng_engine_read_lock(&eng);
        if (eng_segments_compute(&eng.snap, &eng.scores, by, people, eng.scores.at, &g, &err)) {
                eng_engine_unlock(&eng);
                api_reply_error(r, err.code == CXG_ERR_NOMEM ? 500 : 400,
                                err.code == CXG_ERR_NOMEM ? "internal" : "bad_request", "by", "%s",
                                err.msg);
                return;
        }
        arr = json_array();
        for (size_t k = 0; arr && k < g.n; k++)
                json_array_append_new(arr, segment_json(&g.groups[k]));
        o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "by", by, "entity", people ? "people" : "accounts",
                      "at", cxg_time_format(eng.scores.at, t), "segments", arr ? arr : json_null(),
                      "total", segment_json(&g.total));
        eng_engine_unlock(&eng);
        eng_segments_release(&g);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}

void api_h_cohorts(struct api_req *r)
{
        const char *by = api_arg(r, "by"), *cum = api_arg(r, "cumulative"),
                   *seg = api_arg(r, "segment");
        struct eng_cohort_opts opt;
        struct eng_cohorts co;
        struct cxg_error err = {0};
        char field[128] = "", m[16];
        json_t *arr, *o;

        memset(&opt, 0, sizeof(opt));
        opt.by = ENG_COHORT_ACCOUNTS;
        if (by && strcmp(by, "people") == 0)
                opt.by = ENG_COHORT_PEOPLE;
        else if (by && strcmp(by, "revenue") == 0)
                opt.by = ENG_COHORT_REVENUE;
        else if (by && strcmp(by, "accounts") != 0) {
                api_reply_error(r, 400, "bad_request", "by",
                                "by must be accounts, people or revenue");
                return;
        }
        if (cum && strcmp(cum, "true") && strcmp(cum, "false") && strcmp(cum, "1") &&
            strcmp(cum, "0")) {
                api_reply_error(r, 400, "bad_request", "cumulative",
                                "cumulative must be true or false");
                return;
        }
        opt.cumulative = cum && (strcmp(cum, "true") == 0 || strcmp(cum, "1") == 0);
        if (seg) {
                const char *eq = strchr(seg, '=');

                if (!eq || eq == seg || (size_t)(eq - seg) >= sizeof(field)) {
                        api_reply_error(r, 400, "bad_request", "segment",
                                        "segment must be FIELD=VALUE");
                        return;
                }
                memcpy(field, seg, (size_t)(eq - seg));
                field[eq - seg] = '\0';
                opt.segment_field = field;
                opt.segment_value = eq + 1;
        }
        if (!engine_ready(r))
                return;
        memset(&co, 0, sizeof(co));
        eng_engine_read_lock(&eng);
        opt.at = eng.scores.at;
        opt.scores = &eng.scores;
        if (eng_cohorts_compute(&eng.snap, &opt, &co, &err)) {
                eng_engine_unlock(&eng);
                api_reply_error(r, err.code == CXG_ERR_NOMEM ? 500 : 400,
                                err.code == CXG_ERR_NOMEM ? "internal" : "bad_request", NULL, "%s",
                                err.msg);
                return;
        }
        eng_engine_unlock(&eng);
        arr = json_array();
        for (size_t c = 0; arr && c < co.n; c++) {
                json_t *act = json_array(), *ret = json_array();
                int64_t y;
                unsigned mo, d;

                cxg_civil_from_days(cxg_month_start(co.first_month + (int64_t)c) / 86400, &y, &mo,
                                    &d);
                snprintf(m, sizeof(m), "%04lld-%02u", (long long)y, mo);
                for (size_t k = 0; act && ret && c + k < co.n; k++) {
                        double v = co.value[c * co.n + k];

                        json_array_append_new(act, num_or_null(v));
                        json_array_append_new(ret, co.size[c] > 0 && !isnan(v)
                                                       ? json_real(v / co.size[c])
                                                       : json_null());
                }
                json_array_append_new(arr, json_pack("{s:s,s:f,s:o,s:o}", "month", m, "size",
                                                     co.size[c], "active", act ? act : json_null(),
                                                     "retention", ret ? ret : json_null()));
        }
        o = json_pack("{s:s,s:b,s:o}", "by",
                      opt.by == ENG_COHORT_PEOPLE    ? "people"
                      : opt.by == ENG_COHORT_REVENUE ? "revenue"
                                                     : "accounts",
                      "cumulative", opt.cumulative, "cohorts", arr ? arr : json_null());
        eng_cohorts_release(&co);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}
