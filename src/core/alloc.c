/* alloc.c: allocation wrapper with failure injection for OOM tests. */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static unsigned long fail_at; /* 0: never fail */
static int fail_once;         /* only the fail_at-th allocation fails */
static unsigned long n_allocs;
static _Thread_local unsigned long n_failed;

void cxg_alloc_fail_at(unsigned long k)
{
        fail_at = k;
        fail_once = 0;
        n_allocs = 0;
}

void cxg_alloc_fail_once(unsigned long k)
{
        fail_at = k;
        fail_once = 1;
        n_allocs = 0;
}

unsigned long cxg_alloc_count(void)
{
        return n_allocs;
}

unsigned long cxg_alloc_failures(void)
{
        return n_failed;
}

static int should_fail(void)
{
        if (!fail_at || ++n_allocs < fail_at || (fail_once && n_allocs > fail_at))
                return 0;
        n_failed++;
        return 1;
}

/* p, counting a failure when it is NULL */
static void *counted(void *p)
{
        if (!p)
                n_failed++;
        return p;
}

void *cxg_malloc(size_t n)
{
        if (should_fail())
                return NULL;
        return counted(malloc(n ? n : 1));
}

void *cxg_calloc(size_t count, size_t size)
{
        if (should_fail())
                return NULL;
        return counted(calloc(count ? count : 1, size ? size : 1));
}

void *cxg_realloc(void *p, size_t n)
{
        if (should_fail())
                return NULL;
        return counted(realloc(p, n ? n : 1));
}

char *cxg_strndup(const char *s, size_t n)
{
        char *d = cxg_malloc(n + 1);

        if (!d)
                return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

char *cxg_strdup(const char *s)
{
        return s ? cxg_strndup(s, strlen(s)) : NULL;
}

void cxg_free(void *p)
{
        free(p);
}
