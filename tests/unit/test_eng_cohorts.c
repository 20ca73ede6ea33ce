/* test_eng_cohorts.c: cohort retention matrices and lifecycle on a 3-account toy data set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "engine/cohorts.h"
#include "engine/segments.h"
#include "engine/snapshot.h"

static int64_t day(int y, unsigned m, unsigned d)
{
        return cxg_days_from_civil(y, m, d) * 86400 + 12 * 3600;
}

static int64_t next_id = 1;

static void ix(struct eng_snapshot *s, int64_t person, int64_t account, int64_t ts)
{
        struct store_interaction r = {0};

        r.id = next_id++;
        r.person_id = person;
        r.account_id = account;
        r.ts = ts;
        r.duration_ms = -1;
        r.value = NAN;
        r.type_id = 1;
        assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
}

/*
 * A: signed up in January, active January, February, March (MRR 100 then 150 from March)
 * B: signed up in January, active January and March (MRR 50, cancelled end of February)
 * C: signed up in February, active February only (MRR 80), plan Premium
 */
static void toy(struct eng_snapshot *s)
{
        const char *ids[3] = {"A", "B", "C"};
        const char *plans[3] = {"Pro", "Pro", "Premium"};
        int64_t created[3] = {day(2026, 1, 5), day(2026, 1, 20), day(2026, 2, 3)};
        struct cxg_error e;

        eng_snapshot_init(s, NULL);
        assert_int_equal(eng_snapshot_add_type(s, 1, "login"), CXG_OK);
        for (int k = 0; k < 3; k++) {
                struct account a;
                struct person p;

                model_account_init(&a);
                a.id = ids[k];
                a.plan = plans[k];
                a.created_at = created[k];
                assert_int_equal(eng_snapshot_add_account(s, k + 1, &a), CXG_OK);
                model_person_init(&p);
                p.id = ids[k];
                p.created_at = created[k];
                assert_int_equal(eng_snapshot_add_person(s, 10 + k, k + 1, &p), CXG_OK);
        }
        ix(s, 10, 1, day(2026, 1, 10));
        ix(s, 10, 1, day(2026, 2, 10));
        ix(s, 10, 1, day(2026, 3, 10));
        ix(s, 11, 2, day(2026, 1, 25));
        ix(s, 11, 2, day(2026, 3, 2));
        ix(s, 12, 3, day(2026, 2, 4));
        {
                struct subscription sub;

                model_subscription_init(&sub);
                sub.plan = "Pro";
                sub.mrr = 100;
                sub.started_at = day(2026, 1, 5);
                sub.ended_at = day(2026, 3, 1);
                assert_int_equal(eng_snapshot_add_subscription(s, 1, &sub), CXG_OK);
                sub.mrr = 150;
                sub.started_at = day(2026, 3, 1);
                sub.ended_at = CXG_TS_NONE;
                assert_int_equal(eng_snapshot_add_subscription(s, 1, &sub), CXG_OK);
                sub.mrr = 50;
                sub.started_at = day(2026, 1, 20);
                sub.ended_at = day(2026, 2, 27);
                assert_int_equal(eng_snapshot_add_subscription(s, 2, &sub), CXG_OK);
                sub.mrr = 80;
                sub.started_at = day(2026, 2, 3);
                sub.ended_at = CXG_TS_NONE;
                assert_int_equal(eng_snapshot_add_subscription(s, 3, &sub), CXG_OK);
        }
        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

static void test_recurring_retention_matrix(void **st)
{
        struct eng_snapshot s;
        struct eng_cohort_opts o = {.by = ENG_COHORT_ACCOUNTS, .at = CXG_TS_NONE};
        struct eng_cohorts co;
        struct cxg_error e;

        (void)st;
        toy(&s);
        assert_int_equal(eng_cohorts_compute(&s, &o, &co, &e), CXG_OK);
        assert_int_equal(co.n, 3);
        assert_int_equal(co.first_month, cxg_month_index(day(2026, 1, 1)));
        /* January: 2 accounts; active 2, 1 (A), 2 (A and B back) */
        assert_float_equal(co.size[0], 2, 0);
        assert_float_equal(co.value[0 * 3 + 0], 2, 0);
        assert_float_equal(co.value[0 * 3 + 1], 1, 0);
        assert_float_equal(co.value[0 * 3 + 2], 2, 0);
        /* February: C; active 1, then 0; the cell after March is not computed */
        assert_float_equal(co.size[1], 1, 0);
        assert_float_equal(co.value[1 * 3 + 0], 1, 0);
        assert_float_equal(co.value[1 * 3 + 1], 0, 0);
        assert_true(isnan(co.value[1 * 3 + 2]));
        /* March: no signups */
        assert_float_equal(co.size[2], 0, 0);
        eng_cohorts_release(&co);
        eng_snapshot_release(&s);
}

static void test_cumulative_retention_needs_every_period(void **st)
{
        struct eng_snapshot s;
        struct eng_cohort_opts o = {.by = ENG_COHORT_ACCOUNTS, .cumulative = 1, .at = CXG_TS_NONE};
        struct eng_cohorts co;
        struct cxg_error e;

        (void)st;
        toy(&s);
        assert_int_equal(eng_cohorts_compute(&s, &o, &co, &e), CXG_OK);
        /* January: 2, 1, 1 (B missed February) */
        assert_float_equal(co.value[0], 2, 0);
        assert_float_equal(co.value[1], 1, 0);
        assert_float_equal(co.value[2], 1, 0);
        eng_cohorts_release(&co);
        eng_snapshot_release(&s);
}

static void test_revenue_retention_follows_subscriptions(void **st)
{
        struct eng_snapshot s;
        struct eng_cohort_opts o = {.by = ENG_COHORT_REVENUE, .at = CXG_TS_NONE};
        struct eng_cohorts co;
        struct cxg_error e;

        (void)st;
        toy(&s);
        assert_int_equal(eng_cohorts_compute(&s, &o, &co, &e), CXG_OK);
        /* January: 100 + 50; February: 100 + 50 (B ends on the 27th, live during February);
         * March: A's upgrade to 150, B gone */
        assert_float_equal(co.size[0], 150, 1e-9);
        assert_float_equal(co.value[0], 150, 1e-9);
        assert_float_equal(co.value[1], 150, 1e-9);
        assert_float_equal(co.value[2], 150, 1e-9);
        assert_float_equal(co.size[1], 80, 1e-9);
        assert_float_equal(co.value[3 + 1], 80, 1e-9);
        eng_cohorts_release(&co);
        eng_snapshot_release(&s);
}

static void test_lifecycle_classifies_each_month(void **st)
{
        struct eng_snapshot s;
        struct eng_cohort_opts o = {.by = ENG_COHORT_ACCOUNTS, .at = CXG_TS_NONE};
        struct eng_lifecycle l;
        struct cxg_error e;

        (void)st;
        toy(&s);
        assert_int_equal(eng_lifecycle_compute(&s, &o, &l, &e), CXG_OK);
        assert_int_equal(l.n, 3);
        /* January: A and B new */
        assert_int_equal(l.new_[0], 2);
        assert_int_equal(l.returning[0] + l.resurrecting[0] + l.dormant[0], 0);
        /* February: C new, A returning, B dormant */
        assert_int_equal(l.new_[1], 1);
        assert_int_equal(l.returning[1], 1);
        assert_int_equal(l.resurrecting[1], 0);
        assert_int_equal(l.dormant[1], 1);
        /* March: A returning, B resurrecting, C dormant */
        assert_int_equal(l.new_[2], 0);
        assert_int_equal(l.returning[2], 1);
        assert_int_equal(l.resurrecting[2], 1);
        assert_int_equal(l.dormant[2], 1);
        eng_lifecycle_release(&l);

        /* the same for one segment: plan=Pro leaves C out */
        o.segment_field = "plan";
        o.segment_value = "pro";
        assert_int_equal(eng_lifecycle_compute(&s, &o, &l, &e), CXG_OK);
        assert_int_equal(l.new_[1], 0);
        assert_int_equal(l.dormant[1], 1);
        assert_int_equal(l.dormant[2], 0);
        eng_lifecycle_release(&l);
        eng_snapshot_release(&s);
}

static void test_segments_group_by_plan(void **st)
{
        struct eng_snapshot s;
        struct eng_segments g;
        struct cxg_error e;

        (void)st;
        toy(&s);
        assert_int_equal(eng_segments_compute(&s, NULL, "plan", 0, CXG_TS_NONE, &g, &e), CXG_OK);
        assert_int_equal(g.n, 2);
        assert_string_equal(g.groups[0].name, "Pro");
        assert_int_equal(g.groups[0].count, 2);
        assert_string_equal(g.groups[1].name, "Premium");
        assert_int_equal(g.total.count, 3);
        eng_segments_release(&g);
        eng_snapshot_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_recurring_retention_matrix),
            cmocka_unit_test(test_cumulative_retention_needs_every_period),
            cmocka_unit_test(test_revenue_retention_follows_subscriptions),
            cmocka_unit_test(test_lifecycle_classifies_each_month),
            cmocka_unit_test(test_segments_group_by_plan),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
