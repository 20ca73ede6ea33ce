/*
 * db.h: one statement API over the two backends, so the files of src/store/ write their SQL
 * once. A statement is SQLite's (lite) or PostgreSQL's (pg, see pg.c); each call goes to the
 * one it holds. The names and result codes follow SQLite's C API on purpose: SDB_ROW and
 * SDB_DONE are SQLite's codes, and a PostgreSQL failure is reported as the SQLite code of the
 * same kind (a unique violation as SQLITE_CONSTRAINT, a serialization failure as SQLITE_BUSY,
 * ...) with its message kept on the handle for store_db_err().
 *
 * SQL is written in the subset both dialects run: ?N or ? parameters (pg.c numbers them $N),
 * INSERT ... ON CONFLICT, RETURNING, coalesce, CASE. PostgreSQL gets functions of SQLite's
 * names where the store needs them (json_patch, unixepoch, instr, ...; see schema_pg.c).
 * SQL that cannot be shared is chosen with store_sql(s, sqlite_text, pg_text).
 * Only src/store/ includes this file.
 */
#ifndef CXG_STORE_DB_H
#define CXG_STORE_DB_H

#include <sqlite3.h>
#include <stdint.h>

#define SDB_OK SQLITE_OK
#define SDB_ROW SQLITE_ROW
#define SDB_DONE SQLITE_DONE
#define SDB_NULL SQLITE_NULL
#define SDB_STATIC SQLITE_STATIC
#define SDB_TRANSIENT SQLITE_TRANSIENT

struct store_pgstmt; /* pg.c */

struct sdb_stmt {
        sqlite3_stmt *lite;      /* the SQLite statement, or NULL */
        struct store_pgstmt *pg; /* the PostgreSQL statement, or NULL */
};

/* PostgreSQL's side of each call (pg.c); the same contract as the SQLite function named. */
int store_pg_bind_int64(struct store_pgstmt *st, int i, int64_t v);
int store_pg_bind_double(struct store_pgstmt *st, int i, double v);
int store_pg_bind_null(struct store_pgstmt *st, int i);
int store_pg_bind_text(struct store_pgstmt *st, int i, const char *v, int n);
int store_pg_bind_blob(struct store_pgstmt *st, int i, const void *v, int n);
int store_pg_bind_parameter_count(struct store_pgstmt *st);
int store_pg_step(struct store_pgstmt *st);
int store_pg_reset(struct store_pgstmt *st);
int64_t store_pg_column_int64(struct store_pgstmt *st, int i);
double store_pg_column_double(struct store_pgstmt *st, int i);
const unsigned char *store_pg_column_text(struct store_pgstmt *st, int i);
const void *store_pg_column_blob(struct store_pgstmt *st, int i);
int store_pg_column_bytes(struct store_pgstmt *st, int i);
int store_pg_column_type(struct store_pgstmt *st, int i);
int store_pg_column_count(struct store_pgstmt *st);

static inline int sdb_bind_int64(struct sdb_stmt *st, int i, int64_t v)
{
        return st->lite ? sqlite3_bind_int64(st->lite, i, v) : store_pg_bind_int64(st->pg, i, v);
}

static inline int sdb_bind_int(struct sdb_stmt *st, int i, int v)
{
        return sdb_bind_int64(st, i, v);
}

static inline int sdb_bind_double(struct sdb_stmt *st, int i, double v)
{
        return st->lite ? sqlite3_bind_double(st->lite, i, v) : store_pg_bind_double(st->pg, i, v);
}

static inline int sdb_bind_null(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_bind_null(st->lite, i) : store_pg_bind_null(st->pg, i);
}

/* n < 0: up to the NUL. PostgreSQL always copies; destructor is SQLite's. */
static inline int sdb_bind_text(struct sdb_stmt *st, int i, const char *v, int n,
                                void (*destructor)(void *))
{
        return st->lite ? sqlite3_bind_text(st->lite, i, v, n, destructor)
                        : store_pg_bind_text(st->pg, i, v, n);
}

static inline int sdb_bind_blob(struct sdb_stmt *st, int i, const void *v, int n,
                                void (*destructor)(void *))
{
        return st->lite ? sqlite3_bind_blob(st->lite, i, v, n, destructor)
                        : store_pg_bind_blob(st->pg, i, v, n);
}

static inline int sdb_bind_parameter_count(struct sdb_stmt *st)
{
        return st->lite ? sqlite3_bind_parameter_count(st->lite)
                        : store_pg_bind_parameter_count(st->pg);
}

/* SDB_ROW, SDB_DONE or an error code. PostgreSQL runs the statement on the first step. */
static inline int sdb_step(struct sdb_stmt *st)
{
        return st->lite ? sqlite3_step(st->lite) : store_pg_step(st->pg);
}

/* Ready to run again; the bindings stay (as in SQLite). */
static inline int sdb_reset(struct sdb_stmt *st)
{
        return st->lite ? sqlite3_reset(st->lite) : store_pg_reset(st->pg);
}

static inline int64_t sdb_column_int64(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_int64(st->lite, i) : store_pg_column_int64(st->pg, i);
}

static inline int sdb_column_int(struct sdb_stmt *st, int i)
{
        return (int)sdb_column_int64(st, i);
}

static inline double sdb_column_double(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_double(st->lite, i) : store_pg_column_double(st->pg, i);
}

static inline const unsigned char *sdb_column_text(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_text(st->lite, i) : store_pg_column_text(st->pg, i);
}

static inline const void *sdb_column_blob(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_blob(st->lite, i) : store_pg_column_blob(st->pg, i);
}

static inline int sdb_column_bytes(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_bytes(st->lite, i) : store_pg_column_bytes(st->pg, i);
}

/* SDB_NULL for a NULL value; another SQLite type code otherwise. */
static inline int sdb_column_type(struct sdb_stmt *st, int i)
{
        return st->lite ? sqlite3_column_type(st->lite, i) : store_pg_column_type(st->pg, i);
}

static inline int sdb_column_count(struct sdb_stmt *st)
{
        return st->lite ? sqlite3_column_count(st->lite) : store_pg_column_count(st->pg);
}

#endif
