/* test_import.c: the import driver: mapping, every rejection reason, rejects file, batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "ingest/import.h"
#include "store/store.h"
#include "testdb.h"

#define DB_FILE "ti_import.db"
/* the database: DB_FILE on SQLite, a fresh database per setup on PostgreSQL (testdb.h) */
static char DB[TESTDB_PATH_MAX] = DB_FILE;

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        fclose(f);
}

static char *slurp(const char *path)
{
        static char buf[1 << 16];
        FILE *f = fopen(path, "rb");
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void remove_db(void)
{
        unlink(DB_FILE);
        unlink(DB_FILE "-wal");
        unlink(DB_FILE "-shm");
}

static struct store *open_db(void)
{
        struct store *s = NULL;
        struct cxg_error err;

        remove_db();
        assert_int_equal(testdb_named(DB, sizeof(DB), DB_FILE, "import"), 0);
        assert_int_equal(store_open(DB, 0, &s, &err), CXG_OK);
        return s;
}

/* one number from the database */
static long long q(struct store *s, const char *sql)
{
        int64_t v = -1;
        int rc;

        (void)s;
        rc = testdb_int(DB, sql, &v); /* outside the store, on either backend */
        assert_true(rc >= 0);
        return rc == 0 ? -1 : v == TESTDB_NULL ? -2 : (long long)v;
}

/* collects rejects reported through the callback */
struct seen {
        int n;
        long line[32];
        char column[32][64], field[32][64], reason[32][256];
};

static void on_reject(void *ctx, const struct ingest_reject *r)
{
        struct seen *s = ctx;

        if (s->n >= 32)
                return;
        s->line[s->n] = r->line;
        snprintf(s->column[s->n], 64, "%s", r->column);
        snprintf(s->field[s->n], 64, "%s", r->field);
        snprintf(s->reason[s->n], 256, "%s", r->reason);
        s->n++;
}

static enum cxg_err run(struct store *s, enum ingest_kind k, const char *path, const char *map,
                        size_t batch, struct ingest_summary *sum, struct seen *seen,
                        struct cxg_error *err)
{
        struct ingest_opts o;

        ingest_opts_init(&o, k);
        o.map = map;
        o.batch = batch;
        o.threads = 1;
        o.on_reject = on_reject;
        o.ctx = seen;
        memset(seen, 0, sizeof(*seen));
        cxg_error_clear(err);
        return ingest_file(s, path, &o, sum, err);
}

static void seed(struct store *s)
{
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;

        write_file("ti_acc.csv", "id,name,plan,mrr\na1,Acme,Pro,100\na2,Beta,Free,0\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_acc.csv", NULL, 0, &sum, &seen, &err), CXG_OK);
        write_file("ti_ppl.csv", "id,account_id,name,email,role\n"
                                 "p1,a1,Ann,ann@acme.com,CEO\n"
                                 "p2,a2,Bob,bob@beta.io,Engineer\n");
        assert_int_equal(run(s, INGEST_PEOPLE, "ti_ppl.csv", NULL, 0, &sum, &seen, &err), CXG_OK);
        assert_int_equal(sum.inserted, 2);
}

/* import one CSV expecting exactly one rejected row; returns it */
static struct seen *one_reject(struct store *s, enum ingest_kind k, const char *csv,
                               const char *map, uint64_t ok_rows)
{
        static struct seen seen;
        struct ingest_summary sum;
        struct cxg_error err;

        write_file("ti_one.csv", csv);
        assert_int_equal(run(s, k, "ti_one.csv", map, 0, &sum, &seen, &err), CXG_OK);
        assert_int_equal(sum.rejected, 1);
        assert_int_equal(sum.inserted + sum.updated, ok_rows);
        assert_int_equal(seen.n, 1);
        assert_string_equal(sum.rejects_path, "ti_one.csv.rejects.csv");
        return &seen;
}

static void test_import_accounts_with_attributes_and_upsert(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;

        (void)state;
        write_file("ti_a.csv", "\xef\xbb\xbf"
                               "Customer ID,Plan,Monthly,Churn,Region,Seats,Note,Total\r\n"
                               "c1,Pro,10.5,Yes,EU,3,\"yes, \"\"quoted\"\"\",\r\n"
                               "c2,Free,0,no,US,007,,12.5\r\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_a.csv",
                             "id=Customer ID,mrr=Monthly,churned=Churn", 0, &sum, &seen, &err),
                         CXG_OK);
        assert_int_equal(sum.read, 2);
        assert_int_equal(sum.inserted, 2);
        assert_int_equal(sum.rejected, 0);
        assert_string_equal(sum.rejects_path, "");
        assert_int_equal(access("ti_a.csv.rejects.csv", F_OK), -1);
        assert_int_equal(q(s, "SELECT churned FROM accounts WHERE ext_id='c1'"), 1);
        assert_int_equal(q(s, "SELECT churned FROM accounts WHERE ext_id='c2'"), 0);
        assert_int_equal(q(s, "SELECT mrr*10 FROM accounts WHERE ext_id='c1'"), 105);
        /* plan matched by name (any case); numbers stay numbers, 007 stays text, blanks null */
        assert_int_equal(q(s, "SELECT plan='Pro' FROM accounts WHERE ext_id='c1'"), 1);
        assert_int_equal(q(s, "SELECT json_extract(attributes,'$.Seats') FROM accounts WHERE "
                              "ext_id='c1'"),
                         3);
        /* json_each's type column: SQLite's own, schema_pg.c's on PostgreSQL */
        assert_int_equal(q(s, "SELECT count(*) FROM accounts a, json_each(a.attributes) e WHERE "
                              "a.ext_id='c2' AND e.key='Seats' AND e.type='text'"),
                         1);
        assert_int_equal(q(s, "SELECT count(*) FROM accounts a, json_each(a.attributes) e WHERE "
                              "a.ext_id='c1' AND e.key='Total' AND e.type='null'"),
                         1);
        assert_int_equal(q(s, "SELECT json_extract(attributes,'$.Note')='yes, \"quoted\"' FROM "
                              "accounts WHERE ext_id='c1'"),
                         1);
        /* the same file again updates */
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_a.csv",
                             "id=Customer ID,mrr=Monthly,churned=Churn", 0, &sum, &seen, &err),
                         CXG_OK);
        assert_int_equal(sum.inserted, 0);
        assert_int_equal(sum.updated, 2);
        assert_int_equal(q(s, "SELECT count(*) FROM accounts"), 2);
        store_close(s);
}

static void test_import_rejects_row_with_bad_timestamp(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        r = one_reject(s, INGEST_INTERACTIONS,
                       "person_id,when,channel,type\n"
                       "p1,2024-03-01T10:00:00Z,web,login\n"
                       "p2,yesterday,app,like\n",
                       "ts=when", 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->column[0], "when");
        assert_string_equal(r->field[0], "ts");
        assert_non_null(strstr(r->reason[0], "not a timestamp: \"yesterday\""));
        assert_int_equal(q(s, "SELECT ts FROM interactions"), 1709287200);
        /* the rejects file: line, column, field, reason, then the row as it was */
        assert_string_equal(slurp("ti_one.csv.rejects.csv"),
                            "line,column,field,reason,person_id,when,channel,type\n"
                            "3,when,ts,\"not a timestamp: \"\"yesterday\"\" (use ISO 8601 like "
                            "2024-03-01 or 2024-03-01T09:30:00Z, or unix seconds)\",p2,yesterday,"
                            "app,like\n");
        store_close(s);
}

static void test_import_rejects_row_with_bad_number(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,mrr\nx1,12\nx2,12,5\n", NULL, 1);
        assert_non_null(strstr(r->reason[0], "row has 3 fields, the header has 2"));
        r = one_reject(s, INGEST_ACCOUNTS, "id,mrr\nx1,12\nx2,twelve\n", NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->field[0], "mrr");
        assert_string_equal(r->reason[0], "not a number: \"twelve\"");
        store_close(s);
}

static void test_import_rejects_row_with_bad_boolean(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,Churn\nx1,TRUE\nx2,maybe\n", "churned=Churn", 1);
        assert_string_equal(r->column[0], "Churn");
        assert_string_equal(r->field[0], "churned");
        assert_non_null(strstr(r->reason[0], "not a boolean: \"maybe\""));
        store_close(s);
}

static void test_import_rejects_row_with_bad_email(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        r = one_reject(s, INGEST_PEOPLE, "id,account_id,email\np3,a1,c@d.org\np4,a1,bob@\n", NULL,
                       1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->field[0], "email");
        assert_string_equal(r->reason[0], "not an address: \"bob@\"");
        store_close(s);
}

static void test_import_rejects_negative_mrr(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,mrr\nx1,-5\nx2,5\n", NULL, 1);
        assert_int_equal(r->line[0], 2);
        assert_string_equal(r->field[0], "mrr");
        assert_non_null(strstr(r->reason[0], "must not be negative"));
        assert_int_equal(q(s, "SELECT count(*) FROM accounts WHERE ext_id='x1'"), 0);
        store_close(s);
}

static void test_import_rejects_unknown_channel(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        r = one_reject(s, INGEST_INTERACTIONS,
                       "person_id,ts,channel,type\np1,1700000000,pigeon,login\np1,1700000001,"
                       "EMAIL,open\n",
                       NULL, 1);
        assert_string_equal(r->field[0], "channel");
        assert_non_null(strstr(r->reason[0], "unknown channel \"pigeon\""));
        assert_int_equal(q(s, "SELECT channel FROM interactions"), 2);
        store_close(s);
}

static void test_import_rejects_unknown_person(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        r = one_reject(s, INGEST_INTERACTIONS,
                       "person_id,ts,type\np1,1700000000,login\nghost,1700000000,login\n", NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->field[0], "person_id");
        assert_non_null(strstr(r->reason[0], "unknown person \"ghost\""));
        /* the interaction got the person's account */
        assert_int_equal(q(s, "SELECT i.account_id = a.id FROM interactions i, accounts a WHERE "
                              "a.ext_id='a1'"),
                         1);
        /* feedback goes through the store's own check (savepoint path) */
        r = one_reject(s, INGEST_FEEDBACK,
                       "person_id,ts,kind,score\nghost,2024-01-01,nps,9\np2,2024-01-01,nps,3\n",
                       NULL, 1);
        assert_int_equal(r->line[0], 2);
        assert_string_equal(r->field[0], "person_id");
        assert_int_equal(q(s, "SELECT count(*) FROM feedback"), 1);
        store_close(s);
}

static void test_import_rejects_interaction_whose_account_is_not_the_persons(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        r = one_reject(s, INGEST_INTERACTIONS,
                       "person_id,account_id,ts,type\np1,a1,1700000000,login\n"
                       "p1,a2,1700000001,login\n",
                       NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->field[0], "account_id");
        assert_non_null(strstr(r->reason[0], "belongs to another account"));
        assert_int_equal(q(s, "SELECT count(*) FROM interactions i, accounts a WHERE "
                              "i.account_id = a.id AND a.ext_id = 'a1'"),
                         1);
        store_close(s);
}

static void test_import_rejects_score_out_of_range_for_the_kind(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        seed(s);
        /* 6 is a fine CES answer (1-7) but not a CSAT one (1-5) */
        r = one_reject(s, INGEST_FEEDBACK,
                       "person_id,ts,kind,score\np1,2024-01-01,ces,6\np1,2024-01-02,csat,6\n", NULL,
                       1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->field[0], "score");
        assert_string_equal(r->reason[0], "csat answers are whole numbers from 1 to 5, got 6");
        store_close(s);
}

static void test_import_rejects_missing_required_field(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,name\n,Nameless\nx1,Named\n", NULL, 1);
        assert_int_equal(r->line[0], 2);
        assert_string_equal(r->field[0], "id");
        assert_string_equal(r->reason[0], "required, but empty");
        store_close(s);
}

static void test_import_rejects_invalid_utf8_naming_the_column(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,name,city\nx1,Caf\xc3\xa9,Paris\nx2,ok,Ber\xfflin\n",
                       NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->column[0], "city");
        assert_string_equal(r->field[0], "");
        assert_string_equal(r->reason[0], "not valid UTF-8");
        store_close(s);
}

static void test_import_rejects_unterminated_quote(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,name\nx1,fine\nx2,\"never\nclosed\n", NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_non_null(strstr(r->reason[0], "opened on line 3 is never closed"));
        store_close(s);
}

static void test_import_rejects_too_many_fields(void **state)
{
        struct store *s = open_db();
        struct cxg_buf b;
        struct seen *r;

        (void)state;
        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_buf_puts(&b, "id,name\nx1,a\nx2"), CXG_OK);
        for (int i = 0; i < 5000; i++)
                assert_int_equal(cxg_buf_puts(&b, ",v"), CXG_OK);
        assert_int_equal(cxg_buf_puts(&b, "\nx3,b\n"), CXG_OK);
        r = one_reject(s, INGEST_ACCOUNTS, b.data, NULL, 2);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->reason[0], "record has more than 4096 fields");
        cxg_buf_release(&b);
        store_close(s);
}

static void test_import_rejects_rows_wider_or_narrower_than_header(void **state)
{
        struct store *s = open_db();
        struct seen *r;

        (void)state;
        r = one_reject(s, INGEST_ACCOUNTS, "id,name,plan\nx1,a\nx2,b,Pro\n", NULL, 1);
        assert_int_equal(r->line[0], 2);
        assert_string_equal(r->reason[0], "row has 2 fields, the header has 3");
        r = one_reject(s, INGEST_ACCOUNTS, "id,name,plan\nx1,a,Pro\nx2,b,Pro,extra\n", NULL, 1);
        assert_int_equal(r->line[0], 3);
        assert_string_equal(r->reason[0], "row has 4 fields, the header has 3");
        store_close(s);
}

static void test_import_header_problems_are_usage_errors(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;

        (void)state;
        write_file("ti_h.csv", "customerID,plan\nc1,Pro\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_h.csv", NULL, 0, &sum, &seen, &err),
                         CXG_ERR_USAGE);
        assert_non_null(strstr(err.msg, "no column for the required field 'id'"));
        assert_int_equal(sum.read, 0);
        assert_int_equal(
            run(s, INGEST_ACCOUNTS, "ti_h.csv", "id=customerId2", 0, &sum, &seen, &err),
            CXG_ERR_USAGE);
        assert_non_null(strstr(err.msg, "no column 'customerId2'"));
        assert_int_equal(
            run(s, INGEST_ACCOUNTS, "ti_h.csv", "ident=customerID", 0, &sum, &seen, &err),
            CXG_ERR_USAGE);
        assert_non_null(strstr(err.msg, "no field 'ident'"));
        write_file("ti_h2.csv", "id,Id\nc1,c2\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_h2.csv", NULL, 0, &sum, &seen, &err),
                         CXG_ERR_USAGE);
        assert_non_null(strstr(err.msg, "both match field 'id'"));
        write_file("ti_h.txt", "id\nc1\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_h.txt", NULL, 0, &sum, &seen, &err),
                         CXG_ERR_USAGE);
        assert_int_equal(q(s, "SELECT count(*) FROM accounts"), 0);
        store_close(s);
}

static void test_import_removes_stale_rejects_file_and_reimports_rejects(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;
        char *fixed;

        (void)state;
        write_file("ti_s.csv", "id,mrr,region\ns1,1,EU\ns2,-1,US\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_s.csv", NULL, 0, &sum, &seen, &err), CXG_OK);
        assert_int_equal(sum.rejected, 1);
        /* fix the rejects file and import it: its four leading columns are skipped */
        fixed = slurp("ti_s.csv.rejects.csv");
        assert_string_equal(fixed, "line,column,field,reason,id,mrr,region\n"
                                   "3,mrr,mrr,must not be negative: -1,s2,-1,US\n");
        write_file("ti_fix.rejects.csv", "line,column,field,reason,id,mrr,region\n"
                                         "3,mrr,mrr,must not be negative: -1,s2,1,US\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_fix.rejects.csv", NULL, 0, &sum, &seen, &err),
                         CXG_OK);
        assert_int_equal(sum.inserted, 1);
        assert_int_equal(q(s, "SELECT attributes = '{\"region\":\"US\"}' FROM accounts WHERE "
                              "ext_id='s2'"),
                         1);
        /* a clean run removes the stale rejects file */
        write_file("ti_s.csv", "id,mrr\ns1,1\ns2,2\n");
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_s.csv", NULL, 0, &sum, &seen, &err), CXG_OK);
        assert_int_equal(sum.rejected, 0);
        assert_int_equal(access("ti_s.csv.rejects.csv", F_OK), -1);
        store_close(s);
}

static void test_import_dry_run_checks_references_and_writes_nothing(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct ingest_opts o;
        struct cxg_error err;

        (void)state;
        seed(s);
        write_file("ti_d.csv", "id,account_id\np7,a1\np8,nowhere\np9,a2\n");
        ingest_opts_init(&o, INGEST_PEOPLE);
        o.dry_run = 1;
        o.threads = 1;
        o.on_reject = on_reject;
        o.ctx = &seen;
        memset(&seen, 0, sizeof(seen));
        assert_int_equal(ingest_file(s, "ti_d.csv", &o, &sum, &err), CXG_OK);
        assert_int_equal(sum.read, 3);
        assert_int_equal(sum.valid, 2);
        assert_int_equal(sum.rejected, 1);
        assert_int_equal(sum.inserted, 0);
        assert_string_equal(seen.field[0], "account_id");
        assert_non_null(strstr(seen.reason[0], "unknown account \"nowhere\""));
        assert_int_equal(q(s, "SELECT count(*) FROM people"), 2);
        /* without any database every reference is unknown */
        assert_int_equal(ingest_file(NULL, "ti_d.csv", &o, &sum, &err), CXG_OK);
        assert_int_equal(sum.rejected, 3);
        store_close(s);
}

static void test_import_store_failure_leaves_only_whole_batches(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;
        struct cxg_buf b;

        (void)state;
        seed(s);
        /* the database refuses the 25th row: batches of 10 -> the first 20 rows stay */
        assert_int_equal(testdb_exec(DB, testdb_is_pg()
                                             ? "CREATE FUNCTION boom() RETURNS trigger LANGUAGE "
                                               "plpgsql AS $$ BEGIN IF NEW.ts = 1700000025 THEN "
                                               "RAISE EXCEPTION 'disk on fire'; END IF; RETURN "
                                               "NEW; END $$; CREATE TRIGGER boom BEFORE INSERT ON "
                                               "interactions FOR EACH ROW EXECUTE FUNCTION boom()"
                                             : "CREATE TRIGGER boom BEFORE INSERT ON interactions "
                                               "WHEN NEW.ts = 1700000025 BEGIN SELECT "
                                               "RAISE(ABORT, 'disk on fire'); END"),
                         0);
        cxg_buf_init(&b, 0);
        assert_int_equal(cxg_buf_puts(&b, "person_id,ts,type\n"), CXG_OK);
        for (int i = 1; i <= 30; i++)
                assert_int_equal(cxg_buf_printf(&b, "p1,%d,login\n", 1700000000 + i), CXG_OK);
        write_file("ti_b.csv", b.data);
        cxg_buf_release(&b);
        assert_int_not_equal(run(s, INGEST_INTERACTIONS, "ti_b.csv", NULL, 10, &sum, &seen, &err),
                             CXG_OK);
        assert_int_equal(sum.committed, 20);
        assert_int_equal(sum.inserted, 20);
        assert_non_null(strstr(err.msg, "20 rows were committed before it"));
        assert_int_equal(err.line, 26); /* the file line of the refused row */
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), 20);
        assert_int_equal(q(s, "SELECT max(ts) FROM interactions"), 1700000020);
        store_close(s);
}

static void test_import_two_threads_match_one(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct ingest_opts o;
        struct cxg_error err;
        FILE *f;

        (void)state;
        seed(s);
        /* about 5 MB: large enough for the two-thread pipeline */
        f = fopen("ti_big.csv", "wb");
        assert_non_null(f);
        fputs("id,person_id,ts,channel,type,duration_ms,outcome,value,note\n", f);
        for (int i = 0; i < 100000; i++)
                fprintf(f, "e%d,%s,%d,web,t%d,%d,ok,%d.5,%s\n", i, i % 1000 == 7 ? "nobody" : "p2",
                        1700000000 + i, i % 7, i % 900, i % 50, i % 2 ? "x" : "");
        fclose(f);
        ingest_opts_init(&o, INGEST_INTERACTIONS);
        o.batch = 7000;
        assert_int_equal(ingest_file(s, "ti_big.csv", &o, &sum, &err), CXG_OK);
        assert_int_equal(sum.read, 100000);
        assert_int_equal(sum.rejected, 100);
        assert_int_equal(sum.inserted, 99900);
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), 99900);
        assert_int_equal(q(s, "SELECT count(*) FROM interaction_types"), 7);
        assert_int_equal(q(s, "SELECT sum(duration_ms) FROM interactions WHERE ts < 1700000900"),
                         899 * 900 / 2 - 7); /* row 7 (person "nobody") is rejected */
        assert_int_equal(q(s, "SELECT count(*) FROM interactions WHERE "
                              "json_extract(attributes,'$.note') IS NULL"),
                         50000); /* even rows: blank note; the rejected rows are odd */
        /* again with ids: all updates */
        assert_int_equal(ingest_file(s, "ti_big.csv", &o, &sum, &err), CXG_OK);
        assert_int_equal(sum.updated, 99900);
        assert_int_equal(sum.inserted, 0);
        assert_int_equal(q(s, "SELECT count(*) FROM interactions"), 99900);
        unlink("ti_big.csv");
        unlink("ti_big.csv.rejects.csv");
        store_close(s);
}

static void test_json_batch_is_atomic_unless_partial(void **state)
{
        struct store *s = open_db();
        struct ingest_row_error *errs = NULL;
        struct ingest_summary sum;
        struct cxg_error err;
        size_t n = 0;
        const char *body = "[{\"id\":\"j1\",\"mrr\":5,\"tier\":\"gold\"},"
                           "{\"id\":\"j2\",\"mrr\":-3},"
                           "{\"id\":\"j3\",\"churned\":\"maybe\"},"
                           "42]";

        (void)state;
        assert_int_equal(
            ingest_json_batch(s, INGEST_ACCOUNTS, body, strlen(body), 0, &errs, &n, &sum, &err),
            CXG_ERR_INVALID);
        assert_int_equal(n, 3);
        assert_int_equal(errs[0].index, 1);
        assert_string_equal(errs[0].field, "mrr");
        assert_int_equal(errs[1].index, 2);
        assert_string_equal(errs[1].field, "churned");
        assert_int_equal(errs[2].index, 3);
        assert_string_equal(errs[2].reason, "not a JSON object");
        assert_int_equal(q(s, "SELECT count(*) FROM accounts"), 0);
        cxg_free(errs);
        assert_int_equal(ingest_json_batch(s, INGEST_ACCOUNTS, body, strlen(body),
                                           INGEST_JSON_PARTIAL, &errs, &n, &sum, &err),
                         CXG_OK);
        assert_int_equal(n, 3);
        assert_int_equal(sum.inserted, 1);
        assert_int_equal(q(s, "SELECT json_extract(attributes,'$.tier')='gold' FROM accounts "
                              "WHERE ext_id='j1'"),
                         1);
        cxg_free(errs);
        assert_int_equal(
            ingest_json_batch(s, INGEST_ACCOUNTS, "{\"id\":1}", 8, 0, &errs, &n, &sum, &err),
            CXG_ERR_PARSE);
        assert_null(errs);
        store_close(s);
}

static void test_import_out_of_memory_fails_cleanly(void **state)
{
        struct store *s = open_db();
        struct ingest_summary sum;
        struct seen seen;
        struct cxg_error err;
        enum cxg_err rc;

        (void)state;
        write_file("ti_m.csv", "id,name,extra\nm1,a,1\nm2,b,2\n");
        /* fail each allocation in turn: never a crash or leak, and never a partial batch */
        for (unsigned long k = 1; k < 60; k++) {
                cxg_alloc_fail_at(k);
                rc = run(s, INGEST_ACCOUNTS, "ti_m.csv", NULL, 0, &sum, &seen, &err);
                cxg_alloc_fail_at(0);
                if (rc == CXG_OK)
                        break;
                assert_true(q(s, "SELECT count(*) FROM accounts") == 0 ||
                            q(s, "SELECT count(*) FROM accounts") == 2);
        }
        assert_int_equal(run(s, INGEST_ACCOUNTS, "ti_m.csv", NULL, 0, &sum, &seen, &err), CXG_OK);
        assert_int_equal(q(s, "SELECT count(*) FROM accounts"), 2);
        store_close(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_import_accounts_with_attributes_and_upsert),
            cmocka_unit_test(test_import_rejects_row_with_bad_timestamp),
            cmocka_unit_test(test_import_rejects_row_with_bad_number),
            cmocka_unit_test(test_import_rejects_row_with_bad_boolean),
            cmocka_unit_test(test_import_rejects_row_with_bad_email),
            cmocka_unit_test(test_import_rejects_negative_mrr),
            cmocka_unit_test(test_import_rejects_unknown_channel),
            cmocka_unit_test(test_import_rejects_unknown_person),
            cmocka_unit_test(test_import_rejects_interaction_whose_account_is_not_the_persons),
            cmocka_unit_test(test_import_rejects_score_out_of_range_for_the_kind),
            cmocka_unit_test(test_import_rejects_missing_required_field),
            cmocka_unit_test(test_import_rejects_invalid_utf8_naming_the_column),
            cmocka_unit_test(test_import_rejects_unterminated_quote),
            cmocka_unit_test(test_import_rejects_too_many_fields),
            cmocka_unit_test(test_import_rejects_rows_wider_or_narrower_than_header),
            cmocka_unit_test(test_import_header_problems_are_usage_errors),
            cmocka_unit_test(test_import_removes_stale_rejects_file_and_reimports_rejects),
            cmocka_unit_test(test_import_dry_run_checks_references_and_writes_nothing),
            cmocka_unit_test(test_import_store_failure_leaves_only_whole_batches),
            cmocka_unit_test(test_import_two_threads_match_one),
            cmocka_unit_test(test_json_batch_is_atomic_unless_partial),
            cmocka_unit_test(test_import_out_of_memory_fails_cleanly),
        };
        int rc = cmocka_run_group_tests(tests, NULL, NULL);

        remove_db();
        return rc;
}
