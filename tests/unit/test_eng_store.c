/*
 * test_eng_store.c: the engine against a real store: a full load, an incremental refresh
 * that appends to the delta segment and later merges, the engine object's lock protocol, and
 * the score history round trip used for trends.
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

#include "engine/engine.h"
#include "store/store.h"
#include "store/store_scores.h"
#include "testdb.h"

#define AT INT64_C(1782777600) /* 2026-06-30 */
#define DAYS 86400

static char path[TESTDB_PATH_MAX];

static struct store *open_db(void)
{
        struct store *s = NULL;
        struct cxg_error e;

        assert_int_equal(testdb_path(path, sizeof(path), "eng_store"), 0);
        unlink(path);
        assert_int_equal(store_open(path, 0, &s, &e), CXG_OK);
        return s;
}

static void close_db(struct store *s)
{
        char p[TESTDB_PATH_MAX + 16];

        store_close(s);
        unlink(path);
        snprintf(p, sizeof(p), "%s-wal", path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", path);
        unlink(p);
}

static void seed(struct store *s, int64_t *pid, int64_t *aid, int32_t *tid)
{
        struct account a;
        struct person p;
        struct cxg_error e;

        model_account_init(&a);
        a.id = "A1";
        a.plan = "Pro";
        a.mrr = 99;
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_account(s, &a, aid, NULL, &e), CXG_OK);
        model_person_init(&p);
        p.id = "P1";
        p.account_id = "A1";
        p.role = "CFO";
        assert_int_equal(store_put_person(s, &p, pid, NULL, &e), CXG_OK);
        assert_int_equal(store_type_id(s, "login", 5, tid, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
}

static void add_rows(struct store *s, int64_t pid, int64_t aid, int32_t tid, int n, int64_t t0)
{
        struct store_interaction *r = calloc((size_t)n, sizeof(*r));
        struct cxg_error e;
        size_t ins = 0, upd = 0;

        assert_non_null(r);
        for (int k = 0; k < n; k++) {
                r[k].person_id = pid;
                r[k].account_id = aid;
                r[k].ts = t0 - k * 3600;
                r[k].duration_ms = -1;
                r[k].value = NAN;
                r[k].type_id = tid;
                r[k].channel = CXG_CH_WEB;
        }
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_interactions(s, r, (size_t)n, &ins, &upd, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(ins, (size_t)n);
        free(r);
}

static void test_refresh_appends_then_merges(void **st)
{
        struct store *s = open_db();
        struct eng_engine eng;
        struct cxg_error e;
        int64_t pid, aid;
        int32_t tid;
        float before;

        (void)st;
        seed(s, &pid, &aid, &tid);
        add_rows(s, pid, aid, tid, 100, AT);
        assert_int_equal(eng_engine_open(&eng, s, NULL, AT, 2, &e), CXG_OK);
        assert_int_equal(eng.snap.main.n, 100);
        before = eng.scores.acc[0].engagement;
        /* 3 new rows: 3% of main stay in the delta */
        add_rows(s, pid, aid, tid, 3, AT - 10);
        assert_int_equal(eng_engine_refresh(&eng, s, &e), CXG_OK);
        assert_int_equal(eng.snap.main.n, 100);
        assert_int_equal(eng.snap.delta.n, 3);
        assert_true(eng.scores.acc[0].engagement > before);
        /* 10 more: past 5%, merged */
        add_rows(s, pid, aid, tid, 10, AT - 20);
        assert_int_equal(eng_engine_refresh(&eng, s, &e), CXG_OK);
        assert_int_equal(eng.snap.main.n, 113);
        assert_int_equal(eng.snap.delta.n, 0);
        for (size_t j = 1; j < eng.snap.main.n; j++)
                assert_true(eng.snap.main.ts[j - 1] <= eng.snap.main.ts[j]);
        /* a new account with a new person: appended, grouped and scored after a refresh */
        {
                struct account a2;
                struct person p2;
                int64_t aid2, pid2;
                uint32_t ai;

                model_account_init(&a2);
                a2.id = "A2";
                a2.plan = "Premium";
                model_person_init(&p2);
                p2.id = "P2";
                p2.account_id = "A2";
                p2.role = "VP Sales";
                assert_int_equal(store_begin(s, &e), CXG_OK);
                assert_int_equal(store_put_account(s, &a2, &aid2, NULL, &e), CXG_OK);
                assert_int_equal(store_put_person(s, &p2, &pid2, NULL, &e), CXG_OK);
                assert_int_equal(store_commit(s, &e), CXG_OK);
                add_rows(s, pid2, aid2, tid, 2, AT - 5);
                assert_int_equal(eng_engine_refresh(&eng, s, &e), CXG_OK);
                ai = eng_account_find(&eng.snap, "A2");
                assert_int_equal(ai, 1);
                assert_int_equal(eng.snap.n_people, 2);
                assert_int_equal(eng.snap.delta.n, 2);
                assert_int_equal(eng.snap.a_ioff[2] - eng.snap.a_ioff[1], 0);
                assert_int_equal(eng.snap.a_doff[2] - eng.snap.a_doff[1], 2);
                assert_int_equal(eng.scores.acc[ai].n_people, 1);
                /* web visits 5 s and 1 h 5 s ago: hour 0 and hour 1 of decay */
                assert_float_equal(eng.scores.p_activity[eng_person_find(&eng.snap, "P2")],
                                   1 + exp2(-1.0 / 24 / 30), 1e-5);
                assert_string_equal(eng.snap.plans.names[eng.snap.a_plan[ai]], "Premium");
        }
        /* an edited person (the CFO leaves and becomes an analyst) counts after a refresh */
        {
                struct person p1;
                uint32_t pi = eng_person_find(&eng.snap, "P1");

                assert_int_equal(eng.snap.p_seniority[pi], CXG_SEN_EXECUTIVE);
                model_person_init(&p1);
                p1.id = "P1";
                p1.account_id = "A1";
                p1.role = "Analyst";
                p1.left_at = AT - 2 * DAYS;
                assert_int_equal(store_begin(s, &e), CXG_OK);
                assert_int_equal(store_put_person(s, &p1, NULL, NULL, &e), CXG_OK);
                assert_int_equal(store_commit(s, &e), CXG_OK);
                assert_int_equal(eng_engine_refresh(&eng, s, &e), CXG_OK);
                assert_int_equal(eng.snap.n_people, 2);
                assert_int_equal(eng_person_find(&eng.snap, "P1"), pi);
                assert_int_equal(eng.snap.p_seniority[pi], CXG_SEN_INDIVIDUAL);
                assert_true(eng.snap.p_left[pi] == AT - 2 * DAYS);
        }
        /* readers take the shared lock */
        eng_engine_read_lock(&eng);
        assert_int_equal(eng_account_find(&eng.snap, "A1"), 0);
        eng_engine_unlock(&eng);
        eng_engine_release(&eng);
        close_db(s);
}

static enum cxg_err count_rows(void *ctx, const struct store_score_row *row)
{
        int *n = ctx;

        assert_string_equal(row->scorecard, "default");
        assert_true(isnan(row->robustness));
        (*n)++;
        return CXG_OK;
}

static void test_history_round_trip_feeds_the_trend(void **st)
{
        struct store *s = open_db();
        struct eng_engine eng;
        struct cxg_error e;
        int64_t pid, aid;
        int32_t tid;
        int n = 0;
        struct store_score_row row = {0};

        (void)st;
        seed(s, &pid, &aid, &tid);
        add_rows(s, pid, aid, tid, 20, AT);
        /* a history row 30 days before with engagement 10: the trend compares with it */
        row.account_id = aid;
        row.at = AT - 30 * DAYS;
        row.computed_at = AT;
        row.scorecard = "default";
        row.health = 50;
        row.robustness = NAN;
        row.engagement = 10;
        row.band = "average";
        assert_int_equal(store_scores_put(s, &row, 1, &e), CXG_OK);
        assert_int_equal(store_scores_history(s, aid, count_rows, &n, &e), CXG_OK);
        assert_int_equal(n, 1);
        assert_int_equal(eng_engine_open(&eng, s, NULL, AT, 2, &e), CXG_OK);
        /* trend = 100 * clamp(0.5 + 0.5 * log2((E + 1) / 11)) */
        {
                double en = eng.scores.acc[0].engagement;
                double want = 100 * fmin(fmax(0.5 + 0.5 * log2((en + 1) / 11.0), 0), 1);

                assert_float_equal(eng.scores.acc[0].comp[ENG_C_TREND], want, 1e-3);
        }
        eng_engine_release(&eng);
        close_db(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_refresh_appends_then_merges),
            cmocka_unit_test(test_history_round_trip_feeds_the_trend),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
