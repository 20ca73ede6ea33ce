/*
 * gen_int.h: inside the demo-data generator (gen.c drives, gen_company.c invents and writes
 * the structure, gen_days.c the interactions and survey answers day by day, gen_manifest.c
 * the ground truth); not for other modules. The random streams are static inline here so
 * the hot loops of every file keep them inlined.
 */
#ifndef CXG_INGEST_GEN_INT_H
#define CXG_INGEST_GEN_INT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "ingest/gen.h"
#include "ingest/gen_catalog.h"
#include "model/model.h"

#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define LN2 0.693147180559945309417232121458
#define SQRT_HALF 0.707106781186547524400844362105

static inline double gen_pow(double x, double y)
{
        return x <= 0 ? 0 : gen_exp(gen_log(x) * y);
}

static inline uint64_t mix64(uint64_t z)
{
        z += UINT64_C(0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* splitmix64: one 64-bit state, passes BigCrush, trivially seeded per stream. */
struct rng {
        uint64_t s;
};

/* Purposes of the random streams; never reorder (that would change every company). */
enum { S_ACCOUNT = 1, S_LIFE, S_PEOPLE, S_PERSON, S_OBJECTIVE, S_DAY };

static inline struct rng rng_for(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
        struct rng r = {mix64(seed ^ mix64(stream * 0x100000001b3ULL ^ mix64(a ^ mix64(b))))};

        return r;
}

static inline uint64_t rng_next(struct rng *r)
{
        uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_u01(struct rng *r)
{
        return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
        return (uint32_t)(rng_u01(r) * n);
}

/* Standard normal (Marsaglia's polar method). */
static inline double rng_normal(struct rng *r)
{
        double u, v, s;

        do {
                u = 2 * rng_u01(r) - 1;
                v = 2 * rng_u01(r) - 1;
                s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * sqrt(-2 * gen_log(s) / s);
}

/* Poisson by inversion (one uniform) for small means, normal approximation above 30. */
static inline int rng_poisson(struct rng *r, double lam)
{
        double u, p, c;
        int k = 0;

        if (lam <= 0)
                return 0;
        if (lam > 30) {
                double x = lam + sqrt(lam) * rng_normal(r) + 0.5;
                return x < 0 ? 0 : (int)x;
        }
        u = rng_u01(r);
        p = gen_exp(-lam);
        c = p;
        while (u > c && k < 400) {
                k++;
                p *= lam / k;
                c += p;
        }
        return k;
}

/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] is the total). */
static inline int pick_cum(const double *cum, int n, double u)
{
        double x = u * cum[n - 1];

        for (int i = 0; i < n - 1; i++)
                if (x < cum[i])
                        return i;
        return n - 1;
}

static inline int pick_w(const double *w, int n, double u)
{
        double total = 0, x;

        for (int i = 0; i < n; i++)
                total += w[i];
        x = u * total;
        for (int i = 0; i < n - 1; i++) {
                if (x < w[i])
                        return i;
                x -= w[i];
        }
        return n - 1;
}

/* the company in memory */

enum { BAND_LOW, BAND_MEDIUM, BAND_HIGH };
static const char *const band_names[3] = {"low", "medium", "high"};

struct gperiod {
        int64_t start, end; /* end CXG_TS_NONE: still running */
        double mrr;
        int plan;
};

struct gperson {
        int64_t id; /* internal store id */
        int64_t created, left;
        double weight;
        uint32_t account;
        uint16_t slot;
        uint8_t sen, title;
        uint8_t first, last;
};

struct gaccount {
        int64_t id; /* internal store id */
        int64_t created, churned, garden_joined;
        double weight;
        uint32_t first_person, n_people;
        uint32_t first_period, n_periods;
        uint32_t cur_period, used_mask;
        unsigned cur_mask;
        double rej[4]; /* per seniority: chance a drawn type is of an unused capability */
        int cur_plan;
        int employees;
        uint8_t band, region, currency, eroding, garden, industry, tier, owner;
        uint8_t name_a, name_b;
        uint8_t adopt[C__COUNT];
        uint8_t n_obj;
        uint16_t obj_tpl[3];
        uint8_t obj_num[3];
};

#define HIST_BUCKETS 1664

struct gen {
        struct store *s;
        const struct gen_options *o;
        struct cxg_error *err;
        int treat;
        int64_t start, end, t_a, t_b, t_like, t_g0, t_g1, t_used;
        int months, ndays, month_g0, month_g1;
        int64_t month0; /* month index of start */

        struct gaccount *acc;
        size_t nacc;
        struct gperson *ppl;
        size_t nppl, cap_ppl;
        struct gperiod *per;
        size_t nper, cap_per;

        int32_t type_id[T__COUNT];
        double cum[4][T__COUNT]; /* cumulative type weights per seniority */
        double hcum[24];         /* cumulative weights of the local hour of day */

        /* calibration */
        double sum_lam, sum_pd, sum_sup, exec_a_lam, exec_b_non;
        double *exec_b_er; /* per day of window B */
        double rate, k_erosion, expected_exec_ratio, p_nps, p_ces, q_csat;

        /* output */
        struct store_interaction *batch;
        size_t nbatch;
        int64_t n_inter, n_fb, in_tx;
        char fb_id[32];

        /* ground truth measured while writing */
        int64_t exec_n[2];    /* exec interactions in windows A and B */
        int64_t exec_left[2]; /* exec departures in windows A and B */
        uint32_t *like_hist;  /* months x HIST_BUCKETS */
        uint32_t *sup_hist;   /* months x HIST_BUCKETS (support_ticket) */
        double *csat_sum;
        int64_t *csat_n, *nps_n, *nps_det;
        double *like_fail;
        int64_t *like_n;
};

/* ---- gen_company.c: the structure, in memory and then in the store ---- */

enum cxg_err gen_nomem(struct gen *g);

int gen_active_at(int64_t created, int64_t gone, int64_t t);

const struct gperiod *gen_period_at(const struct gen *g, const struct gaccount *a, int64_t t);

/*
 * Capabilities an account has adopted on a plan: those the plan includes whose adoption byte
 * is below the threshold (of 256): 45% for Premium in the planted company (observed use then
 * comes to ~40%), 80% otherwise.
 */
unsigned gen_adopt_mask(const struct gen *g, const struct gaccount *a, int plan);

unsigned gen_plan_caps(int plan);

/*
 * One account's life: signup, monthly plan changes and churn, garden membership. Draws a
 * fixed number of uniforms per month so the control company stays aligned with the planted
 * one.
 */
enum cxg_err gen_account_life(struct gen *g, uint32_t i);

enum cxg_err gen_account_people(struct gen *g, uint32_t i);

void gen_account_objectives(struct gen *g, uint32_t i);

void gen_account_ext_id(uint32_t i, char *out, size_t cap);

void gen_person_ext_id(const struct gperson *p, char *out, size_t cap);

enum cxg_err gen_write_capabilities(struct gen *g);

enum cxg_err gen_write_account(struct gen *g, uint32_t i);

enum cxg_err gen_write_objectives(struct gen *g, uint32_t i);

/* ---- gen_days.c: calibration and the day-by-day interaction pass ---- */

/* Quantile q of the histograms of months [m0, m1); -1 when empty. */
int64_t gen_hist_quantile(const uint32_t *h, int m0, int m1, double q);

int gen_month_of(const struct gen *g, int64_t ts);

enum cxg_err gen_flush_batch(struct gen *g);

/*
 * Walk every day of the window and every active person. pass 1 sums the expected activity
 * for calibration; pass 2 draws interactions and surveys and writes them.
 */
enum cxg_err gen_run_days(struct gen *g, int pass);

/*
 * Solve by bisection for the erosion rate k such that the expected executive activity in
 * window B is 0.6 x window A (capped at k = 60 when even that cannot reach it).
 */
void gen_calibrate_erosion(struct gen *g);

/* ---- gen_manifest.c ---- */

enum cxg_err gen_manifest(struct gen *g, const struct gen_summary *sum, struct cxg_buf *m);

#endif
