/*
 * import.c: the import driver. A reader (CSV or JSON lines) turns the file into batches of
 * converted, validated rows; a writer resolves references and writes each batch as one
 * transaction, rejecting single rows (into FILE.rejects.csv) without losing the rest of the
 * batch. For large files the two run on two threads (the writer alone touches the store);
 * JSON batches from the API reuse the writer. Owns: column mapping, batches, rejects,
 * summaries.
 */
#include "ingest/import.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/parse.h"
#include "ingest/csv.h"
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

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * jansson failed for want of memory: an allocation failed during the call (failed counted
 * cxg_alloc_failures() before it; jansson may then report a syntax error), or it says so in
 * the error code, or its lexer could not even start (NULL with an empty message).
 */
static int json_oom(const json_error_t *e, unsigned long failed)
{
        return cxg_alloc_failures() != failed || e->text[0] == '\0' ||
               json_error_code(e) == json_error_out_of_memory;
}

void ingest_opts_init(struct ingest_opts *o, enum ingest_kind kind)
{
        memset(o, 0, sizeof(*o));
        o->kind = kind;
        o->format = INGEST_FMT_AUTO;
        o->batch = INGEST_BATCH_DEFAULT;
        o->threads = 2;
}

/* ---- batches ---- */

static void batch_init(struct batch *b)
{
        memset(b, 0, sizeof(*b));
        cxg_arena_init(&b->arena, 1 << 20, 0);
}

static void batch_release(struct batch *b)
{
        cxg_arena_release(&b->arena);
        cxg_free(b->items);
        memset(b, 0, sizeof(*b));
}

static void batch_clear(struct batch *b)
{
        cxg_arena_clear(&b->arena);
        b->n = 0;
}

static struct item *batch_add(struct batch *b)
{
        if (b->n == b->cap) {
                size_t ncap = b->cap ? b->cap * 2 : 256;
                struct item *p = cxg_realloc(b->items, ncap * sizeof(*p));

                if (!p)
                        return NULL;
                b->items = p;
                b->cap = ncap;
        }
        memset(&b->items[b->n], 0, sizeof(b->items[0]));
        return &b->items[b->n++];
}

/* ---- rejects ---- */

static void sink_release(struct sink *k)
{
        if (k->f)
                fclose(k->f);
        k->f = NULL;
        cxg_buf_release(&k->line);
}

/* the original fields of a rejected CSV record, re-read from its bytes */
static enum cxg_err append_raw_fields(struct sink *k, const struct item *it)
{
        struct ingest_csv r;
        struct cxg_error e;
        enum cxg_err rc;
        int got = 0;

        if (k->format != INGEST_FMT_CSV) {
                if ((rc = cxg_buf_putc(&k->line, ',')))
                        return rc;
                return cxg_buf_csv_field(&k->line, it->raw, it->raw_n);
        }
        if (ingest_csv_init(&r, "", it->raw, it->raw_n, k->delim, it->raw_n + 1, &e))
                return e.code;
        rc = ingest_csv_next(&r, &got, &e);
        for (size_t i = 0; !rc && got && i < r.n_fields; i++) {
                if (!(rc = cxg_buf_putc(&k->line, ',')))
                        rc = cxg_buf_csv_field(&k->line, r.fields[i].p, r.fields[i].n);
        }
        ingest_csv_release(&r);
        return rc == CXG_ERR_NOMEM ? rc : CXG_OK;
}

static enum cxg_err open_rejects(struct sink *k, struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        k->f = fopen(k->path, "w");
        if (!k->f)
                return cxg_error_set(err, CXG_ERR_IO, "cannot write rejects file %s: %s", k->path,
                                     strerror(errno));
        cxg_buf_clear(&k->line);
        if ((rc = cxg_buf_puts(&k->line, "line,column,field,reason")))
                goto done;
        if (k->format == INGEST_FMT_CSV) {
                for (size_t i = 0; i < k->n_header && !rc; i++)
                        if (!(rc = cxg_buf_putc(&k->line, ',')))
                                rc =
                                    cxg_buf_csv_field(&k->line, k->header[i], strlen(k->header[i]));
        } else {
                rc = cxg_buf_puts(&k->line, ",record");
        }
        if (!rc)
                rc = cxg_buf_putc(&k->line, '\n');
        if (!rc && fwrite(k->line.data, 1, k->line.len, k->f) != k->line.len)
                return cxg_error_set(err, CXG_ERR_IO, "cannot write rejects file %s: %s", k->path,
                                     strerror(errno));
done:
        return rc ? cxg_error_set(err, rc, "rejects file %s: out of memory", k->path) : CXG_OK;
}

/* Record one rejected row; only failures to record it are errors. */
static enum cxg_err reject(struct writer *w, const struct item *it, const char *column,
                           const char *field, const char *reason, struct cxg_error *err)
{
        struct sink *k = w->sink;
        struct ingest_reject r = {k->in_path ? k->in_path : "", it->line,           it->index,
                                  column ? column : "",         field ? field : "", reason};
        enum cxg_err rc;
        char num[32];

        w->rejected++;
        if (k->on_reject)
                k->on_reject(k->ctx, &r);
        if (k->json_mode) {
                struct ingest_row_error *e;

                if (k->n_errs == k->cap_errs) {
                        size_t ncap = k->cap_errs ? k->cap_errs * 2 : 16;

                        e = cxg_realloc(k->errs, ncap * sizeof(*e));
                        if (!e)
                                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        k->errs = e;
                        k->cap_errs = ncap;
                }
                e = &k->errs[k->n_errs++];
                e->index = it->index;
                snprintf(e->field, sizeof(e->field), "%s", r.field[0] ? r.field : r.column);
                snprintf(e->reason, sizeof(e->reason), "%s", reason);
                return CXG_OK;
        }
        if (!k->f && (rc = open_rejects(k, err)))
                return rc;
        cxg_buf_clear(&k->line);
        snprintf(num, sizeof(num), "%ld,", it->line);
        if ((rc = cxg_buf_puts(&k->line, num)) ||
            (rc = cxg_buf_csv_field(&k->line, r.column, strlen(r.column))) ||
            (rc = cxg_buf_putc(&k->line, ',')) ||
            (rc = cxg_buf_csv_field(&k->line, r.field, strlen(r.field))) ||
            (rc = cxg_buf_putc(&k->line, ',')) ||
            (rc = cxg_buf_csv_field(&k->line, reason, strlen(reason))) ||
            (it->raw && (rc = append_raw_fields(k, it))) || (rc = cxg_buf_putc(&k->line, '\n')))
                return cxg_error_set(err, rc, "rejects file %s: %s", k->path, cxg_strerror(rc));
        if (fwrite(k->line.data, 1, k->line.len, k->f) != k->line.len)
                return cxg_error_set(err, CXG_ERR_IO, "cannot write rejects file %s: %s", k->path,
                                     strerror(errno));
        return CXG_OK;
}

/* ---- the writer ---- */

/* failures that concern one row (it is rejected) rather than the database */
static int row_level(enum cxg_err rc)
{
        return rc == CXG_ERR_NOTFOUND || rc == CXG_ERR_INVALID || rc == CXG_ERR_CONFLICT ||
               rc == CXG_ERR_PARSE || rc == CXG_ERR_LIMIT;
}

static enum cxg_err ref_account(struct writer *w, const char *id, struct cxg_error *err)
{
        int64_t aid;

        if (!id)
                return CXG_OK;
        if (!w->s)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "account_id",
                                      "unknown account \"%.64s\" (import accounts first)", id);
        return store_account_ref(w->s, id, strlen(id), &aid, err);
}

static enum cxg_err ref_person(struct writer *w, const char *id, struct cxg_error *err)
{
        int64_t pid, aid;

        if (!id)
                return CXG_OK;
        if (!w->s)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person_id",
                                      "unknown person \"%.64s\" (import people first)", id);
        return store_person_ref(w->s, id, strlen(id), &pid, &aid, err);
}

/* dry runs: the references a write would check */
static enum cxg_err check_refs(struct writer *w, const union ingest_entity *e,
                               struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        switch (w->kind) {
        case INGEST_PEOPLE:
                rc = ref_account(w, e->p.account_id, err);
                break;
        case INGEST_SUBSCRIPTIONS:
                rc = ref_account(w, e->s.account_id, err);
                break;
        case INGEST_FEEDBACK:
                if (!(rc = ref_person(w, e->f.person_id, err)))
                        rc = ref_account(w, e->f.account_id, err);
                break;
        case INGEST_OBJECTIVES:
                if (!(rc = ref_account(w, e->o.account_id, err)))
                        rc = ref_person(w, e->o.person_id, err);
                break;
        default:
                break;
        }
        return rc;
}

static enum cxg_err put_one(struct writer *w, const union ingest_entity *e, int *how,
                            struct cxg_error *err)
{
        int64_t id;

        switch (w->kind) {
        case INGEST_ACCOUNTS:
                return store_put_account(w->s, &e->a, &id, how, err);
        case INGEST_PEOPLE:
                return store_put_person(w->s, &e->p, &id, how, err);
        case INGEST_SUBSCRIPTIONS:
                return store_put_subscription(w->s, &e->s, &id, how, err);
        case INGEST_FEEDBACK:
                return store_put_feedback(w->s, &e->f, &id, how, err);
        case INGEST_OBJECTIVES:
                return store_put_objective(w->s, &e->o, &id, how, err);
        case INGEST_CAPABILITIES:
                return store_put_capability(w->s, &e->c, &id, how, err);
        default:
                return cxg_error_set(err, CXG_ERR_INTERNAL, "put: unexpected kind");
        }
}

/* the column (or key) a canonical field came from, for messages */
static const char *column_of(enum ingest_kind k, const struct item *it, const char *field)
{
        size_t nf;
        const struct ingest_fdef *d = ingest_fdefs(k, &nf);

        for (size_t f = 0; f < nf && it->fcols; f++)
                if (strcmp(d[f].name, field) == 0)
                        return it->fcols[f] ? it->fcols[f] : field;
        return field;
}

/* Resolve one interaction's references into a store row; row-level failures reject it. */
static enum cxg_err resolve_interaction(struct writer *w, const struct interaction *in,
                                        struct store_interaction *row, struct cxg_error *err)
{
        enum cxg_err rc;
        int64_t aid;

        memset(row, 0, sizeof(*row));
        if (!w->s)
                return ref_person(w, in->person_id, err);
        if ((rc = store_person_ref(w->s, in->person_id, strlen(in->person_id), &row->person_id,
                                   &row->account_id, err)))
                return rc;
        if (in->account_id) {
                if ((rc = store_account_ref(w->s, in->account_id, strlen(in->account_id), &aid,
                                            err)))
                        return rc;
                /* the same rule as feedback: a person belongs to one account */
                if (aid != row->account_id)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "account_id",
                                              "person \"%.64s\" belongs to another account than "
                                              "\"%.64s\" (leave account_id empty to derive it)",
                                              in->person_id, in->account_id);
        }
        if (!w->dry_run &&
            (rc = store_type_id(w->s, in->type, strlen(in->type), &row->type_id, err)))
                return rc;
        row->ts = in->ts;
        row->duration_ms = in->duration_ms;
        row->value = in->value;
        row->channel = (uint8_t)in->channel;
        row->outcome = (uint8_t)in->outcome;
        row->ext_id = in->id;
        row->attributes = in->attributes;
        return CXG_OK;
}

/*
 * Write one batch as one transaction. Returns CXG_OK (rows may have been rejected) or a
 * failure that stops the import: the batch is then rolled back and nothing of it counted.
 */
static enum cxg_err write_batch(struct writer *w, struct batch *b, struct cxg_error *err)
{
        uint64_t ins = 0, upd = 0, valid = 0, rej0 = w->rejected;
        size_t npend = 0;
        enum cxg_err rc = CXG_OK;
        int tx = 0;
        struct cxg_error e;

        if (w->kind == INGEST_INTERACTIONS && b->n > w->cap_rows) {
                struct store_interaction *r = cxg_realloc(w->rows, b->n * sizeof(*r));
                size_t *ri;

                if (!r)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                w->rows = r;
                ri = cxg_realloc(w->row_item, b->n * sizeof(*ri));
                if (!ri)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                w->row_item = ri;
                w->cap_rows = b->n;
        }
        if (!w->dry_run && w->s) {
                if ((rc = store_begin(w->s, err)))
                        return rc;
                tx = 1;
        }
        for (size_t i = 0; i < b->n; i++) {
                struct item *it = &b->items[i];

                w->read++;
                if (it->reason) {
                        if ((rc = reject(w, it, it->column, it->field, it->reason, err)))
                                goto fail;
                        continue;
                }
                cxg_error_clear(&e);
                if (w->kind == INGEST_INTERACTIONS) {
                        rc = resolve_interaction(w, &it->e.i, &w->rows[npend], &e);
                        if (!rc) {
                                w->row_item[npend++] = i;
                                valid++;
                                continue;
                        }
                } else if (w->dry_run || !w->s) {
                        if (!(rc = check_refs(w, &it->e, &e))) {
                                valid++;
                                continue;
                        }
                } else {
                        int how = 0;

                        if ((rc = store_savepoint(w->s, err)))
                                goto fail;
                        rc = put_one(w, &it->e, &how, &e);
                        if (!rc) {
                                if ((rc = store_savepoint_release(w->s, err)))
                                        goto fail;
                                valid++;
                                ins += how == STORE_INSERTED;
                                upd += how == STORE_UPDATED;
                                continue;
                        }
                        store_savepoint_rollback(w->s);
                }
                if (!row_level(rc)) {
                        *err = e;
                        goto fail;
                }
                if ((rc = reject(w, it, e.field[0] ? column_of(w->kind, it, e.field) : "", e.field,
                                 e.msg, err)))
                        goto fail;
        }
        if (w->atomic && w->rejected > rej0) {
                if (tx)
                        store_rollback(w->s);
                w->valid += valid;
                return CXG_ERR_INVALID;
        }
        if (npend && tx) {
                size_t bi = 0, bu = 0;

                if ((rc = store_put_interactions(w->s, w->rows, npend, &bi, &bu, err))) {
                        if (err && err->line > 0 && (size_t)err->line <= npend)
                                err->line = b->items[w->row_item[err->line - 1]].line;
                        goto fail;
                }
                ins += bi;
                upd += bu;
        }
        if (tx && (rc = store_commit(w->s, err))) {
                tx = 0;
                goto fail;
        }
        w->valid += valid;
        w->inserted += ins;
        w->updated += upd;
        w->committed += ins + upd;
        if (tx && w->on_batch && b->n) {
                struct ingest_batch_report r = {
                    ++w->batches,       b->items[0].line, b->items[b->n - 1].line, b->n, ins + upd,
                    w->rejected - rej0, w->committed};

                w->on_batch(w->ctx, &r);
        }
        return CXG_OK;
fail:
        if (tx)
                store_rollback(w->s);
        return rc ? rc : CXG_ERR_INTERNAL;
}

/* ---- reading ---- */

struct reader {
        enum ingest_kind kind;
        enum ingest_format format;
        const char *path;
        const char *data;
        size_t size;
        struct ingest_csv csv;
        struct ingest_jsonl jl;
        char *keys[INGEST_MAX_FIELDS]; /* --map: column or key of each field, or NULL */
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

static void reader_init(struct reader *rd)
{
        memset(rd, 0, sizeof(*rd));
        cxg_arena_init(&rd->hdr, 0, 0);
        cxg_buf_init(&rd->attrs, (size_t)64 << 20);
        for (int f = 0; f < INGEST_MAX_FIELDS; f++)
                rd->col_of[f] = -1;
}

static void reader_release(struct reader *rd)
{
        for (int f = 0; f < INGEST_MAX_FIELDS; f++)
                cxg_free(rd->keys[f]);
        ingest_csv_release(&rd->csv);
        cxg_arena_release(&rd->hdr);
        cxg_buf_release(&rd->attrs);
        cxg_free(rd->attr_cols);
        cxg_free(rd->attr_keys);
}

/* "field=column,..." into keys[]; usage errors name the bad part */
static enum cxg_err parse_map(enum ingest_kind k, const char *map, char **keys,
                              struct cxg_error *err)
{
        const char *p = map;

        while (p && *p) {
                const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
                const char *eq = memchr(p, '=', (size_t)(end - p)), *f = p, *c;
                size_t fn, cn;
                int idx;

                if (!eq)
                        return cxg_error_setf(err, CXG_ERR_USAGE, "map",
                                              "mapping: expected field=column, got \"%.*s\"",
                                             (int)(end - p), p);
                fn = (size_t)(eq - p);
                c = eq + 1;
                cn = (size_t)(end - c);
                cxg_trim(&f, &fn);
                cxg_trim(&c, &cn);
                idx = ingest_field_match(k, f, fn);
                if (idx < 0)
                        return cxg_error_setf(
                            err, CXG_ERR_USAGE, "map", "mapping: %s have no field '%.*s' (fields: %s)",
                            ingest_kind_name(k), (int)fn, f, ingest_kind_fields(k));
                if (!cn)
                        return cxg_error_setf(err, CXG_ERR_USAGE, "map",
                                              "mapping: no column given for '%.*s'", (int)fn, f);
                if (keys[idx])
                        return cxg_error_setf(err, CXG_ERR_USAGE, "map",
                                              "mapping: field '%.*s' is mapped twice", (int)fn, f);
                if (!(keys[idx] = cxg_strndup(c, cn)))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                p = comma ? comma + 1 : end;
        }
        return CXG_OK;
}

/* a comma-separated list of the header's names, shortened, for messages */
static const char *header_list(const struct reader *rd, char *out, size_t cap)
{
        size_t o = 0;

        out[0] = '\0';
        for (size_t i = 0; i < rd->n_header && o + 8 < cap; i++) {
                int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", rd->header[i]);

                if (w < 0 || (size_t)w >= cap - o) {
                        snprintf(out + (o > cap - 5 ? cap - 5 : o), 5, "...");
                        break;
                }
                o += (size_t)w;
        }
        return out;
}

static int ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && cxg_ieq(s + n - m, m, suffix);
}

static enum cxg_err read_header(struct reader *rd, struct ingest_summary *sum,
                                struct cxg_error *err)
{
        size_t nf, skip = 0;
        const struct ingest_fdef *d = ingest_fdefs(rd->kind, &nf);
        char list[400];
        unsigned char *claimed = NULL;
        enum cxg_err rc;
        int got;

        if ((rc = ingest_csv_next(&rd->csv, &got, err))) {
                if (rc != CXG_ERR_NOMEM)
                        rc = err->code = CXG_ERR_USAGE;
                return rc;
        }
        if (!got) {
                cxg_error_at(err, rd->path, 0);
                return cxg_error_set(err, CXG_ERR_USAGE, "empty file: no header line");
        }
        rd->n_header = rd->csv.n_fields;
        rd->header = cxg_arena_alloc(&rd->hdr, rd->n_header * sizeof(*rd->header));
        claimed = cxg_calloc(rd->n_header, 1);
        if (!rd->header || !claimed)
                goto nomem;
        for (size_t i = 0; i < rd->n_header; i++) {
                const char *p = rd->csv.fields[i].p;
                size_t n = rd->csv.fields[i].n;
                char tmp[32];

                cxg_trim(&p, &n);
                if (!n) {
                        snprintf(tmp, sizeof(tmp), "column_%zu", i + 1);
                        p = tmp;
                        n = strlen(tmp);
                }
                if (!cxg_utf8_valid(p, n)) {
                        cxg_free(claimed);
                        cxg_error_at(err, rd->path, rd->csv.rec_line);
                        return cxg_error_set(err, CXG_ERR_USAGE,
                                             "header column %zu is not valid UTF-8", i + 1);
                }
                if (!(rd->header[i] = cxg_arena_strndup(&rd->hdr, p, n)))
                        goto nomem;
        }
        /* a rejects file being re-imported: its four leading columns are ours */
        if (ends_with(rd->path, ".rejects.csv") && rd->n_header >= REJECT_COLS &&
            strcmp(rd->header[0], "line") == 0 && strcmp(rd->header[1], "column") == 0 &&
            strcmp(rd->header[2], "field") == 0 && strcmp(rd->header[3], "reason") == 0)
                skip = REJECT_COLS;
        for (size_t i = 0; i < skip; i++)
                claimed[i] = 2;
        /* --map first: exact name, then any case */
        for (size_t f = 0; f < nf; f++) {
                if (!rd->keys[f])
                        continue;
                for (int pass = 0; pass < 2 && rd->col_of[f] < 0; pass++)
                        for (size_t c = skip; c < rd->n_header && rd->col_of[f] < 0; c++)
                                if (pass
                                        ? cxg_ieq(rd->header[c], strlen(rd->header[c]), rd->keys[f])
                                        : strcmp(rd->header[c], rd->keys[f]) == 0)
                                        rd->col_of[f] = (int)c;
                if (rd->col_of[f] < 0) {
                        cxg_free(claimed);
                        cxg_error_at(err, rd->path, 0);
                        return cxg_error_setf(err, CXG_ERR_USAGE, "map",
                                             "mapping %s=%s: no column '%s' in the header "
                                             "(columns: %s)",
                                             d[f].name, rd->keys[f], rd->keys[f],
                                             header_list(rd, list, sizeof(list)));
                }
                claimed[rd->col_of[f]] = 1;
        }
        /* then header names that are canonical field names */
        for (size_t c = skip; c < rd->n_header; c++) {
                int f;

                if (claimed[c])
                        continue;
                f = ingest_field_match(rd->kind, rd->header[c], strlen(rd->header[c]));
                if (f < 0 || rd->keys[f])
                        continue;
                if (rd->col_of[f] >= 0) {
                        const char *first = rd->header[rd->col_of[f]];

                        cxg_free(claimed);
                        cxg_error_at(err, rd->path, 0);
                        return cxg_error_set(err, CXG_ERR_USAGE,
                                             "columns '%s' and '%s' both match field '%s': "
                                             "choose one with --map %s=COLUMN",
                                             first, rd->header[c], d[f].name, d[f].name);
                }
                rd->col_of[f] = (int)c;
                claimed[c] = 1;
        }
        for (size_t f = 0; f < nf; f++) {
                rd->fcols[f] = rd->col_of[f] >= 0 ? rd->header[rd->col_of[f]] : NULL;
                if (d[f].required && rd->col_of[f] < 0) {
                        cxg_free(claimed);
                        cxg_error_at(err, rd->path, 0);
                        return cxg_error_set(err, CXG_ERR_USAGE,
                                             "no column for the required field '%s' of %s "
                                             "(columns: %s); name one with --map %s=COLUMN",
                                             d[f].name, ingest_kind_name(rd->kind),
                                             header_list(rd, list, sizeof(list)), d[f].name);
                }
        }
        /* the rest: attributes, or ignored */
        rd->attr_cols = cxg_malloc((rd->n_header + 1) * sizeof(*rd->attr_cols));
        rd->attr_keys = cxg_malloc((rd->n_header + 1) * sizeof(*rd->attr_keys));
        if (!rd->attr_cols || !rd->attr_keys)
                goto nomem;
        for (size_t c = skip; c < rd->n_header; c++) {
                struct cxg_buf kb;

                if (claimed[c])
                        continue;
                if (!ingest_kind_has_attributes(rd->kind)) {
                        size_t o = strlen(sum->ignored);

                        if (o + strlen(rd->header[c]) + 8 < sizeof(sum->ignored))
                                snprintf(sum->ignored + o, sizeof(sum->ignored) - o, "%s%s",
                                         o ? ", " : "", rd->header[c]);
                        continue;
                }
                for (size_t j = 0; j < rd->n_attr; j++) {
                        if (strcmp(rd->header[rd->attr_cols[j]], rd->header[c]) == 0) {
                                cxg_free(claimed);
                                cxg_error_at(err, rd->path, 0);
                                return cxg_error_set(err, CXG_ERR_USAGE,
                                                     "column '%s' appears twice in the header",
                                                     rd->header[c]);
                        }
                }
                cxg_buf_init(&kb, 0);
                if (cxg_buf_putc(&kb, rd->n_attr ? ',' : '{') ||
                    cxg_buf_json_str(&kb, rd->header[c], strlen(rd->header[c])) ||
                    cxg_buf_putc(&kb, ':')) {
                        cxg_buf_release(&kb);
                        goto nomem;
                }
                rd->attr_keys[rd->n_attr] = cxg_arena_strdup(&rd->hdr, kb.data);
                cxg_buf_release(&kb);
                if (!rd->attr_keys[rd->n_attr])
                        goto nomem;
                rd->attr_cols[rd->n_attr++] = c;
        }
        cxg_free(claimed);
        return CXG_OK;
nomem:
        cxg_free(claimed);
        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
}

/* the attributes JSON of the current CSV record, or NULL when the file has no extra columns */
static enum cxg_err csv_attributes(struct reader *rd, struct cxg_arena *a, const char **out)
{
        struct cxg_buf *b = &rd->attrs;
        enum cxg_err rc = CXG_OK;

        *out = NULL;
        if (!rd->n_attr)
                return CXG_OK;
        cxg_buf_clear(b);
        for (size_t j = 0; j < rd->n_attr && !rc; j++) {
                const struct ingest_field *f = &rd->csv.fields[rd->attr_cols[j]];
                const char *p = f->p;
                size_t n = f->n;

                if ((rc = cxg_buf_puts(b, rd->attr_keys[j])))
                        break;
                cxg_trim(&p, &n);
                if (!n)
                        rc = cxg_buf_append(b, "null", 4);
                else if (ingest_json_number(p, n))
                        rc = cxg_buf_append(b, p, n);
                else
                        rc = cxg_buf_json_str(b, f->p, f->n);
        }
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        if (!rc && !(*out = cxg_arena_strndup(a, b->data, b->len)))
                rc = CXG_ERR_NOMEM;
        return rc;
}

/* a reader-side rejection: the reason is copied into the batch arena */
static enum cxg_err set_reason(struct batch *b, struct item *it, const char *column,
                               const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum cxg_err set_reason(struct batch *b, struct item *it, const char *column,
                               const char *field, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        it->reason = cxg_arena_strdup(&b->arena, msg);
        it->column = column ? cxg_arena_strdup(&b->arena, column) : "";
        it->field = field ? cxg_arena_strdup(&b->arena, field) : "";
        if (!it->reason || !it->column || !it->field)
                return CXG_ERR_NOMEM;
        return CXG_OK;
}

/* a conversion failure: err->field is the canonical field (or a JSON key) */
static enum cxg_err convert_failed(struct reader *rd, struct batch *b, struct item *it,
                                   const struct cxg_error *e)
{
        const char *column = e->field[0] ? column_of(rd->kind, it, e->field) : "";
        int canonical =
            e->field[0] && ingest_field_match(rd->kind, e->field, strlen(e->field)) >= 0;

        if (e->code == CXG_ERR_NOMEM)
                return CXG_ERR_NOMEM;
        return set_reason(b, it, column, canonical ? e->field : "", "%s", e->msg);
}

static enum cxg_err next_csv(struct reader *rd, struct batch *b, int *got, struct cxg_error *err)
{
        struct ingest_cell cells[INGEST_MAX_FIELDS];
        struct ingest_csv *r = &rd->csv;
        size_t nf;
        const struct ingest_fdef *d = ingest_fdefs(rd->kind, &nf);
        struct cxg_error e;
        struct item *it;
        enum cxg_err rc;
        const char *attrs = NULL;
        long bad;
        int g;

        cxg_error_clear(&e);
        rc = ingest_csv_next(r, &g, &e);
        if (rc == CXG_ERR_NOMEM)
                return cxg_error_set(err, rc, "out of memory");
        if (!rc && !g) {
                *got = 0;
                return CXG_OK;
        }
        *got = 1;
        if (!(it = batch_add(b)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        it->index = rd->index++;
        it->fcols = rd->fcols;
        if (rc) {
                it->line = e.line;
                return set_reason(b, it, "", "", "%s", e.msg)
                           ? cxg_error_set(err, CXG_ERR_NOMEM, "out of memory")
                           : CXG_OK;
        }
        it->line = r->rec_line;
        it->raw = r->rec_start;
        it->raw_n = (size_t)(r->rec_end - r->rec_start);
        if (r->n_fields != rd->n_header) {
                rc = set_reason(b, it, "", "", "row has %zu field%s, the header has %zu",
                                r->n_fields, r->n_fields == 1 ? "" : "s", rd->n_header);
                goto done;
        }
        if ((bad = ingest_csv_bad_utf8(r)) >= 0) {
                const char *field = "";

                for (size_t f = 0; f < nf; f++)
                        if (rd->col_of[f] == bad)
                                field = d[f].name;
                rc = set_reason(b, it, rd->header[bad], field, "not valid UTF-8");
                goto done;
        }
        for (size_t f = 0; f < nf; f++) {
                int c = rd->col_of[f];

                if (c >= 0) {
                        cells[f] = (struct ingest_cell){
                            rd->header[c], r->fields[c].p, r->fields[c].n, 1, NULL, 0, 0};
                } else {
                        memset(&cells[f], 0, sizeof(cells[f]));
                }
        }
        if ((rc = csv_attributes(rd, &b->arena, &attrs)))
                goto done;
        if (ingest_convert(rd->kind, cells, attrs, &b->arena, &it->e, &e))
                rc = convert_failed(rd, b, it, &e);
done:
        if (rc)
                return cxg_error_set(err, rc, "%s",
                                     rc == CXG_ERR_NOMEM ? "out of memory" : cxg_strerror(rc));
        return CXG_OK;
}

/*
 * Turn one JSON value (a line of a file or an element of a batch) into the item it. Errors
 * are the row's; only out-of-memory is returned.
 */
static enum cxg_err json_item(enum ingest_kind kind, char *const *keys, json_t *v, struct batch *b,
                              struct item *it)
{
        struct ingest_cell cells[INGEST_MAX_FIELDS];
        struct cxg_error e;
        const char *attrs = NULL;
        const char **fcols;
        size_t nf;
        struct reader tmp;

        if (!json_is_object(v))
                return set_reason(b, it, "", "", "not a JSON object");
        ingest_fdefs(kind, &nf);
        cxg_error_clear(&e);
        if (ingest_json_cells(kind, v, (const char *const *)keys, &b->arena, cells, &attrs, &e)) {
                if (e.code == CXG_ERR_NOMEM)
                        return CXG_ERR_NOMEM;
                return set_reason(b, it, e.field, "", "%s", e.msg);
        }
        fcols = cxg_arena_alloc(&b->arena, nf * sizeof(*fcols));
        if (!fcols)
                return CXG_ERR_NOMEM;
        for (size_t f = 0; f < nf; f++)
                if (cells[f].name && !(fcols[f] = cxg_arena_strdup(&b->arena, cells[f].name)))
                        return CXG_ERR_NOMEM;
                else if (!cells[f].name)
                        fcols[f] = keys && keys[f] ? keys[f] : NULL;
        it->fcols = fcols;
        if (!ingest_convert(kind, cells, attrs, &b->arena, &it->e, &e))
                return CXG_OK;
        memset(&tmp, 0, sizeof(tmp));
        tmp.kind = kind;
        return convert_failed(&tmp, b, it, &e);
}

static enum cxg_err next_jsonl(struct reader *rd, struct batch *b, int *got, struct cxg_error *err)
{
        struct cxg_error e;
        struct item *it;
        enum cxg_err rc;
        json_error_t jerr;
        json_t *v;
        const char *p;
        size_t n;
        unsigned long failed;
        int g;

        cxg_error_clear(&e);
        rc = ingest_jsonl_next(&rd->jl, &p, &n, &g, &e);
        if (!rc && !g) {
                *got = 0;
                return CXG_OK;
        }
        *got = 1;
        if (!(it = batch_add(b)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        it->index = rd->index++;
        it->line = rd->jl.line;
        if (rc) {
                rc = set_reason(b, it, "", "", "%s", e.msg);
                goto done;
        }
        it->raw = p;
        it->raw_n = n;
        failed = cxg_alloc_failures();
        v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
        if (!v && json_oom(&jerr, failed)) {
                rc = CXG_ERR_NOMEM; /* not the line's fault: stop, never reject it */
                goto done;
        }
        if (!v) {
                rc = set_reason(b, it, "", "", "not valid JSON: %s (column %d)", jerr.text,
                                jerr.column);
                goto done;
        }
        rc = json_item(rd->kind, rd->keys, v, b, it);
        json_decref(v);
done:
        if (rc)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        return CXG_OK;
}

static uint64_t reader_pos(const struct reader *rd)
{
        const char *p = rd->format == INGEST_FMT_CSV ? rd->csv.pos : rd->jl.pos;

        return p && rd->data ? (uint64_t)(p - rd->data) : 0;
}

/* Fill b with up to max rows; *more is 0 at the end of the input. */
static enum cxg_err fill_batch(struct reader *rd, struct batch *b, size_t max, int *more,
                               struct cxg_error *err)
{
        enum cxg_err rc;
        int got = 1;

        batch_clear(b);
        while (b->n < max && b->arena.used < ARENA_FLUSH) {
                rc = rd->format == INGEST_FMT_CSV ? next_csv(rd, b, &got, err)
                                                  : next_jsonl(rd, b, &got, err);
                if (rc)
                        return rc;
                if (!got)
                        break;
        }
        *more = got;
        b->bytes_done = reader_pos(rd);
        return CXG_OK;
}

/* ---- the driver ---- */

struct run {
        struct reader *rd;
        struct writer *w;
        const struct ingest_opts *o;
        uint64_t total;
        double last_progress;
        /* two-thread handoff: the reader fills one batch while the writer writes the other */
        pthread_mutex_t mu;
        pthread_cond_t cv;
        struct batch *full; /* handed to the writer; NULL once written */
        int done;           /* the reader has handed over its last batch */
        int stop;           /* the writer failed */
        enum cxg_err wrc;
        struct cxg_error werr;
};

static void progress(struct run *r, const struct batch *b, int force)
{
        double t;

        if (!r->o->on_progress)
                return;
        t = now();
        if (!force && t - r->last_progress < 0.1)
                return;
        r->last_progress = t;
        r->o->on_progress(r->o->ctx, b->bytes_done, r->total, r->w->read);
}

static void *writer_main(void *arg)
{
        struct run *r = arg;

        for (;;) {
                struct batch *b;
                enum cxg_err rc;

                pthread_mutex_lock(&r->mu);
                while (!r->full && !r->done)
                        pthread_cond_wait(&r->cv, &r->mu);
                b = r->full;
                pthread_mutex_unlock(&r->mu);
                if (!b)
                        return NULL;
                rc = write_batch(r->w, b, &r->werr);
                if (!rc)
                        progress(r, b, 0);
                pthread_mutex_lock(&r->mu);
                r->full = NULL;
                if (rc) {
                        r->stop = 1;
                        r->wrc = rc;
                }
                pthread_cond_broadcast(&r->cv);
                pthread_mutex_unlock(&r->mu);
                if (rc)
                        return NULL;
        }
}

/* Read and write every batch on two threads. */
static enum cxg_err run_pipeline(struct run *r, size_t max, struct cxg_error *err)
{
        struct batch bs[2];
        pthread_t th;
        enum cxg_err rc = CXG_OK;
        int cur = 0, more = 1;

        batch_init(&bs[0]);
        batch_init(&bs[1]);
        cxg_error_clear(&r->werr);
        if (pthread_mutex_init(&r->mu, NULL)) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot create a mutex");
                goto out;
        }
        if (pthread_cond_init(&r->cv, NULL)) {
                pthread_mutex_destroy(&r->mu);
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot create a condition variable");
                goto out;
        }
        if (pthread_create(&th, NULL, writer_main, r)) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot start the writer thread");
                goto destroy;
        }
        while (more) {
                if ((rc = fill_batch(r->rd, &bs[cur], max, &more, err)))
                        break;
                pthread_mutex_lock(&r->mu);
                while (r->full && !r->stop)
                        pthread_cond_wait(&r->cv, &r->mu);
                if (r->stop) {
                        pthread_mutex_unlock(&r->mu);
                        break;
                }
                if (bs[cur].n)
                        r->full = &bs[cur];
                pthread_cond_broadcast(&r->cv);
                pthread_mutex_unlock(&r->mu);
                cur ^= 1;
        }
        pthread_mutex_lock(&r->mu);
        while (r->full && !r->stop)
                pthread_cond_wait(&r->cv, &r->mu);
        r->done = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(th, NULL);
        if (!rc && r->wrc) {
                rc = r->wrc;
                *err = r->werr;
        }
destroy:
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
out:
        batch_release(&bs[0]);
        batch_release(&bs[1]);
        return rc;
}

/* Read and write every batch on the calling thread. */
static enum cxg_err run_serial(struct run *r, size_t max, struct cxg_error *err)
{
        struct batch b;
        enum cxg_err rc = CXG_OK;
        int more = 1;

        batch_init(&b);
        while (more && !rc) {
                if ((rc = fill_batch(r->rd, &b, max, &more, err)))
                        break;
                if (b.n && !(rc = write_batch(r->w, &b, err)))
                        progress(r, &b, 0);
        }
        batch_release(&b);
        return rc;
}

static enum cxg_err detect_format(const char *path, enum ingest_format *f, char *delim,
                                  struct cxg_error *err)
{
        if (*f != INGEST_FMT_AUTO) {
                if (*f == INGEST_FMT_CSV && !*delim && ends_with(path, ".tsv"))
                        *delim = '\t';
                return CXG_OK;
        }
        if (ends_with(path, ".csv") || ends_with(path, ".tsv")) {
                *f = INGEST_FMT_CSV;
                if (!*delim && ends_with(path, ".tsv"))
                        *delim = '\t';
                return CXG_OK;
        }
        if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json")) {
                *f = INGEST_FMT_JSONL;
                return CXG_OK;
        }
        return cxg_error_setf(err, CXG_ERR_USAGE, "format",
                              "cannot tell the format of %s from its name (.csv, .tsv, .jsonl, "
                              ".ndjson or .json): give the format, csv or jsonl",
                             path);
}

enum cxg_err ingest_file(struct store *s, const char *path, const struct ingest_opts *o,
                         struct ingest_summary *out, struct cxg_error *err)
{
        struct reader rd;
        struct writer w;
        struct sink sink;
        struct run run;
        enum ingest_format fmt = o->format;
        char delim = o->delimiter;
        size_t max = o->batch ? o->batch : INGEST_BATCH_DEFAULT;
        void *map = NULL;
        size_t map_len = 0;
        struct stat st;
        enum cxg_err rc;
        double t0 = now();
        int fd = -1;

        memset(out, 0, sizeof(*out));
        out->kind = o->kind;
        out->dry_run = o->dry_run;
        reader_init(&rd);
        memset(&w, 0, sizeof(w));
        memset(&sink, 0, sizeof(sink));
        cxg_buf_init(&sink.line, 0);
        memset(&run, 0, sizeof(run));
        rd.kind = o->kind;
        rd.path = path;
        if ((int)o->kind < 0 || o->kind >= INGEST_KIND__COUNT) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "unknown kind");
                goto done;
        }
        if (max > INGEST_BATCH_MAX) {
                rc = cxg_error_setf(err, CXG_ERR_USAGE, "batch", "batch: at most %d rows",
                                    INGEST_BATCH_MAX);
                goto done;
        }
        if (!s && !o->dry_run) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "no database to import into");
                goto done;
        }
        if ((rc = detect_format(path, &fmt, &delim, err)) ||
            (rc = parse_map(o->kind, o->map, rd.keys, err)))
                goto done;
        rd.format = out->format = fmt;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                rc = cxg_error_set(err, errno == ENOENT ? CXG_ERR_NOTFOUND : CXG_ERR_IO,
                                   "cannot open %s: %s", path, strerror(errno));
                goto done;
        }
        if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
                rc = cxg_error_set(err, CXG_ERR_IO, "%s: not a regular file", path);
                goto done;
        }
        map_len = (size_t)st.st_size;
        if (map_len) {
                map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED) {
                        map = NULL;
                        rc = cxg_error_set(err, CXG_ERR_IO, "cannot map %s: %s", path,
                                           strerror(errno));
                        goto done;
                }
                madvise(map, map_len, MADV_SEQUENTIAL);
        }
        rd.data = map;
        rd.size = map_len;
        if (fmt == INGEST_FMT_CSV) {
                if ((rc =
                         ingest_csv_init(&rd.csv, path, map, map_len, delim, o->max_record, err)) ||
                    (rc = read_header(&rd, out, err)))
                        goto done;
        } else {
                ingest_jsonl_init(&rd.jl, path, map, map_len, o->max_record);
        }
        /* a stale rejects file of an earlier run would mislead */
        snprintf(sink.path, sizeof(sink.path), "%s.rejects.csv", path);
        if (unlink(sink.path) && errno != ENOENT) {
                rc = cxg_error_set(err, CXG_ERR_IO, "cannot remove the old %s: %s", sink.path,
                                   strerror(errno));
                goto done;
        }
        sink.in_path = path;
        sink.format = fmt;
        sink.delim = rd.csv.delim;
        sink.header = rd.header;
        sink.n_header = rd.n_header;
        sink.on_reject = o->on_reject;
        sink.ctx = o->ctx;
        w.s = s;
        w.kind = o->kind;
        w.dry_run = o->dry_run;
        w.sink = &sink;
        w.on_batch = o->on_batch;
        w.ctx = o->ctx;
        run.rd = &rd;
        run.w = &w;
        run.o = o;
        run.total = map_len;
        if (o->threads != 1 && map_len >= PIPELINE_MIN_BYTES)
                rc = run_pipeline(&run, max, err);
        else
                rc = run_serial(&run, max, err);
        if (!rc && o->on_progress)
                o->on_progress(o->ctx, map_len, map_len, w.read);
        if (rc && rc != CXG_ERR_USAGE) {
                char msg[sizeof(err->msg)];

                snprintf(msg, sizeof(msg), "%s", err->msg);
                if (o->dry_run)
                        cxg_error_set(err, rc, "%s (dry run: nothing was written)", msg);
                else
                        cxg_error_set(err, rc,
                                      "%s; the import stopped: %llu rows were committed before "
                                      "it, the batch in progress was rolled back",
                                      msg, (unsigned long long)w.committed);
        }
done:
        out->read = w.read;
        out->inserted = w.inserted;
        out->updated = w.updated;
        out->rejected = w.rejected;
        out->valid = w.valid;
        out->committed = w.committed;
        out->seconds = now() - t0;
        if (sink.f) {
                if (fclose(sink.f) && !rc)
                        rc = cxg_error_set(err, CXG_ERR_IO, "cannot write rejects file %s: %s",
                                           sink.path, strerror(errno));
                sink.f = NULL;
                snprintf(out->rejects_path, sizeof(out->rejects_path), "%s", sink.path);
        }
        sink_release(&sink);
        cxg_free(w.rows);
        cxg_free(w.row_item);
        reader_release(&rd);
        if (map)
                munmap(map, map_len);
        if (fd >= 0)
                close(fd);
        return rc;
}

enum cxg_err ingest_summary_json(const struct ingest_summary *sum, const char *path,
                                 struct cxg_buf *b)
{
        double rate = sum->seconds > 0 ? (double)sum->read / sum->seconds : 0;
        enum cxg_err rc;

        if ((rc = cxg_buf_puts(b, "{\"file\":")) ||
            (rc = cxg_buf_json_str(b, path ? path : "", path ? strlen(path) : 0)) ||
            (rc = cxg_buf_printf(b, ",\"kind\":\"%s\",\"format\":\"%s\",\"dry_run\":%s",
                                 ingest_kind_name(sum->kind),
                                 sum->format == INGEST_FMT_JSONL ? "jsonl" : "csv",
                                 sum->dry_run ? "true" : "false")) ||
            (rc =
                 cxg_buf_printf(b,
                                ",\"read\":%llu,\"imported\":%llu,\"updated\":%llu,"
                                "\"rejected\":%llu,\"valid\":%llu,\"seconds\":%.3f,"
                                "\"rows_per_second\":%.0f,\"rejects_file\":",
                                (unsigned long long)sum->read, (unsigned long long)sum->inserted,
                                (unsigned long long)sum->updated, (unsigned long long)sum->rejected,
                                (unsigned long long)sum->valid, sum->seconds, rate)))
                return rc;
        if (sum->rejects_path[0])
                rc = cxg_buf_json_str(b, sum->rejects_path, strlen(sum->rejects_path));
        else
                rc = cxg_buf_puts(b, "null");
        if (!rc)
                rc = cxg_buf_puts(b, ",\"ignored_columns\":");
        if (!rc)
                rc = cxg_buf_json_str(b, sum->ignored, strlen(sum->ignored));
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err ingest_json_batch(struct store *s, enum ingest_kind kind, const char *json, size_t len,
                               unsigned flags, struct ingest_row_error **errs, size_t *n_errs,
                               struct ingest_summary *out, struct cxg_error *err)
{
        struct writer w;
        struct sink sink;
        struct batch b;
        json_error_t jerr;
        json_t *arr = NULL;
        enum cxg_err rc = CXG_OK;
        double t0 = now();
        unsigned long failed;

        *errs = NULL;
        *n_errs = 0;
        memset(&w, 0, sizeof(w));
        memset(&sink, 0, sizeof(sink));
        cxg_buf_init(&sink.line, 0);
        batch_init(&b);
        if ((int)kind < 0 || kind >= INGEST_KIND__COUNT) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "unknown kind");
                goto done;
        }
        failed = cxg_alloc_failures();
        arr = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!arr && json_oom(&jerr, failed)) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                goto done;
        }
        if (!arr || !json_is_array(arr)) {
                rc = arr ? cxg_error_set(err, CXG_ERR_PARSE, "expected a JSON array of objects")
                         : cxg_error_set(err, CXG_ERR_PARSE,
                                         "not valid JSON: %s (line %d, column %d)", jerr.text,
                                         jerr.line, jerr.column);
                goto done;
        }
        for (size_t i = 0; i < json_array_size(arr); i++) {
                struct item *it = batch_add(&b);

                if (!it || json_item(kind, NULL, json_array_get(arr, i), &b, it)) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
                it->index = i;
                it->line = (long)i + 1;
        }
        sink.json_mode = 1;
        w.s = s;
        w.kind = kind;
        w.atomic = !(flags & INGEST_JSON_PARTIAL);
        w.sink = &sink;
        rc = write_batch(&w, &b, err);
        if (rc == CXG_ERR_INVALID)
                cxg_error_set(err, rc, "%zu of %zu rows are invalid: nothing was written",
                              sink.n_errs, b.n);
done:
        if (out) {
                memset(out, 0, sizeof(*out));
                out->kind = kind;
                out->read = w.read;
                out->inserted = w.inserted;
                out->updated = w.updated;
                out->rejected = w.rejected;
                out->valid = w.valid;
                out->committed = w.committed;
                out->seconds = now() - t0;
        }
        if (rc && rc != CXG_ERR_INVALID) {
                cxg_free(sink.errs);
        } else {
                *errs = sink.errs;
                *n_errs = sink.n_errs;
        }
        json_decref(arr);
        batch_release(&b);
        cxg_free(w.rows);
        cxg_free(w.row_item);
        sink_release(&sink);
        return rc;
}
