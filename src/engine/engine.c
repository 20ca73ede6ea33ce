/*
 * engine.c: the engine object (engine.h): load, refresh and recompute behind a read-write
 * lock, the trend's score history, and the JSON views of an account's scores.
 */
#include "engine/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/timeconst.h"
#include "engine/cluster.h"
#include "engine/engine_int.h"
#include "engine/state_int.h"
#include "store/store_changes.h"
#include "store/store_scores.h"

double eng_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct prev_ctx {
        const struct eng_snapshot *s;
        float *prev;
};

static enum cxg_err on_prev(void *ctx, const struct store_score_row *row)
{
        struct prev_ctx *p = ctx;
        uint32_t a = row->account_id >= 0 && (size_t)row->account_id < p->s->a_by_id_cap
                         ? p->s->a_by_id[row->account_id]
                         : ENG_NONE;

        if (a != ENG_NONE && !isnan(row->engagement))
                p->prev[a] = (float)row->engagement;
        return CXG_OK;
}

static int64_t resolve_at(const struct eng_snapshot *s, int64_t at)
{
        if (at != CXG_TS_NONE)
                return at;
        return s->max_ts != CXG_TS_NONE ? s->max_ts : (int64_t)time(NULL);
}

enum cxg_err eng_engine_compute(struct eng_engine *e, struct store *st, int64_t at,
                                struct eng_scores *r, struct cxg_error *err)
{
        return eng_engine_compute_with(e, st, at, e->merged, r, err);
}

enum cxg_err eng_engine_compute_with(struct eng_engine *e, struct store *st, int64_t at,
                                     const struct eng_partials *merged, struct eng_scores *r,
                                     struct cxg_error *err)
{
        struct eng_compute_opts o = {.at = resolve_at(&e->snap, at),
                                     .threads = e->threads,
                                     .partials = merged,
                                     .own = e->clustered ? &e->own : NULL};
        float *prev = NULL;
        enum cxg_err rc;
        int64_t td = (int64_t)(e->params.trend_days * CXG_DAY);

        /* the trend compares with the history row closest to trend_days before, +-1/3 */
        if (st && e->snap.n_accounts) {
                struct prev_ctx pc = {&e->snap, NULL};
                int found = 0;

                prev = cxg_malloc(e->snap.n_accounts * sizeof(float));
                if (!prev)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory");
                for (size_t a = 0; a < e->snap.n_accounts; a++)
                        prev[a] = NAN;
                pc.prev = prev;
                rc = store_scores_latest_between(st, o.at - td - td / 3, o.at - td + td / 3,
                                                 on_prev, &pc, err);
                if (rc) {
                        cxg_free(prev);
                        return rc;
                }
                for (size_t a = 0; a < e->snap.n_accounts && !found; a++)
                        found = !isnan(prev[a]);
                if (found) {
                        o.prev_engagement = prev;
                        o.prev_at = o.at - td;
                }
        }
        rc = eng_compute(&e->snap, &e->params, &o, r, err);
        cxg_free(prev);
        /* the other shards' accounts from their owners' states (r only: the caller may hold
         * just the read lock; the mutators re-apply to the snapshot too) */
        if (rc == CXG_OK && e->clustered)
                rc = eng_foreign_apply_scores(e->foreign, &e->own, &e->snap, r);
        return rc;
}

enum cxg_err eng_engine_init(struct eng_engine *e, const struct cxg_config *cfg, int64_t at,
                             int threads, struct cxg_error *err)
{
        memset(e, 0, sizeof(*e));
        eng_snapshot_init(&e->snap, NULL);
        eng_scores_init(&e->scores);
        eng_params_init(&e->params);
        e->threads = threads > 0 ? threads : 2;
        e->at = at;
        if (pthread_rwlock_init(&e->lock, NULL) != 0)
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine: cannot create a lock");
        e->lock_ok = 1;
        return cfg ? eng_params_from_config(&e->params, cfg, err) : CXG_OK;
}

enum cxg_err eng_engine_open(struct eng_engine *e, struct store *st, const struct cxg_config *cfg,
                             int64_t at, int threads, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = eng_engine_init(e, cfg, at, threads, err)))
                return rc;
        return eng_engine_load(e, st, at, err);
}

enum cxg_err eng_engine_load(struct eng_engine *e, struct store *st, int64_t at,
                             struct cxg_error *err)
{
        enum cxg_err rc;
        double t0 = eng_now();

        /* the head before the load: changes after it may or may not be in the snapshot, and
         * applying them again is harmless */
        if ((rc = store_changes_head(st, &e->seq, err)))
                return rc;
        if ((rc = eng_snapshot_load(&e->snap, st, err)))
                return rc;
        e->load_s = eng_now() - t0;
        t0 = eng_now();
        rc = eng_engine_compute(e, st, at, &e->scores, err);
        e->compute_s = eng_now() - t0;
        return rc;
}

void eng_engine_release(struct eng_engine *e)
{
        eng_engine_cluster_release(e);
        eng_scores_release(&e->scores);
        eng_snapshot_release(&e->snap);
        cxg_free(e->snapfile);
        e->snapfile = NULL;
        if (e->lock_ok)
                pthread_rwlock_destroy(&e->lock);
        e->lock_ok = 0;
}

enum cxg_err eng_engine_refresh(struct eng_engine *e, struct store *st, struct cxg_error *err)
{
        struct eng_scores fresh;
        enum cxg_err rc;
        double t0 = eng_now();

        pthread_rwlock_wrlock(&e->lock);
        rc = eng_snapshot_refresh(&e->snap, st, NULL, err);
        e->load_s = eng_now() - t0;
        if (rc == CXG_OK) {
                eng_scores_init(&fresh);
                t0 = eng_now();
                rc = eng_engine_compute(e, st, e->at, &fresh, err);
                e->compute_s = eng_now() - t0;
                if (rc == CXG_OK) {
                        eng_scores_release(&e->scores);
                        e->scores = fresh;
                        rc = eng_engine_foreign_reapply(e, err);
                }
        }
        pthread_rwlock_unlock(&e->lock);
        return rc;
}

enum cxg_err eng_engine_swap(struct eng_engine *e, struct store *st, struct eng_snapshot *fresh,
                             const struct cxg_shardset *own, double t0, struct cxg_error *err)
{
        struct eng_snapshot old;
        struct cxg_shardset old_own = e->own;
        struct eng_scores scores;
        enum cxg_err rc;

        pthread_rwlock_wrlock(&e->lock);
        old = e->snap;
        e->snap = *fresh;
        if (own)
                e->own = *own;
        e->load_s = eng_now() - t0;
        eng_scores_init(&scores);
        t0 = eng_now();
        rc = eng_engine_compute(e, st, e->at, &scores, err);
        e->compute_s = eng_now() - t0;
        if (rc == CXG_OK) {
                eng_scores_release(&e->scores);
                e->scores = scores;
                *fresh = old; /* released below */
                if (own)
                        eng_engine_own_changed(e);
                rc = eng_engine_foreign_reapply(e, err);
        } else {
                eng_scores_release(&scores);
                e->snap = old; /* keep the state the scores were computed from */
                e->own = old_own;
        }
        pthread_rwlock_unlock(&e->lock);
        eng_snapshot_release(fresh);
        return rc;
}

enum cxg_err eng_engine_reload(struct eng_engine *e, struct store *st, struct cxg_error *err)
{
        struct eng_snapshot fresh;
        enum cxg_err rc;
        double t0 = eng_now();
        struct eng_load_opts lo = {.shards = e->clustered ? &e->own : NULL};

        eng_snapshot_init(&fresh, &lo);
        if ((rc = eng_snapshot_load(&fresh, st, err))) {
                eng_snapshot_release(&fresh);
                return rc;
        }
        return eng_engine_swap(e, st, &fresh, NULL, t0, err);
}

void eng_engine_read_lock(struct eng_engine *e)
{
        pthread_rwlock_rdlock(&e->lock);
}

void eng_engine_unlock(struct eng_engine *e)
{
        pthread_rwlock_unlock(&e->lock);
}
