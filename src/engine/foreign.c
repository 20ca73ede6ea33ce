/*
 * foreign.c: the published states of other shards' accounts (engine/cluster.h, struct
 * eng_foreign): kept decoded by account store id, and written into a node's snapshot (monthly
 * counters, people's active months; the month range widened when a state has months outside
 * it) and scores (the account's figures and reasons, its people's). A node's own computation
 * rebuilds those from its local rows, so eng_foreign_apply runs after every snapshot finish and
 * every computation.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "engine/cluster.h"
#include "engine/state_int.h"

struct eng_foreign {
        struct eng_fstate **by_id; /* account store id -> state, NULL: none */
        size_t cap, count;
};

struct eng_foreign *eng_foreign_new(void)
{
        return cxg_calloc(1, sizeof(struct eng_foreign));
}

void eng_foreign_free(struct eng_foreign *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->cap; i++)
                eng_fstate_free(f->by_id[i]);
        cxg_free(f->by_id);
        cxg_free(f);
}

enum cxg_err eng_foreign_put(struct eng_foreign *f, int64_t account_id, const void *blob,
                             size_t len, struct cxg_error *err)
{
        struct eng_fstate *st;
        enum cxg_err rc;

        if (account_id <= 0)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "engine state: account id %lld is not a store id",
                                     (long long)account_id);
        if ((rc = eng_fstate_decode(blob, len, &st, err)))
                return rc;
        return eng_foreign_keep(f, account_id, st, err);
}

enum cxg_err eng_foreign_keep(struct eng_foreign *f, int64_t account_id, struct eng_fstate *st,
                              struct cxg_error *err)
{
        size_t id = (size_t)account_id;

        if (account_id <= 0) {
                eng_fstate_free(st);
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "engine state: account id %lld is not a store id",
                                     (long long)account_id);
        }
        if (id >= f->cap) {
                size_t old = f->cap;

                if (CXG_GROW(f->by_id, id + 1, f->cap, CXG_GROW_NOCAP)) {
                        eng_fstate_free(st);
                        return cxg_error_set(err, CXG_ERR_NOMEM, "engine state: out of memory");
                }
                memset(f->by_id + old, 0, (f->cap - old) * sizeof(*f->by_id));
        }
        if (f->by_id[id])
                eng_fstate_free(f->by_id[id]);
        else
                f->count++;
        f->by_id[id] = st;
        return CXG_OK;
}

void eng_foreign_drop(struct eng_foreign *f, int64_t account_id)
{
        if (!f || account_id <= 0 || (size_t)account_id >= f->cap || !f->by_id[account_id])
                return;
        eng_fstate_free(f->by_id[account_id]);
        f->by_id[account_id] = NULL;
        f->count--;
}

const struct eng_fstate *eng_foreign_get(const struct eng_foreign *f, int64_t account_id)
{
        if (!f || account_id <= 0 || (size_t)account_id >= f->cap)
                return NULL;
        return f->by_id[account_id];
}

size_t eng_foreign_count(const struct eng_foreign *f)
{
        return f ? f->count : 0;
}

uint32_t eng_account_shard(const struct eng_snapshot *s, uint32_t a, uint32_t n_shards)
{
        return cxg_shard_of(s->a_ext[a], n_shards);
}

/* ---- the month range ---- */

/* Reallocate a per-row, per-month array of rows x (old n) into rows x nn, shifted by off. */
static void *remonth(const void *old, size_t rows, size_t n, size_t nn, size_t off, size_t sz)
{
        char *fresh = cxg_calloc(rows * nn + 1, sz);

        if (!fresh)
                return NULL;
        for (size_t r = 0; old && n && r < rows; r++)
                memcpy(fresh + (r * nn + off) * sz, (const char *)old + r * n * sz, n * sz);
        return fresh;
}

/*
 * Widen s's months to cover [lo, hi] (absolute months): a_month, p_active and the per-type
 * latency sums move to the new slots, new months are zero. The snapshot's min_ts and max_ts
 * (the local data) are kept.
 */
static enum cxg_err widen_months(struct eng_snapshot *s, int64_t lo, int64_t hi)
{
        int64_t m0 = s->n_months ? s->month0 : lo;
        int64_t end = s->n_months ? s->month0 + (int64_t)s->n_months : lo;
        size_t off, nn, nw, nt = s->types.n + 1;
        struct eng_month *am;
        uint64_t *pa;
        void *ts, *tn;

        if (lo < m0)
                m0 = lo;
        if (hi + 1 > end)
                end = hi + 1;
        off = s->n_months ? (size_t)(s->month0 - m0) : 0;
        nn = (size_t)(end - m0);
        if (nn == s->n_months)
                return CXG_OK;
        nw = (nn + 63) / 64;
        am = remonth(s->a_month, s->n_accounts, s->n_months, nn, off, sizeof(*am));
        ts = remonth(s->t_lat_sum, nt, s->n_months, nn, off, sizeof(*s->t_lat_sum));
        tn = remonth(s->t_lat_n, nt, s->n_months, nn, off, sizeof(*s->t_lat_n));
        pa = cxg_calloc(s->n_people * nw + 1, sizeof(uint64_t));
        if (!am || !ts || !tn || !pa) {
                cxg_free(am);
                cxg_free(ts);
                cxg_free(tn);
                cxg_free(pa);
                return CXG_ERR_NOMEM;
        }
        for (size_t p = 0; s->p_active && p < s->n_people; p++)
                for (size_t m = 0; m < s->n_months; m++)
                        if ((s->p_active[p * s->p_words + m / 64] >> (m % 64)) & 1)
                                pa[p * nw + (m + off) / 64] |= UINT64_C(1) << ((m + off) % 64);
        cxg_free(s->a_month);
        cxg_free(s->t_lat_sum);
        cxg_free(s->t_lat_n);
        cxg_free(s->p_active);
        s->a_month = am;
        s->t_lat_sum = ts;
        s->t_lat_n = tn;
        s->p_active = pa;
        s->month0 = m0;
        s->n_months = nn;
        s->p_words = nw;
        return CXG_OK;
}

/* ---- applying ---- */

/* Account index of state st kept as account_id in s when it is to be applied, else ENG_NONE. */
static uint32_t target(const struct eng_snapshot *s, const struct cxg_shardset *own,
                       int64_t account_id, const struct eng_fstate *st)
{
        uint32_t a;

        if ((size_t)account_id >= s->a_by_id_cap || (a = s->a_by_id[account_id]) == ENG_NONE ||
            a >= s->n_accounts || strcmp(s->a_ext[a], st->account_ext) != 0)
                return ENG_NONE;
        if (own && own->n && cxg_shardset_has(own, eng_account_shard(s, a, own->n)))
                return ENG_NONE;
        return a;
}

/* Index of a reason's reference in s for account a, ENG_NONE when it no longer resolves. */
static uint32_t resolve(const struct eng_snapshot *s, uint32_t a, int kind, const char *name)
{
        uint64_t v;

        switch (kind) {
        case ENG_REF_PERSON:
                return eng_person_find(s, name);
        case ENG_REF_TYPE:
                return cxg_hmap_get(&s->types.map, name, strlen(name), &v) ? (uint32_t)v : ENG_NONE;
        case ENG_REF_OBJECTIVE:
                for (uint32_t k = s->a_ooff[a]; k < s->a_ooff[a + 1]; k++)
                        if (strcmp(s->o_ext[s->o_list[k]], name) == 0)
                                return s->o_list[k];
                return ENG_NONE;
        default:
                return ENG_NONE;
        }
}

static void apply_score(const struct eng_snapshot *s, struct eng_scores *r, uint32_t a,
                        const struct eng_fstate *st)
{
        struct eng_account_score *sc = &r->acc[a];
        uint8_t kept = 0;

        *sc = st->sc;
        for (int k = 0; k < st->sc.n_reasons; k++) {
                struct eng_reason why = st->sc.reasons[k];

                if (st->ref_kind[k] != ENG_REF_NUM &&
                    (why.ref = resolve(s, a, st->ref_kind[k], st->ref_name[k])) == ENG_NONE)
                        continue;
                sc->reasons[kept++] = why;
        }
        sc->n_reasons = kept;
}

static void apply_person_scores(struct eng_scores *r, uint32_t p, const struct eng_fperson *fp)
{
        if (!r || p >= r->n_people || !r->p_engagement)
                return;
        r->p_engagement[p] = fp->engagement;
        r->p_activity[p] = fp->activity;
        r->p_prior[p] = fp->prior;
        r->p_last[p] = fp->last;
        r->p_channels[p] = fp->channels;
        r->p_caps[p] = fp->caps;
        r->p_capmask[p] = fp->capmask;
        r->p_feedback[p] = fp->feedback;
}

static void apply_person(struct eng_snapshot *s, struct eng_scores *r, uint32_t p,
                         const struct eng_fperson *fp)
{
        apply_person_scores(r, p, fp);
        if (!s->p_active)
                return;
        memset(&s->p_active[(size_t)p * s->p_words], 0, s->p_words * sizeof(uint64_t));
        for (uint32_t k = 0; k < fp->n_active; k++) {
                size_t m = (size_t)(fp->active[k] - s->month0);

                s->p_active[(size_t)p * s->p_words + m / 64] |= UINT64_C(1) << (m % 64);
        }
}

enum cxg_err eng_foreign_apply_scores(const struct eng_foreign *f, const struct cxg_shardset *own,
                                      const struct eng_snapshot *s, struct eng_scores *r)
{
        for (size_t id = 0; f && r && r->acc && id < f->cap; id++) {
                const struct eng_fstate *st = f->by_id[id];
                uint32_t a = st ? target(s, own, (int64_t)id, st) : ENG_NONE;

                if (a == ENG_NONE || a >= r->n_accounts)
                        continue;
                apply_score(s, r, a, st);
                for (size_t k = 0; k < st->n_people; k++) {
                        uint32_t p = eng_person_find(s, st->people[k].ext);

                        if (p != ENG_NONE && s->p_account[p] == a)
                                apply_person_scores(r, p, &st->people[k]);
                }
        }
        return CXG_OK;
}

static void apply_state(struct eng_snapshot *s, struct eng_scores *r, uint32_t a,
                        const struct eng_fstate *st)
{
        struct eng_month *row = &s->a_month[(size_t)a * s->n_months];

        if (s->n_months)
                memset(row, 0, s->n_months * sizeof(*row));
        for (size_t k = 0; k < st->n_months && s->n_months; k++) {
                const struct eng_fmonth *fm = &st->months[k];
                struct eng_month *mo = &row[fm->month - s->month0];

                mo->n = fm->n;
                mo->failed = fm->failed;
                mo->slow = fm->slow;
                mo->sup_n = fm->sup_n;
                mo->lat_n = fm->lat_n;
                mo->sup_sum = (__typeof__(mo->sup_sum))fm->sup_sum;
                mo->lat_sum = (__typeof__(mo->lat_sum))fm->lat_sum;
        }
        if (r && a < r->n_accounts && r->acc)
                apply_score(s, r, a, st);
        for (size_t k = 0; k < st->n_people; k++) {
                uint32_t p = eng_person_find(s, st->people[k].ext);

                if (p != ENG_NONE && s->p_account[p] == a)
                        apply_person(s, r, p, &st->people[k]);
        }
}

enum cxg_err eng_foreign_apply(const struct eng_foreign *f, const struct cxg_shardset *own,
                               struct eng_snapshot *s, struct eng_scores *r, struct cxg_error *err)
{
        int64_t lo = INT64_MAX, hi = INT64_MIN;

        if (!f || !f->count)
                return CXG_OK;
        if (!s->finished)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "engine state: applying to an unfinished snapshot");
        for (size_t id = 0; id < f->cap; id++) {
                const struct eng_fstate *st = f->by_id[id];

                if (!st || st->month_lo > st->month_hi ||
                    target(s, own, (int64_t)id, st) == ENG_NONE)
                        continue;
                lo = st->month_lo < lo ? st->month_lo : lo;
                hi = st->month_hi > hi ? st->month_hi : hi;
        }
        if (lo <= hi && widen_months(s, lo, hi))
                return cxg_error_set(err, CXG_ERR_NOMEM,
                                     "engine state: out of memory widening the months");
        for (size_t id = 0; id < f->cap; id++) {
                const struct eng_fstate *st = f->by_id[id];
                uint32_t a = st ? target(s, own, (int64_t)id, st) : ENG_NONE;

                if (a != ENG_NONE)
                        apply_state(s, r, a, st);
        }
        return CXG_OK;
}
