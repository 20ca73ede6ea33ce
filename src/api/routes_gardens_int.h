/*
 * routes_gardens_int.h: helpers shared by the garden route sources (routes_gardens.c: staff
 * gardens and ideas; routes_gardens_ledger.c: the ledger; routes_gardens_portal.c: the member
 * portal). Not for other files.
 */
#ifndef CXG_API_ROUTES_GARDENS_INT_H
#define CXG_API_ROUTES_GARDENS_INT_H

#include <stdint.h>

#include <jansson.h>

#include "api/api_int.h"
#include "app/app.h"
#include "app/view_gardens.h"
#include "model/garden.h"
#include "store/store_gardens.h"

/* Reply with the error of rc (CXG_ERR_NOTFOUND etc. mapped to statuses); returns 0. */
int rg_reply_err(struct api_req *r, enum cxg_err rc, const struct cxg_error *e);
/* The signed-in user as a garden actor into *who; replies 401/403 and returns 0 when not one. */
int rg_actor(struct api_req *r, struct store *st, struct garden_actor *who);
/* The use-case context of this request (store, actor, token, server config, now) in *c. */
const struct app_ctx *rg_ctx_of(struct api_req *r, struct store *st, struct app_ctx *c);
/* A positive id from s; replies 404 ("no WHAT S") and returns 0 when not one. */
int rg_parse_id(struct api_req *r, const char *s, const char *what, int64_t *id);
/* The request's store handle; replies 503 and returns NULL when none. */
struct store *rg_store_of(struct api_req *r);
/* String member key of b into *out (NULL when absent); replies 422 and returns 0 when not a string.
 */
int rg_body_str(struct api_req *r, json_t *b, const char *key, const char **out);
/* Date member key of b into *out (CXG_TS_NONE when absent); replies 422 and returns 0 when bad. */
int rg_body_time(struct api_req *r, json_t *b, const char *key, int64_t *out);
/* Replies 422 and returns 0 when b has a key not in keys (NULL-terminated). */
int rg_only_keys(struct api_req *r, json_t *b, const char *const *keys);
/* The garden rules of the server config ([gardens] approvers). */
void rg_rules_of(struct garden_rules *g);
/* Append v (stolen) to arr; CXG_ERR_NOMEM when v is NULL or appending fails. */
enum cxg_err rg_to_array(json_t *arr, json_t *v);
/* Reply with the ideas of garden gid (v: as the portal shows them). */
void rg_ideas_reply(struct api_req *r, struct store *st, int64_t gid,
                    const struct view_garden_viewer *v);
/* Create an idea in gid from the request body and reply with it. */
void rg_idea_create(struct api_req *r, struct store *st, const struct garden_actor *who,
                    int64_t gid, const struct view_garden_viewer *v);
/* Reply with the whole document of idea id (view_garden_idea_detail). */
void rg_idea_detail(struct api_req *r, struct store *st, int64_t id,
                    const struct view_garden_viewer *v);
/* Vote on idea id from the request body and reply with the idea. */
void rg_vote(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id,
             const struct view_garden_viewer *v);
/* Comment on idea id from the request body. */
void rg_comment(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id);
/* Move idea id as the request body says (to, why). */
void rg_transition(struct api_req *r, struct store *st, const struct garden_actor *who, int64_t id);

/* A garden being answered: its view, a list under construction and its id. */
struct rg_garden_view {
        json_t *obj;
        json_t *list;
        int64_t id;
};
/* store_garden_find callback: the garden's view into a struct rg_garden_view. */
enum cxg_err rg_garden_obj_cb(void *ctx, const struct store_garden_row *g);

#endif
