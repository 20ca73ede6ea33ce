/*
 * json_int.h: what the two halves of json.h's implementation share: json_simd.cpp (the
 * simdjson backend, C++) and json.c (error positions and cxg_jwrite, C).
 */
#ifndef CXG_JSON_INT_H
#define CXG_JSON_INT_H

#include <stddef.h>

#include "core/err.h"

/* Nesting depth the decoder accepts (simdjson's default; jansson's is 2048). */
#define CXG_JSON_MAX_DEPTH 1024

/* The last failure of a parser, for cxg_jparser_failure. */
struct cxg_jfail {
        int line, column;
        char reason[160];
};

/*
 * The backend rejected len bytes of buf for why (its own words, no position): re-parse them
 * with jansson for "line L, column C: reason" in err (err->line set) and return CXG_ERR_PARSE,
 * or CXG_ERR_NOMEM when jansson runs out of memory. When jansson accepts the text (a limit
 * only the backend has, such as nesting depth), err says why at line 1, column 0.
 */
enum cxg_err cxg_json_fail(const char *buf, size_t len, const char *why, struct cxg_jfail *f,
                           struct cxg_error *err);

#endif
