/*
 * engine_int.h: what the engine object's files (engine.c, engine_cluster.c, apply.c,
 * snapfile_engine.c) share and nothing else includes.
 */
#ifndef CXG_ENGINE_ENGINE_INT_H
#define CXG_ENGINE_ENGINE_INT_H

#include "engine/engine.h"

/* The second half of eng_engine_open: load e->snap (as initialised) from st, compute as of at. */
enum cxg_err eng_engine_load(struct eng_engine *e, struct store *st, int64_t at,
                             struct cxg_error *err) CXG_WUR;
/* eng_engine_compute against the given merged partials (NULL: baselines from the snapshot). */
enum cxg_err eng_engine_compute_with(struct eng_engine *e, struct store *st, int64_t at,
                                     const struct eng_partials *merged, struct eng_scores *r,
                                     struct cxg_error *err) CXG_WUR;
/*
 * Write the foreign states into e->snap and e->scores again (after a snapshot finish or a
 * computation rebuilt them from the local rows); nothing unless e->clustered. Write lock held.
 */
enum cxg_err eng_engine_foreign_reapply(struct eng_engine *e, struct cxg_error *err) CXG_WUR;
/*
 * Swap the loaded snapshot *fresh (taken over, released in every case) in under the write
 * lock, with own as e's shards when not NULL (eng_engine_own_changed then), recompute, re-apply
 * the foreign states; on failure e keeps its previous snapshot and shards. t0: eng_now() when
 * the load began.
 */
enum cxg_err eng_engine_swap(struct eng_engine *e, struct store *st, struct eng_snapshot *fresh,
                             const struct cxg_shardset *own, double t0,
                             struct cxg_error *err) CXG_WUR;
/* e->own changed (write lock held): drop the foreign states of own accounts, reset the hashes. */
void eng_engine_own_changed(struct eng_engine *e);
/* Make e (just eng_engine_init'ed) a cluster node of shards own: an empty sharded snapshot. */
enum cxg_err eng_engine_cluster_init(struct eng_engine *e, const struct cxg_shardset *own,
                                     struct cxg_error *err) CXG_WUR;
/* Free the cluster fields of e (eng_engine_release). */
void eng_engine_cluster_release(struct eng_engine *e);

#endif
