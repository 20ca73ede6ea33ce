/*
 * entities.h: create, read, replace, merge and delete the core entities (accounts, people,
 * subscriptions, objectives, capabilities) from JSON documents shaped like their views
 * (view_entity_row), each write in one transaction with its audit record: action create,
 * update or delete on the entity's collection name, with a summary of the changed fields
 * and, for fields that hold no personal data, their values before and after.
 */
#ifndef CXG_APP_ENTITIES_H
#define CXG_APP_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "store/store_query.h"

/* "accounts", "people", ... (the API's collection) and "account", "person", ... */
const char *app_entity_plural(enum store_entity e);
const char *app_entity_singular(enum store_entity e);

/*
 * The view of the row of entity e with external id id (subscriptions: the numeric id) into
 * *out (new reference); CXG_ERR_NOTFOUND when there is none. internal (may be NULL) receives
 * the row's internal id.
 */
enum cxg_err app_entity_get(const struct app_ctx *c, enum store_entity e, const char *id,
                            json_t **out, int64_t *internal, struct cxg_error *err) CXG_WUR;

/*
 * Create a row of entity e from body (borrowed). Ids are required strings, except for
 * subscriptions whose id the store assigns. *out receives the new row's view, id (capacity
 * cap) its id as text. CXG_ERR_INVALID (err->field) for a bad body or a missing reference,
 * CXG_ERR_CONFLICT when the id exists already.
 */
enum cxg_err app_entity_create(const struct app_ctx *c, enum store_entity e, json_t *body,
                               json_t **out, char *id, size_t cap, struct cxg_error *err) CXG_WUR;

/*
 * Replace (patch = 0: fields left out are cleared, lists emptied) or merge (patch = 1: RFC
 * 7386 for attributes) the row id of entity e with body. Ids, and a subscription's account_id
 * and started_at, cannot change (CXG_ERR_INVALID). *out receives the updated view.
 * CXG_ERR_NOTFOUND when there is no such row.
 */
enum cxg_err app_entity_update(const struct app_ctx *c, enum store_entity e, const char *id,
                               json_t *body, int patch, json_t **out,
                               struct cxg_error *err) CXG_WUR;

/* Delete row id of entity e; CXG_ERR_NOTFOUND when absent, CXG_ERR_CONFLICT while referenced. */
enum cxg_err app_entity_delete(const struct app_ctx *c, enum store_entity e, const char *id,
                               struct cxg_error *err) CXG_WUR;

#endif
