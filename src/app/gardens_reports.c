/*
 * gardens_reports.c: the read-only garden reports of the use-case layer (app/gardens.h) that
 * both front ends show: garden impact and invitation candidates. Each takes its inputs as
 * values (no flags, no query strings) and leaves rendering to app/view_gardens.c.
 */
#include <stdio.h>
#include <string.h>

#include "app/gardens_int.h"
#include "core/alloc.h"
#include "core/banned.h"

enum cxg_err app_garden_impact(const struct app_ctx *c, const char *garden, const char *segment,
                               int bands, struct eng_garden_impact *out, struct cxg_error *err)
{
        struct eng_garden_panel p;
        int64_t gid = 0;
        enum cxg_err rc;

        if (bands < 1 || bands > ENG_GARDEN_MAX_BANDS)
                return cxg_error_setf(err, CXG_ERR_INVALID, "bands",
                                      "garden impact: bands must be from 1 to %d",
                                      ENG_GARDEN_MAX_BANDS);
        if (garden && (rc = store_garden_id(c->st, garden, &gid, err)))
                return rc;
        eng_garden_panel_init(&p);
        rc = eng_garden_panel_load(&p, c->st, segment ? segment : app_gardens_impact_segment(c),
                                   gid, err);
        if (!rc)
                rc = eng_garden_impact(&p, bands, out, err);
        eng_garden_panel_release(&p);
        return rc;
}

static enum cxg_err meta_cb(void *ctx, const struct store_garden_row *g)
{
        struct app_garden_suggestion *s = ctx;

        s->topic = g->g.topic;
        s->has_segment = g->g.segment != NULL;
        snprintf(s->segment, sizeof(s->segment), "%s", g->g.segment ? g->g.segment : "");
        return CXG_OK;
}

enum cxg_err app_garden_suggest(const struct app_ctx *c, const struct eng_engine *e,
                                const char *garden, const char *segment, size_t limit,
                                struct app_garden_suggestion *out, struct cxg_error *err)
{
        struct eng_garden_exclude x = {0};
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        if ((rc = store_garden_find(c->st, garden, meta_cb, out, err)))
                return rc;
        if (segment)
                snprintf(out->segment, sizeof(out->segment), "%s", segment);
        out->has_segment |= segment != NULL;
        if (!(rc = eng_garden_exclude_load(&x, &e->snap, c->st, err)))
                rc = eng_garden_suggest(&e->scores, &x, out->topic,
                                        out->has_segment ? out->segment : NULL, limit, &out->c,
                                        &out->n, err);
        eng_garden_exclude_release(&x);
        return rc;
}

void app_garden_suggestion_release(struct app_garden_suggestion *s)
{
        cxg_free(s->c);
        s->c = NULL;
        s->n = 0;
}
