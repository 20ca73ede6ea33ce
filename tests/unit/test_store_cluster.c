/* test_store_cluster.c: the scale-out cluster's shared state (store_cluster.h) on both backends:
 * the shard count, heartbeats, lease balancing, partials, published state and the shard-filtered
 * interaction scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "model/shard.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_cluster.h"
#include "store/store_migrate.h"
#include "testdb.h"

#define T0 INT64_C(1790000000)
#define TTL 10
#define N 64

struct fx {
        char path[TESTDB_PATH_MAX];
        struct store *s;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        struct cxg_error e;

        if (testdb_path(f->path, sizeof(f->path), "cluster"))
                fail_msg("no test database");
        if (!testdb_is_pg())
                unlink(f->path);
        cxg_error_clear(&e);
        if (store_open(f->path, 0, &f->s, &e))
                fail_msg("open: %s", e.msg);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        char p[TESTDB_PATH_MAX + 8];

        store_close(f->s);
        if (!testdb_is_pg()) {
                unlink(f->path);
                snprintf(p, sizeof(p), "%s-wal", f->path);
                unlink(p);
                snprintf(p, sizeof(p), "%s-shm", f->path);
                unlink(p);
        }
        free(f);
        return 0;
}

static void beat(struct store *s, const char *name, int64_t now)
{
        struct store_node_info me;
        struct cxg_error e;

        memset(&me, 0, sizeof(me));
        snprintf(me.name, sizeof(me.name), "%s", name);
        snprintf(me.url, sizeof(me.url), "http://%s", name);
        snprintf(me.info, sizeof(me.info), "{\"node\":\"%s\"}", name);
        cxg_error_clear(&e);
        if (store_cluster_heartbeat(s, &me, now, TTL, &e))
                fail_msg("heartbeat %s: %s", name, e.msg);
}

/* Balance node at now with a floor of min_nodes; its shard set formatted into out. */
static uint32_t balance_min(struct store *s, const char *node, int64_t now, uint32_t min_nodes,
                            char *out, size_t cap)
{
        struct store_balance_opts o = {TTL, N, min_nodes};
        struct cxg_shardset set;
        struct cxg_error e;

        cxg_error_clear(&e);
        if (store_shards_balance(s, node, now, &o, &set, &e))
                fail_msg("balance %s: %s", node, e.msg);
        if (out)
                cxg_shardset_format(&set, out, cap);
        return cxg_shardset_count(&set);
}

static uint32_t balance(struct store *s, const char *node, int64_t now, char *out, size_t cap)
{
        return balance_min(s, node, now, 1, out, cap);
}

/* node joins alone at now and holds every one of n shards (so its publications pass). */
static void own_all(struct store *s, const char *node, uint32_t n, int64_t now)
{
        struct store_balance_opts o = {TTL, n, 1};
        struct cxg_shardset set;
        struct cxg_error e;

        cxg_error_clear(&e);
        if (store_cluster_setup(s, n, &e))
                fail_msg("setup: %s", e.msg);
        beat(s, node, now);
        if (store_shards_balance(s, node, now, &o, &set, &e))
                fail_msg("balance %s: %s", node, e.msg);
        assert_int_equal(cxg_shardset_count(&set), n);
}

/* The holder of every shard (holders[shard]; "" free), and every shard held at most once. */
static void holders(struct store *s, char h[N][STORE_NODE_NAME_MAX])
{
        struct store_shard_lease *v = NULL;
        struct cxg_error e;
        size_t n = 0;

        cxg_error_clear(&e);
        if (store_shard_leases(s, &v, &n, &e))
                fail_msg("leases: %s", e.msg);
        assert_int_equal(n, N);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(v[i].shard, i);
                snprintf(h[i], STORE_NODE_NAME_MAX, "%s", v[i].holder);
        }
        cxg_free(v);
}

static void test_setup_conflict(void **state)
{
        struct fx *f = *state;
        struct cxg_error e;

        cxg_error_clear(&e);
        assert_int_equal(store_cluster_setup(f->s, N, &e), CXG_OK);
        assert_int_equal(store_cluster_setup(f->s, N, &e), CXG_OK);
        assert_int_equal(store_cluster_setup(f->s, 32, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "64 shards"));
        assert_non_null(strstr(e.msg, "not 32"));
        cxg_error_clear(&e);
        assert_int_equal(store_cluster_setup(f->s, 0, &e), CXG_ERR_INVALID);
}

static void names_of(struct store *s, int64_t now, int dead, char *out, size_t cap)
{
        struct store_node_info *v = NULL;
        struct cxg_error e;
        size_t n = 0, len = 0;

        cxg_error_clear(&e);
        if (store_cluster_nodes(s, now, dead, &v, &n, &e))
                fail_msg("nodes: %s", e.msg);
        out[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                char want[STORE_NODE_NAME_MAX + 8];

                snprintf(want, sizeof(want), "http://%s", v[i].name);
                assert_string_equal(v[i].url, want);
                len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", v[i].name);
        }
        cxg_free(v);
}

static void test_heartbeat_nodes(void **state)
{
        struct fx *f = *state;
        struct store_node_info me, *v = NULL;
        struct cxg_error e;
        char got[256];
        size_t n = 0;

        beat(f->s, "b", T0);
        beat(f->s, "a", T0 + 5);
        names_of(f->s, T0 + 6, 0, got, sizeof(got));
        assert_string_equal(got, "a,b");
        names_of(f->s, T0 + 12, 0, got, sizeof(got)); /* b expired at T0 + 10 */
        assert_string_equal(got, "a");
        names_of(f->s, T0 + 12, 1, got, sizeof(got));
        assert_string_equal(got, "a,b");
        /* started_at: kept from the first beat, replaced by a newer start (a restart) */
        memset(&me, 0, sizeof(me));
        snprintf(me.name, sizeof(me.name), "a");
        me.started_at = T0 - 100;
        cxg_error_clear(&e);
        assert_int_equal(store_cluster_heartbeat(f->s, &me, T0 + 7, TTL, &e), CXG_OK);
        me.started_at = T0 + 7;
        assert_int_equal(store_cluster_heartbeat(f->s, &me, T0 + 8, TTL, &e), CXG_OK);
        assert_int_equal(store_cluster_nodes(f->s, T0 + 8, 0, &v, &n, &e), CXG_OK);
        assert_int_equal(n, 2);
        assert_string_equal(v[0].name, "a");
        assert_int_equal(v[0].started_at, T0 + 7);
        assert_int_equal(v[0].seen_at, T0 + 8);
        assert_int_equal(v[0].expires_at, T0 + 8 + TTL);
        assert_int_equal(v[1].started_at, T0);
        assert_string_equal(v[1].info, "{\"node\":\"b\"}");
        cxg_free(v);
        /* leave: gone at once */
        assert_int_equal(store_cluster_leave(f->s, "a", &e), CXG_OK);
        names_of(f->s, T0 + 8, 1, got, sizeof(got));
        assert_string_equal(got, "b");
}

/* Shards whose holder changed between before and after, formatted. */
static void moved(char before[N][STORE_NODE_NAME_MAX], char after[N][STORE_NODE_NAME_MAX],
                  char *out, size_t cap)
{
        struct cxg_shardset m;

        cxg_shardset_init(&m, N, 0);
        for (uint32_t i = 0; i < N; i++)
                if (strcmp(before[i], after[i]) != 0)
                        cxg_shardset_add(&m, i);
        cxg_shardset_format(&m, out, cap);
}

static void test_balance(void **state)
{
        struct fx *f = *state;
        static char h0[N][STORE_NODE_NAME_MAX], h1[N][STORE_NODE_NAME_MAX];
        struct cxg_error e;
        char a[256], b[256], c[256], d[256], got[256];

        cxg_error_clear(&e);
        assert_int_equal(store_cluster_setup(f->s, N, &e), CXG_OK);
        /* '' is a free lease's holder, never a node */
        assert_int_equal(store_shards_balance(f->s, "", T0, &(struct store_balance_opts){TTL, N, 1},
                                              &(struct cxg_shardset){0}, &e),
                         CXG_ERR_INVALID);
        /* one node: everything */
        beat(f->s, "a", T0);
        assert_int_equal(balance(f->s, "a", T0, a, sizeof(a)), 64);
        assert_string_equal(a, "0-63");
        /* two: a gives up its highest half, b takes it */
        beat(f->s, "b", T0);
        assert_int_equal(balance(f->s, "a", T0, a, sizeof(a)), 32);
        assert_int_equal(balance(f->s, "b", T0, b, sizeof(b)), 32);
        assert_string_equal(a, "0-31");
        assert_string_equal(b, "32-63");
        /* three: 22 + 21 + 21 (the first by name gets the remainder) */
        beat(f->s, "c", T0);
        assert_int_equal(balance(f->s, "a", T0, a, sizeof(a)), 22);
        assert_int_equal(balance(f->s, "b", T0, b, sizeof(b)), 21);
        assert_int_equal(balance(f->s, "c", T0, c, sizeof(c)), 21);
        assert_string_equal(a, "0-21");
        assert_string_equal(b, "32-52");
        assert_string_equal(c, "22-31,53-63");
        /* a fourth: the others release down to 16, d takes exactly those */
        holders(f->s, h0);
        beat(f->s, "d", T0);
        assert_int_equal(balance(f->s, "a", T0, a, sizeof(a)), 16);
        assert_int_equal(balance(f->s, "b", T0, b, sizeof(b)), 16);
        assert_int_equal(balance(f->s, "c", T0, c, sizeof(c)), 16);
        assert_int_equal(balance(f->s, "d", T0, d, sizeof(d)), 16);
        assert_string_equal(a, "0-15");
        assert_string_equal(b, "32-47");
        assert_string_equal(c, "22-31,53-58");
        assert_string_equal(d, "16-21,48-52,59-63");
        holders(f->s, h1);
        moved(h0, h1, got, sizeof(got));
        assert_string_equal(got, "16-21,48-52,59-63");
        for (uint32_t i = 0; i < N; i++)
                assert_true(h1[i][0] != '\0');
        /* b dies: a, c, d renew at T0 + 5; b's leases expire at T0 + 10 and are taken */
        for (const char *const *n = (const char *const[]){"a", "c", "d", NULL}; *n; n++) {
                beat(f->s, *n, T0 + 5);
                assert_int_equal(balance(f->s, *n, T0 + 5, NULL, 0), 16);
        }
        for (const char *const *n = (const char *const[]){"a", "c", "d", NULL}; *n; n++)
                beat(f->s, *n, T0 + 12);
        assert_int_equal(balance(f->s, "a", T0 + 12, a, sizeof(a)), 22);
        assert_int_equal(balance(f->s, "c", T0 + 12, c, sizeof(c)), 21);
        assert_int_equal(balance(f->s, "d", T0 + 12, d, sizeof(d)), 21);
        assert_string_equal(a, "0-15,32-37");
        assert_string_equal(c, "22-31,38-42,53-58");
        assert_string_equal(d, "16-21,43-52,59-63");
        holders(f->s, h0);
        for (uint32_t i = 0; i < N; i++)
                assert_string_not_equal(h0[i], "b");
        /* d leaves: its shards are free at once, a (now 1 of 2) takes the lowest */
        assert_int_equal(store_cluster_leave(f->s, "d", &e), CXG_OK);
        holders(f->s, h1);
        for (uint32_t i = 0; i < N; i++)
                assert_string_not_equal(h1[i], "d");
        assert_int_equal(balance(f->s, "a", T0 + 12, a, sizeof(a)), 32);
        assert_string_equal(a, "0-21,32-37,43-46");
        assert_int_equal(balance(f->s, "c", T0 + 12, c, sizeof(c)), 32);
        assert_string_equal(c, "22-31,38-42,47-63");
}

/* A lease held by another node and not expired is never taken, even below target. */
static void test_no_steal(void **state)
{
        struct fx *f = *state;
        static char h[N][STORE_NODE_NAME_MAX];

        beat(f->s, "a", T0);
        assert_int_equal(balance(f->s, "a", T0, NULL, 0), 64);
        beat(f->s, "b", T0 + 1);
        /* a has not balanced since b joined: b finds nothing free */
        assert_int_equal(balance(f->s, "b", T0 + 1, NULL, 0), 0);
        holders(f->s, h);
        for (uint32_t i = 0; i < N; i++)
                assert_string_equal(h[i], "a");
        assert_int_equal(balance(f->s, "a", T0 + 2, NULL, 0), 32);
        assert_int_equal(balance(f->s, "b", T0 + 2, NULL, 0), 32);
}

struct partials {
        int n;
        uint32_t shard[4];
        char node[4][16];
        int64_t seq[4];
        unsigned char blob[4][16];
        size_t len[4];
};

static enum cxg_err on_partial(void *ctx, uint32_t shard, const char *node, int64_t seq,
                               const void *blob, size_t len)
{
        struct partials *p = ctx;

        assert_true(p->n < 4 && len <= 16);
        assert_non_null(blob);
        p->shard[p->n] = shard;
        snprintf(p->node[p->n], sizeof(p->node[0]), "%s", node);
        p->seq[p->n] = seq;
        memcpy(p->blob[p->n], blob, len);
        p->len[p->n++] = len;
        return CXG_OK;
}

/* Put shard's partials as node: the lease moves to node first (a clean handover). */
static void put_as(struct fx *f, uint32_t shard, const char *node, int64_t seq, const void *blob,
                   size_t len)
{
        struct store *s = f->s;
        char sql[160];
        struct cxg_error e;

        snprintf(sql, sizeof(sql),
                 "UPDATE shard_leases SET holder = '%s', expires_at = %lld WHERE shard = %u", node,
                 (long long)(T0 + TTL), shard);
        assert_int_equal(testdb_exec(f->path, sql), 0);
        cxg_error_clear(&e);
        if (store_partial_put(s, shard, node, T0, seq, blob, len, &e))
                fail_msg("put %u as %s: %s", shard, node, e.msg);
}

static void test_partials(void **state)
{
        struct fx *f = *state;
        static const unsigned char one[6] = {'a', 0, 'b', 0, 0, 'c'};
        static const unsigned char two[3] = {0, 0xff, 0};
        struct partials p;
        struct cxg_error e;

        cxg_error_clear(&e);
        memset(&p, 0, sizeof(p));
        own_all(f->s, "a", N, T0);
        assert_int_equal(store_partial_put(f->s, 3, "a", T0, 7, one, sizeof(one), &e), CXG_OK);
        put_as(f, 1, "b", 5, "", 0);
        put_as(f, 3, "c", 9, two, sizeof(two));
        assert_int_equal(store_partial_put(f->s, 0, "a", T0, 1, one, sizeof(one), &e), CXG_OK);
        assert_int_equal(store_partials_scan(f->s, on_partial, &p, &e), CXG_OK);
        assert_int_equal(p.n, 3);
        assert_int_equal(p.shard[0], 0);
        assert_int_equal(p.len[0], sizeof(one));
        assert_memory_equal(p.blob[0], one, sizeof(one));
        assert_int_equal(p.shard[1], 1);
        assert_int_equal(p.len[1], 0);
        assert_string_equal(p.node[1], "b");
        assert_int_equal(p.shard[2], 3);
        assert_string_equal(p.node[2], "c");
        assert_int_equal(p.seq[2], 9);
        assert_int_equal(p.len[2], sizeof(two));
        assert_memory_equal(p.blob[2], two, sizeof(two));
}

struct states {
        int n;
        struct store_state_row r[8];
        char blob[8][16];
};

static enum cxg_err on_state(void *ctx, const struct store_state_row *row)
{
        struct states *v = ctx;

        assert_true(v->n < 8 && row->len < 16);
        v->r[v->n] = *row;
        memcpy(v->blob[v->n], row->blob, row->len);
        v->blob[v->n][row->len] = '\0';
        v->r[v->n].blob = NULL;
        v->n++;
        return CXG_OK;
}

static void scan_states(struct store *s, int64_t after, struct states *v)
{
        struct cxg_error e;

        memset(v, 0, sizeof(*v));
        cxg_error_clear(&e);
        if (store_state_scan(s, after, on_state, v, &e))
                fail_msg("state scan: %s", e.msg);
}

static int64_t put_account(struct store *s, const char *id)
{
        struct account a;
        struct cxg_error e;
        int64_t rid = 0;

        model_account_init(&a);
        a.id = id;
        cxg_error_clear(&e);
        if (store_put_account(s, &a, &rid, NULL, &e))
                fail_msg("put account %s: %s", id, e.msg);
        return rid;
}

static int64_t put_person(struct store *s, const char *id, const char *account)
{
        struct person p;
        struct cxg_error e;
        int64_t rid = 0;

        model_person_init(&p);
        p.id = id;
        p.account_id = account;
        cxg_error_clear(&e);
        if (store_put_person(s, &p, &rid, NULL, &e))
                fail_msg("put person %s: %s", id, e.msg);
        return rid;
}

static void test_state(void **state)
{
        struct fx *f = *state;
        int64_t acc = put_account(f->s, "acme"), per = put_person(f->s, "p1", "acme");
        struct store_state_row rows[3] = {
            {STORE_STATE_ACCOUNT, acc, acc, 5, "A1", 2, 0},
            {STORE_STATE_PERSON, per, acc, 5, "P\0", 2, 0},
            {STORE_STATE_ACCOUNT, 999999, 999999, 7, "gone", 4, 0},
        };
        struct states v;
        struct cxg_error e;
        int64_t s1 = 0, s2 = 0;

        cxg_error_clear(&e);
        own_all(f->s, "a", N, T0);
        assert_int_equal(store_state_publish(f->s, "a", T0, rows, 3, &s1, NULL, &e), CXG_OK);
        assert_true(s1 > 0);
        rows[0].blob = "A2x";
        rows[0].len = 3;
        assert_int_equal(store_state_publish(f->s, "a", T0, rows, 1, &s2, NULL, &e), CXG_OK);
        assert_true(s2 > s1);
        scan_states(f->s, 0, &v);
        assert_int_equal(v.n, 3); /* the replaced account is one row */
        /* pub_seq order, then kind and id: the s1 rows (account 999999, person), then acme */
        assert_int_equal(v.r[0].kind, STORE_STATE_ACCOUNT);
        assert_int_equal(v.r[0].id, 999999);
        assert_int_equal(v.r[0].pub_seq, s1);
        assert_int_equal(v.r[1].kind, STORE_STATE_PERSON);
        assert_int_equal(v.r[1].id, per);
        assert_int_equal(v.r[1].account_id, acc);
        assert_int_equal(v.r[1].len, 2);
        assert_memory_equal(v.blob[1], "P\0", 2);
        assert_int_equal(v.r[2].id, acc);
        assert_int_equal(v.r[2].pub_seq, s2);
        assert_int_equal(v.r[2].shard, 5);
        assert_string_equal(v.blob[2], "A2x");
        scan_states(f->s, s1, &v);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.r[0].id, acc);
        scan_states(f->s, s2, &v);
        assert_int_equal(v.n, 0);
        /* prune: the state of an account that does not exist goes */
        assert_int_equal(store_state_prune(f->s, &e), CXG_OK);
        scan_states(f->s, 0, &v);
        assert_int_equal(v.n, 2);
        assert_int_equal(v.r[0].id, per);
        assert_int_equal(v.r[1].id, acc);
}

/* ---- the shard-filtered scan ---- */

#define ACCOUNTS 40
#define PER_ACCOUNT 3

struct ids {
        size_t n;
        int64_t id[ACCOUNTS * PER_ACCOUNT * 2];
        int64_t account[ACCOUNTS * PER_ACCOUNT * 2];
};

static enum cxg_err on_row(void *ctx, const struct store_interaction *r)
{
        struct ids *v = ctx;

        assert_true(v->n < sizeof(v->id) / sizeof(v->id[0]));
        v->account[v->n] = r->account_id;
        v->id[v->n++] = r->id;
        return CXG_OK;
}

/* Accounts with ASCII, UTF-8 and long ids, a person each, PER_ACCOUNT interactions each. */
static void fill(struct store *s, char ext[ACCOUNTS][300], int64_t *acc)
{
        struct store_interaction rows[ACCOUNTS * PER_ACCOUNT];
        struct cxg_error e;
        int32_t type = 0;
        size_t k = 0;

        cxg_error_clear(&e);
        assert_int_equal(store_type_id(s, "login", 5, &type, &e), CXG_OK);
        for (int i = 0; i < ACCOUNTS; i++) {
                char pid[32];
                int64_t per;

                if (i % 3 == 0)
                        snprintf(ext[i], 300, "acct-%d", i);
                else if (i % 3 == 1)
                        snprintf(ext[i], 300, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-%d", i);
                else
                        snprintf(ext[i], 300, "%0250d-long", i);
                acc[i] = put_account(s, ext[i]);
                snprintf(pid, sizeof(pid), "p-%d", i);
                per = put_person(s, pid, ext[i]);
                for (int j = 0; j < PER_ACCOUNT; j++) {
                        memset(&rows[k], 0, sizeof(rows[k]));
                        rows[k].person_id = per;
                        rows[k].account_id = acc[i];
                        rows[k].ts = T0 + i * 10 + j;
                        rows[k].duration_ms = -1;
                        rows[k].value = NAN;
                        rows[k].type_id = type;
                        k++;
                }
        }
        /* interleave accounts in id order: reverse every other block */
        for (size_t i = 0; i + 1 < k; i += 4) {
                struct store_interaction t = rows[i];

                rows[i] = rows[i + 1];
                rows[i + 1] = t;
        }
        assert_int_equal(store_put_interactions(s, rows, k, NULL, NULL, &e), CXG_OK);
}

/* Scan shards of n (set given by bits of mask over shard numbers) after after_id; compare. */
static size_t check_shards(struct store *s, uint32_t n, const uint32_t *pick, size_t npick,
                           int64_t after_id, char ext[ACCOUNTS][300], const int64_t *acc)
{
        static struct ids all, got;
        struct cxg_shardset set;
        struct cxg_error e;
        size_t want = 0;

        cxg_shardset_init(&set, n, 0);
        for (size_t i = 0; i < npick; i++)
                cxg_shardset_add(&set, pick[i]);
        memset(&all, 0, sizeof(all));
        memset(&got, 0, sizeof(got));
        cxg_error_clear(&e);
        assert_int_equal(store_scan_interactions(s, after_id, on_row, &all, &e), CXG_OK);
        assert_int_equal(store_scan_interactions_shards(s, after_id, &set, on_row, &got, &e),
                         CXG_OK);
        for (size_t i = 0; i < all.n; i++) {
                int a = -1;

                for (int j = 0; j < ACCOUNTS; j++)
                        if (acc[j] == all.account[i])
                                a = j;
                assert_true(a >= 0);
                if (!cxg_shardset_has(&set, cxg_shard_of(ext[a], n)))
                        continue;
                assert_true(want < got.n);
                assert_int_equal(got.id[want], all.id[i]);
                want++;
        }
        assert_int_equal(got.n, want);
        return want;
}

static void test_scan_shards(void **state)
{
        struct fx *f = *state;
        static char ext[ACCOUNTS][300];
        int64_t acc[ACCOUNTS];
        static const uint32_t p8[] = {1, 2, 6}, p64[] = {0, 5, 17, 33, 40, 63}, none[] = {0};
        uint32_t every[N];
        size_t k;

        fill(f->s, ext, acc);
        for (uint32_t i = 0; i < N; i++)
                every[i] = i;
        k = check_shards(f->s, 8, p8, 3, 0, ext, acc);
        assert_true(k > 0 && k < ACCOUNTS * PER_ACCOUNT);
        check_shards(f->s, 8, p8, 3, 20, ext, acc);
        check_shards(f->s, N, p64, 6, 0, ext, acc);
        assert_int_equal(check_shards(f->s, N, none, 0, 0, ext, acc), 0);
        assert_int_equal(check_shards(f->s, N, every, N, 0, ext, acc), ACCOUNTS * PER_ACCOUNT);
        assert_int_equal(check_shards(f->s, 1, none, 1, 0, ext, acc), ACCOUNTS * PER_ACCOUNT);
}

/* PostgreSQL's cxg_shard_key(text) and accounts.shard_key equal the C function. */
static void test_pg_shard_key(void **state)
{
        struct fx *f = *state;
        static const char *const ids[] = {
            "",
            "a",
            "acme",
            "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8c\xb1",
            "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000000000000000000000000000-long-id",
            "tab\there'quote",
        };
        char sql[1024];

        if (!testdb_is_pg())
                skip();
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                char lit[600];
                size_t o = 0;
                int64_t v = -1;

                for (const char *p = ids[i]; *p && o + 2 < sizeof(lit); p++) {
                        if (*p == '\'')
                                lit[o++] = '\'';
                        lit[o++] = *p;
                }
                lit[o] = '\0';
                snprintf(sql, sizeof(sql), "SELECT cxg_shard_key('%s')", lit);
                assert_int_equal(testdb_int(f->path, sql, &v), 1);
                assert_int_equal(v, (int64_t)cxg_shard_key(ids[i]));
                if (!*ids[i])
                        continue;
                put_account(f->s, ids[i]);
                snprintf(sql, sizeof(sql), "SELECT shard_key FROM accounts WHERE ext_id = '%s'",
                         lit);
                assert_int_equal(testdb_int(f->path, sql, &v), 1);
                assert_int_equal(v, (int64_t)cxg_shard_key(ids[i]));
        }
        /* a changed ext_id gets its new key */
        assert_int_equal(testdb_exec(f->path, "UPDATE accounts SET ext_id = 'renamed'"
                                              " WHERE ext_id = 'acme'"),
                         0);
        {
                int64_t v = -1;

                assert_int_equal(
                    testdb_int(f->path, "SELECT shard_key FROM accounts WHERE ext_id = 'renamed'",
                               &v),
                    1);
                assert_int_equal(v, (int64_t)cxg_shard_key("renamed"));
        }
}

/* Migration 8 on a database with accounts: their keys are backfilled, and that is no change. */
static void test_pg_backfill(void **state)
{
        struct fx *f = *state;
        static const char *const ids[] = {"acme", "caf\xc3\xa9", "z-99"};
        char path[TESTDB_PATH_MAX], sql[256];
        int64_t v = -1, chg = -1, gen = -1;

        (void)f;
        if (!testdb_is_pg())
                skip();
        if (testdb_path(path, sizeof(path), "backfill"))
                fail_msg("no test database");
        assert_int_equal(store_schema_latest(), 8);
        for (int k = 0; k < 7; k++)
                assert_int_equal(testdb_exec(path, store_migrations_pg[k]), 0);
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                snprintf(sql, sizeof(sql), "INSERT INTO accounts(ext_id) VALUES ('%s')", ids[i]);
                assert_int_equal(testdb_exec(path, sql), 0);
        }
        assert_int_equal(testdb_int(path, "SELECT count(*) FROM changes", &chg), 1);
        assert_int_equal(testdb_int(path, "SELECT entities FROM read_gen", &gen), 1);
        assert_int_equal(testdb_exec(path, store_migrations_pg[7]), 0);
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                snprintf(sql, sizeof(sql), "SELECT shard_key FROM accounts WHERE ext_id = '%s'",
                         ids[i]);
                assert_int_equal(testdb_int(path, sql, &v), 1);
                assert_int_equal(v, (int64_t)cxg_shard_key(ids[i]));
        }
        assert_int_equal(testdb_int(path, "SELECT count(*) FROM changes", &v), 1);
        assert_int_equal(v, chg);
        assert_int_equal(testdb_int(path, "SELECT entities FROM read_gen", &v), 1);
        assert_int_equal(v, gen);
        /* the triggers are back on */
        assert_int_equal(testdb_exec(path, "UPDATE accounts SET name = 'x' WHERE ext_id = 'acme'"),
                         0);
        assert_int_equal(testdb_int(path, "SELECT count(*) FROM changes", &v), 1);
        assert_int_equal(v, chg + 1);
        assert_int_equal(testdb_int(path, "SELECT entities FROM read_gen", &v), 1);
        assert_int_equal(v, gen + 1);
}

/* migrate neither copies nor verifies the derived cluster tables; the target's are emptied. */
static void test_migrate_skips(void **state)
{
        struct fx *f = *state;
        struct store_state_row row = {STORE_STATE_ACCOUNT, 0, 0, 1, "S", 1, 0};
        struct store_migrate_report *rep = calloc(1, sizeof(*rep));
        char path[TESTDB_PATH_MAX];
        struct store *to = NULL;
        struct states v;
        struct cxg_error e;
        int64_t seq = 0, seq2 = 0;

        cxg_error_clear(&e);
        row.id = row.account_id = put_account(f->s, "acme");
        own_all(f->s, "a", N, T0);
        assert_int_equal(store_state_publish(f->s, "a", T0, &row, 1, NULL, NULL, &e), CXG_OK);
        if (testdb_path(path, sizeof(path), "cluster-to"))
                fail_msg("no test database");
        if (!testdb_is_pg())
                unlink(path);
        assert_int_equal(store_open(path, 0, &to, &e), CXG_OK);
        own_all(to, "a", 8, T0);
        row.id = 424242;
        assert_int_equal(store_state_publish(to, "a", T0, &row, 1, NULL, NULL, &e), CXG_OK);
        assert_int_equal(store_state_publish(to, "a", T0, &row, 1, &seq, NULL, &e), CXG_OK);
        assert_int_equal(store_read_begin(f->s, &e), CXG_OK);
        assert_int_equal(store_begin(to, &e), CXG_OK);
        if (store_migrate_copy(f->s, to, 0, rep, &e) || store_migrate_verify(f->s, to, rep, &e))
                fail_msg("migrate: %s", e.msg);
        assert_int_equal(store_commit(to, &e), CXG_OK);
        store_read_end(f->s);
        for (size_t i = 0; i < rep->n; i++)
                assert_null(strstr(rep->from[i].table, "cluster"));
        scan_states(to, 0, &v);
        assert_int_equal(v.n, 0);
        /* the count is free again, the publication counter kept growing */
        own_all(to, "a", 16, T0);
        assert_int_equal(store_state_publish(to, "a", T0, &row, 1, &seq2, NULL, &e), CXG_OK);
        assert_true(seq2 > seq);
        store_close(to);
        if (!testdb_is_pg())
                unlink(path);
        free(rep);
}

#define RACERS 3
#define ROUNDS 25

/* One racing node: its own handle, ROUNDS heartbeats and balancing steps; exit 0 when all ran. */
static void racer(const char *path, const char *name)
{
        struct store *s = NULL;
        struct cxg_shardset set;
        struct cxg_error e;
        int bad = 0;

        cxg_error_clear(&e);
        if (store_open(path, 0, &s, &e) || store_cluster_setup(s, N, &e))
                _exit(2);
        for (int r = 0; r < ROUNDS && !bad; r++) {
                struct store_node_info me;

                memset(&me, 0, sizeof(me));
                snprintf(me.name, sizeof(me.name), "%s", name);
                bad = store_cluster_heartbeat(s, &me, T0 + r / 5, TTL, &e) ||
                      store_shards_balance(s, name, T0 + r / 5,
                                           &(struct store_balance_opts){TTL, N, 1}, &set, &e);
        }
        if (bad)
                fprintf(stderr, "racer %s: %s\n", name, e.msg);
        store_close(s);
        _exit(bad);
}

/* Three processes balance at once: no step fails, and the next round settles at 22/21/21. */
static void test_race(void **state)
{
        struct fx *f = *state;
        static const char *const names[RACERS] = {"n1", "n2", "n3"};
        static char h[N][STORE_NODE_NAME_MAX];
        pid_t pid[RACERS];
        uint32_t total = 0;

        for (int i = 0; i < RACERS; i++) {
                pid[i] = fork();
                assert_true(pid[i] >= 0);
                if (pid[i] == 0)
                        racer(f->path, names[i]);
        }
        for (int i = 0; i < RACERS; i++) {
                int st = 0;

                assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
                assert_true(WIFEXITED(st));
                assert_int_equal(WEXITSTATUS(st), 0);
        }
        /* two settling rounds (the first lets over-target nodes release) */
        for (int r = 0; r < 2; r++) {
                total = 0;
                for (int i = 0; i < RACERS; i++) {
                        beat(f->s, names[i], T0 + 5);
                        total += balance(f->s, names[i], T0 + 5, NULL, 0);
                }
        }
        assert_int_equal(total, N);
        holders(f->s, h);
        for (int i = 0; i < RACERS; i++) {
                uint32_t k = 0;

                for (uint32_t j = 0; j < N; j++)
                        k += strcmp(h[j], names[i]) == 0;
                assert_int_equal(k, i == 0 ? 22 : 21);
        }
}

/*
 * Publications are fenced by the lease: a node whose lease expired or was taken writes
 * nothing (partials: CXG_ERR_CONFLICT naming the shard; states: the rows are counted refused),
 * the holder's writes pass.
 */
static void test_fence(void **state)
{
        struct fx *f = *state;
        int64_t acc = put_account(f->s, "acme");
        struct store_state_row row = {STORE_STATE_ACCOUNT, acc, acc, 5, "old", 3, 0};
        struct partials p;
        struct states v;
        struct cxg_error e;
        size_t refused = 9;
        int64_t seq = 0;

        cxg_error_clear(&e);
        own_all(f->s, "a", N, T0);
        /* a stalls: its leases expire at T0 + TTL, b (alone alive) takes every shard */
        beat(f->s, "b", T0 + TTL + 1);
        assert_int_equal(balance(f->s, "b", T0 + TTL + 1, NULL, 0), N);
        assert_int_equal(store_partial_put(f->s, 5, "b", T0 + TTL + 1, 2, "new", 3, &e), CXG_OK);
        row.blob = "new";
        assert_int_equal(store_state_publish(f->s, "b", T0 + TTL + 1, &row, 1, &seq, &refused, &e),
                         CXG_OK);
        assert_int_equal(refused, 0);
        /* a comes back and publishes what its engine still holds: refused */
        assert_int_equal(store_partial_put(f->s, 5, "a", T0 + TTL + 2, 1, "old", 3, &e),
                         CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "shard 5"));
        cxg_error_clear(&e);
        row.blob = "old";
        assert_int_equal(store_state_publish(f->s, "a", T0 + TTL + 2, &row, 1, &seq, &refused, &e),
                         CXG_OK);
        assert_int_equal(refused, 1);
        memset(&p, 0, sizeof(p));
        assert_int_equal(store_partials_scan(f->s, on_partial, &p, &e), CXG_OK);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.node[0], "b");
        assert_memory_equal(p.blob[0], "new", 3);
        scan_states(f->s, 0, &v);
        assert_int_equal(v.n, 1);
        assert_string_equal(v.blob[0], "new");
        /* an expired lease nobody took yet fences too: b stops renewing */
        assert_int_equal(store_partial_put(f->s, 5, "b", T0 + 3 * TTL, 3, "late", 4, &e),
                         CXG_ERR_CONFLICT);
        cxg_error_clear(&e);
        assert_int_equal(store_state_publish(f->s, "b", T0 + 3 * TTL, &row, 1, &seq, &refused, &e),
                         CXG_OK);
        assert_int_equal(refused, 1);
}

/* min_nodes: alone, the first of 3 nodes takes a third; with all 3 live every shard is held. */
static void test_min_nodes(void **state)
{
        struct fx *f = *state;
        static char h[N][STORE_NODE_NAME_MAX];
        struct cxg_error e;
        char a[256];
        uint32_t free_n = 0;

        cxg_error_clear(&e);
        assert_int_equal(store_cluster_setup(f->s, N, &e), CXG_OK);
        beat(f->s, "a", T0);
        assert_int_equal(balance_min(f->s, "a", T0, 3, a, sizeof(a)), 22);
        assert_string_equal(a, "0-21");
        holders(f->s, h);
        for (uint32_t i = 0; i < N; i++)
                free_n += h[i][0] == '\0';
        assert_int_equal(free_n, N - 22);
        beat(f->s, "b", T0);
        assert_int_equal(balance_min(f->s, "b", T0, 3, NULL, 0), 21);
        beat(f->s, "c", T0);
        assert_int_equal(balance_min(f->s, "c", T0, 3, NULL, 0), 21);
        /* a fourth node: the floor no longer binds, 16 each after the others release */
        beat(f->s, "d", T0);
        assert_int_equal(balance_min(f->s, "a", T0, 3, NULL, 0), 16);
        assert_int_equal(balance_min(f->s, "b", T0, 3, NULL, 0), 16);
        assert_int_equal(balance_min(f->s, "c", T0, 3, NULL, 0), 16);
        assert_int_equal(balance_min(f->s, "d", T0, 3, NULL, 0), 16);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_setup_conflict, setup, teardown),
            cmocka_unit_test_setup_teardown(test_heartbeat_nodes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_balance, setup, teardown),
            cmocka_unit_test_setup_teardown(test_no_steal, setup, teardown),
            cmocka_unit_test_setup_teardown(test_race, setup, teardown),
            cmocka_unit_test_setup_teardown(test_migrate_skips, setup, teardown),
            cmocka_unit_test_setup_teardown(test_partials, setup, teardown),
            cmocka_unit_test_setup_teardown(test_state, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fence, setup, teardown),
            cmocka_unit_test_setup_teardown(test_min_nodes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_scan_shards, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pg_shard_key, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pg_backfill, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
