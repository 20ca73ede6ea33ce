/*
 * routes_session.c: health, dashboard assets, login and logout (sessions, CSRF tokens, the
 * failed-login rate limit and the cap on concurrent password hashes), who-am-I, the member
 * portal, users and the audit log (users share the password-hash cap with login).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/web_assets.h"
#include "app/users.h"
#include "app/view_entities.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/parse.h"
#include "store/store_auth.h"
#include "store/store_nodes.h"

/* ---- health and assets ---- */

/*
 * Liveness and the database: 200 while the process serves; "database" says whether a trivial
 * query reaches it now ("unreachable": writes answer 503, cached reads go on, the store
 * reconnects by itself), and "status" is "degraded" then.
 */
void api_h_healthz(struct api_req *r)
{
        struct cxg_error err = {0};
        int up = api_store(r) && store_ping(r->st, &err) == CXG_OK;

        if (!up)
                cxg_log(CXG_LOG_WARN, "serve: healthz: %s",
                        err.msg[0] ? err.msg : "the database cannot be opened");
        api_reply_json(r, 200,
                       json_pack("{s:s,s:s}", "status", up ? "ok" : "degraded", "database",
                                 up ? "ok" : "unreachable"));
}

void api_h_asset(struct api_req *r)
{
        const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
        const char *inm;

        for (const struct api_asset *a = api_assets; a->path; a++) {
                if (strcmp(a->path, path) != 0)
                        continue;
                snprintf(r->etag, sizeof(r->etag), "\"%08x-%zx\"",
                         (unsigned)cxg_hash((const char *)a->data, a->len), a->len);
                /* pages revalidate every time; other files may be cached for an hour */
                snprintf(r->cache, sizeof(r->cache), "%s",
                         strstr(a->mime, "text/html") ? "no-cache" : "public, max-age=3600");
                inm = api_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
                if (inm && strcmp(inm, r->etag) == 0) {
                        api_reply_empty(r, 304);
                        r->reply_type = a->mime;
                        return;
                }
                r->status = 200;
                r->static_data = a->data;
                r->reply_len = a->len;
                r->reply_type = a->mime;
                return;
        }
        api_reply_error(r, 404, "not_found", NULL, "no such file: %s", r->path);
}

/* ---- failed-login rate limit: fixed windows per key ("u:NAME", "ip:ADDR"), in the
 * database (store_nodes.h) so that every server behind a balancer counts the same failures ---- */

/* Seconds until the user or the address may try again (0: now), or -1 with the reply set. */
static long rl_wait(struct api_req *r, const char *kuser, const char *kip, int64_t now)
{
        struct cxg_error err = {0};
        long wu = 0, wi = 0;
        enum cxg_err rc;

        if ((rc = store_login_wait(r->st, kuser, now, api_g.cfg.login_window,
                                   api_g.cfg.login_max_failures, &wu, &err)) ||
            (rc = store_login_wait(r->st, kip, now, api_g.cfg.login_window,
                                   api_g.cfg.login_max_failures, &wi, &err))) {
                api_reply_cxg(r, rc, &err);
                return -1;
        }
        return wu > wi ? wu : wi;
}

/* Count a failure for both keys; a store error is logged (the sign-in fails anyway). */
static void rl_fail(struct api_req *r, const char *kuser, const char *kip, int64_t now)
{
        struct cxg_error err = {0};

        if (store_login_fail(r->st, kuser, now, api_g.cfg.login_window, &err) ||
            store_login_fail(r->st, kip, now, api_g.cfg.login_window, &err))
                cxg_log(CXG_LOG_WARN, "serve: count a failed sign-in: %s", err.msg);
}

/* Take a password-hash slot; 0 when all are busy. */
static int pwhash_enter(void)
{
        if (atomic_fetch_add(&api_g.pwhash_active, 1) >= api_g.cfg.max_pwhash) {
                atomic_fetch_sub(&api_g.pwhash_active, 1);
                return 0;
        }
        return 1;
}

static void pwhash_leave(void)
{
        atomic_fetch_sub(&api_g.pwhash_active, 1);
}

static const char *jstr(json_t *o, const char *k)
{
        return json_string_value(json_object_get(o, k));
}

static void audit_simple(struct api_req *r, const char *action, const char *entity, const char *id,
                         json_t *summary)
{
        struct cxg_error err = {0};

        if (api_audit(r, action, entity, id, summary, &err))
                cxg_log(CXG_LOG_ERROR, "serve: audit %s %s: %s", action, entity, err.msg);
        json_decref(summary);
}

void api_h_login(struct api_req *r)
{
        json_t *body = api_body_json(r);
        const char *name, *password;
        char kuser[200], kip[200], cookie[44], csrf[2 * 32 + 1], exp[24];
        unsigned char hash[STORE_HASH_LEN], rnd[32];
        struct store_user u;
        struct cxg_error err = {0};
        enum cxg_err rc;
        int64_t now = api_now();
        long wait;
        int ok;

        if (!body)
                return;
        name = jstr(body, "name");
        password = jstr(body, "password");
        if (!name || !*name) {
                api_reply_error(r, 422, "invalid", "name", "name is required");
                goto done;
        }
        if (!password) {
                api_reply_error(r, 422, "invalid", "password", "password is required");
                goto done;
        }
        snprintf(kuser, sizeof(kuser), "u:%s", name);
        snprintf(kip, sizeof(kip), "ip:%s", r->client);
        if (!api_store(r) || (wait = rl_wait(r, kuser, kip, now)) < 0)
                goto done;
        if (wait > 0) {
                r->retry_after = wait;
                api_reply_error(r, 429, "too_many_requests", NULL,
                                "too many failed sign-ins; try again in %ld seconds", wait);
                goto done;
        }
        rc = store_user_by_name(r->st, name, &u, &err);
        if (rc && rc != CXG_ERR_NOTFOUND) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        if (!pwhash_enter()) {
                r->retry_after = 1;
                api_reply_error(r, 429, "too_many_requests", NULL,
                                "too many sign-ins in progress; try again in a second");
                goto done;
        }
        /* an unknown user costs the same time as a wrong password */
        ok = api_password_verify(rc ? api_g.dummy_hash : u.password_hash, password);
        pwhash_leave();
        if (rc || !ok || u.disabled) {
                rl_fail(r, kuser, kip, now);
                snprintf(r->who.name, sizeof(r->who.name), "%s", rc ? "-" : u.name);
                if (!rc)
                        audit_simple(r, "login_failed", "users", u.name,
                                     json_pack("{s:s}", "ip", r->client));
                api_reply_error(r, 401, "unauthorized", NULL, "wrong name or password");
                goto done;
        }
        if (store_login_reset(r->st, kuser, &err))
                cxg_log(CXG_LOG_WARN, "serve: reset failed sign-ins: %s", err.msg);
        api_random_b64(cookie);
        api_secret_hash(api_g.key, cookie, strlen(cookie), hash);
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(csrf, sizeof(csrf), rnd, sizeof(rnd));
        rc = store_session_add(r->st, hash, csrf, u.id, now, now + api_g.cfg.session_ttl, &err);
        if (rc) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        {
                size_t purged = 0;

                /* expired sessions are of no use: drop them while we are writing anyway */
                if (store_session_purge(r->st, now, &purged, &err))
                        cxg_log(CXG_LOG_WARN, "serve: purge expired sessions: %s", err.msg);
        }
        snprintf(r->cookie, sizeof(r->cookie),
                 "cxg_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", cookie,
                 api_g.cfg.session_ttl, api_g.cfg.cookie_secure ? "; Secure" : "");
        snprintf(r->who.name, sizeof(r->who.name), "%s", u.name);
        audit_simple(r, "login", "users", u.name, json_pack("{s:s}", "ip", r->client));
        api_reply_json(r, 200,
                       json_pack("{s:{s:s,s:s},s:s,s:s}", "user", "name", u.name, "role", u.role,
                                 "csrf_token", csrf, "expires_at",
                                 cxg_time_format(now + api_g.cfg.session_ttl, exp)));
        sodium_memzero(cookie, sizeof(cookie));
done:
        json_decref(body);
}

void api_h_logout(struct api_req *r)
{
        struct cxg_error err = {0};
        enum cxg_err rc;

        if (r->who.via_token) {
                api_reply_error(r, 400, "bad_request", NULL,
                                "logout ends a session; API tokens are revoked with "
                                "`cxgarden token revoke`");
                return;
        }
        rc = store_session_delete(r->st, r->who.session_hash, &err);
        if (rc) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        audit_simple(r, "logout", "users", r->who.name, NULL);
        snprintf(r->cookie, sizeof(r->cookie),
                 "cxg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                 api_g.cfg.cookie_secure ? "; Secure" : "");
        api_reply_empty(r, 204);
}

static json_t *who_json(struct api_req *r)
{
        return json_pack("{s:s,s:s,s:s,s:s?,s:b}", "name", r->who.name, "role",
                         api_role_name(r->who.role), "auth", r->who.via_token ? "token" : "session",
                         "scope",
                         r->who.via_token ? (r->who.read_only ? "read" : "read-write") : NULL,
                         "read_only", r->who.via_token && r->who.read_only);
}

void api_h_me(struct api_req *r)
{
        api_reply_json(r, 200, who_json(r));
}

void api_h_portal_me(struct api_req *r)
{
        json_t *j = who_json(r);

        if (j && r->who.person_id[0])
                json_object_set_new(j, "person_id", json_string(r->who.person_id));
        api_reply_json(r, 200, j);
}

/* ---- users ---- */

static enum cxg_err user_to_json(void *ctx, const struct store_user *u)
{
        json_t *o = view_user(u);

        if (!o)
                return CXG_ERR_NOMEM;
        return json_array_append_new(ctx, o) ? CXG_ERR_NOMEM : CXG_OK;
}

void api_h_users_list(struct api_req *r)
{
        json_t *arr = json_array();
        struct cxg_error err = {0};
        enum cxg_err rc;

        if (!arr || !api_store(r)) {
                json_decref(arr);
                if (!r->status)
                        api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        rc = store_user_list(r->st, user_to_json, arr, &err);
        if (rc) {
                json_decref(arr);
                api_reply_cxg(r, rc, &err);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void api_h_users_create(struct api_req *r)
{
        json_t *body = api_body_json(r), *v;
        const char *name, *role, *person = NULL, *password = NULL, *key;
        char gen[API_PASSWORD_LEN + 1], hash[API_PWHASH_LEN];
        struct cxg_error err = {0};
        struct app_ctx c;
        enum cxg_err rc;
        int64_t id;

        if (!body)
                return;
        if (!json_is_object(body)) {
                api_reply_error(r, 422, "invalid", NULL, "expected a JSON object");
                goto done;
        }
        json_object_foreach(body, key, v)
        {
                if (strcmp(key, "name") && strcmp(key, "role") && strcmp(key, "person_id") &&
                    strcmp(key, "password")) {
                        api_reply_error(r, 422, "invalid", key, "unknown field '%s'", key);
                        goto done;
                }
                if (!json_is_string(v) && !json_is_null(v)) {
                        api_reply_error(r, 422, "invalid", key, "field '%s' must be a string", key);
                        goto done;
                }
        }
        name = jstr(body, "name");
        role = jstr(body, "role");
        person = jstr(body, "person_id");
        password = jstr(body, "password");
        if (!name || !api_user_name_valid(name)) {
                api_reply_error(r, 422, "invalid", "name",
                                "name must be 1-64 letters, digits or . _ - @");
                goto done;
        }
        if (!api_role_valid(role)) {
                api_reply_error(r, 422, "invalid", "role",
                                "role must be admin, analyst, account_manager or member");
                goto done;
        }
        if (strcmp(role, "member") == 0 && !person) {
                api_reply_error(r, 422, "invalid", "person_id",
                                "a member needs the person_id of their customer person");
                goto done;
        }
        if (password && strlen(password) < 12) {
                api_reply_error(r, 422, "invalid", "password",
                                "password must have at least 12 characters");
                goto done;
        }
        if (!password) {
                api_password_generate(gen);
                password = gen;
        }
        if (!pwhash_enter()) {
                r->retry_after = 1;
                api_reply_error(r, 429, "too_many_requests", NULL,
                                "too many password hashes in progress; try again in a second");
                goto done;
        }
        rc = api_password_hash(password, api_g.cfg.pwhash_fast, hash, &err);
        pwhash_leave();
        if (rc) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        api_app_ctx(r, &c);
        if ((rc = app_user_add(&c, name, role, hash, person, &id, &err)))
                goto fail;
        snprintf(r->location, sizeof(r->location), "/api/v1/users");
        api_reply_json(r, 201,
                       json_pack("{s:s,s:s,s:s?,s:s?}", "name", name, "role", role, "person_id",
                                 person, "password", password == gen ? gen : NULL));
        sodium_memzero(gen, sizeof(gen));
        goto done;
fail:
        api_reply_cxg(r, rc, &err);
done:
        json_decref(body);
}

/* ---- audit ---- */

struct audit_ctx {
        json_t *arr;
        int64_t last_id;
        int n;
};

static enum cxg_err audit_to_json(void *ctx, const struct store_audit *a)
{
        struct audit_ctx *c = ctx;
        json_t *o = view_audit(a);

        if (!o)
                return CXG_ERR_NOMEM;
        c->last_id = a->id;
        c->n++;
        return json_array_append_new(c->arr, o) ? CXG_ERR_NOMEM : CXG_OK;
}

static enum MHD_Result audit_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
        const char **bad = cls;

        (void)kind;
        (void)value;
        if (strcmp(key, "entity") && strcmp(key, "actor") && strcmp(key, "limit") &&
            strcmp(key, "cursor")) {
                *bad = key;
                return MHD_NO;
        }
        return MHD_YES;
}

void api_h_audit(struct api_req *r)
{
        struct audit_ctx c = {0};
        struct cxg_error err = {0};
        const char *lim = api_arg(r, "limit"), *cur = api_arg(r, "cursor");
        int64_t limit = 100, before = 0;
        enum cxg_err rc;
        char next[32];
        const char *bad = NULL;

        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, audit_arg, (void *)&bad);
        if (bad) {
                api_reply_error(r, 400, "bad_request", bad,
                                "unknown query parameter '%s' (audit filters: entity, actor)", bad);
                return;
        }
        if (lim && (cxg_parse_int64(lim, strlen(lim), &limit, NULL) || limit < 1 || limit > 500)) {
                api_reply_error(r, 400, "bad_request", "limit", "limit must be 1-500");
                return;
        }
        if (cur && (cxg_parse_int64(cur, strlen(cur), &before, NULL) || before < 1)) {
                api_reply_error(r, 400, "bad_request", "cursor", "cursor is not valid");
                return;
        }
        if (!api_store(r))
                return;
        c.arr = json_array();
        if (!c.arr) {
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        rc = store_audit_list(r->st, api_arg(r, "entity"), api_arg(r, "actor"), before, (int)limit,
                              audit_to_json, &c, &err);
        if (rc) {
                json_decref(c.arr);
                api_reply_cxg(r, rc, &err);
                return;
        }
        snprintf(next, sizeof(next), "%lld", (long long)c.last_id);
        api_reply_json(r, 200,
                       json_pack("{s:o,s:s?}", "items", c.arr, "next_cursor",
                                 c.n == limit && c.last_id > 1 ? next : NULL));
}
