/*
 * routes_ingest.c: POST /api/v1/interactions and /api/v1/feedback. A body is one JSON object, a
 * JSON array of them, or JSON lines (application/x-ndjson). Every row is validated by the
 * importer's JSON batch entry point (ingest_json_batch); the valid rows are written by the
 * group committer (api_commit.h) and the reply, sent once they are committed and without
 * waiting for the scores unless ?wait=scores asks to, lists each rejected row with its index,
 * field and reason. The body is checked with core/json.h's decoder and handed over as array
 * text: an array body as it is, an object or the valid lines of JSON lines in brackets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_commit.h"
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

/* A batch handed to the group committer (api_commit_run). */
struct ingest_work {
        struct app_ctx c; /* c.st: the committer's handle */
        enum ingest_kind kind;
        const char *text; /* array text of len bytes (not NUL-terminated) */
        size_t len;
        size_t npre;
        struct ingest_row_error *errs;
        size_t n_errs;
        struct ingest_summary sum;
};

static enum cxg_err ingest_fn(struct store *st, void *arg, struct cxg_error *err)
{
        struct ingest_work *w = arg;

        w->c.st = st;
        return app_ingest_batch_tx(&w->c, w->kind, w->text, w->len, w->npre, &w->errs, &w->n_errs,
                                   &w->sum, err);
}

/* The rejected rows as the reply's array; NULL when out of memory. */
static json_t *rejected_rows(const struct pre_reject *pre, size_t npre,
                             const struct ingest_row_error *errs, size_t n_errs, const size_t *map)
{
        json_t *rejected = json_array();
        int oom = !rejected;

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
        if (oom) {
                json_decref(rejected);
                return NULL;
        }
        return rejected;
}

/*
 * The reply once the batch is committed (2xx: out of memory must not turn into a 5xx).
 * wait_ms >= 0 (?wait=scores): first wait until the engine applied seq; 200 with
 * "scored":true when it did, 202 with "scored":false when the wait timed out.
 */
static void reply_batch(struct api_req *r, struct ingest_work *w, json_t *rejected, int64_t seq,
                        long wait_ms, int k)
{
        size_t accepted = (size_t)(w->sum.inserted + w->sum.updated);
        size_t nrej = w->npre + w->n_errs;
        unsigned status = 200;
        json_t *reply;

        atomic_fetch_add(&api_g.ingest_accepted[k], (long)accepted);
        atomic_fetch_add(&api_g.ingest_rejected[k], (long)nrej);
        if (accepted)
                atomic_fetch_add(&api_g.ingest_batches[k], 1);
        if (accepted == 0) {
                reply = json_pack("{s:{s:s,s:s,s:n},s:i,s:o}", "error", "code", "invalid",
                                  "message", "every row was rejected: nothing was written", "field",
                                  "accepted", 0, "rejected", rejected);
                api_reply_json(r, 422, reply);
                return;
        }
        if (!rejected) {
                reply_committed(r, &w->sum, nrej);
                return;
        }
        reply = json_pack("{s:I,s:I,s:I,s:o}", "accepted", (json_int_t)accepted, "inserted",
                          (json_int_t)w->sum.inserted, "updated", (json_int_t)w->sum.updated,
                          "rejected", rejected);
        if (reply && wait_ms >= 0) {
                int scored = api_engine_wait(seq, wait_ms);

                status = scored ? 200 : 202;
                if (json_object_set_new(reply, "scored", json_boolean(scored))) {
                        json_decref(reply);
                        reply = NULL;
                }
        }
        api_reply_json(r, status, reply);
        if (r->status != status || !r->reply)
                reply_committed(r, &w->sum, nrej);
}

static void ingest(struct api_req *r, enum ingest_kind kind, int k)
{
        json_t *rejected;
        struct ingest_work w;
        struct pre_reject *pre = NULL;
        size_t npre = 0, *map = NULL, total = 0, ngood = 0, len = 0;
        struct cxg_error err = {0};
        struct cxg_jparser *jp = cxg_jparser_new();
        struct cxg_buf own;
        const char *text = NULL;
        enum cxg_err rc;
        int64_t seq = 0;
        int ndjson = api_body_is_ndjson(r);
        long wait_ms = api_commit_wait_ms(r);

        memset(&w, 0, sizeof(w));
        cxg_buf_init(&own, 0);
        if (wait_ms == -2) {
                api_reply_error(r, 400, "bad_request", "wait", "wait: expected \"scores\"");
                goto done;
        }
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
        if (ngood > 0) {
                api_app_ctx(r, &w.c);
                w.kind = kind;
                w.text = text;
                w.len = len;
                w.npre = npre;
                /* 2xx from here on means committed, a 5xx that nothing was */
                if ((rc = api_commit_run(r, ingest_fn, &w, &seq, &err))) {
                        api_commit_reply_error(r, rc, &err);
                        goto done;
                }
        }
        rejected = rejected_rows(pre, npre, w.errs, w.n_errs, map);
        if (!rejected && w.sum.inserted + w.sum.updated == 0)
                goto nomem; /* nothing was written */
        reply_batch(r, &w, rejected, seq, wait_ms, k);
        goto done;
nomem:
        r->retry_after = 1;
        api_reply_error(r, 503, "unavailable", NULL, "out of memory; retry later");
done:
        cxg_jparser_free(jp);
        cxg_buf_release(&own);
        cxg_free(w.errs);
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
