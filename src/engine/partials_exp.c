/*
 * partials_exp.c: the experience detector's mergeable partials (partials_exp.h): counts per
 * interaction type and week and a deterministic bottom-K hash sample of durations, computed
 * from a snapshot's rows (all, or a shard's), merged, and written to and read from the
 * partials blob.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/timeconst.h"
#include "engine/detect.h"
#include "engine/partials_exp.h"

#define NAME_MAX_BYTES 4096

struct xp_type {
        char *name;
        struct eng_exp_cell *cells; /* ascending weeks, no duplicates */
        size_t n;
};

struct eng_exp_part {
        struct xp_type *t; /* by name, ascending */
        size_t n;
};

struct eng_exp_part *eng_exp_part_new(void)
{
        return cxg_calloc(1, sizeof(struct eng_exp_part));
}

static void cell_free(struct eng_exp_cell *c)
{
        cxg_free(c->hash);
        cxg_free(c->dur);
        c->hash = NULL;
        c->dur = NULL;
}

static void type_free(struct xp_type *t)
{
        for (size_t k = 0; k < t->n; k++)
                cell_free(&t->cells[k]);
        cxg_free(t->cells);
        cxg_free(t->name);
}

void eng_exp_part_free(struct eng_exp_part *x)
{
        if (!x)
                return;
        for (size_t k = 0; k < x->n; k++)
                type_free(&x->t[k]);
        cxg_free(x->t);
        cxg_free(x);
}

/* ---- the row identity's hash ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

/* Hash of (person ext id, unix time, type name, duration ms), bytes little-endian. */
static uint64_t row_hash(const char *person, int64_t t, const char *type, uint32_t dur)
{
        unsigned char b[12];
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (int i = 0; i < 8; i++)
                b[i] = (unsigned char)((uint64_t)t >> (8 * i));
        for (int i = 0; i < 4; i++)
                b[8 + i] = (unsigned char)(dur >> (8 * i));
        h = fnv(h, person ? person : "", strlen(person ? person : "") + 1);
        h = fnv(h, b, 8);
        h = fnv(h, type ? type : "", strlen(type ? type : "") + 1);
        h = fnv(h, b + 8, 4);
        h ^= h >> 33; /* finalizer (murmur3 fmix64): every input bit moves every output bit */
        h *= UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 33;
        h *= UINT64_C(0xc4ceb9fe1a85ec53);
        h ^= h >> 33;
        return h;
}

/* (h, d) before (h2, d2): the sample's total order. */
static int before(uint64_t h, uint32_t d, uint64_t h2, uint32_t d2)
{
        return h < h2 || (h == h2 && d < d2);
}

/* ---- computing: a max-heap of the K smallest per cell ---- */

static void heap_push(struct eng_exp_cell *c, uint64_t h, uint32_t d)
{
        size_t i;

        if (c->kept == ENG_EXP_SAMPLE) {
                if (!before(h, d, c->hash[0], c->dur[0]))
                        return;
                i = 0; /* replace the largest, sift down */
                for (;;) {
                        size_t l = 2 * i + 1, r = l + 1, m = i;
                        uint64_t mh = h;
                        uint32_t md = d;

                        if (l < c->kept && before(mh, md, c->hash[l], c->dur[l]))
                                m = l, mh = c->hash[l], md = c->dur[l];
                        if (r < c->kept && before(mh, md, c->hash[r], c->dur[r]))
                                m = r;
                        if (m == i)
                                break;
                        c->hash[i] = c->hash[m];
                        c->dur[i] = c->dur[m];
                        i = m;
                }
        } else {
                i = c->kept++;
                while (i && before(c->hash[(i - 1) / 2], c->dur[(i - 1) / 2], h, d)) {
                        c->hash[i] = c->hash[(i - 1) / 2];
                        c->dur[i] = c->dur[(i - 1) / 2];
                        i = (i - 1) / 2;
                }
        }
        c->hash[i] = h;
        c->dur[i] = d;
}

struct hd {
        uint64_t h;
        uint32_t d;
};

static int hd_cmp(const void *x, const void *y)
{
        const struct hd *a = x, *b = y;

        return before(a->h, a->d, b->h, b->d) ? -1 : before(b->h, b->d, a->h, a->d);
}

/* Sort a cell's heap into hash order. */
static int cell_sort(struct eng_exp_cell *c)
{
        struct hd *v = cxg_malloc((c->kept + 1) * sizeof(*v));

        if (!v)
                return 1;
        for (uint32_t k = 0; k < c->kept; k++)
                v[k] = (struct hd){c->hash[k], c->dur[k]};
        qsort(v, c->kept, sizeof(*v), hd_cmp);
        for (uint32_t k = 0; k < c->kept; k++) {
                c->hash[k] = v[k].h;
                c->dur[k] = v[k].d;
        }
        cxg_free(v);
        return 0;
}

static int type_cmp(const void *x, const void *y)
{
        return strcmp(((const struct xp_type *)x)->name, ((const struct xp_type *)y)->name);
}

/* The dense cells (nt types x nw weeks from w0) into x's sparse types; dense emptied. */
static int sparse_of(const struct eng_snapshot *s, struct eng_exp_cell *dense, size_t nt, size_t nw,
                     int64_t w0, struct eng_exp_part *x)
{
        if (!(x->t = cxg_calloc(nt + 1, sizeof(*x->t))))
                return 1;
        for (size_t t = 1; t < nt; t++) {
                struct xp_type *xt = &x->t[x->n];
                size_t busy = 0;

                for (size_t k = 0; k < nw; k++)
                        busy += dense[t * nw + k].n > 0;
                if (!busy)
                        continue;
                x->n++; /* freed with x whatever fails below */
                if (!(xt->name = cxg_strdup(s->types.names[t])) ||
                    !(xt->cells = cxg_calloc(busy, sizeof(*xt->cells))))
                        return 1;
                for (size_t k = 0; k < nw; k++) {
                        struct eng_exp_cell *c = &dense[t * nw + k];

                        if (!c->n)
                                continue;
                        c->week = w0 + (int64_t)k * CXG_WEEK;
                        if (cell_sort(c))
                                return 1;
                        xt->cells[xt->n++] = *c;
                        c->hash = NULL;
                        c->dur = NULL;
                }
        }
        qsort(x->t, x->n, sizeof(*x->t), type_cmp);
        return 0;
}

static int add_rows(const struct eng_snapshot *s, const uint8_t *mask, int64_t w0, size_t nw,
                    struct eng_exp_cell *dense)
{
        size_t nt = s->types.n;

        for (const struct eng_icols *c = &s->main; c; c = c == &s->main ? &s->delta : NULL)
                for (size_t i = 0; i < c->n; i++) {
                        int64_t t = (int64_t)c->ts[i] + ENG_EPOCH;
                        uint32_t a = c->account[i], pi = c->person[i];
                        struct eng_exp_cell *ce;

                        if (t < w0 || t >= w0 + (int64_t)nw * CXG_WEEK || c->type[i] == 0 ||
                            c->type[i] >= nt || (mask && (a >= s->n_accounts || !mask[a])))
                                continue;
                        ce = &dense[(size_t)c->type[i] * nw + (size_t)((t - w0) / CXG_WEEK)];
                        ce->n++;
                        ce->failed += c->outcome[i] == CXG_OUT_FAILED;
                        if (c->duration[i] == ENG_DUR_NONE)
                                continue;
                        ce->n_dur++;
                        if (!ce->hash && (!(ce->hash = cxg_malloc(ENG_EXP_SAMPLE * 8)) ||
                                          !(ce->dur = cxg_malloc(ENG_EXP_SAMPLE * 4))))
                                return 1;
                        heap_push(ce,
                                  row_hash(pi < s->n_people ? s->p_ext[pi] : "", t,
                                           s->types.names[c->type[i]], c->duration[i]),
                                  c->duration[i]);
                }
        return 0;
}

enum cxg_err eng_exp_part_compute(const struct eng_snapshot *s, const uint8_t *mask, int64_t latest,
                                  struct eng_exp_part **out)
{
        struct eng_exp_part *x = eng_exp_part_new();
        struct eng_exp_cell *dense = NULL;
        size_t nt = s->types.n, nw = 0;
        int64_t w0 = 0;
        int bad = !x;

        *out = NULL;
        if (latest == CXG_TS_NONE)
                latest = s->max_ts;
        if (!bad && latest != CXG_TS_NONE && nt > 1) {
                w0 = eng_week_start(latest) - ENG_EXP_WEEKS * CXG_WEEK;
                nw = ENG_EXP_WEEKS + 1;
                bad = !(dense = cxg_calloc(nt * nw, sizeof(*dense))) ||
                      add_rows(s, mask, w0, nw, dense) || sparse_of(s, dense, nt, nw, w0, x);
        }
        for (size_t k = 0; dense && k < nt * nw; k++)
                cell_free(&dense[k]);
        cxg_free(dense);
        if (bad) {
                eng_exp_part_free(x);
                return CXG_ERR_NOMEM;
        }
        *out = x;
        return CXG_OK;
}

/* ---- merging ---- */

/* The bottom-K of two samples in hash order, into c (allocated here). */
static int sample_merge(const struct eng_exp_cell *a, const struct eng_exp_cell *b,
                        struct eng_exp_cell *c)
{
        uint32_t i = 0, j = 0, k = 0, n = a->kept + b->kept;

        if (n > ENG_EXP_SAMPLE)
                n = ENG_EXP_SAMPLE;
        c->kept = n;
        c->hash = NULL;
        c->dur = NULL;
        if (!n)
                return 0;
        if (!(c->hash = cxg_malloc(n * sizeof(uint64_t))) ||
            !(c->dur = cxg_malloc(n * sizeof(uint32_t))))
                return 1;
        for (; k < n; k++) {
                int take_a = j >= b->kept ||
                             (i < a->kept && !before(b->hash[j], b->dur[j], a->hash[i], a->dur[i]));

                c->hash[k] = take_a ? a->hash[i] : b->hash[j];
                c->dur[k] = take_a ? a->dur[i++] : b->dur[j++];
        }
        return 0;
}

/* Cells of into's type t merged with add's cells (both by week). */
static int cells_merge(struct xp_type *t, const struct xp_type *add)
{
        struct eng_exp_cell *v = cxg_calloc(t->n + add->n + 1, sizeof(*v)), none = {0};
        size_t i = 0, j = 0, n = 0;

        if (!v)
                return 1;
        while (i < t->n || j < add->n) {
                const struct eng_exp_cell *a = i < t->n ? &t->cells[i] : NULL;
                const struct eng_exp_cell *b = j < add->n ? &add->cells[j] : NULL;
                struct eng_exp_cell *c = &v[n++];

                if (a && b && a->week < b->week)
                        b = NULL;
                else if (a && b && a->week > b->week)
                        a = NULL;
                i += a != NULL;
                j += b != NULL;
                c->week = a ? a->week : b->week;
                c->n = (a ? a->n : 0) + (b ? b->n : 0);
                c->failed = (a ? a->failed : 0) + (b ? b->failed : 0);
                c->n_dur = (a ? a->n_dur : 0) + (b ? b->n_dur : 0);
                if (sample_merge(a ? a : &none, b ? b : &none, c)) {
                        for (size_t k = 0; k < n; k++)
                                cell_free(&v[k]);
                        cxg_free(v);
                        return 1;
                }
        }
        for (size_t k = 0; k < t->n; k++)
                cell_free(&t->cells[k]);
        cxg_free(t->cells);
        t->cells = v;
        t->n = n;
        return 0;
}

static struct xp_type *type_find(const struct eng_exp_part *x, const char *name)
{
        size_t lo = 0, hi = x->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(x->t[mid].name, name);

                if (!c)
                        return &x->t[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

enum cxg_err eng_exp_part_merge(struct eng_exp_part *into, const struct eng_exp_part *add)
{
        size_t fresh = 0;
        struct xp_type *v;

        for (size_t k = 0; add && k < add->n; k++)
                fresh += !type_find(into, add->t[k].name);
        if (fresh) {
                if (!(v = cxg_realloc(into->t, (into->n + fresh) * sizeof(*v))))
                        return CXG_ERR_NOMEM;
                into->t = v;
                for (size_t k = 0; k < add->n; k++)
                        if (!type_find(into, add->t[k].name)) {
                                struct xp_type *t = &into->t[into->n];

                                memset(t, 0, sizeof(*t));
                                if (!(t->name = cxg_strdup(add->t[k].name)))
                                        return CXG_ERR_NOMEM;
                                into->n++;
                                qsort(into->t, into->n, sizeof(*into->t), type_cmp);
                        }
        }
        for (size_t k = 0; add && k < add->n; k++)
                if (cells_merge(type_find(into, add->t[k].name), &add->t[k]))
                        return CXG_ERR_NOMEM;
        return CXG_OK;
}

const struct eng_exp_cell *eng_exp_part_type(const struct eng_exp_part *x, const char *name,
                                             size_t *n)
{
        const struct xp_type *t = x && name ? type_find(x, name) : NULL;

        *n = t ? t->n : 0;
        return t ? t->cells : NULL;
}

/* ---- the binary form (inside the partials blob) ---- */

static enum cxg_err w_le(struct cxg_buf *b, uint64_t v, int bytes)
{
        unsigned char p[8];

        for (int i = 0; i < bytes; i++)
                p[i] = (unsigned char)(v >> (8 * i));
        return cxg_buf_append(b, p, (size_t)bytes);
}

enum cxg_err eng_exp_part_encode(const struct eng_exp_part *x, struct cxg_buf *out)
{
        enum cxg_err rc = w_le(out, x ? x->n : 0, 4);

        for (size_t k = 0; x && k < x->n && !rc; k++) {
                const struct xp_type *t = &x->t[k];
                size_t len = strlen(t->name);

                rc = w_le(out, len, 4);
                rc = rc ? rc : cxg_buf_append(out, t->name, len);
                rc = rc ? rc : w_le(out, t->n, 4);
                for (size_t q = 0; q < t->n && !rc; q++) {
                        const struct eng_exp_cell *c = &t->cells[q];

                        rc = w_le(out, (uint64_t)c->week, 8);
                        rc = rc ? rc : w_le(out, c->n, 4);
                        rc = rc ? rc : w_le(out, c->failed, 4);
                        rc = rc ? rc : w_le(out, c->n_dur, 4);
                        rc = rc ? rc : w_le(out, c->kept, 4);
                        for (uint32_t i = 0; i < c->kept && !rc; i++) {
                                rc = w_le(out, c->hash[i], 8);
                                rc = rc ? rc : w_le(out, c->dur[i], 4);
                        }
                }
        }
        return rc;
}

struct xrd {
        const unsigned char *p;
        size_t len, pos;
        const char *why;
};

static uint64_t r_le(struct xrd *r, int bytes, const char *what)
{
        uint64_t v = 0;

        if (r->why || (size_t)bytes > r->len - r->pos) {
                r->why = r->why ? r->why : what;
                return 0;
        }
        for (int i = 0; i < bytes; i++)
                v |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
        r->pos += (size_t)bytes;
        return v;
}

/* A count of entries of at least min bytes each, checked against the bytes left. */
static size_t r_count(struct xrd *r, size_t min, const char *what)
{
        size_t n = (size_t)r_le(r, 4, what);

        if (!r->why && n > (r->len - r->pos) / min)
                r->why = what;
        return r->why ? 0 : n;
}

static void r_cell(struct xrd *r, struct eng_exp_cell *c, int64_t prev)
{
        c->week = (int64_t)r_le(r, 8, "a truncated experience week");
        c->n = (uint32_t)r_le(r, 4, "a truncated experience week");
        c->failed = (uint32_t)r_le(r, 4, "a truncated experience week");
        c->n_dur = (uint32_t)r_le(r, 4, "a truncated experience week");
        c->kept = (uint32_t)r_count(r, 12, "an experience sample longer than the blob");
        if (!r->why && (c->week <= prev || c->kept > ENG_EXP_SAMPLE || c->kept > c->n_dur ||
                        c->failed > c->n || c->n_dur > c->n))
                r->why = "an experience week out of order or inconsistent";
        if (r->why || !c->kept)
                return;
        if (!(c->hash = cxg_malloc(c->kept * sizeof(uint64_t))) ||
            !(c->dur = cxg_malloc(c->kept * sizeof(uint32_t)))) {
                r->why = "out of memory";
                return;
        }
        for (uint32_t i = 0; i < c->kept && !r->why; i++) {
                c->hash[i] = r_le(r, 8, "a truncated experience sample");
                c->dur[i] = (uint32_t)r_le(r, 4, "a truncated experience sample");
                if (i && !r->why && !before(c->hash[i - 1], c->dur[i - 1], c->hash[i], c->dur[i]) &&
                    (c->hash[i - 1] != c->hash[i] || c->dur[i - 1] != c->dur[i]))
                        r->why = "an experience sample out of hash order";
        }
}

static void r_type(struct xrd *r, struct xp_type *t, const char *prev)
{
        size_t n, len = r_count(r, 1, "a truncated experience type name");

        if (r->why)
                return;
        if (len > NAME_MAX_BYTES || !(t->name = cxg_malloc(len + 1))) {
                r->why =
                    len > NAME_MAX_BYTES ? "an experience type name too long" : "out of memory";
                return;
        }
        memcpy(t->name, r->p + r->pos, len);
        t->name[len] = 0;
        r->pos += len;
        if (prev && strcmp(prev, t->name) >= 0) {
                r->why = "experience types out of order";
                return;
        }
        n = r_count(r, 24, "a truncated experience type");
        if (!r->why && n && !(t->cells = cxg_calloc(n, sizeof(*t->cells))))
                r->why = "out of memory";
        t->n = t->cells ? n : 0;
        for (size_t q = 0; q < t->n && !r->why; q++)
                r_cell(r, &t->cells[q], q ? t->cells[q - 1].week : INT64_MIN);
}

const char *eng_exp_part_decode(const unsigned char *p, size_t len, struct eng_exp_part **out)
{
        struct xrd r = {p, len, 0, NULL};
        struct eng_exp_part *x = eng_exp_part_new();
        size_t n;

        *out = NULL;
        if (!x)
                return "out of memory";
        n = r_count(&r, 8, "a truncated experience section");
        if (!r.why && n && !(x->t = cxg_calloc(n, sizeof(*x->t))))
                r.why = "out of memory";
        for (size_t k = 0; k < n && !r.why; k++) {
                x->n++;
                r_type(&r, &x->t[k], k ? x->t[k - 1].name : NULL);
        }
        if (!r.why && r.pos != r.len)
                r.why = "bytes after the experience section";
        if (r.why) {
                eng_exp_part_free(x);
                return r.why;
        }
        *out = x;
        return NULL;
}
