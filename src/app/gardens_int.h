/*
 * gardens_int.h: what the garden operations of the use-case layer share (app/gardens*.c):
 * the operation's frame (context with the garden actor, transaction), the policy checks and the
 * ledger credits. Not for other layers.
 */
#ifndef CXG_APP_GARDENS_INT_H
#define CXG_APP_GARDENS_INT_H

#include "app/gardens.h"
#include "store/store_gardens.h"

/* One operation in progress: the context it audits with and its transaction. */
struct gop {
        struct app_ctx c; /* a copy of the caller's, actor = who->name */
        const struct garden_actor *who;
        int own; /* store_tx_open */
};

/* Start operation o for who (may be NULL: audits as the context's actor). */
enum cxg_err gop_begin(struct gop *o, const struct app_ctx *c, const struct garden_actor *who,
                       struct cxg_error *err) CXG_WUR;
/* Commit on rc == CXG_OK, else undo; returns the first failure. */
enum cxg_err gop_end(struct gop *o, enum cxg_err rc, struct cxg_error *err) CXG_WUR;
/* Audit action on entity id with summary (stolen; NULL on out of memory fails). */
enum cxg_err gop_audit(struct gop *o, const char *action, const char *entity, int64_t id,
                       json_t *summary, struct cxg_error *err) CXG_WUR;

/* Refuse unless who is staff (admin, analyst): "what: only an analyst or an admin ...". */
enum cxg_err gop_require_staff(const struct garden_actor *who, const char *what,
                               struct cxg_error *err) CXG_WUR;
/* Refuse unless who is staff or an accepted member of the garden; *mrole its member role. */
enum cxg_err gop_require_participant(struct gop *o, int64_t garden_id, const char *what, int *mrole,
                                     struct cxg_error *err) CXG_WUR;

/*
 * Credit `to` (a user; or person person_id without user when to is NULL) with `kind` for
 * cause (cause_type, cause_id) in garden_id (0: none): the points of the kind from the points
 * table, the team from to's membership, and an audit record "credit ledger".
 */
enum cxg_err gop_credit(struct gop *o, const struct garden_actor *to, int64_t person_id,
                        int64_t garden_id, int kind, const char *cause_type, int64_t cause_id,
                        const char *note, int64_t *id, struct cxg_error *err) CXG_WUR;

/*
 * Record result x (measured by the caller) for running idea idea_id, audited; staff only.
 * app_experiment_record measures and calls it; the demo seeding measures on its own panel.
 */
enum cxg_err app_experiment_record_measured(const struct app_ctx *c, const struct garden_actor *who,
                                            int64_t idea_id, const struct eng_garden_experiment *x,
                                            struct cxg_error *err) CXG_WUR;
/*
 * Roll idea_id out to the accounts ids (internal, n of them, resolved by the caller) of
 * segment at `at`; the checks and write of app_rollout_add.
 */
enum cxg_err app_rollout_write(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t idea_id, const char *segment, int64_t at, const int64_t *ids,
                               size_t n, const char *note, int64_t *id,
                               struct cxg_error *err) CXG_WUR;

/* Internal ids collected by gop_ids_cb from a store_id_cb scan (at most 1 << 22). */
struct gop_ids {
        int64_t *v;
        size_t n, cap;
};
enum cxg_err gop_ids_cb(void *ctx, int64_t id) CXG_WUR;

#endif
