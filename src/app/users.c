/* users.c: login users and API tokens written together with their audit records. */
#include <stdio.h>
#include <string.h>

#include "app/users.h"
#include "core/banned.h"

/* Commit, or roll back and return rc when the write or its audit failed. */
static enum cxg_err finish(const struct app_ctx *c, enum cxg_err rc, struct cxg_error *err)
{
        if (rc) {
                store_rollback(c->st);
                return rc;
        }
        return store_commit(c->st, err);
}

/* Audit action on entity id with summary (stolen; NULL: out of memory building it). */
static enum cxg_err audit(const struct app_ctx *c, const char *action, const char *entity,
                          const char *id, json_t *summary, struct cxg_error *err)
{
        enum cxg_err rc;

        if (!summary)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = app_audit(c, action, entity, id, summary, err);
        json_decref(summary);
        return rc;
}

enum cxg_err app_user_add(const struct app_ctx *c, const char *name, const char *role,
                          const char *hash, const char *person, int64_t *id, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_user_add(c->st, name, role, hash, person, c->now, id, err);
        if (!rc)
                rc = audit(c, "create", "users", name,
                           json_pack("{s:{s:s,s:s?}}", "after", "role", role, "person_id", person),
                           err);
        return finish(c, rc, err);
}

enum cxg_err app_user_passwd(const struct app_ctx *c, const char *name, const char *hash,
                             struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_user_set_password(c->st, name, hash, err);
        if (!rc)
                rc = app_audit(c, "passwd", "users", name, NULL, err);
        return finish(c, rc, err);
}

enum cxg_err app_token_create(const struct app_ctx *c, const struct store_user *u,
                              const unsigned char hash[STORE_HASH_LEN], const char *prefix,
                              const char *scope, int64_t expires_at, int64_t *id,
                              struct cxg_error *err)
{
        char idt[32];
        enum cxg_err rc;

        if (!scope ||
            (strcmp(scope, "read") && strcmp(scope, "read-write") && strcmp(scope, "ingest")))
                return cxg_error_setf(err, CXG_ERR_INVALID, "scope",
                                      "scope must be read, read-write or ingest");
        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_token_add(c->st, hash, prefix, u->id, scope, c->now, expires_at, id, err);
        if (!rc) {
                snprintf(idt, sizeof(idt), "%lld", (long long)*id);
                rc = audit(c, "create", "tokens", idt,
                           json_pack("{s:{s:s,s:s}}", "after", "scope", scope, "user", u->name),
                           err);
        }
        return finish(c, rc, err);
}

enum cxg_err app_token_revoke(const struct app_ctx *c, int64_t id, struct cxg_error *err)
{
        char idt[32];
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = store_token_revoke(c->st, id, c->now, err);
        snprintf(idt, sizeof(idt), "%lld", (long long)id);
        if (!rc)
                rc = app_audit(c, "revoke", "tokens", idt, NULL, err);
        return finish(c, rc, err);
}
