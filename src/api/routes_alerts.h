/*
 * routes_alerts.h: the HTTP routes of early warning and the closed loop (alerts, tasks,
 * webhooks, sweet spot, detection on demand) and the server's background work for them: the
 * scheduled detector and the webhook delivery worker. Included by api_router.c (the route
 * table) and api_engine.c (start, stop, the nudge after writes).
 */
#ifndef CXG_API_ROUTES_ALERTS_H
#define CXG_API_ROUTES_ALERTS_H

#include "api/api.h"
#include "core/err.h"

struct api_req;

void api_h_alerts_list(struct api_req *r);
void api_h_alert_get(struct api_req *r);
void api_h_alert_patch(struct api_req *r);
void api_h_tasks_list(struct api_req *r);
void api_h_task_get(struct api_req *r);
void api_h_task_patch(struct api_req *r);
void api_h_task_outcomes(struct api_req *r);
void api_h_webhooks_list(struct api_req *r);
void api_h_webhook_create(struct api_req *r);
void api_h_webhook_get(struct api_req *r);
void api_h_webhook_patch(struct api_req *r);
void api_h_webhook_delete(struct api_req *r);
void api_h_webhook_test(struct api_req *r);
void api_h_webhook_deliveries(struct api_req *r);
void api_h_sweetspot(struct api_req *r);
void api_h_detect(struct api_req *r);

/* The entries of the route table (api_router.c), in matching order. */
#define API_ALERT_ROUTES                                                                           \
        {"GET", "/api/v1/alerts", api_h_alerts_list, API_G_READ},                                  \
            {"GET", "/api/v1/alerts/{id}", api_h_alert_get, API_G_READ},                           \
            {"PATCH", "/api/v1/alerts/{id}", api_h_alert_patch, API_G_READ},                       \
            {"GET", "/api/v1/tasks", api_h_tasks_list, API_G_READ},                                \
            {"GET", "/api/v1/tasks/outcomes", api_h_task_outcomes, API_G_READ},                    \
            {"GET", "/api/v1/tasks/{id}", api_h_task_get, API_G_READ},                             \
            {"PATCH", "/api/v1/tasks/{id}", api_h_task_patch, API_G_READ},                         \
            {"GET", "/api/v1/webhooks", api_h_webhooks_list, API_G_ADMIN},                         \
            {"POST", "/api/v1/webhooks", api_h_webhook_create, API_G_ADMIN},                       \
            {"GET", "/api/v1/webhooks/{id}", api_h_webhook_get, API_G_ADMIN},                      \
            {"PATCH", "/api/v1/webhooks/{id}", api_h_webhook_patch, API_G_ADMIN},                  \
            {"DELETE", "/api/v1/webhooks/{id}", api_h_webhook_delete, API_G_ADMIN},                \
            {"POST", "/api/v1/webhooks/{id}/test", api_h_webhook_test, API_G_ADMIN},               \
            {"GET", "/api/v1/webhooks/{id}/deliveries", api_h_webhook_deliveries, API_G_ADMIN},    \
            {"GET", "/api/v1/sweetspot", api_h_sweetspot, API_G_READ},                             \
        {                                                                                          \
                "POST", "/api/v1/detect", api_h_detect, API_G_READ                                 \
        }

/*
 * Start the background work of serve: the webhook worker (every 5 s, or when woken) and the
 * scheduled detector ([alerts] detect_interval seconds, default 3600, 0: off; also run soon
 * after writes, at most once per [alerts] detect_debounce seconds, default 60). Needs the
 * engine started. Errors are CXG_ERR_INVALID for bad settings (file and line) or a failure to
 * start a thread.
 */
enum cxg_err api_alerts_start(const struct api_config *cfg, struct cxg_error *err) CXG_WUR;
/* Stop both threads (finishing a run in progress). Safe when not started. */
void api_alerts_stop(void);
/* Ask for a detection run soon (after accepted writes); returns at once. */
void api_alerts_poke(void);

#endif
