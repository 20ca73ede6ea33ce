/*
 * view_alerts.h: the JSON views of early warning, one per object, used by both the API and
 * `cxgarden ... --json` so the two render the same document: an alert, a task, what each kind
 * of action achieved, a webhook, a delivery, the result of a detection cycle and the sweet
 * spot. Field names are the API's (account_id, person_id, ...). Each returns a new object,
 * NULL only when out of memory.
 */
#ifndef CXG_APP_VIEW_ALERTS_H
#define CXG_APP_VIEW_ALERTS_H

#include <stddef.h>

#include <jansson.h>

#include "app/alerts.h"
#include "engine/sweetspot.h"
#include "store/store_alerts.h"

json_t *view_alert(const struct store_alert *a);
json_t *view_task(const struct store_task *t);
json_t *view_task_outcome(const struct store_task_outcome *o);
/* A webhook without its secret (shown once, at creation). */
json_t *view_webhook(const struct store_webhook *w);
json_t *view_delivery(const struct store_delivery *d);
/* Counts of the cycle, its findings (with their stored ids) and the detectors' seconds. */
json_t *view_detect_result(const struct app_detect_result *r);
/* The segments of r, at most limit of them (0: all). */
json_t *view_sweetspot(const struct eng_sweet_result *r, size_t limit);

/*
 * Read alerts (tasks, outcomes, webhooks, deliveries of webhook_id) from st into *arr, a new
 * array of the views above; *last (may be NULL) receives the id of the last one read.
 */
enum cxg_err view_alerts_read(struct store *st, const struct store_alert_filter *f, json_t **arr,
                              int64_t *last, struct cxg_error *err) CXG_WUR;
enum cxg_err view_tasks_read(struct store *st, const struct store_task_filter *f, json_t **arr,
                             int64_t *last, struct cxg_error *err) CXG_WUR;
enum cxg_err view_task_outcomes_read(struct store *st, json_t **arr, struct cxg_error *err) CXG_WUR;
enum cxg_err view_webhooks_read(struct store *st, int64_t id, json_t **arr,
                                struct cxg_error *err) CXG_WUR;
enum cxg_err view_deliveries_read(struct store *st, int64_t webhook_id, int limit, json_t **arr,
                                  struct cxg_error *err) CXG_WUR;

#endif
