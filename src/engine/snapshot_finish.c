/*
 * snapshot_finish.c: finishes a snapshot (eng_snapshot_finish): interactions grouped by account
 * and sorted by time, the delta segment of a refresh merged or indexed, feedback, subscriptions,
 * people and objectives grouped, and the monthly counters the scores and cohorts read.
 */
#include "engine/snapshot.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/snapshot_int.h"

/* ---- finishing: grouping and sorting ---- */

static int cmp_u64(const void *x, const void *y)
{
        uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

        return a < b ? -1 : a > b;
}

/* Offsets (n_groups + 1) of a counting sort of keys; order receives indexes grouped by key. */
static enum cxg_err group_by(const uint32_t *keys, size_t n, size_t n_groups, uint32_t **off_out,
                             uint32_t **order_out)
{
        uint32_t *off = cxg_calloc(n_groups + 1, sizeof(uint32_t));
        uint32_t *order = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        uint32_t *pos = cxg_malloc((n_groups + 1) * sizeof(uint32_t));

        if (!off || !order || !pos) {
                cxg_free(off);
                cxg_free(order);
                cxg_free(pos);
                return CXG_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
                off[keys[i] + 1]++;
        for (size_t g = 0; g < n_groups; g++)
                off[g + 1] += off[g];
        memcpy(pos, off, (n_groups + 1) * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++)
                order[pos[keys[i]]++] = (uint32_t)i;
        cxg_free(pos);
        *off_out = off;
        *order_out = order;
        return CXG_OK;
}

/* Sort order[lo, hi) by ts64 (ties kept in index order). */
static enum cxg_err sort_by_ts64(uint32_t *order, size_t lo, size_t hi, const int64_t *ts)
{
        size_t n = hi - lo;
        int sorted = 1;
        uint64_t *keys;

        for (size_t i = lo + 1; i < hi && sorted; i++)
                if (ts[order[i]] < ts[order[i - 1]])
                        sorted = 0;
        if (sorted)
                return CXG_OK;
        /* (ts, position) pairs sorted as 128 bits would be simpler; positions are small here */
        keys = cxg_malloc(n * sizeof(uint64_t) * 2);
        if (!keys)
                return CXG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                keys[2 * i] = (uint64_t)ts[order[lo + i]] ^ (UINT64_C(1) << 63);
                keys[2 * i + 1] = order[lo + i];
        }
        qsort(keys, n, 2 * sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < n; i++)
                order[lo + i] = (uint32_t)keys[2 * i + 1];
        cxg_free(keys);
        return CXG_OK;
}

/* Sort order[lo, hi) by the int32 ts column (stable). */
static enum cxg_err sort_by_ts32(uint32_t *order, size_t lo, size_t hi, const int32_t *ts)
{
        size_t n = hi - lo;
        int sorted = 1;
        uint64_t *keys;

        for (size_t i = lo + 1; i < hi && sorted; i++)
                if (ts[order[i]] < ts[order[i - 1]])
                        sorted = 0;
        if (sorted)
                return CXG_OK;
        keys = cxg_malloc(n * sizeof(uint64_t));
        if (!keys)
                return CXG_ERR_NOMEM;
        /* order values are positions in the delta; within one account they fit 32 bits */
        for (size_t i = 0; i < n; i++)
                keys[i] =
                    ((uint64_t)((int64_t)ts[order[lo + i]] - INT32_MIN) << 32) | order[lo + i];
        qsort(keys, n, sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < n; i++)
                order[lo + i] = (uint32_t)keys[i];
        cxg_free(keys);
        return CXG_OK;
}

#define PERMUTE(col, type, n, order)                                                               \
        do {                                                                                       \
                type *nc_ = cxg_malloc(((n) ? (n) : 1) * sizeof(type));                            \
                if (!nc_)                                                                          \
                        goto nomem;                                                                \
                for (size_t i_ = 0; i_ < (n); i_++)                                                \
                        nc_[i_] = (col)[(order)[i_]];                                              \
                cxg_free(col);                                                                     \
                (col) = nc_;                                                                       \
        } while (0)

static enum cxg_err finish_feedback(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->f_account, s->n_fb, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts64(order, off[a], off[a + 1], s->f_ts)))
                        goto done;
        PERMUTE(s->f_ts, int64_t, s->n_fb, order);
        PERMUTE(s->f_person, uint32_t, s->n_fb, order);
        PERMUTE(s->f_account, uint32_t, s->n_fb, order);
        PERMUTE(s->f_kind, uint8_t, s->n_fb, order);
        PERMUTE(s->f_score, float, s->n_fb, order);
        PERMUTE(s->f_comment, const char *, s->n_fb, order);
        s->cap_fb = s->n_fb;
        cxg_free(s->a_foff);
        s->a_foff = off;
        off = NULL;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(off);
        cxg_free(order);
        return rc;
}

static enum cxg_err finish_subs(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->s_account, s->n_subs, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts64(order, off[a], off[a + 1], s->s_start)))
                        goto done;
        PERMUTE(s->s_account, uint32_t, s->n_subs, order);
        PERMUTE(s->s_plan, uint16_t, s->n_subs, order);
        PERMUTE(s->s_mrr, float, s->n_subs, order);
        PERMUTE(s->s_start, int64_t, s->n_subs, order);
        PERMUTE(s->s_end, int64_t, s->n_subs, order);
        s->cap_subs = s->n_subs;
        cxg_free(s->a_soff);
        s->a_soff = off;
        off = NULL;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(off);
        cxg_free(order);
        return rc;
}

static enum cxg_err finish_people(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->p_account, s->n_people, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        cxg_free(s->a_poff);
        cxg_free(s->p_list);
        s->a_poff = off;
        s->p_list = order;
        return CXG_OK;
}

/* Scatter a column: dst[pos_main[i]] = main[i], dst[pos_delta[j]] = delta[j]. */
/*
 * Merged columns are all allocated before any is filled, so running out of memory leaves both
 * segments as they were (a half-scattered merge would leave the delta's columns freed while
 * its row count stays, and the next row appended would be written through a NULL column).
 */
#define SCATTER(field)                                                                             \
        do {                                                                                       \
                for (size_t i_ = 0; i_ < s->main.n; i_++)                                          \
                        m.field[pos_main ? pos_main[i_] : i_] = s->main.field[i_];                 \
                for (size_t j_ = 0; j_ < s->delta.n; j_++)                                         \
                        m.field[pos_delta[j_]] = s->delta.field[j_];                               \
                cxg_free(s->main.field);                                                           \
                s->main.field = m.field;                                                           \
                m.field = NULL;                                                                    \
                cxg_free(s->delta.field);                                                          \
                s->delta.field = NULL;                                                             \
        } while (0)

/* Merge the delta segment into the main one, keeping (account, ts) order. */
static enum cxg_err merge_delta(struct eng_snapshot *s)
{
        size_t total = s->main.n + s->delta.n;
        uint32_t *doff = NULL, *dorder = NULL, *pos_main = NULL, *pos_delta = NULL;
        uint64_t *noff = NULL;
        struct eng_icols m;
        size_t nt;
        enum cxg_err rc;

        memset(&m, 0, sizeof(m));
        if (total > UINT32_MAX)
                return CXG_ERR_LIMIT;
        if ((rc = group_by(s->delta.account, s->delta.n, s->n_accounts, &doff, &dorder)))
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts32(dorder, doff[a], doff[a + 1], s->delta.ts)))
                        goto done;
        noff = cxg_malloc((s->n_accounts + 1) * sizeof(uint64_t));
        pos_delta = cxg_malloc((s->delta.n ? s->delta.n : 1) * sizeof(uint32_t));
        if (s->main.n)
                pos_main = cxg_malloc(s->main.n * sizeof(uint32_t));
        nt = total ? total : 1;
        m.ts = cxg_malloc(nt * sizeof(*m.ts));
        m.person = cxg_malloc(nt * sizeof(*m.person));
        m.account = cxg_malloc(nt * sizeof(*m.account));
        m.duration = cxg_malloc(nt * sizeof(*m.duration));
        m.value = cxg_malloc(nt * sizeof(*m.value));
        m.type = cxg_malloc(nt * sizeof(*m.type));
        m.channel = cxg_malloc(nt * sizeof(*m.channel));
        m.outcome = cxg_malloc(nt * sizeof(*m.outcome));
        if (!noff || !pos_delta || (s->main.n && !pos_main) || !m.ts || !m.person || !m.account ||
            !m.duration || !m.value || !m.type || !m.channel || !m.outcome)
                goto nomem;
        noff[0] = 0;
        for (size_t a = 0; a < s->n_accounts; a++) {
                uint64_t mlo = 0, mhi = 0, out = noff[a];
                size_t d = doff[a], dhi = doff[a + 1];

                if (s->main.n) {
                        mlo = s->a_ioff[a];
                        mhi = s->a_ioff[a + 1];
                }
                while (mlo < mhi || d < dhi) {
                        if (d >= dhi || (mlo < mhi && s->main.ts[mlo] <= s->delta.ts[dorder[d]]))
                                pos_main[mlo++] = (uint32_t)out++;
                        else
                                pos_delta[dorder[d++]] = (uint32_t)out++;
                }
                noff[a + 1] = out;
        }
        SCATTER(ts);
        SCATTER(person);
        SCATTER(account);
        SCATTER(duration);
        SCATTER(value);
        SCATTER(type);
        SCATTER(channel);
        SCATTER(outcome);
        s->main.n = s->main.cap = total;
        s->delta.n = s->delta.cap = 0;
        cxg_free(s->a_ioff);
        s->a_ioff = noff;
        noff = NULL;
        rc = CXG_OK;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(doff);
        cxg_free(dorder);
        cxg_free(pos_main);
        cxg_free(pos_delta);
        cxg_free(noff);
        cxg_free(m.ts);
        cxg_free(m.person);
        cxg_free(m.account);
        cxg_free(m.duration);
        cxg_free(m.value);
        cxg_free(m.type);
        cxg_free(m.channel);
        cxg_free(m.outcome);
        return rc;
}

/*
 * a_ioff must cover every account: accounts added since the last merge get empty main ranges.
 */
static enum cxg_err extend_ioff(struct eng_snapshot *s, size_t old_n)
{
        void *tmp;

        if (SNAP_RESIZE(s->a_ioff, s->n_accounts + 1))
                return CXG_ERR_NOMEM;
        if (old_n == 0)
                s->a_ioff[0] = 0;
        for (size_t a = old_n; a < s->n_accounts; a++)
                s->a_ioff[a + 1] = s->a_ioff[old_n];
        return CXG_OK;
}

/* Objectives grouped by account (a_ooff, o_list). */
static enum cxg_err group_objectives(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->o_account, s->n_obj, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        cxg_free(s->a_ooff);
        cxg_free(s->o_list);
        s->a_ooff = off;
        s->o_list = order;
        return CXG_OK;
}

/* t_caps must cover every type (types added since are zero: no capability). */
static enum cxg_err grow_t_caps(struct eng_snapshot *s)
{
        size_t old = s->t_caps_cap;

        if (old >= s->types.n + 1)
                return CXG_OK;
        if (CXG_GROW(s->t_caps, s->types.n + 1, s->t_caps_cap, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        memset(s->t_caps + old, 0, (s->t_caps_cap - old) * sizeof(uint64_t));
        return CXG_OK;
}

static enum cxg_err index_delta(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->delta.account, s->delta.n, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts32(order, off[a], off[a + 1], s->delta.ts))) {
                        cxg_free(off);
                        cxg_free(order);
                        return rc;
                }
        cxg_free(s->a_doff);
        cxg_free(s->d_idx);
        s->a_doff = off;
        s->d_idx = order;
        return CXG_OK;
}

/* Merge the sorted runs order[lo, mid) and [mid, hi) by ts (ties: the first run first). */
static void merge_runs(uint32_t *order, size_t lo, size_t mid, size_t hi, const int32_t *ts,
                       uint32_t *tmp)
{
        size_t i = lo, j = mid, k = 0;

        if (mid == lo || mid == hi || ts[order[mid - 1]] <= ts[order[mid]])
                return;
        while (i < mid && j < hi)
                tmp[k++] = ts[order[j]] < ts[order[i]] ? order[j++] : order[i++];
        while (i < mid)
                tmp[k++] = order[i++];
        while (j < hi)
                tmp[k++] = order[j++];
        memcpy(order + lo, tmp, k * sizeof(uint32_t));
}

/*
 * Index delta rows d0.. into a_doff / d_idx, which cover the rows below d0 for the first na0
 * accounts: each account's sorted run is copied, its new rows are sorted and merged after it.
 * Linear in the delta plus the sort of the new rows, where index_delta sorts every account's
 * rows again on each append (the applier appends many times a second).
 */
static enum cxg_err index_delta_append(struct eng_snapshot *s, size_t d0, size_t na0)
{
        size_t na = s->n_accounts, n = s->delta.n;
        uint32_t *off, *order, *pos, *tmp;
        enum cxg_err rc = CXG_OK;

        if (d0 == 0 || d0 > n || !s->a_doff || !s->d_idx || na0 > na)
                return index_delta(s);
        off = cxg_calloc(na + 1, sizeof(uint32_t));
        pos = cxg_malloc((na + 1) * sizeof(uint32_t));
        order = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        tmp = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        if (!off || !pos || !order || !tmp) {
                rc = CXG_ERR_NOMEM;
                goto done;
        }
        for (size_t a = 0; a < na0; a++)
                off[a + 1] = s->a_doff[a + 1] - s->a_doff[a];
        for (size_t j = d0; j < n; j++)
                off[s->delta.account[j] + 1]++;
        for (size_t a = 0; a < na; a++)
                off[a + 1] += off[a];
        for (size_t a = 0; a < na; a++) {
                size_t old = a < na0 ? s->a_doff[a + 1] - s->a_doff[a] : 0;

                if (old)
                        memcpy(order + off[a], s->d_idx + s->a_doff[a], old * sizeof(uint32_t));
                pos[a] = off[a] + (uint32_t)old;
        }
        for (size_t j = d0; j < n; j++)
                order[pos[s->delta.account[j]]++] = (uint32_t)j;
        for (size_t a = 0; a < na && !rc; a++) {
                size_t mid = off[a] + (a < na0 ? s->a_doff[a + 1] - s->a_doff[a] : 0);

                if (mid == off[a + 1])
                        continue; /* no new rows */
                if (!(rc = sort_by_ts32(order, mid, off[a + 1], s->delta.ts)))
                        merge_runs(order, off[a], mid, off[a + 1], s->delta.ts, tmp);
        }
done:
        cxg_free(pos);
        cxg_free(tmp);
        if (rc) {
                cxg_free(off);
                cxg_free(order);
                return rc;
        }
        cxg_free(s->a_doff);
        cxg_free(s->d_idx);
        s->a_doff = off;
        s->d_idx = order;
        return CXG_OK;
}

int eng_duration_kind(const struct eng_snapshot *s, uint16_t type, uint8_t channel)
{
        const char *name = type < s->types.n ? s->types.names[type] : "";

        if (channel == CXG_CH_SUPPORT || strncmp(name, "support", 7) == 0)
                return ENG_DUR_SUPPORT;
        if (channel == CXG_CH_WEB || channel == CXG_CH_APP)
                return ENG_DUR_LATENCY;
        return ENG_DUR_OTHER;
}

/* Count row i of segment c into the monthly counters. */
static void month_count(struct eng_snapshot *s, const struct eng_icols *c, size_t i, size_t m)
{
        struct eng_month *mo = &s->a_month[(size_t)c->account[i] * s->n_months + m];
        uint32_t d = c->duration[i];

        mo->n++;
        if (c->outcome[i] == CXG_OUT_FAILED)
                mo->failed++;
        if (d != ENG_DUR_NONE) {
                int kind = eng_duration_kind(s, c->type[i], c->channel[i]);

                if (kind == ENG_DUR_SUPPORT) {
                        mo->sup_n++;
                        mo->sup_sum += (float)d / 1000.0f;
                } else if (kind == ENG_DUR_LATENCY) {
                        if (d > s->slow_ms)
                                mo->slow++;
                        mo->lat_n++;
                        mo->lat_sum += (float)d / 1000.0f;
                        s->t_lat_sum[(size_t)c->type[i] * s->n_months + m] += d;
                        s->t_lat_n[(size_t)c->type[i] * s->n_months + m]++;
                }
        }
        s->p_active[(size_t)c->person[i] * s->p_words + m / 64] |= UINT64_C(1) << (m % 64);
}

/* Month slot (0-based from month0) of relative ts, by binary search in starts. */
static size_t month_of(const int64_t *starts, size_t n, int32_t ts)
{
        size_t lo = 0, hi = n;
        int64_t t = (int64_t)ts + ENG_EPOCH;

        while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;

                if (starts[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

static enum cxg_err build_months(struct eng_snapshot *s)
{
        int64_t *starts = NULL;

        cxg_free(s->a_month);
        cxg_free(s->p_active);
        cxg_free(s->t_lat_sum);
        cxg_free(s->t_lat_n);
        s->a_month = NULL;
        s->p_active = NULL;
        s->t_lat_sum = NULL;
        s->t_lat_n = NULL;
        s->n_months = 0;
        s->p_words = 0;
        if (s->min_ts == CXG_TS_NONE)
                return CXG_OK;
        s->month0 = cxg_month_index(s->min_ts);
        s->n_months = (size_t)(cxg_month_index(s->max_ts) - s->month0 + 1);
        s->p_words = (s->n_months + 63) / 64;
        s->a_month = cxg_calloc(s->n_accounts * s->n_months + 1, sizeof(struct eng_month));
        s->p_active = cxg_calloc(s->n_people * s->p_words + 1, sizeof(uint64_t));
        starts = cxg_malloc((s->n_months + 1) * sizeof(int64_t));
        s->t_lat_sum = cxg_calloc((s->types.n + 1) * s->n_months, sizeof(double));
        s->t_lat_n = cxg_calloc((s->types.n + 1) * s->n_months, sizeof(uint32_t));
        if (!s->a_month || !s->p_active || !starts || !s->t_lat_sum || !s->t_lat_n) {
                cxg_free(starts);
                return CXG_ERR_NOMEM;
        }
        for (size_t m = 0; m <= s->n_months; m++)
                starts[m] = cxg_month_start(s->month0 + (int64_t)m);
        for (size_t a = 0; a < s->n_accounts; a++) {
                size_t m = 0;

                for (uint64_t i = s->a_ioff[a]; i < s->a_ioff[a + 1]; i++) {
                        int64_t t = (int64_t)s->main.ts[i] + ENG_EPOCH;

                        while (m + 1 < s->n_months && t >= starts[m + 1])
                                m++;
                        month_count(s, &s->main, i, m);
                }
        }
        for (size_t j = 0; j < s->delta.n; j++)
                month_count(s, &s->delta, j, month_of(starts, s->n_months, s->delta.ts[j]));
        cxg_free(starts);
        return CXG_OK;
}

enum cxg_err eng_snapshot_finish(struct eng_snapshot *s, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = finish_people(s)) || (rc = finish_subs(s)) || (rc = finish_feedback(s)))
                goto fail;
        if ((rc = group_objectives(s)))
                goto fail;
        if ((rc = grow_t_caps(s)) || (rc = extend_ioff(s, s->ioff_accounts)))
                goto fail;
        s->ioff_accounts = s->n_accounts;
        if (s->delta.n &&
            (s->main.n == 0 || (double)s->delta.n > s->merge_fraction * (double)s->main.n)) {
                if ((rc = merge_delta(s)))
                        goto fail;
        }
        if ((rc = index_delta(s)) || (rc = build_months(s)))
                goto fail;
        /* per-person sums may skip the account check when every row agrees (the usual case) */
        s->mixed_accounts = 0;
        for (size_t j = 0; j < s->main.n && !s->mixed_accounts; j++)
                s->mixed_accounts = s->p_account[s->main.person[j]] != s->main.account[j];
        for (size_t j = 0; j < s->delta.n && !s->mixed_accounts; j++)
                s->mixed_accounts = s->p_account[s->delta.person[j]] != s->delta.account[j];
        s->finished = 1;
        return CXG_OK;
fail:
        return cxg_error_set(err, rc, "engine: building the snapshot: %s", cxg_strerror(rc));
}

/* Zero-extend a per-row table from old_n to n entries of size sz (the monthly counters). */
static int extend_zero(void **p, size_t old_n, size_t n, size_t sz)
{
        void *tmp;

        if (n <= old_n)
                return 0;
        tmp = cxg_realloc(*p, n * sz);
        if (!tmp)
                return 1;
        memset((char *)tmp + old_n * sz, 0, (n - old_n) * sz);
        *p = tmp;
        return 0;
}

/*
 * Count delta rows d0.. into monthly counters that cover their months, grown for the accounts,
 * people and types added since they were built (old_* their counts then).
 */
static enum cxg_err count_new_rows(struct eng_snapshot *s, size_t d0,
                                   const struct eng_append_base *b)
{
        size_t nm = s->n_months, w = s->p_words;
        int64_t *starts;

        if (extend_zero((void **)&s->a_month, b->accounts * nm + 1, s->n_accounts * nm + 1,
                        sizeof(struct eng_month)) ||
            extend_zero((void **)&s->p_active, b->people * w + 1, s->n_people * w + 1,
                        sizeof(uint64_t)) ||
            extend_zero((void **)&s->t_lat_sum, (b->types + 1) * nm, (s->types.n + 1) * nm,
                        sizeof(double)) ||
            extend_zero((void **)&s->t_lat_n, (b->types + 1) * nm, (s->types.n + 1) * nm,
                        sizeof(uint32_t)))
                return CXG_ERR_NOMEM;
        starts = cxg_malloc((nm + 1) * sizeof(int64_t));
        if (!starts)
                return CXG_ERR_NOMEM;
        for (size_t m = 0; m <= nm; m++)
                starts[m] = cxg_month_start(s->month0 + (int64_t)m);
        for (size_t j = d0; j < s->delta.n; j++) {
                month_count(s, &s->delta, j, month_of(starts, nm, s->delta.ts[j]));
                if (s->p_account[s->delta.person[j]] != s->delta.account[j])
                        s->mixed_accounts = 1;
        }
        cxg_free(starts);
        return CXG_OK;
}

enum cxg_err eng_snapshot_finish_append(struct eng_snapshot *s, const struct eng_append_base *b,
                                        struct cxg_error *err)
{
        enum cxg_err rc;

        /* new rows outside the months counted (or the first rows): count everything again
         * (s->finished is 0 here: adding rows clears it). The months may cover more than the
         * rows: a cluster node's, widened for other shards' states (eng_foreign_apply). */
        if (!s->n_months || b->delta > s->delta.n || s->min_ts == CXG_TS_NONE ||
            cxg_month_index(s->min_ts) < s->month0 ||
            cxg_month_index(s->max_ts) >= s->month0 + (int64_t)s->n_months)
                return eng_snapshot_finish(s, err);
        if ((rc = count_new_rows(s, b->delta, b)) || (rc = finish_people(s)))
                goto fail;
        if ((b->regroup || s->n_accounts != b->accounts) &&
            ((rc = finish_subs(s)) || (rc = finish_feedback(s)) || (rc = group_objectives(s))))
                goto fail;
        if ((rc = grow_t_caps(s)) || (rc = extend_ioff(s, s->ioff_accounts)))
                goto fail;
        s->ioff_accounts = s->n_accounts;
        if (s->delta.n > s->merge_fraction * (double)s->main.n) {
                if ((rc = merge_delta(s)) || (rc = index_delta(s)))
                        goto fail;
        } else if ((rc = index_delta_append(s, b->delta, b->accounts))) {
                goto fail;
        }
        s->finished = 1;
        return CXG_OK;
fail:
        s->finished = 0;
        return cxg_error_set(err, rc, "engine: applying changes to the snapshot: %s",
                             cxg_strerror(rc));
}
