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
 * Run fn(st, arg) in the next group transaction and return after it committed. *seq (may be
 * NULL) receives a change-log seq at or after the one this work's changes took, for waiting
 * until the engine has applied them (?wait=scores). CXG_ERR_BUSY / CXG_ERR_LIMIT when the
 * committer's queue is full (the caller answers 503 / 429 with Retry-After).
 */
enum cxg_err api_commit_run(struct api_req *r, api_commit_fn fn, void *arg, int64_t *seq,
                            struct cxg_error *err) CXG_WUR;

#endif
