/*
 * view_overview.c: the dashboard's JSON: top-line monthly series, the scored account list with
 * sparklines and an account's recent activity (GET /api/v1/overview...).
 */
#include "app/view_overview.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "core/timeconst.h"

#define TRY(x)                                                                                     \
        do {                                                                                       \
                if ((rc = (x)))                                                                    \
                        goto done;                                                                 \
        } while (0)

/* "YYYY-MM" of month index mi. */
static void month_label(int64_t mi, char out[16])
{
        int64_t y;
        unsigned mo, d;

        cxg_civil_from_days(cxg_month_start(mi) / CXG_DAY, &y, &mo, &d);
        snprintf(out, 16, "%04lld-%02u", (long long)y, mo);
}

/* A number, or null when NAN. */
static enum cxg_err put_num(struct cxg_buf *b, const char *key, double v, int comma)
{
        if (isnan(v) || isinf(v))
                return cxg_buf_printf(b, "%s\"%s\":null", comma ? "," : "", key);
        return cxg_buf_printf(b, "%s\"%s\":%.10g", comma ? "," : "", key, v);
}

/* A score rounded to 2 decimals, as view_account_json shows it; null when NAN. */
static enum cxg_err put_score(struct cxg_buf *b, const char *key, double v)
{
        return put_num(b, key, isnan(v) ? v : round(v * 100.0) / 100.0, 1);
}

/* First month index of a window of n months ending at the scores' as-of month. */
static int64_t window_first(const struct eng_snapshot *s, const struct eng_scores *r, size_t n,
                            int64_t *last)
{
        int64_t end = cxg_month_index(r->at);

        if (s->n_months && end > s->month0 + (int64_t)s->n_months - 1)
                end = s->month0 + (int64_t)s->n_months - 1;
        *last = end;
        return end - (int64_t)n + 1;
}

enum cxg_err view_overview_json(const struct eng_snapshot *s, const struct eng_scores *r,
                                size_t months, struct cxg_buf *b)
{
        enum cxg_err rc = CXG_OK;
        double mrr = 0, hsum = 0, rsum = 0, esum = 0;
        size_t hn = 0, rn = 0, en = 0, active = 0, engaged = 0, people = 0;
        int64_t first, last;
        char t[24], m[16];

        if (months == 0)
                months = VIEW_OVERVIEW_MONTHS;
        if (months > 240)
                return CXG_ERR_LIMIT;
        for (size_t a = 0; a < s->n_accounts && a < r->n_accounts; a++) {
                const struct eng_account_score *sc = &r->acc[a];

                if (s->a_churned[a])
                        continue;
                active++;
                if (!isnan(s->a_mrr[a]))
                        mrr += s->a_mrr[a];
                if (!isnan(sc->health)) {
                        hsum += sc->health;
                        hn++;
                }
                if (!isnan(sc->robustness)) {
                        rsum += sc->robustness;
                        rn++;
                }
        }
        for (size_t p = 0; p < s->n_people && p < r->n_people; p++) {
                if (s->p_left[p] != CXG_TS_NONE && s->p_left[p] <= r->at)
                        continue;
                people++;
                if (r->p_last[p] != INT32_MIN && !isnan(r->p_engagement[p])) {
                        esum += r->p_engagement[p];
                        en++;
                        if (r->p_engagement[p] >= r->params.engaged_threshold)
                                engaged++;
                }
        }
        TRY(cxg_buf_printf(b, "{\"at\":\"%s\",\"totals\":{\"accounts\":%zu,\"active_accounts\":%zu",
                           cxg_time_format(r->at, t), s->n_accounts, active));
        TRY(cxg_buf_printf(b, ",\"people\":%zu,\"active_people\":%zu,\"engaged_people\":%zu",
                           people, en, engaged));
        TRY(put_num(b, "mrr", mrr, 1));
        TRY(put_num(b, "mean_health", hn ? hsum / (double)hn : NAN, 1));
        TRY(put_num(b, "mean_robustness", rn ? rsum / (double)rn : NAN, 1));
        TRY(put_num(b, "mean_engagement", en ? esum / (double)en : NAN, 1));
        TRY(cxg_buf_puts(b, "},\"months\":["));
        first = window_first(s, r, months, &last);
        for (int64_t mi = first; mi <= last; mi++) {
                int64_t ms = cxg_month_start(mi), me = cxg_month_start(mi + 1);
                double mmrr = 0;
                size_t paying = 0, act = 0, inter = 0;
                uint32_t prev = ENG_NONE;

                /* subscriptions are sorted by account: count each paying account (MRR > 0) once */
                for (size_t i = 0; i < s->n_subs; i++) {
                        if (s->s_start[i] >= me || (s->s_end[i] != CXG_TS_NONE && s->s_end[i] < me))
                                continue;
                        if (isnan(s->s_mrr[i]) || s->s_mrr[i] <= 0)
                                continue;
                        mmrr += s->s_mrr[i];
                        if (s->s_account[i] != prev)
                                paying++;
                        prev = s->s_account[i];
                }
                if (mi >= s->month0 && mi < s->month0 + (int64_t)s->n_months) {
                        size_t k = (size_t)(mi - s->month0);

                        for (size_t p = 0; p < s->n_people; p++)
                                act += (s->p_active[p * s->p_words + k / 64] >> (k % 64)) & 1;
                        for (size_t a = 0; a < s->n_accounts; a++)
                                inter += s->a_month[a * s->n_months + k].n;
                }
                (void)ms;
                month_label(mi, m);
                TRY(cxg_buf_printf(b, "%s{\"month\":\"%s\"", mi == first ? "" : ",", m));
                TRY(put_num(b, "mrr", mmrr, 1));
                TRY(cxg_buf_printf(b,
                                   ",\"paying_accounts\":%zu,\"active_people\":%zu,"
                                   "\"interactions\":%zu",
                                   paying, act, inter));
                TRY(put_num(b, "interactions_per_active", act ? (double)inter / (double)act : NAN,
                            1));
                TRY(cxg_buf_putc(b, '}'));
        }
        TRY(cxg_buf_puts(b, "]}"));
done:
        return rc;
}

enum cxg_err view_overview_accounts_json(const struct eng_snapshot *s, const struct eng_scores *r,
                                         size_t months, struct cxg_buf *b)
{
        enum cxg_err rc = CXG_OK;
        int64_t first, last;
        char t[24], m[16];

        if (months == 0)
                months = 12;
        if (months > 240)
                return CXG_ERR_LIMIT;
        first = window_first(s, r, months, &last);
        TRY(cxg_buf_printf(b, "{\"at\":\"%s\",\"months\":[", cxg_time_format(r->at, t)));
        for (int64_t mi = first; mi <= last; mi++) {
                month_label(mi, m);
                TRY(cxg_buf_printf(b, "%s\"%s\"", mi == first ? "" : ",", m));
        }
        TRY(cxg_buf_puts(b, "],\"items\":["));
        for (size_t a = 0; a < s->n_accounts && a < r->n_accounts; a++) {
                const struct eng_account_score *sc = &r->acc[a];
                const char *plan = s->plans.names[s->a_plan[a]];
                const char *owner = s->owners.names[s->a_owner[a]];

                TRY(cxg_buf_puts(b, a ? ",{\"id\":" : "{\"id\":"));
                TRY(cxg_buf_json_str(b, s->a_ext[a], strlen(s->a_ext[a])));
                TRY(cxg_buf_puts(b, ",\"name\":"));
                TRY(cxg_buf_json_str(b, s->a_name[a] ? s->a_name[a] : "",
                                     s->a_name[a] ? strlen(s->a_name[a]) : 0));
                TRY(cxg_buf_puts(b, ",\"plan\":"));
                TRY(cxg_buf_json_str(b, plan, strlen(plan)));
                TRY(cxg_buf_puts(b, ",\"owner\":"));
                TRY(cxg_buf_json_str(b, owner, strlen(owner)));
                TRY(put_num(b, "mrr", s->a_mrr[a], 1));
                TRY(put_score(b, "health", sc->health));
                TRY(put_score(b, "robustness", sc->robustness));
                TRY(put_score(b, "engagement", sc->engagement));
                TRY(cxg_buf_printf(b,
                                   ",\"band\":\"%s\",\"stage\":\"%s\",\"churned\":%s,\"trend\":[",
                                   eng_band_name(sc->band), eng_stage_name(sc->stage),
                                   s->a_churned[a] ? "true" : "false"));
                for (int64_t mi = first; mi <= last; mi++) {
                        uint32_t n = 0;

                        if (mi >= s->month0 && mi < s->month0 + (int64_t)s->n_months)
                                n = s->a_month[a * s->n_months + (size_t)(mi - s->month0)].n;
                        TRY(cxg_buf_printf(b, "%s%u", mi == first ? "" : ",", n));
                }
                TRY(cxg_buf_puts(b, "]}"));
        }
        TRY(cxg_buf_puts(b, "]}"));
done:
        return rc;
}

/* A JSON string member, or null when s is NULL. */
static enum cxg_err put_str(struct cxg_buf *b, const char *key, const char *s)
{
        enum cxg_err rc;

        if ((rc = cxg_buf_printf(b, ",\"%s\":", key)))
                return rc;
        if (!s)
                return cxg_buf_puts(b, "null");
        return cxg_buf_json_str(b, s, strlen(s));
}

/* One interaction row j of segment c. */
static enum cxg_err put_interaction(const struct eng_snapshot *s, const struct eng_icols *c,
                                    size_t j, int first, struct cxg_buf *b)
{
        enum cxg_err rc = CXG_OK;
        char t[24];

        TRY(cxg_buf_printf(b, "%s{\"ts\":\"%s\"", first ? "" : ",",
                           cxg_time_format((int64_t)c->ts[j] + ENG_EPOCH, t)));
        TRY(put_str(b, "person", c->person[j] < s->n_people ? s->p_ext[c->person[j]] : NULL));
        TRY(put_str(b, "type", c->type[j] < s->types.n ? s->types.names[c->type[j]] : NULL));
        TRY(put_str(b, "channel", model_channel_name(c->channel[j])));
        TRY(put_str(b, "outcome", model_outcome_name(c->outcome[j])));
        if (c->duration[j] == ENG_DUR_NONE)
                TRY(cxg_buf_puts(b, ",\"duration_ms\":null"));
        else
                TRY(cxg_buf_printf(b, ",\"duration_ms\":%u", c->duration[j]));
        TRY(put_num(b, "value", c->value[j], 1));
        TRY(cxg_buf_putc(b, '}'));
done:
        return rc;
}

enum cxg_err view_overview_timeline_json(const struct eng_snapshot *s, uint32_t a, size_t limit,
                                         struct cxg_buf *b)
{
        enum cxg_err rc = CXG_OK;
        uint64_t mlo = 0, mhi = 0;
        uint32_t dlo = 0, dhi = 0;
        size_t n = 0;
        char t[24];

        if (a >= s->n_accounts)
                return CXG_ERR_NOTFOUND;
        if (limit < 1 || limit > 1000)
                return CXG_ERR_LIMIT;
        if (a < s->ioff_accounts && s->a_ioff) {
                mlo = s->a_ioff[a];
                mhi = s->a_ioff[a + 1];
        }
        if (s->a_doff) {
                dlo = s->a_doff[a];
                dhi = s->a_doff[a + 1];
        }
        TRY(cxg_buf_puts(b, "{\"id\":"));
        TRY(cxg_buf_json_str(b, s->a_ext[a], strlen(s->a_ext[a])));
        TRY(cxg_buf_puts(b, ",\"interactions\":["));
        /* both segments are sorted by time within the account: merge from the newest end */
        while (n < limit && (mhi > mlo || dhi > dlo)) {
                int take_main = dhi == dlo || (mhi > mlo && s->main.ts[mhi - 1] >=
                                                                s->delta.ts[s->d_idx[dhi - 1]]);

                if (take_main)
                        TRY(put_interaction(s, &s->main, (size_t)--mhi, n == 0, b));
                else
                        TRY(put_interaction(s, &s->delta, s->d_idx[--dhi], n == 0, b));
                n++;
        }
        TRY(cxg_buf_puts(b, "],\"feedback\":["));
        n = 0;
        for (uint32_t i = s->a_foff[a + 1]; i > s->a_foff[a] && n < limit; i--, n++) {
                uint32_t f = i - 1;

                TRY(cxg_buf_printf(b, "%s{\"ts\":\"%s\"", n ? "," : "",
                                   cxg_time_format(s->f_ts[f], t)));
                TRY(put_str(b, "person",
                            s->f_person[f] < s->n_people ? s->p_ext[s->f_person[f]] : NULL));
                TRY(put_str(b, "kind", model_fb_kind_name(s->f_kind[f])));
                TRY(put_num(b, "score", s->f_score[f], 1));
                TRY(put_str(b, "comment", s->f_comment[f]));
                TRY(cxg_buf_putc(b, '}'));
        }
        TRY(cxg_buf_puts(b, "]}"));
done:
        return rc;
}
