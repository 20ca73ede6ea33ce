/*
 * load.c: fills a snapshot from the store through its scan functions (store.h), in full
 * (eng_snapshot_load) or incrementally (eng_snapshot_refresh).
 */
#include <string.h>

#include "core/banned.h"
#include "core/log.h"
#include "engine/cluster.h"
#include "engine/snapshot.h"
#include "store/store_cluster.h"

static enum cxg_err on_type(void *ctx, int32_t id, const char *name)
{
        return eng_snapshot_add_type(ctx, id, name);
}

static enum cxg_err on_account(void *ctx, int64_t id, const struct account *a)
{
        return eng_snapshot_add_account(ctx, id, a);
}

static enum cxg_err on_person(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct eng_snapshot *s = ctx;
        enum cxg_err rc = eng_snapshot_add_person(s, id, account_id, p);

        if (rc == CXG_ERR_NOTFOUND) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

static enum cxg_err on_sub(void *ctx, int64_t id, int64_t account_id,
                           const struct subscription *sub)
{
        struct eng_snapshot *s = ctx;
        enum cxg_err rc = eng_snapshot_add_subscription(s, account_id, sub);

        (void)id;
        if (rc == CXG_ERR_NOTFOUND) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

static enum cxg_err on_feedback(void *ctx, int64_t id, int64_t person_id, int64_t account_id,
                                const struct feedback *f)
{
        struct eng_snapshot *s = ctx;
        enum cxg_err rc = eng_snapshot_add_feedback(s, person_id, account_id, f);

        (void)id;
        if (rc == CXG_ERR_NOTFOUND) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

static enum cxg_err on_capability(void *ctx, int64_t id, const struct capability *c)
{
        (void)id;
        return eng_snapshot_add_capability(ctx, c);
}

static enum cxg_err on_objective(void *ctx, int64_t id, int64_t account_id, int64_t person_id,
                                 const struct objective *o)
{
        struct eng_snapshot *s = ctx;
        enum cxg_err rc = eng_snapshot_add_objective(s, account_id, o);

        (void)id;
        (void)person_id;
        if (rc == CXG_ERR_NOTFOUND) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

int eng_snapshot_holds(const struct eng_snapshot *s, int64_t account_id)
{
        uint32_t a;

        if (!s->sharded || account_id < 0 || (size_t)account_id >= s->a_by_id_cap ||
            (a = s->a_by_id[account_id]) == ENG_NONE)
                return 1;
        return cxg_shardset_has(&s->shards, cxg_shard_of(s->a_ext[a], s->shards.n));
}

static enum cxg_err on_interaction(void *ctx, const struct store_interaction *row)
{
        struct eng_snapshot *s = ctx;
        enum cxg_err rc;

        /* the store filters by shard already (store_scan_interactions_shards); this is the
         * guarantee, whatever the backend does */
        if (!eng_snapshot_holds(s, row->account_id))
                return CXG_OK;
        rc = eng_snapshot_add_interaction(s, row);

        if (rc == CXG_ERR_NOTFOUND || rc == CXG_ERR_LIMIT) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

/*
 * The small tables are re-read in full on every refresh: forget their rows first. People are
 * re-read in full too (updated in place, strings copied only when they changed), so an edited
 * role, seniority or departure counts at the next refresh; only interactions are read
 * incrementally (rows after the last id seen).
 */
static void reset_small(struct eng_snapshot *s)
{
        s->n_subs = 0;
        s->n_fb = 0;
        s->n_obj = 0;
        s->n_o_needs = 0;
        s->n_caps = 0;
        if (s->t_caps)
                memset(s->t_caps, 0, s->t_caps_cap * sizeof(uint64_t));
}

/* Interactions after the last seen: every row, or the rows of s's shards when sharded. */
static enum cxg_err scan_interactions(struct eng_snapshot *s, struct store *st,
                                      struct cxg_error *err)
{
        if (s->sharded)
                return store_scan_interactions_shards(st, s->last_interaction_id, &s->shards,
                                                      on_interaction, s, err);
        return store_scan_interactions(st, s->last_interaction_id, on_interaction, s, err);
}

static enum cxg_err scan_all(struct eng_snapshot *s, struct store *st, struct cxg_error *err)
{
        struct store_counts n;
        enum cxg_err rc;

        reset_small(s);
        /* size the delta once: doubling growth would hold up to twice the rows while loading */
        if ((rc = store_counts(st, &n, err)))
                return rc;
        if (s->sharded && s->shards.n) { /* about this share of the rows, and an eighth more */
                int64_t share = n.interactions / s->shards.n * cxg_shardset_count(&s->shards);

                if (share + share / 8 < n.interactions)
                        n.interactions = share + share / 8;
        }
        if (n.interactions > 0 && (size_t)n.interactions > s->main.n + s->delta.n &&
            (rc = eng_snapshot_reserve(s, (size_t)n.interactions - s->main.n - s->delta.n)))
                return cxg_error_set(err, rc, "engine: no memory for %lld interactions",
                                     (long long)n.interactions);
        if ((rc = store_scan_types(st, on_type, s, err)) ||
            (rc = store_scan_accounts(st, 0, on_account, s, err)) ||
            (rc = store_scan_people(st, 0, on_person, s, err)) ||
            (rc = store_scan_subscriptions(st, 0, on_sub, s, err)) ||
            (rc = store_scan_capabilities(st, on_capability, s, err)) ||
            (rc = store_scan_objectives(st, on_objective, s, err)) ||
            (rc = store_scan_feedback(st, 0, on_feedback, s, err)) ||
            (rc = scan_interactions(s, st, err)))
                return rc;
        return eng_snapshot_finish(s, err);
}

enum cxg_err eng_snapshot_load(struct eng_snapshot *s, struct store *st, struct cxg_error *err)
{
        enum cxg_err rc = scan_all(s, st, err);

        if (rc == CXG_OK && s->n_skipped)
                cxg_log(CXG_LOG_WARN,
                        "engine: %zu rows left out of the snapshot (unknown person "
                        "or account, or a timestamp outside 1932-2068)",
                        s->n_skipped);
        return rc;
}

enum cxg_err eng_snapshot_refresh(struct eng_snapshot *s, struct store *st, size_t *added,
                                  struct cxg_error *err)
{
        size_t before = s->main.n + s->delta.n;
        enum cxg_err rc = scan_all(s, st, err);

        if (added)
                *added = s->main.n + s->delta.n - before;
        return rc;
}
