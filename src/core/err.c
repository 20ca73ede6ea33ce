/* err.c: error codes, their texts and the cxg_error detail record. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"

static const char *const texts[CXG_ERR__COUNT] = {
    [CXG_OK] = "ok",
    [CXG_ERR_NOMEM] = "out of memory",
    [CXG_ERR_IO] = "input/output error",
    [CXG_ERR_PARSE] = "malformed input",
    [CXG_ERR_INVALID] = "invalid value",
    [CXG_ERR_NOTFOUND] = "not found",
    [CXG_ERR_CONFLICT] = "conflict",
    [CXG_ERR_STORE] = "database error",
    [CXG_ERR_BUSY] = "database busy",
    [CXG_ERR_LIMIT] = "limit exceeded",
    [CXG_ERR_USAGE] = "usage error",
    [CXG_ERR_AUTH] = "authentication required",
    [CXG_ERR_FORBIDDEN] = "forbidden",
    [CXG_ERR_READONLY] = "database is read-only",
    [CXG_ERR_FULL] = "disk full",
    [CXG_ERR_INTERNAL] = "internal error",
    [CXG_ERR_UNAVAILABLE] = "database unavailable",
};

const char *cxg_strerror(enum cxg_err code)
{
        if ((int)code < 0 || code >= CXG_ERR__COUNT || !texts[code])
                return "unknown error";
        return texts[code];
}

void cxg_error_clear(struct cxg_error *e)
{
        if (!e)
                return;
        e->code = CXG_OK;
        e->msg[0] = e->field[0] = e->file[0] = '\0';
        e->line = 0;
}

static void vset(struct cxg_error *e, enum cxg_err code, const char *field, const char *fmt,
                 va_list ap)
{
        e->code = code;
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
}

enum cxg_err cxg_error_set(struct cxg_error *e, enum cxg_err code, const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return code;
        va_start(ap, fmt);
        vset(e, code, NULL, fmt, ap);
        va_end(ap);
        return code;
}

enum cxg_err cxg_error_setf(struct cxg_error *e, enum cxg_err code, const char *field,
                            const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return code;
        va_start(ap, fmt);
        vset(e, code, field, fmt, ap);
        va_end(ap);
        return code;
}

void cxg_error_at(struct cxg_error *e, const char *file, long line)
{
        if (!e)
                return;
        snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
        e->line = line;
}

char *cxg_error_format(const struct cxg_error *e, char *out, size_t cap)
{
        size_t n = 0;
        int w;

        if (!cap)
                return out;
        out[0] = '\0';
        if (e->file[0]) {
                w = e->line > 0 ? snprintf(out, cap, "%s:%ld: ", e->file, e->line)
                                : snprintf(out, cap, "%s: ", e->file);
                n = w > 0 ? (size_t)w : 0;
        }
        if (n < cap && e->field[0]) {
                w = snprintf(out + n, cap - n, "field '%s': ", e->field);
                n += w > 0 ? (size_t)w : 0;
        }
        if (n < cap)
                snprintf(out + n, cap - n, "%s", e->msg[0] ? e->msg : cxg_strerror(e->code));
        return out;
}
