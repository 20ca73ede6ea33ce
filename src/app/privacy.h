/*
 * privacy.h: the right of access (export everything held about a person), the right to
 * erasure (erase a person's personal data) and retention (purge old interactions), each once
 * for the CLI and the API, with its audit record.
 */
#ifndef CXG_APP_PRIVACY_H
#define CXG_APP_PRIVACY_H

#include <stdint.h>

#include "app/app.h"
#include "core/buf.h"
#include "store/store_privacy.h"

/*
 * Append to out the export document of the person with external id ext_id (see
 * store_person_export). A read: nothing is written, nothing audited (an audit entry about the
 * person would change the next export). CXG_ERR_NOTFOUND when there is no such person.
 */
enum cxg_err app_person_export(const struct app_ctx *c, const char *ext_id, struct cxg_buf *out,
                               struct cxg_error *err) CXG_WUR;

/*
 * Erase the personal data of the person ext_id (store_person_erase) in one transaction with
 * secure_delete on, together with the audit entry "erase" on person <anonymous id> whose
 * summary holds only counts; then empty the WAL (report->wal_frames_left: what a concurrent
 * reader kept). CXG_ERR_NOTFOUND: no such person; CXG_ERR_CONFLICT: ext_id is already an
 * "erased-" id (err->field "id").
 */
enum cxg_err app_person_erase(const struct app_ctx *c, const char *ext_id,
                              struct store_erase_report *report, struct cxg_error *err) CXG_WUR;

/*
 * Retention: delete the interactions with ts before `before` (unix seconds), in transactions
 * of at most STORE_PURGE_CHUNK rows with secure_delete on; the last one also holds the audit
 * entry "purge" on interactions with the cut-off and the count. *deleted receives the count
 * (with dry_run: the count that would be deleted; nothing is written or audited).
 */
enum cxg_err app_purge_interactions(const struct app_ctx *c, int64_t before, int dry_run,
                                    int64_t *deleted, struct cxg_error *err) CXG_WUR;

#endif
