/*
 * import.c: file imports and JSON batches through the importer (src/ingest/import.h), each
 * with its audit record. A file import commits batch by batch, so its record is one more
 * transaction after the rows, never a reason to undo them; a JSON batch and its record are
 * one transaction.
 */
#include <string.h>

#include "app/import.h"
#include "core/banned.h"

/* The "ingest" record of kind with summary (stolen), inside the caller's transaction. */
static enum cxg_err audit_in_tx(const struct app_ctx *c, enum ingest_kind kind, json_t *summary,
                                struct cxg_error *err)
{
        enum cxg_err rc;

        if (!summary)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = app_audit(c, "ingest", ingest_kind_name(kind), NULL, summary, err);
        json_decref(summary);
        return rc;
}

/* One transaction holding the "ingest" record of kind with summary (stolen). */
static enum cxg_err audit_ingest(const struct app_ctx *c, enum ingest_kind kind, json_t *summary,
                                 struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err))) {
                json_decref(summary);
                return rc;
        }
        rc = audit_in_tx(c, kind, summary, err);
        rc = rc ? rc : store_commit(c->st, err);
        if (rc)
                store_rollback(c->st);
        return rc;
}

enum cxg_err app_import(const struct app_ctx *c, const char *path, const struct ingest_opts *o,
                        struct ingest_summary *sum, struct cxg_error *err)
{
        const char *base = strrchr(path, '/');
        enum cxg_err rc = ingest_file(c->st, path, o, sum, err);

        if (rc || o->dry_run || !c->st || sum->inserted + sum->updated == 0)
                return rc;
        return audit_ingest(c, o->kind,
                            json_pack("{s:s,s:I,s:I,s:I}", "file", base ? base + 1 : path,
                                      "inserted", (json_int_t)sum->inserted, "updated",
                                      (json_int_t)sum->updated, "rejected",
                                      (json_int_t)sum->rejected),
                            err);
}

enum cxg_err app_ingest_batch_tx(const struct app_ctx *c, enum ingest_kind kind, const char *json,
                                 size_t len, size_t pre_rejected, struct ingest_row_error **errs,
                                 size_t *n_errs, struct ingest_summary *sum, struct cxg_error *err)
{
        json_int_t accepted;
        enum cxg_err rc;

        rc = ingest_json_batch(c->st, kind, json, len, INGEST_JSON_PARTIAL | INGEST_JSON_NESTED,
                               errs, n_errs, sum, err);
        accepted = (json_int_t)(sum->inserted + sum->updated);
        if (rc || accepted == 0)
                return rc;
        return audit_in_tx(c, kind,
                           json_pack("{s:I,s:I,s:I,s:I}", "accepted", accepted, "inserted",
                                     (json_int_t)sum->inserted, "updated", (json_int_t)sum->updated,
                                     "rejected", (json_int_t)(pre_rejected + *n_errs)),
                           err);
}

enum cxg_err app_ingest_batch(const struct app_ctx *c, enum ingest_kind kind, const char *json,
                              size_t len, size_t pre_rejected, struct ingest_row_error **errs,
                              size_t *n_errs, struct ingest_summary *sum, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        rc = app_ingest_batch_tx(c, kind, json, len, pre_rejected, errs, n_errs, sum, err);
        rc = rc ? rc : store_commit(c->st, err);
        if (rc)
                store_rollback(c->st);
        return rc;
}
