/*
 * store.h: the storage interface. Only src/store/ knows SQL; every other layer reads and
 * writes through these functions, so a PostgreSQL backend can sit beside SQLite without
 * touching ingest/, engine/ or api/.
 *
 * Entities are identified by the user's external ids; the store assigns internal integer
 * ids (stable, never reused) that the engine uses for its columns. A store handle is used by
 * one thread at a time; open one handle per thread (SQLite WAL lets readers run beside the
 * one writer).
 */
#ifndef CXG_STORE_H
#define CXG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct store;

#define STORE_READONLY 0x1u /* open without writing; fails if the file does not exist */

/* How an upsert ended. */
enum store_put { STORE_INSERTED = 1, STORE_UPDATED = 2 };

/*
 * Open (creating when needed) the database at path and bring its schema up to date with the
 * versioned migrations. WAL, foreign keys and a busy timeout are set; writes are durable
 * against a crash of the process, not of the machine, until store_set_durability(s, 1).
 * *out is owned by the caller and closed with store_close().
 * With STORE_READONLY nothing is written: a missing file is CXG_ERR_NOTFOUND and a database
 * whose schema is older than this binary's is refused (it is migrated by a read-write open).
 * A database written by a newer cxgarden, or a file that is not a cxgarden database, is
 * refused in both modes.
 */
enum cxg_err store_open(const char *path, unsigned flags, struct store **out,
                        struct cxg_error *err) CXG_WUR;
/* 1 when path is a PostgreSQL address (postgres:// or postgresql://), 0 for an SQLite path. */
int store_is_pg_url(const char *path);
/* Close the handle (a pending transaction is rolled back). NULL is fine. */
void store_close(struct store *s);
/* Schema version of the open database. */
int store_schema_version(struct store *s);
/* The schema version this binary brings databases to (the number of migrations). */
int store_schema_latest(void);
/* The path the handle was opened with (owned by the handle), for messages. */
const char *store_path(const struct store *s);
/*
 * Durability of commits: full = 0 (the default, SQLite synchronous=NORMAL in WAL mode: a
 * commit survives a crash of the process; a power loss may lose the last commits, never
 * corrupt the file), full = 1 (synchronous=FULL: every commit is on disk when it returns,
 * several times slower for small transactions). Call outside a transaction.
 * PostgreSQL: full = 0 keeps the server's synchronous_commit (on by default: a commit is in the
 * server's WAL on disk when it returns); full = 1 sets synchronous_commit = on for the session,
 * so commits are flushed even where the server's default is lower.
 */
enum cxg_err store_set_durability(struct store *s, int full, struct cxg_error *err) CXG_WUR;

/* Start a write transaction (BEGIN IMMEDIATE: waits for other writers up to the timeout). */
enum cxg_err store_begin(struct store *s, struct cxg_error *err) CXG_WUR;
/* Commit it. A failure leaves nothing written (the transaction is rolled back). */
enum cxg_err store_commit(struct store *s, struct cxg_error *err) CXG_WUR;
/* Roll back the open transaction, if any, and forget ids cached during it. */
void store_rollback(struct store *s);
/* Savepoints inside a transaction, so one bad row can be undone without losing the batch. */
enum cxg_err store_savepoint(struct store *s, struct cxg_error *err) CXG_WUR;
enum cxg_err store_savepoint_release(struct store *s, struct cxg_error *err) CXG_WUR;
void store_savepoint_rollback(struct store *s);
/*
 * One operation's transaction: a transaction, or a savepoint when the caller has one open
 * (demo seeding, a batch, tests). *own says which; pass it and the operation's result to
 * store_tx_close, which commits (or releases) on CXG_OK and undoes otherwise, and returns the
 * first failure.
 */
enum cxg_err store_tx_open(struct store *s, int *own, struct cxg_error *err) CXG_WUR;
enum cxg_err store_tx_close(struct store *s, int own, enum cxg_err rc,
                            struct cxg_error *err) CXG_WUR;

/*
 * Upserts by external id: an existing row is updated (fields that are absent in the input
 * keep their stored value; attributes are merged into the stored object with an RFC 7386
 * JSON merge patch, so a key given as null is removed), a new one inserted. The entity is
 * validated with model_*_validate first; attributes must be a JSON object. *id receives the
 * internal id and *how STORE_INSERTED or STORE_UPDATED (either may be NULL). References to
 * other entities by external id must exist: CXG_ERR_NOTFOUND with err->field naming the
 * reference otherwise ("unknown account \"A-17\" (import accounts first)"). Feedback and
 * objectives take the account of their person when account_id is NULL; a given account that
 * is not the person's is CXG_ERR_INVALID. A person's seniority of -1 is derived from the role
 * (model_seniority_from_title), or kept when the role is absent too. An account's churned flag
 * is set by churned_at or churned = 1; churned = 0 without churned_at clears flag and date.
 * Lists (objective capabilities, capability plans and interaction types) given as NULL keep
 * the stored list.
 */
enum cxg_err store_put_account(struct store *s, const struct account *a, int64_t *id, int *how,
                               struct cxg_error *err) CXG_WUR;
enum cxg_err store_put_person(struct store *s, const struct person *p, int64_t *id, int *how,
                              struct cxg_error *err) CXG_WUR;
/* Subscriptions are keyed by (account_id, started_at). */
enum cxg_err store_put_subscription(struct store *s, const struct subscription *sub, int64_t *id,
                                    int *how, struct cxg_error *err) CXG_WUR;
/* Feedback without an id is always inserted. */
enum cxg_err store_put_feedback(struct store *s, const struct feedback *f, int64_t *id, int *how,
                                struct cxg_error *err) CXG_WUR;
enum cxg_err store_put_objective(struct store *s, const struct objective *o, int64_t *id, int *how,
                                 struct cxg_error *err) CXG_WUR;
enum cxg_err store_put_capability(struct store *s, const struct capability *c, int64_t *id,
                                  int *how, struct cxg_error *err) CXG_WUR;

/* One interaction with references already resolved to internal ids (the fast path). */
struct store_interaction {
        int64_t id;             /* internal id: set by scans, ignored by puts */
        int64_t person_id;      /* internal */
        int64_t account_id;     /* internal */
        int64_t ts;             /* unix seconds */
        int64_t duration_ms;    /* -1 when absent */
        double value;           /* NAN when absent */
        int32_t type_id;        /* from store_type_id() */
        uint8_t channel;        /* enum cxg_channel */
        uint8_t outcome;        /* enum cxg_outcome */
        const char *ext_id;     /* optional external id (upsert key); NULL inserts */
        const char *attributes; /* JSON object text or NULL */
};

/*
 * Write n interactions inside the open transaction (outside one, the call is its own
 * transaction). Rows with an ext_id that exists already are updated: duration_ms, value and
 * outcome absent in the row (-1, NAN, CXG_OUT_NONE) keep the stored value and attributes are
 * merged into the stored ones. Counts of inserted and updated rows are added to *inserted and
 * *updated (either may be NULL). The batch is all or nothing: on failure none of its rows is
 * written and err->line is the 1-based position in rows of the row that failed (err->field
 * names its field when a value was refused). attributes must be JSON object text; the
 * referenced ids come from store_person_ref/store_account_ref/store_type_id and are not
 * checked again on this hot path.
 */
enum cxg_err store_put_interactions(struct store *s, const struct store_interaction *rows, size_t n,
                                    size_t *inserted, size_t *updated,
                                    struct cxg_error *err) CXG_WUR;

/* Internal id of an interaction type name, creating it when new (cached in the handle). */
enum cxg_err store_type_id(struct store *s, const char *name, size_t n, int32_t *id,
                           struct cxg_error *err) CXG_WUR;
/* Internal ids of a person (and the person's account) from the external id; cached. */
enum cxg_err store_person_ref(struct store *s, const char *ext_id, size_t n, int64_t *person_id,
                              int64_t *account_id, struct cxg_error *err) CXG_WUR;
/* Internal id of an account from its external id; cached. */
enum cxg_err store_account_ref(struct store *s, const char *ext_id, size_t n, int64_t *account_id,
                               struct cxg_error *err) CXG_WUR;

struct store_counts {
        int64_t accounts, people, subscriptions, interactions, feedback, objectives, capabilities,
            interaction_types;
};

/* Row counts per entity. */
enum cxg_err store_counts(struct store *s, struct store_counts *out, struct cxg_error *err) CXG_WUR;

/*
 * Scans for the engine's snapshot. Each calls cb once per row in internal-id order; strings
 * in the row are valid only during the call. A callback returning non-zero stops the scan,
 * and that value is returned. after_id lets a caller read only rows added since its last
 * scan (0: all rows). In the entity passed, references are external ids (a person's
 * account_id, a feedback's person_id and account_id, ...) and the internal ids are the
 * callback's arguments; an objective without a person has person_id 0 and o->person_id NULL.
 * Objective capabilities and capability plans/interaction_types are non-NULL arrays (possibly
 * of length 0). Callback failures are returned as they are; err is then not touched.
 */
typedef enum cxg_err (*store_account_cb)(void *ctx, int64_t id, const struct account *a);
typedef enum cxg_err (*store_person_cb)(void *ctx, int64_t id, int64_t account_id,
                                        const struct person *p);
typedef enum cxg_err (*store_subscription_cb)(void *ctx, int64_t id, int64_t account_id,
                                              const struct subscription *sub);
typedef enum cxg_err (*store_interaction_cb)(void *ctx, const struct store_interaction *row);
typedef enum cxg_err (*store_feedback_cb)(void *ctx, int64_t id, int64_t person_id,
                                          int64_t account_id, const struct feedback *f);
typedef enum cxg_err (*store_type_cb)(void *ctx, int32_t id, const char *name);
typedef enum cxg_err (*store_objective_cb)(void *ctx, int64_t id, int64_t account_id,
                                           int64_t person_id, const struct objective *o);
typedef enum cxg_err (*store_capability_cb)(void *ctx, int64_t id, const struct capability *c);

enum cxg_err store_scan_accounts(struct store *s, int64_t after_id, store_account_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_people(struct store *s, int64_t after_id, store_person_cb cb, void *ctx,
                               struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_subscriptions(struct store *s, int64_t after_id, store_subscription_cb cb,
                                      void *ctx, struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_interactions(struct store *s, int64_t after_id, store_interaction_cb cb,
                                     void *ctx, struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_feedback(struct store *s, int64_t after_id, store_feedback_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_types(struct store *s, store_type_cb cb, void *ctx,
                              struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_objectives(struct store *s, store_objective_cb cb, void *ctx,
                                   struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_capabilities(struct store *s, store_capability_cb cb, void *ctx,
                                     struct cxg_error *err) CXG_WUR;
/*
 * The rows with lo <= id <= hi, in id order (the change log's ranges, store_changes.h); people
 * as store_scan_people gives them.
 */
enum cxg_err store_scan_accounts_range(struct store *s, int64_t lo, int64_t hi, store_account_cb cb,
                                       void *ctx, struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_people_range(struct store *s, int64_t lo, int64_t hi, store_person_cb cb,
                                     void *ctx, struct cxg_error *err) CXG_WUR;
enum cxg_err store_scan_interactions_range(struct store *s, int64_t lo, int64_t hi,
                                           store_interaction_cb cb, void *ctx,
                                           struct cxg_error *err) CXG_WUR;

/* Small key/value settings kept in the database (e.g. "generator.seed"). */
enum cxg_err store_meta_set(struct store *s, const char *key, const char *value,
                            struct cxg_error *err) CXG_WUR;
/* Copy the value into out (capacity cap); CXG_ERR_NOTFOUND when absent. */
enum cxg_err store_meta_get(struct store *s, const char *key, char *out, size_t cap,
                            struct cxg_error *err) CXG_WUR;

#endif
