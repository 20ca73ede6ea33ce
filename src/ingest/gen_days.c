/*
 * gen_days.c: the generator's day-by-day passes: a calibration pass over every person-day
 * (rates, erosion), then the interactions and survey answers (NPS, CSAT, CES with comments)
 * streamed into the store in batches, measuring the ground truth as they are written.
 */
#include <stdarg.h>
#include <time.h>

#include "core/banned.h"
#include "ingest/gen_int.h"

static const double dow_f[7] = {0.25, 1.1, 1.15, 1.15, 1.1, 0.95, 0.3}; /* Sunday first */
static const double moy_f[12] = {1.05, 1.05, 1.05, 1.0,  1.0, 0.95,
                                 0.88, 0.85, 1.05, 1.05, 1.0, 0.82};
static const double sen_w[CXG_SEN__COUNT] = {0, 1.3, 1.0, 0.6, 0.35};
static const double plan_f[P__COUNT] = {0.45, 1.0, 1.2, 1.6};
static const double app_share[CXG_SEN__COUNT] = {0.3, 0.3, 0.35, 0.4, 0.55};

static int hist_bucket(int64_t v)
{
        int msb = 0;

        if (v < 64)
                return v < 0 ? 0 : (int)v;
        for (int64_t x = v; x > 1; x >>= 1)
                msb++;
        if (msb > 30)
                return HIST_BUCKETS - 1;
        return 64 + (msb - 6) * 64 + (int)((v >> (msb - 6)) & 63);
}

static int64_t hist_value(int b)
{
        int msb, frac;

        if (b < 64)
                return b;
        msb = (b - 64) / 64 + 6;
        frac = (b - 64) % 64;
        return ((int64_t)(64 + frac) << (msb - 6)) + ((int64_t)1 << (msb - 6)) / 2;
}

/* Quantile q of the histograms of months [m0, m1); -1 when empty. */
int64_t gen_hist_quantile(const uint32_t *h, int m0, int m1, double q)
{
        uint64_t total = 0, acc = 0, want;

        for (int m = m0; m < m1; m++)
                for (int b = 0; b < HIST_BUCKETS; b++)
                        total += h[(size_t)m * HIST_BUCKETS + b];
        if (!total)
                return -1;
        want = (uint64_t)(q * (double)total);
        for (int b = 0; b < HIST_BUCKETS; b++) {
                for (int m = m0; m < m1; m++)
                        acc += h[(size_t)m * HIST_BUCKETS + b];
                if (acc > want)
                        return hist_value(b);
        }
        return hist_value(HIST_BUCKETS - 1);
}

int gen_month_of(const struct gen *g, int64_t ts)
{
        int m = (int)(cxg_month_index(ts) - g->month0);

        return m < 0 ? 0 : m >= g->months ? g->months - 1 : m;
}

enum cxg_err gen_flush_batch(struct gen *g)
{
        size_t ins = 0, upd = 0;
        enum cxg_err rc;

        if (!g->nbatch)
                return CXG_OK;
        if ((rc = store_put_interactions(g->s, g->batch, g->nbatch, &ins, &upd, g->err)))
                return rc;
        g->n_inter += (int64_t)g->nbatch;
        g->nbatch = 0;
        if ((rc = store_commit(g->s, g->err)))
                return rc;
        g->in_tx = 0;
        if ((rc = store_begin(g->s, g->err)))
                return rc;
        g->in_tx = 1;
        if (g->o->progress)
                g->o->progress(g->o->progress_ctx, "interactions", 0, g->n_inter);
        return CXG_OK;
}

static const struct gcomment *pick_comment(const struct gcomment *set, int n, const char *topic,
                                           struct rng *r)
{
        int idx[16], k = 0;

        for (int i = 0; i < n && k < 16; i++)
                if (!topic || strcmp(set[i].topic, topic) == 0)
                        idx[k++] = i;
        if (!k)
                return &set[rng_below(r, (uint32_t)n)];
        return &set[idx[rng_below(r, (uint32_t)k)]];
}

static void fill_comment(const struct gcomment *c, struct rng *r, char *out, size_t cap)
{
        if (c->nslots) {
                snprintf(out, cap, c->fmt, c->slots[rng_below(r, (uint32_t)c->nslots)]);
                if (out[0] >= 'a' && out[0] <= 'z')
                        out[0] = (char)(out[0] - 'a' + 'A');
        } else {
                snprintf(out, cap, "%s", c->fmt);
        }
}

static enum cxg_err put_feedback(struct gen *g, const struct gperson *p, int64_t ts, int kind,
                                 double score, const char *comment, const char *topic, int channel)
{
        char pid[32];
        struct feedback f;
        int m = gen_month_of(g, ts);

        gen_person_ext_id(p, pid, sizeof(pid));
        snprintf(g->fb_id, sizeof(g->fb_id), "fb-%08lld", (long long)(g->n_fb + 1));
        model_feedback_init(&f);
        f.id = g->fb_id;
        f.person_id = pid;
        f.ts = ts;
        f.kind = kind;
        f.score = score;
        f.comment = comment;
        f.topic = comment ? topic : NULL;
        f.channel = channel;
        g->n_fb++;
        if (kind == CXG_FB_CSAT) {
                g->csat_sum[m] += score;
                g->csat_n[m]++;
        } else if (kind == CXG_FB_NPS) {
                g->nps_n[m]++;
                g->nps_det[m] += score <= 6;
        }
        return store_put_feedback(g->s, &f, NULL, NULL, g->err);
}

static enum cxg_err survey_nps(struct gen *g, const struct gaccount *a, const struct gperson *p,
                               int64_t ts, struct rng *r)
{
        static const double det[3] = {0.38, 0.20, 0.10}, pro[3] = {0.22, 0.40, 0.55};
        static const double dscore[7] = {1, 1, 2, 3, 5, 8, 10};
        double pd = det[a->band], pp = pro[a->band], u = rng_u01(r);
        int degraded = g->treat && ts >= g->t_like;
        char text[256];
        const char *topic = NULL;
        const struct gcomment *c;
        double score;
        int has_comment = rng_u01(r) < 0.7;

        if (degraded) { /* slow likes make detractors, who say so */
                pd += 0.12;
                pp -= 0.12;
        }
        if (u < pd) {
                double ut = rng_u01(r);
                score = pick_w(dscore, 7, rng_u01(r));
                topic = ut < (degraded ? 0.6 : 0.25)   ? "performance"
                        : ut < (degraded ? 0.75 : 0.5) ? "pricing"
                        : ut < (degraded ? 0.9 : 0.8)  ? "support"
                        : ut < 0.95                    ? "candidates"
                                                       : "integrations";
                c = pick_comment(cm_detractor, NELEM(cm_detractor), topic, r);
        } else if (u < 1 - pp) {
                score = 7 + rng_below(r, 2);
                c = pick_comment(cm_passive, NELEM(cm_passive), NULL, r);
        } else {
                score = 9 + (rng_u01(r) < 0.4);
                c = pick_comment(cm_promoter, NELEM(cm_promoter), NULL, r);
        }
        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_NPS, score, has_comment ? text : NULL, c->topic,
                            CXG_CH_EMAIL);
}

static enum cxg_err survey_csat(struct gen *g, const struct gperson *p, int64_t ts, struct rng *r)
{
        /* flat over time on purpose: faster support became the norm, not a delight */
        static const double w[5] = {0.06, 0.08, 0.14, 0.30, 0.42};
        int score = 1 + pick_w(w, 5, rng_u01(r));
        int has_comment = rng_u01(r) < 0.5;
        char text[256];
        const struct gcomment *c =
            score >= 4   ? pick_comment(cm_csat_good, NELEM(cm_csat_good), NULL, r)
            : score == 3 ? pick_comment(cm_csat_mid, NELEM(cm_csat_mid), NULL, r)
                         : pick_comment(cm_csat_bad, NELEM(cm_csat_bad), NULL, r);

        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_CSAT, score, has_comment ? text : NULL, c->topic,
                            CXG_CH_SUPPORT);
}

static enum cxg_err survey_ces(struct gen *g, const struct gperson *p, int64_t ts, struct rng *r)
{
        static const double w[7] = {0.04, 0.06, 0.10, 0.15, 0.25, 0.25, 0.15};
        int score = 1 + pick_w(w, 7, rng_u01(r));
        int has_comment = rng_u01(r) < 0.4;
        char text[256];
        const struct gcomment *c = score >= 5
                                       ? pick_comment(cm_ces_easy, NELEM(cm_ces_easy), NULL, r)
                                       : pick_comment(cm_ces_hard, NELEM(cm_ces_hard), NULL, r);

        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_CES, score, has_comment ? text : NULL, c->topic,
                            rng_u01(r) < 0.5 ? CXG_CH_WEB : CXG_CH_APP);
}

static int pick_type(const struct gen *g, int sen, unsigned mask, struct rng *r)
{
        const double *cum = g->cum[sen <= 0 ? 0 : sen - 1];

        for (int tries = 0; tries < 3; tries++) {
                int t = pick_cum(cum, T__COUNT, rng_u01(r));

                if (types[t].cap < 0 || (mask >> types[t].cap & 1))
                        return t;
        }
        return T_LOGIN;
}

/* Median duration of a type at time ts, with the planted effects. */
static void type_duration(const struct gen *g, int t, int64_t ts, double *median, double *sigma,
                          double *p_fail)
{
        *median = types[t].median_ms;
        *sigma = types[t].sigma;
        *p_fail = types[t].p_fail;
        if (!g->treat)
                return;
        if (t == T_LIKE && ts >= g->t_like) {
                *median = 3000; /* p95 = 3000 * exp(1.645 * 0.73) ~ 10 s */
                *sigma = 0.73;
                *p_fail = 0.06;
        } else if (t == T_SUPPORT_TICKET || t == T_SUPPORT_CHAT) {
                /* response times improve 4x over the window: 2x the base down to 0.5x */
                double f = (double)(ts - g->start) / (double)(g->end - g->start);
                *median *= gen_pow(4, 0.5 - f);
        }
}

/*
 * One interaction of person p on the day starting at t0, within [lo, hi); stop is when the
 * person or the account is gone (or the window ends), the limit of a follow-up survey.
 */
static enum cxg_err emit(struct gen *g, struct gaccount *a, const struct gperson *p, int64_t t0,
                         int64_t lo, int64_t hi, int64_t stop, struct rng *r)
{
        struct store_interaction *row;
        int t = pick_type(g, p->sen, a->cur_mask, r);
        int hour = pick_cum(g->hcum, 24, rng_u01(r));
        int64_t ts;
        double median, sigma, p_fail, u;
        enum cxg_err rc;
        int m;

        ts = t0 + hour * 3600 + rng_below(r, 3600) - region_tz[a->region] * 3600;
        if (ts < lo || ts >= hi)
                ts = lo + (int64_t)(rng_u01(r) * (double)(hi - lo));
        if (g->nbatch == g->o->batch && (rc = gen_flush_batch(g)))
                return rc;
        row = &g->batch[g->nbatch++];
        row->id = 0;
        row->person_id = p->id;
        row->account_id = a->id;
        row->ts = ts;
        row->type_id = g->type_id[t];
        row->channel = (uint8_t)(types[t].channel == CH_WEBAPP
                                     ? (rng_u01(r) < app_share[p->sen] ? CXG_CH_APP : CXG_CH_WEB)
                                     : types[t].channel);
        row->ext_id = NULL;
        row->attributes = NULL;
        row->value = NAN;
        type_duration(g, t, ts, &median, &sigma, &p_fail);
        if (median > 0) {
                double ms = median * gen_exp(sigma * rng_normal(r));
                row->duration_ms = ms < 1 ? 1 : (int64_t)(ms + 0.5);
        } else {
                row->duration_ms = -1;
        }
        u = rng_u01(r);
        row->outcome = (uint8_t)(u < p_fail                        ? CXG_OUT_FAILED
                                 : u < p_fail + types[t].p_abandon ? CXG_OUT_ABANDONED
                                                                   : CXG_OUT_OK);
        if (t == T_REPORT_EXPORT)
                row->value = floor(gen_exp(5 + rng_normal(r)));
        else if (t == T_SEQUENCE_SEND)
                row->value = 5 + rng_below(r, 200);
        else if (t == T_JOB_POST)
                row->value = rng_poisson(r, 12);

        /* ground truth */
        m = gen_month_of(g, ts);
        if (p->sen == CXG_SEN_EXECUTIVE && ts >= g->t_a)
                g->exec_n[ts >= g->t_b]++;
        if (t == T_LIKE) {
                g->like_hist[(size_t)m * HIST_BUCKETS + hist_bucket(row->duration_ms)]++;
                g->like_n[m]++;
                g->like_fail[m] += row->outcome == CXG_OUT_FAILED;
        } else if (t == T_SUPPORT_TICKET) {
                g->sup_hist[(size_t)m * HIST_BUCKETS + hist_bucket(row->duration_ms)]++;
        }
        if (types[t].cap >= 0 && ts >= g->t_used)
                a->used_mask |= 1u << types[t].cap;
        if ((t == T_SUPPORT_TICKET || t == T_SUPPORT_CHAT) && rng_u01(r) < g->q_csat) {
                int64_t at = ts + 3600 + (int64_t)(rng_u01(r) * 47 * 3600);
                if (at < stop && (rc = survey_csat(g, p, at, r)))
                        return rc;
        }
        return CXG_OK;
}

/*
 * Walk every day of the window and every active person. pass 1 sums the expected activity
 * for calibration; pass 2 draws interactions and surveys and writes them.
 */
enum cxg_err gen_run_days(struct gen *g, int pass)
{
        int db = (int)((g->t_b - g->start) / (int64_t)CXG_DAY);
        enum cxg_err rc;

        for (size_t i = 0; i < g->nacc; i++) {
                g->acc[i].cur_period = 0;
                g->acc[i].cur_plan = -1;
        }
        for (int d = 0; d < g->ndays; d++) {
                int64_t t0 = g->start + d * (int64_t)CXG_DAY, days = t0 / (int64_t)CXG_DAY;
                int64_t y;
                unsigned mo, dd;
                double dayf, x = 0, ero = 1;
                int in_a = t0 >= g->t_a && t0 < g->t_b, in_b = t0 >= g->t_b;

                cxg_civil_from_days(days, &y, &mo, &dd);
                dayf = dow_f[(days + 4) % 7] * moy_f[mo - 1];
                if (in_b) {
                        x = ((double)(t0 - g->t_b) + 43200) / (double)(g->end - g->t_b);
                        if (pass == 2 && g->treat)
                                ero = gen_exp(-g->k_erosion * x);
                }
                if (pass == 2 && g->o->progress && d % 7 == 0)
                        g->o->progress(g->o->progress_ctx, "interactions", (double)d / g->ndays,
                                       g->n_inter + (int64_t)g->nbatch);
                for (size_t i = 0; i < g->nacc; i++) {
                        struct gaccount *a = &g->acc[i];
                        const struct gperiod *pp;
                        double af;

                        if (a->created >= t0 + (int64_t)CXG_DAY ||
                            (a->churned != CXG_TS_NONE && a->churned <= t0))
                                continue;
                        while (a->cur_period + 1 < a->n_periods &&
                               g->per[a->first_period + a->cur_period + 1].start <= t0 + 43200)
                                a->cur_period++;
                        pp = &g->per[a->first_period + a->cur_period];
                        if (pp->plan != a->cur_plan) {
                                a->cur_plan = pp->plan;
                                a->cur_mask = gen_adopt_mask(g, a, pp->plan);
                                for (int si = 0; si < 4; si++) {
                                        double w = 0;
                                        for (int t = 0; t < T__COUNT; t++)
                                                if (types[t].cap >= 0 &&
                                                    !(a->cur_mask >> types[t].cap & 1))
                                                        w += types[t].w[si];
                                        a->rej[si] = w / g->cum[si][T__COUNT - 1];
                                }
                        }
                        af = dayf * a->weight * plan_f[pp->plan];
                        for (uint32_t k = 0; k < a->n_people; k++) {
                                const struct gperson *p = &g->ppl[a->first_person + k];
                                int64_t lo, hi, stop;
                                double lam;

                                if (p->created >= t0 + (int64_t)CXG_DAY ||
                                    (p->left != CXG_TS_NONE && p->left <= t0))
                                        continue;
                                lam = af * p->weight * sen_w[p->sen];
                                if (pass == 1) {
                                        int si = p->sen - 1;
                                        double sw = types[T_SUPPORT_TICKET].w[si] +
                                                    types[T_SUPPORT_CHAT].w[si];
                                        g->sum_lam += lam;
                                        g->sum_pd += 1;
                                        double rj = a->rej[si];
                                        /* pick_type draws up to three times */
                                        g->sum_sup += lam * sw / g->cum[si][T__COUNT - 1] *
                                                      (1 + rj + rj * rj);
                                        if (p->sen == CXG_SEN_EXECUTIVE) {
                                                if (in_a)
                                                        g->exec_a_lam += lam;
                                                else if (in_b && a->eroding)
                                                        g->exec_b_er[d - db] += lam;
                                                else if (in_b)
                                                        g->exec_b_non += lam;
                                        }
                                        continue;
                                }
                                lam *= g->rate;
                                if (p->sen == CXG_SEN_EXECUTIVE && a->eroding && in_b)
                                        lam *= ero;
                                lo = t0;
                                if (p->created > lo)
                                        lo = p->created;
                                if (a->created > lo)
                                        lo = a->created;
                                hi = t0 + (int64_t)CXG_DAY;
                                if (p->left != CXG_TS_NONE && p->left < hi)
                                        hi = p->left;
                                if (a->churned != CXG_TS_NONE && a->churned < hi)
                                        hi = a->churned;
                                if (hi > g->end)
                                        hi = g->end;
                                stop = g->end;
                                if (p->left != CXG_TS_NONE && p->left < stop)
                                        stop = p->left;
                                if (a->churned != CXG_TS_NONE && a->churned < stop)
                                        stop = a->churned;
                                if (hi <= lo)
                                        continue;
                                {
                                        struct rng r = rng_for(g->o->seed, S_DAY,
                                                               (uint64_t)p->account << 16 | p->slot,
                                                               (uint64_t)d);
                                        double u_nps = rng_u01(&r), u_ces = rng_u01(&r);
                                        int n = rng_poisson(&r, lam);

                                        for (int j = 0; j < n; j++)
                                                if ((rc = emit(g, a, p, t0, lo, hi, stop, &r)))
                                                        return rc;
                                        if (u_nps < g->p_nps &&
                                            (rc = survey_nps(
                                                 g, a, p,
                                                 lo + (int64_t)(rng_u01(&r) * (double)(hi - lo)),
                                                 &r)))
                                                return rc;
                                        if (u_ces < g->p_ces &&
                                            (rc = survey_ces(
                                                 g, p,
                                                 lo + (int64_t)(rng_u01(&r) * (double)(hi - lo)),
                                                 &r)))
                                                return rc;
                                }
                        }
                }
        }
        return CXG_OK;
}

/* Expected executive activity in window B when eroding accounts decay at rate k. */
static double exec_b_expected(const struct gen *g, double k)
{
        int nb = (int)((g->end - g->t_b) / (int64_t)CXG_DAY);
        double f = g->exec_b_non;

        for (int d = 0; d < nb; d++)
                f += g->exec_b_er[d] * gen_exp(-k * (((double)d * (int64_t)CXG_DAY + 43200) /
                                                     (double)(g->end - g->t_b)));
        return f;
}

/*
 * Solve by bisection for the erosion rate k such that the expected executive activity in
 * window B is 0.6 x window A (capped at k = 60 when even that cannot reach it).
 */
void gen_calibrate_erosion(struct gen *g)
{
        double target = 0.6 * g->exec_a_lam, lo = 0, hi = 60;

        g->k_erosion = 0;
        if (g->treat && g->exec_a_lam > 0) {
                for (int it = 0; it < 60; it++) {
                        double k = (lo + hi) / 2;

                        if (exec_b_expected(g, k) > target)
                                lo = k;
                        else
                                hi = k;
                }
                g->k_erosion = (lo + hi) / 2;
        }
        g->expected_exec_ratio =
            g->exec_a_lam > 0 ? exec_b_expected(g, g->k_erosion) / g->exec_a_lam : 0;
}
