/*
 * api_commit.h: group commit for the API's writes. A request hands its writes to the
 * committer as a function; concurrent requests share one transaction, each under a savepoint
 * of its own, and every request gets its answer once that transaction committed (CXG_OK: its
 * rows are durable at the configured durability) or failed. See docs/api.md, "Writes".
 */
#ifndef CXG_API_COMMIT_H
#define CXG_API_COMMIT_H

#include <stdint.h>

#include "api/api_int.h"

/*
 * A unit of work, run inside the group's open transaction on the committer's store handle:
 * CXG_OK keeps its writes, an error undoes them alone (the rest of the group is unaffected)
 * and is returned by api_commit_run with err filled in. It must not begin or commit a
 * transaction itself (savepoints are fine).
 */
typedef enum cxg_err (*api_commit_fn)(struct store *st, void *arg, struct cxg_error *err);

/*
 * Run fn(st, arg) in the next group transaction and return after it committed (CXG_OK) or
 * failed. *seq (may be NULL) receives a change-log seq at or after the one this work's
 * changes took, for waiting until the engine has applied them (?wait=scores). Backpressure,
 * before anything is queued: CXG_ERR_BUSY when the committer's queue is full ([server]
 * commit_queue) and CXG_ERR_LIMIT when the engine is more than [engine] max_lag changes
 * behind, both with r->retry_after set; answer them with api_commit_reply_error (503 / 429
 * with Retry-After). Without a running committer (a handler called outside a server) the
 * work runs in a transaction of its own on r's store handle.
 */
enum cxg_err api_commit_run(struct api_req *r, api_commit_fn fn, void *arg, int64_t *seq,
                            struct cxg_error *err) CXG_WUR;

/* The error reply for a failed api_commit_run: 429 / 503 with Retry-After for backpressure,
 * api_reply_cxg otherwise. */
void api_commit_reply_error(struct api_req *r, enum cxg_err rc, const struct cxg_error *err);

/*
 * The ?wait= argument of a write: -1 when absent, the milliseconds to wait for the scores
 * ([server] wait_scores_timeout_ms) for wait=scores, -2 for any other value (answer 400).
 */
long api_commit_wait_ms(struct api_req *r);

/*
 * Start the committer: its store handle on cfg->db_path at [store] durability (normal or
 * full) and its thread; read [server] commit_queue, commit_linger_us and
 * wait_scores_timeout_ms from cfg->ini. CXG_ERR_INVALID naming the key for a bad setting.
 */
enum cxg_err api_commit_start(const struct api_config *cfg, struct cxg_error *err) CXG_WUR;
/* Commit what is queued, stop the thread and close its handle (after the HTTP workers). */
void api_commit_stop(void);
/* 1 when [store] durability = full (request threads' handles follow it too). */
int api_commit_durability_full(void);
/* The committer's /metrics lines (queue depth, commits, group sizes, rejections). */
enum cxg_err api_commit_metrics(struct cxg_buf *b) CXG_WUR;

#endif
