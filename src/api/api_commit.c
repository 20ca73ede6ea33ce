/*
 * api_commit.c: PROVISIONAL (issue 14 in progress): api_commit_run runs the work in a
 * transaction of its own on the request thread's store handle; the group committer
 * replaces it.
 */
#include "api/api_commit.h"

#include "core/banned.h"
#include "store/store_changes.h"

enum cxg_err api_commit_run(struct api_req *r, api_commit_fn fn, void *arg, int64_t *seq,
                            struct cxg_error *err)
{
        struct store *st = api_store(r);
        enum cxg_err rc;

        if (!st)
                return cxg_error_set(err, CXG_ERR_STORE, "the database cannot be opened");
        if ((rc = store_begin(st, err)))
                return rc;
        if ((rc = fn(st, arg, err)) || (rc = store_commit(st, err))) {
                store_rollback(st);
                return rc;
        }
        return seq ? store_changes_head(st, seq, err) : CXG_OK;
}
