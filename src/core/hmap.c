/* hmap.c: linear-probing hash table keyed by strings, keys copied into an arena. */
#include "core/hmap.h"

#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"

uint32_t cxg_hash(const char *s, size_t n)
{
        uint32_t h = 2166136261u;
        size_t i;

        for (i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 16777619u;
        }
        return h;
}

void cxg_hmap_init(struct cxg_hmap *m)
{
        m->slots = NULL;
        m->cap = m->count = 0;
        cxg_arena_init(&m->keys, 256 * 1024, 0);
}

void cxg_hmap_release(struct cxg_hmap *m)
{
        cxg_free(m->slots);
        m->slots = NULL;
        m->cap = m->count = 0;
        cxg_arena_release(&m->keys);
}

static struct cxg_hmap_slot *find(const struct cxg_hmap *m, const char *key, size_t n, uint32_t h)
{
        size_t i = h & (m->cap - 1);

        for (;;) {
                struct cxg_hmap_slot *s = &m->slots[i];

                if (!s->key)
                        return s;
                if (s->hash == h && s->len == n && memcmp(s->key, key, n) == 0)
                        return s;
                i = (i + 1) & (m->cap - 1);
        }
}

static enum cxg_err grow(struct cxg_hmap *m)
{
        size_t ncap = m->cap ? m->cap * 2 : 64, i;
        struct cxg_hmap_slot *old = m->slots, *ns;
        size_t ocap = m->cap;

        ns = cxg_calloc(ncap, sizeof(*ns));
        if (!ns)
                return CXG_ERR_NOMEM;
        m->slots = ns;
        m->cap = ncap;
        for (i = 0; i < ocap; i++) {
                if (old[i].key)
                        *find(m, old[i].key, old[i].len, old[i].hash) = old[i];
        }
        cxg_free(old);
        return CXG_OK;
}

int cxg_hmap_get(const struct cxg_hmap *m, const char *key, size_t n, uint64_t *val)
{
        struct cxg_hmap_slot *s;

        if (!m->cap)
                return 0;
        s = find(m, key, n, cxg_hash(key, n));
        if (!s->key)
                return 0;
        if (val)
                *val = s->val;
        return 1;
}

enum cxg_err cxg_hmap_intern(struct cxg_hmap *m, const char *key, size_t n, uint64_t *val,
                             int *found, const char **stored)
{
        uint32_t h = cxg_hash(key, n);
        struct cxg_hmap_slot *s;
        char *copy;

        if (n > UINT32_MAX)
                return CXG_ERR_LIMIT;
        if ((m->count + 1) * 4 > m->cap * 3) {
                enum cxg_err rc = grow(m);

                if (rc)
                        return rc;
        }
        s = find(m, key, n, h);
        if (s->key) {
                *val = s->val;
                if (found)
                        *found = 1;
                if (stored)
                        *stored = s->key;
                return CXG_OK;
        }
        copy = cxg_arena_strndup(&m->keys, key, n);
        if (!copy)
                return CXG_ERR_NOMEM;
        s->key = copy;
        s->len = (uint32_t)n;
        s->hash = h;
        s->val = *val;
        m->count++;
        if (found)
                *found = 0;
        if (stored)
                *stored = copy;
        return CXG_OK;
}

enum cxg_err cxg_hmap_put(struct cxg_hmap *m, const char *key, size_t n, uint64_t val)
{
        uint64_t v = val;
        int found;
        enum cxg_err rc = cxg_hmap_intern(m, key, n, &v, &found, NULL);

        if (rc)
                return rc;
        if (found)
                find(m, key, n, cxg_hash(key, n))->val = val;
        return CXG_OK;
}
