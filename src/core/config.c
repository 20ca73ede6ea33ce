/* config.c: a small INI reader; later keys override earlier ones. */
#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/banned.h"

/* Distinct keys a configuration holds (lookups are linear; a real file has about a hundred). */
#define CONFIG_MAX_KEYS 4096

void cxg_config_init(struct cxg_config *c)
{
        memset(c, 0, sizeof(*c));
}

void cxg_config_release(struct cxg_config *c)
{
        for (size_t i = 0; i < c->count; i++) {
                cxg_free(c->entries[i].key);
                cxg_free(c->entries[i].value);
        }
        cxg_free(c->entries);
        memset(c, 0, sizeof(*c));
}

static struct cxg_config_entry *lookup(const struct cxg_config *c, const char *key)
{
        for (size_t i = c->count; i-- > 0;)
                if (strcmp(c->entries[i].key, key) == 0)
                        return &c->entries[i];
        return NULL;
}

static enum cxg_err set_line(struct cxg_config *c, const char *key, const char *value, long line)
{
        struct cxg_config_entry *e = lookup(c, key);
        char *v = cxg_strdup(value);
        enum cxg_err rc;

        if (!v)
                return CXG_ERR_NOMEM;
        if (e) {
                cxg_free(e->value);
                e->value = v;
                e->line = line;
                return CXG_OK;
        }
        rc = CXG_GROW(c->entries, c->count + 1, c->cap, CONFIG_MAX_KEYS);
        if (rc) {
                cxg_free(v);
                return rc;
        }
        e = &c->entries[c->count];
        e->key = cxg_strdup(key);
        if (!e->key) {
                cxg_free(v);
                return CXG_ERR_NOMEM;
        }
        e->value = v;
        e->line = line;
        c->count++;
        return CXG_OK;
}

enum cxg_err cxg_config_set(struct cxg_config *c, const char *key, const char *value)
{
        return set_line(c, key, value, 0);
}

enum cxg_err cxg_config_load(struct cxg_config *c, const char *path, struct cxg_error *err)
{
        char line[1024], section[128] = "", key[256];
        FILE *f = fopen(path, "r");
        long lineno = 0;
        enum cxg_err rc = CXG_OK;

        if (!f)
                return cxg_error_set(err, CXG_ERR_IO, "config: cannot open %s", path);
        snprintf(c->path, sizeof(c->path), "%s", path);
        while (fgets(line, sizeof(line), f)) {
                const char *s = line, *eq, *k, *v;
                size_t n = strlen(line), kn, vn;

                lineno++;
                if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
                        rc = cxg_error_set(err, CXG_ERR_PARSE, "%s:%ld: line too long", path,
                                           lineno);
                        goto done;
                }
                cxg_trim(&s, &n);
                if (!n || s[0] == '#' || s[0] == ';')
                        continue;
                if (s[0] == '[') {
                        if (s[n - 1] != ']' || n - 2 >= sizeof(section)) {
                                rc = cxg_error_set(err, CXG_ERR_PARSE,
                                                   "%s:%ld: expected '[section]'", path, lineno);
                                goto done;
                        }
                        k = s + 1;
                        kn = n - 2;
                        cxg_trim(&k, &kn);
                        for (size_t i = 0; i < kn; i++)
                                section[i] = (char)tolower((unsigned char)k[i]);
                        section[kn] = '\0';
                        continue;
                }
                eq = memchr(s, '=', n);
                if (!eq) {
                        rc = cxg_error_set(err, CXG_ERR_PARSE, "%s:%ld: expected 'key = value'",
                                           path, lineno);
                        goto done;
                }
                k = s;
                kn = (size_t)(eq - s);
                v = eq + 1;
                vn = n - kn - 1;
                cxg_trim(&k, &kn);
                cxg_trim(&v, &vn);
                if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
                        v++;
                        vn -= 2;
                }
                if (!kn) {
                        rc = cxg_error_set(err, CXG_ERR_PARSE, "%s:%ld: empty key", path, lineno);
                        goto done;
                }
                snprintf(key, sizeof(key), "%s%s%.*s", section, section[0] ? "." : "", (int)kn, k);
                for (char *p = key; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                {
                        char val[1024];

                        snprintf(val, sizeof(val), "%.*s", (int)vn, v);
                        rc = set_line(c, key, val, lineno);
                        if (rc == CXG_ERR_LIMIT)
                                rc = cxg_error_set(err, rc, "%s:%ld: too many keys (at most %d)",
                                                   path, lineno, CONFIG_MAX_KEYS);
                        if (rc)
                                goto done;
                }
        }
done:
        fclose(f);
        return rc;
}

const char *cxg_config_get(const struct cxg_config *c, const char *key)
{
        struct cxg_config_entry *e = lookup(c, key);

        return e ? e->value : NULL;
}

enum cxg_err cxg_config_double(const struct cxg_config *c, const char *key, double def, double *out,
                               struct cxg_error *err)
{
        struct cxg_config_entry *e = lookup(c, key);

        *out = def;
        if (!e)
                return CXG_OK;
        if (cxg_parse_double(e->value, strlen(e->value), out, NULL))
                return cxg_error_set(err, CXG_ERR_INVALID, "%s:%ld: %s: not a number: \"%s\"",
                                     c->path, e->line, key, e->value);
        return CXG_OK;
}

enum cxg_err cxg_config_long(const struct cxg_config *c, const char *key, long def, long min,
                             long max, long *out, struct cxg_error *err)
{
        struct cxg_config_entry *e = lookup(c, key);
        int64_t v;

        *out = def;
        if (!e)
                return CXG_OK;
        if (cxg_parse_int64(e->value, strlen(e->value), &v, NULL) || v < min || v > max)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "%s:%ld: %s: expected a whole number from %ld to %ld, got "
                                     "\"%s\"",
                                     c->path, e->line, key, min, max, e->value);
        *out = (long)v;
        return CXG_OK;
}
