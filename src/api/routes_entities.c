/*
 * routes_entities.c: the HTTP side of CRUD for accounts, people, subscriptions, objectives and
 * capabilities: list filters, sorting and opaque cursors here; create (201), replace (PUT),
 * merge (PATCH) and delete (204; 409 while referenced) through src/app/entities.h, which
 * parses, writes and audits.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cache.h"
#include "api/api_int.h"
#include "app/entities.h"
#include "app/view_entities.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/parse.h"
#include "model/model.h"
#include "store/store_query.h"

static enum store_entity route_entity(struct api_req *r)
{
        const char *p = r->route->pattern + strlen("/api/v1/");

        for (int e = 0; e < STORE_E__COUNT; e++) {
                size_t n = strlen(app_entity_plural(e));

                if (strncmp(p, app_entity_plural(e), n) == 0 && (p[n] == '\0' || p[n] == '/'))
                        return (enum store_entity)e;
        }
        return STORE_E__COUNT;
}

/* ---- list ---- */

struct list_args {
        struct api_req *r;
        struct store_query *q;
        enum store_entity e;
        const char *bad; /* first unknown or repeated parameter */
        const char *why;
        int nattr;
};

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
        struct list_args *a = cls;
        struct store_query *q = a->q;
        enum store_entity e = a->e;

        (void)kind;
        if (!value)
                value = "";
        if (strcmp(key, "limit") == 0 || strcmp(key, "cursor") == 0 || strcmp(key, "sort") == 0)
                return MHD_YES;
        if (strcmp(key, "plan") == 0 && (e == STORE_E_ACCOUNTS || e == STORE_E_SUBSCRIPTIONS))
                q->plan = value;
        else if (strcmp(key, "owner") == 0 && e == STORE_E_ACCOUNTS)
                q->owner = value;
        else if ((strcmp(key, "account_id") == 0 || strcmp(key, "account") == 0) &&
                 (e == STORE_E_PEOPLE || e == STORE_E_SUBSCRIPTIONS || e == STORE_E_OBJECTIVES))
                q->account_id = value;
        else if (strcmp(key, "status") == 0 && e == STORE_E_OBJECTIVES)
                q->status = value;
        else if (strcmp(key, "seniority") == 0 && e == STORE_E_PEOPLE) {
                q->seniority = model_seniority_parse(value, strlen(value));
                if (q->seniority < 0) {
                        a->bad = key;
                        a->why = "seniority must be executive, director, manager, individual or "
                                 "unknown";
                        return MHD_NO;
                }
        } else if (strncmp(key, "attr.", 5) == 0 && key[5] &&
                   (e == STORE_E_ACCOUNTS || e == STORE_E_PEOPLE)) {
                if (++a->nattr > 1) {
                        a->bad = key;
                        a->why = "only one attr.KEY filter is supported per request";
                        return MHD_NO;
                }
                q->attr_key = key + 5;
                q->attr_value = value;
        } else {
                a->bad = key;
                a->why = NULL;
                return MHD_NO;
        }
        return MHD_YES;
}

struct list_ctx {
        json_t *items;
        int n, limit;
        struct store_row last; /* key of the limit-th row */
        char last_text[512];
        int more;
};

static enum cxg_err list_cb(void *ctx, const struct store_row *row)
{
        struct list_ctx *c = ctx;
        json_t *o;

        if (c->n == c->limit) {
                c->more = 1;
                return CXG_OK;
        }
        o = view_entity_row(row);
        if (!o || json_array_append_new(c->items, o))
                return CXG_ERR_NOMEM;
        c->n++;
        c->last = *row;
        if (!row->key_is_num)
                snprintf(c->last_text, sizeof(c->last_text), "%s",
                         row->key_text ? row->key_text : "");
        return CXG_OK;
}

/* Cursor: base64url of JSON [sort, desc, key, id]. */
static char *cursor_encode(const char *sort, int desc, const struct list_ctx *c)
{
        json_t *j =
            json_pack("[s,b,o,I]", sort, desc,
                      c->last.key_is_num ? json_real(c->last.key_num) : json_string(c->last_text),
                      (json_int_t)c->last.id);
        char *s, *out = NULL;
        size_t n, cap;

        if (!j)
                return NULL;
        s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!s)
                return NULL;
        n = strlen(s);
        cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        out = cxg_malloc(cap);
        if (out)
                sodium_bin2base64(out, cap, (const unsigned char *)s, n,
                                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        cxg_free(s);
        return out;
}

/* Decode cur into q (keeps a reference in *hold for the text key). 0 when not valid. */
static int cursor_decode(const char *cur, enum store_entity e, const char *sort, int desc,
                         struct store_query *q, json_t **hold)
{
        unsigned char bin[1024];
        size_t n = 0;
        json_t *j, *k;

        if (sodium_base642bin(bin, sizeof(bin) - 1, cur, strlen(cur), NULL, &n, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
                return 0;
        j = json_loadb((const char *)bin, n, 0, NULL);
        if (!j || !json_is_array(j) || json_array_size(j) != 4 ||
            !json_is_string(json_array_get(j, 0)) ||
            strcmp(json_string_value(json_array_get(j, 0)), sort) != 0 ||
            !json_is_boolean(json_array_get(j, 1)) || json_is_true(json_array_get(j, 1)) != desc ||
            !json_is_integer(json_array_get(j, 3))) {
                json_decref(j);
                return 0;
        }
        k = json_array_get(j, 2);
        if (store_query_sort_is_num(e, sort)) {
                if (!json_is_number(k)) {
                        json_decref(j);
                        return 0;
                }
                q->after_num = json_number_value(k);
        } else {
                if (!json_is_string(k)) {
                        json_decref(j);
                        return 0;
                }
                q->after_text = json_string_value(k);
        }
        q->after_id = (int64_t)json_integer_value(json_array_get(j, 3));
        q->has_after = 1;
        *hold = j;
        return 1;
}

void api_h_list(struct api_req *r)
{
        enum store_entity e = route_entity(r);
        struct store_query q;
        struct list_args la = {0};
        struct list_ctx c = {0};
        struct cxg_error err = {0};
        const char *lim = api_arg(r, "limit"), *sort = api_arg(r, "sort"),
                   *cur = api_arg(r, "cursor");
        const char *const *fields;
        int64_t limit = 100;
        json_t *hold = NULL, *reply;
        char *next = NULL;
        enum cxg_err rc;

        store_query_init(&q);
        la.r = r;
        la.q = &q;
        la.e = e;
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &la);
        if (la.bad) {
                if (la.why)
                        api_reply_error(r, 400, "bad_request", la.bad, "%s", la.why);
                else
                        api_reply_error(r, 400, "bad_request", la.bad,
                                        "unknown query parameter '%s' for %s", la.bad,
                                        app_entity_plural(e));
                return;
        }
        if (lim && (cxg_parse_int64(lim, strlen(lim), &limit, NULL) || limit < 1 ||
                    limit > STORE_QUERY_MAX_LIMIT)) {
                api_reply_error(r, 400, "bad_request", "limit", "limit must be 1-%d",
                                STORE_QUERY_MAX_LIMIT);
                return;
        }
        if (sort && *sort == '-') {
                q.desc = 1;
                sort++;
        }
        fields = store_query_sort_fields(e);
        if (!sort || !*sort)
                sort = fields[0];
        {
                int ok = 0;

                for (const char *const *f = fields; *f; f++)
                        ok |= strcmp(*f, sort) == 0;
                if (!ok) {
                        api_reply_error(r, 400, "bad_request", "sort", "cannot sort %s by '%s'",
                                        app_entity_plural(e), sort);
                        return;
                }
        }
        q.sort = sort;
        if (cur && !cursor_decode(cur, e, sort, q.desc, &q, &hold)) {
                api_reply_error(r, 400, "bad_request", "cursor",
                                "cursor is not valid for this list and sort order");
                return;
        }
        q.limit = (int)limit + 1;
        if (q.limit > STORE_QUERY_MAX_LIMIT + 1)
                q.limit = STORE_QUERY_MAX_LIMIT + 1;
        c.limit = (int)limit;
        c.items = json_array();
        if (!c.items || !api_store(r))
                goto fail_mem;
        /* the store caps at STORE_QUERY_MAX_LIMIT: ask for one more page row when under it */
        rc = store_query_list(r->st, e, &q, list_cb, &c, &err);
        if (rc == CXG_ERR_INVALID) {
                json_decref(c.items);
                json_decref(hold);
                api_reply_error(r, 400, "bad_request", err.field, "%s", err.msg);
                return;
        }
        if (rc) {
                json_decref(c.items);
                json_decref(hold);
                api_reply_cxg(r, rc, &err);
                return;
        }
        if (!c.more && c.n == STORE_QUERY_MAX_LIMIT && limit == STORE_QUERY_MAX_LIMIT) {
                /* a full page at the store's cap: probe for one more row */
                struct store_query q2 = q;
                struct list_ctx c2 = {0};

                c2.items = json_array();
                c2.limit = 0;
                q2.has_after = 1;
                q2.after_id = c.last.id;
                q2.after_num = c.last.key_num;
                q2.after_text = c.last_text;
                q2.limit = 1;
                if (c2.items && !store_query_list(r->st, e, &q2, list_cb, &c2, &err))
                        c.more = c2.more;
                json_decref(c2.items);
        }
        if (c.more) {
                next = cursor_encode(sort, q.desc, &c);
                if (!next)
                        goto fail_mem;
        }
        reply = json_pack("{s:o,s:s?}", "items", c.items, "next_cursor", next);
        cxg_free(next);
        json_decref(hold);
        api_reply_json(r, 200, reply);
        return;
fail_mem:
        json_decref(c.items);
        json_decref(hold);
        if (!r->status)
                api_reply_error(r, 500, "internal", NULL, "out of memory");
}

/* ---- get, create, update, delete ---- */

/*
 * Accounts and people are served from the read cache (api_cache.h) while no account or
 * person has changed in the store since the document was built: the bytes are the ones
 * this function built from the store, so both paths answer the same.
 */
void api_h_get(struct api_req *r)
{
        enum store_entity e = route_entity(r);
        int cacheable = e == STORE_E_ACCOUNTS || e == STORE_E_PEOPLE;
        struct cxg_error err = {0};
        struct app_ctx c;
        json_t *o = NULL;
        enum cxg_err rc;

        if (!api_store(r))
                return;
        if (cacheable && api_entity_cached(r, e, r->params[0]))
                return;
        api_app_ctx(r, &c);
        if ((rc = app_entity_get(&c, e, r->params[0], &o, NULL, &err))) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        api_reply_json(r, 200, o);
        if (cacheable)
                api_entity_remember(r, e, r->params[0]);
}

void api_h_create(struct api_req *r)
{
        enum store_entity e = route_entity(r);
        json_t *body = api_body_json(r), *after = NULL;
        struct cxg_error err = {0};
        struct app_ctx c;
        char id[300];
        enum cxg_err rc;

        if (!body || !api_store(r))
                goto done;
        api_app_ctx(r, &c);
        if ((rc = app_entity_create(&c, e, body, &after, id, sizeof(id), &err))) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        api_engine_refresh(r);
        snprintf(r->location, sizeof(r->location), "/api/v1/%s/%s", app_entity_plural(e), id);
        api_reply_json(r, 201, after);
done:
        json_decref(body);
}

static void update(struct api_req *r, int patch)
{
        json_t *body = api_body_json(r), *after = NULL;
        struct cxg_error err = {0};
        struct app_ctx c;
        enum cxg_err rc;

        if (!body || !api_store(r))
                goto done;
        api_app_ctx(r, &c);
        rc = app_entity_update(&c, route_entity(r), r->params[0], body, patch, &after, &err);
        if (rc) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        api_engine_refresh(r);
        api_reply_json(r, 200, after);
done:
        json_decref(body);
}

void api_h_put(struct api_req *r)
{
        update(r, 0);
}

void api_h_patch(struct api_req *r)
{
        update(r, 1);
}

void api_h_delete(struct api_req *r)
{
        struct cxg_error err = {0};
        struct app_ctx c;
        enum cxg_err rc;

        if (api_person_erase_requested(r)) {
                api_h_person_erase(r);
                return;
        }
        if (!api_store(r))
                return;
        api_app_ctx(r, &c);
        if ((rc = app_entity_delete(&c, route_entity(r), r->params[0], &err))) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        atomic_fetch_add(&api_g.generation, 1);
        api_engine_refresh(r);
        api_reply_empty(r, 204);
}
