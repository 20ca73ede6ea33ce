/*
 * shard.h: the account space cut into a fixed number of shards for scale-out (docs/
 * architecture.md, "Scale-out"): an account's shard is the FNV-1a hash of its external id's
 * bytes modulo the shard count (64 by default), the same in C, in PostgreSQL (the
 * cxg_shard_key function of the schema) and on every node, and stable when a store moves
 * (internal ids may change, external ids do not). A set of shards is a bitmap.
 */
#ifndef CXG_MODEL_SHARD_H
#define CXG_MODEL_SHARD_H

#include <stddef.h>
#include <stdint.h>

#define CXG_SHARDS_DEFAULT 64
#define CXG_SHARDS_MAX 1024

/* FNV-1a (32 bits) over the bytes of ext_id: the key every shard count is taken from. */
uint32_t cxg_shard_key(const char *ext_id);
/* The shard of an account with external id ext_id among n_shards (1..CXG_SHARDS_MAX). */
uint32_t cxg_shard_of(const char *ext_id, uint32_t n_shards);

/* A set of shards out of n (n <= CXG_SHARDS_MAX). */
struct cxg_shardset {
        uint32_t n;
        uint64_t bits[CXG_SHARDS_MAX / 64];
};

/* The empty set of n shards (every shard when all is set). */
void cxg_shardset_init(struct cxg_shardset *set, uint32_t n, int all);
int cxg_shardset_has(const struct cxg_shardset *set, uint32_t shard);
void cxg_shardset_add(struct cxg_shardset *set, uint32_t shard);
void cxg_shardset_del(struct cxg_shardset *set, uint32_t shard);
uint32_t cxg_shardset_count(const struct cxg_shardset *set);
/* 1 when the sets have the same n and members. */
int cxg_shardset_equal(const struct cxg_shardset *a, const struct cxg_shardset *b);
/* "0-3,7,9-12" into out (capacity cap; cut with "..." when longer); out returned. */
char *cxg_shardset_format(const struct cxg_shardset *set, char *out, size_t cap);

#endif
