/*
 * api_server.c: the libmicrohttpd daemon: configuration, request bodies with a cap, one store
 * handle per worker thread, dispatch through the router, the reply with its security
 * headers, one log line per request, and a graceful stop.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <sodium.h>

#include "api/api_commit.h"
#include "api/api_int.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/log.h"
#include "core/timeconst.h"
#include "store/store_query.h"

struct api_state api_g;

struct api_server {
        struct MHD_Daemon *d;
        int port;
        char *tls_cert, *tls_key; /* PEM text while the daemon runs (key wiped at stop) */
        size_t tls_key_len;
};

static _Thread_local struct store *tl_store;
static _Thread_local long tl_generation;

void api_config_defaults(struct api_config *c)
{
        memset(c, 0, sizeof(*c));
        snprintf(c->db_path, sizeof(c->db_path), "cxgarden.db");
        snprintf(c->bind, sizeof(c->bind), "127.0.0.1");
        c->port = 8080;
        c->threads = 2;
        c->max_body = 8u << 20;
        c->conn_memory = 16u << 10; /* MHD zeroes it per request: keep it small */
        c->max_conns = 4096;
        c->max_conns_ip = 2048;
        c->timeout_s = 30;
        c->max_pwhash = 2;
        c->session_ttl = 8 * CXG_HOUR;
        c->login_max_failures = 5;
        c->login_window = CXG_MINUTE;
        c->access_log = 1;
        c->shutdown_grace_s = 10;
}

/* on/off as well as the booleans of cxg_parse_bool (yes/no, true/false, 1/0). */
static int parse_switch(const char *v, int *out)
{
        if (strcasecmp(v, "on") == 0 || strcasecmp(v, "off") == 0) {
                *out = strcasecmp(v, "on") == 0;
                return 0;
        }
        return cxg_parse_bool(v, strlen(v), out, NULL) != CXG_OK;
}

enum cxg_err api_config_apply(struct api_config *c, const struct cxg_config *ini,
                              struct cxg_error *err)
{
        const char *v;
        long x;
        enum cxg_err rc;

        if ((v = cxg_config_get(ini, "server.bind")))
                snprintf(c->bind, sizeof(c->bind), "%s", v);
#define LONGKEY(key, def, lo, hi, dst)                                                             \
        do {                                                                                       \
                if ((rc = cxg_config_long(ini, key, (long)(def), lo, hi, &x, err)))                \
                        return rc;                                                                 \
                dst = x;                                                                           \
        } while (0)
        LONGKEY("server.port", c->port, 0, 65535, c->port);
        LONGKEY("server.threads", c->threads, 1, 256, c->threads);
        LONGKEY("server.max_body", c->max_body, 1024, 1L << 30, c->max_body);
        LONGKEY("server.max_header_bytes", c->conn_memory, 4096, 1L << 24, c->conn_memory);
        LONGKEY("server.max_connections", c->max_conns, 1, 1000000, c->max_conns);
        LONGKEY("server.max_connections_per_ip", c->max_conns_ip, 0, 1000000, c->max_conns_ip);
        LONGKEY("server.timeout", c->timeout_s, 1, CXG_HOUR, c->timeout_s);
        LONGKEY("server.shutdown_grace", c->shutdown_grace_s, 0, CXG_HOUR, c->shutdown_grace_s);
        LONGKEY("auth.max_concurrent_hashes", c->max_pwhash, 1, 64, c->max_pwhash);
        LONGKEY("auth.session_ttl", c->session_ttl, CXG_MINUTE, 90L * CXG_DAY, c->session_ttl);
        LONGKEY("auth.login_max_failures", c->login_max_failures, 1, 1000, c->login_max_failures);
        LONGKEY("auth.login_window", c->login_window, 1, CXG_DAY, c->login_window);
#undef LONGKEY
        if ((v = cxg_config_get(ini, "server.access_log"))) {
                int b;

                if (parse_switch(v, &b))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "server.access_log",
                                              "%s: server.access_log: expected on/off", ini->path);
                c->access_log = b;
        }
        if ((v = cxg_config_get(ini, "server.tls_cert")))
                snprintf(c->tls_cert, sizeof(c->tls_cert), "%s", v);
        if ((v = cxg_config_get(ini, "server.tls_key")))
                snprintf(c->tls_key, sizeof(c->tls_key), "%s", v);
        if ((v = cxg_config_get(ini, "server.data_dir")) &&
            (size_t)snprintf(c->data_dir, sizeof(c->data_dir), "%s", v) >= sizeof(c->data_dir))
                return cxg_error_setf(err, CXG_ERR_INVALID, "server.data_dir",
                                      "%s: server.data_dir: path too long", ini->path);
        if ((v = cxg_config_get(ini, "auth.cookie_secure"))) {
                int b;

                if (parse_switch(v, &b))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "auth.cookie_secure",
                                              "%s: auth.cookie_secure: expected true/false",
                                              ini->path);
                c->cookie_secure = b;
        }
        if ((v = cxg_config_get(ini, "auth.pwhash"))) {
                if (strcmp(v, "interactive") == 0)
                        c->pwhash_fast = 0;
                else if (strcmp(v, "fast-insecure-for-tests") == 0)
                        c->pwhash_fast = 1;
                else
                        return cxg_error_setf(err, CXG_ERR_INVALID, "auth.pwhash",
                                              "%s: auth.pwhash: expected interactive or "
                                              "fast-insecure-for-tests",
                                              ini->path);
        }
        return CXG_OK;
}

int64_t api_now(void)
{
        return (int64_t)time(NULL);
}

double api_mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void api_store_sync_ids(struct store *st, long *generation)
{
        long gen = atomic_load(&api_g.generation);

        if (gen != *generation) {
                store_query_forget_ids(st);
                *generation = gen;
        }
}

struct store *api_store(struct api_req *r)
{
        struct cxg_error err = {0};
        long gen = atomic_load(&api_g.generation);

        if (tl_store) {
                api_store_sync_ids(tl_store, &tl_generation);
                return r->st = tl_store;
        }
        if (store_open(api_g.cfg.db_path, 0, &tl_store, &err) ||
            store_set_durability(tl_store, api_commit_durability_full(), &err)) {
                store_close(tl_store);
                cxg_log(CXG_LOG_ERROR, "serve: cannot open store: %s", err.msg);
                tl_store = NULL;
                api_reply_error(r, 503, "unavailable", NULL, "the database is not available");
                return NULL;
        }
        pthread_mutex_lock(&api_g.stores_lock);
        /* one per thread that served a request: bounded by the threads, no cap of its own */
        if (CXG_GROW(api_g.stores, api_g.nstores + 1, api_g.capstores, CXG_GROW_NOCAP)) {
                pthread_mutex_unlock(&api_g.stores_lock);
                store_close(tl_store);
                tl_store = NULL;
                api_reply_error(r, 503, "unavailable", NULL, "out of memory");
                return NULL;
        }
        api_g.stores[api_g.nstores++] = tl_store;
        pthread_mutex_unlock(&api_g.stores_lock);
        tl_generation = gen;
        return r->st = tl_store;
}

const char *api_arg(struct api_req *r, const char *name)
{
        return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *api_header(struct api_req *r, const char *name)
{
        return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* 1 when the Content-Type header names mime (parameters such as charset ignored). */
static int content_type_is(struct api_req *r, const char *mime)
{
        const char *ct = api_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
        size_t n = strlen(mime);

        if (!ct)
                return 0;
        while (*ct == ' ')
                ct++;
        return strncasecmp(ct, mime, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *api_body_json(struct api_req *r)
{
        json_error_t je;
        json_t *j;
        unsigned long failed;

        if (!content_type_is(r, "application/json")) {
                api_reply_error(r, 415, "unsupported_media_type", NULL,
                                "request body must be application/json");
                return NULL;
        }
        if (r->body.len == 0) {
                api_reply_error(r, 400, "bad_request", NULL, "request body is empty");
                return NULL;
        }
        failed = cxg_alloc_failures();
        j = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!j && cxg_alloc_failures() != failed) {
                /* jansson ran out of memory (and may call that a syntax error): not the client's
                 * fault */
                api_reply_error(r, 503, "unavailable", NULL, "out of memory; retry later");
                return NULL;
        }
        if (!j) {
                api_reply_error(r, 400, "bad_request", NULL,
                                "request body is not valid JSON: line %d, column %d: %s", je.line,
                                je.column, je.text);
                return NULL;
        }
        return j;
}

/* Exposed for routes_ingest.c: 1 when the body is declared JSON (application/json). */
int api_body_is_json(struct api_req *r);
int api_body_is_json(struct api_req *r)
{
        return content_type_is(r, "application/json");
}

/* Exposed for routes_ingest.c: 1 when the body is JSON lines. */
int api_body_is_ndjson(struct api_req *r);
int api_body_is_ndjson(struct api_req *r)
{
        return content_type_is(r, "application/x-ndjson") ||
               content_type_is(r, "application/jsonl");
}

void api_reply_json(struct api_req *r, unsigned status, json_t *body)
{
        char *s = NULL;

        cxg_free(r->reply);
        r->reply = NULL;
        r->reply_type = NULL;
        if (body) {
                s = json_dumps(body, JSON_COMPACT);
                json_decref(body);
        }
        if (body && !s) {
                r->status = 500;
                static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
                                          "memory\",\"field\":null}}";
                r->reply = cxg_strdup(oom);
                r->reply_len = r->reply ? strlen(r->reply) : 0;
                return;
        }
        r->status = status;
        if (s) {
                /* jansson allocates through cxg_malloc (json_set_alloc_funcs in main): keep it */
                r->reply = s;
                r->reply_len = strlen(s);
        }
}

void api_reply_error(struct api_req *r, unsigned status, const char *code, const char *field,
                     const char *fmt, ...)
{
        char msg[600];
        va_list ap;
        json_t *e;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        e = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", code, "message", msg, "field",
                      field && *field ? json_string(field) : json_null());
        api_reply_json(r, status, e);
        if (!e)
                r->status = status;
}

void api_reply_cxg(struct api_req *r, enum cxg_err code, const struct cxg_error *err)
{
        const char *msg = err && err->msg[0] ? err->msg : cxg_strerror(code);
        const char *field = err && err->field[0] ? err->field : NULL;

        switch (code) {
        case CXG_OK:
                return;
        case CXG_ERR_PARSE:
        case CXG_ERR_USAGE:
                api_reply_error(r, 400, "bad_request", field, "%s", msg);
                break;
        case CXG_ERR_INVALID:
                api_reply_error(r, 422, "invalid", field, "%s", msg);
                break;
        case CXG_ERR_NOTFOUND:
                api_reply_error(r, 404, "not_found", field, "%s", msg);
                break;
        case CXG_ERR_CONFLICT:
                api_reply_error(r, 409, "conflict", field, "%s", msg);
                break;
        case CXG_ERR_BUSY:
                r->retry_after = 1;
                api_reply_error(r, 503, "busy", NULL,
                                "the database is busy with another writer; retry shortly");
                break;
        case CXG_ERR_LIMIT:
                api_reply_error(r, 413, "too_large", field, "%s", msg);
                break;
        case CXG_ERR_AUTH:
                api_reply_error(r, 401, "unauthorized", NULL, "%s", msg);
                break;
        case CXG_ERR_FORBIDDEN:
                api_reply_error(r, 403, "forbidden", NULL, "%s", msg);
                break;
        case CXG_ERR_UNAVAILABLE:
                r->retry_after = 1;
                api_reply_error(r, 503, "unavailable", NULL, "%s", cxg_strerror(code));
                break;
        case CXG_ERR_READONLY:
        case CXG_ERR_FULL:
                api_reply_error(r, 503, "unavailable", NULL, "%s", cxg_strerror(code));
                break;
        default:
                /* store and internal errors: log the detail, show nothing of it */
                cxg_log(CXG_LOG_ERROR, "serve: %s %s: %s", r->method, r->path, msg);
                api_reply_error(r, 500, "internal", NULL, "internal error; see the server log");
                break;
        }
}

void api_reply_empty(struct api_req *r, unsigned status)
{
        cxg_free(r->reply);
        r->reply = NULL;
        r->reply_len = 0;
        r->status = status;
}

static void add_headers(struct api_req *r, struct MHD_Response *resp)
{
        MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'self'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        if (api_g.cfg.tls_cert[0])
                MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
        if (r->reply || r->static_data || r->status != 204)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        r->reply_type ? r->reply_type : "application/json");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                r->cache[0] ? r->cache : "no-store");
        if (r->cookie[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
        if (r->location[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
        if (r->etag[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
        if (r->retry_after > 0) {
                char ra[32];

                snprintf(ra, sizeof(ra), "%ld", r->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        }
        if (r->www_auth)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Bearer realm=\"cxgarden\"");
}

/*
 * Out of memory before a request could even be set up: answer 503 from static memory (MHD
 * allocates the response itself), never drop the connection without an answer.
 */
static enum MHD_Result send_nomem(struct MHD_Connection *conn)
{
        static const char body[] = "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of "
                                   "memory; retry later\",\"field\":null}}";
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp =
            MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        MHD_add_response_header(resp, "Retry-After", "1");
        ret = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result send_reply(struct api_req *r)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        if (r->static_data)
                resp = MHD_create_response_from_buffer(r->reply_len, (void *)r->static_data,
                                                       MHD_RESPMEM_PERSISTENT);
        else if (r->reply) {
                /* hand our buffer over: no copy; MHD frees it with cxg_free */
                resp = MHD_create_response_from_buffer_with_free_callback(r->reply_len, r->reply,
                                                                          cxg_free);
                if (resp)
                        r->reply = NULL;
        } else
                resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        r->bytes = r->reply_len;
        add_headers(r, resp);
        ret = MHD_queue_response(r->conn, r->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

/* Reject a credential passed in the URL: query parameters that look like one. */
static enum MHD_Result iter_token_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
        int *found = cls;

        (void)kind;
        if (strcasecmp(key, "access_token") == 0 || strcasecmp(key, "token") == 0 ||
            strcasecmp(key, "api_key") == 0 || strcasecmp(key, "session") == 0 ||
            strncmp(key, API_TOKEN_PREFIX, 4) == 0 ||
            (value && strncmp(value, API_TOKEN_PREFIX, 4) == 0)) {
                *found = 1;
                return MHD_NO;
        }
        return MHD_YES;
}

static void dispatch(struct api_req *r)
{
        int known = 0, found = 0, auth;

        r->route_index = api_route_match(r, r->method, r->path, &known);
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, iter_token_arg, &found);
        if (found) {
                api_reply_error(r, 400, "bad_request", NULL,
                                "credentials are accepted only in the Authorization header, "
                                "never in the URL");
                return;
        }
        if (r->route_index < 0 && !known) {
                api_reply_error(r, 404, "not_found", NULL, "no such endpoint: %s", r->path);
                return;
        }
        r->route = r->route_index >= 0 ? &api_routes[r->route_index] : NULL;
        if (r->route && r->route->group == API_G_PUBLIC) {
                if (r->body_too_large) {
                        api_reply_error(r, 413, "too_large", NULL,
                                        "request body is larger than %zu bytes",
                                        api_g.cfg.max_body);
                        return;
                }
                r->route->fn(r);
                return;
        }
        if (!r->route && known == 2) {
                api_reply_error(r, 405, "method_not_allowed", NULL,
                                "method %s is not allowed on %s", r->method, r->path);
                return;
        }
        auth = api_authenticate(r);
        if (auth < 0)
                return;
        if (auth == 0) {
                r->www_auth = 1;
                api_reply_error(r, 401, "unauthorized", NULL,
                                "authentication required: a bearer token or a session");
                return;
        }
        if (!r->route) {
                /* known path, wrong method: members must not learn that it exists */
                if (r->who.role == API_ROLE_MEMBER && strncmp(r->path, "/api/v1/portal/", 15))
                        api_reply_error(r, 404, "not_found", NULL, "no such endpoint: %s", r->path);
                else
                        api_reply_error(r, 405, "method_not_allowed", NULL,
                                        "method %s is not allowed on %s", r->method, r->path);
                return;
        }
        if (!api_access_check(r))
                return;
        if (r->body_too_large) {
                api_reply_error(r, 413, "too_large", NULL, "request body is larger than %zu bytes",
                                api_g.cfg.max_body);
                return;
        }
        if (api_cluster_forward(r))
                return; /* answered by the node holding the account's interactions */
        r->route->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **ptr)
{
        struct api_req *r = *ptr;

        (void)cls;
        (void)version;
        if (!r) {
                const union MHD_ConnectionInfo *ci;
                const char *cl;

                r = cxg_calloc(1, sizeof(*r));
                if (!r)
                        return send_nomem(conn);
                *ptr = r;
                atomic_fetch_add(&api_g.inflight, 1);
                r->t0 = api_mono();
                r->conn = conn;
                r->method = method;
                r->route_index = -1;
                snprintf(r->path, sizeof(r->path), "%s", url);
                cxg_buf_init(&r->body, api_g.cfg.max_body);
                ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
                if (ci && ci->client_addr) {
                        const struct sockaddr *sa = ci->client_addr;

                        if (sa->sa_family == AF_INET)
                                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                                          r->client, sizeof(r->client));
                        else if (sa->sa_family == AF_INET6)
                                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                                          r->client, sizeof(r->client));
                }
                cl = api_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
                if (cl && strtoull(cl, NULL, 10) > api_g.cfg.max_body) {
                        /* answer before reading the body; MHD then closes the connection */
                        r->body_too_large = 1;
                        api_reply_error(r, 413, "too_large", NULL,
                                        "request body is larger than %zu bytes",
                                        api_g.cfg.max_body);
                        return send_reply(r);
                }
                return MHD_YES;
        }
        if (*upload_data_size) {
                enum cxg_err brc = CXG_OK;

                if (!r->body_too_large && !r->body_nomem &&
                    (brc = cxg_buf_append(&r->body, upload_data, *upload_data_size)) != CXG_OK) {
                        /* over the cap is the client's doing; out of memory is ours */
                        if (brc == CXG_ERR_NOMEM)
                                r->body_nomem = 1;
                        else
                                r->body_too_large = 1;
                }
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (r->status)
                return MHD_YES; /* already answered */
        if (r->body_nomem)
                api_reply_error(r, 503, "unavailable", NULL, "out of memory; retry later");
        else
                dispatch(r);
        if (!r->status)
                api_reply_error(r, 500, "internal", NULL, "internal error; see the server log");
        return send_reply(r);
}

/* Copy s into out with control characters and quotes replaced, so a log line stays one line. */
static const char *log_safe(const char *s, char *out, size_t cap)
{
        size_t i = 0;

        for (; *s && i + 1 < cap; s++)
                out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"') ? '?' : *s;
        out[i] = '\0';
        return out;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ptr,
                         enum MHD_RequestTerminationCode toe)
{
        struct api_req *r = *ptr;
        char path[sizeof(r->path)], method[32];
        double dt;

        (void)cls;
        (void)conn;
        if (!r)
                return;
        dt = api_mono() - r->t0;
        if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED && !r->status)
                r->status = 408;
        api_metrics_record(r->route_index, r->status ? r->status : 499, dt);
        if (api_g.cfg.access_log)
                cxg_log(CXG_LOG_INFO,
                        "request method=%s path=%s status=%u bytes=%zu ms=%.2f user=%s ip=%s%s",
                        log_safe(r->method, method, sizeof(method)),
                        log_safe(r->path, path, sizeof(path)), r->status ? r->status : 499,
                        r->bytes, dt * 1000.0, r->who.name[0] ? r->who.name : "-",
                        r->client[0] ? r->client : "-",
                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
        cxg_buf_release(&r->body);
        cxg_free(r->reply);
        cxg_free(r);
        *ptr = NULL;
        atomic_fetch_sub(&api_g.inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];
        size_t n;

        (void)cls;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = '\0';
        cxg_log(CXG_LOG_WARN, "http: %s", msg);
}

/* The whole file at path as a NUL-terminated string in *out (cxg_malloc'ed), at most 1 MiB. */
static enum cxg_err read_pem(const char *path, const char *what, char **out, size_t *len,
                             struct cxg_error *err)
{
        FILE *f = fopen(path, "rb");
        char *b = NULL;
        size_t n = 0;

        *out = NULL;
        if (!f)
                return cxg_error_set(err, CXG_ERR_IO, "cannot read the TLS %s %s: %s", what, path,
                                     strerror(errno));
        b = cxg_malloc((1u << 20) + 1);
        if (!b) {
                fclose(f);
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        n = fread(b, 1, 1u << 20, f);
        if (ferror(f) || !feof(f) || n == 0) {
                fclose(f);
                sodium_memzero(b, (1u << 20) + 1);
                cxg_free(b);
                return cxg_error_set(err, CXG_ERR_INVALID, "the TLS %s %s is %s", what, path,
                                     n == 0 ? "empty" : "unreadable or larger than 1 MiB");
        }
        fclose(f);
        b[n] = '\0';
        *out = b;
        if (len)
                *len = n;
        return CXG_OK;
}

static void free_tls(struct api_server *srv)
{
        if (srv->tls_key) {
                sodium_memzero(srv->tls_key, srv->tls_key_len);
                cxg_free(srv->tls_key);
        }
        cxg_free(srv->tls_cert);
        srv->tls_key = srv->tls_cert = NULL;
}

/* The socket address of cfg->bind (an IPv4 or IPv6 literal) and cfg->port in *ss. */
static enum cxg_err bind_address(const struct api_config *cfg, struct sockaddr_storage *ss,
                                 struct cxg_error *err)
{
        memset(ss, 0, sizeof(*ss));
        if (inet_pton(AF_INET, cfg->bind, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
                struct sockaddr_in *sin = (struct sockaddr_in *)ss;

                sin->sin_family = AF_INET;
                sin->sin_port = htons((uint16_t)cfg->port);
                return CXG_OK;
        }
        if (inet_pton(AF_INET6, cfg->bind, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons((uint16_t)cfg->port);
                return CXG_OK;
        }
        return cxg_error_setf(err, CXG_ERR_INVALID, "bind",
                              "bind address \"%s\" is not an IPv4 or IPv6 address", cfg->bind);
}

/* Start libmicrohttpd on ss with cfg's limits (and srv's TLS certificate and key, if any). */
static struct MHD_Daemon *start_daemon(const struct api_config *cfg, struct sockaddr_storage *ss,
                                       struct api_server *srv)
{
        struct MHD_OptionItem pool[4];
        size_t no = 0;
        unsigned flags;

        /* a pool of epoll workers; one worker polls instead (libmicrohttpd 0.9.75's single
         * epoll thread serves only a few hundred requests a second with many connections) */
        flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
        flags |= cfg->threads > 1 ? MHD_USE_EPOLL | MHD_USE_TURBO : MHD_USE_POLL;
        if (ss->ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        /* the pool size is given only for a pool (MHD warns about a size of 1) */
        if (cfg->threads > 1)
                pool[no++] =
                    (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL};
        if (srv->tls_cert) {
                flags |= MHD_USE_TLS;
                pool[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
                pool[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
        }
        pool[no] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        return MHD_start_daemon(
            flags, (uint16_t)cfg->port, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss, MHD_OPTION_ARRAY, pool,
            MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            cfg->max_conns_ip, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->conn_memory, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
}

enum cxg_err api_server_start(const struct api_config *cfg, struct api_server **out,
                              struct cxg_error *err)
{
        struct api_server *srv = NULL;
        struct sockaddr_storage ss;
        struct store *st = NULL;
        enum cxg_err rc;
        const union MHD_DaemonInfo *di;

        *out = NULL;
        /* seed jansson's hash function before any worker thread creates objects */
        json_object_seed(0);
        memset(&api_g, 0, sizeof(api_g));
        api_g.cfg = *cfg;
        /* over TLS the session cookie never travels in clear: Secure, whatever the config */
        if (cfg->tls_cert[0])
                api_g.cfg.cookie_secure = 1;
        pthread_mutex_init(&api_g.stores_lock, NULL);
        if ((rc = bind_address(cfg, &ss, err)))
                return rc;
        if ((rc = api_key_load(cfg->db_path, cfg->data_dir, api_g.key, err)))
                return rc;
        /* open (and migrate) the database once up front so errors show before listening */
        if ((rc = store_open(cfg->db_path, 0, &st, err)))
                return rc;
        store_close(st);
        if ((rc = api_password_hash("not-a-password", cfg->pwhash_fast, api_g.dummy_hash, err)))
                return rc;
        if ((rc = api_engine_start(cfg, err)))
                return rc;
        srv = cxg_calloc(1, sizeof(*srv));
        if (!srv) {
                api_engine_stop();
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
                cxg_free(srv);
                api_engine_stop();
                return cxg_error_setf(err, CXG_ERR_USAGE, cfg->tls_cert[0] ? "tls_key" : "tls_cert",
                                      "TLS needs both a certificate and a key (--tls-cert and "
                                      "--tls-key)");
        }
        if (cfg->tls_cert[0] &&
            ((rc = read_pem(cfg->tls_cert, "certificate", &srv->tls_cert, NULL, err)) ||
             (rc = read_pem(cfg->tls_key, "key", &srv->tls_key, &srv->tls_key_len, err)))) {
                free_tls(srv);
                cxg_free(srv);
                api_engine_stop();
                return rc;
        }
        srv->d = start_daemon(cfg, &ss, srv);
        if (!srv->d) {
                free_tls(srv);
                cxg_free(srv);
                api_engine_stop();
                if (cfg->tls_cert[0])
                        return cxg_error_set(err, CXG_ERR_IO,
                                             "cannot listen on %s:%d with TLS (in use, or the "
                                             "certificate %s and key %s do not match or are not "
                                             "PEM)",
                                             cfg->bind, cfg->port, cfg->tls_cert, cfg->tls_key);
                return cxg_error_set(err, CXG_ERR_IO, "cannot listen on %s:%d (in use?)", cfg->bind,
                                     cfg->port);
        }
        di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
        srv->port = di ? di->port : cfg->port;
        api_engine_listening(srv->port);
        *out = srv;
        return CXG_OK;
}

int api_server_port(const struct api_server *srv)
{
        return srv->port;
}

void api_server_stop(struct api_server *srv)
{
        double deadline;
        MHD_socket ls;

        if (!srv)
                return;
        ls = MHD_quiesce_daemon(srv->d);
        if (ls != MHD_INVALID_SOCKET)
                close(ls);
        deadline = api_mono() + (double)api_g.cfg.shutdown_grace_s;
        while (atomic_load(&api_g.inflight) > 0 && api_mono() < deadline)
                usleep(10000);
        if (atomic_load(&api_g.inflight) > 0)
                cxg_log(CXG_LOG_WARN, "serve: %ld requests still running after %lds; stopping",
                        atomic_load(&api_g.inflight), api_g.cfg.shutdown_grace_s);
        MHD_stop_daemon(srv->d);
        api_engine_stop();
        pthread_mutex_lock(&api_g.stores_lock);
        for (size_t i = 0; i < api_g.nstores; i++)
                store_close(api_g.stores[i]);
        cxg_free(api_g.stores);
        api_g.stores = NULL;
        api_g.nstores = api_g.capstores = 0;
        pthread_mutex_unlock(&api_g.stores_lock);
        sodium_memzero(api_g.key, sizeof(api_g.key));
        free_tls(srv);
        cxg_free(srv);
}
