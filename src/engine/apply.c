/*
 * apply.c: the engine's change-log applier (engine.h: eng_engine_catch_up) and the periodic
 * full recompute (eng_engine_recompute). Catching up reads the log after e->seq
 * (store_changes.h), reads the rows it names (new interactions outside the lock), then under
 * the write lock appends them to the snapshot's delta, patches accounts and people, re-reads
 * the small tables the log names, and rescores only the accounts whose rows changed against
 * the last full computation's baselines (eng_compute_accounts). Deletions, erasures, edited
 * interactions and a person moving account need a full reload (eng_engine_reload).
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "engine/cluster.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "store/store_changes.h"

/* What a page of the change log asks for. */
struct plan {
        int64_t last_seq;
        size_t changes;
        int reload;    /* a deletion, an erasure, an edited interaction */
        int all_dirty; /* a change every account's scores may depend on */
        int types, caps, subs, fb, obj, people_new;
        int64_t (*ranges)[2]; /* interaction inserts: id_lo, id_hi */
        size_t n_ranges, cap_ranges;
        int64_t *accounts, *people, *dirty; /* store ids: accounts and people read, accounts */
        size_t n_accounts, cap_accounts, n_people, cap_people, n_dirty, cap_dirty;
};

static void plan_release(struct plan *p)
{
        cxg_free(p->ranges);
        cxg_free(p->accounts);
        cxg_free(p->people);
        cxg_free(p->dirty);
}

#define PUSH(arr, n, cap, v)                                                                       \
        (CXG_GROW(arr, (n) + 1, cap, CXG_GROW_NOCAP) ? CXG_ERR_NOMEM : ((arr)[(n)++] = (v), CXG_OK))

/* The account a small-table change concerns is dirty; without one, every account is. */
static enum cxg_err plan_dirty(struct plan *p, int64_t account_id)
{
        if (account_id <= 0) {
                p->all_dirty = 1;
                return CXG_OK;
        }
        return PUSH(p->dirty, p->n_dirty, p->cap_dirty, account_id);
}

static enum cxg_err on_change(void *ctx, const struct store_change *c)
{
        struct plan *p = ctx;
        int upsert = c->op == STORE_OP_INSERT || c->op == STORE_OP_UPDATE;

        p->last_seq = c->seq;
        p->changes++;
        switch (c->entity) {
        case STORE_E_ACCOUNT:
                if (!upsert)
                        break;
                return PUSH(p->accounts, p->n_accounts, p->cap_accounts, c->id_lo);
        case STORE_E_PERSON:
                if (!upsert)
                        break;
                p->people_new |= c->op == STORE_OP_INSERT;
                return PUSH(p->people, p->n_people, p->cap_people, c->id_lo);
        case STORE_E_INTERACTION:
                if (c->op != STORE_OP_INSERT)
                        break;
                if (CXG_GROW(p->ranges, p->n_ranges + 1, p->cap_ranges, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                p->ranges[p->n_ranges][0] = c->id_lo;
                p->ranges[p->n_ranges++][1] = c->id_hi;
                return CXG_OK;
        case STORE_E_SUBSCRIPTION:
                p->subs = 1;
                return plan_dirty(p, c->account_id);
        case STORE_E_FEEDBACK:
                p->fb = 1;
                return plan_dirty(p, c->account_id);
        case STORE_E_OBJECTIVE:
                p->obj = 1;
                return plan_dirty(p, c->account_id);
        case STORE_E_TYPE:
                /* a new type changes no score; a renamed one may change every weight */
                p->types = 1;
                p->all_dirty |= c->op != STORE_OP_INSERT;
                return CXG_OK;
        case STORE_E_CAPABILITY:
                p->caps = p->obj = 1;
                p->all_dirty = 1;
                return CXG_OK;
        default:
                break;
        }
        p->reload = 1;
        return CXG_OK;
}

/* ---- reading rows ---- */

struct rows {
        struct store_interaction *r;
        size_t n, cap;
        int64_t after; /* rows up to this id are in the snapshot already */
};

static enum cxg_err on_row(void *ctx, const struct store_interaction *row)
{
        struct rows *w = ctx;
        struct store_interaction r = *row;

        if (r.id <= w->after)
                return CXG_OK;
        r.ext_id = r.attributes = NULL; /* the snapshot keeps neither */
        return PUSH(w->r, w->n, w->cap, r);
}

static enum cxg_err on_type(void *ctx, int32_t id, const char *name)
{
        return eng_snapshot_add_type(ctx, id, name);
}

static enum cxg_err on_account(void *ctx, int64_t id, const struct account *a)
{
        return eng_snapshot_add_account(ctx, id, a);
}

static enum cxg_err skip_missing(struct eng_snapshot *s, enum cxg_err rc)
{
        if (rc == CXG_ERR_NOTFOUND || rc == CXG_ERR_LIMIT) {
                s->n_skipped++;
                return CXG_OK;
        }
        return rc;
}

/* A person re-read: CXG_ERR_CONFLICT when they moved to another account (a reload). */
static enum cxg_err on_person(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct eng_snapshot *s = ctx;
        uint32_t idx = id >= 0 && (size_t)id < s->p_by_id_cap ? s->p_by_id[id] : ENG_NONE;
        uint32_t acc = account_id >= 0 && (size_t)account_id < s->a_by_id_cap
                           ? s->a_by_id[account_id]
                           : ENG_NONE;

        if (idx != ENG_NONE && s->p_account[idx] != acc)
                return CXG_ERR_CONFLICT;
        return skip_missing(s, eng_snapshot_add_person(s, id, account_id, p));
}

static enum cxg_err on_sub(void *ctx, int64_t id, int64_t account_id,
                           const struct subscription *sub)
{
        (void)id;
        return skip_missing(ctx, eng_snapshot_add_subscription(ctx, account_id, sub));
}

static enum cxg_err on_feedback(void *ctx, int64_t id, int64_t person_id, int64_t account_id,
                                const struct feedback *f)
{
        (void)id;
        return skip_missing(ctx, eng_snapshot_add_feedback(ctx, person_id, account_id, f));
}

static enum cxg_err on_capability(void *ctx, int64_t id, const struct capability *c)
{
        (void)id;
        return eng_snapshot_add_capability(ctx, c);
}

static enum cxg_err on_objective(void *ctx, int64_t id, int64_t account_id, int64_t person_id,
                                 const struct objective *o)
{
        (void)id;
        (void)person_id;
        return skip_missing(ctx, eng_snapshot_add_objective(ctx, account_id, o));
}

/* Re-read the small tables the plan names, in full (they are small). */
static enum cxg_err reread_small(struct eng_snapshot *s, struct store *st, const struct plan *p,
                                 struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        if (p->types && (rc = store_scan_types(st, on_type, s, err)))
                return rc;
        if (p->caps) {
                s->n_caps = 0;
                if (s->t_caps)
                        memset(s->t_caps, 0, s->t_caps_cap * sizeof(uint64_t));
                if ((rc = store_scan_capabilities(st, on_capability, s, err)))
                        return rc;
        }
        if (p->obj || p->people_new) {
                s->n_obj = 0;
                s->n_o_needs = 0;
                if ((rc = store_scan_objectives(st, on_objective, s, err)))
                        return rc;
        }
        if (p->subs) {
                s->n_subs = 0;
                if ((rc = store_scan_subscriptions(st, 0, on_sub, s, err)))
                        return rc;
        }
        if (p->fb) {
                s->n_fb = 0;
                rc = store_scan_feedback(st, 0, on_feedback, s, err);
        }
        return rc;
}

/* ---- the dirty set ---- */

struct dirty {
        uint8_t *mark; /* per account index */
        uint32_t *list;
        size_t n, cap;
};

static enum cxg_err dirty_add(struct dirty *d, const struct eng_snapshot *s, int64_t account_id)
{
        uint32_t a = account_id >= 0 && (size_t)account_id < s->a_by_id_cap ? s->a_by_id[account_id]
                                                                            : ENG_NONE;

        if (a == ENG_NONE || d->mark[a])
                return CXG_OK;
        d->mark[a] = 1;
        return PUSH(d->list, d->n, d->cap, a);
}

/* Accounts named by the plan or owning a new row (their store ids: the rows' account_id). */
static enum cxg_err dirty_collect(struct dirty *d, const struct eng_snapshot *s,
                                  const struct plan *p, const struct rows *w)
{
        enum cxg_err rc = CXG_OK;

        d->mark = cxg_calloc(s->n_accounts + 1, 1);
        if (!d->mark)
                return CXG_ERR_NOMEM;
        for (size_t i = 0; i < p->n_accounts && !rc; i++)
                rc = dirty_add(d, s, p->accounts[i]);
        for (size_t i = 0; i < p->n_people && !rc; i++) {
                uint32_t pi =
                    (size_t)p->people[i] < s->p_by_id_cap ? s->p_by_id[p->people[i]] : ENG_NONE;

                if (pi != ENG_NONE)
                        rc = dirty_add(d, s, s->a_id[s->p_account[pi]]);
        }
        for (size_t i = 0; i < p->n_dirty && !rc; i++)
                rc = dirty_add(d, s, p->dirty[i]);
        for (size_t i = 0; i < w->n && !rc; i++)
                rc = dirty_add(d, s, w->r[i].account_id);
        return rc;
}

/* ---- catching up ---- */

static int64_t latest_at(const struct eng_engine *e)
{
        if (e->at != CXG_TS_NONE)
                return e->at;
        return e->snap.max_ts != CXG_TS_NONE ? e->snap.max_ts : (int64_t)time(NULL);
}

/* Read the plan's rows into the snapshot (write lock held); CXG_ERR_CONFLICT: reload. */
static enum cxg_err apply_rows(struct eng_engine *e, struct store *st, const struct plan *p,
                               const struct rows *w, struct cxg_error *err)
{
        struct eng_snapshot *s = &e->snap;
        struct eng_append_base base = {s->n_accounts, s->n_people, s->types.n, s->delta.n,
                                       p->subs || p->fb || p->obj || p->caps || p->people_new};
        enum cxg_err rc = CXG_OK;

        if ((rc = reread_small(s, st, p, err)))
                return rc;
        for (size_t i = 0; i < p->n_accounts && !rc; i++)
                rc = store_scan_accounts_range(st, p->accounts[i], p->accounts[i], on_account, s,
                                               err);
        for (size_t i = 0; i < p->n_people && !rc; i++)
                rc = store_scan_people_range(st, p->people[i], p->people[i], on_person, s, err);
        for (size_t i = 0; i < w->n && !rc; i++)
                if (eng_snapshot_holds(s, w->r[i].account_id)) /* other shards' rows: not ours */
                        rc = skip_missing(s, eng_snapshot_add_interaction(s, &w->r[i]));
        if (rc == CXG_ERR_CONFLICT)
                return rc;
        if (rc)
                return cxg_error_set(err, rc, "engine: applying the change log: %s",
                                     cxg_strerror(rc));
        return eng_snapshot_finish_append(s, &base, err);
}

/* Rescore the dirty accounts, or every account when the plan or the snapshot needs it. */
static enum cxg_err rescore(struct eng_engine *e, struct store *st, const struct plan *p,
                            const struct rows *w, size_t *n_dirty, struct cxg_error *err)
{
        struct dirty d = {0};
        struct eng_scores fresh;
        enum cxg_err rc = CXG_OK;

        if (!p->all_dirty && !e->snap.mixed_accounts) {
                if (!(rc = dirty_collect(&d, &e->snap, p, w)))
                        rc = eng_compute_accounts(&e->snap, &e->scores, d.list, d.n, latest_at(e),
                                                  err);
                *n_dirty = d.n;
                cxg_free(d.mark);
                cxg_free(d.list);
                if (rc != CXG_ERR_CONFLICT)
                        return rc;
        }
        eng_scores_init(&fresh);
        if ((rc = eng_engine_compute(e, st, e->at, &fresh, err)))
                return rc;
        eng_scores_release(&e->scores);
        e->scores = fresh;
        *n_dirty = e->snap.n_accounts;
        return CXG_OK;
}

/* A full reload, then e->seq is the head read before it (later changes are in the load). */
static enum cxg_err reload(struct eng_engine *e, struct store *st, struct eng_catchup *out,
                           struct cxg_error *err)
{
        int64_t head;
        enum cxg_err rc;

        if ((rc = store_changes_head(st, &head, err)) || (rc = eng_engine_reload(e, st, err)))
                return rc;
        pthread_rwlock_wrlock(&e->lock);
        if (head > e->seq)
                e->seq = head;
        out->seq = e->seq;
        out->dirty_accounts = e->snap.n_accounts;
        pthread_rwlock_unlock(&e->lock);
        out->reloaded = 1;
        return CXG_OK;
}

enum cxg_err eng_engine_catch_up(struct eng_engine *e, struct store *st, size_t max_changes,
                                 struct eng_catchup *out, struct cxg_error *err)
{
        struct plan p;
        struct rows w = {0};
        struct eng_catchup o = {.seq = e->seq};
        enum cxg_err rc;
        double t0 = eng_now();

        memset(&p, 0, sizeof(p));
        if ((rc = store_changes_scan(st, e->seq, max_changes, on_change, &p, err)))
                goto done;
        o.changes = p.changes;
        if (!p.changes)
                goto done;
        if (p.reload) {
                rc = reload(e, st, &o, err);
                goto done;
        }
        /* the new interactions are read before the lock: only this thread changes the
         * snapshot, so last_interaction_id cannot move meanwhile */
        w.after = e->snap.last_interaction_id;
        for (size_t i = 0; i < p.n_ranges && !rc; i++)
                rc = store_scan_interactions_range(st, p.ranges[i][0], p.ranges[i][1], on_row, &w,
                                                   err);
        if (rc) {
                rc = rc == CXG_ERR_NOMEM ? cxg_error_set(err, rc, "engine: out of memory") : rc;
                goto done;
        }
        o.rows = w.n + p.n_accounts + p.n_people;
        o.read_s = eng_now() - t0;
        pthread_rwlock_wrlock(&e->lock);
        t0 = eng_now();
        rc = apply_rows(e, st, &p, &w, err);
        o.apply_s = eng_now() - t0;
        t0 = eng_now();
        if (rc == CXG_OK && (rc = rescore(e, st, &p, &w, &o.dirty_accounts, err)) == CXG_OK)
                e->seq = o.seq = p.last_seq;
        /* the finish and the rescore rebuilt the other shards' rows and scores: re-apply */
        if (rc == CXG_OK)
                rc = eng_engine_foreign_reapply(e, err);
        o.rescore_s = eng_now() - t0;
        pthread_rwlock_unlock(&e->lock);
        /* a person moved to another account, or a half-applied page: start again from the
         * tables (on failure the snapshot may hold part of the page) */
        if (rc == CXG_ERR_CONFLICT || (rc && !e->snap.finished))
                rc = reload(e, st, &o, err);
done:
        plan_release(&p);
        cxg_free(w.r);
        if (out)
                *out = o;
        return rc;
}

/*
 * The full recompute, as of the latest data (or e->at), with fresh baselines: computed under
 * the read lock (readers go on), swapped in under the write lock.
 */
enum cxg_err eng_engine_recompute(struct eng_engine *e, struct store *st, struct cxg_error *err)
{
        struct eng_scores fresh;
        enum cxg_err rc;
        double t0 = eng_now();

        eng_scores_init(&fresh);
        pthread_rwlock_rdlock(&e->lock);
        rc = eng_engine_compute(e, st, e->at, &fresh, err);
        pthread_rwlock_unlock(&e->lock);
        if (rc)
                return rc;
        pthread_rwlock_wrlock(&e->lock);
        /* the snapshot changed meanwhile (another thread applied changes): compute again */
        if (fresh.n_accounts != e->snap.n_accounts || fresh.n_people != e->snap.n_people) {
                eng_scores_release(&fresh);
                rc = eng_engine_compute(e, st, e->at, &fresh, err);
        }
        if (rc == CXG_OK) {
                eng_scores_release(&e->scores);
                e->scores = fresh;
                e->compute_s = eng_now() - t0;
                rc = eng_engine_foreign_reapply(e, err);
        }
        pthread_rwlock_unlock(&e->lock);
        if (rc == CXG_OK)
                eng_engine_save_periodic(e, st); /* snapfile_engine.c: persisted after it */
        return rc;
}
