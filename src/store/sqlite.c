/*
 * sqlite.c: the SQLite backend's handle: open with its pragmas, versioned migrations,
 * transactions and savepoints, the prepared-statement cache, the error mapping,
 * counts and meta settings. The id caches live in ids.c, entity upserts in entities.c, the
 * engine's scans in scan.c; statements go through db.h (both backends).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/grow.h"
#include "core/log.h"
#include "core/banned.h"
#include "store/pg_int.h"
#include "store/schema.h"
#include "store/store_int.h"

#define BUSY_TIMEOUT_MS 5000

int store_schema_latest(void)
{
        int n = 0;

        while (store_migrations[n])
                n++;
        return n;
}

const char *store_path(const struct store *s)
{
        return s ? s->path : "";
}

int store_schema_version(struct store *s)
{
        return s ? s->version : 0;
}

/* ---- errors ---- */

/*
 * Why the file at path (or its directory, where SQLite creates the -wal and -shm files) cannot
 * be written: an errno such as EROFS or EACCES, or 0 when both are writable. access() reports
 * a read-only file system even to root, who ignores file modes.
 */
static int write_errno(const char *path)
{
        char dir[sizeof(((struct store *)0)->path)];
        const char *slash = strrchr(path, '/');

        if (access(path, W_OK) != 0 && errno != ENOENT)
                return errno;
        if (!slash)
                snprintf(dir, sizeof(dir), ".");
        else
                snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
        return access(dir, W_OK) != 0 ? errno : 0;
}

/* The transaction ended without us (SQLite rolls back by itself on some errors). */
static void tx_lost(struct store *s)
{
        if (s->cache_dirty)
                store_cache_drop(s);
        s->cache_dirty = 0;
        s->in_tx = 0;
        s->savepoint_depth = 0;
}

/* store_db_err for PostgreSQL: the SQLSTATE's kind, the server's message (never SQL text). */
static enum cxg_err pg_err(struct store *s, int rc, const char *what, struct cxg_error *err)
{
        struct store_pg *pg = s->pg;

        if (s->in_tx && !store_pg_in_tx(s))
                tx_lost(s);
        if (pg->lost)
                return cxg_error_set(err, CXG_ERR_UNAVAILABLE,
                                     "%s: database at %s is unreachable: %s; retrying", what,
                                     s->path, pg->errmsg);
        /* class 42 (syntax, unknown table or column, ...), 0A: a bug in a statement */
        if (rc == SQLITE_RANGE || strncmp(pg->sqlstate, "42", 2) == 0 ||
            strncmp(pg->sqlstate, "0A", 2) == 0)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "%s: %s: internal error in a statement (please report it)",
                                     what, s->path);
        switch (rc & 0xff) {
        case SQLITE_BUSY:
                if (strcmp(pg->sqlstate, "55P03") == 0)
                        return cxg_error_set(err, CXG_ERR_BUSY,
                                             "%s: %s: the database is locked by another writer "
                                             "(waited %d s); retry when it has finished",
                                             what, s->path, STORE_PG_LOCK_TIMEOUT_MS / 1000);
                return cxg_error_set(err, CXG_ERR_BUSY,
                                     "%s: %s: a concurrent transaction conflicted (%s); retry",
                                     what, s->path, pg->errmsg);
        case SQLITE_FULL:
                return cxg_error_set(err, CXG_ERR_FULL,
                                     "%s: %s: the database server's disk is full (nothing of the "
                                     "transaction was written; free some space and retry)",
                                     what, s->path);
        case SQLITE_READONLY:
                return cxg_error_set(
                    err, CXG_ERR_READONLY, "%s: %s: the database is %s", what, s->path,
                    (s->flags & STORE_READONLY) ? "opened read-only" : "read-only (a standby?)");
        case SQLITE_CONSTRAINT:
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "%s: %s: conflicts with stored data (%s)", what, s->path,
                                     pg->errmsg);
        case SQLITE_NOMEM:
                return cxg_error_set(err, CXG_ERR_NOMEM, "%s: %s: out of memory", what, s->path);
        case SQLITE_TOOBIG:
                return cxg_error_set(err, CXG_ERR_LIMIT, "%s: %s: a value is too large (%s)", what,
                                     s->path, pg->errmsg);
        case SQLITE_IOERR:
                return cxg_error_set(err, CXG_ERR_IO, "%s: %s: input/output error (%s)", what,
                                     s->path, pg->errmsg);
        case SQLITE_PERM:
                return cxg_error_set(err, CXG_ERR_STORE,
                                     "%s: %s: %s (check the grants of the database user)", what,
                                     s->path, pg->errmsg);
        default:
                return cxg_error_set(err, CXG_ERR_STORE, "%s: %s: %s", what, s->path,
                                     pg->errmsg[0] ? pg->errmsg : sqlite3_errstr(rc));
        }
}

enum cxg_err store_db_err(struct store *s, int rc, const char *what, struct cxg_error *err)
{
        const char *path = s ? s->path : "";
        const char *detail = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
        enum cxg_err code;
        const char *why;
        int why_no;

        if (s && s->pg)
                return pg_err(s, rc, what, err);
        if (s && s->db && s->in_tx && sqlite3_get_autocommit(s->db))
                tx_lost(s);
        switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return cxg_error_set(err, CXG_ERR_BUSY,
                                     "%s: %s: the database is locked by another writer (waited "
                                     "%d s); retry when it has finished",
                                     what, path, BUSY_TIMEOUT_MS / 1000);
        case SQLITE_FULL:
                return cxg_error_set(err, CXG_ERR_FULL,
                                     "%s: %s: the disk is full (nothing of the transaction was "
                                     "written; free some space and retry)",
                                     what, path);
        case SQLITE_READONLY:
                if (s && !(s->flags & STORE_READONLY) && (why_no = write_errno(path)) != 0)
                        return cxg_error_set(err, CXG_ERR_READONLY,
                                             "%s: %s: the database is read-only (%s)", what, path,
                                             strerror(why_no));
                return cxg_error_set(err, CXG_ERR_READONLY, "%s: %s: the database is %s", what,
                                     path,
                                     s && (s->flags & STORE_READONLY)
                                         ? "opened read-only"
                                         : "read-only (check the permissions of the file and "
                                           "of its directory)");
        case SQLITE_CANTOPEN:
                if (s && !(s->flags & STORE_READONLY) && (why_no = write_errno(path)) != 0)
                        return cxg_error_set(err, CXG_ERR_READONLY,
                                             "%s: %s: the database is read-only (%s): cxgarden "
                                             "writes the file and the -wal and -shm files beside "
                                             "it",
                                             what, path, strerror(why_no));
                if (s && (s->flags & STORE_READONLY))
                        return cxg_error_set(err, CXG_ERR_READONLY,
                                             "%s: %s: cannot open the file for reading (check "
                                             "its permissions)",
                                             what, path);
                return cxg_error_set(err, CXG_ERR_IO,
                                     "%s: %s: cannot open or create the file (check that the "
                                     "directory exists and is writable)",
                                     what, path);
        case SQLITE_CONSTRAINT:
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "%s: %s: conflicts with stored data (%s)", what, path, detail);
        case SQLITE_NOTADB:
                return cxg_error_set(err, CXG_ERR_STORE,
                                     "%s: %s: not a cxgarden database (the file is not an "
                                     "SQLite database)",
                                     what, path);
        case SQLITE_CORRUPT:
                return cxg_error_set(err, CXG_ERR_STORE,
                                     "%s: %s: the database file is corrupt (restore a backup)",
                                     what, path);
        case SQLITE_NOMEM:
                return cxg_error_set(err, CXG_ERR_NOMEM, "%s: %s: out of memory", what, path);
        case SQLITE_IOERR:
                return cxg_error_set(err, CXG_ERR_IO, "%s: %s: input/output error (%s)", what, path,
                                     detail);
        case SQLITE_TOOBIG:
                return cxg_error_set(err, CXG_ERR_LIMIT, "%s: %s: a value is too large", what,
                                     path);
        default:
                break;
        }
        /* SQLite's syntax messages quote the statement: never show those to a user. */
        if (strstr(detail, "syntax error") || strstr(detail, "near \"") ||
            strstr(detail, "no such")) {
                code = CXG_ERR_INTERNAL;
                why = "internal error in a statement (please report it)";
        } else {
                code = CXG_ERR_STORE;
                why = detail;
        }
        return cxg_error_set(err, code, "%s: %s: %s", what, path, why);
}

/* ---- statements ---- */

int sdb_prepare(struct store *s, const char *sql, struct sdb_stmt **out)
{
        struct sdb_stmt *st;
        int rc;

        *out = NULL;
        if (s->pg)
                return store_pg_prepare(s, sql, out);
        if (!(st = cxg_calloc(1, sizeof(*st))))
                return SQLITE_NOMEM;
        rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_finalize(st->lite);
                cxg_free(st);
                return rc;
        }
        *out = st;
        return SQLITE_OK;
}

void sdb_finalize(struct sdb_stmt *st)
{
        if (!st)
                return;
        if (st->lite)
                sqlite3_finalize(st->lite);
        else
                store_pg_finalize(st->pg);
        cxg_free(st);
}

int sdb_exec(struct store *s, const char *sql)
{
        return s->pg ? store_pg_exec(s, sql) : sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int64_t sdb_changes(struct store *s)
{
        return s->pg ? store_pg_changes(s) : sqlite3_changes64(s->db);
}

int64_t sdb_last_insert_rowid(struct store *s)
{
        return s->pg ? -1 : sqlite3_last_insert_rowid(s->db);
}

int sdb_in_tx(struct store *s)
{
        if (s->pg)
                return store_pg_in_tx(s);
        return s->db && !sqlite3_get_autocommit(s->db);
}

enum cxg_err store_step_done(struct store *s, struct sdb_stmt *st, const char *what,
                             struct cxg_error *err)
{
        int rc = sdb_step(st);
        enum cxg_err e = rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, what, err);

        sdb_reset(st);
        return e;
}

struct sdb_stmt *store_stmt(struct store *s, const char *sql, struct cxg_error *err)
{
        size_t n = strlen(sql);
        struct sdb_stmt *st = NULL;
        uint64_t v;
        int rc;

        if (cxg_hmap_get(&s->stmts, sql, n, &v)) {
                st = (struct sdb_stmt *)(uintptr_t)v;
                sdb_reset(st);
                if (st->lite)
                        sqlite3_clear_bindings(st->lite);
                for (int i = 1; st->pg && i <= store_pg_bind_parameter_count(st->pg); i++)
                        store_pg_bind_null(st->pg, i); /* "bindings cleared" on PostgreSQL too */
                return st;
        }
        rc = sdb_prepare(s, sql, &st);
        if (rc != SDB_OK) {
                store_db_err(s, rc, "prepare statement", err);
                return NULL;
        }
        if (cxg_hmap_put(&s->stmts, sql, n, (uint64_t)(uintptr_t)st)) {
                sdb_finalize(st);
                cxg_error_set(err, CXG_ERR_NOMEM, "prepare statement: %s: out of memory", s->path);
                return NULL;
        }
        return st;
}

enum cxg_err store_exec(struct store *s, const char *sql, struct cxg_error *err)
{
        int rc = sdb_exec(s, sql);

        if (rc != SQLITE_OK)
                return store_db_err(s, rc, "run statement", err);
        return CXG_OK;
}

/* Run sql; a failure is reported as the operation "what". */
static enum cxg_err exec_as(struct store *s, const char *sql, const char *what,
                            struct cxg_error *err)
{
        int rc = sdb_exec(s, sql);

        if (rc != SQLITE_OK)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

int store_bind_text(struct sdb_stmt *st, int i, const char *v)
{
        if (!v)
                return sdb_bind_null(st, i);
        return sdb_bind_text(st, i, v, -1, SDB_STATIC);
}

int store_bind_double(struct sdb_stmt *st, int i, double v)
{
        if (isnan(v))
                return sdb_bind_null(st, i);
        return sdb_bind_double(st, i, v);
}

int store_bind_ts(struct sdb_stmt *st, int i, int64_t v)
{
        if (v == CXG_TS_NONE)
                return sdb_bind_null(st, i);
        return sdb_bind_int64(st, i, v);
}

const char *store_col_text(struct sdb_stmt *st, int i)
{
        return (const char *)sdb_column_text(st, i);
}

double store_col_double(struct sdb_stmt *st, int i)
{
        if (sdb_column_type(st, i) == SDB_NULL)
                return NAN;
        return sdb_column_double(st, i);
}

int64_t store_col_ts(struct sdb_stmt *st, int i)
{
        if (sdb_column_type(st, i) == SDB_NULL)
                return CXG_TS_NONE;
        return sdb_column_int64(st, i);
}

/* ---- open, migrations, close ---- */

/* One integer from a query without parameters; *found = 0 when it returns no row or NULL. */
static enum cxg_err query_int(struct store *s, const char *sql, const char *what, int64_t *out,
                              int *found, struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        int rc = sdb_prepare(s, sql, &st);

        *found = 0;
        if (rc == SDB_OK) {
                rc = sdb_step(st);
                if (rc == SDB_ROW) {
                        if (sdb_column_type(st, 0) != SDB_NULL) {
                                *out = sdb_column_int64(st, 0);
                                *found = 1;
                        }
                        rc = SDB_DONE;
                }
        }
        sdb_finalize(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

/* Schema version recorded in the database: 0 for a new, empty one. */
static enum cxg_err read_version(struct store *s, int *version, struct cxg_error *err)
{
        int64_t v = 0;
        int found;
        enum cxg_err rc;

        /* one query, one snapshot: 1 schema_version exists, -1 other tables only, 0 empty */
        rc = query_int(s,
                       store_sql(s,
                                 "SELECT CASE WHEN sum(type = 'table' AND name = "
                                 "'schema_version') > 0 THEN 1 WHEN count(*) > 0 THEN -1 "
                                 "ELSE 0 END FROM sqlite_master",
                                 "SELECT CASE WHEN bool_or(tablename = 'schema_version') THEN 1 "
                                 "WHEN count(*) > 0 THEN -1 ELSE 0 END FROM pg_catalog.pg_tables "
                                 "WHERE schemaname = current_schema()"),
                       "open", &v, &found, err);
        if (rc)
                return rc;
        if (v < 0)
                return cxg_error_set(err, CXG_ERR_STORE, "open: %s: not a cxgarden database (%s)",
                                     s->path,
                                     store_sql(s, "an SQLite database of another application",
                                               "its schema holds tables of another "
                                               "application"));
        if (v == 0) {
                *version = 0;
                return CXG_OK;
        }
        rc = query_int(s, "SELECT max(version) FROM schema_version", "open", &v, &found, err);
        if (rc)
                return rc;
        *version = found ? (int)v : 0;
        return CXG_OK;
}

/* Record migration v as applied, inside its transaction. */
static enum cxg_err record_version(struct store *s, int v, const char *what, struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        int rc = sdb_prepare(s,
                             store_sql(s,
                                       "INSERT INTO schema_version(version, applied_at) "
                                       "VALUES (?, CAST(strftime('%s', 'now') AS INTEGER))",
                                       "INSERT INTO schema_version(version, applied_at) "
                                       "VALUES (?, CAST(extract(epoch FROM now()) AS BIGINT))"),
                             &st);

        if (rc == SDB_OK) {
                sdb_bind_int(st, 1, v);
                rc = sdb_step(st);
        }
        sdb_finalize(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

/* Apply migration v (1-based) in its own transaction, unless another process did already. */
static enum cxg_err migrate_one(struct store *s, int v, struct cxg_error *err)
{
        char what[64];
        int cur;
        enum cxg_err rc;

        snprintf(what, sizeof(what), "migrate to schema version %d", v);
        if ((rc = exec_as(s,
                          store_sql(s, "BEGIN IMMEDIATE",
                                    "BEGIN; SELECT pg_advisory_xact_lock(" STORE_PG_WRITE_LOCK_SQL
                                    ")"),
                          what, err)))
                return rc;
        if ((rc = exec_as(s,
                          store_sql(s,
                                    "CREATE TABLE IF NOT EXISTS schema_version ("
                                    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                                    "CREATE TABLE IF NOT EXISTS schema_version ("
                                    " version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"),
                          what, err)) ||
            (rc = read_version(s, &cur, err)))
                goto fail;
        if (cur >= v)
                return exec_as(s, "COMMIT", what, err);
        if ((rc = exec_as(s, store_sql(s, store_migrations[v - 1], store_migrations_pg[v - 1]),
                          what, err)) ||
            (rc = record_version(s, v, what, err)) || (rc = exec_as(s, "COMMIT", what, err)))
                goto fail;
        return CXG_OK;
fail:
        sdb_exec(s, "ROLLBACK");
        return rc;
}

/*
 * Apply the migrations after s->version. On PostgreSQL under a session advisory lock, so
 * servers that start together migrate one after the other (each then finds the work done).
 */
static enum cxg_err migrate(struct store *s, int latest, struct cxg_error *err)
{
        enum cxg_err e = CXG_OK;

        if (s->pg) {
                if ((e = exec_as(s, "SELECT pg_advisory_lock(" STORE_PG_MIGRATE_LOCK_SQL ")",
                                 "open: wait for another server's migration", err)))
                        return e;
        }
        for (int v = s->version + 1; v <= latest && !e; v++)
                e = migrate_one(s, v, err);
        if (s->pg) {
                sdb_exec(s, "SELECT pg_advisory_unlock(" STORE_PG_MIGRATE_LOCK_SQL ")");
        }
        return e;
}

static enum cxg_err set_pragmas(struct store *s, struct cxg_error *err)
{
        enum cxg_err rc;

        /* cache: 64 MiB; temp b-trees (sorts, DISTINCT) in memory */
        if ((rc = exec_as(s,
                          "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;"
                          " PRAGMA temp_store = MEMORY",
                          "open", err)))
                return rc;
        if (s->flags & STORE_READONLY)
                return CXG_OK;
        return exec_as(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "open", err);
}

enum cxg_err store_open(const char *path, unsigned flags, struct store **out, struct cxg_error *err)
{
        struct store *s = NULL;
        struct stat sb;
        int latest = store_migrations[0] ? store_schema_latest() : 0;
        int oflags, rc;
        enum cxg_err e;

        *out = NULL;
        if (!path || !path[0])
                return cxg_error_set(err, CXG_ERR_USAGE, "open: no database path given");
        if (strlen(path) >= sizeof(s->path))
                return cxg_error_set(err, CXG_ERR_USAGE, "open: database path too long");
        if ((flags & STORE_READONLY) && !store_is_pg_url(path)) {
                if (stat(path, &sb) != 0 && errno == ENOENT)
                        return cxg_error_set(err, CXG_ERR_NOTFOUND,
                                             "open: %s: no such database (create one with "
                                             "'cxgarden import' or 'cxgarden generate')",
                                             path);
        }
        s = cxg_calloc(1, sizeof(*s));
        if (!s)
                return cxg_error_set(err, CXG_ERR_NOMEM, "open: %s: out of memory",
                                     store_is_pg_url(path) ? "postgresql" : path);
        snprintf(s->path, sizeof(s->path), "%s", path);
        s->flags = flags;
        cxg_hmap_init(&s->stmts);
        cxg_hmap_init(&s->accounts);
        cxg_hmap_init(&s->people);
        cxg_hmap_init(&s->types);

        if (store_is_pg_url(path)) {
                int n = 0;

                while (store_migrations_pg[n])
                        n++;
                if (n != latest) {
                        e = cxg_error_set(err, CXG_ERR_INTERNAL,
                                          "open: %s: %d PostgreSQL migrations for %d SQLite ones",
                                          s->path, n, latest);
                        goto fail;
                }
                if ((e = store_pg_open(s, err)))
                        goto fail;
        } else {
                oflags = SQLITE_OPEN_NOMUTEX |
                         ((flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
                                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
                rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
                if (rc != SQLITE_OK) {
                        e = store_db_err(s, rc, "open", err);
                        goto fail;
                }
                sqlite3_extended_result_codes(s->db, 1);
                sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
                if ((e = set_pragmas(s, err)))
                        goto fail;
        }
        if ((e = read_version(s, &s->version, err)))
                goto fail;
        if (s->version > latest) {
                e = cxg_error_set(err, CXG_ERR_STORE,
                                  "open: %s: the database has schema version %d, newer than "
                                  "this cxgarden knows (%d): upgrade cxgarden",
                                  s->path, s->version, latest);
                goto fail;
        }
        if (s->version > 0 && s->version < latest && (flags & STORE_READONLY)) {
                /*
                 * A database written by an older cxgarden: migrate it once through a
                 * read-write handle (when the file is writable), so read commands keep working
                 * after an upgrade; then read the new version on this handle.
                 */
                struct store *rw = NULL;
                int old = s->version;

                if (store_open(path, 0, &rw, NULL) == CXG_OK) {
                        store_close(rw);
                        if ((e = read_version(s, &s->version, err)))
                                goto fail;
                        if (s->version == latest)
                                cxg_log(CXG_LOG_INFO,
                                        "store: %s: schema migrated from version %d to %d", path,
                                        old, latest);
                }
        }
        if (s->version < latest && (flags & STORE_READONLY)) {
                if (s->version == 0)
                        e = cxg_error_set(err, CXG_ERR_STORE,
                                          "open: %s: not a cxgarden database (it is empty)",
                                          s->path);
                else
                        e = cxg_error_set(err, CXG_ERR_READONLY,
                                          "open: %s: the database has schema version %d and "
                                          "needs migrating to %d: open it once read-write "
                                          "(e.g. 'cxgarden import')",
                                          s->path, s->version, latest);
                goto fail;
        }
        if (s->version < latest) {
                if ((e = migrate(s, latest, err)))
                        goto fail;
                /* another process may have migrated further meanwhile */
                if ((e = read_version(s, &s->version, err)))
                        goto fail;
                if (s->version != latest) {
                        e = cxg_error_set(err, CXG_ERR_STORE,
                                          "open: %s: the database has schema version %d after "
                                          "migrating, this cxgarden knows %d: upgrade cxgarden",
                                          s->path, s->version, latest);
                        goto fail;
                }
        }
        *out = s;
        return CXG_OK;
fail:
        store_close(s);
        return e;
}

void store_close(struct store *s)
{
        size_t i;

        if (!s)
                return;
        if (sdb_in_tx(s))
                sdb_exec(s, "ROLLBACK");
        if (s->pg) /* the server drops the prepared statements with the session */
                s->pg->gen++;
        for (i = 0; i < s->stmts.cap; i++)
                if (s->stmts.slots[i].key)
                        sdb_finalize((struct sdb_stmt *)(uintptr_t)s->stmts.slots[i].val);
        sdb_finalize(s->ins_many);
        if (s->db)
                sqlite3_close(s->db);
        if (s->pg)
                store_pg_close(s);
        cxg_hmap_release(&s->stmts);
        cxg_hmap_release(&s->accounts);
        cxg_hmap_release(&s->people);
        cxg_hmap_release(&s->types);
        cxg_free(s->people_wide);
        cxg_free(s);
}

enum cxg_err store_set_durability(struct store *s, int full, struct cxg_error *err)
{
        if (s->in_tx)
                return cxg_error_set(err, CXG_ERR_USAGE,
                                     "set durability: %s: not possible inside a transaction",
                                     s->path);
        if (s->pg)
                return exec_as(s, full ? "SET synchronous_commit = on" : "RESET synchronous_commit",
                               "set durability", err);
        return exec_as(s, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                       "set durability", err);
}

/* ---- transactions ---- */

enum cxg_err store_begin(struct store *s, struct cxg_error *err)
{
        enum cxg_err rc;

        if (s->in_tx)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "begin transaction: %s: a transaction is already open",
                                     s->path);
        if (s->pg) {
                if ((rc = exec_as(
                         s, "BEGIN; SELECT pg_advisory_xact_lock(" STORE_PG_WRITE_LOCK_SQL ")",
                         "begin transaction", err))) {
                        sdb_exec(s, "ROLLBACK");
                        return rc;
                }
        } else if ((rc = exec_as(s, "BEGIN IMMEDIATE", "begin transaction", err))) {
                return rc;
        }
        s->in_tx = 1;
        s->savepoint_depth = 0;
        s->cache_dirty = 0;
        return CXG_OK;
}

enum cxg_err store_commit(struct store *s, struct cxg_error *err)
{
        enum cxg_err rc;

        if (!s->in_tx)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "commit: %s: no transaction is open",
                                     s->path);
        /* PostgreSQL ends a transaction with a failed statement by rolling it back */
        if (s->pg && PQtransactionStatus(store_pg_conn(s)) == PQTRANS_INERROR) {
                store_rollback(s);
                return cxg_error_set(err, CXG_ERR_STORE,
                                     "commit: %s: a statement of the transaction failed, so "
                                     "nothing of it was written",
                                     s->path);
        }
        rc = exec_as(s, "COMMIT", "commit", err);
        if (rc) {
                store_rollback(s);
                return rc;
        }
        s->in_tx = 0;
        s->savepoint_depth = 0;
        s->cache_dirty = 0;
        return CXG_OK;
}

void store_rollback(struct store *s)
{
        if (!s)
                return;
        if (sdb_in_tx(s))
                sdb_exec(s, "ROLLBACK");
        tx_lost(s);
}

enum cxg_err store_savepoint(struct store *s, struct cxg_error *err)
{
        enum cxg_err rc;

        if (!s->in_tx)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "savepoint: %s: no transaction is open",
                                     s->path);
        if (s->savepoint_depth >= STORE_MAX_SAVEPOINTS)
                return cxg_error_set(err, CXG_ERR_LIMIT,
                                     "savepoint: %s: more than %d nested savepoints", s->path,
                                     STORE_MAX_SAVEPOINTS);
        if ((rc = exec_as(s, "SAVEPOINT cxg_sp", "savepoint", err)))
                return rc;
        s->savepoint_depth++;
        return CXG_OK;
}

enum cxg_err store_savepoint_release(struct store *s, struct cxg_error *err)
{
        uint64_t bit;
        enum cxg_err rc;

        if (!s->in_tx || s->savepoint_depth <= 0)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "release savepoint: %s: no savepoint is open", s->path);
        if ((rc = exec_as(s, "RELEASE cxg_sp", "release savepoint", err)))
                return rc;
        bit = UINT64_C(1) << s->savepoint_depth;
        s->savepoint_depth--;
        if (s->cache_dirty & bit) {
                s->cache_dirty &= ~bit;
                s->cache_dirty |= bit >> 1;
        }
        return CXG_OK;
}

void store_savepoint_rollback(struct store *s)
{
        uint64_t bit;

        if (!s || !s->in_tx || s->savepoint_depth <= 0)
                return;
        sdb_exec(s, "ROLLBACK TO cxg_sp; RELEASE cxg_sp");
        if (!sdb_in_tx(s)) {
                tx_lost(s);
                return;
        }
        bit = UINT64_C(1) << s->savepoint_depth;
        s->savepoint_depth--;
        if (s->cache_dirty & bit) {
                s->cache_dirty &= ~bit;
                store_cache_drop(s);
        }
}

/* ---- transactions: one per operation, or a savepoint inside the caller's ---- */

enum cxg_err store_tx_open(struct store *s, int *own, struct cxg_error *err)
{
        if (s->in_tx) {
                *own = 2;
                return store_savepoint(s, err);
        }
        *own = 1;
        return store_begin(s, err);
}

enum cxg_err store_tx_close(struct store *s, int own, enum cxg_err rc, struct cxg_error *err)
{
        if (rc) {
                if (own == 1)
                        store_rollback(s);
                else if (own == 2)
                        store_savepoint_rollback(s);
                return rc;
        }
        if (own == 1)
                return store_commit(s, err);
        if (own == 2) {
                rc = store_savepoint_release(s, err);
                if (rc)
                        store_savepoint_rollback(s);
        }
        return rc;
}

/* ---- counts and meta ---- */

enum cxg_err store_counts(struct store *s, struct store_counts *out, struct cxg_error *err)
{
        static const char *const sql[] = {
            "SELECT count(*) FROM accounts",      "SELECT count(*) FROM people",
            "SELECT count(*) FROM subscriptions", "SELECT count(*) FROM interactions",
            "SELECT count(*) FROM feedback",      "SELECT count(*) FROM objectives",
            "SELECT count(*) FROM capabilities",  "SELECT count(*) FROM interaction_types",
        };
        int64_t *dst[] = {&out->accounts,     &out->people,           &out->subscriptions,
                          &out->interactions, &out->feedback,         &out->objectives,
                          &out->capabilities, &out->interaction_types};
        size_t i;

        for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
                struct sdb_stmt *st = store_stmt(s, sql[i], err);
                int rc;

                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                rc = sdb_step(st);
                if (rc == SDB_ROW)
                        *dst[i] = sdb_column_int64(st, 0);
                sdb_reset(st);
                if (rc != SDB_ROW)
                        return store_db_err(s, rc, "count rows", err);
        }
        return CXG_OK;
}

enum cxg_err store_meta_set(struct store *s, const char *key, const char *value,
                            struct cxg_error *err)
{
        struct sdb_stmt *st;
        int rc;

        if (!key || !key[0] || !value)
                return cxg_error_set(err, CXG_ERR_USAGE, "set meta: key and value required");
        st = store_stmt(s,
                        "INSERT INTO meta(key, value) VALUES (?, ?)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, key);
        store_bind_text(st, 2, value);
        rc = sdb_step(st);
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "set meta", err);
        return CXG_OK;
}

enum cxg_err store_meta_get(struct store *s, const char *key, char *out, size_t cap,
                            struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = ?", err);
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, key);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                const char *v = store_col_text(st, 0);
                size_t n = (size_t)sdb_column_bytes(st, 0);

                if (n >= cap)
                        e = cxg_error_set(err, CXG_ERR_LIMIT,
                                          "get meta: value of \"%.64s\" is %zu bytes, longer "
                                          "than the %zu bytes room",
                                          key, n, cap ? cap - 1 : 0);
                else
                        memcpy(out, v ? v : "", n + 1);
        } else if (rc == SDB_DONE) {
                e = cxg_error_set(err, CXG_ERR_NOTFOUND, "get meta: no setting \"%.64s\"", key);
        } else {
                e = store_db_err(s, rc, "get meta", err);
        }
        sdb_reset(st);
        return e;
}
