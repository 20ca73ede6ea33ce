/*
 * csv.c: the RFC 4180 reader. One pass over the bytes; unquoted fields and quoted fields
 * without doubled quotes point straight into the input, so most records copy nothing. Only
 * fields with doubled quotes (or text after a closing quote) are unescaped into r->ubuf,
 * which holds at most max_record bytes, so a hostile input gets an error, not all the memory.
 */
#include "ingest/csv.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

enum cxg_err ingest_csv_init(struct ingest_csv *r, const char *name, const char *data, size_t n,
                             char delim, size_t max_record, struct cxg_error *err)
{
        memset(r, 0, sizeof(*r));
        snprintf(r->name, sizeof(r->name), "%s", name ? name : "input");
        if (!delim)
                delim = ',';
        if ((unsigned char)delim >= 0x80 || delim == '"' || delim == '\r' || delim == '\n')
                return cxg_error_set(err, CXG_ERR_USAGE,
                                     "the delimiter must be one ASCII character other than a "
                                     "quote or a line break");
        r->delim = delim;
        r->max_record = max_record ? max_record : INGEST_CSV_MAX_RECORD;
        r->data = data ? data : "";
        r->pos = r->data;
        r->end = r->data + (data ? n : 0);
        if (r->end - r->pos >= 3 && memcmp(r->pos, "\xef\xbb\xbf", 3) == 0)
                r->pos += 3;
        r->line = 1;
        r->fields = cxg_malloc(INGEST_CSV_MAX_FIELDS * sizeof(*r->fields));
        if (!r->fields)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        return CXG_OK;
}

void ingest_csv_release(struct ingest_csv *r)
{
        cxg_free(r->fields);
        cxg_free(r->ubuf);
        r->fields = NULL;
        r->ubuf = NULL;
}

static long count_lines(const char *p, const char *q)
{
        long k = 0;

        while ((p = memchr(p, '\n', (size_t)(q - p))) != NULL) {
                k++;
                p++;
        }
        return k;
}

/* append n bytes to the unescape buffer; past max_record only count them (and mark over) */
static int append(struct ingest_csv *r, size_t *ulen, int *over, const char *s, size_t n)
{
        if (!*over && (n > r->max_record || *ulen > r->max_record - n))
                *over = 1;
        if (!*over) {
                if (!r->ubuf && !(r->ubuf = cxg_malloc(r->max_record + 1)))
                        return -1;
                memcpy(r->ubuf + *ulen, s, n);
                *ulen += n;
        }
        return 0;
}

enum cxg_err ingest_csv_next(struct ingest_csv *r, int *got, struct cxg_error *err)
{
        const char *p, *end = r->end;
        const char delim = r->delim;
        size_t ulen, nf;
        unsigned char hi;
        int over, wide;

        *got = 0;
again:
        p = r->pos;
        if (p >= end)
                return CXG_OK;
        /* blank lines are not records */
        if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
                r->pos = p + (*p == '\r' ? (p + 1 < end ? 2 : 1) : 1);
                r->line++;
                goto again;
        }
        r->rec_start = p;
        r->rec_line = r->line;
        nf = ulen = 0;
        hi = 0;
        over = wide = 0;
        for (;;) {
                const char *fs, *fe;

                if (p < end && *p == '"') {
                        long qline = r->line;
                        const char *seg, *q;
                        size_t uoff = 0;
                        int copying = 0;

                        fs = seg = ++p;
                        for (;;) {
                                q = memchr(seg, '"', (size_t)(end - seg));
                                if (!q) {
                                        r->line += count_lines(seg, end);
                                        r->pos = r->rec_end = end;
                                        r->n_fields = 0;
                                        /* the record's line, as for every other error */
                                        cxg_error_at(err, r->name, r->rec_line);
                                        return cxg_error_set(err, CXG_ERR_PARSE,
                                                             "quoted field opened on line %ld "
                                                             "is never closed",
                                                             qline);
                                }
                                r->line += count_lines(seg, q);
                                for (const char *k = seg; k < q; k++)
                                        hi |= (unsigned char)*k;
                                if (q + 1 < end && q[1] == '"') {
                                        /* doubled quote: unescape into ubuf from here on */
                                        if (!copying) {
                                                copying = 1;
                                                uoff = ulen;
                                        }
                                        if (append(r, &ulen, &over, seg, (size_t)(q + 1 - seg)))
                                                goto nomem;
                                        seg = q + 2;
                                        continue;
                                }
                                if (copying && append(r, &ulen, &over, seg, (size_t)(q - seg)))
                                        goto nomem;
                                p = q + 1;
                                break;
                        }
                        /* lenient: text after the closing quote belongs to the field */
                        if (p < end && *p != delim && *p != '\n' &&
                            !(*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
                                const char *t = p;

                                while (t < end && *t != delim && *t != '\n')
                                        hi |= (unsigned char)*t++;
                                if (t[-1] == '\r' && (t == end || *t == '\n'))
                                        t--;
                                if (!copying) {
                                        copying = 1;
                                        uoff = ulen;
                                        if (append(r, &ulen, &over, fs, (size_t)(q - fs)))
                                                goto nomem;
                                }
                                if (append(r, &ulen, &over, p, (size_t)(t - p)))
                                        goto nomem;
                                p = t;
                        }
                        if (!over && !wide) {
                                r->fields[nf].p = copying ? r->ubuf + uoff : fs;
                                r->fields[nf].n = copying ? ulen - uoff : (size_t)(q - fs);
                        }
                        if (p < end && *p == '\r')
                                p++;
                } else {
                        fs = p;
                        while (p < end && *p != delim && *p != '\n')
                                hi |= (unsigned char)*p++;
                        fe = p;
                        if (fe > fs && fe[-1] == '\r' && (p == end || *p == '\n'))
                                fe--;
                        if (!wide) {
                                r->fields[nf].p = fs;
                                r->fields[nf].n = (size_t)(fe - fs);
                        }
                }
                if (!wide && ++nf == INGEST_CSV_MAX_FIELDS && p < end && *p == delim)
                        wide = 1;
                if ((size_t)(p - r->rec_start) > r->max_record)
                        over = 1;
                if (p < end && *p == delim) {
                        p++; /* "a,b," at the very end gets its empty last field next */
                        continue;
                }
                break;
        }
        r->rec_end = p;
        if (r->rec_end > r->rec_start && r->rec_end[-1] == '\r')
                r->rec_end--;
        if (p < end && *p == '\n') {
                p++;
                r->line++;
        }
        r->pos = p;
        r->n_fields = nf;
        r->non_ascii = hi >= 0x80;
        if (over || wide) {
                r->n_fields = 0;
                cxg_error_at(err, r->name, r->rec_line);
                if (over)
                        return cxg_error_setf(err, CXG_ERR_LIMIT, "max_record",
                                              "record longer than %zu bytes (the max_record "
                                              "limit)",
                                              r->max_record);
                return cxg_error_set(err, CXG_ERR_LIMIT, "record has more than %d fields",
                                     INGEST_CSV_MAX_FIELDS);
        }
        *got = 1;
        return CXG_OK;
nomem:
        r->pos = end;
        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
}

long ingest_csv_bad_utf8(const struct ingest_csv *r)
{
        if (!r->non_ascii)
                return -1;
        for (size_t i = 0; i < r->n_fields; i++)
                if (!cxg_utf8_valid(r->fields[i].p, r->fields[i].n))
                        return (long)i;
        return -1;
}
