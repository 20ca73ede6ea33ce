/*
 * routes_gardens.c: the staff HTTP handlers of customer gardens and ideas (routes_gardens.h) and
 * the helpers the garden route sources share (routes_gardens_int.h). Each handler parses the
 * request, calls one operation of app/gardens.h (which checks the garden rules of the acting
 * user, writes, audits and credits the ledger) and renders with app/view_gardens.h. The ledger
 * is in routes_gardens_ledger.c, the member portal in routes_gardens_portal.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/routes_gardens.h"
#include "api/routes_gardens_int.h"
#include "app/gardens.h"
#include "app/view_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "engine/engine.h"
#include "engine/gardens.h"
#include "engine/gardens_ledger.h"
#include "engine/gardens_suggest.h"
#include "store/store_gardens.h"

struct eng_engine *api_engine_get(void);

/* ---- helpers ---- */

int rg_reply_err(struct api_req *r, enum cxg_err rc, const struct cxg_error *e)
{
        api_reply_cxg(r, rc, e);
        return 0;
}

/* The acting user, from the principal. 1 on success, else a reply is set. */
int rg_actor(struct api_req *r, struct store *st, struct garden_actor *who)
{
        struct cxg_error e;
        enum cxg_err rc;

        cxg_error_clear(&e);
        rc = store_garden_actor(st, r->who.name, who, &e);
        if (rc)
                return rg_reply_err(r, rc == CXG_ERR_NOTFOUND ? CXG_ERR_AUTH : rc, &e);
        return 1;
}

/* The use-case context of this request, filled into *c. */
const struct app_ctx *rg_ctx_of(struct api_req *r, struct store *st, struct app_ctx *c)
{
        c->st = st;
        c->actor = r->who.name;
        c->token_id = r->who.via_token ? r->who.token_id : 0;
        c->cfg = api_g.cfg.ini;
        c->now = api_now();
        return c;
}

int rg_parse_id(struct api_req *r, const char *s, const char *what, int64_t *id)
{
        struct cxg_error e;

        cxg_error_clear(&e);
        if (cxg_parse_int64(s, strlen(s), id, &e) || *id <= 0) {
                api_reply_error(r, 404, "not_found", NULL, "no %s %s", what, s);
                return 0;
        }
        return 1;
}

struct store *rg_store_of(struct api_req *r)
{
        return api_store(r);
}

/* A JSON string member (NULL when absent or null); 422 when of another type. */
int rg_body_str(struct api_req *r, json_t *b, const char *key, const char **out)
{
        json_t *v = json_object_get(b, key);

        *out = NULL;
        if (!v || json_is_null(v))
                return 1;
        if (!json_is_string(v)) {
                api_reply_error(r, 422, "invalid", key, "%s must be a string", key);
                return 0;
        }
        *out = json_string_value(v);
        return 1;
}

/* A timestamp member (ISO 8601 text or unix seconds). */
int rg_body_time(struct api_req *r, json_t *b, const char *key, int64_t *out)
{
        json_t *v = json_object_get(b, key);
        struct cxg_error e;

        *out = CXG_TS_NONE;
        if (!v || json_is_null(v))
                return 1;
        if (json_is_integer(v)) {
                *out = json_integer_value(v);
                return 1;
        }
        cxg_error_clear(&e);
        if (!json_is_string(v) ||
            cxg_parse_time(json_string_value(v), strlen(json_string_value(v)), out, &e)) {
                api_reply_error(r, 422, "invalid", key, "%s must be a date or date-time", key);
                return 0;
        }
        return 1;
}

/* Refuse members of the body other than the allowed ones. */
int rg_only_keys(struct api_req *r, json_t *b, const char *const *keys)
{
        const char *k;
        json_t *v;

        json_object_foreach(b, k, v)
        {
                int ok = 0;

                for (const char *const *a = keys; *a; a++)
                        ok |= strcmp(*a, k) == 0;
                if (!ok) {
                        api_reply_error(r, 422, "invalid", k, "unknown field '%s'", k);
                        return 0;
                }
        }
        return 1;
}

void rg_rules_of(struct garden_rules *g)
{
        long v = 2;

        model_garden_rules_init(g);
        if (api_g.cfg.ini &&
            !cxg_config_long(api_g.cfg.ini, "gardens.approvers", 2, 1, 10, &v, NULL))
                g->approvers = (int)v;
}

enum cxg_err rg_to_array(json_t *arr, json_t *v)
{
        return !v || json_array_append_new(arr, v) ? CXG_ERR_NOMEM : CXG_OK;
}

/* ---- staff: gardens ---- */

static enum cxg_err garden_row_cb(void *ctx, const struct store_garden_row *g)
{
        return rg_to_array(ctx, view_garden(g));
}

void api_h_gardens_list(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct cxg_error e;
        json_t *arr = json_array();
        enum cxg_err rc;

        if (!st) {
                json_decref(arr);
                return;
        }
        cxg_error_clear(&e);
        if (!arr || (rc = store_garden_list(st, garden_row_cb, arr, &e))) {
                json_decref(arr);
                api_reply_cxg(r, arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "gardens", arr));
}

void api_h_garden_create(struct api_req *r)
{
        struct app_ctx ac;
        static const char *const keys[] = {"key",   "name",    "topic",     "topic_custom", "goal",
                                           "owner", "segment", "starts_at", "ends_at",      NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct garden g;
        struct cxg_error e;
        const char *topic = NULL;
        json_t *b;
        int64_t id;
        enum cxg_err rc;

        if (!st || !rg_actor(r, st, &who) || !(b = api_body_json(r)))
                return;
        model_garden_init(&g);
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "key", &g.key) ||
            !rg_body_str(r, b, "name", &g.name) || !rg_body_str(r, b, "topic", &topic) ||
            !rg_body_str(r, b, "topic_custom", &g.topic_custom) ||
            !rg_body_str(r, b, "goal", &g.goal) || !rg_body_str(r, b, "owner", &g.owner) ||
            !rg_body_str(r, b, "segment", &g.segment) ||
            !rg_body_time(r, b, "starts_at", &g.starts_at) ||
            !rg_body_time(r, b, "ends_at", &g.ends_at))
                goto done;
        g.topic = topic ? model_garden_topic_parse(topic, strlen(topic)) : -1;
        cxg_error_clear(&e);
        if ((rc = app_garden_create(rg_ctx_of(r, st, &ac), &who, &g, &id, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        {
                json_t *arr = json_array();

                if (arr && store_garden_find(st, g.key, garden_row_cb, arr, &e) == CXG_OK &&
                    json_array_size(arr) == 1) {
                        json_t *one = json_incref(json_array_get(arr, 0));

                        json_decref(arr);
                        snprintf(r->location, sizeof(r->location), "/api/v1/gardens/%s", g.key);
                        api_reply_json(r, 201, one);
                } else {
                        json_decref(arr);
                        api_reply_cxg(r, CXG_ERR_NOMEM, NULL);
                }
        }
done:
        json_decref(b);
}

enum cxg_err rg_garden_obj_cb(void *ctx, const struct store_garden_row *g)
{
        struct rg_garden_view *v = ctx;

        v->id = g->id;
        v->obj = view_garden(g);
        return v->obj ? CXG_OK : CXG_ERR_NOMEM;
}

static enum cxg_err member_cb(void *ctx, const struct store_member_row *m)
{
        return rg_to_array(ctx, view_garden_member(m));
}

void api_h_garden_get(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct rg_garden_view v = {0};
        struct cxg_error e;
        json_t *members = json_array();
        enum cxg_err rc;

        cxg_error_clear(&e);
        if (!st || !members) {
                json_decref(members);
                if (st)
                        api_reply_cxg(r, CXG_ERR_NOMEM, NULL);
                return;
        }
        if ((rc = store_garden_find(st, r->params[0], rg_garden_obj_cb, &v, &e)) ||
            (rc = store_garden_members(st, v.id, member_cb, members, &e)) ||
            json_object_set_new(v.obj, "member_list", members)) {
                if (!rc)
                        members = NULL;
                json_decref(members);
                json_decref(v.obj);
                api_reply_cxg(r, rc ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, v.obj);
}

static int garden_id(struct api_req *r, struct store *st, int64_t *gid)
{
        struct cxg_error e;
        enum cxg_err rc;

        cxg_error_clear(&e);
        if ((rc = store_garden_id(st, r->params[0], gid, &e)))
                return rg_reply_err(r, rc, &e);
        return 1;
}

void api_h_garden_members_add(struct api_req *r)
{
        struct app_ctx ac;
        static const char *const keys[] = {"person", "user", "role", "status", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct garden_member m = {0};
        struct cxg_error e;
        const char *role = NULL, *status = NULL;
        int64_t gid, mid;
        json_t *b;
        enum cxg_err rc;

        if (!st || !rg_actor(r, st, &who) || !garden_id(r, st, &gid) || !(b = api_body_json(r)))
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "person", &m.person) ||
            !rg_body_str(r, b, "user", &m.user) || !rg_body_str(r, b, "role", &role) ||
            !rg_body_str(r, b, "status", &status))
                goto done;
        m.role = role       ? model_garden_mrole_parse(role, strlen(role))
                 : m.person ? GARDEN_MROLE_CUSTOMER
                            : -1;
        m.status = status     ? model_garden_status_parse(status, strlen(status))
                   : m.person ? GARDEN_ST_INVITED
                              : GARDEN_ST_ACCEPTED;
        cxg_error_clear(&e);
        if ((rc = app_member_add(rg_ctx_of(r, st, &ac), &who, gid, &m, &mid, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 201,
                       json_pack("{s:I, s:s, s:s}", "id", (json_int_t)mid, "role",
                                 model_garden_mrole_name(m.role), "status",
                                 model_garden_status_name(m.status)));
done:
        json_decref(b);
}

void api_h_garden_members_patch(struct api_req *r)
{
        struct app_ctx ac;
        static const char *const keys[] = {"person", "user", "status", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct cxg_error e;
        const char *person = NULL, *user = NULL, *status = NULL;
        int64_t gid;
        int sv;
        json_t *b;
        enum cxg_err rc;

        if (!st || !rg_actor(r, st, &who) || !garden_id(r, st, &gid) || !(b = api_body_json(r)))
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "person", &person) ||
            !rg_body_str(r, b, "user", &user) || !rg_body_str(r, b, "status", &status))
                goto done;
        sv = status ? model_garden_status_parse(status, strlen(status)) : -1;
        cxg_error_clear(&e);
        if ((rc = app_member_status(rg_ctx_of(r, st, &ac), &who, gid, person, user, sv, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 200, json_pack("{s:s}", "status", status));
done:
        json_decref(b);
}

struct idea_list {
        json_t *arr;
        const struct view_garden_viewer *v;
};

static enum cxg_err idea_cb(void *ctx, const struct store_idea_row *i)
{
        struct idea_list *l = ctx;

        return rg_to_array(l->arr, view_garden_idea(i, l->v));
}

void rg_ideas_reply(struct api_req *r, struct store *st, int64_t gid,
                    const struct view_garden_viewer *v)
{
        struct idea_list l = {json_array(), v};
        struct cxg_error e;
        const char *state = api_arg(r, "state");
        int sv = -1;
        enum cxg_err rc;

        if (state && (sv = model_idea_state_parse(state, strlen(state))) < 0) {
                json_decref(l.arr);
                api_reply_error(r, 400, "bad_request", "state", "unknown state '%s'", state);
                return;
        }
        cxg_error_clear(&e);
        if (!l.arr || (rc = store_idea_list(st, gid, sv, idea_cb, &l, &e))) {
                json_decref(l.arr);
                api_reply_cxg(r, l.arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "ideas", l.arr));
}

void api_h_garden_ideas(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        int64_t gid;

        if (st && garden_id(r, st, &gid))
                rg_ideas_reply(r, st, gid, NULL);
}

static enum cxg_err one_idea_cb(void *ctx, const struct store_idea_row *i)
{
        struct idea_list *l = ctx;

        l->arr = view_garden_idea(i, l->v);
        return l->arr ? CXG_OK : CXG_ERR_NOMEM;
}

void rg_idea_create(struct api_req *r, struct store *st, const struct garden_actor *who,
                    int64_t gid, const struct view_garden_viewer *v)
{
        struct app_ctx ac;
        static const char *const keys[] = {"title", "description", "hypothesis", "target_metric",
                                           NULL};
        struct idea i;
        struct cxg_error e;
        struct idea_list l = {NULL, v};
        const char *metric = NULL;
        int64_t id;
        json_t *b = api_body_json(r);
        enum cxg_err rc;

        if (!b)
                return;
        model_idea_init(&i);
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "title", &i.title) ||
            !rg_body_str(r, b, "description", &i.description) ||
            !rg_body_str(r, b, "hypothesis", &i.hypothesis) ||
            !rg_body_str(r, b, "target_metric", &metric))
                goto done;
        i.target_metric = metric ? model_garden_metric_parse(metric, strlen(metric)) : -1;
        cxg_error_clear(&e);
        if ((rc = app_idea_create(rg_ctx_of(r, st, &ac), who, gid, &i, &id, &e)) ||
            (rc = store_idea_get(st, id, one_idea_cb, &l, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 201, l.arr);
done:
        json_decref(b);
}

void api_h_garden_idea_create(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        int64_t gid;

        if (st && rg_actor(r, st, &who) && garden_id(r, st, &gid))
                rg_idea_create(r, st, &who, gid, NULL);
}

void api_h_garden_impact(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct eng_garden_impact im;
        struct app_ctx ac;
        struct cxg_error e;
        const char *bs = api_arg(r, "bands");
        const char *garden = strcmp(r->params[0], "all") == 0 ? NULL : r->params[0];
        int64_t bands = APP_GARDENS_BANDS;
        enum cxg_err rc;

        if (!st)
                return;
        cxg_error_clear(&e);
        if (bs && (cxg_parse_int64(bs, strlen(bs), &bands, &e) || bands < 1 ||
                   bands > ENG_GARDEN_MAX_BANDS)) {
                api_reply_error(r, 400, "bad_request", "bands", "bands must be 1-%d",
                                ENG_GARDEN_MAX_BANDS);
                return;
        }
        if ((rc = app_garden_impact(rg_ctx_of(r, st, &ac), garden, api_arg(r, "segment"),
                                    (int)bands, &im, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, view_garden_impact_of(&im, garden));
}

void api_h_garden_suggest(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct eng_engine *eng = api_engine_get();
        struct app_garden_suggestion sg = {0};
        struct app_ctx ac;
        struct cxg_error e;
        const char *ls = api_arg(r, "limit");
        int64_t limit = 20, gid;
        enum cxg_err rc;
        json_t *j = NULL;

        if (!st)
                return;
        cxg_error_clear(&e);
        if (ls && (cxg_parse_int64(ls, strlen(ls), &limit, &e) || limit < 1 || limit > 10000)) {
                api_reply_error(r, 400, "bad_request", "limit", "limit must be 1-10000");
                return;
        }
        if ((rc = store_garden_id(st, r->params[0], &gid, &e))) {
                api_reply_cxg(r, rc, &e);
                return;
        }
        if (!eng) {
                api_reply_error(r, 503, "unavailable", NULL, "the engine is not loaded");
                return;
        }
        eng_engine_read_lock(eng);
        rc = app_garden_suggest(rg_ctx_of(r, st, &ac), eng, r->params[0], NULL, (size_t)limit, &sg,
                                &e);
        if (!rc)
                j = view_garden_suggestion(&eng->scores, &sg);
        eng_engine_unlock(eng);
        app_garden_suggestion_release(&sg);
        if (rc)
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, j);
}

/* ---- ideas ---- */

/* Reply with an idea, its transitions, comments, votes (staff) or own vote (portal). */
void rg_idea_detail(struct api_req *r, struct store *st, int64_t id,
                    const struct view_garden_viewer *v)
{
        struct cxg_error e;
        json_t *j = NULL;
        enum cxg_err rc;

        cxg_error_clear(&e);
        if ((rc = view_garden_idea_detail(st, id, v, &j, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, j);
}

void api_h_idea_get(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        int64_t id;

        if (st && rg_parse_id(r, r->params[0], "idea", &id))
                rg_idea_detail(r, st, id, NULL);
}

void rg_vote(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id,
             const struct view_garden_viewer *v)
{
        struct app_ctx ac;
        static const char *const keys[] = {"value", NULL};
        json_t *b = api_body_json(r), *val;
        struct cxg_error e;
        enum cxg_err rc;
        int value;

        if (!b)
                return;
        if (!rg_only_keys(r, b, keys))
                goto done;
        val = json_object_get(b, "value");
        value = json_is_integer(val) ? (int)json_integer_value(val)
                : json_is_string(val) && strcmp(json_string_value(val), "up") == 0   ? 1
                : json_is_string(val) && strcmp(json_string_value(val), "down") == 0 ? -1
                                                                                     : 0;
        cxg_error_clear(&e);
        if ((rc = app_idea_vote(rg_ctx_of(r, st, &ac), who, id, value, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        rg_idea_detail(r, st, id, v);
done:
        json_decref(b);
}

void rg_comment(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id)
{
        struct app_ctx ac;
        static const char *const keys[] = {"body", NULL};
        json_t *b = api_body_json(r);
        struct cxg_error e;
        const char *text = NULL;
        int64_t cid;
        enum cxg_err rc;

        if (!b)
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "body", &text))
                goto done;
        cxg_error_clear(&e);
        if ((rc = app_idea_comment(rg_ctx_of(r, st, &ac), who, id, text, &cid, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 201,
                       json_pack("{s:I, s:I}", "id", (json_int_t)cid, "idea", (json_int_t)id));
done:
        json_decref(b);
}

void rg_transition(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id)
{
        struct app_ctx ac;
        static const char *const keys[] = {"to", "why", NULL};
        json_t *b = api_body_json(r);
        struct garden_rules rules;
        struct app_move_result res;
        struct cxg_error e;
        const char *to = NULL, *why = NULL;
        int tv;
        enum cxg_err rc;

        if (!b)
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "to", &to) ||
            !rg_body_str(r, b, "why", &why))
                goto done;
        tv = to ? model_idea_state_parse(to, strlen(to)) : -1;
        if (tv < 0) {
                api_reply_error(r, 422, "invalid", "to",
                                "to must be a state (proposed, "
                                "under_review, approved, running, "
                                "adopted, rejected, withdrawn)");
                goto done;
        }
        rg_rules_of(&rules);
        cxg_error_clear(&e);
        if ((rc = app_idea_move(rg_ctx_of(r, st, &ac), who, id, tv, why, &rules, &res, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, res.moved ? 200 : 202,
                       json_pack("{s:I, s:s, s:s, s:b, s:i, s:i}", "idea", (json_int_t)id, "from",
                                 model_idea_state_name(res.from), "state",
                                 model_idea_state_name(res.moved ? res.to : res.from), "moved",
                                 res.moved, "approvals", res.approvals, "approvals_needed",
                                 res.needed));
done:
        json_decref(b);
}

void api_h_idea_vote(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        int64_t id;

        if (st && rg_parse_id(r, r->params[0], "idea", &id) && rg_actor(r, st, &who))
                rg_vote(r, st, &who, id, NULL);
}

void api_h_idea_comment(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        int64_t id;

        if (st && rg_parse_id(r, r->params[0], "idea", &id) && rg_actor(r, st, &who))
                rg_comment(r, st, &who, id);
}

void api_h_idea_transition(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        int64_t id;

        if (st && rg_parse_id(r, r->params[0], "idea", &id) && rg_actor(r, st, &who))
                rg_transition(r, st, &who, id);
}

void api_h_idea_experiment(struct api_req *r)
{
        struct app_ctx ac;
        static const char *const keys[] = {"starts_at", "ends_at", "accounts", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct cxg_error e;
        const char **acc = NULL;
        int64_t id, from, to, eid;
        size_t n = 0;
        json_t *b, *arr;
        enum cxg_err rc;

        if (!st || !rg_parse_id(r, r->params[0], "idea", &id) || !rg_actor(r, st, &who) ||
            !(b = api_body_json(r)))
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_time(r, b, "starts_at", &from) ||
            !rg_body_time(r, b, "ends_at", &to))
                goto done;
        arr = json_object_get(b, "accounts");
        if (!json_is_array(arr) || json_array_size(arr) > 100000) {
                api_reply_error(r, 422, "invalid", "accounts",
                                "accounts must be an array of account ids");
                goto done;
        }
        acc = cxg_calloc(json_array_size(arr) + 1, sizeof(*acc));
        if (!acc) {
                api_reply_cxg(r, CXG_ERR_NOMEM, NULL);
                goto done;
        }
        for (size_t k = 0; k < json_array_size(arr); k++) {
                json_t *x = json_array_get(arr, k);

                if (!json_is_string(x)) {
                        api_reply_error(r, 422, "invalid", "accounts",
                                        "accounts[%zu] is not an account id", k);
                        goto done;
                }
                acc[n++] = json_string_value(x);
        }
        cxg_error_clear(&e);
        if ((rc =
                 app_experiment_set(rg_ctx_of(r, st, &ac), &who, id, from, to, acc, n, &eid, &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        rg_idea_detail(r, st, id, NULL);
done:
        cxg_free(acc);
        json_decref(b);
}

void api_h_idea_results(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct app_ctx ac;
        struct cxg_error e;
        json_t *j = NULL;
        int64_t id;
        enum cxg_err rc;

        if (!st || !rg_parse_id(r, r->params[0], "idea", &id) || !rg_actor(r, st, &who))
                return;
        cxg_error_clear(&e);
        if ((rc = app_experiment_record(rg_ctx_of(r, st, &ac), &who, id, 0, NULL, &j, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, j);
}

void api_h_idea_rollout(struct api_req *r)
{
        static const char *const keys[] = {"segment", "at", "note", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct app_ctx ac;
        struct cxg_error e;
        const char *segment = NULL, *note = NULL;
        int64_t id, at, rid;
        size_t n = 0;
        json_t *b;
        enum cxg_err rc;

        if (!st || !rg_parse_id(r, r->params[0], "idea", &id) || !rg_actor(r, st, &who) ||
            !(b = api_body_json(r)))
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "segment", &segment) ||
            !rg_body_str(r, b, "note", &note) || !rg_body_time(r, b, "at", &at))
                goto done;
        cxg_error_clear(&e);
        if ((rc = app_rollout_add(rg_ctx_of(r, st, &ac), &who, id, segment, at, note, &rid, &n,
                                  &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 201,
                       json_pack("{s:I, s:I, s:s, s:I}", "id", (json_int_t)rid, "idea",
                                 (json_int_t)id, "segment", segment, "accounts", (json_int_t)n));
done:
        json_decref(b);
}

void api_h_idea_rollouts(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct app_rollout_report rep = {0};
        struct app_ctx ac;
        struct cxg_error e;
        int64_t id, days = APP_ROLLOUT_DAYS;
        const char *ds = api_arg(r, "days");
        enum cxg_err rc;

        if (!st || !rg_parse_id(r, r->params[0], "idea", &id))
                return;
        cxg_error_clear(&e);
        if (ds && (cxg_parse_int64(ds, strlen(ds), &days, &e) || days < APP_ROLLOUT_DAYS_MIN ||
                   days > APP_ROLLOUT_DAYS_MAX)) {
                api_reply_error(r, 400, "bad_request", "days", "days must be %d-%d",
                                APP_ROLLOUT_DAYS_MIN, APP_ROLLOUT_DAYS_MAX);
                return;
        }
        if ((rc = app_idea_rollout_report(rg_ctx_of(r, st, &ac), id, (int)days, &rep, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, view_garden_rollouts(&rep));
        app_rollout_report_release(&rep);
}
