/*
 * store_int.h: what the files of src/store/ share and nothing outside store/ may include:
 * the handle (SQLite's or PostgreSQL's), the prepared-statement cache, the id caches and the
 * error mapping. Statements go through db.h, which serves both backends.
 * Files: sqlite.c (open, migrations, transactions, statement cache, id caches, counts, meta),
 * entities.c (upserts and the interaction batch insert), scan.c (the engine's scans), plus
 * one file per later concern (auth.c for users/sessions/tokens/audit, scores.c for score
 * history, ...), each using these helpers.
 */
#ifndef CXG_STORE_INT_H
#define CXG_STORE_INT_H

#include <sqlite3.h>

#include "store/db.h"

#include "core/hmap.h"
#include "store/store.h"

/*
 * PostgreSQL: the advisory lock every writing transaction takes (store_begin) and every
 * change-log trigger takes, so writers run one at a time as on SQLite and the change log's
 * seq is commit order ("cxg" = 0x637867).
 */
#define STORE_PG_WRITE_LOCK 6518887
/* The same key as SQL text, for literal statements (tests/cli/hardening_sql.sh). */
#define STORE_PG_WRITE_LOCK_SQL "6518887"

/* Savepoints nest at most this deep (one bit per level in store.cache_dirty). */
#define STORE_MAX_SAVEPOINTS 62

/* A people-cache value with this bit set is an index into store.people_wide. */
#define STORE_PEOPLE_WIDE (UINT64_C(1) << 63)

struct store_pg; /* pg.c */

struct store {
        sqlite3 *db;         /* SQLite: the connection; NULL on PostgreSQL */
        struct store_pg *pg; /* PostgreSQL: the connection (pg.c); NULL on SQLite */
        char path[1024];
        unsigned flags;
        int version; /* schema version after open */
        int in_tx;   /* inside store_begin/commit */
        int savepoint_depth;
        struct cxg_hmap stmts;    /* SQL text -> struct sdb_stmt *, prepared once per handle */
        struct cxg_hmap accounts; /* ext id -> internal id */
        struct cxg_hmap people;   /* ext id -> (person id << 32 | account id) when both fit */
        struct cxg_hmap types;    /* type name -> type id */
        int people_loaded, accounts_loaded, types_loaded;
        /* (person id, account id) pairs of people whose ids do not fit the packed value */
        int64_t *people_wide;
        size_t n_wide, cap_wide;
        /*
         * Bit k set: rows that the id caches may hold were written at savepoint depth k of
         * the open transaction (0: outside any savepoint). A rollback of that level drops
         * the caches, which then reload lazily from what the database still holds.
         */
        uint64_t cache_dirty;
        struct sdb_stmt *ins_many; /* multi-row interaction insert (STORE_INS_ROWS rows) */
};

/*
 * The cached prepared statement for sql (compared by text), reset and with bindings cleared,
 * ready to bind. NULL on failure with err set. The statement belongs to the handle.
 */
struct sdb_stmt *store_stmt(struct store *s, const char *sql, struct cxg_error *err);

/*
 * Step a statement that returns no rows and reset it; a failure is mapped (store_db_err) as
 * the operation "what" before the reset.
 */
enum cxg_err store_step_done(struct store *s, struct sdb_stmt *st, const char *what,
                             struct cxg_error *err) CXG_WUR;

/*
 * An uncached statement (scans, statements built at run time): SDB_OK and *out, or an error
 * code (store_db_err maps it). Finalize it with sdb_finalize (NULL is fine).
 */
int sdb_prepare(struct store *s, const char *sql, struct sdb_stmt **out);
void sdb_finalize(struct sdb_stmt *st);
/* Run SQL without results, several statements allowed; SDB_OK or an error code. */
int sdb_exec(struct store *s, const char *sql);
/* Rows changed by the last INSERT, UPDATE or DELETE run on the handle. */
int64_t sdb_changes(struct store *s);
/* The id of the last row inserted on the handle (SQLite only: PostgreSQL SQL uses RETURNING). */
int64_t sdb_last_insert_rowid(struct store *s);
/* Whether a transaction is open on the connection (also one a savepoint opened). */
int sdb_in_tx(struct store *s);
/*
 * PostgreSQL's side of the handle (pg.c). store_open calls store_pg_open for a postgres:// or
 * postgresql:// address (store_is_pg_url) with s zeroed but for path and flags; the other
 * functions are the handle functions above for s->pg.
 */
int store_is_pg_url(const char *path);
enum cxg_err store_pg_open(struct store *s, struct cxg_error *err);
void store_pg_close(struct store *s);
int store_pg_prepare(struct store *s, const char *sql, struct sdb_stmt **out);
void store_pg_finalize(struct store_pgstmt *st);
int store_pg_exec(struct store *s, const char *sql);
int64_t store_pg_changes(struct store *s);
int store_pg_in_tx(struct store *s);

/* The SQL text of the handle's dialect: lite on SQLite, pg on PostgreSQL. */
static inline const char *store_sql(const struct store *s, const char *lite, const char *pg)
{
        return s->pg ? pg : lite;
}

/*
 * Map a SQLite result code to cxg_err with a message for a user: "what" names the operation
 * ("insert account"). SQLITE_BUSY -> CXG_ERR_BUSY, SQLITE_FULL -> CXG_ERR_FULL,
 * SQLITE_READONLY -> CXG_ERR_READONLY, constraint failures -> CXG_ERR_CONFLICT, else
 * CXG_ERR_STORE. The SQL text never appears in the message. When SQLite rolled the open
 * transaction back by itself (disk full, I/O error), the handle's transaction state and id
 * caches are brought in line.
 */
enum cxg_err store_db_err(struct store *s, int rc, const char *what, struct cxg_error *err);

/* Run one statement without results (DDL, pragmas). */
enum cxg_err store_exec(struct store *s, const char *sql, struct cxg_error *err);

/*
 * Note that rows the id caches may hold (accounts, people, interaction types) were written:
 * a rollback of the current transaction level then drops the caches.
 */
void store_cache_touch(struct store *s);
/* Forget every cached id (they reload lazily), e.g. after external ids changed. */
void store_cache_drop(struct store *s);
/*
 * Record ext id (n bytes) -> id in the account cache when it is loaded. Out of memory, the
 * cache is dropped instead (it reloads on its next use), so a write never fails after the
 * row is stored.
 */
void store_cache_account(struct store *s, const char *ext_id, size_t n, int64_t id);
/* Record ext id (n bytes) -> (person, account) in the people cache, as above. */
void store_cache_person(struct store *s, const char *ext_id, size_t n, int64_t person_id,
                        int64_t account_id);

/* Bind text (NULL binds NULL), a double (NAN binds NULL), a timestamp (CXG_TS_NONE binds NULL). */
int store_bind_text(struct sdb_stmt *st, int i, const char *v);
int store_bind_double(struct sdb_stmt *st, int i, double v);
int store_bind_ts(struct sdb_stmt *st, int i, int64_t v);
/* Column helpers: NULL -> NULL / NAN / CXG_TS_NONE. */
const char *store_col_text(struct sdb_stmt *st, int i);
double store_col_double(struct sdb_stmt *st, int i);
int64_t store_col_ts(struct sdb_stmt *st, int i);

#endif
