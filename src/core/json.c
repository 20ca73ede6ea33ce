/*
 * json.c: the backend-independent half of json.h: describing a rejected document (jansson
 * re-parses it for a line and column: the error path is rare, simdjson gives no position) and
 * cxg_jwrite, which re-encodes a value as jansson's compact encoder would (reals with 17
 * significant digits, a ".0" on integral ones, exponents without '+' or leading zeros).
 * The decoder itself is json_simd.cpp.
 */
#include "core/json.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/json_int.h"

enum cxg_err cxg_json_fail(const char *buf, size_t len, const char *why, struct cxg_jfail *f,
                           struct cxg_error *err)
{
        unsigned long failed = cxg_alloc_failures();
        json_error_t je;
        json_t *j = json_loadb(buf ? buf : "", len,
                               JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

        if (!j && cxg_alloc_failures() != failed)
                return cxg_error_set(err, CXG_ERR_NOMEM, "json: out of memory");
        if (j) { /* a limit only the backend has */
                json_decref(j);
                f->line = 1;
                f->column = 0;
                snprintf(f->reason, sizeof(f->reason), "%s", why);
        } else {
                f->line = je.line;
                f->column = je.column;
                snprintf(f->reason, sizeof(f->reason), "%s", je.text);
        }
        cxg_error_set(err, CXG_ERR_PARSE, "line %d, column %d: %s", f->line, f->column, f->reason);
        if (err)
                err->line = f->line;
        return CXG_ERR_PARSE;
}

/* d as jansson encodes a real (jsonp_dtostr with its default precision) */
static enum cxg_err put_real(struct cxg_buf *out, double d)
{
        char tmp[48], *e;
        int n = snprintf(tmp, sizeof(tmp), "%.17g", d);

        if (n <= 0 || (size_t)n >= sizeof(tmp) - 2)
                return CXG_ERR_INVALID;
        if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
                memcpy(tmp + n, ".0", 3);
                n += 2;
        }
        if ((e = strchr(tmp, 'e')) != NULL) {
                char *src = e + 1, *dst = e + 1;

                if (*src == '-')
                        *dst++ = *src++;
                else if (*src == '+')
                        src++;
                while (*src == '0' && src[1])
                        src++;
                memmove(dst, src, strlen(src) + 1);
                n = (int)strlen(tmp);
        }
        return cxg_buf_append(out, tmp, (size_t)n);
}

static enum cxg_err put_container(struct cxg_jval v, int is_obj, struct cxg_buf *out)
{
        struct cxg_jiter it;
        struct cxg_jval m;
        const char *key;
        size_t kn;
        enum cxg_err rc = cxg_buf_putc(out, is_obj ? '{' : '[');
        int first = 1;

        cxg_jiter_init(v, &it);
        while (!rc && cxg_jiter_next(&it, &key, &kn, &m)) {
                if (!first && (rc = cxg_buf_putc(out, ',')))
                        break;
                first = 0;
                if (is_obj &&
                    ((rc = cxg_buf_json_str(out, key, kn)) || (rc = cxg_buf_putc(out, ':'))))
                        break;
                rc = cxg_jwrite(m, out);
        }
        return rc ? rc : cxg_buf_putc(out, is_obj ? '}' : ']');
}

enum cxg_err cxg_jwrite(struct cxg_jval v, struct cxg_buf *out)
{
        char tmp[32];
        const char *s;
        size_t n;
        int64_t i;
        double d;
        int b;

        switch (cxg_jtype(v)) {
        case CXG_J_BOOL:
                (void)cxg_jbool(v, &b);
                return cxg_buf_puts(out, b ? "true" : "false");
        case CXG_J_INT:
                (void)cxg_jint(v, &i);
                n = (size_t)snprintf(tmp, sizeof(tmp), "%" PRId64, i);
                return cxg_buf_append(out, tmp, n);
        case CXG_J_REAL:
                (void)cxg_jnum(v, &d);
                return put_real(out, d);
        case CXG_J_STRING:
                s = cxg_jstr(v, &n);
                return cxg_buf_json_str(out, s, n);
        case CXG_J_ARRAY:
                return put_container(v, 0, out);
        case CXG_J_OBJECT:
                return put_container(v, 1, out);
        case CXG_J_NULL:
        default:
                return cxg_buf_puts(out, "null");
        }
}
