/* test_gardens_stats.c: the statistics of garden impact on hand-computed cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "engine/gardens_stats.h"

#define EPS 1e-6

static void test_diff_prop_matches_the_wald_interval(void **state)
{
        struct eng_garden_est e;

        (void)state;
        /* 30/40 vs 20/40: 0.25, se = sqrt(.75*.25/40 + .5*.5/40) = 0.1045825 */
        eng_garden_diff_prop(30, 40, 20, 40, &e);
        assert_true(fabs(e.diff - 0.25) < EPS);
        assert_true(fabs(e.se - 0.10458250331675945) < EPS);
        assert_true(fabs(e.lo - 0.04502206008611073) < EPS);
        assert_true(fabs(e.hi - 0.45497793991388924) < EPS);
        assert_true(fabs(e.v1 - 0.75) < EPS && fabs(e.v0 - 0.5) < EPS);
        /* an empty group: nothing to estimate */
        eng_garden_diff_prop(3, 4, 0, 0, &e);
        assert_true(isnan(e.diff) && isnan(e.lo));
}

static void test_mh_one_stratum_equals_the_wald_difference(void **state)
{
        struct eng_garden_bin s = {40, 30, 40, 20};
        struct eng_garden_est e;

        (void)state;
        eng_garden_mh_diff(&s, 1, &e);
        assert_true(fabs(e.diff - 0.25) < EPS);
        /* Sato's variance reduces to the unpooled binomial variance for one stratum */
        assert_true(fabs(e.se - 0.10458250331675945) < EPS);
        assert_int_equal(e.strata, 1);
}

static void test_mh_two_strata_hand_computed(void **state)
{
        /*
         * stratum 1: N = 30, (8*20 - 10*10)/30 = 2, w = 10*20/30 = 6.6667
         * stratum 2: N = 10, (2*5 - 1*5)/10 = 0.5, w = 5*5/10 = 2.5
         * D = 2.5 / 9.1667 = 0.272727; Sato: P = (100*10 - 400*8 + 200*10/2)/900 +
         * (25*1 - 25*2 + 25*0/2)/100 = -2.4444 - 0.25 = -2.6944; Q = (8*10 + 10*2)/60 +
         * (2*4 + 1*3)/20 = 1.6667 + 0.55 = 2.2167; var = (D P + Q) / W^2 = 0.0212412
         */
        struct eng_garden_bin s[3] = {{10, 8, 20, 10}, {5, 2, 5, 1}, {3, 3, 0, 0}};
        struct eng_garden_est e;

        (void)state;
        eng_garden_mh_diff(s, 3, &e);
        assert_true(fabs(e.diff - 0.2727272727272727) < EPS);
        assert_true(fabs(e.se - 0.14574351461073456) < EPS);
        assert_int_equal(e.strata, 2); /* the stratum without non-members carries nothing */
        assert_true(fabs(e.n1 - 15) < EPS && fabs(e.n0 - 25) < EPS);
}

static void test_mh_removes_confounding_that_the_crude_difference_shows(void **state)
{
        /* both strata: members retain 10 points better; members sit mostly in the good one */
        struct eng_garden_bin s[2] = {{90, 81, 10, 8}, {10, 3, 90, 18}};
        struct eng_garden_est crude, mh;

        (void)state;
        eng_garden_diff_prop(84, 100, 26, 100, &crude);
        eng_garden_mh_diff(s, 2, &mh);
        assert_true(fabs(crude.diff - 0.58) < EPS);
        assert_true(fabs(mh.diff - 0.10) < EPS);
        assert_true(fabs(mh.se - 0.09972183534434394) < EPS);
        assert_true(mh.lo < 0.10 && mh.hi > 0.10);
}

static void test_strat_mean_diff_with_pooled_fallback(void **state)
{
        /*
         * stratum 1: members 4, 6 (mean 5, var 2), others 1, 3 (mean 2, var 2), w = 1
         * stratum 2: member 10 (var: pooled over members 4, 6, 10 = 9.3333), others 5, 6, 7
         * (mean 6, var 1), w = 0.75
         * D = (1*3 + 0.75*4) / 1.75 = 3.428571
         * var = (1*(2/2 + 2/2) + 0.5625*(9.3333/1 + 1/3)) / 1.75^2 = 7.4375 / 3.0625 = 2.428571
         */
        struct eng_garden_num s[2] = {{2, 10, 52, 2, 4, 10}, {1, 10, 100, 3, 18, 110}};
        struct eng_garden_est e;

        (void)state;
        eng_garden_strat_mean_diff(s, 2, &e);
        assert_true(fabs(e.diff - 6.0 / 1.75) < EPS);
        assert_true(fabs(e.se - sqrt(7.4375 / 3.0625)) < EPS);
        assert_int_equal(e.strata, 2);
}

static void test_mean_est_as_mean_and_as_total(void **state)
{
        struct eng_garden_est e;

        (void)state;
        /* 1, 2, 3, 4: mean 2.5, sample variance 5/3 */
        eng_garden_mean_est(4, 10, 30, 0, &e);
        assert_true(fabs(e.diff - 2.5) < EPS);
        assert_true(fabs(e.se - sqrt(5.0 / 3 / 4)) < EPS);
        eng_garden_mean_est(4, 10, 30, 1, &e);
        assert_true(fabs(e.diff - 10) < EPS);
        assert_true(fabs(e.se - sqrt(5.0 / 3 * 4)) < EPS);
}

static void test_quantile_interpolates_like_r_type_7(void **state)
{
        double v[4] = {1, 2, 3, 4};

        (void)state;
        assert_true(fabs(eng_garden_quantile(v, 4, 0.5) - 2.5) < EPS);
        assert_true(fabs(eng_garden_quantile(v, 4, 0.25) - 1.75) < EPS);
        assert_true(fabs(eng_garden_quantile(v, 4, 1.0 / 3) - 2.0) < EPS);
        assert_true(fabs(eng_garden_quantile(v, 4, 1) - 4) < EPS);
        assert_true(isnan(eng_garden_quantile(v, 0, 0.5)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_diff_prop_matches_the_wald_interval),
            cmocka_unit_test(test_mh_one_stratum_equals_the_wald_difference),
            cmocka_unit_test(test_mh_two_strata_hand_computed),
            cmocka_unit_test(test_mh_removes_confounding_that_the_crude_difference_shows),
            cmocka_unit_test(test_strat_mean_diff_with_pooled_fallback),
            cmocka_unit_test(test_mean_est_as_mean_and_as_total),
            cmocka_unit_test(test_quantile_interpolates_like_r_type_7),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
