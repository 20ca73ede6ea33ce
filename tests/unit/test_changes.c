/*
 * test_changes.c: the store's change log (store_changes.h): every kind of write to the
 * engine's tables leaves its rows in commit order, in the same transaction (a rollback leaves
 * none), from two handles on one database as from one; head, floor and prune.
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

#include "store/store.h"
#include "store/store_changes.h"
#include "store/store_int.h"
#include "store/store_privacy.h"
#include "store/store_query.h"
#include "testdb.h"

static char path[TESTDB_PATH_MAX];

static struct store *open_db(void)
{
        struct store *s = NULL;
        struct cxg_error e;

        assert_int_equal(testdb_path(path, sizeof(path), "changes"), 0);
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

#define MAXC 64

struct log {
        struct store_change c[MAXC];
        size_t n;
};

static enum cxg_err on_change(void *ctx, const struct store_change *c)
{
        struct log *l = ctx;

        assert_true(l->n < MAXC);
        l->c[l->n++] = *c;
        return CXG_OK;
}

/* The changes after seq `after`. */
static void read_log(struct store *s, int64_t after, struct log *l)
{
        struct cxg_error e;

        memset(l, 0, sizeof(*l));
        assert_int_equal(store_changes_scan(s, after, 0, on_change, l, &e), CXG_OK);
        for (size_t i = 1; i < l->n; i++)
                assert_true(l->c[i].seq > l->c[i - 1].seq);
}

static void expect(const struct store_change *c, int entity, int op, int64_t lo, int64_t hi,
                   int64_t account)
{
        assert_int_equal(c->entity, entity);
        assert_int_equal(c->op, op);
        assert_int_equal(c->id_lo, lo);
        assert_int_equal(c->id_hi, hi);
        assert_int_equal(c->account_id, account);
}

static int64_t put_account(struct store *s, const char *ext, const char *plan)
{
        struct account a;
        struct cxg_error e;
        int64_t id;

        model_account_init(&a);
        a.id = ext;
        a.plan = plan;
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_account(s, &a, &id, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        return id;
}

static int64_t put_person(struct store *s, const char *ext, const char *acc, const char *role)
{
        struct person p;
        struct cxg_error e;
        int64_t id;

        model_person_init(&p);
        p.id = ext;
        p.account_id = acc;
        p.role = role;
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_person(s, &p, &id, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        return id;
}

/* n interactions of (pid, aid) in one batch, plus n of (pid2, aid2) when pid2 > 0. */
static void put_rows(struct store *s, int64_t pid, int64_t aid, int64_t pid2, int64_t aid2,
                     int32_t tid, size_t n)
{
        size_t total = pid2 > 0 ? 2 * n : n, ins = 0;
        struct store_interaction *r = calloc(total, sizeof(*r));
        struct cxg_error e;

        assert_non_null(r);
        for (size_t k = 0; k < total; k++) {
                r[k].person_id = k < n ? pid : pid2;
                r[k].account_id = k < n ? aid : aid2;
                r[k].ts = INT64_C(1700000000) + (int64_t)k;
                r[k].duration_ms = -1;
                r[k].value = NAN;
                r[k].type_id = tid;
                r[k].channel = CXG_CH_WEB;
        }
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_interactions(s, r, total, &ins, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(ins, total);
        free(r);
}

static void exec(struct store *s, const char *sql)
{
        struct cxg_error e;

        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_exec(s, sql, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
}

static void test_each_write_kind(void **st)
{
        struct store *s = open_db();
        struct log l;
        struct cxg_error e;
        struct store_erase_report rep;
        int64_t a1, a2, p1, p2, head0, head;
        int32_t tid;

        (void)st;
        assert_int_equal(store_changes_head(s, &head0, &e), CXG_OK);
        assert_int_equal(head0, 0);
        a1 = put_account(s, "A1", "Pro");
        a2 = put_account(s, "A2", "Pro");
        put_account(s, "A1", "Pro");   /* the same values: no change */
        put_account(s, "A1", "Basic"); /* an update */
        p1 = put_person(s, "P1", "A1", "CFO");
        p2 = put_person(s, "P2", "A2", "Engineer");
        put_person(s, "P1", "A1", "CEO");
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_type_id(s, "login", 5, &tid, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        /* 100 rows: INS_ROWS-row statements and single rows, one range, one account */
        put_rows(s, p1, a1, 0, 0, tid, 100);
        /* two accounts in one batch: one range, no single account */
        put_rows(s, p1, a1, p2, a2, tid, 3);
        read_log(s, 0, &l);
        assert_int_equal(l.n, 9);
        expect(&l.c[0], STORE_E_ACCOUNT, STORE_OP_INSERT, a1, a1, a1);
        expect(&l.c[1], STORE_E_ACCOUNT, STORE_OP_INSERT, a2, a2, a2);
        expect(&l.c[2], STORE_E_ACCOUNT, STORE_OP_UPDATE, a1, a1, a1);
        expect(&l.c[3], STORE_E_PERSON, STORE_OP_INSERT, p1, p1, a1);
        expect(&l.c[4], STORE_E_PERSON, STORE_OP_INSERT, p2, p2, a2);
        expect(&l.c[5], STORE_E_PERSON, STORE_OP_UPDATE, p1, p1, a1);
        expect(&l.c[6], STORE_E_TYPE, STORE_OP_INSERT, tid, tid, 0);
        expect(&l.c[7], STORE_E_INTERACTION, STORE_OP_INSERT, 1, 100, a1);
        expect(&l.c[8], STORE_E_INTERACTION, STORE_OP_INSERT, 101, 106, 0);
        assert_true(l.c[8].at > 1700000000);
        assert_int_equal(store_changes_head(s, &head, &e), CXG_OK);
        assert_int_equal(head, l.c[8].seq);

        /* an interaction update, a no-op update, a delete; small tables */
        exec(s, "UPDATE interactions SET value = 3 WHERE id = 5");
        exec(s, "UPDATE interactions SET value = 3 WHERE id = 5");
        exec(s, "DELETE FROM interactions WHERE id = 6");
        exec(s, "INSERT INTO subscriptions(account_id, plan, mrr, started_at) VALUES (1, 'Pro',"
                " 10, 1700000000)");
        exec(s, "INSERT INTO feedback(person_id, account_id, ts, kind, score) VALUES (2, 2,"
                " 1700000000, 1, 9)");
        exec(s, "INSERT INTO capabilities(ext_id, name) VALUES ('c1', 'Cap')");
        exec(s, "INSERT INTO objectives(ext_id, account_id, title) VALUES ('o1', 2, 'Grow')");
        exec(s, "DELETE FROM subscriptions");
        read_log(s, head, &l);
        assert_int_equal(l.n, 7);
        expect(&l.c[0], STORE_E_INTERACTION, STORE_OP_UPDATE, 5, 5, a1);
        expect(&l.c[1], STORE_E_INTERACTION, STORE_OP_DELETE, 6, 6, a1);
        expect(&l.c[2], STORE_E_SUBSCRIPTION, STORE_OP_INSERT, 1, 1, a1);
        expect(&l.c[3], STORE_E_FEEDBACK, STORE_OP_INSERT, 1, 1, a2);
        expect(&l.c[4], STORE_E_CAPABILITY, STORE_OP_INSERT, 1, 1, 0);
        expect(&l.c[5], STORE_E_OBJECTIVE, STORE_OP_INSERT, 1, 1, a2);
        expect(&l.c[6], STORE_E_SUBSCRIPTION, STORE_OP_DELETE, 1, 1, a1);
        head = l.c[6].seq;

        /* erasure: the person's row, their interactions' and feedback's updates, the ERASE */
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_person_erase(s, "P2", &rep, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        read_log(s, head, &l);
        assert_true(l.n >= 2);
        expect(&l.c[0], STORE_E_PERSON, STORE_OP_UPDATE, p2, p2, a2);
        expect(&l.c[l.n - 1], STORE_E_PERSON, STORE_OP_ERASE, p2, p2, a2);
        head = l.c[l.n - 1].seq;

        /* deleting an account (no references left once its rows are gone) */
        exec(s, "DELETE FROM feedback; DELETE FROM objectives; DELETE FROM interactions"
                " WHERE account_id = 2; DELETE FROM people WHERE id = 2");
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_query_delete(s, STORE_E_ACCOUNTS, "A2", &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        read_log(s, head, &l);
        expect(&l.c[l.n - 1], STORE_E_ACCOUNT, STORE_OP_DELETE, a2, a2, a2);
        close_db(s);
}

static void test_rollback_leaves_none(void **st)
{
        struct store *s = open_db();
        struct account a;
        struct cxg_error e;
        int64_t id, head;
        struct log l;

        (void)st;
        model_account_init(&a);
        a.id = "A1";
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_account(s, &a, &id, NULL, &e), CXG_OK);
        assert_int_equal(store_change_note(s, STORE_E_ACCOUNT, STORE_OP_UPDATE, id, id, id, &e),
                         CXG_OK);
        store_rollback(s);
        read_log(s, 0, &l);
        assert_int_equal(l.n, 0);
        assert_int_equal(store_changes_head(s, &head, &e), CXG_OK);
        assert_int_equal(head, 0);
        /* outside a transaction, noting is refused */
        assert_int_equal(store_change_note(s, STORE_E_ACCOUNT, STORE_OP_UPDATE, 1, 1, 1, &e),
                         CXG_ERR_INTERNAL);
        close_db(s);
}

/* Two handles ("processes") on one database: seqs follow commit order, not id order. */
static void test_two_handles_commit_order(void **st)
{
        struct store *s1 = open_db(), *s2 = NULL;
        struct account a;
        struct cxg_error e;
        int64_t id1, id2, id3;
        struct log l;

        (void)st;
        assert_int_equal(store_open(path, 0, &s2, &e), CXG_OK);
        model_account_init(&a);
        a.id = "X";
        (void)put_account(s1, "A", "Pro");
        id2 = put_account(s2, "B", "Pro");
        /* s1 writes in a transaction that commits after s2's next one */
        assert_int_equal(store_begin(s2, &e), CXG_OK);
        assert_int_equal(store_put_account(s2, &a, &id3, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(s2, &e), CXG_OK);
        id1 = put_account(s1, "A", "Basic");
        read_log(s1, 0, &l);
        assert_int_equal(l.n, 4);
        expect(&l.c[0], STORE_E_ACCOUNT, STORE_OP_INSERT, 1, 1, 1);
        expect(&l.c[1], STORE_E_ACCOUNT, STORE_OP_INSERT, id2, id2, id2);
        expect(&l.c[2], STORE_E_ACCOUNT, STORE_OP_INSERT, id3, id3, id3);
        expect(&l.c[3], STORE_E_ACCOUNT, STORE_OP_UPDATE, id1, id1, id1);
        /* both handles see the same log */
        {
                struct log l2;

                read_log(s2, 0, &l2);
                assert_int_equal(l2.n, 4);
                assert_int_equal(l2.c[3].seq, l.c[3].seq);
        }
        store_close(s2);
        close_db(s1);
}

static void test_head_floor_prune(void **st)
{
        struct store *s = open_db();
        struct cxg_error e;
        int64_t head, floor;
        struct log l;
        char id[40];

        (void)st;
        assert_int_equal(store_changes_floor(s, &floor, &e), CXG_OK);
        assert_int_equal(floor, 0);
        put_account(s, "A", "Pro");
        put_account(s, "B", "Pro");
        put_account(s, "C", "Pro");
        /* age the first two */
        exec(s, "UPDATE changes SET at = 1000 WHERE seq <= 2");
        assert_int_equal(store_changes_head(s, &head, &e), CXG_OK);
        assert_int_equal(head, 3);
        assert_int_equal(store_changes_floor(s, &floor, &e), CXG_OK);
        assert_int_equal(floor, 0);
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_changes_prune(s, 2000, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(store_changes_floor(s, &floor, &e), CXG_OK);
        assert_int_equal(floor, 2);
        read_log(s, 0, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.c[0].seq, 3);
        /* paging: limit */
        put_account(s, "D", "Pro");
        put_account(s, "E", "Pro");
        memset(&l, 0, sizeof(l));
        assert_int_equal(store_changes_scan(s, 3, 1, on_change, &l, &e), CXG_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.c[0].seq, 4);
        /* pruning everything keeps the head */
        exec(s, "UPDATE changes SET at = 1000");
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_changes_prune(s, 2000, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(store_changes_head(s, &head, &e), CXG_OK);
        assert_int_equal(head, 5);
        assert_int_equal(store_changes_floor(s, &floor, &e), CXG_OK);
        assert_int_equal(floor, 4);
        assert_int_equal(store_identity(s, id, sizeof(id), &e), CXG_OK);
        assert_int_equal(strlen(id), 32);
        close_db(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_each_write_kind),
            cmocka_unit_test(test_rollback_leaves_none),
            cmocka_unit_test(test_two_handles_commit_order),
            cmocka_unit_test(test_head_floor_prune),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
