/*
 * import_read.c: the importer's reader: the format of a file, the column mapping (`map`
 * option: field=column), the CSV header, and CSV records or JSON lines converted into batches
 * of rows (rows that fail conversion carry their reason to the writer).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/parse.h"
#include "ingest/import_int.h"

/* ---- reading ---- */

void ingest_reader_init(struct reader *rd)
{
        memset(rd, 0, sizeof(*rd));
        cxg_arena_init(&rd->hdr, 0, 0);
        cxg_buf_init(&rd->attrs, (size_t)64 << 20);
        for (int f = 0; f < INGEST_MAX_FIELDS; f++)
                rd->col_of[f] = -1;
}

void ingest_reader_release(struct reader *rd)
{
        for (int f = 0; f < INGEST_MAX_FIELDS; f++)
                cxg_free(rd->keys[f]);
        ingest_csv_release(&rd->csv);
        cxg_arena_release(&rd->hdr);
        cxg_buf_release(&rd->attrs);
        cxg_free(rd->attr_cols);
        cxg_free(rd->attr_keys);
        cxg_jparser_free(rd->jp);
}

/* "field=column,..." into keys[]; usage errors name the bad part */
enum cxg_err ingest_parse_map(enum ingest_kind k, const char *map, char **keys,
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
                        return cxg_error_setf(err, CXG_ERR_USAGE, "map",
                                              "mapping: %s have no field '%.*s' (fields: %s)",
                                              ingest_kind_name(k), (int)fn, f,
                                              ingest_kind_fields(k));
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

enum cxg_err ingest_read_header(struct reader *rd, struct ingest_summary *sum,
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
        const char *column = e->field[0] ? ingest_column_of(rd->kind, it, e->field) : "";
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
        if (!(it = ingest_batch_add(b)))
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
enum cxg_err ingest_json_item(enum ingest_kind kind, char *const *keys, struct cxg_jval v,
                              struct batch *b, struct item *it)
{
        struct ingest_cell cells[INGEST_MAX_FIELDS];
        struct cxg_error e;
        const char *attrs = NULL;
        const char **fcols;
        size_t nf;
        struct reader tmp;

        if (cxg_jtype(v) != CXG_J_OBJECT)
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
        struct cxg_jval v;
        const char *p;
        size_t n;
        int g, column;

        cxg_error_clear(&e);
        rc = ingest_jsonl_next(&rd->jl, &p, &n, &g, &e);
        if (!rc && !g) {
                *got = 0;
                return CXG_OK;
        }
        *got = 1;
        if (!(it = ingest_batch_add(b)) || (!rd->jp && !(rd->jp = cxg_jparser_new())))
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        it->index = rd->index++;
        it->line = rd->jl.line;
        if (rc) {
                rc = set_reason(b, it, "", "", "%s", e.msg);
                goto done;
        }
        it->raw = p;
        it->raw_n = n;
        rc = cxg_jparse(rd->jp, p, n, &v, &e);
        if (rc == CXG_ERR_NOMEM)
                goto done; /* not the line's fault: stop, never reject it */
        if (rc) {
                const char *why = cxg_jparser_failure(rd->jp, NULL, &column);

                rc = set_reason(b, it, "", "", "not valid JSON: %s (column %d)", why, column);
                goto done;
        }
        rc = ingest_json_item(rd->kind, rd->keys, v, b, it);
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
enum cxg_err ingest_fill_batch(struct reader *rd, struct batch *b, size_t max, int *more,
                               struct cxg_error *err)
{
        enum cxg_err rc;
        int got = 1;

        ingest_batch_clear(b);
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

enum cxg_err ingest_detect_format(const char *path, enum ingest_format *f, char *delim,
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
