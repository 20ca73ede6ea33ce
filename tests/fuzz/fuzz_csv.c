/*
 * fuzz_csv.c: libFuzzer harness for the RFC 4180 reader (src/ingest/csv.c). The first byte
 * picks the delimiter, the second a record cap (small caps reach the over-the-cap paths);
 * the rest is the input. Besides the sanitizers, it checks the reader's promises: every field
 * lies inside the input or the unescape buffer, a record without quotes splits exactly at the
 * delimiter, a record written back with cxg_buf_csv_field reads back the same, lines only go
 * forward, and every call makes progress.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken promise: name the check, then crash so libFuzzer keeps the input */
#define FAIL() fail_at(__LINE__)

static void fail_at(int line)
{
        fprintf(stderr, "%s:%d: check failed\n", __FILE__, line);
        __builtin_trap();
}

static const char delims[] = {',', ';', '\t', '|'};

static int inside(const char *p, size_t n, const char *lo, size_t len)
{
        return n == 0 || (p >= lo && p + n <= lo + len);
}

/* the record written back as CSV (delimiter ',') reads back to the same fields */
static void round_trip(const struct ingest_csv *r)
{
        struct ingest_csv r2;
        struct cxg_buf b;
        struct cxg_error err;
        int got = 0;

        if (r->n_fields == 1 && r->fields[0].n == 0)
                return; /* an empty record is a blank line when written back */
        if (r->n_fields && r->fields[0].n >= 3 && memcmp(r->fields[0].p, "\xef\xbb\xbf", 3) == 0)
                return; /* would read as a byte order mark */
        cxg_buf_init(&b, 0);
        for (size_t i = 0; i < r->n_fields; i++)
                if ((i && cxg_buf_putc(&b, ',')) ||
                    cxg_buf_csv_field(&b, r->fields[i].p, r->fields[i].n))
                        goto out;
        if (ingest_csv_init(&r2, "rt", b.data ? b.data : "", b.len, ',', b.len + 16, &err))
                goto out;
        if (ingest_csv_next(&r2, &got, &err) != CXG_OK || !got || r2.n_fields != r->n_fields)
                FAIL();
        for (size_t i = 0; i < r->n_fields; i++)
                if (r2.fields[i].n != r->fields[i].n ||
                    memcmp(r2.fields[i].p, r->fields[i].p, r->fields[i].n) != 0)
                        FAIL();
        if (ingest_csv_next(&r2, &got, &err) != CXG_OK || got)
                FAIL();
        ingest_csv_release(&r2);
out:
        cxg_buf_release(&b);
}

/* a record without any quote is its raw bytes split at the delimiter */
static void plain_split(const struct ingest_csv *r)
{
        const char *p = r->rec_start, *end = r->rec_end;
        size_t i = 0;

        if (memchr(p, '"', (size_t)(end - p)))
                return;
        for (;;) {
                const char *d = memchr(p, r->delim, (size_t)(end - p));
                const char *fe = d ? d : end;

                if (i >= r->n_fields || r->fields[i].p != p || r->fields[i].n != (size_t)(fe - p))
                        FAIL();
                i++;
                if (!d)
                        break;
                p = d + 1;
        }
        if (i != r->n_fields)
                FAIL();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ingest_csv r;
        struct cxg_error err;
        size_t max_record, ulen;
        const char *in;
        char delim;
        long last_line = 0, newlines = 0;
        int got;

        if (size < 2)
                return 0;
        delim = delims[data[0] & 3];
        max_record = data[1] & 0x80 ? 0 : (size_t)(data[1] & 0x7f) * 3 + 1;
        in = (const char *)data + 2;
        size -= 2;
        for (size_t i = 0; i < size; i++)
                newlines += in[i] == '\n';
        if (ingest_csv_init(&r, "fuzz.csv", in, size, delim, max_record, &err))
                return 0;
        ulen = r.max_record + 1;
        for (;;) {
                const char *before = r.pos;
                enum cxg_err rc = ingest_csv_next(&r, &got, &err);

                if (rc == CXG_ERR_NOMEM)
                        break;
                if (rc != CXG_OK && rc != CXG_ERR_LIMIT && rc != CXG_ERR_PARSE)
                        FAIL();
                if (!rc && !got)
                        break;
                /* progress, lines forward and within the input */
                if (r.pos <= before || r.pos > r.end || r.rec_line < 1 || r.rec_line < last_line ||
                    r.line < r.rec_line || r.line > newlines + 1)
                        FAIL();
                last_line = r.rec_line;
                if (rc) {
                        if (r.n_fields != 0 || err.line != r.rec_line)
                                FAIL();
                        continue;
                }
                if (r.n_fields < 1 || r.n_fields > INGEST_CSV_MAX_FIELDS ||
                    r.rec_end < r.rec_start || (size_t)(r.rec_end - r.rec_start) > r.max_record + 1)
                        FAIL();
                for (size_t i = 0; i < r.n_fields; i++) {
                        const struct ingest_field *f = &r.fields[i];
                        volatile char sink = 0;

                        if (!inside(f->p, f->n, in, size) &&
                            !(r.ubuf && inside(f->p, f->n, r.ubuf, ulen)))
                                FAIL();
                        for (size_t k = 0; k < f->n; k++)
                                sink ^= f->p[k];
                        (void)sink;
                }
                (void)ingest_csv_bad_utf8(&r);
                plain_split(&r);
                if (delim == ',')
                        round_trip(&r);
        }
        ingest_csv_release(&r);
        return 0;
}
