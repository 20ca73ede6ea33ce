/*
 * api_auth.c: password hashing, token and cookie secrets, and the key file (api_auth.h).
 */
#include "api/api_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "core/banned.h"

enum cxg_err api_sodium_init(struct cxg_error *err)
{
        if (sodium_init() < 0)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "libsodium could not start");
        return CXG_OK;
}

static enum cxg_err read_key(int fd, const char *path, unsigned char key[API_KEY_LEN],
                             struct cxg_error *err)
{
        struct stat st;
        ssize_t n;

        if (fstat(fd, &st) != 0)
                return cxg_error_set(err, CXG_ERR_IO, "%s: %s", path, strerror(errno));
        if (st.st_mode & 077)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "%s: key file is readable by others; run chmod 600 on it",
                                     path);
        if (st.st_size != API_KEY_LEN)
                return cxg_error_set(err, CXG_ERR_INVALID, "%s: key file must hold %d bytes", path,
                                     API_KEY_LEN);
        n = read(fd, key, API_KEY_LEN);
        if (n != API_KEY_LEN)
                return cxg_error_set(err, CXG_ERR_IO, "%s: cannot read the key", path);
        return CXG_OK;
}

enum cxg_err api_key_path(const char *db_path, const char *data_dir, char *out, size_t cap,
                          struct cxg_error *err)
{
        int n;

        if (!store_is_pg_url(db_path))
                n = snprintf(out, cap, "%s.key", db_path);
        else if (data_dir && *data_dir)
                n = snprintf(out, cap, "%s/cxgarden.key", data_dir);
        else
                return cxg_error_setf(err, CXG_ERR_USAGE, "server.data_dir",
                                      "a PostgreSQL database has no directory for its key file: "
                                      "set [server] data_dir in the config file (--config) to "
                                      "the directory that holds cxgarden.key");
        if (n < 0 || (size_t)n >= cap)
                return cxg_error_set(err, CXG_ERR_INVALID, "key file path is too long");
        return CXG_OK;
}

enum cxg_err api_key_load(const char *db_path, const char *data_dir, unsigned char key[API_KEY_LEN],
                          struct cxg_error *err)
{
        char path[1100];
        enum cxg_err rc;
        int fd;

        if ((rc = api_sodium_init(err)) ||
            (rc = api_key_path(db_path, data_dir, path, sizeof(path), err)))
                return rc;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                unsigned char k[API_KEY_LEN];

                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 && errno == EEXIST) /* another process created it first */
                        goto again;
                if (fd < 0)
                        return cxg_error_set(err, CXG_ERR_IO, "%s: cannot create key file: %s",
                                             path, strerror(errno));
                randombytes_buf(k, sizeof(k));
                if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k) || fsync(fd) != 0) {
                        close(fd);
                        unlink(path);
                        sodium_memzero(k, sizeof(k));
                        return cxg_error_set(err, CXG_ERR_IO, "%s: cannot write key file", path);
                }
                close(fd);
                memcpy(key, k, API_KEY_LEN);
                sodium_memzero(k, sizeof(k));
                return CXG_OK;
        }
again:
        if (fd < 0)
                fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return cxg_error_set(err, CXG_ERR_IO, "%s: cannot open key file: %s", path,
                                     strerror(errno));
        rc = read_key(fd, path, key, err);
        close(fd);
        return rc;
}

int api_user_name_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > 64)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-' || c == '@'))
                        return 0;
        }
        return 1;
}

int api_role_valid(const char *role)
{
        return role && (strcmp(role, "admin") == 0 || strcmp(role, "analyst") == 0 ||
                        strcmp(role, "account_manager") == 0 || strcmp(role, "member") == 0);
}

void api_password_generate(char *out)
{
        static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

        for (int i = 0; i < API_PASSWORD_LEN; i++)
                out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
        out[API_PASSWORD_LEN] = '\0';
}

enum cxg_err api_password_hash(const char *password, int fast, char *out, struct cxg_error *err)
{
        unsigned long long ops =
            fast ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
        size_t mem = fast ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
        char h[crypto_pwhash_STRBYTES];

        if (crypto_pwhash_str(h, password, strlen(password), ops, mem) != 0)
                return cxg_error_set(err, CXG_ERR_NOMEM, "not enough memory to hash a password");
        memcpy(out, h, sizeof(h) < API_PWHASH_LEN ? sizeof(h) : API_PWHASH_LEN);
        out[API_PWHASH_LEN - 1] = '\0';
        return CXG_OK;
}

int api_password_verify(const char *hash, const char *password)
{
        if (!hash || !*hash)
                return 0;
        return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void api_secret_hash(const unsigned char key[API_KEY_LEN], const char *secret, size_t n,
                     unsigned char hash[STORE_HASH_LEN])
{
        crypto_generichash(hash, STORE_HASH_LEN, (const unsigned char *)secret, n, key,
                           API_KEY_LEN);
}

void api_random_b64(char *out)
{
        unsigned char r[32];

        randombytes_buf(r, sizeof(r));
        sodium_bin2base64(out, 44, r, sizeof(r), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(r, sizeof(r));
}

void api_token_new(const unsigned char key[API_KEY_LEN], char *token,
                   unsigned char hash[STORE_HASH_LEN], char *prefix)
{
        char b[44];
        size_t n;

        api_random_b64(b);
        n = (size_t)snprintf(token, API_TOKEN_LEN, "%s%s", API_TOKEN_PREFIX, b);
        api_secret_hash(key, token, n, hash);
        snprintf(prefix, 16, "%.12s", token);
        sodium_memzero(b, sizeof(b));
}

int api_basic_user(const char *b64, char *out, size_t cap)
{
        unsigned char raw[256];
        size_t n = 0, k;

        while (*b64 == ' ')
                b64++;
        if (sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), " ", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 &&
            sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), " ", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
                return -1;
        for (k = 0; k < n && raw[k] != ':'; k++)
                ;
        if (k == 0 || k >= cap || memchr(raw, '\0', k))
                return -1;
        memcpy(out, raw, k);
        out[k] = '\0';
        sodium_memzero(raw, sizeof(raw));
        return 0;
}

int api_scope_valid(const char *scope)
{
        return scope && (strcmp(scope, "read") == 0 || strcmp(scope, "read-write") == 0 ||
                         strcmp(scope, "ingest") == 0);
}
