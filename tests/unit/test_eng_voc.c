/* test_eng_voc.c: NPS, CSAT and CES with their intervals on hand-computed cases, weighting,
 * grouping by key and month, and the join of answers to the preceding experience. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/parse.h"
#include "engine/voc.h"
#include "model/model.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void near(double got, double want, double tol)
{
        if (!(fabs(got - want) <= tol))
                fail_msg("got %.6f, want %.6f (+- %g)", got, want, tol);
}

/*
 * 10 answers: 5 promoters (10, 10, 9, 9, 9), 3 passives (8, 7, 8), 2 detractors (3, 6).
 * NPS = 100 * (0.5 - 0.2) = 30. Var = (0.5 + 0.2 - 0.3^2) / 10 = 0.061, se = 24.698 points,
 * 95% CI = 30 -+ 1.96 * 24.698 = [-18.41, 78.41].
 */
static const double nps10[] = {10, 10, 9, 9, 9, 8, 7, 8, 3, 6};

static void test_nps_counts_value_and_interval_by_hand(void **state)
{
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        eng_voc_stat_compute(&cfg, nps10, NULL, NELEM(nps10), &s);
        assert_int_equal(s.n, 10);
        assert_int_equal(s.n_pos, 5);
        assert_int_equal(s.n_mid, 3);
        assert_int_equal(s.n_neg, 2);
        near(s.unweighted.value, 30, 1e-9);
        near(s.unweighted.se, 24.698, 0.001);
        near(s.unweighted.lo, -18.41, 0.005);
        near(s.unweighted.hi, 78.41, 0.005);
        near(s.unweighted.mean, 7.9, 1e-9);
        assert_false(s.has_weighted);
        assert_true(isnan(s.weighted.value));
}

/*
 * The same answers, detractors weighted 3 and the others 1: sum w = 14, sum w^2 = 26,
 * n_eff = 196 / 26 = 7.538. p_P = 5/14, p_D = 6/14, NPS = -7.14; Var = (11/14 - (1/14)^2) /
 * 7.538 = 0.10355, se = 32.18, CI = [-70.21, 55.93]. The unweighted figure stays 30 beside it.
 */
static void test_nps_weighted_uses_effective_sample_size(void **state)
{
        const double w[] = {1, 1, 1, 1, 1, 1, 1, 1, 3, 3};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        eng_voc_stat_compute(&cfg, nps10, w, NELEM(nps10), &s);
        assert_true(s.has_weighted);
        near(s.unweighted.value, 30, 1e-9);
        near(s.weighted.n, 7.538, 0.001);
        near(s.weighted.value, -7.14, 0.005);
        near(s.weighted.lo, -70.21, 0.005);
        near(s.weighted.hi, 55.93, 0.005);
        near(s.weight_sum, 14, 1e-12);
        assert_int_equal(s.n_weighted, 10);
}

static void test_nps_equal_weights_match_unweighted_and_bad_weights_are_left_out(void **state)
{
        double w[NELEM(nps10)];
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        for (size_t i = 0; i < NELEM(w); i++)
                w[i] = 250.0;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        eng_voc_stat_compute(&cfg, nps10, w, NELEM(nps10), &s);
        near(s.weighted.value, s.unweighted.value, 1e-9);
        near(s.weighted.lo, s.unweighted.lo, 1e-9);
        near(s.weighted.n, 10, 1e-9);
        /* unknown MRR for both detractors: the weighted figure sees 8 answers, NPS 62.5 */
        w[8] = NAN;
        w[9] = -1;
        eng_voc_stat_compute(&cfg, nps10, w, NELEM(nps10), &s);
        assert_int_equal(s.n_weighted, 8);
        near(s.weighted.value, 62.5, 1e-9);
        near(s.unweighted.value, 30, 1e-9);
}

static void test_scores_out_of_range_are_skipped_and_counted(void **state)
{
        const double sc[] = {10, 11, -1, NAN, 0, 9.5};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        eng_voc_stat_compute(&cfg, sc, NULL, NELEM(sc), &s);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.n_skipped, 3);
        assert_int_equal(s.n_pos, 2);
        assert_int_equal(s.n_neg, 1);
        /* one answer: defined value, interval from the trinomial variance */
        eng_voc_stat_compute(&cfg, sc, NULL, 1, &s);
        near(s.unweighted.value, 100, 1e-9);
        near(s.unweighted.lo, 100, 1e-9);
        /* no answer: no number at all, rather than a misleading 0 */
        eng_voc_stat_compute(&cfg, sc, NULL, 0, &s);
        assert_int_equal(s.n, 0);
        assert_true(isnan(s.unweighted.value));
        assert_true(isnan(s.unweighted.lo));
}

/* Wilson interval for 8 successes in 10 trials: [0.4902, 0.9433] (Wilson, 1927; as published
 * in Newcombe 1998, table I). */
static void test_csat_share_with_wilson_interval(void **state)
{
        const double sc[] = {5, 4, 4, 5, 5, 4, 4, 5, 3, 1};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;
        double lo, hi;

        (void)state;
        eng_voc_wilson(0.8, 10, ENG_VOC_Z95, &lo, &hi);
        near(lo, 0.4902, 0.0001);
        near(hi, 0.9433, 0.0001);
        eng_voc_wilson(0, 10, ENG_VOC_Z95, &lo, &hi);
        near(lo, 0, 1e-12);
        near(hi, 0.2775, 0.0001); /* the rule of three's exact cousin: 3.84 / 13.84 */
        eng_voc_cfg_init(&cfg, ENG_VOC_CSAT);
        eng_voc_stat_compute(&cfg, sc, NULL, NELEM(sc), &s);
        assert_int_equal(s.n_pos, 8);
        assert_int_equal(s.n_mid, 1);
        assert_int_equal(s.n_neg, 1);
        near(s.unweighted.value, 80, 1e-9);
        near(s.unweighted.lo, 49.02, 0.01);
        near(s.unweighted.hi, 94.33, 0.01);
}

/*
 * CES 1-7 on six answers 5, 6, 7, 4, 5, 6: mean 5.5, sample variance 5.5 / 5 = 1.1,
 * se = sqrt(1.1 / 6) = 0.4282, t(5) = 2.5706, CI = [4.40, 6.60]. Agree mode: 5 of 6 answers
 * are 5-7, 83.33% with Wilson [43.65, 96.99].
 */
static void test_ces_mean_t_interval_and_agree_share(void **state)
{
        const double sc[] = {5, 6, 7, 4, 5, 6};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_CES);
        eng_voc_stat_compute(&cfg, sc, NULL, NELEM(sc), &s);
        assert_true(s.mean_mode);
        near(s.unweighted.value, 5.5, 1e-12);
        near(s.unweighted.lo, 4.3993, 0.0001);
        near(s.unweighted.hi, 6.6007, 0.0001);
        cfg.ces_mode = ENG_VOC_CES_AGREE;
        eng_voc_stat_compute(&cfg, sc, NULL, NELEM(sc), &s);
        assert_false(s.mean_mode);
        assert_int_equal(s.n_pos, 5);
        near(s.unweighted.value, 83.333, 0.001);
        near(s.unweighted.lo, 43.65, 0.01);
        near(s.unweighted.hi, 96.99, 0.01);
        /* above 30 answers the normal quantile is used */
        near(eng_voc_t95(31), ENG_VOC_Z95, 1e-12);
        near(eng_voc_t95(1), 12.7062, 1e-4);
        assert_true(isnan(eng_voc_t95(0.5)));
}

/* Weighted mean: scores 2, 6, 6, 2 with weights 1, 3, 3, 1: mean (2 + 18 + 18 + 2) / 8 = 5. */
static void test_ces_weighted_mean(void **state)
{
        const double sc[] = {2, 6, 6, 2}, w[] = {1, 3, 3, 1};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_CES);
        eng_voc_stat_compute(&cfg, sc, w, NELEM(sc), &s);
        near(s.unweighted.value, 4, 1e-12);
        near(s.weighted.value, 5, 1e-12);
        near(s.weighted.n, 64.0 / 20.0, 1e-12);
        /* var_w = (sum w x^2 / sum w - m^2) * n_eff / (n_eff - 1) = 3 * 3.2 / 2.2 */
        near(s.weighted.se, sqrt(3 * 3.2 / 2.2 / 3.2), 1e-9);
}

static void test_group_by_key_and_accumulator_merge(void **state)
{
        const uint32_t g[] = {0, 0, 1, 1, 1, 0, 2, UINT32_MAX, 1, 0};
        struct eng_voc_cfg cfg;
        struct eng_voc_stat s[3], all;
        struct eng_voc_acc a, b;

        (void)state;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        assert_int_equal(eng_voc_group(&cfg, nps10, NULL, g, NELEM(nps10), 3, s), CXG_OK);
        /* group 0: 10, 10, 8, 6 -> 2 promoters, 1 detractor of 4 -> 25 */
        assert_int_equal(s[0].n, 4);
        near(s[0].unweighted.value, 25, 1e-9);
        /* group 1: 9, 9, 9, 3 -> 3 promoters, 1 detractor of 4 -> 50 */
        assert_int_equal(s[1].n, 4);
        near(s[1].unweighted.value, 50, 1e-9);
        /* group 2: 7 -> a passive, NPS 0; answer 7 (8) is skipped */
        assert_int_equal(s[2].n, 1);
        near(s[2].unweighted.value, 0, 1e-9);
        /* merging two halves equals the whole */
        eng_voc_acc_clear(&a);
        eng_voc_acc_clear(&b);
        for (size_t i = 0; i < NELEM(nps10); i++)
                eng_voc_acc_add(i < 4 ? &a : &b, &cfg, nps10[i], NAN);
        eng_voc_acc_merge(&a, &b);
        eng_voc_acc_finish(&a, &cfg, &all);
        near(all.unweighted.value, 30, 1e-9);
        near(all.unweighted.lo, -18.41, 0.005);
}

static int64_t day(const char *s)
{
        int64_t t;
        struct cxg_error e;

        assert_int_equal(cxg_parse_time(s, strlen(s), &t, &e), CXG_OK);
        return t;
}

static void test_monthly_series_keeps_empty_months(void **state)
{
        const double sc[] = {10, 0, 9, 5};
        int64_t ts[4];
        struct eng_voc_cfg cfg;
        struct eng_voc_month *m;
        size_t n;
        struct cxg_error e;

        (void)state;
        ts[0] = day("2024-01-05");
        ts[1] = day("2024-01-31T23:59:59Z");
        ts[2] = day("2024-03-01");
        ts[3] = CXG_TS_NONE;
        eng_voc_cfg_init(&cfg, ENG_VOC_NPS);
        assert_int_equal(eng_voc_by_month(&cfg, sc, NULL, ts, 4, 0, &m, &n, &e), CXG_OK);
        assert_int_equal(n, 3);
        assert_int_equal(m[0].month, cxg_month_index(ts[0]));
        assert_int_equal(m[0].stat.n, 2);
        near(m[0].stat.unweighted.value, 0, 1e-9);
        assert_int_equal(m[1].stat.n, 0);
        assert_true(isnan(m[1].stat.unweighted.value));
        assert_int_equal(m[2].stat.n, 1);
        near(m[2].stat.unweighted.value, 100, 1e-9);
        cxg_free(m);
        /* a span over the cap is refused with a message */
        assert_int_equal(eng_voc_by_month(&cfg, sc, NULL, ts, 3, 2, &m, &n, &e), CXG_ERR_LIMIT);
        assert_non_null(strstr(e.msg, "3 months"));
}

/*
 * Person 0: interactions at t=100 (ok, 500 ms) and t=1000 (failed, 20 s); answers at 1500 (2)
 * and 2000 (3) both follow the failed one. Person 1: interaction at 50 (ok, 200 ms); answers
 * at 100 (10) and, 8 days later, 9 (outside the 7-day window). Person 2: no interaction,
 * answer 8.
 */
static void test_experience_join_by_outcome_and_duration_band(void **state)
{
        const uint32_t fp[] = {0, 0, 1, 1, 2};
        const int64_t ft[] = {1500, 2000, 100, 50 + 8 * 86400, 10};
        const double fs[] = {2, 3, 10, 9, 8};
        const uint32_t ip[] = {0, 0, 1};
        const int64_t it[] = {100, 1000, 50};
        const uint8_t io[] = {CXG_OUT_OK, CXG_OUT_FAILED, CXG_OUT_OK};
        const int64_t id[] = {500, 20000, 200};
        struct eng_voc_exp_input in = {fp, ft, fs, NULL, 5, ip, it, io, id, 3};
        struct eng_voc_exp_cfg cfg;
        struct eng_voc_exp_result r;
        struct cxg_error e;
        int64_t bad_ts[] = {1500, 1000, 100, 50, 10};

        (void)state;
        eng_voc_exp_cfg_init(&cfg, ENG_VOC_NPS);
        assert_int_equal(eng_voc_experience(&cfg, &in, &r, &e), CXG_OK);
        assert_int_equal(r.all.stat.n, 5);
        assert_int_equal(r.by_outcome[CXG_OUT_FAILED].stat.n, 2);
        near(r.by_outcome[CXG_OUT_FAILED].stat.unweighted.value, -100, 1e-9);
        near(r.by_outcome[CXG_OUT_FAILED].mean.unweighted.value, 2.5, 1e-9);
        assert_int_equal(r.by_outcome[CXG_OUT_OK].stat.n, 1);
        near(r.by_outcome[CXG_OUT_OK].mean.unweighted.value, 10, 1e-9);
        assert_int_equal(r.no_interaction.stat.n, 2);
        near(r.no_interaction.stat.unweighted.value, 50, 1e-9);
        assert_int_equal(r.n_bands, 5);
        assert_int_equal(r.by_band[0].stat.n, 1); /* < 1 s: the 200 ms one */
        assert_int_equal(r.by_band[1].stat.n, 0);
        assert_int_equal(r.by_band[2].stat.n, 2); /* 5-30 s: the 20 s failure */
        assert_int_equal(r.by_band[5].stat.n, 0); /* no duration */
        /* unsorted feedback is refused */
        in.fb_ts = bad_ts;
        assert_int_equal(eng_voc_experience(&cfg, &in, &r, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "feedback not sorted"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_nps_counts_value_and_interval_by_hand),
            cmocka_unit_test(test_nps_weighted_uses_effective_sample_size),
            cmocka_unit_test(test_nps_equal_weights_match_unweighted_and_bad_weights_are_left_out),
            cmocka_unit_test(test_scores_out_of_range_are_skipped_and_counted),
            cmocka_unit_test(test_csat_share_with_wilson_interval),
            cmocka_unit_test(test_ces_mean_t_interval_and_agree_share),
            cmocka_unit_test(test_ces_weighted_mean),
            cmocka_unit_test(test_group_by_key_and_accumulator_merge),
            cmocka_unit_test(test_monthly_series_keeps_empty_months),
            cmocka_unit_test(test_experience_join_by_outcome_and_duration_band),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
