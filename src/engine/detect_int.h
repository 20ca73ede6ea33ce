/*
 * detect_int.h: helpers the early-warning files of src/engine/ share: making an alert and
 * keeping its evidence in the list's arena (detect*.c), and reading the snapshot's accounts
 * and subscriptions as of a time (detect_snap.c, sweetspot.c). Not for other modules.
 */
#ifndef CXG_ENG_DETECT_INT_H
#define CXG_ENG_DETECT_INT_H

#include <math.h>

#include "engine/detect.h"
#include "engine/snapshot.h"

/* A blank alert of kind found at at (first seen at, health NAN), with evidence to fill. */
void eng_alert_init(struct eng_alert *a, int kind, int64_t at);
/* Copy of s in l's arena (NULL stays NULL); *bad set when out of memory. */
const char *eng_ev_keep(struct eng_alerts *l, const char *s, int *bad);
/* n zeroed elements of size bytes in l's arena (NULL for none); *bad set on failure. */
void *eng_ev_keep_array(struct eng_alerts *l, size_t n, size_t size, int *bad);
/* CXG_ERR_NOMEM with "detect: WHAT: out of memory" in err. */
enum cxg_err eng_detect_nomem(struct cxg_error *err, const char *what);

static inline int64_t ts_of(int32_t t)
{
        return ENG_EPOCH + (int64_t)t;
}

/* Call fn for every interaction of both segments. */
#define FOR_EACH_ROW(s, c, i)                                                                      \
        for (const struct eng_icols *c = &(s)->main; c; c = c == &(s)->main ? &(s)->delta : NULL)  \
                for (size_t i = 0; i < c->n; i++)

/* Account alive at t: created by t (or unknown) and not churned by t. */
static inline int account_alive(const struct eng_snapshot *s, uint32_t a, int64_t t)
{
        if (s->a_created[a] != CXG_TS_NONE && s->a_created[a] > t)
                return 0;
        return s->a_churned_at[a] == CXG_TS_NONE || s->a_churned_at[a] > t;
}

/* The subscription period of account a active at t, or -1. */
static inline long sub_at(const struct eng_snapshot *s, uint32_t a, int64_t t)
{
        if (!s->a_soff)
                return -1;
        for (uint32_t k = s->a_soff[a + 1]; k-- > s->a_soff[a];)
                if (s->s_start[k] <= t && (s->s_end[k] == CXG_TS_NONE || s->s_end[k] > t))
                        return (long)k;
        return -1;
}

/* Plan (dict index) of account a at t: its subscription then, else the account's plan. */
static inline uint16_t plan_at(const struct eng_snapshot *s, uint32_t a, int64_t t)
{
        long k = sub_at(s, a, t);

        return k >= 0 ? s->s_plan[k] : s->a_plan[a];
}

/* MRR of account a at t (0 when not a paying customer then). */
static inline double mrr_at(const struct eng_snapshot *s, uint32_t a, int64_t t)
{
        long k;

        if (!account_alive(s, a, t))
                return 0;
        if (s->a_soff && s->a_soff[a + 1] > s->a_soff[a]) {
                k = sub_at(s, a, t);
                return k >= 0 && !isnan(s->s_mrr[k]) ? s->s_mrr[k] : 0;
        }
        return isnan(s->a_mrr[a]) ? 0 : s->a_mrr[a];
}

#endif
