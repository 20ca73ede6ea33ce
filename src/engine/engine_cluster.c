/*
 * engine_cluster.c: the engine object of a scale-out node (engine.h, "scale-out"; engine/
 * cluster.h): a snapshot of its own shards' interactions, the two-phase computation (its
 * shards' partials out, every shard's merged partials in), the other shards' published states
 * kept and re-applied after every change, and its own accounts' states handed out for
 * publishing, each only when it changed.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/cluster.h"
#include "engine/detect_features.h"
#include "engine/engine_int.h"
#include "engine/state_int.h"
#include "store/store_changes.h"

/* FNV-1a 64 of n bytes. */
static uint64_t hash64(const unsigned char *p, size_t n, uint64_t h)
{
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

void eng_engine_cluster_release(struct eng_engine *e)
{
        eng_foreign_free(e->foreign);
        eng_partials_free(e->merged);
        cxg_free(e->state_hash);
        e->foreign = NULL;
        e->merged = NULL;
        e->state_hash = NULL;
        e->n_state_hash = 0;
}

enum cxg_err eng_engine_foreign_reapply(struct eng_engine *e, struct cxg_error *err)
{
        if (!e->clustered)
                return CXG_OK;
        /* the cluster's data range and rows, for the views' "latest data" (snapshot.h) */
        e->snap.cl_known = e->merged != NULL;
        e->snap.cl_min_ts = eng_partials_min_ts(e->merged);
        e->snap.cl_max_ts = eng_partials_max_ts(e->merged);
        e->snap.cl_rows = e->merged ? eng_partials_rows(e->merged) : 0;
        if (!e->foreign)
                return CXG_OK;
        return eng_foreign_apply(e->foreign, &e->own, &e->snap, &e->scores, err);
}

enum cxg_err eng_engine_cluster_init(struct eng_engine *e, const struct cxg_shardset *own,
                                     struct cxg_error *err)
{
        struct eng_load_opts lo = {.shards = own};

        e->clustered = 1;
        e->own = *own;
        if (!(e->foreign = eng_foreign_new()))
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory");
        eng_snapshot_release(&e->snap);
        eng_snapshot_init(&e->snap, &lo);
        return CXG_OK;
}

enum cxg_err eng_engine_open_sharded(struct eng_engine *e, struct store *st,
                                     const struct cxg_config *cfg, int64_t at, int threads,
                                     const struct cxg_shardset *own, struct cxg_error *err)
{
        enum cxg_err rc;

        if (!own || !own->n)
                return cxg_error_set(err, CXG_ERR_INVALID, "engine: a node needs a shard count");
        if ((rc = eng_engine_init(e, cfg, at, threads, err)) ||
            (rc = eng_engine_cluster_init(e, own, err)))
                return rc;
        return eng_engine_load(e, st, at, err);
}

void eng_engine_own_changed(struct eng_engine *e)
{
        /* the published states of own accounts stay (eng_foreign_apply skips them): when a
         * shard goes again, or went while this node did not know yet (its lease expired while
         * it was busy and another node took the shard and published), its accounts have their
         * latest published state at once instead of none until the next publication */
        eng_engine_states_reset(e);
}

enum cxg_err eng_engine_set_shards(struct eng_engine *e, struct store *st,
                                   const struct cxg_shardset *own, struct cxg_error *err)
{
        struct eng_load_opts lo = {.shards = own};
        struct eng_snapshot fresh;
        int64_t head;
        enum cxg_err rc;
        double t0 = eng_now();

        if (!e->clustered || !own || own->n != e->own.n)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "engine: new shards must keep the count of %u", e->own.n);
        eng_snapshot_init(&fresh, &lo);
        if ((rc = store_changes_head(st, &head, err)) ||
            (rc = eng_snapshot_load(&fresh, st, err))) {
                eng_snapshot_release(&fresh);
                return rc;
        }
        if ((rc = eng_engine_swap(e, st, &fresh, own, t0, err)))
                return rc;
        pthread_rwlock_wrlock(&e->lock);
        if (head > e->seq)
                e->seq = head;
        pthread_rwlock_unlock(&e->lock);
        return CXG_OK;
}

enum cxg_err eng_engine_partials(struct eng_engine *e, uint32_t shard, struct eng_partials **out,
                                 struct cxg_error *err)
{
        enum cxg_err rc;

        *out = NULL;
        if (!e->clustered || shard >= e->own.n || !cxg_shardset_has(&e->own, shard))
                return cxg_error_set(err, CXG_ERR_INVALID, "engine: shard %u is not held here",
                                     shard);
        pthread_rwlock_rdlock(&e->lock);
        rc = eng_partials_compute(&e->snap, &e->params, shard, e->own.n, out, err);
        pthread_rwlock_unlock(&e->lock);
        return rc;
}

enum cxg_err eng_engine_recompute_with(struct eng_engine *e, struct store *st,
                                       struct eng_partials *merged, uint64_t hash,
                                       struct cxg_error *err)
{
        struct eng_scores fresh;
        struct eng_partials *old;
        enum cxg_err rc;
        double t0 = eng_now();

        eng_scores_init(&fresh);
        pthread_rwlock_rdlock(&e->lock);
        rc = eng_engine_compute_with(e, st, e->at, merged, &fresh, err);
        pthread_rwlock_unlock(&e->lock);
        if (rc) {
                eng_partials_free(merged);
                return rc;
        }
        pthread_rwlock_wrlock(&e->lock);
        /* the snapshot changed meanwhile (another thread applied changes): compute again */
        if (fresh.n_accounts != e->snap.n_accounts || fresh.n_people != e->snap.n_people) {
                eng_scores_release(&fresh);
                rc = eng_engine_compute_with(e, st, e->at, merged, &fresh, err);
        }
        if (rc == CXG_OK) {
                eng_scores_release(&e->scores);
                e->scores = fresh;
                e->compute_s = eng_now() - t0;
                old = e->merged;
                e->merged = merged;
                merged = old; /* freed below */
                e->partials_hash = hash;
                rc = eng_engine_foreign_reapply(e, err);
        }
        pthread_rwlock_unlock(&e->lock);
        eng_partials_free(merged);
        return rc;
}

enum cxg_err eng_engine_foreign_put(struct eng_engine *e, const struct eng_state_in *rows, size_t n,
                                    size_t *bad, struct cxg_error *err)
{
        struct cxg_error why;
        struct eng_fstate **dec;
        size_t nbad = 0;
        enum cxg_err rc = CXG_OK;

        if (!e->clustered || !e->foreign)
                return cxg_error_set(err, CXG_ERR_INVALID, "engine: not a cluster node");
        if (!(dec = cxg_calloc(n + 1, sizeof(*dec))))
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory");
        /* decode outside the lock; detector runs read e->foreign under the read lock, so
         * the states change under the write lock. Own accounts' states are kept too (never
         * applied while own): this node may have lost the shard without knowing yet, and
         * then the latest published state is the one to show */
        for (size_t i = 0; i < n && rc != CXG_ERR_NOMEM; i++) {
                cxg_error_clear(&why);
                rc = rows[i].account_id <= 0
                         ? cxg_error_set(&why, CXG_ERR_INVALID,
                                         "engine state: account id %lld "
                                         "is not a store id",
                                         (long long)rows[i].account_id)
                         : eng_fstate_decode(rows[i].blob, rows[i].len, &dec[i], &why);
                if (rc == CXG_ERR_NOMEM)
                        cxg_error_set(err, rc, "%s", why.msg);
                else if (rc) {
                        cxg_log(CXG_LOG_WARN, "engine: state of account %lld left out: %s",
                                (long long)rows[i].account_id, why.msg);
                        nbad++;
                }
        }
        pthread_rwlock_wrlock(&e->lock);
        for (size_t i = 0; i < n; i++) {
                if (rc != CXG_ERR_NOMEM && dec[i]) {
                        if (eng_foreign_keep(e->foreign, rows[i].account_id, dec[i], &why))
                                rc = cxg_error_set(err, CXG_ERR_NOMEM, "%s", why.msg);
                        dec[i] = NULL;
                }
                eng_fstate_free(dec[i]);
        }
        if (rc != CXG_ERR_NOMEM)
                rc = eng_engine_foreign_reapply(e, err);
        pthread_rwlock_unlock(&e->lock);
        cxg_free(dec);
        if (bad)
                *bad = nbad;
        return rc;
}

void eng_engine_states_reset(struct eng_engine *e)
{
        if (e->state_hash)
                memset(e->state_hash, 0, e->n_state_hash * sizeof(uint64_t));
}

/* The hash of a state blob without its as-of time and checksum (state.c's layout). */
static uint64_t state_hash(const struct eng_snapshot *s, uint32_t a, const struct cxg_buf *b)
{
        size_t at = 8 + 4 + strlen(s->a_ext[a]) + 1;
        const unsigned char *p = (const unsigned char *)b->data;
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        if (b->len < at + 8 + 4)
                return hash64(p, b->len, h);
        h = hash64(p, at, h);
        return hash64(p + at + 8, b->len - at - 8 - 4, h) | 1; /* 0 means "none yet" */
}

/* Grow the per-account hashes to the snapshot's accounts (new ones 0: never handed out). */
static enum cxg_err hashes_fit(struct eng_engine *e)
{
        size_t n = e->snap.n_accounts;
        uint64_t *tmp;

        if (n <= e->n_state_hash)
                return CXG_OK;
        if (!(tmp = cxg_realloc(e->state_hash, n * sizeof(uint64_t))))
                return CXG_ERR_NOMEM;
        memset(tmp + e->n_state_hash, 0, (n - e->n_state_hash) * sizeof(uint64_t));
        e->state_hash = tmp;
        e->n_state_hash = n;
        return CXG_OK;
}

enum cxg_err eng_engine_states(struct eng_engine *e, int only_changed, eng_state_cb cb, void *ctx,
                               size_t *count, struct cxg_error *err)
{
        const struct eng_snapshot *s = &e->snap;
        struct cxg_buf b;
        struct eng_dfeat_acc dfeat;
        size_t handed = 0;
        enum cxg_err rc = CXG_OK;

        if (!e->clustered)
                return cxg_error_set(err, CXG_ERR_INVALID, "engine: not a cluster node");
        cxg_buf_init(&b, 0);
        eng_dfeat_acc_init(&dfeat);
        pthread_rwlock_rdlock(&e->lock);
        if (hashes_fit(e))
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory");
        for (uint32_t a = 0; a < s->n_accounts && rc == CXG_OK; a++) {
                uint32_t shard = eng_account_shard(s, a, e->own.n);
                uint64_t h;

                if (!cxg_shardset_has(&e->own, shard))
                        continue;
                cxg_buf_clear(&b);
                if ((rc = eng_state_encode_with(s, &e->scores, a, &dfeat, &b, err)))
                        break;
                h = state_hash(s, a, &b);
                if (only_changed && e->state_hash[a] == h)
                        continue;
                if ((rc = cb(ctx, s->a_id[a], shard, b.data, b.len)))
                        break;
                e->state_hash[a] = h;
                handed++;
        }
        pthread_rwlock_unlock(&e->lock);
        cxg_buf_release(&b);
        eng_dfeat_acc_release(&dfeat);
        if (count)
                *count = handed;
        return rc;
}
