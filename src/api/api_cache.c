/*
 * api_cache.c: the server's in-memory read caches (api_cache.h): bearer tokens, login
 * sessions and users by the keyed hash or id the store looks them up by, and the JSON
 * documents of GET /api/v1/accounts/{id} and /people/{id}. Each entry carries the store
 * generation (store_read_gen) read before its row was; a request reads the generations once
 * and uses only entries of the current one, so a revoke, a disabled user or an edited account
 * committed by any process (this server, the CLI, sqlite3) is seen by the very next request.
 * Tables are set-associative with a fixed number of slots: a key maps to a set of
 * CACHE_WAYS slots and, when the set is full, replaces a stale entry or else the least recently
 * used one. Two hot keys that hash to the same set both stay cached; memory stays bounded
 * whatever the traffic.
 */
#include "api/api_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/alloc.h"
#include "core/banned.h"

#define CACHE_STRIPES 64           /* mutexes per cache; set i uses stripe i % CACHE_STRIPES */
#define CACHE_WAYS 4               /* slots per set */
#define CACHE_KEY_MAX 136          /* bytes of a key: entity byte + external id (< 128) */
#define CACHE_AUTH_SLOTS 1024      /* tokens, sessions and users: few, hot */
#define CACHE_ENTITY_SLOTS 16384   /* account and person documents */
#define CACHE_ENTITY_MAX_JSON 8192 /* larger documents are served from the store each time */

struct cache_slot {
        int64_t gen;
        uint64_t used; /* the cache's tick at the last get or put: the set's LRU order */
        size_t klen;   /* 0: empty */
        unsigned char key[CACHE_KEY_MAX];
        void *val;
        size_t vlen;
};

struct cache {
        const char *name;
        size_t nslots; /* power of two, a multiple of CACHE_WAYS */
        struct cache_slot *slots;
        pthread_mutex_t locks[CACHE_STRIPES];
        atomic_long hits, misses;
        atomic_ullong tick;
};

enum { C_TOKEN, C_SESSION, C_USER, C_ENTITY, C__COUNT };

static struct cache caches[C__COUNT] = {
    {.name = "token", .nslots = CACHE_AUTH_SLOTS},
    {.name = "session", .nslots = CACHE_AUTH_SLOTS},
    {.name = "user", .nslots = CACHE_AUTH_SLOTS},
    {.name = "entity", .nslots = CACHE_ENTITY_SLOTS},
};
static pthread_once_t caches_once = PTHREAD_ONCE_INIT;
static int caches_ok;

static void caches_init(void)
{
        for (int c = 0; c < C__COUNT; c++) {
                caches[c].slots = cxg_calloc(caches[c].nslots, sizeof(struct cache_slot));
                if (!caches[c].slots)
                        return; /* caches_ok stays 0: every lookup goes to the store */
                for (int i = 0; i < CACHE_STRIPES; i++)
                        pthread_mutex_init(&caches[c].locks[i], NULL);
        }
        caches_ok = 1;
}

static int ready(void)
{
        pthread_once(&caches_once, caches_init);
        return caches_ok;
}

/* FNV-1a over the key: the set index. */
static size_t set_of(const struct cache *c, const void *key, size_t klen)
{
        const unsigned char *p = key;
        uint64_t h = UINT64_C(1469598103934665603);

        for (size_t i = 0; i < klen; i++)
                h = (h ^ p[i]) * UINT64_C(1099511628211);
        return (size_t)(h & (c->nslots / CACHE_WAYS - 1));
}

/* The slot of key in set (its stripe lock held), or NULL. */
static struct cache_slot *set_find(struct cache_slot *set, const void *key, size_t klen)
{
        for (int w = 0; w < CACHE_WAYS; w++)
                if (set[w].klen == klen && sodium_memcmp(set[w].key, key, klen) == 0)
                        return &set[w];
        return NULL;
}

/* The slot a new key at generation gen takes: an empty one, a stale one, else the LRU one. */
static struct cache_slot *set_victim(struct cache_slot *set, int64_t gen)
{
        struct cache_slot *lru = &set[0];

        for (int w = 0; w < CACHE_WAYS; w++) {
                if (set[w].klen == 0 || set[w].gen != gen)
                        return &set[w];
                if (set[w].used < lru->used)
                        lru = &set[w];
        }
        return lru;
}

/*
 * Find key at generation gen: copy the value into out (capacity cap) or, when dup is set,
 * into a new cxg_malloc'ed buffer in *dup. 1 on a hit, 0 on a miss (or no memory).
 */
static int cache_get(struct cache *c, const void *key, size_t klen, int64_t gen, void *out,
                     size_t cap, char **dup, size_t *len)
{
        size_t i = set_of(c, key, klen);
        pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
        struct cache_slot *s;
        int hit = 0;

        pthread_mutex_lock(m);
        s = set_find(&c->slots[i * CACHE_WAYS], key, klen);
        if (s && s->gen == gen) {
                s->used = atomic_fetch_add_explicit(&c->tick, 1, memory_order_relaxed) + 1;
                if (dup) {
                        *dup = cxg_malloc(s->vlen + 1);
                        if (*dup) {
                                memcpy(*dup, s->val, s->vlen);
                                (*dup)[s->vlen] = '\0';
                                *len = s->vlen;
                                hit = 1;
                        }
                } else if (s->vlen == cap) {
                        memcpy(out, s->val, cap);
                        hit = 1;
                }
        }
        pthread_mutex_unlock(m);
        atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
        return hit;
}

/* Store a copy of val under key at generation gen, replacing the slot's entry. */
static void cache_put(struct cache *c, const void *key, size_t klen, int64_t gen, const void *val,
                      size_t vlen)
{
        size_t i = set_of(c, key, klen);
        pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
        struct cache_slot *s;
        void *copy;

        if (klen == 0 || klen > CACHE_KEY_MAX || !(copy = cxg_malloc(vlen ? vlen : 1)))
                return;
        memcpy(copy, val, vlen);
        pthread_mutex_lock(m);
        s = set_find(&c->slots[i * CACHE_WAYS], key, klen);
        if (!s)
                s = set_victim(&c->slots[i * CACHE_WAYS], gen);
        s->used = atomic_fetch_add_explicit(&c->tick, 1, memory_order_relaxed) + 1;
        if (s->val)
                sodium_memzero(s->val, s->vlen);
        cxg_free(s->val);
        s->val = copy;
        s->vlen = vlen;
        s->gen = gen;
        s->klen = klen;
        memcpy(s->key, key, klen);
        pthread_mutex_unlock(m);
}

/*
 * The generations last read, and when (monotonic seconds): while the database cannot be
 * reached, requests use them for up to STALE_GEN_MAX_S, so cached sessions, tokens and
 * documents keep serving reads through a short outage (nothing can be revoked meanwhile
 * without the database; a revoke committed in the instant before this node lost it is seen
 * when it comes back).
 */
#define STALE_GEN_MAX_S 60
static atomic_llong last_auth = -1, last_entities = -1, last_read_at;

int api_read_gen(struct api_req *r)
{
        struct cxg_error err = {0};
        long long t = (long long)api_mono();

        if (r->gen_state == 0) {
                r->gen_state = -1;
                if (!ready() || !r->st)
                        return 0;
                if (store_read_gen(r->st, &r->gen_auth, &r->gen_entities, &err) == CXG_OK) {
                        r->gen_state = 1;
                        atomic_store(&last_auth, r->gen_auth);
                        atomic_store(&last_entities, r->gen_entities);
                        atomic_store(&last_read_at, t);
                } else if (atomic_load(&last_auth) >= 0 &&
                           t - atomic_load(&last_read_at) <= STALE_GEN_MAX_S) {
                        r->gen_auth = atomic_load(&last_auth);
                        r->gen_entities = atomic_load(&last_entities);
                        r->gen_state = 1;
                }
        }
        return r->gen_state == 1;
}

enum cxg_err api_token_find(struct api_req *r, const unsigned char hash[STORE_HASH_LEN],
                            struct store_token *out, struct cxg_error *err)
{
        struct cache *c = &caches[C_TOKEN];
        int cached = api_read_gen(r);
        enum cxg_err rc;

        if (cached &&
            cache_get(c, hash, STORE_HASH_LEN, r->gen_auth, out, sizeof(*out), NULL, NULL))
                return CXG_OK;
        rc = store_token_find(r->st, hash, out, err);
        if (!rc && cached)
                cache_put(c, hash, STORE_HASH_LEN, r->gen_auth, out, sizeof(*out));
        return rc;
}

enum cxg_err api_session_find(struct api_req *r, const unsigned char hash[STORE_HASH_LEN],
                              int64_t now, struct store_session *out, struct cxg_error *err)
{
        struct cache *c = &caches[C_SESSION];
        int cached = api_read_gen(r);
        enum cxg_err rc;

        if (cached &&
            cache_get(c, hash, STORE_HASH_LEN, r->gen_auth, out, sizeof(*out), NULL, NULL)) {
                if (out->expires_at > now) /* as the store's query: expires_at > now */
                        return CXG_OK;
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "no such session");
        }
        rc = store_session_find(r->st, hash, now, out, err);
        if (!rc && cached)
                cache_put(c, hash, STORE_HASH_LEN, r->gen_auth, out, sizeof(*out));
        return rc;
}

enum cxg_err api_user_by_id(struct api_req *r, int64_t id, struct store_user *out,
                            struct cxg_error *err)
{
        struct cache *c = &caches[C_USER];
        int cached = api_read_gen(r);
        enum cxg_err rc;

        if (cached && cache_get(c, &id, sizeof(id), r->gen_auth, out, sizeof(*out), NULL, NULL))
                return CXG_OK;
        rc = store_user_by_id(r->st, id, out, err);
        if (!rc) {
                /* the password hash is not needed to authenticate: never keep a copy */
                sodium_memzero(out->password_hash, sizeof(out->password_hash));
                if (cached)
                        cache_put(c, &id, sizeof(id), r->gen_auth, out, sizeof(*out));
        }
        return rc;
}

/* The key of an entity document: the entity number, then the external id. 0: not cacheable. */
static size_t entity_key(int entity, const char *id, unsigned char *key)
{
        size_t n = strlen(id);

        if (n + 1 > CACHE_KEY_MAX)
                return 0;
        key[0] = (unsigned char)entity;
        memcpy(key + 1, id, n);
        return n + 1;
}

int api_entity_cached(struct api_req *r, int entity, const char *id)
{
        unsigned char key[CACHE_KEY_MAX];
        size_t klen = entity_key(entity, id, key);
        char *doc = NULL;
        size_t len = 0;

        if (!klen || !api_read_gen(r) ||
            !cache_get(&caches[C_ENTITY], key, klen, r->gen_entities, NULL, 0, &doc, &len))
                return 0;
        cxg_free(r->reply);
        r->status = 200;
        r->reply = doc;
        r->reply_len = len;
        r->reply_type = NULL;
        return 1;
}

void api_entity_remember(struct api_req *r, int entity, const char *id)
{
        unsigned char key[CACHE_KEY_MAX];
        size_t klen = entity_key(entity, id, key);

        if (klen && r->status == 200 && r->reply && r->reply_len <= CACHE_ENTITY_MAX_JSON &&
            api_read_gen(r))
                cache_put(&caches[C_ENTITY], key, klen, r->gen_entities, r->reply, r->reply_len);
}

enum cxg_err api_cache_metrics(struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_printf(
            b, "# HELP cxgarden_read_cache_total Lookups served from the in-memory read caches "
               "(hit) or the store (miss).\n"
               "# TYPE cxgarden_read_cache_total counter\n");

        for (int c = 0; c < C__COUNT && !rc; c++)
                rc = cxg_buf_printf(b,
                                    "cxgarden_read_cache_total{cache=\"%s\",result=\"hit\"} %ld\n"
                                    "cxgarden_read_cache_total{cache=\"%s\",result=\"miss\"} %ld\n",
                                    caches[c].name, atomic_load(&caches[c].hits), caches[c].name,
                                    atomic_load(&caches[c].misses));
        return rc;
}
