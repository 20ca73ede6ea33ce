/*
 * test_regress.c: regression tests for what the fuzzers (tests/fuzz/) and the reliability
 * tests found, one test per finding, named for the behaviour that was wrong. docs/operations.md
 * lists the findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>

#include "core/alloc.h"
#include "engine/snapshot.h"
#include "ingest/csv.h"
#include "store/store.h"
#include "core/timeconst.h"
#include "testdb.h"
#include "core/banned.h"

/*
 * fuzz_csv: a quoted field that is never closed, opened on a later line of a record that
 * spans lines, reported the quote's line instead of the record's (so the rejects file named
 * a line where no record starts).
 */
static void test_csv_unclosed_quote_in_multiline_record_names_the_record_line(void **state)
{
        struct ingest_csv r;
        struct cxg_error err;
        const char s[] = "id,name\r\nA1,\"muame\r\nA1,\"multi,\"say \"\"hli\"\"\r\n";
        int got;

        (void)state;
        assert_int_equal(ingest_csv_init(&r, "t.csv", s, sizeof(s) - 1, 0, 0, &err), CXG_OK);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(got, 1);
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_ERR_PARSE);
        assert_int_equal(r.rec_line, 2);
        assert_int_equal(err.line, 2);
        /* the message still says where the quote was opened */
        assert_non_null(strstr(err.msg, "opened on line 3 is never closed"));
        assert_int_equal(ingest_csv_next(&r, &got, &err), CXG_OK);
        assert_int_equal(got, 0);
        ingest_csv_release(&r);
}

/* A store with 3 accounts, 6 people and n interactions from id start (values 1..n). */
static void add_rows(struct store *st, int first, int n)
{
        struct store_interaction *rows = calloc((size_t)n, sizeof(*rows));
        struct cxg_error err;
        int32_t tid;

        assert_non_null(rows);
        assert_int_equal(store_type_id(st, "t", 1, &tid, &err), CXG_OK);
        for (int i = 0; i < n; i++) {
                char pid[8];
                int64_t p, a;

                snprintf(pid, sizeof(pid), "P%d", (first + i) % 6);
                assert_int_equal(store_person_ref(st, pid, strlen(pid), &p, &a, &err), CXG_OK);
                rows[i].person_id = p;
                rows[i].account_id = a;
                rows[i].ts = 1700000000 + (first + i) * CXG_HOUR;
                rows[i].duration_ms = first + i;
                rows[i].value = first + i;
                rows[i].type_id = tid;
                rows[i].channel = (uint8_t)((first + i) % 5);
        }
        assert_int_equal(store_put_interactions(st, rows, (size_t)n, NULL, NULL, &err), CXG_OK);
        free(rows);
}

static struct store *engine_store(void)
{
        struct store *st = NULL;
        struct cxg_error err;
        struct account a;
        struct person p;
        char id[8], acc[8];
        char path[TESTDB_PATH_MAX] = ":memory:"; /* on PostgreSQL a fresh database (testdb.h) */

        if (testdb_is_pg())
                assert_int_equal(testdb_path(path, sizeof(path), "regress"), 0);
        assert_int_equal(store_open(path, 0, &st, &err), CXG_OK);
        model_account_init(&a);
        model_person_init(&p);
        for (int i = 0; i < 3; i++) {
                snprintf(acc, sizeof(acc), "A%d", i);
                a.id = acc;
                assert_int_equal(store_put_account(st, &a, NULL, NULL, &err), CXG_OK);
        }
        for (int i = 0; i < 6; i++) {
                snprintf(id, sizeof(id), "P%d", i);
                snprintf(acc, sizeof(acc), "A%d", i % 3);
                p.id = id;
                p.account_id = acc;
                assert_int_equal(store_put_person(st, &p, NULL, NULL, &err), CXG_OK);
        }
        add_rows(st, 1, 40);
        return st;
}

/* rows and the sum of values in both segments */
static double snap_sum(const struct eng_snapshot *s, size_t *n)
{
        double sum = 0;

        *n = s->main.n + s->delta.n;
        for (size_t i = 0; i < s->main.n; i++)
                sum += s->main.value[i] + s->main.ts[i] * 1e-3 + s->main.duration[i];
        for (size_t i = 0; i < s->delta.n; i++)
                sum += s->delta.value[i] + s->delta.ts[i] * 1e-3 + s->delta.duration[i];
        return sum;
}

/*
 * test_oom_api (one allocation failing at a time, through the server's refresh after a batch):
 * a snapshot refresh that ran out of memory while merging the delta into the main segment
 * left the delta's columns freed but its row count in place, and the next refresh wrote the
 * new rows through a NULL column (a crash of the server). And a row whose column could not
 * grow was marked as seen, so later refreshes skipped it for good.
 */
static void test_snapshot_refresh_that_runs_out_of_memory_can_be_retried(void **state)
{
        struct cxg_error err;
        unsigned long total = 0;
        double want_sum = 0;
        size_t want_n = 0;

        (void)state;
        for (unsigned long k = 0; k == 0 || k <= total; k++) {
                struct store *st = engine_store();
                struct eng_snapshot s;
                enum cxg_err rc;
                size_t n;
                double sum;

                eng_snapshot_init(&s, NULL);
                assert_int_equal(eng_snapshot_load(&s, st, &err), CXG_OK);
                add_rows(st, 41, 10); /* 25% new rows: the refresh merges the delta */
                cxg_alloc_fail_once(k ? k : ULONG_MAX);
                rc = eng_snapshot_refresh(&s, st, NULL, &err);
                if (!k)
                        total = cxg_alloc_count();
                cxg_alloc_fail_at(0);
                assert_true(rc == CXG_OK || rc == CXG_ERR_NOMEM);
                /* a later refresh (with more rows) must work and see every row once */
                add_rows(st, 51, 5);
                assert_int_equal(eng_snapshot_refresh(&s, st, NULL, &err), CXG_OK);
                sum = snap_sum(&s, &n);
                if (!k) {
                        want_sum = sum;
                        want_n = n;
                        assert_int_equal(n, 55);
                } else if (n != want_n || fabs(sum - want_sum) > 1e-6) {
                        fail_msg("allocation %lu failing: %zu rows (sum %.3f) after the retry, "
                                 "expected %zu (%.3f)",
                                 k, n, sum, want_n, want_sum);
                }
                eng_snapshot_release(&s);
                store_close(st);
        }
        assert_true(total > 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_csv_unclosed_quote_in_multiline_record_names_the_record_line),
            cmocka_unit_test(test_snapshot_refresh_that_runs_out_of_memory_can_be_retried),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
