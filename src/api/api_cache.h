/*
 * api_cache.h: the server's in-memory read caches (api_cache.c): tokens, sessions and users
 * for authentication, and the JSON documents of single accounts and people. Entries are
 * tagged with the store's generation counters (store_read_gen), read once per request, so a
 * change committed by any process invalidates them for the very next request.
 */
#ifndef CXG_API_CACHE_H
#define CXG_API_CACHE_H

#include "api/api_int.h"
#include "core/buf.h"
#include "store/store_auth.h"

/*
 * Read the store's cache generations into r (once per request: later calls reuse them).
 * 1 when r->gen_auth and r->gen_entities are valid, 0 when they could not be read (the
 * callers then bypass the caches).
 */
int api_read_gen(struct api_req *r);

/* store_token_find, store_session_find and store_user_by_id through the caches (r->st set). */
enum cxg_err api_token_find(struct api_req *r, const unsigned char hash[STORE_HASH_LEN],
                            struct store_token *out, struct cxg_error *err) CXG_WUR;
enum cxg_err api_session_find(struct api_req *r, const unsigned char hash[STORE_HASH_LEN],
                              int64_t now, struct store_session *out,
                              struct cxg_error *err) CXG_WUR;
/* As store_user_by_id, with out->password_hash cleared. */
enum cxg_err api_user_by_id(struct api_req *r, int64_t id, struct store_user *out,
                            struct cxg_error *err) CXG_WUR;

/*
 * The cached JSON document of entity (enum store_entity) id at the current generation as r's
 * 200 reply: 1 when it was there, 0 when the caller must build it.
 */
int api_entity_cached(struct api_req *r, int entity, const char *id);
/* Keep r's 200 reply as the document of entity id (r's generation, read before the row). */
void api_entity_remember(struct api_req *r, int entity, const char *id);

/* Prometheus lines: hits and misses per cache. */
enum cxg_err api_cache_metrics(struct cxg_buf *b);

#endif
