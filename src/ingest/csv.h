/*
 * csv.h: a fast RFC 4180 reader over memory (a mapped file). Records come out as arrays of
 * (pointer, length) fields; quoted fields are unescaped into a reusable buffer owned by the
 * reader, so a record's fields stay valid only until the next call.
 */
#ifndef CXG_INGEST_CSV_H
#define CXG_INGEST_CSV_H

#include <stddef.h>

#include "core/err.h"

#define INGEST_CSV_MAX_RECORD ((size_t)1 << 20) /* default cap on one record's bytes */
#define INGEST_CSV_MAX_FIELDS 4096              /* cap on fields per record */

struct ingest_field {
        const char *p;
        size_t n;
};

struct ingest_csv {
        const char *data; /* the whole input (not owned) */
        const char *pos;  /* next byte to read */
        const char *end;
        char delim;
        size_t max_record;           /* bytes per record */
        long line;                   /* physical line of pos, 1-based */
        long rec_line;               /* line where the last record started */
        const char *rec_start;       /* raw bytes of the last record */
        const char *rec_end;         /* (without its line terminator) */
        struct ingest_field *fields; /* fields of the last record */
        size_t n_fields;
        int non_ascii;  /* the last record has bytes >= 0x80 */
        char *ubuf;     /* unescaped quoted fields, max_record bytes */
        char name[256]; /* file name for messages */
};

/*
 * Set up r to read the n bytes at data (borrowed: they must outlive r). A leading UTF-8 BOM
 * is skipped. name is used in messages ("people.csv:12: ..."). delim is the field
 * separator (',' when 0; must be ASCII and not a quote, CR or LF); max_record caps one
 * record's size in bytes (0: INGEST_CSV_MAX_RECORD).
 */
enum cxg_err ingest_csv_init(struct ingest_csv *r, const char *name, const char *data, size_t n,
                             char delim, size_t max_record, struct cxg_error *err) CXG_WUR;
/* Free the reader's buffers. */
void ingest_csv_release(struct ingest_csv *r);

/*
 * Read the next record into r->fields / r->n_fields; *got is 1 when a record was read, 0 at
 * the end of the input. Blank lines are skipped. Errors that concern one record leave the
 * reader after that record, so the caller can reject it and go on: CXG_ERR_LIMIT for a
 * record over max_record bytes or with more than INGEST_CSV_MAX_FIELDS fields, CXG_ERR_PARSE
 * for a quote left open at the end of the input (the record then runs to the end). err names
 * the file and the line (r->rec_line). CXG_ERR_NOMEM is fatal.
 */
enum cxg_err ingest_csv_next(struct ingest_csv *r, int *got, struct cxg_error *err) CXG_WUR;

/* Index of the first field of the last record that is not valid UTF-8, or -1. */
long ingest_csv_bad_utf8(const struct ingest_csv *r);

#endif
