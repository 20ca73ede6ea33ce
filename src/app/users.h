/*
 * users.h: login users and API tokens, created and changed once for the CLI (`user add|passwd`,
 * `token create|revoke`) and the API (POST /api/v1/users), each with its audit record. The
 * front ends hash passwords and mint tokens (src/api/api_auth.h); these functions store and
 * audit them.
 */
#ifndef CXG_APP_USERS_H
#define CXG_APP_USERS_H

#include <stdint.h>

#include "app/app.h"
#include "store/store_auth.h"

/*
 * Add the user `name` with `role`, the password hash `hash` and, for a member, the external id
 * of their person (may be NULL), audited "create" on users <name> with {"after": {"role",
 * "person_id"}}. *id receives the new internal id (may be NULL). CXG_ERR_CONFLICT when the
 * name is taken; CXG_ERR_NOTFOUND (field "person") when the person does not exist.
 */
enum cxg_err app_user_add(const struct app_ctx *c, const char *name, const char *role,
                          const char *hash, const char *person, int64_t *id,
                          struct cxg_error *err) CXG_WUR;

/* Set the password hash of user `name`, audited "passwd" on users <name> (no summary). */
enum cxg_err app_user_passwd(const struct app_ctx *c, const char *name, const char *hash,
                             struct cxg_error *err) CXG_WUR;

/*
 * Store a new API token (its hash and display prefix) for user u with scope "read",
 * "read-write" or "ingest" (write-only: event collection and ingest; CXG_ERR_INVALID with field
 * "scope" for any other), expiring at expires_at (CXG_TS_NONE: never), audited "create" on tokens
 * <id> with {"after": {"scope", "user"}}. *id receives the token's id.
 */
enum cxg_err app_token_create(const struct app_ctx *c, const struct store_user *u,
                              const unsigned char hash[STORE_HASH_LEN], const char *prefix,
                              const char *scope, int64_t expires_at, int64_t *id,
                              struct cxg_error *err) CXG_WUR;

/* Revoke token id, audited "revoke" on tokens <id>. CXG_ERR_NOTFOUND when there is none. */
enum cxg_err app_token_revoke(const struct app_ctx *c, int64_t id, struct cxg_error *err) CXG_WUR;

#endif
