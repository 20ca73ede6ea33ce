/*
 * view.h: small builders shared by every JSON view of the use-case layer (view_*.c), so a
 * date, an absent string or a missing number reads the same in CLI --json and the API.
 * Each returns a new jansson value (NULL only when out of memory).
 */
#ifndef CXG_APP_VIEW_H
#define CXG_APP_VIEW_H

#include <stdint.h>

#include <jansson.h>

/* "2026-06-01T00:00:00Z", or null for CXG_TS_NONE. */
json_t *view_time(int64_t t);
/* The string, or null for NULL. */
json_t *view_str(const char *s);
/* A real, or null when v is not finite (NaN marks "absent" in the engine). */
json_t *view_num(double v);
/* Set key to v in o (v stolen; NULL v counts as failure). Returns 1 on failure, 0 on success. */
int view_put(json_t *o, const char *key, json_t *v);
/* o, or NULL (o freed) when bad is set: the end of a view built with view_put. */
json_t *view_done(json_t *o, int bad);
/* Compact text of v for storage or the audit log, freed with cxg_free; NULL when out of memory. */
char *view_text(const json_t *v);

#endif
