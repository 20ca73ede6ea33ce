/*
 * snapshot_int.h: what the snapshot's files (snapshot.c, snapshot_finish.c) share and nothing
 * else includes.
 */
#ifndef CXG_ENG_SNAPSHOT_INT_H
#define CXG_ENG_SNAPSHOT_INT_H

#include <stddef.h>

#include "core/alloc.h"
#include "core/grow.h"

/* Resize ptr to exactly n elements (offset arrays sized to a known count, the few capability
 * columns); evaluates to 0 on success, 1 when out of memory (needs a local `void *tmp`). */
#define SNAP_RESIZE(ptr, n)                                                                        \
        (tmp = cxg_realloc((ptr), (n) * sizeof(*(ptr))), tmp ? ((ptr) = tmp, 0) : 1)

/*
 * Grow column col of a table whose columns share the capacity cap so that need rows fit, the
 * new capacity landing in the size_t c: CXG_GROW picks the same capacity for every column grown
 * from the same cap and need. Nonzero when out of memory; on failure cap is left as it was.
 */
#define SNAP_GROW(col, need, cap, c) ((c) = (cap), CXG_GROW(col, need, c, CXG_GROW_NOCAP))

#endif
