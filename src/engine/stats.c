/*
 * stats.c: shared statistics helpers (normal distribution, z-tests, multiple-testing
 * corrections, quantiles by selection, median/MAD robust z, EWMA). See stats.h and
 * docs/scoring.md, "Early warning".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "engine/stats.h"

double eng_stats_norm_cdf(double z)
{
        if (isnan(z))
                return NAN;
        return 0.5 * erfc(-z / sqrt(2.0));
}

double eng_stats_norm_sf(double z)
{
        if (isnan(z))
                return NAN;
        return 0.5 * erfc(z / sqrt(2.0));
}

double eng_stats_p_value(double z, enum eng_stats_tail tail)
{
        double p;

        if (isnan(z))
                return NAN;
        switch (tail) {
        case ENG_STATS_LESS:
                return eng_stats_norm_cdf(z);
        case ENG_STATS_GREATER:
                return eng_stats_norm_sf(z);
        case ENG_STATS_TWO_SIDED:
        default:
                p = 2.0 * eng_stats_norm_sf(fabs(z));
                return p > 1 ? 1 : p;
        }
}

enum cxg_err eng_stats_two_prop_z(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
                                  enum eng_stats_tail tail, struct eng_stats_test *out)
{
        double p1, p2, pool, se;

        memset(out, 0, sizeof(*out));
        if (!n1 || !n2 || x1 > n1 || x2 > n2)
                return CXG_ERR_INVALID;
        p1 = (double)x1 / (double)n1;
        p2 = (double)x2 / (double)n2;
        pool = (double)(x1 + x2) / (double)(n1 + n2);
        se = sqrt(pool * (1 - pool) * (1.0 / (double)n1 + 1.0 / (double)n2));
        out->est1 = p1;
        out->est2 = p2;
        out->diff = p2 - p1;
        out->se = se;
        if (se <= 0) {
                out->z = 0;
                out->p = 1;
                return CXG_OK;
        }
        out->z = (p2 - p1) / se;
        out->p = eng_stats_p_value(out->z, tail);
        return CXG_OK;
}

void eng_stats_moments_add(struct eng_stats_moments *m, double x)
{
        m->n += 1;
        m->sum += x;
        m->sumsq += x * x;
}

double eng_stats_moments_mean(const struct eng_stats_moments *m)
{
        return m->n > 0 ? m->sum / m->n : NAN;
}

double eng_stats_moments_var(const struct eng_stats_moments *m)
{
        double v;

        if (m->n < 2)
                return NAN;
        v = (m->sumsq - m->sum * m->sum / m->n) / (m->n - 1);
        return v < 0 ? 0 : v; /* rounding can make a zero variance slightly negative */
}

enum cxg_err eng_stats_two_mean_z(const struct eng_stats_moments *g1,
                                  const struct eng_stats_moments *g2, enum eng_stats_tail tail,
                                  struct eng_stats_test *out)
{
        double se;

        memset(out, 0, sizeof(*out));
        if (g1->n < 2 || g2->n < 2)
                return CXG_ERR_INVALID;
        out->est1 = eng_stats_moments_mean(g1);
        out->est2 = eng_stats_moments_mean(g2);
        out->diff = out->est2 - out->est1;
        se = sqrt(eng_stats_moments_var(g1) / g1->n + eng_stats_moments_var(g2) / g2->n);
        out->se = se;
        if (!(se > 0)) {
                out->z = 0;
                out->p = 1;
                return CXG_OK;
        }
        out->z = out->diff / se;
        out->p = eng_stats_p_value(out->z, tail);
        return CXG_OK;
}

enum cxg_err eng_stats_one_mean_z(const struct eng_stats_moments *m, double mu0,
                                  enum eng_stats_tail tail, struct eng_stats_test *out)
{
        double se;

        memset(out, 0, sizeof(*out));
        if (m->n < 2)
                return CXG_ERR_INVALID;
        out->est1 = mu0;
        out->est2 = eng_stats_moments_mean(m);
        out->diff = out->est2 - mu0;
        se = sqrt(eng_stats_moments_var(m) / m->n);
        out->se = se;
        if (!(se > 0)) {
                out->z = out->diff == 0 ? 0 : (out->diff > 0 ? INFINITY : -INFINITY);
                out->p = out->diff == 0 ? 1 : eng_stats_p_value(out->z, tail);
                return CXG_OK;
        }
        out->z = out->diff / se;
        out->p = eng_stats_p_value(out->z, tail);
        return CXG_OK;
}

void eng_stats_bonferroni(const double *p, size_t n, double *adj)
{
        for (size_t i = 0; i < n; i++) {
                double v = isnan(p[i]) ? 1 : p[i] * (double)n;

                adj[i] = v > 1 ? 1 : v;
        }
}

struct pv {
        double p;
        size_t i;
};

static int pv_cmp(const void *a, const void *b)
{
        const struct pv *x = a, *y = b;

        if (x->p != y->p)
                return x->p < y->p ? -1 : 1;
        return x->i < y->i ? -1 : x->i > y->i; /* ties keep input order */
}

enum cxg_err eng_stats_bh(const double *p, size_t n, double *adj)
{
        struct pv *s;
        double run = 1;
        size_t k;

        if (!n)
                return CXG_OK;
        s = cxg_malloc(n * sizeof(*s));
        if (!s)
                return CXG_ERR_NOMEM;
        for (k = 0; k < n; k++) {
                s[k].p = isnan(p[k]) ? 1 : p[k];
                s[k].i = k;
        }
        qsort(s, n, sizeof(*s), pv_cmp);
        /* step-up from the largest p: the running minimum of p(j) n / j */
        for (k = n; k-- > 0;) {
                double v = s[k].p * (double)n / (double)(k + 1);

                if (v < run)
                        run = v;
                s[k].p = run > 1 ? 1 : run;
        }
        for (k = 0; k < n; k++)
                adj[s[k].i] = s[k].p;
        cxg_free(s);
        return CXG_OK;
}

double eng_stats_quantile_sorted(const double *v, size_t n, double q)
{
        double h, f;
        size_t lo;

        if (!n)
                return NAN;
        if (q <= 0)
                return v[0];
        if (q >= 1)
                return v[n - 1];
        h = (double)(n - 1) * q;
        lo = (size_t)h;
        f = h - (double)lo;
        if (lo + 1 >= n)
                return v[n - 1];
        return v[lo] + f * (v[lo + 1] - v[lo]);
}

static void swap_d(double *a, double *b)
{
        double t = *a;

        *a = *b;
        *b = t;
}

/*
 * Selection with a three-way partition (many equal durations are common): afterwards v[k]
 * holds the k-th smallest and v[<k] <= v[k] <= v[>k].
 */
static void select_kth(double *v, size_t n, size_t k)
{
        size_t lo = 0, hi = n - 1;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2, lt = lo, i = lo, gt = hi;
                double a = v[lo], b = v[mid], c = v[hi], pivot;

                /* median of three keeps sorted input from going quadratic */
                pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
                while (i <= gt) {
                        if (v[i] < pivot) {
                                swap_d(&v[lt++], &v[i++]);
                        } else if (v[i] > pivot) {
                                swap_d(&v[i], &v[gt]);
                                gt--; /* the pivot value is in [lt, gt]: gt >= lt >= lo */
                        } else {
                                i++;
                        }
                }
                if (k < lt)
                        hi = lt - 1;
                else if (k > gt)
                        lo = gt + 1;
                else
                        return;
        }
}

double eng_stats_quantile(double *v, size_t n, double q)
{
        double h, f, a, b;
        size_t lo;

        if (!n)
                return NAN;
        if (q < 0)
                q = 0;
        if (q > 1)
                q = 1;
        h = (double)(n - 1) * q;
        lo = (size_t)h;
        f = h - (double)lo;
        select_kth(v, n, lo);
        a = v[lo];
        if (f == 0 || lo + 1 >= n)
                return a;
        /* the next order statistic is the minimum of the upper part */
        b = v[lo + 1];
        for (size_t i = lo + 2; i < n; i++)
                if (v[i] < b)
                        b = v[i];
        return a + f * (b - a);
}

double eng_stats_median(double *v, size_t n)
{
        return eng_stats_quantile(v, n, 0.5);
}

double eng_stats_mad(const double *v, size_t n, double med, double *work)
{
        if (!n)
                return NAN;
        for (size_t i = 0; i < n; i++)
                work[i] = fabs(v[i] - med);
        return eng_stats_median(work, n);
}

enum cxg_err eng_stats_robust_z(double x, const double *h, size_t n, double floor,
                                struct eng_stats_robust *out)
{
        double *w;

        memset(out, 0, sizeof(*out));
        if (!n)
                return CXG_ERR_INVALID;
        w = cxg_malloc(2 * n * sizeof(*w));
        if (!w)
                return CXG_ERR_NOMEM;
        memcpy(w, h, n * sizeof(*w));
        out->median = eng_stats_median(w, n);
        out->sigma = ENG_STATS_MAD_SCALE * eng_stats_mad(h, n, out->median, w + n);
        cxg_free(w);
        if (floor > out->sigma)
                out->sigma = floor;
        if (out->sigma > 0)
                out->z = (x - out->median) / out->sigma;
        else
                out->z = x == out->median ? 0 : (x > out->median ? INFINITY : -INFINITY);
        return CXG_OK;
}

double eng_stats_ewma_step(double prev, double x, double alpha)
{
        if (isnan(prev))
                return x;
        if (isnan(x))
                return prev;
        return alpha * x + (1 - alpha) * prev;
}

void eng_stats_ewma(const double *x, size_t n, double alpha, double *out)
{
        double prev = NAN;

        for (size_t i = 0; i < n; i++) {
                prev = eng_stats_ewma_step(prev, x[i], alpha);
                out[i] = prev;
        }
}
