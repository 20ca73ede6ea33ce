/* test_jsonl.c: JSON-lines files: line splitting, rejected lines, JSON values as fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ingest/ingest_int.h"
#include "store/store.h"
#include "testdb.h"

#define DB_FILE "tj_jsonl.db"
/* the database: DB_FILE on SQLite, a fresh database per setup on PostgreSQL (testdb.h) */
static char DB[TESTDB_PATH_MAX] = DB_FILE;

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        fclose(f);
}

static long long q(const char *sql)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        long long v = -1;

        assert_int_equal(sqlite3_open_v2(DB, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

struct seen {
        int n;
        long line[16];
        char column[16][64], field[16][64], reason[16][256];
};

static void on_reject(void *ctx, const struct ingest_reject *r)
{
        struct seen *s = ctx;

        if (s->n >= 16)
                return;
        s->line[s->n] = r->line;
        snprintf(s->column[s->n], 64, "%s", r->column);
        snprintf(s->field[s->n], 64, "%s", r->field);
        snprintf(s->reason[s->n], 256, "%s", r->reason);
        s->n++;
}

static struct store *open_db(void)
{
        struct store *s = NULL;
        struct cxg_error err;

        unlink(DB_FILE);
        unlink(DB_FILE "-wal");
        unlink(DB_FILE "-shm");
        assert_int_equal(testdb_named(DB, sizeof(DB), DB_FILE, "jsonl"), 0);
        assert_int_equal(store_open(DB, 0, &s, &err), CXG_OK);
        return s;
}

static enum cxg_err run(struct store *s, enum ingest_kind k, const char *path, const char *map,
                        struct ingest_summary *sum, struct seen *seen)
{
        struct ingest_opts o;
        struct cxg_error err;

        ingest_opts_init(&o, k);
        o.map = map;
        o.threads = 1;
        o.on_reject = on_reject;
        o.ctx = seen;
        memset(seen, 0, sizeof(*seen));
        return ingest_file(s, path, &o, sum, &err);
}

static void test_jsonl_lines_skip_blanks_and_count(void **state)
{
        struct ingest_jsonl r;
        struct cxg_error err;
        const char s[] = "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}";
        const char *p;
        size_t n;
        int got;

        (void)state;
        ingest_jsonl_init(&r, "t.jsonl", s, sizeof(s) - 1, 0);
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_OK);
        assert_int_equal(r.line, 1);
        assert_int_equal(n, 7);
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_OK);
        assert_int_equal(r.line, 4);
        assert_int_equal(n, 7); /* CR dropped */
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_OK);
        assert_int_equal(r.line, 5);
        assert_memory_equal(p, "{\"c\":3}", 7);
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_OK);
        assert_int_equal(got, 0);
}

static void test_jsonl_long_line_is_an_error_and_reading_goes_on(void **state)
{
        struct ingest_jsonl r;
        struct cxg_error err;
        const char s[] = "{\"a\":\"0123456789\"}\n{}\n";
        const char *p;
        size_t n;
        int got;

        (void)state;
        ingest_jsonl_init(&r, "t.jsonl", s, sizeof(s) - 1, 10);
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_ERR_LIMIT);
        assert_int_equal(err.line, 1);
        assert_int_equal(ingest_jsonl_next(&r, &p, &n, &got, &err), CXG_OK);
        assert_int_equal(got, 1);
        assert_int_equal(r.line, 2);
}

static void test_jsonl_import_values_lists_attributes_and_rejects(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;

        (void)state;
        write_file("tj_acc.jsonl",
                   "{\"id\":\"a1\",\"mrr\":12.5,\"churned\":true,\"plan\":\"Pro\",\"seats\":4,"
                   "\"tags\":[\"x\"],\"gone\":null}\n"
                   "\n"
                   "[1,2]\n"
                   "{\"id\":\"a2\",\"created_at\":1700000000}\n"
                   "{\"id\":\"a3\",\"mrr\":\"lots\"}\n"
                   "{\"id\":\"a4\",\n"
                   "{\"id\":\"a5\",\"name\":[\"no\"]}\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "tj_acc.jsonl", NULL, &sum, &seen), CXG_OK);
        assert_int_equal(sum.read, 6);
        assert_int_equal(sum.inserted, 2);
        assert_int_equal(sum.rejected, 4);
        assert_int_equal(seen.line[0], 3);
        assert_string_equal(seen.reason[0], "not a JSON object");
        assert_int_equal(seen.line[1], 5);
        assert_string_equal(seen.field[1], "mrr");
        assert_string_equal(seen.reason[1], "not a number: \"lots\"");
        assert_int_equal(seen.line[2], 6);
        assert_non_null(strstr(seen.reason[2], "not valid JSON"));
        assert_int_equal(seen.line[3], 7);
        assert_string_equal(seen.column[3], "name");
        assert_string_equal(seen.reason[3], "expected one value, got a list");
        assert_int_equal(q("SELECT churned FROM accounts WHERE ext_id='a1'"), 1);
        assert_int_equal(q("SELECT mrr*2 FROM accounts WHERE ext_id='a1'"), 25);
        assert_int_equal(q("SELECT created_at FROM accounts WHERE ext_id='a2'"), 1700000000);
        assert_int_equal(q("SELECT attributes='{\"seats\":4,\"tags\":[\"x\"],\"gone\":null}' FROM "
                           "accounts WHERE ext_id='a1'"),
                         1);
        /* rejects file: the original line in a "record" column */
        {
                FILE *f = fopen("tj_acc.jsonl.rejects.csv", "rb");
                char buf[1024];
                size_t n;

                assert_non_null(f);
                n = fread(buf, 1, sizeof(buf) - 1, f);
                buf[n] = '\0';
                fclose(f);
                assert_non_null(strstr(buf, "line,column,field,reason,record\n"
                                            "3,,,not a JSON object,\"[1,2]\"\n"));
        }
        store_close(s);
}

static void test_jsonl_objectives_take_arrays_and_mapped_keys(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;

        (void)state;
        write_file("tj_a.jsonl", "{\"id\":\"a1\"}\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "tj_a.jsonl", NULL, &sum, &seen), CXG_OK);
        write_file("tj_obj.jsonl",
                   "{\"key\":\"o1\",\"Account ID\":\"a1\",\"title\":\"Hire faster\","
                   "\"importance\":5,\"capabilities\":[\"search\",\"inmail\"]}\n"
                   "{\"key\":\"o2\",\"accountId\":\"a1\",\"title\":\"Grow\","
                   "\"capabilities\":\"ads; analytics |\"}\n"
                   "{\"key\":\"o3\",\"account_id\":\"a1\",\"title\":\"Bad\",\"importance\":9}\n");
        assert_int_equal(run(s, INGEST_OBJECTIVES, "tj_obj.jsonl", "id=key", &sum, &seen), CXG_OK);
        assert_int_equal(sum.inserted, 2);
        assert_int_equal(sum.rejected, 1);
        assert_string_equal(seen.field[0], "importance");
        assert_int_equal(q("SELECT capabilities='[\"search\",\"inmail\"]' FROM objectives WHERE "
                           "ext_id='o1'"),
                         1);
        assert_int_equal(q("SELECT capabilities='[\"ads\",\"analytics\"]' FROM objectives WHERE "
                           "ext_id='o2'"),
                         1);
        assert_int_equal(q("SELECT importance FROM objectives WHERE ext_id='o2'"), 3);
        store_close(s);
        unlink(DB_FILE);
        unlink(DB_FILE "-wal");
        unlink(DB_FILE "-shm");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_jsonl_lines_skip_blanks_and_count),
            cmocka_unit_test(test_jsonl_long_line_is_an_error_and_reading_goes_on),
            cmocka_unit_test(test_jsonl_import_values_lists_attributes_and_rejects),
            cmocka_unit_test(test_jsonl_objectives_take_arrays_and_mapped_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
