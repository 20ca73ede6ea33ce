/*
 * routes_gardens_ledger.c: the HTTP handlers of the incentive ledger (routes_gardens.h):
 * entries, leaderboards, trends, the points table and manual credits. Writes go through
 * app/gardens.h.
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

/* ---- ledger ---- */

static int ledger_garden(struct api_req *r, struct store *st, int64_t *gid)
{
        const char *g = api_arg(r, "garden");
        struct cxg_error e;
        enum cxg_err rc;

        *gid = 0;
        if (!g)
                return 1;
        cxg_error_clear(&e);
        if ((rc = store_garden_id(st, g, gid, &e)))
                return rg_reply_err(r, rc, &e);
        return 1;
}

static enum cxg_err ledger_cb(void *ctx, const struct store_ledger_row *l)
{
        return rg_to_array(ctx, view_garden_ledger(l));
}

void api_h_ledger_list(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct cxg_error e;
        int64_t gid;
        json_t *arr;
        enum cxg_err rc;

        if (!st || !ledger_garden(r, st, &gid))
                return;
        arr = json_array();
        cxg_error_clear(&e);
        if (!arr || (rc = store_ledger_scan(st, gid, ledger_cb, arr, &e))) {
                json_decref(arr);
                api_reply_cxg(r, arr ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        api_reply_json(r, 200, json_pack("{s:o}", "entries", arr));
}

void api_h_ledger_board(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct eng_garden_board b;
        struct cxg_error e;
        const char *by = api_arg(r, "by"), *ls = api_arg(r, "limit");
        int64_t gid, since = CXG_TS_NONE, until = CXG_TS_NONE, limit = 20;
        int bv = by ? eng_garden_by_parse(by) : ENG_GARDEN_BY_PERSON;
        enum cxg_err rc;

        if (!st || !ledger_garden(r, st, &gid))
                return;
        cxg_error_clear(&e);
        if (bv < 0) {
                api_reply_error(r, 400, "bad_request", "by",
                                "by must be person, team, garden "
                                "or group");
                return;
        }
        if ((api_arg(r, "since") &&
             cxg_parse_time(api_arg(r, "since"), strlen(api_arg(r, "since")), &since, &e)) ||
            (api_arg(r, "until") &&
             cxg_parse_time(api_arg(r, "until"), strlen(api_arg(r, "until")), &until, &e))) {
                api_reply_error(r, 400, "bad_request", "since", "since and until are dates");
                return;
        }
        if (ls && (cxg_parse_int64(ls, strlen(ls), &limit, &e) || limit < 0)) {
                api_reply_error(r, 400, "bad_request", "limit", "limit must be >= 0");
                return;
        }
        eng_garden_board_init(&b);
        if ((rc = eng_garden_leaderboard(st, gid, bv, since, until, &b, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, view_garden_board(&b, bv, (size_t)limit));
        eng_garden_board_release(&b);
}

void api_h_ledger_trend(struct api_req *r)
{
        struct store *st = rg_store_of(r);
        struct eng_garden_trend t;
        struct cxg_error e;
        int64_t gid;
        enum cxg_err rc;

        if (!st || !ledger_garden(r, st, &gid))
                return;
        eng_garden_trend_init(&t);
        cxg_error_clear(&e);
        if ((rc = eng_garden_support_trend(st, gid, &t, &e)))
                api_reply_cxg(r, rc, &e);
        else
                api_reply_json(r, 200, view_garden_trend(&t));
        eng_garden_trend_release(&t);
}

static void points_reply(struct api_req *r, struct store *st)
{
        int pts[LEDGER__COUNT];
        struct cxg_error e;
        json_t *o = json_object();
        enum cxg_err rc;

        cxg_error_clear(&e);
        if (!o || (rc = store_ledger_points(st, pts, &e))) {
                json_decref(o);
                api_reply_cxg(r, o ? rc : CXG_ERR_NOMEM, &e);
                return;
        }
        for (int k = 0; k < LEDGER__COUNT; k++)
                json_object_set_new(o, model_ledger_kind_name(k), json_integer(pts[k]));
        api_reply_json(r, 200, json_pack("{s:o}", "points", o));
}

void api_h_ledger_points(struct api_req *r)
{
        struct store *st = rg_store_of(r);

        if (st)
                points_reply(r, st);
}

void api_h_ledger_points_put(struct api_req *r)
{
        struct app_ctx ac;
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct cxg_error e;
        const char *k;
        json_t *b, *v;
        enum cxg_err rc;

        if (!st || !rg_actor(r, st, &who) || !(b = api_body_json(r)))
                return;
        cxg_error_clear(&e);
        /* validate everything first, then write: all or nothing per kind is enough here */
        json_object_foreach(b, k, v)
        {
                if (model_ledger_kind_parse(k, strlen(k)) < 0 || !json_is_integer(v)) {
                        api_reply_error(r, 422, "invalid", k,
                                        "'%s' is not a ledger kind with whole points", k);
                        json_decref(b);
                        return;
                }
        }
        json_object_foreach(b, k, v)
        {
                if ((rc = app_ledger_points_set(rg_ctx_of(r, st, &ac), &who,
                                                model_ledger_kind_parse(k, strlen(k)),
                                                (int)json_integer_value(v), &e))) {
                        api_reply_cxg(r, rc, &e);
                        json_decref(b);
                        return;
                }
        }
        json_decref(b);
        points_reply(r, st);
}

void api_h_ledger_credit(struct api_req *r)
{
        struct app_ctx ac;
        static const char *const keys[] = {"user",     "person", "kind", "cause_type",
                                           "cause_id", "garden", "note", NULL};
        struct store *st = rg_store_of(r);
        struct garden_actor who;
        struct cxg_error e;
        const char *user = NULL, *person = NULL, *kind = NULL, *cause = NULL, *garden = NULL,
                   *note = NULL;
        json_t *b, *cid;
        int64_t gid = 0, lid;
        enum cxg_err rc;

        if (!st || !rg_actor(r, st, &who) || !(b = api_body_json(r)))
                return;
        if (!rg_only_keys(r, b, keys) || !rg_body_str(r, b, "user", &user) ||
            !rg_body_str(r, b, "person", &person) || !rg_body_str(r, b, "kind", &kind) ||
            !rg_body_str(r, b, "cause_type", &cause) || !rg_body_str(r, b, "garden", &garden) ||
            !rg_body_str(r, b, "note", &note))
                goto done;
        cid = json_object_get(b, "cause_id");
        cxg_error_clear(&e);
        if ((garden && (rc = store_garden_id(st, garden, &gid, &e))) ||
            (rc = app_ledger_credit(rg_ctx_of(r, st, &ac), &who, gid, user, person,
                                    kind ? model_ledger_kind_parse(kind, strlen(kind)) : -1, cause,
                                    json_is_integer(cid) ? json_integer_value(cid) : 0, note, &lid,
                                    &e))) {
                api_reply_cxg(r, rc, &e);
                goto done;
        }
        api_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)lid));
done:
        json_decref(b);
}
