/*
 * view_segments.c: the JSON of segments (cxgarden segments --json, GET /api/v1/segments).
 */
#include "app/view_segments.h"

#include <math.h>
#include <string.h>

#include "app/view.h"
#include "app/view_buf.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

/* One group; show[m] (NULL: all) selects the metrics, each with its companion count. */
static json_t *segment(const struct eng_segment *g, const int *show)
{
        json_t *o = json_object();
        int bad = !o;

#define SHOW(m) (!show || show[m])
        if (!bad)
                bad |= view_put(o, "name", json_string(g->name));
        if (!bad && SHOW(ENG_SM_COUNT))
                bad |= view_put(o, "count", json_integer((json_int_t)g->count));
        if (!bad && SHOW(ENG_SM_CHURN)) {
                bad |= view_put(o, "churned", json_integer((json_int_t)g->churned));
                bad |= view_put(o, "churn_rate", view_num(eng_segment_churn(g)));
        }
        if (!bad && SHOW(ENG_SM_MRR))
                bad |= view_put(o, "mrr", view_num(g->mrr));
        if (!bad && SHOW(ENG_SM_HEALTH))
                bad |= view_put(o, "health",
                                view_num(g->health_n ? g->health_sum / (double)g->health_n : NAN));
        if (!bad && SHOW(ENG_SM_ENGAGEMENT))
                bad |= view_put(o, "engagement",
                                view_num(g->eng_n ? g->eng_sum / (double)g->eng_n : NAN));
        if (!bad && SHOW(ENG_SM_NPS)) {
                bad |= view_put(o, "nps", view_num(eng_segment_nps(g)));
                bad |= view_put(o, "nps_answers", json_integer((json_int_t)g->nps_n));
        }
#undef SHOW
        return view_done(o, bad);
}

enum cxg_err view_segments_json(const struct eng_segments *g, const char *by, int people,
                                int64_t at, const int *show, struct cxg_buf *b)
{
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || !arr;

        for (size_t k = 0; !bad && k < g->n; k++)
                bad |= json_array_append_new(arr, segment(&g->groups[k], show)) != 0;
        if (!bad) {
                bad |= view_put(o, "by", json_string(by));
                bad |= view_put(o, "entity", json_string(people ? "people" : "accounts"));
                bad |= view_put(o, "at", view_time(at));
                bad |= view_put(o, "segments", arr);
                arr = NULL;
                bad |= view_put(o, "total", segment(&g->total, show));
        }
        json_decref(arr);
        return view_buf_json(b, view_done(o, bad));
}
