/*
 * api_int.h: what the files of src/api/ share: the request being served, the route table,
 * the principal (who is asking), JSON replies and errors, and the server-wide state (config,
 * key, rate limits, metrics). Nothing outside src/api/ includes it.
 */
#ifndef CXG_API_INT_H
#define CXG_API_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "api/api.h"
#include "api/api_auth.h"
#include "app/app.h"
#include "core/buf.h"
#include "store/store.h"

enum api_group {
        API_G_PUBLIC,  /* no auth: /healthz, login, dashboard assets */
        API_G_SESSION, /* any signed-in user: logout */
        API_G_READ,    /* staff reads: entities, engine results, metrics */
        API_G_WRITE,   /* entity writes and ingest: admin */
        API_G_ADMIN,   /* users and audit: admin */
        API_G_PORTAL,  /* member portal: any signed-in user, gardens they belong to */
        API_G_INGEST,  /* event collection (/v1/ routes): admin's ingest or read-write token */
};

enum api_role { API_ROLE_NONE, API_ROLE_ADMIN, API_ROLE_ANALYST, API_ROLE_AM, API_ROLE_MEMBER };

struct api_principal {
        int64_t user_id;
        char name[128];
        enum api_role role;
        char person_id[128];
        int via_token; /* 1: bearer token, 0: session cookie */
        int64_t token_id;
        int read_only;   /* token with scope "read" */
        int ingest_only; /* token with scope "ingest": collection and ingest endpoints only */
        char csrf[80];   /* session's CSRF token */
        unsigned char session_hash[STORE_HASH_LEN];
};

struct api_req;
typedef void (*api_handler)(struct api_req *r);

struct api_route {
        const char *method;
        const char *pattern; /* "/api/v1/accounts/{id}" */
        api_handler fn;
        enum api_group group;
};

#define API_MAX_PARAMS 2

struct api_req {
        struct MHD_Connection *conn;
        const char *method;
        char path[1024];
        char client[64]; /* client address text */
        double t0;       /* start, seconds */
        struct cxg_buf body;
        int body_too_large;
        int body_nomem;     /* the body could not be stored: 503 */
        char fallback[320]; /* a reply built without allocating (see routes_ingest.c) */
        const struct api_route *route;
        int route_index; /* -1: no route */
        char params[API_MAX_PARAMS][256];
        int nparams;
        struct api_principal who;
        struct store *st;
        int gen_state; /* read caches: 0 generations not read, 1 read, -1 unreadable */
        int64_t gen_auth, gen_entities;
        /* the reply */
        unsigned status;
        size_t bytes;
        char *reply; /* body, cxg_malloc'ed, or NULL */
        size_t reply_len;
        const char *reply_type;           /* MIME type; NULL: JSON */
        const unsigned char *static_data; /* static body (assets) instead of reply */
        char cookie[256];                 /* Set-Cookie value, or "" */
        char location[512];               /* Location header, or "" */
        char etag[40];                    /* ETag header, or "" */
        char cache[64];                   /* Cache-Control, or "" (no-store for the API) */
        long retry_after;                 /* Retry-After seconds, 0: none */
        int www_auth;                     /* add WWW-Authenticate: Bearer */
};

/* Server-wide state (one per process: the server is a singleton). */
struct api_state {
        struct api_config cfg;
        unsigned char key[API_KEY_LEN];
        atomic_int pwhash_active;
        atomic_long inflight;
        atomic_long generation; /* bumped when rows are deleted: handles forget id caches */
        pthread_mutex_t stores_lock;
        struct store **stores;
        size_t nstores, capstores;
        char dummy_hash[API_PWHASH_LEN]; /* verified for unknown users: equal timing */
        atomic_long ingest_accepted[2], ingest_rejected[2]; /* interactions, feedback */
        atomic_long ingest_batches[2];
};

extern struct api_state api_g;

/* The route table (ends with a NULL method) and its length. */
extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* Match method and path: the route index, or -1 with *path_known = 1 (2 for a public path) when
 * only the method is wrong. Captured {params} go into r. */
int api_route_match(struct api_req *r, const char *method, const char *path, int *path_known);

/* Decide whether r->who may use route (in r); sets the error reply and returns 0 when not. */
int api_access_check(struct api_req *r);

/* Replies. All set r->status and r->reply. */
void api_reply_json(struct api_req *r, unsigned status, json_t *body); /* steals body */
void api_reply_error(struct api_req *r, unsigned status, const char *code, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Map a cxg_err from the store to a status and error reply (never shows SQL). */
void api_reply_cxg(struct api_req *r, enum cxg_err code, const struct cxg_error *err);
/* 200 with the JSON text built in b (its data is taken over; b is left empty). */
void api_reply_buf(struct api_req *r, struct cxg_buf *b);
/* 204 No Content. */
void api_reply_empty(struct api_req *r, unsigned status);

/* The request's store handle (one per worker thread); NULL with a 503 reply when unavailable. */
struct store *api_store(struct api_req *r);
/* Forget st's cached ids when rows were deleted since *generation (api_g.generation). */
void api_store_sync_ids(struct store *st, long *generation);

/* Query-string value (NULL when absent). */
const char *api_arg(struct api_req *r, const char *name);
/* Header value (NULL when absent). */
const char *api_header(struct api_req *r, const char *name);
/* Parse the JSON body (requires Content-Type application/json): NULL with a 400/415 reply. */
json_t *api_body_json(struct api_req *r);

/* Now in unix seconds. */
int64_t api_now(void);
/* Monotonic seconds. */
double api_mono(void);

/* Authentication: fill r->who from the Authorization header or session cookie. Returns 1
 * when authenticated, 0 when no credentials, -1 when credentials are bad (reply set). */
int api_authenticate(struct api_req *r);
/* The use-case context of r: its store handle, r->who as actor (and token), now. */
void api_app_ctx(struct api_req *r, struct app_ctx *c);
/* Append an audit record for a write by r->who (errors are returned); see app_audit. */
enum cxg_err api_audit(struct api_req *r, const char *action, const char *entity,
                       const char *entity_id, json_t *summary, struct cxg_error *err) CXG_WUR;
/* Role name of the principal. */
const char *api_role_name(enum api_role role);
enum api_role api_role_parse(const char *s);

/* Metrics: record one finished request. */
void api_metrics_record(int route_index, unsigned status, double seconds);
/*
 * Read-your-writes for a write committed on r's store handle: wait (bounded) until the
 * engine's applier has applied the change log up to the current head. full = 1 asks the
 * applier for a full reload first (after a person's erasure).
 */
void api_engine_sync(struct api_req *r, int full);
/* Wait up to ms milliseconds until the engine has applied seq: 1 when it has, 0 if not. */
int api_engine_wait(int64_t seq, long ms);
/* The committer committed writes requests, up to change-log seq: wake the applier. */
void api_engine_committed(int64_t seq, size_t writes);
/* Backpressure: Retry-After seconds when the engine is more than [engine] max_lag changes
 * (or write requests) behind, 0 when writes may go on. */
long api_engine_backlog_retry(void);

/* Cluster mode (api_engine.c): the node's state, NULL on a single node. */
struct app_cluster *api_cluster_get(void);
/* The age of the oldest committed change the engine has not applied (0: caught up). */
double api_engine_lag_s(void);
/*
 * api_cluster.c: the heartbeat thread of node c (a store handle of its own on db), beating
 * every tick_seconds while the applier finishes rounds (api_cluster_progress, after each)
 * within [cluster] stall_seconds; stop it before leaving.
 */
struct eng_engine;
enum cxg_err api_cluster_beat_start(struct app_cluster *c, struct eng_engine *e, const char *db,
                                    struct cxg_error *err);
void api_cluster_beat_stop(void);
void api_cluster_progress(void);
/* The server listens on port: a node without [cluster] url advertises http://127.0.0.1:port. */
void api_engine_listening(int port);
/* routes_cluster.c: GET /api/v1/cluster, the cluster's /metrics lines, and forwarding. */
void api_h_cluster(struct api_req *r);
enum cxg_err api_cluster_metrics(struct cxg_buf *b);
/*
 * In cluster mode, a request about one account whose shard another node owns and that reads
 * that account's raw interactions is sent to the owner and its reply passed through: 1 when
 * r was answered that way (or with 503 when the owner is unknown or down), 0 to serve it here.
 */
int api_cluster_forward(struct api_req *r);

/* Handlers (routes_session.c, routes_entities.c, routes_ingest.c). */
void api_h_healthz(struct api_req *r);
void api_h_metrics(struct api_req *r);
void api_h_asset(struct api_req *r);
void api_h_login(struct api_req *r);
void api_h_logout(struct api_req *r);
void api_h_me(struct api_req *r);
void api_h_portal_me(struct api_req *r);
void api_h_users_list(struct api_req *r);
void api_h_users_create(struct api_req *r);
void api_h_audit(struct api_req *r);
void api_h_list(struct api_req *r);
void api_h_get(struct api_req *r);
void api_h_create(struct api_req *r);
void api_h_put(struct api_req *r);
void api_h_patch(struct api_req *r);
void api_h_delete(struct api_req *r);
void api_h_interactions(struct api_req *r);
void api_h_feedback(struct api_req *r);
/* routes_engine.c: reads over the analytics engine. */
void api_h_account_scores(struct api_req *r);
void api_h_person_engagement(struct api_req *r);
void api_h_segments(struct api_req *r);
void api_h_cohorts(struct api_req *r);
/* routes_privacy.c: export and erasure of a person (admin). */
void api_h_person_export(struct api_req *r);
void api_h_person_erase(struct api_req *r);
/* 1 when r is DELETE /api/v1/people/{id}?erase=true. */
int api_person_erase_requested(struct api_req *r);

/* Event collection in the Segment convention (routes_collect.c, docs/collect.md). */
void api_h_collect_track(struct api_req *r);
void api_h_collect_identify(struct api_req *r);
void api_h_collect_group(struct api_req *r);
void api_h_collect_page(struct api_req *r);
void api_h_collect_screen(struct api_req *r);
void api_h_collect_alias(struct api_req *r);
void api_h_collect_batch(struct api_req *r);

/* Dashboard reads (routes_overview.c) and voice of the customer and fit (routes_voc.c). */
void api_h_overview(struct api_req *r);
void api_h_scores(struct api_req *r);
void api_h_account_timeline(struct api_req *r);
void api_h_voc(struct api_req *r);
void api_h_voc_themes(struct api_req *r);
void api_h_account_fit(struct api_req *r);
void api_h_fit_summary(struct api_req *r);

struct eng_engine;
/* The loaded engine (callers take its read lock), or NULL when it is not loaded. */
struct eng_engine *api_engine_get(void);

/* The engine (api_engine.c): load at start, release at stop. */
enum cxg_err api_engine_start(const struct api_config *cfg, struct cxg_error *err) CXG_WUR;
void api_engine_stop(void);

#endif
