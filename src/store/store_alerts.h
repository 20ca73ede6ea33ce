/*
 * store_alerts.h: early-warning alerts, the tasks they become, webhooks and the queue of
 * webhook deliveries (tables of migration 2). Alerts are deduplicated: while an alert with a
 * dedup key is open or acknowledged, recording the same key updates it instead of adding one.
 * Webhook deliveries are queued in the same transaction as the alert they carry, so a crash
 * never loses one and the code that records alerts never waits on the network.
 */
#ifndef CXG_STORE_ALERTS_H
#define CXG_STORE_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define STORE_ALERTS_MAX_LIMIT 500

/* An alert row. Strings are borrowed: from the caller on writes, valid during a callback on reads.
 */
struct store_alert {
        int64_t id;
        const char *kind;     /* erosion_behind_growth, experience_degradation, ... */
        const char *severity; /* low, medium, high, critical */
        const char *subject_type, *subject, *dedup_key, *summary;
        const char *evidence; /* JSON object text */
        int64_t first_seen, last_seen, created_at;
        const char *status; /* open, acknowledged, resolved, dismissed */
        const char *status_reason, *status_by;
        int64_t status_at;      /* CXG_TS_NONE when never changed */
        const char *account_id; /* external account id, or NULL */
        const char *person_id;  /* stakeholder concerned, or NULL */
        int64_t occurrences;    /* detector runs that saw it */
        int64_t task_id;        /* the task it became, 0 when none (reads only) */
};

/* How store_alert_record ended. */
enum store_alert_how {
        STORE_ALERT_NEW = 1,        /* inserted (webhooks queued with event alert.created) */
        STORE_ALERT_SEEN = 2,       /* an open or acknowledged alert with the key was updated */
        STORE_ALERT_ESCALATED = 3,  /* ... and its severity rose (queued alert.escalated) */
        STORE_ALERT_SUPPRESSED = 4, /* dismissed recently: nothing written */
};

/*
 * Record a detector's finding at time now inside the open transaction (or as its own). When
 * an open or acknowledged alert has a->dedup_key, update its last_seen, severity, summary and
 * evidence and count one more occurrence (first_seen keeps the earlier value). Else, when an
 * alert with the key was dismissed less than suppress_s seconds before now, write nothing.
 * Else insert a new open alert and queue one delivery per enabled webhook whose filter takes
 * it. *id receives the alert's id (the dismissed one when suppressed), *how the outcome.
 * a->account_id, when given, must name an account (CXG_ERR_NOTFOUND otherwise).
 */
enum cxg_err store_alert_record(struct store *s, const struct store_alert *a, int64_t now,
                                int64_t suppress_s, int64_t *id, int *how,
                                struct cxg_error *err) CXG_WUR;

/* A list request; every filter is optional (NULL or 0: none). Newest first. */
struct store_alert_filter {
        const char *status; /* one status, or "live" for open + acknowledged */
        const char *kind;
        const char *account_id; /* external */
        const char *min_severity;
        int64_t before_id; /* cursor: only ids below it (0: from the newest) */
        int64_t id;        /* exactly this alert */
        int limit;         /* 1..STORE_ALERTS_MAX_LIMIT, 0: 100 */
};

typedef enum cxg_err (*store_alert_cb)(void *ctx, const struct store_alert *a);

/* Call cb for each alert matching f, newest first. A non-zero return of cb stops the list. */
enum cxg_err store_alerts_list(struct store *s, const struct store_alert_filter *f,
                               store_alert_cb cb, void *ctx, struct cxg_error *err) CXG_WUR;

/*
 * Change an alert's status to open, acknowledged, resolved or dismissed at time now, by actor
 * (a user name), with reason (required, non-empty, for dismissed). CXG_ERR_NOTFOUND when the
 * alert does not exist; CXG_ERR_INVALID for an unknown status or a dismissal without reason;
 * CXG_ERR_CONFLICT when reopening would duplicate a live alert with the same key.
 */
enum cxg_err store_alert_set_status(struct store *s, int64_t id, const char *status,
                                    const char *reason, const char *actor, int64_t now,
                                    struct cxg_error *err) CXG_WUR;

/* Counts of alerts per status (open, acknowledged, resolved, dismissed). */
struct store_alert_counts {
        int64_t open, acknowledged, resolved, dismissed;
};
enum cxg_err store_alerts_count(struct store *s, struct store_alert_counts *out,
                                struct cxg_error *err) CXG_WUR;

/* ---- tasks ---- */

struct store_task {
        int64_t id;
        int64_t alert_id;       /* 0: none */
        const char *account_id; /* external, or NULL */
        const char *account_name;
        const char *person_id; /* the stakeholder to reconnect with, or NULL */
        const char *owner, *title;
        int64_t due_at;     /* CXG_TS_NONE: none */
        const char *status; /* open, in_progress, done, cancelled */
        const char *notes, *outcome;
        const char *action; /* call, meeting, email, fix, offer, other; NULL until done */
        int64_t created_at, updated_at, resolved_at;
        double health_before, health_after; /* NAN when unknown */
        int64_t health_after_at;
        int reconnected;        /* 1/0 once judged, -1 unknown */
        const char *alert_kind; /* reads: the alert's kind, or NULL */
};

/*
 * Create a task at time now (status open). owner and title are required; a given account must
 * exist (CXG_ERR_NOTFOUND). At most one task per alert (CXG_ERR_CONFLICT).
 */
enum cxg_err store_task_create(struct store *s, const struct store_task *t, int64_t now,
                               int64_t *id, struct cxg_error *err) CXG_WUR;

struct store_task_filter {
        const char *owner, *status, *account_id; /* NULL: any */
        int64_t id;                              /* 0: any */
        int64_t after_id;                        /* cursor, oldest first */
        int limit;                               /* 1..STORE_ALERTS_MAX_LIMIT, 0: 100 */
};

typedef enum cxg_err (*store_task_cb)(void *ctx, const struct store_task *t);

/* Call cb for each task matching f, oldest first (open work in the order it came). */
enum cxg_err store_tasks_list(struct store *s, const struct store_task_filter *f, store_task_cb cb,
                              void *ctx, struct cxg_error *err) CXG_WUR;

/* A change to a task; NULL / CXG_TS_NONE / NAN fields keep their value. */
struct store_task_change {
        const char *status, *notes, *outcome, *action, *owner;
        int64_t due_at;
        double health_before;
};

/* Fill c with "keep everything". */
void store_task_change_init(struct store_task_change *c);

/*
 * Apply c to task id at time now. Moving to done needs an action (given now or before:
 * CXG_ERR_INVALID with field "action" otherwise) and sets resolved_at; leaving done clears it
 * and the follow-up. Unknown status or action: CXG_ERR_INVALID naming the field.
 * CXG_ERR_NOTFOUND when there is no such task.
 */
enum cxg_err store_task_update(struct store *s, int64_t id, const struct store_task_change *c,
                               int64_t now, struct cxg_error *err) CXG_WUR;

/*
 * Tasks done at or before now - follow_s whose follow-up (health after) is still unknown,
 * oldest first: the engine judges them and calls store_task_set_followup.
 */
enum cxg_err store_tasks_due_followup(struct store *s, int64_t now, int64_t follow_s,
                                      store_task_cb cb, void *ctx, struct cxg_error *err) CXG_WUR;

/* Record a task's follow-up: health after (NAN unknown) as of at, reconnected 1/0/-1. */
enum cxg_err store_task_set_followup(struct store *s, int64_t id, double health_after, int64_t at,
                                     int reconnected, struct cxg_error *err) CXG_WUR;

/* What one kind of action achieved, over done tasks. */
struct store_task_outcome {
        const char *action;
        int64_t done;         /* tasks done with this action */
        int64_t followed;     /* of which with a health after */
        double health_change; /* mean health after - before over those, NAN when none */
        int64_t reconnect_n;  /* tasks about a silent stakeholder judged for reconnection */
        int64_t reconnected;  /* of which the stakeholder came back */
};

typedef enum cxg_err (*store_task_outcome_cb)(void *ctx, const struct store_task_outcome *o);

/* One row per action of done tasks, by action name. */
enum cxg_err store_task_outcomes(struct store *s, store_task_outcome_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;

/* ---- webhooks ---- */

struct store_webhook {
        int64_t id;
        const char *url, *secret;
        int64_t created_at;
        int disabled;
        const char *kinds;                  /* comma-separated alert kinds, NULL: all */
        const char *min_severity;           /* NULL: all */
        int64_t delivered, pending, failed; /* reads: delivery counts */
};

/* Register a webhook (url http:// or https://, secret non-empty). */
enum cxg_err store_webhook_add(struct store *s, const struct store_webhook *w, int64_t now,
                               int64_t *id, struct cxg_error *err) CXG_WUR;
typedef enum cxg_err (*store_webhook_cb)(void *ctx, const struct store_webhook *w);
/* Every webhook by id (id 0), or the one with id. */
enum cxg_err store_webhooks_list(struct store *s, int64_t id, store_webhook_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;
/* Enable (disabled 0) or disable (1) a webhook; CXG_ERR_NOTFOUND when absent. */
enum cxg_err store_webhook_set_disabled(struct store *s, int64_t id, int disabled,
                                        struct cxg_error *err) CXG_WUR;
/* Delete a webhook and its delivery records; CXG_ERR_NOTFOUND when absent. */
enum cxg_err store_webhook_delete(struct store *s, int64_t id, struct cxg_error *err) CXG_WUR;

/* A queued delivery, with what is needed to send it. */
struct store_delivery {
        int64_t id, webhook_id, alert_id;
        const char *event; /* alert.created, alert.escalated, alert.test */
        const char *body;  /* the JSON to POST, fixed at queue time (signatures stay valid) */
        const char *url, *secret;
        int attempt;        /* attempts made so far */
        const char *status; /* pending, delivered, failed */
        int64_t next_at, created_at, delivered_at;
        const char *last_error;
        int last_status; /* HTTP status of the last attempt, 0 none */
};

typedef enum cxg_err (*store_delivery_cb)(void *ctx, const struct store_delivery *d);

/* Pending deliveries with next_at <= now of enabled webhooks, oldest first, at most limit. */
enum cxg_err store_deliveries_due(struct store *s, int64_t now, int limit, store_delivery_cb cb,
                                  void *ctx, struct cxg_error *err) CXG_WUR;
/* Deliveries of one webhook (0: all), newest first, at most limit. */
enum cxg_err store_deliveries_list(struct store *s, int64_t webhook_id, int limit,
                                   store_delivery_cb cb, void *ctx, struct cxg_error *err) CXG_WUR;
/*
 * Record an attempt: delivered (ok = 1) at now; or failed with error text and HTTP status,
 * retried at next_at, or given up (next_at CXG_TS_NONE: status failed).
 */
enum cxg_err store_delivery_result(struct store *s, int64_t id, int ok, int http_status,
                                   const char *error, int64_t now, int64_t next_at,
                                   struct cxg_error *err) CXG_WUR;
/* Queue a test delivery (event alert.test) to one webhook with the given body. */
enum cxg_err store_delivery_queue_test(struct store *s, int64_t webhook_id, const char *body,
                                       int64_t now, int64_t *id, struct cxg_error *err) CXG_WUR;

#endif
