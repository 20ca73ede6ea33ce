/*
 * entities_int.h: inside the entity operations (entities.c) and their body parser
 * (entities_parse.c); not for other layers.
 */
#ifndef CXG_APP_ENTITIES_INT_H
#define CXG_APP_ENTITIES_INT_H

#include <stdint.h>

#include <jansson.h>

#include "app/entities.h"
#include "core/arena.h"
#include "model/model.h"

/* The most memory one body may take when parsed (strings copied out of it). */
#define PARSE_ARENA_MAX (16u << 20)

/* Any entity's model struct. */
union entity_any {
        struct account a;
        struct person p;
        struct subscription s;
        struct objective o;
        struct capability c;
};

/* Where parsed strings that are not borrowed from the JSON live, and where errors go. */
struct parse {
        struct cxg_arena *arena;
        struct cxg_error *err;
};

/* The fields a request body may hold, per entity (NULL-terminated lists). */
extern const char *const *const app_entity_keys[STORE_E__COUNT];

/* 1 when k is one of keys (NULL-terminated). */
int app_has_key(const char *const *keys, const char *k);

/* o[k] as unix seconds in *dst (an ISO 8601 string or an integer; CXG_TS_NONE when absent). */
enum cxg_err app_parse_ts(struct parse *p, json_t *o, const char *k, int64_t *dst);

/* Parse object o into the struct of entity e (strings borrowed from o or the arena). */
enum cxg_err app_entity_parse(struct parse *p, enum store_entity e, json_t *o, union entity_any *u);

#endif
