/*
 * gardens.c: the garden panel (accounts over time: plan and MRR periods, churn, monthly
 * activity, NPS answers, segment, garden membership) loaded from the store, and the per-account
 * measures impact, experiments and rollouts are built from: alive at, plan and MRR at,
 * activity before, engagement bands, metric values (docs/scoring.md, "Gardens").
 */
#include "engine/gardens.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "store/store_gardens.h"

#define MAX_MONTHS 1200 /* a century of monthly activity */

void eng_garden_panel_init(struct eng_garden_panel *p)
{
        memset(p, 0, sizeof(*p));
        cxg_arena_init(&p->strings, 0, 0);
        cxg_hmap_init(&p->plan_ix);
        cxg_hmap_init(&p->cur_ix);
        cxg_hmap_init(&p->seg_ix);
        cxg_hmap_init(&p->by_ext);
        cxg_hmap_init(&p->by_id);
}

void eng_garden_panel_release(struct eng_garden_panel *p)
{
        cxg_free(p->id);
        cxg_free(p->ext);
        cxg_free(p->created);
        cxg_free(p->churned);
        cxg_free(p->churn_unknown);
        cxg_free(p->plan);
        cxg_free(p->mrr);
        cxg_free(p->currency);
        cxg_free(p->segment);
        cxg_free(p->people);
        cxg_free(p->joined);
        cxg_free(p->plans);
        cxg_free(p->currencies);
        cxg_free(p->segments);
        cxg_free(p->poff);
        cxg_free(p->periods);
        cxg_free(p->act);
        cxg_free(p->foff);
        cxg_free(p->f_ts);
        cxg_free(p->f_score);
        cxg_hmap_release(&p->plan_ix);
        cxg_hmap_release(&p->cur_ix);
        cxg_hmap_release(&p->seg_ix);
        cxg_hmap_release(&p->by_ext);
        cxg_hmap_release(&p->by_id);
        cxg_arena_release(&p->strings);
        eng_garden_panel_init(p);
}

/* Names in a dictionary: indexed by a uint16_t. */
#define NAMES_MAX UINT16_MAX

/* Intern s into a dictionary (names array of *n, room for *cap); index in *ix. */
static enum cxg_err intern(struct eng_garden_panel *p, struct cxg_hmap *m, const char ***names,
                           size_t *n, size_t *cap, const char *s, uint16_t *ix)
{
        uint64_t v;
        size_t len;
        const char *copy;
        enum cxg_err rc;

        if (!s)
                s = "";
        len = strlen(s);
        if (cxg_hmap_get(m, s, len, &v)) {
                *ix = (uint16_t)v;
                return CXG_OK;
        }
        if ((rc = CXG_GROW(*names, *n + 1, *cap, NAMES_MAX)))
                return rc;
        copy = cxg_arena_strndup(&p->strings, s, len);
        if (!copy)
                return CXG_ERR_NOMEM;
        (*names)[*n] = copy;
        if (cxg_hmap_put(m, copy, len, *n))
                return CXG_ERR_NOMEM;
        *ix = (uint16_t)(*n)++;
        return CXG_OK;
}

struct loader {
        struct eng_garden_panel *p;
        size_t cap;
        uint32_t *ix_of_id; /* store account id -> index + 1 (0: none) */
        size_t n_ix;
        /* subscription periods before grouping */
        struct eng_garden_period *tmp_per;
        uint32_t *tmp_per_acc;
        size_t n_per, cap_per;
        /* monthly activity rows, lazily allocated */
        uint32_t *rows[MAX_MONTHS];
        int64_t max_month;
        /* NPS answers before grouping */
        int64_t *fb_ts;
        float *fb_score;
        uint32_t *fb_acc;
        size_t n_fb, cap_fb;
};

static long index_of(const struct loader *l, int64_t account_id)
{
        if (account_id <= 0 || (size_t)account_id >= l->n_ix || !l->ix_of_id[account_id])
                return -1;
        return (long)l->ix_of_id[account_id] - 1;
}

static void see_time(struct eng_garden_panel *p, int64_t t)
{
        if (t != CXG_TS_NONE && t > p->end)
                p->end = t;
}

/* The segment value of an account under the panel's segment field. */
static void segment_value(const struct eng_garden_panel *p, const struct account *a, char *out,
                          size_t cap)
{
        const char *f = p->segment_field;
        json_t *root, *v;

        out[0] = '\0';
        if (!f[0])
                return;
        if (strcmp(f, "plan") == 0) {
                snprintf(out, cap, "%s", a->plan ? a->plan : "");
                return;
        }
        if (strcmp(f, "currency") == 0) {
                snprintf(out, cap, "%s", a->currency ? a->currency : "");
                return;
        }
        if (strcmp(f, "owner") == 0) {
                snprintf(out, cap, "%s", a->owner ? a->owner : "");
                return;
        }
        if (!a->attributes)
                return;
        root = json_loads(a->attributes, 0, NULL);
        v = root ? json_object_get(root, f) : NULL;
        if (json_is_string(v))
                snprintf(out, cap, "%s", json_string_value(v));
        else if (json_is_integer(v))
                snprintf(out, cap, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
                snprintf(out, cap, "%g", json_real_value(v));
        else if (json_is_boolean(v))
                snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
        json_decref(root);
}

static enum cxg_err account_cb(void *ctx, int64_t id, const struct account *a)
{
        struct loader *l = ctx;
        struct eng_garden_panel *p = l->p;
        size_t i = p->n, need = i + 1;
        char seg[256];
        enum cxg_err rc;

        if (need > l->cap) {
                size_t c = l->cap;

                if (CXG_GROW(p->id, need, c, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
#define G(arr)                                                                                     \
        do {                                                                                       \
                size_t cc = l->cap;                                                                \
                if (CXG_GROW(p->arr, need, cc, CXG_GROW_NOCAP))                                    \
                        return CXG_ERR_NOMEM;                                                      \
        } while (0)
                G(ext);
                G(created);
                G(churned);
                G(churn_unknown);
                G(plan);
                G(mrr);
                G(currency);
                G(segment);
                G(people);
                G(joined);
#undef G
                l->cap = c;
        }
        if ((size_t)id >= l->n_ix) {
                size_t old = l->n_ix;

                if (CXG_GROW(l->ix_of_id, (size_t)id + 1, l->n_ix, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                memset(l->ix_of_id + old, 0, (l->n_ix - old) * sizeof(*l->ix_of_id));
        }
        l->ix_of_id[id] = (uint32_t)i + 1;
        p->id[i] = id;
        p->ext[i] = cxg_arena_strdup(&p->strings, a->id);
        if (!p->ext[i])
                return CXG_ERR_NOMEM;
        p->created[i] = a->created_at;
        p->churned[i] = a->churned_at;
        p->churn_unknown[i] = a->churned == 1 && a->churned_at == CXG_TS_NONE;
        p->mrr[i] = a->mrr;
        p->people[i] = 0;
        p->joined[i] = CXG_TS_NONE;
        segment_value(p, a, seg, sizeof(seg));
        if ((rc = intern(p, &p->plan_ix, &p->plans, &p->n_plans, &p->cap_plans, a->plan,
                         &p->plan[i])) ||
            (rc = intern(p, &p->cur_ix, &p->currencies, &p->n_currencies, &p->cap_currencies,
                         a->currency, &p->currency[i])) ||
            (rc = intern(p, &p->seg_ix, &p->segments, &p->n_segments, &p->cap_segments, seg,
                         &p->segment[i])))
                return rc;
        if (cxg_hmap_put(&p->by_ext, p->ext[i], strlen(p->ext[i]), i) ||
            cxg_hmap_put(&p->by_id, (const char *)&id, sizeof(id), i))
                return CXG_ERR_NOMEM;
        see_time(p, a->created_at);
        see_time(p, a->churned_at);
        p->n++;
        return CXG_OK;
}

static enum cxg_err sub_cb(void *ctx, int64_t id, int64_t account_id,
                           const struct subscription *sub)
{
        struct loader *l = ctx;
        long a = index_of(l, account_id);
        size_t c1 = l->cap_per, c2 = l->cap_per;
        uint16_t plan;
        enum cxg_err rc;

        (void)id;
        if (a < 0)
                return CXG_OK;
        if (CXG_GROW(l->tmp_per, l->n_per + 1, c1, CXG_GROW_NOCAP) ||
            CXG_GROW(l->tmp_per_acc, l->n_per + 1, c2, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        l->cap_per = c1;
        if ((rc = intern(l->p, &l->p->plan_ix, &l->p->plans, &l->p->n_plans, &l->p->cap_plans,
                         sub->plan, &plan)))
                return rc;
        l->tmp_per[l->n_per] =
            (struct eng_garden_period){sub->started_at, sub->ended_at, sub->mrr, plan};
        l->tmp_per_acc[l->n_per++] = (uint32_t)a;
        see_time(l->p, sub->started_at);
        see_time(l->p, sub->ended_at);
        return CXG_OK;
}

static enum cxg_err person_cb(void *ctx, int64_t id, int64_t account_id, const struct person *pp)
{
        struct loader *l = ctx;
        long a = index_of(l, account_id);

        (void)id;
        (void)pp;
        if (a >= 0)
                l->p->people[a]++;
        return CXG_OK;
}

static enum cxg_err interaction_cb(void *ctx, const struct store_interaction *row)
{
        struct loader *l = ctx;
        struct eng_garden_panel *p = l->p;
        long a = index_of(l, row->account_id);
        int64_t m;

        if (a < 0)
                return CXG_OK;
        m = cxg_month_index(row->ts) - p->month0;
        if (m < 0 || m >= MAX_MONTHS)
                return CXG_OK;
        if (!l->rows[m]) {
                l->rows[m] = cxg_calloc(p->n ? p->n : 1, sizeof(uint32_t));
                if (!l->rows[m])
                        return CXG_ERR_NOMEM;
        }
        l->rows[m][a]++;
        if (m > l->max_month)
                l->max_month = m;
        see_time(p, row->ts);
        return CXG_OK;
}

static enum cxg_err feedback_cb(void *ctx, int64_t id, int64_t person_id, int64_t account_id,
                                const struct feedback *f)
{
        struct loader *l = ctx;
        long a = index_of(l, account_id);
        size_t c1 = l->cap_fb, c2 = l->cap_fb, c3 = l->cap_fb;

        (void)id;
        (void)person_id;
        see_time(l->p, f->ts);
        if (a < 0 || f->kind != CXG_FB_NPS)
                return CXG_OK;
        if (CXG_GROW(l->fb_ts, l->n_fb + 1, c1, CXG_GROW_NOCAP) ||
            CXG_GROW(l->fb_score, l->n_fb + 1, c2, CXG_GROW_NOCAP) ||
            CXG_GROW(l->fb_acc, l->n_fb + 1, c3, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        l->cap_fb = c1;
        l->fb_ts[l->n_fb] = f->ts;
        l->fb_score[l->n_fb] = (float)f->score;
        l->fb_acc[l->n_fb++] = (uint32_t)a;
        return CXG_OK;
}

static int period_cmp(const void *pa, const void *pb)
{
        const struct eng_garden_period *a = pa, *b = pb;

        return (a->start > b->start) - (a->start < b->start);
}

struct fb_pair {
        int64_t ts;
        float score;
};

static int fb_cmp(const void *pa, const void *pb)
{
        const struct fb_pair *a = pa, *b = pb;

        return (a->ts > b->ts) - (a->ts < b->ts);
}

/* Group periods and answers by account (counting sort), then sort each group by time. */
static enum cxg_err group(struct loader *l)
{
        struct eng_garden_panel *p = l->p;
        uint32_t *fill = NULL;
        struct fb_pair *tmp = NULL;
        enum cxg_err rc = CXG_ERR_NOMEM;

        p->poff = cxg_calloc(p->n + 1, sizeof(*p->poff));
        p->foff = cxg_calloc(p->n + 1, sizeof(*p->foff));
        p->periods = cxg_malloc((l->n_per ? l->n_per : 1) * sizeof(*p->periods));
        p->f_ts = cxg_malloc((l->n_fb ? l->n_fb : 1) * sizeof(*p->f_ts));
        p->f_score = cxg_malloc((l->n_fb ? l->n_fb : 1) * sizeof(*p->f_score));
        fill = cxg_calloc(p->n + 1, sizeof(*fill));
        tmp = cxg_malloc((l->n_fb ? l->n_fb : 1) * sizeof(*tmp));
        if (!p->poff || !p->foff || !p->periods || !p->f_ts || !p->f_score || !fill || !tmp)
                goto done;
        for (size_t i = 0; i < l->n_per; i++)
                p->poff[l->tmp_per_acc[i] + 1]++;
        for (size_t a = 0; a < p->n; a++)
                p->poff[a + 1] += p->poff[a];
        for (size_t i = 0; i < l->n_per; i++) {
                uint32_t a = l->tmp_per_acc[i];

                p->periods[p->poff[a] + fill[a]++] = l->tmp_per[i];
        }
        p->n_periods = l->n_per;
        for (size_t a = 0; a < p->n; a++)
                if (p->poff[a + 1] - p->poff[a] > 1)
                        qsort(p->periods + p->poff[a], p->poff[a + 1] - p->poff[a],
                              sizeof(*p->periods), period_cmp);
        memset(fill, 0, (p->n + 1) * sizeof(*fill));
        for (size_t i = 0; i < l->n_fb; i++)
                p->foff[l->fb_acc[i] + 1]++;
        for (size_t a = 0; a < p->n; a++)
                p->foff[a + 1] += p->foff[a];
        for (size_t i = 0; i < l->n_fb; i++) {
                uint32_t a = l->fb_acc[i];

                tmp[p->foff[a] + fill[a]++] = (struct fb_pair){l->fb_ts[i], l->fb_score[i]};
        }
        for (size_t a = 0; a < p->n; a++)
                if (p->foff[a + 1] - p->foff[a] > 1)
                        qsort(tmp + p->foff[a], p->foff[a + 1] - p->foff[a], sizeof(*tmp), fb_cmp);
        for (size_t i = 0; i < l->n_fb; i++) {
                p->f_ts[i] = tmp[i].ts;
                p->f_score[i] = tmp[i].score;
        }
        p->n_fb = l->n_fb;
        /* monthly activity as one block */
        p->n_months = (size_t)(l->max_month + 1);
        p->act = cxg_calloc(p->n * p->n_months + 1, sizeof(*p->act));
        if (!p->act)
                goto done;
        for (size_t m = 0; m < p->n_months; m++)
                if (l->rows[m])
                        for (size_t a = 0; a < p->n; a++)
                                p->act[a * p->n_months + m] = l->rows[m][a];
        rc = CXG_OK;
done:
        cxg_free(fill);
        cxg_free(tmp);
        return rc;
}

static enum cxg_err member_cb(void *ctx, int64_t garden_id, const char *key, int64_t account_id,
                              int64_t joined)
{
        struct eng_garden_panel *p = ((void **)ctx)[0];
        int64_t want = *(int64_t *)((void **)ctx)[1];
        long a = eng_garden_panel_find_id(p, account_id);

        (void)key;
        if (a < 0 || (want && garden_id != want))
                return CXG_OK;
        if (p->joined[a] == CXG_TS_NONE || joined < p->joined[a])
                p->joined[a] = joined;
        return CXG_OK;
}

enum cxg_err eng_garden_panel_members(struct eng_garden_panel *p, struct store *s,
                                      int64_t garden_id, struct cxg_error *err)
{
        void *ctx[2] = {p, &garden_id};

        for (size_t a = 0; a < p->n; a++)
                p->joined[a] = CXG_TS_NONE;
        return store_garden_accounts(s, member_cb, ctx, err);
}

enum cxg_err eng_garden_panel_load(struct eng_garden_panel *p, struct store *s,
                                   const char *segment_field, int64_t garden_id,
                                   struct cxg_error *err)
{
        struct loader *l = cxg_calloc(1, sizeof(*l));
        int64_t min_created = INT64_MAX;
        enum cxg_err rc;

        if (!l)
                return cxg_error_set(err, CXG_ERR_NOMEM, "garden panel: out of memory");
        l->p = p;
        p->end = INT64_MIN;
        snprintf(p->segment_field, sizeof(p->segment_field), "%s",
                 segment_field ? segment_field : "");
        rc = store_scan_accounts(s, 0, account_cb, l, err);
        if (rc)
                goto done;
        for (size_t a = 0; a < p->n; a++)
                if (p->created[a] != CXG_TS_NONE && p->created[a] < min_created)
                        min_created = p->created[a];
        /* activity counts from the earliest signup's month, or from a year before the end */
        p->month0 = min_created != INT64_MAX ? cxg_month_index(min_created)
                                             : cxg_month_index(p->end == INT64_MIN ? 0 : p->end);
        if ((rc = store_scan_subscriptions(s, 0, sub_cb, l, err)) ||
            (rc = store_scan_people(s, 0, person_cb, l, err)) ||
            (rc = store_scan_interactions(s, 0, interaction_cb, l, err)) ||
            (rc = store_scan_feedback(s, 0, feedback_cb, l, err)) || (rc = group(l)))
                goto done;
        if (p->end == INT64_MIN)
                p->end = 0;
        rc = eng_garden_panel_members(p, s, garden_id, err);
done:
        if (rc == CXG_ERR_NOMEM)
                cxg_error_set(err, rc, "garden panel: out of memory");
        else if (rc == CXG_ERR_LIMIT)
                cxg_error_set(err, rc,
                              "garden panel: more than 65535 plans, currencies or "
                              "segments");
        for (size_t m = 0; m < MAX_MONTHS; m++)
                cxg_free(l->rows[m]);
        cxg_free(l->ix_of_id);
        cxg_free(l->tmp_per);
        cxg_free(l->tmp_per_acc);
        cxg_free(l->fb_ts);
        cxg_free(l->fb_score);
        cxg_free(l->fb_acc);
        cxg_free(l);
        return rc;
}

long eng_garden_panel_find(const struct eng_garden_panel *p, const char *ext)
{
        uint64_t v;

        return ext && cxg_hmap_get(&p->by_ext, ext, strlen(ext), &v) ? (long)v : -1;
}

long eng_garden_panel_find_id(const struct eng_garden_panel *p, int64_t id)
{
        uint64_t v;

        return cxg_hmap_get(&p->by_id, (const char *)&id, sizeof(id), &v) ? (long)v : -1;
}

/* ---- per-account measures ---- */

int eng_garden_alive(const struct eng_garden_panel *p, size_t a, int64_t t)
{
        if (p->churn_unknown[a])
                return 0;
        if (p->created[a] != CXG_TS_NONE && p->created[a] > t)
                return 0;
        return p->churned[a] == CXG_TS_NONE || p->churned[a] > t;
}

static const struct eng_garden_period *period_at(const struct eng_garden_panel *p, size_t a,
                                                 int64_t t)
{
        const struct eng_garden_period *best = NULL;

        for (uint32_t i = p->poff[a]; i < p->poff[a + 1]; i++) {
                const struct eng_garden_period *q = &p->periods[i];

                if (q->start <= t && (q->end == CXG_TS_NONE || q->end > t))
                        best = q;
        }
        return best;
}

int eng_garden_plan_at(const struct eng_garden_panel *p, size_t a, int64_t t)
{
        const struct eng_garden_period *q = period_at(p, a, t);

        return q ? q->plan : p->plan[a];
}

double eng_garden_mrr_at(const struct eng_garden_panel *p, size_t a, int64_t t)
{
        const struct eng_garden_period *q;

        if (p->churned[a] != CXG_TS_NONE && p->churned[a] <= t)
                return 0;
        q = period_at(p, a, t);
        if (q)
                return q->mrr;
        return p->poff[a + 1] > p->poff[a] ? NAN : p->mrr[a];
}

double eng_garden_activity_before(const struct eng_garden_panel *p, size_t a, int64_t t)
{
        int64_t m = cxg_month_index(t) - p->month0, created_m;
        double sum = 0;
        int months = 0;

        created_m =
            p->created[a] != CXG_TS_NONE ? cxg_month_index(p->created[a]) - p->month0 : INT64_MIN;
        for (int64_t k = m - 3; k < m; k++) {
                /* whole months only: not the signup month */
                if (k <= created_m || k < 0)
                        continue;
                if ((size_t)k < p->n_months)
                        sum += p->act[a * p->n_months + (size_t)k];
                months++;
        }
        if (!months)
                return NAN;
        return sum / months / (p->people[a] ? p->people[a] : 1);
}

static int dbl_cmp(const void *pa, const void *pb)
{
        double a = *(const double *)pa, b = *(const double *)pb;

        return (a > b) - (a < b);
}

enum cxg_err eng_garden_bands_at(const struct eng_garden_panel *p, int64_t t, int bands,
                                 uint8_t *band)
{
        double *v = cxg_malloc((p->n ? p->n : 1) * sizeof(*v));
        double *act = cxg_malloc((p->n ? p->n : 1) * sizeof(*act));
        int *plan = cxg_malloc((p->n ? p->n : 1) * sizeof(*plan));
        double cut[ENG_GARDEN_MAX_BANDS];

        if (!v || !act || !plan) {
                cxg_free(v);
                cxg_free(act);
                cxg_free(plan);
                return CXG_ERR_NOMEM;
        }
        if (bands < 1)
                bands = 1;
        if (bands > ENG_GARDEN_MAX_BANDS)
                bands = ENG_GARDEN_MAX_BANDS;
        for (size_t a = 0; a < p->n; a++) {
                act[a] = eng_garden_activity_before(p, a, t);
                plan[a] = eng_garden_plan_at(p, a, t);
        }
        /* quantiles within each plan: plans differ in how much their users do */
        for (size_t pl = 0; pl < p->n_plans; pl++) {
                size_t n = 0;

                for (size_t a = 0; a < p->n; a++)
                        if (plan[a] == (int)pl && !isnan(act[a]) && eng_garden_alive(p, a, t))
                                v[n++] = act[a];
                qsort(v, n, sizeof(*v), dbl_cmp);
                for (int b = 1; b < bands; b++)
                        cut[b - 1] = eng_garden_quantile(v, n, (double)b / bands);
                for (size_t a = 0; a < p->n; a++) {
                        int b = 0;

                        if (plan[a] != (int)pl)
                                continue;
                        if (isnan(act[a]) || !n) {
                                band[a] = (uint8_t)bands;
                                continue;
                        }
                        while (b < bands - 1 && act[a] > cut[b])
                                b++;
                        band[a] = (uint8_t)b;
                }
        }
        cxg_free(v);
        cxg_free(act);
        cxg_free(plan);
        return CXG_OK;
}

double eng_garden_metric_value(const struct eng_garden_panel *p, size_t a, int metric, int64_t from,
                               int64_t to, int *ok)
{
        *ok = 0;
        if (!eng_garden_alive(p, a, from) || to <= from)
                return NAN;
        switch (metric) {
        case GARDEN_METRIC_RETENTION_90:
        case GARDEN_METRIC_RETENTION_180: {
                /* retained over the window's first 90/180 days, or the whole window if shorter
                 * is asked for by the caller through `to` */
                int64_t h = (metric == GARDEN_METRIC_RETENTION_90 ? 90 : 180) * (int64_t)CXG_DAY;
                int64_t until = from + h;

                (void)to;
                if (until > p->end)
                        return NAN;
                *ok = 1;
                return eng_garden_alive(p, a, until) ? 1.0 : 0.0;
        }
        case GARDEN_METRIC_MRR_CHANGE: {
                double m0 = eng_garden_mrr_at(p, a, from), m1;

                if (to > p->end || isnan(m0) || !(m0 > 0))
                        return NAN;
                m1 = eng_garden_mrr_at(p, a, to);
                if (isnan(m1))
                        return NAN;
                *ok = 1;
                return (m1 - m0) / m0;
        }
        case GARDEN_METRIC_NPS: {
                double sum = 0;
                int n = 0;

                for (uint32_t i = p->foff[a]; i < p->foff[a + 1]; i++)
                        if (p->f_ts[i] > from && p->f_ts[i] <= to) {
                                sum += p->f_score[i];
                                n++;
                        }
                if (!n)
                        return NAN;
                *ok = 1;
                return sum / n;
        }
        case GARDEN_METRIC_ACTIVITY: {
                /* interactions per 30 days over the whole months inside [from, to) */
                int64_t m0 = cxg_month_index(from) - p->month0,
                        m1 = cxg_month_index(to) - p->month0;
                double sum = 0, days = 0;

                if (to > p->end)
                        return NAN;
                for (int64_t k = m0; k < m1; k++) {
                        if (k < 0 || (size_t)k >= p->n_months)
                                continue;
                        sum += p->act[a * p->n_months + (size_t)k];
                        days += (double)(cxg_month_start(p->month0 + k + 1) -
                                         cxg_month_start(p->month0 + k)) /
                                CXG_DAY;
                }
                if (!(days > 0))
                        return NAN;
                *ok = 1;
                return sum * 30 / days;
        }
        default:
                return NAN;
        }
}

/* ---- segments ---- */

struct seg_scan {
        const struct eng_garden_panel *p;
        const char *field, *value;
        int64_t t;
        int64_t *ids;
        size_t n, cap;
};

static enum cxg_err seg_cb(void *ctx, int64_t id, const struct account *a)
{
        struct seg_scan *s = ctx;
        struct eng_garden_panel tmp;
        char v[256];
        long ix = eng_garden_panel_find_id(s->p, id);

        if (ix < 0 || !eng_garden_alive(s->p, (size_t)ix, s->t))
                return CXG_OK;
        memset(&tmp, 0, sizeof(tmp));
        snprintf(tmp.segment_field, sizeof(tmp.segment_field), "%s", s->field);
        segment_value(&tmp, a, v, sizeof(v));
        if (strcmp(v, s->value) != 0)
                return CXG_OK;
        if (CXG_GROW(s->ids, s->n + 1, s->cap, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        s->ids[s->n++] = id;
        return CXG_OK;
}

enum cxg_err eng_garden_segment_accounts(const struct eng_garden_panel *p, struct store *s,
                                         const char *segment, int64_t t, int64_t **ids, size_t *n,
                                         struct cxg_error *err)
{
        struct seg_scan sc = {0};
        char field[64];
        const char *eq = segment ? strchr(segment, '=') : NULL;
        enum cxg_err rc;

        *ids = NULL;
        *n = 0;
        if (!eq || eq == segment || (size_t)(eq - segment) >= sizeof(field))
                return cxg_error_setf(err, CXG_ERR_INVALID, "segment",
                                      "segment \"%.64s\" is not field=value",
                                      segment ? segment : "");
        memcpy(field, segment, (size_t)(eq - segment));
        field[eq - segment] = '\0';
        sc.p = p;
        sc.field = field;
        sc.value = eq + 1;
        sc.t = t;
        rc = store_scan_accounts(s, 0, seg_cb, &sc, err);
        if (rc) {
                cxg_free(sc.ids);
                if (rc == CXG_ERR_NOMEM)
                        cxg_error_set(err, rc, "segment accounts: out of memory");
                return rc;
        }
        *ids = sc.ids;
        *n = sc.n;
        return CXG_OK;
}
