/*
 * engine.h: the engine as one object for the CLI and the HTTP API: a snapshot, the scoring
 * parameters and the latest scores, behind a read-write lock.
 *
 * Typical server use: eng_engine_open once at start-up; per request eng_engine_read_lock,
 * read e->snap / e->scores (eng_segments, eng_cohorts, ...; app/view_* render them),
 * eng_engine_unlock; after an import or an API write eng_engine_refresh (takes the write lock
 * itself, so readers never see a half-updated snapshot). Every function here is thread-safe
 * under that protocol; the store handle passed must be used by the calling thread only.
 */
#ifndef CXG_ENG_ENGINE_H
#define CXG_ENG_ENGINE_H

#include <pthread.h>

#include "core/buf.h"
#include "core/config.h"
#include "engine/score.h"
#include "engine/snapshot.h"
#include "model/shard.h"
#include "store/store.h"

struct eng_foreign;
struct eng_partials;

struct eng_engine {
        pthread_rwlock_t lock;
        struct eng_snapshot snap;
        struct eng_params params;
        struct eng_scores scores; /* as of scores.at */
        int threads;
        int64_t at;    /* fixed as-of time, or CXG_TS_NONE for "latest data" */
        double load_s; /* seconds of the last load or refresh */
        double compute_s;
        int64_t seq; /* change-log seq (store_changes.h) the snapshot and scores include */
        int lock_ok;
        char *snapfile;     /* persisted snapshot path (snapfile.h), NULL: none; owned */
        double snapfile_at; /* eng_now() of its last write */
        /* scale-out (engine/cluster.h; docs/architecture.md, "Scale-out"): set by
         * eng_engine_open_sharded. The snapshot holds the interactions of `own` only; scores
         * are computed for own's accounts, the others come from `foreign` (re-applied after
         * every finish and computation). */
        int clustered;
        struct cxg_shardset own;     /* shards loaded and scored here */
        struct eng_foreign *foreign; /* every published state read (own: not applied); owned */
        struct eng_partials *merged; /* every shard's partials of the last full compute; owned */
        uint64_t partials_hash;      /* the caller's fingerprint of merged (0: none) */
        uint64_t *state_hash;        /* per account index: hash of the last state handed out */
        size_t n_state_hash;
};

/*
 * Load the snapshot from st, read parameters from cfg (NULL: defaults), compute the scores as
 * of at (CXG_TS_NONE: the latest data) on threads threads (0: 2), and the score history
 * trend from st when history exists. e is owned by the caller; free with eng_engine_release.
 */
enum cxg_err eng_engine_open(struct eng_engine *e, struct store *st, const struct cxg_config *cfg,
                             int64_t at, int threads, struct cxg_error *err) CXG_WUR;
/*
 * The first half of eng_engine_open: e set up empty (lock, parameters from cfg, options), no
 * snapshot loaded. Release with eng_engine_release.
 */
enum cxg_err eng_engine_init(struct eng_engine *e, const struct cxg_config *cfg, int64_t at,
                             int threads, struct cxg_error *err) CXG_WUR;

/* What eng_engine_open_file did. */
struct eng_open_report {
        int from_file;     /* 1: the snapshot came from the file */
        char reason[600];  /* why the file was not used (empty when it was) */
        int64_t file_seq;  /* seq the file included */
        size_t replayed;   /* change-log rows after it, applied by eng_engine_catch_up */
        double read_s;     /* seconds reading the file (or loading from the store) */
        double compute_s;  /* seconds computing the scores */
        double catch_up_s; /* seconds replaying the changes */
};

/*
 * eng_engine_open from the persisted snapshot at path (snapfile.h) when it is valid for st:
 * it is read, the scores computed, and the change log after its seq replayed with
 * eng_engine_catch_up. A missing, corrupt, foreign or stale file (seq ahead of the store's
 * head or behind its floor), or one built with other options, is never trusted: the engine
 * is loaded from the store; the caller then writes a fresh file with eng_engine_save (the
 * server does it in the background, so serving does not wait). path is kept in e->snapfile.
 * rep may be NULL; each outcome is logged.
 */
enum cxg_err eng_engine_open_file(struct eng_engine *e, struct store *st,
                                  const struct cxg_config *cfg, int64_t at, int threads,
                                  const char *path, struct eng_open_report *rep,
                                  struct cxg_error *err) CXG_WUR;
/*
 * Write e's snapshot to its file (e->snapfile; nothing when NULL) under the read lock, with
 * st's identity and e->seq.
 */
enum cxg_err eng_engine_save(struct eng_engine *e, struct store *st, struct cxg_error *err) CXG_WUR;
/* Seconds between two writes of the file after full recomputes (a shutdown always writes). */
#define ENG_SNAPFILE_INTERVAL 600.0
/* eng_engine_save after a full recompute, at most every ENG_SNAPFILE_INTERVAL; failures logged. */
void eng_engine_save_periodic(struct eng_engine *e, struct store *st);

/* Release everything e holds. No other thread may use e any more. */
void eng_engine_release(struct eng_engine *e);
/* Pick up rows added to the store since the last load and recompute (write lock inside). */
enum cxg_err eng_engine_refresh(struct eng_engine *e, struct store *st,
                                struct cxg_error *err) CXG_WUR;
/*
 * Load the whole snapshot again from st and recompute, for changes a refresh does not pick up
 * (edits of people, deletions, a person's erasure): the new snapshot is built outside the lock,
 * then swapped in under the write lock, so readers wait only for the recompute. On failure e
 * keeps its previous state.
 */
enum cxg_err eng_engine_reload(struct eng_engine *e, struct store *st,
                               struct cxg_error *err) CXG_WUR;
/* What one eng_engine_catch_up did. */
struct eng_catchup {
        int64_t seq;           /* e->seq afterwards */
        size_t changes;        /* change-log rows applied */
        size_t rows;           /* interactions and other rows read */
        size_t dirty_accounts; /* accounts rescored */
        int reloaded;          /* 1 when a change needed a full reload */
        double read_s;         /* seconds reading the log and the new rows (no lock held) */
        double apply_s;        /* seconds applying them to the snapshot (write lock held) */
        double rescore_s;      /* seconds rescoring (write lock held) */
};

/*
 * Apply the change log after e->seq (at most max_changes rows, 0: all) to the snapshot and
 * rescore the accounts whose rows changed, as of the new latest data, against the last full
 * computation's baselines (write lock inside, held for the apply and the rescore only; the log
 * and the new rows are read before it). Deletions, erasures, edited interactions and a person
 * moving account reload the snapshot (e->seq then jumps to the head read before the load).
 * Call it, eng_engine_recompute and the other mutators from one thread: the snapshot is read
 * without the lock before the write lock is taken. out may be NULL. docs/scoring.md,
 * "Continuous rescoring", says what is stale until the next eng_engine_recompute.
 */
enum cxg_err eng_engine_catch_up(struct eng_engine *e, struct store *st, size_t max_changes,
                                 struct eng_catchup *out, struct cxg_error *err) CXG_WUR;
/*
 * Recompute every account's scores, with fresh cross-account baselines (expectations) and
 * time decay as of the latest data (or e->at): the periodic full recompute. Computed under the
 * read lock, swapped in under the write lock. Writes no score history.
 */
enum cxg_err eng_engine_recompute(struct eng_engine *e, struct store *st,
                                  struct cxg_error *err) CXG_WUR;

/* Shared lock for readers of e->snap and e->scores; pair with eng_engine_unlock. */
void eng_engine_read_lock(struct eng_engine *e);
/* Release the lock taken by eng_engine_read_lock. */
void eng_engine_unlock(struct eng_engine *e);

/*
 * Recompute scores (e.g. for another as-of date) into r, owned by the caller; the caller
 * holds the read lock while computing and while using r.
 */
enum cxg_err eng_engine_compute(struct eng_engine *e, struct store *st, int64_t at,
                                struct eng_scores *r, struct cxg_error *err) CXG_WUR;

/* ---- scale-out (engine/cluster.h) ---- */

/*
 * eng_engine_open for a cluster node: the snapshot holds the interactions of the shards in own
 * only (own->n is the cluster's shard count; accounts, people and the small tables whole), the
 * scores are computed for own's accounts only, against baselines from own's rows, until the
 * first eng_engine_recompute_with brings every shard's partials. e->clustered is set.
 */
enum cxg_err eng_engine_open_sharded(struct eng_engine *e, struct store *st,
                                     const struct cxg_config *cfg, int64_t at, int threads,
                                     const struct cxg_shardset *own, struct cxg_error *err) CXG_WUR;
/*
 * eng_engine_open_file for a cluster node: the file is trusted only when it holds the
 * interactions of exactly own (eng_snapfile_read), else the node loads from the store
 * (eng_engine_open_sharded) and rep->reason says why. The other shards' states are not in the
 * file: the caller reads them again (store_state_scan after 0) and eng_engine_foreign_put.
 */
enum cxg_err eng_engine_open_sharded_file(struct eng_engine *e, struct store *st,
                                          const struct cxg_config *cfg, int64_t at, int threads,
                                          const struct cxg_shardset *own, const char *path,
                                          struct eng_open_report *rep,
                                          struct cxg_error *err) CXG_WUR;
/*
 * Ownership changed: load a snapshot of the shards in own (outside the lock), then under the
 * write lock swap it in, recompute (with e->merged when set), drop the foreign states of
 * accounts now owned, re-apply the others. e->seq becomes the change-log head read before the
 * load. On failure e keeps its previous shards and state.
 */
enum cxg_err eng_engine_set_shards(struct eng_engine *e, struct store *st,
                                   const struct cxg_shardset *own, struct cxg_error *err) CXG_WUR;
/*
 * Phase 1: the baseline partial sums of shard `shard` (one of e->own) from e's snapshot, under
 * the read lock. *out is the caller's (eng_partials_free).
 */
enum cxg_err eng_engine_partials(struct eng_engine *e, uint32_t shard, struct eng_partials **out,
                                 struct cxg_error *err) CXG_WUR;
/*
 * Phase 2: a full recompute of own's accounts against merged (every shard's partials merged;
 * e takes it over, also on failure, and keeps it in e->merged; hash is stored in
 * e->partials_hash), then the foreign states re-applied. Computed under the read lock,
 * swapped in under the write lock, like eng_engine_recompute.
 */
enum cxg_err eng_engine_recompute_with(struct eng_engine *e, struct store *st,
                                       struct eng_partials *merged, uint64_t hash,
                                       struct cxg_error *err) CXG_WUR;
/* One published state as read from the store (store_state_scan). */
struct eng_state_in {
        int64_t account_id;
        const void *blob;
        size_t len;
};
/*
 * Decode states rows[0..n) into e->foreign (a blob that does not decode is skipped and
 * logged, counted in *bad, may be NULL; states of accounts in e->own are kept but not
 * applied while own, for when the shard goes) and apply them all under the write lock (one
 * eng_foreign_apply). Call from the thread that runs the mutators.
 */
enum cxg_err eng_engine_foreign_put(struct eng_engine *e, const struct eng_state_in *rows, size_t n,
                                    size_t *bad, struct cxg_error *err) CXG_WUR;
/*
 * Called by eng_engine_states for each own account: its store id, shard and encoded state
 * (eng_state_encode; valid during the call only).
 */
typedef enum cxg_err (*eng_state_cb)(void *ctx, int64_t account_id, uint32_t shard,
                                     const void *blob, size_t len);
/*
 * Encode the state of every account of e->own (only_changed: only those whose encoding
 * differs from the last one this function handed out, by a per-account hash) under the read
 * lock and hand each to cb. Call from the thread that runs the mutators (the hashes are not
 * locked). *count receives how many were handed out (may be NULL).
 */
enum cxg_err eng_engine_states(struct eng_engine *e, int only_changed, eng_state_cb cb, void *ctx,
                               size_t *count, struct cxg_error *err) CXG_WUR;
/* Forget the hashes: the next eng_engine_states(only_changed) hands out every state. */
void eng_engine_states_reset(struct eng_engine *e);

/* Seconds on a monotonic clock, for timings. */
double eng_now(void);

#endif
