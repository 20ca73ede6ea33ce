/*
 * privacy.c: person export and erasure, and the retention purge: the store does the data
 * access (src/store/privacy.c), this file the transactions and the audit records.
 */
#include <string.h>

#include "app/privacy.h"
#include "core/banned.h"
#include "core/parse.h"

enum cxg_err app_person_export(const struct app_ctx *c, const char *ext_id, struct cxg_buf *out,
                               struct cxg_error *err)
{
        return store_person_export(c->st, ext_id, out, err);
}

static json_t *erase_summary(const struct store_erase_report *r)
{
        return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "interactions", (json_int_t)r->interactions,
                         "feedback", (json_int_t)r->feedback, "objectives",
                         (json_int_t)r->objectives, "users", (json_int_t)r->users, "audit_redacted",
                         (json_int_t)r->audit, "mentions_redacted", (json_int_t)r->mentions);
}

enum cxg_err app_person_erase(const struct app_ctx *c, const char *ext_id,
                              struct store_erase_report *report, struct cxg_error *err)
{
        json_t *summary = NULL;
        enum cxg_err rc;

        memset(report, 0, sizeof(*report));
        if (strncmp(ext_id, "erased-", 7) == 0)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "id",
                                      "erase person: \"%.64s\" is already erased", ext_id);
        if ((rc = store_secure_delete(c->st, err)) || (rc = store_begin(c->st, err)))
                return rc;
        if ((rc = store_person_erase(c->st, ext_id, report, err)))
                goto fail;
        if (!(summary = erase_summary(report))) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                goto fail;
        }
        if ((rc = app_audit(c, "erase", "person", report->anon_id, summary, err)))
                goto fail;
        json_decref(summary);
        if ((rc = store_commit(c->st, err)))
                return rc;
        /* older versions of the rows may sit in the WAL: copy it back and empty it */
        return store_wal_truncate(c->st, &report->wal_frames_left, err);
fail:
        json_decref(summary);
        store_rollback(c->st);
        return rc;
}

/* The audit record of a purge, written in the transaction of its last chunk. */
static enum cxg_err audit_purge(const struct app_ctx *c, int64_t before, int64_t deleted,
                                struct cxg_error *err)
{
        char when[40];
        json_t *summary = json_pack("{s:s,s:I}", "before", cxg_time_format(before, when), "deleted",
                                    (json_int_t)deleted);
        enum cxg_err rc;

        if (!summary)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = app_audit(c, "purge", "interactions", NULL, summary, err);
        json_decref(summary);
        return rc;
}

enum cxg_err app_purge_interactions(const struct app_ctx *c, int64_t before, int dry_run,
                                    int64_t *deleted, struct cxg_error *err)
{
        enum cxg_err rc;
        int64_t n;

        *deleted = 0;
        if (dry_run)
                return store_interactions_before(c->st, before, deleted, err);
        if ((rc = store_secure_delete(c->st, err)))
                return rc;
        do {
                if ((rc = store_begin(c->st, err)))
                        return rc;
                if ((rc = store_purge_chunk(c->st, before, &n, err)))
                        goto fail;
                *deleted += n;
                if (n < STORE_PURGE_CHUNK && (rc = audit_purge(c, before, *deleted, err)))
                        goto fail;
                if ((rc = store_commit(c->st, err)))
                        return rc;
        } while (n == STORE_PURGE_CHUNK);
        return CXG_OK;
fail:
        store_rollback(c->st);
        return rc;
}
