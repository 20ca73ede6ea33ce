/*
 * import.h: importing rows, once for the CLI (`cxgarden import KIND FILE`: a file) and the
 * API (POST /api/v1/interactions and /feedback: a JSON batch), each followed by its audit
 * record "ingest" on the kind (accounts, people, interactions, ...) with the counts.
 */
#ifndef CXG_APP_IMPORT_H
#define CXG_APP_IMPORT_H

#include <stddef.h>

#include "app/app.h"
#include "ingest/import.h"

/*
 * Import the file at path as o->kind rows (ingest_file: many transactions of o->batch rows;
 * c->st may be NULL for a dry run without a database). When rows were written, one audit
 * record "ingest" follows the last batch, with {"file": base name, "inserted", "updated",
 * "rejected"}: the rows stay committed even when that record cannot be written (the error
 * is returned, err names it). Dry runs write nothing and are not audited.
 */
enum cxg_err app_import(const struct app_ctx *c, const char *path, const struct ingest_opts *o,
                        struct ingest_summary *sum, struct cxg_error *err) CXG_WUR;

/*
 * Write the valid rows of a JSON array (json, len bytes) as kind rows, with the audit record
 * "ingest" {"accepted", "inserted", "updated", "rejected"} when rows were accepted, inside the
 * transaction the caller has open on c->st (ingest_json_batch with INGEST_JSON_PARTIAL and
 * INGEST_JSON_NESTED; *errs and *n_errs as there). pre_rejected counts rows the front end
 * rejected before (lines that were not JSON). On an error (the audit record's too) the caller
 * undoes the transaction or its savepoint: rows and record commit together or not at all.
 */
enum cxg_err app_ingest_batch_tx(const struct app_ctx *c, enum ingest_kind kind, const char *json,
                                 size_t len, size_t pre_rejected, struct ingest_row_error **errs,
                                 size_t *n_errs, struct ingest_summary *sum,
                                 struct cxg_error *err) CXG_WUR;
/* app_ingest_batch_tx in a transaction of its own on c->st. */
enum cxg_err app_ingest_batch(const struct app_ctx *c, enum ingest_kind kind, const char *json,
                              size_t len, size_t pre_rejected, struct ingest_row_error **errs,
                              size_t *n_errs, struct ingest_summary *sum,
                              struct cxg_error *err) CXG_WUR;

#endif
