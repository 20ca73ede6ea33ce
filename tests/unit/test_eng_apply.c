/*
 * test_eng_apply.c: the engine's change-log applier (eng_engine_catch_up) against a real store:
 * new events rescore exactly their accounts (equal to a full computation at the same as-of
 * with the same baselines, other accounts untouched), person updates, erasures and deletions
 * reach the state of a fresh load, and max_changes pages through the log.
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
#include "store/store_changes.h"
#include "store/store_int.h"
#include "store/store_privacy.h"
#include "testdb.h"

#define T0 INT64_C(1781913600) /* 2026-06-20: the data ends here; new events stay in June */
#define HOUR 3600
#define DAY 86400
#define N_ACC 4
#define PER_ACC 2

static char path[TESTDB_PATH_MAX];
static struct store *db;
static int64_t aid[N_ACC + 2], pid[N_ACC * PER_ACC + 2]; /* 1-based, one spare */
static int32_t t_login, t_meet;

static void put_person(const char *ext, const char *acc, const char *role, int64_t *id)
{
        struct person p;
        struct cxg_error e;

        model_person_init(&p);
        p.id = ext;
        p.account_id = acc;
        p.role = role;
        assert_int_equal(store_begin(db, &e), CXG_OK);
        assert_int_equal(store_put_person(db, &p, id, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(db, &e), CXG_OK);
}

/* n events of person index pi (1-based) every `step` seconds back from t. */
static void events(int pi, int n, int64_t t, int64_t step)
{
        struct store_interaction *r = calloc((size_t)n, sizeof(*r));
        struct cxg_error e;
        size_t ins = 0;

        assert_non_null(r);
        for (int k = 0; k < n; k++) {
                r[k].person_id = pid[pi];
                r[k].account_id = aid[(pi - 1) / PER_ACC + 1];
                r[k].ts = t - k * step;
                r[k].duration_ms = k % 3 ? 1200 * (k % 7) : -1;
                r[k].value = NAN;
                r[k].type_id = k % 4 ? t_login : t_meet;
                r[k].channel = k % 4 ? CXG_CH_WEB : CXG_CH_MEETING;
                r[k].outcome = k % 11 == 0 ? CXG_OUT_FAILED : CXG_OUT_OK;
        }
        assert_int_equal(store_begin(db, &e), CXG_OK);
        assert_int_equal(store_put_interactions(db, r, (size_t)n, &ins, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(db, &e), CXG_OK);
        assert_int_equal(ins, (size_t)n);
        free(r);
}

static int setup(void **st)
{
        struct cxg_error e;
        char ext[16], acc[16];
        static const char *const roles[] = {"CFO", "Engineer", "VP Sales", "Analyst"};

        (void)st;
        assert_int_equal(testdb_path(path, sizeof(path), "eng_apply"), 0);
        unlink(path);
        assert_int_equal(store_open(path, 0, &db, &e), CXG_OK);
        assert_int_equal(store_begin(db, &e), CXG_OK);
        for (int a = 1; a <= N_ACC; a++) {
                struct account x;

                model_account_init(&x);
                snprintf(acc, sizeof(acc), "A%d", a);
                x.id = acc;
                x.plan = a % 2 ? "Pro" : "Basic";
                x.mrr = 100 * a;
                x.created_at = T0 - 400 * DAY;
                assert_int_equal(store_put_account(db, &x, &aid[a], NULL, &e), CXG_OK);
        }
        assert_int_equal(store_type_id(db, "login", 5, &t_login, &e), CXG_OK);
        assert_int_equal(store_type_id(db, "meeting", 7, &t_meet, &e), CXG_OK);
        assert_int_equal(store_commit(db, &e), CXG_OK);
        for (int p = 1; p <= N_ACC * PER_ACC; p++) {
                snprintf(ext, sizeof(ext), "P%d", p);
                snprintf(acc, sizeof(acc), "A%d", (p - 1) / PER_ACC + 1);
                put_person(ext, acc, roles[p % 4], &pid[p]);
        }
        /* 120 days of history, every person, ending at T0 */
        for (int p = 1; p <= N_ACC * PER_ACC; p++)
                events(p, 200 + 10 * p, T0 - p * HOUR, 13 * HOUR);
        return 0;
}

static int teardown(void **st)
{
        char p[TESTDB_PATH_MAX + 16];

        (void)st;
        store_close(db);
        unlink(path);
        snprintf(p, sizeof(p), "%s-wal", path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", path);
        unlink(p);
        return 0;
}

static int feq(float a, float b, float tol)
{
        if (isnan(a) || isnan(b))
                return isnan(a) && isnan(b);
        return fabsf(a - b) <= tol * (1 + fabsf(a) + fabsf(b));
}

/* Account scores equal (tol 0: to the bit, NaNs alike); reasons by code and impact. */
static void same_account(const struct eng_account_score *x, const struct eng_account_score *y,
                         float tol)
{
        assert_true(feq(x->health, y->health, tol));
        assert_true(feq(x->robustness, y->robustness, tol));
        assert_true(feq(x->engagement, y->engagement, tol));
        assert_true(feq(x->activity, y->activity, tol));
        for (int k = 0; k < ENG_C__COUNT; k++)
                assert_true(feq(x->comp[k], y->comp[k], tol));
        for (int k = 0; k < ENG_M__COUNT; k++) {
                assert_true(feq(x->exp_value[k], y->exp_value[k], tol));
                assert_true(feq(x->exp_base[k], y->exp_base[k], tol));
        }
        assert_int_equal(x->n_people, y->n_people);
        assert_int_equal(x->n_engaged, y->n_engaged);
        assert_int_equal(x->band, y->band);
        assert_int_equal(x->n_reasons, y->n_reasons);
        for (int k = 0; k < x->n_reasons; k++) {
                assert_int_equal(x->reasons[k].code, y->reasons[k].code);
                assert_true(feq(x->reasons[k].impact, y->reasons[k].impact, tol));
        }
}

/* e's snapshot and scores match a fresh engine loaded from the store at e's as-of. */
static void same_as_fresh(struct eng_engine *e, const uint32_t *acc, size_t n)
{
        struct eng_engine f;
        struct cxg_error err;

        assert_int_equal(eng_engine_open(&f, db, NULL, e->scores.at, 1, &err), CXG_OK);
        assert_int_equal(f.snap.n_accounts, e->snap.n_accounts);
        assert_int_equal(f.snap.n_people, e->snap.n_people);
        assert_int_equal(f.snap.main.n + f.snap.delta.n, e->snap.main.n + e->snap.delta.n);
        for (size_t p = 0; p < f.snap.n_people; p++) {
                assert_string_equal(f.snap.p_ext[p], e->snap.p_ext[p]);
                assert_int_equal(f.snap.p_seniority[p], e->snap.p_seniority[p]);
                assert_int_equal(f.snap.p_account[p], e->snap.p_account[p]);
        }
        for (size_t i = 0; i < n; i++)
                same_account(&f.scores.acc[acc[i]], &e->scores.acc[acc[i]], 1e-5f);
        eng_engine_release(&f);
}

static void catch_up(struct eng_engine *e, size_t max, struct eng_catchup *o)
{
        struct cxg_error err;

        memset(o, 0xa5, sizeof(*o));
        assert_int_equal(eng_engine_catch_up(e, db, max, o, &err), CXG_OK);
        assert_int_equal(o->seq, e->seq);
}

static int64_t head(void)
{
        struct cxg_error err;
        int64_t h;

        assert_int_equal(store_changes_head(db, &h, &err), CXG_OK);
        return h;
}

/* (a) and (b): new events for accounts 1 and 2. */
static void test_new_events_rescore_their_accounts(void **st)
{
        struct eng_engine e;
        struct eng_scores full;
        struct eng_compute_opts o = {.threads = 1};
        struct eng_account_score before[N_ACC];
        struct eng_catchup out;
        struct cxg_error err;
        size_t rows0;
        uint32_t dirty[] = {0, 1};

        (void)st;
        assert_int_equal(eng_engine_open(&e, db, NULL, CXG_TS_NONE, 1, &err), CXG_OK);
        assert_int_equal(e.seq, head());
        memcpy(before, e.scores.acc, sizeof(before));
        rows0 = e.snap.main.n + e.snap.delta.n;
        catch_up(&e, 0, &out);
        assert_int_equal(out.changes, 0);

        events(1, 12, T0 + 5 * DAY, HOUR); /* P1, P2: account A1 */
        events(2, 8, T0 + 4 * DAY, 2 * HOUR);
        events(3, 10, T0 + 3 * DAY, 5 * HOUR); /* P3: account A2 */
        catch_up(&e, 0, &out);
        assert_int_equal(out.changes, 3);
        assert_int_equal(out.rows, 30);
        assert_int_equal(out.dirty_accounts, 2);
        assert_int_equal(out.reloaded, 0);
        assert_int_equal(e.seq, head());
        assert_int_equal(e.snap.main.n + e.snap.delta.n, rows0 + 30);
        assert_int_equal(e.snap.delta.n, 30); /* appended, not reloaded */
        assert_true(e.scores.at == T0 + 5 * DAY);
        assert_true(e.scores.full_at == T0 - HOUR); /* P1's last event */
        assert_false(feq(e.scores.acc[0].activity, before[0].activity, 1e-3f));

        /* (a) a full computation at the same as-of: the same baselines (the new rows are in
         * the as-of month, which expectations leave out) */
        o.at = e.scores.at;
        eng_scores_init(&full);
        assert_int_equal(eng_compute(&e.snap, &e.params, &o, &full, &err), CXG_OK);
        for (int m = 0; m < ENG_M__COUNT * (int)full.n_segments; m++)
                assert_true(feq(full.seg_base[m], e.scores.seg_base[m], 0));
        for (int a = 0; a < 2; a++)
                same_account(&full.acc[a], &e.scores.acc[a], 0);
        for (size_t p = 0; p < 2 * PER_ACC; p++) {
                assert_true(feq(full.p_engagement[p], e.scores.p_engagement[p], 0));
                assert_true(feq(full.p_activity[p], e.scores.p_activity[p], 0));
                assert_int_equal(full.p_last[p], e.scores.p_last[p]);
        }
        eng_scores_release(&full);
        /* (b) the other accounts keep the last full computation's scores, to the bit */
        assert_memory_equal(&e.scores.acc[2], &before[2], 2 * sizeof(before[0]));
        /* and a fresh load agrees on the dirty accounts */
        same_as_fresh(&e, dirty, 2);
        eng_engine_release(&e);
}

/* (c) a new account and person, a person update, a move, an erasure, a deletion. */
static void test_edits_reach_a_fresh_load(void **st)
{
        struct eng_engine e;
        struct eng_catchup out;
        struct cxg_error err;
        struct store_erase_report rep;
        int64_t a5, p9;
        uint32_t all[N_ACC + 1] = {0, 1, 2, 3, 4};

        (void)st;
        assert_int_equal(eng_engine_open(&e, db, NULL, CXG_TS_NONE, 1, &err), CXG_OK);
        /* a new account with a person and events: appended */
        {
                struct account x;

                model_account_init(&x);
                x.id = "A5";
                x.plan = "Enterprise"; /* a new expectation segment */
                assert_int_equal(store_begin(db, &err), CXG_OK);
                assert_int_equal(store_put_account(db, &x, &a5, NULL, &err), CXG_OK);
                assert_int_equal(store_commit(db, &err), CXG_OK);
        }
        put_person("P9", "A5", "CEO", &p9);
        aid[N_ACC + 1] = a5;
        pid[N_ACC * PER_ACC + 1] = p9;
        events(N_ACC * PER_ACC + 1, 5, T0 + DAY, HOUR);
        catch_up(&e, 0, &out);
        assert_int_equal(out.reloaded, 0);
        assert_int_equal(out.dirty_accounts, 1);
        assert_int_equal(e.snap.n_accounts, N_ACC + 1);
        assert_int_equal(e.scores.n_accounts, N_ACC + 1);
        assert_int_equal(e.scores.acc[N_ACC].n_people, 1);
        assert_true(e.scores.acc[N_ACC].engagement > 0);
        same_as_fresh(&e, &all[N_ACC], 1);

        /* a person's new role: patched in place, their account rescored */
        put_person("P1", "A1", "Intern", NULL);
        catch_up(&e, 0, &out);
        assert_int_equal(out.reloaded, 0);
        assert_int_equal(out.changes, 1);
        assert_int_equal(out.dirty_accounts, 1);
        same_as_fresh(&e, all, 1);

        /* a person moving to another account: a reload */
        put_person("P2", "A3", "Engineer", NULL);
        catch_up(&e, 0, &out);
        assert_int_equal(out.reloaded, 1);
        assert_int_equal(e.seq, head());
        same_as_fresh(&e, all, N_ACC + 1);

        /* an erasure: a reload; the person's external id is gone from the snapshot */
        assert_int_equal(store_begin(db, &err), CXG_OK);
        assert_int_equal(store_person_erase(db, "P3", &rep, &err), CXG_OK);
        assert_int_equal(store_commit(db, &err), CXG_OK);
        catch_up(&e, 0, &out);
        assert_int_equal(out.reloaded, 1);
        assert_int_equal(eng_person_find(&e.snap, "P3"), ENG_NONE);
        same_as_fresh(&e, all, N_ACC + 1);

        /* a deleted interaction: a reload with one row fewer */
        {
                size_t n = e.snap.main.n + e.snap.delta.n;

                assert_int_equal(store_begin(db, &err), CXG_OK);
                assert_int_equal(store_exec(db, "DELETE FROM interactions WHERE id = 7", &err),
                                 CXG_OK);
                assert_int_equal(store_commit(db, &err), CXG_OK);
                catch_up(&e, 0, &out);
                assert_int_equal(out.reloaded, 1);
                assert_int_equal(e.snap.main.n + e.snap.delta.n, n - 1);
                same_as_fresh(&e, all, N_ACC + 1);
        }
        eng_engine_release(&e);
}

/* (d) max_changes pages through the log; a subscription names its account. */
static void test_pages(void **st)
{
        struct eng_engine e;
        struct eng_catchup out;
        struct cxg_error err;
        int64_t h0;
        uint32_t all[N_ACC] = {0, 1, 2, 3};

        (void)st;
        assert_int_equal(eng_engine_open(&e, db, NULL, CXG_TS_NONE, 1, &err), CXG_OK);
        h0 = e.seq;
        events(5, 3, T0 + 6 * DAY, HOUR);
        events(7, 3, T0 + 6 * DAY, HOUR);
        assert_int_equal(store_begin(db, &err), CXG_OK);
        assert_int_equal(store_exec(db,
                                    "INSERT INTO subscriptions(account_id, plan, mrr, started_at)"
                                    " VALUES (2, 'Pro', 50, 1781913600)",
                                    &err),
                         CXG_OK);
        assert_int_equal(store_commit(db, &err), CXG_OK);
        catch_up(&e, 1, &out);
        assert_int_equal(out.changes, 1);
        assert_int_equal(out.rows, 3);
        assert_int_equal(e.seq, h0 + 1);
        catch_up(&e, 1, &out);
        assert_int_equal(out.changes, 1);
        assert_int_equal(e.seq, h0 + 2);
        catch_up(&e, 1, &out);
        assert_int_equal(out.changes, 1);
        assert_int_equal(out.rows, 0);
        assert_int_equal(out.dirty_accounts, 1);
        assert_int_equal(e.snap.n_subs, 1);
        assert_int_equal(e.seq, head());
        catch_up(&e, 1, &out);
        assert_int_equal(out.changes, 0);
        same_as_fresh(&e, &all[2], 2);
        eng_engine_release(&e);
}

/* Every account's delta run holds exactly its delta rows, sorted by ts. */
static void delta_index_ok(const struct eng_snapshot *s)
{
        size_t seen = 0;

        for (size_t a = 0; a < s->n_accounts; a++)
                for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                        uint32_t j = s->d_idx[k];

                        assert_true(j < s->delta.n);
                        assert_int_equal(s->delta.account[j], a);
                        if (k > s->a_doff[a])
                                assert_true(s->delta.ts[s->d_idx[k - 1]] <= s->delta.ts[j]);
                        seen++;
                }
        assert_int_equal(seen, s->delta.n);
}

/* Appends in several catch-ups, each batch in descending time and interleaved with the
 * earlier ones: the delta index is merged, not rebuilt, and stays right. */
static void test_delta_index_stays_sorted(void **st)
{
        struct eng_engine e;
        struct eng_catchup out;
        struct cxg_error err;
        uint32_t dirty[] = {0, 1};

        (void)st;
        assert_int_equal(eng_engine_open(&e, db, NULL, CXG_TS_NONE, 1, &err), CXG_OK);
        events(1, 10, T0 + 5 * DAY, 3 * HOUR);
        catch_up(&e, 0, &out);
        delta_index_ok(&e.snap);
        events(2, 9, T0 + 5 * DAY - HOUR, 2 * HOUR); /* between P1's new rows */
        events(3, 4, T0 + 2 * DAY, HOUR);            /* another account */
        catch_up(&e, 0, &out);
        assert_int_equal(out.reloaded, 0);
        assert_int_equal(e.snap.delta.n, 23);
        delta_index_ok(&e.snap);
        events(1, 5, T0 + 4 * DAY + 30 * 60, 7 * HOUR);
        catch_up(&e, 0, &out);
        assert_int_equal(e.snap.delta.n, 28);
        delta_index_ok(&e.snap);
        same_as_fresh(&e, dirty, 2);
        eng_engine_release(&e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_new_events_rescore_their_accounts, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_edits_reach_a_fresh_load, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
            cmocka_unit_test_setup_teardown(test_delta_index_stays_sorted, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
