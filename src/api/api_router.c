/*
 * api_router.c: the route table (method + path pattern with {id} parameters), the role
 * matrix deciding who may call which route group, authentication by bearer token or session
 * cookie (with CSRF for cookie writes), and audit records of writes.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_cache.h"
#include "api/api_int.h"
#include "api/web_assets.h"
#include "api/routes_alerts.h"
#include "api/routes_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "store/store_auth.h"

#define ENTITY_ROUTES(E)                                                                           \
        {"GET", "/api/v1/" E, api_h_list, API_G_READ},                                             \
            {"POST", "/api/v1/" E, api_h_create, API_G_WRITE},                                     \
            {"GET", "/api/v1/" E "/{id}", api_h_get, API_G_READ},                                  \
            {"PUT", "/api/v1/" E "/{id}", api_h_put, API_G_WRITE},                                 \
            {"PATCH", "/api/v1/" E "/{id}", api_h_patch, API_G_WRITE},                             \
        {                                                                                          \
                "DELETE", "/api/v1/" E "/{id}", api_h_delete, API_G_WRITE                          \
        }

const struct api_route api_routes[] = {
    {"GET", "/", api_h_asset, API_G_PUBLIC},
    {"GET", "/healthz", api_h_healthz, API_G_PUBLIC},
    {"GET", "/metrics", api_h_metrics, API_G_READ},
    {"POST", "/api/v1/login", api_h_login, API_G_PUBLIC},
    {"POST", "/api/v1/logout", api_h_logout, API_G_SESSION},
    {"GET", "/api/v1/me", api_h_me, API_G_READ},
    {"GET", "/api/v1/portal/me", api_h_portal_me, API_G_PORTAL},
    {"GET", "/api/v1/users", api_h_users_list, API_G_ADMIN},
    {"POST", "/api/v1/users", api_h_users_create, API_G_ADMIN},
    {"GET", "/api/v1/audit", api_h_audit, API_G_ADMIN},
    ENTITY_ROUTES("accounts"),
    ENTITY_ROUTES("people"),
    ENTITY_ROUTES("subscriptions"),
    ENTITY_ROUTES("objectives"),
    ENTITY_ROUTES("capabilities"),
    {"POST", "/api/v1/interactions", api_h_interactions, API_G_WRITE},
    {"POST", "/api/v1/feedback", api_h_feedback, API_G_WRITE},
    {"GET", "/api/v1/accounts/{id}/scores", api_h_account_scores, API_G_READ},
    {"GET", "/api/v1/people/{id}/engagement", api_h_person_engagement, API_G_READ},
    {"GET", "/api/v1/people/{id}/export", api_h_person_export, API_G_ADMIN},
    {"GET", "/api/v1/segments", api_h_segments, API_G_READ},
    {"GET", "/api/v1/cohorts", api_h_cohorts, API_G_READ},
    {"GET", "/api/v1/overview", api_h_overview, API_G_READ},
    {"GET", "/api/v1/scores", api_h_scores, API_G_READ},
    {"GET", "/api/v1/accounts/{id}/timeline", api_h_account_timeline, API_G_READ},
    {"GET", "/api/v1/voc/nps", api_h_voc, API_G_READ},
    {"GET", "/api/v1/voc/csat", api_h_voc, API_G_READ},
    {"GET", "/api/v1/voc/ces", api_h_voc, API_G_READ},
    {"GET", "/api/v1/voc/themes", api_h_voc_themes, API_G_READ},
    {"GET", "/api/v1/accounts/{id}/fit", api_h_account_fit, API_G_READ},
    {"GET", "/api/v1/fit/summary", api_h_fit_summary, API_G_READ},
    {"GET", "/api/v1/cluster", api_h_cluster, API_G_READ},
    API_ALERT_ROUTES,
    API_GARDEN_ROUTES,
    {"POST", "/v1/track", api_h_collect_track, API_G_INGEST},
    {"POST", "/v1/identify", api_h_collect_identify, API_G_INGEST},
    {"POST", "/v1/group", api_h_collect_group, API_G_INGEST},
    {"POST", "/v1/page", api_h_collect_page, API_G_INGEST},
    {"POST", "/v1/screen", api_h_collect_screen, API_G_INGEST},
    {"POST", "/v1/alias", api_h_collect_alias, API_G_INGEST},
    {"POST", "/v1/batch", api_h_collect_batch, API_G_INGEST},
    /* not listed: the embedded dashboard files other than "/" */
    {"GET", "/{asset}", api_h_asset, API_G_PUBLIC},
    {NULL, NULL, NULL, API_G_PUBLIC},
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]) - 1;
#define ASSET_ROUTE (api_nroutes - 1)

void api_routes_print(FILE *f)
{
        for (size_t i = 0; i < ASSET_ROUTE; i++)
                fprintf(f, "%s %s\n", api_routes[i].method, api_routes[i].pattern);
}

/* Match path against pattern; 1 on a match with {params} captured into r. */
static int match_pattern(struct api_req *r, const char *pat, const char *path)
{
        int np = 0;

        while (*pat && *path) {
                if (*pat == '{') {
                        const char *end = strchr(path, '/');
                        size_t n = end ? (size_t)(end - path) : strlen(path);

                        if (n == 0 || n >= sizeof(r->params[0]) || np >= API_MAX_PARAMS)
                                return 0;
                        memcpy(r->params[np], path, n);
                        r->params[np][n] = '\0';
                        np++;
                        path += n;
                        pat = strchr(pat, '}');
                        if (!pat)
                                return 0;
                        pat++;
                        continue;
                }
                if (*pat != *path)
                        return 0;
                pat++;
                path++;
        }
        if (*pat || *path)
                return 0;
        r->nparams = np;
        return 1;
}

static int is_asset(const char *path)
{
        for (const struct api_asset *a = api_assets; a->path; a++)
                if (strcmp(a->path, path) == 0)
                        return 1;
        return 0;
}

int api_route_match(struct api_req *r, const char *method, const char *path, int *path_known)
{
        const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

        *path_known = 0;
        for (size_t i = 0; i < ASSET_ROUTE; i++) {
                if (!match_pattern(r, api_routes[i].pattern, path))
                        continue;
                if (strcmp(api_routes[i].method, m) == 0)
                        return (int)i;
                /* 2: a public path, whose wrong method needs no credentials to learn */
                if (*path_known != 1)
                        *path_known = api_routes[i].group == API_G_PUBLIC ? 2 : 1;
        }
        if (is_asset(path)) {
                if (strcmp(m, "GET") == 0) {
                        r->nparams = 0;
                        return (int)ASSET_ROUTE;
                }
                if (!*path_known)
                        *path_known = 2;
        }
        return -1;
}

const char *api_role_name(enum api_role role)
{
        switch (role) {
        case API_ROLE_ADMIN:
                return "admin";
        case API_ROLE_ANALYST:
                return "analyst";
        case API_ROLE_AM:
                return "account_manager";
        case API_ROLE_MEMBER:
                return "member";
        default:
                return "none";
        }
}

enum api_role api_role_parse(const char *s)
{
        if (strcmp(s, "admin") == 0)
                return API_ROLE_ADMIN;
        if (strcmp(s, "analyst") == 0)
                return API_ROLE_ANALYST;
        if (strcmp(s, "account_manager") == 0)
                return API_ROLE_AM;
        if (strcmp(s, "member") == 0)
                return API_ROLE_MEMBER;
        return API_ROLE_NONE;
}

static int is_write_method(const char *m)
{
        return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

int api_access_check(struct api_req *r)
{
        enum api_group g = r->route->group;
        enum api_role role = r->who.role;

        if (role == API_ROLE_MEMBER && g != API_G_PORTAL && g != API_G_SESSION) {
                api_reply_error(r, 404, "not_found", NULL, "no such endpoint: %s", r->path);
                return 0;
        }
        if (r->who.via_token && r->who.ingest_only && g != API_G_INGEST &&
            r->route->fn != api_h_interactions && r->route->fn != api_h_feedback) {
                api_reply_error(r, 403, "forbidden", NULL,
                                "this token has the ingest scope: it may only send events "
                                "(/v1/*, /api/v1/interactions, /api/v1/feedback)");
                return 0;
        }
        if (g == API_G_INGEST && (!r->who.via_token || r->who.read_only)) {
                api_reply_error(r, 403, "forbidden", NULL,
                                "sending events needs a token with the ingest or read-write "
                                "scope");
                return 0;
        }
        if ((g == API_G_ADMIN || g == API_G_WRITE || g == API_G_INGEST) && role != API_ROLE_ADMIN) {
                api_reply_error(
                    r, 403, "forbidden", NULL, "the %s role may not %s", api_role_name(role),
                    g == API_G_ADMIN ? "manage users or read the audit log" : "change data");
                return 0;
        }
        if (role == API_ROLE_NONE) {
                api_reply_error(r, 403, "forbidden", NULL, "this user has no valid role");
                return 0;
        }
        if (is_write_method(r->method)) {
                if (r->who.via_token && r->who.read_only) {
                        api_reply_error(r, 403, "forbidden", NULL,
                                        "this token has the read scope and cannot write");
                        return 0;
                }
                if (!r->who.via_token) {
                        const char *h = api_header(r, "X-CSRF-Token");
                        size_t n = strlen(r->who.csrf);

                        if (!h || strlen(h) != n || n == 0 ||
                            sodium_memcmp(h, r->who.csrf, n) != 0) {
                                api_reply_error(r, 403, "csrf", NULL,
                                                "missing or wrong X-CSRF-Token header");
                                return 0;
                        }
                }
        }
        return 1;
}

static int fill_user(struct api_req *r, int64_t user_id)
{
        struct store_user u;
        struct cxg_error err = {0};
        enum cxg_err rc = api_user_by_id(r, user_id, &u, &err);

        if (rc == CXG_ERR_NOTFOUND || (!rc && u.disabled)) {
                r->www_auth = 1;
                api_reply_error(r, 401, "unauthorized", NULL, "the user is disabled or removed");
                return -1;
        }
        if (rc) {
                api_reply_cxg(r, rc, &err);
                return -1;
        }
        r->who.user_id = u.id;
        snprintf(r->who.name, sizeof(r->who.name), "%s", u.name);
        snprintf(r->who.person_id, sizeof(r->who.person_id), "%s", u.person_id);
        r->who.role = api_role_parse(u.role);
        return 1;
}

int api_authenticate(struct api_req *r)
{
        const char *h = api_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
        const char *cookie;
        unsigned char hash[STORE_HASH_LEN];
        struct cxg_error err = {0};
        enum cxg_err rc;

        if (h) {
                struct store_token t;
                int64_t now = api_now();
                char basic[API_TOKEN_LEN + 16];

                if (r->route && r->route->group == API_G_INGEST &&
                    strncasecmp(h, "Basic ", 6) == 0) {
                        /* Segment's convention: the write key as the Basic user name */
                        if (api_basic_user(h + 6, basic, sizeof(basic))) {
                                r->www_auth = 1;
                                api_reply_error(r, 401, "unauthorized", NULL,
                                                "the Basic credential must be base64 of "
                                                "'WRITE_KEY:'");
                                return -1;
                        }
                        h = basic;
                } else if (strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
                        r->www_auth = 1;
                        api_reply_error(r, 401, "unauthorized", NULL,
                                        "the Authorization header must be 'Bearer TOKEN'");
                        return -1;
                } else {
                        h += 7;
                }
                while (*h == ' ')
                        h++;
                if (!api_store(r))
                        return -1;
                api_secret_hash(api_g.key, h, strlen(h), hash);
                rc = api_token_find(r, hash, &t, &err);
                if (rc == CXG_ERR_NOTFOUND ||
                    (!rc && sodium_memcmp(t.hash, hash, STORE_HASH_LEN) != 0)) {
                        r->www_auth = 1;
                        api_reply_error(r, 401, "unauthorized", NULL, "invalid token");
                        return -1;
                }
                if (rc) {
                        api_reply_cxg(r, rc, &err);
                        return -1;
                }
                if (t.revoked_at != CXG_TS_NONE) {
                        r->www_auth = 1;
                        api_reply_error(r, 401, "unauthorized", NULL, "token %s... was revoked",
                                        t.prefix);
                        return -1;
                }
                if (t.expires_at != CXG_TS_NONE && t.expires_at <= now) {
                        r->www_auth = 1;
                        api_reply_error(r, 401, "unauthorized", NULL, "token %s... has expired",
                                        t.prefix);
                        return -1;
                }
                if (t.user_disabled) {
                        r->www_auth = 1;
                        api_reply_error(r, 401, "unauthorized", NULL,
                                        "the user is disabled or removed");
                        return -1;
                }
                r->who.via_token = 1;
                r->who.token_id = t.id;
                r->who.ingest_only = strcmp(t.scope, "ingest") == 0;
                r->who.read_only = strcmp(t.scope, "read-write") != 0 && !r->who.ingest_only;
                r->who.user_id = t.user_id;
                snprintf(r->who.name, sizeof(r->who.name), "%s", t.user_name);
                snprintf(r->who.person_id, sizeof(r->who.person_id), "%s", t.user_person);
                r->who.role = api_role_parse(t.user_role);
                return 1;
        }
        cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "cxg_session");
        if (cookie) {
                struct store_session s;

                if (!api_store(r))
                        return -1;
                api_secret_hash(api_g.key, cookie, strlen(cookie), hash);
                rc = api_session_find(r, hash, api_now(), &s, &err);
                if (rc == CXG_ERR_NOTFOUND ||
                    (!rc && sodium_memcmp(s.hash, hash, STORE_HASH_LEN) != 0)) {
                        snprintf(r->cookie, sizeof(r->cookie),
                                 "cxg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
                        api_reply_error(r, 401, "unauthorized", NULL,
                                        "the session has expired or is not valid; sign in again");
                        return -1;
                }
                if (rc) {
                        api_reply_cxg(r, rc, &err);
                        return -1;
                }
                r->who.via_token = 0;
                memcpy(r->who.session_hash, hash, STORE_HASH_LEN);
                snprintf(r->who.csrf, sizeof(r->who.csrf), "%s", s.csrf);
                return fill_user(r, s.user_id);
        }
        return 0;
}

void api_app_ctx(struct api_req *r, struct app_ctx *c)
{
        c->st = r->st;
        c->actor = r->who.name;
        c->token_id = r->who.via_token ? r->who.token_id : 0;
        c->cfg = NULL;
        c->now = api_now();
}

enum cxg_err api_audit(struct api_req *r, const char *action, const char *entity,
                       const char *entity_id, json_t *summary, struct cxg_error *err)
{
        struct app_ctx c;

        api_app_ctx(r, &c);
        return app_audit(&c, action, entity, entity_id, summary, err);
}
