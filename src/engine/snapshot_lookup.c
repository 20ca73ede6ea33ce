/*
 * snapshot_lookup.c: reading a finished snapshot: accounts and people by external id, an
 * account's interactions in a time range (both segments), memory use.
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

uint32_t eng_account_find(const struct eng_snapshot *s, const char *ext_id)
{
        uint64_t v;

        if (!ext_id || !cxg_hmap_get(&s->a_by_ext, ext_id, strlen(ext_id), &v))
                return ENG_NONE;
        return (uint32_t)v;
}

uint32_t eng_person_find(const struct eng_snapshot *s, const char *ext_id)
{
        uint64_t v;

        if (!ext_id || !cxg_hmap_get(&s->p_by_ext, ext_id, strlen(ext_id), &v))
                return ENG_NONE;
        return (uint32_t)v;
}

static int32_t clamp_rel(int64_t t)
{
        int64_t r = t - ENG_EPOCH;

        if (t == CXG_TS_NONE || r < INT32_MIN)
                return INT32_MIN;
        if (r > INT32_MAX)
                return INT32_MAX;
        return (int32_t)r;
}

void eng_account_range(const struct eng_snapshot *s, uint32_t a, int64_t from, int64_t to,
                       uint64_t *lo_out, uint64_t *hi_out)
{
        uint64_t lo = s->a_ioff[a], hi = s->a_ioff[a + 1], l, h;
        int32_t f = clamp_rel(from), t = clamp_rel(to);

        /* first row with ts >= f */
        l = lo;
        h = hi;
        while (l < h) {
                uint64_t m = l + (h - l) / 2;

                if (s->main.ts[m] < f)
                        l = m + 1;
                else
                        h = m;
        }
        *lo_out = l;
        /* first row with ts > t */
        h = hi;
        while (l < h) {
                uint64_t m = l + (h - l) / 2;

                if (s->main.ts[m] <= t)
                        l = m + 1;
                else
                        h = m;
        }
        *hi_out = l;
}

void eng_snapshot_memory(const struct eng_snapshot *s, size_t *interaction_bytes,
                         size_t *other_bytes)
{
        size_t ib = (s->main.cap + s->delta.cap) * ENG_BYTES_PER_INTERACTION;
        size_t ob = 0;

        ob += s->cap_accounts * (sizeof(int64_t) * 3 + sizeof(char *) * 3 + 2 * 3 + 4 + 2);
        ob += s->cap_people * (sizeof(int64_t) * 3 + sizeof(char *) * 4 + 4 + 1 + 4 + 4);
        ob += s->a_by_id_cap * 4 + s->p_by_id_cap * 4 + (s->n_accounts + 1) * (8 + 4 * 4);
        ob += s->cap_subs * (4 + 2 + 4 + 16) + s->cap_fb * (8 + 4 + 4 + 1 + 4 + sizeof(char *));
        ob += s->cap_obj * (4 + 4 + 1 + 8 + 3 * sizeof(char *) + 4) +
              s->cap_o_needs * (4 + sizeof(char *));
        ob += s->texts.cap * sizeof(struct cxg_hmap_slot) + s->texts.keys.used;
        ob += s->delta.n * 4 + s->n_accounts * s->n_months * sizeof(struct eng_month);
        ob += s->n_people * s->p_words * 8;
        ob += s->strings.used;
        *interaction_bytes = ib;
        *other_bytes = ob;
}

/* ---- the data's range: this snapshot's, or the cluster's once merged (snapshot.h) ---- */

int64_t eng_snapshot_latest(const struct eng_snapshot *s)
{
        if (!s->cl_known || s->cl_max_ts == CXG_TS_NONE)
                return s->max_ts;
        return s->max_ts != CXG_TS_NONE && s->max_ts > s->cl_max_ts ? s->max_ts : s->cl_max_ts;
}

int64_t eng_snapshot_earliest(const struct eng_snapshot *s)
{
        if (!s->cl_known || s->cl_min_ts == CXG_TS_NONE)
                return s->min_ts;
        return s->min_ts != CXG_TS_NONE && s->min_ts < s->cl_min_ts ? s->min_ts : s->cl_min_ts;
}

uint64_t eng_snapshot_rows(const struct eng_snapshot *s)
{
        uint64_t here = (uint64_t)(s->main.n + s->delta.n);

        return s->cl_known && s->cl_rows > here ? s->cl_rows : here;
}
