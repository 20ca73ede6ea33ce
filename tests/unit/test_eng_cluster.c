/*
 * test_eng_cluster.c: the engine object of scale-out nodes (engine.h, "scale-out") against a
 * real store: three nodes, each loading one shard's interactions, exchanging partials and
 * published states, give every account the single-node scores; states are handed out again
 * only when they change; catching up drops other shards' rows and keeps the foreign states;
 * taking more shards reloads; a snapshot file of another shard set is not trusted.
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

#include "engine/cluster.h"
#include "engine/engine.h"
#include "engine/snapfile.h"
#include "store/store.h"
#include "store/store_changes.h"
#include "testdb.h"

#define T0 INT64_C(1781913600) /* 2026-06-20 */
#define HOUR 3600
#define DAY 86400
#define N_ACC 12
#define PER_ACC 2
#define N_NODES 3

static char path[TESTDB_PATH_MAX];
static struct store *db;
static int64_t aid[N_ACC + 1], pid[N_ACC * PER_ACC + 1];
static int32_t t_login, t_ticket;

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
                r[k].duration_ms = k % 3 ? 900 * (k % 7) + 100 * pi : -1;
                r[k].value = NAN;
                r[k].type_id = k % 5 ? t_login : t_ticket;
                r[k].channel = k % 5 ? CXG_CH_WEB : CXG_CH_SUPPORT;
                r[k].outcome = k % 11 == 0 ? CXG_OUT_FAILED : CXG_OUT_OK;
        }
        assert_int_equal(store_begin(db, &e), CXG_OK);
        assert_int_equal(store_put_interactions(db, r, (size_t)n, &ins, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(db, &e), CXG_OK);
        free(r);
}

static int setup(void **st)
{
        static const char *const roles[] = {"CFO", "Engineer"};
        struct cxg_error e;
        char ext[16], acc[16];

        (void)st;
        assert_int_equal(testdb_path(path, sizeof(path), "eng_cluster"), 0);
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
        assert_int_equal(store_type_id(db, "support ticket", 14, &t_ticket, &e), CXG_OK);
        for (int p = 1; p <= N_ACC * PER_ACC; p++) {
                struct person x;

                model_person_init(&x);
                snprintf(ext, sizeof(ext), "P%d", p);
                snprintf(acc, sizeof(acc), "A%d", (p - 1) / PER_ACC + 1);
                x.id = ext;
                x.account_id = acc;
                x.role = roles[p % 2];
                assert_int_equal(store_put_person(db, &x, &pid[p], NULL, &e), CXG_OK);
        }
        assert_int_equal(store_commit(db, &e), CXG_OK);
        /* about 8 months of history; every third account's also a year older */
        for (int p = 1; p <= N_ACC * PER_ACC; p++)
                events(p, 60 + 7 * p, T0 - p * HOUR, (p % 6 == 1 ? 150 : 90) * HOUR);
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

static int same_bits(float a, float b)
{
        return memcmp(&a, &b, sizeof(a)) == 0;
}

static void same_account(const struct eng_account_score *x, const struct eng_account_score *y)
{
        assert_true(same_bits(x->health, y->health));
        assert_true(same_bits(x->robustness, y->robustness));
        assert_true(same_bits(x->engagement, y->engagement));
        for (int k = 0; k < ENG_C__COUNT; k++)
                assert_true(same_bits(x->comp[k], y->comp[k]));
        for (int k = 0; k < ENG_M__COUNT; k++)
                assert_true(same_bits(x->exp_base[k], y->exp_base[k]));
        assert_int_equal(x->n_reasons, y->n_reasons);
        for (int k = 0; k < x->n_reasons; k++) {
                assert_int_equal(x->reasons[k].code, y->reasons[k].code);
                assert_int_equal(x->reasons[k].ref, y->reasons[k].ref);
        }
}

/* Published states collected from eng_engine_states. */
struct pub {
        struct eng_state_in rows[N_ACC];
        size_t n;
};

static enum cxg_err on_state(void *ctx, int64_t account_id, uint32_t shard, const void *blob,
                             size_t len)
{
        struct pub *p = ctx;
        void *copy = malloc(len);

        (void)shard;
        assert_non_null(copy);
        assert_true(p->n < N_ACC);
        memcpy(copy, blob, len);
        p->rows[p->n].account_id = account_id;
        p->rows[p->n].blob = copy;
        p->rows[p->n++].len = len;
        return CXG_OK;
}

static void pub_free(struct pub *p)
{
        for (size_t i = 0; i < p->n; i++)
                free((void *)p->rows[i].blob);
        p->n = 0;
}

static size_t rows_of(const struct eng_engine *e)
{
        return e->snap.main.n + e->snap.delta.n;
}

/* Open the nodes, run both phases and exchange every state. */
static void cluster(struct eng_engine *node)
{
        struct eng_partials *pt[N_NODES];
        struct pub pub[N_NODES];
        struct cxg_error e;
        size_t n, bad;

        for (int k = 0; k < N_NODES; k++) {
                struct cxg_shardset own;

                cxg_shardset_init(&own, N_NODES, 0);
                cxg_shardset_add(&own, (uint32_t)k);
                assert_int_equal(eng_engine_open_sharded(&node[k], db, NULL, T0, 1, &own, &e),
                                 CXG_OK);
                assert_int_equal(eng_engine_partials(&node[k], (uint32_t)k, &pt[k], &e), CXG_OK);
        }
        for (int k = 0; k < N_NODES; k++) {
                struct eng_partials *m = eng_partials_new();

                for (int j = 0; j < N_NODES; j++)
                        assert_int_equal(eng_partials_merge(m, pt[j], &e), CXG_OK);
                assert_int_equal(eng_engine_recompute_with(&node[k], db, m, 42, &e), CXG_OK);
                assert_true(node[k].merged == m && node[k].partials_hash == 42);
        }
        for (int k = 0; k < N_NODES; k++) {
                eng_partials_free(pt[k]);
                pub[k].n = 0;
                assert_int_equal(eng_engine_states(&node[k], 1, on_state, &pub[k], &n, &e), CXG_OK);
                assert_int_equal(n, pub[k].n);
        }
        for (int k = 0; k < N_NODES; k++)
                for (int j = 0; j < N_NODES; j++) {
                        if (j == k)
                                continue;
                        assert_int_equal(
                            eng_engine_foreign_put(&node[k], pub[j].rows, pub[j].n, &bad, &e),
                            CXG_OK);
                        assert_int_equal(bad, 0);
                }
        for (int k = 0; k < N_NODES; k++)
                pub_free(&pub[k]);
}

/* Accounts of e's own shards. */
static size_t own_count(const struct eng_engine *e)
{
        size_t n = 0;

        for (uint32_t a = 0; a < e->snap.n_accounts; a++)
                n += (size_t)cxg_shardset_has(&e->own, eng_account_shard(&e->snap, a, e->own.n));
        return n;
}

static void test_nodes_equal_single_node(void **st)
{
        struct eng_engine one, node[N_NODES];
        struct cxg_error e;
        struct pub again = {0};
        size_t total = 0, n;

        (void)st;
        assert_int_equal(eng_engine_open(&one, db, NULL, T0, 1, &e), CXG_OK);
        cluster(node);
        for (int k = 0; k < N_NODES; k++) {
                total += rows_of(&node[k]);
                assert_true(rows_of(&node[k]) < rows_of(&one));
                assert_int_equal(eng_foreign_count(node[k].foreign), N_ACC - own_count(&node[k]));
                for (uint32_t a = 0; a < one.snap.n_accounts; a++)
                        same_account(&one.scores.acc[a], &node[k].scores.acc[a]);
                for (uint32_t p = 0; p < one.snap.n_people; p++)
                        assert_true(
                            same_bits(one.scores.p_engagement[p], node[k].scores.p_engagement[p]));
        }
        assert_int_equal(total, rows_of(&one));
        /* nothing changed: nothing handed out again; after a reset, every own account */
        assert_int_equal(eng_engine_states(&node[0], 1, on_state, &again, &n, &e), CXG_OK);
        assert_int_equal(n, 0);
        eng_engine_states_reset(&node[0]);
        assert_int_equal(eng_engine_states(&node[0], 1, on_state, &again, &n, &e), CXG_OK);
        assert_true(n > 0 && n == own_count(&node[0]));
        pub_free(&again);
        for (int k = 0; k < N_NODES; k++)
                eng_engine_release(&node[k]);
        eng_engine_release(&one);
}

/* Index of the first account of shard k among n in s. */
static uint32_t account_of_shard(const struct eng_snapshot *s, uint32_t k, uint32_t n)
{
        for (uint32_t a = 0; a < s->n_accounts; a++)
                if (eng_account_shard(s, a, n) == k)
                        return a;
        fail_msg("no account in shard %u", k);
        return 0;
}

static void test_catch_up_and_new_shards(void **st)
{
        struct eng_engine node[N_NODES];
        struct eng_catchup o;
        struct cxg_shardset two;
        struct cxg_error e;
        uint32_t mine, other;
        struct eng_account_score before;
        size_t rows, foreign;

        (void)st;
        cluster(node);
        mine = account_of_shard(&node[0].snap, 0, N_NODES);
        other = account_of_shard(&node[0].snap, 1, N_NODES);
        before = node[0].scores.acc[other];
        rows = rows_of(&node[0]);
        assert_false(isnan(before.health));
        /* 5 new rows of an own account and 7 of another shard's */
        events((int)mine * PER_ACC + 1, 5, T0 + DAY, HOUR);
        events((int)other * PER_ACC + 1, 7, T0 + DAY, HOUR);
        assert_int_equal(eng_engine_catch_up(&node[0], db, 0, &o, &e), CXG_OK);
        assert_int_equal(rows_of(&node[0]), rows + 5);
        /* the other shard's account keeps its published state, counters included */
        same_account(&before, &node[0].scores.acc[other]);
        assert_true(
            node[0]
                .snap.a_month[(size_t)other * node[0].snap.n_months + node[0].snap.n_months - 1]
                .n > 0);
        /* node 0 takes shard 1 too: its rows loaded, its foreign states dropped */
        foreign = eng_foreign_count(node[0].foreign);
        cxg_shardset_init(&two, N_NODES, 0);
        cxg_shardset_add(&two, 0);
        cxg_shardset_add(&two, 1);
        assert_int_equal(eng_engine_set_shards(&node[0], db, &two, &e), CXG_OK);
        assert_int_equal(rows_of(&node[0]), rows + 5 + rows_of(&node[1]) + 7);
        assert_true(eng_foreign_count(node[0].foreign) < foreign);
        assert_false(isnan(node[0].scores.acc[other].health));
        for (int k = 0; k < N_NODES; k++)
                eng_engine_release(&node[k]);
}

static void test_snapfile_of_other_shards_not_trusted(void **st)
{
        struct eng_engine node[N_NODES], x;
        struct eng_open_report rep;
        struct eng_load_opts lo;
        struct eng_snapshot s;
        struct cxg_shardset other;
        struct cxg_error e;
        char file[TESTDB_PATH_MAX + 16], id[64];
        int64_t seq;

        (void)st;
        cluster(node);
        snprintf(file, sizeof(file), "/tmp/cxg-eng-cluster-%d.snap", (int)getpid());
        assert_int_equal(store_identity(db, id, sizeof(id), &e), CXG_OK);
        assert_int_equal(eng_snapfile_write(&node[1].snap, node[1].seq, id, file, &e), CXG_OK);
        /* the same set reads back */
        lo = (struct eng_load_opts){.shards = &node[1].own};
        eng_snapshot_init(&s, &lo);
        assert_int_equal(eng_snapfile_read(&s, file, id, &seq, &e), CXG_OK);
        assert_int_equal(s.main.n + s.delta.n, rows_of(&node[1]));
        eng_snapshot_release(&s);
        /* another set, and a whole snapshot, do not */
        cxg_shardset_init(&other, N_NODES, 0);
        cxg_shardset_add(&other, 2);
        lo.shards = &other;
        eng_snapshot_init(&s, &lo);
        assert_int_equal(eng_snapfile_read(&s, file, id, &seq, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "holds the interactions of shards 1, this node loads 2"));
        assert_true(s.sharded && cxg_shardset_equal(&s.shards, &other));
        eng_snapshot_release(&s);
        eng_snapshot_init(&s, NULL);
        assert_int_equal(eng_snapfile_read(&s, file, id, &seq, &e), CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "this node loads all"));
        eng_snapshot_release(&s);
        /* a node opening from the file: used for its own set, not for another */
        assert_int_equal(
            eng_engine_open_sharded_file(&x, db, NULL, T0, 1, &node[1].own, file, &rep, &e),
            CXG_OK);
        assert_int_equal(rep.from_file, 1);
        assert_true(x.clustered && rows_of(&x) == rows_of(&node[1]));
        eng_engine_release(&x);
        assert_int_equal(eng_engine_open_sharded_file(&x, db, NULL, T0, 1, &other, file, &rep, &e),
                         CXG_OK);
        assert_int_equal(rep.from_file, 0);
        assert_non_null(strstr(rep.reason, "holds the interactions of shards 1"));
        assert_true(x.clustered && cxg_shardset_equal(&x.own, &other));
        assert_int_equal(rows_of(&x), rows_of(&node[2]));
        eng_engine_release(&x);
        unlink(file);
        for (int k = 0; k < N_NODES; k++)
                eng_engine_release(&node[k]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_nodes_equal_single_node, setup, teardown),
            cmocka_unit_test_setup_teardown(test_catch_up_and_new_shards, setup, teardown),
            cmocka_unit_test_setup_teardown(test_snapfile_of_other_shards_not_trusted, setup,
                                            teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
