/*
 * jsonl.c: JSON lines: splitting the input into lines (blank ones skipped, a cap on each)
 * and turning one JSON object into the cells of a row (jansson parses the line itself).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
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
static enum cxg_err scalar(json_t *v, struct cxg_arena *a, struct ingest_cell *c, const char *key,
                           struct cxg_error *err)
{
        char tmp[64];
        int w;

        switch (json_typeof(v)) {
        case JSON_STRING:
                c->p = json_string_value(v);
                c->n = json_string_length(v);
                if (memchr(c->p, '\0', c->n))
                        return cxg_error_setf(err, CXG_ERR_INVALID, key,
                                              "text contains a NUL character");
                c->present = 1;
                return CXG_OK;
        case JSON_INTEGER:
                w = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                break;
        case JSON_REAL:
                w = snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
                break;
        case JSON_TRUE:
        case JSON_FALSE:
                w = snprintf(tmp, sizeof(tmp), "%s", json_is_true(v) ? "true" : "false");
                break;
        case JSON_NULL:
                c->present = 0;
                return CXG_OK;
        default:
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "expected one value, got %s",
                                      json_is_object(v) ? "an object" : "a list");
        }
        if (!(c->p = cxg_arena_strndup(a, tmp, (size_t)w)))
                return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        c->n = (size_t)w;
        c->present = 1;
        return CXG_OK;
}

static enum cxg_err cell(json_t *v, int is_list, struct cxg_arena *a, struct ingest_cell *c,
                         const char *key, struct cxg_error *err)
{
        enum cxg_err rc;

        memset(c, 0, sizeof(*c));
        if (!json_is_array(v))
                return scalar(v, a, c, key, err);
        if (!is_list)
                return cxg_error_setf(err, CXG_ERR_INVALID, key, "expected one value, got a list");
        c->present = c->is_array = 1;
        c->n_items = json_array_size(v);
        c->items = cxg_arena_alloc(a, (c->n_items + 1) * sizeof(*c->items));
        if (!c->items)
                return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        for (size_t i = 0; i < c->n_items; i++) {
                struct ingest_cell item = {0};

                if ((rc = scalar(json_array_get(v, i), a, &item, key, err)))
                        return rc;
                if (!(c->items[i] = cxg_arena_strndup(a, item.present ? item.p : "",
                                                      item.present ? item.n : 0)))
                        return cxg_error_setf(err, CXG_ERR_NOMEM, key, "out of memory");
        }
        return CXG_OK;
}

enum cxg_err ingest_json_cells(enum ingest_kind k, void *obj_, const char *const *keys,
                               struct cxg_arena *a, struct ingest_cell *cells, const char **attrs,
                               struct cxg_error *err)
{
        json_t *obj = obj_, *v, *extra = NULL;
        const char *key;
        size_t nf;
        const struct ingest_fdef *d = ingest_fdefs(k, &nf);
        enum cxg_err rc = CXG_OK;
        char *text = NULL;

        *attrs = NULL;
        memset(cells, 0, nf * sizeof(*cells));
        json_object_foreach(obj, key, v)
        {
                int f = -1;
                size_t kn = strlen(key);

                for (size_t i = 0; i < nf && f < 0; i++)
                        if (keys && keys[i] && strcmp(keys[i], key) == 0)
                                f = (int)i;
                if (f < 0) {
                        f = ingest_field_match(k, key, kn);
                        if (f >= 0 && keys && keys[f])
                                f = -1; /* --map points this field at another key */
                }
                if (f >= 0) {
                        if (cells[f].present && !json_is_null(v)) {
                                rc = cxg_error_setf(err, CXG_ERR_INVALID, key,
                                                    "field '%s' is given twice", d[f].name);
                                goto done;
                        }
                        if ((rc = cell(v, d[f].type == FT_LIST, a, &cells[f], key, err)))
                                goto done;
                        cells[f].name = key;
                        continue;
                }
                if (!ingest_kind_has_attributes(k))
                        continue;
                if (!extra && !(extra = json_object())) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
                if (json_object_set(extra, key, v)) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
        }
        if (extra) {
                text = json_dumps(extra, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (!text || !(*attrs = cxg_arena_strdup(a, text))) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
        }
done:
        cxg_free(text);
        json_decref(extra);
        return rc;
}
