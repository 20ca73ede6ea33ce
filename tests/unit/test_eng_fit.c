/* test_eng_fit.c: coverage, under-reach, over-reach, the stakeholder view and the product
 * summary on a toy catalogue checked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "engine/fit.h"
#include "model/model.h"

#define NONE ENG_FIT_NONE
#define NOW 1700000000LL
#define DAY 86400LL

static void near(double got, double want, double tol)
{
        if (!(fabs(got - want) <= tol))
                fail_msg("got %.6f, want %.6f (+- %g)", got, want, tol);
}

/*
 * Plans: 0 Free, 1 Pro, 2 Premium, 3 Recruiter. Capabilities: 0 jobs (Free, Pro, Premium),
 * 1 search (Pro, Premium), 2 analytics (Premium), 3 api (Premium), 4 ats (Recruiter).
 * Accounts: 0 Premium $400, 1 Pro $100, 2 Free $0, 3 Premium $600 churned.
 * Objectives: 0 (acct 0, person 0) "Hire faster" needs jobs, search, analytics;
 * 1 (acct 1, person 2) "Hire faster" needs the same; 2 (acct 1, person 3) "Integrate HRIS"
 * needs api and hris-sync (not in the product); 3 (acct 2, nobody) "Hire faster" needs jobs;
 * 4 (acct 0, person 1) "integrate hris" needs api, hris-sync; 5 (acct 3) needs analytics.
 */
static const char *const cap_names[] = {"jobs", "search", "analytics", "api", "ats"};
static const uint32_t cap_plan_off[] = {0, 3, 5, 6, 7, 8};
static const uint32_t cap_plans[] = {0, 1, 2, 1, 2, 2, 2, 3};
static const uint32_t acct_plan[] = {2, 1, 0, 2};
static const double acct_mrr[] = {400, 100, 0, 600};
static const uint8_t acct_active[] = {1, 1, 1, 0};
static const uint32_t obj_account[] = {0, 1, 1, 2, 0, 3};
static const uint32_t obj_person[] = {0, 2, 3, NONE, 1, 4};
static const char *const obj_title[] = {"Hire faster", "Hire faster",    "Integrate HRIS",
                                        "Hire faster", "integrate hris", "Hire faster"};
static const uint32_t obj_need_off[] = {0, 3, 6, 8, 9, 11, 12};
static const uint32_t obj_needs[] = {0, 1, 2, 0, 1, 2, 3, NONE, 0, 3, NONE, 2};
static const char *const obj_need_names[] = {"jobs",   "search",    "analytics", "jobs",
                                             "search", "analytics", "api",       "hris-sync",
                                             "jobs",   "api",       "hris-sync", "analytics"};
/* interaction types: 0 post_job -> jobs, 1 search -> search, 2 report -> analytics + api */
static const uint32_t type_cap_off[] = {0, 1, 2, 4};
static const uint32_t type_caps[] = {0, 1, 2, 3};

static void build(struct eng_fit *f, uint64_t *used, const double *weights)
{
        const uint32_t ix_acct[] = {0, 0, 0, 1, 1, 2, 3, 0};
        const uint32_t ix_type[] = {0, 1, 2, 0, 1, 0, 2, 9};
        const int64_t ix_ts[] = {
            NOW - 10 * DAY, NOW - 89 * DAY, NOW - 91 * DAY, NOW, NOW, NOW, NOW, NOW};
        struct eng_fit_input in = {0};
        struct cxg_error e;

        memset(used, 0, 4 * sizeof(*used));
        eng_fit_usage_mark(used, 4, 5, 3, type_cap_off, type_caps, ix_acct, ix_type, ix_ts, 8,
                           NOW - 90 * DAY, NOW);
        in.n_caps = 5;
        in.n_plans = 4;
        in.cap_names = cap_names;
        in.cap_plan_off = cap_plan_off;
        in.cap_plans = cap_plans;
        in.cap_weight = weights;
        in.n_accounts = 4;
        in.acct_plan = acct_plan;
        in.acct_mrr = acct_mrr;
        in.acct_active = acct_active;
        in.n_objectives = 6;
        in.obj_account = obj_account;
        in.obj_person = obj_person;
        in.obj_title = obj_title;
        in.obj_need_off = obj_need_off;
        in.obj_needs = obj_needs;
        in.obj_need_names = obj_need_names;
        in.used = used;
        assert_int_equal(eng_fit_init(f, &in, &e), CXG_OK);
}

static void test_usage_window_marks_capabilities_of_counted_types(void **state)
{
        uint64_t used[4];
        struct eng_fit f;

        (void)state;
        build(&f, used, NULL);
        assert_int_equal(used[0], 0x3); /* jobs, search; the report 91 days ago is too old */
        assert_int_equal(used[1], 0x3);
        assert_int_equal(used[2], 0x1);
        assert_int_equal(used[3], 0xC); /* a report uses analytics and api */
        eng_fit_release(&f);
}

static void test_account_coverage_under_and_over_reach_by_hand(void **state)
{
        uint64_t used[4];
        struct eng_fit f;
        struct eng_fit_account_result r;
        struct cxg_error e;
        const struct eng_fit_objective *o;

        (void)state;
        build(&f, used, NULL);
        assert_int_equal(eng_fit_account(&f, 0, &r, &e), CXG_OK);
        assert_int_equal(r.n_objectives, 2);
        /* objective 0: 3 needs available and included, 2 used: coverage 2/3, not under */
        o = &r.objectives[0];
        assert_int_equal(o->objective, 0);
        assert_int_equal(o->n_needs, 3);
        assert_int_equal(o->n_available, 3);
        assert_int_equal(o->n_included, 3);
        assert_int_equal(o->n_used, 2);
        near(o->coverage, 2.0 / 3.0, 1e-12);
        assert_false(o->under_reach);
        assert_false(r.needs[o->need_off + 2].used);
        assert_string_equal(r.needs[o->need_off + 2].name, "analytics");
        /* objective 4: api included but unused, hris-sync missing from the product */
        o = &r.objectives[1];
        assert_int_equal(o->objective, 4);
        assert_true(o->under_reach);
        assert_true(o->product_gap);
        assert_false(o->plan_gap);
        near(o->coverage, 0, 1e-12);
        assert_int_equal(r.needs[o->need_off + 1].cap, NONE);
        assert_string_equal(r.needs[o->need_off + 1].name, "hris-sync");
        assert_int_equal(r.n_under, 1);
        near(r.coverage, 1.0 / 3.0, 1e-12);
        /* Premium has 4 capabilities, 2 used: analytics and api paid for, $400 / 4 each */
        assert_int_equal(r.n_plan_caps, 4);
        assert_int_equal(r.n_plan_caps_used, 2);
        near(r.usage_ratio, 0.5, 1e-12);
        assert_int_equal(r.n_over, 2);
        assert_int_equal(r.over[0].cap, 2);
        near(r.over[0].price_share, 100, 1e-9);
        assert_true(r.over[0].needed);
        assert_int_equal(r.over[1].cap, 3);
        near(r.over_reach_mrr, 200, 1e-9);
        eng_fit_account_result_release(&r);

        /* account 1 on Pro: objective 1 lacks analytics in the plan (plan gap) */
        assert_int_equal(eng_fit_account(&f, 1, &r, &e), CXG_OK);
        assert_true(r.objectives[0].plan_gap);
        assert_false(r.objectives[0].product_gap);
        assert_true(r.objectives[1].plan_gap && r.objectives[1].product_gap);
        assert_int_equal(r.n_under, 2);
        assert_int_equal(r.n_over, 0);
        near(r.usage_ratio, 1, 1e-12);
        eng_fit_account_result_release(&r);

        assert_int_equal(eng_fit_account(&f, 9, &r, &e), CXG_ERR_NOTFOUND);
        eng_fit_release(&f);
}

static void test_price_share_uses_capability_weights(void **state)
{
        const double w[] = {1, 1, 2, 1, 1};
        uint64_t used[4];
        struct eng_fit f;
        struct eng_fit_account_result r;
        struct cxg_error e;

        (void)state;
        build(&f, used, w);
        /* Premium weights 1 + 1 + 2 + 1 = 5: analytics 400 * 2/5 = 160, api 400 * 1/5 = 80 */
        assert_int_equal(eng_fit_account(&f, 0, &r, &e), CXG_OK);
        near(r.over[0].price_share, 160, 1e-9);
        near(r.over[1].price_share, 80, 1e-9);
        near(r.over_reach_mrr, 240, 1e-9);
        eng_fit_account_result_release(&r);
        eng_fit_release(&f);
}

static void test_stakeholders_most_senior_first(void **state)
{
        const uint8_t sen[] = {CXG_SEN_EXECUTIVE, CXG_SEN_MANAGER, CXG_SEN_DIRECTOR,
                               CXG_SEN_INDIVIDUAL, CXG_SEN_UNKNOWN};
        const double eng[] = {20, 80, 55, 10, NAN};
        uint64_t used[4];
        struct eng_fit f;
        struct eng_fit_account_result r;
        struct eng_fit_stakeholder *s;
        size_t n;
        struct cxg_error e;

        (void)state;
        build(&f, used, NULL);
        assert_int_equal(eng_fit_account(&f, 0, &r, &e), CXG_OK);
        assert_int_equal(eng_fit_stakeholders(&r, sen, eng, 5, &s, &n, &e), CXG_OK);
        assert_int_equal(n, 2);
        assert_int_equal(s[0].person, 0);
        assert_int_equal(s[0].seniority, CXG_SEN_EXECUTIVE);
        near(s[0].engagement, 20, 1e-12);
        assert_int_equal(s[0].n_objectives, 1);
        assert_int_equal(s[0].n_under, 0);
        assert_int_equal(s[0].n_unmet, 1);
        near(s[0].coverage, 2.0 / 3.0, 1e-12);
        assert_int_equal(s[1].person, 1);
        assert_int_equal(s[1].n_under, 1);
        cxg_free(s);
        eng_fit_account_result_release(&r);
        /* objectives held by no one form their own row */
        assert_int_equal(eng_fit_account(&f, 2, &r, &e), CXG_OK);
        assert_int_equal(eng_fit_stakeholders(&r, sen, NULL, 5, &s, &n, &e), CXG_OK);
        assert_int_equal(n, 1);
        assert_int_equal(s[0].person, NONE);
        assert_int_equal(s[0].seniority, -1);
        near(s[0].coverage, 1, 1e-12);
        cxg_free(s);
        eng_fit_account_result_release(&r);
        eng_fit_release(&f);
}

static void test_summary_ranks_objectives_by_mrr_at_stake(void **state)
{
        uint64_t used[4];
        struct eng_fit f;
        struct eng_fit_summary s;
        struct cxg_error e;
        size_t k;

        (void)state;
        build(&f, used, NULL);
        assert_int_equal(eng_fit_summary(&f, &s, &e), CXG_OK);
        assert_int_equal(s.n_accounts, 3); /* the churned account is left out */
        assert_int_equal(s.n_accounts_under, 2);
        near(s.mrr_under, 500, 1e-9);
        assert_int_equal(s.n_accounts_over, 1);
        near(s.mrr_over, 200, 1e-9);
        /* titles grouped case-insensitively: Integrate HRIS under-reached at $400 + $100 */
        assert_int_equal(s.n_objectives, 2);
        assert_string_equal(s.objectives[0].title, "Integrate HRIS");
        assert_int_equal(s.objectives[0].n_objectives, 2);
        assert_int_equal(s.objectives[0].n_under, 2);
        assert_int_equal(s.objectives[0].n_accounts_under, 2);
        near(s.objectives[0].mrr_at_stake, 500, 1e-9);
        assert_string_equal(s.objectives[1].title, "Hire faster");
        assert_int_equal(s.objectives[1].n_objectives, 3);
        assert_int_equal(s.objectives[1].n_under, 1);
        near(s.objectives[1].mrr_at_stake, 100, 1e-9);
        /* the blocking needs: hris-sync ($500, not in the product), then analytics and api */
        assert_int_equal(s.n_missing, 3);
        assert_string_equal(s.missing[0].name, "hris-sync");
        assert_int_equal(s.missing[0].cap, NONE);
        assert_int_equal(s.missing[0].n_objectives, 2);
        near(s.missing[0].mrr_at_stake, 500, 1e-9);
        assert_int_equal(s.missing[1].cap, 2);
        assert_int_equal(s.missing[2].cap, 3);
        /* paid and unused, by plan: Premium's analytics and api on its one active account */
        assert_int_equal(s.n_unused, 8);
        for (k = 0; k < s.n_unused; k++)
                if (s.unused[k].plan == 2)
                        break;
        assert_int_equal(s.unused[k].cap, 2);
        assert_int_equal(s.unused[k].n_accounts, 1);
        assert_int_equal(s.unused[k].n_unused, 1);
        near(s.unused[k].unused_share, 1, 1e-12);
        near(s.unused[k].paid_unused_mrr, 100, 1e-9);
        assert_int_equal(s.unused[k + 2].cap, 0);
        assert_int_equal(s.unused[k + 2].n_unused, 0);
        assert_true(isnan(s.unused[s.n_unused - 1].unused_share)); /* Recruiter: no account */
        near(s.plans[2].usage_ratio, 0.5, 1e-12);
        near(s.plans[2].paid_unused_mrr, 200, 1e-9);
        assert_int_equal(s.plans[1].n_accounts, 1);
        near(s.plans[1].usage_ratio, 1, 1e-12);
        assert_true(isnan(s.plans[3].usage_ratio));
        eng_fit_summary_release(&s);
        eng_fit_release(&f);
}

static void test_bad_input_is_refused_and_oom_is_clean(void **state)
{
        uint64_t used[4];
        struct eng_fit f, g;
        struct eng_fit_summary s;
        struct cxg_error e;
        struct eng_fit_input in;
        const uint32_t bad_needs[] = {0, 1, 2, 0, 1, 2, 3, 7, 0, 3, NONE, 2};
        unsigned long k;
        enum cxg_err rc;

        (void)state;
        build(&f, used, NULL);
        in = f.in;
        in.obj_needs = bad_needs;
        assert_int_equal(eng_fit_init(&g, &in, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "obj_needs[7] = 7"));
        for (k = 1; k < 200; k++) {
                cxg_alloc_fail_at(k);
                rc = eng_fit_summary(&f, &s, &e);
                cxg_alloc_fail_at(0);
                if (rc == CXG_OK) {
                        eng_fit_summary_release(&s);
                        break;
                }
                assert_int_equal(rc, CXG_ERR_NOMEM);
        }
        assert_true(k > 1 && k < 200);
        eng_fit_release(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_usage_window_marks_capabilities_of_counted_types),
            cmocka_unit_test(test_account_coverage_under_and_over_reach_by_hand),
            cmocka_unit_test(test_price_share_uses_capability_weights),
            cmocka_unit_test(test_stakeholders_most_senior_first),
            cmocka_unit_test(test_summary_ranks_objectives_by_mrr_at_stake),
            cmocka_unit_test(test_bad_input_is_refused_and_oom_is_clean),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
