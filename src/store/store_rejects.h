/*
 * store_rejects.h: what the collection endpoints (docs/collect.md) keep beside the entities:
 * the events they rejected (table ingest_rejects, for the admin to review) and the messageIds
 * they stored per write key (table collect_seen), which make a client's retry a no-op.
 */
#ifndef CXG_STORE_REJECTS_H
#define CXG_STORE_REJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* One rejected event; strings borrowed (NULL: none). */
struct store_reject {
        int64_t at;             /* unix seconds it was received */
        const char *source;     /* "segment" */
        int64_t token_id;       /* the write key's token, 0: none */
        const char *message_id; /* the event's messageId */
        const char *kind;       /* track, identify, ... or NULL when unknown */
        const char *field;      /* the field at fault, or NULL */
        const char *reason;     /* required: why, in words the sender can act on */
        const char *payload;    /* the event as JSON text (capped by the caller), or NULL */
};

/* Append one reject (inside the caller's transaction, or as its own). */
enum cxg_err store_reject_add(struct store *s, const struct store_reject *r,
                              struct cxg_error *err) CXG_WUR;

/*
 * Record that token_id stored message_id at `at`: *dup = 0 when it is new (recorded now), 1
 * when it was stored before (nothing is written).
 */
enum cxg_err store_collect_seen(struct store *s, int64_t token_id, const char *message_id,
                                int64_t at, int *dup, struct cxg_error *err) CXG_WUR;
/* Forget that token_id stored message_id (its event was rejected after all). */
enum cxg_err store_collect_unsee(struct store *s, int64_t token_id, const char *message_id,
                                 struct cxg_error *err) CXG_WUR;

/* The external id of person_ext's account into out (capacity cap); CXG_ERR_NOTFOUND when there
 * is no such person. */
enum cxg_err store_collect_person_account(struct store *s, const char *person_ext, char *out,
                                          size_t cap, struct cxg_error *err) CXG_WUR;

#endif
