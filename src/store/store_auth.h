/*
 * store_auth.h: users, login sessions, API tokens and the append-only audit log. Only hashes
 * of secrets reach the database: the caller (src/api/api_auth.c) hashes passwords with
 * argon2id and session cookies and API tokens with a keyed BLAKE2b whose key lives outside the
 * database; these functions store and look up those hashes and never see a secret.
 */
#ifndef CXG_STORE_AUTH_H
#define CXG_STORE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define STORE_HASH_LEN 32 /* bytes of a session or token hash */

/* A user row. Strings are copies inside the struct. */
struct store_user {
        int64_t id;
        char name[128];
        char role[32];           /* admin, analyst, account_manager, member */
        char password_hash[256]; /* crypto_pwhash_str output, "" when none */
        char person_id[128];     /* external id of the member's person, "" when none */
        int64_t created_at;
        int disabled;
};

/*
 * Add a user. person_ext_id (may be NULL) must name an existing person. *id receives the new
 * internal id (may be NULL). CXG_ERR_CONFLICT when the name is taken, CXG_ERR_NOTFOUND (field
 * "person") when the person does not exist.
 */
enum cxg_err store_user_add(struct store *s, const char *name, const char *role,
                            const char *password_hash, const char *person_ext_id, int64_t now,
                            int64_t *id, struct cxg_error *err) CXG_WUR;
/* Look a user up by name into *out; CXG_ERR_NOTFOUND when there is none. */
enum cxg_err store_user_by_name(struct store *s, const char *name, struct store_user *out,
                                struct cxg_error *err) CXG_WUR;
/* Look a user up by internal id into *out; CXG_ERR_NOTFOUND when there is none. */
enum cxg_err store_user_by_id(struct store *s, int64_t id, struct store_user *out,
                              struct cxg_error *err) CXG_WUR;
/* Replace the password hash of user name; CXG_ERR_NOTFOUND when there is no such user. */
enum cxg_err store_user_set_password(struct store *s, const char *name, const char *password_hash,
                                     struct cxg_error *err) CXG_WUR;
/* Call cb for every user in id order; a non-zero return from cb stops and is returned. */
typedef enum cxg_err (*store_user_cb)(void *ctx, const struct store_user *u);
enum cxg_err store_user_list(struct store *s, store_user_cb cb, void *ctx,
                             struct cxg_error *err) CXG_WUR;

/* A session as found by store_session_find. */
struct store_session {
        int64_t id;
        int64_t user_id;
        int64_t expires_at;
        unsigned char hash[STORE_HASH_LEN]; /* the stored hash, for a constant-time check */
        char csrf[80];
};

/* Record a new session (hash of the cookie value, its CSRF token and expiry). */
enum cxg_err store_session_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                               const char *csrf, int64_t user_id, int64_t now, int64_t expires_at,
                               struct cxg_error *err) CXG_WUR;
/* The session with this hash that has not expired at now; CXG_ERR_NOTFOUND otherwise. */
enum cxg_err store_session_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                                int64_t now, struct store_session *out,
                                struct cxg_error *err) CXG_WUR;
/* Delete the session with this hash (logout); no error when there is none. */
enum cxg_err store_session_delete(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                                  struct cxg_error *err) CXG_WUR;
/* Delete every session that expired before now; *n (may be NULL) receives how many. */
enum cxg_err store_session_purge(struct store *s, int64_t now, size_t *n,
                                 struct cxg_error *err) CXG_WUR;

/* An API token row (no secret: only its hash and the first characters for listing). */
struct store_token {
        int64_t id;
        int64_t user_id;
        char user_name[128];
        char prefix[32];
        char scope[16]; /* read, read-write */
        int64_t created_at;
        int64_t expires_at; /* CXG_TS_NONE: never */
        int64_t revoked_at; /* CXG_TS_NONE: not revoked */
        unsigned char hash[STORE_HASH_LEN];
        char user_role[32];    /* the owner's role, so one lookup authenticates a request */
        char user_person[128]; /* the owner's person (external id), "" when none */
        int user_disabled;
};

/* Record a new token; *id (may be NULL) receives its id. */
enum cxg_err store_token_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                             const char *prefix, int64_t user_id, const char *scope, int64_t now,
                             int64_t expires_at, int64_t *id, struct cxg_error *err) CXG_WUR;
/*
 * The token with this hash into *out, whatever its state (the caller checks revoked_at and
 * expires_at so it can say why a token fails); CXG_ERR_NOTFOUND when there is none.
 */
enum cxg_err store_token_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                              struct store_token *out, struct cxg_error *err) CXG_WUR;
/* Revoke token id at now; CXG_ERR_NOTFOUND when there is no such token, no-op if revoked. */
enum cxg_err store_token_revoke(struct store *s, int64_t id, int64_t now,
                                struct cxg_error *err) CXG_WUR;
/* Call cb for every token in id order. */
typedef enum cxg_err (*store_token_cb)(void *ctx, const struct store_token *t);
enum cxg_err store_token_list(struct store *s, store_token_cb cb, void *ctx,
                              struct cxg_error *err) CXG_WUR;

/*
 * The generation counters of the read caches (migration 6): *auth grows with every update or
 * delete of a token, user or session, *entities with every update or delete of an account or
 * person, whichever process commits it (triggers). One single-row read: cheap enough per
 * request. A cache entry filled after reading generation g is current while the counter is g.
 */
enum cxg_err store_read_gen(struct store *s, int64_t *auth, int64_t *entities,
                            struct cxg_error *err) CXG_WUR;

/* One audit record; strings borrowed. */
struct store_audit {
        int64_t id;
        int64_t at;
        const char *actor;     /* user name, or "cli:NAME" */
        const char *action;    /* create, update, delete, ingest, login, ... */
        const char *entity;    /* accounts, people, users, tokens, ... */
        const char *entity_id; /* external id, or NULL */
        const char *summary;   /* JSON object text, or NULL */
};

/* Append one record to the audit log (append-only: triggers refuse updates and deletes). */
enum cxg_err store_audit_append(struct store *s, const struct store_audit *a,
                                struct cxg_error *err) CXG_WUR;
/*
 * Audit records newest first with id < before_id (0: from the newest), optionally only for
 * one entity and/or actor (NULL: any), at most limit of them; cb gets each one.
 */
typedef enum cxg_err (*store_audit_cb)(void *ctx, const struct store_audit *a);
enum cxg_err store_audit_list(struct store *s, const char *entity, const char *actor,
                              int64_t before_id, int limit, store_audit_cb cb, void *ctx,
                              struct cxg_error *err) CXG_WUR;

#endif
