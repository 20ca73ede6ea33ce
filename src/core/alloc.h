/* alloc.h: the one allocation wrapper; tests can make the k-th allocation fail. */
#ifndef CXG_ALLOC_H
#define CXG_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup that return NULL on failure (or on an injected failure). */
void *cxg_malloc(size_t n);
void *cxg_calloc(size_t count, size_t size);
void *cxg_realloc(void *p, size_t n);
char *cxg_strdup(const char *s);
char *cxg_strndup(const char *s, size_t n);
/* free(p); NULL is fine. */
void cxg_free(void *p);

/*
 * Fault injection for out-of-memory tests: after cxg_alloc_fail_at(k) the k-th following
 * allocation (1-based) and every one after it fails, until cxg_alloc_fail_at(0) disables it.
 * Not thread-safe by design: tests drive it from one thread.
 */
void cxg_alloc_fail_at(unsigned long k);
/*
 * Like cxg_alloc_fail_at(k), but only the k-th allocation fails and the later ones succeed
 * again: tests that code which survives one failure (a cache dropped, a retry) stays right.
 */
void cxg_alloc_fail_once(unsigned long k);
/* Allocations made since the last cxg_alloc_fail_at() call. */
unsigned long cxg_alloc_count(void);

/*
 * Allocations that failed on the calling thread so far (injected failures included). A
 * library that allocates through these functions (jansson does once main() has called
 * json_set_alloc_funcs(cxg_malloc, cxg_free)) may report running out of memory as bad input;
 * comparing this count before and after the call tells the two apart.
 */
unsigned long cxg_alloc_failures(void);

#endif
