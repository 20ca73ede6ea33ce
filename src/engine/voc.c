/*
 * voc.c: NPS, CSAT and CES with counts and 95% intervals, weighted beside unweighted, grouped
 * by any key or by month, and the join of answers to the experience that preceded them.
 * Owns nothing beyond the arrays it returns. Formulas: docs/scoring.md, "Voice of the customer".
 */
#include "engine/voc.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

void eng_voc_cfg_init(struct eng_voc_cfg *cfg, enum eng_voc_metric metric)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->metric = metric;
        cfg->ces_mode = ENG_VOC_CES_MEAN;
        switch (metric) {
        case ENG_VOC_NPS:
                cfg->min = 0, cfg->max = 10, cfg->pos_min = 9, cfg->neg_max = 6;
                break;
        case ENG_VOC_CSAT:
                cfg->min = 1, cfg->max = 5, cfg->pos_min = 4, cfg->neg_max = 2;
                break;
        case ENG_VOC_CES:
                cfg->min = 1, cfg->max = 7, cfg->pos_min = 5, cfg->neg_max = 3;
                break;
        default:
                cfg->metric = ENG_VOC_MEAN;
                cfg->min = -HUGE_VAL, cfg->max = HUGE_VAL, cfg->pos_min = HUGE_VAL;
                cfg->neg_max = -HUGE_VAL;
                break;
        }
}

const char *eng_voc_metric_name(enum eng_voc_metric metric)
{
        switch (metric) {
        case ENG_VOC_NPS:
                return "nps";
        case ENG_VOC_CSAT:
                return "csat";
        case ENG_VOC_CES:
                return "ces";
        default:
                return "mean";
        }
}

void eng_voc_acc_clear(struct eng_voc_acc *a)
{
        memset(a, 0, sizeof(*a));
}

void eng_voc_acc_add(struct eng_voc_acc *a, const struct eng_voc_cfg *cfg, double score,
                     double weight)
{
        int pos, neg;

        if (!isfinite(score) || score < cfg->min || score > cfg->max) {
                a->n_skipped++;
                return;
        }
        pos = score >= cfg->pos_min;
        neg = score <= cfg->neg_max;
        a->n++;
        a->n_pos += (uint64_t)pos;
        a->n_neg += (uint64_t)neg;
        a->n_mid += (uint64_t)(!pos && !neg);
        a->sx += score;
        a->sxx += score * score;
        if (!isnan(weight))
                a->weights_seen = 1;
        if (isfinite(weight) && weight >= 0) {
                a->n_w++;
                a->sw += weight;
                a->sww += weight * weight;
                a->swx += weight * score;
                a->swxx += weight * score * score;
                if (pos)
                        a->sw_pos += weight;
                if (neg)
                        a->sw_neg += weight;
        }
}

void eng_voc_acc_merge(struct eng_voc_acc *a, const struct eng_voc_acc *b)
{
        a->n += b->n, a->n_pos += b->n_pos, a->n_mid += b->n_mid, a->n_neg += b->n_neg;
        a->n_skipped += b->n_skipped, a->n_w += b->n_w;
        a->sx += b->sx, a->sxx += b->sxx;
        a->sw += b->sw, a->sww += b->sww, a->swx += b->swx, a->swxx += b->swxx;
        a->sw_pos += b->sw_pos, a->sw_neg += b->sw_neg;
        a->weights_seen |= b->weights_seen;
}

void eng_voc_wilson(double p, double n, double z, double *lo, double *hi)
{
        double z2, denom, center, half;

        if (!(n > 0) || !isfinite(p)) {
                *lo = *hi = NAN;
                return;
        }
        z2 = z * z;
        denom = 1 + z2 / n;
        center = (p + z2 / (2 * n)) / denom;
        half = z / denom * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        *lo = fmax(0, center - half);
        *hi = fmin(1, center + half);
}

double eng_voc_t95(double df)
{
        /* two-sided 95% quantiles of Student's t, df 1..30 */
        static const double t[30] = {
            12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
            2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
            2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
        long d;

        if (!(df >= 1))
                return NAN;
        if (df > 30)
                return ENG_VOC_Z95;
        d = (long)floor(df); /* conservative for a fractional effective df */
        return t[d - 1];
}

static double clampd(double v, double lo, double hi)
{
        return v < lo ? lo : v > hi ? hi : v;
}

/*
 * One figure from the sufficient statistics: n (or n_eff), the shares of positive and
 * negative answers, the mean and the (unbiased) variance of the scores.
 */
static void figure(const struct eng_voc_cfg *cfg, int mean_mode, double n, double p_pos,
                   double p_neg, double mean, double var, struct eng_voc_figure *f)
{
        const double z = ENG_VOC_Z95;

        f->n = n;
        f->pos_share = p_pos;
        f->neg_share = p_neg;
        f->mean = mean;
        f->value = f->lo = f->hi = f->se = NAN;
        if (!(n > 0))
                return;
        if (mean_mode) {
                double t = eng_voc_t95(n - 1);

                f->value = mean;
                if (n >= 2 && isfinite(var)) {
                        f->se = sqrt(fmax(0, var) / n);
                        f->lo = clampd(mean - t * f->se, cfg->min, cfg->max);
                        f->hi = clampd(mean + t * f->se, cfg->min, cfg->max);
                }
                return;
        }
        if (cfg->metric == ENG_VOC_NPS) {
                double d = p_pos - p_neg;
                double v = (p_pos + p_neg - d * d) / n;

                f->value = 100 * d;
                f->se = 100 * sqrt(fmax(0, v));
                f->lo = clampd(f->value - z * f->se, -100, 100);
                f->hi = clampd(f->value + z * f->se, -100, 100);
                return;
        }
        /* CSAT and CES agree: a share with a Wilson interval */
        f->value = 100 * p_pos;
        f->se = 100 * sqrt(p_pos * (1 - p_pos) / n);
        eng_voc_wilson(p_pos, n, z, &f->lo, &f->hi);
        f->lo *= 100;
        f->hi *= 100;
}

void eng_voc_acc_finish(const struct eng_voc_acc *a, const struct eng_voc_cfg *cfg,
                        struct eng_voc_stat *out)
{
        double n = (double)a->n, mean = NAN, var = NAN;

        memset(out, 0, sizeof(*out));
        out->metric = cfg->metric;
        out->mean_mode = cfg->metric == ENG_VOC_MEAN ||
                         (cfg->metric == ENG_VOC_CES && cfg->ces_mode == ENG_VOC_CES_MEAN);
        out->n = a->n;
        out->n_pos = a->n_pos;
        out->n_mid = a->n_mid;
        out->n_neg = a->n_neg;
        out->n_skipped = a->n_skipped;
        out->n_weighted = a->n_w;
        out->weight_sum = a->sw;
        if (a->n > 0) {
                mean = a->sx / n;
                if (a->n > 1)
                        var = fmax(0, (a->sxx - n * mean * mean) / (n - 1));
        }
        figure(cfg, out->mean_mode, n, n > 0 ? (double)a->n_pos / n : NAN,
               n > 0 ? (double)a->n_neg / n : NAN, mean, var, &out->unweighted);

        out->has_weighted = a->weights_seen;
        memset(&out->weighted, 0, sizeof(out->weighted));
        out->weighted.value = out->weighted.lo = out->weighted.hi = NAN;
        out->weighted.se = out->weighted.mean = NAN;
        out->weighted.pos_share = out->weighted.neg_share = NAN;
        if (a->weights_seen && a->sw > 0 && a->sww > 0) {
                double neff = a->sw * a->sw / a->sww;
                double wmean = a->swx / a->sw, wvar = NAN;

                /* weighted variance about the weighted mean, with Bessel's correction on n_eff */
                if (neff > 1)
                        wvar = fmax(0, a->swxx / a->sw - wmean * wmean) * neff / (neff - 1);
                figure(cfg, out->mean_mode, neff, a->sw_pos / a->sw, a->sw_neg / a->sw, wmean, wvar,
                       &out->weighted);
        }
}

void eng_voc_stat_compute(const struct eng_voc_cfg *cfg, const double *scores,
                          const double *weights, size_t n, struct eng_voc_stat *out)
{
        struct eng_voc_acc a;

        eng_voc_acc_clear(&a);
        for (size_t i = 0; i < n; i++)
                eng_voc_acc_add(&a, cfg, scores[i], weights ? weights[i] : NAN);
        eng_voc_acc_finish(&a, cfg, out);
}

enum cxg_err eng_voc_group(const struct eng_voc_cfg *cfg, const double *scores,
                           const double *weights, const uint32_t *groups, size_t n, size_t n_groups,
                           struct eng_voc_stat *out)
{
        struct eng_voc_acc *acc;

        if (n_groups == 0)
                return CXG_OK;
        acc = cxg_calloc(n_groups, sizeof(*acc));
        if (!acc)
                return CXG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                if (groups[i] >= n_groups)
                        continue;
                eng_voc_acc_add(&acc[groups[i]], cfg, scores[i], weights ? weights[i] : NAN);
        }
        for (size_t g = 0; g < n_groups; g++)
                eng_voc_acc_finish(&acc[g], cfg, &out[g]);
        cxg_free(acc);
        return CXG_OK;
}

enum cxg_err eng_voc_by_month(const struct eng_voc_cfg *cfg, const double *scores,
                              const double *weights, const int64_t *ts, size_t n, size_t max_months,
                              struct eng_voc_month **out, size_t *n_out, struct cxg_error *err)
{
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        struct eng_voc_acc *acc = NULL;
        struct eng_voc_month *m = NULL;
        size_t span;

        *out = NULL;
        *n_out = 0;
        if (!max_months)
                max_months = 1200;
        for (size_t i = 0; i < n; i++) {
                int64_t mi;

                if (ts[i] == CXG_TS_NONE)
                        continue;
                mi = cxg_month_index(ts[i]);
                lo = mi < lo ? mi : lo;
                hi = mi > hi ? mi : hi;
        }
        if (lo > hi)
                return CXG_OK;
        if ((uint64_t)(hi - lo) >= max_months)
                return cxg_error_set(err, CXG_ERR_LIMIT,
                                     "voc: answers span %lld months, over the limit of %zu",
                                     (long long)(hi - lo + 1), max_months);
        span = (size_t)(hi - lo + 1);
        acc = cxg_calloc(span, sizeof(*acc));
        m = cxg_calloc(span, sizeof(*m));
        if (!acc || !m) {
                cxg_free(acc);
                cxg_free(m);
                return cxg_error_set(err, CXG_ERR_NOMEM, "voc: out of memory for %zu months", span);
        }
        for (size_t i = 0; i < n; i++) {
                if (ts[i] == CXG_TS_NONE)
                        continue;
                eng_voc_acc_add(&acc[cxg_month_index(ts[i]) - lo], cfg, scores[i],
                                weights ? weights[i] : NAN);
        }
        for (size_t k = 0; k < span; k++) {
                m[k].month = lo + (int64_t)k;
                eng_voc_acc_finish(&acc[k], cfg, &m[k].stat);
        }
        cxg_free(acc);
        *out = m;
        *n_out = span;
        return CXG_OK;
}

/* ---- feedback joined to experience ---- */

void eng_voc_exp_cfg_init(struct eng_voc_exp_cfg *cfg, enum eng_voc_metric metric)
{
        static const int64_t bands[] = {1000, 5000, 30000, 300000};

        memset(cfg, 0, sizeof(*cfg));
        eng_voc_cfg_init(&cfg->voc, metric);
        cfg->window_s = 7 * 86400;
        memcpy(cfg->band_ms, bands, sizeof(bands));
        cfg->n_bands = sizeof(bands) / sizeof(bands[0]) + 1;
}

struct exp_accs {
        struct eng_voc_acc stat, mean;
};

static void exp_add(struct exp_accs *e, const struct eng_voc_cfg *cfg,
                    const struct eng_voc_cfg *mcfg, double score, double w)
{
        eng_voc_acc_add(&e->stat, cfg, score, w);
        eng_voc_acc_add(&e->mean, mcfg, score, w);
}

static void exp_finish(const struct exp_accs *e, const struct eng_voc_cfg *cfg,
                       const struct eng_voc_cfg *mcfg, struct eng_voc_exp_row *row)
{
        eng_voc_acc_finish(&e->stat, cfg, &row->stat);
        eng_voc_acc_finish(&e->mean, mcfg, &row->mean);
}

/* 1 when (p1, t1) sorts after (p2, t2). */
static int after(uint32_t p1, int64_t t1, uint32_t p2, int64_t t2)
{
        return p1 > p2 || (p1 == p2 && t1 > t2);
}

enum cxg_err eng_voc_experience(const struct eng_voc_exp_cfg *cfg,
                                const struct eng_voc_exp_input *in, struct eng_voc_exp_result *out,
                                struct cxg_error *err)
{
        struct exp_accs outcome[4], band[ENG_VOC_MAX_BANDS + 1], none, all;
        struct eng_voc_cfg mcfg;
        size_t nb = cfg->n_bands, j = 0;

        if (nb < 1 || nb > ENG_VOC_MAX_BANDS)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "voc: %zu duration bands, expected 1 to %d", nb,
                                     ENG_VOC_MAX_BANDS);
        for (size_t b = 1; b + 1 < nb; b++)
                if (cfg->band_ms[b] <= cfg->band_ms[b - 1])
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "voc: duration band bounds must ascend (bound %zu)",
                                             b + 1);
        for (size_t i = 1; i < in->n_fb; i++)
                if (after(in->fb_person[i - 1], in->fb_ts[i - 1], in->fb_person[i], in->fb_ts[i]))
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "voc: feedback not sorted by person and time at "
                                             "position %zu",
                                             i);
        for (size_t i = 1; i < in->n_ix; i++)
                if (after(in->ix_person[i - 1], in->ix_ts[i - 1], in->ix_person[i], in->ix_ts[i]))
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "voc: interactions not sorted by person and time "
                                             "at position %zu",
                                             i);
        memset(outcome, 0, sizeof(outcome));
        memset(band, 0, sizeof(band));
        memset(&none, 0, sizeof(none));
        memset(&all, 0, sizeof(all));
        eng_voc_cfg_init(&mcfg, ENG_VOC_MEAN);
        mcfg.min = cfg->voc.min;
        mcfg.max = cfg->voc.max;

        for (size_t i = 0; i < in->n_fb; i++) {
                uint32_t p = in->fb_person[i];
                int64_t t = in->fb_ts[i];
                double s = in->fb_score[i], w = in->fb_weight ? in->fb_weight[i] : NAN;

                /* advance j to the first interaction after (p, t); j - 1 is then the latest
                 * at or before the answer. Answers are sorted too, so j never moves back. */
                while (j < in->n_ix && !after(in->ix_person[j], in->ix_ts[j], p, t))
                        j++;
                exp_add(&all, &cfg->voc, &mcfg, s, w);
                if (j == 0 || in->ix_person[j - 1] != p || in->ix_ts[j - 1] < t - cfg->window_s) {
                        exp_add(&none, &cfg->voc, &mcfg, s, w);
                        continue;
                }
                {
                        uint8_t o = in->ix_outcome[j - 1];
                        int64_t d = in->ix_duration[j - 1];
                        size_t b = nb; /* no duration */

                        exp_add(&outcome[o < 4 ? o : 0], &cfg->voc, &mcfg, s, w);
                        if (d >= 0) {
                                b = 0;
                                while (b + 1 < nb && d >= cfg->band_ms[b])
                                        b++;
                        }
                        exp_add(&band[b], &cfg->voc, &mcfg, s, w);
                }
        }
        memset(out, 0, sizeof(*out));
        out->n_bands = nb;
        for (size_t k = 0; k < 4; k++)
                exp_finish(&outcome[k], &cfg->voc, &mcfg, &out->by_outcome[k]);
        for (size_t k = 0; k <= nb; k++)
                exp_finish(&band[k], &cfg->voc, &mcfg, &out->by_band[k]);
        exp_finish(&none, &cfg->voc, &mcfg, &out->no_interaction);
        exp_finish(&all, &cfg->voc, &mcfg, &out->all);
        return CXG_OK;
}
