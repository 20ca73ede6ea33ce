/*
 * test_migrate.c: store_migrate_copy and store_migrate_verify (store_migrate.h): a copy keeps
 * ids and rows (equal counts and checksums), a tampered target is found and named, a target
 * with rows is refused unless replaced, and the table list covers the whole schema.
 * The source is a SQLite file; the target is the test backend's (testdb.h): another SQLite
 * file, or a PostgreSQL database under CXG_TEST_BACKEND=pg.
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
#include "store/store_int.h"
#include "store/store_migrate.h"

#include "testdb.h"

static char paths[2][256];

/* A fresh empty store: 0 a temporary SQLite file, 1 one of the test backend. */
static struct store *open_fresh(int which)
{
        struct store *s = NULL;
        struct cxg_error e;
        int fd;

        if (which == 1) {
                assert_int_equal(testdb_path(paths[1], sizeof(paths[1]), "migrate"), 0);
        } else {
                snprintf(paths[0], sizeof(paths[0]), "/tmp/cxg-migrate-XXXXXX");
                fd = mkstemp(paths[0]);
                assert_true(fd >= 0);
                close(fd);
        }
        if (store_open(paths[which], 0, &s, &e) != CXG_OK)
                fail_msg("open %s: %s", paths[which], e.msg);
        return s;
}

static void drop(struct store *s, int which)
{
        char p[300];

        store_close(s);
        if (store_is_pg_url(paths[which]))
                return;
        unlink(paths[which]);
        snprintf(p, sizeof(p), "%s-wal", paths[which]);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", paths[which]);
        unlink(p);
}

/* A few accounts, people and interactions (with and without external ids). */
static void fill(struct store *s)
{
        struct cxg_error e;
        struct account a;
        struct person p;
        struct store_interaction rows[50];
        char aid[16], pid[16], ext[50][16];
        int64_t acc = 0, per = 0;
        int32_t type = 0;

        assert_int_equal(store_begin(s, &e), CXG_OK);
        for (int i = 0; i < 3; i++) {
                snprintf(aid, sizeof(aid), "A%d", i);
                snprintf(pid, sizeof(pid), "P%d", i);
                model_account_init(&a);
                a.id = aid;
                a.name = "Acme\ttab\\slash";
                a.mrr = 10.25 * i;
                a.attributes = "{\"k\":\"line\\nbreak\"}";
                assert_int_equal(store_put_account(s, &a, &acc, NULL, &e), CXG_OK);
                model_person_init(&p);
                p.id = pid;
                p.account_id = aid;
                p.email = "x@example.org";
                assert_int_equal(store_put_person(s, &p, &per, NULL, &e), CXG_OK);
        }
        assert_int_equal(store_type_id(s, "login", 5, &type, &e), CXG_OK);
        for (int i = 0; i < 50; i++) {
                memset(&rows[i], 0, sizeof(rows[i]));
                rows[i].person_id = per;
                rows[i].account_id = acc;
                rows[i].ts = 1700000000 + i;
                rows[i].type_id = type;
                rows[i].duration_ms = i % 3 ? i : -1;
                rows[i].value = i % 2 ? 0.1 * i : NAN;
                snprintf(ext[i], sizeof(ext[i]), "e%d", i);
                rows[i].ext_id = i % 5 == 0 ? ext[i] : NULL;
        }
        assert_int_equal(store_put_interactions(s, rows, 50, NULL, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
}

static void copy_ok(struct store *from, struct store *to, unsigned flags,
                    struct store_migrate_report *rep)
{
        struct cxg_error e;

        assert_int_equal(store_read_begin(from, &e), CXG_OK);
        assert_int_equal(store_begin(to, &e), CXG_OK);
        if (store_migrate_copy(from, to, flags, rep, &e) != CXG_OK)
                fail_msg("copy: %s", e.msg);
        if (store_migrate_verify(from, to, rep, &e) != CXG_OK)
                fail_msg("verify: %s", e.msg);
        assert_int_equal(store_commit(to, &e), CXG_OK);
        store_read_end(from);
}

static int64_t rows_of(const struct store_migrate_report *r, const char *table)
{
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->to[i].table, table) == 0)
                        return r->to[i].rows;
        return -1;
}

static void test_copy_and_tamper(void **state)
{
        struct store *a = open_fresh(0), *b = open_fresh(1);
        struct store_migrate_report *rep = calloc(1, sizeof(*rep));
        struct cxg_error e;

        (void)state;
        fill(a);
        copy_ok(a, b, 0, rep);
        assert_int_equal(rows_of(rep, "accounts"), 3);
        assert_int_equal(rows_of(rep, "interactions"), 50);
        assert_true(rows_of(rep, "changes") > 0);
        /* a second copy into the same target is refused, naming a table */
        assert_int_equal(store_begin(b, &e), CXG_OK);
        assert_int_equal(store_migrate_copy(a, b, 0, rep, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "not empty"));
        store_rollback(b);
        /* tampering with one value of one row is found and the table named */
        assert_int_equal(sdb_exec(b, "UPDATE interactions SET ts = ts + 1 WHERE id = 7"), SDB_OK);
        assert_int_equal(store_migrate_verify(a, b, rep, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "table interactions"));
        /* --replace empties the target first; then it equals the source again */
        copy_ok(a, b, STORE_MIGRATE_REPLACE, rep);
        /* a text value changed, then a row gone (the first table that differs is named) */
        assert_int_equal(sdb_exec(b, "UPDATE accounts SET name = 'other' WHERE ext_id = 'A1'"),
                         SDB_OK);
        assert_int_equal(store_migrate_verify(a, b, rep, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "table accounts"));
        copy_ok(a, b, STORE_MIGRATE_REPLACE, rep);
        assert_int_equal(sdb_exec(b, "DELETE FROM interactions WHERE id = 9"), SDB_OK);
        assert_int_equal(store_migrate_verify(a, b, rep, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "table interactions"));
        /* --replace empties the target first; then it equals the source again */
        copy_ok(a, b, STORE_MIGRATE_REPLACE, rep);
        free(rep);
        drop(a, 0);
        drop(b, 1);
}

/* store.id stays the target's own; the ids are kept (a put after the copy gets a new id). */
static void test_identity_and_ids(void **state)
{
        struct store *a = open_fresh(0), *b = open_fresh(1);
        struct store_migrate_report *rep = calloc(1, sizeof(*rep));
        char ida[64], idb[64], idb2[64];
        struct sdb_stmt *st = NULL;
        struct cxg_error e;
        int64_t id = 0, max = 0;

        (void)state;
        fill(a);
        assert_int_equal(store_meta_get(b, "store.id", idb, sizeof(idb), &e), CXG_OK);
        copy_ok(a, b, 0, rep);
        assert_int_equal(store_meta_get(a, "store.id", ida, sizeof(ida), &e), CXG_OK);
        assert_int_equal(store_meta_get(b, "store.id", idb2, sizeof(idb2), &e), CXG_OK);
        assert_string_equal(idb, idb2);
        assert_string_not_equal(ida, idb2);
        assert_int_equal(store_account_ref(b, "A2", 2, &max, &e), CXG_OK);
        /* the identity sequence is past the ids copied (PostgreSQL: set by the copy) */
        assert_int_equal(
            sdb_prepare(b, "INSERT INTO accounts(ext_id) VALUES ('A9') RETURNING id", &st), SDB_OK);
        assert_int_equal(sdb_step(st), SDB_ROW);
        id = sdb_column_int64(st, 0);
        sdb_finalize(st);
        assert_true(id > max);
        free(rep);
        drop(a, 0);
        drop(b, 1);
}

struct seen {
        int64_t n, first, last;
        int attr_ok, nan_ok;
};

static enum cxg_err on_row(void *ctx, const struct store_interaction *r)
{
        struct seen *v = ctx;

        if (!v->n++)
                v->first = r->id;
        v->last = r->id;
        if (r->ts == 1800000007)
                v->attr_ok = r->attributes &&
                             strcmp(r->attributes, "{\"k\":\"t\\tb\\\\s\"}") == 0 &&
                             r->duration_ms == -1;
        if (r->ts == 1800000008)
                v->nan_ok = isnan(r->value);
        return CXG_OK;
}

static int64_t one(struct store *s, const char *sql)
{
        struct sdb_stmt *st = NULL;
        int64_t v = -1;

        assert_int_equal(sdb_prepare(s, sql, &st), SDB_OK);
        if (sdb_step(st) == SDB_ROW)
                v = sdb_column_int64(st, 0);
        sdb_finalize(st);
        return v;
}

/*
 * The interaction batch on the copied store (COPY on PostgreSQL): ids follow the copied
 * ones, one change-log range with the account, a refused row names its line and leaves
 * nothing, a rollback leaves nothing, and the scan returns the values written.
 */
static void test_interaction_batch_after_copy(void **state)
{
        struct store *a = open_fresh(0), *b = open_fresh(1);
        struct store_migrate_report *rep = calloc(1, sizeof(*rep));
        struct store_interaction rows[200];
        struct seen v = {0};
        struct cxg_error e;
        int64_t max, before, acc, per;
        size_t ins = 0;

        (void)state;
        fill(a);
        copy_ok(a, b, 0, rep);
        max = one(b, "SELECT max(id) FROM interactions");
        acc = one(b, "SELECT max(account_id) FROM interactions");
        per = one(b, "SELECT max(person_id) FROM interactions");
        for (int i = 0; i < 200; i++) {
                memset(&rows[i], 0, sizeof(rows[i]));
                rows[i].person_id = per;
                rows[i].account_id = acc;
                rows[i].ts = 1800000000 + i;
                rows[i].type_id = 1;
                rows[i].duration_ms = i % 7 == 0 ? -1 : i;
                rows[i].value = i % 8 == 0 ? NAN : i * 0.5;
        }
        rows[7].attributes = "{\"k\":\"t\\tb\\\\s\"}";
        assert_int_equal(store_begin(b, &e), CXG_OK);
        assert_int_equal(store_put_interactions(b, rows, 200, &ins, NULL, &e), CXG_OK);
        assert_int_equal(store_commit(b, &e), CXG_OK);
        assert_int_equal(ins, 200);
        assert_int_equal(one(b, "SELECT min(id) FROM interactions WHERE ts >= 1800000000"),
                         max + 1);
        assert_int_equal(one(b, "SELECT max(id) FROM interactions WHERE ts >= 1800000000"),
                         max + 200);
        assert_int_equal(one(b, "SELECT count(*) FROM changes WHERE entity = 4 AND op = 1"
                                " AND id_lo = (SELECT min(id) FROM interactions WHERE ts >="
                                " 1800000000) AND id_hi = id_lo + 199 AND account_id ="
                                " (SELECT max(account_id) FROM interactions)"),
                         1);
        /* a refused row: its line, and nothing of the batch */
        before = one(b, "SELECT count(*) FROM interactions");
        rows[4].ts = CXG_TS_NONE;
        assert_int_equal(store_begin(b, &e), CXG_OK);
        assert_int_equal(store_put_interactions(b, rows, 200, NULL, NULL, &e), CXG_ERR_INVALID);
        assert_int_equal(e.line, 5);
        assert_int_equal(store_commit(b, &e), CXG_OK);
        assert_int_equal(one(b, "SELECT count(*) FROM interactions"), before);
        rows[4].ts = 1800000004;
        /* a rollback leaves neither rows nor changes */
        before = one(b, "SELECT count(*) FROM changes");
        assert_int_equal(store_begin(b, &e), CXG_OK);
        assert_int_equal(store_put_interactions(b, rows, 50, NULL, NULL, &e), CXG_OK);
        store_rollback(b);
        assert_int_equal(one(b, "SELECT count(*) FROM changes"), before);
        assert_int_equal(one(b, "SELECT max(id) FROM interactions"), max + 200);
        /* the scan (COPY TO on PostgreSQL) gives back what was written */
        assert_int_equal(store_scan_interactions(b, max, on_row, &v, &e), CXG_OK);
        assert_int_equal(v.n, 200);
        assert_int_equal(v.first, max + 1);
        assert_true(v.attr_ok);
        assert_true(v.nan_ok);
        free(rep);
        drop(a, 0);
        drop(b, 1);
}

/* Every table of a fresh store is in the copy list (but the version and SQLite's own). */
static void test_table_list_complete(void **state)
{
        struct store *a = open_fresh(1);
        struct sdb_stmt *st = NULL;
        int rc;

        (void)state;
        assert_int_equal(sdb_prepare(a,
                                     store_sql(a,
                                               "SELECT name FROM sqlite_master WHERE type ="
                                               " 'table' AND name NOT LIKE 'sqlite_%'",
                                               "SELECT table_name FROM information_schema.tables"
                                               " WHERE table_schema = current_schema()"
                                               " AND table_type = 'BASE TABLE'"
                                               " AND table_name NOT LIKE '%\\_keys'"),
                                     &st),
                         SDB_OK);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                const char *t = (const char *)sdb_column_text(st, 0);
                int found = strcmp(t, "schema_version") == 0;

                for (size_t i = 0; store_migrate_table(i) && !found; i++)
                        found = strcmp(store_migrate_table(i), t) == 0;
                if (!found)
                        fail_msg("table %s is not copied by migrate (src/store/migrate.c)", t);
        }
        assert_int_equal(rc, SDB_DONE);
        sdb_finalize(st);
        drop(a, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_copy_and_tamper),
            cmocka_unit_test(test_identity_and_ids),
            cmocka_unit_test(test_table_list_complete),
            cmocka_unit_test(test_interaction_batch_after_copy),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
