/*
 * routes_privacy.c: a person's data export (GET /api/v1/people/{id}/export) and erasure
 * (DELETE /api/v1/people/{id}?erase=true), both for admins, through src/app/privacy.h.
 * After an erasure every worker's store handle forgets its cached ids and the engine snapshot
 * is reloaded in full, so nothing of the person is served any more.
 */
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "app/privacy.h"
#include "app/view_entities.h"

void api_h_person_export(struct api_req *r)
{
        struct cxg_error err = {0};
        struct app_ctx c;
        struct cxg_buf b;
        enum cxg_err rc;

        if (!api_store(r))
                return;
        api_app_ctx(r, &c);
        cxg_buf_init(&b, 0);
        rc = app_person_export(&c, r->params[0], &b, &err);
        if (rc == CXG_ERR_NOTFOUND) {
                cxg_buf_release(&b);
                api_reply_error(r, 404, "not_found", NULL, "no person with id \"%s\"",
                                r->params[0]);
                return;
        }
        if (rc) {
                cxg_buf_release(&b);
                api_reply_cxg(r, rc, &err);
                return;
        }
        /* the buffer's memory becomes the reply (cxg_malloc'ed) */
        cxg_free(r->reply);
        r->reply = b.data;
        r->reply_len = b.len;
        r->reply_type = NULL;
        r->status = 200;
}

int api_person_erase_requested(struct api_req *r)
{
        const char *v = api_arg(r, "erase");

        return v && strcmp(v, "true") == 0 &&
               strncmp(r->route->pattern, "/api/v1/people/", 15) == 0;
}

void api_h_person_erase(struct api_req *r)
{
        struct store_erase_report rep;
        struct cxg_error err = {0};
        struct app_ctx c;
        enum cxg_err rc;
        json_t *j;

        if (!api_store(r))
                return;
        api_app_ctx(r, &c);
        rc = app_person_erase(&c, r->params[0], &rep, &err);
        if (rc == CXG_ERR_NOTFOUND) {
                api_reply_error(r, 404, "not_found", NULL, "no person with id \"%s\"",
                                r->params[0]);
                return;
        }
        if (rc == CXG_ERR_CONFLICT) {
                api_reply_error(r, 409, "conflict", NULL, "person \"%s\" is already erased",
                                r->params[0]);
                return;
        }
        if (rc) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        atomic_fetch_add(&api_g.generation, 1);
        api_engine_sync(r, 1);
        if (!(j = view_erase_report(&rep))) {
                api_reply_error(r, 503, "unavailable", NULL, "out of memory");
                return;
        }
        api_reply_json(r, 200, j);
}
