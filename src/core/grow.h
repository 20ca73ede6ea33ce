/*
 * grow.h: the one way an array grows (after git's ALLOC_GROW), with a cap and an overflow
 * check, so a hostile input gets CXG_ERR_LIMIT instead of all the memory.
 *
 *     if (CXG_GROW(v->items, v->n + 1, v->cap, MAX_ITEMS))
 *             return cxg_error_set(err, CXG_ERR_NOMEM, "...");
 *
 * grows `arr` (a typed pointer, realloc'ed through cxg_realloc) so that at least `need`
 * elements fit, updating `alloc` (a size_t); capacity grows by half again (at least 16) but
 * never past `cap` elements. Evaluates to CXG_OK, CXG_ERR_LIMIT (need > cap) or CXG_ERR_NOMEM;
 * on failure arr and alloc are unchanged.
 */
#ifndef CXG_GROW_H
#define CXG_GROW_H

#include <stddef.h>

#include "core/err.h"

/* No cap beyond what size_t arithmetic allows. */
#define CXG_GROW_NOCAP ((size_t)-1)

enum cxg_err cxg_grow_array(void **arr, size_t elem, size_t need, size_t *alloc,
                            size_t cap) CXG_WUR;

#define CXG_GROW(arr, need, alloc, cap)                                                            \
        cxg_grow_array((void **)&(arr), sizeof(*(arr)), (size_t)(need), &(alloc), (size_t)(cap))

#endif
