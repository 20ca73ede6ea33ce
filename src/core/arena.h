/* arena.h: bump allocator for per-request and per-batch memory, freed all at once. */
#ifndef CXG_ARENA_H
#define CXG_ARENA_H

#include <stddef.h>

struct cxg_arena_block;

struct cxg_arena {
        struct cxg_arena_block *head;
        size_t block_size; /* default size of a new block */
        size_t used;       /* bytes handed out since the last clear */
        size_t max;        /* 0: unlimited; else allocations past max bytes fail */
};

/* Set up an empty arena whose blocks are block_size bytes (0: 64 KiB), capped at max (0: none). */
void cxg_arena_init(struct cxg_arena *a, size_t block_size, size_t max);
/* Free every block. The arena is empty and reusable. */
void cxg_arena_release(struct cxg_arena *a);
/* Forget all allocations but keep the first block for reuse. */
void cxg_arena_clear(struct cxg_arena *a);
/* n bytes aligned to 16; NULL when out of memory or over max. Freed by clear/release. */
void *cxg_arena_alloc(struct cxg_arena *a, size_t n);
/* Copy of n bytes of s with a NUL added; NULL on failure. */
char *cxg_arena_strndup(struct cxg_arena *a, const char *s, size_t n);
/* Copy of a NUL-terminated string (NULL stays NULL). */
char *cxg_arena_strdup(struct cxg_arena *a, const char *s);

#endif
