/*
 * partials.c: phase 1 of the two-phase compute (engine/cluster.h): the baseline partial sums
 * of a shard's accounts, keyed by names and absolute months so that partials from nodes with
 * different dictionaries and month ranges merge exactly; their merge, their binary form, and
 * the EWMA baselines eng_compute reads from them (docs/scoring.md, "Expectation").
 *
 * Every table is kept sorted by name (strcmp) and each name's cells by month, so a merge is
 * one ordered pass and its result does not depend on how the inputs were built. Counts and
 * duration sums in milliseconds are whole numbers, exact in double; the per-account monthly
 * second sums (float) add up exactly in double in practice (their exponents are close).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "engine/cluster.h"
#include "engine/partials_exp.h"
#include "engine/partials_int.h"

/* Segment cell values, and type cell values (the first PT_TYPE_W of a cell). */
enum { PT_SUP_SUM, PT_SUP_N, PT_LAT_SUM, PT_LAT_N, PT_FAILED, PT_ROWS, PT_CSAT_SUM, PT_CSAT_N };
#define PT_SEG_W 8
enum { PT_T_SUM_MS, PT_T_N };
#define PT_TYPE_W 2

#define PT_MAGIC "CXPT"
#define PT_VERSION 2u /* 2: the experience section (partials_exp.h) */
#define PT_FIELD_CAP 48
#define PT_NAME_MAX 4096 /* longest name a blob may hold */

struct pt_cell {
        int64_t month; /* cxg_month_index */
        double v[PT_SEG_W];
};

struct pt_group {
        char *name;
        struct pt_cell *cells; /* by month, ascending, no duplicates */
        size_t n;
};

struct pt_table {
        struct pt_group *g; /* by name, ascending, no duplicates */
        size_t n;
};

struct eng_partials {
        char field[PT_FIELD_CAP]; /* expectation segment field; "" when nothing merged yet */
        struct pt_table seg, type;
        int64_t min_ts, max_ts;
        uint64_t rows;
        struct eng_exp_part *exp; /* the experience detector's partials, never NULL */
};

/* ---- segments ---- */

uint32_t eng_segment_of(const struct eng_snapshot *s, const char *field, uint32_t a)
{
        if (strcmp(field, "currency") == 0)
                return s->a_currency[a];
        if (strcmp(field, "owner") == 0)
                return s->a_owner[a];
        if (strcmp(field, "all") == 0)
                return 0;
        return s->a_plan[a];
}

static const struct eng_dict *segment_dict(const struct eng_snapshot *s, const char *field)
{
        return strcmp(field, "currency") == 0 ? &s->currencies
               : strcmp(field, "owner") == 0  ? &s->owners
               : strcmp(field, "all") == 0    ? NULL
                                              : &s->plans;
}

uint32_t eng_segment_count(const struct eng_snapshot *s, const char *field)
{
        const struct eng_dict *d = segment_dict(s, field);

        return d && d->n ? d->n : 1;
}

const char *eng_segment_name(const struct eng_snapshot *s, const char *field, uint32_t g)
{
        const struct eng_dict *d = segment_dict(s, field);

        if (!d)
                return "all";
        return g < d->n && d->names[g] ? d->names[g] : "";
}

/* ---- the set ---- */

static void table_free(struct pt_table *t)
{
        for (size_t i = 0; i < t->n; i++) {
                cxg_free(t->g[i].name);
                cxg_free(t->g[i].cells);
        }
        cxg_free(t->g);
        t->g = NULL;
        t->n = 0;
}

struct eng_partials *eng_partials_new(void)
{
        struct eng_partials *pt = cxg_calloc(1, sizeof(*pt));

        if (pt)
                pt->min_ts = pt->max_ts = CXG_TS_NONE;
        if (pt && !(pt->exp = eng_exp_part_new())) {
                cxg_free(pt);
                return NULL;
        }
        return pt;
}

void eng_partials_free(struct eng_partials *pt)
{
        if (!pt)
                return;
        table_free(&pt->seg);
        table_free(&pt->type);
        eng_exp_part_free(pt->exp);
        cxg_free(pt);
}

const struct eng_exp_part *eng_partials_exp(const struct eng_partials *pt)
{
        return pt ? pt->exp : NULL;
}

int64_t eng_partials_max_ts(const struct eng_partials *pt)
{
        return pt ? pt->max_ts : CXG_TS_NONE;
}

int64_t eng_partials_min_ts(const struct eng_partials *pt)
{
        return pt ? pt->min_ts : CXG_TS_NONE;
}

uint64_t eng_partials_rows(const struct eng_partials *pt)
{
        return pt ? pt->rows : 0;
}

const char *eng_partials_field(const struct eng_partials *pt)
{
        return pt->field;
}

/* ---- merging ---- */

/* Cells of a and b (by month) summed into a new array *out of *n_out cells; 1 when out of
 * memory. Months in both are added value by value, a's first. */
static int cells_merge(const struct pt_cell *a, size_t na, const struct pt_cell *b, size_t nb,
                       struct pt_cell **out, size_t *n_out)
{
        struct pt_cell *c = cxg_malloc((na + nb ? na + nb : 1) * sizeof(*c));
        size_t i = 0, j = 0, k = 0;

        if (!c)
                return 1;
        while (i < na || j < nb) {
                if (j == nb || (i < na && a[i].month < b[j].month)) {
                        c[k++] = a[i++];
                } else if (i == na || b[j].month < a[i].month) {
                        c[k++] = b[j++];
                } else {
                        c[k] = a[i++];
                        for (int v = 0; v < PT_SEG_W; v++)
                                c[k].v[v] += b[j].v[v];
                        j++;
                        k++;
                }
        }
        *out = c;
        *n_out = k;
        return 0;
}

/* A copy of group g (name and cells) into *out; 1 when out of memory. */
static int group_copy(const struct pt_group *g, struct pt_group *out)
{
        out->name = cxg_strdup(g->name);
        out->cells = cxg_malloc((g->n ? g->n : 1) * sizeof(*g->cells));
        out->n = g->n;
        if (!out->name || !out->cells) {
                cxg_free(out->name);
                cxg_free(out->cells);
                return 1;
        }
        memcpy(out->cells, g->cells, g->n * sizeof(*g->cells));
        return 0;
}

/* Add add's groups into into (by name, then month); 1 when out of memory (into unchanged). */
static int table_merge(struct pt_table *into, const struct pt_table *add)
{
        struct pt_table t = {cxg_calloc(into->n + add->n + 1, sizeof(struct pt_group)), 0};
        size_t i = 0, j = 0;
        int cmp, bad = 0;

        if (!t.g)
                return 1;
        while (!bad && (i < into->n || j < add->n)) {
                struct pt_group *o = &t.g[t.n];

                cmp = i == into->n ? 1 : j == add->n ? -1 : strcmp(into->g[i].name, add->g[j].name);
                if (cmp < 0) {
                        bad = group_copy(&into->g[i++], o);
                } else if (cmp > 0) {
                        bad = group_copy(&add->g[j++], o);
                } else {
                        o->name = cxg_strdup(into->g[i].name);
                        bad =
                            !o->name || cells_merge(into->g[i].cells, into->g[i].n, add->g[j].cells,
                                                    add->g[j].n, &o->cells, &o->n);
                        if (bad)
                                cxg_free(o->name);
                        i++;
                        j++;
                }
                if (!bad)
                        t.n++;
        }
        if (bad) {
                table_free(&t);
                return 1;
        }
        table_free(into);
        *into = t;
        return 0;
}

enum cxg_err eng_partials_merge(struct eng_partials *into, const struct eng_partials *add,
                                struct cxg_error *err)
{
        struct pt_table seg = {0}, type = {0};

        if (into->field[0] && add->field[0] && strcmp(into->field, add->field) != 0)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "partials: merging partials of expectation segment \"%s\" "
                                     "into partials of segment \"%s\"",
                                     add->field, into->field);
        /* merge into copies first, so that running out of memory leaves into as it was */
        if (table_merge(&seg, &into->seg) || table_merge(&seg, &add->seg) ||
            table_merge(&type, &into->type) || table_merge(&type, &add->type) ||
            eng_exp_part_merge(into->exp, add->exp)) {
                table_free(&seg);
                table_free(&type);
                return cxg_error_set(err, CXG_ERR_NOMEM, "partials: out of memory merging");
        }
        table_free(&into->seg);
        table_free(&into->type);
        into->seg = seg;
        into->type = type;
        if (!into->field[0])
                memcpy(into->field, add->field, sizeof(into->field));
        if (add->min_ts != CXG_TS_NONE &&
            (into->min_ts == CXG_TS_NONE || add->min_ts < into->min_ts))
                into->min_ts = add->min_ts;
        if (add->max_ts != CXG_TS_NONE &&
            (into->max_ts == CXG_TS_NONE || add->max_ts > into->max_ts))
                into->max_ts = add->max_ts;
        into->rows += add->rows;
        return CXG_OK;
}

/* ---- computing ---- */

static int group_cmp(const void *x, const void *y)
{
        return strcmp(((const struct pt_group *)x)->name, ((const struct pt_group *)y)->name);
}

/* Merge t's groups (any order; equal names allowed) into out and free t; 1 when out of memory. */
static int table_adopt(struct pt_table *out, struct pt_table *t)
{
        struct pt_table one;
        int bad = 0;

        if (t->n > 1)
                qsort(t->g, t->n, sizeof(*t->g), group_cmp);
        /* one by one: equal names (never from one dictionary, but cheap to make sure) add up */
        for (size_t i = 0; i < t->n && !bad; i++) {
                one = (struct pt_table){&t->g[i], 1};
                bad = table_merge(out, &one);
        }
        table_free(t);
        return bad;
}

/*
 * A table from dense sums: n_keys names (name(k)), each with n_months months from month0,
 * width values per (key, month) at dense[(k * n_months + m) * width]; cells whose values are
 * all zero are left out. Keys with equal names are merged. 1 when out of memory.
 */
static int table_from_dense(struct pt_table *out, const double *dense, size_t n_keys,
                            size_t n_months, int64_t month0, int width,
                            const char *(*name)(const void *, size_t), const void *arg)
{
        struct pt_table t = {cxg_calloc(n_keys + 1, sizeof(struct pt_group)), 0};

        if (!t.g)
                return 1;
        for (size_t k = 0; k < n_keys; k++) {
                struct pt_group *g = &t.g[t.n];

                g->cells = cxg_malloc((n_months ? n_months : 1) * sizeof(struct pt_cell));
                g->name = cxg_strdup(name(arg, k));
                if (!g->cells || !g->name) {
                        cxg_free(g->cells);
                        cxg_free(g->name);
                        table_free(&t);
                        return 1;
                }
                for (size_t m = 0; m < n_months; m++) {
                        const double *x = &dense[(k * n_months + m) * (size_t)width];
                        struct pt_cell *c = &g->cells[g->n];
                        int any = 0;

                        memset(c, 0, sizeof(*c));
                        c->month = month0 + (int64_t)m;
                        for (int v = 0; v < width; v++) {
                                c->v[v] = x[v];
                                any |= x[v] != 0;
                        }
                        g->n += any;
                }
                if (g->n) {
                        t.n++;
                } else {
                        cxg_free(g->cells);
                        cxg_free(g->name);
                }
        }
        return table_adopt(out, &t);
}

struct dense_names {
        const struct eng_snapshot *s;
        const char *field;
};

static const char *seg_name(const void *arg, size_t k)
{
        const struct dense_names *d = arg;

        return eng_segment_name(d->s, d->field, (uint32_t)k);
}

static const char *type_name(const void *arg, size_t k)
{
        const struct dense_names *d = arg;

        return k < d->s->types.n && d->s->types.names[k] ? d->s->types.names[k] : "";
}

/* Account a's web/app durations (ms) by type and month into tl, its rows' times into pt. */
static void scan_rows(const struct eng_snapshot *s, const uint8_t *dkind, const int64_t *starts,
                      uint32_t a, double *tl, struct eng_partials *pt)
{
        size_t nm = s->n_months, m = 0;
        uint64_t lo = s->a_ioff[a], hi = s->a_ioff[a + 1];
        uint32_t d0 = s->a_doff[a], d1 = s->a_doff[a + 1];

        for (int seg = 0; seg < 2; seg++, m = 0) {
                const struct eng_icols *c = seg ? &s->delta : &s->main;
                uint64_t n = seg ? d1 - d0 : hi - lo;

                for (uint64_t k = 0; k < n; k++) {
                        uint64_t i = seg ? s->d_idx[d0 + k] : lo + k;
                        int64_t t = (int64_t)c->ts[i] + ENG_EPOCH;
                        uint32_t d = c->duration[i];

                        /* rows are by time within an account in both segments */
                        while (m + 1 < nm && t >= starts[m + 1])
                                m++;
                        if (pt->min_ts == CXG_TS_NONE || t < pt->min_ts)
                                pt->min_ts = t;
                        if (pt->max_ts == CXG_TS_NONE || t > pt->max_ts)
                                pt->max_ts = t;
                        pt->rows++;
                        if (d == ENG_DUR_NONE ||
                            dkind[(size_t)c->type[i] * CXG_CH__COUNT + c->channel[i]] !=
                                ENG_DUR_LATENCY)
                                continue;
                        tl[((size_t)c->type[i] * nm + m) * PT_TYPE_W + PT_T_SUM_MS] += d;
                        tl[((size_t)c->type[i] * nm + m) * PT_TYPE_W + PT_T_N] += 1;
                }
        }
}

/* The type sums and row times of the accounts in mask into tl and pt (every account: the
 * snapshot's own per-type counters, which hold the same whole numbers). 1 when out of memory. */
static int type_sums(const struct eng_snapshot *s, const uint8_t *mask, double *tl,
                     struct eng_partials *pt)
{
        size_t nm = s->n_months, nt = s->types.n + 1;
        uint8_t *dkind;
        int64_t *starts;

        if (!mask) {
                for (size_t i = 0; i < nt * nm; i++) {
                        tl[i * PT_TYPE_W + PT_T_SUM_MS] = s->t_lat_sum[i];
                        tl[i * PT_TYPE_W + PT_T_N] = s->t_lat_n[i];
                }
                pt->min_ts = s->min_ts;
                pt->max_ts = s->max_ts;
                pt->rows = s->main.n + s->delta.n;
                return 0;
        }
        dkind = cxg_malloc(nt * CXG_CH__COUNT);
        starts = cxg_malloc((nm + 1) * sizeof(int64_t));
        if (!dkind || !starts) {
                cxg_free(dkind);
                cxg_free(starts);
                return 1;
        }
        for (size_t t = 0; t < nt; t++)
                for (int ch = 0; ch < CXG_CH__COUNT; ch++)
                        dkind[t * CXG_CH__COUNT + ch] =
                            (uint8_t)eng_duration_kind(s, (uint16_t)t, (uint8_t)ch);
        for (size_t m = 0; m <= nm; m++)
                starts[m] = cxg_month_start(s->month0 + (int64_t)m);
        for (uint32_t a = 0; a < s->n_accounts && nm; a++)
                if (mask[a])
                        scan_rows(s, dkind, starts, a, tl, pt);
        cxg_free(dkind);
        cxg_free(starts);
        return 0;
}

/* The monthly counters of the accounts in mask (NULL: all) by segment into seg. */
static void seg_sums(const struct eng_snapshot *s, const char *field, const uint8_t *mask,
                     double *seg)
{
        size_t nm = s->n_months;

        for (uint32_t a = 0; a < s->n_accounts; a++) {
                double *row = &seg[(size_t)eng_segment_of(s, field, a) * nm * PT_SEG_W];

                if (mask && !mask[a])
                        continue;
                for (size_t m = 0; m < nm; m++) {
                        const struct eng_month *mo = &s->a_month[(size_t)a * nm + m];
                        double *x = &row[m * PT_SEG_W];

                        x[PT_SUP_SUM] += mo->sup_sum;
                        x[PT_SUP_N] += mo->sup_n;
                        x[PT_LAT_SUM] += mo->lat_sum;
                        x[PT_LAT_N] += mo->lat_n;
                        x[PT_FAILED] += mo->failed;
                        x[PT_ROWS] += mo->n;
                }
        }
}

struct csat_row {
        uint32_t seg;
        int64_t month;
        size_t f; /* feedback index: equal keys sum in the snapshot's order */
};

static int csat_cmp(const void *x, const void *y)
{
        const struct csat_row *a = x, *b = y;

        if (a->seg != b->seg)
                return a->seg < b->seg ? -1 : 1;
        if (a->month != b->month)
                return a->month < b->month ? -1 : 1;
        return a->f < b->f ? -1 : a->f > b->f;
}

/* The CSAT answers of the accounts in mask, by segment and absolute month, into pt (sorted,
 * not dense: an answer may lie far outside the interactions' months). 1 when out of memory. */
static int csat_sums(const struct eng_snapshot *s, const char *field, const uint8_t *mask,
                     struct eng_partials *pt)
{
        struct csat_row *rows = cxg_malloc((s->n_fb ? s->n_fb : 1) * sizeof(*rows));
        struct pt_table t = {cxg_calloc(s->n_fb + 1, sizeof(struct pt_group)), 0};
        size_t n = 0;
        int bad = !rows || !t.g;

        for (size_t f = 0; f < s->n_fb && !bad; f++) {
                uint32_t a = s->f_account[f];

                if (s->f_kind[f] != CXG_FB_CSAT || a >= s->n_accounts || (mask && !mask[a]))
                        continue;
                rows[n++] =
                    (struct csat_row){eng_segment_of(s, field, a), cxg_month_index(s->f_ts[f]), f};
        }
        if (!bad && n > 1)
                qsort(rows, n, sizeof(*rows), csat_cmp);
        for (size_t i = 0; i < n && !bad; i++) {
                struct pt_group *g = &t.g[t.n ? t.n - 1 : 0];
                struct pt_cell *c;

                if (i == 0 || rows[i].seg != rows[i - 1].seg) {
                        g = &t.g[t.n];
                        g->name = cxg_strdup(eng_segment_name(s, field, rows[i].seg));
                        g->cells = cxg_calloc(n - i, sizeof(*g->cells));
                        t.n++;
                        if ((bad = !g->name || !g->cells))
                                break;
                }
                if (g->n == 0 || g->cells[g->n - 1].month != rows[i].month)
                        g->cells[g->n++].month = rows[i].month;
                c = &g->cells[g->n - 1];
                c->v[PT_CSAT_SUM] += s->f_score[rows[i].f];
                c->v[PT_CSAT_N] += 1;
        }
        cxg_free(rows);
        if (bad) {
                table_free(&t);
                return 1;
        }
        return table_adopt(&pt->seg, &t);
}

/* 1 for the accounts of shard of n_shards (NULL for every account); *bad when out of memory. */
static uint8_t *shard_mask(const struct eng_snapshot *s, uint32_t shard, uint32_t n_shards,
                           int *bad)
{
        uint8_t *mask;

        if (shard == UINT32_MAX)
                return NULL;
        mask = cxg_calloc(s->n_accounts + 1, 1);
        if (!mask) {
                *bad = 1;
                return NULL;
        }
        for (uint32_t a = 0; a < s->n_accounts; a++)
                mask[a] = cxg_shard_of(s->a_ext[a] ? s->a_ext[a] : "", n_shards) == shard;
        return mask;
}

enum cxg_err eng_partials_compute(const struct eng_snapshot *s, const struct eng_params *p,
                                  uint32_t shard, uint32_t n_shards, struct eng_partials **out,
                                  struct cxg_error *err)
{
        struct eng_params defaults;
        const char *field;
        struct eng_partials *pt;
        struct dense_names dn;
        size_t nm = s->n_months, nt = s->types.n + 1, ns;
        double *seg = NULL, *tl = NULL;
        uint8_t *mask = NULL;
        int bad = 0;

        *out = NULL;
        if (!s->finished)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "partials: snapshot not finished");
        if (shard != UINT32_MAX &&
            (n_shards == 0 || n_shards > CXG_SHARDS_MAX || shard >= n_shards))
                return cxg_error_setf(err, CXG_ERR_INVALID, "shard",
                                      "partials: shard %u out of range for %u shards", shard,
                                      n_shards);
        if (!p) {
                eng_params_init(&defaults);
                p = &defaults;
        }
        field = p->expect_segment;
        ns = eng_segment_count(s, field);
        dn = (struct dense_names){s, field};
        pt = eng_partials_new();
        mask = shard_mask(s, shard, n_shards, &bad);
        seg = cxg_calloc(ns * (nm ? nm : 1) * PT_SEG_W, sizeof(double));
        tl = cxg_calloc(nt * (nm ? nm : 1) * PT_TYPE_W, sizeof(double));
        if ((bad = bad || !pt || !seg || !tl))
                goto done;
        snprintf(pt->field, sizeof(pt->field), "%s", field);
        seg_sums(s, field, mask, seg);
        bad = type_sums(s, mask, tl, pt) || csat_sums(s, field, mask, pt) ||
              table_from_dense(&pt->seg, seg, ns, nm, s->month0, PT_SEG_W, seg_name, &dn) ||
              table_from_dense(&pt->type, tl, s->types.n, nm, s->month0, PT_TYPE_W, type_name, &dn);
        if (!bad) {
                eng_exp_part_free(pt->exp);
                bad = eng_exp_part_compute(s, mask, CXG_TS_NONE, &pt->exp) != CXG_OK;
        }
done:
        cxg_free(mask);
        cxg_free(seg);
        cxg_free(tl);
        if (bad) {
                eng_partials_free(pt);
                return cxg_error_set(err, CXG_ERR_NOMEM, "partials: out of memory");
        }
        *out = pt;
        return CXG_OK;
}

/* ---- baselines ---- */

static const struct pt_group *group_find(const struct pt_table *t, const char *name)
{
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int cmp = strcmp(t->g[mid].name, name);

                if (cmp == 0)
                        return &t->g[mid];
                if (cmp < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

void eng_partials_seg_baseline(const struct eng_partials *pt, const char *name, int64_t lo,
                               int64_t hi, double alpha, double out[ENG_M__COUNT])
{
        const struct pt_group *g = group_find(&pt->seg, name);

        for (int m = 0; m < ENG_M__COUNT; m++)
                out[m] = NAN;
        for (size_t i = 0; g && i < g->n; i++) {
                const double *x = g->cells[i].v;

                if (g->cells[i].month < lo || g->cells[i].month >= hi)
                        continue;
                if (x[PT_SUP_N] > 0)
                        out[ENG_M_SUPPORT] =
                            eng_ewma(out[ENG_M_SUPPORT], x[PT_SUP_SUM] / x[PT_SUP_N], alpha);
                if (x[PT_LAT_N] > 0)
                        out[ENG_M_LATENCY] =
                            eng_ewma(out[ENG_M_LATENCY], x[PT_LAT_SUM] / x[PT_LAT_N], alpha);
                if (x[PT_ROWS] > 0)
                        out[ENG_M_FAILURES] =
                            eng_ewma(out[ENG_M_FAILURES], x[PT_FAILED] / x[PT_ROWS], alpha);
                if (x[PT_CSAT_N] > 0)
                        out[ENG_M_CSAT] =
                            eng_ewma(out[ENG_M_CSAT], x[PT_CSAT_SUM] / x[PT_CSAT_N], alpha);
        }
}

double eng_partials_type_baseline(const struct eng_partials *pt, const char *name, int64_t lo,
                                  int64_t hi, double alpha)
{
        const struct pt_group *g = group_find(&pt->type, name);
        double b = NAN;

        for (size_t i = 0; g && i < g->n; i++) {
                const double *x = g->cells[i].v;

                if (g->cells[i].month >= lo && g->cells[i].month < hi && x[PT_T_N] > 0)
                        b = eng_ewma(b, x[PT_T_SUM_MS] / x[PT_T_N] / 1000.0, alpha);
        }
        return b;
}

/* ---- binary form: magic, version, field, times, rows, two tables, crc32; little-endian ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
        uint32_t v = 0;

        for (int i = 0; i < 4; i++)
                v |= (uint32_t)p[i] << (8 * i);
        return v;
}

static uint64_t get_u64(const unsigned char *p)
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

static enum cxg_err w32(struct cxg_buf *b, uint32_t v)
{
        unsigned char x[4];

        put_u32(x, v);
        return cxg_buf_append(b, x, 4);
}

static enum cxg_err w64(struct cxg_buf *b, uint64_t v)
{
        unsigned char x[8];

        put_u64(x, v);
        return cxg_buf_append(b, x, 8);
}

static enum cxg_err wf64(struct cxg_buf *b, double d)
{
        uint64_t v;

        memcpy(&v, &d, 8);
        return w64(b, v);
}

static enum cxg_err w_str(struct cxg_buf *b, const char *s)
{
        size_t n = strlen(s);
        enum cxg_err rc;

        if (n > PT_NAME_MAX)
                return CXG_ERR_LIMIT;
        if ((rc = w32(b, (uint32_t)n)))
                return rc;
        return cxg_buf_append(b, s, n);
}

static enum cxg_err w_table(struct cxg_buf *b, const struct pt_table *t, int width)
{
        enum cxg_err rc = w32(b, (uint32_t)t->n);

        for (size_t i = 0; i < t->n && !rc; i++) {
                const struct pt_group *g = &t->g[i];

                if ((rc = w_str(b, g->name)) || (rc = w32(b, (uint32_t)g->n)))
                        break;
                for (size_t k = 0; k < g->n && !rc; k++) {
                        rc = w64(b, (uint64_t)g->cells[k].month);
                        for (int v = 0; v < width && !rc; v++)
                                rc = wf64(b, g->cells[k].v[v]);
                }
        }
        return rc;
}

enum cxg_err eng_partials_encode(const struct eng_partials *pt, struct cxg_buf *out,
                                 struct cxg_error *err)
{
        size_t start = out->len;
        enum cxg_err rc;

        if ((rc = cxg_buf_append(out, PT_MAGIC, 4)) || (rc = w32(out, PT_VERSION)) ||
            (rc = w_str(out, pt->field)) || (rc = w64(out, (uint64_t)pt->min_ts)) ||
            (rc = w64(out, (uint64_t)pt->max_ts)) || (rc = w64(out, pt->rows)) ||
            (rc = w_table(out, &pt->seg, PT_SEG_W)) || (rc = w_table(out, &pt->type, PT_TYPE_W)) ||
            (rc = eng_exp_part_encode(pt->exp, out)))
                goto fail;
        rc = w32(out, (uint32_t)crc32(crc32(0, Z_NULL, 0), (const Bytef *)out->data + start,
                                      (uInt)(out->len - start)));
        if (!rc)
                return CXG_OK;
fail:
        out->len = start;
        return cxg_error_set(err, rc, "partials: encoding: %s", cxg_strerror(rc));
}

/* A bounded reader over a blob: every read checks the bytes left. */
struct rd {
        const unsigned char *p;
        size_t len, pos;
        const char *why; /* the first problem found */
};

static int r_need(struct rd *r, size_t n, const char *what)
{
        if (r->why)
                return 1;
        if (n > r->len - r->pos) {
                r->why = what;
                return 1;
        }
        return 0;
}

static uint32_t r32(struct rd *r, const char *what)
{
        if (r_need(r, 4, what))
                return 0;
        r->pos += 4;
        return get_u32(r->p + r->pos - 4);
}

static uint64_t r64(struct rd *r, const char *what)
{
        if (r_need(r, 8, what))
                return 0;
        r->pos += 8;
        return get_u64(r->p + r->pos - 8);
}

/* A length-prefixed name (no NUL inside, at most PT_NAME_MAX bytes) as a new string. */
static char *r_str(struct rd *r, const char *what)
{
        uint32_t n = r32(r, what);
        char *s;

        if (r->why)
                return NULL;
        if (n > PT_NAME_MAX || memchr(r->p + r->pos, 0, n < r->len - r->pos ? n : 0)) {
                r->why = "a name too long or holding a NUL byte";
                return NULL;
        }
        if (r_need(r, n, what))
                return NULL;
        if (!(s = cxg_malloc((size_t)n + 1))) {
                r->why = "out of memory";
                return NULL;
        }
        memcpy(s, r->p + r->pos, n);
        s[n] = 0;
        r->pos += n;
        return s;
}

/* One cell: its month (after prev_month, in range) and width values (finite, counts whole
 * and not negative). */
static void r_cell(struct rd *r, struct pt_cell *c, int width, int64_t prev_month)
{
        memset(c, 0, sizeof(*c));
        c->month = (int64_t)r64(r, "a truncated cell");
        for (int v = 0; v < width; v++) {
                uint64_t bits = r64(r, "a truncated cell");

                memcpy(&c->v[v], &bits, 8);
                if (!r->why && !isfinite(c->v[v]))
                        r->why = "a value that is not a finite number";
                /* the odd slots of both layouts are counts */
                if (!r->why && v % 2 == 1 && (c->v[v] < 0 || c->v[v] != floor(c->v[v])))
                        r->why = "a count that is negative or not whole";
        }
        if (!r->why && (c->month <= prev_month || c->month < 0 || c->month > INT32_MAX))
                r->why = "months out of order or out of range";
}

static void r_table(struct rd *r, struct pt_table *t, int width)
{
        uint32_t n = r32(r, "a truncated table count");

        /* each group takes at least 8 bytes: a count past the blob is a lie, not a size */
        if (r->why || r_need(r, (size_t)n * 8, "a table count past the end"))
                return;
        t->g = cxg_calloc((size_t)n + 1, sizeof(*t->g));
        if (!t->g) {
                r->why = "out of memory";
                return;
        }
        for (uint32_t i = 0; i < n && !r->why; i++) {
                struct pt_group *g = &t->g[t->n];
                uint32_t nc;

                if (!(g->name = r_str(r, "a truncated name")))
                        break;
                t->n++;
                if (i > 0 && strcmp(t->g[i - 1].name, g->name) >= 0) {
                        r->why = "names out of order or repeated";
                        break;
                }
                nc = r32(r, "a truncated cell count");
                if (r->why ||
                    r_need(r, (size_t)nc * (8 + 8 * (size_t)width), "a cell count past the end"))
                        break;
                if (!(g->cells = cxg_calloc((size_t)nc + 1, sizeof(*g->cells)))) {
                        r->why = "out of memory";
                        break;
                }
                for (uint32_t k = 0; k < nc && !r->why; k++)
                        r_cell(r, &g->cells[g->n++], width, k ? g->cells[k - 1].month : INT64_MIN);
        }
}

/* The header of r into pt: magic, version and checksum first (a bad blob says so). */
static void r_header(struct rd *r, struct eng_partials *pt)
{
        char *field;
        uint32_t version;

        if (r->len < 12 || memcmp(r->p, PT_MAGIC, 4) != 0) {
                r->why = r->len < 12 ? "shorter than a header" : "not a partials blob (bad magic)";
                return;
        }
        version = get_u32(r->p + 4);
        if (version != PT_VERSION) {
                r->why = "an unknown format version";
                return;
        }
        if (get_u32(r->p + r->len - 4) !=
            (uint32_t)crc32(crc32(0, Z_NULL, 0), r->p, (uInt)(r->len - 4))) {
                r->why = "a checksum mismatch (damaged or truncated)";
                return;
        }
        r->len -= 4;
        r->pos = 8;
        if (!(field = r_str(r, "a truncated field")))
                return;
        if (strlen(field) >= sizeof(pt->field))
                r->why = "an expectation segment field too long";
        else
                memcpy(pt->field, field, strlen(field) + 1);
        cxg_free(field);
        pt->min_ts = (int64_t)r64(r, "a truncated header");
        pt->max_ts = (int64_t)r64(r, "a truncated header");
        pt->rows = r64(r, "a truncated header");
        if (!r->why && (pt->min_ts == CXG_TS_NONE) != (pt->max_ts == CXG_TS_NONE))
                r->why = "only one of the earliest and latest times";
        if (!r->why && pt->min_ts != CXG_TS_NONE && pt->min_ts > pt->max_ts)
                r->why = "an earliest time after the latest";
}

enum cxg_err eng_partials_decode(const void *blob, size_t len, struct eng_partials **out,
                                 struct cxg_error *err)
{
        struct rd r = {blob, len, 0, NULL};
        struct eng_partials *pt = eng_partials_new();

        *out = NULL;
        if (!pt)
                return cxg_error_set(err, CXG_ERR_NOMEM, "partials: out of memory decoding");
        if (!blob)
                r.why = "no blob";
        else
                r_header(&r, pt);
        r_table(&r, &pt->seg, PT_SEG_W);
        r_table(&r, &pt->type, PT_TYPE_W);
        if (!r.why) { /* the experience section runs to the checksum */
                eng_exp_part_free(pt->exp);
                r.why = eng_exp_part_decode(r.p + r.pos, r.len - r.pos, &pt->exp);
                r.pos = r.why ? r.pos : r.len;
        }
        if (r.why) {
                enum cxg_err code = strcmp(r.why, "out of memory") ? CXG_ERR_PARSE : CXG_ERR_NOMEM;

                eng_partials_free(pt);
                if (code == CXG_ERR_PARSE && strcmp(r.why, "an unknown format version") == 0)
                        return cxg_error_set(err, code,
                                             "partials blob of %zu bytes: format version %" PRIu32
                                             ", this build reads version %u",
                                             len, get_u32((const unsigned char *)blob + 4),
                                             PT_VERSION);
                return cxg_error_set(err, code, "partials blob of %zu bytes: %s at byte %zu", len,
                                     r.why, r.pos);
        }
        *out = pt;
        return CXG_OK;
}
