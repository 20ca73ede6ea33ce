/*
 * collect.h: event collection in the Segment convention (docs/collect.md). A request body is
 * parsed and every message mapped (src/ingest/segment.h) before any write; then
 * app_collect_write, run inside a transaction its caller opened (api_commit_run's group
 * transaction), writes people, accounts, memberships and interactions, records each stored
 * messageId per write key, and files every event it cannot store in ingest_rejects.
 */
#ifndef CXG_APP_COLLECT_H
#define CXG_APP_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "ingest/segment.h"

#define COLLECT_PLACEHOLDER_DEFAULT "unassigned"

/* The [collect] section of the config. */
struct collect_cfg {
        int create_unknown;    /* unknown = create (1, default) or reject (0) */
        int channel;           /* channel = web: track calls whose context names none */
        char placeholder[128]; /* placeholder_account = unassigned */
};

/* Read [collect] from ini (NULL: defaults). CXG_ERR_INVALID naming file:line for a bad value. */
enum cxg_err app_collect_config(const struct cxg_config *ini, struct collect_cfg *out,
                                struct cxg_error *err) CXG_WUR;

/* One event that was not stored, with its position in the request (0 for a single call). */
struct collect_reject {
        size_t index;
        const char *message_id; /* borrowed from the request, or NULL */
        char kind[16];          /* "track", ... or "" when the type was unreadable */
        char field[64];
        char reason[512];
        const char *payload; /* the event as JSON text (arena), or NULL */
};

/* One collection request: its input, working memory and outcome. */
struct collect_req {
        const struct collect_cfg *cfg;
        int kind; /* enum seg_kind of a single-call endpoint, -1 for /v1/batch */
        int64_t token_id;
        int64_t received_at;
        const char *actor; /* audit actor (the token's user) */
        /* parsed and mapped by app_collect_parse */
        struct cxg_jparser *parser;
        struct cxg_arena arena;
        struct cxg_buf scratch;
        struct cxg_jval *vals;
        struct seg_msg *msgs;
        unsigned char *bad; /* 1: rejected when mapped */
        size_t n, cap_msgs;
        size_t nmaprej; /* rejects[0..nmaprej) come from the mapping */
        /* outcome of app_collect_write (reset by each run) */
        size_t accepted, duplicates;
        struct collect_reject *rejects;
        size_t nrejects, cap_rej;
        struct store_interaction *rows;
        size_t *row_msg;
        size_t nrows, cap_rows, cap_row_msg;
};

/* Set up r for one request (nothing allocated yet). */
void app_collect_init(struct collect_req *r, const struct collect_cfg *cfg, int kind,
                      int64_t token_id, const char *actor, int64_t now);
/* Free what r holds. */
void app_collect_release(struct collect_req *r);

/*
 * Parse body (len bytes) and map every message. CXG_ERR_LIMIT when the body is larger than
 * Segment's limits (32 KB for one call, 500 KB for a batch), CXG_ERR_PARSE when it is not JSON
 * or not the expected shape: both mean "400, nothing stored". An invalid message is not an
 * error: it becomes a reject.
 */
enum cxg_err app_collect_parse(struct collect_req *r, const char *body, size_t len,
                               struct cxg_error *err) CXG_WUR;

/*
 * Write r's messages (arg: struct collect_req *) with st inside the caller's open transaction
 * (api_commit_fn). Re-runnable: each run starts its outcome afresh. An error undoes all of
 * the run's writes; an event that cannot be stored is a reject, not an error.
 */
enum cxg_err app_collect_write(struct store *st, void *arg, struct cxg_error *err) CXG_WUR;

#endif
