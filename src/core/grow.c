/* grow.c: capped, overflow-checked array growth for CXG_GROW (see grow.h). */
#include <stdint.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"

/* Smallest capacity a growing array starts at. */
#define GROW_MIN 16

enum cxg_err cxg_grow_array(void **arr, size_t elem, size_t need, size_t *alloc, size_t cap)
{
        size_t n;
        void *p;

        if (need <= *alloc)
                return CXG_OK;
        if (need > cap)
                return CXG_ERR_LIMIT;
        n = *alloc + *alloc / 2;
        if (n < GROW_MIN)
                n = GROW_MIN;
        if (n < need)
                n = need;
        if (n > cap)
                n = cap;
        if (elem && n > SIZE_MAX / elem)
                return CXG_ERR_NOMEM;
        p = cxg_realloc(*arr, n * elem);
        if (!p)
                return CXG_ERR_NOMEM;
        *arr = p;
        *alloc = n;
        return CXG_OK;
}
