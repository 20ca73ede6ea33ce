/* test_store_nodes.c: state shared by several servers: failed sign-ins, leases, delivery claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_nodes.h"
#include "testdb.h"

#define T0 INT64_C(1790000000)

/* Two handles on one database: two servers. */
struct fx {
        char path[1024];
        struct store *a, *b;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));
        struct cxg_error e;

        if (testdb_path(f->path, sizeof(f->path), "nodes"))
                fail_msg("no test database");
        if (!testdb_is_pg())
                unlink(f->path);
        cxg_error_clear(&e);
        if (store_open(f->path, 0, &f->a, &e) || store_open(f->path, 0, &f->b, &e))
                fail_msg("open: %s", e.msg);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        char p[1100];

        store_close(f->a);
        store_close(f->b);
        if (testdb_is_pg()) {
                free(f);
                return 0;
        }
        unlink(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        free(f);
        return 0;
}

static long wait_of(struct store *s, const char *key, int64_t now)
{
        struct cxg_error e;
        long w = -1;

        cxg_error_clear(&e);
        if (store_login_wait(s, key, now, 60, 3, &w, &e))
                fail_msg("wait: %s", e.msg);
        return w;
}

static void fail_at(struct store *s, const char *key, int64_t now)
{
        struct cxg_error e;

        cxg_error_clear(&e);
        if (store_login_fail(s, key, now, 60, &e))
                fail_msg("fail: %s", e.msg);
}

static void test_failed_sign_ins_are_counted_across_handles(void **state)
{
        struct fx *f = *state;
        struct cxg_error e;

        assert_int_equal(wait_of(f->a, "u:ana", T0), 0);
        fail_at(f->a, "u:ana", T0);
        fail_at(f->b, "u:ana", T0 + 1);
        assert_int_equal(wait_of(f->a, "u:ana", T0 + 2), 0);
        fail_at(f->a, "u:ana", T0 + 2);
        /* the third failure in the window: locked until the window (started at T0) ends */
        assert_int_equal(wait_of(f->b, "u:ana", T0 + 10), 50);
        assert_int_equal(wait_of(f->b, "ip:1.2.3.4", T0 + 10), 0);
        /* the window closes: a new failure starts a new one */
        assert_int_equal(wait_of(f->a, "u:ana", T0 + 60), 0);
        fail_at(f->a, "u:ana", T0 + 61);
        assert_int_equal(wait_of(f->a, "u:ana", T0 + 62), 0);
        fail_at(f->a, "u:ana", T0 + 62);
        fail_at(f->a, "u:ana", T0 + 63);
        assert_int_equal(wait_of(f->a, "u:ana", T0 + 63), 58);
        /* a sign-in clears it */
        cxg_error_clear(&e);
        assert_int_equal(store_login_reset(f->b, "u:ana", &e), CXG_OK);
        assert_int_equal(wait_of(f->a, "u:ana", T0 + 63), 0);
}

static int take(struct store *s, const char *holder, int64_t now, int64_t *at)
{
        struct cxg_error e;
        int taken = -1;

        cxg_error_clear(&e);
        if (store_lease_take(s, "detector", holder, now, 10, 100, &taken, at, &e))
                fail_msg("take: %s", e.msg);
        return taken;
}

static void test_a_lease_runs_once_per_gap(void **state)
{
        struct fx *f = *state;
        struct cxg_error e;
        int64_t at = 0;

        assert_int_equal(take(f->a, "A", T0, &at), 1);
        assert_int_equal(at, T0);
        /* B in the same slot: refused, told when A ran */
        assert_int_equal(take(f->b, "B", T0, &at), 0);
        assert_int_equal(at, T0);
        assert_int_equal(take(f->b, "B", T0 + 9, &at), 0);
        /* a gap later, A still holds it (a long run): B waits */
        assert_int_equal(take(f->b, "B", T0 + 10, &at), 0);
        cxg_error_clear(&e);
        assert_int_equal(store_lease_release(f->a, "detector", "A", T0 + 10, &e), CXG_OK);
        assert_int_equal(take(f->b, "B", T0 + 10, &at), 1);
        assert_int_equal(take(f->a, "A", T0 + 10, &at), 0);
        assert_int_equal(at, T0 + 10);
        /* B dies holding it: A takes it when the hold expires (T0 + 110) */
        assert_int_equal(take(f->a, "A", T0 + 109, &at), 0);
        assert_int_equal(take(f->a, "A", T0 + 110, &at), 1);
}

struct ids {
        int64_t v[64];
        int n;
};

static enum cxg_err collect(void *ctx, const struct store_delivery *d)
{
        struct ids *l = ctx;

        assert_string_equal(d->url, "http://127.0.0.1:9/hook");
        assert_string_equal(d->secret, "a-test-secret-0123456789");
        assert_string_equal(d->event, "alert.test");
        if (l->n < 64)
                l->v[l->n++] = d->id;
        return CXG_OK;
}

static void claim(struct store *s, int64_t now, int limit, struct ids *out)
{
        struct cxg_error e;

        memset(out, 0, sizeof(*out));
        cxg_error_clear(&e);
        if (store_deliveries_claim(s, now, now + 50, limit, collect, out, &e))
                fail_msg("claim: %s", e.msg);
}

static enum cxg_err webhook_id(void *ctx, const struct store_webhook *w)
{
        *(int64_t *)ctx = w->id;
        return CXG_OK;
}

static void test_deliveries_are_claimed_once(void **state)
{
        struct fx *f = *state;
        struct store_webhook w = {0};
        struct cxg_error e;
        struct ids x, y;
        int64_t wid, did, listed = 0;

        cxg_error_clear(&e);
        w.url = "http://127.0.0.1:9/hook";
        w.secret = "a-test-secret-0123456789";
        assert_int_equal(store_webhook_add(f->a, &w, T0, &wid, &e), CXG_OK);
        /* store_webhook_add's id (RETURNING id) is the one the list shows */
        assert_int_equal(store_webhooks_list(f->a, 0, webhook_id, &listed, &e), CXG_OK);
        assert_int_equal(listed, wid);
        for (int i = 0; i < 5; i++)
                assert_int_equal(store_delivery_queue_test(f->a, wid, "{}", T0, &did, &e), CXG_OK);
        claim(f->a, T0, 3, &x);
        assert_int_equal(x.n, 3);
        claim(f->b, T0, 8, &y);
        assert_int_equal(y.n, 2);
        for (int i = 0; i < x.n; i++)
                for (int j = 0; j < y.n; j++)
                        assert_true(x.v[i] != y.v[j]);
        claim(f->a, T0 + 1, 8, &y);
        assert_int_equal(y.n, 0);
        /* A sends one; the others' holder dies: they are due again when the lease ends */
        assert_int_equal(store_delivery_result(f->a, x.v[0], 1, 204, NULL, T0, 0, &e), CXG_OK);
        claim(f->b, T0 + 49, 8, &y);
        assert_int_equal(y.n, 0);
        claim(f->b, T0 + 50, 8, &y);
        assert_int_equal(y.n, 4);
        assert_int_equal(store_ping(f->b, &e), CXG_OK);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_failed_sign_ins_are_counted_across_handles, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_a_lease_runs_once_per_gap, setup, teardown),
            cmocka_unit_test_setup_teardown(test_deliveries_are_claimed_once, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
