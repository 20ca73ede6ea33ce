/* hmap.h: open-addressing hash map from byte strings to 64-bit values (interning, id lookup). */
#ifndef CXG_HMAP_H
#define CXG_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct cxg_hmap_slot {
        const char *key; /* NUL-terminated copy owned by the map's arena; NULL: empty */
        uint32_t len;
        uint32_t hash;
        uint64_t val;
};

struct cxg_hmap {
        struct cxg_hmap_slot *slots;
        size_t cap; /* power of two */
        size_t count;
        struct cxg_arena keys;
};

/* Set up an empty map. */
void cxg_hmap_init(struct cxg_hmap *m);
/* Free the slots and the key copies. */
void cxg_hmap_release(struct cxg_hmap *m);
/* Look up key (n bytes); returns 1 and sets *val when found, else 0. */
int cxg_hmap_get(const struct cxg_hmap *m, const char *key, size_t n, uint64_t *val);
/* Insert or overwrite key -> val. The key is copied. */
enum cxg_err cxg_hmap_put(struct cxg_hmap *m, const char *key, size_t n, uint64_t val) CXG_WUR;
/*
 * Intern: when key exists set *val to its value and *found = 1; else insert it with the value
 * *val as given by the caller and set *found = 0. Returns the stored key copy via *stored
 * (may be NULL).
 */
enum cxg_err cxg_hmap_intern(struct cxg_hmap *m, const char *key, size_t n, uint64_t *val,
                             int *found, const char **stored) CXG_WUR;
/* FNV-1a 32-bit hash of n bytes. */
uint32_t cxg_hash(const char *s, size_t n);

#endif
