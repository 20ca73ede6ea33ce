/*
 * gardens_suggest.c: candidate suggestions for a garden from the engine's scores: engaged and
 * robust accounts outside every garden, weighted by the garden's topic, each with its most
 * engaged stakeholder (docs/scoring.md, "Gardens").
 */
#include "engine/gardens_suggest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "store/store_gardens.h"

void eng_garden_exclude_release(struct eng_garden_exclude *x)
{
        cxg_free(x->account);
        cxg_free(x->person);
        x->account = x->person = NULL;
}

struct ex_ctx {
        struct eng_garden_exclude *x;
        const struct eng_snapshot *s;
        struct store *st;
        struct cxg_error *err;
};

static enum cxg_err ex_member(void *ctx, const struct store_member_row *m)
{
        struct ex_ctx *c = ctx;
        uint32_t p;

        if (!m->person || (m->status != GARDEN_ST_INVITED && m->status != GARDEN_ST_ACCEPTED))
                return CXG_OK;
        p = eng_person_find(c->s, m->person);
        if (p != ENG_NONE)
                c->x->person[p] = 1;
        if (m->status == GARDEN_ST_ACCEPTED && m->account) {
                uint32_t a = eng_account_find(c->s, m->account);

                if (a != ENG_NONE)
                        c->x->account[a] = 1;
        }
        return CXG_OK;
}

static enum cxg_err ex_garden(void *ctx, const struct store_garden_row *g)
{
        struct ex_ctx *c = ctx;

        return store_garden_members(c->st, g->id, ex_member, c, c->err);
}

enum cxg_err eng_garden_exclude_load(struct eng_garden_exclude *x, const struct eng_snapshot *s,
                                     struct store *st, struct cxg_error *err)
{
        struct ex_ctx c = {x, s, st, err};
        enum cxg_err rc;

        x->account = cxg_calloc(s->n_accounts + 1, 1);
        x->person = cxg_calloc(s->n_people + 1, 1);
        if (!x->account || !x->person) {
                eng_garden_exclude_release(x);
                return cxg_error_set(err, CXG_ERR_NOMEM, "suggest: out of memory");
        }
        /* accounts marked as members by the "garden" attribute count as in a garden */
        for (size_t a = 0; a < s->n_accounts; a++)
                x->account[a] = s->a_garden[a];
        rc = store_garden_list(st, ex_garden, &c, err);
        if (rc)
                eng_garden_exclude_release(x);
        return rc;
}

static double nz(float v)
{
        return isnan(v) ? NAN : (double)v;
}

double eng_garden_topic_signal(const struct eng_scores *r, uint32_t a, int topic,
                               const float *mrr_pct)
{
        const struct eng_account_score *as = &r->acc[a];

        switch (topic) {
        case GARDEN_TOPIC_EXPERIENCE:
                return nz(as->comp[ENG_C_EXPERIENCE]);
        case GARDEN_TOPIC_CONTEXT:
        case GARDEN_TOPIC_PURPOSE:
        case GARDEN_TOPIC_LONG_TERM:
                return nz(as->comp[ENG_C_TENURE]);
        case GARDEN_TOPIC_SUCCESS:
                return nz(as->health);
        case GARDEN_TOPIC_COST_REVENUE:
                return mrr_pct ? nz(mrr_pct[a]) : NAN;
        case GARDEN_TOPIC_ADAPTATION:
                return nz(as->comp[ENG_C_TREND]);
        case GARDEN_TOPIC_DATA_SUPPLY:
                return nz(as->comp[ENG_C_BREADTH]);
        case GARDEN_TOPIC_ROBUSTNESS:
                return nz(as->robustness);
        default:
                return NAN;
        }
}

/* 1 when account a matches "field=value" (plan, currency, owner or an attribute). */
static int in_segment(const struct eng_snapshot *s, uint32_t a, const char *field,
                      const char *value)
{
        const char *v = NULL;
        char buf[128];
        json_t *root, *j;
        int r = 0;

        if (strcmp(field, "plan") == 0)
                v = s->plans.names[s->a_plan[a]];
        else if (strcmp(field, "currency") == 0)
                v = s->currencies.names[s->a_currency[a]];
        else if (strcmp(field, "owner") == 0)
                v = s->owners.names[s->a_owner[a]];
        if (v)
                return strcmp(v, value) == 0;
        if (!s->a_attrs[a])
                return 0;
        root = json_loads(s->a_attrs[a], 0, NULL);
        j = root ? json_object_get(root, field) : NULL;
        if (json_is_string(j))
                r = strcmp(json_string_value(j), value) == 0;
        else if (json_is_integer(j)) {
                snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(j));
                r = strcmp(buf, value) == 0;
        } else if (json_is_boolean(j))
                r = strcmp(json_is_true(j) ? "true" : "false", value) == 0;
        json_decref(root);
        return r;
}

static int cand_cmp(const void *pa, const void *pb)
{
        const struct eng_garden_candidate *a = pa, *b = pb;

        if (a->score != b->score)
                return a->score > b->score ? -1 : 1;
        return (a->account > b->account) - (a->account < b->account);
}

static int float_cmp(const void *pa, const void *pb)
{
        float a = *(const float *)pa, b = *(const float *)pb;

        return (a > b) - (a < b);
}

/* Percentile (0-100) of each account's MRR among accounts with one. */
static float *mrr_percentiles(const struct eng_snapshot *s)
{
        float *pct = cxg_malloc((s->n_accounts + 1) * sizeof(*pct));
        float *v = cxg_malloc((s->n_accounts + 1) * sizeof(*v));
        size_t n = 0;

        if (!pct || !v) {
                cxg_free(pct);
                cxg_free(v);
                return NULL;
        }
        for (size_t a = 0; a < s->n_accounts; a++)
                if (!isnan(s->a_mrr[a]))
                        v[n++] = s->a_mrr[a];
        qsort(v, n, sizeof(*v), float_cmp);
        for (size_t a = 0; a < s->n_accounts; a++) {
                size_t lo = 0, hi = n;

                if (isnan(s->a_mrr[a]) || !n) {
                        pct[a] = NAN;
                        continue;
                }
                while (lo < hi) { /* values strictly below */
                        size_t mid = (lo + hi) / 2;

                        if (v[mid] < s->a_mrr[a])
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                pct[a] = (float)(100.0 * (double)lo / (double)n);
        }
        cxg_free(v);
        return pct;
}

enum cxg_err eng_garden_suggest(const struct eng_scores *r, const struct eng_garden_exclude *x,
                                int topic, const char *segment, size_t limit,
                                struct eng_garden_candidate **out, size_t *n, struct cxg_error *err)
{
        const struct eng_snapshot *s = r->snap;
        struct eng_garden_candidate *c;
        float *pct = NULL;
        char field[64] = "";
        const char *value = NULL;
        size_t k = 0;

        *out = NULL;
        *n = 0;
        if (segment) {
                const char *eq = strchr(segment, '=');

                if (!eq || eq == segment || (size_t)(eq - segment) >= sizeof(field))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "segment",
                                              "suggest: segment \"%.64s\" is not field=value",
                                              segment);
                memcpy(field, segment, (size_t)(eq - segment));
                field[eq - segment] = '\0';
                value = eq + 1;
        }
        c = cxg_malloc((s->n_accounts + 1) * sizeof(*c));
        if (topic == GARDEN_TOPIC_COST_REVENUE)
                pct = mrr_percentiles(s);
        if (!c || (topic == GARDEN_TOPIC_COST_REVENUE && !pct)) {
                cxg_free(c);
                cxg_free(pct);
                return cxg_error_set(err, CXG_ERR_NOMEM, "suggest: out of memory");
        }
        for (uint32_t a = 0; a < s->n_accounts; a++) {
                const struct eng_account_score *as = &r->acc[a];
                double e = as->engagement, rb = as->robustness, t, best = -1;
                uint32_t bp = ENG_NONE;

                if (s->a_churned[a] || x->account[a] || isnan(e) || isnan(rb))
                        continue;
                if (value && !in_segment(s, a, field, value))
                        continue;
                for (uint32_t i = s->a_poff[a]; i < s->a_poff[a + 1]; i++) {
                        uint32_t p = s->p_list[i];
                        double pe = r->p_engagement[p];

                        if (x->person[p] || isnan(pe) || s->p_left[p] != CXG_TS_NONE)
                                continue;
                        if (pe > best || (pe == best && bp != ENG_NONE &&
                                          s->p_seniority[p] > s->p_seniority[bp])) {
                                best = pe;
                                bp = p;
                        }
                }
                if (bp == ENG_NONE)
                        continue; /* nobody left to invite */
                t = eng_garden_topic_signal(r, a, topic, pct);
                c[k].account = a;
                c[k].person = bp;
                c[k].engagement = e;
                c[k].robustness = rb;
                c[k].topic = t;
                c[k].person_engagement = best;
                c[k].score = isnan(t) ? 0.5 * e + 0.5 * rb : 0.4 * e + 0.4 * rb + 0.2 * t;
                k++;
        }
        cxg_free(pct);
        qsort(c, k, sizeof(*c), cand_cmp);
        *out = c;
        *n = limit && limit < k ? limit : k;
        return CXG_OK;
}
