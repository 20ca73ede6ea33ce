/*
 * routes_engine.c: the read endpoints over the analytics engine: an account's scores with
 * components and reasons, a person's engagement, segments and cohorts (views in src/app/). The
 * engine object and its refresh are in api_engine.c. Formulas: docs/scoring.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "app/view_account.h"
#include "app/view_cohorts.h"
#include "app/view_segments.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/timeconst.h"
#include "engine/cohorts.h"
#include "engine/engine.h"
#include "engine/segments.h"

/* The loaded engine, or NULL after replying 503. */
static struct eng_engine *engine_ready(struct api_req *r)
{
        struct eng_engine *e = api_engine_get();

        if (!e)
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
        return e;
}

void api_h_account_scores(struct api_req *r)
{
        struct eng_engine *e;
        struct cxg_buf b;
        enum cxg_err rc;
        uint32_t a;

        if (!(e = engine_ready(r)))
                return;
        cxg_buf_init(&b, 16u << 20);
        eng_engine_read_lock(e);
        a = eng_account_find(&e->snap, r->params[0]);
        if (a == ENG_NONE) {
                eng_engine_unlock(e);
                api_reply_error(r, 404, "not_found", NULL, "no account with id \"%s\"",
                                r->params[0]);
                return;
        }
        rc = view_account_json(&e->scores, a, 1, &b);
        eng_engine_unlock(e);
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
        struct eng_engine *e;
        json_t *o = NULL, *ch;
        uint32_t p;
        char t[24];

        if (!(e = engine_ready(r)))
                return;
        eng_engine_read_lock(e);
        p = eng_person_find(&e->snap, r->params[0]);
        if (p == ENG_NONE || p >= e->scores.n_people) {
                eng_engine_unlock(e);
                api_reply_error(r, 404, "not_found", NULL, "no person with id \"%s\"",
                                r->params[0]);
                return;
        }
        ch = json_array();
        for (int c = 0; ch && c < CXG_CH__COUNT; c++)
                if (e->scores.p_channels[p] & (1u << c))
                        json_array_append_new(ch, json_string(model_channel_name(c)));
        o = json_pack(
            "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:i,s:i}", "id", e->snap.p_ext[p], "account_id",
            e->snap.p_account[p] < e->snap.n_accounts ? e->snap.a_ext[e->snap.p_account[p]] : "",
            "at", cxg_time_format(e->scores.at, t), "engagement",
            num_or_null(e->scores.p_engagement[p]), "activity",
            num_or_null(e->scores.p_activity[p]), "activity_before",
            num_or_null(e->scores.p_prior[p]), "last_interaction",
            e->scores.p_last[p] == INT32_MIN
                ? json_null()
                : json_string(cxg_time_format(ENG_EPOCH + e->scores.p_last[p], t)),
            "channels", ch ? ch : json_array(), "capabilities_used", (int)e->scores.p_caps[p],
            "feedback_answers", (int)e->scores.p_feedback[p]);
        if (o)
                json_object_set_new(o, "seniority",
                                    json_string(model_seniority_name(e->snap.p_seniority[p])));
        eng_engine_unlock(e);
        if (!o) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, o);
}

void api_h_segments(struct api_req *r)
{
        struct eng_engine *e;
        const char *by = api_arg(r, "by"), *ent = api_arg(r, "entity");
        struct eng_segments g;
        struct cxg_error err = {0};
        struct cxg_buf b;
        enum cxg_err rc;
        int people = 0;

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
        if (!(e = engine_ready(r)))
                return;
        memset(&g, 0, sizeof(g));
        eng_engine_read_lock(e);
        if (eng_segments_compute(&e->snap, &e->scores, by, people, e->scores.at, &g, &err)) {
                eng_engine_unlock(e);
                api_reply_error(r, err.code == CXG_ERR_NOMEM ? 500 : 400,
                                err.code == CXG_ERR_NOMEM ? "internal" : "bad_request", "by", "%s",
                                err.msg);
                return;
        }
        cxg_buf_init(&b, 16u << 20);
        rc = view_segments_json(&g, by, people, e->scores.at, NULL, &b);
        eng_engine_unlock(e);
        eng_segments_release(&g);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}

void api_h_cohorts(struct api_req *r)
{
        struct eng_engine *e;
        const char *by = api_arg(r, "by"), *cum = api_arg(r, "cumulative"),
                   *seg = api_arg(r, "segment");
        struct eng_cohort_opts opt;
        struct eng_cohorts co;
        struct cxg_error err = {0};
        char field[128] = "";
        struct cxg_buf b;
        enum cxg_err rc;

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
        if (!(e = engine_ready(r)))
                return;
        memset(&co, 0, sizeof(co));
        eng_engine_read_lock(e);
        opt.at = e->scores.at;
        opt.scores = &e->scores;
        if (eng_cohorts_compute(&e->snap, &opt, &co, &err)) {
                eng_engine_unlock(e);
                api_reply_error(r, err.code == CXG_ERR_NOMEM ? 500 : 400,
                                err.code == CXG_ERR_NOMEM ? "internal" : "bad_request", NULL, "%s",
                                err.msg);
                return;
        }
        eng_engine_unlock(e);
        cxg_buf_init(&b, 16u << 20);
        rc = view_cohorts_json(&co, opt.by, opt.cumulative, &b);
        eng_cohorts_release(&co);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}
