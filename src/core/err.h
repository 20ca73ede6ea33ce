/* err.h: the one error enum of cxgarden and the detail record callers pass in. */
#ifndef CXG_ERR_H
#define CXG_ERR_H

#include <stddef.h>

#define CXG_WUR __attribute__((warn_unused_result))

/* Every fallible function returns one of these; CXG_OK is 0. */
enum cxg_err {
        CXG_OK = 0,
        CXG_ERR_NOMEM,       /* an allocation failed */
        CXG_ERR_IO,          /* a file could not be read or written */
        CXG_ERR_PARSE,       /* input is not well formed (CSV, JSON, a timestamp) */
        CXG_ERR_INVALID,     /* a value is well formed but not acceptable */
        CXG_ERR_NOTFOUND,    /* the thing named does not exist */
        CXG_ERR_CONFLICT,    /* it exists already, or the state forbids the change */
        CXG_ERR_STORE,       /* the database reported an error */
        CXG_ERR_BUSY,        /* the database is locked by another writer for too long */
        CXG_ERR_LIMIT,       /* a configured limit was exceeded */
        CXG_ERR_USAGE,       /* the command line or request is used wrongly */
        CXG_ERR_AUTH,        /* not authenticated */
        CXG_ERR_FORBIDDEN,   /* authenticated but not allowed */
        CXG_ERR_READONLY,    /* the database is read-only */
        CXG_ERR_FULL,        /* the disk is full */
        CXG_ERR_INTERNAL,    /* a bug: please report it */
        CXG_ERR_UNAVAILABLE, /* the database cannot be reached (retried by the store) */
        CXG_ERR__COUNT
};

/* Details of the last failure: what, where (file:line, field) and what to do. */
struct cxg_error {
        enum cxg_err code;
        char msg[512];  /* lower case, no trailing period, names the thing */
        char field[64]; /* the field or column concerned, or "" */
        char file[256]; /* the input file concerned, or "" */
        long line;      /* 1-based line in file, or 0 */
};

/* Short human text for a code ("out of memory"); never NULL. */
const char *cxg_strerror(enum cxg_err code);

/* Reset e to CXG_OK with empty text. e may be NULL. */
void cxg_error_clear(struct cxg_error *e);

/*
 * Record code and a printf-style message in e (which may be NULL) and return code, so a
 * caller can write `return cxg_error_set(err, CXG_ERR_PARSE, "bad date \"%s\"", s);`.
 */
enum cxg_err cxg_error_set(struct cxg_error *e, enum cxg_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like cxg_error_set, also naming the field concerned. */
enum cxg_err cxg_error_setf(struct cxg_error *e, enum cxg_err code, const char *field,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copy the file and line location into e (kept alongside an already set message). */
void cxg_error_at(struct cxg_error *e, const char *file, long line);

/*
 * Format e as one line for a user: "file:line: field 'x': message" (parts omitted when empty)
 * into out (capacity cap). Returns out.
 */
char *cxg_error_format(const struct cxg_error *e, char *out, size_t cap);

#endif
