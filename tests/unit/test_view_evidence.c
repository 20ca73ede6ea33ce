/*
 * test_view_evidence.c: the stored JSON of each detector's evidence, byte for byte: key
 * order, 10 significant digits, null for unknown numbers, dates and names, and the keys that
 * appear only for some metrics or signals. The text is what the alerts table holds, so a
 * change here is a change of the stored format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "app/view_evidence.h"
#include "core/alloc.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "model/model.h"

static int64_t date(int y, unsigned m, unsigned d)
{
        return cxg_days_from_civil(y, m, d) * CXG_DAY;
}

static void assert_evidence(const struct eng_alert *a, const char *want)
{
        char *got = view_evidence_text(a);

        assert_non_null(got);
        assert_string_equal(got, want);
        cxg_free(got);
}

static struct eng_alert alert(int kind)
{
        struct eng_alert a;

        memset(&a, 0, sizeof(a));
        a.kind = kind;
        a.has_evidence = 1;
        return a;
}

static void test_evidence_of_wave_keeps_keys_digits_and_nulls(void **state)
{
        struct eng_ev_period periods[] = {{28, 1, 0}, {34, 3, 0}};
        struct eng_alert a = alert(ENG_ALERT_DOWNGRADE_WAVE);
        struct eng_ev_wave *e = &a.ev.wave;

        (void)state;
        e->field = "plan";
        e->value = "Free";
        e->window_start = date(2025, 5, 2);
        e->window_days = 30;
        e->accounts = 34;
        e->events = 3;
        e->rate = 3.0 / 34;
        e->historical_rate = 9.0 / 176;
        e->historical_events = 9;
        e->historical_exposure = 176;
        e->ratio = INFINITY; /* no history of the event: JSON has no infinity */
        e->z = 0.5;
        e->p = 0.25;
        e->p_adjusted = 1.0 / 3;
        e->cancellations = 3;
        e->periods = periods;
        e->n_periods = 2;
        assert_evidence(&a, "{\"field\":\"plan\",\"value\":\"Free\",\"event\":\"cancellation\","
                            "\"window_start\":\"2025-05-02\",\"window_days\":30.0,\"accounts\":34,"
                            "\"events\":3,\"rate\":0.08823529412,\"historical_rate\":0.05113636364,"
                            "\"historical_events\":9,\"historical_exposure\":176,\"ratio\":null,"
                            "\"z\":0.5,\"p\":0.25,\"p_adjusted\":0.3333333333,\"cancellations\":3,"
                            "\"downgrades\":0,\"periods\":[{\"accounts\":28,\"cancellations\":1,"
                            "\"downgrades\":0},{\"accounts\":34,\"cancellations\":3,"
                            "\"downgrades\":0}]}");
        e->downgrade = 1;
        e->n_periods = 0;
        e->periods = NULL;
        {
                char *got = view_evidence_text(&a);

                assert_non_null(strstr(got, "\"event\":\"downgrade\""));
                assert_non_null(strstr(got, "\"periods\":[]}"));
                cxg_free(got);
        }
}

static void test_evidence_of_account_at_risk_names_each_signal(void **state)
{
        struct eng_ev_signal sig[5];
        struct eng_alert a = alert(ENG_ALERT_AT_RISK);
        struct eng_ev_at_risk *e = &a.ev.at_risk;

        (void)state;
        memset(sig, 0, sizeof(sig));
        sig[0].signal = ENG_SIG_HEALTH_DROP;
        sig[0].u.health.before = 60;
        sig[0].u.health.now = 40;
        sig[0].u.health.drop = 20;
        sig[1].signal = ENG_SIG_EXECUTIVE_LEFT;
        sig[1].u.person.person = "p1";
        sig[1].u.person.name = "Bo";
        sig[1].u.person.seniority = CXG_SEN_EXECUTIVE;
        sig[1].u.person.champion = 1;
        sig[1].u.person.interactions_prior = 7;
        sig[1].u.person.last_active = date(2026, 5, 1);
        sig[1].u.person.left_at = date(2026, 5, 20);
        sig[2].signal = ENG_SIG_CHAMPION_SILENT;
        sig[2].u.person.person = "p2";
        sig[2].u.person.role = "buyer";
        sig[2].u.person.seniority = CXG_SEN_MANAGER;
        sig[2].u.person.champion = 1;
        sig[2].u.person.interactions_prior = 4;
        sig[2].u.person.last_active = CXG_TS_NONE;
        sig[2].u.person.left_at = date(2026, 5, 20); /* not shown: silent, not left */
        sig[3].signal = ENG_SIG_SENIOR_DETRACTOR;
        sig[3].u.detractor.person = "";
        sig[3].u.detractor.seniority = CXG_SEN_DIRECTOR;
        sig[3].u.detractor.kind = CXG_FB_NPS;
        sig[3].u.detractor.score = 3;
        sig[3].u.detractor.at = date(2026, 5, 25);
        sig[4].signal = ENG_SIG_DOWNGRADE;
        sig[4].u.downgrade.mrr_before = 200;
        sig[4].u.downgrade.mrr = 100.5;
        sig[4].u.downgrade.plan_before = "Premium";
        sig[4].u.downgrade.at = date(2026, 5, 26);
        e->account = "A1";
        e->owner = "ana";
        e->plan = "Pro";
        e->mrr = 100.5;
        e->health = 40;
        e->health_before = NAN;
        e->window_days = 30;
        e->weight = 9;
        e->signals = sig;
        e->n_signals = 5;
        assert_evidence(
            &a,
            "{\"account\":\"A1\",\"name\":null,\"owner\":\"ana\",\"plan\":\"Pro\",\"mrr\":100.5,"
            "\"health\":40.0,\"health_before\":null,\"window_days\":30.0,\"weight\":9,"
            "\"signals\":[{\"signal\":\"health_drop\",\"before\":60.0,\"now\":40.0,"
            "\"drop\":20.0},{\"signal\":\"executive_left\",\"person\":\"p1\",\"name\":\"Bo\","
            "\"role\":null,\"seniority\":\"executive\",\"champion\":true,"
            "\"interactions_prior\":7,\"last_active\":\"2026-05-01\","
            "\"left_at\":\"2026-05-20\"},{\"signal\":\"champion_silent\",\"person\":\"p2\","
            "\"name\":null,\"role\":\"buyer\",\"seniority\":\"manager\",\"champion\":true,"
            "\"interactions_prior\":4,\"last_active\":null},{\"signal\":\"senior_detractor\","
            "\"person\":\"\",\"name\":null,\"seniority\":\"director\",\"kind\":\"nps\","
            "\"score\":3.0,\"at\":\"2026-05-25\"},{\"signal\":\"downgrade\","
            "\"mrr_before\":200.0,\"mrr\":100.5,\"plan_before\":\"Premium\",\"plan\":null,"
            "\"at\":\"2026-05-26\"}]}");
}

static void test_evidence_of_erosion_shows_losses_and_rest_only_when_known(void **state)
{
        struct eng_ev_topline tops[] = {{"mrr", 100, 125, 0.25}, {"customers", 0, 3, NAN}};
        struct eng_ev_erosion_metric m[2];
        struct eng_alert a = alert(ENG_ALERT_EROSION);
        struct eng_ev_erosion *e = &a.ev.erosion;

        (void)state;
        memset(m, 0, sizeof(m));
        m[0].metric = ENG_ERO_RETENTION;
        m[0].before = 0.97;
        m[0].after = 0.94;
        m[0].change = 0.94 / 0.97 - 1;
        m[0].lost_before = 1 - 0.97;
        m[0].lost_after = 1 - 0.94;
        m[0].n_before = 200;
        m[0].n_after = 190;
        m[0].z = -2;
        m[0].p = 0.02;
        m[0].p_adjusted = 0.04;
        m[1].metric = ENG_ERO_ENGAGEMENT;
        m[1].before = 8;
        m[1].after = 4.5;
        m[1].change = -0.4375;
        m[1].has_rest = 1;
        m[1].rest_before = 6;
        m[1].rest_after = 6;
        m[1].rest_change = 0;
        m[1].relative_to_rest = -0.4375;
        m[1].n_before = m[1].n_after = 40;
        m[1].z = -5;
        m[1].p = 1e-7;
        m[1].p_adjusted = 4e-7;
        e->field = "seniority";
        e->value = "executive";
        e->before_start = date(2026, 1, 1);
        e->after_start = date(2026, 4, 1);
        e->end = date(2026, 6, 30);
        e->days = 90;
        e->top_line = tops[0];
        e->top_lines = tops;
        e->n_top_lines = 2;
        e->metrics = m;
        e->n_metrics = 2;
        e->tests = 4;
        e->correction = ENG_CORR_BH;
        e->alpha = 0.01;
        assert_evidence(
            &a,
            "{\"segment\":{\"field\":\"seniority\",\"value\":\"executive\"},\"window\":"
            "{\"before_start\":\"2026-01-01\",\"after_start\":\"2026-04-01\",\"end\":\"2026-06-"
            "30\","
            "\"days\":90.0},\"top_line\":{\"metric\":\"mrr\",\"before\":100.0,\"after\":125.0,"
            "\"growth\":0.25},\"top_lines\":[{\"metric\":\"mrr\",\"before\":100.0,\"after\":125.0,"
            "\"growth\":0.25},{\"metric\":\"customers\",\"before\":0.0,\"after\":3.0,"
            "\"growth\":null}],\"metrics\":[{\"metric\":\"retention\",\"unit\":\"retained share\","
            "\"before\":0.97,\"after\":0.94,\"change\":-0.03092783505,\"lost_before\":0.03,"
            "\"lost_after\":0.06,\"test\":\"two-proportion z\",\"n_before\":200,\"n_after\":190,"
            "\"z\":-2.0,\"p\":0.02,\"p_adjusted\":0.04},{\"metric\":\"engagement\","
            "\"unit\":\"interactions per person\",\"before\":8.0,\"after\":4.5,\"change\":-0.4375,"
            "\"rest\":{\"before\":6.0,\"after\":6.0,\"change\":0.0},\"relative_to_rest\":-0.4375,"
            "\"test\":\"paired z on per-person change\",\"n_before\":40,\"n_after\":40,"
            "\"z\":-5.0,\"p\":1e-7,\"p_adjusted\":4e-7}],\"tests\":4,\"correction\":\"bh\","
            "\"alpha\":0.01}");
}

static void test_evidence_of_experience_reports_baseline_current_and_weeks(void **state)
{
        struct eng_ev_week weeks[] = {{0, 40, 900, 5000, 0.025}, {0, 50, 1000, NAN, 0.1}};
        struct eng_exposure acc[] = {{"A1", "Acme", 12, 30}, {"A2", NULL, 3, 9}};
        struct eng_alert a = alert(ENG_ALERT_EXPERIENCE);
        struct eng_ev_experience *e = &a.ev.experience;

        (void)state;
        weeks[0].week = date(2026, 5, 11);
        weeks[1].week = date(2026, 5, 18);
        e->interaction_type = "call";
        e->first_week = weeks[0].week;
        e->weeks_drifting = 2;
        e->base_p50_ms = 400;
        e->base_p95_ms = 1200;
        e->base_failure_rate = 0.02;
        e->base_p95_sigma_ms = 60;
        e->base_failure_sigma = 0.005;
        e->current = weeks[1];
        e->z_p95 = NAN;
        e->z_failure = 16;
        e->on_failure = 1;
        e->weeks = weeks;
        e->n_weeks = 2;
        e->exposed = acc;
        e->n_exposed = 2;
        e->slow_threshold_ms = 1200;
        assert_evidence(
            &a, "{\"interaction_type\":\"call\",\"first_week\":\"2026-05-11\",\"weeks_drifting\":2,"
                "\"baseline\":{\"p50_ms\":400.0,\"p95_ms\":1200.0,\"failure_rate\":0.02,"
                "\"p95_sigma_ms\":60.0,\"failure_sigma\":0.005},\"current\":{\"week\":"
                "\"2026-05-18\",\"p50_ms\":1000.0,\"p95_ms\":null,\"failure_rate\":0.1,"
                "\"interactions\":50,\"z_p95\":null,\"z_failure\":16.0},\"drifting\":"
                "\"failure_rate\",\"weeks\":[{\"week\":\"2026-05-11\",\"interactions\":40,"
                "\"p50_ms\":900.0,\"p95_ms\":5000.0,\"failure_rate\":0.025},{\"week\":"
                "\"2026-05-18\",\"interactions\":50,\"p50_ms\":1000.0,\"p95_ms\":null,"
                "\"failure_rate\":0.1}],\"accounts_most_exposed\":[{\"account\":\"A1\",\"name\":"
                "\"Acme\",\"bad\":12,\"interactions\":30},{\"account\":\"A2\",\"name\":null,"
                "\"bad\":3,\"interactions\":9}],\"slow_threshold_ms\":1200.0}");
        e->on_p95 = 1;
        e->slow_threshold_ms = INFINITY;
        {
                char *got = view_evidence_text(&a);

                assert_non_null(strstr(got, "\"drifting\":\"p95,failure_rate\""));
                assert_non_null(strstr(got, "\"slow_threshold_ms\":null}"));
                cxg_free(got);
        }
}

static void test_alert_without_evidence_stores_an_empty_object(void **state)
{
        struct eng_alert a = alert(ENG_ALERT_AT_RISK);

        (void)state;
        a.has_evidence = 0;
        assert_evidence(&a, "{}");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_evidence_of_wave_keeps_keys_digits_and_nulls),
            cmocka_unit_test(test_evidence_of_account_at_risk_names_each_signal),
            cmocka_unit_test(test_evidence_of_erosion_shows_losses_and_rest_only_when_known),
            cmocka_unit_test(test_evidence_of_experience_reports_baseline_current_and_weeks),
            cmocka_unit_test(test_alert_without_evidence_stores_an_empty_object),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
