/* config.h: INI-style configuration files ("[section]" and "key = value" lines). */
#ifndef CXG_CONFIG_H
#define CXG_CONFIG_H

#include <stddef.h>

#include "core/err.h"

struct cxg_config_entry {
        char *key;   /* "section.key", lower case; keys before any section have no prefix */
        char *value; /* trimmed, surrounding double quotes removed */
        long line;
};

struct cxg_config {
        struct cxg_config_entry *entries;
        size_t count, cap;
        char path[256];
};

/* Set up an empty configuration. */
void cxg_config_init(struct cxg_config *c);
/* Free every entry. */
void cxg_config_release(struct cxg_config *c);
/*
 * Read path into c (entries add to or override those already there). Errors name the file
 * and line: "cxgarden.ini:12: expected 'key = value'".
 */
enum cxg_err cxg_config_load(struct cxg_config *c, const char *path, struct cxg_error *err) CXG_WUR;
/* Set key to value (copied), overriding any earlier value. */
enum cxg_err cxg_config_set(struct cxg_config *c, const char *key, const char *value) CXG_WUR;
/* Value of "section.key", or NULL when absent. */
const char *cxg_config_get(const struct cxg_config *c, const char *key);
/* Number at key, or def when absent; CXG_ERR_INVALID (naming file:line) when not a number. */
enum cxg_err cxg_config_double(const struct cxg_config *c, const char *key, double def, double *out,
                               struct cxg_error *err) CXG_WUR;
/* Whole number at key within [min, max], or def when absent. */
enum cxg_err cxg_config_long(const struct cxg_config *c, const char *key, long def, long min,
                             long max, long *out, struct cxg_error *err) CXG_WUR;

#endif
