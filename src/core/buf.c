/* buf.c: capped growable buffer, with JSON and CSV quoting helpers. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/grow.h"
#include "core/banned.h"

#define BUF_DEFAULT_MAX ((size_t)1 << 30)

void cxg_buf_init(struct cxg_buf *b, size_t max)
{
        b->data = NULL;
        b->len = b->cap = 0;
        b->max = max ? max : BUF_DEFAULT_MAX;
}

void cxg_buf_release(struct cxg_buf *b)
{
        cxg_free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

void cxg_buf_clear(struct cxg_buf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

enum cxg_err cxg_buf_reserve(struct cxg_buf *b, size_t n)
{
        if (n > b->max || b->len > b->max - n)
                return CXG_ERR_LIMIT;
        /* max bytes and the terminating NUL; a max of SIZE_MAX stays uncapped */
        return CXG_GROW(b->data, b->len + n + 1, b->cap,
                        b->max < CXG_GROW_NOCAP ? b->max + 1 : CXG_GROW_NOCAP);
}

enum cxg_err cxg_buf_append(struct cxg_buf *b, const void *p, size_t n)
{
        enum cxg_err rc = cxg_buf_reserve(b, n);

        if (rc)
                return rc;
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return CXG_OK;
}

enum cxg_err cxg_buf_puts(struct cxg_buf *b, const char *s)
{
        return cxg_buf_append(b, s, strlen(s));
}

enum cxg_err cxg_buf_putc(struct cxg_buf *b, char c)
{
        return cxg_buf_append(b, &c, 1);
}

enum cxg_err cxg_buf_printf(struct cxg_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;
        enum cxg_err rc;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return CXG_ERR_INTERNAL;
        rc = cxg_buf_reserve(b, (size_t)n);
        if (rc)
                return rc;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return CXG_OK;
}

enum cxg_err cxg_buf_json_str(struct cxg_buf *b, const char *s, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        enum cxg_err rc = cxg_buf_reserve(b, n + 2);
        size_t i, run = 0;

        if (rc)
                return rc;
        b->data[b->len++] = '"';
        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                char esc[7];
                size_t elen = 2;

                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                if ((rc = cxg_buf_append(b, s + run, i - run)))
                        return rc;
                run = i + 1;
                esc[0] = '\\';
                switch (c) {
                case '"':
                        esc[1] = '"';
                        break;
                case '\\':
                        esc[1] = '\\';
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                default:
                        memcpy(esc + 1, "u00", 3);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 15];
                        elen = 6;
                }
                if ((rc = cxg_buf_append(b, esc, elen)))
                        return rc;
        }
        if ((rc = cxg_buf_append(b, s + run, n - run)))
                return rc;
        return cxg_buf_putc(b, '"');
}

enum cxg_err cxg_buf_csv_field(struct cxg_buf *b, const char *s, size_t n)
{
        enum cxg_err rc;
        size_t i;

        if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n))
                return cxg_buf_append(b, s, n);
        if ((rc = cxg_buf_putc(b, '"')))
                return rc;
        for (i = 0; i < n; i++) {
                if (s[i] == '"' && (rc = cxg_buf_putc(b, '"')))
                        return rc;
                if ((rc = cxg_buf_putc(b, s[i])))
                        return rc;
        }
        return cxg_buf_putc(b, '"');
}
