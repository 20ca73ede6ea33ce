/*
 * detect_features.c: the per-person detector inputs an account's owner computes from its rows
 * (detect_features.h): each person's interactions per day of age before the as-of time and last
 * interaction, and the window counts a detector run reads for every person, from the local rows
 * or from other shards' published states.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/timeconst.h"
#include "engine/cluster.h"
#include "engine/detect_features.h"
#include "engine/state_int.h"

void eng_dfeat_acc_init(struct eng_dfeat_acc *f)
{
        memset(f, 0, sizeof(*f));
}

void eng_dfeat_acc_release(struct eng_dfeat_acc *f)
{
        cxg_free(f->last);
        cxg_free(f->off);
        cxg_free(f->age);
        cxg_free(f->cnt);
        cxg_free(f->keys);
        cxg_free(f->loc);
        eng_dfeat_acc_init(f);
}

int64_t eng_dfeat_days(double days)
{
        return days > 0 ? (int64_t)llround(days) : 0;
}

static int cmp_u64(const void *x, const void *y)
{
        uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

        return a < b ? -1 : a > b;
}

/* Scratch and output sized for np people and nrows rows. */
static enum cxg_err fit(struct eng_dfeat_acc *f, const struct eng_snapshot *s, uint32_t np,
                        size_t nrows)
{
        if (CXG_GROW(f->last, np + 1, f->cap_np, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        if (CXG_GROW(f->off, np + 2, f->cap_off, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        if (!f->loc || f->cap_loc < s->n_people + 1) {
                cxg_free(f->loc);
                if (!(f->loc = cxg_calloc(s->n_people + 1, sizeof(*f->loc))))
                        return CXG_ERR_NOMEM;
                f->cap_loc = s->n_people + 1;
        }
        if (CXG_GROW(f->keys, nrows + 1, f->cap_keys, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        if (nrows > f->cap_n) {
                uint16_t *age = cxg_realloc(f->age, (nrows + 1) * sizeof(*age));
                uint32_t *cnt;

                if (age)
                        f->age = age;
                cnt = age ? cxg_realloc(f->cnt, (nrows + 1) * sizeof(*cnt)) : NULL;
                if (!cnt)
                        return CXG_ERR_NOMEM;
                f->cnt = cnt;
                f->cap_n = nrows;
        }
        return CXG_OK;
}

/* The (local person, age) key of every row of a by one of a's people, at or before at. */
static size_t collect(const struct eng_snapshot *s, uint32_t a, int64_t at, struct eng_dfeat_acc *f)
{
        uint64_t lo = a < s->ioff_accounts ? s->a_ioff[a] : 0;
        uint64_t hi = a < s->ioff_accounts ? s->a_ioff[a + 1] : 0;
        uint32_t d0 = s->a_doff ? s->a_doff[a] : 0, d1 = s->a_doff ? s->a_doff[a + 1] : 0;
        size_t nk = 0;

        for (int seg = 0; seg < 2; seg++) {
                const struct eng_icols *c = seg ? &s->delta : &s->main;
                uint64_t n = seg ? d1 - d0 : hi - lo;

                for (uint64_t k = 0; k < n; k++) {
                        uint64_t i = seg ? s->d_idx[d0 + k] : lo + k;
                        int64_t t = (int64_t)c->ts[i] + ENG_EPOCH, age;
                        uint32_t pi = c->person[i], q;

                        if (t > at || pi >= s->n_people || !(q = f->loc[pi]))
                                continue;
                        q--;
                        if (c->ts[i] > f->last[q])
                                f->last[q] = c->ts[i];
                        age = (at - t) / CXG_DAY;
                        if (age > ENG_DFEAT_DAYS)
                                age = ENG_DFEAT_DAYS;
                        f->keys[nk++] = (uint64_t)q << 16 | (uint64_t)age;
                }
        }
        return nk;
}

enum cxg_err eng_dfeat_account(const struct eng_snapshot *s, uint32_t a, int64_t at,
                               struct eng_dfeat_acc *f)
{
        uint32_t np = s->a_poff[a + 1] - s->a_poff[a];
        size_t nrows = 0, nk;

        if (a < s->ioff_accounts)
                nrows += s->a_ioff[a + 1] - s->a_ioff[a];
        if (s->a_doff)
                nrows += s->a_doff[a + 1] - s->a_doff[a];
        if (fit(f, s, np, nrows))
                return CXG_ERR_NOMEM;
        f->np = np;
        f->n = 0;
        for (uint32_t q = 0; q < np; q++) {
                f->last[q] = INT32_MIN;
                f->loc[s->p_list[s->a_poff[a] + q]] = q + 1;
        }
        nk = collect(s, a, at, f);
        for (uint32_t q = 0; q < np; q++)
                f->loc[s->p_list[s->a_poff[a] + q]] = 0;
        qsort(f->keys, nk, sizeof(*f->keys), cmp_u64);
        /* run lengths: (person, age) pairs in order, offsets per person */
        for (uint32_t q = 0, k = 0; q <= np; q++) {
                f->off[q] = (uint32_t)f->n;
                while (q < np && k < nk && (f->keys[k] >> 16) == q) {
                        uint16_t age = (uint16_t)(f->keys[k] & 0xffff);

                        if (f->n && f->off[q] < f->n && f->age[f->n - 1] == age) {
                                f->cnt[f->n - 1]++;
                        } else {
                                f->age[f->n] = age;
                                f->cnt[f->n++] = 1;
                        }
                        k++;
                }
        }
        return CXG_OK;
}

static uint32_t window_of(const uint16_t *age, const uint32_t *cnt, uint32_t lo_i, uint32_t hi_i,
                          int64_t lo, int64_t hi)
{
        uint32_t n = 0;

        if (hi > ENG_DFEAT_DAYS + 1)
                hi = ENG_DFEAT_DAYS + 1;
        for (uint32_t k = lo_i; k < hi_i; k++)
                if (age[k] >= lo && age[k] < hi)
                        n += cnt[k];
        return n;
}

uint32_t eng_dfeat_window(const struct eng_dfeat_acc *f, uint32_t k, int64_t lo_days,
                          int64_t hi_days)
{
        return window_of(f->age, f->cnt, f->off[k], f->off[k + 1], lo_days, hi_days);
}

void eng_dfeat_windows_release(struct eng_dfeat_windows *w)
{
        cxg_free(w->count);
        cxg_free(w->last);
        w->count = NULL;
        w->last = NULL;
}

/* Account a's people's figures from its published state st (people matched by id). */
static void from_state(const struct eng_snapshot *s, const struct eng_fstate *st,
                       struct eng_dfeat_windows *w)
{
        for (size_t k = 0; k < st->n_people && st->dlast; k++) {
                uint32_t pi = eng_person_find(s, st->people[k].ext);

                if (pi == ENG_NONE || pi >= s->n_people)
                        continue;
                w->last[pi] = st->dlast[k];
                for (size_t q = 0; q < w->nwin; q++)
                        w->count[(size_t)pi * w->nwin + q] = window_of(
                            st->dage, st->dcnt, st->doff[k], st->doff[k + 1], w->lo[q], w->hi[q]);
        }
}

enum cxg_err eng_dfeat_people(const struct eng_snapshot *s, const struct eng_foreign *f,
                              const struct cxg_shardset *own, int64_t at,
                              struct eng_dfeat_windows *w)
{
        struct eng_dfeat_acc fa;
        enum cxg_err rc = CXG_OK;

        w->count = cxg_calloc(s->n_people * w->nwin + 1, sizeof(*w->count));
        w->last = cxg_malloc((s->n_people + 1) * sizeof(*w->last));
        if (!w->count || !w->last)
                return CXG_ERR_NOMEM;
        for (size_t k = 0; k < s->n_people; k++)
                w->last[k] = INT32_MIN;
        eng_dfeat_acc_init(&fa);
        for (uint32_t a = 0; a < s->n_accounts && !rc; a++) {
                const struct eng_fstate *st = NULL;

                if (f && own && !cxg_shardset_has(own, eng_account_shard(s, a, own->n)))
                        st = eng_foreign_get(f, s->a_id[a]);
                if (st) {
                        from_state(s, st, w);
                        continue;
                }
                if ((rc = eng_dfeat_account(s, a, at, &fa)))
                        break;
                for (uint32_t q = 0; q < fa.np; q++) {
                        uint32_t pi = s->p_list[s->a_poff[a] + q];

                        w->last[pi] = fa.last[q];
                        for (size_t k = 0; k < w->nwin; k++)
                                w->count[(size_t)pi * w->nwin + k] =
                                    eng_dfeat_window(&fa, q, w->lo[k], w->hi[k]);
                }
        }
        eng_dfeat_acc_release(&fa);
        return rc;
}
