/*
 * view_cohorts.c: the JSON of cohort retention (cxgarden cohorts --json, GET /api/v1/cohorts)
 * and of the lifecycle (cxgarden cohorts --lifecycle --json).
 */
#include "app/view_cohorts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/view.h"
#include "app/view_buf.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

static void month_name(int64_t mi, char *out, size_t cap)
{
        char d[16];

        cxg_date_format(cxg_month_start(mi), d);
        snprintf(out, cap, "%.7s", d);
}

/* One cohort: month, size, active[] per period and retention[] (active / size). */
static json_t *cohort(const struct eng_cohorts *co, size_t c)
{
        json_t *o = json_object(), *act = json_array(), *ret = json_array();
        int bad = !o || !act || !ret;
        char m[16];

        month_name(co->first_month + (int64_t)c, m, sizeof(m));
        for (size_t k = 0; !bad && c + k < co->n; k++) {
                double v = co->value[c * co->n + k];

                bad |= json_array_append_new(act, view_num(v)) != 0;
                bad |= json_array_append_new(
                           ret, view_num(co->size[c] > 0 ? v / co->size[c] : NAN)) != 0;
        }
        if (!bad) {
                bad |= view_put(o, "month", json_string(m));
                bad |= view_put(o, "size", json_real(co->size[c]));
                bad |= view_put(o, "active", act);
                bad |= view_put(o, "retention", ret);
                act = ret = NULL;
        }
        json_decref(act);
        json_decref(ret);
        return view_done(o, bad);
}

enum cxg_err view_cohorts_json(const struct eng_cohorts *co, int by, int cumulative,
                               struct cxg_buf *b)
{
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || !arr;

        for (size_t c = 0; !bad && c < co->n; c++)
                bad |= json_array_append_new(arr, cohort(co, c)) != 0;
        if (!bad) {
                bad |= view_put(o, "by",
                                json_string(by == ENG_COHORT_PEOPLE    ? "people"
                                            : by == ENG_COHORT_REVENUE ? "revenue"
                                                                       : "accounts"));
                bad |= view_put(o, "cumulative", json_boolean(cumulative));
                bad |= view_put(o, "cohorts", arr);
                arr = NULL;
        }
        json_decref(arr);
        return view_buf_json(b, view_done(o, bad));
}

enum cxg_err view_lifecycle_json(const struct eng_lifecycle *l, int people, struct cxg_buf *b)
{
        enum cxg_err rc;
        char m[16];

        rc = cxg_buf_printf(b, "{\"entity\":\"%s\",\"months\":[", people ? "people" : "accounts");
        for (size_t k = 0; k < l->n && !rc; k++) {
                month_name(l->first_month + (int64_t)k, m, sizeof(m));
                rc = cxg_buf_printf(
                    b,
                    "%s{\"month\":\"%s\",\"new\":%zu,\"returning\":%zu,"
                    "\"resurrecting\":%zu,\"dormant\":%zu,\"leaky\":%s}",
                    k ? "," : "", m, l->new_[k], l->returning[k], l->resurrecting[k], l->dormant[k],
                    l->dormant[k] > l->returning[k] + l->resurrecting[k] ? "true" : "false");
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}
