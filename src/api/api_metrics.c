/*
 * api_metrics.c: request counters by route and status, a latency histogram, and the
 * Prometheus text exposition of them plus ingest counters (GET /metrics).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/api_cache.h"
#include "api/api_int.h"
#include "core/banned.h"

#define MAX_ROUTES 64
static const unsigned statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                    408, 409, 413, 415, 422, 429, 499, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

/* [route][status]; the last route row counts requests that matched no route */
static atomic_long counts[MAX_ROUTES + 1][NSTATUS + 1];
static atomic_long hist[NBUCKETS + 1];
static atomic_llong sum_us;
static atomic_long total;

void api_metrics_record(int route_index, unsigned status, double seconds)
{
        size_t ri = route_index >= 0 && route_index < MAX_ROUTES ? (size_t)route_index : MAX_ROUTES;
        size_t si = NSTATUS, b = 0;

        for (size_t i = 0; i < NSTATUS; i++)
                if (statuses[i] == status) {
                        si = i;
                        break;
                }
        atomic_fetch_add_explicit(&counts[ri][si], 1, memory_order_relaxed);
        while (b < NBUCKETS && seconds > buckets[b])
                b++;
        atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&sum_us, (long long)(seconds * 1e6), memory_order_relaxed);
        atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
}

/* Append the exposition text to b. */
static enum cxg_err metrics_text(struct cxg_buf *b)
{
        static const char *const kinds[2] = {"interactions", "feedback"};
        enum cxg_err rc = CXG_OK;
        long cum = 0;

#define P(...)                                                                                     \
        do {                                                                                       \
                if ((rc = cxg_buf_printf(b, __VA_ARGS__)))                                         \
                        return rc;                                                                 \
        } while (0)
        P("# HELP cxgarden_http_requests_total HTTP requests by route and status.\n"
          "# TYPE cxgarden_http_requests_total counter\n");
        for (size_t r = 0; r <= MAX_ROUTES; r++) {
                const char *route;
                char method[16];

                if (r < MAX_ROUTES && r >= api_nroutes)
                        continue;
                route = r < MAX_ROUTES ? api_routes[r].pattern : "unmatched";
                snprintf(method, sizeof(method), "%s", r < MAX_ROUTES ? api_routes[r].method : "");
                for (size_t s = 0; s <= NSTATUS; s++) {
                        long v = atomic_load(&counts[r][s]);

                        if (!v)
                                continue;
                        if (s < NSTATUS)
                                P("cxgarden_http_requests_total{method=\"%s\",route=\"%s\","
                                  "status=\"%u\"} %ld\n",
                                  method, route, statuses[s], v);
                        else
                                P("cxgarden_http_requests_total{method=\"%s\",route=\"%s\","
                                  "status=\"other\"} %ld\n",
                                  method, route, v);
                }
        }
        P("# HELP cxgarden_http_request_duration_seconds Time from request start to reply.\n"
          "# TYPE cxgarden_http_request_duration_seconds histogram\n");
        for (size_t i = 0; i < NBUCKETS; i++) {
                cum += atomic_load(&hist[i]);
                P("cxgarden_http_request_duration_seconds_bucket{le=\"%g\"} %ld\n", buckets[i],
                  cum);
        }
        cum += atomic_load(&hist[NBUCKETS]);
        P("cxgarden_http_request_duration_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
        P("cxgarden_http_request_duration_seconds_sum %.6f\n", (double)atomic_load(&sum_us) / 1e6);
        P("cxgarden_http_request_duration_seconds_count %ld\n", cum);
        P("# HELP cxgarden_http_requests_in_flight Requests being served now.\n"
          "# TYPE cxgarden_http_requests_in_flight gauge\n"
          "cxgarden_http_requests_in_flight %ld\n",
          atomic_load(&api_g.inflight));
        P("# HELP cxgarden_ingest_rows_total Rows received by POST /api/v1/interactions and "
          "/api/v1/feedback, by outcome.\n"
          "# TYPE cxgarden_ingest_rows_total counter\n");
        for (int k = 0; k < 2; k++) {
                P("cxgarden_ingest_rows_total{kind=\"%s\",outcome=\"accepted\"} %ld\n", kinds[k],
                  atomic_load(&api_g.ingest_accepted[k]));
                P("cxgarden_ingest_rows_total{kind=\"%s\",outcome=\"rejected\"} %ld\n", kinds[k],
                  atomic_load(&api_g.ingest_rejected[k]));
        }
        P("# HELP cxgarden_ingest_batches_total Batches written by the ingest endpoints.\n"
          "# TYPE cxgarden_ingest_batches_total counter\n");
        for (int k = 0; k < 2; k++)
                P("cxgarden_ingest_batches_total{kind=\"%s\"} %ld\n", kinds[k],
                  atomic_load(&api_g.ingest_batches[k]));
#undef P
        return rc;
}

/* Engine gauges (snapshot size) are appended by api_engine.c when the engine is built in. */
enum cxg_err api_engine_metrics(struct cxg_buf *b);

void api_h_metrics(struct api_req *r)
{
        struct cxg_buf b;

        cxg_buf_init(&b, 4u << 20);
        if (metrics_text(&b) || api_engine_metrics(&b) || api_cache_metrics(&b)) {
                cxg_buf_release(&b);
                api_reply_error(r, 500, "internal", NULL, "out of memory");
                return;
        }
        r->status = 200;
        r->reply = b.data;
        r->reply_len = b.len;
        r->reply_type = "text/plain; version=0.0.4; charset=utf-8";
}
