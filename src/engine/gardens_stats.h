/*
 * gardens_stats.h: the statistics behind garden impact, experiments and rollouts, as pure
 * functions over counts and sums (no snapshot), so each formula can be checked by hand.
 * Every formula is in docs/scoring.md, section "Gardens", under the function's name.
 */
#ifndef CXG_ENG_GARDENS_STATS_H
#define CXG_ENG_GARDENS_STATS_H

#include <stddef.h>
#include <stdint.h>

/* z of a two-sided 95% normal interval. */
#define ENG_GARDEN_Z95 1.959963984540054

/* An estimated difference (members or participants minus comparison) with its interval. */
struct eng_garden_est {
        double diff;   /* proportion difference (0.10 = 10 points) or mean difference */
        double se;     /* standard error; NAN when not estimable */
        double lo, hi; /* 95% interval diff -/+ 1.96 se; NAN when not estimable */
        double v1, v0; /* the two groups' (weighted) proportions or means */
        double n1, n0; /* units behind v1 and v0 */
        int strata;    /* strata that had both groups */
};

/* One stratum of a binary outcome: x of n units had it, in group 1 and group 0. */
struct eng_garden_bin {
        double n1, x1, n0, x0;
};

/* One stratum of a numeric outcome: count, sum and sum of squares per group. */
struct eng_garden_num {
        double n1, s1, ss1, n0, s0, ss0;
};

/*
 * Difference of two proportions x1/n1 - x0/n0 with the unpooled normal (Wald) interval:
 * se = sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0). A group of size 0 gives NAN everywhere.
 */
void eng_garden_diff_prop(double x1, double n1, double x0, double n0, struct eng_garden_est *out);

/*
 * Mantel-Haenszel risk difference over k strata (Greenland & Robins 1985) with Sato's (1989)
 * variance, which stays valid when strata are small (one member matched to its comparable
 * non-members is a stratum):
 *   D  = sum (x1 n0 - x0 n1) / N  /  W,   W = sum n1 n0 / N,   N = n1 + n0
 *   P  = sum (n1^2 x0 - n0^2 x1 + n1 n0 (n0 - n1) / 2) / N^2
 *   Q  = sum (x1 (n0 - x0) + x0 (n1 - x1)) / (2 N)
 *   var(D) = (D P + Q) / W^2
 * Strata missing either group carry no information and are skipped. v1 and v0 are the
 * MH-weighted proportions (sum w p1 / W, w = n1 n0 / N); n1 and n0 sum the used strata.
 */
void eng_garden_mh_diff(const struct eng_garden_bin *strata, size_t k, struct eng_garden_est *out);

/*
 * Stratified difference of means with the same weights w = n1 n0 / N:
 *   D = sum w (m1 - m0) / W,  var(D) = sum w^2 (s1^2 / n1 + s0^2 / n0) / W^2
 * where s^2 is the stratum's sample variance of the group when it has two or more units, and
 * otherwise the group's sample variance over all strata (conservative: it includes the
 * between-strata spread).
 */
void eng_garden_strat_mean_diff(const struct eng_garden_num *strata, size_t k,
                                struct eng_garden_est *out);

/*
 * Mean of z over n independent units with the normal interval (se = sd / sqrt(n)); used for
 * money: z_i = MRR_i (retained_i - comparison retention_i). sum and sumsq are of z; the
 * estimate is reported as a total (n * mean) when total is 1.
 */
void eng_garden_mean_est(double n, double sum, double sumsq, int total, struct eng_garden_est *out);

/*
 * Quantile q in [0, 1] of n sorted values, with linear interpolation between order statistics
 * (type 7, as R's default); NAN when n is 0.
 */
double eng_garden_quantile(const double *sorted, size_t n, double q);

#endif
