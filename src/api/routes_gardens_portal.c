/*
 * routes_gardens_portal.c: the member portal of customer gardens (routes_gardens.h, under
 * /api/v1/portal/). Each route first resolves the member's own membership: a garden or idea the
 * member does not belong to is answered exactly like one that does not exist (404), so ids of
 * other customers' gardens reveal nothing.
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

/* ---- member portal ---- */

/*
 * The garden named by the route's first parameter, when the caller belongs to it: a member
 * whose person is invited or accepted (accepted when need_accepted), staff when an internal
 * member. Anything else is 404, worded as for a garden that does not exist.
 */
struct staff_find {
        int64_t user_id;
        int status;
};

static enum cxg_err staff_find_cb(void *ctx, const struct store_member_row *m)
{
        struct staff_find *f = ctx;

        if (m->user_id && m->user_id == f->user_id)
                f->status = m->status;
        return CXG_OK;
}

/* The caller's status in garden gid: a member's person, or a staff user's internal row. */
static enum cxg_err membership(struct store *st, const struct garden_actor *who, int64_t gid,
                               int *status, struct cxg_error *e)
{
        struct staff_find f = {who->user_id, -1};
        enum cxg_err rc;

        *status = -1;
        if (who->role == GARDEN_UROLE_MEMBER)
                return who->person_id
                           ? store_garden_person_status(st, gid, who->person_id, status, e)
                           : CXG_OK;
        rc = store_garden_members(st, gid, staff_find_cb, &f, e);
        *status = f.status;
        return rc;
}

static int portal_garden(struct api_req *r, struct store *st, const struct garden_actor *who,
                         const char *key, int need_accepted, int64_t *gid)
{
        struct cxg_error e;
        int status = -1;
        enum cxg_err rc;

        cxg_error_clear(&e);
        rc = store_garden_id(st, key, gid, &e);
        if (rc && rc != CXG_ERR_NOTFOUND)
                return rg_reply_err(r, rc, &e);
        if (!rc && (rc = membership(st, who, *gid, &status, &e)))
                return rg_reply_err(r, rc, &e);
        if (status == GARDEN_ST_ACCEPTED || (!need_accepted && status == GARDEN_ST_INVITED))
                return 1;
        api_reply_error(r, 404, "not_found", "garden", "no garden \"%.64s\"", key);
        return 0;
}

static int portal_actor(struct api_req *r, struct store *st, struct garden_actor *who,
                        struct view_garden_viewer *v)
{
        if (!rg_actor(r, st, who))
                return 0;
        v->user_id = who->user_id;
        v->person_id = who->person_id;
        return 1;
}

/* The idea of the route, when its garden is one the caller is an accepted member of. */
static int portal_idea(struct api_req *r, struct store *st, const struct garden_actor *who,
                       int64_t *id)
{
        struct store_idea_head d;
        struct cxg_error e;
        int status = -1;
        enum cxg_err rc;

        if (!rg_parse_id(r, r->params[0], "idea", id))
                return 0;
        cxg_error_clear(&e);
        rc = store_idea_head(st, *id, &d, &e);
        if (rc == CXG_ERR_NOTFOUND) {
                api_reply_error(r, 404, "not_found", "idea", "no idea %s", r->params[0]);
                return 0;
        }
        if (rc)
                return rg_reply_err(r, rc, &e);
        if ((rc = membership(st, who, d.garden_id, &status, &e)))
                return rg_reply_err(r, rc, &e);
        if (status != GARDEN_ST_ACCEPTED) {
                api_reply_error(r, 404, "not_found", "idea", "no idea %s", r->params[0]);
                return 0;
        }
        return 1;
}

struct portal_list {
        struct store *st;
        const struct garden_actor *who;
        json_t *arr;
        struct cxg_error *e;
};

static enum cxg_err portal_garden_cb(void *ctx, const struct store_garden_row *g)
{
        struct portal_list *l = ctx;
        int status = -1;
        enum cxg_err rc;
        json_t *j;

        if ((rc = membership(l->st, l->who, g->id, &status, l->e)))
                return rc;
        if (status != GARDEN_ST_ACCEPTED && status != GARDEN_ST_INVITED)
                return CXG_OK;
        j = view_garden(g);
        if (!j ||
            json_object_set_new(j, "my_status", json_string(model_garden_status_name(status))))
                return CXG_ERR_NOMEM;
        return rg_to_array(l->arr, j);
}

void api_h_portal_gardens_list(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        struct cxg_error e;
        struct portal_list l;
        enum cxg_err rc;

        if (!st || !portal_actor(r, st, &who, &v))
                return;
        cxg_error_clear(&e);
        l = (struct portal_list){st, &who, json_array(), &e};
        if (!l.arr || (rc = store_garden_list(st, portal_garden_cb, &l, &e))) {
                json_decref(l.arr);
                api_reply_cxg(r, l.arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "gardens", l.arr));
}

struct portal_members {
        json_t *arr;
        int64_t person;
        int my_status;
};

static enum cxg_err portal_member_cb(void *ctx, const struct store_member_row *m)
{
        struct portal_members *pm = ctx;

        if (m->person_id && m->person_id == pm->person)
                pm->my_status = m->status;
        /* the team behind the garden; other customers stay anonymous (counts only) */
        if (!m->user || m->status != GARDEN_ST_ACCEPTED)
                return CXG_OK;
        return rg_to_array(pm->arr, json_pack("{s:s, s:s}", "name", m->user, "role",
                                              model_garden_mrole_name(m->role)));
}

void api_h_portal_garden_get(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        struct rg_garden_view gv = {0};
        struct portal_members pm = {0};
        struct cxg_error e;
        int64_t gid;
        enum cxg_err rc = CXG_ERR_NOMEM;

        if (!st || !portal_actor(r, st, &who, &v) ||
            !portal_garden(r, st, &who, r->params[0], 0, &gid))
                return;
        cxg_error_clear(&e);
        pm.arr = json_array();
        pm.person = who.person_id;
        pm.my_status = -1;
        if (!pm.arr || (rc = store_garden_find(st, r->params[0], rg_garden_obj_cb, &gv, &e)) ||
            (rc = store_garden_members(st, gid, portal_member_cb, &pm, &e))) {
                json_decref(pm.arr);
                json_decref(gv.obj);
                api_reply_cxg(r, pm.arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        json_object_set_new(gv.obj, "team", pm.arr);
        json_object_set_new(gv.obj, "my_status",
                            pm.my_status >= 0 ? json_string(model_garden_status_name(pm.my_status))
                                              : json_null());
        api_reply_json(r, 200, gv.obj);
}

void api_h_portal_garden_respond(struct api_req *r)
{
        static const char *const keys[] = {"status", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct app_ctx ac;
        struct view_garden_viewer v;
        struct cxg_error e;
        const char *status = NULL, *person;
        int64_t gid;
        json_t *b;
        enum cxg_err rc;

        if (!st || !portal_actor(r, st, &who, &v) ||
            !portal_garden(r, st, &who, r->params[0], 0, &gid) || !(b = api_body_json(r)))
                return;
        person = r->who.person_id[0] ? r->who.person_id : NULL;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "status", &status))
                goto done;
        cxg_error_clear(&e);
        if (!person) {
                api_reply_error(r, 422, "invalid", "person", "this user is not a customer person");
                goto done;
        }
        if ((rc = app_member_status(rg_ctx_of(r, st, &ac), &who, gid, person, NULL,
                                    status ? model_garden_status_parse(status, strlen(status)) : -1,
                                    &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 200, json_pack("{s:s}", "my_status", status));
done:
        json_decref(b);
}

void api_h_portal_garden_ideas(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t gid;

        if (st && portal_actor(r, st, &who, &v) &&
            portal_garden(r, st, &who, r->params[0], 1, &gid))
                rg_ideas_reply(r, st, gid, &v);
}

void api_h_portal_garden_idea_create(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t gid;

        if (st && portal_actor(r, st, &who, &v) &&
            portal_garden(r, st, &who, r->params[0], 1, &gid))
                rg_idea_create(r, st, &who, gid, &v);
}

void api_h_portal_idea_get(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t id;

        if (st && portal_actor(r, st, &who, &v) && portal_idea(r, st, &who, &id))
                rg_idea_detail(r, st, id, &v);
}

void api_h_portal_idea_vote(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t id;

        if (st && portal_actor(r, st, &who, &v) && portal_idea(r, st, &who, &id))
                rg_vote(r, st, &who, id, &v);
}

void api_h_portal_idea_comment(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t id;

        if (st && portal_actor(r, st, &who, &v) && portal_idea(r, st, &who, &id))
                rg_comment(r, st, &who, id);
}

void api_h_portal_idea_transition(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        int64_t id;

        if (st && portal_actor(r, st, &who, &v) && portal_idea(r, st, &who, &id))
                rg_transition(r, st, &who, id);
}

static enum cxg_err join_status_cb(void *ctx, const struct store_experiment_row *x)
{
        json_t **out = ctx;

        *out = json_pack("{s:I, s:s}", "id", (json_int_t)x->id, "status", x->status);
        return *out ? CXG_OK : CXG_ERR_NOMEM;
}

void api_h_portal_idea_join(struct api_req *r)
{
        struct app_ctx ac;
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        struct cxg_error e;
        json_t *x = NULL;
        int64_t id;
        int added = 0;
        enum cxg_err rc;

        if (!st || !portal_actor(r, st, &who, &v) || !portal_idea(r, st, &who, &id))
                return;
        cxg_error_clear(&e);
        if ((rc = app_experiment_join(rg_ctx_of(r, st, &ac), &who, id, &added, &e)) ||
            (rc = store_experiment_get(st, id, join_status_cb, &x, &e))) {
                json_decref(x);
                api_reply_cxg(r, rc, &e);
                return;
        }
        api_reply_json(r, 200,
                       json_pack("{s:I, s:o, s:b, s:b}", "idea", (json_int_t)id, "experiment", x,
                                 "joined", 1, "added", added));
}

struct my_ledger {
        json_t *arr;
        int64_t user, person, total;
};

static enum cxg_err my_ledger_cb(void *ctx, const struct store_ledger_row *l)
{
        struct my_ledger *m = ctx;

        if (!((m->user && l->user_id == m->user) || (m->person && l->person_id == m->person)))
                return CXG_OK;
        m->total += l->points;
        return rg_to_array(m->arr, view_garden_ledger(l));
}

void api_h_portal_ledger(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct view_garden_viewer v;
        struct my_ledger m;
        struct cxg_error e;
        enum cxg_err rc;

        if (!st || !portal_actor(r, st, &who, &v))
                return;
        m = (struct my_ledger){json_array(), who.user_id, who.person_id, 0};
        cxg_error_clear(&e);
        if (!m.arr || (rc = store_ledger_scan(st, 0, my_ledger_cb, &m, &e))) {
                json_decref(m.arr);
                api_reply_cxg(r, m.arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200,
                       json_pack("{s:I, s:o}", "points", (json_int_t)m.total, "entries", m.arr));
}
