/* buf.h: a growable byte buffer with a hard cap (after curl's dynbuf). */
#ifndef CXG_BUF_H
#define CXG_BUF_H

#include <stddef.h>

#include "core/err.h"

struct cxg_buf {
        char *data; /* always NUL-terminated when non-NULL */
        size_t len;
        size_t cap;
        size_t max; /* growing past max fails with CXG_ERR_LIMIT */
};

/* Set up an empty buffer that may grow to max bytes (0: 1 GiB). */
void cxg_buf_init(struct cxg_buf *b, size_t max);
/* Free the memory; b is empty and reusable. */
void cxg_buf_release(struct cxg_buf *b);
/* Empty the buffer, keeping its memory. */
void cxg_buf_clear(struct cxg_buf *b);
/* Make room for n more bytes. */
enum cxg_err cxg_buf_reserve(struct cxg_buf *b, size_t n) CXG_WUR;
/* Append n bytes of p. */
enum cxg_err cxg_buf_append(struct cxg_buf *b, const void *p, size_t n) CXG_WUR;
/* Append a NUL-terminated string. */
enum cxg_err cxg_buf_puts(struct cxg_buf *b, const char *s) CXG_WUR;
/* Append one byte. */
enum cxg_err cxg_buf_putc(struct cxg_buf *b, char c) CXG_WUR;
/* Append printf-formatted text. */
enum cxg_err cxg_buf_printf(struct cxg_buf *b, const char *fmt, ...) CXG_WUR
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal with quotes and escapes (s of n bytes, UTF-8). */
enum cxg_err cxg_buf_json_str(struct cxg_buf *b, const char *s, size_t n) CXG_WUR;
/* Append s as a CSV field, quoted when it needs to be (RFC 4180). */
enum cxg_err cxg_buf_csv_field(struct cxg_buf *b, const char *s, size_t n) CXG_WUR;

#endif
