/*
 * json.h: a read-only JSON decoder for the ingest paths (API ingest bodies, the Segment
 * collection endpoints, JSON-lines import). One parser per thread, reused across documents:
 * cxg_jparse decodes a buffer into a document owned by the parser, and the value handles it
 * hands out stay valid until the next cxg_jparse on that parser or cxg_jparser_free.
 *
 * Handles (struct cxg_jval, struct cxg_jiter) are small opaque values copied freely; the
 * backend behind them is simdjson's DOM (json_simd.cpp, a C++ file behind this C header;
 * json.c holds error positions and cxg_jwrite). Why simdjson and what it costs against
 * jansson: bench/RESULTS.md, "JSON decoding". Building JSON for replies stays with jansson.
 *
 * Thread-safety: a parser and its handles belong to one thread at a time.
 */
#ifndef CXG_JSON_H
#define CXG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum cxg_jtype {
        CXG_J_NULL,
        CXG_J_BOOL,
        CXG_J_INT, /* an integer that fits int64 */
        CXG_J_REAL,
        CXG_J_STRING,
        CXG_J_ARRAY,
        CXG_J_OBJECT,
};

struct cxg_jparser;
/* A value inside a parsed document; the zero value is "absent" (cxg_jtype says CXG_J_NULL). */
struct cxg_jval {
        uint64_t opaque[2];
};
/* Iteration state over an array's elements or an object's members. */
struct cxg_jiter {
        uint64_t opaque[4];
};

/* A new parser, or NULL when out of memory. Free with cxg_jparser_free (NULL is fine). */
struct cxg_jparser *cxg_jparser_new(void);
void cxg_jparser_free(struct cxg_jparser *p);

/*
 * Decode len bytes of buf (need not be NUL-terminated) as one JSON document into *root.
 * Any value may be the document. Rejects invalid UTF-8, duplicate keys in an object, a NUL
 * byte in a key (\u0000 in string values is fine), integers beyond int64 ("too big integer",
 * as jansson) and nesting deeper than 1024. On failure err says what and where ("line L,
 * column C: reason"; err->line is set) and returns CXG_ERR_PARSE, or CXG_ERR_NOMEM.
 */
enum cxg_err cxg_jparse(struct cxg_jparser *p, const char *buf, size_t len, struct cxg_jval *root,
                        struct cxg_error *err) CXG_WUR;

/*
 * The reason of the last failed cxg_jparse on p without its position (e.g. "duplicate object
 * key"), with its line and column (1-based, as jansson counts them; column 0 when the
 * decoder knows no position) in *line and *column (either may be NULL). "" before a failure.
 */
const char *cxg_jparser_failure(const struct cxg_jparser *p, int *line, int *column);

/* Type of v. */
enum cxg_jtype cxg_jtype(struct cxg_jval v);
/* 1 when v is present (a parsed value, JSON null included), 0 for the zero value. */
int cxg_jpresent(struct cxg_jval v);
/* Member key of object v into *out: 1 when found, 0 when absent or v is not an object. */
int cxg_jget(struct cxg_jval v, const char *key, struct cxg_jval *out);
/* String value and its length in bytes (may contain NUL); NULL when v is not a string. The
 * bytes are NUL-terminated and live as long as the document. */
const char *cxg_jstr(struct cxg_jval v, size_t *len);
/* Integer value: 1 when v is an integer that fits int64, else 0. */
int cxg_jint(struct cxg_jval v, int64_t *out);
/* Number value (integer or real) as a double: 1 when v is a number, else 0. */
int cxg_jnum(struct cxg_jval v, double *out);
/* Boolean value: 1 when v is true or false, else 0. */
int cxg_jbool(struct cxg_jval v, int *out);
/* Elements of an array or members of an object; 0 for other types. */
size_t cxg_jsize(struct cxg_jval v);

/* Start iterating array or object v (other types: an empty iteration). */
void cxg_jiter_init(struct cxg_jval v, struct cxg_jiter *it);
/*
 * Next element (arrays: *key set to NULL) or member (objects: *key and *keylen set; key
 * NUL-terminated, living as long as the document) into *val; 0 when done. key and keylen
 * may be NULL.
 */
int cxg_jiter_next(struct cxg_jiter *it, const char **key, size_t *keylen, struct cxg_jval *val);

/* Append v re-encoded as compact JSON text (no spaces) to out. */
enum cxg_err cxg_jwrite(struct cxg_jval v, struct cxg_buf *out) CXG_WUR;

#endif
