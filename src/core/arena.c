/* arena.c: a linked list of blocks; allocation bumps a pointer in the newest block. */
#include "core/arena.h"

#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"

struct cxg_arena_block {
        struct cxg_arena_block *next;
        size_t size;
        size_t off;
        _Alignas(16) unsigned char mem[];
};

void cxg_arena_init(struct cxg_arena *a, size_t block_size, size_t max)
{
        a->head = NULL;
        a->block_size = block_size ? block_size : 64 * 1024;
        a->used = 0;
        a->max = max;
}

void cxg_arena_release(struct cxg_arena *a)
{
        struct cxg_arena_block *b = a->head, *next;

        while (b) {
                next = b->next;
                cxg_free(b);
                b = next;
        }
        a->head = NULL;
        a->used = 0;
}

void cxg_arena_clear(struct cxg_arena *a)
{
        struct cxg_arena_block *b, *next;

        if (!a->head)
                return;
        /* keep the last block of the list: the first one allocated */
        b = a->head;
        while (b->next) {
                next = b->next;
                cxg_free(b);
                b = next;
        }
        b->off = 0;
        a->head = b;
        a->used = 0;
}

void *cxg_arena_alloc(struct cxg_arena *a, size_t n)
{
        struct cxg_arena_block *b = a->head;
        size_t need = (n + 15) & ~(size_t)15;
        void *p;

        if (need < n)
                return NULL;
        if (a->max && (need > a->max || a->used > a->max - need))
                return NULL;
        if (!b || b->size - b->off < need) {
                size_t sz = need > a->block_size ? need : a->block_size;

                b = cxg_malloc(sizeof(*b) + sz);
                if (!b)
                        return NULL;
                b->size = sz;
                b->off = 0;
                b->next = a->head;
                a->head = b;
        }
        p = b->mem + b->off;
        b->off += need;
        a->used += need;
        return p;
}

char *cxg_arena_strndup(struct cxg_arena *a, const char *s, size_t n)
{
        char *d = cxg_arena_alloc(a, n + 1);

        if (!d)
                return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

char *cxg_arena_strdup(struct cxg_arena *a, const char *s)
{
        return s ? cxg_arena_strndup(a, s, strlen(s)) : NULL;
}
