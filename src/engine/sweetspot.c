/*
 * sweetspot.c: segments of accounts ranked by retention, MRR, engagement and fit together
 * (see sweetspot.h and docs/scoring.md, "Sweet spot").
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/hmap.h"
#include "core/timeconst.h"
#include "engine/detect_int.h"
#include "engine/fit.h"
#include "engine/score.h"
#include "engine/sweetspot.h"

#define MAX_FIELDS 4

void eng_sweet_opts_init(struct eng_sweet_opts *o)
{
        o->by = "plan";
        o->min_size = 10;
        o->retention_days = 180;
        o->fit_days = 90;
}

struct acc_sum {
        double n, sum;
};

static void add(struct acc_sum *a, double v)
{
        if (!isnan(v)) {
                a->n++;
                a->sum += v;
        }
}

static double mean(const struct acc_sum *a)
{
        return a->n > 0 ? a->sum / a->n : NAN;
}

static double metric(const struct eng_sweet_segment *g, int m)
{
        switch (m) {
        case ENG_SWEET_RETENTION:
                return g->retention;
        case ENG_SWEET_MRR:
                return g->mrr_mean;
        case ENG_SWEET_ENGAGEMENT:
                return g->engagement;
        default:
                return g->fit;
        }
}

static int by_rank(const void *x, const void *y)
{
        const struct eng_sweet_segment *a = x, *b = y;

        if (!a->rank != !b->rank)
                return a->rank ? -1 : 1;
        if (a->rank)
                return a->rank < b->rank ? -1 : a->rank > b->rank;
        if (a->size != b->size)
                return a->size > b->size ? -1 : 1;
        return strcmp(a->key, b->key);
}

static int by_score(const void *x, const void *y)
{
        const struct eng_sweet_segment *a = *(const struct eng_sweet_segment *const *)x;
        const struct eng_sweet_segment *b = *(const struct eng_sweet_segment *const *)y;

        if (a->score != b->score)
                return a->score > b->score ? -1 : 1;
        if (a->mrr_total != b->mrr_total)
                return a->mrr_total > b->mrr_total ? -1 : 1;
        return strcmp(a->key, b->key);
}

void eng_sweet_rank(const struct eng_sweet_row *rows, size_t n, struct eng_sweet_segment *seg,
                    size_t nseg, size_t min_size)
{
        struct acc_sum *eng = cxg_calloc(nseg + 1, sizeof(*eng));
        struct acc_sum *fit = cxg_calloc(nseg + 1, sizeof(*fit));
        struct eng_sweet_segment **ranked = cxg_calloc(nseg + 1, sizeof(*ranked));
        size_t m = 0;

        for (size_t k = 0; k < nseg; k++) {
                struct eng_sweet_segment *g = &seg[k];

                g->size = g->base = g->retained = 0;
                g->mrr_total = 0;
                g->rank = 0;
                g->score = NAN;
                g->verdict = "";
                for (int q = 0; q < ENG_SWEET__COUNT; q++)
                        g->pct[q] = NAN;
        }
        if (!eng || !fit || !ranked) {
                /* out of memory: leave every segment unranked rather than half-ranked */
                cxg_free(eng);
                cxg_free(fit);
                cxg_free(ranked);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct eng_sweet_row *r = &rows[i];
                struct eng_sweet_segment *g;

                if (r->segment >= nseg)
                        continue;
                g = &seg[r->segment];
                if (r->retained >= 0) {
                        g->base++;
                        g->retained += r->retained > 0;
                }
                if (!r->alive)
                        continue;
                g->size++;
                if (!isnan(r->mrr))
                        g->mrr_total += r->mrr;
                add(&eng[r->segment], r->engagement);
                add(&fit[r->segment], r->fit);
        }
        for (size_t k = 0; k < nseg; k++) {
                struct eng_sweet_segment *g = &seg[k];

                g->retention = g->base ? (double)g->retained / (double)g->base : NAN;
                g->mrr_mean = g->size ? g->mrr_total / (double)g->size : NAN;
                g->engagement = mean(&eng[k]);
                g->fit = mean(&fit[k]);
                if (g->size >= min_size && g->size > 0)
                        ranked[m++] = g;
        }
        for (size_t k = 0; k < m; k++) {
                struct eng_sweet_segment *g = ranked[k];
                double sum = 0;
                int known = 0;

                for (int q = 0; q < ENG_SWEET__COUNT; q++) {
                        double v = metric(g, q), below = 0, same = 0, others = 0;

                        if (isnan(v))
                                continue;
                        for (size_t j = 0; j < m; j++) {
                                double w = metric(ranked[j], q);

                                if (j == k || isnan(w))
                                        continue;
                                others++;
                                below += w < v;
                                same += w == v;
                        }
                        g->pct[q] = others > 0 ? (below + 0.5 * same) / others : 0.5;
                        sum += g->pct[q];
                        known++;
                }
                g->score = known ? 100.0 * sum / known : 50;
        }
        qsort(ranked, m, sizeof(*ranked), by_score);
        for (size_t k = 0; k < m; k++) {
                ranked[k]->rank = k + 1;
                ranked[k]->verdict = m < 2                    ? ""
                                     : ranked[k]->score >= 75 ? "sweet spot"
                                     : ranked[k]->score <= 25 ? "poorly served"
                                                              : "";
        }
        qsort(seg, nseg, sizeof(*seg), by_rank);
        cxg_free(eng);
        cxg_free(fit);
        cxg_free(ranked);
}

/* The value of field for account a, as text, into out. */
static void field_value(const struct eng_snapshot *s, uint32_t a, const char *field, int64_t at,
                        json_t *attrs, char *out, size_t cap)
{
        json_t *v;

        if (strcmp(field, "plan") == 0) {
                uint16_t p = plan_at(s, a, at);

                snprintf(out, cap, "%s", p && p < s->plans.n ? s->plans.names[p] : "(none)");
                return;
        }
        if (strcmp(field, "owner") == 0 || strcmp(field, "currency") == 0) {
                const struct eng_dict *d = field[0] == 'o' ? &s->owners : &s->currencies;
                uint16_t k = field[0] == 'o' ? s->a_owner[a] : s->a_currency[a];

                snprintf(out, cap, "%s", k && k < d->n ? d->names[k] : "(none)");
                return;
        }
        v = attrs ? json_object_get(attrs, field) : NULL;
        if (json_is_string(v) && *json_string_value(v))
                snprintf(out, cap, "%s", json_string_value(v));
        else if (json_is_integer(v))
                snprintf(out, cap, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
                snprintf(out, cap, "%g", json_real_value(v));
        else if (json_is_boolean(v))
                snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
        else
                snprintf(out, cap, "(none)");
}

/* Capabilities used per account by its rows in (f0, at] into used. */
static void usage_rows(const struct eng_snapshot *s, int64_t f0, int64_t at, uint64_t *used)
{
        FOR_EACH_ROW(s, c, i)
        {
                int64_t t = ts_of(c->ts[i]);

                if (t > f0 && t <= at && c->account[i] < s->n_accounts &&
                    c->type[i] < s->t_caps_cap)
                        used[c->account[i]] |= s->t_caps[c->type[i]];
        }
}

enum cxg_err eng_sweetspot(const struct eng_snapshot *s, const struct eng_scores *scores,
                           const struct eng_sweet_opts *o, struct eng_sweet_result *r,
                           struct cxg_error *err)
{
        struct eng_sweet_opts def;
        char fields[MAX_FIELDS][64];
        size_t nf = 0, cap = 0;
        int64_t at = scores->at, r0, f0;
        struct eng_sweet_row *rows = NULL;
        uint64_t *used = NULL;
        struct cxg_hmap keys;
        enum cxg_err rc = CXG_OK;

        if (!o) {
                eng_sweet_opts_init(&def);
                o = &def;
        }
        memset(r, 0, sizeof(*r));
        cxg_hmap_init(&keys);
        /* fields: "plan,region" */
        for (const char *p = o->by ? o->by : "plan";;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);

                while (len && *p == ' ') {
                        p++;
                        len--;
                }
                while (len && p[len - 1] == ' ')
                        len--;
                if (!len || len >= sizeof(fields[0]))
                        return cxg_error_setf(
                            err, CXG_ERR_INVALID, "by",
                            "sweetspot: by: empty or too long field name in \"%s\"", o->by);
                if (nf == MAX_FIELDS)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "by",
                                              "sweetspot: by: at most %d fields", MAX_FIELDS);
                memcpy(fields[nf], p, len);
                fields[nf++][len] = '\0';
                if (!end)
                        break;
                p = end + 1;
        }
        snprintf(r->by, sizeof(r->by), "%s", o->by ? o->by : "plan");
        r->at = at;
        r0 = at - (int64_t)(o->retention_days * (int64_t)CXG_DAY);
        f0 = at - (int64_t)(o->fit_days * (int64_t)CXG_DAY);
        rows = cxg_calloc(s->n_accounts + 1, sizeof(*rows));
        used = cxg_calloc(s->n_accounts + 1, sizeof(*used));
        if (!rows || !used)
                goto nomem;
        /* capabilities used per account in the fit window: the scores' masks when they cover
         * it (on any cluster node as on the single node, fit.h), else the rows */
        if (eng_usage_from_scores(s, scores, at, (int64_t)(o->fit_days * (double)CXG_DAY)))
                for (uint32_t a = 0; a < s->n_accounts; a++)
                        used[a] = eng_usage_of_account(s, scores, a);
        else
                usage_rows(s, f0, at, used);
        for (uint32_t a = 0; a < s->n_accounts; a++) {
                struct eng_sweet_row *row = &rows[a];
                json_t *attrs = s->a_attrs[a] ? json_loads(s->a_attrs[a], 0, NULL) : NULL;
                char key[192], val[96];
                size_t kl = 0;
                uint64_t ix, plan_caps = 0;
                uint16_t pl = plan_at(s, a, at);
                int found;

                key[0] = '\0';
                for (size_t f = 0; f < nf; f++) {
                        field_value(s, a, fields[f], at, attrs, val, sizeof(val));
                        if (kl < sizeof(key))
                                kl += (size_t)snprintf(key + kl, sizeof(key) - kl, "%s%s=%s",
                                                       f ? ", " : "", fields[f], val);
                }
                json_decref(attrs);
                if (kl >= sizeof(key))
                        kl = sizeof(key) - 1;
                ix = r->n;
                if (cxg_hmap_intern(&keys, key, kl, &ix, &found, NULL))
                        goto nomem;
                if (!found) {
                        if (CXG_GROW(r->seg, r->n + 1, cap, CXG_GROW_NOCAP))
                                goto nomem;
                        memset(&r->seg[r->n], 0, sizeof(r->seg[0]));
                        snprintf(r->seg[r->n].key, sizeof(r->seg[0].key), "%s", key);
                        r->n++;
                }
                row->segment = (uint32_t)ix;
                row->alive = (int8_t)account_alive(s, a, at);
                row->retained = account_alive(s, a, r0) ? (int8_t)row->alive : -1;
                row->mrr = mrr_at(s, a, at);
                row->engagement = scores->acc ? scores->acc[a].engagement : NAN;
                for (size_t c = 0; c < s->n_caps && c < 64; c++)
                        if (pl < 64 && (s->c_plans[c] >> pl & 1))
                                plan_caps |= UINT64_C(1) << c;
                row->fit = plan_caps ? (double)__builtin_popcountll(used[a] & plan_caps) /
                                           (double)__builtin_popcountll(plan_caps)
                                     : NAN;
                r->n_accounts += row->alive;
        }
        eng_sweet_rank(rows, s->n_accounts, r->seg, r->n, o->min_size);
        goto done;
nomem:
        rc = cxg_error_set(err, CXG_ERR_NOMEM, "sweetspot: out of memory");
        eng_sweet_result_release(r);
done:
        cxg_free(rows);
        cxg_free(used);
        cxg_hmap_release(&keys);
        return rc;
}

void eng_sweet_result_release(struct eng_sweet_result *r)
{
        cxg_free(r->seg);
        r->seg = NULL;
        r->n = 0;
}
