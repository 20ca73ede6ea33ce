/* test_eng_stats.c: the shared statistics helpers against hand-computed and published values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "engine/stats.h"

/* cmocka's assert_float_equal compares floats; these checks need doubles */
#define assert_near(a, b, eps)                                                                     \
        do {                                                                                       \
                double a_ = (a), b_ = (b);                                                         \
                if (!(fabs(a_ - b_) <= (eps)))                                                     \
                        fail_msg("%.17g != %.17g (within %g)", a_, b_, (double)(eps));             \
        } while (0)

#define EPS 1e-9

static void test_norm_cdf_matches_published_table(void **state)
{
        (void)state;
        assert_near(eng_stats_norm_cdf(0), 0.5, EPS);
        /* z = 1.959964: the two-sided 5% critical value */
        assert_near(eng_stats_norm_cdf(1.959963984540054), 0.975, 1e-12);
        assert_near(eng_stats_norm_cdf(-1), 0.15865525393145707, 1e-12);
        /* far tail: 1 - Phi(3) = 0.0013498980316301 and 1 - Phi(10) = 7.6e-24 (not 0) */
        assert_near(eng_stats_norm_sf(3), 0.0013498980316300957, 1e-15);
        assert_true(eng_stats_norm_sf(10) > 7.6e-24 && eng_stats_norm_sf(10) < 7.7e-24);
        assert_true(isnan(eng_stats_norm_cdf(NAN)));
}

static void test_p_value_tails(void **state)
{
        (void)state;
        assert_near(eng_stats_p_value(-1.959963984540054, ENG_STATS_TWO_SIDED), 0.05, 1e-12);
        assert_near(eng_stats_p_value(-1.959963984540054, ENG_STATS_LESS), 0.025, 1e-12);
        assert_near(eng_stats_p_value(-1.959963984540054, ENG_STATS_GREATER), 0.975, 1e-12);
}

static void test_two_prop_z_hand_computed(void **state)
{
        struct eng_stats_test t;

        (void)state;
        /* 40/100 then 25/100: P = 0.325, se = sqrt(0.325 * 0.675 * 0.02) = 0.0662382 */
        assert_int_equal(eng_stats_two_prop_z(40, 100, 25, 100, ENG_STATS_TWO_SIDED, &t), CXG_OK);
        assert_near(t.est1, 0.40, EPS);
        assert_near(t.est2, 0.25, EPS);
        assert_near(t.diff, -0.15, EPS);
        assert_near(t.se, 0.06623820649745886, 1e-12);
        assert_near(t.z, -2.264554068289191, 1e-9);
        assert_near(t.p, 0.023540058261177985, 1e-9);
        assert_int_equal(eng_stats_two_prop_z(40, 100, 25, 100, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.p, 0.011770029130588992, 1e-9);
        /* a rise is not evidence of a fall */
        assert_int_equal(eng_stats_two_prop_z(25, 100, 40, 100, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.p, 1 - 0.011770029130588992, 1e-9);
}

static void test_two_prop_z_degenerate_and_invalid(void **state)
{
        struct eng_stats_test t;

        (void)state;
        /* everybody in both groups: no variation, no evidence */
        assert_int_equal(eng_stats_two_prop_z(50, 50, 80, 80, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.z, 0, EPS);
        assert_near(t.p, 1, EPS);
        assert_int_equal(eng_stats_two_prop_z(1, 0, 1, 10, ENG_STATS_LESS, &t), CXG_ERR_INVALID);
        assert_int_equal(eng_stats_two_prop_z(11, 10, 1, 10, ENG_STATS_LESS, &t), CXG_ERR_INVALID);
}

static void test_two_mean_z_welch(void **state)
{
        struct eng_stats_moments a = {0}, b = {0}, one = {0};
        struct eng_stats_test t;

        (void)state;
        for (int i = 1; i <= 5; i++) {
                eng_stats_moments_add(&a, i);     /* mean 3, variance 2.5 */
                eng_stats_moments_add(&b, 2 * i); /* mean 6, variance 10 */
        }
        assert_near(eng_stats_moments_mean(&a), 3, EPS);
        assert_near(eng_stats_moments_var(&a), 2.5, EPS);
        assert_near(eng_stats_moments_var(&b), 10, EPS);
        assert_int_equal(eng_stats_two_mean_z(&a, &b, ENG_STATS_GREATER, &t), CXG_OK);
        /* z = 3 / sqrt(2.5/5 + 10/5) = 1.8973666 */
        assert_near(t.z, 1.8973665961010275, 1e-9);
        assert_near(t.p, 0.028889785561798637, 1e-9);
        eng_stats_moments_add(&one, 1);
        assert_int_equal(eng_stats_two_mean_z(&one, &b, ENG_STATS_GREATER, &t), CXG_ERR_INVALID);
        assert_true(isnan(eng_stats_moments_var(&one)));
}

static void test_one_mean_z_on_differences(void **state)
{
        struct eng_stats_moments d = {0}, flat = {0};
        struct eng_stats_test t;

        (void)state;
        /* differences -1 -2 -3 -4 -5: mean -3, s^2 = 2.5, se = sqrt(2.5 / 5) = 0.7071 */
        for (int i = 1; i <= 5; i++)
                eng_stats_moments_add(&d, -i);
        assert_int_equal(eng_stats_one_mean_z(&d, 0, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.est2, -3, EPS);
        assert_near(t.se, sqrt(0.5), 1e-12);
        assert_near(t.z, -3 / sqrt(0.5), 1e-9); /* -4.2426 */
        assert_near(t.p, 1.1045248489e-05, 1e-12);
        eng_stats_moments_add(&flat, 2);
        eng_stats_moments_add(&flat, 2);
        assert_int_equal(eng_stats_one_mean_z(&flat, 2, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.p, 1, EPS);
        assert_int_equal(eng_stats_one_mean_z(&flat, 3, ENG_STATS_LESS, &t), CXG_OK);
        assert_near(t.p, 0, EPS);
}

static void test_bonferroni_and_bh(void **state)
{
        double p[4] = {0.01, 0.04, 0.03, 0.005}, adj[4], inplace[4];

        (void)state;
        eng_stats_bonferroni(p, 4, adj);
        assert_near(adj[0], 0.04, EPS);
        assert_near(adj[1], 0.16, EPS);
        assert_near(adj[2], 0.12, EPS);
        assert_near(adj[3], 0.02, EPS);
        /* BH: sorted .005 .01 .03 .04 -> x4/1 x4/2 x4/3 x4/4 = .02 .02 .04 .04, then the running
         * minimum from the top: .02 .02 .04 .04 */
        assert_int_equal(eng_stats_bh(p, 4, adj), CXG_OK);
        assert_near(adj[0], 0.02, EPS);
        assert_near(adj[1], 0.04, EPS);
        assert_near(adj[2], 0.04, EPS);
        assert_near(adj[3], 0.02, EPS);
        /* monotone step-up: p = .01 .02 .5 -> .03 .03 .5 ; in place */
        inplace[0] = 0.01;
        inplace[1] = 0.02;
        inplace[2] = 0.5;
        assert_int_equal(eng_stats_bh(inplace, 3, inplace), CXG_OK);
        assert_near(inplace[0], 0.03, EPS);
        assert_near(inplace[1], 0.03, EPS);
        assert_near(inplace[2], 0.5, EPS);
        /* out of memory is reported, not hidden */
        cxg_alloc_fail_at(1);
        assert_int_equal(eng_stats_bh(p, 4, adj), CXG_ERR_NOMEM);
        cxg_alloc_fail_at(0);
}

static void test_quantiles_type7(void **state)
{
        double s[10], u[10] = {7, 3, 10, 1, 9, 2, 8, 5, 4, 6};
        double dup[8] = {5, 5, 5, 1, 5, 5, 9, 5};

        (void)state;
        for (int i = 0; i < 10; i++)
                s[i] = i + 1;
        /* NumPy: np.quantile(range(1, 11), .95) = 9.55, .5 = 5.5, .25 = 3.25 */
        assert_near(eng_stats_quantile_sorted(s, 10, 0.95), 9.55, EPS);
        assert_near(eng_stats_quantile_sorted(s, 10, 0.5), 5.5, EPS);
        assert_near(eng_stats_quantile(u, 10, 0.95), 9.55, EPS);
        assert_near(eng_stats_quantile(u, 10, 0.25), 3.25, EPS);
        assert_near(eng_stats_quantile(u, 10, 0), 1, EPS);
        assert_near(eng_stats_quantile(u, 10, 1), 10, EPS);
        assert_near(eng_stats_median(u, 10), 5.5, EPS);
        /* many ties: sorted 1 5 5 5 5 5 5 9 -> p50 5, p95 = 5 + 0.65 * 4 = 7.6 */
        assert_near(eng_stats_quantile(dup, 8, 0.5), 5, EPS);
        assert_near(eng_stats_quantile(dup, 8, 0.95), 7.6, EPS);
        assert_true(isnan(eng_stats_quantile(u, 0, 0.5)));
}

static void test_quantile_selection_agrees_with_sorting(void **state)
{
        enum { N = 1001 };
        double *v = malloc(N * sizeof(double)), *w = malloc(N * sizeof(double));
        unsigned x = 12345;

        (void)state;
        for (int i = 0; i < N; i++) {
                x = x * 1103515245u + 12345u;
                v[i] = (double)((x >> 8) % 200); /* many duplicates */
        }
        for (int r = 0; r <= 20; r++) {
                double q = r / 20.0, a, b;

                memcpy(w, v, N * sizeof(double));
                a = eng_stats_quantile(w, N, q);
                memcpy(w, v, N * sizeof(double));
                for (int i = 1; i < N; i++) /* insertion sort: the slow, obvious reference */
                        for (int j = i; j > 0 && w[j - 1] > w[j]; j--) {
                                double t = w[j];
                                w[j] = w[j - 1];
                                w[j - 1] = t;
                        }
                b = eng_stats_quantile_sorted(w, N, q);
                assert_near(a, b, EPS);
        }
        free(v);
        free(w);
}

static void test_mad_and_robust_z(void **state)
{
        double h[7] = {1, 1, 2, 2, 4, 6, 9}, work[7], flat[4] = {3, 3, 3, 3};
        struct eng_stats_robust r;

        (void)state;
        /* median 2; |deviations| 1 1 0 0 2 4 7 -> median 1 */
        assert_near(eng_stats_mad(h, 7, 2, work), 1, EPS);
        assert_int_equal(eng_stats_robust_z(10, h, 7, 0, &r), CXG_OK);
        assert_near(r.median, 2, EPS);
        assert_near(r.sigma, ENG_STATS_MAD_SCALE, EPS);
        assert_near(r.z, 8 / ENG_STATS_MAD_SCALE, 1e-9); /* 5.3959 */
        assert_near(h[6], 9, EPS);                       /* history untouched */
        /* a flat history: the floor decides */
        assert_int_equal(eng_stats_robust_z(5, flat, 4, 0.5, &r), CXG_OK);
        assert_near(r.sigma, 0.5, EPS);
        assert_near(r.z, 4, EPS);
        assert_int_equal(eng_stats_robust_z(3, flat, 4, 0, &r), CXG_OK);
        assert_near(r.z, 0, EPS);
        assert_int_equal(eng_stats_robust_z(4, flat, 4, 0, &r), CXG_OK);
        assert_true(isinf(r.z) && r.z > 0);
        assert_int_equal(eng_stats_robust_z(1, h, 0, 0, &r), CXG_ERR_INVALID);
}

static void test_ewma_series(void **state)
{
        double x[5] = {NAN, 1, 3, NAN, 5}, out[5];

        (void)state;
        eng_stats_ewma(x, 5, 0.5, out);
        assert_true(isnan(out[0]));
        assert_near(out[1], 1, EPS);
        assert_near(out[2], 2, EPS);
        assert_near(out[3], 2, EPS);
        assert_near(out[4], 3.5, EPS);
        assert_near(eng_stats_ewma_step(10, 20, 0.3), 13, EPS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_norm_cdf_matches_published_table),
            cmocka_unit_test(test_p_value_tails),
            cmocka_unit_test(test_two_prop_z_hand_computed),
            cmocka_unit_test(test_two_prop_z_degenerate_and_invalid),
            cmocka_unit_test(test_two_mean_z_welch),
            cmocka_unit_test(test_one_mean_z_on_differences),
            cmocka_unit_test(test_bonferroni_and_bh),
            cmocka_unit_test(test_quantiles_type7),
            cmocka_unit_test(test_quantile_selection_agrees_with_sorting),
            cmocka_unit_test(test_mad_and_robust_z),
            cmocka_unit_test(test_ewma_series),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
