/*
 * entities.c: create, read, replace, merge and delete accounts, people, subscriptions,
 * objectives and capabilities (see entities.h), each write with its audit record. People's
 * audit summaries name the changed fields only, never personal values, so erasing a person
 * later leaves nothing behind.
 */
#include <stdio.h>
#include <string.h>

#include "app/entities_int.h"
#include "app/view_entities.h"
#include "core/banned.h"
#include "core/parse.h"

static const char *const ent_path[STORE_E__COUNT] = {"accounts", "people", "subscriptions",
                                                     "objectives", "capabilities"};
static const char *const ent_one[STORE_E__COUNT] = {"account", "person", "subscription",
                                                    "objective", "capability"};

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

struct one_ctx {
        json_t *obj;
        int64_t id;
};

static enum cxg_err one_cb(void *ctx, const struct store_row *row)
{
        struct one_ctx *c = ctx;

        c->obj = view_entity_row(row);
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

const char *app_entity_plural(enum store_entity e)
{
        return e < STORE_E__COUNT ? ent_path[e] : "?";
}

const char *app_entity_singular(enum store_entity e)
{
        return e < STORE_E__COUNT ? ent_one[e] : "?";
}

static enum cxg_err not_found(enum store_entity e, const char *id, struct cxg_error *err)
{
        return cxg_error_set(err, CXG_ERR_NOTFOUND, "no %s with id \"%s\"", ent_one[e], id);
}

/* A write error: missing references are invalid input (they name a field), not a 404. */
static enum cxg_err write_err(enum cxg_err rc, struct cxg_error *err)
{
        if (rc == CXG_ERR_NOTFOUND && err && err->field[0])
                err->code = rc = CXG_ERR_INVALID;
        return rc;
}

static enum cxg_err audit_write(const struct app_ctx *c, const char *action, enum store_entity e,
                                const char *id, json_t *before, json_t *after,
                                struct cxg_error *err)
{
        json_t *s = summary(e, before, after);
        enum cxg_err rc;

        if (!s)
                return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        rc = app_audit(c, action, ent_path[e], id, s, err);
        json_decref(s);
        return rc;
}

enum cxg_err app_entity_get(const struct app_ctx *c, enum store_entity e, const char *id,
                            json_t **out, int64_t *internal, struct cxg_error *err)
{
        enum cxg_err rc = get_one(c->st, e, id, out, internal, err);

        if (!rc && !*out)
                return not_found(e, id, err);
        return rc;
}

/* The checks of a create body that do not need the store. */
static enum cxg_err create_check(enum store_entity e, json_t *body, struct cxg_error *err)
{
        if (e != STORE_E_SUBSCRIPTIONS && json_is_object(body) &&
            !json_is_string(json_object_get(body, "id")))
                return cxg_error_setf(err, CXG_ERR_INVALID, "id", "id is required (a string)");
        if (e == STORE_E_SUBSCRIPTIONS && json_is_object(body) && json_object_get(body, "id"))
                return cxg_error_setf(err, CXG_ERR_INVALID, "id",
                                      "subscription ids are assigned by the server");
        return CXG_OK;
}

enum cxg_err app_entity_create(const struct app_ctx *c, enum store_entity e, json_t *body,
                               json_t **out, char *id, size_t cap, struct cxg_error *err)
{
        struct cxg_arena arena;
        struct parse p = {&arena, err};
        union entity_any u;
        char key[32];
        const char *ext;
        int64_t internal = 0;
        int how = 0;
        enum cxg_err rc;

        *out = NULL;
        cxg_arena_init(&arena, 0, PARSE_ARENA_MAX);
        if ((rc = create_check(e, body, err)) || (rc = app_entity_parse(&p, e, body, &u)))
                goto done;
        if ((rc = store_begin(c->st, err)))
                goto done;
        if ((rc = put_entity(c->st, e, &u, &internal, &how, err)))
                goto fail;
        if (how == STORE_UPDATED) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "id",
                                    "%s exists already; use PUT or PATCH to change it", ent_one[e]);
                goto fail;
        }
        snprintf(key, sizeof(key), "%lld", (long long)internal);
        ext = e == STORE_E_SUBSCRIPTIONS ? key : json_string_value(json_object_get(body, "id"));
        if ((rc = get_one(c->st, e, ext, out, NULL, err)))
                goto fail;
        if (!*out) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "row vanished after insert");
                goto fail;
        }
        row_id_text(e, *out, internal, id, cap);
        if ((rc = audit_write(c, "create", e, id, NULL, *out, err)) ||
            (rc = store_commit(c->st, err)))
                goto fail;
        goto done;
fail:
        store_rollback(c->st);
        json_decref(*out);
        *out = NULL;
done:
        cxg_arena_release(&arena);
        return write_err(rc, err);
}

/* A subscription's natural key (account_id, started_at) cannot change: keep before's. */
static enum cxg_err keep_sub_key(struct parse *p, json_t *body, json_t *before, json_t *full)
{
        static const char *const fixed[] = {"account_id", "started_at"};

        for (int i = 0; i < 2; i++) {
                json_t *nv = json_object_get(body, fixed[i]);

                if (nv && !json_equal(nv, json_object_get(before, fixed[i]))) {
                        /* a timestamp may be written differently: compare parsed */
                        int64_t a = 0, b = 0;
                        struct parse p2 = {p->arena, NULL};

                        if (i == 1 && !app_parse_ts(&p2, body, fixed[i], &a) &&
                            !app_parse_ts(&p2, before, fixed[i], &b) && a == b)
                                continue;
                        return cxg_error_setf(p->err, CXG_ERR_INVALID, fixed[i],
                                              "%s of a subscription cannot change; delete it "
                                              "and create another",
                                              fixed[i]);
                }
                if (json_object_set(full, fixed[i], json_object_get(before, fixed[i])))
                        return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        }
        json_object_del(full, "id");
        return CXG_OK;
}

/* The whole new document of row id: before merged with body (patch) or body alone (PUT). */
static enum cxg_err full_doc(struct parse *p, enum store_entity e, const char *id, json_t *body,
                             json_t *before, int patch, json_t **full)
{
        enum cxg_err rc;

        *full = json_deep_copy(patch ? before : body);
        if (!*full || (patch && json_object_update(*full, body)))
                return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        if (patch && json_is_object(json_object_get(body, "attributes"))) {
                /* attributes follow RFC 7386: a null removes a key, others merge */
                json_t *m = merge_patch(json_object_get(before, "attributes"),
                                        json_object_get(body, "attributes"));

                if (!m || json_object_set_new(*full, "attributes", m))
                        return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        }
        if (e == STORE_E_SUBSCRIPTIONS) {
                if ((rc = keep_sub_key(p, body, before, *full)))
                        return rc;
        } else if (json_object_set_new(*full, "id", json_string(id))) {
                return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        }
        if (!patch) {
                /* PUT replaces: lists left out become empty */
                static const char *const lists[] = {"capabilities", "plans", "interaction_types"};

                for (int i = 0; i < 3; i++)
                        if (app_has_key(app_entity_keys[e], lists[i]) &&
                            !json_object_get(*full, lists[i]) &&
                            json_object_set_new(*full, lists[i], json_array()))
                                return cxg_error_set(p->err, CXG_ERR_NOMEM, "out of memory");
        }
        return CXG_OK;
}

/* The checks of an update body that do not need the store. */
static enum cxg_err update_check(enum store_entity e, const char *id, json_t *body,
                                 struct cxg_error *err)
{
        json_t *v;

        if (!json_is_object(body))
                return cxg_error_set(err, CXG_ERR_INVALID, "expected a JSON object");
        v = json_object_get(body, "id");
        if (v && e != STORE_E_SUBSCRIPTIONS &&
            (!json_is_string(v) || strcmp(json_string_value(v), id) != 0))
                return cxg_error_setf(err, CXG_ERR_INVALID, "id",
                                      "id in the body differs from the id in the URL; ids cannot "
                                      "change");
        return CXG_OK;
}

enum cxg_err app_entity_update(const struct app_ctx *c, enum store_entity e, const char *id,
                               json_t *body, int patch, json_t **out, struct cxg_error *err)
{
        json_t *before = NULL, *full = NULL;
        struct cxg_arena arena;
        struct parse p = {&arena, err};
        union entity_any u;
        enum cxg_err rc;

        *out = NULL;
        cxg_arena_init(&arena, 0, PARSE_ARENA_MAX);
        if ((rc = update_check(e, id, body, err)) || (rc = store_begin(c->st, err)))
                goto done;
        if ((rc = app_entity_get(c, e, id, &before, NULL, err)) ||
            (rc = full_doc(&p, e, id, body, before, patch, &full)) ||
            (rc = app_entity_parse(&p, e, full, &u)) ||
            /* clear first: the upsert merges attributes; full is the whole result */
            (rc = clear_absent(c->st, e, id, full, 1, err)) ||
            (rc = put_entity(c->st, e, &u, NULL, NULL, err)) ||
            (rc = get_one(c->st, e, id, out, NULL, err)))
                goto fail;
        if (!*out) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "row vanished after update");
                goto fail;
        }
        if ((rc = audit_write(c, "update", e, id, before, *out, err)) ||
            (rc = store_commit(c->st, err)))
                goto fail;
        goto done;
fail:
        store_rollback(c->st);
        json_decref(*out);
        *out = NULL;
done:
        json_decref(full);
        json_decref(before);
        cxg_arena_release(&arena);
        return write_err(rc, err);
}

enum cxg_err app_entity_delete(const struct app_ctx *c, enum store_entity e, const char *id,
                               struct cxg_error *err)
{
        json_t *before = NULL;
        enum cxg_err rc;

        if ((rc = store_begin(c->st, err)))
                return rc;
        if ((rc = app_entity_get(c, e, id, &before, NULL, err)) ||
            (rc = store_query_delete(c->st, e, id, err)) ||
            (rc = audit_write(c, "delete", e, id, before, NULL, err)) ||
            (rc = store_commit(c->st, err)))
                store_rollback(c->st);
        json_decref(before);
        return write_err(rc, err);
}
