/*
 * shard.c: shard keys and shard sets (shard.h). The key is FNV-1a over the external id's
 * bytes, taken modulo the shard count; schema_pg.c's cxg_shard_key computes the same in SQL.
 */
#include "model/shard.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

#define FNV32_OFFSET UINT32_C(2166136261)
#define FNV32_PRIME UINT32_C(16777619)

uint32_t cxg_shard_key(const char *ext_id)
{
        uint32_t h = FNV32_OFFSET;

        for (const unsigned char *p = (const unsigned char *)ext_id; *p; p++)
                h = (h ^ *p) * FNV32_PRIME;
        return h;
}

uint32_t cxg_shard_of(const char *ext_id, uint32_t n_shards)
{
        return n_shards ? cxg_shard_key(ext_id) % n_shards : 0;
}

void cxg_shardset_init(struct cxg_shardset *set, uint32_t n, int all)
{
        memset(set, 0, sizeof(*set));
        set->n = n > CXG_SHARDS_MAX ? CXG_SHARDS_MAX : n;
        for (uint32_t i = 0; all && i < set->n; i++)
                cxg_shardset_add(set, i);
}

int cxg_shardset_has(const struct cxg_shardset *set, uint32_t shard)
{
        return shard < set->n && (set->bits[shard / 64] >> (shard % 64)) & 1;
}

void cxg_shardset_add(struct cxg_shardset *set, uint32_t shard)
{
        if (shard < set->n)
                set->bits[shard / 64] |= UINT64_C(1) << (shard % 64);
}

void cxg_shardset_del(struct cxg_shardset *set, uint32_t shard)
{
        if (shard < set->n)
                set->bits[shard / 64] &= ~(UINT64_C(1) << (shard % 64));
}

uint32_t cxg_shardset_count(const struct cxg_shardset *set)
{
        uint32_t k = 0;

        for (size_t w = 0; w < CXG_SHARDS_MAX / 64; w++)
                k += (uint32_t)__builtin_popcountll(set->bits[w]);
        return k;
}

int cxg_shardset_equal(const struct cxg_shardset *a, const struct cxg_shardset *b)
{
        return a->n == b->n && memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

char *cxg_shardset_format(const struct cxg_shardset *set, char *out, size_t cap)
{
        size_t len = 0;

        if (!cap)
                return out;
        out[0] = '\0';
        for (uint32_t i = 0; i < set->n; i++) {
                uint32_t j = i;
                int w;

                if (!cxg_shardset_has(set, i))
                        continue;
                while (j + 1 < set->n && cxg_shardset_has(set, j + 1))
                        j++;
                w = j > i ? snprintf(out + len, cap - len, "%s%u-%u", len ? "," : "", i, j)
                          : snprintf(out + len, cap - len, "%s%u", len ? "," : "", i);
                if (w < 0 || (size_t)w >= cap - len) {
                        if (cap > 4)
                                memcpy(out + cap - 4, "...", 4);
                        return out;
                }
                len += (size_t)w;
                i = j;
        }
        return out;
}
