/*
 * jsonl.c: JSON lines: splitting the input into lines (blank ones skipped, a cap on each)
 * and turning one decoded JSON object (core/json.h) into the cells of a row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/banned.h"
#include "core/parse.h"
#include "ingest/ingest_int.h"

void ingest_jsonl_init(struct ingest_jsonl *r, const char *name, const char *data, size_t n,
                       size_t max_line)
{
        r->pos = data ? data : "";
        r->end = r->pos + (data ? n : 0);
        if (r->end - r->pos >= 3 && memcmp(r->pos, "\xef\xbb\xbf", 3) == 0)
                r->pos += 3;
        r->line = 0;
        r->max_line = max_line ? max_line : ((size_t)1 << 20);
        snprintf(r->name, sizeof(r->name), "%s", name ? name : "input");
}

enum cxg_err ingest_jsonl_next(struct ingest_jsonl *r, const char **p, size_t *n, int *got,
                               struct cxg_error *err)
{
        *got = 0;
        while (r->pos < r->end) {
                const char *s = r->pos, *nl = memchr(s, '\n', (size_t)(r->end - s));
                const char *e = nl ? nl : r->end;

                r->pos = nl ? nl + 1 : r->end;
                r->line++;
                if ((size_t)(e - s) > r->max_line) {
                        cxg_error_at(err, r->name, r->line);
                        return cxg_error_setf(err, CXG_ERR_LIMIT, "max_record",
                                              "line longer than %zu bytes (the max_record limit)",
                                              r->max_line);
                }
                if (e > s && e[-1] == '\r')
                        e--;
                if (cxg_is_blank(s, (size_t)(e - s)))
                        continue;
                *p = s;
                *n = (size_t)(e - s);
                *got = 1;
                return CXG_OK;
        }
        return CXG_OK;
}

/* a scalar JSON value as text in the cell (numbers formatted into a) */
static enum cxg_err scalar(struct cxg_jval v, struct cxg_arena *a, struct ingest_cell *c,
                           const char *key, struct cxg_error *err)
{
        char tmp[64];
        int w, b;
        int64_t i;
        double d;
        enum cxg_jtype t = cxg_jtype(v);

        switch (t) {
        case CXG_J_STRING:
                c->p = cxg_jstr(v, &c->n);
                if (memchr(c->p, '\0', c->n))
                        return cxg_error_setf(err, CXG_ERR_INVALID, key,
                                              "text contains a NUL character");
                c->present = 1;
                return CXG_OK;
        case CXG_J_INT:
                (void)cxg_jint(v, &i);
                w = snprintf(tmp, sizeof(tmp), "%" PRId64, i);
                break;
        case CXG_J_REAL:
                (void)cxg_jnum(v, &d);
                w = snprintf(tmp, sizeof(tmp), "%.17g", d);
                break;
        case CXG_J_BOOL:
                (void)cxg_jbool(v, &b);
                w = snprintf(tmp, sizeof(tmp), "%s", b ? "true" : "false");
                break;
        case CXG_J_NULL:
                c->present = 0;
                return CXG_OK;
        default:
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "expected one value, got %s",
                                      t == CXG_J_OBJECT ? "an object" : "a list");
        }
        if (!(c->p = cxg_arena_strndup(a, tmp, (size_t)w)))
                return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        c->n = (size_t)w;
        c->present = 1;
        return CXG_OK;
}

static enum cxg_err cell(struct cxg_jval v, int is_list, struct cxg_arena *a, struct ingest_cell *c,
                         const char *key, struct cxg_error *err)
{
        struct cxg_jiter it;
        struct cxg_jval x;
        enum cxg_err rc;
        size_t i = 0;

        memset(c, 0, sizeof(*c));
        if (cxg_jtype(v) != CXG_J_ARRAY)
                return scalar(v, a, c, key, err);
        if (!is_list)
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "expected one value, got a list");
        c->present = c->is_array = 1;
        c->n_items = cxg_jsize(v);
        c->items = cxg_arena_alloc(a, (c->n_items + 1) * sizeof(*c->items));
        if (!c->items)
                return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        cxg_jiter_init(v, &it);
        while (i < c->n_items && cxg_jiter_next(&it, NULL, NULL, &x)) {
                struct ingest_cell item = {0};

                if ((rc = scalar(x, a, &item, key, err)))
                        return rc;
                if (!(c->items[i++] = cxg_arena_strndup(a, item.present ? item.p : "",
                                                        item.present ? item.n : 0)))
                        return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        }
        return CXG_OK;
}

/* 1 when a string anywhere in v holds a NUL byte (stored attributes never do) */
static int has_nul(struct cxg_jval v)
{
        struct cxg_jiter it;
        struct cxg_jval x;
        const char *s;
        size_t n;

        if ((s = cxg_jstr(v, &n)))
                return memchr(s, '\0', n) != NULL;
        cxg_jiter_init(v, &it);
        while (cxg_jiter_next(&it, NULL, NULL, &x))
                if (has_nul(x))
                        return 1;
        return 0;
}

/* key and v appended to the attributes' JSON object text in out ('{' first, no '}') */
static enum cxg_err put_attribute(struct cxg_buf *out, const char *key, size_t kn,
                                  struct cxg_jval v, struct cxg_error *err)
{
        enum cxg_err rc;

        if (has_nul(v))
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "text contains a NUL character");
        if ((rc = cxg_buf_putc(out, out->len ? ',' : '{')) ||
            (rc = cxg_buf_json_str(out, key, kn)) || (rc = cxg_buf_putc(out, ':')) ||
            (rc = cxg_jwrite(v, out)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        return CXG_OK;
}

/* the field of kind k that key (kn bytes) fills, or -1 (keys: the --map option's, or NULL) */
static int field_of(enum ingest_kind k, size_t nf, const char *const *keys, const char *key,
                    size_t kn)
{
        int f = -1;

        for (size_t i = 0; keys && i < nf && f < 0; i++)
                if (keys[i] && strcmp(keys[i], key) == 0)
                        f = (int)i;
        if (f < 0) {
                f = ingest_field_match(k, key, kn);
                if (f >= 0 && keys && keys[f])
                        f = -1; /* --map points this field at another key */
        }
        return f;
}

enum cxg_err ingest_json_cells(enum ingest_kind k, struct cxg_jval obj, const char *const *keys,
                               struct cxg_arena *a, struct ingest_cell *cells, const char **attrs,
                               struct cxg_error *err)
{
        struct cxg_jiter it;
        struct cxg_jval v;
        struct cxg_buf extra;
        const char *key;
        size_t nf, kn;
        const struct ingest_fdef *d = ingest_fdefs(k, &nf);
        enum cxg_err rc = CXG_OK;

        *attrs = NULL;
        memset(cells, 0, nf * sizeof(*cells));
        cxg_buf_init(&extra, 0);
        cxg_jiter_init(obj, &it);
        while (cxg_jiter_next(&it, &key, &kn, &v)) {
                int f = field_of(k, nf, keys, key, kn);

                if (f >= 0) {
                        if (cells[f].present && cxg_jtype(v) != CXG_J_NULL) {
                                rc = cxg_error_setf(err, CXG_ERR_INVALID, key,
                                                    "field '%s' is given twice", d[f].name);
                                goto done;
                        }
                        if ((rc = cell(v, d[f].type == FT_LIST, a, &cells[f], key, err)))
                                goto done;
                        cells[f].name = key;
                        continue;
                }
                if (ingest_kind_has_attributes(k) && (rc = put_attribute(&extra, key, kn, v, err)))
                        goto done;
        }
        if (extra.len) {
                if ((rc = cxg_buf_putc(&extra, '}')) ||
                    !(*attrs = cxg_arena_strndup(a, extra.data, extra.len))) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
        }
done:
        cxg_buf_release(&extra);
        return rc;
}
