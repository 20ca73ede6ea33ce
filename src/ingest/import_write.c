/*
 * import_write.c: the importer's writer: batches of converted rows, references resolved
 * against the store, one transaction per batch, and single rows rejected (into
 * FILE.rejects.csv or a JSON batch's error list) without losing the rest of the batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "ingest/import_int.h"

/* ---- batches ---- */

void ingest_batch_init(struct batch *b)
{
        memset(b, 0, sizeof(*b));
        cxg_arena_init(&b->arena, 1 << 20, 0);
}

void ingest_batch_release(struct batch *b)
{
        cxg_arena_release(&b->arena);
        cxg_free(b->items);
        memset(b, 0, sizeof(*b));
}

void ingest_batch_clear(struct batch *b)
{
        cxg_arena_clear(&b->arena);
        b->n = 0;
}

struct item *ingest_batch_add(struct batch *b)
{
        if (CXG_GROW(b->items, b->n + 1, b->cap, CXG_GROW_NOCAP))
                return NULL;
        memset(&b->items[b->n], 0, sizeof(b->items[0]));
        return &b->items[b->n++];
}

/* ---- rejects ---- */

void ingest_sink_release(struct sink *k)
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

                if (CXG_GROW(k->errs, k->n_errs + 1, k->cap_errs, CXG_GROW_NOCAP))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
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
const char *ingest_column_of(enum ingest_kind k, const struct item *it, const char *field)
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

/* Undo the batch: its transaction, or its savepoint in the caller's (INGEST_JSON_NESTED). */
static void tx_undo(struct writer *w)
{
        if (w->nested)
                store_savepoint_rollback(w->s);
        else
                store_rollback(w->s);
}

/*
 * Write one batch as one transaction (a savepoint when w->nested). Returns CXG_OK (rows may have
 * been rejected) or a failure that stops the import: the batch is then rolled back and nothing of
 * it counted.
 */
enum cxg_err ingest_write_batch(struct writer *w, struct batch *b, struct cxg_error *err)
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
                if ((rc = w->nested ? store_savepoint(w->s, err) : store_begin(w->s, err)))
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
                if ((rc = reject(w, it, e.field[0] ? ingest_column_of(w->kind, it, e.field) : "",
                                 e.field, e.msg, err)))
                        goto fail;
        }
        if (w->atomic && w->rejected > rej0) {
                if (tx)
                        tx_undo(w);
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
        if (tx && (rc = w->nested ? store_savepoint_release(w->s, err) : store_commit(w->s, err))) {
                tx = w->nested; /* a failed commit rolled back; a failed release did not */
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
                tx_undo(w);
        return rc ? rc : CXG_ERR_INTERNAL;
}
