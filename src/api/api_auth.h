/*
 * api_auth.h: the secrets of cxgarden: argon2id password hashes, random passwords, API
 * tokens and session cookies hashed with a keyed BLAKE2b whose 32-byte key lives in a file
 * beside the database (PATH.key, mode 0600) or in [server] data_dir, never in it. Used by the
 * server and by the `user` and `token` subcommands.
 */
#ifndef CXG_API_AUTH_H
#define CXG_API_AUTH_H

#include <stddef.h>

#include "core/err.h"
#include "store/store_auth.h"

#define API_KEY_LEN 32
#define API_TOKEN_PREFIX "cxg_"
#define API_TOKEN_LEN 48    /* "cxg_" + 43 base64url characters + NUL, rounded */
#define API_PASSWORD_LEN 24 /* generated passwords: characters, without NUL */
#define API_PWHASH_LEN 128  /* crypto_pwhash_STRBYTES */

/* Initialise libsodium (idempotent, thread-safe). CXG_ERR_INTERNAL when it cannot start. */
enum cxg_err api_sodium_init(struct cxg_error *err) CXG_WUR;

/*
 * The key file's path into out: PATH.key beside an SQLite database; for a PostgreSQL address
 * (no file beside it) DATA_DIR/cxgarden.key, where data_dir is [server] data_dir. CXG_ERR_USAGE
 * naming that setting when a PostgreSQL store has no data_dir; never a name made from the address.
 */
enum cxg_err api_key_path(const char *db_path, const char *data_dir, char *out, size_t cap,
                          struct cxg_error *err) CXG_WUR;
/*
 * Read the key file (api_key_path) into key, creating it (32 random bytes, mode 0600) when
 * absent. CXG_ERR_IO when it cannot be read or created; CXG_ERR_INVALID when it has the
 * wrong size or can be read by group or others.
 */
enum cxg_err api_key_load(const char *db_path, const char *data_dir, unsigned char key[API_KEY_LEN],
                          struct cxg_error *err) CXG_WUR;

/* 1 when name is a valid user name: 1-64 letters, digits or . _ - @. */
int api_user_name_valid(const char *name);
/* 1 when role is admin, analyst, account_manager or member. */
int api_role_valid(const char *role);

/* A random password of API_PASSWORD_LEN letters and digits into out (capacity >= 25). */
void api_password_generate(char *out);
/*
 * Hash password with argon2id into out (capacity API_PWHASH_LEN): interactive limits, or the
 * minimal cost when fast is set (tests). CXG_ERR_NOMEM when the memory is not available.
 */
enum cxg_err api_password_hash(const char *password, int fast, char *out,
                               struct cxg_error *err) CXG_WUR;
/* 1 when password matches the argon2id string hash, else 0. */
int api_password_verify(const char *hash, const char *password);

/*
 * A new API token "cxg_<43 base64url chars>" (256 random bits) into token (capacity
 * API_TOKEN_LEN), its keyed hash into hash and its first 12 characters into prefix
 * (capacity >= 16).
 */
void api_token_new(const unsigned char key[API_KEY_LEN], char *token,
                   unsigned char hash[STORE_HASH_LEN], char *prefix);
/* The keyed BLAKE2b hash of n bytes of secret (a token or cookie value). */
void api_secret_hash(const unsigned char key[API_KEY_LEN], const char *secret, size_t n,
                     unsigned char hash[STORE_HASH_LEN]);
/*
 * The user name of an HTTP Basic credential (the text after "Basic "): base64 of "user:pass"
 * decoded, the user part copied into out (capacity cap). 0 on success, -1 when it is not
 * valid base64, holds no colon-terminated user (a bare "user" is accepted too) or is too long.
 */
int api_basic_user(const char *b64, char *out, size_t cap);
/* 1 when scope is a token scope: read, read-write or ingest (write-only: collection). */
int api_scope_valid(const char *scope);
/* 256 random bits as 43 base64url characters (plus NUL) into out (capacity >= 44). */
void api_random_b64(char *out);

#endif
