/*
 * view_cohorts.c: the JSON of cohort retention and lifecycle (cxgarden cohorts --json).
 */
#include "app/view_cohorts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

static void month_name(int64_t mi, char *out, size_t cap)
{
        char d[16];

        cxg_date_format(cxg_month_start(mi), d);
        snprintf(out, cap, "%.7s", d);
}

enum cxg_err view_cohorts_json(const struct eng_cohorts *co, int by, int cumulative,
                              struct cxg_buf *b)
{
        enum cxg_err rc;
        char m[16];

        rc = cxg_buf_printf(b, "{\"by\":\"%s\",\"cumulative\":%s,\"cohorts\":[",
                            by == ENG_COHORT_PEOPLE    ? "people"
                            : by == ENG_COHORT_REVENUE ? "revenue"
                                                       : "accounts",
                            cumulative ? "true" : "false");
        for (size_t c = 0; c < co->n && !rc; c++) {
                month_name(co->first_month + (int64_t)c, m, sizeof(m));
                rc = cxg_buf_printf(b, "%s{\"month\":\"%s\",\"size\":%.2f,\"active\":[",
                                    c ? "," : "", m, co->size[c]);
                for (size_t k = 0; c + k < co->n && !rc; k++) {
                        double v = co->value[c * co->n + k];

                        if (isnan(v))
                                rc = cxg_buf_printf(b, "%snull", k ? "," : "");
                        else
                                rc = cxg_buf_printf(b, "%s%.2f", k ? "," : "", v);
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "],\"retention\":[");
                for (size_t k = 0; c + k < co->n && !rc; k++) {
                        double v = co->value[c * co->n + k];

                        if (co->size[c] > 0 && !isnan(v))
                                rc = cxg_buf_printf(b, "%s%.4f", k ? "," : "", v / co->size[c]);
                        else
                                rc = cxg_buf_printf(b, "%snull", k ? "," : "");
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "]}");
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
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
