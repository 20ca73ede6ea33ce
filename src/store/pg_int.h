/*
 * pg_int.h: the PostgreSQL handle (struct store_pg) and its statements, shared by pg.c (the
 * connection: open, session settings, reconnection, error mapping), pg_stmt.c (statements
 * behind db.h) and the store files that need libpq itself (COPY for bulk loads). Only
 * src/store/ includes this file.
 */
#ifndef CXG_STORE_PG_INT_H
#define CXG_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdint.h>

#include "store/store_int.h"

/* Session advisory lock held while migrating, so servers starting together migrate once. */
#define STORE_PG_MIGRATE_LOCK (STORE_PG_WRITE_LOCK + 1)
#define STORE_PG_MIGRATE_LOCK_SQL "6518888" /* the same as SQL text */
/* How long a statement waits for a lock (the write lock, a row) before SQLITE_BUSY. */
#define STORE_PG_LOCK_TIMEOUT_MS 5000
/* Seconds libpq waits for a connection when the address does not say (connect_timeout). */
#define STORE_PG_CONNECT_TIMEOUT "10"
/* Times an autocommit statement is run again after a deadlock or serialization failure. */
#define STORE_PG_RETRIES 3
/* Pause before retry k (1-based): k times this many milliseconds. */
#define STORE_PG_RETRY_PAUSE_MS 20

struct store_pg {
        PGconn *conn;
        /* bumped by each (re)connection: statements prepared under an older one re-prepare */
        unsigned gen;
        unsigned next_name; /* statement names cxg_1, cxg_2, ... on this handle */
        int lost;           /* the connection failed: reconnect before the next statement */
        int tx_seen;        /* a transaction was open after the last command */
        int64_t changes;    /* rows of the last INSERT/UPDATE/DELETE */
        char sqlstate[6];   /* SQLSTATE of the last failure, "" when none */
        char errmsg[256];   /* its primary message, never SQL text */
        char where[160];    /* "host:port/dbname" for messages (no password) */
};

/* One statement: the SQL rewritten to $N, its parameters (text or binary) and its result. */
struct store_pgstmt {
        struct store *s;
        char *sql;     /* with $N parameters */
        char name[24]; /* server-side name */
        unsigned gen;  /* connection generation it was prepared under (0: not yet) */
        int nparams;
        char **values; /* nparams copies (in small or allocated); NULL for NULL */
        char *small;   /* nparams buffers of SMALL_VALUE bytes for short values */
        int bind_rc;   /* a bind that failed (out of memory): the next step returns it */
        int *lengths;
        int *formats;         /* 1 (binary) for blobs */
        unsigned *types;      /* Oid bound (0: NULL, let the server infer) */
        unsigned *prep_types; /* Oid the statement was prepared with */
        unsigned char *used;  /* 1 for each number the SQL uses (?90 may come without ?1) */
        PGresult *res;
        int row; /* current row; -1 before the first step */
        int ntuples;
        int done;
        /* bytea columns of the current row, hex-decoded on demand */
        unsigned char **blobs;
        int *blob_lens;
        int blob_row;
        int ncols;
        int ncols_desc;     /* columns from describing the statement before a step */
        unsigned ncols_gen; /* connection generation of ncols_desc (0: none) */
};

/* The connection of a PostgreSQL handle (COPY and LISTEN helpers), NULL on SQLite. */
PGconn *store_pg_conn(struct store *s);
/*
 * Make the connection usable before a command: outside a transaction a lost connection is
 * reset (PQreset) and the session settings applied again. SDB_OK or SQLITE_IOERR (lost).
 */
int store_pg_ready(struct store *s);
/*
 * Record the failure of res (or of the connection when res is NULL) on the handle for
 * store_db_err and return the SQLite code of the same kind.
 */
int store_pg_fail(struct store *s, const PGresult *res);
/* Map a SQLSTATE to the SQLite result code of the same kind. */
int store_pg_code(const char *sqlstate);
/* After a command: note whether it left a transaction open (for store_pg_ready). */
void store_pg_after(struct store *s);
/* Whether the last failure on the handle was a lost connection (CXG_ERR_UNAVAILABLE). */
int store_pg_is_lost(const struct store *s);
/* Copy addr into out (cap bytes) with any password removed (user:pw@, password=...). */
void store_pg_redact(const char *addr, char *out, size_t cap);

#endif
