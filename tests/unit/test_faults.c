/*
 * test_faults.c: imports into a database that cannot take more data. A full disk is simulated
 * with SQLite's max_page_count (SQLite then fails writes with SQLITE_FULL, as on ENOSPC) and a
 * read-only database with query_only (root ignores file modes; tests/cli/crash_diskfull.sh
 * does the same with a real full tmpfs and a read-only mount). Both go through store_int.h,
 * so production code has no test switch. Each must give a clear error (the code, the database
 * named, the rows committed before), never a crash, a half batch or silent loss, and the
 * import must converge once there is room again. Also checks the on_batch report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "ingest/import.h"
#include "store/store.h"
#include "store/store_int.h"
#include "testdb.h"

#define DB_FILE "tf_faults.db"
/* the database: DB_FILE on SQLite, a fresh database per setup on PostgreSQL (testdb.h) */
static char DB[TESTDB_PATH_MAX] = DB_FILE;
#define CSV "tf_faults.csv"
#define ROWS 20000
#define BATCH 1000

static void remove_db(void)
{
        unlink(DB_FILE);
        unlink(DB_FILE "-wal");
        unlink(DB_FILE "-shm");
        unlink(CSV);
        unlink(CSV ".rejects.csv");
}

static long long q(struct store *s, const char *sql)
{
        sqlite3_stmt *st;
        long long v = -1;

        assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

/* PRAGMA integrity_check says "ok" */
static int intact(struct store *s)
{
        sqlite3_stmt *st;
        int ok = 0;

        assert_int_equal(sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL),
                         SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
        sqlite3_finalize(st);
        return ok;
}

static void exec(struct store *s, const char *sql)
{
        assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A database with account A1 and person P1, and a CSV of ROWS interactions with ids. */
static struct store *setup(void)
{
        struct store *s = NULL;
        struct cxg_error err;
        struct account a;
        struct person p;
        FILE *f;

        remove_db();
        assert_int_equal(testdb_named(DB, sizeof(DB), DB_FILE, "faults"), 0);
        assert_int_equal(store_open(DB, 0, &s, &err), CXG_OK);
        model_account_init(&a);
        a.id = "A1";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &err), CXG_OK);
        model_person_init(&p);
        p.id = "P1";
        p.account_id = "A1";
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &err), CXG_OK);
        f = fopen(CSV, "w");
        assert_non_null(f);
        fprintf(f, "id,person_id,ts,type,value,note\n");
        for (int i = 1; i <= ROWS; i++)
                fprintf(f, "i%d,P1,%d,t%d,%d,some text to fill pages %d\n", i, 1700000000 + i,
                        i % 5, i, i);
        fclose(f);
        return s;
}

struct log {
        int n;
        long first[64], last[64];
        uint64_t committed[64], total[64];
};

static void on_batch(void *ctx, const struct ingest_batch_report *b)
{
        struct log *l = ctx;

        assert_int_equal(b->seq, (uint64_t)l->n + 1);
        if (l->n < 64) {
                l->first[l->n] = b->first_line;
                l->last[l->n] = b->last_line;
                l->committed[l->n] = b->committed;
                l->total[l->n] = b->total;
        }
        l->n++;
}

static enum cxg_err import(struct store *s, struct log *l, struct ingest_summary *sum,
                           struct cxg_error *err)
{
        struct ingest_opts o;

        ingest_opts_init(&o, INGEST_INTERACTIONS);
        o.batch = BATCH;
        o.threads = 1;
        o.on_batch = on_batch;
        o.ctx = l;
        memset(l, 0, sizeof(*l));
        cxg_error_clear(err);
        return ingest_file(s, CSV, &o, sum, err);
}

static void test_import_reports_each_committed_batch_with_its_lines(void **state)
{
        struct store *s = setup();
        struct ingest_summary sum;
        struct cxg_error err;
        struct log l;

        (void)state;
        assert_int_equal(import(s, &l, &sum, &err), CXG_OK);
        assert_int_equal(l.n, ROWS / BATCH);
        /* batch k holds data rows k*BATCH+1 .. (k+1)*BATCH, at file lines one further down */
        for (int k = 0; k < l.n; k++) {
                assert_int_equal(l.first[k], k * BATCH + 2);
                assert_int_equal(l.last[k], (k + 1) * BATCH + 1);
                assert_int_equal(l.committed[k], BATCH);
                assert_int_equal(l.total[k], (uint64_t)(k + 1) * BATCH);
        }
        store_close(s);
        remove_db();
}

static void test_import_into_a_full_disk_stops_with_a_clear_error_and_whole_batches(void **state)
{
        struct store *s = setup();
        struct ingest_summary sum;
        struct cxg_error err;
        struct log l;
        char want[600];
        long long pages = q(s, "PRAGMA page_count"), n;

        (void)state;
        /* room for a few batches only: about 40 more pages of 4 KiB */
        snprintf(want, sizeof(want), "PRAGMA max_page_count = %lld", pages + 40);
        exec(s, want);
        assert_int_equal(import(s, &l, &sum, &err), CXG_ERR_FULL);
        assert_true(l.n >= 1 && l.n < ROWS / BATCH);
        n = q(s, "SELECT count(*) FROM interactions");
        /* what was reported committed is there, and only that: whole batches */
        assert_int_equal(n, (long long)sum.committed);
        assert_int_equal(n, (long long)l.n * BATCH);
        assert_int_equal(q(s, "SELECT max(value) FROM interactions"), n);
        snprintf(want, sizeof(want), "the disk is full");
        assert_non_null(strstr(err.msg, want));
        assert_non_null(strstr(err.msg, DB));
        snprintf(want, sizeof(want), "%lld rows were committed before", n);
        assert_non_null(strstr(err.msg, want));
        assert_true(intact(s));
        assert_true(sqlite3_get_autocommit(s->db));
        /* room again: the same import converges to every row, once */
        exec(s, "PRAGMA max_page_count = 1073741823");
        assert_int_equal(import(s, &l, &sum, &err), CXG_OK);
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), ROWS);
        assert_int_equal(q(s, "SELECT count(DISTINCT ext_id) FROM interactions"), ROWS);
        assert_int_equal(sum.updated, (uint64_t)n);
        store_close(s);
        remove_db();
}

static void test_json_batch_into_a_full_disk_writes_nothing(void **state)
{
        struct store *s = setup();
        struct ingest_row_error *errs = NULL;
        struct ingest_summary sum;
        struct cxg_error err;
        struct cxg_buf b;
        size_t n_errs = 0;
        char sql[64];

        (void)state;
        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_buf_putc(&b, '['), CXG_OK);
        for (int i = 0; i < 3000; i++)
                assert_int_equal(cxg_buf_printf(&b,
                                                "%s{\"person_id\":\"P1\",\"ts\":%d,\"type\":\"x\","
                                                "\"note\":\"padding padding padding %d\"}",
                                                i ? "," : "", 1700000000 + i, i),
                                 CXG_OK);
        assert_int_equal(cxg_buf_putc(&b, ']'), CXG_OK);
        snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", q(s, "PRAGMA page_count") + 5);
        exec(s, sql);
        assert_int_equal(
            ingest_json_batch(s, INGEST_INTERACTIONS, b.data, b.len, 0, &errs, &n_errs, &sum, &err),
            CXG_ERR_FULL);
        assert_null(errs);
        assert_non_null(strstr(err.msg, "the disk is full"));
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), 0);
        assert_int_equal(sum.committed, 0);
        cxg_buf_release(&b);
        store_close(s);
        remove_db();
}

static void test_import_into_a_read_only_database_is_refused_clearly(void **state)
{
        struct store *s = setup();
        struct ingest_summary sum;
        struct cxg_error err;
        struct log l;

        (void)state;
        exec(s, "PRAGMA query_only = 1");
        assert_int_equal(import(s, &l, &sum, &err), CXG_ERR_READONLY);
        assert_non_null(strstr(err.msg, DB));
        assert_non_null(strstr(err.msg, "read-only"));
        assert_non_null(strstr(err.msg, "0 rows were committed before"));
        assert_int_equal(l.n, 0);
        assert_int_equal(sum.committed, 0);
        exec(s, "PRAGMA query_only = 0");
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), 0);
        store_close(s);
        remove_db();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_import_reports_each_committed_batch_with_its_lines),
            cmocka_unit_test(
                test_import_into_a_full_disk_stops_with_a_clear_error_and_whole_batches),
            cmocka_unit_test(test_json_batch_into_a_full_disk_writes_nothing),
            cmocka_unit_test(test_import_into_a_read_only_database_is_refused_clearly),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
