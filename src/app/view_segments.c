/*
 * view_segments.c: the JSON of segments (cxgarden segments --json).
 */
#include "app/view_segments.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

static enum cxg_err json_row(struct cxg_buf *b, const struct eng_segment *g, const int *show)
{
        enum cxg_err rc = cxg_buf_puts(b, "{\"value\":");

        if (!rc)
                rc = cxg_buf_json_str(b, g->name, strlen(g->name));
        for (int m = 0; m < ENG_SM__COUNT && !rc; m++) {
                double v = eng_segment_metric(g, m);

                if (show && !show[m])
                        continue;
                if (isnan(v))
                        rc = cxg_buf_printf(b, ",\"%s\":null", eng_segment_metric_name(m));
                else if (m == ENG_SM_COUNT)
                        rc = cxg_buf_printf(b, ",\"%s\":%zu", eng_segment_metric_name(m), g->count);
                else
                        rc = cxg_buf_printf(b, ",\"%s\":%.4f", eng_segment_metric_name(m),
                                            m == ENG_SM_CHURN ? v / 100 : v);
        }
        if (!rc && (!show || show[ENG_SM_CHURN]))
                rc = cxg_buf_printf(b, ",\"churned\":%zu", g->churned);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err view_segments_json(const struct eng_segments *g, const char *by, int people,
                               const int *show, struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_puts(b, "{\"by\":");

        if (!rc)
                rc = cxg_buf_json_str(b, by, strlen(by));
        if (!rc)
                rc = cxg_buf_printf(b, ",\"entity\":\"%s\",\"segments\":[",
                                    people ? "people" : "accounts");
        for (size_t k = 0; k < g->n && !rc; k++) {
                if (k)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = json_row(b, &g->groups[k], show);
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"total\":");
        if (!rc)
                rc = json_row(b, &g->total, show);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}
