/*
 * store_privacy.h: what the store holds about one person, exported as JSON, and the erasure
 * of their personal data (the right of access and the right to erasure). Part of the storage
 * interface like store.h: a PostgreSQL backend implements the same functions.
 */
#ifndef CXG_STORE_PRIVACY_H
#define CXG_STORE_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/*
 * Append to out one JSON object with everything held about the person whose external id is
 * ext_id: "person" (profile with account, name, email, role, seniority, dates, attributes),
 * "interactions", "feedback" (with comments), "objectives" they are named in, "users" (login
 * accounts linked to them, without secrets) and "audit" (log entries about them), plus
 * "exported_at". Times are ISO 8601 UTC. CXG_ERR_NOTFOUND when there is no such person. out is
 * the caller's; on failure it may hold a partial object.
 */
enum cxg_err store_person_export(struct store *s, const char *ext_id, struct cxg_buf *out,
                                 struct cxg_error *err) CXG_WUR;

/* What an erasure changed. */
struct store_erase_report {
        char anon_id[64];     /* the person's external id from now on ("erased-<n>") */
        int64_t interactions; /* interactions detached from their id and attributes */
        int64_t feedback;     /* feedback whose comment and topic were removed */
        int64_t objectives;   /* objectives that no longer name the person */
        int64_t users;        /* login users disabled and renamed (sessions, tokens gone) */
        int64_t audit;        /* audit entries whose summary was redacted */
        int64_t
            mentions; /* alerts, tasks, webhook bodies, ideas, comments, ledger notes redacted */
        int wal_frames_left; /* WAL frames a reader kept from the checkpoint (0: none) */
};

/*
 * Erase the personal data of the person with external id ext_id, in one transaction with
 * SQLite's secure_delete on (freed space is zeroed): the external id becomes
 * "erased-<internal id>"; name, email, role and attributes are removed; their interactions
 * lose external ids and attributes, their feedback its comments and topics (scores, times and
 * channels stay, so aggregates are unchanged); objectives stop naming them; linked login users
 * are disabled and renamed, their sessions and tokens deleted; audit entries about them keep
 * their time, actor and action but their summary is redacted. An audit entry "erase" by actor
 * is added that names only the anonymous id. Then the WAL is checkpointed and truncated, so
 * no earlier version of the rows stays in the files (a concurrent reader may delay that:
 * report->wal_frames_left). CXG_ERR_NOTFOUND when there is no such person; erasing an
 * "erased-" id again is CXG_ERR_CONFLICT.
 */
enum cxg_err store_person_erase(struct store *s, const char *ext_id, const char *actor,
                                struct store_erase_report *report, struct cxg_error *err) CXG_WUR;

/*
 * Retention: delete the interactions with ts before `before` (unix seconds), in transactions of
 * at most 50,000 rows (so a long purge never holds the write lock for long and a crash keeps
 * what was done), with secure_delete on. *deleted receives the count (with dry_run: the count
 * that would be deleted, nothing written). An audit entry "purge" by actor records the cut-off
 * and the count. Other entities are kept: scores computed later no longer see the purged rows.
 */
enum cxg_err store_purge_interactions(struct store *s, int64_t before, int dry_run,
                                      const char *actor, int64_t *deleted,
                                      struct cxg_error *err) CXG_WUR;

#endif
