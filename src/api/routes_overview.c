/*
 * routes_overview.c: read endpoints of the dashboard: GET /api/v1/overview (top-line monthly
 * series and totals), GET /api/v1/scores (every account with its scores and a monthly
 * activity trend) and GET /api/v1/accounts/{id}/timeline (recent interactions and feedback).
 * The engine computes (src/engine/overview.c); this file only encodes.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "app/view_overview.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "engine/engine.h"

/* Parse the optional months=N argument (1-240); 0 when absent, -1 with a 400 reply. */
static long months_arg(struct api_req *r)
{
        const char *v = api_arg(r, "months");
        char *end;
        long n;

        if (!v)
                return 0;
        n = strtol(v, &end, 10);
        if (end == v || *end || n < 1 || n > 240) {
                api_reply_error(r, 400, "bad_request", "months",
                                "months must be a whole number from 1 to 240");
                return -1;
        }
        return n;
}

/* Run fn over the engine under its read lock and reply with the JSON it appends. */
static void reply_engine(struct api_req *r,
                         enum cxg_err (*fn)(const struct eng_snapshot *, const struct eng_scores *,
                                            size_t, struct cxg_buf *),
                         long months)
{
        struct eng_engine *e = api_engine_get();
        struct cxg_buf b;
        enum cxg_err rc;

        if (!e) {
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
                return;
        }
        cxg_buf_init(&b, 64u << 20);
        eng_engine_read_lock(e);
        rc = fn(&e->snap, &e->scores, (size_t)months, &b);
        eng_engine_unlock(e);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}

void api_h_overview(struct api_req *r)
{
        long months = months_arg(r);

        if (months >= 0)
                reply_engine(r, view_overview_json, months);
}

void api_h_scores(struct api_req *r)
{
        long months = months_arg(r);

        if (months >= 0)
                reply_engine(r, view_overview_accounts_json, months);
}

void api_h_account_timeline(struct api_req *r)
{
        struct eng_engine *e = api_engine_get();
        const char *lim = api_arg(r, "limit");
        struct cxg_buf b;
        enum cxg_err rc;
        long limit = 50;
        uint32_t a;

        if (lim) {
                char *end;

                limit = strtol(lim, &end, 10);
                if (end == lim || *end || limit < 1 || limit > 1000) {
                        api_reply_error(r, 400, "bad_request", "limit",
                                        "limit must be a whole number from 1 to 1000");
                        return;
                }
        }
        if (!e) {
                api_reply_error(r, 503, "unavailable", NULL, "the analytics engine is not loaded");
                return;
        }
        cxg_buf_init(&b, 16u << 20);
        eng_engine_read_lock(e);
        a = eng_account_find(&e->snap, r->params[0]);
        if (a == ENG_NONE) {
                eng_engine_unlock(e);
                api_reply_error(r, 404, "not_found", NULL, "no account with id \"%s\"",
                                r->params[0]);
                return;
        }
        rc = view_overview_timeline_json(&e->snap, a, (size_t)limit, &b);
        eng_engine_unlock(e);
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, NULL);
                return;
        }
        api_reply_buf(r, &b);
}
