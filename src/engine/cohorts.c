/*
 * cohorts.c: signup cohorts, retention matrices and lifecycle (cohorts.h), from the
 * snapshot's monthly counters (per account) and activity bits (per person).
 */
#include "engine/cohorts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "engine/segments.h"

#define MAX_MONTHS 600

struct cctx {
        const struct eng_snapshot *s;
        const struct eng_cohort_opts *o;
        int people;
        int64_t last;        /* month index of at */
        int by_subscription; /* accounts: no interactions at all, use MRR for activity */
};

static int in_segment(const struct cctx *c, uint32_t i)
{
        char buf[256];

        if (!c->o->segment_field || !c->o->segment_value)
                return 1;
        eng_field_value(c->s, c->o->scores, c->people, i, c->o->segment_field, c->o->at, buf,
                        sizeof(buf));
        return cxg_ieq(buf, strlen(buf), c->o->segment_value);
}

/* MRR of account a during month mi (absolute month index). */
static double mrr_in(const struct eng_snapshot *s, uint32_t a, int64_t mi)
{
        int64_t ms = cxg_month_start(mi), me = cxg_month_start(mi + 1);
        double v = 0;
        int any = 0;

        for (uint32_t k = s->a_soff[a]; k < s->a_soff[a + 1]; k++) {
                any = 1;
                /* the subscription live at the end of the month, else any overlapping it */
                if (s->s_start[k] < me && (s->s_end[k] == CXG_TS_NONE || s->s_end[k] > ms))
                        v = s->s_mrr[k];
        }
        if (any)
                return v;
        if (isnan(s->a_mrr[a]))
                return 0;
        if (s->a_created[a] != CXG_TS_NONE && s->a_created[a] >= me)
                return 0;
        if (s->a_churned_at[a] != CXG_TS_NONE && s->a_churned_at[a] < ms)
                return 0;
        if (s->a_churned[a] && s->a_churned_at[a] == CXG_TS_NONE)
                return 0; /* churned at an unknown date: not counted as live */
        return s->a_mrr[a];
}

static int active_in(const struct cctx *c, uint32_t i, int64_t mi)
{
        const struct eng_snapshot *s = c->s;
        int64_t k = mi - s->month0;

        if (!c->people && c->by_subscription)
                return mrr_in(s, i, mi) > 0;
        if (k < 0 || (size_t)k >= s->n_months)
                return 0;
        if (c->people)
                return (s->p_active[(size_t)i * s->p_words + (size_t)k / 64] >> (k % 64)) & 1;
        return s->a_month[(size_t)i * s->n_months + (size_t)k].n > 0;
}

/* First active month up to c->last, or INT64_MIN. */
static int64_t first_active(const struct cctx *c, uint32_t i)
{
        const struct eng_snapshot *s = c->s;

        if (!c->people && c->by_subscription) {
                for (uint32_t k = s->a_soff[i]; k < s->a_soff[i + 1]; k++)
                        return cxg_month_index(s->s_start[k]);
                return INT64_MIN;
        }
        for (size_t k = 0; k < s->n_months; k++)
                if (s->month0 + (int64_t)k <= c->last && active_in(c, i, s->month0 + (int64_t)k))
                        return s->month0 + (int64_t)k;
        return INT64_MIN;
}

static int64_t cohort_of(const struct cctx *c, uint32_t i)
{
        const struct eng_snapshot *s = c->s;

        if (c->people) {
                if (s->p_created[i] != CXG_TS_NONE)
                        return cxg_month_index(s->p_created[i]);
                return first_active(c, i);
        }
        if (s->a_created[i] != CXG_TS_NONE)
                return cxg_month_index(s->a_created[i]);
        if (s->a_soff[i] < s->a_soff[i + 1])
                return cxg_month_index(s->s_start[s->a_soff[i]]);
        return first_active(c, i);
}

static void setup(struct cctx *c, const struct eng_snapshot *s, const struct eng_cohort_opts *o)
{
        int64_t at = o->at;

        memset(c, 0, sizeof(*c));
        c->s = s;
        c->o = o;
        c->people = o->by == ENG_COHORT_PEOPLE;
        /* no interactions anywhere (the cluster's rows on a node, snapshot.h) */
        c->by_subscription = eng_snapshot_rows(s) == 0;
        if (at == CXG_TS_NONE)
                at = eng_snapshot_latest(s);
        if (at == CXG_TS_NONE) {
                /* no interactions: the latest signup, subscription or churn */
                at = 0;
                for (size_t a = 0; a < s->n_accounts; a++) {
                        if (s->a_created[a] != CXG_TS_NONE && s->a_created[a] > at)
                                at = s->a_created[a];
                        if (s->a_churned_at[a] != CXG_TS_NONE && s->a_churned_at[a] > at)
                                at = s->a_churned_at[a];
                }
                for (size_t k = 0; k < s->n_subs; k++)
                        if (s->s_start[k] > at)
                                at = s->s_start[k];
        }
        c->last = cxg_month_index(at);
}

void eng_cohorts_release(struct eng_cohorts *c)
{
        cxg_free(c->size);
        cxg_free(c->value);
        memset(c, 0, sizeof(*c));
}

enum cxg_err eng_cohorts_compute(const struct eng_snapshot *s, const struct eng_cohort_opts *o,
                                 struct eng_cohorts *out, struct cxg_error *err)
{
        struct cctx c;
        size_t n_ent;
        int64_t first = INT64_MAX;
        size_t n;

        memset(out, 0, sizeof(*out));
        setup(&c, s, o);
        n_ent = c.people ? s->n_people : s->n_accounts;
        for (size_t i = 0; i < n_ent; i++) {
                int64_t m = cohort_of(&c, (uint32_t)i);

                if (m != INT64_MIN && m <= c.last && m < first && in_segment(&c, (uint32_t)i))
                        first = m;
        }
        if (first == INT64_MAX)
                return CXG_OK; /* no cohorts */
        if (c.last - first + 1 > MAX_MONTHS)
                first = c.last - MAX_MONTHS + 1;
        n = (size_t)(c.last - first + 1);
        out->first_month = first;
        out->n = n;
        out->size = cxg_calloc(n, sizeof(double));
        out->value = cxg_calloc(n * n, sizeof(double));
        if (!out->size || !out->value) {
                eng_cohorts_release(out);
                return cxg_error_set(err, CXG_ERR_NOMEM, "cohorts: out of memory");
        }
        for (size_t k = 0; k < n * n; k++)
                out->value[k] = (k / n) + (k % n) < n ? 0 : NAN;
        for (size_t i = 0; i < n_ent; i++) {
                int64_t m = cohort_of(&c, (uint32_t)i);
                size_t ci;
                int still = 1;
                double base;

                if (m == INT64_MIN || m < first || m > c.last || !in_segment(&c, (uint32_t)i))
                        continue;
                ci = (size_t)(m - first);
                base = o->by == ENG_COHORT_REVENUE ? mrr_in(s, (uint32_t)i, m) : 1;
                out->size[ci] += base;
                for (size_t k = 0; ci + k < n; k++) {
                        int act;
                        double v;

                        /* months before the first interaction were not observed */
                        if (o->by != ENG_COHORT_REVENUE && !c.by_subscription &&
                            m + (int64_t)k < s->month0) {
                                out->value[ci * n + k] = NAN;
                                continue;
                        }
                        if (o->by == ENG_COHORT_REVENUE) {
                                v = mrr_in(s, (uint32_t)i, m + (int64_t)k);
                                act = v > 0;
                        } else {
                                act = active_in(&c, (uint32_t)i, m + (int64_t)k);
                                v = 1;
                        }
                        still = still && act;
                        if (o->cumulative ? still : act)
                                out->value[ci * n + k] += v;
                        else if (o->cumulative)
                                break;
                }
        }
        return CXG_OK;
}

void eng_lifecycle_release(struct eng_lifecycle *l)
{
        cxg_free(l->new_);
        cxg_free(l->returning);
        cxg_free(l->resurrecting);
        cxg_free(l->dormant);
        memset(l, 0, sizeof(*l));
}

enum cxg_err eng_lifecycle_compute(const struct eng_snapshot *s, const struct eng_cohort_opts *o,
                                   struct eng_lifecycle *out, struct cxg_error *err)
{
        struct cctx c;
        size_t n_ent, n;
        int64_t first = INT64_MAX;

        memset(out, 0, sizeof(*out));
        setup(&c, s, o);
        n_ent = c.people ? s->n_people : s->n_accounts;
        for (size_t i = 0; i < n_ent; i++) {
                int64_t m = first_active(&c, (uint32_t)i);

                if (m != INT64_MIN && m < first)
                        first = m;
        }
        if (first == INT64_MAX || first > c.last)
                return CXG_OK;
        if (c.last - first + 1 > MAX_MONTHS)
                first = c.last - MAX_MONTHS + 1;
        n = (size_t)(c.last - first + 1);
        out->first_month = first;
        out->n = n;
        out->new_ = cxg_calloc(n, sizeof(size_t));
        out->returning = cxg_calloc(n, sizeof(size_t));
        out->resurrecting = cxg_calloc(n, sizeof(size_t));
        out->dormant = cxg_calloc(n, sizeof(size_t));
        if (!out->new_ || !out->returning || !out->resurrecting || !out->dormant) {
                eng_lifecycle_release(out);
                return cxg_error_set(err, CXG_ERR_NOMEM, "lifecycle: out of memory");
        }
        for (size_t i = 0; i < n_ent; i++) {
                int prev = 0, ever = 0;

                if (!in_segment(&c, (uint32_t)i))
                        continue;
                /* activity before the window counts as "ever" */
                for (int64_t m = first - 1; m >= c.s->month0 && !ever; m--)
                        ever = active_in(&c, (uint32_t)i, m);
                prev = first - 1 >= c.s->month0 ? active_in(&c, (uint32_t)i, first - 1) : 0;
                for (size_t k = 0; k < n; k++) {
                        int act = active_in(&c, (uint32_t)i, first + (int64_t)k);

                        if (act && !ever)
                                out->new_[k]++;
                        else if (act && prev)
                                out->returning[k]++;
                        else if (act)
                                out->resurrecting[k]++;
                        else if (prev)
                                out->dormant[k]++;
                        ever = ever || act;
                        prev = act;
                }
        }
        return CXG_OK;
}
