/*
 * store_scores.h: score history persistence (table score_history): one row per account, as-of
 * date and scorecard, written by every `cxgarden score` run, read for trends and audits.
 * Additive to store.h; same threading rule (one handle per thread).
 */
#ifndef CXG_STORE_SCORES_H
#define CXG_STORE_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct store_score_row {
        int64_t account_id;                    /* internal id */
        int64_t at;                            /* as-of time of the scores (unix seconds) */
        int64_t computed_at;                   /* when they were computed */
        const char *scorecard;                 /* name, required */
        double health, robustness, engagement; /* NAN stored as NULL */
        const char *band;                      /* "poor", "average", "good", "unknown" */
        const char *components;                /* JSON object text, or NULL */
};

/*
 * Write n rows, replacing rows with the same (account, at, scorecard). Runs in its own
 * transaction unless one is open (then it joins it). All or nothing.
 */
enum cxg_err store_scores_put(struct store *s, const struct store_score_row *rows, size_t n,
                              struct cxg_error *err) CXG_WUR;

typedef enum cxg_err (*store_score_cb)(void *ctx, const struct store_score_row *row);

/* Every row of one account (internal id), oldest first; strings valid during the call. */
enum cxg_err store_scores_history(struct store *s, int64_t account_id, store_score_cb cb, void *ctx,
                                  struct cxg_error *err) CXG_WUR;

/*
 * For each account, its latest row with at in [from, to] (any scorecard), in account order:
 * what the trend of a recompute compares with.
 */
enum cxg_err store_scores_latest_between(struct store *s, int64_t from, int64_t to,
                                         store_score_cb cb, void *ctx,
                                         struct cxg_error *err) CXG_WUR;

/* Number of rows in the history (all accounts). */
enum cxg_err store_scores_count(struct store *s, int64_t *out, struct cxg_error *err) CXG_WUR;

#endif
