/*
 * import.h: loading users' files (CSV, JSON lines) and JSON rows into the store. The
 * importer maps the file's columns to canonical fields, converts and validates each row,
 * writes rows in transactional batches and rejects bad rows one by one (with file, line,
 * column, field and reason) into FILE.rejects.csv, never half-writing a batch.
 */
#ifndef CXG_INGEST_IMPORT_H
#define CXG_INGEST_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

enum ingest_kind {
        INGEST_ACCOUNTS,
        INGEST_PEOPLE,
        INGEST_SUBSCRIPTIONS,
        INGEST_INTERACTIONS,
        INGEST_FEEDBACK,
        INGEST_OBJECTIVES,
        INGEST_CAPABILITIES,
        INGEST_KIND__COUNT
};

enum ingest_format { INGEST_FMT_AUTO, INGEST_FMT_CSV, INGEST_FMT_JSONL };

#define INGEST_BATCH_DEFAULT 10000
#define INGEST_BATCH_MAX 1000000

/* Kind from its plural name ("accounts", any case; singular accepted too), or -1. */
int ingest_kind_parse(const char *s);
/* Plural name of a kind ("accounts"). */
const char *ingest_kind_name(enum ingest_kind k);
/* Space-separated canonical field names of a kind, for help texts ("id name plan ..."). */
const char *ingest_kind_fields(enum ingest_kind k);
/* "csv" or "jsonl" (also "ndjson", "json") -> format, else -1. */
int ingest_format_parse(const char *s);

/* One rejected row, as reported to an on_reject callback and written to the rejects file. */
struct ingest_reject {
        const char *file;   /* input name */
        long line;          /* physical line where the row starts (1-based) */
        size_t index;       /* 0-based data row index (JSON batches: the array index) */
        const char *column; /* the file's column (header name or JSON key), or "" */
        const char *field;  /* the canonical field, or "" */
        const char *reason; /* what is wrong, e.g. not a timestamp: "yesterday" */
};

/* One committed batch, as reported to an on_batch callback. */
struct ingest_batch_report {
        uint64_t seq;       /* 1-based number of the batch in this import */
        long first_line;    /* file line where the batch's first row starts */
        long last_line;     /* file line where its last row starts */
        size_t rows;        /* rows of the file in the batch (rejected ones included) */
        uint64_t committed; /* rows written (inserted + updated) by the batch */
        uint64_t rejected;  /* rows of the batch that were rejected */
        uint64_t total;     /* rows committed by the import so far, this batch included */
};

struct ingest_opts {
        enum ingest_kind kind;
        enum ingest_format format; /* INGEST_FMT_AUTO: from the file name */
        const char *map;           /* "field=column,..." overrides, or NULL */
        size_t batch;              /* rows per transaction; 0: INGEST_BATCH_DEFAULT */
        char delimiter;            /* CSV separator; 0: ',' (or tab for .tsv files) */
        size_t max_record;         /* bytes per record or line; 0: 1 MiB */
        int dry_run;               /* validate (references too) but write nothing */
        int threads;               /* 1: everything on the calling thread; else parse and
                                      write on two threads for large files */
        /* Called for each rejected row, in file order (e.g. to print the first few). */
        void (*on_reject)(void *ctx, const struct ingest_reject *r);
        /*
         * Called on the writer's thread right after each batch is committed (never for dry
         * runs or a batch that was rolled back), so a caller can record what is durable.
         */
        void (*on_batch)(void *ctx, const struct ingest_batch_report *b);
        /* Called at most about ten times a second with the progress through the file. */
        void (*on_progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total, uint64_t rows);
        void *ctx;
};

/* Defaults: CSV or JSON lines by extension, batches of 10,000, two threads. */
void ingest_opts_init(struct ingest_opts *o, enum ingest_kind kind);

struct ingest_summary {
        enum ingest_kind kind;
        enum ingest_format format;
        uint64_t read;      /* data rows read (header excluded) */
        uint64_t inserted;  /* new rows written */
        uint64_t updated;   /* existing rows (same id) updated */
        uint64_t rejected;  /* rows written to the rejects file */
        uint64_t valid;     /* rows that passed every check (dry runs: would be written) */
        uint64_t committed; /* rows in committed batches (equals inserted + updated when done) */
        double seconds;
        int dry_run;
        char rejects_path[1024]; /* "" when nothing was rejected */
        char ignored[512];       /* columns dropped because the kind keeps no attributes */
};

/*
 * Import the file at path into s as rows of o->kind. s may be NULL for a dry run against
 * an empty database (every reference is then unknown). Returns CXG_OK when the file was
 * read to the end (rows may have been rejected: see out->rejected and out->rejects_path),
 * CXG_ERR_USAGE for a wrong mapping or header (nothing read), or another code when the
 * import stopped: the batch in progress is rolled back and err says how many rows were
 * committed before. out is always filled with what happened.
 */
enum cxg_err ingest_file(struct store *s, const char *path, const struct ingest_opts *o,
                         struct ingest_summary *out, struct cxg_error *err) CXG_WUR;

/* Append the summary as one JSON object (read, imported, updated, rejected, ...) to b. */
enum cxg_err ingest_summary_json(const struct ingest_summary *sum, const char *path,
                                 struct cxg_buf *b) CXG_WUR;

/* A row of a JSON batch that could not be written. */
struct ingest_row_error {
        size_t index;   /* 0-based position in the array */
        char field[64]; /* canonical field (or the JSON key) concerned, or "" */
        char reason[256];
};

#define INGEST_JSON_PARTIAL 0x1u /* write the valid rows even when others fail */
#define INGEST_JSON_NESTED 0x2u  /* inside the caller's open transaction (a savepoint) */

/*
 * Convert, validate and write the rows of a JSON array of objects (json: len bytes of UTF-8
 * text, e.g. an HTTP request body) as entities of kind, in one transaction. Keys are matched
 * to canonical fields like CSV headers; other keys become attributes. Without
 * INGEST_JSON_PARTIAL the batch is atomic: when any row fails nothing is written and the
 * call returns CXG_ERR_INVALID. With it the valid rows are written and CXG_OK returned.
 * Either way *errs (owned by the caller, free with cxg_free; NULL when there are none)
 * receives one entry per failed row and *n_errs their count. Counts go to out (may be NULL).
 * Text that is not a JSON array is CXG_ERR_PARSE; store failures roll back everything.
 * With INGEST_JSON_NESTED the caller has a transaction open: the batch is a savepoint in it
 * (released on success, rolled back on failure) and nothing is committed here.
 */
enum cxg_err ingest_json_batch(struct store *s, enum ingest_kind kind, const char *json, size_t len,
                               unsigned flags, struct ingest_row_error **errs, size_t *n_errs,
                               struct ingest_summary *out, struct cxg_error *err) CXG_WUR;

#endif
