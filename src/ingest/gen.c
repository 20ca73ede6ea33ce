/*
 * gen.c: the demo-data generator (see gen.h and docs/generator.md). It owns the invented
 * company: first the structure (accounts with their subscription history and garden
 * membership, people with their arrivals and departures, objectives, capabilities) kept in
 * memory, then a calibration pass over every person-day, then the interactions and survey
 * answers streamed day by day into the store in batches. Every random draw comes from a
 * splitmix64 stream keyed by (seed, purpose, entity, day), so the output depends on the seed
 * and options only, and the control company differs from the planted one only where an effect
 * applies.
 */
#include "ingest/gen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"
#include "ingest/gen_int.h"

/* deterministic arithmetic and random numbers */

double gen_log(double x)
{
        int e;
        double m, s, s2, term = 1, sum = 0;

        if (!(x > 0))
                return -INFINITY;
        m = frexp(x, &e); /* exact: x = m * 2^e, m in [0.5, 1) */
        if (m < SQRT_HALF) {
                m *= 2;
                e--;
        }
        s = (m - 1) / (m + 1); /* |s| <= 0.172: log m = 2 atanh(s) */
        s2 = s * s;
        for (int k = 0; k < 12; k++) {
                sum += term / (2 * k + 1);
                term *= s2;
        }
        return e * LN2_HI + (e * LN2_LO + 2 * s * sum);
}

double gen_exp(double x)
{
        double r, term = 1, sum = 1;
        long k;

        if (x < -745)
                return 0;
        if (x > 709)
                x = 709;
        k = (long)(x / LN2 + (x >= 0 ? 0.5 : -0.5));
        r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= 0.35 */
        for (int i = 1; i < 16; i++) {
                term *= r / i;
                sum += term;
        }
        return ldexp(sum, (int)k);
}

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum cxg_err check_options(const struct gen_options *o, struct cxg_error *err)
{
        if (!(o->scale > 0 && o->scale <= 1000))
                return cxg_error_setf(err, CXG_ERR_USAGE, "scale", "must be in (0, 1000], got %g",
                                      o->scale);
        if (!(o->activity > 0 && o->activity <= 100))
                return cxg_error_setf(err, CXG_ERR_USAGE, "activity", "must be in (0, 100], got %g",
                                      o->activity);
        if (o->months < 12 || o->months > 120)
                return cxg_error_setf(err, CXG_ERR_USAGE, "months",
                                      "must be between 12 and 120, got %d", o->months);
        if (o->end != gen_month_floor(o->end))
                return cxg_error_setf(err, CXG_ERR_USAGE, "end", "must be the first of a month");
        if (o->batch < 1 || o->batch > 10000000)
                return cxg_error_setf(err, CXG_ERR_USAGE, "batch",
                                      "must be between 1 and 10,000,000");
        return CXG_OK;
}

static void release(struct gen *g)
{
        cxg_free(g->acc);
        cxg_free(g->ppl);
        cxg_free(g->per);
        cxg_free(g->batch);
        cxg_free(g->exec_b_er);
        cxg_free(g->like_hist);
        cxg_free(g->sup_hist);
        cxg_free(g->csat_sum);
        cxg_free(g->csat_n);
        cxg_free(g->nps_n);
        cxg_free(g->nps_det);
        cxg_free(g->like_fail);
        cxg_free(g->like_n);
}

static enum cxg_err meta(struct gen *g, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum cxg_err meta(struct gen *g, const char *key, const char *fmt, ...)
{
        char v[64];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(v, sizeof(v), fmt, ap);
        va_end(ap);
        return store_meta_set(g->s, key, v, g->err);
}

/* The company's time line, sizes, cumulative weights and measurement arrays, from o. */
static enum cxg_err setup(struct gen *g, struct store *s, const struct gen_options *o,
                          struct cxg_error *err)
{
        g->s = s;
        g->o = o;
        g->err = err;
        g->treat = !o->control;
        g->months = o->months;
        g->end = o->end;
        g->month0 = cxg_month_index(o->end) - o->months;
        g->start = cxg_month_start(g->month0);
        g->t_a = cxg_month_start(g->month0 + o->months - 12);
        g->t_b = cxg_month_start(g->month0 + o->months - 6);
        g->t_like = cxg_month_start(g->month0 + o->months - 5); /* month 20 of 24 */
        g->t_used = g->end - 90 * (int64_t)CXG_DAY;
        g->month_g0 = o->months / 6;
        g->month_g1 = o->months - 7;
        g->ndays = (int)((g->end - g->start) / (int64_t)CXG_DAY);
        g->nacc = (size_t)(2000 * o->scale + 0.5);
        if (g->nacc < 1)
                g->nacc = 1;
        {
                double c = 0;
                for (int h = 0; h < 24; h++)
                        g->hcum[h] = (c += hour_w[h]);
        }
        for (int sidx = 0; sidx < 4; sidx++) {
                double c = 0;
                for (int t = 0; t < T__COUNT; t++)
                        g->cum[sidx][t] = (c += types[t].w[sidx]);
        }

        g->acc = cxg_calloc(g->nacc, sizeof(*g->acc));
        g->batch = cxg_calloc(o->batch, sizeof(*g->batch));
        g->exec_b_er = cxg_calloc((size_t)g->ndays + 1, sizeof(double));
        g->like_hist = cxg_calloc((size_t)g->months * HIST_BUCKETS, sizeof(uint32_t));
        g->sup_hist = cxg_calloc((size_t)g->months * HIST_BUCKETS, sizeof(uint32_t));
        g->csat_sum = cxg_calloc((size_t)g->months, sizeof(double));
        g->like_fail = cxg_calloc((size_t)g->months, sizeof(double));
        g->csat_n = cxg_calloc((size_t)g->months, sizeof(int64_t));
        g->nps_n = cxg_calloc((size_t)g->months, sizeof(int64_t));
        g->nps_det = cxg_calloc((size_t)g->months, sizeof(int64_t));
        g->like_n = cxg_calloc((size_t)g->months, sizeof(int64_t));
        if (!g->acc || !g->batch || !g->exec_b_er || !g->like_hist || !g->sup_hist ||
            !g->csat_sum || !g->like_fail || !g->csat_n || !g->nps_n || !g->nps_det || !g->like_n)
                return gen_nomem(g);
        return CXG_OK;
}

enum cxg_err gen_run(struct store *s, const struct gen_options *o, struct gen_summary *sum,
                     struct cxg_buf *mbuf, struct cxg_error *err)
{
        struct gen g;
        struct gen_summary out;
        struct store_counts counts;
        double t_begin = now_seconds(), target;
        enum cxg_err rc;
        char d[16];

        memset(&g, 0, sizeof(g));
        memset(&out, 0, sizeof(out));
        if ((rc = check_options(o, err)))
                return rc;
        if ((rc = store_counts(s, &counts, err)))
                return rc;
        if (counts.accounts > 0)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "force",
                                      "generate: the database already holds %lld accounts; "
                                      "generate into a new database, or force a replacement",
                                      (long long)counts.accounts);
        if ((rc = setup(&g, s, o, err)))
                goto done;

        /* 1. structure, in memory */
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = gen_account_life(&g, i)) || (rc = gen_account_people(&g, i)))
                        goto done;
                gen_account_objectives(&g, i);
                if (o->progress && i % 256 == 0)
                        o->progress(o->progress_ctx, "structure", (double)i / g.nacc, 0);
        }

        /* 2. structure, written in one transaction */
        if ((rc = store_begin(s, err)))
                goto done;
        g.in_tx = 1;
        if ((rc = meta(&g, "generator.complete", "0")) ||
            (rc = meta(&g, "generator.seed", "%llu", (unsigned long long)o->seed)) ||
            (rc = meta(&g, "generator.scale", "%.6g", o->scale)) ||
            (rc = meta(&g, "generator.activity", "%.6g", o->activity)) ||
            (rc = meta(&g, "generator.months", "%d", o->months)) ||
            (rc = meta(&g, "generator.end", "%s", cxg_date_format(o->end, d))) ||
            (rc = meta(&g, "generator.control", "%d", o->control ? 1 : 0)))
                goto done;
        if ((rc = gen_write_capabilities(&g)))
                goto done;
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = gen_write_account(&g, i)))
                        goto done;
                out.subscriptions += g.acc[i].n_periods;
        }
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = gen_write_objectives(&g, i)))
                        goto done;
                out.objectives += g.acc[i].n_obj;
        }
        for (int t = 0; t < T__COUNT; t++)
                if ((rc = store_type_id(s, types[t].name, strlen(types[t].name), &g.type_id[t],
                                        err)))
                        goto done;
        if ((rc = store_commit(s, err)))
                goto done;
        g.in_tx = 0;

        /* 3. calibration: expected activity of every person-day */
        if (o->progress)
                o->progress(o->progress_ctx, "calibrate", 0, 0);
        if ((rc = gen_run_days(&g, 1)))
                goto done;
        target = 5e6 * o->scale * o->activity;
        g.rate = g.sum_lam > 0 ? target / g.sum_lam : 0;
        g.p_nps = g.sum_pd > 0 ? 8000 * o->scale * o->activity / g.sum_pd : 0;
        g.p_ces = g.sum_pd > 0 ? 4000 * o->scale * o->activity / g.sum_pd : 0;
        g.q_csat = g.sum_sup > 0 ? 8000 * o->scale * o->activity / (g.rate * g.sum_sup) : 0;
        if (g.q_csat > 1)
                g.q_csat = 1;
        gen_calibrate_erosion(&g);

        /* 4. interactions and surveys, streamed */
        if ((rc = store_begin(s, err)))
                goto done;
        g.in_tx = 1;
        if ((rc = gen_run_days(&g, 2)))
                goto done;
        if ((rc = gen_flush_batch(&g)))
                goto done;
        if ((rc = meta(&g, "generator.complete", "1")))
                goto done;
        if ((rc = store_commit(s, err)))
                goto done;
        g.in_tx = 0;

        out.accounts = (int64_t)g.nacc;
        out.people = (int64_t)g.nppl;
        out.interactions = g.n_inter;
        out.feedback = g.n_fb;
        out.capabilities = C__COUNT;
        out.interaction_types = T__COUNT;
        out.seconds = now_seconds() - t_begin;
        if (mbuf && (rc = gen_manifest(&g, &out, mbuf))) {
                /* the data is complete and committed; only the manifest is missing */
                cxg_error_set(err, rc, "generate: %s writing the manifest", cxg_strerror(rc));
                goto done;
        }
        if (sum)
                *sum = out;
        if (o->progress)
                o->progress(o->progress_ctx, "done", 1, g.n_inter);
done:
        if (g.in_tx)
                store_rollback(s);
        release(&g);
        return rc;
}
