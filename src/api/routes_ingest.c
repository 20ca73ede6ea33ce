/*
 * routes_ingest.c: POST /api/v1/interactions and /api/v1/feedback. A body is one JSON object, a
 * JSON array of them, or JSON lines (application/x-ndjson). Every row is validated by the
 * importer's JSON batch entry point (ingest_json_batch); the valid rows are written in one
 * transaction and the reply lists each rejected row with its index, field and reason. The body
 * is checked with core/json.h's decoder and handed over as array text: an array body as it is,
 * an object or the valid lines of JSON lines in brackets (no decode and re-encode).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "app/import.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/json.h"
#include "core/log.h"
#include "ingest/import.h"

int api_body_is_ndjson(struct api_req *r);
int api_body_is_json(struct api_req *r);

struct pre_reject {
        size_t index;
        char reason[200];
};

/*
 * The batch is committed but there is no memory to describe it: the answer must still be a
 * 2xx (a 5xx would make the client send the rows again), so it is formatted into the request
 * itself, without the list of rejected rows.
 */
static void reply_committed(struct api_req *r, const struct ingest_summary *sum, size_t nrej)
{
        int n = snprintf(r->fallback, sizeof(r->fallback),
                         "{\"accepted\":%llu,\"inserted\":%llu,\"updated\":%llu,\"rejected\":[],"
                         "\"rejected_count\":%zu,\"incomplete\":\"out of memory: the rejected "
                         "rows are not listed\"}",
                         (unsigned long long)(sum->inserted + sum->updated),
                         (unsigned long long)sum->inserted, (unsigned long long)sum->updated, nrej);

        cxg_free(r->reply);
        r->reply = NULL;
        r->reply_type = NULL;
        r->static_data = (const unsigned char *)r->fallback;
        r->reply_len = n > 0 && (size_t)n < sizeof(r->fallback) ? (size_t)n : 0;
        r->status = 200;
}

/*
 * A JSON lines body as the text of a JSON array of its valid lines in *out, with the line index
 * of each in *map and their count in *ngood; lines that are not JSON go to *pre with their
 * reason. -1 when out of memory.
 */
static int parse_lines(struct api_req *r, struct cxg_jparser *jp, struct cxg_buf *out,
                       size_t *ngood, size_t **map, struct pre_reject **pre, size_t *npre,
                       size_t *total)
{
        const char *p = r->body.data ? r->body.data : "", *end = p + r->body.len;
        size_t line = 0, cap = 0, cap_pre = 0;

        if (cxg_buf_putc(out, '['))
                return -1;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                const char *q = p;
                struct cxg_jval v;
                enum cxg_err rc;
                int column;

                while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
                        q++;
                if (q < le) {
                        rc = cxg_jparse(jp, p, (size_t)(le - p), &v, NULL);
                        if (rc == CXG_ERR_NOMEM)
                                return -1; /* not the line's fault */
                        if (!rc) {
                                /* the body's size limit bounds the number of lines */
                                if (CXG_GROW(*map, *ngood + 1, cap, CXG_GROW_NOCAP) ||
                                    (*ngood && cxg_buf_putc(out, ',')) ||
                                    cxg_buf_append(out, p, (size_t)(le - p)))
                                        return -1;
                                (*map)[(*ngood)++] = line;
                        } else {
                                const char *why = cxg_jparser_failure(jp, NULL, &column);

                                if (CXG_GROW(*pre, *npre + 1, cap_pre, CXG_GROW_NOCAP))
                                        return -1;
                                (*pre)[*npre].index = line;
                                snprintf((*pre)[*npre].reason, sizeof((*pre)[*npre].reason),
                                         "not valid JSON: %s (column %d)", why, column);
                                (*npre)++;
                        }
                        line++;
                }
                p = nl ? nl + 1 : end;
        }
        *total = line;
        return cxg_buf_putc(out, ']') ? -1 : 0;
}

/*
 * A JSON body (one object or an array of them) as array text in *text and *len: the body
 * itself, or the object in brackets (built in out); its rows in *total. Otherwise replies
 * (415 when not JSON, 400 when empty, malformed or another value, 503 out of memory), -1.
 */
static int parse_body(struct api_req *r, struct cxg_jparser *jp, struct cxg_buf *out,
                      const char **text, size_t *len, size_t *total)
{
        struct cxg_error err = {0};
        struct cxg_jval v;
        enum cxg_err rc;
        enum cxg_jtype t;
        int line, column;

        if (!api_body_is_json(r)) {
                api_reply_error(r, 415, "unsupported_media_type", NULL,
                                "request body must be application/json");
                return -1;
        }
        if (r->body.len == 0) {
                api_reply_error(r, 400, "bad_request", NULL, "request body is empty");
                return -1;
        }
        rc = cxg_jparse(jp, r->body.data, r->body.len, &v, &err);
        if (rc == CXG_ERR_NOMEM)
                goto nomem;
        if (rc) {
                const char *why = cxg_jparser_failure(jp, &line, &column);

                api_reply_error(r, 400, "bad_request", NULL,
                                "request body is not valid JSON: line %d, column %d: %s", line,
                                column, why);
                return -1;
        }
        t = cxg_jtype(v);
        if (t != CXG_J_OBJECT && t != CXG_J_ARRAY) {
                api_reply_error(r, 400, "bad_request", NULL,
                                "expected a JSON object or an array of objects");
                return -1;
        }
        *total = t == CXG_J_ARRAY ? cxg_jsize(v) : 1;
        *text = r->body.data;
        *len = r->body.len;
        if (t == CXG_J_ARRAY)
                return 0;
        if (cxg_buf_putc(out, '[') || cxg_buf_append(out, r->body.data, r->body.len) ||
            cxg_buf_putc(out, ']'))
                goto nomem;
        *text = out->data;
        *len = out->len;
        return 0;
nomem:
        r->retry_after = 1;
        api_reply_error(r, 503, "unavailable", NULL, "out of memory; retry later");
        return -1;
}

static void ingest(struct api_req *r, enum ingest_kind kind, int k)
{
        json_t *rejected = NULL, *reply;
        struct ingest_row_error *errs = NULL;
        struct pre_reject *pre = NULL;
        size_t n_errs = 0, npre = 0, *map = NULL, total = 0, ngood = 0, len = 0;
        struct ingest_summary sum;
        struct cxg_error err = {0};
        struct cxg_jparser *jp = cxg_jparser_new();
        struct cxg_buf own;
        const char *text = NULL;
        enum cxg_err rc;
        int ndjson = api_body_is_ndjson(r), oom = 0;

        cxg_buf_init(&own, 0);
        if (!jp)
                goto nomem;
        if (!ndjson) {
                if (parse_body(r, jp, &own, &text, &len, &total))
                        goto done;
                ngood = total;
        } else {
                if (parse_lines(r, jp, &own, &ngood, &map, &pre, &npre, &total))
                        goto nomem;
                text = own.data;
                len = own.len;
        }
        if (total == 0) {
                api_reply_error(r, 422, "invalid", NULL, "the request holds no rows");
                goto done;
        }
        if (!api_store(r))
                goto done;
        if (ngood > 0) {
                struct app_ctx c;

                api_app_ctx(r, &c);
                rc = app_ingest_batch(&c, kind, text, len, npre, &errs, &n_errs, &sum, &err);
                if (rc) {
                        api_reply_cxg(r, rc, &err);
                        goto done;
                }
        } else {
                memset(&sum, 0, sizeof(sum));
        }
        /* from here on the accepted rows are committed: out of memory must not turn into a 5xx */
        rejected = json_array();
        oom = !rejected;
        for (size_t i = 0; i < npre && !oom; i++)
                oom = json_array_append_new(rejected, json_pack("{s:I,s:n,s:s}", "index",
                                                                (json_int_t)pre[i].index, "field",
                                                                "reason", pre[i].reason)) != 0;
        for (size_t i = 0; i < n_errs && !oom; i++) {
                size_t idx = map ? map[errs[i].index] : errs[i].index;

                oom = json_array_append_new(
                          rejected,
                          json_pack("{s:I,s:o,s:s}", "index", (json_int_t)idx, "field",
                                    errs[i].field[0] ? json_string(errs[i].field) : json_null(),
                                    "reason", errs[i].reason)) != 0;
        }
        {
                size_t accepted = (size_t)(sum.inserted + sum.updated);
                size_t nrej = npre + n_errs;

                atomic_fetch_add(&api_g.ingest_accepted[k], (long)accepted);
                atomic_fetch_add(&api_g.ingest_rejected[k], (long)nrej);
                if (accepted) {
                        atomic_fetch_add(&api_g.ingest_batches[k], 1);
                        api_engine_refresh(r);
                }
                if (oom && accepted) {
                        reply_committed(r, &sum, nrej);
                } else if (oom) {
                        goto nomem;
                } else if (accepted == 0) {
                        reply = json_pack("{s:{s:s,s:s,s:n},s:i,s:o}", "error", "code", "invalid",
                                          "message", "every row was rejected: nothing was written",
                                          "field", "accepted", 0, "rejected", rejected);
                        rejected = NULL;
                        api_reply_json(r, 422, reply);
                } else {
                        reply = json_pack("{s:I,s:I,s:I,s:o}", "accepted", (json_int_t)accepted,
                                          "inserted", (json_int_t)sum.inserted, "updated",
                                          (json_int_t)sum.updated, "rejected", rejected);
                        rejected = NULL;
                        api_reply_json(r, 200, reply);
                        if (r->status != 200 || !r->reply)
                                reply_committed(r, &sum, nrej);
                }
        }
        goto done;
nomem:
        r->retry_after = 1;
        api_reply_error(r, 503, "unavailable", NULL, "out of memory; retry later");
done:
        cxg_jparser_free(jp);
        cxg_buf_release(&own);
        json_decref(rejected);
        cxg_free(errs);
        cxg_free(pre);
        cxg_free(map);
}

void api_h_interactions(struct api_req *r)
{
        ingest(r, INGEST_INTERACTIONS, 0);
}

void api_h_feedback(struct api_req *r)
{
        ingest(r, INGEST_FEEDBACK, 1);
}
