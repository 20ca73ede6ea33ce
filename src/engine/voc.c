/*
 * voc.c: NPS, CSAT and CES with counts and 95% intervals, weighted beside unweighted, grouped
 * by any key or by month, and the join of answers to the experience that preceded them.
 * Owns nothing beyond the arrays it returns. Formulas: docs/scoring.md, "Voice of the customer".
 */
#include "engine/voc.h"

#include <math.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/hmap.h"
#include "core/parse.h"
#include "engine/segments.h"
#include "engine/snapshot.h"
#include "model/model.h"

#include "core/banned.h"
#include "core/timeconst.h"

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
        cfg->window_s = CXG_WEEK;
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

/* ---- over the engine snapshot ---- */

double eng_voc_seniority_weight(int seniority)
{
        switch (seniority) {
        case CXG_SEN_EXECUTIVE:
                return 4;
        case CXG_SEN_DIRECTOR:
                return 3;
        case CXG_SEN_MANAGER:
                return 2;
        default:
                return 1;
        }
}

int eng_voc_weight_parse(const char *s)
{
        if (!s || strcmp(s, "none") == 0)
                return ENG_VOC_W_NONE;
        if (strcmp(s, "mrr") == 0)
                return ENG_VOC_W_MRR;
        if (strcmp(s, "seniority") == 0)
                return ENG_VOC_W_SENIORITY;
        return -1;
}

const char *eng_voc_weight_name(enum eng_voc_weight w)
{
        return w == ENG_VOC_W_MRR ? "mrr" : w == ENG_VOC_W_SENIORITY ? "seniority" : "none";
}

int eng_voc_metric_kind(enum eng_voc_metric m)
{
        switch (m) {
        case ENG_VOC_NPS:
                return CXG_FB_NPS;
        case ENG_VOC_CSAT:
                return CXG_FB_CSAT;
        case ENG_VOC_CES:
                return CXG_FB_CES;
        default:
                return CXG_FB_RATING;
        }
}

void eng_voc_query_init(struct eng_voc_query *q, enum eng_voc_metric m)
{
        memset(q, 0, sizeof(*q));
        eng_voc_cfg_init(&q->cfg, m);
        q->weight = ENG_VOC_W_NONE;
        q->since = q->until = q->at = CXG_TS_NONE;
}

double eng_voc_feedback_weight(const struct eng_snapshot *s, size_t i, enum eng_voc_weight w)
{
        if (w == ENG_VOC_W_MRR) {
                uint32_t a = s->f_account[i];

                return a < s->n_accounts ? (double)s->a_mrr[a] : NAN;
        }
        if (w == ENG_VOC_W_SENIORITY) {
                uint32_t p = s->f_person[i];

                return eng_voc_seniority_weight(p < s->n_people ? s->p_seniority[p]
                                                                : CXG_SEN_UNKNOWN);
        }
        return NAN;
}

static int in_window(int64_t t, int64_t since, int64_t until)
{
        return (since == CXG_TS_NONE || t >= since) && (until == CXG_TS_NONE || t <= until);
}

static int row_cmp(const void *pa, const void *pb)
{
        const struct eng_voc_row *a = pa, *b = pb;

        if (a->stat.n != b->stat.n)
                return a->stat.n > b->stat.n ? -1 : 1;
        return strcmp(a->name, b->name);
}

void eng_voc_report_release(struct eng_voc_report *rep)
{
        cxg_free(rep->all.months);
        for (size_t g = 0; g < rep->n_groups; g++)
                cxg_free(rep->groups[g].months);
        cxg_free(rep->groups);
        cxg_arena_release(&rep->arena);
        memset(rep, 0, sizeof(*rep));
}

enum cxg_err eng_voc_report(const struct eng_snapshot *s, const struct eng_scores *r,
                            const struct eng_voc_query *q, struct eng_voc_report *out,
                            struct cxg_error *err)
{
        int kind = eng_voc_metric_kind(q->cfg.metric);
        int people = q->by && eng_field_is_canonical(q->by, 1) && !eng_field_is_canonical(q->by, 0);
        double *sc = NULL, *w = NULL, *gs = NULL, *gw = NULL;
        int64_t *ts = NULL, *gt = NULL;
        uint32_t *grp = NULL;
        struct cxg_hmap names;
        size_t n = 0;
        enum cxg_err rc = CXG_OK;
        char buf[256];

        memset(out, 0, sizeof(*out));
        cxg_arena_init(&out->arena, 16 * 1024, 0);
        cxg_hmap_init(&names);
        out->weight = q->weight;
        out->by = q->by;
        out->all.name = "all";
        sc = cxg_malloc((s->n_fb + 1) * sizeof(*sc));
        w = cxg_malloc((s->n_fb + 1) * sizeof(*w));
        ts = cxg_malloc((s->n_fb + 1) * sizeof(*ts));
        grp = cxg_malloc((s->n_fb + 1) * sizeof(*grp));
        if (!sc || !w || !ts || !grp)
                goto nomem;
        for (size_t i = 0; i < s->n_fb; i++) {
                if (s->f_kind[i] != kind || !in_window(s->f_ts[i], q->since, q->until))
                        continue;
                sc[n] = s->f_score[i];
                w[n] = eng_voc_feedback_weight(s, i, q->weight);
                ts[n] = s->f_ts[i];
                grp[n] = UINT32_MAX;
                if (q->by) {
                        const char *v;
                        uint64_t id = out->n_groups;
                        int found;

                        if (strcmp(q->by, "account") == 0)
                                v = s->f_account[i] < s->n_accounts ? s->a_ext[s->f_account[i]]
                                                                    : "(none)";
                        else if (people && s->f_person[i] >= s->n_people)
                                v = "(none)";
                        else
                                v = eng_field_value(s, r, people,
                                                    people ? s->f_person[i] : s->f_account[i],
                                                    q->by, q->at, buf, sizeof(buf));
                        if (cxg_hmap_intern(&names, v, strlen(v), &id, &found, NULL))
                                goto nomem;
                        if (!found)
                                out->n_groups++;
                        grp[n] = (uint32_t)id;
                }
                n++;
        }
        eng_voc_stat_compute(&q->cfg, sc, q->weight ? w : NULL, n, &out->all.stat);
        if (q->monthly && (rc = eng_voc_by_month(&q->cfg, sc, q->weight ? w : NULL, ts, n, 0,
                                                 &out->all.months, &out->all.n_months, err)))
                goto done;
        if (out->n_groups) {
                struct eng_voc_stat *st = cxg_calloc(out->n_groups, sizeof(*st));

                out->groups = cxg_calloc(out->n_groups, sizeof(*out->groups));
                if (!st || !out->groups) {
                        cxg_free(st);
                        goto nomem;
                }
                rc = eng_voc_group(&q->cfg, sc, q->weight ? w : NULL, grp, n, out->n_groups, st);
                if (rc) {
                        cxg_free(st);
                        goto nomem;
                }
                for (size_t k = 0; k < names.cap; k++) {
                        const struct cxg_hmap_slot *sl = &names.slots[k];

                        if (!sl->key)
                                continue;
                        out->groups[sl->val].name = cxg_arena_strdup(&out->arena, sl->key);
                        out->groups[sl->val].stat = st[sl->val];
                        if (!out->groups[sl->val].name) {
                                cxg_free(st);
                                goto nomem;
                        }
                }
                cxg_free(st);
                if (q->monthly) {
                        gs = cxg_malloc((n + 1) * sizeof(*gs));
                        gw = cxg_malloc((n + 1) * sizeof(*gw));
                        gt = cxg_malloc((n + 1) * sizeof(*gt));
                        if (!gs || !gw || !gt)
                                goto nomem;
                        for (size_t g = 0; g < out->n_groups; g++) {
                                size_t m = 0;

                                for (size_t i = 0; i < n; i++)
                                        if (grp[i] == g)
                                                gs[m] = sc[i], gw[m] = w[i], gt[m++] = ts[i];
                                rc = eng_voc_by_month(&q->cfg, gs, q->weight ? gw : NULL, gt, m, 0,
                                                      &out->groups[g].months,
                                                      &out->groups[g].n_months, err);
                                if (rc)
                                        goto done;
                        }
                }
                qsort(out->groups, out->n_groups, sizeof(*out->groups), row_cmp);
        }
        goto done;
nomem:
        rc = cxg_error_set(err, CXG_ERR_NOMEM, "voc: out of memory");
done:
        if (rc)
                eng_voc_report_release(out);
        cxg_hmap_release(&names);
        cxg_free(sc);
        cxg_free(w);
        cxg_free(ts);
        cxg_free(grp);
        cxg_free(gs);
        cxg_free(gw);
        cxg_free(gt);
        return rc;
}

/* ---- experience over the snapshot ---- */

void eng_voc_exp_query_init(struct eng_voc_exp_query *q, enum eng_voc_metric m)
{
        memset(q, 0, sizeof(*q));
        eng_voc_exp_cfg_init(&q->cfg, m);
        q->since = q->until = CXG_TS_NONE;
}

struct pt {
        uint32_t person;
        int64_t ts;
        double score, weight;
        uint8_t outcome;
        int64_t dur;
};

static int pt_cmp(const void *pa, const void *pb)
{
        const struct pt *a = pa, *b = pb;

        if (a->person != b->person)
                return a->person < b->person ? -1 : 1;
        return a->ts < b->ts ? -1 : a->ts > b->ts;
}

enum cxg_err eng_voc_experience_snapshot(const struct eng_snapshot *s,
                                         const struct eng_voc_exp_query *q,
                                         struct eng_voc_exp_result *out, struct cxg_error *err)
{
        int kind = eng_voc_metric_kind(q->cfg.voc.metric);
        struct pt *fb = NULL, *ix = NULL;
        size_t nf = 0, ni = 0;
        uint64_t type_id = UINT64_MAX;
        struct eng_voc_exp_input in;
        enum cxg_err rc = CXG_OK;
        uint32_t *cp = NULL, *ip = NULL;
        int64_t *ct = NULL, *it = NULL, *idur = NULL;
        double *cs = NULL, *cw = NULL;
        uint8_t *io = NULL;

        memset(out, 0, sizeof(*out));
        if (q->type && !cxg_hmap_get(&s->types.map, q->type, strlen(q->type), &type_id))
                type_id = UINT64_MAX - 1; /* a type nobody used: no interaction matches */
        fb = cxg_malloc((s->n_fb + 1) * sizeof(*fb));
        ix = cxg_malloc((s->n_fb + 1) * sizeof(*ix));
        if (!fb || !ix)
                goto nomem;
        for (size_t i = 0; i < s->n_fb; i++) {
                uint32_t a = s->f_account[i], p = s->f_person[i];
                int64_t t = s->f_ts[i], from = t - q->cfg.window_s;
                int64_t best_ts = INT64_MIN;
                int64_t best = -1; /* main row, or -(delta row) - 2 */
                uint64_t lo, hi;

                if (s->f_kind[i] != kind || !in_window(t, q->since, q->until))
                        continue;
                fb[nf].person = p;
                fb[nf].ts = t;
                fb[nf].score = s->f_score[i];
                fb[nf].weight = eng_voc_feedback_weight(s, i, q->weight);
                nf++;
                if (p >= s->n_people || a >= s->n_accounts)
                        continue;
                /* the account's rows are time-sorted: walk back from the answer */
                eng_account_range(s, a, from, t, &lo, &hi);
                for (uint64_t j = hi; j > lo; j--) {
                        if (s->main.person[j - 1] != p)
                                continue;
                        if (type_id != UINT64_MAX && s->main.type[j - 1] != type_id)
                                continue;
                        best = (int64_t)(j - 1);
                        best_ts = (int64_t)s->main.ts[j - 1] + ENG_EPOCH;
                        break;
                }
                if (s->delta.n && s->a_doff && a < s->ioff_accounts) {
                        for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                                uint32_t d = s->d_idx[k];
                                int64_t dt = (int64_t)s->delta.ts[d] + ENG_EPOCH;

                                if (s->delta.person[d] != p || dt < from || dt > t ||
                                    dt < best_ts ||
                                    (type_id != UINT64_MAX && s->delta.type[d] != type_id))
                                        continue;
                                best = -(int64_t)d - 2;
                                best_ts = dt;
                        }
                }
                if (best == -1)
                        continue;
                {
                        const struct eng_icols *c = best >= 0 ? &s->main : &s->delta;
                        size_t row = best >= 0 ? (size_t)best : (size_t)(-best - 2);

                        ix[ni].person = p;
                        ix[ni].ts = best_ts;
                        ix[ni].outcome = c->outcome[row];
                        ix[ni].dur =
                            c->duration[row] == ENG_DUR_NONE ? -1 : (int64_t)c->duration[row];
                        ni++;
                }
        }
        qsort(fb, nf, sizeof(*fb), pt_cmp);
        qsort(ix, ni, sizeof(*ix), pt_cmp);
        cp = cxg_malloc((nf + 1) * sizeof(*cp));
        ct = cxg_malloc((nf + 1) * sizeof(*ct));
        cs = cxg_malloc((nf + 1) * sizeof(*cs));
        cw = cxg_malloc((nf + 1) * sizeof(*cw));
        ip = cxg_malloc((ni + 1) * sizeof(*ip));
        it = cxg_malloc((ni + 1) * sizeof(*it));
        io = cxg_malloc(ni + 1);
        idur = cxg_malloc((ni + 1) * sizeof(*idur));
        if (!cp || !ct || !cs || !cw || !ip || !it || !io || !idur)
                goto nomem;
        for (size_t i = 0; i < nf; i++)
                cp[i] = fb[i].person, ct[i] = fb[i].ts, cs[i] = fb[i].score, cw[i] = fb[i].weight;
        for (size_t i = 0; i < ni; i++)
                ip[i] = ix[i].person, it[i] = ix[i].ts, io[i] = ix[i].outcome, idur[i] = ix[i].dur;
        in.fb_person = cp;
        in.fb_ts = ct;
        in.fb_score = cs;
        in.fb_weight = q->weight ? cw : NULL;
        in.n_fb = nf;
        in.ix_person = ip;
        in.ix_ts = it;
        in.ix_outcome = io;
        in.ix_duration = idur;
        in.n_ix = ni;
        rc = eng_voc_experience(&q->cfg, &in, out, err);
        goto done;
nomem:
        rc = cxg_error_set(err, CXG_ERR_NOMEM, "voc: out of memory");
done:
        cxg_free(fb);
        cxg_free(ix);
        cxg_free(cp);
        cxg_free(ct);
        cxg_free(cs);
        cxg_free(cw);
        cxg_free(ip);
        cxg_free(it);
        cxg_free(io);
        cxg_free(idur);
        return rc;
}

/* Label of band k ("<1s", "1s-5s", ">=5min", "no duration") into out (cap >= 32). */
static void band_label(const struct eng_voc_exp_cfg *cfg, size_t k, char *out, size_t cap)
{
        char a[32], b[32];

#define DUR(ms, o)                                                                                 \
        ((ms) % 60000 == 0 && (ms) >= 60000                                                        \
             ? snprintf(o, sizeof(o), "%lldmin", (long long)((ms) / 60000))                        \
         : (ms) % 1000 == 0 ? snprintf(o, sizeof(o), "%llds", (long long)((ms) / 1000))            \
                            : snprintf(o, sizeof(o), "%lldms", (long long)(ms)))
        if (k >= cfg->n_bands) {
                snprintf(out, cap, "no duration");
                return;
        }
        if (cfg->n_bands == 1) {
                snprintf(out, cap, "any");
                return;
        }
        if (k == 0) {
                DUR(cfg->band_ms[0], a);
                snprintf(out, cap, "<%s", a);
        } else if (k + 1 == cfg->n_bands) {
                DUR(cfg->band_ms[k - 1], a);
                snprintf(out, cap, ">=%s", a);
        } else {
                DUR(cfg->band_ms[k - 1], a);
                DUR(cfg->band_ms[k], b);
                snprintf(out, cap, "%s-%s", a, b);
        }
#undef DUR
}

/* Label of a duration band, for text output. */
void eng_voc_band_label(const struct eng_voc_exp_cfg *cfg, size_t k, char *out, size_t cap)
{
        band_label(cfg, k, out, cap);
}
