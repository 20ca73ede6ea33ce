/*
 * view_entities.h: the JSON documents of the core entities (accounts, people, subscriptions,
 * objectives, capabilities), login users, audit entries and a person's erasure,
 * built once for the API and the CLI's --json. Each returns a new jansson value, or NULL when
 * out of memory.
 */
#ifndef CXG_APP_VIEW_ENTITIES_H
#define CXG_APP_VIEW_ENTITIES_H

#include <jansson.h>

#include "store/store_auth.h"
#include "store/store_privacy.h"
#include "store/store_query.h"

/* One row of an entity list: the fields of GET /api/v1/{entity}/{id}. */
json_t *view_entity_row(const struct store_row *row);

/* What an erasure changed: {"erased": true, "id": anonymous id, counts, "wal_cleared"}. */
json_t *view_erase_report(const struct store_erase_report *r);

/* A login user: name, role, created_at, disabled, person_id when linked (never the hash). */
json_t *view_user(const struct store_user *u);

/* One audit entry: id, at, actor, action, entity, entity_id, summary (parsed JSON, or null). */
json_t *view_audit(const struct store_audit *a);

#endif
