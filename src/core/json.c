/*
 * json.c: the read-only JSON decoder of json.h, backed by jansson (json_t trees). A handle
 * holds the json_t pointer in opaque[0]; opaque[1] is 1 for a present value.
 */
#include "core/json.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"

struct cxg_jparser {
        json_t *doc;
};

static json_t *node(struct cxg_jval v)
{
        return (json_t *)(uintptr_t)v.opaque[0];
}

static struct cxg_jval wrap(json_t *j)
{
        struct cxg_jval v = {{(uint64_t)(uintptr_t)j, j != NULL}};

        return v;
}

struct cxg_jparser *cxg_jparser_new(void)
{
        return cxg_calloc(1, sizeof(struct cxg_jparser));
}

void cxg_jparser_free(struct cxg_jparser *p)
{
        if (!p)
                return;
        json_decref(p->doc);
        cxg_free(p);
}

enum cxg_err cxg_jparse(struct cxg_jparser *p, const char *buf, size_t len, struct cxg_jval *root,
                        struct cxg_error *err)
{
        unsigned long failed = cxg_alloc_failures();
        json_error_t je;

        json_decref(p->doc);
        memset(root, 0, sizeof(*root));
        p->doc = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
                                                     JSON_ALLOW_NUL, &je);
        if (!p->doc) {
                if (cxg_alloc_failures() != failed)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "json: out of memory");
                cxg_error_set(err, CXG_ERR_PARSE, "line %d, column %d: %s", je.line, je.column,
                              je.text);
                if (err)
                        err->line = je.line;
                return CXG_ERR_PARSE;
        }
        *root = wrap(p->doc);
        return CXG_OK;
}

enum cxg_jtype cxg_jtype(struct cxg_jval v)
{
        json_t *j = node(v);

        if (!j)
                return CXG_J_NULL;
        switch (json_typeof(j)) {
        case JSON_OBJECT:
                return CXG_J_OBJECT;
        case JSON_ARRAY:
                return CXG_J_ARRAY;
        case JSON_STRING:
                return CXG_J_STRING;
        case JSON_INTEGER:
                return CXG_J_INT;
        case JSON_REAL:
                return CXG_J_REAL;
        case JSON_TRUE:
        case JSON_FALSE:
                return CXG_J_BOOL;
        case JSON_NULL:
        default:
                return CXG_J_NULL;
        }
}

int cxg_jpresent(struct cxg_jval v)
{
        return node(v) != NULL;
}

int cxg_jget(struct cxg_jval v, const char *key, struct cxg_jval *out)
{
        json_t *j = node(v), *m = json_is_object(j) ? json_object_get(j, key) : NULL;

        *out = wrap(m);
        return m != NULL;
}

const char *cxg_jstr(struct cxg_jval v, size_t *len)
{
        json_t *j = node(v);

        if (!json_is_string(j))
                return NULL;
        if (len)
                *len = json_string_length(j);
        return json_string_value(j);
}

int cxg_jint(struct cxg_jval v, int64_t *out)
{
        json_t *j = node(v);

        if (!json_is_integer(j))
                return 0;
        *out = (int64_t)json_integer_value(j);
        return 1;
}

int cxg_jnum(struct cxg_jval v, double *out)
{
        json_t *j = node(v);

        if (!json_is_number(j))
                return 0;
        *out = json_number_value(j);
        return 1;
}

int cxg_jbool(struct cxg_jval v, int *out)
{
        json_t *j = node(v);

        if (!json_is_boolean(j))
                return 0;
        *out = json_is_true(j);
        return 1;
}

size_t cxg_jsize(struct cxg_jval v)
{
        json_t *j = node(v);

        if (json_is_array(j))
                return json_array_size(j);
        if (json_is_object(j))
                return json_object_size(j);
        return 0;
}

/* opaque[0]: the container, [1]: array index or jansson's object iterator, [2]: 1 for arrays */
void cxg_jiter_init(struct cxg_jval v, struct cxg_jiter *it)
{
        json_t *j = node(v);

        memset(it, 0, sizeof(*it));
        it->opaque[0] = (uint64_t)(uintptr_t)j;
        if (json_is_array(j))
                it->opaque[2] = 1;
        else if (json_is_object(j))
                it->opaque[1] = (uint64_t)(uintptr_t)json_object_iter(j);
        else
                it->opaque[0] = 0;
}

int cxg_jiter_next(struct cxg_jiter *it, const char **key, size_t *keylen, struct cxg_jval *val)
{
        json_t *j = (json_t *)(uintptr_t)it->opaque[0];
        void *oi;

        if (!j)
                return 0;
        if (it->opaque[2]) {
                if (it->opaque[1] >= json_array_size(j))
                        return 0;
                *val = wrap(json_array_get(j, (size_t)it->opaque[1]++));
                if (key)
                        *key = NULL;
                if (keylen)
                        *keylen = 0;
                return 1;
        }
        oi = (void *)(uintptr_t)it->opaque[1];
        if (!oi)
                return 0;
        *val = wrap(json_object_iter_value(oi));
        if (key)
                *key = json_object_iter_key(oi);
        if (keylen)
                *keylen = json_object_iter_key_len(oi);
        it->opaque[1] = (uint64_t)(uintptr_t)json_object_iter_next(j, oi);
        return 1;
}

enum cxg_err cxg_jwrite(struct cxg_jval v, struct cxg_buf *out)
{
        json_t *j = node(v);
        char *s;
        enum cxg_err rc;

        if (!j)
                return cxg_buf_puts(out, "null");
        s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s)
                return CXG_ERR_NOMEM;
        rc = cxg_buf_puts(out, s);
        cxg_free(s);
        return rc;
}
