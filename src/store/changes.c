/*
 * changes.c: the change log of store_changes.h on both backends: noting a change inside the
 * writer's transaction, reading the log in seq order, its head and floor, pruning, and the
 * store's identity. On PostgreSQL a note takes the store's write lock (STORE_PG_WRITE_LOCK)
 * before it draws its seq, as the change-log triggers do (schema_pg.c), so seq is commit
 * order, and it notifies channel cxg_changes with the seq as the serve nodes' wake-up.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"
#include "store/store_changes.h"
#include "store/store_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * PostgreSQL's note: the lock first (a materialized CTE, evaluated before the INSERT draws
 * the seq), then the row, then the notification of its seq (delivered at commit).
 */
#define NOTE_PG                                                                                    \
        "WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(" STR(                               \
            STORE_PG_WRITE_LOCK) ")),"                                                             \
                                 " i AS (INSERT INTO changes(at, entity, op, id_lo, id_hi, "       \
                                 "account_id)"                                                     \
                                 " SELECT CAST(?1 AS BIGINT), CAST(?2 AS BIGINT), CAST(?3 AS "     \
                                 "BIGINT), CAST(?4 AS BIGINT),"                                    \
                                 " CAST(?5 AS BIGINT), CAST(?6 AS BIGINT) FROM l RETURNING seq)"   \
                                 " SELECT pg_notify('cxg_changes', CAST(seq AS TEXT)) FROM i"

enum cxg_err store_change_note(struct store *s, int entity, int op, int64_t id_lo, int64_t id_hi,
                               int64_t account_id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int rc;

        /* a savepoint outside store_begin is a transaction too */
        if (!s->in_tx && !sdb_in_tx(s))
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "note change: %s: no transaction is open", s->path);
        st = store_stmt(s,
                        store_sql(s,
                                  "INSERT INTO changes(at, entity, op, id_lo, id_hi, account_id)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                  NOTE_PG),
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, (int64_t)time(NULL));
        sdb_bind_int(st, 2, entity);
        sdb_bind_int(st, 3, op);
        sdb_bind_int64(st, 4, id_lo);
        sdb_bind_int64(st, 5, id_hi);
        if (account_id > 0)
                sdb_bind_int64(st, 6, account_id);
        else
                sdb_bind_null(st, 6);
        /* PostgreSQL's note returns the notification's row */
        while ((rc = sdb_step(st)) == SDB_ROW)
                ;
        sdb_reset(st);
        return rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, "note change", err);
}

enum cxg_err store_changes_scan(struct store *s, int64_t after, size_t limit, store_change_cb cb,
                                void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT seq, at, entity, op, id_lo, id_hi, account_id"
                                         " FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                                         err);
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, after);
        /* both dialects: no LIMIT -1 on PostgreSQL */
        sdb_bind_int64(st, 2, limit && limit < (size_t)INT64_MAX ? (int64_t)limit : INT64_MAX);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                struct store_change c = {
                    .seq = sdb_column_int64(st, 0),
                    .at = sdb_column_int64(st, 1),
                    .entity = sdb_column_int(st, 2),
                    .op = sdb_column_int(st, 3),
                    .id_lo = sdb_column_int64(st, 4),
                    .id_hi = sdb_column_int64(st, 5),
                    .account_id = sdb_column_int64(st, 6),
                };

                if ((e = cb(ctx, &c)))
                        break;
        }
        if (!e && rc != SDB_DONE)
                e = store_db_err(s, rc, "read change log", err);
        sdb_reset(st);
        return e;
}

static enum cxg_err one_int(struct store *s, const char *sql, const char *what, int64_t *out,
                            struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        rc = sdb_step(st);
        *out = rc == SDB_ROW ? sdb_column_int64(st, 0) : 0;
        sdb_reset(st);
        return rc == SDB_ROW || rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, what, err);
}

enum cxg_err store_changes_head(struct store *s, int64_t *seq, struct cxg_error *err)
{
        /*
         * SQLite: sqlite_sequence keeps the highest seq ever taken, also after a prune.
         * PostgreSQL: the sequence also counts seqs of transactions not yet committed or
         * rolled back, so the head is the newest committed row, which a prune always keeps;
         * rows commit in seq order (the write lock), so no smaller seq can still appear.
         */
        return one_int(s,
                       store_sql(s,
                                 "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name ="
                                 " 'changes'), 0)",
                                 "SELECT coalesce(max(seq), 0) FROM changes"),
                       "read change log head", seq, err);
}

enum cxg_err store_changes_floor(struct store *s, int64_t *seq, struct cxg_error *err)
{
        enum cxg_err rc;
        int64_t head = 0;

        if ((rc = store_changes_head(s, &head, err)))
                return rc;
        if ((rc = one_int(s, "SELECT coalesce(min(seq), 0) FROM changes", "read change log floor",
                          seq, err)))
                return rc;
        *seq = *seq ? *seq - 1 : head;
        return CXG_OK;
}

enum cxg_err store_changes_prune(struct store *s, int64_t before, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "DELETE FROM changes WHERE at < ? AND seq <"
                                         " (SELECT max(seq) FROM changes)",
                                         err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, before);
        rc = sdb_step(st);
        sdb_reset(st);
        return rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, "prune change log", err);
}

enum cxg_err store_identity(struct store *s, char *out, size_t cap, struct cxg_error *err)
{
        return store_meta_get(s, "store.id", out, cap, err);
}
