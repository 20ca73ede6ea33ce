/*
 * test_gardens_impact.c: garden impact, experiments, rollouts and the demo seeding on generated
 * data with a planted garden effect (members retain 10 points better over 180 days), against
 * the same company generated without it (--control).
 */
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

#include "app/gardens.h"
#include "core/alloc.h"
#include "engine/gardens.h"
#include "engine/gardens_ledger.h"
#include "ingest/gen.h"
#include "store/store_gardens.h"
#include "testdb.h"

/* The use-case context of a step at time t (actor: the garden user passed to each call). */
static const struct app_ctx *at(struct store *s, int64_t t)
{
        static struct app_ctx c;

        c.st = s;
        c.actor = "test";
        c.token_id = 0;
        c.cfg = NULL;
        c.now = t;
        return &c;
}

struct world {
        char path[TESTDB_PATH_MAX];
        struct store *s;
        struct app_gardens_seed_summary seed;
        struct eng_garden_impact im;
};

static struct world treated, control;

static void remove_db(const char *path)
{
        char p[TESTDB_PATH_MAX + 16];

        unlink(path);
        snprintf(p, sizeof(p), "%s-wal", path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", path);
        unlink(p);
}

/* Scale 1 (about 2,000 accounts, 190 members), few interactions: under a second each. */
static void build(struct world *w, int ctl)
{
        struct gen_options o;
        struct eng_garden_panel p;
        struct cxg_error e;

        assert_int_equal(testdb_path(w->path, sizeof(w->path), "gimpact"), 0);
        unlink(w->path);
        cxg_error_clear(&e);
        if (store_open(w->path, 0, &w->s, &e))
                fail_msg("open: %s", e.msg);
        gen_options_init(&o);
        o.seed = 1;
        o.scale = 1;
        o.activity = 0.05;
        o.control = ctl;
        if (gen_run(w->s, &o, NULL, NULL, &e))
                fail_msg("generate: %s", e.msg);
        if (app_gardens_seed_demo(at(w->s, 0), &w->seed, &e))
                fail_msg("seed-demo: %s", e.msg);
        eng_garden_panel_init(&p);
        if (eng_garden_panel_load(&p, w->s, "currency", 0, &e) ||
            eng_garden_impact(&p, 3, &w->im, &e))
                fail_msg("impact: %s", e.msg);
        eng_garden_panel_release(&p);
}

static int setup(void **state)
{
        (void)state;
        build(&treated, 0);
        build(&control, 1);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        store_close(treated.s);
        store_close(control.s);
        remove_db(treated.path);
        remove_db(control.path);
        return 0;
}

static void test_planted_retention_effect_is_inside_the_interval(void **state)
{
        const struct eng_garden_est *r = &treated.im.ret_180;

        (void)state;
        print_message("treated: 180-day retention %+.1f points [%+.1f, %+.1f], %lld members, "
                      "%lld comparison accounts\n",
                      100 * r->diff, 100 * r->lo, 100 * r->hi,
                      (long long)treated.im.members_matched,
                      (long long)treated.im.comparison_accounts);
        /* with ~190 members the interval is about +-4 points: 10 inside, 0 well outside */
        assert_true(treated.im.members_matched >= 150);
        assert_true(treated.im.comparison_accounts >= 1000);
        assert_true(r->lo > 0);
        assert_true(r->lo <= 0.10 && 0.10 <= r->hi);
        assert_true(r->hi - r->lo < 0.12);
        assert_true(r->v1 > 0.85 && r->v1 < 1.0);
}

static void test_no_effect_is_found_where_none_was_planted(void **state)
{
        const struct eng_garden_est *c = &control.im.ret_180, *t = &treated.im.ret_180;

        (void)state;
        print_message("control: 180-day retention %+.1f points [%+.1f, %+.1f]\n", 100 * c->diff,
                      100 * c->lo, 100 * c->hi);
        /* the same company without the effect: near zero, and the interval covers 0 */
        assert_true(fabs(c->diff) < 0.05);
        assert_true(c->lo <= 0 && 0 <= c->hi);
        /* the planted company's estimate exceeds it by about the planted 10 points */
        assert_true(t->diff - c->diff > 0.05 && t->diff - c->diff < 0.15);
}

static void test_money_and_sizes_are_reported(void **state)
{
        const struct eng_garden_impact *im = &treated.im;
        double total = 0;

        (void)state;
        assert_true(im->members >= im->members_observed);
        assert_true(im->members_observed >= im->members_matched);
        assert_true(im->n_money >= 1);
        for (size_t k = 0; k < im->n_money; k++) {
                assert_true(im->money[k].members > 0);
                assert_true(im->money[k].members_mrr > 0);
                total += im->money[k].retained.diff;
        }
        /* retained MRR is positive where retention improved, and below members' MRR */
        assert_true(total > 0);
        assert_true(im->ret_90.diff < im->ret_180.diff + 0.05);
        assert_false(isnan(im->mrr_change.diff));
}

struct states {
        int n[IDEA__COUNT];
        int64_t garden;
};

static enum cxg_err count_states(void *ctx, const struct store_idea_row *i)
{
        struct states *s = ctx;

        s->n[i->state]++;
        return CXG_OK;
}

static enum cxg_err count_gardens(void *ctx, const struct store_garden_row *g)
{
        struct states *s = ctx;
        struct states per = {0};
        struct cxg_error e;

        cxg_error_clear(&e);
        if (store_idea_list(treated.s, g->id, -1, count_states, &per, &e))
                return CXG_ERR_INTERNAL;
        for (int k = 0; k < IDEA__COUNT; k++) {
                if (per.n[k] < 1)
                        fail_msg("garden %s has no idea in state %s", g->g.key,
                                 model_idea_state_name(k));
                s->n[k] += per.n[k];
        }
        assert_true(g->members > 20);
        s->garden++;
        return CXG_OK;
}

static void test_seed_makes_three_gardens_with_ideas_in_every_state(void **state)
{
        struct states s = {0};
        struct cxg_error e;
        struct eng_garden_board b;
        struct eng_garden_trend t;

        (void)state;
        cxg_error_clear(&e);
        assert_int_equal(treated.seed.gardens, 3);
        assert_int_equal(treated.seed.ideas, 21);
        assert_int_equal(treated.seed.rollouts, 3);
        assert_int_equal(store_garden_list(treated.s, count_gardens, &s, &e), CXG_OK);
        assert_int_equal(s.garden, 3);
        /* ledger: every group contributed, the totals agree */
        eng_garden_board_init(&b);
        assert_int_equal(eng_garden_leaderboard(treated.s, 0, ENG_GARDEN_BY_GROUP, CXG_TS_NONE,
                                                CXG_TS_NONE, &b, &e),
                         CXG_OK);
        assert_int_equal(b.n, 3);
        assert_int_equal(b.total_entries, treated.seed.ledger_entries);
        eng_garden_trend_init(&t);
        assert_int_equal(eng_garden_support_trend(treated.s, 0, &t, &e), CXG_OK);
        assert_int_equal(t.total[0] + t.total[1] + t.total[2], b.total_points);
        for (int g = 0; g < ENG_GARDEN_GROUP__COUNT; g++)
                assert_true(t.total[g] > 0);
        eng_garden_trend_release(&t);
        eng_garden_board_release(&b);
        /* seeding twice is refused and writes nothing */
        {
                struct app_gardens_seed_summary again;

                assert_int_equal(app_gardens_seed_demo(at(treated.s, 0), &again, &e),
                                 CXG_ERR_CONFLICT);
        }
}

static void test_rollout_report_compares_segment_with_the_rest(void **state)
{
        struct eng_garden_panel p;
        struct eng_garden_rollout r;
        struct cxg_error e;
        int64_t *ids = NULL, at;
        size_t n = 0;

        (void)state;
        cxg_error_clear(&e);
        eng_garden_panel_init(&p);
        assert_int_equal(eng_garden_panel_load(&p, treated.s, "", 0, &e), CXG_OK);
        at = p.end - 200 * INT64_C(86400);
        assert_int_equal(
            eng_garden_segment_accounts(&p, treated.s, "plan=Premium", at, &ids, &n, &e), CXG_OK);
        assert_true(n > 50);
        assert_int_equal(
            eng_garden_rollout_report(&p, ids, n, GARDEN_METRIC_RETENTION_90, at, 90, &r, &e),
            CXG_OK);
        assert_int_equal(r.seg_accounts, (int64_t)n);
        assert_true(r.rest_accounts > r.seg_accounts);
        /* change and difference in differences are the differences of the four means */
        assert_true(fabs(r.seg_change.diff - (r.seg_after.v1 - r.seg_before.v1)) < 1e-12);
        assert_true(fabs(r.did.diff - (r.seg_change.diff - r.rest_change.diff)) < 1e-12);
        assert_true(r.did.lo < r.did.diff && r.did.diff < r.did.hi);
        cxg_free(ids);
        eng_garden_panel_release(&p);
}

/* ---- a hand-computed case ---- */

#define D(y, m, d) (cxg_days_from_civil(y, m, d) * INT64_C(86400))

static void add_account(struct store *s, const char *id, double mrr, int64_t churned)
{
        struct account a;
        struct person p;
        struct subscription sub;
        char pid[16];
        struct cxg_error e;

        cxg_error_clear(&e);
        model_account_init(&a);
        a.id = id;
        a.plan = "Pro";
        a.currency = "USD";
        a.mrr = mrr;
        a.created_at = D(2023, 1, 1);
        a.churned_at = churned;
        if (store_put_account(s, &a, NULL, NULL, &e))
                fail_msg("account: %s", e.msg);
        model_subscription_init(&sub);
        sub.account_id = id;
        sub.plan = "Pro";
        sub.mrr = mrr;
        sub.started_at = D(2023, 1, 1);
        sub.ended_at = churned;
        if (store_put_subscription(s, &sub, NULL, NULL, &e))
                fail_msg("subscription: %s", e.msg);
        snprintf(pid, sizeof(pid), "p-%s", id);
        model_person_init(&p);
        p.id = pid;
        p.account_id = id;
        p.role = "CEO";
        if (store_put_person(s, &p, NULL, NULL, &e))
                fail_msg("person: %s", e.msg);
}

/*
 * Two members joined 2024-03-15 (M1 stays, M2 churns after 108 days); never-members C1 stays,
 * C2 churns after 17 days, C3 after 139 days, C4 before the joining (not comparable). All on
 * Pro with no activity before: one band. Per member the stratum is (1 member, 3 comparables).
 * 180 days: strata (n1 x1 n0 x0) = (1 1 3 1), (1 0 3 1): D = (2/4 - 1/4) / (3/4 + 3/4) = 1/6;
 * Sato: P = (1 - 9 + 3)/16 + (1 - 0 + 3)/16 = -1/16, Q = 2/8 + 1/8 = 3/8,
 * var = (D P + Q) / W^2 = (-1/96 + 3/8) / 2.25 = 0.1620370.
 * 90 days: (1 1 3 2) twice: D = (2 * 1/4) / 1.5 = 1/3.
 * MRR retained: z = 100 (1 - 1/3) and 50 (0 - 1/3): total 50, se = sqrt(2 var(z)) = 83.333.
 * MRR change: stratum means 0 vs -2/3 and -1 vs -2/3, equal weights: D = 1/6.
 */
static void test_impact_hand_computed(void **state)
{
        char path[TESTDB_PATH_MAX];
        struct store *s = NULL;
        struct cxg_error e;
        struct garden_actor ana;
        struct garden g;
        struct garden_member m = {.role = GARDEN_MROLE_CUSTOMER, .status = GARDEN_ST_INVITED};
        struct eng_garden_panel p;
        struct eng_garden_impact im;
        struct store_interaction row;
        int64_t gid, pid, aid, j = D(2024, 3, 15);
        int32_t type;

        (void)state;
        assert_int_equal(testdb_path(path, sizeof(path), "ghand"), 0);
        unlink(path);
        cxg_error_clear(&e);
        assert_int_equal(store_open(path, 0, &s, &e), CXG_OK);
        add_account(s, "M1", 100, CXG_TS_NONE);
        add_account(s, "M2", 50, D(2024, 7, 1));
        add_account(s, "C1", 80, CXG_TS_NONE);
        add_account(s, "C2", 80, D(2024, 4, 1));
        add_account(s, "C3", 80, D(2024, 8, 1));
        add_account(s, "C4", 80, D(2024, 1, 1));
        /* the data reaches 2025-01-01 */
        assert_int_equal(store_type_id(s, "login", 5, &type, &e), CXG_OK);
        assert_int_equal(store_person_ref(s, "p-C1", 4, &pid, &aid, &e), CXG_OK);
        memset(&row, 0, sizeof(row));
        row.person_id = pid;
        row.account_id = aid;
        row.ts = D(2025, 1, 1);
        row.duration_ms = -1;
        row.value = NAN;
        row.type_id = type;
        assert_int_equal(store_put_interactions(s, &row, 1, NULL, NULL, &e), CXG_OK);
        assert_int_equal(store_garden_user_ensure(s, "ana", "analyst", NULL, j, NULL, &e), CXG_OK);
        assert_int_equal(store_garden_actor(s, "ana", &ana, &e), CXG_OK);
        model_garden_init(&g);
        g.key = "g";
        g.name = "G";
        g.topic = GARDEN_TOPIC_CONTEXT;
        assert_int_equal(app_garden_create(at(s, j), &ana, &g, &gid, &e), CXG_OK);
        m.person = "p-M1";
        assert_int_equal(app_member_add(at(s, j - 86400), &ana, gid, &m, NULL, &e), CXG_OK);
        assert_int_equal(
            app_member_status(at(s, j), &ana, gid, "p-M1", NULL, GARDEN_ST_ACCEPTED, &e), CXG_OK);
        m.person = "p-M2";
        assert_int_equal(app_member_add(at(s, j - 86400), &ana, gid, &m, NULL, &e), CXG_OK);
        assert_int_equal(
            app_member_status(at(s, j), &ana, gid, "p-M2", NULL, GARDEN_ST_ACCEPTED, &e), CXG_OK);
        eng_garden_panel_init(&p);
        assert_int_equal(eng_garden_panel_load(&p, s, "currency", gid, &e), CXG_OK);
        assert_int_equal(eng_garden_impact(&p, 3, &im, &e), CXG_OK);
        assert_int_equal(im.members, 2);
        assert_int_equal(im.members_matched, 2);
        assert_int_equal(im.comparison_accounts, 3);
        assert_true(fabs(im.ret_180.diff - 1.0 / 6) < 1e-9);
        assert_true(fabs(im.ret_180.se - sqrt((-1.0 / 96 + 3.0 / 8) / 2.25)) < 1e-9);
        assert_true(fabs(im.ret_180.v1 - 0.5) < 1e-9 && fabs(im.ret_180.v0 - 1.0 / 3) < 1e-9);
        assert_true(fabs(im.ret_90.diff - 1.0 / 3) < 1e-9);
        assert_true(fabs(im.mrr_change.diff - 1.0 / 6) < 1e-9);
        assert_int_equal(im.n_money, 1);
        assert_string_equal(im.money[0].currency, "USD");
        assert_true(fabs(im.money[0].members_mrr - 150) < 1e-9);
        assert_true(fabs(im.money[0].retained.diff - 50) < 1e-9);
        assert_true(fabs(im.money[0].retained.se - 250.0 / 3) < 1e-6);
        eng_garden_panel_release(&p);
        store_close(s);
        remove_db(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_planted_retention_effect_is_inside_the_interval),
            cmocka_unit_test(test_no_effect_is_found_where_none_was_planted),
            cmocka_unit_test(test_money_and_sizes_are_reported),
            cmocka_unit_test(test_seed_makes_three_gardens_with_ideas_in_every_state),
            cmocka_unit_test(test_rollout_report_compares_segment_with_the_rest),
            cmocka_unit_test(test_impact_hand_computed),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
