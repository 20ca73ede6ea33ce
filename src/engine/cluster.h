/*
 * cluster.h: the engine's side of scale-out (docs/architecture.md, "Scale-out"). A node
 * holds every account's and person's own row (small) but the interactions of its shards only
 * (the bulk: ENG_BYTES_PER_INTERACTION each). Scores need two cross-account inputs, the
 * segment and type expectations, so a full computation has two phases:
 *   1. each node computes its shards' baseline partial sums (struct eng_partials), which the
 *      caller publishes (store_partial_put);
 *   2. every node merges every shard's partials (exact: sums and counts, in double, merged by
 *      segment and type name and absolute month) and scores its own accounts against them.
 * The single-node engine computes its baselines through the same partial sums, so both give
 * the same scores by construction. Each owner then publishes its accounts' state (scores,
 * monthly counters, its people's figures: eng_state_encode) and every node applies the other
 * shards' states (struct eng_foreign), so aggregates, detectors and views read the whole
 * account space on any node. Reads, never writes: app/cluster.c moves blobs to and from the
 * store.
 */
#ifndef CXG_ENG_CLUSTER_H
#define CXG_ENG_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "model/shard.h"
#include "engine/score.h"
#include "engine/snapshot.h"

/* ---- phase 1: baseline partial sums ---- */

struct eng_partials;

/* An empty set of partials (merge others into it). NULL when out of memory. */
struct eng_partials *eng_partials_new(void);
void eng_partials_free(struct eng_partials *pt);
/*
 * The partial sums of the accounts of shard `shard` of n_shards in s (shard == UINT32_MAX:
 * every account of s): per expectation segment (by the name of the account's value of
 * p->expect_segment) and absolute month (cxg_month_index): support-time sum and count,
 * latency sum and count, failed and all interactions, CSAT sum and count; per interaction
 * type (by name) and absolute month: web/app duration sum and count; the earliest and
 * latest interaction time; the rows counted. Every sum in double.
 */
enum cxg_err eng_partials_compute(const struct eng_snapshot *s, const struct eng_params *p,
                                  uint32_t shard, uint32_t n_shards, struct eng_partials **out,
                                  struct cxg_error *err) CXG_WUR;
/* Add add's sums into into (keys matched by name and month). */
enum cxg_err eng_partials_merge(struct eng_partials *into, const struct eng_partials *add,
                                struct cxg_error *err) CXG_WUR;
/* A versioned, checksummed binary form, and back (a bad blob: CXG_ERR_PARSE saying why). */
enum cxg_err eng_partials_encode(const struct eng_partials *pt, struct cxg_buf *out,
                                 struct cxg_error *err) CXG_WUR;
enum cxg_err eng_partials_decode(const void *blob, size_t len, struct eng_partials **out,
                                 struct cxg_error *err) CXG_WUR;
/* Latest and earliest interaction time counted (CXG_TS_NONE when none), rows counted. */
int64_t eng_partials_max_ts(const struct eng_partials *pt);
int64_t eng_partials_min_ts(const struct eng_partials *pt);
uint64_t eng_partials_rows(const struct eng_partials *pt);

/*
 * Phase 2 goes through eng_compute with struct eng_compute_opts' partials (the merged
 * partials of every shard: baselines and "latest data" come from them) and own (score only
 * the accounts of those shards; the others are left for eng_foreign_apply).
 */

/* ---- published state ---- */

/*
 * Account a's state as its owner publishes it: its struct eng_account_score (references to
 * people, types and objectives as external ids / names, so any node can map them), its
 * monthly counters by absolute month, and each of its people's figures (engagement,
 * activity, last seen, channels, capabilities, feedback answers, prior activity) and active
 * months. Versioned, checksummed.
 */
enum cxg_err eng_state_encode(const struct eng_snapshot *s, const struct eng_scores *r, uint32_t a,
                              struct cxg_buf *out, struct cxg_error *err) CXG_WUR;

/* The decoded states of other shards' accounts, kept by account store id. */
struct eng_foreign;
struct eng_foreign *eng_foreign_new(void);
void eng_foreign_free(struct eng_foreign *f);
/* Decode blob and keep it as account_id's state (replacing the previous one). */
enum cxg_err eng_foreign_put(struct eng_foreign *f, int64_t account_id, const void *blob,
                             size_t len, struct cxg_error *err) CXG_WUR;
/* Forget account_id's state (the shard became ours, or the account was deleted). */
void eng_foreign_drop(struct eng_foreign *f, int64_t account_id);
size_t eng_foreign_count(const struct eng_foreign *f);
/*
 * Write the kept states of accounts not in own into s (monthly counters, people's active
 * months; the month range widened when needed) and r (account and people scores). Call
 * after every snapshot finish and every computation (they rebuild those from the local rows);
 * accounts kept but absent from s are skipped, references that no longer resolve dropped.
 */
enum cxg_err eng_foreign_apply(const struct eng_foreign *f, const struct cxg_shardset *own,
                               struct eng_snapshot *s, struct eng_scores *r,
                               struct cxg_error *err) CXG_WUR;

/* The shard of account index a of s among n shards (from its external id). */
uint32_t eng_account_shard(const struct eng_snapshot *s, uint32_t a, uint32_t n_shards);
/*
 * 1 when s keeps the interactions of the account with store id account_id: s is not sharded,
 * or the account's shard is one of s->shards, or the account is unknown to s (the row is
 * then left out as any row of an unknown account).
 */
int eng_snapshot_holds(const struct eng_snapshot *s, int64_t account_id);

#endif
