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
 * Erase the personal data of the person with external id ext_id, inside the caller's
 * transaction (store_begin; call store_secure_delete before it, so freed space is zeroed):
 * the external id becomes "erased-<internal id>"; name, email, role and attributes are
 * removed; their interactions lose external ids and attributes, their feedback its comments
 * and topics (scores, times and channels stay, so aggregates are unchanged); objectives stop
 * naming them; linked login users are disabled and renamed, their sessions and tokens deleted;
 * audit entries about them keep their time, actor and action but their summary is redacted
 * (that is data about the person; recording the erasure itself is the caller's audit). The
 * id caches are dropped. CXG_ERR_NOTFOUND when there is no such person. report->
 * wal_frames_left is left 0: see store_wal_truncate, called after the commit.
 */
enum cxg_err store_person_erase(struct store *s, const char *ext_id,
                                struct store_erase_report *report, struct cxg_error *err) CXG_WUR;

/* PRAGMA secure_delete = ON for this handle: deleted content is overwritten with zeros. */
enum cxg_err store_secure_delete(struct store *s, struct cxg_error *err) CXG_WUR;

/*
 * Copy the WAL back into the database and truncate it, so no earlier version of rows stays
 * in the files. Call outside a transaction. A concurrent reader may keep frames: their number
 * in *frames_left (0: the WAL is empty).
 */
enum cxg_err store_wal_truncate(struct store *s, int *frames_left, struct cxg_error *err) CXG_WUR;

/* Retention: the most rows store_purge_chunk deletes at once (the write lock stays short). */
#define STORE_PURGE_CHUNK 50000

/* The number of interactions with ts before `before` (unix seconds) in *n. */
enum cxg_err store_interactions_before(struct store *s, int64_t before, int64_t *n,
                                       struct cxg_error *err) CXG_WUR;

/*
 * Delete at most STORE_PURGE_CHUNK interactions with ts before `before`, inside the caller's
 * transaction; the count in *n (less than STORE_PURGE_CHUNK: nothing is left to delete).
 * Other entities are kept: scores computed later no longer see the purged rows.
 */
enum cxg_err store_purge_chunk(struct store *s, int64_t before, int64_t *n,
                               struct cxg_error *err) CXG_WUR;

#endif
