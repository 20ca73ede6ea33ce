/*
 * test_eng_fit_snapshot.c: the snapshot's comments, objective stakeholders and full need lists,
 * and fit and themes computed over a hand-built snapshot (values computed by hand).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "app/view_fit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "engine/fit.h"
#include "engine/snapshot.h"
#include "engine/themes.h"
#include "engine/voc.h"

#define DAYS 86400
/* 2026-06-30T00:00:00Z */
#define AT INT64_C(1782777600)

static void acc(struct eng_snapshot *s, int64_t id, const char *ext, const char *plan, double mrr)
{
        struct account a;

        model_account_init(&a);
        a.id = ext;
        a.plan = plan;
        a.mrr = mrr;
        a.created_at = AT - 400 * DAYS;
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

static void cap(struct eng_snapshot *s, const char *id, const char *plan1, const char *plan2,
                const char *type)
{
        struct capability c;
        const char *plans[2] = {plan1, plan2};
        const char *types[1] = {type};

        model_capability_init(&c);
        c.id = id;
        c.name = id;
        c.plans = plans;
        c.n_plans = plan2 ? 2 : 1;
        c.interaction_types = types;
        c.n_interaction_types = 1;
        assert_int_equal(eng_snapshot_add_capability(s, &c), CXG_OK);
}

static void obj(struct eng_snapshot *s, int64_t account, const char *ext, const char *person_ext,
                const char *status, const char **needs, size_t n)
{
        struct objective o;

        model_objective_init(&o);
        o.id = ext;
        o.title = ext;
        o.person_id = person_ext;
        o.status = status;
        o.capabilities = needs;
        o.n_capabilities = n;
        assert_int_equal(eng_snapshot_add_objective(s, account, &o), CXG_OK);
}

static void ix(struct eng_snapshot *s, int64_t id, int64_t person_id, int64_t account_id,
               int64_t ts, int32_t type)
{
        struct store_interaction r = {0};

        r.id = id;
        r.person_id = person_id;
        r.account_id = account_id;
        r.ts = ts;
        r.channel = CXG_CH_WEB;
        r.duration_ms = -1;
        r.value = NAN;
        r.type_id = type;
        assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
}

static void fb(struct eng_snapshot *s, int64_t person_id, int64_t account_id, int64_t ts,
               double score, const char *comment)
{
        struct feedback f;

        model_feedback_init(&f);
        f.ts = ts;
        f.kind = CXG_FB_NPS;
        f.score = score;
        f.comment = comment;
        assert_int_equal(eng_snapshot_add_feedback(s, person_id, account_id, &f), CXG_OK);
}

/*
 * Two accounts. A1 (Gold, MRR 300) has capabilities search, api and inbox (Gold includes all
 * three, Basic only search); A1 used search 10 days ago and api 200 days ago (outside the 90
 * days). Objectives of A1: o1 (CFO) needs search + api + "cap-ai" (not in the product),
 * o2 (nobody) needs search twice, o3 achieved needs inbox. A2 (Basic, MRR 50) needs api.
 */
static void build(struct eng_snapshot *s)
{
        struct cxg_error e;
        const char *n1[] = {"cap-search", "cap-api", "cap-ai"};
        const char *n2[] = {"cap-search", "cap-search"};
        const char *n3[] = {"cap-inbox"};
        const char *n4[] = {"cap-api"};

        eng_snapshot_init(s, NULL);
        acc(s, 1, "A1", "Gold", 300);
        acc(s, 2, "A2", "Basic", 50);
        person(s, 10, 1, "cfo", "CFO");
        person(s, 11, 1, "rec", "Recruiter");
        person(s, 20, 2, "bob", "Analyst");
        assert_int_equal(eng_snapshot_add_type(s, 1, "search"), CXG_OK);
        assert_int_equal(eng_snapshot_add_type(s, 2, "api_call"), CXG_OK);
        assert_int_equal(eng_snapshot_add_type(s, 3, "inbox_open"), CXG_OK);
        cap(s, "cap-search", "Gold", "Basic", "search");
        cap(s, "cap-api", "Gold", NULL, "api_call");
        cap(s, "cap-inbox", "Gold", NULL, "inbox_open");
        obj(s, 1, "o1", "cfo", "open", n1, 3);
        obj(s, 1, "o2", NULL, "in_progress", n2, 2);
        obj(s, 1, "o3", "rec", "Achieved", n3, 1);
        obj(s, 2, "o4", "bob", NULL, n4, 1);
        ix(s, 1, 11, 1, AT - 10 * DAYS, 1);
        ix(s, 2, 11, 1, AT - 200 * DAYS, 2);
        ix(s, 3, 20, 2, AT - 5 * DAYS, 1);
        /* feedback added out of (account, time) order: comments must follow their rows */
        fb(s, 20, 2, AT - 3 * DAYS, 10, "fast and easy");
        fb(s, 10, 1, AT - 2 * DAYS, 2, "slow and expensive");
        fb(s, 11, 1, AT - 9 * DAYS, 9, NULL);
        fb(s, 10, 1, AT - 8 * DAYS, 3, "slow slow support");
        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

static void test_snapshot_keeps_comments_with_their_feedback_rows(void **st)
{
        struct eng_snapshot s;

        (void)st;
        build(&s);
        assert_int_equal(s.n_fb, 4);
        for (size_t i = 0; i < s.n_fb; i++) {
                if (s.f_score[i] == 10)
                        assert_string_equal(s.f_comment[i], "fast and easy");
                else if (s.f_score[i] == 2)
                        assert_string_equal(s.f_comment[i], "slow and expensive");
                else if (s.f_score[i] == 3)
                        assert_string_equal(s.f_comment[i], "slow slow support");
                else
                        assert_null(s.f_comment[i]);
        }
        /* sorted by (account, ts): A1's answers 9 days, 8 and 2 days before, then A2's */
        assert_int_equal(s.f_account[0], 0);
        assert_true(s.f_score[0] == 9 && s.f_score[1] == 3 && s.f_score[2] == 2);
        assert_true(s.f_score[3] == 10 && s.f_account[3] == 1);
        eng_snapshot_release(&s);
}

static void test_snapshot_objectives_keep_person_and_every_needed_id(void **st)
{
        struct eng_snapshot s;

        (void)st;
        build(&s);
        assert_int_equal(s.n_obj, 4);
        assert_string_equal(s.o_ext[0], "o1");
        assert_int_equal(s.o_person[0], eng_person_find(&s, "cfo"));
        assert_int_equal(s.o_person[1], ENG_NONE);
        /* o1: search, api and the unknown cap-ai; o2 lists search twice: kept once */
        assert_int_equal(s.o_need_off[1] - s.o_need_off[0], 3);
        assert_int_equal(s.o_need_cap[s.o_need_off[0] + 2], ENG_NONE);
        assert_string_equal(s.o_need_id[s.o_need_off[0] + 2], "cap-ai");
        assert_int_equal(s.o_need_off[2] - s.o_need_off[1], 1);
        assert_int_equal(s.o_need_off[4], 6);
        /* the bitmask of known capabilities is unchanged: search (0) and api (1) */
        assert_true(s.o_caps[0] == 3);
        eng_snapshot_release(&s);
}

static void test_fit_over_snapshot_splits_plan_and_product_gaps(void **st)
{
        struct eng_snapshot s;
        struct eng_fit_query q;
        struct eng_fit_view v;
        struct eng_fit_account_report r;
        struct eng_fit_under_row *rows;
        struct cxg_error e;
        struct cxg_buf b;
        size_t n;

        (void)st;
        build(&s);
        eng_fit_query_init(&q);
        q.at = AT;
        assert_int_equal(eng_fit_view_init(&v, &s, NULL, &q, &e), CXG_OK);
        assert_int_equal(eng_fit_account_report(&v, 0, &r, &e), CXG_OK);
        /* o3 is achieved: not counted by default */
        assert_int_equal(r.fit.n_objectives, 2);
        /* o1: search included and used, api included but unused (200 days ago), cap-ai missing
         * from the product: coverage 1/3, product gap, no plan gap */
        assert_float_equal(r.fit.objectives[0].coverage, 1.0 / 3, 1e-12);
        assert_true(r.fit.objectives[0].product_gap && !r.fit.objectives[0].plan_gap);
        assert_float_equal(r.fit.objectives[1].coverage, 1.0, 1e-12);
        assert_int_equal(r.fit.n_under, 1);
        /* Gold has 3 capabilities, 1 used; api and inbox unused at 300 / 3 = 100 each */
        assert_int_equal(r.fit.n_plan_caps, 3);
        assert_int_equal(r.fit.n_over, 2);
        assert_float_equal(r.fit.over_reach_mrr, 200, 1e-9);
        assert_float_equal(r.fit.over[0].price_share, 100, 1e-9);
        /* stakeholders: the CFO (executive) first, then the unassigned objective */
        assert_int_equal(r.n_stakeholders, 2);
        assert_int_equal(r.stakeholders[0].person, eng_person_find(&s, "cfo"));
        assert_int_equal(r.stakeholders[0].n_under, 1);
        assert_int_equal(r.stakeholders[1].person, ENG_FIT_NONE);
        cxg_buf_init(&b, 0);
        assert_int_equal(view_fit_account_json(&v, &r, &b), CXG_OK);
        assert_non_null(strstr(b.data, "{\"objective\":\"o1\",\"capability\":{\"id\":\"cap-ai\","
                                       "\"name\":null},\"gap\":\"product\"}"));
        assert_non_null(strstr(b.data, "\"person\":\"cfo\""));
        cxg_buf_release(&b);
        eng_fit_account_report_release(&r);
        /* A2 on Basic needs api, which only Gold has: a plan gap */
        assert_int_equal(eng_fit_under_list(&v, 0, &rows, &n, &e), CXG_OK);
        assert_int_equal(n, 2);
        assert_string_equal(s.o_ext[rows[0].objective], "o1");
        assert_true(rows[0].product_gap);
        assert_string_equal(s.o_ext[rows[1].objective], "o4");
        assert_true(rows[1].plan_gap && !rows[1].product_gap);
        cxg_buf_init(&b, 0);
        assert_int_equal(view_fit_under_json(&v, rows + 1, 1, &b), CXG_OK);
        assert_non_null(strstr(b.data, "\"missing\":[{\"id\":\"cap-api\",\"name\":\"cap-api\","
                                       "\"gap\":\"plan\"}]"));
        cxg_buf_release(&b);
        cxg_free(rows);
        eng_fit_view_release(&v);
        /* with every objective, o3 (inbox, in the plan, unused) counts: coverage 0 */
        q.all_objectives = 1;
        assert_int_equal(eng_fit_view_init(&v, &s, NULL, &q, &e), CXG_OK);
        assert_int_equal(eng_fit_account_report(&v, 0, &r, &e), CXG_OK);
        assert_int_equal(r.fit.n_objectives, 3);
        assert_float_equal(r.fit.coverage, (1.0 / 3 + 1 + 0) / 3, 1e-12);
        eng_fit_account_report_release(&r);
        eng_fit_view_release(&v);
        eng_snapshot_release(&s);
}

static void test_themes_over_snapshot_compares_detractors_with_promoters(void **st)
{
        struct eng_snapshot s;
        struct eng_themes_query q;
        struct eng_themes_report rep;
        struct cxg_error e;

        (void)st;
        build(&s);
        eng_themes_query_init(&q);
        q.cfg.min_docs = 1;
        assert_int_equal(eng_themes_snapshot(&s, NULL, &q, &rep, &e), CXG_OK);
        /* detractors: scores 2 and 3 with comments; promoters: the 10 (the 9 has none) */
        assert_int_equal(rep.n_docs, 3);
        assert_int_equal(rep.res.docs_a, 2);
        assert_int_equal(rep.res.docs_b, 1);
        assert_true(rep.res.n_a >= 1);
        assert_string_equal(rep.res.a[0].stem, "slow");
        assert_int_equal(rep.res.a[0].docs_a, 2);
        eng_themes_report_release(&rep);
        /* segment: account A2's comments against the rest */
        q.field = "account";
        q.value = "a2";
        assert_int_equal(eng_themes_snapshot(&s, NULL, &q, &rep, &e), CXG_OK);
        assert_int_equal(rep.res.docs_a, 1);
        assert_int_equal(rep.res.docs_b, 2);
        eng_themes_report_release(&rep);
        eng_snapshot_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_snapshot_keeps_comments_with_their_feedback_rows),
            cmocka_unit_test(test_snapshot_objectives_keep_person_and_every_needed_id),
            cmocka_unit_test(test_fit_over_snapshot_splits_plan_and_product_gaps),
            cmocka_unit_test(test_themes_over_snapshot_compares_detractors_with_promoters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
