/*
 * rejects.c: ingest_rejects and collect_seen (store_rejects.h), written by the
 * collection endpoints inside their commit.
 */
#include "store/store_rejects.h"

#include <stdio.h>

#include "core/banned.h"
#include "store/store_int.h"

static enum cxg_err done(struct store *s, struct sdb_stmt *st, const char *what,
                         struct cxg_error *err)
{
        int rc = sdb_step(st);

        sdb_reset(st);
        return rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, what, err);
}

enum cxg_err store_reject_add(struct store *s, const struct store_reject *r, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO ingest_rejects(at, source, token_id, message_id,"
                       " kind, field, reason, payload) VALUES (?,?,?,?,?,?,?,?)",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, r->at);
        store_bind_text(st, 2, r->source ? r->source : "segment");
        if (r->token_id > 0)
                sdb_bind_int64(st, 3, r->token_id);
        store_bind_text(st, 4, r->message_id);
        store_bind_text(st, 5, r->kind);
        store_bind_text(st, 6, r->field && *r->field ? r->field : NULL);
        store_bind_text(st, 7, r->reason);
        store_bind_text(st, 8, r->payload);
        return done(s, st, "insert ingest reject", err);
}

enum cxg_err store_collect_seen(struct store *s, int64_t token_id, const char *message_id,
                                int64_t at, int *dup, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO collect_seen(token_id, message_id, at)"
                       " VALUES (?, ?, ?) ON CONFLICT (token_id, message_id) DO NOTHING",
                       err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, token_id);
        store_bind_text(st, 2, message_id);
        sdb_bind_int64(st, 3, at);
        if ((rc = done(s, st, "record message id", err)))
                return rc;
        *dup = sdb_changes(s) == 0;
        return CXG_OK;
}

enum cxg_err store_collect_unsee(struct store *s, int64_t token_id, const char *message_id,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "DELETE FROM collect_seen WHERE token_id = ? AND message_id = ?", err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, token_id);
        store_bind_text(st, 2, message_id);
        return done(s, st, "forget message id", err);
}

enum cxg_err store_collect_person_account(struct store *s, const char *person_ext, char *out,
                                          size_t cap, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT a.ext_id FROM people p JOIN accounts a"
                                         " ON a.id = p.account_id WHERE p.ext_id = ?",
                                         err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, person_ext);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                const char *t = (const char *)sdb_column_text(st, 0);

                snprintf(out, cap, "%s", t ? t : "");
                sdb_reset(st);
                return CXG_OK;
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "userId", "no person \"%s\"",
                                      person_ext);
        return store_db_err(s, rc, "find person's account", err);
}
