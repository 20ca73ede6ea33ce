/*
 * routes_voc.c: voice of the customer and fit reads over the engine snapshot:
 * GET /api/v1/voc/{nps,csat,ces} (overall, per group and month, with intervals),
 * GET /api/v1/voc/themes (weighted log-odds themes with example comments),
 * GET /api/v1/accounts/{id}/fit and GET /api/v1/fit/summary. The engine computes (voc.c,
 * themes_snapshot.c, fit_snapshot.c) under its read lock; this file parses and encodes.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "app/view_fit.h"
#include "app/view_voc.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "engine/engine.h"
#include "engine/fit.h"
#include "engine/themes.h"
#include "engine/voc.h"

static struct eng_engine *engine(struct api_req *r)
{
        struct eng_engine *e = api_engine_get();

        if (!e)
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
        return e;
}

/* Optional time argument: CXG_TS_NONE when absent; 0 with a 400 reply when malformed. */
static int time_arg(struct api_req *r, const char *name, int64_t *out)
{
        const char *v = api_arg(r, name);
        struct cxg_error err = {0};

        *out = CXG_TS_NONE;
        if (!v)
                return 1;
        if (cxg_parse_time(v, strlen(v), out, &err)) {
                api_reply_error(r, 400, "bad_request", name, "%s: not a date or time: \"%s\"", name,
                                v);
                return 0;
        }
        return 1;
}

/* weight=none|mrr|seniority; 0 with a 400 reply when wrong. */
static int weight_arg(struct api_req *r, int *w)
{
        const char *v = api_arg(r, "weight");

        *w = ENG_VOC_W_NONE;
        if (!v)
                return 1;
        *w = eng_voc_weight_parse(v);
        if (*w < 0) {
                api_reply_error(r, 400, "bad_request", "weight",
                                "weight must be none, mrr or seniority");
                return 0;
        }
        return 1;
}

/* Map a failed engine call to a reply: invalid input is 400, the rest via api_reply_cxg. */
static void reply_fail(struct api_req *r, enum cxg_err rc, const struct cxg_error *err,
                       const char *field)
{
        if (rc == CXG_ERR_INVALID || rc == CXG_ERR_LIMIT)
                api_reply_error(r, 400, "bad_request", field, "%s",
                                err->msg[0] ? err->msg : "invalid request");
        else
                api_reply_cxg(r, rc, err);
}

void api_h_voc(struct api_req *r)
{
        const char *m = strrchr(r->path, '/') + 1, *mon = api_arg(r, "monthly"),
                   *mode = api_arg(r, "ces_mode");
        enum eng_voc_metric metric = strcmp(m, "nps") == 0    ? ENG_VOC_NPS
                                     : strcmp(m, "csat") == 0 ? ENG_VOC_CSAT
                                                              : ENG_VOC_CES;
        struct eng_voc_query q;
        struct eng_voc_report rep;
        struct cxg_error err = {0};
        struct eng_engine *e;
        struct cxg_buf b;
        enum cxg_err rc;
        int w;

        eng_voc_query_init(&q, metric);
        q.by = api_arg(r, "by");
        if (q.by && !*q.by)
                q.by = NULL;
        if (mon && strcmp(mon, "true") && strcmp(mon, "false") && strcmp(mon, "1") &&
            strcmp(mon, "0")) {
                api_reply_error(r, 400, "bad_request", "monthly", "monthly must be true or false");
                return;
        }
        q.monthly = mon && (strcmp(mon, "true") == 0 || strcmp(mon, "1") == 0);
        if (mode) {
                if (metric != ENG_VOC_CES ||
                    (strcmp(mode, "mean") != 0 && strcmp(mode, "agree") != 0)) {
                        api_reply_error(r, 400, "bad_request", "ces_mode",
                                        "ces_mode (CES only) must be mean or agree");
                        return;
                }
                q.cfg.ces_mode = strcmp(mode, "mean") == 0 ? ENG_VOC_CES_MEAN : ENG_VOC_CES_AGREE;
        }
        if (!weight_arg(r, &w) || !time_arg(r, "since", &q.since) ||
            !time_arg(r, "until", &q.until))
                return;
        q.weight = (enum eng_voc_weight)w;
        if (!(e = engine(r)))
                return;
        memset(&rep, 0, sizeof(rep));
        cxg_buf_init(&b, 64u << 20);
        eng_engine_read_lock(e);
        q.at = e->scores.at;
        rc = eng_voc_report(&e->snap, &e->scores, &q, &rep, &err);
        eng_engine_unlock(e);
        if (rc) {
                cxg_buf_release(&b);
                reply_fail(r, rc, &err, "by");
                return;
        }
        rc = view_voc_report_json(&rep, &b);
        eng_voc_report_release(&rep);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}

void api_h_voc_themes(struct api_req *r)
{
        const char *seg = api_arg(r, "segment"), *m = api_arg(r, "metric"),
                   *lang = api_arg(r, "lang"), *lim = api_arg(r, "limit");
        struct eng_themes_query q;
        struct eng_themes_report rep;
        struct cxg_error err = {0};
        struct eng_engine *e;
        struct cxg_buf b;
        char field[64];
        enum cxg_err rc;
        int w;

        eng_themes_query_init(&q);
        if (seg) {
                const char *eq = strchr(seg, '=');

                if (!eq || eq == seg || !eq[1] || (size_t)(eq - seg) >= sizeof(field)) {
                        api_reply_error(r, 400, "bad_request", "segment",
                                        "segment must be FIELD=VALUE");
                        return;
                }
                memcpy(field, seg, (size_t)(eq - seg));
                field[eq - seg] = '\0';
                q.field = field;
                q.value = eq + 1;
        }
        if (m) {
                q.metric = strcmp(m, "nps") == 0    ? ENG_VOC_NPS
                           : strcmp(m, "csat") == 0 ? ENG_VOC_CSAT
                           : strcmp(m, "ces") == 0  ? ENG_VOC_CES
                                                    : -1;
                if (q.metric < 0) {
                        api_reply_error(r, 400, "bad_request", "metric",
                                        "metric must be nps, csat or ces");
                        return;
                }
        }
        if (lim) {
                char *end;
                long n = strtol(lim, &end, 10);

                if (end == lim || *end || n < 1 || n > 1000) {
                        api_reply_error(r, 400, "bad_request", "limit",
                                        "limit must be a whole number from 1 to 1000");
                        return;
                }
                q.cfg.top = (size_t)n;
        }
        if (lang)
                q.cfg.lang = lang;
        if (!weight_arg(r, &w) || !time_arg(r, "since", &q.since) ||
            !time_arg(r, "until", &q.until))
                return;
        q.weight = w;
        if (!(e = engine(r)))
                return;
        memset(&rep, 0, sizeof(rep));
        cxg_buf_init(&b, 64u << 20);
        eng_engine_read_lock(e);
        q.at = e->scores.at;
        rc = eng_themes_snapshot(&e->snap, &e->scores, &q, &rep, &err);
        if (!rc)
                rc = view_themes_json(&e->snap, &rep, &b);
        eng_engine_unlock(e);
        eng_themes_report_release(&rep);
        if (rc) {
                cxg_buf_release(&b);
                reply_fail(r, rc, &err, lang ? "lang" : NULL);
                return;
        }
        api_reply_buf(r, &b);
}

void api_h_account_fit(struct api_req *r)
{
        struct eng_fit_account_report rep;
        struct eng_fit_query q;
        struct eng_fit_view v;
        struct cxg_error err = {0};
        struct eng_engine *e;
        struct cxg_buf b;
        enum cxg_err rc;

        if (!(e = engine(r)))
                return;
        eng_fit_query_init(&q);
        cxg_buf_init(&b, 64u << 20);
        eng_engine_read_lock(e);
        q.at = e->scores.at;
        q.account = eng_account_find(&e->snap, r->params[0]);
        if (q.account == ENG_NONE) {
                eng_engine_unlock(e);
                api_reply_error(r, 404, "not_found", NULL, "no account with id \"%s\"",
                                r->params[0]);
                return;
        }
        rc = eng_fit_view_init(&v, &e->snap, &e->scores, &q, &err);
        if (!rc) {
                rc = eng_fit_account_report(&v, q.account, &rep, &err);
                if (!rc) {
                        rc = view_fit_account_json(&v, &rep, &b);
                        eng_fit_account_report_release(&rep);
                }
                eng_fit_view_release(&v);
        }
        eng_engine_unlock(e);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, &err);
                return;
        }
        api_reply_buf(r, &b);
}

void api_h_fit_summary(struct api_req *r)
{
        const char *lim = api_arg(r, "limit");
        struct eng_fit_summary sum;
        struct eng_fit_query q;
        struct eng_fit_view v;
        struct cxg_error err = {0};
        struct eng_engine *e;
        struct cxg_buf b;
        enum cxg_err rc;
        size_t limit = 20;

        if (lim) {
                char *end;
                long n = strtol(lim, &end, 10);

                if (end == lim || *end || n < 0 || n > 100000) {
                        api_reply_error(r, 400, "bad_request", "limit",
                                        "limit must be a whole number from 0 (all) to 100000");
                        return;
                }
                limit = (size_t)n;
        }
        if (!(e = engine(r)))
                return;
        eng_fit_query_init(&q);
        cxg_buf_init(&b, 64u << 20);
        eng_engine_read_lock(e);
        q.at = e->scores.at;
        rc = eng_fit_view_init(&v, &e->snap, &e->scores, &q, &err);
        if (!rc) {
                rc = eng_fit_summary(&v.fit, &sum, &err);
                if (!rc) {
                        rc = view_fit_summary_json(&v, &sum, limit, &b);
                        eng_fit_summary_release(&sum);
                }
                eng_fit_view_release(&v);
        }
        eng_engine_unlock(e);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, &err);
                return;
        }
        api_reply_buf(r, &b);
}
