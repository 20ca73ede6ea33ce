/*
 * store_changes.h: the change log. Every committed insert, update, delete and erasure of a
 * table the engine snapshots (accounts, people, subscriptions, interactions, feedback,
 * interaction types, capabilities, objectives) is one row of the log, written in the same
 * transaction as the change, from any process using the store (a CLI import, a server,
 * another server on the same database). seq is commit order: SQLite has one writer at a
 * time, so the seq a transaction takes is after every seq of transactions committed before
 * it (ids are not commit order in general, and never under the PostgreSQL backend).
 *
 * Consumers (the engine's applier, a persisted snapshot's replay) remember the last seq they
 * applied and read the rows after it. Bulk inserts are one row per statement batch with a
 * range of ids (id_lo..id_hi); other changes name one row (id_lo == id_hi).
 */
#ifndef CXG_STORE_CHANGES_H
#define CXG_STORE_CHANGES_H

#include <stdint.h>

#include "store/store.h"

/* What changed: the table (values are stored in changes.entity; never renumber). */
enum store_change_entity {
        STORE_E_ACCOUNT = 1,
        STORE_E_PERSON = 2,
        STORE_E_SUBSCRIPTION = 3,
        STORE_E_INTERACTION = 4,
        STORE_E_FEEDBACK = 5,
        STORE_E_TYPE = 6,
        STORE_E_CAPABILITY = 7,
        STORE_E_OBJECTIVE = 8,
};

/* How it changed (stored in changes.op; never renumber). */
enum store_change_op {
        STORE_OP_INSERT = 1,
        STORE_OP_UPDATE = 2,
        STORE_OP_DELETE = 3,
        STORE_OP_ERASE = 4, /* a person's erasure (privacy): their rows are gone */
};

struct store_change {
        int64_t seq;
        int64_t at; /* unix seconds of the write */
        int entity; /* enum store_change_entity */
        int op;     /* enum store_change_op */
        int64_t id_lo, id_hi;
        int64_t account_id; /* the account concerned, or 0 when none or unknown */
};

typedef enum cxg_err (*store_change_cb)(void *ctx, const struct store_change *c);

/*
 * Record a change inside the open transaction (CXG_ERR_INTERNAL outside one). Store write
 * functions call it; nothing above the store needs to.
 */
enum cxg_err store_change_note(struct store *s, int entity, int op, int64_t id_lo, int64_t id_hi,
                               int64_t account_id, struct cxg_error *err) CXG_WUR;

/* The changes with seq > after, in seq order, at most limit of them (0: all). */
enum cxg_err store_changes_scan(struct store *s, int64_t after, size_t limit, store_change_cb cb,
                                void *ctx, struct cxg_error *err) CXG_WUR;
/* The newest committed seq into *seq (0 when the log is empty). */
enum cxg_err store_changes_head(struct store *s, int64_t *seq, struct cxg_error *err) CXG_WUR;
/*
 * The seq before the oldest retained change into *seq: a consumer that applied up to at
 * least this seq can catch up from the log; one behind it must reload from the tables.
 */
enum cxg_err store_changes_floor(struct store *s, int64_t *seq, struct cxg_error *err) CXG_WUR;
/* Drop the changes written before unix time before, keeping the newest one (the head). */
enum cxg_err store_changes_prune(struct store *s, int64_t before, struct cxg_error *err) CXG_WUR;
/* The store's identity (32 hex digits, fixed when the database was created) into out. */
enum cxg_err store_identity(struct store *s, char *out, size_t cap, struct cxg_error *err) CXG_WUR;

#endif
