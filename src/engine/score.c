/*
 * score.c: the per-account pass of docs/scoring.md (score_account): decayed weighted activity
 * per person over the window, experience counters of the last trend_days, then one function
 * per component (comp_*), health, robustness and worded reasons. The formulas shared with other
 * modules come first; eng_compute, which prepares the run and calls score_account for every
 * account on several threads, is in score_compute.c.
 */
#include "engine/score.h"
#include "engine/score_int.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/timeconst.h"

/* ---- formulas ---- */

/* docs/scoring.md#decay */
double eng_decay(double age_days, double half_life_days)
{
        return exp2(-age_days / half_life_days);
}

/* docs/scoring.md#saturation */
double eng_saturate(double x, double scale)
{
        return x <= 0 ? 0 : 1 - exp(-x / scale);
}

static double clamp01(double x)
{
        return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* docs/scoring.md#person-engagement */
double eng_person_engagement(const struct eng_params *p, double activity, unsigned channels,
                             unsigned caps, unsigned total_caps, unsigned feedback_answers)
{
        double a = eng_saturate(activity, p->activity_scale);
        double b = fmin(channels / p->breadth_channels, 1);
        double f = feedback_answers > 0 ? 1 : 0;
        double wsum = p->w_activity + p->w_breadth + p->w_feedback;

        if (total_caps > 0)
                b = 0.5 * b + 0.5 * fmin(caps / fmin(p->breadth_caps, total_caps), 1);
        if (wsum <= 0)
                return 0;
        return 100 * (p->w_activity * a + p->w_breadth * b + p->w_feedback * f) / wsum;
}

/* docs/scoring.md#bands */
int eng_band(const struct eng_scorecard *c, double health)
{
        if (isnan(health))
                return ENG_BAND_UNKNOWN;
        if (health < c->band_poor)
                return ENG_BAND_POOR;
        if (health < c->band_good)
                return ENG_BAND_AVERAGE;
        return ENG_BAND_GOOD;
}

/* docs/scoring.md#expectation */
double eng_ewma(double prev, double x, double alpha)
{
        if (isnan(x))
                return prev;
        if (isnan(prev))
                return x;
        return alpha * x + (1 - alpha) * prev;
}

/* docs/scoring.md#experience */
double eng_experience_ratio_score(double ratio)
{
        return 100 * clamp01(1.5 - ratio);
}

/* docs/scoring.md#trend */
double eng_trend_score(double now, double before)
{
        return 100 * clamp01(0.5 + 0.5 * log2((now + 1) / (before + 1)));
}

/* docs/scoring.md#weighted-components */
double eng_weighted(const float *comp, const double *w, int first, int n)
{
        double s = 0, ws = 0;

        for (int i = first; i < first + n; i++)
                if (!isnan(comp[i]) && w[i] > 0) {
                        s += w[i] * comp[i];
                        ws += w[i];
                }
        return ws > 0 ? s / ws : NAN;
}

/* Normalised 0-1 satisfaction of a feedback answer; docs/scoring.md#feedback. */
static double fb_norm(int kind, double score)
{
        switch (kind) {
        case CXG_FB_NPS:
                return clamp01(score / 10);
        case CXG_FB_CES:
                return clamp01((score - 1) / 6);
        default:
                return clamp01((score - 1) / 4);
        }
}

/* A detractor answer: NPS 0-6, CSAT or rating 1-2, CES 1-3. */
static int fb_detractor(int kind, double score)
{
        switch (kind) {
        case CXG_FB_NPS:
                return score <= ENG_NPS_DETRACTOR_MAX;
        case CXG_FB_CES:
                return score <= ENG_CES_DETRACTOR_MAX;
        default:
                return score <= ENG_CSAT_DETRACTOR_MAX;
        }
}

static int fb_promoter(int kind, double score)
{
        switch (kind) {
        case CXG_FB_NPS:
                return score >= ENG_NPS_PROMOTER_MIN;
        case CXG_FB_CES:
                return score >= ENG_CES_PROMOTER_MIN;
        default:
                return score >= ENG_CSAT_PROMOTER_MIN;
        }
}

/* ---- the computation ---- */

static void add_reason(struct eng_account_score *as, uint8_t code, char score, float impact,
                       float value, uint32_t ref, int64_t ts, uint8_t aux)
{
        struct eng_reason r = {code, aux, (uint8_t)score, impact, value, ref, ts};
        int k;

        if (as->n_reasons < ENG_MAX_REASONS) {
                as->reasons[as->n_reasons++] = r;
        } else {
                /* replace the weakest when this one matters more */
                int w = 0;

                for (k = 1; k < ENG_MAX_REASONS; k++)
                        if (fabsf(as->reasons[k].impact) < fabsf(as->reasons[w].impact))
                                w = k;
                if (fabsf(as->reasons[w].impact) >= fabsf(impact))
                        return;
                as->reasons[w] = r;
        }
        /* keep sorted by |impact| descending (insertion) */
        for (k = as->n_reasons - 1; k > 0; k--) {
                if (fabsf(as->reasons[k].impact) <= fabsf(as->reasons[k - 1].impact))
                        break;
                r = as->reasons[k];
                as->reasons[k] = as->reasons[k - 1];
                as->reasons[k - 1] = r;
        }
}

/*
 * Experience counters of one account's rows of the last trend_days (accumulate_exp), read by
 * comp_experience. Floats, summed in row order, as the scores have always been.
 */
struct exp_tally {
        float rows;        /* every row */
        float failed;      /* rows whose outcome is failed */
        float support_sum; /* seconds of support durations */
        float support_n;   /* support rows with a duration */
        float latency_n;   /* web/app rows with a duration, of a type with an expectation */
        float latency_idx; /* sum of those durations / their type's expectation */
};

/* What the people of one account add up to (comp_stakeholders), read by later components. */
struct people_tally {
        double eng_sum, weight_sum; /* sum sw(p) E(p), sum sw(p) over active people */
        double act_now, act_prior;  /* sum sw(p) A(p) as of at and as of at - trend_days */
        double cover;               /* sum sw(p) over engaged people */
        unsigned levels_present;    /* bit per known seniority level among active people */
        unsigned levels_engaged;    /* the same among engaged people */
};

static inline void accumulate_exp(const struct ctx *c, const struct eng_icols *col, uint64_t j,
                                  struct exp_tally *x, struct tscratch *ts);

/* The generic loop over one account's rows: per-person decayed weighted activity and breadth. */
static inline void accumulate(const struct ctx *c, const struct eng_icols *col, uint64_t j,
                              uint32_t a, struct exp_tally *x, struct tscratch *ts)
{
        struct eng_scores *r = c->r;
        int32_t age = c->at_rel - col->ts[j];
        uint32_t p = col->person[j];
        float w = c->tw[col->type[j]] * c->cw[col->channel[j]];
        float d = c->decay[(uint32_t)age / 3600u];

        if (c->s->p_account[p] == a) {
                if (age < c->window_s) {
                        r->p_activity[p] += w * d;
                        r->p_channels[p] |= (uint16_t)(1u << col->channel[j]);
                        if (c->have_caps)
                                r->p_capmask[p] |= c->s->t_caps[col->type[j]];
                        if (col->ts[j] > r->p_last[p])
                                r->p_last[p] = col->ts[j];
                }
                if (age >= c->trend_s && x)
                        r->p_prior[p] += w * d * c->k_trend;
        }
        if (age < c->trend_s && x)
                accumulate_exp(c, col, j, x, ts);
}

/* Experience counters of one row of the last trend_days. */
static inline void accumulate_exp(const struct ctx *c, const struct eng_icols *col, uint64_t j,
                                  struct exp_tally *x, struct tscratch *ts)
{
        uint32_t du = col->duration[j];
        int kind;

        x->rows += 1;
        if (col->outcome[j] == CXG_OUT_FAILED)
                x->failed += 1;
        if (du == ENG_DUR_NONE)
                return;
        kind = c->dkind[col->type[j] * CXG_CH__COUNT + col->channel[j]];
        if (kind == ENG_DUR_SUPPORT) {
                x->support_sum += (float)du / 1000.0f;
                x->support_n += 1;
        } else if (kind == ENG_DUR_LATENCY) {
                uint16_t t = col->type[j];
                float e = c->t_expect[t];

                if (e > 0) {
                        x->latency_n += 1;
                        x->latency_idx += (float)du / 1000.0f / e;
                        if (!ts->n[t])
                                ts->touched[ts->n_touched++] = t;
                        ts->n[t]++;
                        ts->sum[t] += (float)du / 1000.0f;
                }
        }
}

static void main_active(const struct ctx *c, uint64_t lo, uint64_t hi)
{
        const struct eng_icols *m = &c->s->main;
        struct eng_scores *r = c->r;
        const float *wt = c->wt, *dec = c->decay;
        const int32_t at = c->at_rel;

        if (c->have_caps) {
                for (uint64_t j = lo; j < hi; j++) {
                        uint32_t p = m->person[j];
                        int32_t ts = m->ts[j];
                        unsigned ch = m->channel[j], t = m->type[j];

                        r->p_activity[p] += wt[t * 16 + ch] * dec[(uint32_t)(at - ts) / 3600u];
                        r->p_channels[p] |= (uint16_t)(1u << ch);
                        r->p_capmask[p] |= c->s->t_caps[t];
                        r->p_last[p] = ts > r->p_last[p] ? ts : r->p_last[p];
                }
                return;
        }
        for (uint64_t j = lo; j < hi; j++) {
                uint32_t p = m->person[j];
                int32_t ts = m->ts[j];
                unsigned ch = m->channel[j], t = m->type[j];

                r->p_activity[p] += wt[t * 16 + ch] * dec[(uint32_t)(at - ts) / 3600u];
                r->p_channels[p] |= (uint16_t)(1u << ch);
                r->p_last[p] = ts > r->p_last[p] ? ts : r->p_last[p];
        }
}

/* Rows [lo, hi) old enough to count in the activity as of at - trend_days. */
static void main_prior(const struct ctx *c, uint64_t lo, uint64_t hi)
{
        const struct eng_icols *m = &c->s->main;
        struct eng_scores *r = c->r;
        const float k = c->k_trend;

        for (uint64_t j = lo; j < hi; j++) {
                uint32_t p = m->person[j];

                r->p_prior[p] += c->wt[m->type[j] * 16 + m->channel[j]] *
                                 c->decay[(uint32_t)(c->at_rel - m->ts[j]) / 3600u] * k;
        }
}

static int person_active(const struct eng_snapshot *s, uint32_t p, int64_t at)
{
        if (s->p_created[p] != CXG_TS_NONE && s->p_created[p] > at)
                return 0;
        if (s->p_left[p] != CXG_TS_NONE && s->p_left[p] <= at)
                return 0;
        return 1;
}

/* Seniority-weighted interaction count of account a's people in [from, to). */
static double weighted_count(const struct ctx *c, uint32_t a, int64_t from, int64_t to)
{
        const struct eng_snapshot *s = c->s;
        uint64_t lo, hi;
        double n = 0;

        eng_account_range(s, a, from, to - 1, &lo, &hi);
        for (uint64_t j = lo; j < hi; j++) {
                uint32_t p = s->main.person[j];

                n += c->p->sen_weight[s->p_seniority[p]];
        }
        for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                uint32_t j = s->d_idx[k];
                int64_t t = (int64_t)s->delta.ts[j] + ENG_EPOCH;

                if (t >= from && t < to)
                        n += c->p->sen_weight[s->p_seniority[s->delta.person[j]]];
        }
        return n;
}

/* Seniority-weighted interaction count of directors and executives in [from, to). */
static double senior_count(const struct ctx *c, uint32_t a, int64_t from, int64_t to)
{
        const struct eng_snapshot *s = c->s;
        uint64_t lo, hi;
        double n = 0;

        eng_account_range(s, a, from, to - 1, &lo, &hi);
        for (uint64_t j = lo; j < hi; j++) {
                uint8_t sen = s->p_seniority[s->main.person[j]];

                if (sen >= CXG_SEN_DIRECTOR)
                        n += c->p->sen_weight[sen];
        }
        for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                uint32_t j = s->d_idx[k];
                int64_t t = (int64_t)s->delta.ts[j] + ENG_EPOCH;
                uint8_t sen = s->p_seniority[s->delta.person[j]];

                if (t >= from && t < to && sen >= CXG_SEN_DIRECTOR)
                        n += c->p->sen_weight[sen];
        }
        return n;
}

/* Days of inactivity of person p as of at (last activity from the window or monthly bits). */
static double inactive_days(const struct ctx *c, uint32_t p, int *never)
{
        const struct eng_snapshot *s = c->s;

        *never = 0;
        if (c->r->p_last[p] != INT32_MIN)
                return (c->at_rel - c->r->p_last[p]) / (double)CXG_DAY;
        if (s->p_words) {
                size_t m = c->month_at + 1 < s->n_months ? c->month_at + 1 : s->n_months;

                /* the last active month up to at's, then the exact last row in it */
                while (m-- > 0) {
                        int64_t ms, me, last = CXG_TS_NONE;
                        uint64_t lo, hi;
                        uint32_t a = s->p_account[p];

                        if (!(s->p_active[(size_t)p * s->p_words + m / 64] &
                              (UINT64_C(1) << (m % 64))))
                                continue;
                        ms = cxg_month_start(s->month0 + (int64_t)m);
                        me = cxg_month_start(s->month0 + (int64_t)m + 1);
                        if (me > c->at + 1)
                                me = c->at + 1;
                        eng_account_range(s, a, ms, me - 1, &lo, &hi);
                        for (uint64_t j = lo; j < hi; j++)
                                if (s->main.person[j] == p)
                                        last = (int64_t)s->main.ts[j] + ENG_EPOCH;
                        for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                                uint32_t j = s->d_idx[k];
                                int64_t t = (int64_t)s->delta.ts[j] + ENG_EPOCH;

                                if (s->delta.person[j] == p && t >= ms && t < me && t > last)
                                        last = t;
                        }
                        if (last != CXG_TS_NONE)
                                return (c->at - last) / (double)CXG_DAY;
                }
        }
        *never = 1;
        return 0;
}

/* Lifecycle stage of account a as of at (docs/scoring.md#bands-and-scorecards). */
int score_stage_of(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;

        if (s->a_churned[a] && (s->a_churned_at[a] == CXG_TS_NONE || s->a_churned_at[a] <= c->at))
                return ENG_STAGE_CHURNED;
        if (s->a_created[a] != CXG_TS_NONE &&
            c->at - s->a_created[a] < ENG_ONBOARDING_DAYS * (double)CXG_DAY)
                return ENG_STAGE_ONBOARDING;
        return ENG_STAGE_ACTIVE;
}

/* The worst complete month of failed or slow rows in [lo, hi]: its start and share, or 0. */
static double worst_month(const struct ctx *c, uint32_t a, int64_t lo, int64_t hi, int64_t *start)
{
        const struct eng_snapshot *s = c->s;
        const struct eng_month *mo = &s->a_month[(size_t)a * s->n_months];
        uint64_t tot = 0, bad = 0;
        double best = 0;

        for (size_t m = 0; m < s->n_months; m++) {
                if (c->mstart[m] < lo || c->mstart[m + 1] > hi)
                        continue;
                tot += mo[m].n;
                bad += mo[m].failed + mo[m].slow;
        }
        for (size_t m = 0; tot && m < s->n_months; m++) {
                double rt;

                if (c->mstart[m] < lo || c->mstart[m + 1] > hi || mo[m].n < ENG_BAD_MONTH_MIN_ROWS)
                        continue;
                rt = (double)(mo[m].failed + mo[m].slow) / mo[m].n;
                if (rt >= ENG_BAD_MONTH_MIN_SHARE && rt >= ENG_BAD_MONTH_FACTOR * bad / tot &&
                    rt > best) {
                        best = rt;
                        *start = c->mstart[m];
                }
        }
        return best;
}

/* The bad experience robustness tests against: latest detractor or worst month. */
static int bad_event(const struct ctx *c, uint32_t a, int64_t *when, uint8_t *kind, float *rate)
{
        const struct eng_snapshot *s = c->s;
        int64_t lo = c->at - (int64_t)(c->p->bad_lookback_days * (double)CXG_DAY);
        int64_t hi = c->at - (int64_t)(c->p->resilience_days * (double)CXG_DAY);
        int found = 0;

        for (uint32_t f = s->a_foff[a]; f < s->a_foff[a + 1]; f++)
                if (s->f_ts[f] >= lo && s->f_ts[f] <= hi &&
                    fb_detractor(s->f_kind[f], s->f_score[f])) {
                        *when = s->f_ts[f];
                        *kind = 0;
                        found = 1;
                }
        if (s->n_months) {
                int64_t best_t = 0;
                double best = worst_month(c, a, lo, hi, &best_t);

                if (best > 0 && (!found || best_t > *when)) {
                        *when = best_t;
                        *kind = 1;
                        *rate = (float)best;
                        found = 1;
                }
        }
        return found;
}

/* Start of the feedback window of the health scores. */
static int64_t feedback_from(const struct ctx *c)
{
        return c->at - (int64_t)(c->p->feedback_days * (double)CXG_DAY);
}

/* Every component and experience value of account a absent; its stage and scorecard. */
static void account_reset(const struct ctx *c, uint32_t a)
{
        struct eng_account_score *as = &c->r->acc[a];

        for (int k = 0; k < ENG_C__COUNT; k++)
                as->comp[k] = NAN;
        for (int k = 0; k < ENG_M__COUNT; k++)
                as->exp_value[k] = as->exp_base[k] = NAN;
        as->stage = (uint8_t)score_stage_of(c, a);
        as->card = c->card[a];
}

/*
 * One pass over account a's rows of the window (and of the trend before it): activity,
 * channels, capabilities and last activity per person; experience counters into x unless x
 * is NULL (core_only).
 */
static void scan_rows(const struct ctx *c, uint32_t a, struct exp_tally *x, struct tscratch *ts)
{
        const struct eng_snapshot *s = c->s;
        uint64_t lo, hi;

        if (s->mixed_accounts) {
                eng_account_range(s, a, c->at - c->span_s, c->at, &lo, &hi);
                for (uint64_t j = lo; j < hi; j++)
                        accumulate(c, &s->main, j, a, x, ts);
        } else {
                /* three sub-ranges by age, so the hot loops do not test ages per row */
                uint64_t b0, b1, b2, b3;

                eng_account_range(s, a, c->at - c->span_s + 1, c->at, &b0, &b3);
                eng_account_range(s, a, c->at - c->window_s + 1, c->at, &b1, &b3);
                eng_account_range(s, a, c->at - c->trend_s + 1, c->at, &b2, &b3);
                if (b1 < b0)
                        b1 = b0;
                if (b2 < b1)
                        b2 = b1;
                if (!x) {
                        main_active(c, b1, b3);
                } else {
                        main_prior(c, b0, b2);
                        main_active(c, b1, b3);
                        for (uint64_t j = b2; j < b3; j++)
                                accumulate_exp(c, &s->main, j, x, ts);
                }
        }
        for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                uint32_t j = s->d_idx[k];
                int32_t age = c->at_rel - s->delta.ts[j];

                if (age >= 0 && age < c->span_s)
                        accumulate(c, &s->delta, j, a, x, ts);
        }
}

/* Survey answers per person of account a in the feedback window. */
static void count_answers(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;
        struct eng_scores *r = c->r;
        int64_t fb_from = feedback_from(c);

        for (uint32_t f = s->a_foff[a]; f < s->a_foff[a + 1]; f++)
                if (s->f_ts[f] >= fb_from && s->f_ts[f] <= c->at && s->f_person[f] != ENG_NONE &&
                    s->p_account[s->f_person[f]] == a && r->p_feedback[s->f_person[f]] < UINT16_MAX)
                        r->p_feedback[s->f_person[f]]++;
}

/* Engagement per active person, tallied into t; the stakeholders component = engagement. */
static void comp_stakeholders(const struct ctx *c, uint32_t a, struct people_tally *t)
{
        const struct eng_snapshot *s = c->s;
        const struct eng_params *p = c->p;
        struct eng_scores *r = c->r;
        struct eng_account_score *as = &r->acc[a];

        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++) {
                uint32_t pi = s->p_list[k];
                double e, w = p->sen_weight[s->p_seniority[pi]];

                if (!person_active(s, pi, c->at)) {
                        r->p_engagement[pi] = NAN;
                        continue;
                }
                r->p_caps[pi] = (uint8_t)__builtin_popcountll(r->p_capmask[pi]);
                e = eng_person_engagement(p, r->p_activity[pi],
                                          (unsigned)__builtin_popcount(r->p_channels[pi]),
                                          r->p_caps[pi], (unsigned)s->n_caps, r->p_feedback[pi]);
                r->p_engagement[pi] = (float)e;
                t->eng_sum += w * e;
                t->weight_sum += w;
                t->act_now += w * r->p_activity[pi];
                t->act_prior += w * r->p_prior[pi];
                as->n_people++;
                if (s->p_seniority[pi] != CXG_SEN_UNKNOWN)
                        t->levels_present |= 1u << s->p_seniority[pi];
                if (e >= p->engaged_threshold) {
                        as->n_engaged++;
                        t->cover += w;
                        if (s->p_seniority[pi] != CXG_SEN_UNKNOWN)
                                t->levels_engaged |= 1u << s->p_seniority[pi];
                }
        }
        as->activity = (float)t->act_now;
        as->activity_prior = (float)t->act_prior;
        if (t->weight_sum > 0)
                as->comp[ENG_C_STAKEHOLDERS] = (float)(t->eng_sum / t->weight_sum);
        as->engagement = as->comp[ENG_C_STAKEHOLDERS];
}

/* Breadth (health) and coverage (robustness) of the engaged people; absent without people. */
static void comp_breadth(const struct ctx *c, uint32_t a, const struct people_tally *t)
{
        struct eng_account_score *as = &c->r->acc[a];
        unsigned lp, le;

        if (!as->n_people)
                return;
        lp = (unsigned)__builtin_popcount(t->levels_present);
        le = (unsigned)__builtin_popcount(t->levels_engaged);
        as->comp[ENG_C_BREADTH] =
            (float)(100 * (0.5 * fmin(as->n_engaged / ENG_BREADTH_ENGAGED_FULL, 1) +
                           0.5 * (lp ? (double)le / lp : (as->n_engaged ? 1 : 0))));
        as->comp[ENG_C_COVERAGE] = (float)(100 * fmin(t->cover / c->p->coverage_full, 1));
}

/* Feedback component, the account's mean CSAT, detractor and promoter reasons. */
static void comp_feedback(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;
        const struct eng_params *p = c->p;
        struct eng_account_score *as = &c->r->acc[a];
        double sum = 0, csat = 0;
        unsigned n = 0, nc = 0;
        int64_t fb_from = feedback_from(c);
        int64_t csat_from = c->at - ENG_CSAT_WINDOW_DAYS * (int64_t)CXG_DAY;

        for (uint32_t f = s->a_foff[a]; f < s->a_foff[a + 1]; f++) {
                int kind = s->f_kind[f];
                double sc = s->f_score[f];
                uint32_t who = s->f_person[f];
                double w = who != ENG_NONE ? p->sen_weight[s->p_seniority[who]] : 1;

                if (s->f_ts[f] < fb_from || s->f_ts[f] > c->at)
                        continue;
                sum += fb_norm(kind, sc);
                n++;
                if (kind == CXG_FB_CSAT && s->f_ts[f] >= csat_from) {
                        csat += sc;
                        nc++;
                }
                if (fb_detractor(kind, sc))
                        add_reason(
                            as, ENG_R_DETRACTOR, 'h',
                            (float)(-(w + 1) * (1 - fb_norm(kind, sc)) * ENG_DETRACTOR_IMPACT),
                            (float)sc, who, s->f_ts[f], (uint8_t)kind);
                else if (fb_promoter(kind, sc) && w >= ENG_PROMOTER_MIN_WEIGHT)
                        add_reason(as, ENG_R_PROMOTER, 'h', (float)w * ENG_PROMOTER_IMPACT,
                                   (float)sc, who, s->f_ts[f], (uint8_t)kind);
        }
        if (n)
                as->comp[ENG_C_FEEDBACK] = (float)(100 * sum / n);
        if (nc)
                as->exp_value[ENG_M_CSAT] = (float)(csat / nc);
}

/* The slowest interaction type against its own expectation (a reason); clears the scratch. */
static void slowest_type_reason(const struct ctx *c, struct eng_account_score *as,
                                struct tscratch *ts)
{
        uint16_t worst = 0;
        double wr = 0;

        for (uint32_t k = 0; k < ts->n_touched; k++) {
                uint16_t t = ts->touched[k];
                double rt = ts->sum[t] / ts->n[t] / c->t_expect[t];

                if (ts->n[t] >= ENG_TYPE_SLOW_MIN_ROWS && rt > wr) {
                        wr = rt;
                        worst = t;
                }
                ts->sum[t] = 0;
                ts->n[t] = 0;
        }
        ts->n_touched = 0;
        if (wr >= ENG_TYPE_SLOW_RATIO)
                add_reason(as, ENG_R_TYPE_SLOW, 'h', (float)(-(wr - 1) * ENG_TYPE_SLOW_IMPACT),
                           (float)wr, worst, 0, 0);
}

/* Sub-score 0-100 of metric m, value v against expectation b, with its reason. */
static double metric_score(struct eng_account_score *as, int m, double v, double b)
{
        double ratio, eps = m == ENG_M_FAILURES ? ENG_FAILURES_EPS : ENG_RATIO_EPS;

        if (m == ENG_M_CSAT) {
                ratio = v - b;
                if (fabs(ratio) >= ENG_CSAT_GAP)
                        add_reason(as, ENG_R_EXPERIENCE, 'h', (float)(ratio * ENG_CSAT_GAP_IMPACT),
                                   (float)ratio, 0, 0, (uint8_t)m);
                return 100 * clamp01(0.5 + (v - b) / 2);
        }
        ratio = (v + eps) / (b + eps);
        if (ratio >= ENG_EXP_SLOW_RATIO || ratio <= ENG_EXP_FAST_RATIO)
                add_reason(as, ENG_R_EXPERIENCE, 'h',
                           (float)(ratio >= 1 ? -(ratio - 1) * ENG_EXP_SLOW_IMPACT
                                              : (1 / ratio - 1) * ENG_EXP_FAST_IMPACT),
                           (float)ratio, 0, 0, (uint8_t)m);
        return eng_experience_ratio_score(ratio);
}

/* Experience against the segment's expectation: values, expectations, the component. */
static void comp_experience(const struct ctx *c, uint32_t a, const struct exp_tally *x,
                            struct tscratch *ts)
{
        struct eng_account_score *as = &c->r->acc[a];
        const float *base = &c->r->seg_base[(size_t)c->seg[a] * ENG_M__COUNT];
        double xs = 0, lat_base = NAN;
        int xn = 0;

        if (x->support_n >= 1)
                as->exp_value[ENG_M_SUPPORT] = x->support_sum / x->support_n;
        /* latency is judged per interaction type: mean of duration / expectation */
        if (x->latency_n >= 1) {
                as->exp_value[ENG_M_LATENCY] = x->latency_idx / x->latency_n;
                lat_base = 1;
        }
        slowest_type_reason(c, as, ts);
        if (x->rows >= ENG_FAILURES_MIN_ROWS)
                as->exp_value[ENG_M_FAILURES] = x->failed / x->rows;
        for (int m = 0; m < ENG_M__COUNT; m++) {
                double v = as->exp_value[m], b = m == ENG_M_LATENCY ? lat_base : base[m];

                as->exp_base[m] = (float)b;
                if (isnan(v) || isnan(b))
                        continue;
                xs += metric_score(as, m, v, b);
                xn++;
        }
        if (xn)
                as->comp[ENG_C_EXPERIENCE] = (float)(xs / xn);
}

/* Trend: score history when known, else the snapshot's activity trend_days earlier. */
static void comp_trend(const struct ctx *c, uint32_t a, const struct people_tally *t)
{
        struct eng_account_score *as = &c->r->acc[a];
        double now = t->act_now, before = t->act_prior, ch;

        if (!as->n_people)
                return;
        if (c->o->prev_engagement && !isnan(c->o->prev_engagement[a]) && !isnan(as->engagement)) {
                now = as->engagement;
                before = c->o->prev_engagement[a];
        }
        as->comp[ENG_C_TREND] = (float)eng_trend_score(now, before);
        if (!(before > ENG_TREND_MIN_ACTIVITY || now > ENG_TREND_MIN_ACTIVITY))
                return;
        ch = (now - before) / (before > 0 ? before : 1);
        if (fabs(ch) >= ENG_TREND_MIN_CHANGE && before > 0)
                add_reason(as, ENG_R_TREND, 'h',
                           (float)(ch < 0 ? ch * ENG_TREND_DOWN_IMPACT
                                          : fmin(ch, 1) * ENG_TREND_UP_IMPACT),
                           (float)ch, 0, 0, 0);
}

/* People: inactive senior stakeholders, the champion, few engaged, nobody known. */
static void people_reasons(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;
        const struct eng_params *p = c->p;
        struct eng_scores *r = c->r;
        struct eng_account_score *as = &r->acc[a];
        uint32_t best = ENG_NONE;

        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++) {
                uint32_t pi = s->p_list[k];
                int sen = s->p_seniority[pi], never;
                double w = p->sen_weight[sen], days;

                if (!person_active(s, pi, c->at))
                        continue;
                if (r->p_engagement[pi] >= p->engaged_threshold) {
                        if (sen >= CXG_SEN_DIRECTOR &&
                            (best == ENG_NONE || r->p_engagement[pi] > r->p_engagement[best]))
                                best = pi;
                        continue;
                }
                if (sen < CXG_SEN_DIRECTOR)
                        continue;
                days = inactive_days(c, pi, &never);
                if (never)
                        add_reason(as, ENG_R_NEVER_ACTIVE, 'r',
                                   (float)(-w * ENG_NEVER_ACTIVE_IMPACT), 0, pi, 0, 0);
                else if (days >= ENG_INACTIVE_DAYS)
                        add_reason(as, ENG_R_INACTIVE, 'r',
                                   (float)(-w * fmin(days, ENG_INACTIVE_CAP_DAYS) /
                                           ENG_INACTIVE_UNIT_DAYS),
                                   (float)days, pi, 0, 0);
        }
        if (best != ENG_NONE)
                add_reason(as, ENG_R_CHAMPION, 'r',
                           (float)(p->sen_weight[s->p_seniority[best]] * ENG_CHAMPION_IMPACT),
                           r->p_engagement[best], best, 0, 0);
        if (as->n_people >= ENG_FEW_PEOPLE_MIN && as->n_engaged <= ENG_FEW_ENGAGED_MAX)
                add_reason(as, ENG_R_FEW_ENGAGED, 'h', -ENG_FEW_ENGAGED_IMPACT,
                           (float)as->n_engaged, as->n_people, 0, 0);
        if (as->n_people == 0)
                add_reason(as, ENG_R_NO_PEOPLE, 'h', -ENG_NO_PEOPLE_IMPACT, 0, 0, 0, 0);
}

/* Robustness: senior stakeholders' activity held up against hold_days before. */
static void comp_senior_hold(const struct ctx *c, uint32_t a)
{
        struct eng_account_score *as = &c->r->acc[a];
        int64_t span = (int64_t)(c->p->window_days * (double)CXG_DAY);
        int64_t back = (int64_t)(c->p->hold_days * (double)CXG_DAY);
        double now = senior_count(c, a, c->at - span, c->at + 1);
        double before = senior_count(c, a, c->at - back - span, c->at - back + 1);
        double ratio;

        if (!(before > 0))
                return;
        ratio = now / before;
        as->comp[ENG_C_HOLD] = (float)(100 * clamp01(ratio));
        if (ratio < ENG_HOLD_LOSS_RATIO)
                add_reason(as, ENG_R_HOLD, 'r', (float)(-(1 - ratio) * ENG_HOLD_LOSS_IMPACT),
                           (float)ratio, 0, 0, 0);
        else if (ratio >= ENG_HOLD_GAIN_RATIO)
                add_reason(as, ENG_R_HOLD, 'r', ENG_HOLD_GAIN_IMPACT, (float)ratio, 0, 0, 0);
}

/* Robustness: activity after the latest bad experience against before it. */
static void comp_resilience(const struct ctx *c, uint32_t a)
{
        struct eng_account_score *as = &c->r->acc[a];
        int64_t when = 0, span = (int64_t)(c->p->resilience_days * (double)CXG_DAY);
        uint8_t kind = 0;
        float rate = 0;
        double before, after, ratio;

        if (!bad_event(c, a, &when, &kind, &rate))
                return;
        before = weighted_count(c, a, when - span, when);
        after = weighted_count(c, a, when, when + span);
        if (!(before > 0))
                return;
        ratio = after / before;
        as->comp[ENG_C_RESILIENCE] = (float)(100 * clamp01(ratio));
        if (ratio < ENG_RESILIENCE_FELL_RATIO || ratio >= ENG_RESILIENCE_HELD_RATIO)
                add_reason(as, ENG_R_RESILIENCE, 'r',
                           (float)(ratio < 1 ? -(1 - ratio) * ENG_RESILIENCE_FELL_IMPACT
                                             : ENG_RESILIENCE_HELD_IMPACT),
                           (float)ratio, kind ? (uint32_t)(rate * 1000) : 0, when, kind);
}

/* Tenure: since account creation, else first subscription, else first activity. */
static void comp_tenure(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;
        struct eng_account_score *as = &c->r->acc[a];
        int64_t since = s->a_created[a];
        double days;

        if (since == CXG_TS_NONE && s->a_soff[a] < s->a_soff[a + 1])
                since = s->s_start[s->a_soff[a]];
        if (since == CXG_TS_NONE && s->a_ioff[a] < s->a_ioff[a + 1])
                since = (int64_t)s->main.ts[s->a_ioff[a]] + ENG_EPOCH;
        /* rows not merged yet: the delta's first row of the account may be earlier */
        if (s->a_created[a] == CXG_TS_NONE && s->a_soff[a] == s->a_soff[a + 1] &&
            s->a_doff[a] < s->a_doff[a + 1]) {
                int64_t d = (int64_t)s->delta.ts[s->d_idx[s->a_doff[a]]] + ENG_EPOCH;

                if (since == CXG_TS_NONE || d < since)
                        since = d;
        }
        if (since == CXG_TS_NONE || since > c->at)
                return;
        days = (c->at - since) / (double)CXG_DAY;
        as->comp[ENG_C_TENURE] = (float)(100 * fmin(days / c->p->tenure_full_days, 1));
        if (days < ENG_TENURE_NEW_DAYS)
                add_reason(as, ENG_R_TENURE, 'r', -ENG_TENURE_IMPACT, (float)days, 0, 0, 0);
        else if (days >= ENG_TENURE_LONG_DAYS)
                add_reason(as, ENG_R_TENURE, 'r', ENG_TENURE_IMPACT, (float)days, 0, 0, 0);
}

/* Garden: 100 for a member of a customer garden, else 0. */
static void comp_garden(const struct ctx *c, uint32_t a)
{
        struct eng_account_score *as = &c->r->acc[a];

        as->comp[ENG_C_GARDEN] = c->s->a_garden[a] ? 100.0f : 0.0f;
        if (c->s->a_garden[a])
                add_reason(as, ENG_R_GARDEN, 'r', ENG_GARDEN_IMPACT, 0, 0, 0, 0);
}

/* Objectives that need capabilities the account's plan lacks. */
static void objective_reasons(const struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;
        struct eng_account_score *as = &c->r->acc[a];
        uint64_t have = 0;

        for (size_t k = 0; k < s->n_caps; k++)
                if (s->a_plan[a] < 64 && (s->c_plans[k] >> s->a_plan[a] & 1))
                        have |= UINT64_C(1) << k;
        for (uint32_t k = s->a_ooff[a]; k < s->a_ooff[a + 1]; k++) {
                uint32_t o = s->o_list[k];

                if (s->o_caps[o] && (s->o_caps[o] & ~have))
                        add_reason(as, ENG_R_OBJECTIVE, 'h',
                                   -(float)s->o_importance[o] * ENG_OBJECTIVE_IMPACT, 0,
                                   (uint32_t)o, 0, 0);
        }
}

/*
 * Every score of account a (docs/scoring.md, health and robustness): one pass over its rows,
 * then one step per component in the order their reasons have always been added (ties in
 * |impact| keep the first).
 */
void score_account(struct ctx *c, uint32_t a, struct tscratch *ts)
{
        struct eng_account_score *as = &c->r->acc[a];
        const struct eng_scorecard *card = &c->p->cards[c->card[a]];
        struct exp_tally x = {0};
        struct people_tally people = {0};

        account_reset(c, a);
        scan_rows(c, a, c->o->core_only ? NULL : &x, ts);
        count_answers(c, a);
        comp_stakeholders(c, a, &people);
        if (c->o->core_only) {
                as->health = as->engagement;
                return;
        }
        comp_breadth(c, a, &people);
        comp_feedback(c, a);
        comp_experience(c, a, &x, ts);
        comp_trend(c, a, &people);
        people_reasons(c, a);
        comp_senior_hold(c, a);
        comp_resilience(c, a);
        comp_tenure(c, a);
        comp_garden(c, a);
        objective_reasons(c, a);

        as->health = (float)eng_weighted(as->comp, card->weight, ENG_C_HEALTH_FIRST,
                                         ENG_C_ROBUST_FIRST - ENG_C_HEALTH_FIRST);
        /* without known stakeholders there is no relationship to judge */
        as->robustness = isnan(as->comp[ENG_C_COVERAGE])
                             ? NAN
                             : (float)eng_weighted(as->comp, card->weight, ENG_C_ROBUST_FIRST,
                                                   ENG_C__COUNT - ENG_C_ROBUST_FIRST);
        as->band = (uint8_t)eng_band(card, as->health);
}
