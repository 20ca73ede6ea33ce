/*
 * routes_ingest.c: POST /api/v1/interactions and /api/v1/feedback. A body is one JSON object, a
 * JSON array of them, or JSON lines (application/x-ndjson). Every row is validated by the
 * importer's JSON batch entry point (ingest_json_batch); the valid rows are written in one
 * transaction and the reply lists each rejected row with its index, field and reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "app/import.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/log.h"
#include "ingest/import.h"

int api_body_is_ndjson(struct api_req *r);

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
 * A JSON lines body into *arr (one object per non-blank line) with the line index of each in
 * *map; lines that are not JSON go to *pre with their reason. -1 when out of memory.
 */
static int parse_lines(struct api_req *r, json_t **arr, size_t **map, struct pre_reject **pre,
                       size_t *npre, size_t *total)
{
        const char *p = r->body.data ? r->body.data : "", *end = p + r->body.len;
        size_t line = 0, cap = 0, cap_pre = 0;

        if (!(*arr = json_array()))
                return -1;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                json_error_t je;
                json_t *o;
                const char *q = p;

                while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
                        q++;
                if (q < le) {
                        unsigned long failed = cxg_alloc_failures();

                        o = json_loadb(p, (size_t)(le - p), JSON_REJECT_DUPLICATES, &je);
                        if (!o && cxg_alloc_failures() != failed)
                                return -1; /* not the line's fault */
                        if (o) {
                                /* the body's size limit bounds the number of lines */
                                if (CXG_GROW(*map, json_array_size(*arr) + 1, cap,
                                             CXG_GROW_NOCAP)) {
                                        json_decref(o);
                                        return -1;
                                }
                                (*map)[json_array_size(*arr)] = line;
                                if (json_array_append_new(*arr, o))
                                        return -1;
                        } else {
                                if (CXG_GROW(*pre, *npre + 1, cap_pre, CXG_GROW_NOCAP))
                                        return -1;
                                (*pre)[*npre].index = line;
                                snprintf((*pre)[*npre].reason, sizeof((*pre)[*npre].reason),
                                         "not valid JSON: %s (column %d)", je.text, je.column);
                                (*npre)++;
                        }
                        line++;
                }
                p = nl ? nl + 1 : end;
        }
        *total = line;
        return 0;
}

static void ingest(struct api_req *r, enum ingest_kind kind, int k)
{
        json_t *arr = NULL, *rejected = NULL, *reply;
        struct ingest_row_error *errs = NULL;
        struct pre_reject *pre = NULL;
        size_t n_errs = 0, npre = 0, *map = NULL, total = 0;
        struct ingest_summary sum;
        struct cxg_error err = {0};
        char *text = NULL;
        enum cxg_err rc;
        int ndjson = api_body_is_ndjson(r), oom = 0;

        if (!ndjson) {
                arr = api_body_json(r); /* 415 when it is not JSON either */
                if (!arr)
                        return;
                if (json_is_object(arr)) {
                        json_t *a = json_array();

                        if (!a || json_array_append_new(a, arr)) {
                                json_decref(a);
                                arr = NULL;
                                goto nomem;
                        }
                        arr = a;
                } else if (!json_is_array(arr)) {
                        api_reply_error(r, 400, "bad_request", NULL,
                                        "expected a JSON object or an array of objects");
                        goto done;
                }
                total = json_array_size(arr);
        } else {
                if (parse_lines(r, &arr, &map, &pre, &npre, &total))
                        goto nomem;
        }
        if (total == 0) {
                api_reply_error(r, 422, "invalid", NULL, "the request holds no rows");
                goto done;
        }
        text = json_dumps(arr, JSON_COMPACT);
        if (!text)
                goto nomem;
        if (!api_store(r))
                goto done;
        if (json_array_size(arr) > 0) {
                struct app_ctx c;

                api_app_ctx(r, &c);
                rc = app_ingest_batch(&c, kind, text, strlen(text), npre, &errs, &n_errs, &sum,
                                      &err);
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
        json_decref(arr);
        json_decref(rejected);
        cxg_free(text);
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
