/*
 * entities_parse.c: a JSON object of a request body into the model struct of an entity
 * (accounts, people, subscriptions, objectives, capabilities): known fields only, types
 * checked, timestamps as ISO 8601 or unix seconds, then the model's validation. Errors name
 * the field (err->field).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/entities_int.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"

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
const char *const *const app_entity_keys[STORE_E__COUNT] = {acc_keys, ppl_keys, sub_keys, obj_keys,
                                                            cap_keys};

int app_has_key(const char *const *keys, const char *k)
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

enum cxg_err app_parse_ts(struct parse *p, json_t *o, const char *k, int64_t *dst)
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
        cxg_free(s);
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

#define TRY(x)                                                                                     \
        do {                                                                                       \
                enum cxg_err rc_ = (x);                                                            \
                if (rc_)                                                                           \
                        return rc_;                                                                \
        } while (0)

enum cxg_err app_entity_parse(struct parse *p, enum store_entity e, json_t *o, union entity_any *u)
{
        const char *k, *s;
        json_t *v;

        if (!json_is_object(o))
                return cxg_error_set(p->err, CXG_ERR_INVALID, "expected a JSON object");
        json_object_foreach(o, k, v)
        {
                if (!app_has_key(app_entity_keys[e], k))
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
                TRY(app_parse_ts(p, o, "created_at", &u->a.created_at));
                TRY(app_parse_ts(p, o, "churned_at", &u->a.churned_at));
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
                TRY(app_parse_ts(p, o, "created_at", &u->p.created_at));
                TRY(app_parse_ts(p, o, "left_at", &u->p.left_at));
                TRY(p_attrs(p, o, "attributes", &u->p.attributes));
                return model_person_validate(&u->p, p->err);
        case STORE_E_SUBSCRIPTIONS:
                model_subscription_init(&u->s);
                TRY(p_str(p, o, "account_id", &u->s.account_id));
                TRY(p_str(p, o, "plan", &u->s.plan));
                TRY(p_num(p, o, "mrr", &u->s.mrr));
                TRY(app_parse_ts(p, o, "started_at", &u->s.started_at));
                TRY(app_parse_ts(p, o, "ended_at", &u->s.ended_at));
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
