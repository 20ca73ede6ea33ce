/*
 * snapshot_int.h: what the snapshot's files (snapshot.c, snapshot_finish.c) share and nothing
 * else includes.
 */
#ifndef CXG_ENG_SNAPSHOT_INT_H
#define CXG_ENG_SNAPSHOT_INT_H

#include <stddef.h>

#include "core/alloc.h"

/* Grow ptr to hold n elements; evaluates to 0 on success, 1 when out of memory (needs a local
 * `void *tmp`). */
#define GROW(ptr, n) (tmp = cxg_realloc((ptr), (n) * sizeof(*(ptr))), tmp ? ((ptr) = tmp, 0) : 1)

/* The next capacity from cap (0: 64), doubled until need fits. */
static inline size_t snap_next_cap(size_t cap, size_t need)
{
        size_t c = cap ? cap : 64;

        while (c < need)
                c *= 2;
        return c;
}

#endif
