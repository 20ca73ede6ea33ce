/*
 * view_account.c: the JSON of an account's scores (CLI accounts/account --json, GET
 * /api/v1/accounts/{id}/scores) and the components object stored in the score history.
 */
#include "app/view_account.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "core/timeconst.h"

/* ---- JSON ---- */

static enum cxg_err num(struct cxg_buf *b, double v)
{
        if (isnan(v))
                return cxg_buf_puts(b, "null");
        return cxg_buf_printf(b, "%.2f", v);
}

static enum cxg_err str(struct cxg_buf *b, const char *s)
{
        if (!s)
                return cxg_buf_puts(b, "null");
        return cxg_buf_json_str(b, s, strlen(s));
}

static enum cxg_err components(const struct eng_scores *r, uint32_t a, struct cxg_buf *b)
{
        const struct eng_account_score *as = &r->acc[a];
        enum cxg_err rc;
        char why[320];

        if ((rc = cxg_buf_puts(b, "\"components\":{")))
                return rc;
        for (int k = 0; k < ENG_C__COUNT; k++) {
                if ((rc = cxg_buf_printf(b, "%s\"%s\":", k ? "," : "", eng_comp_name(k))) ||
                    (rc = num(b, as->comp[k])))
                        return rc;
        }
        if ((rc = cxg_buf_puts(b, "},\"experience\":{")))
                return rc;
        for (int m = 0; m < ENG_M__COUNT; m++) {
                if ((rc = cxg_buf_printf(b, "%s\"%s\":{\"value\":", m ? "," : "",
                                         eng_metric_name(m))) ||
                    (rc = num(b, as->exp_value[m])) ||
                    (rc = cxg_buf_puts(b, ",\"expectation\":")) || (rc = num(b, as->exp_base[m])) ||
                    (rc = cxg_buf_putc(b, '}')))
                        return rc;
        }
        if ((rc = cxg_buf_puts(b, "},\"reasons\":[")))
                return rc;
        for (int k = 0; k < as->n_reasons; k++) {
                eng_reason_format(r, a, &as->reasons[k], why, sizeof(why));
                if ((rc = cxg_buf_printf(b, "%s{\"text\":", k ? "," : "")) || (rc = str(b, why)) ||
                    (rc = cxg_buf_printf(b, ",\"score\":\"%s\",\"impact\":%.2f}",
                                         as->reasons[k].score == 'r' ? "robustness" : "health",
                                         as->reasons[k].impact)))
                        return rc;
        }
        return cxg_buf_putc(b, ']');
}

enum cxg_err view_components_json(const struct eng_scores *r, uint32_t a, struct cxg_buf *out)
{
        enum cxg_err rc;

        if ((rc = cxg_buf_putc(out, '{')) || (rc = components(r, a, out)))
                return rc;
        return cxg_buf_putc(out, '}');
}

enum cxg_err view_account_json(const struct eng_scores *r, uint32_t a, int detail,
                               struct cxg_buf *b)
{
        const struct eng_snapshot *s = r->snap;
        const struct eng_account_score *as = &r->acc[a];
        enum cxg_err rc;
        char date[16];

        cxg_date_format(r->at, date);
        if ((rc = cxg_buf_puts(b, "{\"id\":")) || (rc = str(b, s->a_ext[a])) ||
            (rc = cxg_buf_puts(b, ",\"name\":")) || (rc = str(b, s->a_name[a])) ||
            (rc = cxg_buf_puts(b, ",\"plan\":")) || (rc = str(b, s->plans.names[s->a_plan[a]])) ||
            (rc = cxg_buf_puts(b, ",\"mrr\":")) || (rc = num(b, s->a_mrr[a])) ||
            (rc = cxg_buf_printf(b, ",\"at\":\"%s\",\"health\":", date)) ||
            (rc = num(b, as->health)) || (rc = cxg_buf_puts(b, ",\"robustness\":")) ||
            (rc = num(b, as->robustness)) || (rc = cxg_buf_puts(b, ",\"engagement\":")) ||
            (rc = num(b, as->engagement)) ||
            (rc = cxg_buf_printf(b, ",\"band\":\"%s\",\"scorecard\":", eng_band_name(as->band))) ||
            (rc = str(b, r->params.cards[as->card].name)) ||
            (rc = cxg_buf_printf(b, ",\"stage\":\"%s\",\"people\":%u,\"engaged\":%u,",
                                 eng_stage_name(as->stage), as->n_people, as->n_engaged)) ||
            (rc = components(r, a, b)))
                return rc;
        if (detail) {
                int first = 1;

                if ((rc = cxg_buf_puts(b, ",\"stakeholders\":[")))
                        return rc;
                for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++) {
                        uint32_t p = s->p_list[k];
                        double days = r->p_last[p] == INT32_MIN
                                          ? NAN
                                          : (double)((int64_t)r->at - ENG_EPOCH - r->p_last[p]) /
                                                (double)CXG_DAY;

                        if ((rc = cxg_buf_puts(b, first ? "{\"id\":" : ",{\"id\":")) ||
                            (rc = str(b, s->p_ext[p])) || (rc = cxg_buf_puts(b, ",\"name\":")) ||
                            (rc = str(b, s->p_name[p])) || (rc = cxg_buf_puts(b, ",\"role\":")) ||
                            (rc = str(b, s->p_role[p])) ||
                            (rc = cxg_buf_printf(b, ",\"seniority\":\"%s\",\"engagement\":",
                                                 model_seniority_name(s->p_seniority[p]))) ||
                            (rc = num(b, r->p_engagement[p])) ||
                            (rc = cxg_buf_puts(b, ",\"activity\":")) ||
                            (rc = num(b, r->p_activity[p])) ||
                            (rc = cxg_buf_printf(b,
                                                 ",\"channels\":%d,\"capabilities\":%u,"
                                                 "\"feedback\":%u,\"days_since_active\":",
                                                 __builtin_popcount(r->p_channels[p]), r->p_caps[p],
                                                 r->p_feedback[p])) ||
                            (rc = num(b, days)) || (rc = cxg_buf_putc(b, '}')))
                                return rc;
                        first = 0;
                }
                if ((rc = cxg_buf_putc(b, ']')))
                        return rc;
        }
        return cxg_buf_putc(b, '}');
}
