/* test_eng_score.c: engine formulas and scores on hand-computed in-memory snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/config.h"
#include "engine/score.h"
#include "engine/snapshot.h"

#define DAYS 86400
/* 2026-06-30T00:00:00Z */
#define AT INT64_C(1782777600)

/* ---- snapshot building helpers ---- */

static void acc(struct eng_snapshot *s, int64_t id, const char *ext, const char *plan,
                const char *attrs)
{
        struct account a;

        model_account_init(&a);
        a.id = ext;
        a.plan = plan;
        a.mrr = 100;
        a.created_at = AT - 400 * DAYS;
        a.attributes = attrs;
        assert_int_equal(eng_snapshot_add_account(s, id, &a), CXG_OK);
}

static void person(struct eng_snapshot *s, int64_t id, int64_t account, const char *ext,
                   const char *role)
{
        struct person p;

        model_person_init(&p);
        p.id = ext;
        p.name = ext;
        p.role = role;
        assert_int_equal(eng_snapshot_add_person(s, id, account, &p), CXG_OK);
}

static int64_t next_id = 1;

static void ix(struct eng_snapshot *s, int64_t person_id, int64_t account_id, int64_t ts,
               int channel, int64_t duration_ms, int outcome)
{
        struct store_interaction r = {0};

        r.id = next_id++;
        r.person_id = person_id;
        r.account_id = account_id;
        r.ts = ts;
        r.channel = (uint8_t)channel;
        r.duration_ms = duration_ms;
        r.outcome = (uint8_t)outcome;
        r.value = NAN;
        r.type_id = 1;
        assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
}

static void fb(struct eng_snapshot *s, int64_t person_id, int64_t account_id, int64_t ts, int kind,
               double score)
{
        struct feedback f;

        model_feedback_init(&f);
        f.ts = ts;
        f.kind = kind;
        f.score = score;
        assert_int_equal(eng_snapshot_add_feedback(s, person_id, account_id, &f), CXG_OK);
}

static void finish(struct eng_snapshot *s)
{
        struct cxg_error e;

        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

static void compute(const struct eng_snapshot *s, const struct eng_params *p, int64_t at,
                    struct eng_scores *r)
{
        struct eng_compute_opts o = {.at = at, .threads = 2};
        struct cxg_error e;

        eng_scores_init(r);
        assert_int_equal(eng_compute(s, p, &o, r, &e), CXG_OK);
}

/* ---- formulas ---- */

static void test_decay_halves_every_half_life(void **st)
{
        (void)st;
        assert_float_equal(eng_decay(0, 30), 1.0, 1e-12);
        assert_float_equal(eng_decay(30, 30), 0.5, 1e-12);
        assert_float_equal(eng_decay(60, 30), 0.25, 1e-12);
        assert_float_equal(eng_decay(7, 7), 0.5, 1e-12);
}

static void test_saturation_maps_scale_to_63_percent(void **st)
{
        (void)st;
        assert_float_equal(eng_saturate(0, 10), 0.0, 1e-12);
        assert_float_equal(eng_saturate(10, 10), 0.6321205588, 1e-9);
        assert_float_equal(eng_saturate(2.5, 10), 0.2211992169, 1e-9);
        assert_true(eng_saturate(1000, 10) > 0.9999);
}

static void test_person_engagement_weights_activity_breadth_feedback(void **st)
{
        struct eng_params p;

        (void)st;
        eng_params_init(&p);
        /* 100 * (0.6 * 0.63212 + 0.25 * 1 + 0.15 * 1) */
        assert_float_equal(eng_person_engagement(&p, 10, 3, 0, 0, 1), 77.92723, 1e-4);
        /* capabilities: breadth = 0.5 * 2/3 + 0.5 * 2/5 -> 100 * (0.6*0.63212 + 0.25*0.53333) */
        assert_float_equal(eng_person_engagement(&p, 10, 2, 2, 8, 0), 51.26056, 1e-4);
        /* fewer capabilities exist than the breadth target: 2 of 2 is full breadth */
        assert_float_equal(eng_person_engagement(&p, 0, 3, 2, 2, 0), 25.0, 1e-9);
        assert_float_equal(eng_person_engagement(&p, 0, 0, 0, 0, 0), 0.0, 1e-9);
}

static void test_bands_split_at_thresholds(void **st)
{
        struct eng_params p;

        (void)st;
        eng_params_init(&p);
        assert_int_equal(eng_band(&p.cards[0], 39.9), ENG_BAND_POOR);
        assert_int_equal(eng_band(&p.cards[0], 40), ENG_BAND_AVERAGE);
        assert_int_equal(eng_band(&p.cards[0], 69.99), ENG_BAND_AVERAGE);
        assert_int_equal(eng_band(&p.cards[0], 70), ENG_BAND_GOOD);
        assert_int_equal(eng_band(&p.cards[0], NAN), ENG_BAND_UNKNOWN);
        assert_string_equal(eng_band_name(ENG_BAND_GOOD), "good");
}

static void test_ewma_and_ratio_and_trend(void **st)
{
        double b = NAN;

        (void)st;
        b = eng_ewma(b, 10, 0.3);
        assert_float_equal(b, 10, 1e-12);
        b = eng_ewma(b, 20, 0.3);
        assert_float_equal(b, 13, 1e-12);
        b = eng_ewma(b, 30, 0.3);
        assert_float_equal(b, 18.1, 1e-12);
        assert_float_equal(eng_ewma(b, NAN, 0.3), 18.1, 1e-12);
        assert_float_equal(eng_experience_ratio_score(1.0), 50, 1e-9);
        assert_float_equal(eng_experience_ratio_score(0.5), 100, 1e-9);
        assert_float_equal(eng_experience_ratio_score(2.0), 0, 1e-9);
        /* (7+1)/(3+1) = 2: doubling -> 100; equal -> 50; halving -> 0 */
        assert_float_equal(eng_trend_score(7, 3), 100, 1e-9);
        assert_float_equal(eng_trend_score(5, 5), 50, 1e-9);
        assert_float_equal(eng_trend_score(1, 3), 0, 1e-9);
}

static void test_weighted_skips_missing_components(void **st)
{
        float c[ENG_C__COUNT];
        double w[ENG_C__COUNT] = {0.35, 0.15, 0.20, 0.15, 0.15, 0.3, 0.25, 0.2, 0.1, 0.15};

        (void)st;
        for (int i = 0; i < ENG_C__COUNT; i++)
                c[i] = NAN;
        assert_true(isnan(eng_weighted(c, w, 0, 5)));
        c[0] = 80;
        c[2] = 20;
        /* (0.35*80 + 0.2*20) / 0.55 */
        assert_float_equal(eng_weighted(c, w, 0, 5), 58.181818, 1e-5);
}

/* ---- scores on snapshots ---- */

/* account 1: executive E (CFO) and individual I; E: meeting 30 days ago, web now */
static void toy(struct eng_snapshot *s)
{
        eng_snapshot_init(s, NULL);
        assert_int_equal(eng_snapshot_add_type(s, 1, "login"), CXG_OK);
        acc(s, 1, "A1", "Pro", NULL);
        person(s, 10, 1, "E", "CFO");
        person(s, 11, 1, "I", "Analyst");
        ix(s, 10, 1, AT - 30 * DAYS, CXG_CH_MEETING, -1, CXG_OUT_OK);
        ix(s, 10, 1, AT, CXG_CH_WEB, -1, CXG_OUT_OK);
        /* after `at`: must not count */
        ix(s, 11, 1, AT + 3600, CXG_CH_WEB, -1, CXG_OUT_OK);
}

static void test_engagement_of_toy_account_matches_hand_computation(void **st)
{
        struct eng_snapshot s;
        struct eng_scores r;
        uint32_t e, i;

        (void)st;
        toy(&s);
        finish(&s);
        compute(&s, NULL, AT, &r);
        e = eng_person_find(&s, "E");
        i = eng_person_find(&s, "I");
        /* activity 3 * 2^-1 + 1 * 1 = 2.5 */
        assert_float_equal(r.p_activity[e], 2.5, 1e-5);
        /* 100 * (0.6 * (1 - e^-0.25) + 0.25 * 2/3) */
        assert_float_equal(r.p_engagement[e], 29.93862, 1e-3);
        assert_float_equal(r.p_engagement[i], 0, 1e-9);
        /* seniority-weighted: (4 * 29.93862 + 1 * 0) / 5 */
        assert_float_equal(r.acc[0].engagement, 23.95090, 1e-3);
        assert_int_equal(r.acc[0].n_people, 2);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

static void test_at_date_ignores_later_rows(void **st)
{
        struct eng_snapshot s;
        struct eng_scores r;

        (void)st;
        toy(&s);
        finish(&s);
        /* one day earlier the web visit has not happened: 3 * 2^-(29/30) */
        compute(&s, NULL, AT - DAYS, &r);
        assert_float_equal(r.p_activity[eng_person_find(&s, "E")], 3 * exp2(-29.0 / 30), 1e-4);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

static void test_refresh_delta_gives_same_scores_as_full_build(void **st)
{
        struct eng_snapshot a, b;
        struct eng_scores ra, rb;

        (void)st;
        /* a: everything then finish; b: finish, add more, finish again (delta), then merge */
        toy(&a);
        toy(&b);
        finish(&b);
        next_id = 100;
        for (int k = 0; k < 50; k++) {
                ix(&a, 11, 1, AT - k * DAYS, CXG_CH_APP, -1, CXG_OUT_OK);
                ix(&b, 11, 1, AT - k * DAYS, CXG_CH_APP, -1, CXG_OUT_OK);
        }
        finish(&a);
        b.merge_fraction = 1e9; /* keep the new rows in the delta */
        finish(&b);
        assert_int_equal(b.delta.n, 50);
        compute(&a, NULL, AT, &ra);
        compute(&b, NULL, AT, &rb);
        assert_float_equal(ra.acc[0].engagement, rb.acc[0].engagement, 1e-4);
        assert_float_equal(ra.acc[0].health, rb.acc[0].health, 1e-4);
        eng_scores_release(&rb);
        b.merge_fraction = 0.05;
        ix(&b, 11, 1, AT - 60 * DAYS, CXG_CH_APP, -1, CXG_OUT_OK);
        finish(&b);
        assert_int_equal(b.delta.n, 0);
        assert_int_equal(b.main.n, 54);
        for (size_t j = 1; j < b.main.n; j++)
                assert_true(b.main.ts[j - 1] <= b.main.ts[j]);
        eng_scores_release(&ra);
        eng_snapshot_release(&a);
        eng_snapshot_release(&b);
}

static void test_expectation_is_ewma_of_segment_months(void **st)
{
        struct eng_snapshot s;
        struct eng_scores r;
        char why[256];
        int found = 0;

        (void)st;
        eng_snapshot_init(&s, NULL);
        assert_int_equal(eng_snapshot_add_type(&s, 1, "ticket"), CXG_OK);
        acc(&s, 1, "A1", "Pro", NULL);
        person(&s, 10, 1, "P", "Engineer");
        /* March, April, May 2026: support response 10 s, 20 s, 30 s; June: 36.2 s */
        ix(&s, 10, 1, INT64_C(1772323200) + 5 * DAYS, CXG_CH_SUPPORT, 10000, CXG_OUT_OK);
        ix(&s, 10, 1, INT64_C(1775001600) + 5 * DAYS, CXG_CH_SUPPORT, 20000, CXG_OUT_OK);
        ix(&s, 10, 1, INT64_C(1777593600) + 5 * DAYS, CXG_CH_SUPPORT, 30000, CXG_OUT_OK);
        ix(&s, 10, 1, AT - 10 * DAYS, CXG_CH_SUPPORT, 36200, CXG_OUT_OK);
        finish(&s);
        compute(&s, NULL, AT - DAYS, &r);
        assert_float_equal(r.acc[0].exp_base[ENG_M_SUPPORT], 18.1, 1e-4);
        assert_float_equal(r.acc[0].exp_value[ENG_M_SUPPORT], 36.2, 1e-4);
        for (int k = 0; k < r.acc[0].n_reasons; k++) {
                eng_reason_format(&r, 0, &r.acc[0].reasons[k], why, sizeof(why));
                if (strcmp(why, "support response 2.0x slower than segment expectation") == 0)
                        found = 1;
        }
        assert_true(found);
        /* ratio 2.0 -> experience 0 for the only metric with data */
        assert_float_equal(r.acc[0].comp[ENG_C_EXPERIENCE], 0, 1e-3);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

/* Two accounts with the same history until a detractor answer; then X's CEO stays, Y's goes. */
static void test_robustness_ranks_silent_executive_lower(void **st)
{
        struct eng_snapshot s;
        struct eng_scores r;
        int64_t bad = AT - 120 * DAYS;
        char why[256];
        int found = 0;

        (void)st;
        eng_snapshot_init(&s, NULL);
        assert_int_equal(eng_snapshot_add_type(&s, 1, "login"), CXG_OK);
        acc(&s, 1, "X", "Pro", NULL);
        acc(&s, 2, "Y", "Pro", NULL);
        person(&s, 10, 1, "X-ceo", "CEO");
        person(&s, 11, 1, "X-dev", "Developer");
        person(&s, 20, 2, "Y-ceo", "CEO");
        person(&s, 21, 2, "Y-dev", "Developer");
        for (int64_t t = AT - 300 * DAYS; t <= AT; t += 2 * DAYS) {
                ix(&s, 10, 1, t, CXG_CH_MEETING, -1, CXG_OUT_OK);
                ix(&s, 11, 1, t, CXG_CH_APP, -1, CXG_OUT_OK);
                if (t < bad)
                        ix(&s, 20, 2, t, CXG_CH_MEETING, -1, CXG_OUT_OK);
                ix(&s, 21, 2, t, CXG_CH_APP, -1, CXG_OUT_OK);
        }
        fb(&s, 11, 1, bad, CXG_FB_NPS, 3);
        fb(&s, 21, 2, bad, CXG_FB_NPS, 3);
        finish(&s);
        compute(&s, NULL, AT, &r);
        /* X held up: ratio ~1 -> 100; Y: (dev 1) / (dev 1 + ceo 4) = 0.2 -> 20 */
        assert_float_equal(r.acc[0].comp[ENG_C_RESILIENCE], 100, 1e-3);
        assert_float_equal(r.acc[1].comp[ENG_C_RESILIENCE], 20, 2);
        assert_true(r.acc[1].robustness < r.acc[0].robustness - 20);
        assert_true(r.acc[1].health < r.acc[0].health);
        for (int k = 0; k < r.acc[1].n_reasons; k++) {
                eng_reason_format(&r, 1, &r.acc[1].reasons[k], why, sizeof(why));
                if (strcmp(why, "CEO (Y-ceo) inactive for 122 days") == 0)
                        found = 1;
        }
        assert_true(found);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_scorecard_from_config_applies_per_plan(void **st)
{
        char path[] = "/tmp/cxg-eng-cfg-XXXXXX";
        int fd = mkstemp(path);
        struct cxg_config cfg;
        struct cxg_error e;
        struct eng_params p;
        struct eng_snapshot s;
        struct eng_scores r;

        (void)st;
        assert_true(fd >= 0);
        close(fd);
        write_file(path, "[engagement]\nhalf_life_days = 15\n"
                         "[scorecard enterprise]\nmatch = plan=Premium\nstakeholders = 1\n"
                         "breadth = 0\nfeedback = 0\nexperience = 0\ntrend = 0\n"
                         "poor_below = 20\ngood_from = 25\n");
        cxg_config_init(&cfg);
        assert_int_equal(cxg_config_load(&cfg, path, &e), CXG_OK);
        eng_params_init(&p);
        assert_int_equal(eng_params_from_config(&p, &cfg, &e), CXG_OK);
        assert_float_equal(p.half_life_days, 15, 1e-12);
        assert_int_equal(p.n_cards, 2);
        toy(&s);
        acc(&s, 2, "A2", "premium", NULL);
        person(&s, 20, 2, "E2", "CEO");
        ix(&s, 20, 2, AT, CXG_CH_WEB, -1, CXG_OUT_OK);
        finish(&s);
        compute(&s, &p, AT, &r);
        assert_int_equal(r.acc[0].card, 0);
        assert_int_equal(r.acc[1].card, 1);
        /* only the stakeholder component counts: health == engagement of its one person */
        assert_float_equal(r.acc[1].health, r.acc[1].engagement, 1e-4);
        /* 100 * (0.6 * (1 - e^-0.1) + 0.25 / 3) = 14.043 -> below 20: poor */
        assert_float_equal(r.acc[1].health, 14.04358, 1e-3);
        assert_int_equal(r.acc[1].band, ENG_BAND_POOR);
        eng_scores_release(&r);
        eng_snapshot_release(&s);

        /* a typo is an error naming the line */
        write_file(path, "[engagement]\nhalf_life = 15\n");
        cxg_config_release(&cfg);
        cxg_config_init(&cfg);
        assert_int_equal(cxg_config_load(&cfg, path, &e), CXG_OK);
        eng_params_init(&p);
        assert_int_equal(eng_params_from_config(&p, &cfg, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, ":2: unknown key 'engagement.half_life'"));
        cxg_config_release(&cfg);
        unlink(path);
}

static void test_account_range_is_binary_search_over_sorted_rows(void **st)
{
        struct eng_snapshot s;
        uint64_t lo, hi;

        (void)st;
        toy(&s);
        /* second account with rows out of time order */
        acc(&s, 2, "A2", "Pro", NULL);
        person(&s, 20, 2, "Q", "");
        ix(&s, 20, 2, AT - 5 * DAYS, CXG_CH_WEB, -1, 0);
        ix(&s, 20, 2, AT - 9 * DAYS, CXG_CH_WEB, -1, 0);
        ix(&s, 20, 2, AT - 1 * DAYS, CXG_CH_WEB, -1, 0);
        finish(&s);
        eng_account_range(&s, 1, AT - 6 * DAYS, AT, &lo, &hi);
        assert_int_equal(hi - lo, 2);
        assert_int_equal(s.main.ts[lo], AT - 5 * DAYS - ENG_EPOCH);
        eng_account_range(&s, 0, AT - 30 * DAYS, AT, &lo, &hi);
        assert_int_equal(hi - lo, 2);
        assert_int_equal(eng_account_find(&s, "A2"), 1);
        assert_int_equal(eng_account_find(&s, "nope"), ENG_NONE);
        assert_int_equal(s.p_seniority[eng_person_find(&s, "E")], CXG_SEN_EXECUTIVE);
        eng_snapshot_release(&s);
}

/* Every allocation of finish and compute may fail: a clean error, nothing leaked or broken. */
static void test_out_of_memory_fails_cleanly(void **st)
{
        int ok = 0;

        (void)st;
        for (unsigned long k = 1; k < 400 && !ok; k++) {
                struct eng_snapshot s;
                struct eng_scores r;
                struct eng_compute_opts o = {.at = AT, .threads = 2};
                struct cxg_error e;
                enum cxg_err rc;

                toy(&s);
                cxg_alloc_fail_at(k);
                rc = eng_snapshot_finish(&s, &e);
                if (rc == CXG_OK) {
                        eng_scores_init(&r);
                        rc = eng_compute(&s, NULL, &o, &r, &e);
                        if (rc == CXG_OK)
                                ok = 1;
                        eng_scores_release(&r);
                }
                cxg_alloc_fail_at(0);
                if (!ok)
                        assert_int_equal(rc, CXG_ERR_NOMEM);
                eng_snapshot_release(&s);
        }
        assert_true(ok);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decay_halves_every_half_life),
            cmocka_unit_test(test_saturation_maps_scale_to_63_percent),
            cmocka_unit_test(test_person_engagement_weights_activity_breadth_feedback),
            cmocka_unit_test(test_bands_split_at_thresholds),
            cmocka_unit_test(test_ewma_and_ratio_and_trend),
            cmocka_unit_test(test_weighted_skips_missing_components),
            cmocka_unit_test(test_engagement_of_toy_account_matches_hand_computation),
            cmocka_unit_test(test_at_date_ignores_later_rows),
            cmocka_unit_test(test_refresh_delta_gives_same_scores_as_full_build),
            cmocka_unit_test(test_expectation_is_ewma_of_segment_months),
            cmocka_unit_test(test_robustness_ranks_silent_executive_lower),
            cmocka_unit_test(test_scorecard_from_config_applies_per_plan),
            cmocka_unit_test(test_account_range_is_binary_search_over_sorted_rows),
            cmocka_unit_test(test_out_of_memory_fails_cleanly),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
