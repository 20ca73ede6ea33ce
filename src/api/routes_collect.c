/*
 * routes_collect.c: Segment's HTTP Tracking API (POST /v1/track, /v1/identify, /v1/group,
 * /v1/page, /v1/screen, /v1/batch; /v1/alias answers that it is not supported). HTTP only:
 * the body is parsed and mapped by app_collect_parse, written by app_collect_write through the
 * group committer, and the answer is Segment's (200 {"success": true}, 400 for a malformed or
 * oversize request) plus the counts and the rejected events. docs/collect.md.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_commit.h"
#include "api/api_int.h"
#include "app/collect.h"
#include "core/alloc.h"
#include "core/banned.h"

/* The 200 answer: {"success": true, "accepted", "duplicates", "rejected": [...]} */
static void reply(struct api_req *r, const struct collect_req *c)
{
        json_t *rej = json_array(), *body;

        for (size_t k = 0; rej && k < c->nrejects; k++) {
                const struct collect_reject *x = &c->rejects[k];

                if (json_array_append_new(
                        rej,
                        json_pack("{s:I,s:s?,s:s?,s:s?,s:s}", "index", (json_int_t)x->index,
                                  "messageId", x->message_id, "type", x->kind[0] ? x->kind : NULL,
                                  "field", x->field[0] ? x->field : NULL, "reason", x->reason))) {
                        json_decref(rej);
                        rej = NULL;
                }
        }
        body = json_pack("{s:b,s:I,s:I,s:I,s:o*}", "success", 1, "accepted",
                         (json_int_t)c->accepted, "duplicates", (json_int_t)c->duplicates,
                         "rejected_count", (json_int_t)c->nrejects, "rejected", rej);
        if (body) {
                api_reply_json(r, 200, body);
                if (r->status == 200 && r->reply)
                        return;
        }
        /* committed: the answer must stay a 2xx (a 5xx would make the client send again) */
        snprintf(r->fallback, sizeof(r->fallback),
                 "{\"success\":true,\"accepted\":%zu,\"duplicates\":%zu,\"rejected_count\":%zu}",
                 c->accepted, c->duplicates, c->nrejects);
        cxg_free(r->reply);
        r->reply = NULL;
        r->reply_type = NULL;
        r->static_data = (const unsigned char *)r->fallback;
        r->reply_len = strlen(r->fallback);
        r->status = 200;
}

static void collect(struct api_req *r, int kind)
{
        struct collect_cfg cfg;
        struct collect_req c;
        struct cxg_error err = {0};
        enum cxg_err rc;

        const char *enc = api_header(r, "Content-Encoding");

        if (enc && strcasecmp(enc, "identity") != 0) {
                api_reply_error(r, 415, "unsupported_media_type", NULL,
                                "Content-Encoding %s is not supported: send uncompressed JSON "
                                "(rudder-sdk-node: gzip: false)",
                                enc);
                return;
        }
        if ((rc = app_collect_config(api_g.cfg.ini, &cfg, &err))) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        app_collect_init(&c, &cfg, kind, r->who.token_id, r->who.name, api_now());
        rc = app_collect_parse(&c, r->body.data, r->body.len, &err);
        if (rc == CXG_ERR_PARSE || rc == CXG_ERR_LIMIT) {
                api_reply_error(r, 400, "bad_request", err.field[0] ? err.field : NULL, "%s",
                                err.msg);
                goto done;
        }
        if (rc) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        if (!api_store(r))
                goto done;
        rc = api_commit_run(r, app_collect_write, &c, NULL, &err);
        if (rc == CXG_ERR_BUSY || rc == CXG_ERR_LIMIT) {
                r->retry_after = 1;
                api_reply_error(r, rc == CXG_ERR_LIMIT ? 429 : 503, "unavailable", NULL,
                                "the server is busy; retry later");
                goto done;
        }
        if (rc) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        if (c.accepted)
                api_engine_refresh(r);
        reply(r, &c);
done:
        app_collect_release(&c);
}

void api_h_collect_track(struct api_req *r)
{
        collect(r, SEG_TRACK);
}

void api_h_collect_identify(struct api_req *r)
{
        collect(r, SEG_IDENTIFY);
}

void api_h_collect_group(struct api_req *r)
{
        collect(r, SEG_GROUP);
}

void api_h_collect_page(struct api_req *r)
{
        collect(r, SEG_PAGE);
}

void api_h_collect_screen(struct api_req *r)
{
        collect(r, SEG_SCREEN);
}

void api_h_collect_batch(struct api_req *r)
{
        collect(r, -1);
}

void api_h_collect_alias(struct api_req *r)
{
        api_reply_error(r, 501, "not_implemented", "type",
                        "alias is not supported: cxgarden keeps one person per userId and does "
                        "not merge identities; send events with the final userId "
                        "(docs/collect.md)");
}
