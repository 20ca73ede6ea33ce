/* testdb.h: the database a unit test opens, on the backend ctest chose (header only).
 *
 * CXG_TEST_BACKEND=pg (the pg_ variants in CMakeLists.txt) selects PostgreSQL: every
 * testdb_path() is then a fresh database created on the throwaway cluster whose base address
 * is CXG_TEST_PG_URL, or else the file $CXG_BUILD_DIR/pgtest/url that ctest's "pg" fixture
 * writes (tests/lib/pg-fixture.sh). Otherwise a path is an empty temporary SQLite file.
 * Without a cluster a pg_ test skips (exit 77, "SKIP: ..."); under CI=true it fails. The shell
 * tests' counterpart is tests/lib/db.bash. */
#ifndef CXG_TESTDB_H
#define CXG_TESTDB_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TESTDB_SKIP 77
#define TESTDB_URL_MAX 1024
#define TESTDB_NAME_MAX 63    /* PostgreSQL's identifier length */
#define TESTDB_NULL INT64_MIN /* testdb_int: the value was NULL */
#define TESTDB_PATH_MAX 512   /* a buffer for testdb_path(): a path or a libpq URI */

/* testdb_is_pg: whether this run's store is PostgreSQL */
static inline int testdb_is_pg(void)
{
        const char *b = getenv("CXG_TEST_BACKEND");
        return b && strcmp(b, "pg") == 0;
}

/* testdb_skip_missing: the run lacks PostgreSQL: skip visibly, or fail under CI=true */
static inline void testdb_skip_missing(const char *why)
{
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) {
                printf("FAIL: %s (CI=true: CI must provide it; see scripts/bootstrap)\n", why);
                fflush(stdout);
                exit(1);
        }
        printf("SKIP: %s\n", why);
        fflush(stdout);
        exit(TESTDB_SKIP);
}

/* testdb_sqlite_only: this test (or this whole suite) is about SQLite itself: on PostgreSQL
 * skip the suite, saying why */
static inline void testdb_sqlite_only(const char *why)
{
        if (!testdb_is_pg())
                return;
        printf("SKIP: SQLite only: %s\n", why);
        fflush(stdout);
        exit(TESTDB_SKIP);
}

/* testdb_pg_base: the fixture cluster's base address (database "postgres") into buf */
static inline void testdb_pg_base(char *buf, size_t cap)
{
        const char *url = getenv("CXG_TEST_PG_URL");
        const char *dir = getenv("CXG_BUILD_DIR");
        char file[TESTDB_URL_MAX];
        FILE *f;

        buf[0] = 0;
        if (url && *url) {
                snprintf(buf, cap, "%s", url);
        } else if (dir && *dir) {
                snprintf(file, sizeof(file), "%s/pgtest/url", dir);
                f = fopen(file, "r");
                if (f) {
                        if (!fgets(buf, (int)cap, f))
                                buf[0] = 0;
                        fclose(f);
                }
                buf[strcspn(buf, "\r\n")] = 0;
        }
        if (!buf[0])
                testdb_skip_missing(
                    "no PostgreSQL test cluster (CXG_TEST_PG_URL is unset and ctest's "
                    "pg fixture wrote no pgtest/url; scripts/pg-cluster starts one)");
}

/* testdb_pg_url: BASE with its database replaced by DB, into buf; -1 when BASE is no URI */
static inline int testdb_pg_url(char *buf, size_t cap, const char *base, const char *db)
{
        const char *scheme = strstr(base, "://");
        const char *path, *query;
        int n;

        if (!scheme)
                return -1;
        path = strchr(scheme + 3, '/');
        query = strchr(scheme + 3, '?');
        if (!path || (query && query < path)) { /* no "/dbname" part: insert one */
                path = query ? query : base + strlen(base);
                n = snprintf(buf, cap, "%.*s/%s%s", (int)(path - base), base, db, path);
        } else {
                query = strchr(path, '?');
                n = snprintf(buf, cap, "%.*s%s%s", (int)(path + 1 - base), base, db,
                             query ? query : "");
        }
        return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* testdb_pg_create: a new empty database for NAME on the fixture cluster, its address in buf */
static inline int testdb_pg_create(char *buf, size_t cap, const char *name)
{
        static unsigned counter;
        char base[TESTDB_URL_MAX], db[TESTDB_NAME_MAX + 1], sql[TESTDB_NAME_MAX + 32];
        PGconn *c;
        PGresult *r;
        int ok;

        testdb_pg_base(base, sizeof(base));
        snprintf(db, sizeof(db), "t_%ld_%u_%s", (long)getpid(), counter++, name);
        for (char *p = db; *p; p++) {
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
                else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                        *p = '_';
        }
        c = PQconnectdb(base);
        if (PQstatus(c) != CONNECTION_OK) {
                fprintf(stderr, "testdb: cannot reach the test cluster %s: %s", base,
                        PQerrorMessage(c));
                PQfinish(c);
                return -1;
        }
        snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", db);
        r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
                fprintf(stderr, "testdb: cannot create the database %s: %s", db, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return ok ? testdb_pg_url(buf, cap, base, db) : -1;
}

/* testdb_path: a fresh database for the test NAME ([A-Za-z0-9_-], short): on SQLite an empty
 * temporary file /tmp/cxg-test-NAME-XXXXXX (the caller unlinks it), on PostgreSQL a new
 * database on the fixture cluster, as its address. 0, or -1 with a message on stderr. */
static inline int testdb_path(char *buf, size_t cap, const char *name)
{
        int fd;

        if (testdb_is_pg())
                return testdb_pg_create(buf, cap, name);
        if (snprintf(buf, cap, "/tmp/cxg-test-%s-XXXXXX", name) >= (int)cap)
                return -1;
        fd = mkstemp(buf);
        if (fd < 0) {
                perror("testdb: mkstemp");
                return -1;
        }
        close(fd);
        return 0;
}

/* testdb_named: like testdb_path, for a suite whose SQLite database is a fixed file FILE in the
 * working directory (the caller removes it first): FILE itself on SQLite, a fresh database on
 * PostgreSQL. 0, or -1 with a message on stderr. */
static inline int testdb_named(char *buf, size_t cap, const char *file, const char *name)
{
        if (testdb_is_pg())
                return testdb_pg_create(buf, cap, name);
        return snprintf(buf, cap, "%s", file) < (int)cap ? 0 : -1;
}

/* TESTDB_SQLITE_ONLY(why): in a cmocka test about SQLite itself (its file, its pragmas): on
 * PostgreSQL print why and skip this test (cmocka's skip(): "[  SKIPPED ]") */
#define TESTDB_SQLITE_ONLY(why)                                                                    \
        do {                                                                                       \
                if (testdb_is_pg()) {                                                              \
                        print_message("SQLite only: %s\n", why);                                   \
                        skip();                                                                    \
                }                                                                                  \
        } while (0)

/* testdb_is_url: whether DB is a PostgreSQL address rather than an SQLite path */
static inline int testdb_is_url(const char *db)
{
        return strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0;
}

/* testdb_pg_run: SQL (one or more statements) on the PostgreSQL database DB; the last result,
 * or NULL with a message on stderr */
static inline PGresult *testdb_pg_run(const char *db, const char *sql)
{
        PGconn *c = PQconnectdb(db);
        PGresult *r = NULL;
        ExecStatusType st;

        if (PQstatus(c) == CONNECTION_OK) {
                r = PQexec(c, sql);
                st = PQresultStatus(r);
                if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                        PQclear(r);
                        r = NULL;
                }
        }
        if (!r)
                fprintf(stderr, "testdb: %s: %s", sql, PQerrorMessage(c));
        PQfinish(c);
        return r;
}

/* testdb_exec: run SQL on DB (a path or an address) outside the store: 0, or -1 with a message
 * on stderr */
static inline int testdb_exec(const char *db, const char *sql)
{
        sqlite3 *h = NULL;
        PGresult *r;
        int rc;

        if (testdb_is_url(db)) {
                r = testdb_pg_run(db, sql);
                PQclear(r);
                return r ? 0 : -1;
        }
        rc = sqlite3_open(db, &h) == SQLITE_OK ? sqlite3_exec(h, sql, NULL, NULL, NULL)
                                               : SQLITE_ERROR;
        if (rc != SQLITE_OK)
                fprintf(stderr, "testdb: %s: %s\n", sql, sqlite3_errmsg(h));
        sqlite3_close(h);
        return rc == SQLITE_OK ? 0 : -1;
}

/* testdb_int: the first column of the first row of SQL on DB (a path or an address), outside
 * the store, as an integer (PostgreSQL's booleans as 1/0, NULL as TESTDB_NULL): 1 with *v
 * set, 0 when there is no row, -1 on an error (message on stderr) */
static inline int testdb_int(const char *db, const char *sql, int64_t *v)
{
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;
        PGresult *r;
        const char *t;
        int rc = -1;

        if (testdb_is_url(db)) {
                r = testdb_pg_run(db, sql);
                if (!r)
                        return -1;
                rc = PQntuples(r) > 0 && PQnfields(r) > 0;
                if (rc) {
                        t = PQgetvalue(r, 0, 0);
                        *v = PQgetisnull(r, 0, 0)  ? TESTDB_NULL
                             : strcmp(t, "t") == 0 ? 1
                             : strcmp(t, "f") == 0 ? 0
                                                   : strtoll(t, NULL, 10);
                }
                PQclear(r);
                return rc;
        }
        if (sqlite3_open(db, &h) == SQLITE_OK &&
            sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        *v = sqlite3_column_type(st, 0) == SQLITE_NULL
                                 ? TESTDB_NULL
                                 : sqlite3_column_int64(st, 0);
                rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
        }
        if (rc < 0)
                fprintf(stderr, "testdb: %s: %s\n", sql, sqlite3_errmsg(h));
        sqlite3_finalize(st);
        sqlite3_close(h);
        return rc;
}

#endif
