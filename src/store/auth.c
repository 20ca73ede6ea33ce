/*
 * auth.c: users, sessions, API tokens and the audit log in SQLite (tables of migration 1).
 * Secrets never arrive here: only argon2id strings and keyed BLAKE2b hashes (see
 * store_auth.h).
 */
#include <string.h>

#include "core/banned.h"
#include "core/parse.h"
#include "store/gardens_int.h"
#include "store/store_auth.h"
#include "store/store_int.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
        size_t n = src ? strlen(src) : 0;

        if (n >= cap)
                n = cap - 1;
        if (n)
                memcpy(dst, src, n);
        dst[n] = '\0';
}

enum cxg_err store_user_add(struct store *s, const char *name, const char *role,
                            const char *password_hash, const char *person_ext_id, int64_t now,
                            int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t pid = 0;
        int rc;

        if (person_ext_id && *person_ext_id) {
                st = store_stmt(s, "SELECT id FROM people WHERE ext_id = ?", err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                store_bind_text(st, 1, person_ext_id);
                rc = sdb_step(st);
                if (rc == SDB_ROW)
                        pid = sdb_column_int64(st, 0);
                sdb_reset(st);
                if (rc != SDB_ROW && rc != SDB_DONE)
                        return store_db_err(s, rc, "look up person", err);
                if (!pid)
                        return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person",
                                              "no person with id \"%s\"", person_ext_id);
        }
        st = store_stmt(s, "SELECT 1 FROM users WHERE name = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, name);
        rc = sdb_step(st);
        sdb_reset(st);
        if (rc == SDB_ROW)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "name", "user \"%s\" exists already",
                                      name);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "look up user", err);
        st = store_stmt(s,
                        "INSERT INTO users (name, role, password_hash, person_id, created_at)"
                        " VALUES (?, ?, ?, ?, ?) RETURNING id",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, name);
        store_bind_text(st, 2, role);
        store_bind_text(st, 3, password_hash);
        if (pid)
                sdb_bind_int64(st, 4, pid);
        else
                sdb_bind_null(st, 4);
        sdb_bind_int64(st, 5, now);
        if (sg_step_id(s, st, "insert user", id, err))
                return err ? err->code : CXG_ERR_STORE;
        return CXG_OK;
}

#define USER_COLS                                                                                  \
        "SELECT u.id, u.name, u.role, u.password_hash, p.ext_id, u.created_at, u.disabled"         \
        " FROM users u LEFT JOIN people p ON p.id = u.person_id"

static void read_user(struct sdb_stmt *st, struct store_user *u)
{
        memset(u, 0, sizeof(*u));
        u->id = sdb_column_int64(st, 0);
        copy_str(u->name, sizeof(u->name), store_col_text(st, 1));
        copy_str(u->role, sizeof(u->role), store_col_text(st, 2));
        copy_str(u->password_hash, sizeof(u->password_hash), store_col_text(st, 3));
        copy_str(u->person_id, sizeof(u->person_id), store_col_text(st, 4));
        u->created_at = sdb_column_int64(st, 5);
        u->disabled = sdb_column_int(st, 6);
}

static enum cxg_err user_one(struct store *s, struct sdb_stmt *st, struct store_user *out,
                             struct cxg_error *err)
{
        int rc = sdb_step(st);

        if (rc == SDB_ROW) {
                read_user(st, out);
                sdb_reset(st);
                return CXG_OK;
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no such user");
        return store_db_err(s, rc, "look up user", err);
}

enum cxg_err store_user_by_name(struct store *s, const char *name, struct store_user *out,
                                struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, USER_COLS " WHERE u.name = ?", err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, name);
        rc = user_one(s, st, out, err);
        if (rc == CXG_ERR_NOTFOUND)
                cxg_error_set(err, rc, "no user named \"%s\"", name);
        return rc;
}

enum cxg_err store_user_by_id(struct store *s, int64_t id, struct store_user *out,
                              struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, USER_COLS " WHERE u.id = ?", err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        return user_one(s, st, out, err);
}

enum cxg_err store_user_set_password(struct store *s, const char *name, const char *password_hash,
                                     struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "UPDATE users SET password_hash = ? WHERE name = ?", err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, password_hash);
        store_bind_text(st, 2, name);
        if ((rc = store_step_done(s, st, "update user", err)))
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no user named \"%s\"", name);
        return CXG_OK;
}

enum cxg_err store_user_list(struct store *s, store_user_cb cb, void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, USER_COLS " ORDER BY u.id", err);
        struct store_user u;
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        while ((rc = sdb_step(st)) == SDB_ROW) {
                read_user(st, &u);
                if ((e = cb(ctx, &u)))
                        break;
        }
        sdb_reset(st);
        if (e)
                return e;
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "list users", err);
        return CXG_OK;
}

enum cxg_err store_session_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                               const char *csrf, int64_t user_id, int64_t now, int64_t expires_at,
                               struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO sessions (token_hash, csrf, user_id, created_at,"
                       " expires_at) VALUES (?, ?, ?, ?, ?)",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_blob(st, 1, hash, STORE_HASH_LEN, SDB_TRANSIENT);
        store_bind_text(st, 2, csrf);
        sdb_bind_int64(st, 3, user_id);
        sdb_bind_int64(st, 4, now);
        sdb_bind_int64(st, 5, expires_at);
        return store_step_done(s, st, "insert session", err);
}

enum cxg_err store_session_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                                int64_t now, struct store_session *out, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT id, user_id, expires_at, token_hash, csrf"
                                         " FROM sessions WHERE token_hash = ? AND expires_at > ?",
                                         err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_blob(st, 1, hash, STORE_HASH_LEN, SDB_TRANSIENT);
        sdb_bind_int64(st, 2, now);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                memset(out, 0, sizeof(*out));
                out->id = sdb_column_int64(st, 0);
                out->user_id = sdb_column_int64(st, 1);
                out->expires_at = sdb_column_int64(st, 2);
                if (sdb_column_bytes(st, 3) == STORE_HASH_LEN)
                        memcpy(out->hash, sdb_column_blob(st, 3), STORE_HASH_LEN);
                copy_str(out->csrf, sizeof(out->csrf), store_col_text(st, 4));
                sdb_reset(st);
                return CXG_OK;
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no such session");
        return store_db_err(s, rc, "look up session", err);
}

enum cxg_err store_session_delete(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                                  struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "DELETE FROM sessions WHERE token_hash = ?", err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_blob(st, 1, hash, STORE_HASH_LEN, SDB_TRANSIENT);
        return store_step_done(s, st, "delete session", err);
}

enum cxg_err store_session_purge(struct store *s, int64_t now, size_t *n, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "DELETE FROM sessions WHERE expires_at <= ?", err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, now);
        if ((rc = store_step_done(s, st, "purge sessions", err)))
                return rc;
        if (n)
                *n = (size_t)sdb_changes(s);
        return CXG_OK;
}

enum cxg_err store_token_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                             const char *prefix, int64_t user_id, const char *scope, int64_t now,
                             int64_t expires_at, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO api_tokens (token_hash, prefix, user_id, scope,"
                       " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_blob(st, 1, hash, STORE_HASH_LEN, SDB_TRANSIENT);
        store_bind_text(st, 2, prefix);
        sdb_bind_int64(st, 3, user_id);
        store_bind_text(st, 4, scope);
        sdb_bind_int64(st, 5, now);
        store_bind_ts(st, 6, expires_at);
        return sg_step_id(s, st, "insert token", id, err);
}

#define TOKEN_COLS                                                                                 \
        "SELECT t.id, t.user_id, u.name, t.prefix, t.scope, t.created_at, t.expires_at,"           \
        " t.revoked_at, t.token_hash, u.role, p.ext_id, u.disabled FROM api_tokens t"              \
        " JOIN users u ON u.id = t.user_id LEFT JOIN people p ON p.id = u.person_id"

static void read_token(struct sdb_stmt *st, struct store_token *t)
{
        memset(t, 0, sizeof(*t));
        t->id = sdb_column_int64(st, 0);
        t->user_id = sdb_column_int64(st, 1);
        copy_str(t->user_name, sizeof(t->user_name), store_col_text(st, 2));
        copy_str(t->prefix, sizeof(t->prefix), store_col_text(st, 3));
        copy_str(t->scope, sizeof(t->scope), store_col_text(st, 4));
        t->created_at = sdb_column_int64(st, 5);
        t->expires_at = store_col_ts(st, 6);
        t->revoked_at = store_col_ts(st, 7);
        if (sdb_column_bytes(st, 8) == STORE_HASH_LEN)
                memcpy(t->hash, sdb_column_blob(st, 8), STORE_HASH_LEN);
        copy_str(t->user_role, sizeof(t->user_role), store_col_text(st, 9));
        copy_str(t->user_person, sizeof(t->user_person), store_col_text(st, 10));
        t->user_disabled = sdb_column_int(st, 11);
}

enum cxg_err store_token_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                              struct store_token *out, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, TOKEN_COLS " WHERE t.token_hash = ?", err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_blob(st, 1, hash, STORE_HASH_LEN, SDB_TRANSIENT);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                read_token(st, out);
                sdb_reset(st);
                return CXG_OK;
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no such token");
        return store_db_err(s, rc, "look up token", err);
}

enum cxg_err store_token_revoke(struct store *s, int64_t id, int64_t now, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT 1 FROM api_tokens WHERE id = ?", err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        rc = sdb_step(st);
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no token with id %lld", (long long)id);
        if (rc != SDB_ROW)
                return store_db_err(s, rc, "look up token", err);
        st = store_stmt(
            s, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, now);
        sdb_bind_int64(st, 2, id);
        return store_step_done(s, st, "revoke token", err);
}

enum cxg_err store_token_list(struct store *s, store_token_cb cb, void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, TOKEN_COLS " ORDER BY t.id", err);
        struct store_token t;
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        while ((rc = sdb_step(st)) == SDB_ROW) {
                read_token(st, &t);
                if ((e = cb(ctx, &t)))
                        break;
        }
        sdb_reset(st);
        if (e)
                return e;
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "list tokens", err);
        return CXG_OK;
}

enum cxg_err store_read_gen(struct store *s, int64_t *auth, int64_t *entities,
                            struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT auth, entities FROM read_gen WHERE id = 1", err);
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                *auth = sdb_column_int64(st, 0);
                *entities = sdb_column_int64(st, 1);
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return cxg_error_set(err, CXG_ERR_STORE, "read_gen row is missing (migration 6)");
        if (rc != SDB_ROW)
                return store_db_err(s, rc, "read cache generations", err);
        return CXG_OK;
}

enum cxg_err store_audit_append(struct store *s, const struct store_audit *a, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO audit_log (at, actor, action, entity, entity_id,"
                       " summary) VALUES (?, ?, ?, ?, ?, ?)",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, a->at);
        store_bind_text(st, 2, a->actor);
        store_bind_text(st, 3, a->action);
        store_bind_text(st, 4, a->entity);
        store_bind_text(st, 5, a->entity_id);
        store_bind_text(st, 6, a->summary);
        return store_step_done(s, st, "append audit record", err);
}

enum cxg_err store_audit_list(struct store *s, const char *entity, const char *actor,
                              int64_t before_id, int limit, store_audit_cb cb, void *ctx,
                              struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT id, at, actor, action, entity, entity_id, summary"
                                         " FROM audit_log WHERE (CAST(?1 AS TEXT) IS NULL OR"
                                         " entity = ?1) AND (CAST(?2 AS TEXT) IS NULL OR"
                                         " actor = ?2) AND (CAST(?3 AS BIGINT) = 0 OR id < ?3)"
                                         " ORDER BY id DESC LIMIT ?4",
                                         err);
        struct store_audit a;
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, entity);
        store_bind_text(st, 2, actor);
        sdb_bind_int64(st, 3, before_id);
        sdb_bind_int(st, 4, limit);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                a.id = sdb_column_int64(st, 0);
                a.at = sdb_column_int64(st, 1);
                a.actor = store_col_text(st, 2);
                a.action = store_col_text(st, 3);
                a.entity = store_col_text(st, 4);
                a.entity_id = store_col_text(st, 5);
                a.summary = store_col_text(st, 6);
                if ((e = cb(ctx, &a)))
                        break;
        }
        sdb_reset(st);
        if (e)
                return e;
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "list audit log", err);
        return CXG_OK;
}
