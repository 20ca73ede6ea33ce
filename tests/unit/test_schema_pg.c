/*
 * test_schema_pg.c: the PostgreSQL migrations (schema_pg.c) on a fresh database of the test
 * cluster (testdb.h; the plain, SQLite variant of the suite skips): all six apply; the
 * SQL functions of SQLite's names give SQLite's results for a table of cases; the change-log
 * triggers log what SQLite's log and notify cxg_changes; two sessions serialize on the write
 * lock so seq is commit order; the audit log and ledger refuse UPDATE and DELETE; read_gen
 * bumps; the <table>_keys lookup tables refuse a duplicate external id and follow changes;
 * references to people are checked without foreign keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/schema.h"
#include "store/store_int.h"
#include "testdb.h"

static char url[TESTDB_PATH_MAX]; /* the test's database */
static PGconn *db;
static sqlite3 *lite;

static PGconn *connect_db(void)
{
        PGconn *c = PQconnectdb(url);

        if (PQstatus(c) != CONNECTION_OK)
                fail_msg("connect: %s", PQerrorMessage(c));
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        return c;
}

/* Run sql, which must succeed; the result (cleared by the caller) or NULL. */
static PGresult *run(PGconn *c, const char *sql)
{
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                fail_msg("%s: %s", sql, PQerrorMessage(c));
        return r;
}

static void exec_ok(PGconn *c, const char *sql)
{
        PQclear(run(c, sql));
}

/* The first value of sql's first row as an integer. */
static long long one(PGconn *c, const char *sql)
{
        PGresult *r = run(c, sql);
        long long v;

        assert_true(PQntuples(r) >= 1);
        v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        return v;
}

/* sql must fail with SQLSTATE state. */
static void fails_with(PGconn *c, const char *sql, const char *state)
{
        PGresult *r = PQexec(c, sql);
        const char *got = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        if (PQresultStatus(r) != PGRES_FATAL_ERROR || !got || strcmp(got, state) != 0)
                fail_msg("%s: expected SQLSTATE %s, got %s", sql, state, got ? got : "success");
        PQclear(r);
}

static int setup(void **state)
{
        (void)state;
        if (testdb_path(url, sizeof(url), "schema_pg") != 0)
                return -1;
        db = connect_db();
        assert_int_equal(sqlite3_open(":memory:", &lite), SQLITE_OK);
        return 0;
}

/* The database stays on the fixture's throwaway cluster, which the run destroys. */
static int teardown(void **state)
{
        (void)state;
        PQfinish(db);
        sqlite3_close(lite);
        return 0;
}

/* Every migration in its own transaction, as the store applies them; run first. */
static void test_migrations_apply(void **state)
{
        size_t n = 0, latest = (size_t)store_schema_latest();

        (void)state;
        while (store_migrations_pg[n])
                n++;
        assert_int_equal(n, latest); /* one version sequence for both backends */
        assert_true(latest >= 7);
        for (size_t k = 0; k < latest; k++) {
                exec_ok(db, "BEGIN");
                exec_ok(db, store_migrations_pg[k]);
                exec_ok(db, "COMMIT");
        }
        assert_int_equal(one(db, "SELECT length(value) FROM meta WHERE key = 'store.id'"), 32);
        assert_int_equal(one(db, "SELECT count(*) FROM meta WHERE key = 'store.id'"
                                 " AND value ~ '^[0-9a-f]{32}$'"),
                         1);
        assert_int_equal(one(db, "SELECT auth + entities FROM read_gen WHERE id = 1"), 0);
}

/*
 * A function case: SQLite's SQL (?1, ?2) and PostgreSQL's ($1, $2) over the same text
 * arguments (NULL: SQL NULL). JSONB compares the results as JSON values (key order and
 * number spelling may differ), else the texts must be equal; both fail or neither.
 */
enum cmp { EXACT, JSONB };

struct fcase {
        const char *lite, *pg;
        const char *a, *b;
        enum cmp cmp;
};

/* SQLite's attribute merge of entities.c (MERGE_ATTR) over ?1 (stored) and ?2 (given) */
#define LITE_MERGE                                                                                 \
        "SELECT CASE WHEN ?2 IS NULL THEN ?1 WHEN ?1 IS NULL THEN json(?2) ELSE (SELECT "          \
        "json_group_object(key, CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN "        \
        "json('false') WHEN 'object' THEN json(value) WHEN 'array' THEN json(value) ELSE value "   \
        "END) FROM (SELECT key, value, type FROM json_each(?1) WHERE key NOT IN (SELECT key FROM " \
        "json_each(?2)) UNION ALL SELECT key, value, type FROM json_each(?2))) END"
#define EACH(f)                                                                                    \
        "SELECT " f "(key || '|' || coalesce(value, 'NULL') || '|' || type || '|' ||"              \
        " coalesce(atom, 'NULL'), ';') FROM json_each("
#define T1 "CAST($1 AS TEXT)"
#define T2 "CAST($2 AS TEXT)"

static const struct fcase fcases[] = {
    {"SELECT json(?1)", "SELECT json(" T1 ")::text",
     "{ \"a\" : [1, 2 ,\"x y\"] ,\t\"b\":\"q\\\" z\"}", NULL, EXACT},
    {"SELECT json(?1)", "SELECT json(" T1 ")::text", "[ 1 , {\"c\" : null}, true ]", NULL, EXACT},
    {"SELECT json(?1)", "SELECT json(" T1 ")::text", "{\"k\":\"\\u00e9 \\n\"}", NULL, EXACT},
    {"SELECT json(?1)", "SELECT json(" T1 ")::text", " 1.50 ", NULL, EXACT},
    {"SELECT json(?1)", "SELECT json(" T1 ")::text", "{\"a\":}", NULL, EXACT},
    {"SELECT json(?1)", "SELECT json(" T1 ")::text", NULL, NULL, EXACT},
    /* RFC 7386, appendix A */
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":\"b\"}",
     "{\"a\":\"c\"}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":\"b\"}",
     "{\"b\":\"c\"}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":\"b\",\"b\":\"c\"}",
     "{\"a\":null}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":{\"b\":\"c\"}}",
     "{\"a\":{\"b\":\"d\",\"c\":null}}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":[{\"b\":\"c\"}]}",
     "{\"a\":[1]}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"e\":null}", "{\"a\":1}",
     JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "[1,2]",
     "{\"a\":\"b\",\"c\":null}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{}",
     "{\"a\":{\"bb\":{\"ccc\":null}}}", JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":\"foo\"}", "null",
     JSONB},
    {"SELECT json_patch(?1, ?2)", "SELECT json_patch(" T1 ", " T2 ")", "{\"a\":1}", NULL, JSONB},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[0]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[1]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[2]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[3]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[4]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\":1}]}}", "$.a.b[5]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":{\"b\":[10,1.5,\"s\",true,false,null,{\"c\": 1}]}}", "$.a.b[6]", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"plan tier\":\"gold\",\"n\":2.0}", "$.\"plan tier\"", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"plan tier\":\"gold\",\"n\":2.0}", "$.n", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":1}", "$.missing", EXACT},
    {"SELECT CAST(json_extract(?1, ?2) AS TEXT)", "SELECT json_extract(" T1 ", " T2 ")",
     "{\"a\":1}", "a", EXACT},
    {EACH("group_concat") "?1)", EACH("string_agg") T1 ")",
     "{\"a\":1,\"b\":\"x\",\"c\":[1, 2],\"d\":false,\"e\":null,\"f\":2.5,\"g\":{\"h\":true}}", NULL,
     EXACT},
    {EACH("group_concat") "?1)", EACH("string_agg") T1 ")", "[\"x\",2,[3]]", NULL, EXACT},
    {"SELECT strftime(?1, CAST(?2 AS INTEGER), 'unixepoch')",
     "SELECT strftime(" T1 ", CAST($2 AS BIGINT), 'unixepoch')", "%Y-%m-%dT%H:%M:%SZ", "1700000000",
     EXACT},
    {"SELECT strftime(?1, CAST(?2 AS INTEGER), 'unixepoch')",
     "SELECT strftime(" T1 ", CAST($2 AS BIGINT), 'unixepoch')", "%s %j %w %% %d", "86399", EXACT},
    {"SELECT instr(?1, ?2)", "SELECT instr(" T1 ", " T2 ")", "kind:acct:person", ":person", EXACT},
    {"SELECT instr(?1, ?2)", "SELECT instr(" T1 ", " T2 ")", "abc", "z", EXACT},
    {"SELECT instr(?1, ?2)", "SELECT instr(" T1 ", " T2 ")", "abc", "", EXACT},
    {"SELECT instr(?1, ?2)", "SELECT instr(" T1 ", " T2 ")", NULL, "a", EXACT},
    {LITE_MERGE, "SELECT cxg_attr_merge(" T1 ", " T2 ")", "{\"z\":1,\"a\":{\"b\":2},\"c\":\"x\"}",
     "{\"c\":null,\"d\":true,\"e\":[1,{\"f\":false}]}", EXACT},
    {LITE_MERGE, "SELECT cxg_attr_merge(" T1 ", " T2 ")", NULL, "{ \"a\" : 1 }", EXACT},
    {LITE_MERGE, "SELECT cxg_attr_merge(" T1 ", " T2 ")", "{\"a\":1}", NULL, EXACT},
    {LITE_MERGE, "SELECT cxg_attr_merge(" T1 ", " T2 ")", "{}", "{}", EXACT},
    {LITE_MERGE, "SELECT cxg_attr_merge(" T1 ", " T2 ")", "{\"n\":1.5,\"s\":\"a b\"}",
     "{\"n\":2.25}", EXACT},
};

/* SQLite's result of c into out (NULL: SQL NULL); 0, or -1 when the statement fails. */
static int lite_eval(sqlite3 *l, const struct fcase *c, char *out, size_t cap, int *isnull)
{
        sqlite3_stmt *st = NULL;
        int rc;

        *isnull = 0;
        if (sqlite3_prepare_v2(l, c->lite, -1, &st, NULL) != SQLITE_OK)
                fail_msg("%s: %s", c->lite, sqlite3_errmsg(l));
        if (c->a)
                sqlite3_bind_text(st, 1, c->a, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(st) > 1 && c->b)
                sqlite3_bind_text(st, 2, c->b, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(st, 0);

                *isnull = t == NULL;
                snprintf(out, cap, "%s", t ? (const char *)t : "");
        }
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : -1;
}

/* Whether JSON texts x and y are equal as values (PostgreSQL's jsonb). */
static int same_json(PGconn *c, const char *x, const char *y)
{
        const char *const p[2] = {x, y};
        PGresult *r = PQexecParams(c, "SELECT CAST($1 AS TEXT)::jsonb = CAST($2 AS TEXT)::jsonb", 2,
                                   NULL, p, NULL, NULL, 0);
        int same = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;

        PQclear(r);
        return same;
}

static void check_function_cases(PGconn *c, sqlite3 *l)
{
        for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
                const struct fcase *fc = &fcases[i];
                const char *const p[2] = {fc->a, fc->b};
                char want[512];
                int lnull, lfail = lite_eval(l, fc, want, sizeof(want), &lnull) != 0;
                int np = strstr(fc->pg, "$2") ? 2 : 1;
                PGresult *r = PQexecParams(c, fc->pg, np, NULL, p, NULL, NULL, 0);
                int pfail = PQresultStatus(r) != PGRES_TUPLES_OK;
                const char *got = pfail ? "" : PQgetvalue(r, 0, 0);
                int pnull = !pfail && PQgetisnull(r, 0, 0);

                if (lfail || pfail) {
                        if (lfail != pfail)
                                fail_msg("case %zu (%s): SQLite %s, PostgreSQL %s", i, fc->pg,
                                         lfail ? "fails" : want, pfail ? PQerrorMessage(c) : got);
                } else if (lnull || pnull) {
                        if (lnull != pnull)
                                fail_msg("case %zu (%s): SQLite %s, PostgreSQL %s", i, fc->pg,
                                         lnull ? "NULL" : want, pnull ? "NULL" : got);
                } else if (fc->cmp == JSONB ? !same_json(c, want, got) : strcmp(want, got) != 0) {
                        fail_msg("case %zu (%s): SQLite '%s', PostgreSQL '%s'", i, fc->pg, want,
                                 got);
                }
                PQclear(r);
        }
}

static void test_functions_match_sqlite(void **state)
{
        (void)state;
        check_function_cases(db, lite);
}

/* The newest seq of the change log. */
static long long max_seq(void)
{
        return one(db, "SELECT coalesce(max(seq), 0) FROM changes");
}

static void test_change_log_triggers(void **state)
{
        long long s0, s1;
        char sql[256];
        PGresult *r;

        (void)state;
        s0 = max_seq();
        exec_ok(db, "INSERT INTO accounts(ext_id, name) VALUES ('acc1', 'One'), ('acc2', 'Two')");
        exec_ok(db, "UPDATE accounts SET name = 'One' WHERE ext_id = 'acc1'"); /* no change */
        exec_ok(db, "UPDATE accounts SET name = 'Uno' WHERE ext_id = 'acc1'");
        exec_ok(db, "INSERT INTO people(ext_id, account_id) VALUES ('per1', 1)");
        exec_ok(db, "INSERT INTO interaction_types(name) VALUES ('call')");
        exec_ok(db, "INSERT INTO interactions(person_id, account_id, ts, channel, type_id)"
                    " VALUES (1, 1, 10, 0, 1)"); /* not logged: store_put_interactions notes */
        exec_ok(db, "UPDATE interactions SET ts = 11");
        exec_ok(db, "INSERT INTO subscriptions(account_id, plan, mrr, started_at)"
                    " VALUES (2, 'pro', 10, 5)");
        exec_ok(db, "INSERT INTO capabilities(ext_id, name) VALUES ('cap1', 'C')");
        exec_ok(db, "INSERT INTO objectives(ext_id, account_id, title) VALUES ('o1', 2, 'T')");
        exec_ok(db, "INSERT INTO feedback(person_id, account_id, ts, kind, score)"
                    " VALUES (1, 1, 12, 1, 9)");
        exec_ok(db, "DELETE FROM feedback");
        exec_ok(db, "DELETE FROM interactions");
        snprintf(sql, sizeof(sql),
                 "SELECT string_agg(entity || ':' || op || ':' || id_lo || ':' ||"
                 " coalesce(account_id, 0), ' ' ORDER BY seq) FROM changes WHERE seq > %lld",
                 s0);
        r = run(db, sql);
        assert_string_equal(PQgetvalue(r, 0, 0), "1:1:1:1 1:1:2:2 1:2:1:1 2:1:1:1 6:1:1:0 "
                                                 "4:2:1:1 3:1:1:2 7:1:1:0 8:1:1:2 5:1:1:1 "
                                                 "5:3:1:1 4:3:1:1");
        PQclear(r);
        s1 = max_seq();
        assert_int_equal(s1 - s0, 12);
        /* at: the write's unix time (unixepoch(), the transaction's) */
        assert_int_equal(one(db, "SELECT count(*) FROM changes WHERE abs(at - unixepoch()) > 3600"),
                         0);
}

/* A statement that logs a change notifies cxg_changes with its seq, at commit. */
static void test_notify(void **state)
{
        PGconn *l = connect_db();
        PGnotify *n;
        long long seq;
        int got = 0;

        (void)state;
        exec_ok(l, "LISTEN cxg_changes");
        exec_ok(db, "BEGIN");
        exec_ok(db, "UPDATE accounts SET plan = 'gold' WHERE ext_id = 'acc2'");
        PQconsumeInput(l);
        assert_null(PQnotifies(l)); /* not before the commit */
        exec_ok(db, "COMMIT");
        seq = max_seq();
        for (int i = 0; i < 200 && !got; i++) {
                PQconsumeInput(l);
                while ((n = PQnotifies(l))) {
                        assert_string_equal(n->relname, "cxg_changes");
                        assert_int_equal(atoll(n->extra), seq);
                        got++;
                        PQfreemem(n);
                }
                if (!got)
                        usleep(10000);
        }
        assert_int_equal(got, 1);
        exec_ok(db, "UPDATE accounts SET plan = 'gold' WHERE ext_id = 'acc2'"); /* no change */
        usleep(50000);
        PQconsumeInput(l);
        assert_null(PQnotifies(l));
        PQfinish(l);
}

/* Whether some session waits for the write lock. */
static int lock_waiter(void)
{
        char sql[160];

        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                 " AND objid = %d",
                 STORE_PG_WRITE_LOCK);
        return one(db, sql) > 0;
}

/*
 * Session A holds the write lock (store_begin) and has logged a change; session B's autocommit
 * write waits for it, so B's seq comes after every seq of A, which commits first: seq is
 * commit order. Without the lock in the triggers B would take a seq between A's.
 */
static void test_seq_is_commit_order(void **state)
{
        PGconn *a = connect_db(), *b = connect_db();
        long long a1, a2, bseq;
        PGresult *r;
        int waited = 0;

        (void)state;
        exec_ok(a, "BEGIN");
        exec_ok(a, "SELECT pg_advisory_xact_lock(6518887)");
        exec_ok(a, "INSERT INTO accounts(ext_id) VALUES ('a-first')");
        assert_int_equal(PQsendQuery(b, "INSERT INTO accounts(ext_id) VALUES ('b-between')"), 1);
        for (int i = 0; i < 500 && !waited; i++) {
                waited = lock_waiter();
                if (!waited)
                        usleep(10000);
        }
        assert_true(waited);
        exec_ok(a, "INSERT INTO accounts(ext_id) VALUES ('a-second')");
        exec_ok(a, "COMMIT");
        while ((r = PQgetResult(b))) {
                assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
                PQclear(r);
        }
        a1 = one(db, "SELECT seq FROM changes c JOIN accounts x ON x.id = c.id_lo"
                     " WHERE c.entity = 1 AND c.op = 1 AND x.ext_id = 'a-first'");
        a2 = one(db, "SELECT seq FROM changes c JOIN accounts x ON x.id = c.id_lo"
                     " WHERE c.entity = 1 AND c.op = 1 AND x.ext_id = 'a-second'");
        bseq = one(db, "SELECT seq FROM changes c JOIN accounts x ON x.id = c.id_lo"
                       " WHERE c.entity = 1 AND c.op = 1 AND x.ext_id = 'b-between'");
        assert_true(a1 < a2);
        assert_true(a2 < bseq);
        PQfinish(a);
        PQfinish(b);
}

static void test_append_only(void **state)
{
        (void)state;
        exec_ok(db, "INSERT INTO audit_log(at, actor, action, entity) VALUES (1, 'x', 'y', 'z')");
        fails_with(db, "UPDATE audit_log SET actor = 'w'", "23000");
        fails_with(db, "DELETE FROM audit_log", "23000");
        fails_with(db, "TRUNCATE audit_log", "23000");
        exec_ok(db, "INSERT INTO ledger(at, person_id, team, kind, points, cause_type)"
                    " VALUES (1, 1, 'external', 'idea', 5, 'idea')");
        assert_int_equal(one(db, "SELECT account_id FROM ledger WHERE person_id = 1"), 1);
        fails_with(db, "UPDATE ledger SET points = 6", "23000");
        fails_with(db, "DELETE FROM ledger", "23000");
        assert_int_equal(one(db, "SELECT count(*) FROM audit_log"), 1);
}

static void test_read_gen(void **state)
{
        (void)state;
        exec_ok(db, "UPDATE read_gen SET auth = 0, entities = 0");
        exec_ok(db, "INSERT INTO users(name, role, created_at) VALUES ('u', 'admin', 1)");
        exec_ok(db, "INSERT INTO sessions(token_hash, csrf, user_id, created_at, expires_at)"
                    " VALUES ('\\x01', 'c', 1, 1, 2)");
        assert_int_equal(one(db, "SELECT auth FROM read_gen"), 0); /* new rows: no bump */
        exec_ok(db, "UPDATE users SET disabled = 1");
        exec_ok(db, "DELETE FROM sessions");
        assert_int_equal(one(db, "SELECT auth FROM read_gen"), 2);
        exec_ok(db, "INSERT INTO api_tokens(token_hash, prefix, user_id, scope, created_at)"
                    " VALUES ('\\x02', 'p', 1, 'read', 1)");
        exec_ok(db, "UPDATE api_tokens SET revoked_at = 5");
        assert_int_equal(one(db, "SELECT auth FROM read_gen"), 3);
        exec_ok(db, "UPDATE accounts SET owner = 'o' WHERE ext_id = 'acc1'");
        exec_ok(db, "UPDATE people SET name = 'n'");
        assert_int_equal(one(db, "SELECT entities FROM read_gen"), 2);
}

static void test_keys_tables(void **state)
{
        (void)state;
        fails_with(db, "INSERT INTO people(ext_id, account_id) VALUES ('per1', 2)", "23505");
        exec_ok(db, "INSERT INTO people(ext_id, account_id) VALUES ('per2', 2)");
        assert_int_equal(one(db, "SELECT account_id FROM people_keys WHERE ext_id = 'per2'"), 2);
        exec_ok(db, "UPDATE people SET ext_id = 'per3', account_id = 1 WHERE ext_id = 'per2'");
        assert_int_equal(one(db, "SELECT count(*) FROM people_keys WHERE ext_id = 'per2'"), 0);
        assert_int_equal(one(db, "SELECT account_id FROM people_keys WHERE ext_id = 'per3'"), 1);
        exec_ok(db, "INSERT INTO interactions(ext_id, person_id, account_id, ts, channel, type_id)"
                    " VALUES ('i1', 1, 1, 1, 0, 1), (NULL, 1, 1, 2, 0, 1), (NULL, 1, 2, 3, 0, 1)");
        fails_with(db,
                   "INSERT INTO interactions(ext_id, person_id, account_id, ts, channel, type_id)"
                   " VALUES ('i1', 1, 2, 1, 0, 1)",
                   "23505");
        assert_int_equal(one(db, "SELECT count(*) FROM interactions_keys"), 1);
        exec_ok(db, "DELETE FROM interactions WHERE ext_id = 'i1'");
        assert_int_equal(one(db, "SELECT count(*) FROM interactions_keys"), 0);
        exec_ok(db, "INSERT INTO feedback(ext_id, person_id, account_id, ts, kind, score)"
                    " VALUES ('f1', 1, 1, 1, 1, 1)");
        fails_with(db,
                   "INSERT INTO feedback(ext_id, person_id, account_id, ts, kind, score)"
                   " VALUES ('f1', 1, 2, 1, 1, 1)",
                   "23505");
}

static void test_person_references(void **state)
{
        (void)state;
        fails_with(db,
                   "INSERT INTO feedback(person_id, account_id, ts, kind, score)"
                   " VALUES (999, 1, 1, 1, 1)",
                   "23503");
        fails_with(db, "UPDATE users SET person_id = 999", "23503");
        fails_with(db, "DELETE FROM people WHERE ext_id = 'per1'", "23503");   /* feedback f1 */
        exec_ok(db, "DELETE FROM people WHERE ext_id = 'per3'");               /* unreferenced */
        fails_with(db, "DELETE FROM accounts WHERE ext_id = 'acc1'", "23503"); /* a real FK */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_migrations_apply),
            cmocka_unit_test(test_functions_match_sqlite),
            cmocka_unit_test(test_change_log_triggers),
            cmocka_unit_test(test_notify),
            cmocka_unit_test(test_seq_is_commit_order),
            cmocka_unit_test(test_append_only),
            cmocka_unit_test(test_read_gen),
            cmocka_unit_test(test_keys_tables),
            cmocka_unit_test(test_person_references),
        };

        if (!testdb_is_pg()) {
                puts("SKIP: PostgreSQL only: the pg_ variant runs it on the fixture cluster");
                return TESTDB_SKIP;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
