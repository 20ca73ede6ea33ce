/*
 * stats.h: the statistics the detectors (and any other module) share: the normal
 * distribution, two-proportion and two-mean z-tests, multiple-testing corrections, quantiles,
 * median and MAD, robust z-scores and EWMA. Pure functions over plain arrays; no allocation
 * except where a function says so. Every formula is in docs/scoring.md, "Early warning".
 */
#ifndef CXG_ENG_STATS_H
#define CXG_ENG_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* MAD times this estimates the standard deviation of a normal sample. */
#define ENG_STATS_MAD_SCALE 1.482602218505602

/* Which alternative a test takes. */
enum eng_stats_tail {
        ENG_STATS_TWO_SIDED, /* the two groups differ */
        ENG_STATS_LESS,      /* group 2 is lower than group 1 */
        ENG_STATS_GREATER,   /* group 2 is higher than group 1 */
};

/* Standard normal cumulative distribution Phi(z) = P(Z <= z); 0 / 1 at -inf / +inf. */
double eng_stats_norm_cdf(double z);
/* Upper tail 1 - Phi(z), accurate far into the tail (erfc, not 1 - cdf). */
double eng_stats_norm_sf(double z);
/* p-value of the statistic z under the alternative tail. */
double eng_stats_p_value(double z, enum eng_stats_tail tail);

/* Result of a two-sample z-test; "1" is the earlier (reference) group, "2" the later one. */
struct eng_stats_test {
        double est1, est2; /* proportions (or means) of the two groups */
        double diff;       /* est2 - est1 */
        double se;         /* standard error of diff under the test's null */
        double z;          /* diff / se */
        double p;          /* p-value for the requested tail */
};

/*
 * Two-proportion z-test of x1 successes out of n1 against x2 out of n2 with the pooled
 * standard error sqrt(P (1 - P) (1/n1 + 1/n2)), P = (x1 + x2) / (n1 + n2). CXG_ERR_INVALID
 * when a count is 0 or x > n. When P is 0 or 1 (no variation) z is 0 and p is 1.
 */
enum cxg_err eng_stats_two_prop_z(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
                                  enum eng_stats_tail tail, struct eng_stats_test *out) CXG_WUR;

/* Running moments of a sample: count, sum, sum of squares (for mean tests). */
struct eng_stats_moments {
        double n, sum, sumsq;
};

/* Add x to m. */
void eng_stats_moments_add(struct eng_stats_moments *m, double x);
/* Mean of m, NAN when empty. */
double eng_stats_moments_mean(const struct eng_stats_moments *m);
/* Unbiased sample variance of m (n - 1 denominator), NAN when n < 2. */
double eng_stats_moments_var(const struct eng_stats_moments *m);

/*
 * Two-sample z-test of means (Welch standard error sqrt(s1^2/n1 + s2^2/n2), normal
 * approximation: fine from a few dozen per group, which the callers require). CXG_ERR_INVALID
 * when a group has fewer than 2 values. Zero variance in both groups: z 0, p 1.
 */
enum cxg_err eng_stats_two_mean_z(const struct eng_stats_moments *g1,
                                  const struct eng_stats_moments *g2, enum eng_stats_tail tail,
                                  struct eng_stats_test *out) CXG_WUR;

/*
 * One-sample (or paired, on the differences) z-test of the mean of m against mu0, standard
 * error s / sqrt(n) (normal approximation). est1 = mu0, est2 = the mean. CXG_ERR_INVALID when
 * n < 2. Zero variance: z 0 and p 1 when the mean equals mu0, else z = +-inf and p 0 or 1.
 */
enum cxg_err eng_stats_one_mean_z(const struct eng_stats_moments *m, double mu0,
                                  enum eng_stats_tail tail, struct eng_stats_test *out) CXG_WUR;

/*
 * Bonferroni adjustment: adj[i] = min(1, p[i] * n). adj may be p (in place).
 */
void eng_stats_bonferroni(const double *p, size_t n, double *adj);

/*
 * Benjamini-Hochberg adjusted p-values (the false discovery rate q-values): sort p ascending,
 * adj(k) = min over j >= k of p(j) * n / j, capped at 1, returned in the input order. A test
 * is a discovery at FDR level q when adj[i] <= q. adj may be p. Allocates n indexes
 * (CXG_ERR_NOMEM). NAN p-values count as 1.
 */
enum cxg_err eng_stats_bh(const double *p, size_t n, double *adj) CXG_WUR;

/*
 * Quantile q in [0, 1] of n sorted values by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, the default of R and NumPy): h = (n - 1) q, v[floor h] + (h - floor h)
 * (v[floor h + 1] - v[floor h]). NAN when n is 0.
 */
double eng_stats_quantile_sorted(const double *v, size_t n, double q);
/*
 * The same quantile of n unsorted values, found by selection in O(n): v is reordered (not
 * sorted). NAN when n is 0.
 */
double eng_stats_quantile(double *v, size_t n, double q);
/* Median of n values (v reordered); NAN when n is 0. */
double eng_stats_median(double *v, size_t n);
/*
 * Median absolute deviation around the median med, unscaled (multiply by ENG_STATS_MAD_SCALE
 * for a standard deviation); v is left unchanged, work (n doubles) is scratch. NAN when n is 0.
 */
double eng_stats_mad(const double *v, size_t n, double med, double *work);

/* Robust drift of one value against a history: its median, scaled MAD and z. */
struct eng_stats_robust {
        double median;
        double sigma; /* ENG_STATS_MAD_SCALE x MAD, raised to the floor */
        double z;     /* (x - median) / sigma */
};

/*
 * Robust z-score of x against the n history values h: (x - median(h)) / max(1.4826 MAD(h),
 * floor). floor (>= 0) keeps a history with (almost) no spread from turning noise into a
 * huge z. Allocates 2n doubles (CXG_ERR_NOMEM); CXG_ERR_INVALID when n is 0. z is 0 when x
 * equals the median and sigma is 0.
 */
enum cxg_err eng_stats_robust_z(double x, const double *h, size_t n, double floor,
                                struct eng_stats_robust *out) CXG_WUR;

/* One EWMA step: alpha x + (1 - alpha) prev; prev NAN starts the series at x. */
double eng_stats_ewma_step(double prev, double x, double alpha);
/*
 * Exponentially weighted moving average of the series x into out (out may be x): out[0] =
 * x[0], out[i] = alpha x[i] + (1 - alpha) out[i - 1]; NAN values of x are skipped (out
 * repeats the previous value, NAN until the first value).
 */
void eng_stats_ewma(const double *x, size_t n, double alpha, double *out);

#endif
