/*
 * alerts.h: the use-case operations of early warning and the closed loop: run the detectors
 * and store what they found (alerts, tasks, follow-ups), change an alert's status, update a
 * task, and manage webhooks. Each write runs in one transaction with its audit record
 * (app_audit). The CLI and the API call these and render the results with view_alerts.h.
 */
#ifndef CXG_APP_ALERTS_H
#define CXG_APP_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "engine/detect.h"
#include "store/store_alerts.h"

struct eng_engine;
struct eng_scores;
struct eng_snapshot;

/* ---- detection ---- */

/* How one detection cycle runs; app_detect_opts_init gives the defaults. */
struct app_detect_opts {
        struct eng_detect_params params; /* thresholds of the detectors */
        const char *default_owner;       /* task owner on accounts without one ("cx-queue") */
        double suppress_days;            /* a dismissed alert stays quiet this long (30) */
        double follow_days;              /* tasks done this long ago are followed up (30) */
        int tasks;                       /* 1: new account alerts become tasks (default) */
        unsigned kinds;                  /* ENG_DETECT_BIT() of the detectors (all) */
        int64_t at;                      /* as of (CXG_TS_NONE: the engine's scores) */
        int dry_run;                     /* 1: detect only, write nothing */
};

/* Defaults above. */
void app_detect_opts_init(struct app_detect_opts *o);

/*
 * The detector thresholds ([erosion], [experience], [risk], [wave]) and [alerts] default_owner
 * from cfg (may be NULL: defaults). default_owner is borrowed from cfg. CXG_ERR_INVALID with
 * file and line for bad settings.
 */
enum cxg_err app_detect_opts_from_config(struct app_detect_opts *o, const struct cxg_config *cfg,
                                         struct cxg_error *err) CXG_WUR;

/* What one cycle found and did. Release with app_detect_result_release. */
struct app_detect_result {
        int64_t at;                    /* as-of time of the run */
        int dry_run;                   /* nothing was written */
        struct eng_alerts alerts;      /* the findings, in detector order */
        int64_t *ids;                  /* stored alert id per finding (0: not stored) */
        struct eng_detect_stats stats; /* sizes and timings of the detectors */
        size_t created, seen, escalated, suppressed, tasks, followed;
        /* set by a front end that delivers webhooks after the cycle (not by the cycle) */
        size_t webhooks_sent, webhooks_failed;
};

/* Free what r holds; r is then empty. */
void app_detect_result_release(struct app_detect_result *r);

/*
 * One detection cycle on eng (the caller holds its read lock when it is shared): scores as
 * of o->at (the engine's own when they match), the detectors on the snapshot, then, unless
 * o->dry_run, in one transaction: every finding recorded (deduplicated and escalated by the
 * store), a task for each new account alert (the account's owner or o->default_owner, due in
 * 2/3/7/14 days by severity, health before = the account's health), the follow-up of tasks
 * done o->follow_days ago (health after, stakeholder reconnected), and one audit record
 * ("run", "detect"). r is filled (and must be released) also on failure.
 */
enum cxg_err app_detect_cycle(const struct app_ctx *c, struct eng_engine *eng,
                              const struct app_detect_opts *o, struct app_detect_result *r,
                              struct cxg_error *err) CXG_WUR;

/*
 * The writing half of app_detect_cycle: record r->alerts (found as of r->at) and make tasks,
 * follow up tasks done o->follow_days before r->at against snap and now (now may be NULL: no
 * health after), and audit, in one transaction. Fills r's ids and counts.
 */
enum cxg_err app_detect_save(const struct app_ctx *c, const struct app_detect_opts *o,
                             const struct eng_snapshot *snap, const struct eng_scores *now,
                             struct app_detect_result *r, struct cxg_error *err) CXG_WUR;

/* ---- alerts and tasks ---- */

/*
 * Check a list filter: status (open, acknowledged, resolved, dismissed, live), kind and
 * min_severity. CXG_ERR_INVALID naming the field otherwise.
 */
enum cxg_err app_alert_filter_check(const struct store_alert_filter *f,
                                    struct cxg_error *err) CXG_WUR;
/* Check a task filter's status (open, in_progress, done, cancelled). */
enum cxg_err app_task_filter_check(const struct store_task_filter *f,
                                   struct cxg_error *err) CXG_WUR;

/*
 * Set alert id's status (open, acknowledged, resolved, dismissed; a dismissal needs a reason)
 * by c->actor, audited ("update", "alerts") with the status before and after.
 * CXG_ERR_NOTFOUND when there is no such alert.
 */
enum cxg_err app_alert_set_status(const struct app_ctx *c, int64_t id, const char *status,
                                  const char *reason, struct cxg_error *err) CXG_WUR;

/*
 * Apply ch to task id (status done needs an action), audited ("update", "tasks") with the
 * task before and the change. CXG_ERR_NOTFOUND when there is no such task.
 */
enum cxg_err app_task_update(const struct app_ctx *c, int64_t id,
                             const struct store_task_change *ch, struct cxg_error *err) CXG_WUR;

/* ---- webhooks ---- */

/* Check a comma-separated list of alert kinds (field "kinds"). */
enum cxg_err app_alert_kinds_parse(const char *s, unsigned *kinds, struct cxg_error *err) CXG_WUR;

/*
 * Register w (url required; kinds and min_severity checked; a random secret when w->secret is
 * NULL, written into secret_out of 65 bytes and pointed to by w->secret), audited ("create",
 * "webhooks"). *id receives the new id.
 */
enum cxg_err app_webhook_add(const struct app_ctx *c, struct store_webhook *w, char *secret_out,
                             int64_t *id, struct cxg_error *err) CXG_WUR;
/* Enable or disable webhook id, audited ("update", "webhooks"). */
enum cxg_err app_webhook_set_disabled(const struct app_ctx *c, int64_t id, int disabled,
                                      struct cxg_error *err) CXG_WUR;
/* Delete webhook id and its deliveries, audited ("delete", "webhooks"). */
enum cxg_err app_webhook_delete(const struct app_ctx *c, int64_t id, struct cxg_error *err) CXG_WUR;
/* Queue a signed test event ("alert.test") to webhook id; *delivery_id receives its id. */
enum cxg_err app_webhook_queue_test(const struct app_ctx *c, int64_t id, int64_t *delivery_id,
                                    struct cxg_error *err) CXG_WUR;

#endif
