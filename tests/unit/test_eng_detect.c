/* test_eng_detect.c: the four early-warning detectors on hand-made numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/config.h"
#include "app/alerts.h"
#include "app/view_evidence.h"
#include "core/parse.h"
#include "engine/detect.h"
#include "engine/snapshot.h"
#include "store/store_alerts.h"
#include "engine/sweetspot.h"
#include "model/model.h"
#include "testdb.h"

/* cmocka's assert_float_equal compares floats; these checks need doubles */
#define assert_near(a, b, eps)                                                                     \
        do {                                                                                       \
                double a_ = (a), b_ = (b);                                                         \
                if (!(fabs(a_ - b_) <= (eps)))                                                     \
                        fail_msg("%.17g != %.17g (within %g)", a_, b_, (double)(eps));             \
        } while (0)

#define DAY INT64_C(86400)
#define EPS 1e-9

static int64_t date(int y, unsigned m, unsigned d)
{
        return cxg_days_from_civil(y, m, d) * DAY;
}

/* The evidence of a as stored: the engine's typed evidence rendered by app/view_evidence.c. */
static json_t *evidence(const struct eng_alert *a)
{
        json_error_t je;
        char *text = view_evidence_text(a);
        json_t *j;

        assert_non_null(text);
        j = json_loads(text, 0, &je);
        if (!j)
                fail_msg("evidence is not JSON: %s: %s", je.text, text);
        cxg_free(text);
        return j;
}

/* A proportion segment. */
static struct eng_erosion_segment prop(const char *field, const char *value, int metric,
                                       uint64_t x_b, uint64_t n_b, uint64_t x_a, uint64_t n_a)
{
        struct eng_erosion_segment s;

        memset(&s, 0, sizeof(s));
        s.field = field;
        s.value = value;
        s.metric = metric;
        s.x_b = x_b;
        s.n_b = n_b;
        s.x_a = x_a;
        s.n_a = n_a;
        s.rest_b = s.rest_a = NAN;
        return s;
}

/* An engagement segment: half the people at v1, half at v2, in each window. */
static struct eng_erosion_segment engagement(const char *field, const char *value, int n, double b1,
                                             double b2, double a1, double a2)
{
        struct eng_erosion_segment s;

        memset(&s, 0, sizeof(s));
        s.field = field;
        s.value = value;
        s.metric = ENG_ERO_ENGAGEMENT;
        for (int i = 0; i < n; i++) {
                eng_stats_moments_add(&s.m_b, i % 2 ? b1 : b2);
                eng_stats_moments_add(&s.m_a, i % 2 ? a1 : a2);
                eng_stats_moments_add(&s.m_d, i % 2 ? a1 - b1 : a2 - b2);
        }
        s.rest_b = s.rest_a = NAN;
        return s;
}

/* ---- erosion behind growth ---- */

static void test_erosion_names_the_segment_hidden_by_mrr_growth(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline top[2] = {{"mrr", 100000, 112000}, {"customers", 500, 505}};
        struct eng_erosion_segment segs[5];
        int64_t at = date(2026, 11, 1), wa = at - 90 * DAY;
        json_t *ev, *m;
        size_t k;

        (void)state;
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        segs[0] = engagement("seniority", "executive", 100, 10, 6, 5, 4); /* 8 -> 4.5 */
        segs[1] = prop("seniority", "executive", ENG_ERO_ACTIVE, 90, 100, 60, 100);
        segs[2] = engagement("seniority", "individual", 100, 10, 6, 10, 6);
        segs[3] = prop("seniority", "individual", ENG_ERO_ACTIVE, 80, 100, 78, 100);
        /* a collapse in a segment too small to judge */
        segs[4] = prop("plan", "Tiny", ENG_ERO_ACTIVE, 10, 10, 0, 10);
        assert_int_equal(eng_detect_erosion(&p, top, 2, segs, 5, wa, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 1);
        assert_int_equal(out.v[0].kind, ENG_ALERT_EROSION);
        assert_string_equal(out.v[0].subject, "seniority=executive");
        assert_string_equal(out.v[0].subject_type, "segment");
        assert_string_equal(out.v[0].dedup_key, "erosion_behind_growth:seniority=executive");
        /* two metrics fell, the worst by 43.75%: critical */
        assert_int_equal(out.v[0].severity, ENG_SEV_CRITICAL);
        assert_int_equal(out.v[0].first_seen, wa);
        assert_non_null(strstr(out.v[0].summary, "mrr grew 12.0%"));
        ev = evidence(&out.v[0]);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(ev, "top_line"), "metric")), "mrr");
        assert_near(json_real_value(json_object_get(json_object_get(ev, "top_line"), "growth")),
                    0.12, 1e-9);
        assert_int_equal(json_integer_value(json_object_get(ev, "tests")), 4);
        assert_int_equal(json_array_size(json_object_get(ev, "metrics")), 2);
        json_array_foreach(json_object_get(ev, "metrics"), k, m)
        {
                const char *name = json_string_value(json_object_get(m, "metric"));

                if (strcmp(name, "active_share") == 0) {
                        assert_near(json_real_value(json_object_get(m, "before")), 0.9, 1e-9);
                        assert_near(json_real_value(json_object_get(m, "after")), 0.6, 1e-9);
                        /* z = -4.899, one-sided p = 4.8168e-7 */
                        assert_near(json_real_value(json_object_get(m, "p")), 4.81678504321545e-07,
                                    1e-11);
                } else {
                        assert_string_equal(name, "engagement");
                        assert_near(json_real_value(json_object_get(m, "before")), 8, EPS);
                        assert_near(json_real_value(json_object_get(m, "after")), 4.5, EPS);
                        assert_near(json_real_value(json_object_get(m, "change")), -0.4375, EPS);
                }
        }
        json_decref(ev);
        eng_alerts_release(&out);
}

static void test_erosion_needs_growth_significance_and_effect(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline flat = {"mrr", 100000, 99000}, up = {"mrr", 100, 130};
        struct eng_erosion_segment drop =
            prop("seniority", "executive", ENG_ERO_ACTIVE, 90, 100, 60, 100);
        /* 20% fall on 40 people: p = 0.076 */
        struct eng_erosion_segment noisy = prop("plan", "Pro", ENG_ERO_ACTIVE, 30, 40, 24, 40);
        /* 4% fall on 100,000 people: significant, too small to matter */
        struct eng_erosion_segment tiny =
            prop("plan", "Free", ENG_ERO_RETENTION, 50000, 100000, 48000, 100000);
        int64_t at = date(2026, 11, 1);

        (void)state;
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        /* no growth: nothing hides the fall (the account detectors see it) */
        assert_int_equal(eng_detect_erosion(&p, &flat, 1, &drop, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 0);
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &noisy, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 0);
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &tiny, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 0);
        /* with min_loss_rise 0.03 the same fall (losses 50% -> 52%, +4%) is reported */
        p.ero_min_loss_rise = 0.03;
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &tiny, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        assert_int_equal(out.v[0].severity, ENG_SEV_MEDIUM);
        eng_alerts_release(&out);
        /* retention judged on losses: 97% -> 94% retained is twice the losses */
        tiny = prop("seniority", "executive", ENG_ERO_RETENTION, 2910, 3000, 2820, 3000);
        p.ero_min_loss_rise = 0.5;
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &tiny, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        assert_non_null(strstr(out.v[0].summary, "retention -3%"));
        eng_alerts_release(&out);
}

static void test_erosion_bh_finds_what_bonferroni_misses(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline up = {"customers", 1000, 1100};
        struct eng_erosion_segment s[4];
        int64_t at = date(2026, 11, 1);

        (void)state;
        /* two falls with p = 0.00437 each and two null segments with p = 0.5 */
        s[0] = prop("seniority", "manager", ENG_ERO_ACTIVE, 100, 200, 74, 200);
        s[1] = prop("plan", "Pro", ENG_ERO_ACTIVE, 100, 200, 74, 200);
        s[2] = prop("plan", "Free", ENG_ERO_ACTIVE, 100, 200, 100, 200);
        s[3] = prop("plan", "Premium", ENG_ERO_ACTIVE, 100, 200, 100, 200);
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        /* BH: 0.00437 x 4 / 2 = 0.0087 <= 0.01 */
        assert_int_equal(eng_detect_erosion(&p, &up, 1, s, 4, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 2);
        assert_string_equal(out.v[0].subject, "seniority=manager");
        assert_string_equal(out.v[1].subject, "plan=Pro");
        eng_alerts_release(&out);
        /* Bonferroni: 0.00437 x 4 = 0.0175 > 0.01 */
        p.ero_correction = ENG_CORR_BONFERRONI;
        assert_int_equal(eng_detect_erosion(&p, &up, 1, s, 4, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 0);
        eng_alerts_release(&out);
}

static void test_erosion_is_judged_against_the_rest(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline up = {"mrr", 100, 120};
        /* 90% -> 72% active: a 20% fall, very significant on 1,000 people */
        struct eng_erosion_segment s =
            prop("seniority", "executive", ENG_ERO_ACTIVE, 900, 1000, 720, 1000);
        int64_t at = date(2026, 9, 1);
        json_t *ev, *m;

        (void)state;
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        /* everyone else fell 18% too (a season): not erosion of this segment */
        s.rest_b = 0.9;
        s.rest_a = 0.738;
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &s, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 0);
        /* the rest held steady: erosion, and the evidence says so */
        s.rest_a = 0.91;
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &s, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        assert_non_null(strstr(out.v[0].summary, "[rest +1%]"));
        ev = evidence(&out.v[0]);
        m = json_array_get(json_object_get(ev, "metrics"), 0);
        /* (0.72 / 0.9) / (0.91 / 0.9) - 1 = -0.208791 */
        assert_near(json_real_value(json_object_get(m, "relative_to_rest")), 0.72 / 0.91 - 1, 1e-8);
        json_decref(ev);
        eng_alerts_release(&out);
}

static void test_engagement_is_a_paired_test(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline up = {"mrr", 100, 120};
        struct eng_erosion_segment s;
        int64_t at = date(2026, 9, 1);
        json_t *ev, *m;

        (void)state;
        /* 40 people, very different levels (10 or 100 interactions), each 30% lower after:
         * the spread between people is huge, the per-person change is not */
        memset(&s, 0, sizeof(s));
        s.field = "seniority";
        s.value = "executive";
        s.metric = ENG_ERO_ENGAGEMENT;
        s.rest_b = s.rest_a = NAN;
        for (int i = 0; i < 40; i++) {
                double b = i % 2 ? 10 : 100, a = b * (i % 4 < 2 ? 0.6 : 0.8);

                eng_stats_moments_add(&s.m_b, b);
                eng_stats_moments_add(&s.m_a, a);
                eng_stats_moments_add(&s.m_d, a - b);
        }
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_erosion(&p, &up, 1, &s, 1, at - 90 * DAY, at, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        ev = evidence(&out.v[0]);
        m = json_array_get(json_object_get(ev, "metrics"), 0);
        assert_near(json_real_value(json_object_get(m, "before")), 55, EPS);
        assert_near(json_real_value(json_object_get(m, "after")), 38.5, EPS);
        assert_near(json_real_value(json_object_get(m, "change")), -0.3, EPS);
        assert_int_equal(json_integer_value(json_object_get(m, "n_before")), 40);
        /* unpaired (Welch) this would be z = -16.5 / 6.7 = -2.5, p = 0.007; paired it is far
         * smaller */
        assert_true(json_real_value(json_object_get(m, "p")) < 1e-6);
        json_decref(ev);
        eng_alerts_release(&out);
}

static void test_sweet_rank_hand_computed(void **state)
{
        struct eng_sweet_segment seg[4];
        struct eng_sweet_row rows[] = {
            {0, 1, 1, 100, 50, 0.5}, {0, 1, 1, 200, 70, 0.7}, {1, 1, 1, 10, 80, 0.9},
            {1, 1, 1, 30, 60, 0.9},  {1, 0, 0, 0, NAN, NAN},  {2, 1, -1, 0, 20, 0.2},
            {2, 1, 1, 0, 40, 0.4},   {3, 1, 1, 999, 99, 1},
        };

        (void)state;
        memset(seg, 0, sizeof(seg));
        snprintf(seg[0].key, sizeof(seg[0].key), "plan=A");
        snprintf(seg[1].key, sizeof(seg[1].key), "plan=B");
        snprintf(seg[2].key, sizeof(seg[2].key), "plan=C");
        snprintf(seg[3].key, sizeof(seg[3].key), "plan=D");
        eng_sweet_rank(rows, sizeof(rows) / sizeof(rows[0]), seg, 4, 2);
        /* A: retention 1 (pct .75), MRR 150 (1), engagement 60 (.5), fit .6 (.5) -> 68.75 */
        assert_string_equal(seg[0].key, "plan=A");
        assert_int_equal(seg[0].rank, 1);
        assert_near(seg[0].score, 68.75, EPS);
        assert_near(seg[0].pct[ENG_SWEET_RETENTION], 0.75, EPS);
        assert_near(seg[0].mrr_mean, 150, EPS);
        assert_string_equal(seg[0].verdict, "");
        /* B: retention 2/3 (0), MRR 20 (.5), engagement 70 (1), fit .9 (1) -> 62.5 */
        assert_string_equal(seg[1].key, "plan=B");
        assert_near(seg[1].retention, 2.0 / 3, EPS);
        assert_int_equal(seg[1].size, 2);
        assert_int_equal(seg[1].base, 3);
        assert_near(seg[1].score, 62.5, EPS);
        /* C: retention 1 of 1 (.75), the rest lowest -> 18.75 */
        assert_string_equal(seg[2].key, "plan=C");
        assert_near(seg[2].score, 18.75, EPS);
        assert_string_equal(seg[2].verdict, "poorly served");
        /* D: one account, under min_size: listed, not ranked */
        assert_string_equal(seg[3].key, "plan=D");
        assert_int_equal(seg[3].rank, 0);
        assert_true(isnan(seg[3].score));
}

/* ---- experience degradation ---- */

static struct eng_week_stat weeks[30];

static void make_weeks(size_t n, size_t degraded_from, uint32_t count)
{
        int64_t w0 = date(2026, 1, 5); /* a Monday */

        for (size_t i = 0; i < n; i++) {
                struct eng_week_stat *w = &weeks[i];

                w->start = w0 + (int64_t)i * 7 * DAY;
                w->n = count;
                w->n_dur = count;
                w->p50 = 200 + (double)(i % 3);
                w->p95 = 400 + (double)((i * 7) % 21) - 10; /* 390..410 */
                w->failed = count / 100;                    /* 1% */
                if (i >= degraded_from) {
                        w->p50 = 3000;
                        w->p95 = 10000;
                        w->failed = count * 6 / 100;
                }
        }
}

static const char *exp_accounts[2] = {"A-7", "A-3"};

static enum cxg_err fake_exposure(void *ctx, size_t series, int64_t since, double slow_ms,
                                  struct eng_exposure *top, size_t max, size_t *n)
{
        int64_t *seen = ctx;

        (void)series;
        seen[0] = since;
        seen[1] = (int64_t)slow_ms;
        assert_true(max >= 2);
        top[0].account = exp_accounts[0];
        top[0].name = "Acme";
        top[0].bad = 40;
        top[0].total = 50;
        top[1].account = exp_accounts[1];
        top[1].name = NULL;
        top[1].bad = 12;
        top[1].total = 60;
        *n = 2;
        return CXG_OK;
}

static void test_experience_fires_on_the_first_of_two_drifting_weeks(void **state)
{
        struct eng_detect_params p;
        struct eng_experience_series s = {"like", weeks, 20};
        struct eng_drift d;
        struct eng_alerts out;
        int64_t seen[2] = {0, 0};
        json_t *ev;

        (void)state;
        eng_detect_params_init(&p);
        make_weeks(20, 18, 500);
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_true(d.fired);
        assert_int_equal(d.first_week, 18);
        assert_int_equal(d.run, 2);
        assert_true(d.on_p95);
        assert_true(d.on_fail);
        /* the baseline is the 12 weeks 6..17: p95 values 390..410, median 400 */
        assert_near(d.base_p95, 400, 5);
        assert_near(d.base_fail, 0.01, EPS);

        eng_alerts_init(&out);
        assert_int_equal(eng_detect_experience(&p, &s, 1, fake_exposure, seen,
                                               weeks[19].start + 7 * DAY, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        assert_string_equal(out.v[0].subject, "like");
        assert_string_equal(out.v[0].dedup_key, "experience_degradation:like");
        assert_int_equal(out.v[0].first_seen, weeks[18].start);
        assert_int_equal(out.v[0].severity, ENG_SEV_CRITICAL);
        assert_int_equal(seen[0], weeks[18].start); /* exposure since the first week */
        assert_int_equal(seen[1], (int64_t)d.base_p95);
        ev = evidence(&out.v[0]);
        assert_string_equal(json_string_value(json_object_get(ev, "first_week")), "2026-05-11");
        assert_near(json_real_value(json_object_get(json_object_get(ev, "current"), "p95_ms")),
                    10000, EPS);
        assert_int_equal(json_array_size(json_object_get(ev, "accounts_most_exposed")), 2);
        assert_string_equal(
            json_string_value(json_object_get(
                json_array_get(json_object_get(ev, "accounts_most_exposed"), 0), "account")),
            "A-7");
        json_decref(ev);
        eng_alerts_release(&out);
}

static void test_experience_needs_persistence_history_and_volume(void **state)
{
        struct eng_detect_params p;
        struct eng_experience_series s = {"like", weeks, 20};
        struct eng_drift d;

        (void)state;
        eng_detect_params_init(&p);
        /* one bad week only: not yet */
        make_weeks(20, 19, 500);
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_false(d.fired);
        /* a spike that went away: nothing ongoing */
        make_weeks(20, 100, 500);
        weeks[10].p95 = 20000;
        weeks[11].p95 = 20000;
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_false(d.fired);
        /* ... but ongoing it fires, and its baseline stays the weeks before it began */
        s.n_weeks = 12;
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_true(d.fired);
        assert_int_equal(d.first_week, 10);
        assert_near(d.base_p95, 400, 11);
        /* too little history (4 weeks < min_history 6) */
        s.n_weeks = 6;
        make_weeks(6, 4, 500);
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_false(d.fired);
        /* too few interactions per week to judge */
        s.n_weeks = 20;
        make_weeks(20, 18, 20);
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_false(d.fired);
        /* a p95 up 30% is beyond z but under min_ratio 1.5 */
        make_weeks(20, 100, 500);
        weeks[18].p95 = weeks[19].p95 = 520;
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_false(d.fired);
        p.exp_min_ratio = 1.2;
        assert_int_equal(eng_detect_drift(&p, &s, &d), CXG_OK);
        assert_true(d.fired);
        assert_true(d.on_p95);
        assert_false(d.on_fail);
}

static void test_experience_failure_rate_alone(void **state)
{
        struct eng_detect_params p;
        struct eng_experience_series s = {"search", weeks, 20};
        struct eng_alerts out;

        (void)state;
        eng_detect_params_init(&p);
        make_weeks(20, 100, 1000);
        weeks[18].failed = weeks[19].failed = 80; /* 8% against 1% */
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_experience(&p, &s, 1, NULL, NULL, weeks[19].start, &out, NULL),
                         CXG_OK);
        assert_int_equal(out.n, 1);
        assert_int_equal(out.v[0].severity, ENG_SEV_HIGH);
        assert_non_null(strstr(out.v[0].summary, "failure rate 8.0% against a usual 1.0%"));
        eng_alerts_release(&out);
}

/* ---- account at risk ---- */

static void test_at_risk_signals_and_severity(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        int64_t at = date(2026, 10, 1);
        struct eng_risk_person ppl[4] = {
            /* the CFO was active and has gone quiet */
            {"P-1", "Ann Lee", "CFO", CXG_SEN_EXECUTIVE, 12, 0, at - 45 * DAY, CXG_TS_NONE},
            /* the champion (most active) keeps going */
            {"P-2", "Bo Kim", "Recruiter", CXG_SEN_INDIVIDUAL, 40, 15, at - DAY, CXG_TS_NONE},
            /* an executive who was never active is not "gone silent" */
            {"P-3", "Cy Dee", "CEO", CXG_SEN_EXECUTIVE, 1, 0, CXG_TS_NONE, CXG_TS_NONE},
            {"P-4", "Di Fox", "Manager", CXG_SEN_MANAGER, 5, 0, at - 60 * DAY, CXG_TS_NONE},
        };
        struct eng_risk_feedback fb[2] = {
            {"P-5", "Ed Gu", CXG_SEN_DIRECTOR, CXG_FB_NPS, 3, at - 5 * DAY},
            {"P-2", "Bo Kim", CXG_SEN_INDIVIDUAL, CXG_FB_NPS, 0, at - 5 * DAY}, /* not senior */
        };
        struct eng_risk_account acc[3];
        json_t *ev;

        (void)state;
        eng_detect_params_init(&p);
        memset(acc, 0, sizeof(acc));
        acc[0] = (struct eng_risk_account){.id = "A-1",
                                           .name = "Acme",
                                           .owner = "maria",
                                           .plan = "Pro",
                                           .mrr = 400,
                                           .health = 48,
                                           .health_before = 70,
                                           .people = ppl,
                                           .n_people = 4,
                                           .feedback = fb,
                                           .n_feedback = 2,
                                           .mrr_before = 400,
                                           .downgraded_at = CXG_TS_NONE};
        /* a quiet healthy account */
        acc[1] = (struct eng_risk_account){.id = "A-2",
                                           .health = 80,
                                           .health_before = 82,
                                           .people = ppl + 1,
                                           .n_people = 1,
                                           .mrr = 100,
                                           .mrr_before = 100,
                                           .downgraded_at = CXG_TS_NONE};
        /* a churned one with every signal: skipped */
        acc[2] = acc[0];
        acc[2].id = "A-3";
        acc[2].churned = 1;
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_at_risk(&p, acc, 3, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 1);
        assert_string_equal(out.v[0].account, "A-1");
        assert_string_equal(out.v[0].owner, "maria");
        assert_string_equal(out.v[0].person, "P-1");
        assert_string_equal(out.v[0].dedup_key, "account_at_risk:A-1");
        /* health drop 2 + silent executive 2 + senior detractor 1 = 5: critical */
        assert_int_equal(out.v[0].severity, ENG_SEV_CRITICAL);
        assert_near(out.v[0].health, 48, EPS);
        assert_int_equal(out.v[0].first_seen, at - 45 * DAY); /* the CFO's last interaction */
        assert_non_null(strstr(out.v[0].summary, "health fell 22 points"));
        assert_non_null(strstr(out.v[0].summary, "executive Ann Lee silent"));
        assert_non_null(strstr(out.v[0].summary, "director Ed Gu answered nps 3"));
        ev = evidence(&out.v[0]);
        assert_int_equal(json_array_size(json_object_get(ev, "signals")), 3);
        assert_int_equal(json_integer_value(json_object_get(ev, "weight")), 5);
        json_decref(ev);
        eng_alerts_release(&out);
}

static void test_at_risk_champion_left_and_downgrade(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        int64_t at = date(2026, 10, 1);
        struct eng_risk_person ppl[2] = {
            {"P-1", "Ann", "Recruiter", CXG_SEN_INDIVIDUAL, 30, 2, at - 20 * DAY, at - 10 * DAY},
            {"P-2", "Bob", "Recruiter", CXG_SEN_INDIVIDUAL, 8, 6, at - DAY, CXG_TS_NONE},
        };
        struct eng_risk_account a = {.id = "A-9",
                                     .plan = "Pro",
                                     .plan_before = "Premium",
                                     .mrr = 200,
                                     .mrr_before = 900,
                                     .downgraded_at = at - 3 * DAY,
                                     .health = NAN,
                                     .health_before = NAN,
                                     .people = ppl,
                                     .n_people = 2};
        json_t *ev, *s0;

        (void)state;
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_at_risk(&p, &a, 1, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 1);
        /* champion left 2 + downgrade 2 = 4: high */
        assert_int_equal(out.v[0].severity, ENG_SEV_HIGH);
        assert_string_equal(out.v[0].person, "P-1");
        ev = evidence(&out.v[0]);
        s0 = json_array_get(json_object_get(ev, "signals"), 0);
        assert_string_equal(json_string_value(json_object_get(s0, "signal")), "champion_left");
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(ev, "signals"), 1), "signal")),
                            "downgrade");
        assert_non_null(strstr(out.v[0].summary, "downgraded Premium -> Pro (MRR 900 -> 200)"));
        json_decref(ev);
        eng_alerts_release(&out);
}

/* ---- waves ---- */

static void test_wave_cancellations_in_one_plan(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        uint32_t base[13], canc[13], down[13], pro_canc[13];
        struct eng_wave_series s[2];
        int64_t at = date(2026, 10, 1);
        json_t *ev;

        (void)state;
        for (int k = 0; k < 13; k++) {
                base[k] = 100;
                canc[k] = 2;
                down[k] = 1;
                pro_canc[k] = 3;
        }
        canc[12] = 12; /* 12% against 2% */
        s[0] = (struct eng_wave_series){"plan", "Premium", base, canc, down, 13, at - 30 * DAY};
        s[1] = (struct eng_wave_series){"plan", "Pro", base, pro_canc, down, 13, at - 30 * DAY};
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_waves(&p, s, 2, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 1);
        assert_string_equal(out.v[0].subject, "plan=Premium");
        assert_string_equal(out.v[0].dedup_key, "downgrade_wave:plan=Premium:cancellation");
        assert_int_equal(out.v[0].severity, ENG_SEV_CRITICAL); /* x6 */
        ev = evidence(&out.v[0]);
        assert_near(json_real_value(json_object_get(ev, "rate")), 0.12, EPS);
        assert_near(json_real_value(json_object_get(ev, "historical_rate")), 0.02, EPS);
        assert_near(json_real_value(json_object_get(ev, "z")), 5.855143074421061, 1e-6);
        assert_near(json_real_value(json_object_get(ev, "p")), 2.38e-9, 0.01e-9);
        json_decref(ev);
        eng_alerts_release(&out);
        /* 4 events are under min_events 5 even at a high rate */
        canc[12] = 4;
        base[12] = 20;
        assert_int_equal(eng_detect_waves(&p, s, 1, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 0);
        eng_alerts_release(&out);
}

/* The evidence is the list's own: it outlives the inputs the detector read. */
static void test_evidence_outlives_the_inputs(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        uint32_t base[13], canc[13], down[13];
        char field[16] = "plan", value[16] = "Premium";
        struct eng_wave_series s;
        int64_t at = date(2026, 10, 1);
        const struct eng_ev_wave *e;

        (void)state;
        for (int k = 0; k < 13; k++) {
                base[k] = 100;
                canc[k] = 2;
                down[k] = 1;
        }
        canc[12] = 12;
        s = (struct eng_wave_series){field, value, base, canc, down, 13, at - 30 * DAY};
        eng_detect_params_init(&p);
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_waves(&p, &s, 1, at, &out, NULL), CXG_OK);
        assert_int_equal(out.n, 1);
        memset(field, 'x', sizeof(field) - 1);
        memset(value, 'x', sizeof(value) - 1);
        memset(canc, 0, sizeof(canc));
        e = &out.v[0].ev.wave;
        assert_int_equal(out.v[0].has_evidence, 1);
        assert_string_equal(e->field, "plan");
        assert_string_equal(e->value, "Premium");
        assert_int_equal(e->downgrade, 0);
        assert_int_equal(e->events, 12);
        assert_int_equal(e->n_periods, 13);
        assert_int_equal(e->periods[12].cancellations, 12);
        assert_int_equal(e->cancellations, 12);
        eng_alerts_release(&out);
        assert_int_equal(out.n, 0);
}

/* ---- the snapshot adapter: windows, skipping churned accounts, tasks and follow-up ---- */

#define AT INT64_C(1790000000) /* 2026-09-21T... */

static void snap_account(struct eng_snapshot *s, int64_t id, const char *ext, const char *owner,
                         int64_t churned)
{
        struct account a;

        model_account_init(&a);
        a.id = ext;
        a.name = ext;
        a.plan = "Pro";
        a.mrr = 100;
        a.owner = owner;
        a.created_at = AT - 400 * DAY;
        a.churned_at = churned;
        assert_int_equal(eng_snapshot_add_account(s, id, &a), CXG_OK);
}

static void snap_person(struct eng_snapshot *s, int64_t id, int64_t account, const char *ext,
                        const char *role)
{
        struct person p;

        model_person_init(&p);
        p.id = ext;
        p.name = ext;
        p.role = role;
        p.created_at = AT - 300 * DAY;
        assert_int_equal(eng_snapshot_add_person(s, id, account, &p), CXG_OK);
}

static void snap_ix(struct eng_snapshot *s, int64_t person, int64_t account, int64_t ts)
{
        static int64_t next = 1;
        struct store_interaction r = {0};

        r.id = next++;
        r.person_id = person;
        r.account_id = account;
        r.ts = ts;
        r.channel = CXG_CH_WEB;
        r.duration_ms = 300;
        r.outcome = CXG_OUT_OK;
        r.value = NAN;
        r.type_id = 1;
        assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
}

struct task_seen {
        int n;
        char owner[4][32], person[4][32];
        int64_t id[4];
        int rec[4];
};

static enum cxg_err on_task(void *ctx, const struct store_task *t)
{
        struct task_seen *ts = ctx;

        if (ts->n < 4) {
                snprintf(ts->owner[ts->n], 32, "%s", t->owner);
                snprintf(ts->person[ts->n], 32, "%s", t->person_id ? t->person_id : "");
                ts->id[ts->n] = t->id;
                ts->rec[ts->n] = t->reconnected;
        }
        ts->n++;
        return CXG_OK;
}

/*
 * The writing half of a detection cycle (app_detect_save) on found (NULL: nothing found, only
 * the follow-up) as of at; r's counts are read, its ids freed here.
 */
static enum cxg_err save(struct store *st, const struct eng_snapshot *snap,
                         const struct eng_alerts *found, int64_t at, struct app_detect_result *r,
                         struct cxg_error *e)
{
        struct app_ctx c = {st, "test", 0, NULL, at};
        struct app_detect_opts o;
        enum cxg_err rc;

        app_detect_opts_init(&o);
        memset(r, 0, sizeof(*r));
        eng_alerts_init(&r->alerts);
        if (found)
                r->alerts = *found; /* borrowed: not released here */
        r->at = at;
        rc = app_detect_save(&c, &o, snap, NULL, r, e);
        cxg_free(r->ids);
        r->ids = NULL;
        return rc;
}

static void test_snapshot_at_risk_tasks_and_reconnection(void **state)
{
        struct eng_snapshot s;
        struct eng_detect_params p;
        struct eng_detect_input in;
        struct app_detect_result sum;
        struct eng_alerts out;
        struct cxg_error e;
        struct store *st = NULL;
        struct store_task_filter f;
        struct store_task_change c;
        struct task_seen ts;
        char path[TESTDB_PATH_MAX];
        const char *ext[3] = {"A-1", "A-2", "A-3"};

        (void)state;
        cxg_error_clear(&e);
        eng_snapshot_init(&s, NULL);
        assert_int_equal(eng_snapshot_add_type(&s, 1, "login"), CXG_OK);
        snap_account(&s, 1, "A-1", "maria", CXG_TS_NONE);
        snap_account(&s, 2, "A-2", NULL, CXG_TS_NONE);
        snap_account(&s, 3, "A-3", "maria", AT - 100 * DAY); /* churned: not judged */
        snap_person(&s, 11, 1, "P-CFO", "CFO");
        snap_person(&s, 12, 1, "P-REC", "Recruiter");
        snap_person(&s, 21, 2, "P-CEO", "CEO");
        snap_person(&s, 31, 3, "P-OLD", "CEO");
        /* the CFO: 5 interactions 60-50 days before, then silence; back 10 days after */
        for (int k = 0; k < 5; k++)
                snap_ix(&s, 11, 1, AT - (60 - 2 * k) * DAY);
        snap_ix(&s, 11, 1, AT + 10 * DAY);
        /* the recruiter (the champion, 40 interactions) stays busy: no signal */
        for (int k = 0; k < 40; k++)
                snap_ix(&s, 12, 1, AT - (119 - 3 * k) * DAY);
        /* A-2's CEO: 3 interactions 40-36 days before, then nothing, also afterwards */
        for (int k = 0; k < 3; k++)
                snap_ix(&s, 21, 2, AT - (40 - 2 * k) * DAY);
        for (int k = 0; k < 5; k++)
                snap_ix(&s, 31, 3, AT - (160 - 2 * k) * DAY);
        assert_int_equal(eng_snapshot_finish(&s, &e), CXG_OK);

        eng_detect_params_init(&p);
        memset(&in, 0, sizeof(in));
        in.snap = &s;
        in.at = AT;
        in.kinds = ENG_DETECT_BIT(ENG_ALERT_AT_RISK);
        eng_alerts_init(&out);
        assert_int_equal(eng_detect_run(&p, &in, &out, NULL, &e), CXG_OK);
        assert_int_equal(out.n, 2);
        assert_string_equal(out.v[0].account, "A-1");
        assert_string_equal(out.v[0].person, "P-CFO");
        assert_string_equal(out.v[0].owner, "maria");
        assert_int_equal(out.v[0].severity, ENG_SEV_MEDIUM);
        assert_int_equal(out.v[0].first_seen, AT - 52 * DAY); /* the CFO's last interaction */
        assert_string_equal(out.v[1].account, "A-2");
        assert_string_equal(out.v[1].person, "P-CEO");
        /* a minimum of 4 prior interactions leaves A-2's CEO (3) out */
        {
                struct eng_alerts o2;

                p.risk_min_active = 4;
                eng_alerts_init(&o2);
                assert_int_equal(eng_detect_run(&p, &in, &o2, NULL, &e), CXG_OK);
                assert_int_equal(o2.n, 1);
                eng_alerts_release(&o2);
                p.risk_min_active = 3;
        }

        /* stored: two alerts, two tasks (the owner, or the default queue); once only */
        assert_int_equal(testdb_path(path, sizeof(path), "detect_snap"), 0);
        unlink(path);
        assert_int_equal(store_open(path, 0, &st, &e), CXG_OK);
        for (int k = 0; k < 3; k++) {
                struct account a;

                model_account_init(&a);
                a.id = ext[k];
                assert_int_equal(store_put_account(st, &a, NULL, NULL, &e), CXG_OK);
        }
        assert_int_equal(save(st, &s, &out, AT, &sum, &e), CXG_OK);
        assert_int_equal(sum.created, 2);
        assert_int_equal(sum.tasks, 2);
        assert_int_equal(save(st, &s, &out, AT + DAY, &sum, &e), CXG_OK);
        assert_int_equal(sum.created, 0);
        assert_int_equal(sum.seen, 2);
        assert_int_equal(sum.tasks, 0);
        memset(&f, 0, sizeof(f));
        memset(&ts, 0, sizeof(ts));
        assert_int_equal(store_tasks_list(st, &f, on_task, &ts, &e), CXG_OK);
        assert_int_equal(ts.n, 2);
        assert_string_equal(ts.owner[0], "maria");
        assert_string_equal(ts.owner[1], "cx-queue");
        assert_string_equal(ts.person[0], "P-CFO");

        /* both closed with a meeting the day after; 30 days on, only the CFO came back */
        store_task_change_init(&c);
        c.status = "done";
        c.action = "meeting";
        assert_int_equal(store_task_update(st, ts.id[0], &c, AT + DAY, &e), CXG_OK);
        assert_int_equal(store_task_update(st, ts.id[1], &c, AT + DAY, &e), CXG_OK);
        assert_int_equal(save(st, &s, NULL, AT + 20 * DAY, &sum, &e), CXG_OK);
        assert_int_equal(sum.followed, 0); /* not yet 30 days */
        assert_int_equal(save(st, &s, NULL, AT + 31 * DAY, &sum, &e), CXG_OK);
        assert_int_equal(sum.followed, 2);
        memset(&ts, 0, sizeof(ts));
        assert_int_equal(store_tasks_list(st, &f, on_task, &ts, &e), CXG_OK);
        assert_int_equal(ts.rec[0], 1);
        assert_int_equal(ts.rec[1], 0);

        store_close(st);
        unlink(path);
        {
                char p2[TESTDB_PATH_MAX + 16];

                snprintf(p2, sizeof(p2), "%s-wal", path);
                unlink(p2);
                snprintf(p2, sizeof(p2), "%s-shm", path);
                unlink(p2);
        }
        eng_alerts_release(&out);
        eng_snapshot_release(&s);
}

/* ---- parameters and names ---- */

static void test_params_from_config(void **state)
{
        struct eng_detect_params p;
        struct cxg_config c;
        struct cxg_error e;
        char path[] = "/tmp/cxg-test-detect-XXXXXX";
        int fd = mkstemp(path);
        FILE *f;

        (void)state;
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        fputs("[erosion]\nalpha = 0.05\ncorrection = bonferroni\n[experience]\n"
              "persist_weeks = 3\n[risk]\nhealth_drop = 10\n",
              f);
        fclose(f);
        cxg_config_init(&c);
        cxg_error_clear(&e);
        assert_int_equal(cxg_config_load(&c, path, &e), CXG_OK);
        eng_detect_params_init(&p);
        assert_int_equal(eng_detect_params_from_config(&p, &c, &e), CXG_OK);
        assert_near(p.ero_alpha, 0.05, EPS);
        assert_int_equal(p.ero_correction, ENG_CORR_BONFERRONI);
        assert_int_equal(p.exp_persist, 3);
        assert_near(p.risk_health_drop, 10, EPS);
        assert_near(p.wave_min_ratio, 2, EPS); /* untouched default */
        /* a typo is an error naming file and line, not a silent default */
        assert_int_equal(cxg_config_set(&c, "risk.helth_drop", "5"), CXG_OK);
        assert_int_equal(eng_detect_params_from_config(&p, &c, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "unknown setting 'risk.helth_drop'"));
        cxg_config_release(&c);
        cxg_config_init(&c);
        assert_int_equal(cxg_config_set(&c, "experience.persist_weeks", "1.5"), CXG_OK);
        assert_int_equal(eng_detect_params_from_config(&p, &c, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "whole number"));
        cxg_config_release(&c);
        unlink(path);
}

static void test_names_and_weeks(void **state)
{
        (void)state;
        for (int k = 0; k < ENG_ALERT__COUNT; k++)
                assert_int_equal(eng_alert_kind_parse(eng_alert_kind_name(k)), k);
        for (int k = 0; k < ENG_SEV__COUNT; k++)
                assert_int_equal(eng_severity_parse(eng_severity_name(k)), k);
        assert_int_equal(eng_alert_kind_parse("nope"), -1);
        /* Wednesday 2024-01-03 12:00 -> Monday 2024-01-01; a Monday is its own week */
        assert_int_equal(eng_week_start(date(2024, 1, 3) + 43200), date(2024, 1, 1));
        assert_int_equal(eng_week_start(date(2024, 1, 1)), date(2024, 1, 1));
        assert_int_equal(eng_week_start(date(2024, 1, 7) + 86399), date(2024, 1, 1));
        assert_int_equal(eng_week_start(date(1969, 12, 31)), date(1969, 12, 29));
}

static void test_out_of_memory_is_reported(void **state)
{
        struct eng_detect_params p;
        struct eng_alerts out;
        struct eng_erosion_topline up = {"mrr", 100, 130};
        struct eng_erosion_segment drop =
            prop("seniority", "executive", ENG_ERO_ACTIVE, 90, 100, 60, 100);
        struct cxg_error e;
        int64_t at = date(2026, 11, 1);
        enum cxg_err rc;
        unsigned long k;

        (void)state;
        eng_detect_params_init(&p);
        /* fail each allocation in turn until the run succeeds: never a crash or a leak */
        for (k = 1; k < 200; k++) {
                eng_alerts_init(&out);
                cxg_alloc_fail_at(k);
                rc = eng_detect_erosion(&p, &up, 1, &drop, 1, at - 90 * DAY, at, &out, &e);
                cxg_alloc_fail_at(0);
                eng_alerts_release(&out);
                if (rc == CXG_OK)
                        break;
                assert_int_equal(rc, CXG_ERR_NOMEM);
        }
        assert_true(k > 1 && k < 200);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_erosion_names_the_segment_hidden_by_mrr_growth),
            cmocka_unit_test(test_erosion_needs_growth_significance_and_effect),
            cmocka_unit_test(test_erosion_bh_finds_what_bonferroni_misses),
            cmocka_unit_test(test_erosion_is_judged_against_the_rest),
            cmocka_unit_test(test_engagement_is_a_paired_test),
            cmocka_unit_test(test_sweet_rank_hand_computed),
            cmocka_unit_test(test_experience_fires_on_the_first_of_two_drifting_weeks),
            cmocka_unit_test(test_experience_needs_persistence_history_and_volume),
            cmocka_unit_test(test_experience_failure_rate_alone),
            cmocka_unit_test(test_at_risk_signals_and_severity),
            cmocka_unit_test(test_at_risk_champion_left_and_downgrade),
            cmocka_unit_test(test_wave_cancellations_in_one_plan),
            cmocka_unit_test(test_evidence_outlives_the_inputs),
            cmocka_unit_test(test_snapshot_at_risk_tasks_and_reconnection),
            cmocka_unit_test(test_params_from_config),
            cmocka_unit_test(test_names_and_weeks),
            cmocka_unit_test(test_out_of_memory_is_reported),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
