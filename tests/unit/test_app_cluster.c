/* test_app_cluster.c: a node's steps against the lease fence (app/cluster.h): a node whose
 * leases expired and were taken by another node has its publications refused, drops the lost
 * shards from its wanted set, and its next take unloads them; on the backend ctest chose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cluster.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_cluster.h"
#include "testdb.h"

#define T0 INT64_C(1781913600)
#define LEASE 10
#define SHARDS 4

static enum cxg_err count_partial(void *ctx, uint32_t shard, const char *node, int64_t seq,
                                  const void *blob, size_t len)
{
        (void)shard, (void)seq, (void)blob, (void)len;
        if (strcmp(node, "a") == 0)
                (*(int *)ctx)++;
        return CXG_OK;
}

static void cfg_of(struct app_cluster_cfg *c, const char *node)
{
        memset(c, 0, sizeof(*c));
        c->n_shards = SHARDS;
        snprintf(c->node, sizeof(c->node), "%s", node);
        snprintf(c->url, sizeof(c->url), "http://%s", node);
        c->lease_s = LEASE;
        c->tick_s = 2;
        c->stall_s = 3 * LEASE;
        c->min_nodes = 1;
}

static void test_fenced_node_drops_its_shards(void **state)
{
        char path[TESTDB_PATH_MAX];
        struct store *db = NULL;
        struct app_cluster a, b;
        struct app_cluster_cfg ca, cb;
        struct app_cluster_status s;
        struct eng_engine e;
        struct account acc;
        struct cxg_error err;
        int changed = 0, mine = 0;

        (void)state;
        cxg_error_clear(&err);
        if (testdb_path(path, sizeof(path), "app-cluster"))
                fail_msg("no test database");
        if (!testdb_is_pg())
                unlink(path);
        assert_int_equal(store_open(path, 0, &db, &err), CXG_OK);
        model_account_init(&acc);
        acc.id = "acme";
        assert_int_equal(store_put_account(db, &acc, NULL, NULL, &err), CXG_OK);
        cfg_of(&ca, "a");
        cfg_of(&cb, "b");
        app_cluster_init(&a, &ca, T0);
        app_cluster_init(&b, &cb, T0);
        assert_int_equal(app_cluster_join(&a, db, T0, &err), CXG_OK);
        app_cluster_status_get(&a, &s);
        assert_int_equal(cxg_shardset_count(&s.owned), SHARDS);
        assert_int_equal(eng_engine_open_sharded(&e, db, NULL, T0, 1, &s.owned, &err), CXG_OK);
        /* a stalls past its lease; b joins alone and takes every shard */
        assert_int_equal(app_cluster_join(&b, db, T0 + LEASE + 1, &err), CXG_OK);
        app_cluster_status_get(&b, &s);
        assert_int_equal(cxg_shardset_count(&s.owned), SHARDS);
        /* a comes back: what its engine holds is refused, and it wants nothing any more */
        assert_int_equal(app_cluster_publish_partials(&a, db, &e, T0 + LEASE + 2, &err),
                         CXG_ERR_CONFLICT);
        assert_non_null(strstr(err.msg, "refused"));
        cxg_error_clear(&err);
        assert_int_equal(store_partials_scan(db, count_partial, &mine, &err), CXG_OK);
        assert_int_equal(mine, 0);
        app_cluster_status_get(&a, &s);
        assert_int_equal(cxg_shardset_count(&s.want), 0);
        assert_int_equal(cxg_shardset_count(&s.owned), SHARDS);
        assert_int_equal(app_cluster_publish_states(&a, db, &e, T0 + LEASE + 2, &err),
                         CXG_ERR_CONFLICT);
        cxg_error_clear(&err);
        /* the applier's next take unloads the lost shards */
        assert_int_equal(app_cluster_take(&a, db, &e, &changed, &err), CXG_OK);
        assert_int_equal(changed, 1);
        app_cluster_status_get(&a, &s);
        assert_int_equal(cxg_shardset_count(&s.owned), 0);
        eng_engine_release(&e);
        app_cluster_release(&a);
        app_cluster_release(&b);
        store_close(db);
        if (!testdb_is_pg()) {
                char p[TESTDB_PATH_MAX + 8];

                unlink(path);
                snprintf(p, sizeof(p), "%s-wal", path);
                unlink(p);
                snprintf(p, sizeof(p), "%s-shm", path);
                unlink(p);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fenced_node_drops_its_shards),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
