/*
 * routes_entities.c: CRUD for accounts, people, subscriptions, objectives and capabilities:
 * JSON <-> model structs, list filters, sorting and opaque cursors, create (201), replace
 * (PUT) and merge (PATCH) updates, deletes that refuse while referenced (409), and an audit
 * record with a before/after summary for every write. People's summaries name the changed
 * fields only, never personal values, so erasing a person later leaves nothing behind.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/parse.h"
#include "model/model.h"
#include "store/store_query.h"

static const char *const ent_path[STORE_E__COUNT] = {"accounts", "people", "subscriptions",
                                                     "objectives", "capabilities"};
static const char *const ent_one[STORE_E__COUNT] = {"account", "person", "subscription",
                                                    "objective", "capability"};

/* Fields accepted in request bodies, per entity. */
static const char *const acc_keys[] = {"id",       "name",       "plan",       "mrr",
                                       "currency", "created_at", "churned_at", "churned",
                                       "owner",    "attributes", NULL};
static const char *const ppl_keys[] = {"id",        "account_id", "name",    "email",      "role",
                                       "seniority", "created_at", "left_at", "attributes", NULL};
static const char *const sub_keys[] = {"id",         "account_id", "plan", "mrr",
                                       "started_at", "ended_at",   NULL};
static const char *const obj_keys[] = {"id",         "account_id", "person_id",    "title",
                                       "importance", "status",     "capabilities", NULL};
static const char *const cap_keys[] = {"id", "name", "plans", "interaction_types", NULL};
static const char *const *const ent_keys[STORE_E__COUNT] = {acc_keys, ppl_keys, sub_keys, obj_keys,
                                                            cap_keys};

/* Optional fields that become NULL when absent from a PUT or null in a PATCH. */
static const char *const acc_clear[] = {
    "name", "plan", "mrr", "currency", "created_at", "churned_at", "owner", "attributes", NULL};
static const char *const ppl_clear[] = {"name",    "email",      "role", "created_at",
                                        "left_at", "attributes", NULL};
static const char *const sub_clear[] = {"ended_at", NULL};
static const char *const obj_clear[] = {"person_id", NULL};
static const char *const cap_clear[] = {NULL};
static const char *const *const ent_clear[STORE_E__COUNT] = {acc_clear, ppl_clear, sub_clear,
                                                             obj_clear, cap_clear};

/* Fields whose values may appear in audit summaries (no personal data). */
static const char *const acc_audit[] = {"plan",       "mrr",        "currency", "owner",
                                        "created_at", "churned_at", "churned",  NULL};
static const char *const ppl_audit[] = {NULL};
static const char *const sub_audit[] = {"account_id", "plan",     "mrr",
                                        "started_at", "ended_at", NULL};
static const char *const obj_audit[] = {"account_id", "importance", "status", "capabilities", NULL};
static const char *const cap_audit[] = {"name", "plans", "interaction_types", NULL};
static const char *const *const ent_audit[STORE_E__COUNT] = {acc_audit, ppl_audit, sub_audit,
                                                             obj_audit, cap_audit};

static enum store_entity route_entity(struct api_req *r)
{
        const char *p = r->route->pattern + strlen("/api/v1/");

        for (int e = 0; e < STORE_E__COUNT; e++) {
                size_t n = strlen(ent_path[e]);

                if (strncmp(p, ent_path[e], n) == 0 && (p[n] == '\0' || p[n] == '/'))
                        return (enum store_entity)e;
        }
        return STORE_E__COUNT;
}

/* ---- rows to JSON ---- */

static json_t *j_str(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *j_num(double d)
{
        return isnan(d) ? json_null() : json_real(d);
}

static json_t *j_ts(int64_t t)
{
        char b[24];

        return t == CXG_TS_NONE ? json_null() : json_string(cxg_time_format(t, b));
}

static json_t *j_raw(const char *text, json_t *fallback)
{
        json_t *j = text ? json_loads(text, 0, NULL) : NULL;

        if (j) {
                json_decref(fallback);
                return j;
        }
        return fallback;
}

static json_t *row_json(const struct store_row *row)
{
        const struct account *a = row->account;
        const struct person *p = row->person;
        const struct subscription *s = row->subscription;
        const struct objective *o = row->objective;
        const struct capability *c = row->capability;

        switch (row->entity) {
        case STORE_E_ACCOUNTS:
                return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "id", j_str(a->id),
                                 "name", j_str(a->name), "plan", j_str(a->plan), "mrr",
                                 j_num(a->mrr), "currency", j_str(a->currency), "created_at",
                                 j_ts(a->created_at), "churned_at", j_ts(a->churned_at), "churned",
                                 a->churned > 0 || a->churned_at != CXG_TS_NONE, "owner",
                                 j_str(a->owner), "attributes", j_raw(a->attributes, json_null()));
        case STORE_E_PEOPLE:
                return json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}", "id", j_str(p->id),
                                 "account_id", j_str(p->account_id), "name", j_str(p->name),
                                 "email", j_str(p->email), "role", j_str(p->role), "seniority",
                                 model_seniority_name(p->seniority), "created_at",
                                 j_ts(p->created_at), "left_at", j_ts(p->left_at), "attributes",
                                 j_raw(p->attributes, json_null()));
        case STORE_E_SUBSCRIPTIONS:
                return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)row->id,
                                 "account_id", j_str(s->account_id), "plan", j_str(s->plan), "mrr",
                                 j_num(s->mrr), "started_at", j_ts(s->started_at), "ended_at",
                                 j_ts(s->ended_at));
        case STORE_E_OBJECTIVES:
                return json_pack("{s:o,s:o,s:o,s:o,s:i,s:o,s:o}", "id", j_str(o->id), "account_id",
                                 j_str(o->account_id), "person_id", j_str(o->person_id), "title",
                                 j_str(o->title), "importance", o->importance, "status",
                                 j_str(o->status), "capabilities",
                                 j_raw(row->list_json, json_array()));
        case STORE_E_CAPABILITIES:
                return json_pack("{s:o,s:o,s:o,s:o}", "id", j_str(c->id), "name", j_str(c->name),
                                 "plans", j_raw(row->list_json, json_array()), "interaction_types",
                                 j_raw(row->list2_json, json_array()));
        default:
                return NULL;
        }
}

struct one_ctx {
        json_t *obj;
        int64_t id;
};

static enum cxg_err one_cb(void *ctx, const struct store_row *row)
{
        struct one_ctx *c = ctx;

        c->obj = row_json(row);
        c->id = row->id;
        return c->obj ? CXG_OK : CXG_ERR_NOMEM;
}

/* The JSON of one row by external id into *out (NULL when absent). */
static enum cxg_err get_one(struct store *st, enum store_entity e, const char *id, json_t **out,
                            int64_t *internal, struct cxg_error *err)
{
        struct store_query q;
        struct one_ctx c = {0};
        enum cxg_err rc;

        store_query_init(&q);
        q.ext_id = id;
        q.limit = 1;
        rc = store_query_list(st, e, &q, one_cb, &c, err);
        if (rc) {
                json_decref(c.obj);
                return rc;
        }
        *out = c.obj;
        if (internal)
                *internal = c.id;
        return CXG_OK;
}

/* ---- JSON to structs ---- */

struct parse {
        struct cxg_arena *arena;
        struct cxg_error *err;
};

static int has_key(const char *const *keys, const char *k)
{
        for (; *keys; keys++)
                if (strcmp(*keys, k) == 0)
                        return 1;
        return 0;
}

static enum cxg_err p_str(struct parse *p, json_t *o, const char *k, const char **dst)
{
        json_t *v = json_object_get(o, k);

        *dst = NULL;
        if (!v || json_is_null(v))
                return CXG_OK;
        if (!json_is_string(v))
                return cxg_error_setf(p->err, CXG_ERR_INVALID, k, "field '%s' must be a string", k);
        *dst = json_string_value(v);
        return CXG_OK;
}

static enum cxg_err p_num(struct parse *p, json_t *o, const char *k, double *dst)
{
        json_t *v = json_object_get(o, k);

        *dst = NAN;
        if (!v || json_is_null(v))
                return CXG_OK;
        if (!json_is_number(v))
                return cxg_error_setf(p->err, CXG_ERR_INVALID, k, "field '%s' must be a number", k);
        *dst = json_number_value(v);
        return CXG_OK;
}

static enum cxg_err p_int(struct parse *p, json_t *o, const char *k, int lo, int hi, int *dst)
{
        json_t *v = json_object_get(o, k);

        if (!v || json_is_null(v))
                return CXG_OK;
        if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
                return cxg_error_setf(p->err, CXG_ERR_INVALID, k,
                                      "field '%s' must be a whole number from %d to %d", k, lo, hi);
        *dst = (int)json_integer_value(v);
        return CXG_OK;
}

static enum cxg_err p_ts(struct parse *p, json_t *o, const char *k, int64_t *dst)
{
        json_t *v = json_object_get(o, k);
        struct cxg_error e2 = {0};

        *dst = CXG_TS_NONE;
        if (!v || json_is_null(v))
                return CXG_OK;
        if (json_is_integer(v)) {
                *dst = (int64_t)json_integer_value(v);
                return CXG_OK;
        }
        if (json_is_string(v)) {
                const char *s = json_string_value(v);

                if (cxg_parse_time(s, strlen(s), dst, &e2))
                        return cxg_error_setf(p->err, CXG_ERR_INVALID, k,
                                              "field '%s': not a timestamp: \"%.60s\"", k, s);
                return CXG_OK;
        }
        return cxg_error_setf(p->err, CXG_ERR_INVALID, k,
                              "field '%s' must be an ISO 8601 timestamp or unix seconds", k);
}

static enum cxg_err p_attrs(struct parse *p, json_t *o, const char *k, const char **dst)
{
        json_t *v = json_object_get(o, k);
        char *s;

        *dst = NULL;
        if (!v || json_is_null(v))
                return CXG_OK;
        if (!json_is_object(v))
                return cxg_error_setf(p->err, CXG_ERR_INVALID, k, "field '%s' must be an object",
                                      k);
        s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        if (!s)
                return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        *dst = cxg_arena_strdup(p->arena, s);
        free(s);
        return *dst ? CXG_OK : cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
}

static enum cxg_err p_list(struct parse *p, json_t *o, const char *k, const char ***dst, size_t *n)
{
        json_t *v = json_object_get(o, k), *x;
        size_t i;

        *dst = NULL;
        *n = 0;
        if (!v || json_is_null(v))
                return CXG_OK;
        if (!json_is_array(v))
                return cxg_error_setf(p->err, CXG_ERR_INVALID, k,
                                      "field '%s' must be an array of strings", k);
        *dst = cxg_arena_alloc(p->arena, (json_array_size(v) + 1) * sizeof(char *));
        if (!*dst)
                return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        json_array_foreach(v, i, x)
        {
                if (!json_is_string(x) || !*json_string_value(x))
                        return cxg_error_setf(p->err, CXG_ERR_INVALID, k,
                                              "field '%s' must be an array of non-empty strings",
                                              k);
                (*dst)[i] = json_string_value(x);
        }
        *n = json_array_size(v);
        return CXG_OK;
}

union entity_any {
        struct account a;
        struct person p;
        struct subscription s;
        struct objective o;
        struct capability c;
};

#define TRY(x)                                                                                     \
        do {                                                                                       \
                enum cxg_err rc_ = (x);                                                            \
                if (rc_)                                                                           \
                        return rc_;                                                                \
        } while (0)

/* Parse object o into the struct of entity e (strings borrowed from o or the arena). */
static enum cxg_err parse_entity(struct parse *p, enum store_entity e, json_t *o,
                                 union entity_any *u)
{
        const char *k, *s;
        json_t *v;

        if (!json_is_object(o))
                return cxg_error_set(p->err, CXG_ERR_INVALID, "expected a JSON object");
        json_object_foreach(o, k, v)
        {
                if (!has_key(ent_keys[e], k))
                        return cxg_error_setf(p->err, CXG_ERR_INVALID, k, "unknown field '%s'", k);
        }
        switch (e) {
        case STORE_E_ACCOUNTS:
                model_account_init(&u->a);
                TRY(p_str(p, o, "id", &u->a.id));
                TRY(p_str(p, o, "name", &u->a.name));
                TRY(p_str(p, o, "plan", &u->a.plan));
                TRY(p_num(p, o, "mrr", &u->a.mrr));
                TRY(p_str(p, o, "currency", &u->a.currency));
                TRY(p_ts(p, o, "created_at", &u->a.created_at));
                TRY(p_ts(p, o, "churned_at", &u->a.churned_at));
                TRY(p_str(p, o, "owner", &u->a.owner));
                TRY(p_attrs(p, o, "attributes", &u->a.attributes));
                v = json_object_get(o, "churned");
                if (v && !json_is_null(v)) {
                        if (!json_is_boolean(v))
                                return cxg_error_setf(p->err, CXG_ERR_INVALID, "churned",
                                                      "field 'churned' must be true or false");
                        u->a.churned = json_is_true(v);
                }
                return model_account_validate(&u->a, p->err);
        case STORE_E_PEOPLE:
                model_person_init(&u->p);
                TRY(p_str(p, o, "id", &u->p.id));
                TRY(p_str(p, o, "account_id", &u->p.account_id));
                TRY(p_str(p, o, "name", &u->p.name));
                TRY(p_str(p, o, "email", &u->p.email));
                TRY(p_str(p, o, "role", &u->p.role));
                TRY(p_str(p, o, "seniority", &s));
                if (s && (u->p.seniority = model_seniority_parse(s, strlen(s))) < 0)
                        return cxg_error_setf(p->err, CXG_ERR_INVALID, "seniority",
                                              "seniority must be executive, director, manager, "
                                              "individual or unknown");
                TRY(p_ts(p, o, "created_at", &u->p.created_at));
                TRY(p_ts(p, o, "left_at", &u->p.left_at));
                TRY(p_attrs(p, o, "attributes", &u->p.attributes));
                return model_person_validate(&u->p, p->err);
        case STORE_E_SUBSCRIPTIONS:
                model_subscription_init(&u->s);
                TRY(p_str(p, o, "account_id", &u->s.account_id));
                TRY(p_str(p, o, "plan", &u->s.plan));
                TRY(p_num(p, o, "mrr", &u->s.mrr));
                TRY(p_ts(p, o, "started_at", &u->s.started_at));
                TRY(p_ts(p, o, "ended_at", &u->s.ended_at));
                return model_subscription_validate(&u->s, p->err);
        case STORE_E_OBJECTIVES:
                model_objective_init(&u->o);
                TRY(p_str(p, o, "id", &u->o.id));
                TRY(p_str(p, o, "account_id", &u->o.account_id));
                TRY(p_str(p, o, "person_id", &u->o.person_id));
                TRY(p_str(p, o, "title", &u->o.title));
                TRY(p_int(p, o, "importance", 1, 5, &u->o.importance));
                TRY(p_str(p, o, "status", &u->o.status));
                TRY(p_list(p, o, "capabilities", &u->o.capabilities, &u->o.n_capabilities));
                return model_objective_validate(&u->o, p->err);
        case STORE_E_CAPABILITIES:
                model_capability_init(&u->c);
                TRY(p_str(p, o, "id", &u->c.id));
                TRY(p_str(p, o, "name", &u->c.name));
                TRY(p_list(p, o, "plans", &u->c.plans, &u->c.n_plans));
                TRY(p_list(p, o, "interaction_types", &u->c.interaction_types,
                           &u->c.n_interaction_types));
                return model_capability_validate(&u->c, p->err);
        default:
                return cxg_error_set(p->err, CXG_ERR_INTERNAL, "unknown entity");
        }
}

static enum cxg_err put_entity(struct store *st, enum store_entity e, const union entity_any *u,
                               int64_t *id, int *how, struct cxg_error *err)
{
        switch (e) {
        case STORE_E_ACCOUNTS:
                return store_put_account(st, &u->a, id, how, err);
        case STORE_E_PEOPLE:
                return store_put_person(st, &u->p, id, how, err);
        case STORE_E_SUBSCRIPTIONS:
                return store_put_subscription(st, &u->s, id, how, err);
        case STORE_E_OBJECTIVES:
                return store_put_objective(st, &u->o, id, how, err);
        case STORE_E_CAPABILITIES:
                return store_put_capability(st, &u->c, id, how, err);
        default:
                return cxg_error_set(err, CXG_ERR_INTERNAL, "unknown entity");
        }
}

/* A write error as a reply: missing references are validation errors (422), not 404s. */
static void reply_write_err(struct api_req *r, enum cxg_err rc, struct cxg_error *err)
{
        if (rc == CXG_ERR_NOTFOUND && err->field[0]) {
                api_reply_error(r, 422, "invalid", err->field, "%s", err->msg);
                return;
        }
        api_reply_cxg(r, rc, err);
}

/* ---- audit summaries ---- */

static json_t *pick(json_t *o, const char *const *keys)
{
        json_t *out = json_object();

        if (!o || !out)
                return out;
        for (; *keys; keys++) {
                json_t *v = json_object_get(o, *keys);

                if (v)
                        json_object_set(out, *keys, v);
        }
        return out;
}

static json_t *summary(enum store_entity e, json_t *before, json_t *after)
{
        json_t *s = json_object(), *changed = json_array();
        const char *k;
        json_t *v;

        if (!s || !changed) {
                json_decref(s);
                json_decref(changed);
                return NULL;
        }
        if (before && after) {
                json_object_foreach(after, k, v)
                {
                        if (!json_equal(v, json_object_get(before, k)))
                                json_array_append_new(changed, json_string(k));
                }
        } else {
                json_object_foreach(before ? before : after, k, v)
                {
                        if (!json_is_null(v))
                                json_array_append_new(changed, json_string(k));
                }
        }
        json_object_set_new(s, "changed", changed);
        if (ent_audit[e][0]) {
                if (before)
                        json_object_set_new(s, "before", pick(before, ent_audit[e]));
                if (after)
                        json_object_set_new(s, "after", pick(after, ent_audit[e]));
        }
        return s;
}

static enum cxg_err audit_write(struct api_req *r, const char *action, enum store_entity e,
                                const char *id, json_t *before, json_t *after,
                                struct cxg_error *err)
{
        json_t *s = summary(e, before, after);
        enum cxg_err rc;

        if (!s)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = api_audit(r, action, ent_path[e], id, s, err);
        json_decref(s);
        return rc;
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
        o = row_json(row);
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
        free(s);
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
                                        "unknown query parameter '%s' for %s", la.bad, ent_path[e]);
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
                                        ent_path[e], sort);
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

void api_h_get(struct api_req *r)
{
        enum store_entity e = route_entity(r);
        struct cxg_error err = {0};
        json_t *o = NULL;
        enum cxg_err rc;

        if (!api_store(r))
                return;
        rc = get_one(r->st, e, r->params[0], &o, NULL, &err);
        if (rc) {
                api_reply_cxg(r, rc, &err);
                return;
        }
        if (!o) {
                api_reply_error(r, 404, "not_found", NULL, "no %s with id \"%s\"", ent_one[e],
                                r->params[0]);
                return;
        }
        api_reply_json(r, 200, o);
}

/* The id of a row as text for its URL and the audit log. */
static void row_id_text(enum store_entity e, json_t *o, int64_t internal, char *out, size_t cap)
{
        if (e == STORE_E_SUBSCRIPTIONS)
                snprintf(out, cap, "%lld", (long long)internal);
        else
                snprintf(out, cap, "%s", json_string_value(json_object_get(o, "id")));
}

/* Clear the optional fields that are absent or null in o. */
static enum cxg_err clear_absent(struct store *st, enum store_entity e, const char *id, json_t *o,
                                 int replace, struct cxg_error *err)
{
        const char *f[16];
        size_t n = 0;

        for (const char *const *k = ent_clear[e]; *k && n < 16; k++) {
                json_t *v = json_object_get(o, *k);

                /* the upsert merges attributes: a replacement starts from none */
                if (!v || json_is_null(v) || (replace && strcmp(*k, "attributes") == 0))
                        f[n++] = *k;
        }
        return n ? store_query_clear(st, e, id, f, n, err) : CXG_OK;
}

void api_h_create(struct api_req *r)
{
        enum store_entity e = route_entity(r);
        json_t *body = api_body_json(r), *after = NULL;
        struct cxg_arena arena;
        struct cxg_error err = {0};
        struct parse p = {&arena, &err};
        union entity_any u;
        char idtext[300];
        int64_t id = 0;
        int how = 0;
        enum cxg_err rc;

        cxg_arena_init(&arena, 0, 16u << 20);
        if (!body)
                goto done;
        if (e != STORE_E_SUBSCRIPTIONS && json_is_object(body) &&
            !json_is_string(json_object_get(body, "id"))) {
                api_reply_error(r, 422, "invalid", "id", "id is required (a string)");
                goto done;
        }
        if (e == STORE_E_SUBSCRIPTIONS && json_is_object(body) && json_object_get(body, "id")) {
                api_reply_error(r, 422, "invalid", "id",
                                "subscription ids are assigned by the server");
                goto done;
        }
        if ((rc = parse_entity(&p, e, body, &u))) {
                api_reply_cxg(r, rc == CXG_ERR_INVALID ? CXG_ERR_INVALID : rc, &err);
                goto done;
        }
        if (!api_store(r))
                goto done;
        if ((rc = store_begin(r->st, &err)))
                goto fail;
        if ((rc = put_entity(r->st, e, &u, &id, &how, &err)))
                goto fail_tx;
        if (how == STORE_UPDATED) {
                store_rollback(r->st);
                api_reply_error(r, 409, "conflict", "id",
                                "%s exists already; use PUT or PATCH to change it", ent_one[e]);
                goto done;
        }
        {
                struct store_query q;
                struct one_ctx c = {0};

                store_query_init(&q);
                if (e == STORE_E_SUBSCRIPTIONS) {
                        snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
                        q.ext_id = idtext;
                } else {
                        q.ext_id = json_string_value(json_object_get(body, "id"));
                }
                q.limit = 1;
                if ((rc = store_query_list(r->st, e, &q, one_cb, &c, &err)))
                        goto fail_tx;
                after = c.obj;
        }
        if (!after) {
                rc = cxg_error_set(&err, CXG_ERR_INTERNAL, "row vanished after insert");
                goto fail_tx;
        }
        row_id_text(e, after, id, idtext, sizeof(idtext));
        if ((rc = audit_write(r, "create", e, idtext, NULL, after, &err)))
                goto fail_tx;
        if ((rc = store_commit(r->st, &err)))
                goto fail;
        api_engine_refresh(r);
        snprintf(r->location, sizeof(r->location), "/api/v1/%s/%s", ent_path[e], idtext);
        api_reply_json(r, 201, after);
        after = NULL;
        goto done;
fail_tx:
        store_rollback(r->st);
fail:
        reply_write_err(r, rc, &err);
done:
        json_decref(after);
        json_decref(body);
        cxg_arena_release(&arena);
}

/* RFC 7386 JSON merge patch of target by patch (returns a new reference; NULL on OOM). */
static json_t *merge_patch(json_t *target, json_t *patch)
{
        const char *k;
        json_t *v, *out;

        if (!json_is_object(patch))
                return json_incref(patch);
        out = json_is_object(target) ? json_deep_copy(target) : json_object();
        if (!out)
                return NULL;
        json_object_foreach(patch, k, v)
        {
                if (json_is_null(v)) {
                        json_object_del(out, k);
                } else {
                        json_t *m = merge_patch(json_object_get(out, k), v);

                        if (!m || json_object_set_new(out, k, m)) {
                                json_decref(out);
                                return NULL;
                        }
                }
        }
        return out;
}

static void update(struct api_req *r, int patch)
{
        enum store_entity e = route_entity(r);
        json_t *body = api_body_json(r), *before = NULL, *after = NULL, *full = NULL, *v;
        struct cxg_arena arena;
        struct cxg_error err = {0};
        struct parse p = {&arena, &err};
        union entity_any u;
        const char *id = r->params[0];
        int64_t internal = 0;
        enum cxg_err rc;

        cxg_arena_init(&arena, 0, 16u << 20);
        if (!body)
                goto done;
        if (!json_is_object(body)) {
                api_reply_error(r, 422, "invalid", NULL, "expected a JSON object");
                goto done;
        }
        v = json_object_get(body, "id");
        if (v && e != STORE_E_SUBSCRIPTIONS &&
            (!json_is_string(v) || strcmp(json_string_value(v), id) != 0)) {
                api_reply_error(r, 422, "invalid", "id",
                                "id in the body differs from the id in the URL; ids cannot change");
                goto done;
        }
        if (!api_store(r))
                goto done;
        if ((rc = store_begin(r->st, &err)))
                goto fail;
        if ((rc = get_one(r->st, e, id, &before, &internal, &err)))
                goto fail_tx;
        if (!before) {
                store_rollback(r->st);
                api_reply_error(r, 404, "not_found", NULL, "no %s with id \"%s\"", ent_one[e], id);
                goto done;
        }
        if (patch) {
                json_t *attrs = json_object_get(body, "attributes");

                full = json_deep_copy(before);
                if (!full || json_object_update(full, body)) {
                        rc = cxg_error_set(&err, CXG_ERR_NOMEM, "out of memory");
                        goto fail_tx;
                }
                /* attributes follow RFC 7386: a null removes a key, others merge */
                if (json_is_object(attrs)) {
                        json_t *m = merge_patch(json_object_get(before, "attributes"), attrs);

                        if (!m || json_object_set_new(full, "attributes", m)) {
                                rc = cxg_error_set(&err, CXG_ERR_NOMEM, "out of memory");
                                goto fail_tx;
                        }
                }
        } else {
                full = json_deep_copy(body);
                if (!full) {
                        rc = cxg_error_set(&err, CXG_ERR_NOMEM, "out of memory");
                        goto fail_tx;
                }
        }
        if (e == STORE_E_SUBSCRIPTIONS) {
                /* (account_id, started_at) is the natural key: it cannot change */
                static const char *const fixed[] = {"account_id", "started_at"};

                for (int i = 0; i < 2; i++) {
                        json_t *nv = json_object_get(body, fixed[i]);

                        if (nv && !json_equal(nv, json_object_get(before, fixed[i]))) {
                                /* a timestamp may be written differently: compare parsed */
                                int64_t a = 0, b = 0;
                                struct parse p2 = {&arena, NULL};

                                if (i == 1 && !p_ts(&p2, body, fixed[i], &a) &&
                                    !p_ts(&p2, before, fixed[i], &b) && a == b)
                                        continue;
                                store_rollback(r->st);
                                api_reply_error(r, 422, "invalid", fixed[i],
                                                "%s of a subscription cannot change; delete it "
                                                "and create another",
                                                fixed[i]);
                                goto done;
                        }
                        json_object_set(full, fixed[i], json_object_get(before, fixed[i]));
                }
                json_object_del(full, "id");
        } else {
                json_object_set_new(full, "id", json_string(id));
        }
        if (!patch) {
                /* PUT replaces: lists left out become empty */
                static const char *const lists[] = {"capabilities", "plans", "interaction_types"};

                for (int i = 0; i < 3; i++)
                        if (has_key(ent_keys[e], lists[i]) && !json_object_get(full, lists[i]))
                                json_object_set_new(full, lists[i], json_array());
        }
        if ((rc = parse_entity(&p, e, full, &u)))
                goto fail_tx;
        /* clear first: the upsert merges attributes; the object in full is the whole result */
        if ((rc = clear_absent(r->st, e, id, full, 1, &err)))
                goto fail_tx;
        if ((rc = put_entity(r->st, e, &u, NULL, NULL, &err)))
                goto fail_tx;
        if ((rc = get_one(r->st, e, id, &after, NULL, &err)))
                goto fail_tx;
        if (!after) {
                rc = cxg_error_set(&err, CXG_ERR_INTERNAL, "row vanished after update");
                goto fail_tx;
        }
        if ((rc = audit_write(r, "update", e, id, before, after, &err)))
                goto fail_tx;
        if ((rc = store_commit(r->st, &err)))
                goto fail;
        api_engine_refresh(r);
        api_reply_json(r, 200, after);
        after = NULL;
        goto done;
fail_tx:
        store_rollback(r->st);
fail:
        reply_write_err(r, rc, &err);
done:
        json_decref(full);
        json_decref(before);
        json_decref(after);
        json_decref(body);
        cxg_arena_release(&arena);
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
        enum store_entity e = route_entity(r);
        struct cxg_error err = {0};
        json_t *before = NULL;
        enum cxg_err rc;

        if (api_person_erase_requested(r)) {
                api_h_person_erase(r);
                return;
        }
        if (!api_store(r))
                return;
        if ((rc = store_begin(r->st, &err)))
                goto fail;
        if ((rc = get_one(r->st, e, r->params[0], &before, NULL, &err)))
                goto fail_tx;
        if (!before) {
                store_rollback(r->st);
                api_reply_error(r, 404, "not_found", NULL, "no %s with id \"%s\"", ent_one[e],
                                r->params[0]);
                return;
        }
        if ((rc = store_query_delete(r->st, e, r->params[0], &err)))
                goto fail_tx;
        if ((rc = audit_write(r, "delete", e, r->params[0], before, NULL, &err)))
                goto fail_tx;
        if ((rc = store_commit(r->st, &err)))
                goto fail;
        atomic_fetch_add(&api_g.generation, 1);
        json_decref(before);
        api_engine_refresh(r);
        api_reply_empty(r, 204);
        return;
fail_tx:
        store_rollback(r->st);
fail:
        json_decref(before);
        reply_write_err(r, rc, &err);
}
