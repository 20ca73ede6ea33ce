/*
 * webhook.h: delivery of queued alert webhooks. Each delivery is an HTTP POST of the JSON
 * body fixed at queue time, signed with X-Cxgarden-Signature: sha256=HEX(HMAC-SHA256(secret,
 * body)); a 2xx answer delivers it, anything else is retried with exponential backoff until
 * the attempts run out. Deliveries come from the store's queue (store_alerts.h), so whoever
 * records alerts never waits on the network: a background worker (inside `serve`) or a
 * one-shot pass (`cxgarden detect`, `cxgarden webhook deliver`) sends them.
 *
 * Only http:// URLs are sent by this built-in client; https:// deliveries fail with a clear
 * error until a TLS client is linked (see docs/scoring.md, "Early warning").
 */
#ifndef CXG_API_WEBHOOK_H
#define CXG_API_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* "sha256=" + 64 hex digits + NUL */
#define API_WEBHOOK_SIG_LEN 72

struct api_webhook_opts {
        int timeout_ms;        /* connect + send + first response line, default 5000 */
        int max_attempts;      /* default 8; then the delivery is marked failed */
        int64_t backoff_s;     /* first retry after this many seconds, default 30 */
        int64_t backoff_max_s; /* retries never wait longer, default 6 h */
        int batch;             /* deliveries per pass, default 100 */
};

/* Defaults above. */
void api_webhook_opts_init(struct api_webhook_opts *o);

/*
 * The signature header value of body (n bytes) under secret: "sha256=" and the lower-case hex
 * HMAC-SHA256 (libsodium crypto_auth_hmacsha256 with the secret's bytes as the key) into out.
 */
void api_webhook_sign(const char *secret, const char *body, size_t n,
                      char out[API_WEBHOOK_SIG_LEN]);

/*
 * Seconds to wait before retry number attempt (1 for the first retry): backoff_s *
 * 2^(attempt - 1), capped at backoff_max_s.
 */
int64_t api_webhook_backoff(const struct api_webhook_opts *o, int attempt);

/*
 * POST body to url with the signature and event headers; *http_status receives the answer's
 * status (0 when none came). CXG_OK for a 2xx answer; otherwise an error whose message says
 * what happened ("connection refused", "HTTP 500", "timed out after 5000 ms").
 */
enum cxg_err api_webhook_post(const char *url, const char *secret, const char *event,
                              int64_t delivery_id, const char *body, int timeout_ms,
                              int *http_status, struct cxg_error *err) CXG_WUR;

/*
 * One pass over the queue: send every delivery due at now (oldest first, up to o->batch) and
 * record each result (delivered, retry at now + backoff, or failed after max_attempts).
 * *sent and *failed (either may be NULL) count this pass's successes and failed attempts.
 * Only store errors are returned; delivery failures are recorded, not returned.
 */
enum cxg_err api_webhook_deliver_due(struct store *s, int64_t now, const struct api_webhook_opts *o,
                                     size_t *sent, size_t *failed, struct cxg_error *err) CXG_WUR;

/*
 * One HTTP/1.1 exchange through the same client, for the cluster's forwarding: connect to the
 * host and port of the http:// URL base, send "METHOD target", a Host header, Connection:
 * close, headers (each line ending "\r\n"; may be "") and body, and read the whole answer
 * (status line, headers, body) into out until the server closes, at most max bytes, within
 * timeout_ms in all. CXG_ERR_IO says why when no complete answer came.
 */
enum cxg_err api_http_exchange(const char *base, const char *method, const char *target,
                               const char *headers, const void *body, size_t blen, int timeout_ms,
                               size_t max, struct cxg_buf *out, struct cxg_error *err) CXG_WUR;

struct api_webhook_worker;

/*
 * Start a background thread that opens its own handle on the database at db_path and runs
 * api_webhook_deliver_due every interval_s seconds (or sooner after api_webhook_worker_wake).
 * *out is freed by api_webhook_worker_stop.
 */
enum cxg_err api_webhook_worker_start(const char *db_path, const struct api_webhook_opts *o,
                                      double interval_s, struct api_webhook_worker **out,
                                      struct cxg_error *err) CXG_WUR;
/* Ask the worker to run a pass now (e.g. after new alerts). NULL is fine. */
void api_webhook_worker_wake(struct api_webhook_worker *w);
/* Stop the worker (finishing the delivery in flight), join it and free it. NULL is fine. */
void api_webhook_worker_stop(struct api_webhook_worker *w);

#endif
