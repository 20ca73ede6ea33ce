/* test_model.c: enumerations, seniority from titles and entity validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "model/model.h"
#include "core/banned.h"

static int sen(const char *title)
{
        return (int)model_seniority_from_title(title, strlen(title));
}

static void test_seniority_from_common_titles(void **state)
{
        (void)state;
        assert_int_equal(sen("CEO"), CXG_SEN_EXECUTIVE);
        assert_int_equal(sen("Chief Financial Officer"), CXG_SEN_EXECUTIVE);
        assert_int_equal(sen("VP Sales"), CXG_SEN_EXECUTIVE);
        assert_int_equal(sen("Vice President, Engineering"), CXG_SEN_EXECUTIVE);
        assert_int_equal(sen("Co-Founder"), CXG_SEN_EXECUTIVE);
        assert_int_equal(sen("Head of Talent"), CXG_SEN_DIRECTOR);
        assert_int_equal(sen("Director of Recruiting"), CXG_SEN_DIRECTOR);
        assert_int_equal(sen("Recruiting Manager"), CXG_SEN_MANAGER);
        assert_int_equal(sen("Team Lead"), CXG_SEN_MANAGER);
        assert_int_equal(sen("Recruiter"), CXG_SEN_INDIVIDUAL);
        assert_int_equal(sen("Executive Assistant to the CEO"), CXG_SEN_INDIVIDUAL);
        assert_int_equal(sen("Data Analyst"), CXG_SEN_INDIVIDUAL);
        assert_int_equal(sen("   "), CXG_SEN_UNKNOWN);
        /* words, not substrings: "vp" inside another word does not count */
        assert_int_equal(sen("Developer"), CXG_SEN_INDIVIDUAL);
        assert_int_equal(sen("Headhunter"), CXG_SEN_INDIVIDUAL);
}

static void test_enum_names_parse_back(void **state)
{
        (void)state;
        for (int c = 0; c < CXG_CH__COUNT; c++) {
                const char *n = model_channel_name(c);

                assert_int_equal(model_channel_parse(n, strlen(n)), c);
        }
        assert_int_equal(model_channel_parse("Support", 7), CXG_CH_SUPPORT);
        assert_int_equal(model_channel_parse("fax", 3), -1);
        assert_int_equal(model_outcome_parse("FAILED", 6), CXG_OUT_FAILED);
        assert_int_equal(model_outcome_parse("success", 7), CXG_OUT_OK);
        assert_int_equal(model_outcome_parse("", 0), -1);
        assert_int_equal(model_fb_kind_parse("NPS", 3), CXG_FB_NPS);
        assert_int_equal(model_seniority_parse("director", 8), CXG_SEN_DIRECTOR);
}

static void test_account_validation_names_the_field(void **state)
{
        struct account a;
        struct cxg_error e;

        (void)state;
        model_account_init(&a);
        assert_int_equal(model_account_validate(&a, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "id");
        a.id = "A1";
        assert_int_equal(model_account_validate(&a, &e), CXG_OK);
        a.mrr = -5;
        assert_int_equal(model_account_validate(&a, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "mrr");
        a.mrr = 10;
        a.currency = "EURO";
        assert_int_equal(model_account_validate(&a, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "currency");
        a.currency = "EUR";
        a.created_at = 1000;
        a.churned_at = 500;
        assert_int_equal(model_account_validate(&a, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "churned_at");
}

static void test_person_email_validation(void **state)
{
        static const char *const bad[] = {"bob@",     "@x.com",    "bob",    "a@b",
                                          "a@@b.com", "a b@c.com", "a@.com", "a@b.com."};
        struct person p;
        struct cxg_error e;

        (void)state;
        model_person_init(&p);
        p.id = "P1";
        p.account_id = "A1";
        p.email = "bob@example.com";
        assert_int_equal(model_person_validate(&p, &e), CXG_OK);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                p.email = bad[i];
                assert_int_equal(model_person_validate(&p, &e), CXG_ERR_INVALID);
                assert_string_equal(e.field, "email");
        }
}

static void test_feedback_score_ranges_per_kind(void **state)
{
        struct feedback f;
        struct cxg_error e;

        (void)state;
        model_feedback_init(&f);
        f.person_id = "P1";
        f.ts = 0;
        f.kind = CXG_FB_NPS;
        f.score = 10;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_OK);
        f.score = 11;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "score");
        assert_non_null(strstr(e.msg, "from 0 to 10"));
        f.kind = CXG_FB_CSAT;
        f.score = 0;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_ERR_INVALID);
        f.score = 4.5;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_ERR_INVALID);
        f.kind = CXG_FB_CES;
        f.score = 7;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_OK);
        f.score = NAN;
        assert_int_equal(model_feedback_validate(&f, &e), CXG_ERR_INVALID);
}

static void test_interaction_requires_person_ts_and_type(void **state)
{
        struct interaction i;
        struct cxg_error e;

        (void)state;
        model_interaction_init(&i);
        assert_int_equal(model_interaction_validate(&i, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "person_id");
        i.person_id = "P1";
        assert_int_equal(model_interaction_validate(&i, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "ts");
        i.ts = 1;
        assert_int_equal(model_interaction_validate(&i, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "type");
        i.type = "login";
        assert_int_equal(model_interaction_validate(&i, &e), CXG_OK);
        i.duration_ms = -5;
        assert_int_equal(model_interaction_validate(&i, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "duration_ms");
}

static void test_objective_importance_range(void **state)
{
        struct objective o;
        struct cxg_error e;

        (void)state;
        model_objective_init(&o);
        o.id = "O1";
        o.account_id = "A1";
        o.title = "hire 5 engineers";
        assert_int_equal(model_objective_validate(&o, &e), CXG_OK);
        o.importance = 6;
        assert_int_equal(model_objective_validate(&o, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "importance");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_seniority_from_common_titles),
            cmocka_unit_test(test_enum_names_parse_back),
            cmocka_unit_test(test_account_validation_names_the_field),
            cmocka_unit_test(test_person_email_validation),
            cmocka_unit_test(test_feedback_score_ranges_per_kind),
            cmocka_unit_test(test_interaction_requires_person_ts_and_type),
            cmocka_unit_test(test_objective_importance_range),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
