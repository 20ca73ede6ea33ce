/*
 * import_int.h: inside the importer (import.c drives, import_read.c reads and maps,
 * import_write.c writes batches and rejects); not for other modules.
 */
#ifndef CXG_INGEST_IMPORT_INT_H
#define CXG_INGEST_IMPORT_INT_H

#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"
#include "ingest/csv.h"
#include "ingest/import.h"
#include "ingest/ingest_int.h"

#define ARENA_FLUSH ((size_t)64 << 20) /* a batch whose strings pass this is written early */
#define PIPELINE_MIN_BYTES ((size_t)4 << 20)
#define REJECT_COLS 4 /* line, column, field, reason */

/* One row of a batch: converted, or rejected by the reader with a reason. */
struct item {
        union ingest_entity e;
        long line;
        size_t index;
        const char *raw; /* the record's bytes in the input (for the rejects file), or NULL */
        size_t raw_n;
        const char *reason; /* non-NULL: rejected before reaching the writer */
        const char *column, *field;
        const char *const *fcols; /* column (or key) of each canonical field, or NULL */
};

struct batch {
        struct cxg_arena arena;
        struct item *items;
        size_t n, cap;
        uint64_t bytes_done; /* input consumed once this batch is read */
};

/* Where rejected rows go: the rejects file, or a JSON batch's error list. */
struct sink {
        /* file mode */
        const char *in_path;
        char path[1024];
        FILE *f;
        enum ingest_format format;
        char delim;
        const char *const *header; /* original header names (CSV), n_header of them */
        size_t n_header;
        /* JSON batch mode */
        struct ingest_row_error *errs;
        size_t n_errs, cap_errs;
        int json_mode;
        /* both */
        void (*on_reject)(void *ctx, const struct ingest_reject *r);
        void *ctx;
        struct cxg_buf line;
};

struct writer {
        struct store *s;
        enum ingest_kind kind;
        int dry_run;
        int atomic; /* a JSON batch without INGEST_JSON_PARTIAL */
        int nested; /* INGEST_JSON_NESTED: a savepoint in the caller's transaction */
        struct store_interaction *rows;
        size_t *row_item; /* batch index of each pending interaction */
        size_t cap_rows;
        struct sink *sink;
        uint64_t inserted, updated, rejected, valid, committed;
        uint64_t read;
        uint64_t batches; /* batches committed */
        void (*on_batch)(void *ctx, const struct ingest_batch_report *b);
        void *ctx;
};

struct reader {
        enum ingest_kind kind;
        enum ingest_format format;
        const char *path;
        const char *data;
        size_t size;
        struct ingest_csv csv;
        struct ingest_jsonl jl;
        struct cxg_jparser *jp;        /* JSON lines: made on the first line, reused for the rest */
        char *keys[INGEST_MAX_FIELDS]; /* the map option: column or key of each field, or NULL */
        /* CSV header */
        struct cxg_arena hdr;
        const char **header;
        size_t n_header;
        int col_of[INGEST_MAX_FIELDS];
        const char *fcols[INGEST_MAX_FIELDS];
        size_t *attr_cols;
        const char **attr_keys; /* "\"name\":" ready to append */
        size_t n_attr;
        struct cxg_buf attrs;
        size_t index;
};

/* ---- import_write.c: batches, rejects, the writer ---- */

/* A batch of rows with its arena: set up, free, and empty for reuse. */
void ingest_batch_init(struct batch *b);
void ingest_batch_release(struct batch *b);
void ingest_batch_clear(struct batch *b);

/* A new, zeroed row at the end of b; NULL when out of memory. */
struct item *ingest_batch_add(struct batch *b);

/* the column (or key) a canonical field came from, for messages */
const char *ingest_column_of(enum ingest_kind k, const struct item *it, const char *field);

/* Close the rejects file and free the error list of k. */
void ingest_sink_release(struct sink *k);

/*
 * Write one batch as one transaction. Returns CXG_OK (rows may have been rejected) or a
 * failure that stops the import: the batch is then rolled back and nothing of it counted.
 */
enum cxg_err ingest_write_batch(struct writer *w, struct batch *b, struct cxg_error *err);

/* ---- import_read.c: format, column mapping, header, rows into batches ---- */

/* Set up and free a reader (its mapping, header and buffers). */
void ingest_reader_init(struct reader *rd);
void ingest_reader_release(struct reader *rd);

/* "field=column,..." into keys[]; usage errors name the field "map" */
enum cxg_err ingest_parse_map(enum ingest_kind k, const char *map, char **keys,
                              struct cxg_error *err);

/*
 * Read the CSV header of rd and map its columns to fields (the map option first, then names
 * and aliases); columns no field claims become attributes or are listed in sum->ignored.
 */
enum cxg_err ingest_read_header(struct reader *rd, struct ingest_summary *sum,
                                struct cxg_error *err);

/*
 * Turn one JSON value (a line of a file or an element of a batch) into the item it. Errors
 * are the row's; only out-of-memory is returned.
 */
enum cxg_err ingest_json_item(enum ingest_kind kind, char *const *keys, struct cxg_jval v,
                              struct batch *b, struct item *it);

/* Fill b with up to max rows; *more is 0 at the end of the input. */
enum cxg_err ingest_fill_batch(struct reader *rd, struct batch *b, size_t max, int *more,
                               struct cxg_error *err);

/* The format (and CSV delimiter) of path from its name; CXG_ERR_USAGE (field "format") when
 * unknown. */
enum cxg_err ingest_detect_format(const char *path, enum ingest_format *f, char *delim,
                                  struct cxg_error *err);

#endif
