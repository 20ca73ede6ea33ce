/* test_store.c: the SQLite store: open and migrations, upserts, caches, transactions, scans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "store/schema.h"
#include "store/store.h"
#include "testdb.h"
#include "core/banned.h"

/* ---- helpers ---- */

struct tmpdb {
        char path[TESTDB_PATH_MAX];
};

static void tmpdb_make(struct tmpdb *t)
{
        assert_int_equal(testdb_path(t->path, sizeof(t->path), "store"), 0);
        unlink(t->path); /* the store creates it */
}

static void tmpdb_remove(struct tmpdb *t)
{
        char p[TESTDB_PATH_MAX + 16];

        unlink(t->path);
        snprintf(p, sizeof(p), "%s-wal", t->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", t->path);
        unlink(p);
}

static struct store *open_rw(struct tmpdb *t)
{
        struct store *s = NULL;
        struct cxg_error e;

        cxg_error_clear(&e);
        if (store_open(t->path, 0, &s, &e) != CXG_OK)
                fail_msg("store_open: %s", e.msg);
        return s;
}

/* Run sql directly, outside the store, returning the first column of the first row (or -1). */
static int64_t raw_int(const char *path, const char *sql)
{
        int64_t v = -1;
        int rc = testdb_int(path, sql, &v);

        assert_true(rc >= 0);
        return rc ? v : -1;
}

static void raw_exec(const char *path, const char *sql)
{
        assert_int_equal(testdb_exec(path, sql), 0);
}

static int64_t put_account(struct store *s, const char *id, const char *name, int *how)
{
        struct account a;
        struct cxg_error e;
        int64_t rid = 0;

        model_account_init(&a);
        a.id = id;
        a.name = name;
        if (store_put_account(s, &a, &rid, how, &e) != CXG_OK)
                fail_msg("put account %s: %s", id, e.msg);
        return rid;
}

static int64_t put_person(struct store *s, const char *id, const char *account, const char *role)
{
        struct person p;
        struct cxg_error e;
        int64_t rid = 0;

        model_person_init(&p);
        p.id = id;
        p.account_id = account;
        p.role = role;
        if (store_put_person(s, &p, &rid, NULL, &e) != CXG_OK)
                fail_msg("put person %s: %s", id, e.msg);
        return rid;
}

/* Scans collect into this. */
struct seen {
        int n;
        int64_t ids[64];
        char text[8][256];
        int64_t nums[8];
        double dbl[8];
        int stop_at; /* return CXG_ERR_LIMIT on this row (1-based), 0: never */
};

static enum cxg_err seen_account(void *ctx, int64_t id, const struct account *a)
{
        struct seen *w = ctx;

        if (w->n < 8) {
                snprintf(w->text[w->n], sizeof(w->text[0]), "%s|%s|%s|%s", a->id,
                         a->name ? a->name : "-", a->plan ? a->plan : "-",
                         a->attributes ? a->attributes : "-");
                w->dbl[w->n] = a->mrr;
                w->nums[w->n] = a->churned * 10 + (a->churned_at != CXG_TS_NONE);
        }
        w->ids[w->n++] = id;
        if (w->stop_at && w->n == w->stop_at)
                return CXG_ERR_LIMIT;
        return CXG_OK;
}

static enum cxg_err seen_person(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct seen *w = ctx;

        if (w->n < 8) {
                snprintf(w->text[w->n], sizeof(w->text[0]), "%s|%s|%s", p->id, p->account_id,
                         p->role ? p->role : "-");
                w->nums[w->n] = p->seniority;
        }
        (void)account_id;
        w->ids[w->n++] = id;
        return CXG_OK;
}

/* ---- open and migrations ---- */

static void test_open_creates_schema_at_latest_version(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct store_counts c;
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        assert_true(store_schema_latest() >= 1);
        assert_int_equal(store_schema_version(s), store_schema_latest());
        assert_string_equal(store_path(s), t.path);
        memset(&c, 0xff, sizeof(c));
        assert_int_equal(store_counts(s, &c, &e), CXG_OK);
        assert_int_equal(c.accounts + c.people + c.interactions + c.interaction_types, 0);
        store_close(s);
        /* one schema_version row per migration; WAL mode persisted in the file */
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM schema_version"),
                         store_schema_latest());
        assert_int_equal(raw_int(t.path, "SELECT max(version) FROM schema_version"),
                         store_schema_latest());
        if (!testdb_is_pg())
                assert_int_equal(
                    raw_int(t.path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
        tmpdb_remove(&t);
}

static void test_reopen_is_idempotent(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct store_counts c;
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        store_close(s);
        s = open_rw(&t);
        assert_int_equal(store_schema_version(s), store_schema_latest());
        assert_int_equal(store_counts(s, &c, &e), CXG_OK);
        assert_int_equal(c.accounts, 1);
        store_close(s);
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM schema_version"),
                         store_schema_latest());
        tmpdb_remove(&t);
}

static void test_readonly_open_of_missing_file_fails_clearly(void **state)
{
        struct tmpdb t;
        struct store *s = (struct store *)1;
        struct cxg_error e;
        struct stat sb;

        (void)state;
        TESTDB_SQLITE_ONLY(
            "a missing database file (a PostgreSQL database from testdb_path exists)");
        tmpdb_make(&t);
        cxg_error_clear(&e);
        assert_int_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_ERR_NOTFOUND);
        assert_null(s);
        assert_non_null(strstr(e.msg, t.path));
        assert_non_null(strstr(e.msg, "no such database"));
        assert_int_not_equal(stat(t.path, &sb), 0); /* nothing created */
        tmpdb_remove(&t);
}

static void test_not_a_database_file_fails_clearly(void **state)
{
        struct tmpdb t;
        struct store *s = NULL;
        struct cxg_error e;
        FILE *f;

        (void)state;
        TESTDB_SQLITE_ONLY("a CSV file in place of the database file");
        tmpdb_make(&t);
        f = fopen(t.path, "w");
        assert_non_null(f);
        for (int i = 0; i < 200; i++)
                fputs("id,name\nA-1,Acme Corporation and friends\n", f);
        fclose(f);
        cxg_error_clear(&e);
        assert_int_equal(store_open(t.path, 0, &s, &e), CXG_ERR_STORE);
        assert_null(s);
        assert_non_null(strstr(e.msg, "not a cxgarden database"));
        assert_non_null(strstr(e.msg, t.path));
        assert_int_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_ERR_STORE);
        assert_non_null(strstr(e.msg, "not a cxgarden database"));
        tmpdb_remove(&t);
}

static void test_foreign_sqlite_database_is_not_migrated(void **state)
{
        struct tmpdb t;
        struct store *s = NULL;
        struct cxg_error e;

        (void)state;
        TESTDB_SQLITE_ONLY("a foreign SQLite file, counted in sqlite_master");
        tmpdb_make(&t);
        raw_exec(t.path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
        assert_int_equal(store_open(t.path, 0, &s, &e), CXG_ERR_STORE);
        assert_non_null(strstr(e.msg, "another application"));
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM sqlite_master"), 1);
        tmpdb_remove(&t);
}

static void test_newer_schema_is_refused(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        char sql[128], want[64];

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        store_close(s);
        snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d, 0)",
                 store_schema_latest() + 1);
        raw_exec(t.path, sql);
        s = NULL;
        assert_int_equal(store_open(t.path, 0, &s, &e), CXG_ERR_STORE);
        assert_null(s);
        snprintf(want, sizeof(want), "schema version %d, newer", store_schema_latest() + 1);
        assert_non_null(strstr(e.msg, want));
        assert_int_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_ERR_STORE);
        assert_non_null(strstr(e.msg, "upgrade cxgarden"));
        tmpdb_remove(&t);
}

static void test_readonly_open_reads_but_refuses_writes(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct account a;
        struct store_counts c;
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        store_close(s);
        assert_int_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_OK);
        assert_int_equal(store_counts(s, &c, &e), CXG_OK);
        assert_int_equal(c.accounts, 1);
        model_account_init(&a);
        a.id = "A-2";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_ERR_READONLY);
        assert_non_null(strstr(e.msg, "read-only"));
        assert_null(strstr(e.msg, "INSERT"));
        store_close(s);
        tmpdb_remove(&t);
}

static void test_readonly_open_of_an_old_schema_is_refused(void **state)
{
        struct tmpdb t;
        struct store *s = NULL;
        struct cxg_error e;

        (void)state;
        TESTDB_SQLITE_ONLY("an unmigrated SQLite file (PRAGMA user_version, sqlite_master)");
        tmpdb_make(&t);
        /* an empty SQLite file: version 0, never migrated */
        raw_exec(t.path, "PRAGMA user_version = 0");
        assert_int_not_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_OK);
        assert_null(s);
        assert_non_null(strstr(e.msg, t.path));
        /* read-only must not have migrated it */
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM sqlite_master"), 0);
        tmpdb_remove(&t);
}

static void test_readonly_open_migrates_a_database_of_an_older_cxgarden(void **state)
{
        struct tmpdb t;
        struct store *s = NULL;
        struct cxg_error e;
        char sql[64];

        (void)state;
        tmpdb_make(&t);
        /* a database as the first release wrote it: migration 1 only */
        raw_exec(t.path, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at "
                         "INTEGER)");
        raw_exec(t.path, testdb_is_pg() ? store_migrations_pg[0] : store_migrations[0]);
        raw_exec(t.path, "INSERT INTO schema_version VALUES (1, 0)");
        raw_exec(t.path, "INSERT INTO accounts (ext_id, name) VALUES ('A1', 'Acme')");
        assert_int_equal(store_open(t.path, STORE_READONLY, &s, &e), CXG_OK);
        assert_int_equal(store_schema_version(s), store_schema_latest());
        store_close(s);
        snprintf(sql, sizeof(sql), "SELECT max(version) FROM schema_version");
        assert_int_equal(raw_int(t.path, sql), store_schema_latest());
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM accounts"), 1);
        tmpdb_remove(&t);
}

/* ---- upserts ---- */

static void test_put_account_upsert_keeps_absent_fields(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct account a;
        struct seen w = {0};
        struct cxg_error e;
        int64_t id1 = 0, id2 = 0;
        int how = 0;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        model_account_init(&a);
        a.id = "A-1";
        a.name = "Acme";
        a.plan = "Pro";
        a.mrr = 99.5;
        a.attributes = "{\"region\": \"EU\", \"seats\": 5}";
        assert_int_equal(store_put_account(s, &a, &id1, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_INSERTED);
        model_account_init(&a);
        a.id = "A-1";
        a.mrr = 120;
        a.attributes = "{\"seats\": 7, \"tier\": \"gold\", \"total\": null, \"vip\": true, "
                       "\"tags\": [\"a\"], \"x\": 0.1}";
        assert_int_equal(store_put_account(s, &a, &id2, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_UPDATED);
        assert_int_equal(id1, id2);
        /* the same attributes again change nothing: nulls are kept, not dropped */
        assert_int_equal(store_put_account(s, &a, &id2, &how, &e), CXG_OK);
        assert_int_equal(store_scan_accounts(s, 0, seen_account, &w, &e), CXG_OK);
        assert_int_equal(w.n, 1);
        assert_string_equal(w.text[0], "A-1|Acme|Pro|{\"region\":\"EU\",\"seats\":7,\"tier\":"
                                       "\"gold\",\"total\":null,\"vip\":true,\"tags\":[\"a\"],"
                                       "\"x\":0.1}");
        assert_true(w.dbl[0] == 120);
        store_close(s);
        tmpdb_remove(&t);
}

static void test_account_churn_follows_date_and_flag(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct account a;
        struct seen w = {0};
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        model_account_init(&a);
        a.id = "A-1";
        a.churned_at = 1700000000;
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_OK);
        model_account_init(&a);
        a.id = "A-2";
        a.churned = 1;
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_OK);
        model_account_init(&a);
        a.id = "A-3";
        a.churned = 0;
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_OK);
        /* churned: 10 * flag + has date */
        assert_int_equal(store_scan_accounts(s, 0, seen_account, &w, &e), CXG_OK);
        assert_int_equal(w.nums[0], 11);
        assert_int_equal(w.nums[1], 10);
        assert_int_equal(w.nums[2], 0);
        /* absent: keeps; churned=0 without date: reactivated, date cleared */
        model_account_init(&a);
        a.id = "A-1";
        a.name = "renamed";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_OK);
        model_account_init(&a);
        a.id = "A-2";
        a.churned = 0;
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_OK);
        memset(&w, 0, sizeof(w));
        assert_int_equal(store_scan_accounts(s, 0, seen_account, &w, &e), CXG_OK);
        assert_int_equal(w.nums[0], 11);
        assert_int_equal(w.nums[1], 0);
        store_close(s);
        tmpdb_remove(&t);
}

static void test_put_rejects_attributes_that_are_not_an_object(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct account a;
        struct store_counts c;
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        model_account_init(&a);
        a.id = "A-1";
        a.attributes = "[1, 2]";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "attributes");
        a.attributes = "{\"a\": ";
        assert_int_equal(store_put_account(s, &a, NULL, NULL, &e), CXG_ERR_INVALID);
        assert_int_equal(store_counts(s, &c, &e), CXG_OK);
        assert_int_equal(c.accounts, 0);
        store_close(s);
        tmpdb_remove(&t);
}

static void test_person_unknown_account_is_notfound_with_field(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct person p;
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        model_person_init(&p);
        p.id = "P-1";
        p.account_id = "A-17";
        cxg_error_clear(&e);
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &e), CXG_ERR_NOTFOUND);
        assert_string_equal(e.field, "account_id");
        assert_string_equal(e.msg, "unknown account \"A-17\" (import accounts first)");
        store_close(s);
        tmpdb_remove(&t);
}

static void test_seniority_derived_from_role(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct person p;
        struct seen w = {0};
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        put_person(s, "P-1", "A-1", "VP Sales");
        put_person(s, "P-2", "A-1", "Head of Support");
        put_person(s, "P-3", "A-1", NULL);
        model_person_init(&p);
        p.id = "P-4";
        p.account_id = "A-1";
        p.role = "Chief Executive";
        p.seniority = CXG_SEN_MANAGER; /* explicit wins over the title */
        assert_int_equal(store_put_person(s, &p, NULL, NULL, &e), CXG_OK);
        /* re-import without role keeps the stored seniority; a new role re-derives it */
        put_person(s, "P-1", "A-1", NULL);
        put_person(s, "P-2", "A-1", "Support engineer");
        assert_int_equal(store_scan_people(s, 0, seen_person, &w, &e), CXG_OK);
        assert_int_equal(w.n, 4);
        assert_int_equal(w.nums[0], CXG_SEN_EXECUTIVE);
        assert_string_equal(w.text[0], "P-1|A-1|VP Sales");
        assert_int_equal(w.nums[1], CXG_SEN_INDIVIDUAL);
        assert_int_equal(w.nums[2], CXG_SEN_UNKNOWN);
        assert_int_equal(w.nums[3], CXG_SEN_MANAGER);
        store_close(s);
        tmpdb_remove(&t);
}

static void test_person_ref_follows_a_move_to_another_account(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        int64_t a1, a2, p1, pid, aid;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        a1 = put_account(s, "A-1", "Acme", NULL);
        a2 = put_account(s, "A-2", "Beta", NULL);
        p1 = put_person(s, "P-1", "A-1", NULL);
        assert_int_equal(store_person_ref(s, "P-1", 3, &pid, &aid, &e), CXG_OK);
        assert_int_equal(pid, p1);
        assert_int_equal(aid, a1);
        assert_int_equal(put_person(s, "P-1", "A-2", NULL), p1);
        assert_int_equal(store_person_ref(s, "P-1", 3, &pid, &aid, &e), CXG_OK);
        assert_int_equal(aid, a2);
        assert_int_equal(store_person_ref(s, "P-9", 3, &pid, &aid, &e), CXG_ERR_NOTFOUND);
        assert_string_equal(e.field, "person_id");
        assert_non_null(strstr(e.msg, "unknown person \"P-9\""));
        store_close(s);
        tmpdb_remove(&t);
}

static void test_people_cache_handles_ids_beyond_32_bits(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        int64_t pid, aid;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-small", "Small", NULL);
        put_person(s, "P-small", "A-small", NULL);
        store_close(s);
        raw_exec(t.path, "INSERT INTO accounts(id, ext_id) VALUES (8589934597, 'A-big');"
                         "INSERT INTO people(id, ext_id, account_id)"
                         " VALUES (12884901893, 'P-big', 8589934597);"
                         "INSERT INTO people(ext_id, account_id) VALUES ('P-next', 1)");
        s = open_rw(&t);
        assert_int_equal(store_person_ref(s, "P-big", 5, &pid, &aid, &e), CXG_OK);
        assert_int_equal(pid, INT64_C(12884901893));
        assert_int_equal(aid, INT64_C(8589934597));
        assert_int_equal(store_person_ref(s, "P-small", 7, &pid, &aid, &e), CXG_OK);
        assert_int_equal(pid, 1);
        assert_int_equal(aid, 1);
        assert_int_equal(store_person_ref(s, "P-next", 6, &pid, &aid, &e), CXG_OK);
        assert_int_equal(pid, INT64_C(12884901894));
        assert_int_equal(aid, 1);
        store_close(s);
        tmpdb_remove(&t);
}

struct fb_seen {
        int n;
        int64_t person_id, account_id;
        char text[256];
};

static enum cxg_err seen_feedback(void *ctx, int64_t id, int64_t person_id, int64_t account_id,
                                  const struct feedback *f)
{
        struct fb_seen *w = ctx;

        (void)id;
        w->n++;
        w->person_id = person_id;
        w->account_id = account_id;
        snprintf(w->text, sizeof(w->text), "%s|%s|%s|%g|%s|%d", f->id ? f->id : "-", f->person_id,
                 f->account_id, f->score, f->comment ? f->comment : "-", f->channel);
        return CXG_OK;
}

static void test_feedback_account_derived_from_person_and_mismatch_rejected(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct feedback f;
        struct fb_seen w = {0};
        struct cxg_error e;
        int64_t a1, p1;
        int how;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        a1 = put_account(s, "A-1", "Acme", NULL);
        put_account(s, "A-2", "Beta", NULL);
        p1 = put_person(s, "P-1", "A-1", NULL);
        model_feedback_init(&f);
        f.id = "F-1";
        f.person_id = "P-1";
        f.ts = 1700000000;
        f.kind = CXG_FB_NPS;
        f.score = 9;
        f.comment = "great";
        assert_int_equal(store_put_feedback(s, &f, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_INSERTED);
        f.account_id = "A-2";
        cxg_error_clear(&e);
        assert_int_equal(store_put_feedback(s, &f, NULL, NULL, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "account_id");
        assert_string_equal(e.msg, "person \"P-1\" belongs to account \"A-1\", not \"A-2\"");
        /* re-import by id: score replaced, absent comment kept */
        f.account_id = "A-1";
        f.score = 3;
        f.comment = NULL;
        assert_int_equal(store_put_feedback(s, &f, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_UPDATED);
        assert_int_equal(store_scan_feedback(s, 0, seen_feedback, &w, &e), CXG_OK);
        assert_int_equal(w.n, 1);
        assert_int_equal(w.person_id, p1);
        assert_int_equal(w.account_id, a1);
        assert_string_equal(w.text, "F-1|P-1|A-1|3|great|-1");
        store_close(s);
        tmpdb_remove(&t);
}

struct sub_seen {
        int n;
        char text[4][128];
};

static enum cxg_err seen_sub(void *ctx, int64_t id, int64_t account_id,
                             const struct subscription *sub)
{
        struct sub_seen *w = ctx;

        (void)id;
        (void)account_id;
        snprintf(w->text[w->n++ & 3], sizeof(w->text[0]), "%s|%s|%g|%lld|%lld", sub->account_id,
                 sub->plan, sub->mrr, (long long)sub->started_at,
                 sub->ended_at == CXG_TS_NONE ? -1LL : (long long)sub->ended_at);
        return CXG_OK;
}

static void test_subscription_keyed_by_account_and_start(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct subscription sub;
        struct sub_seen w = {0};
        struct cxg_error e;
        int how;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        model_subscription_init(&sub);
        sub.account_id = "A-1";
        sub.plan = "Pro";
        sub.mrr = 50;
        sub.started_at = 1000;
        assert_int_equal(store_put_subscription(s, &sub, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_INSERTED);
        sub.started_at = 2000;
        sub.plan = "Premium";
        sub.mrr = 80;
        assert_int_equal(store_put_subscription(s, &sub, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_INSERTED);
        /* same (account, start): the first period ends */
        sub.started_at = 1000;
        sub.plan = "Pro";
        sub.mrr = 50;
        sub.ended_at = 2000;
        assert_int_equal(store_put_subscription(s, &sub, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_UPDATED);
        sub.account_id = "A-9";
        assert_int_equal(store_put_subscription(s, &sub, NULL, NULL, &e), CXG_ERR_NOTFOUND);
        assert_string_equal(e.field, "account_id");
        assert_int_equal(store_scan_subscriptions(s, 0, seen_sub, &w, &e), CXG_OK);
        assert_int_equal(w.n, 2);
        assert_string_equal(w.text[0], "A-1|Pro|50|1000|2000");
        assert_string_equal(w.text[1], "A-1|Premium|80|2000|-1");
        store_close(s);
        tmpdb_remove(&t);
}

struct list_seen {
        int n;
        char text[4][256];
};

static enum cxg_err seen_objective(void *ctx, int64_t id, int64_t account_id, int64_t person_id,
                                   const struct objective *o)
{
        struct list_seen *w = ctx;
        char *p = w->text[w->n & 3];
        size_t cap = sizeof(w->text[0]);
        int k;

        (void)id;
        k = snprintf(p, cap, "%s|%s|%s|%lld|%lld|%d|%s|", o->id, o->account_id,
                     o->person_id ? o->person_id : "-", (long long)account_id, (long long)person_id,
                     o->importance, o->status);
        for (size_t i = 0; i < o->n_capabilities; i++)
                k += snprintf(p + k, cap - (size_t)k, "%s;", o->capabilities[i]);
        w->n++;
        return CXG_OK;
}

static enum cxg_err seen_capability(void *ctx, int64_t id, const struct capability *c)
{
        struct list_seen *w = ctx;
        char *p = w->text[w->n & 3];
        size_t cap = sizeof(w->text[0]);
        int k;

        (void)id;
        k = snprintf(p, cap, "%s|%s|", c->id, c->name);
        for (size_t i = 0; i < c->n_plans; i++)
                k += snprintf(p + k, cap - (size_t)k, "%s;", c->plans[i]);
        k += snprintf(p + k, cap - (size_t)k, "|");
        for (size_t i = 0; i < c->n_interaction_types; i++)
                k += snprintf(p + k, cap - (size_t)k, "%s;", c->interaction_types[i]);
        w->n++;
        return CXG_OK;
}

static void test_objectives_and_capabilities_scan_lists_as_arrays(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct objective o;
        struct capability c;
        struct list_seen w = {0};
        struct cxg_error e;
        const char *caps[] = {"search", "inmail \"pro\""};
        const char *plans[] = {"Pro", "Premium"};
        const char *types[] = {"search"};
        int64_t a1, p1;
        int how;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        a1 = put_account(s, "A-1", "Acme", NULL);
        put_account(s, "A-2", "Beta", NULL);
        p1 = put_person(s, "P-1", "A-1", NULL);
        model_capability_init(&c);
        c.id = "search";
        c.name = "Search";
        c.plans = plans;
        c.n_plans = 2;
        c.interaction_types = types;
        c.n_interaction_types = 1;
        assert_int_equal(store_put_capability(s, &c, NULL, &how, &e), CXG_OK);
        c.id = "export";
        c.name = "Export";
        c.plans = NULL; /* absent: empty list on insert */
        c.n_plans = 0;
        c.interaction_types = NULL;
        c.n_interaction_types = 0;
        assert_int_equal(store_put_capability(s, &c, NULL, &how, &e), CXG_OK);
        model_objective_init(&o);
        o.id = "O-1";
        o.account_id = "A-1";
        o.person_id = "P-1";
        o.title = "hire faster";
        o.importance = 5;
        o.capabilities = caps;
        o.n_capabilities = 2;
        assert_int_equal(store_put_objective(s, &o, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_INSERTED);
        o.account_id = "A-2";
        assert_int_equal(store_put_objective(s, &o, NULL, NULL, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "person_id");
        /* update keeps the capability list when absent */
        o.account_id = "A-1";
        o.importance = 4;
        o.status = "done";
        o.capabilities = NULL;
        o.n_capabilities = 0;
        assert_int_equal(store_put_objective(s, &o, NULL, &how, &e), CXG_OK);
        assert_int_equal(how, STORE_UPDATED);
        assert_int_equal(store_scan_objectives(s, seen_objective, &w, &e), CXG_OK);
        assert_int_equal(w.n, 1);
        {
                char want[256];

                snprintf(want, sizeof(want), "O-1|A-1|P-1|%lld|%lld|4|done|search;inmail \"pro\";",
                         (long long)a1, (long long)p1);
                assert_string_equal(w.text[0], want);
        }
        memset(&w, 0, sizeof(w));
        assert_int_equal(store_scan_capabilities(s, seen_capability, &w, &e), CXG_OK);
        assert_int_equal(w.n, 2);
        assert_string_equal(w.text[0], "search|Search|Pro;Premium;|search;");
        assert_string_equal(w.text[1], "export|Export||");
        store_close(s);
        tmpdb_remove(&t);
}

/* ---- caches and transactions ---- */

static void test_rollback_forgets_cached_ids(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        int64_t id;
        int32_t ty, ty2;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-0", "kept", NULL);
        assert_int_equal(store_account_ref(s, "A-0", 3, &id, &e), CXG_OK); /* loads the cache */
        assert_int_equal(store_begin(s, &e), CXG_OK);
        put_account(s, "A-1", "gone", NULL);
        put_person(s, "P-1", "A-1", NULL);
        assert_int_equal(store_type_id(s, "login", 5, &ty, &e), CXG_OK);
        assert_int_equal(store_account_ref(s, "A-1", 3, &id, &e), CXG_OK);
        assert_int_equal(store_person_ref(s, "P-1", 3, NULL, NULL, &e), CXG_OK);
        store_rollback(s);
        assert_int_equal(store_account_ref(s, "A-1", 3, &id, &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_person_ref(s, "P-1", 3, NULL, NULL, &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_account_ref(s, "A-0", 3, &id, &e), CXG_OK);
        /* the type is created again, and gets a real row */
        assert_int_equal(store_type_id(s, "login", 5, &ty2, &e), CXG_OK);
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM interaction_types"), 1);

        /* savepoints: only what the rolled-back savepoint added is forgotten */
        assert_int_equal(store_begin(s, &e), CXG_OK);
        put_account(s, "A-2", "outer", NULL);
        assert_int_equal(store_savepoint(s, &e), CXG_OK);
        put_account(s, "A-3", "inner", NULL);
        assert_int_equal(store_savepoint(s, &e), CXG_OK);
        put_account(s, "A-4", "innermost", NULL);
        assert_int_equal(store_savepoint_release(s, &e), CXG_OK);
        assert_int_equal(store_account_ref(s, "A-4", 3, &id, &e), CXG_OK);
        store_savepoint_rollback(s);
        assert_int_equal(store_account_ref(s, "A-3", 3, &id, &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_account_ref(s, "A-4", 3, &id, &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_account_ref(s, "A-2", 3, &id, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(store_account_ref(s, "A-2", 3, &id, &e), CXG_OK);
        store_close(s);
        assert_int_equal(raw_int(t.path, "SELECT count(*) FROM accounts"), 2);
        tmpdb_remove(&t);
}

static void test_type_ids_are_stable_across_handles(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        int32_t a, b, a2, b2;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        assert_int_equal(store_type_id(s, "like", 4, &a, &e), CXG_OK);
        assert_int_equal(store_type_id(s, "search", 6, &b, &e), CXG_OK);
        assert_int_not_equal(a, b);
        assert_int_equal(store_type_id(s, "like", 4, &a2, &e), CXG_OK);
        assert_int_equal(a, a2);
        assert_int_equal(store_type_id(s, "", 0, &a2, &e), CXG_ERR_INVALID);
        store_close(s);
        s = open_rw(&t);
        assert_int_equal(store_type_id(s, "search", 6, &b2, &e), CXG_OK);
        assert_int_equal(b, b2);
        store_close(s);
        tmpdb_remove(&t);
}

/* ---- interactions ---- */

static struct store_interaction row(int64_t p, int64_t a, int32_t ty, int64_t ts)
{
        struct store_interaction r;

        memset(&r, 0, sizeof(r));
        r.person_id = p;
        r.account_id = a;
        r.type_id = ty;
        r.ts = ts;
        r.channel = CXG_CH_WEB;
        r.duration_ms = -1;
        r.value = NAN;
        return r;
}

struct ix_seen {
        int64_t n, sum_ts, last_id;
        int64_t dur_of_x1;
        double value_of_x1;
        int outcome_of_x1;
        char attr_of_x1[128];
};

static enum cxg_err seen_ix(void *ctx, const struct store_interaction *r)
{
        struct ix_seen *w = ctx;

        w->n++;
        w->sum_ts += r->ts;
        assert_true(r->id > w->last_id);
        w->last_id = r->id;
        if (r->ext_id && strcmp(r->ext_id, "X-1") == 0) {
                w->dur_of_x1 = r->duration_ms;
                w->value_of_x1 = r->value;
                w->outcome_of_x1 = r->outcome;
                snprintf(w->attr_of_x1, sizeof(w->attr_of_x1), "%s",
                         r->attributes ? r->attributes : "-");
        }
        return CXG_OK;
}

static void test_interactions_batch_counts_inserted_and_updated(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        struct store_interaction rows[150];
        struct ix_seen w = {0};
        int64_t pid, aid, want_ts = 0, plain_ts = 0;
        int32_t ty;
        size_t ins = 0, upd = 0;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", "Acme", NULL);
        put_person(s, "P-1", "A-1", NULL);
        assert_int_equal(store_person_ref(s, "P-1", 3, &pid, &aid, &e), CXG_OK);
        assert_int_equal(store_type_id(s, "like", 4, &ty, &e), CXG_OK);
        /* 140 plain rows (two full multi-row chunks and a tail) and 10 with an id */
        for (int i = 0; i < 150; i++) {
                rows[i] = row(pid, aid, ty, 1000 + i);
                want_ts += 1000 + i;
                if (i < 140)
                        plain_ts += 1000 + i;
        }
        rows[140].ext_id = "X-1";
        rows[140].duration_ms = 400;
        rows[140].value = 2.5;
        rows[140].outcome = CXG_OUT_OK;
        rows[140].attributes = "{\"a\": 1}";
        for (int i = 141; i < 150; i++) {
                static char ids[9][8];

                snprintf(ids[i - 141], sizeof(ids[0]), "X-%d", i - 139);
                rows[i].ext_id = ids[i - 141];
        }
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_put_interactions(s, rows, 150, &ins, &upd, &e), CXG_OK);
        assert_int_equal(ins, 150);
        assert_int_equal(upd, 0);
        /* again: the 10 with ids update, the 140 without insert */
        rows[140].duration_ms = -1; /* absent: keeps 400 */
        rows[140].value = NAN;
        rows[140].outcome = CXG_OUT_NONE;
        rows[140].attributes = "{\"b\": 2}";
        rows[140].ts = 5000;
        assert_int_equal(store_put_interactions(s, rows, 150, &ins, &upd, &e), CXG_OK);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        assert_int_equal(ins, 150 + 140);
        assert_int_equal(upd, 10);
        assert_int_equal(store_scan_interactions(s, 0, seen_ix, &w, &e), CXG_OK);
        assert_int_equal(w.n, 290);
        /* first batch: all 150; second: the 140 plain rows again; X-1 moved 1140 -> 5000 */
        assert_int_equal(w.sum_ts, want_ts + plain_ts + (5000 - 1140));
        assert_int_equal(w.dur_of_x1, 400);
        assert_true(w.value_of_x1 == 2.5);
        assert_int_equal(w.outcome_of_x1, CXG_OUT_OK);
        assert_string_equal(w.attr_of_x1, "{\"a\":1,\"b\":2}");
        store_close(s);
        tmpdb_remove(&t);
}

static void test_interactions_batch_is_all_or_nothing(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        struct store_interaction rows[100];
        struct store_counts c;
        size_t ins = 0, upd = 0;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        for (int i = 0; i < 100; i++)
                rows[i] = row(1, 1, 1, 1000 + i);
        rows[70].channel = CXG_CH__COUNT;
        assert_int_equal(store_begin(s, &e), CXG_OK);
        cxg_error_clear(&e);
        assert_int_equal(store_put_interactions(s, rows, 100, &ins, &upd, &e), CXG_ERR_INVALID);
        assert_int_equal(e.line, 71);
        assert_string_equal(e.field, "channel");
        assert_int_equal(ins, 0);
        /* a failure inside SQLite (malformed attributes on the upsert path) undoes the rows
         * written before it in the same batch */
        rows[70].channel = CXG_CH_APP;
        rows[80].ext_id = "X-80";
        rows[80].attributes = "{not json";
        cxg_error_clear(&e);
        assert_int_not_equal(store_put_interactions(s, rows, 100, &ins, &upd, &e), CXG_OK);
        assert_int_equal(e.line, 81);
        assert_null(strstr(e.msg, "INSERT"));
        assert_int_equal(store_counts(s, &c, &e), CXG_OK);
        assert_int_equal(c.interactions, 0);
        assert_int_equal(ins, 0);
        assert_int_equal(store_commit(s, &e), CXG_OK);
        store_close(s);
        tmpdb_remove(&t);
}

/* ---- scans ---- */

static void test_scan_after_id_returns_only_new_rows(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct seen w = {0};
        struct cxg_error e;
        int64_t ids[5];
        char name[8];

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        for (int i = 0; i < 5; i++) {
                snprintf(name, sizeof(name), "A-%d", i);
                ids[i] = put_account(s, name, name, NULL);
        }
        assert_int_equal(store_scan_accounts(s, ids[2], seen_account, &w, &e), CXG_OK);
        assert_int_equal(w.n, 2);
        assert_int_equal(w.ids[0], ids[3]);
        assert_int_equal(w.ids[1], ids[4]);
        assert_string_equal(w.text[0], "A-3|A-3|-|-");
        memset(&w, 0, sizeof(w));
        assert_int_equal(store_scan_accounts(s, ids[4], seen_account, &w, &e), CXG_OK);
        assert_int_equal(w.n, 0);
        store_close(s);
        tmpdb_remove(&t);
}

static void test_scan_stops_when_callback_returns_nonzero(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct seen w = {0};
        struct cxg_error e;

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        put_account(s, "A-1", NULL, NULL);
        put_account(s, "A-2", NULL, NULL);
        put_account(s, "A-3", NULL, NULL);
        w.stop_at = 2;
        assert_int_equal(store_scan_accounts(s, 0, seen_account, &w, &e), CXG_ERR_LIMIT);
        assert_int_equal(w.n, 2);
        store_close(s);
        tmpdb_remove(&t);
}

/* ---- meta, durability ---- */

static void test_meta_round_trips_and_reports_missing_keys(void **state)
{
        struct tmpdb t;
        struct store *s;
        struct cxg_error e;
        char out[16], small[4];

        (void)state;
        tmpdb_make(&t);
        s = open_rw(&t);
        assert_int_equal(store_meta_set(s, "generator.seed", "42", &e), CXG_OK);
        assert_int_equal(store_meta_set(s, "generator.seed", "4242", &e), CXG_OK);
        assert_int_equal(store_meta_get(s, "generator.seed", out, sizeof(out), &e), CXG_OK);
        assert_string_equal(out, "4242");
        assert_int_equal(store_meta_get(s, "generator.seed", small, sizeof(small), &e),
                         CXG_ERR_LIMIT);
        assert_int_equal(store_meta_get(s, "nope", out, sizeof(out), &e), CXG_ERR_NOTFOUND);
        assert_int_equal(store_set_durability(s, 1, &e), CXG_OK);
        assert_int_equal(store_begin(s, &e), CXG_OK);
        assert_int_equal(store_set_durability(s, 0, &e), CXG_ERR_USAGE);
        store_rollback(s);
        store_close(s);
        tmpdb_remove(&t);
}

/* ---- the stats command ---- */

/* Run the cxgarden binary with args; its stdout+stderr into out; returns the exit status. */
static int run_cli(const char *args, char *out, size_t cap)
{
        const char *bin = getenv("CXG_BINARY");
        char cmd[512];
        FILE *f;
        size_t n;
        int st;

        if (!bin)
                return -1;
        snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
        f = popen(cmd, "r");
        assert_non_null(f);
        n = fread(out, 1, cap - 1, f);
        out[n] = '\0';
        st = pclose(f);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_stats_command_counts_rows_and_fails_clearly(void **state)
{
        struct tmpdb t;
        struct store *s;
        char args[TESTDB_PATH_MAX + 64], out[2048];
        struct stat sb;

        (void)state;
        if (!getenv("CXG_BINARY"))
                skip();
        tmpdb_make(&t);
        if (!testdb_is_pg()) { /* a missing file; a PostgreSQL database from testdb exists */
                snprintf(args, sizeof(args), "--db '%s' stats", t.path);
                assert_int_equal(run_cli(args, out, sizeof(out)), 1);
                assert_non_null(strstr(out, "no such database"));
                assert_int_not_equal(stat(t.path, &sb), 0);
        }
        s = open_rw(&t);
        put_account(s, "A-1", NULL, NULL);
        put_account(s, "A-2", NULL, NULL);
        put_person(s, "P-1", "A-1", NULL);
        store_close(s);
        snprintf(args, sizeof(args), "--db '%s' stats --json", t.path);
        assert_int_equal(run_cli(args, out, sizeof(out)), 0);
        assert_string_equal(out, "{\"accounts\": 2, \"people\": 1, \"subscriptions\": 0, "
                                 "\"interactions\": 0, \"interaction_types\": 0, "
                                 "\"feedback\": 0, \"objectives\": 0, \"capabilities\": 0}\n");
        snprintf(args, sizeof(args), "--db '%s' stats", t.path);
        assert_int_equal(run_cli(args, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "accounts                         2\n"));
        assert_non_null(strstr(out, "people                           1\n"));
        snprintf(args, sizeof(args), "--db '%s' stats --bogus", t.path);
        assert_int_equal(run_cli(args, out, sizeof(out)), 2);
        tmpdb_remove(&t);
}

/* ---- out of memory ---- */

static void test_oom_open_and_put_fail_cleanly(void **state)
{
        struct tmpdb t;
        int done = 0;

        (void)state;
        tmpdb_make(&t);
        for (unsigned long k = 1; k < 200 && !done; k++) {
                struct store *s = NULL;
                struct cxg_error e;
                struct account a;
                struct person p;
                int64_t pid, aid;
                enum cxg_err rc;

                cxg_alloc_fail_at(k);
                rc = store_open(t.path, 0, &s, &e);
                if (rc == CXG_OK) {
                        model_account_init(&a);
                        a.id = "A-1";
                        rc = store_put_account(s, &a, NULL, NULL, &e);
                }
                if (rc == CXG_OK) {
                        model_person_init(&p);
                        p.id = "P-1";
                        p.account_id = "A-1";
                        rc = store_put_person(s, &p, NULL, NULL, &e);
                }
                if (rc == CXG_OK)
                        rc = store_person_ref(s, "P-1", 3, &pid, &aid, &e);
                if (rc == CXG_OK)
                        done = 1;
                else
                        assert_int_equal(rc, CXG_ERR_NOMEM);
                store_close(s);
                cxg_alloc_fail_at(0);
                tmpdb_remove(&t);
        }
        assert_true(done);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_open_creates_schema_at_latest_version),
            cmocka_unit_test(test_reopen_is_idempotent),
            cmocka_unit_test(test_readonly_open_of_missing_file_fails_clearly),
            cmocka_unit_test(test_not_a_database_file_fails_clearly),
            cmocka_unit_test(test_foreign_sqlite_database_is_not_migrated),
            cmocka_unit_test(test_newer_schema_is_refused),
            cmocka_unit_test(test_readonly_open_reads_but_refuses_writes),
            cmocka_unit_test(test_readonly_open_of_an_old_schema_is_refused),
            cmocka_unit_test(test_readonly_open_migrates_a_database_of_an_older_cxgarden),
            cmocka_unit_test(test_put_account_upsert_keeps_absent_fields),
            cmocka_unit_test(test_account_churn_follows_date_and_flag),
            cmocka_unit_test(test_put_rejects_attributes_that_are_not_an_object),
            cmocka_unit_test(test_person_unknown_account_is_notfound_with_field),
            cmocka_unit_test(test_seniority_derived_from_role),
            cmocka_unit_test(test_person_ref_follows_a_move_to_another_account),
            cmocka_unit_test(test_people_cache_handles_ids_beyond_32_bits),
            cmocka_unit_test(test_feedback_account_derived_from_person_and_mismatch_rejected),
            cmocka_unit_test(test_subscription_keyed_by_account_and_start),
            cmocka_unit_test(test_objectives_and_capabilities_scan_lists_as_arrays),
            cmocka_unit_test(test_rollback_forgets_cached_ids),
            cmocka_unit_test(test_type_ids_are_stable_across_handles),
            cmocka_unit_test(test_interactions_batch_counts_inserted_and_updated),
            cmocka_unit_test(test_interactions_batch_is_all_or_nothing),
            cmocka_unit_test(test_scan_after_id_returns_only_new_rows),
            cmocka_unit_test(test_scan_stops_when_callback_returns_nonzero),
            cmocka_unit_test(test_meta_round_trips_and_reports_missing_keys),
            cmocka_unit_test(test_stats_command_counts_rows_and_fails_clearly),
            cmocka_unit_test(test_oom_open_and_put_fail_cleanly),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
